"""The duty console in a browser: a red button pressed (published to Mosquitto when it runs) appears on
the console without a reload; the operator responds, calls and dispatches; desktop and phone."""

from __future__ import annotations

import pytest

from tests.alarms.mqtt_helpers import BROKER, broker_up, forget_session, start_subscriber, unique
from yanglao.alarms import services
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def duty(new_person, jiangcheng):
    from yanglao.core import crypto
    from yanglao.people.models import Contact, PersonCategory

    make_user(Role.TOWNSHIP_STAFF, "441702001", username="nanen", real_name="周海燕")
    person = new_person(name="黄秀英", address="江城区北门路12号3楼")
    PersonCategory.objects.create(person=person, category="tekun", valid_from=__import__("datetime").date(2020, 1, 1),
                                  division_code=person.division_code)
    Contact.objects.create(person=person, kind="emergency", name="陈志强", relation="儿子",
                           phone_enc=crypto.encrypt("13912345678"), phone_masked="139******78",
                           division_code=person.division_code)
    other = new_person(name="梁伯强", address="江城区南恩路8号")
    services.device_register(by=jiangcheng, person=other, kind="fall", code="YJ-FD-000002")
    services.ingest([services.Incoming("YJ-FD-000002", "f-1", "mqtt")])
    device, _ = services.device_register(by=jiangcheng, person=person, kind="red_button", code="YJ-RB-000001")
    return device


def test_a_red_button_appears_on_the_duty_console_and_is_handled(live_server, page, shot, duty, tmp_path):
    login(page, live_server, "nanen", PASSWORD)
    page.goto(f"{live_server.url}/alarms/")
    page.wait_for_selector("[data-testid=incident]")
    assert page.locator("[data-testid=incident]").count() == 1
    sub = None
    prefix, client_id = unique("yltest/devices"), unique("yl-test-sub")
    try:
        if broker_up():
            from yanglao.alarms.mqtt import publish_alarm

            sub = start_subscriber(prefix, client_id, tmp_path / "sub.log")
            publish_alarm(duty.code, "red-1", url=BROKER, prefix=prefix)
        else:
            services.ingest([services.Incoming(duty.code, "red-1", "http")])
        # no reload: the console polls every 2 s
        page.locator("[data-testid=incident]", has_text="黄秀英").wait_for(timeout=5000)
    finally:
        if sub is not None:
            sub.terminate()
            sub.wait(10)
            forget_session(client_id)
    assert "待响应 2 件" in page.inner_text("[data-testid=waiting-count]")
    page.set_viewport_size({"width": 1280, "height": 800})
    shot("alarms-01-duty-console")
    page.locator("[data-testid=incident]", has_text="黄秀英").click()
    page.wait_for_selector("[data-testid=incident-title]")
    facts = page.inner_text("[data-testid=person-facts]")
    assert "岁" in facts and "北门路12号" in facts and "特困" in facts
    assert "139******78" in page.inner_text("[data-testid=contacts]")
    page.click("[data-testid=acknowledge]")
    page.wait_for_selector("text=已响应")
    page.locator("[data-testid=responders] form", has_text="陈志强").locator("button").click()
    page.wait_for_selector("text=已派遣")
    assert "已派遣" in page.inner_text("[data-testid=incident-state]")
    shot("alarms-02-incident")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/alarms/")
    page.wait_for_selector("[data-testid=incident]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("alarms-03-duty-console-phone")
    page.locator("[data-testid=incident]", has_text="梁伯强").click()
    page.wait_for_selector("[data-testid=acknowledge]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("alarms-04-incident-phone")
