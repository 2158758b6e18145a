"""The staff console in a real browser: sign in (with two-factor), navigate, switch language."""

import pyotp
import pytest
from django.test import override_settings

from yanglao.core.roles import Role
from yanglao.core.services import totp_secret
from yanglao.core.testing import PASSWORD, make_user

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@override_settings(REQUIRE_2FA=True)
def test_staff_signs_in_with_two_factor_and_browses_divisions(live_server, page, shot):
    user = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng", real_name="林秀珍")
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("text=两步验证")
    shot("01-two-factor-enrolment")
    user.refresh_from_db()
    page.fill("#id_code", pyotp.TOTP(totp_secret(user)).now())
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=user-name]")
    assert page.inner_text("[data-testid=user-name]") == "林秀珍"
    assert "县（市、区）工作人员" in page.inner_text("[data-testid=user-role]")
    assert "江城区" in page.inner_text("[data-testid=user-jurisdiction]")
    shot("02-workbench")
    page.click("[data-nav=divisions]")
    page.wait_for_selector("[data-testid=division-children]")
    assert "南恩街道" in page.inner_text("[data-testid=division-children]")
    assert "阳东区" not in page.content()
    page.click("text=南恩街道")
    page.wait_for_selector("text=北门社区居委会")
    assert "社区" in page.inner_text("[data-testid=division-children]")
    shot("03-division-township")


def test_wrong_passwords_are_answered_the_same_then_throttled_in_the_browser(live_server, page, shot):
    make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng")
    login(page, live_server, "jiangcheng", "wrong-password")
    wrong = page.inner_text("[data-testid=login-error]")
    login(page, live_server, "nobody-here", "wrong-password")
    assert page.inner_text("[data-testid=login-error]") == wrong  # an unknown user gets the same answer
    for _ in range(3):
        login(page, live_server, "jiangcheng", "wrong-password")
    assert "尝试过于频繁" in page.inner_text("[data-testid=login-error]")  # growing delays, no lock yet
    shot("04-login-throttled")


def test_city_admin_switches_to_english_and_back(live_server, page, shot):
    make_user(Role.CITY_ADMIN, "4417", username="city", real_name="陈志明")
    login(page, live_server, "city", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-nav=divisions]")
    page.wait_for_selector("[data-testid=division-children]")
    assert "行政区划" in page.inner_text(".topbar .title")
    shot("05-city-divisions")
    page.click("button[name=language][value=en]")
    page.wait_for_selector("text=Divisions")
    shot("06-english")
    page.click("button[name=language][value=zh-hans]")
    page.wait_for_selector(".topbar .title:has-text('行政区划')")


def test_auditor_reads_the_audit_log(live_server, page, shot):
    make_user(Role.AUDITOR, "4417", username="auditor", real_name="许雅琴")
    login(page, live_server, "auditor", PASSWORD)
    page.click("[data-nav=audit]")
    page.wait_for_selector("[data-testid=audit-table]")
    shot("07-audit-log")
