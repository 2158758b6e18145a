"""Assessment pages: scope on every list and detail, the person's record card, the home-visit form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yanglao.assessments.choices import Status
from yanglao.assessments.models import Assessment
from yanglao.core.models import AuditAction, AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import assert_jurisdiction_scoped, make_user, other_county, page_client

from .conftest import items_with_total

pytestmark = pytest.mark.django_db


def form_post(items: dict[str, int], **extra: str) -> dict[str, str]:
    data = {f"item-{code}": str(score) for code, score in items.items()}
    return data | extra


def test_the_care_level_appears_on_the_persons_record_right_after_approval(workflow, person, jiangcheng):
    client = page_client(jiangcheng)
    a = workflow(person, until="submitted", total=50)
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "暂无有效的能力评估结果" in page and "能力中度受损" not in page
    response = client.post(f"/assessments/{a.pk}/approve/")
    assert response.status_code == 302
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert 'data-testid="care-level-card"' in page
    assert "能力中度受损（中度失能）" in page
    assert f"/assessments/{a.pk}/report.pdf" in page
    assert AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE, object_type="people.person",
                                     object_id=str(person.pk), extra__fields=["care_level"]).exists()


def test_care_card_offers_a_request_and_hides_it_while_one_is_open(workflow, person, jiangcheng):
    client = page_client(jiangcheng)
    assert 'data-testid="request-assessment"' in client.get(f"/people/{person.pk}/").content.decode()
    workflow(person, until="requested")
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert 'data-testid="request-assessment"' not in page and "进行中的评估" in page


def test_request_page_creates_a_request(person, jiangcheng):
    client = page_client(jiangcheng)
    assert client.get(f"/assessments/new/?person={person.pk}").status_code == 200
    response = client.post("/assessments/new/", {"person": person.pk, "reason": "first",
                                                 "requested_via": "person_family", "note": "家属来电"})
    assert response.status_code == 302
    a = Assessment.objects.get(person=person)
    assert (a.status, a.requested_via, a.request_note) == (Status.REQUESTED, "person_family", "家属来电")


def test_pages_are_scoped_to_the_jurisdiction(workflow, person):
    a = workflow(person)
    for list_url in ("/assessments/", "/assessments/figures/"):
        assert_jurisdiction_scoped(division_code=a.division_code, list_url=list_url, marker=person.name, api=False)
    assert_jurisdiction_scoped(division_code=a.division_code, detail_url=f"/assessments/{a.pk}/",
                               extra_get_urls=(f"/assessments/{a.pk}/report.pdf",),
                               marker=person.name, api=False)
    # The request page picks people by search: another county's person is refused on the page, not a 404.
    outsider = page_client(make_user(Role.COUNTY_STAFF, other_county(a.division_code)))
    got = outsider.get(f"/assessments/new/?person={person.pk}")
    assert got.status_code == 200 and person.name not in got.content.decode()
    assert "不在您的管辖范围" in got.content.decode()


def test_due_page_is_scoped(workflow, person):
    a = workflow(person, on=dt.date(2025, 11, 30))  # valid until 2026-11-29: due within 30 days
    assert_jurisdiction_scoped(division_code=a.division_code, list_url="/assessments/due/", marker=person.name,
                               api=False)


def test_an_assessor_sees_only_their_assignments_in_the_console(workflow, person, new_person, assessor1, divisions):
    mine = workflow(person, until="scheduled")
    other = workflow(new_person(name="李桂兰"), until="requested")
    client = page_client(assessor1)
    page = client.get("/assessments/").content.decode()
    assert person.name in page and "李桂兰" not in page
    assert client.get(f"/assessments/{other.pk}/").status_code == 404
    assert client.get(f"/assessments/{mine.pk}/record/").status_code == 200
    stranger = page_client(make_user(Role.ASSESSOR, "441702", username="assessor3"))
    assert person.name not in stranger.get("/assessments/").content.decode()
    assert stranger.get(f"/assessments/{mine.pk}/").status_code == 404
    assert stranger.get(f"/assessments/{mine.pk}/record/").status_code == 404


def test_the_home_visit_form_shows_26_items_with_their_wording(workflow, person, assessor1):
    a = workflow(person, until="scheduled")
    page = page_client(assessor1).get(f"/assessments/{a.pk}/record/").content.decode()
    assert page.count('<fieldset class="item') == 26
    assert "独立使用餐具将食物送进口中并咽下，没有呛咳" in page
    assert 'name="item-B4.5"' in page and 'name="coma"' in page and 'name="risk-fall"' in page
    assert "<script>" not in page  # CSP: no inline script


def test_the_home_visit_form_saves_a_draft_then_submits(workflow, person, assessor1):
    a = workflow(person, until="scheduled")
    client = page_client(assessor1)
    response = client.post(f"/assessments/{a.pk}/record/", form_post({"B1.1": 3}, action="save"))
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.items) == (Status.IN_PROGRESS, {"B1.1": 3})
    response = client.post(f"/assessments/{a.pk}/record/", form_post(
        items_with_total(70), action="submit", diagnoses="F01.1，i63.9", psychiatrist_diagnosed="on",
        **{"risk-fall": "1", "risk-choking": "1"}))
    assert response.status_code == 302, response.content.decode()[:500]
    a.refresh_from_db()
    assert (a.status, a.total, a.base_level, a.level) == (Status.SUBMITTED, 70, 1, 3)
    assert a.diagnoses == ["F01.1", "I63.9"] and sorted(a.risk_events) == ["choking", "fall"]


def test_submitting_an_incomplete_form_shows_the_missing_items(workflow, person, assessor1):
    a = workflow(person, until="scheduled")
    response = page_client(assessor1).post(f"/assessments/{a.pk}/record/", form_post({"B1.1": 3}, action="submit"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "评估数据有误" in page and "B4.5 社会交往能力：缺少此项评分" in page  # items named, not only coded
    a.refresh_from_db()
    assert a.status == Status.SCHEDULED


def test_the_live_preview_is_computed_by_the_server(assessor1):
    client = page_client(assessor1)
    partial = client.post("/assessments/preview/", form_post({"B1.1": 3, "B1.2": 4})).content.decode()
    assert 'data-testid="filled">2<' in partial and "7分" in partial
    full = client.post("/assessments/preview/", form_post(items_with_total(29))).content.decode()
    assert 'data-testid="preview-total">29<' in full and "能力完全丧失（完全失能）" in full
    coma = client.post("/assessments/preview/", form_post(items_with_total(90), coma="on")).content.decode()
    assert "4级" in coma and "昏迷" in coma


def test_county_staff_cannot_open_the_assessor_form(workflow, person, jiangcheng):
    a = workflow(person, until="scheduled")
    assert page_client(jiangcheng).get(f"/assessments/{a.pk}/record/").status_code == 403


def test_review_buttons_are_not_offered_to_an_assessor(workflow, person, assessor1, jiangcheng):
    a = workflow(person, until="submitted")
    assert 'data-testid="approve"' not in page_client(assessor1).get(f"/assessments/{a.pk}/").content.decode()
    assert 'data-testid="approve"' in page_client(jiangcheng).get(f"/assessments/{a.pk}/").content.decode()


def test_schedule_through_the_page(workflow, person, jiangcheng, assessor1, assessor2):
    a = workflow(person, until="requested")
    client = page_client(jiangcheng)
    response = client.post(f"/assessments/{a.pk}/schedule/", {"assessor_1": assessor1.pk, "assessor_2": assessor1.pk,
                                                               "scheduled_on": "2026-12-01"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == Status.REQUESTED
    assert "两名评估员不能是同一人" in client.get(f"/assessments/{a.pk}/").content.decode()
    client.post(f"/assessments/{a.pk}/schedule/", {"assessor_1": assessor1.pk, "assessor_2": assessor2.pk,
                                                   "scheduled_on": "2026-12-01", "place": "家中"})
    a.refresh_from_db()
    assert (a.status, a.assessor_2) == (Status.SCHEDULED, assessor2)


def test_reassessments_due_and_overdue(workflow, person, new_person, jiangcheng):
    today = timezone.localdate()
    overdue = workflow(person, on=today - dt.timedelta(days=400))
    due = workflow(new_person(name="李桂兰"), on=today.replace(year=today.year - 1) + dt.timedelta(days=10))
    fresh = workflow(new_person(name="王淑芬"), on=today)
    from yanglao.assessments import selectors

    rows = list(selectors.reassessments_due(jiangcheng, today))
    assert [r.pk for r in rows] == [overdue.pk, due.pk]
    assert fresh.pk not in [r.pk for r in rows]
    client = page_client(jiangcheng)
    page = client.get("/assessments/due/?only=overdue").content.decode()
    assert person.name in page and "李桂兰" not in page
    response = client.post(f"/assessments/reassess/{person.pk}/", {"reason": "periodic"})
    assert response.status_code == 302
    again = Assessment.objects.get(person=person, status=Status.REQUESTED)
    assert again.previous == overdue
    assert [r.has_open_request for r in selectors.reassessments_due(jiangcheng, today)] == [True, False]
