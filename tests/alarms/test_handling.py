"""The operator's work on an incident: respond, call, dispatch, arrival, closure, follow-up; escalation;
jurisdiction and capabilities."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from yanglao.alarms import services
from yanglao.alarms.models import Incident
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import make_user

from .conftest import press

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(red_button):
    return Incident.objects.get(pk=press(red_button, "m-1").incident_id)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_an_incident_is_handled_step_by_step_and_every_step_is_recorded(incident, nanen):
    services.acknowledge(by=nanen, incident=incident)
    services.phone_for_call(by=nanen, incident=incident, contact_id=None)
    services.dispatch(by=nanen, incident=incident, responder_kind="community", responder_name="李网格")
    services.arrive(by=nanen, incident=incident)
    services.add_note(by=nanen, incident=incident, text="老人滑倒，意识清醒")
    services.close(by=nanen, incident=incident, outcome="resolved_home", note="已扶起，无外伤")
    services.follow_up(by=nanen, incident=incident, note="电话回访：情况稳定")
    incident.refresh_from_db()
    assert incident.state == "closed" and incident.outcome == "resolved_home" and incident.followed_up_at
    assert incident.acknowledged_at <= incident.dispatched_at <= incident.arrived_at <= incident.closed_at
    assert list(incident.steps.values_list("kind", flat=True)) == [
        "alarm", "acknowledge", "call", "dispatch", "arrive", "note", "close", "follow_up"]


def test_only_one_operator_can_take_an_incident(incident, nanen, jiangcheng):
    services.acknowledge(by=nanen, incident=incident)
    with pytest.raises(Conflict):
        services.acknowledge(by=jiangcheng, incident=incident)


def test_nothing_is_dispatched_or_closed_before_a_response(incident, nanen):
    with pytest.raises(Conflict):
        services.dispatch(by=nanen, incident=incident, responder_kind="120", responder_name="")
    with pytest.raises(Conflict):
        services.close(by=nanen, incident=incident, outcome="false_alarm")


def test_closing_as_sent_to_hospital_needs_a_responder(incident, nanen):
    services.acknowledge(by=nanen, incident=incident)
    with pytest.raises(Conflict):
        services.close(by=nanen, incident=incident, outcome="hospital")
    services.close(by=nanen, incident=incident, outcome="false_alarm")


@pytest.mark.parametrize("kind,name", [("", "李网格"), ("police", "x"), ("community", "  ")])
def test_a_dispatch_names_who_goes(incident, nanen, kind, name):
    services.acknowledge(by=nanen, incident=incident)
    with pytest.raises(ValidationFailed):
        services.dispatch(by=nanen, incident=incident, responder_kind=kind, responder_name=name)


def test_120_needs_no_name(incident, nanen):
    services.acknowledge(by=nanen, incident=incident)
    assert services.dispatch(by=nanen, incident=incident, responder_kind="120", responder_name="").responder_name == "120急救"


def test_follow_up_comes_after_closure_once_and_says_something(incident, nanen):
    with pytest.raises(Conflict):
        services.follow_up(by=nanen, incident=incident, note="x")
    services.acknowledge(by=nanen, incident=incident)
    services.close(by=nanen, incident=incident, outcome="false_alarm")
    with pytest.raises(ValidationFailed):
        services.follow_up(by=nanen, incident=incident, note="  ")
    services.follow_up(by=nanen, incident=incident, note="已回访")
    with pytest.raises(Conflict):
        services.follow_up(by=nanen, incident=incident, note="再次")


def test_unacknowledged_incidents_are_escalated_after_the_configured_time(incident, settings):
    settings.ALARM_ACK_SECONDS = 120
    assert services.escalate_overdue() == 0
    Incident.objects.filter(pk=incident.pk).update(opened_at=timezone.now() - dt.timedelta(minutes=3))
    assert services.escalate_overdue() == 1
    incident.refresh_from_db()
    assert incident.state == "escalated" and incident.escalated_at
    assert incident.steps.filter(kind="escalate").count() == 1
    assert services.escalate_overdue() == 0  # once


def test_an_escalated_incident_is_an_urgent_todo_and_can_still_be_taken(incident, nanen):
    from yanglao.alarms.workbench import todo_unacknowledged

    Incident.objects.filter(pk=incident.pk).update(opened_at=timezone.now() - dt.timedelta(hours=1))
    services.escalate_overdue()
    todo = todo_unacknowledged(nanen)
    assert todo.count == 1 and todo.urgent and "超时" in todo.note
    services.acknowledge(by=nanen, incident=incident)
    assert todo_unacknowledged(nanen) is None


def test_closed_incidents_wait_for_follow_up_on_the_workbench(incident, nanen):
    from yanglao.alarms.workbench import todo_follow_up

    services.acknowledge(by=nanen, incident=incident)
    services.close(by=nanen, incident=incident, outcome="false_alarm")
    assert todo_follow_up(nanen).count == 1
    services.follow_up(by=nanen, incident=incident, note="已回访")
    assert todo_follow_up(nanen) is None


def test_calling_reveals_one_number_audited_and_opens_the_dialler(incident, nanen, older):
    contact = older.contacts.get()
    response = client_for(nanen).post(f"/alarms/incidents/{incident.pk}/call/{contact.pk}/")
    assert response.status_code == 302 and response["Location"] == "tel:13912345678"
    reveal = AuditEntry.objects.filter(action="reveal", object_id=str(contact.pk)).get()
    assert incident.number in reveal.extra["reason"]
    assert "13912345678" not in str(reveal.extra)
    assert incident.steps.filter(kind="call").exists()


def test_the_incident_page_shows_age_address_conditions_and_masked_contacts(incident, nanen, older):
    html = client_for(nanen).get(f"/alarms/incidents/{incident.pk}/").content.decode()
    assert older.name in html and f"{older.age}岁" in html and "北门路1号" in html
    assert "139******78" in html and "13912345678" not in html
    assert "独居" in html
    assert AuditEntry.objects.filter(action="view_sensitive", object_id=str(older.pk)).exists()


def test_another_county_sees_nothing(incident, yangxi):
    c = client_for(yangxi)
    assert c.get(f"/alarms/incidents/{incident.pk}/").status_code == 404
    assert c.post(f"/alarms/incidents/{incident.pk}/acknowledge/").status_code == 404
    assert incident.person.name not in c.get("/alarms/live/").content.decode()
    with pytest.raises(NotFound):
        services.acknowledge(by=yangxi, incident=incident)


def test_a_community_worker_watches_but_does_not_handle(incident, divisions):
    worker = make_user(Role.COMMUNITY_WORKER, "441702001001", username="beimen")
    c = client_for(worker)
    assert incident.person.name in c.get("/alarms/").content.decode()
    assert c.post(f"/alarms/incidents/{incident.pk}/acknowledge/").status_code == 403
    with pytest.raises(Forbidden):
        services.acknowledge(by=worker, incident=incident)


def test_the_operator_handles_an_incident_through_the_pages(incident, nanen):
    c = client_for(nanen)
    base = f"/alarms/incidents/{incident.pk}/"
    assert c.post(base + "acknowledge/").status_code == 302
    page = c.get(base).content.decode()
    assert 'data-testid="responders"' in page and "120急救中心" in page
    assert c.post(base + "dispatch/", {"responder_kind": "family", "responder_name": "陈志强（儿子）"}).status_code == 302
    assert c.post(base + "arrive/").status_code == 302
    assert c.get(base + "close/").status_code == 200
    assert c.post(base + "close/", {"outcome": "hospital", "comment": "送阳江市人民医院"}).status_code == 302
    assert c.post(base + "follow-up/", {"note": "出院在家，需要助餐"}).status_code == 302
    incident.refresh_from_db()
    assert (incident.state, incident.outcome, incident.responder_kind) == ("closed", "hospital", "family")
    assert incident.followed_up_at is not None


def test_a_bad_dispatch_keeps_the_incident_as_it_was(incident, nanen):
    c = client_for(nanen)
    c.post(f"/alarms/incidents/{incident.pk}/acknowledge/")
    response = c.post(f"/alarms/incidents/{incident.pk}/dispatch/", {"responder_kind": "police"}, follow=True)
    assert "请选择处置人员类型" in response.content.decode()
    incident.refresh_from_db()
    assert incident.state == "acknowledged"
