"""The city draws this quarter's inspections in a meeting, publishes the record, and a member of the public
re-runs the draw on the public page and gets the same list; an institution's credit page shows its history."""

import datetime as dt

import pytest

from tests.supervision.conftest import CIVIL, MARKET
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user
from yanglao.supervision import services
from yanglao.supervision.models import Inspection, InspectionItem, Inspector, Target

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _world(city):
    item = InspectionItem.objects.create(code="YL-02", name="服务安全检查", legal_basis="GB 38600-2019", department=CIVIL,
                                         method="现场检查", kind="key", max_ratio_percent=30, target_kinds=["institution"],
                                         checklist=["防跌倒措施落实", "夜间巡查记录完整"])
    for k in range(10):
        county = ("441702", "441704")[k % 2]
        Target.objects.create(kind="institution", name=f"阳江第{k + 1}护养院", reg_no=f"5244{county[2:]}MJ{k:06d}X",
                              division_code=f"{county}001001")
    for k in range(3):
        Inspector.objects.create(code=f"4417000{k}", name=f"民政检查员{k}", department=CIVIL)
        Inspector.objects.create(code=f"4417100{k}", name=f"市监检查员{k}", department=MARKET)
    plan = services.plan_create(by=city, title="2026年第四季度联合抽查", period="2026年第4季度", items=[item],
                                ratio_percent=30, departments=[CIVIL, MARKET])
    return plan


def test_the_city_draws_publishes_and_the_public_verifies_the_same_list(live_server, page, shot):
    city = make_user(Role.CITY_ADMIN, "4417", username="city")
    make_user(Role.INSPECTOR, "4417", username="inspector", real_name="谢文涛")
    plan = _world(city)
    login(page, live_server, "inspector", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-nav=supervision]")
    page.goto(f"{live_server.url}/supervision/plans/{plan.pk}/")
    page.click("[data-testid=seed-link]")
    page.fill("#id_seed", "2026137-05-09-14-20-26-33")
    page.fill("#id_source", "福彩双色球第2026137期开奖号码")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("[data-testid=plan-seed]")
    page.click("[data-testid=draw-link]")
    shot("60-supervision-draw-confirm")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("[data-testid=draw-result]")
    drawn = page.locator("[data-testid=draw-result] tbody tr").count()
    assert drawn == 3  # 10 targets × 30 %
    page.click("[data-testid=publish-link]")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("text=已公布抽取记录")
    shot("61-supervision-plan-drawn")
    page.set_viewport_size({"width": 390, "height": 844})
    shot("62-supervision-plan-drawn-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # A member of the public, not signed in.
    public = page.context.browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    public.goto(f"{live_server.url}/public/supervision/")
    public.click("[data-testid=public-records] a")
    public.click("[data-testid=rerun]")
    public.wait_for_selector("[data-testid=verification]")
    assert "一致" in public.inner_text("[data-testid=verification]")
    assert public.locator("[data-testid=public-result] tbody tr").count() == drawn
    shot("63-supervision-public-verify", public)
    public.set_viewport_size({"width": 390, "height": 844})
    shot("64-supervision-public-verify-phone", public)
    assert public.evaluate("document.documentElement.scrollWidth") <= 390
    public.context.close()


def test_an_inspector_records_an_inspection_and_the_credit_page_shows_the_history(live_server, page, shot):
    city = make_user(Role.CITY_ADMIN, "4417", username="city")
    make_user(Role.INSPECTOR, "4417", username="inspector", real_name="谢文涛")
    plan = _world(city)
    services.announce_seed(by=city, plan=plan, seed="seed-20261129", source="现场摇号")
    services.perform_draw(by=city, plan=plan)
    inspection = Inspection.objects.filter(plan=plan).select_related("target").first()
    target = inspection.target
    services.credit_add(by=city, target=target, kind="filing", title="养老机构备案：阳民养备〔2021〕001号",
                        authority="阳江市民政局", decided_on=dt.date(2021, 3, 1))
    services.credit_add(by=city, target=target, kind="penalty", title="未落实防跌倒措施，警告", authority="阳江市民政局",
                        decided_on=dt.date(2026, 6, 1), document_no="阳民罚决字〔2026〕3号")
    login(page, live_server, "inspector", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/supervision/inspections/{inspection.pk}/")
    page.click("[data-testid=start-form] button")
    page.wait_for_selector("[data-testid=checklist-form] select")
    for select in page.locator("[data-testid=checklist-form] select").all():
        select.select_option("yes")
    page.click("[data-testid=checklist-form] button")
    page.wait_for_selector("text=已保存检查要点")
    page.select_option("[data-testid=finish-form] select", "compliant")
    page.click("[data-testid=finish-form] button")
    page.wait_for_selector("text=检查已结束")
    assert "应于" in page.inner_text("[data-testid=publish-state]")
    shot("65-supervision-inspection-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("[data-testid=publish-result]")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("text=已公示检查结果")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/public/supervision/credit/{target.pk}/")
    history = page.inner_text("[data-testid=credit-history]")
    assert "养老机构备案" in history and "警告" in history and "未发现问题" in history
    shot("66-supervision-public-credit")
    page.set_viewport_size({"width": 390, "height": 844})
    shot("67-supervision-public-credit-phone")
