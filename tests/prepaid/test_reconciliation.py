"""Monthly reports are reconciled against the custody bank's statement: bad rows are reported per row with
column and reason, a statement row for another home's account is refused, nothing changes until a person
confirms, and a gap opens a case for the county (assign, close with a note)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.todos import todo_list
from yanglao.prepaid import services, statements
from yanglao.prepaid.models import MonthlyReport, ReconciliationCase

from .conftest import TODAY, collect

D = Decimal
LAST = services.month_start(services.month_start(TODAY) - dt.timedelta(days=1))
BEFORE = services.month_start(LAST - dt.timedelta(days=1))


def csv(rows):
    text = "存管账号,余额日期,期末余额\n" + "\n".join(",".join(r) for r in rows) + "\n"
    return text.encode("gbk")


@pytest.fixture
def two_homes(make_home, make_resident, jiangcheng):
    a = make_home(name="阳江颐康护养院", account="4405017178080000111")
    b = make_home(name="阳江福寿园", account="4405017178080000222", division="441702001001")
    for h in (a, b):
        collect(jiangcheng, make_resident(h), "deposit", "6000", f"D-{h.pk}", on=LAST)
        services.report_file(by=jiangcheng, home=h, month=LAST, reported_balance="6000")
    return a, b


def test_a_statement_is_checked_per_row_and_changes_nothing_until_confirmed(jiangcheng, two_homes, make_home, yangxi):
    a, b = two_homes
    other = make_home(name="阳西县颐年院", division="441721100005", account="6222000000000333", by=yangxi)
    content = csv([
        [a.custody_account, f"{LAST:%Y-%m}-28", "6000.00"],
        [b.custody_account, f"{LAST:%Y-%m}-28", "\"5,000\""],
        [other.custody_account, f"{LAST:%Y-%m}-28", "100"],  # another county's home
        ["12345", f"{LAST:%Y-%m}-28", "100"],
        [a.custody_account, "2026-13-45", "abc"],
        [a.custody_account, f"{LAST:%Y-%m}-30", "6000.00"],  # same account and month again
    ])
    imp = statements.statement_upload(by=jiangcheng, filename="对账单.csv", content=content)
    assert (imp.rows, imp.accepted, imp.status) == (6, 2, "pending")
    by_row = {(e["row"], e["column"]): e["reason"] for e in imp.errors}
    assert "不是辖区内已备案机构的存管账户" in by_row[(4, "A")]
    assert "8至32位数字" in by_row[(5, "A")]
    assert (6, "B") in by_row and (6, "C") in by_row
    assert "重复" in by_row[(7, "A")]
    # nothing reconciled yet
    assert not ReconciliationCase.objects.exists()
    assert set(MonthlyReport.objects.values_list("state", flat=True)) == {"filed"}

    statements.statement_confirm(by=jiangcheng, imp=imp)
    assert MonthlyReport.objects.get(home=a, month=LAST).state == "matched"
    assert MonthlyReport.objects.get(home=b, month=LAST).state == "gap"
    case = ReconciliationCase.objects.get()
    assert (case.home, case.gap, case.status) == (b, D("-1000.00"), "open")
    assert {t.key: t for t in todo_list(jiangcheng)}["prepaid.cases"].item.count == 1
    with pytest.raises(Conflict):
        statements.statement_confirm(by=jiangcheng, imp=imp)
    with pytest.raises(Conflict):  # a reconciled report is not corrected silently
        services.report_file(by=jiangcheng, home=b, month=LAST, reported_balance="5000")


def test_a_statement_for_one_home_refuses_another_homes_account(jiangcheng, two_homes):
    a, b = two_homes
    content = csv([[a.custody_account, f"{LAST:%Y-%m}-28", "6000"], [b.custody_account, f"{LAST:%Y-%m}-28", "6000"]])
    imp = statements.statement_upload(by=jiangcheng, filename="颐康.csv", content=content, home=a)
    assert imp.accepted == 1
    assert imp.errors == [{"row": 3, "column": "A", "field": "存管账号",
                           "reason": f"账号{b.custody_account}不是{a}的存管账户，不能导入其他机构的账户"}]


def test_an_xlsx_statement_with_a_month_not_reported_opens_a_case_and_a_second_statement_no_second_case(
        jiangcheng, two_homes):
    a, _b = two_homes
    wb = Workbook()
    ws = wb.active
    ws.append(["阳江市某银行 存管账户余额对账单"])
    ws.append(["账号", "截止日期", "账户余额"])
    ws.append([a.custody_account, dt.datetime(BEFORE.year, BEFORE.month, 28), 1200.5])
    buf = io.BytesIO()
    wb.save(buf)
    for n in (1, 2):
        imp = statements.statement_upload(by=jiangcheng, filename=f"s{n}.xlsx", content=buf.getvalue())
        assert imp.accepted == 1, imp.errors
        statements.statement_confirm(by=jiangcheng, imp=imp)
    case = ReconciliationCase.objects.get()
    assert case.reported_balance is None and case.statement_balance == D("1200.50")


def test_a_case_is_assigned_and_closed_with_a_note(jiangcheng, two_homes, yangxi):
    a, _b = two_homes
    imp = statements.statement_upload(by=jiangcheng, filename="s.csv",
                                      content=csv([[a.custody_account, f"{LAST:%Y-%m}-28", "5999.99"]]))
    statements.statement_confirm(by=jiangcheng, imp=imp)
    case = ReconciliationCase.objects.get()
    with pytest.raises(ValidationFailed):  # another county's staff cannot be the assignee
        services.case_assign(by=jiangcheng, case=case, assignee=yangxi)
    services.case_assign(by=jiangcheng, case=case, assignee=jiangcheng)
    with pytest.raises(ValidationFailed):
        services.case_close(by=jiangcheng, case=case, note="")
    closed = services.case_close(by=jiangcheng, case=case, note="银行手续费未入账，已核实补记")
    assert closed.status == "closed" and closed.close_note.startswith("银行手续费")
    assert "prepaid.cases" not in {t.key for t in todo_list(jiangcheng)}


def test_an_unreadable_file_is_refused_whole(jiangcheng, two_homes):
    with pytest.raises(ValidationFailed):
        statements.statement_upload(by=jiangcheng, filename="x.csv", content="姓名,年龄\n张三,80\n".encode())
