"""The approver sees "待审核 1" in the header the moment a run is ready, opens it from the message centre;
the county reads the SMS log (numbers masked) after a bed offer reached the family. Desktop and phone."""

import datetime as dt

import pytest

from tests.benefits.conftest import age_allowance, city_checker, older  # noqa: F401 - fixtures
from tests.institutions.conftest import home  # noqa: F401 - fixture
from tests.people.conftest import new_person  # noqa: F401 - fixture
from yanglao.core.testing import PASSWORD

from .conftest import SHOTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def both(page, shot, name: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(DESKTOP)
    shot(f"notices-{name}-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name  # no sideways scrolling
    shot(f"notices-{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_the_approver_sees_the_run_in_the_header_and_opens_it(  # noqa: F811
        live_server, page, shot, city_admin, city_checker, age_allowance, older):  # noqa: F811
    from yanglao.benefits import services

    older("19400101")
    older("19300101")
    login(page, live_server, "city2", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    assert page.locator("[data-testid=notice-badge]").count() == 0
    run = services.run_preview(by=city_admin, programme=age_allowance, month=dt.date(2026, 5, 1))  # computed at commit
    page.reload()
    assert page.inner_text("[data-testid=notice-badge]") == "待审核 1"
    assert page.inner_text("[data-testid=notice-count]") == "1"
    page.set_viewport_size(DESKTOP)
    page.locator("header.topbar").screenshot(path=str(SHOTS / "notices-01-header-desktop.png"))
    page.set_viewport_size(PHONE)
    page.locator("header.topbar").screenshot(path=str(SHOTS / "notices-01-header-phone.png"))
    page.set_viewport_size(DESKTOP)
    page.click("[data-testid=notice-badge]")
    page.wait_for_selector("[data-testid=notices]")
    assert "发放批次待审核" in page.inner_text("[data-testid=notices]")
    both(page, shot, "02-message-centre")
    page.click("[data-testid=notice] .notice-title")
    page.wait_for_url(f"**/benefits/runs/{run.pk}/")
    assert page.locator("[data-testid=notice-badge]").count() == 0


def test_the_county_reads_the_sms_log_with_masked_numbers(  # noqa: F811
        live_server, page, shot, jiangcheng, home, new_person):  # noqa: F811
    from yanglao.admissions import services
    from yanglao.admissions.defaults import ensure_default_rules

    ensure_default_rules()  # a transactional test starts without the seeded rules
    person = new_person(name="黄秀英", phone="13800001234",
                        contacts=[{"kind": "guardian", "name": "陈明", "relation": "儿子", "phone": "13912345678"}])
    app = services.application_create(by=jiangcheng, person=person, institution=home)
    services.offer_bed(by=jiangcheng, application=app, bed=home.beds.order_by("pk").first())
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/notices/sms/")
    page.wait_for_selector("[data-testid=sms-log]")
    text = page.inner_text("[data-testid=sms-log]")
    assert "139******78" in text and "13912345678" not in text and "已发送" in text
    both(page, shot, "03-sms-log")
    page.goto(f"{live_server.url}/notices/sms/optouts/")
    page.wait_for_selector("[data-testid=optout-form]")
    both(page, shot, "04-optouts")
