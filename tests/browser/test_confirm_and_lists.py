"""The confirmation page of a consequential action, lists with one pager, and the sign-in page in Chinese
for an English-language browser with its language switch — on a desktop and on a phone."""

import datetime as dt

import pytest

from yanglao.core.testing import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_discharge_is_confirmed_with_a_comment_and_residents_page_on_desktop_and_phone(live_server, browser,
                                                                                       page, shot, new_person,
                                                                                       jiangcheng):
    from yanglao.institutions import services
    from yanglao.institutions.models import Residency

    officer = jiangcheng
    home = services.institution_create(by=officer, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "capacity": 100})
    services.beds_add(by=officer, institution=home, building="1号楼", floor="1",
                      rooms=[str(n) for n in range(101, 114)], beds_per_room=2, bed_type="nursing")
    for bed in list(home.beds.order_by("room", "number"))[:25]:
        Residency.objects.create(person=new_person(), institution=home, bed=bed, admitted_on=dt.date(2025, 1, 1),
                                 division_code=home.division_code)

    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/institutions/{home.pk}/")
    assert "共 25 条" in page.inner_text("[data-testid=pager-count]")
    shot("confirm-01-home-residents-paged")
    page.locator("[data-testid^=discharge-]").first.click()
    page.wait_for_selector("[data-testid=confirm-page]")
    page.fill("#id_reason", "回家居住")
    page.fill("[data-testid=confirm-comment]", "子女接回家中照护")
    shot("confirm-02-discharge-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot("confirm-03-discharge-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("text=已办理离院")
    assert "共 24 条" in page.inner_text("[data-testid=pager-count]")
    shot("confirm-04-discharged-phone")

    english = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    other = english.new_page()
    other.goto(f"{live_server.url}/login/")
    assert "工作人员登录" in other.inner_text("body")  # Accept-Language: en does not switch the console
    shot("lang-01-login-phone-english-browser", other)
    other.click("[data-testid=language-switch] button")
    other.wait_for_selector("html[lang=en]")
    shot("lang-02-login-switched-to-english", other)
    english.close()
