"""County staff follow a home's prepaid fees: the overview, a home with its residents' money, a deposit over the
limit refused on the form with its rule, a custody statement uploaded with a refused row before confirming, the
case it opens, a closure and the refunds owed on the to-do list. Desktop and phone."""

import datetime as dt

import pytest

from tests.prepaid.conftest import collect, make_home, make_resident, operator, operator_org, rules  # noqa: F401
from yanglao.core.testing import PASSWORD
from yanglao.prepaid import services

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def both(page, shot, name: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(DESKTOP)
    shot(f"prepaid-{name}-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name  # no sideways scrolling
    shot(f"prepaid-{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_county_staff_reconcile_a_statement_and_see_a_closing_homes_refunds(live_server, page, shot, jiangcheng,
                                                                           make_home, make_resident, tmp_path):  # noqa: F811
    today = dt.date.today()
    last = services.month_start(services.month_start(today) - dt.timedelta(days=1))
    home = make_home(name="阳江颐康护养院")
    a = make_resident(home, name="黄秀英", bed_fee="2200")
    b = make_resident(home, name="李桂芳", bed_fee="1800")
    collect(jiangcheng, a, "deposit", "6600", "YK-1", on=last)
    collect(jiangcheng, a, "bed", "13200", "YK-2", on=last)
    collect(jiangcheng, b, "deposit", "5400", "YK-3", on=last)
    services.report_file(by=jiangcheng, home=home, month=last, reported_balance="24000")
    other = make_home(name="阳江福寿园", division="441702001001")
    collect(jiangcheng, make_resident(other, name="陈伯", bed_fee="2000"), "membership", "50000", "FS-1", on=last)

    login(page, live_server, "jiangcheng", PASSWORD)
    page.wait_for_selector("[data-testid=user-name]")
    page.click("[data-nav=prepaid]")
    page.wait_for_selector("[data-testid=prepaid-figures]")
    both(page, shot, "01-overview")
    page.click("text=阳江颐康护养院")
    page.wait_for_selector("[data-testid=accounts]")
    both(page, shot, "02-home")
    page.click("text=黄秀英")
    page.click("text=登记收支")
    page.select_option("#id_kind", "deposit")
    page.fill("#id_amount", "30000")
    page.fill("#id_receipt_no", "YK-9")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=error-amount]")
    assert "关于加强养老机构预收费监管的指导意见" in page.inner_text("[data-testid=error-amount]")
    both(page, shot, "03-over-limit")

    csv = tmp_path / "存管对账单.csv"
    csv.write_text(f"存管账号,余额日期,期末余额\n{home.custody_account},{last:%Y-%m-%d},25200.00\n"
                   f"6222000099998888,{last:%Y-%m-%d},100\n", encoding="gbk")
    page.goto(f"{live_server.url}/prepaid/statements/new/")
    page.set_input_files("#id_file", str(csv))
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=row-errors]")
    assert "第 3 行" in page.inner_text("[data-testid=row-errors]")
    both(page, shot, "04-statement-checked")
    page.click("[data-testid=confirm]")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("text=差异 1 件")
    page.goto(f"{live_server.url}/prepaid/cases/?status=active")
    page.click("[data-testid=cases] a")
    page.wait_for_selector("[data-testid=gap]")
    assert "¥1,200.00" in page.inner_text("[data-testid=gap]")
    both(page, shot, "05-case")

    page.goto(f"{live_server.url}/prepaid/homes/{home.pk}/closure/")
    page.fill("#id_closing_on", (today + dt.timedelta(days=40)).isoformat())
    page.fill("[data-testid=confirm-comment]", "场地租约到期")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("[data-testid=closing]")
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("text=停业机构应退老年人预收费")
    both(page, shot, "06-workbench-refunds")
    page.click("text=停业机构应退老年人预收费")
    page.wait_for_selector("[data-testid=refunds]")
    assert "黄秀英" in page.inner_text("[data-testid=refunds]") and "李桂芳" in page.inner_text("[data-testid=refunds]")
    both(page, shot, "07-refunds")
    page.goto(f"{live_server.url}/prepaid/warnings/")
    both(page, shot, "08-warnings")
    page.goto(f"{live_server.url}/prepaid/rules/")
    both(page, shot, "09-rules")
