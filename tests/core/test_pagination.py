# ruff: noqa: F811 - pytest fixtures imported from other conftests are parameters here
"""Lists page the same way everywhere (issue 19 item 12): one helper (core.pagination) and one template
(core/_pagination.html) — a total "共 N 条" on every list, page numbers where an offset is cheap (20 a
page), keyset pages with a fast total on the people registry and the audit log (exact when few, the
planner's estimate labelled 约 beyond), residents of a large home paged on its record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory

from tests.institutions.conftest import home  # noqa: F401 - fixture
from tests.people.conftest import new_person  # noqa: F401 - fixture
from yanglao.core.pagination import PAGE_SIZE, fast_count, keyset_page, offset_page
from yanglao.core.testing import page_client
from yanglao.people.models import Person

pytestmark = pytest.mark.django_db


def test_offset_pages_have_numbers_a_total_and_keep_the_filters():
    request = RequestFactory().get("/x/", {"q": "北门", "page": "6"})
    page = offset_page(request, list(range(1, 401)))
    assert (page.count, page.number, page.num_pages, len(page)) == (400, 6, 20, PAGE_SIZE)
    assert page.rows[0] == 101
    assert page.page_numbers == [1, None, 4, 5, 6, 7, 8, None, 20]  # RuoYi style, elided
    assert page.next_url == "?q=%E5%8C%97%E9%97%A8&page=7" and page.previous_url.endswith("page=5")


def test_a_page_number_out_of_range_or_not_a_number_shows_a_page_not_an_error():
    assert offset_page(RequestFactory().get("/x/", {"page": "999"}), list(range(45))).number == 3
    assert offset_page(RequestFactory().get("/x/", {"page": "abc"}), list(range(45))).number == 1


def test_fast_count_is_exact_when_few_and_an_estimate_labelled_approximate_beyond(new_person, is_postgres):  # noqa: F811
    for _ in range(3):
        new_person()
    assert fast_count(Person.objects.all()) == (3, False)
    count, approximate = fast_count(Person.objects.all(), exact_limit=2)
    if is_postgres:
        assert approximate and count >= 3  # the planner's estimate, never less than what was counted
    else:
        assert (count, approximate) == (3, False)


@pytest.mark.django_db
def test_a_list_that_can_match_nothing_counts_zero_instead_of_failing(new_person):  # noqa: F811
    """`pk__in=[]` and .none() make Django run no SQL at all (EmptyResultSet): the planner's estimate must not
    turn that into a 500 (a role with no courses in its area opened 培训课程 and got one)."""
    new_person()
    assert fast_count(Person.objects.filter(pk__in=[])) == (0, False)
    assert fast_count(Person.objects.none()) == (0, False)


def test_the_people_list_shows_its_total_and_keeps_keyset_pages(jiangcheng, new_person):  # noqa: F811
    for _ in range(PAGE_SIZE + 3):
        new_person()
    client = page_client(jiangcheng)
    html = client.get("/people/").content.decode()
    assert 'data-testid="pager-count"' in html and "共 23 条" in html
    assert "after=" in html  # the next page is a keyset link
    page = keyset_page(RequestFactory().get("/people/"), Person.objects.restrict(jiangcheng))
    assert len(page) == PAGE_SIZE and page.next_after is not None
    second = keyset_page(RequestFactory().get("/people/", {"after": page.next_after}), Person.objects.restrict(jiangcheng))
    assert len(second) == 3 and second.count == 23 and second.first_url == "?"
    assert "共 23 条" in client.get(f"/people/{page.next_url}").content.decode()


def test_the_audit_log_pages_with_a_total(auditor, jiangcheng, new_person):  # noqa: F811
    new_person()
    html = page_client(auditor).get("/audit/").content.decode()
    assert 'data-testid="pager-count"' in html and "共" in html


def test_a_home_with_many_residents_pages_them_on_its_record(home, jiangcheng, new_person):  # noqa: F811
    from yanglao.institutions import services
    from yanglao.institutions.models import Residency

    services.beds_add(by=jiangcheng, institution=home, building="2号楼", floor="1",
                      rooms=[str(n) for n in range(201, 214)], beds_per_room=2, bed_type="nursing")
    for bed in list(home.beds.all())[:25]:
        Residency.objects.create(person=new_person(), institution=home, bed=bed, admitted_on=dt.date(2025, 1, 1),
                                 division_code=home.division_code)
    client = page_client(jiangcheng)
    html = client.get(f"/institutions/{home.pk}/").content.decode()
    assert "在院老年人（25）" in html and "共 25 条" in html and "residents_page=2" in html
    assert html.count('data-testid="discharge-') == PAGE_SIZE
    second = client.get(f"/institutions/{home.pk}/?residents_page=2").content.decode()
    assert second.count('data-testid="discharge-') == 5


@pytest.mark.parametrize("url", ["/assessments/", "/assessments/due/", "/benefits/", "/benefits/enrolments/",
                                 "/benefits/suspensions/", "/institutions/", "/audit/logins/"])
def test_every_console_list_shows_the_same_pager(url, city_admin, auditor):
    user = auditor if url.startswith("/audit") else city_admin
    got = page_client(user).get(url)
    assert got.status_code == 200, url
    assert 'data-testid="pager-count"' in got.content.decode(), url


