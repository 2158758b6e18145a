"""The bureau follows the lottery-fund share and the county reports its year: the overview with the share per level
against 55 % (green and red) and its trend, spending entered with a voucher scan, a sheet imported with a bad row
(nothing saved), the year reported by the county and approved by a second city administrator. Desktop and phone."""

import datetime as dt

import pytest

from tests.funding.conftest import receive, spend
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user
from yanglao.funding import services

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def both(page, shot, name: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(DESKTOP)
    shot(f"funding-{name}-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name  # no sideways scrolling
    shot(f"funding-{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_county_reports_its_year_and_the_city_sees_the_share_against_the_floor(live_server, page, shot, jiangcheng,
                                                                              yangxi, city_admin, tmp_path):
    for year, received, spent in ((2023, "4200000", "2600000"), (2024, "4450000", "2300000"), (2025, "4600000", "2900000")):
        receive(jiangcheng, "441702", received, year=year)
        spend(jiangcheng, "441702", spent, on=dt.date(year, 6, 18), payee="阳江颐康护养院", summary=f"{year}年运营补贴")
        spend(jiangcheng, "441702", "880000", source="general", purpose="purchase", on=dt.date(year, 9, 2),
              payee="阳江市康乐居家养老服务中心")
        receive(yangxi, "441721", "2600000", year=year)
        spend(yangxi, "441721", "1500000", on=dt.date(year, 5, 9), payee="阳西县中心敬老院")
    services.budget_save(by=jiangcheng, data={"year": 2025, "division_code": "441702", "source": "lottery",
                                              "purpose": "institution", "amount": "3000000", "document_no": "阳财预〔2025〕3号"})
    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-nav=funding]")
    page.select_option("#f-year", "2024")
    page.click("text=查看")
    page.wait_for_selector("[data-testid=share-cards]")
    assert "51.68%" in page.inner_text("[data-testid=share-cards]")  # 2,300,000 ÷ 4,450,000, below the floor
    assert page.locator("[data-testid=share-trend] [data-testid=share-red]").count() == 1
    both(page, shot, "01-overview-county")

    page.goto(f"{live_server.url}/funding/spending/new/")
    page.fill("#id_paid_on", "2025-11-03")
    page.fill("#id_voucher_no", "记-202511-0301")
    page.select_option("#id_source", "lottery")
    page.select_option("#id_purpose", "homecare")
    page.fill("#id_amount", "126000.5")
    page.fill("#id_payee", "南恩街道综合养老服务中心")
    scan = tmp_path / "凭证.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.set_input_files("#id_attachment", str(scan))
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=spending-facts]")
    assert "¥126,000.50" in page.inner_text("h2") and "凭证.pdf" in page.inner_text("[data-testid=attachments]")
    both(page, shot, "02-spending")

    sheet = tmp_path / "支出.csv"
    sheet.write_text("支出日期,凭证号,资金来源,支出用途,金额（元）,收款单位\n2025-10-08,记-1008-01,福彩公益金,机构补贴,5000,某院\n"
                     "2025-10-09,记-1009-01,彩票,机构补贴,-3,某院\n", encoding="gbk")
    page.goto(f"{live_server.url}/funding/spending/import/")
    page.set_input_files("#id_file", str(sheet))
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=import-errors]")
    assert "第 3 行 · 资金来源" in page.inner_text("[data-testid=import-errors]")
    both(page, shot, "03-import-refused")

    page.goto(f"{live_server.url}/funding/years/?year=2025")
    page.click("[data-testid=years] a:has-text('报送')")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("text=等待市级审定")
    both(page, shot, "04-years-county")

    make_user(Role.CITY_ADMIN, "4417", username="city2")
    page.context.clear_cookies()
    login(page, live_server, "city2", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.goto(f"{live_server.url}/funding/?year=2025")
    page.wait_for_selector("[data-testid=share-trend]")
    assert "全市合计" in page.inner_text("[data-testid=share-trend]")
    both(page, shot, "05-overview-city")
    page.goto(f"{live_server.url}/funding/years/?status=submitted")
    page.click("[data-testid=years] a:has-text('审定')")
    page.fill("textarea[name=comment]", "核实无误")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("text=已审定")
    page.goto(f"{live_server.url}/funding/platform/")
    page.wait_for_selector("[data-testid=platform]")
    both(page, shot, "06-platform")
