"""Alarms come in once each, whatever the channel and however often they are delivered."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from yanglao.alarms import services
from yanglao.alarms.models import Alarm, Incident, IncidentStep
from yanglao.alarms.mqtt import BadMessage, parse_message

from .conftest import press

pytestmark = pytest.mark.django_db


def test_a_message_delivered_twice_is_one_alarm(red_button):
    first = press(red_button, "m-1")
    again = press(red_button, "m-1")
    assert (first.status, again.status) == ("new", "duplicate")
    assert again.alarm_id == first.alarm_id and again.incident_id == first.incident_id
    assert Alarm.objects.count() == 1
    assert Incident.objects.get().alarm_count == 1


def test_the_same_message_twice_in_one_batch_is_one_alarm(red_button):
    results = services.ingest([services.Incoming(red_button.code, "m-1", "mqtt")] * 2)
    assert [r.status for r in results] == ["new", "duplicate"]
    assert Alarm.objects.count() == 1


def test_a_red_button_opens_an_emergency_incident_with_the_persons_division(red_button, older):
    result = press(red_button, "m-1")
    incident = Incident.objects.get(pk=result.incident_id)
    assert incident.kind == "emergency" and incident.emergency and incident.state == "open"
    assert incident.person == older and incident.division_code == older.division_code
    assert IncidentStep.objects.filter(incident=incident, kind="alarm").count() == 1


def test_pressing_again_joins_the_open_incident(red_button):
    a, b = press(red_button, "m-1"), press(red_button, "m-2")
    assert a.incident_id == b.incident_id
    incident = Incident.objects.get()
    assert incident.alarm_count == 2
    assert list(incident.steps.values_list("kind", flat=True)) == ["alarm", "repeat"]


def test_after_closure_a_new_press_opens_a_new_incident(red_button, jiangcheng):
    first = Incident.objects.get(pk=press(red_button, "m-1").incident_id)
    services.acknowledge(by=jiangcheng, incident=first)
    services.close(by=jiangcheng, incident=first, outcome="false_alarm")
    assert press(red_button, "m-2").incident_id != first.pk


def test_green_button_is_a_service_request(older, jiangcheng):
    device, _ = services.device_register(by=jiangcheng, person=older, kind="green_button", code="YJ-GB-1")
    incident = Incident.objects.get(pk=press(device, "g-1").incident_id)
    assert incident.kind == "service" and not incident.emergency


def test_unknown_and_disabled_devices_are_not_stored(red_button, jiangcheng):
    assert services.ingest([services.Incoming("NO-SUCH", "x", "mqtt")])[0].status == "unknown_device"
    services.device_set_active(by=jiangcheng, device=red_button, active=False)
    assert press(red_button, "m-1").status == "unknown_device"
    assert not Alarm.objects.exists()


def test_a_device_clock_far_off_is_replaced_by_the_platform_time(red_button):
    future = timezone.now() + dt.timedelta(days=400)
    press(red_button, "m-1", raised_at=future)
    alarm = Alarm.objects.get()
    assert alarm.raised_at <= timezone.now()


def test_a_message_payload_is_read_from_topic_and_json():
    item = parse_message("yl/devices/yj-rb-1/alarm", json.dumps({"id": 42, "type": "fall",
                                                                  "at": "2026-11-29T08:00:00"}).encode(), "yl/devices")
    assert (item.device_code, item.message_id, item.kind) == ("YJ-RB-1", "42", "fall")
    assert item.raised_at.tzinfo is not None


@pytest.mark.parametrize("topic,payload", [
    ("other/YJ-1/alarm", b'{"id": "1"}'),          # another topic tree
    ("yl/devices/YJ-1/status", b'{"id": "1"}'),    # not an alarm
    ("yl/devices//alarm", b'{"id": "1"}'),         # no device code
    ("yl/devices/YJ-1/alarm", b"not json"),
    ("yl/devices/YJ-1/alarm", b"\xff\xfe"),
    ("yl/devices/YJ-1/alarm", b'["id", "1"]'),     # not an object
    ("yl/devices/YJ-1/alarm", b'{"type": "fall"}'),  # no message id
    ("yl/devices/YJ-1/alarm", b'{"id": true}'),
    ("yl/devices/YJ-1/alarm", json.dumps({"id": "x" * 65}).encode()),
    ("yl/devices/YJ-1/alarm", b'{"id": "a\\u0000b"}'),
    ("yl/devices/YJ-1/alarm", b"{" + b" " * 5000 + b"}"),
])
def test_bad_messages_are_refused_with_a_reason(topic, payload):
    with pytest.raises(BadMessage):
        parse_message(topic, payload, "yl/devices")


def test_an_unknown_type_falls_back_to_the_devices_kind(red_button):
    press(red_button, "m-1", kind="nonsense")
    assert Alarm.objects.get().kind == "emergency"
