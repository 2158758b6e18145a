"""The city checks the insurer's statement for a month's insured list in the browser: from the insurance page
to the month's statements, a spreadsheet uploaded, the findings by outcome (漏保 first), the other outcomes a
click away. Screenshots at desktop (1280×800) and phone (390×844) size, no sideways scrolling on the phone."""

import datetime as dt

import pytest
from openpyxl import Workbook

from tests.people.conftest import make_id
from yanglao.benefits import services
from yanglao.benefits.engine import compute
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user
from yanglao.people import services as people_services

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
NAMES = ["陈秀英", "李桂芳", "黄德明", "吴国强", "林玉兰"]


def both(page, shot, name: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(DESKTOP)
    shot(f"insurer-statement-{name}-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    shot(f"insurer-statement-{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_the_city_checks_the_insurers_statement_and_sees_who_is_not_insured(live_server, page, shot, tmp_path):
    city = make_user(Role.CITY_ADMIN, "4417", username="city", real_name="陈志明")
    checker = make_user(Role.CITY_ADMIN, "4417", username="city2", real_name="周慧敏")
    county = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng", real_name="林晓燕")
    p = services.programme_create(by=city, code="yiwai", name="老年人意外伤害保险", kind="insurance_list",
                                  legal_basis="阳民〔2025〕4号", band_basis="flat")
    services.rule_add(by=city, programme=p, valid_from=dt.date(2025, 1, 1), min_age=80, document_no="阳民〔2025〕4号")
    services.band_add(by=city, programme=p, valid_from=dt.date(2025, 1, 1), amount="2.50", label="月保费",
                      document_no="阳民〔2025〕4号")
    ids = []
    for i, name in enumerate(NAMES):
        idno = make_id(birth="19400101", seq=f"{400 + i:03d}")
        people_services.person_create(by=county, today=dt.date(2026, 5, 1), data={
            "name": name, "id_number": idno, "division_code": "441702001001", "living_situation": "alone"})
        ids.append(idno)
    run = services.run_preview(by=city, programme=p, month=dt.date(2026, 10, 1))
    run = services.run_approve(by=checker, run=compute(run.pk, run.attempt))

    wb = Workbook()
    ws = wb.active
    ws.append(["中国人民财产保险股份有限公司阳江市分公司 2026年10月 承保清单"])
    ws.append(["序号", "被保险人姓名", "被保险人身份证号码", "保险费（元）"])
    for n, (name, idno) in enumerate(zip(NAMES[1:], ids[1:], strict=True), start=1):  # 陈秀英 left out: 漏保
        ws.append([n, name, idno, 3.0 if n == 1 else 2.5])  # 李桂芳's premium differs
    ws.append([5, "查无此人", make_id(birth="19390101", seq="993"), 2.5])  # 多保
    statement = tmp_path / "承保清单.xlsx"
    wb.save(statement)

    login(page, live_server, "city", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/benefits/insurance/")
    page.click(f"[data-testid=insurer-statements-{run.pk}]")
    page.wait_for_selector("[data-testid=statement-form]")
    page.fill("#id_insurer", "中国人民财产保险股份有限公司阳江市分公司")
    page.set_input_files("#id_file", str(statement))
    both(page, shot, "01-upload")
    page.click("[data-testid=statement-upload]")
    page.wait_for_selector("[data-testid=statement-stats]")
    assert "陈秀英" in page.inner_text("[data-testid=statement-rows]")  # not insured, shown first
    assert "无法理赔" in page.inner_text("[data-testid=statement-rows]")
    assert "0.50" in page.inner_text("[data-testid=statement-difference]")  # 13.00 in the file, 12.50 listed
    both(page, shot, "02-not-insured")
    page.click("[data-testid=show-premium]")
    page.wait_for_selector("text=清单保费 3.00 元")
    both(page, shot, "03-premium")
    page.goto(f"{live_server.url}/benefits/runs/{run.pk}/insurer-statements/")
    assert "中国人民财产保险股份有限公司阳江市分公司" in page.inner_text("[data-testid=statements]")
