# ruff: noqa: F811 - pytest fixtures imported from other conftests are parameters here
"""Lists with a total answer as fast for a city user at 15,000,000 people as for a county user (issue 22):
core.pagination.fast_count gives the exact total when it is cheap and the planner's estimate, shown as
"共约 N 条", above a threshold — on the keyset lists (people) and the numbered ones (assessments, payment
lines: offset_page), which then page without counting everything."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from tests.people.conftest import new_person  # noqa: F401 - fixture
from yanglao.core import pagination
from yanglao.core.pagination import fast_count, offset_page
from yanglao.core.testing import page_client
from yanglao.people.models import Person

pytestmark = pytest.mark.django_db


def test_a_numbered_list_above_the_threshold_pages_on_an_estimate_labelled_as_such(new_person, monkeypatch,
                                                                                      is_postgres):
    if not is_postgres:
        pytest.skip("the estimate is PostgreSQL's")
    for _ in range(45):
        new_person()
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 10)
    qs = Person.objects.order_by("pk")
    first = offset_page(RequestFactory().get("/x/"), qs)
    assert first.approximate and first.count >= 11 and len(first) == 20
    assert first.next_url == "?page=2" and first.previous_url is None
    second = offset_page(RequestFactory().get("/x/", {"page": "2"}), qs)
    assert [p.pk for p in second] == list(qs.values_list("pk", flat=True)[20:40])
    assert second.next_url == "?page=3" and second.page_numbers[:2] == [1, 2]
    last = offset_page(RequestFactory().get("/x/", {"page": "3"}), qs)
    assert len(last) == 5 and last.next_url is None and last.previous_url == "?page=2"
    beyond = offset_page(RequestFactory().get("/x/", {"page": "50"}), qs)
    assert beyond.number == 1 and len(beyond) == 20  # past where the estimate reached: a page, not an error


def test_below_the_threshold_the_total_is_exact_and_counted_once(new_person):
    for _ in range(3):
        new_person()
    page = offset_page(RequestFactory().get("/x/"), Person.objects.order_by("pk"))
    assert (page.count, page.approximate, page.num_pages) == (3, False, 1)
    assert fast_count(Person.objects.all()) == (3, False)


def test_the_people_list_says_about_when_its_total_is_an_estimate(jiangcheng, new_person, monkeypatch, is_postgres):
    if not is_postgres:
        pytest.skip("the estimate is PostgreSQL's")
    for _ in range(5):
        new_person()
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 2)
    html = page_client(jiangcheng).get("/people/").content.decode()
    assert "共约" in html
