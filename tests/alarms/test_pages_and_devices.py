"""The console pages open for the roles that may use them; devices are registered to a person by name."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from yanglao.alarms.models import Device, Incident

from .conftest import press

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("url", ["/alarms/", "/alarms/live/", "/alarms/incidents/", "/alarms/follow-ups/",
                                 "/alarms/figures/", "/alarms/devices/", "/alarms/devices/new/",
                                 "/alarms/incidents/?state=open&since=2026-01-01&q=黄",
                                 "/alarms/figures/?start=2026-12-01&end=2026-01-01"])
def test_pages_open(red_button, nanen, url):
    press(red_button, "m-1")
    assert client_for(nanen).get(url).status_code == 200


def test_the_console_polls_every_two_seconds_without_inline_script(red_button, nanen):
    press(red_button, "m-1")
    html = client_for(nanen).get("/alarms/").content.decode()
    assert 'hx-trigger="every 2s"' in html and 'hx-get="/alarms/live/"' in html
    assert "<script>" not in html and "onclick" not in html


@pytest.mark.parametrize("query", ["state=nonsense", "since=yesterday", "since=0001-01-01"])
def test_bad_list_filters_are_400(nanen, query):
    assert client_for(nanen).get(f"/alarms/incidents/?{query}").status_code == 400


def test_a_device_is_registered_to_a_person_picked_by_name_and_its_token_shown_once(older, nanen):
    c = client_for(nanen)
    response = c.post("/alarms/devices/new/", {"person": "", "person_text": older.name, "kind": "fall", "code": "yj-fd-77"})
    assert response.status_code == 200 and 'data-testid="device-token"' in response.content.decode()
    device = Device.objects.get()
    assert (device.code, device.person, device.address, device.division_code) == (
        "YJ-FD-77", older, older.address, older.division_code)
    token = response.context["token"]
    assert device.token_hash and token not in device.token_hash
    assert token not in c.get("/alarms/devices/").content.decode()


@pytest.mark.parametrize("data,field", [
    ({"person": "", "person_text": "", "kind": "fall", "code": "X1"}, "person"),
    ({"person": "", "person_text": "黄秀英", "kind": "toaster", "code": "X1"}, "kind"),
    ({"person": "", "person_text": "黄秀英", "kind": "fall", "code": "坏 编号"}, "code"),
    ({"person": "", "person_text": "黄秀英", "kind": "fall", "code": "X1", "installed_on": "2999-01-01"}, "installed_on"),
    ({"person": "", "person_text": "黄秀英", "kind": "fall", "code": "YJ-RB-000001"}, "code"),  # already registered
])
def test_bad_device_registrations_keep_the_form_with_a_reason(red_button, nanen, data, field):
    response = client_for(nanen).post("/alarms/devices/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert Device.objects.count() == 1


def test_a_person_outside_the_jurisdiction_cannot_be_given_a_device(older, yangxi):
    response = client_for(yangxi).post("/alarms/devices/new/", {"person": str(older.pk), "kind": "fall", "code": "X1"})
    assert response.status_code == 200 and response.context["form"].errors.get("person")
    assert not Device.objects.exists()


@override_settings(DEMO=True)
def test_the_demo_button_raises_a_red_button_alarm_in_the_users_area(red_button, nanen):
    response = client_for(nanen).post("/alarms/simulate/", follow=True)
    assert "已模拟报警" in response.content.decode()
    incident = Incident.objects.get()
    assert incident.kind == "emergency" and incident.alarms.get().channel == "simulator"


@override_settings(DEMO=False)
def test_the_simulator_is_off_outside_the_demo(red_button, nanen, monkeypatch):
    monkeypatch.delenv("YANGLAO_ALARM_SIMULATOR", raising=False)
    client_for(nanen).post("/alarms/simulate/")
    assert not Incident.objects.exists()


def test_staff_read_incidents_over_the_api_in_their_jurisdiction(red_button, nanen, yangxi):
    from yanglao.core.testing import api_client

    press(red_button, "m-1")
    assert api_client(nanen).get("/api/v1/alarms/incidents/").json()["count"] == 1
    assert api_client(yangxi).get("/api/v1/alarms/incidents/").json()["count"] == 0


def test_the_demo_data_has_every_state(jiangcheng, new_person):
    from yanglao.alarms.demo import load_demo

    for name in ("林桂芳", "梁伯强", "冯秀兰", "吴亚妹"):
        new_person(name=name)
    message = load_demo(seed=1)
    assert "设备" in message
    states = set(Incident.objects.values_list("state", flat=True))
    assert states == {"open", "escalated", "acknowledged", "dispatched", "arrived", "closed"}
    assert Incident.objects.filter(state="closed", followed_up_at__isnull=True).exists()
    assert Incident.objects.filter(followed_up_at__isnull=False).exists()
    months = {d.month for d in Incident.objects.values_list("opened_at", flat=True)}
    assert len(months) >= 3
    assert load_demo(seed=1).endswith("未重复生成")


def test_the_console_audits_what_it_shows_once_per_change_not_per_poll(red_button, older, nanen, jiangcheng):
    from yanglao.alarms import services
    from yanglao.core.models import AuditEntry

    press(red_button, "m-1")
    c = client_for(nanen)
    lines = AuditEntry.objects.filter(action="view_sensitive", object_type__icontains="incident")
    c.get("/alarms/")
    for _ in range(3):
        c.get("/alarms/live/")
    assert lines.count() == 1
    other, _t = services.device_register(by=jiangcheng, person=older, kind="smoke", code="YJ-SM-1")
    press(other, "s-1")
    c.get("/alarms/live/")
    assert lines.count() == 2
