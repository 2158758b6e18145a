from __future__ import annotations

import pytest

from yanglao.alarms import services
from yanglao.core import crypto
from yanglao.core.roles import Role
from yanglao.core.testing import make_user


@pytest.fixture
def nanen(divisions):
    """Township staff of 南恩街道: a duty operator."""
    return make_user(Role.TOWNSHIP_STAFF, "441702001", username="nanen")


@pytest.fixture
def older(new_person, jiangcheng):
    from yanglao.people.models import Contact

    person = new_person(name="黄秀英")
    Contact.objects.create(person=person, kind="emergency", name="陈志强", relation="儿子",
                           phone_enc=crypto.encrypt("13912345678"),
                           phone_masked="139******78", division_code=person.division_code)
    return person


@pytest.fixture
def red_button(older, jiangcheng):
    device, _token = services.device_register(by=jiangcheng, person=older, kind="red_button", code="YJ-RB-000001")
    return device


@pytest.fixture
def app_device(older, jiangcheng):
    device, token = services.device_register(by=jiangcheng, person=older, kind="app", code="YJ-APP-000001")
    return device, token


def press(device, message_id: str, **kw):
    return services.ingest([services.Incoming(device.code, message_id, "mqtt", **kw)])[0]
