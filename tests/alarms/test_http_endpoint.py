"""Phone apps report alarms over HTTP with a device token: authenticated, rate-limited, idempotent."""

from __future__ import annotations

import pytest
from django.test import Client

from yanglao.alarms.models import Alarm, Incident

pytestmark = pytest.mark.django_db
URL = "/api/v1/alarms/device-alarms"


def post(token: str | None, body: object, scheme: str = "Device"):
    headers = {"HTTP_AUTHORIZATION": f"{scheme} {token}"} if token is not None else {}
    return Client().post(URL, body, content_type="application/json", **headers)


def test_an_app_alarm_opens_an_incident_once(app_device):
    device, token = app_device
    first = post(token, {"id": "app-1"})
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "new"
    again = post(token, {"id": "app-1"})
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["incident"] == first.json()["incident"]
    assert Alarm.objects.get().channel == "http"
    assert Incident.objects.get().device == device


@pytest.mark.parametrize("token,scheme", [(None, "Device"), ("wrong", "Device"), ("", "Device"), ("x" * 500, "Device")])
def test_without_a_valid_token_nothing_is_stored(app_device, token, scheme):
    response = post(token, {"id": "app-1"}, scheme)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "device_token_invalid"
    assert not Alarm.objects.exists()


def test_a_staff_bearer_token_is_not_a_device_token(app_device):
    _device, token = app_device
    assert post(token, {"id": "app-1"}, scheme="Bearer").status_code == 401


def test_a_disabled_device_is_refused(app_device, jiangcheng):
    from yanglao.alarms.services import device_set_active

    device, token = app_device
    device_set_active(by=jiangcheng, device=device, active=False)
    assert post(token, {"id": "app-1"}).status_code == 401


@pytest.mark.parametrize("body", [{}, {"id": ""}, {"id": "x" * 65}, {"id": "1", "type": "party"},
                                  {"id": "1", "at": "yesterday"}, ["id"]])
def test_bad_bodies_are_400_in_the_error_shape(app_device, body):
    _device, token = app_device
    response = post(token, body)
    assert response.status_code == 400
    assert "error" in response.json()
    assert not Alarm.objects.exists()


def test_a_device_sending_too_often_is_rate_limited(app_device):
    from yanglao.alarms.api import DEVICE_LIMIT

    _device, token = app_device
    codes = [post(token, {"id": f"app-{n}"}).status_code for n in range(DEVICE_LIMIT + 1)]
    assert codes[:DEVICE_LIMIT] == [201] * DEVICE_LIMIT
    assert codes[-1] == 429


def test_guessing_tokens_is_rate_limited_per_address(app_device):
    from yanglao.alarms.api import BAD_TOKEN_LIMIT

    _device, token = app_device
    for n in range(BAD_TOKEN_LIMIT):
        assert post(f"guess-{n}", {"id": "1"}).status_code == 401
    assert post(token, {"id": "1"}).status_code == 429  # even the right token, from that address, for a while
