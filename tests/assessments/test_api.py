"""The assessments API: the stateless score endpoint, the workflow, the care level, scope and errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from yanglao.assessments.models import Assessment
from yanglao.core.models import AuditAction, AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import api_client, assert_jurisdiction_scoped, make_user

from .conftest import full_marks, items_with_total

pytestmark = pytest.mark.django_db
SCORE = "/api/v1/assessments/score"


def post(client, url, body=None):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def scored(api, total, **extra):  # type: ignore[no-untyped-def]
    response = post(api, SCORE, {"items": items_with_total(total), **extra})
    assert response.status_code == 200, response.content
    return response.json()


# --- POST /api/v1/assessments/score ---------------------------------------------------------


def test_score_endpoint_answers_the_example_of_the_issue(api):
    body = scored(api, 88, diagnoses=["F01.1"], risk_events_30d=["fall", "choking"])
    assert set(body) == {"total", "indicators", "base_level", "level", "level_name", "rules_applied"}
    assert set(body["indicators"]) == {"self_care", "movement", "mental", "perception"}
    assert (body["total"], body["base_level"], body["level"]) == (88, 1, 3)
    assert body["level_name"] == "能力重度受损（重度失能）"
    assert [r["code"] for r in body["rules_applied"]] == ["dementia", "risk_events"]


@pytest.mark.parametrize("total,level", [(90, 0), (89, 1), (66, 1), (65, 2), (46, 2), (45, 3), (30, 3), (29, 4),
                                         (0, 4)])
def test_score_endpoint_agrees_with_the_standard_on_every_boundary(api, total, level):
    body = scored(api, total)
    assert (body["total"], body["base_level"], body["level"], body["rules_applied"]) == (total, level, level, [])


@pytest.mark.parametrize("total,extra,level,rules", [
    (90, {"coma": True}, 4, ["coma"]),
    (70, {"diagnoses": ["F03"]}, 2, ["dementia"]),
    (70, {"diagnoses": ["F20.0"]}, 2, ["mental_disorder"]),
    (70, {"diagnoses": ["F20.0"], "psychiatrist_diagnosed": False}, 1, []),
    (70, {"diagnoses": ["I63.9"]}, 1, []),
    (70, {"risk_events_30d": ["fall"]}, 1, []),
    (70, {"risk_events_30d": ["fall", "fall"]}, 2, ["risk_events"]),
    (70, {"diagnoses": ["F00.9"], "risk_events_30d": ["wandering", "choking"]}, 3, ["dementia", "risk_events"]),
    (40, {"diagnoses": ["F01"], "risk_events_30d": ["fall", "self_harm"]}, 4, ["dementia", "risk_events", "cap"]),
    (20, {"diagnoses": ["F02.0"]}, 4, ["dementia", "cap"]),
    (80, {"coma": True, "diagnoses": ["F01.1"]}, 4, ["coma", "dementia", "cap"]),
])
def test_score_endpoint_applies_every_adjustment_rule(api, total, extra, level, rules):
    body = scored(api, total, **extra)
    assert body["level"] == level
    assert [r["code"] for r in body["rules_applied"]] == rules
    assert all(0 <= r["to_level"] <= 4 for r in body["rules_applied"])


def test_score_endpoint_names_each_offending_item(api):
    items = full_marks()
    del items["B1.3"]
    items["B2.4"] = 4
    items["B3.9"] = -1
    items["B9.1"] = 2
    response = post(api, SCORE, {"items": items, "risk_events_30d": ["flood"]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_failed" and error["message"] == "评估数据有误"
    assert set(error["details"]) == {"B1.3", "B2.4", "B3.9", "B9.1", "risk_events_30d"}
    assert error["details"]["B1.3"] == "缺少此项评分"
    assert "0–3" in error["details"]["B2.4"]


def test_score_endpoint_with_no_items_lists_all_26(api):
    response = post(api, SCORE, {})
    assert response.status_code == 400
    assert len(response.json()["error"]["details"]) == 26


def test_score_endpoint_needs_sign_in_and_stores_nothing(api, client):
    assert post(client, SCORE, {"items": full_marks()}).status_code in (401, 403)
    scored(api, 50)
    assert Assessment.objects.count() == 0


# --- the workflow through the API -----------------------------------------------------------


def test_workflow_through_the_api(person, jiangcheng, assessor1, assessor2):
    staff, a1, a2 = api_client(jiangcheng), api_client(assessor1), api_client(assessor2)
    created = post(staff, "/api/v1/assessments/", {"person": person.pk, "reason": "first"})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    base = f"/api/v1/assessments/{pk}"
    r = post(staff, f"{base}/schedule/", {"assessor_1": assessor1.pk, "assessor_2": assessor2.pk,
                                          "scheduled_on": "2026-11-25", "place": "家中"})
    assert r.status_code == 200 and r.json()["status"] == "scheduled"
    assert a1.get(f"{base}/").status_code == 200
    r = post(a1, f"{base}/record/", {"items": {"B1.1": 3}})
    assert r.json()["status"] == "in_progress"
    r = post(a2, f"{base}/submit/", {"items": items_with_total(45), "coma": False})
    assert r.status_code == 200 and (r.json()["level"], r.json()["status"]) == (3, "submitted")
    assert post(a1, f"{base}/approve/").status_code == 403  # an assessor cannot review
    r = post(staff, f"{base}/approve/")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    care = staff.get(f"/api/v1/assessments/care-level/?person={person.pk}")
    assert care.status_code == 200
    assert care.json() | {"assessed_on": None, "valid_until": None} == {
        "person": person.pk, "level": 3, "level_name": "能力重度受损（重度失能）", "assessment_id": pk,
        "assessed_on": None, "valid_until": None}
    assert post(staff, f"{base}/publish/").json()["status"] == "published"
    pdf = staff.get(f"{base}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_invalid_transitions_answer_409_through_the_api(workflow, person, jiangcheng, assessor1):
    a = workflow(person, until="approved")
    staff = api_client(jiangcheng)
    response = post(staff, f"/api/v1/assessments/{a.pk}/approve/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    response = post(api_client(assessor1), f"/api/v1/assessments/{a.pk}/submit/")
    assert response.status_code == 409
    response = post(staff, f"/api/v1/assessments/{a.pk}/reject/", {"reason": "重评"})
    assert response.status_code == 409


def test_submit_through_the_api_names_missing_items(workflow, person, assessor1):
    a = workflow(person, until="scheduled")
    response = post(api_client(assessor1), f"/api/v1/assessments/{a.pk}/submit/", {"items": {"B1.1": 4}})
    assert response.status_code == 400
    assert len(response.json()["error"]["details"]) == 25


def test_care_level_endpoint_404_without_a_valid_result(person, api):
    response = api.get(f"/api/v1/assessments/care-level/?person={person.pk}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "no_care_level"
    assert api.get("/api/v1/assessments/care-level/").status_code == 400


def test_care_level_view_is_audited(workflow, person, api):
    workflow(person)
    api.get(f"/api/v1/assessments/care-level/?person={person.pk}")
    assert AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE, object_type="people.person",
                                     object_id=str(person.pk), extra__fields=["care_level"]).exists()


# --- scope ----------------------------------------------------------------------------------


def test_list_and_detail_are_scoped_to_the_jurisdiction(workflow, person):
    a = workflow(person)
    assert_jurisdiction_scoped(division_code=a.division_code, list_url="/api/v1/assessments/",
                               detail_url=f"/api/v1/assessments/{a.pk}/",
                               extra_get_urls=(f"/api/v1/assessments/care-level/?person={person.pk}",
                                               f"/api/v1/assessments/{a.pk}/report.pdf"))


def test_an_assessor_sees_only_their_assignments(workflow, person, new_person, assessor1, divisions):
    mine = workflow(person, until="scheduled")
    other_person = new_person(name="李桂兰")
    unassigned = workflow(other_person, until="requested")
    client = api_client(assessor1)
    rows = client.get("/api/v1/assessments/").json()["results"]
    assert [r["id"] for r in rows] == [mine.pk]
    assert client.get(f"/api/v1/assessments/{unassigned.pk}/").status_code == 404
    stranger = api_client(make_user(Role.ASSESSOR, "441702", username="assessor3"))
    assert stranger.get("/api/v1/assessments/").json()["count"] == 0
    assert stranger.get(f"/api/v1/assessments/{mine.pk}/").status_code == 404


def test_detail_view_of_health_data_is_audited(workflow, person, api):
    a = workflow(person)
    api.get(f"/api/v1/assessments/{a.pk}/")
    assert AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE, object_type="assessments.assessment",
                                     object_id=str(a.pk)).exists()


def test_list_filters(workflow, person, new_person, api):
    approved = workflow(person)
    requested = workflow(new_person(name="李桂兰"), until="requested")
    ids = lambda q: [r["id"] for r in api.get(f"/api/v1/assessments/?{q}").json()["results"]]  # noqa: E731
    assert ids("status=approved") == [approved.pk]
    assert ids("q=李桂") == [requested.pk]
    assert ids(f"person={person.pk}") == [approved.pk]


def test_the_endpoints_are_in_the_openapi_schema(api):
    schema = api.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for p in ("/api/v1/assessments/score", "/api/v1/assessments/", "/api/v1/assessments/{id}/",
              "/api/v1/assessments/{id}/approve/", "/api/v1/assessments/care-level/"):
        assert p in paths, p


def test_date_of_care_level_query(workflow, person, api):
    a = workflow(person, on=dt.date(2026, 1, 10))
    response = api.get(f"/api/v1/assessments/care-level/?person={person.pk}&on=2026-06-01")
    assert response.json()["assessment_id"] == a.pk
    assert api.get(f"/api/v1/assessments/care-level/?person={person.pk}&on=2027-06-01").status_code == 404
