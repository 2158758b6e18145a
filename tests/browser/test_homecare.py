"""Done means, in the browser: a family calls the hotline for a bath; the community worker records the call
and the order and dispatches it; the provider's carer accepts, checks in and out on a phone and the family
rates it there; at month end the county prepares the settlement, a second person approves it, and the
subsidy appears on the benefits report; the coverage figures per township show. Screenshots at desktop
(1280×800) and phone (390×844) size."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.people.conftest import make_id
from yanglao.benefits.models import Programme
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user
from yanglao.homecare import services
from yanglao.people import services as people_services
from yanglao.people.models import PersonCategory

from .conftest import SHOTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
HOME = (21.858, 111.982)


def _setup():
    county = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng", real_name="林秀珍")
    make_user(Role.CITY_ADMIN, "4417", username="city", real_name="陈志明")
    worker = make_user(Role.COMMUNITY_WORKER, "441702001001", username="beimen", real_name="何晓敏")
    programme = Programme.objects.create(code="jujia", name="居家养老服务补贴", kind="subsidy", legal_basis="阳民〔2026〕9号")
    bath = services.item_create(by=county, data={"code": "ZY-01", "name": "上门助浴", "kind": "bathing", "unit": "visit",
                                                 "price_fen": 8000, "valid_from": dt.date(2026, 1, 1),
                                                 "content": "上门协助洗浴、更衣"})
    services.item_publish(by=county, item=bath, published=True)
    services.rule_create(by=county, item=bath, data={"programme": programme, "category": "tekun", "subsidy_fen": 6000,
                                                     "valid_from": dt.date(2026, 1, 1)})
    provider = services.provider_create(by=county, name="阳江市康乐居家养老服务中心", division_code="441702002",
                                        areas=["441702001"], daily_capacity=20, contact_name="关国栋")
    services.contract_create(by=county, provider=provider, item=bath, price_fen=7500, valid_from=dt.date(2026, 1, 1),
                             valid_to=None, document_no="JC-2026-001", division_code="441702")
    carer = make_user(Role.SERVICE_PROVIDER, "", username="provider", organisation=provider.organisation,
                      real_name="关国栋")
    services.staff_add(by=county, provider=provider, name="关国栋", skill_level="3", phone="13900001111", user=carer)
    person = people_services.person_create(by=county, today=dt.date(2026, 11, 1), data={
        "name": "黄秀英", "id_number": make_id(birth="19380312", seq="231"), "division_code": "441702001001",
        "living_situation": "alone", "address": "北门路18号"})
    PersonCategory.objects.create(person=person, category="tekun", valid_from=dt.date(2020, 1, 1),
                                  division_code=person.division_code)
    services.home_set(by=worker, person=person, latitude=Decimal(str(HOME[0])), longitude=Decimal(str(HOME[1])))
    services.facility_save(by=county, served=["441702001002"], data={
        "name": "南恩街道综合养老服务中心", "kind": "centre", "functions": ["full_care", "day_care", "home_visit", "guidance"],
        "division_code": "441702001001", "hours": "8:00-18:00", "capacity": 80, "operator_name": "康乐"})
    return person, provider


def _context(browser, live_server, username, viewport, **extra):
    ctx = browser.new_context(viewport=viewport, locale="zh-CN", **extra)
    page = ctx.new_page()
    login(page, live_server, username, PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    return ctx, page


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_hotline_bath_to_settlement_and_benefits_report(live_server, browser):
    person, provider = _setup()
    today = timezone.localdate()

    # The community worker records the hotline call and the bath order, and dispatches it.
    ctx, page = _context(browser, live_server, "beimen", DESKTOP)
    page.goto(f"{live_server.url}/homecare/hotline/")
    page.fill("#id_caller_name", "黄小明")
    page.fill("#id_caller_relation", "儿子")
    page.fill("#id_caller_phone", "13812345678")
    page.fill("#id_asked", "母亲行动不便，想预约上门助浴")
    page.fill("#id_action_taken", "已登记助浴工单")
    page.locator("#id_person").press_sequentially("黄秀", delay=40)
    page.locator(".picker-results li", has_text="黄秀英").click()
    page.select_option("#id_item", label="上门助浴（次）")
    page.fill("#id_service_date", today.isoformat())
    _shot(page, "homecare-01-hotline-desktop")
    page.click("[data-testid=call-form] button.btn-primary")
    page.wait_for_selector("[data-testid=dispatch]")
    _shot(page, "homecare-02-order-to-dispatch-desktop")
    page.click("[data-testid=dispatch-button]")
    page.wait_for_selector("text=已派单")
    assert "¥60.00" in page.inner_text("[data-testid=order-money]")
    order_url = page.url
    ctx.close()

    # The carer, on a phone at the older person's door: accept, check in, check out, the family rates.
    ctx, phone = _context(browser, live_server, "provider", PHONE, geolocation={"latitude": HOME[0], "longitude": HOME[1]},
                          permissions=["geolocation"])
    phone.goto(f"{live_server.url}/homecare/mine/")
    _shot(phone, "homecare-03-my-orders-phone")
    phone.locator(".hc-card", has_text="上门助浴").first.click()
    phone.click("[data-testid=accept]")
    phone.wait_for_selector("[data-testid=check-in]")
    _shot(phone, "homecare-04-check-in-phone")
    phone.click("[data-testid=check-in]")
    phone.wait_for_selector("text=已签到")
    phone.fill("#work_done", "协助洗浴、更衣，检查皮肤无异常")
    _shot(phone, "homecare-05-check-out-phone")
    phone.click("[data-testid=check-out]")
    phone.wait_for_selector("[data-testid=rate-form]")
    phone.fill("#rated_by", "黄小明（儿子）")
    phone.fill("#comment", "很细心")
    _shot(phone, "homecare-06-rating-phone")
    phone.click("[data-testid=rate]")
    phone.wait_for_selector("[data-testid=rated]")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1
    ctx.close()

    # Month end: the county prepares the settlement, the city approves it with a comment.
    ctx, page = _context(browser, live_server, "jiangcheng", DESKTOP)
    page.goto(f"{live_server.url}/homecare/settlements/")
    page.fill("#id_month", today.strftime("%Y-%m"))
    page.select_option("#id_provider", label="阳江市康乐居家养老服务中心")
    page.click("[data-testid=settle-form] button")
    page.wait_for_selector("[data-testid=settlement-status]")
    assert page.locator("[data-testid=approve]").count() == 0  # the preparer cannot sign twice
    assert page.inner_text("[data-testid=settlement-subsidy]") == "¥60.00"
    settlement_url = page.url
    page.goto(f"{live_server.url}/homecare/coverage/")
    _shot(page, "homecare-08-coverage-desktop")
    assert "南恩街道" in page.inner_text("[data-testid=coverage]")
    ctx.close()

    ctx, page = _context(browser, live_server, "city", DESKTOP)
    page.goto(settlement_url)
    _shot(page, "homecare-07-settlement-desktop")
    page.click("[data-testid=approve]")
    page.fill("textarea[name=comment]", "工单与签到记录核对无误")
    page.click("[data-testid=confirm-page] button[type=submit]")
    page.wait_for_selector("[data-testid=settlement-status]:has-text('已审核')")
    page.goto(f"{live_server.url}/benefits/reports/")
    figure = page.inner_text("[data-testid=report-figure]")
    assert "居家社区养老服务补贴支出" in figure and "¥60.00" in figure and "居家养老服务补贴" in figure
    _shot(page, "homecare-09-benefits-report-desktop")
    page.goto(order_url)
    assert "已结算" in page.content()
    ctx.close()


def test_check_in_far_from_home_is_flagged_on_the_phone(live_server, browser):
    person, provider = _setup()
    county = provider  # noqa: F841
    from yanglao.core.models import User

    worker = User.objects.get(username="beimen")
    order = services.order_create(by=worker, person=person, item=services.ServiceItem.objects.get(code="ZY-01"),
                                  service_date=timezone.localdate())
    services.order_dispatch(by=worker, order=order)
    ctx, phone = _context(browser, live_server, "provider", PHONE,
                          geolocation={"latitude": HOME[0] + 0.02, "longitude": HOME[1]}, permissions=["geolocation"])
    phone.goto(f"{live_server.url}/homecare/mine/{order.pk}/")
    phone.click("[data-testid=accept]")
    phone.click("[data-testid=check-in]")
    phone.wait_for_selector("text=位置异常")
    _shot(phone, "homecare-10-check-in-flagged-phone")
    order.refresh_from_db()
    assert order.check_in_flagged and order.check_in_distance_m > 2000
    ctx.close()
