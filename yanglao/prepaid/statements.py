"""The custody bank's statement (存管银行对账单): imported from .xlsx/.csv, checked row by row, held until
a person confirms, then reconciled against the homes' monthly reports in a few set-based statements.

A row names a custody account, a date in the month and the month-end balance. A row is refused, with its
row, column and reason, when the account is not a custody account of a home the uploader may see (or,
for a statement filed for one home, not that home's account: another home's account is refused), when
a cell cannot be read, or when the same account and month appear twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from yanglao.core.audit import audit_bulk
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import User
from yanglao.core.scope import restrict
from yanglao.core.tabular import CellError, cell_to_date, cell_to_decimal, clean_text
from yanglao.core.uploads import read_upload

from .choices import CaseStatus, ImportStatus, ReportState
from .models import MonthlyReport, PrepaidHome, ReconciliationCase, StatementImport, StatementLine
from .services import CENT, month_start

UPLOAD_KIND = "custody_statement"
HEADERS = ["存管账号", "余额日期", "期末余额"]
ALIASES = {
    "账号": "存管账号", "账户": "存管账号", "存管账户": "存管账号", "银行账号": "存管账号", "监管账号": "存管账号",
    "日期": "余额日期", "截止日期": "余额日期", "对账日期": "余额日期", "月份": "余额日期", "账期": "余额日期",
    "余额": "期末余额", "账户余额": "期末余额", "月末余额": "期末余额", "存管余额": "期末余额",
}
MAX_ERRORS_KEPT = 500


def _account_text(value: Any) -> str:
    if isinstance(value, bool):
        raise CellError("账号格式不正确")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        raise CellError("账号被 Excel 转成了科学计数法，请把该列设为“文本”后重新导出")
    text = "".join(clean_text(value).replace("-", "").split()).lstrip("'")
    if not text:
        raise CellError("账号为空")
    if not text.isdigit() or not 8 <= len(text) <= 32:
        raise CellError(f"账号“{text[:40]}”应为8至32位数字")
    return text


def statement_upload(*, by: User, filename: str, content: bytes, home: PrepaidHome | None = None) -> StatementImport:
    """Read and check a statement; store it as pending with its good rows and every refused row."""
    if not by.can("prepaid.reconcile"):
        raise Forbidden("您没有导入存管对账单的权限")
    homes = restrict(PrepaidHome.objects.all(), by)
    if home is not None:
        home = homes.filter(pk=home.pk).first()
        if home is None:
            raise NotFound("未找到该机构")
    by_account = dict(homes.values_list("custody_account", "pk"))
    codes = dict(homes.values_list("pk", "division_code"))
    table = read_upload(content, kind=UPLOAD_KIND, filename=filename, expected_headers=HEADERS, aliases=ALIASES,
                        min_matches=3)
    if table.missing_headers:
        raise ValidationFailed("对账单缺少必需的列：" + "、".join(table.missing_headers),
                               details={"file": "缺少列：" + "、".join(table.missing_headers)})
    current = month_start(timezone.localdate())
    errors: list[dict[str, Any]] = []
    lines: list[StatementLine] = []
    seen: dict[tuple[int, dt.date], int] = {}
    rows = 0
    for row_no, cells in table:
        rows += 1
        problems: list[tuple[str, str]] = []
        account = month = balance = None
        try:
            account = _account_text(cells.get("存管账号"))
        except CellError as exc:
            problems.append(("存管账号", exc.message))
        try:
            day = cell_to_date(cells.get("余额日期"))
            month = month_start(day)
            if month >= current:
                problems.append(("余额日期", f"{day:%Y-%m-%d}所在月份尚未结束"))
        except CellError as exc:
            problems.append(("余额日期", exc.message))
        try:
            balance = cell_to_decimal(cells.get("期末余额"))
            if balance < 0:
                problems.append(("期末余额", "余额不能为负数"))
            elif balance != balance.quantize(CENT):
                problems.append(("期末余额", "余额最多两位小数"))
        except CellError as exc:
            problems.append(("期末余额", exc.message))
        home_id = by_account.get(account) if account else None
        if account and home is not None and home_id != home.pk:
            problems.append(("存管账号", f"账号{account}不是{home}的存管账户，不能导入其他机构的账户"))
        elif account and home_id is None:
            problems.append(("存管账号", f"账号{account}不是辖区内已备案机构的存管账户"))
        if home_id and month and not problems:
            first = seen.get((home_id, month))
            if first:
                problems.append(("存管账号", f"与第{first}行的账号和月份重复"))
            else:
                seen[(home_id, month)] = row_no
        if problems:
            for header, reason in problems:
                if len(errors) < MAX_ERRORS_KEPT:
                    errors.append({"row": row_no, "column": table.column_of(header), "field": header, "reason": reason})
            continue
        assert home_id is not None and month is not None and balance is not None and account is not None
        lines.append(StatementLine(row_no=row_no, home_id=home_id, account_no=account, month=month,
                                   balance=balance, division_code=codes[home_id]))
    division = home.division_code if home is not None else (by.scope_prefix or "")
    with transaction.atomic():
        imp = StatementImport.objects.create(filename=filename[:200], home=home, rows=rows, accepted=len(lines),
                                             errors=errors, uploaded_by=by, division_code=division)
        for line in lines:
            line.statement = imp
        StatementLine.objects.bulk_create(lines, batch_size=1000)
        audit_bulk(StatementLine, operation="staged", count=len(lines), division_code=division,
                   params={"import": imp.pk, "rows": rows, "refused": len({e["row"] for e in errors})})
    return imp


def statement_discard(*, by: User, imp: StatementImport) -> StatementImport:
    if not by.can("prepaid.reconcile"):
        raise Forbidden("您没有处理存管对账单的权限")
    with transaction.atomic():
        found = restrict(StatementImport.objects.select_for_update(), by).filter(pk=imp.pk).first()
        if found is None:
            raise NotFound("未找到该对账单")
        if found.status != ImportStatus.PENDING:
            raise Conflict("该对账单已处理")
        found.status = ImportStatus.DISCARDED
        found.decided_by = by
        found.decided_at = timezone.now()
        found.save(update_fields=["status", "decided_by", "decided_at"])
        return found


def statement_confirm(*, by: User, imp: StatementImport) -> StatementImport:
    """Confirm a pending statement and reconcile it: each line gets the home's reported balance for its
    month and the gap; reports are marked matched or not; each gap (or unreported month) opens a case for
    the county, unless one is already open for that home and month. Set-based: a handful of statements
    whatever the number of rows."""
    if not by.can("prepaid.reconcile"):
        raise Forbidden("您没有处理存管对账单的权限")
    with transaction.atomic():
        found = restrict(StatementImport.objects.select_for_update(), by).filter(pk=imp.pk).first()
        if found is None:
            raise NotFound("未找到该对账单")
        if found.status != ImportStatus.PENDING:
            raise Conflict("该对账单已处理，不能重复确认")
        if not found.accepted:
            raise ValidationFailed("该对账单没有可导入的行")
        lines = StatementLine.objects.filter(statement=found)
        reported = MonthlyReport.objects.filter(home=OuterRef("home"), month=OuterRef("month")).values("reported_balance")[:1]
        lines.update(reported=Subquery(reported))
        lines.filter(reported__isnull=False).update(gap=F("balance") - F("reported"))
        same = lines.filter(home=OuterRef("home"), month=OuterRef("month"))
        MonthlyReport.objects.filter(Exists(same.filter(gap=0))).update(state=ReportState.MATCHED)
        MonthlyReport.objects.filter(Exists(same.exclude(gap=0))).update(state=ReportState.GAP)
        gaps = list(lines.filter(Q(reported__isnull=True) | ~Q(gap=0))
                    .values("pk", "home_id", "month", "balance", "reported", "gap", "division_code"))
        today = timezone.localdate()
        ReconciliationCase.objects.bulk_create([ReconciliationCase(
            home_id=g["home_id"], month=g["month"], line_id=g["pk"], statement_balance=g["balance"],
            reported_balance=g["reported"], gap=g["gap"], opened_on=today, status=CaseStatus.OPEN,
            division_code=g["division_code"]) for g in gaps], ignore_conflicts=True)
        found.status = ImportStatus.CONFIRMED
        found.gaps = len(gaps)
        found.decided_by = by
        found.decided_at = timezone.now()
        found.save(update_fields=["status", "gaps", "decided_by", "decided_at"])
        audit_bulk(ReconciliationCase, operation="reconcile", count=len(gaps), division_code=found.division_code,
                   params={"import": found.pk, "lines": found.accepted,
                           "gap_total": sum((abs(g["gap"]) for g in gaps if g["gap"] is not None), Decimal("0"))})
        return found
