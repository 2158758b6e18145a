"""Done means: a staff member sets up the age allowance, previews, a colleague approves, the payment
file is downloaded and the bank's results reconciled — in the browser."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from tests.people.conftest import make_id
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user
from yanglao.people import services as people_services

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _people(by):
    for i, (birth, name) in enumerate((("19400101", "陈秀英"), ("19300315", "李桂芳"), ("19250808", "黄德明"),
                                       ("19600101", "吴国强"))):
        person = people_services.person_create(by=by, today=dt.date(2026, 5, 1), data={
            "name": name, "id_number": make_id(birth=birth, seq=f"{100 + i:03d}"), "division_code": "441702001001",
            "living_situation": "alone"})
        # an account for everyone: a line without one is held back from the payment file
        from yanglao.benefits.services import bank_account_set

        bank_account_set(by=by, person=person, bank_name="广东阳江农村商业银行", account_no=f"62284801234567{i:05d}",
                         holder_name=name)


def _result_file(rows, fail_last: bool, wrong_amount: bool = False) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["明细编号", "金额", "结果", "失败原因"])
    for i, r in enumerate(rows):
        failed = fail_last and i == len(rows) - 1
        amount = (r[7] + 1) if wrong_amount and i == 0 else r[7]
        ws.append([r[1], amount, "失败" if failed else "成功", "账户已冻结" if failed else ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_age_allowance_from_set_up_to_reconciliation(live_server, page, shot, tmp_path):
    maker = make_user(Role.CITY_ADMIN, "4417", username="city", real_name="陈志明")
    make_user(Role.CITY_ADMIN, "4417", username="city2", real_name="周慧敏")
    _people(make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng"))
    del maker
    login(page, live_server, "city", PASSWORD)
    page.click("[data-nav=benefits]")
    page.click("[data-testid=new-programme]")
    page.fill("#id_code", "gaoling")
    page.fill("#id_name", "高龄津贴")
    page.fill("#id_legal_basis", "阳民〔2025〕1号")
    page.fill("#id_issuing_unit", "阳江市民政局")
    shot("benefits-01-new-programme")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=programme-name]")

    page.click("summary:has-text(\"添加享受条件\")")
    page.fill("#id_rule-valid_from", "2025-01-01")
    page.fill("#id_rule-min_age", "80")
    page.fill("#id_rule-document_no", "阳民〔2025〕1号")
    page.click("[data-testid=add-rule]")
    page.wait_for_selector("text=已添加享受条件")
    for lo, hi, amount, label in (("80", "89", "50", "80–89岁"), ("90", "99", "100", "90–99岁"),
                                  ("100", "", "300", "100岁及以上"), ("95", "", "500", "95岁以上（重叠）")):
        page.click("summary:has-text(\"添加补贴标准\")")
        page.fill("#id_band-label", label)
        page.fill("#id_band-key_min", lo)
        page.fill("#id_band-key_max", hi)
        page.fill("#id_band-amount", amount)
        page.fill("#id_band-valid_from", "2025-01-01")
        page.click("[data-testid=add-band]")
        page.wait_for_load_state()
    assert "重叠" in page.inner_text("[data-testid=band-form]")
    shot("benefits-02-overlap-refused")
    assert page.locator("[data-testid=bands] tbody tr").count() == 3

    page.fill("#id_month", "2026-05")
    page.click("[data-testid=preview]")
    page.wait_for_selector("[data-testid=run-status][data-status=preview]")
    assert page.inner_text("[data-testid=stat-people]") == "3"
    assert page.inner_text("[data-testid=stat-amount]") == "¥450.00"
    assert "须由另一名工作人员审核" in page.inner_text("[data-testid=needs-checker]")
    assert page.locator("[data-testid=approve]").count() == 0
    shot("benefits-03-preview")
    run_url = page.url

    page.context.clear_cookies()
    login(page, live_server, "city2", PASSWORD)
    page.goto(run_url)
    page.click("[data-testid=approve]")
    assert "450.00 元" in page.inner_text("[data-testid=confirm-facts]")  # the total and count before signing
    shot("benefits-03b-confirm-approval")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("[data-testid=run-status][data-status=approved]")
    with page.expect_download() as download:
        page.click("[data-testid=download-xlsx]")
    path = tmp_path / "daifa.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))[2:]
    assert sorted(r[7] for r in rows) == [50, 100, 300]

    page.goto(run_url)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_result_file(rows, fail_last=True, wrong_amount=True))
    page.set_input_files("#id_file", str(bad))
    page.click("[data-testid=reconcile]")
    page.wait_for_selector("[data-testid=recon-errors]")
    assert "金额不符" in page.inner_text("[data-testid=recon-errors]")
    shot("benefits-04-reconcile-errors")
    good = tmp_path / "good.xlsx"
    good.write_bytes(_result_file(rows, fail_last=True))
    page.set_input_files("#id_file", str(good))
    page.click("[data-testid=reconcile]")
    page.wait_for_selector("[data-testid=run-status][data-status=reconciled]")
    assert "失败 1 笔" in page.inner_text("[data-testid=recon-summary]")
    shot("benefits-05-reconciled")
    page.goto(f"{live_server.url}/benefits/reports/")
    page.wait_for_selector("[data-testid=report-table]")
    shot("benefits-06-report")
