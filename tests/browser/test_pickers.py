"""Pickers in a real browser: a person is registered by typing "北门" and choosing 北门社区, or by the
county → township → community choice; an admission application picks the person by typing a name."""

from __future__ import annotations

import pytest

from tests.conftest import make_id
from yanglao.core.testing import PASSWORD
from yanglao.people.models import Person

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _register_by_typing(page, live_server, shot, prefix: str) -> None:
    page.goto(f"{live_server.url}/people/new/")
    page.fill("#id_name", "梁桂英")
    page.fill("#id_id_number", make_id(seq="777"))
    page.locator("#id_division_code").press_sequentially("北门", delay=40)
    option = page.locator(".picker-results li", has_text="北门社区")
    option.wait_for()
    assert "江城区 / 南恩街道 / 北门社区" in option.inner_text()
    shot(f"{prefix}-division-picker-search")
    option.click()
    assert page.input_value("input[name=division_code]") == "441702001001"
    assert page.input_value("#id_division_code") == "北门社区"
    assert "南恩街道" in page.inner_text("[data-picker-path]")


def test_register_a_person_picking_beimen_by_typing(live_server, page, shot, jiangcheng):
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    _register_by_typing(page, live_server, shot, "60")
    page.select_option("#id_living_situation", "alone")
    page.click("button[type=submit]:has-text('保存')")
    page.wait_for_selector("[data-testid=person-name]")
    assert Person.objects.get(name="梁桂英").division_code == "441702001001"
    assert "北门社区" in page.content()


def test_the_cascade_chooses_township_then_community(live_server, page, shot, jiangcheng):
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/people/new/")
    township = page.locator("[data-picker-cascade] select").first
    township.wait_for()
    township.select_option(label="南恩街道")
    community = page.locator("[data-picker-cascade] select").nth(1)
    community.wait_for()
    community.select_option(label="北门社区")
    assert page.input_value("input[name=division_code]") == "441702001001"
    assert page.input_value("#id_division_code") == "北门社区"
    shot("61-division-picker-cascade")


def test_register_on_a_phone(live_server, browser, shot, jiangcheng):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        login(phone, live_server, "jiangcheng", PASSWORD)
        phone.wait_for_selector("[data-testid=user-name]")
        _register_by_typing(phone, live_server, lambda name: shot(name, phone), "62-phone")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the form is {width}px wide on a {PHONE['width']}px screen"
    finally:
        context.close()


def test_apply_for_admission_picking_the_person_by_name(live_server, page, browser, shot, jiangcheng, new_person):
    from tests.institutions.conftest import give_care_level
    from yanglao.admissions.defaults import ensure_default_rules
    from yanglao.admissions.models import Application
    from yanglao.institutions import services as inst

    ensure_default_rules()  # transactional tests flush the migration's data
    home = inst.institution_create(by=jiangcheng, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "accepts_public_admission": True})
    person = new_person(name="黄秀英")
    new_person(name="黄志强")
    give_care_level(person, 3, reviewer=jiangcheng)
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/admissions/apply/")
    assert "档案编号" not in page.content()
    page.locator("#id_person").press_sequentially("黄秀", delay=40)
    option = page.locator(".picker-results li", has_text="黄秀英")
    option.wait_for()
    label = option.inner_text()
    assert f"尾号{person.id_last4}" in label and "北门社区" in label and person.id_number_masked not in label
    shot("63-person-picker")
    option.click()
    assert page.input_value("input[name=person]") == str(person.pk)
    page.select_option("#id_institution", str(home.pk))
    page.click("button:has-text('受理')")
    page.wait_for_url("**/admissions/applications/*/receipt/")  # the receipt with the public reference
    assert Application.objects.get().person == person

    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        login(phone, live_server, "jiangcheng", PASSWORD)
        phone.wait_for_selector("[data-testid=user-name]")
        phone.goto(f"{live_server.url}/admissions/apply/")
        phone.locator("#id_person").press_sequentially("黄", delay=40)
        phone.locator(".picker-results li").first.wait_for()
        shot("64-phone-person-picker", phone)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the form is {width}px wide on a {PHONE['width']}px screen"
    finally:
        context.close()


def test_the_people_list_filters_by_a_township_picked_by_name(live_server, page, browser, shot, jiangcheng, new_person):
    new_person(name="南恩人")
    new_person(name="城南人", division_code="441702002001")
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/people/")
    page.locator("#id_division").press_sequentially("南恩", delay=40)
    option = page.locator(".picker-results li", has_text="南恩街道").first
    option.wait_for()
    option.click()
    page.click("[data-testid=people-search] button[type=submit]")
    page.wait_for_selector("[data-testid=people-table]")
    table = page.inner_text("[data-testid=people-table]")
    assert "南恩人" in table and "城南人" not in table and "北门社区" in table
    shot("65-people-filter-by-township")
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        login(phone, live_server, "jiangcheng", PASSWORD)
        phone.wait_for_selector("[data-testid=user-name]")
        phone.goto(page.url)
        phone.wait_for_selector("[data-testid=people-table]")
        shot("66-phone-people-filter", phone)
    finally:
        context.close()
