"""Payment files (代发文件: .xlsx, and the bank CSV layout in docs/benefits.md) and the
reconciliation import of the bank's results (all lines or none)."""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from yanglao.core.audit import audit_bulk, audit_context, audit_export
from yanglao.core.cells import csv_row, sheet_row
from yanglao.core.crypto import decrypt
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import User
from yanglao.core.tabular import CellError, cell_to_decimal, clean_text
from yanglao.core.uploads import read_upload

from .choices import RunStatus
from .models import Entitlement, PaymentResult, PaymentRun, ReconciliationImport
from .months import month_label

XLSX_HEADERS = ["序号", "明细编号", "姓名", "身份证号码", "开户银行", "银行账号", "户名", "金额", "摘要", "所属月份", "类型",
                "居住社区代码"]
CSV_HEADERS = ["明细编号", "户名", "银行账号", "金额", "身份证号码", "开户银行", "摘要"]
RESULT_HEADERS = ["序号", "明细编号", "身份证号码", "金额", "结果", "失败原因", "银行流水号"]
RESULT_ALIASES = {"明细号": "明细编号", "流水号": "银行流水号", "交易结果": "结果", "处理结果": "结果", "发放金额": "金额",
                  "交易金额": "金额", "失败说明": "失败原因", "备注": "失败原因", "身份证号": "身份证号码",
                  "证件号码": "身份证号码"}
PAID_WORDS = {"成功", "已发放", "支付成功", "PAID", "SUCCESS", "S"}
FAILED_WORDS = {"失败", "退回", "支付失败", "FAILED", "FAIL", "F"}
KIND_LABEL = {"regular": "当月", "back_pay": "补发", "carried": "重发", "adjustment": "更正"}


@dataclass(frozen=True)
class PayRow:
    seq: int
    line_id: int
    name: str
    id_number: str
    bank_name: str
    account_no: str
    holder: str
    amount: Decimal
    summary: str
    month: str
    kind: str
    division_code: str


def _lines(run: PaymentRun) -> Any:
    return Entitlement.objects.filter(run=run).order_by("division_code", "person_id", "month", "id")


def _person_groups(run: PaymentRun) -> Iterator[list[tuple[Any, ...]]]:
    """The run's lines, one list per person (the lines are ordered by division and person)."""
    group: list[tuple[Any, ...]] = []
    for row in _lines(run).values_list(*LINE_FIELDS).iterator(chunk_size=5000):
        if group and group[0][-1] != row[-1]:
            yield group
            group = []
        group.append(row)
    if group:
        yield group


LINE_FIELDS = ("id", "person__name", "person__id_number_enc", "person__id_number_masked",
               "person__bank_account__bank_name", "person__bank_account__account_no_enc",
               "person__bank_account__holder_name", "amount", "month", "kind", "division_code", "person_id")


def pay_rows(run: PaymentRun, *, full_id: bool, skip: frozenset[int] = frozenset()) -> Iterator[PayRow]:
    """The payable lines, numbered: lines of held-back people (`skip`) left out; a signed deduction
    (negative adjustment) netted into the same person's largest line, never a line of its own."""
    summary_base = run.programme.payment_summary or run.programme.name[:20]
    seq = 0
    for group in _person_groups(run):
        if group[0][-1] in skip:
            continue
        deduction = sum((Decimal(str(r[7])) for r in group if r[7] < 0), Decimal("0"))
        positive = [r for r in group if r[7] > 0]
        biggest = max(positive, key=lambda r: r[7])[0] if positive and deduction else None
        for row in positive:
            line_id, name, id_enc, id_masked, bank, acct_enc, holder, amount, month, kind, division, _pid = row
            value = Decimal(str(amount)).quantize(Decimal("0.01"))
            note = ""
            if line_id == biggest:
                value += deduction
                note = f"（已扣减{-deduction:.2f}）"
            seq += 1
            yield PayRow(
                seq=seq, line_id=line_id, name=name, id_number=decrypt(id_enc) if full_id else id_masked,
                bank_name=bank or "", account_no=decrypt(acct_enc) if acct_enc else "", holder=holder or name,
                amount=value,
                summary=f"{summary_base}{month.year}年{month.month}月" + ("" if kind == "regular" else KIND_LABEL[kind])
                + note,
                month=f"{month:%Y-%m}", kind=KIND_LABEL[kind], division_code=division,
            )


# --------------------------------------------------------------------------- held-back lines

HELD_REASONS = {
    "no_account": ("未登记代发账户", "登记该老年人的代发银行账户；本批次暂缓，下月批次自动重发"),
    "invalid_account": ("代发账号无效", "核对并更正银行账号（应为12–30位数字）；本批次暂缓，下月批次自动重发"),
    "deceased": ("编制后已登记死亡", "不再发放；如死亡日期早于所属月份，已发部分请登记追回"),
    "moved_away": ("编制后已登记迁出", "不再发放；如迁出日期早于所属月份，已发部分请登记追回"),
    "suspended": ("编制后已停发", "核实停发原因；恢复后由下月批次补发"),
    "net_not_positive": ("扣减后无应发金额", "扣减额大于应发额，请核对扣减"),
}


@dataclass(frozen=True)
class HeldLine:
    person_id: int
    name: str
    id_masked: str
    division_code: str
    amount: Decimal
    lines: int
    reason: str

    @property
    def label(self) -> str:
        return HELD_REASONS[self.reason][0]

    @property
    def todo(self) -> str:
        return HELD_REASONS[self.reason][1]


def held_lines(run: PaymentRun, *, scope_prefix: str = "") -> list[HeldLine]:
    """People whose lines are held back from the payment file, with the reason (one query): no
    account, an account that is not 12–30 digits, or dead / moved / suspended since the preview."""
    from django.db import connection

    # an account with anything but digits (or the mask's *): a regular expression on PostgreSQL, GLOB on SQLite
    not_digits = ("ba.account_no_masked !~ '^[0-9*]+$'" if connection.vendor == "postgresql"
                  else "ba.account_no_masked GLOB '*[^0-9*]*'")
    sql = (
        "SELECT e.person_id, p.name, p.id_number_masked, MIN(e.division_code), SUM(e.amount), COUNT(*), "
        "CASE WHEN p.status IN ('deceased', 'moved_away') AND p.status_date < %s THEN p.status "
        "WHEN EXISTS (SELECT 1 FROM benefits_suspension s WHERE s.person_id = e.person_id AND s.programme_id = %s "
        " AND s.from_month <= %s AND (s.to_month IS NULL OR s.to_month >= %s) AND s.lifted_at IS NULL "
        " AND s.created_at > %s) THEN 'suspended' "
        "WHEN ba.id IS NULL THEN 'no_account' "
        f"WHEN length(ba.account_no_masked) NOT BETWEEN 12 AND 30 OR {not_digits} "
        " THEN 'invalid_account' "
        "WHEN SUM(e.amount) <= 0 THEN 'net_not_positive' END AS reason "
        "FROM benefits_entitlement e JOIN people_person p ON p.id = e.person_id "
        "LEFT JOIN benefits_bankaccount ba ON ba.person_id = e.person_id "
        "WHERE e.run_id = %s AND e.division_code LIKE %s "
        "GROUP BY e.person_id, p.name, p.id_number_masked, p.status, p.status_date, ba.id, ba.account_no_masked "
        "ORDER BY MIN(e.division_code), e.person_id"
    )
    prepared = run.prepared_at or run.created_at
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM ({sql}) h WHERE reason IS NOT NULL",
                    [run.month, run.programme_id, run.month, run.month, prepared, run.pk, scope_prefix + "%"])
        return [HeldLine(person_id=r[0], name=r[1], id_masked=r[2], division_code=r[3],
                         amount=Decimal(str(r[4])).quantize(Decimal("0.01")), lines=r[5], reason=r[6])
                for r in cur.fetchall()]


def _payable(run: PaymentRun) -> tuple[frozenset[int], Decimal, int]:
    """Held-back people, and the count and total the file must have (from the database, not the file)."""
    held = held_lines(run)
    people = frozenset(h.person_id for h in held)
    total = Entitlement.objects.filter(run=run).exclude(person_id__in=people).aggregate(s=Sum("amount"))["s"]
    count = Entitlement.objects.filter(run=run, amount__gt=0).exclude(person_id__in=people).count()
    return people, Decimal(str(total or 0)).quantize(Decimal("0.01")), count


def _check_total(run: PaymentRun, written_count: int, written_total: Decimal, count: int, total: Decimal,
                 held_total: Decimal) -> None:
    """The file's own count and total against the database's, and the run's approved total."""
    if written_count != count or written_total != total or total + held_total != run.total_amount:
        raise Conflict(f"代发文件合计与批次不符（文件 {written_count} 笔 {written_total:,.2f} 元，应为 {count} 笔 "
                       f"{total:,.2f} 元；批次审核总额 {run.total_amount:,.2f} 元，暂缓 {held_total:,.2f} 元），"
                       "未生成文件，请联系系统管理员核查")


def _check_payable(by: User, run: PaymentRun) -> None:
    if not by.can("benefits.pay"):
        raise Forbidden("您没有下载代发文件的权限")
    if not run.is_locked:
        raise Conflict("发放批次审核通过后才能生成代发文件")


def _audit_download(by: User, run: PaymentRun, *, fmt: str, full_id: bool) -> None:
    """A download is an audited export and nothing more: it never changes the run (a GET changes no
    state; the run is marked as sent to the bank by `run_mark_paid`, an explicit, confirmed POST)."""
    with audit_context(by):
        audit_export(Entitlement, count=run.line_count, fmt=f"payment-{fmt}",
                     filters={"run": run.pk, "programme": run.programme.code, "month": f"{run.month:%Y-%m}",
                              "account_numbers": "full", "id_numbers": "full" if full_id else "masked"},
                     masked=False, division_code=run.division_code)


def run_mark_paid(*, by: User, run: PaymentRun, confirmed: bool) -> PaymentRun:
    """Record that the payment file of an approved run was handed to the bank (已发放): an explicit action,
    confirmed by the user, never a side effect of a download."""
    if not by.can("benefits.pay"):
        raise Forbidden("您没有登记发放的权限")
    if not confirmed:
        raise ValidationFailed("请确认已将代发文件提交银行", details={"confirm": "请勾选确认"})
    with audit_context(by), transaction.atomic():
        locked = PaymentRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RunStatus.APPROVED:
            raise Conflict(f"批次当前为“{locked.get_status_display()}”，只有已审核的批次可以登记为已发放")
        locked.status, locked.paid_at = RunStatus.PAID, timezone.now()
        locked.save(update_fields=["status", "paid_at"])
        _record_held(by, locked)
    return locked


def _record_held(by: User, run: PaymentRun) -> int:
    """Lines held back from the file that went to the bank are recorded as not paid, with the reason:
    the next run carries those still owed (an account fixed), never those of people dead, moved or
    suspended before the month (engine.insert_carried)."""
    held = held_lines(run)
    if not held:
        return 0
    reasons = {h.person_id: h.label for h in held}
    lines = list(Entitlement.objects.filter(run=run, person_id__in=reasons, amount__gt=0)
                 .values_list("id", "person_id", "amount", "division_code"))
    rec = ReconciliationImport.objects.create(run=run, filename="代发前暂缓的明细", file_sha256=hashlib.sha256(
        f"held-{run.pk}".encode()).hexdigest(), uploaded_by=by, rows=len(lines), paid=0, failed=len(lines))
    PaymentResult.objects.bulk_create([
        PaymentResult(line_id=lid, run=run, reconciliation=rec, outcome="failed", reason=f"暂缓发放：{reasons[pid]}",
                      amount=amount, division_code=division) for lid, pid, amount, division in lines])
    agg = PaymentResult.objects.filter(run=run).aggregate(failed=Count("id", filter=Q(outcome="failed")),
                                                          failed_amount=Sum("amount", filter=Q(outcome="failed")))
    PaymentRun.objects.filter(pk=run.pk).update(failed_count=agg["failed"], failed_amount=agg["failed_amount"] or 0)
    audit_bulk(PaymentResult, operation="held_back", count=len(lines), division_code=run.division_code,
               params={"run": run.pk})
    return len(lines)


def payment_xlsx(*, by: User, run: PaymentRun, full_id: bool = False) -> tuple[Any, str]:
    """The 代发 workbook (a temporary file) and its name. Account numbers are in full (the bank needs
    them): the download is an audited export, allowed to those who may issue payments."""
    _check_payable(by, run)
    if full_id and not by.can("people.export_unmasked"):  # the same capability as any unmasked list
        raise Forbidden("您没有导出完整身份证号码的权限")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("代发明细")
    title = f"{run.programme.name} {month_label(run.month)} 代发明细（批次 {run.pk}；暂缓发放的明细见批次页面）"
    sheet_row(ws, [title])
    ws.append(XLSX_HEADERS)
    skip, total, count = _payable(run)
    written, written_total = 0, Decimal("0")
    for r in pay_rows(run, full_id=full_id, skip=skip):  # names and bank names are free text: never formulas
        sheet_row(ws, [r.seq, r.line_id, r.name, r.id_number, r.bank_name, r.account_no, r.holder, r.amount, r.summary,
                       r.month, r.kind, r.division_code])
        written += 1
        written_total += r.amount
    _check_total(run, written, written_total, count, total, _held_total(run, skip))
    tmp = tempfile.TemporaryFile()
    wb.save(tmp)
    tmp.seek(0)
    _audit_download(by, run, fmt="xlsx", full_id=full_id)
    return tmp, f"daifa-{run.programme.code}-{run.month:%Y%m}-{run.pk}.xlsx"


def payment_csv(*, by: User, run: PaymentRun) -> tuple[bytes, str]:
    """The bank CSV layout (GBK, CRLF, header row, one line per payment, a trailer; see docs/benefits.md)."""
    _check_payable(by, run)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    skip, expected_total, expected_count = _payable(run)
    count, total = 0, Decimal("0")
    for r in pay_rows(run, full_id=False, skip=skip):
        writer.writerow(csv_row([r.line_id, r.holder, r.account_no, f"{r.amount:.2f}", r.id_number, r.bank_name,
                                 r.summary]))
        count += 1
        total += r.amount
    _check_total(run, count, total, expected_count, expected_total, _held_total(run, skip))
    writer.writerow(["合计", count, "", f"{total:.2f}", "", "", f"批次{run.pk}"])
    _audit_download(by, run, fmt="csv", full_id=False)
    return out.getvalue().encode("gbk", errors="replace"), f"daifa-{run.programme.code}-{run.month:%Y%m}-{run.pk}.csv"


def _held_total(run: PaymentRun, people: frozenset[int]) -> Decimal:
    if not people:
        return Decimal("0")
    total = Entitlement.objects.filter(run=run, person_id__in=people).aggregate(s=Sum("amount"))["s"]
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


BANK_COLUMNS = {"seq": "序号", "line_id": "明细编号", "name": "姓名", "id_number": "身份证号码", "account_no": "银行账号",
                "holder": "户名", "amount": "金额", "summary": "摘要", "month": "所属月份", "bank_name": "开户银行"}


def _unencodable(lines: list[str], encoding: str, exc: UnicodeEncodeError) -> str:
    """Which line holds the character the bank's encoding cannot write (a rare character in a name, 生僻字)."""
    for number, line in enumerate(lines, start=1):
        try:
            line.encode(encoding)
        except UnicodeEncodeError as bad:
            char = line[bad.start:bad.end]
            return (f"代发文件第 {number} 行含有 {encoding.upper()} 编码写不出的字“{char}”（生僻字）："
                    "请选用 GB18030 或 UTF-8 编码的银行格式，或与银行确认该字的写法后修改户名")
    return f"代发文件含有 {encoding.upper()} 编码写不出的字符：{exc.reason}"


def bank_file(*, by: User, run: PaymentRun, fmt: Any, reason: str) -> tuple[bytes, str]:
    """The payment file in a bank's configured layout (BankFileFormat): exactly the payable lines with
    the full ID and account numbers the bank needs — an audited export with its reason, for those who
    may issue payments — checked against its own count and total before it is handed out."""
    from yanglao.core.audit import require_reveal_reason

    from .bankformats import render, template_error

    _check_payable(by, run)
    if any(template_error(t) for t in (fmt.header, fmt.trailer, fmt.filename_pattern)):
        raise ValidationFailed(f"银行格式“{fmt.bank_name}”的首行、尾行或文件名模板有误，请先在“代发文件格式”中修改")
    if not by.can("benefits.export_full"):
        raise Forbidden("您没有导出含完整身份证号码的代发文件的权限")
    why = require_reveal_reason(reason)
    skip, expected_total, expected_count = _payable(run)
    rows = list(pay_rows(run, full_id=True, skip=skip))
    count = len(rows)
    total = sum((r.amount for r in rows), Decimal("0"))
    _check_total(run, count, total, expected_count, expected_total, _held_total(run, skip))
    values = {"count": count, "total": f"{total:.2f}", "run": run.pk, "month": f"{run.month:%Y%m}",
              "date": f"{timezone.localdate():%Y%m%d}", "programme": run.programme.code, "bank": fmt.code}
    sep = fmt.separator.replace("\\t", "\t")
    lines: list[str] = []
    if fmt.header:
        lines.append(render(fmt.header, values))
    if fmt.column_titles:
        lines.append(sep.join(BANK_COLUMNS.get(c, c) for c in fmt.columns))
    for r in rows:
        cells = {"seq": str(r.seq), "line_id": str(r.line_id), "name": r.name, "id_number": r.id_number,
                 "account_no": r.account_no, "holder": r.holder, "amount": f"{r.amount:.2f}", "summary": r.summary,
                 "month": r.month, "bank_name": r.bank_name}
        lines.append(sep.join(str(csv_row([cells.get(c, "")])[0]).replace(sep, " ") for c in fmt.columns))
    if fmt.trailer:
        lines.append(render(fmt.trailer, values))
    try:
        content = ("\r\n".join(lines) + "\r\n").encode(fmt.encoding, errors="strict")
    except UnicodeEncodeError as exc:
        raise ValidationFailed(_unencodable(lines, fmt.encoding, exc)) from exc
    with audit_context(by):
        audit_export(Entitlement, count=count, fmt=f"bank-{fmt.code}",
                     filters={"run": run.pk, "programme": run.programme.code, "month": f"{run.month:%Y-%m}",
                              "account_numbers": "full", "id_numbers": "full", "total": f"{total:.2f}",
                              "held_back": len(skip)},
                     masked=False, division_code=run.division_code, reason=why)
    return content, render(fmt.filename_pattern, values)


def result_template(run: PaymentRun) -> bytes:
    """A result file pre-filled with the run's lines (结果 and 失败原因 left for the bank/finance)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "发放结果"
    ws.append(RESULT_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in pay_rows(run, full_id=False):
        sheet_row(ws, [r.seq, r.line_id, r.id_number, float(r.amount), "", "", ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- reconciliation


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}

    def __str__(self) -> str:
        return f"第 {self.row} 行 · {self.column}：{self.reason}"


def reconcile_import(*, by: User, run: PaymentRun, filename: str, content: bytes) -> ReconciliationImport:
    """Apply a bank result file: every line known, once, with the right amount, or nothing is changed
    (ValidationFailed with details={"errors": [{"row", "column", "reason"}]})."""
    if not by.can("benefits.reconcile"):
        raise Forbidden("您没有对账的权限")
    if run.status not in (RunStatus.APPROVED, RunStatus.PAID, RunStatus.RECONCILED):
        raise Conflict("发放批次审核通过并生成代发文件后才能导入发放结果")
    digest = hashlib.sha256(content).hexdigest()
    if ReconciliationImport.objects.filter(run=run, file_sha256=digest).exists():
        raise Conflict("该结果文件已导入过，未作任何更改")
    # Size and row limits (settings.UPLOAD_LIMITS["reconciliation"]) and the sheet checks, in one place.
    table = read_upload(content, kind="reconciliation", filename=filename, expected_headers=RESULT_HEADERS,
                        aliases=RESULT_ALIASES, min_matches=2)
    if "结果" not in table.columns or "金额" not in table.columns or not (
            "明细编号" in table.columns or "序号" in table.columns):
        table.close()
        raise ValidationFailed("缺少必需的列：明细编号（或序号）、金额、结果")

    # the file left out the held-back people: live before "sent to the bank", as recorded after it
    if run.status == RunStatus.APPROVED:
        skip = frozenset(h.person_id for h in held_lines(run))
    else:
        skip = frozenset(PaymentResult.objects.filter(run=run, reason__startswith="暂缓发放").values_list(
            "line__person_id", flat=True))
    positive = Entitlement.objects.filter(run=run, amount__gt=0)
    all_lines = positive.count()
    lines = {lid: (Decimal(str(amount)).quantize(Decimal("0.01")), masked, division)
             for lid, amount, masked, division, pid in positive.order_by(
                 "division_code", "person_id", "month", "id").values_list("id", "amount", "person__id_number_masked",
                                                                          "division_code", "person_id")
             if pid not in skip}
    # the amount in the file: a signed deduction is netted into the person's largest line
    for r in pay_rows(run, full_id=False, skip=skip):
        if r.line_id in lines and lines[r.line_id][0] != r.amount:
            lines[r.line_id] = (r.amount, *lines[r.line_id][1:])
    by_seq = list(lines)  # 序号 n is the n-th line of the payment file
    done = set(PaymentResult.objects.filter(run=run).values_list("line_id", flat=True))
    seen: dict[int, int] = {}
    errors: list[RowError] = []
    results: list[PaymentResult] = []
    col = table.column_of

    for row_no, cells in table:
        if len(errors) >= 500:
            break
        line_id: int | None = None
        raw_id = clean_text(cells.get("明细编号"))
        raw_seq = clean_text(cells.get("序号"))
        if raw_id:
            if not raw_id.isdigit() or int(raw_id) not in lines:
                errors.append(RowError(row_no, f"{col('明细编号')} 明细编号", f"明细编号“{raw_id}”不属于本批次"))
                continue
            line_id = int(raw_id)
        elif raw_seq:
            if not raw_seq.isdigit() or not 1 <= int(raw_seq) <= len(by_seq):
                errors.append(RowError(row_no, f"{col('序号')} 序号", f"序号“{raw_seq}”不属于本批次"))
                continue
            line_id = by_seq[int(raw_seq) - 1]
        else:
            errors.append(RowError(row_no, "明细编号", "缺少明细编号或序号"))
            continue
        expected, masked, division = lines[line_id]
        if line_id in seen:
            errors.append(RowError(row_no, f"{col('明细编号') or col('序号')} 明细编号",
                                   f"与第 {seen[line_id]} 行重复（同一明细只能有一个结果）"))
            continue
        seen[line_id] = row_no
        if line_id in done:
            errors.append(RowError(row_no, "明细编号", "该明细已有发放结果（已对账）"))
            continue
        raw_idno = clean_text(cells.get("身份证号码"))
        if raw_idno and raw_idno[-4:].upper() != masked[-4:].upper():
            errors.append(RowError(row_no, f"{col('身份证号码')} 身份证号码", "身份证号码与该明细的人员不符"))
            continue
        try:
            amount = cell_to_decimal(cells.get("金额")).quantize(Decimal("0.01"))
        except CellError as exc:
            errors.append(RowError(row_no, f"{col('金额')} 金额", exc.message))
            continue
        if amount != expected:
            errors.append(RowError(row_no, f"{col('金额')} 金额", f"金额不符：文件为 {amount:,.2f} 元，应为 {expected:,.2f} 元"))
            continue
        word = clean_text(cells.get("结果")).upper()
        reason = clean_text(cells.get("失败原因"))[:200]
        if word in PAID_WORDS:
            outcome = "paid"
        elif word in FAILED_WORDS:
            outcome = "failed"
            if not reason:
                errors.append(RowError(row_no, f"{col('失败原因')} 失败原因", "发放失败须填写失败原因"))
                continue
        else:
            errors.append(RowError(row_no, f"{col('结果')} 结果", f"结果“{word}”应为“成功”或“失败”"))
            continue
        results.append(PaymentResult(line_id=line_id, run=run, outcome=outcome, reason=reason if outcome == "failed" else "",
                                     bank_reference=clean_text(cells.get("银行流水号"))[:64], amount=amount,
                                     division_code=division))
    if errors:
        raise ValidationFailed(f"结果文件有 {len(errors)} 处错误，未导入任何结果，请更正后重新导入",
                               details={"errors": [e.as_dict() for e in errors]})
    if not results:
        raise ValidationFailed("结果文件中没有明细")
    try:
        with audit_context(by), transaction.atomic():
            locked = PaymentRun.objects.select_for_update().get(pk=run.pk)
            rec = ReconciliationImport.objects.create(run=locked, filename=filename[:200], file_sha256=digest,
                                                      uploaded_by=by, rows=len(results),
                                                      paid=sum(r.outcome == "paid" for r in results),
                                                      failed=sum(r.outcome == "failed" for r in results))
            for r in results:
                r.reconciliation = rec
            PaymentResult.objects.bulk_create(results, batch_size=5000)
            agg = PaymentResult.objects.filter(run=locked).aggregate(
                paid=Count("id", filter=Q(outcome="paid")), paid_amount=Sum("amount", filter=Q(outcome="paid")),
                failed=Count("id", filter=Q(outcome="failed")), failed_amount=Sum("amount", filter=Q(outcome="failed")))
            fields = {"paid_count": agg["paid"], "paid_amount": agg["paid_amount"] or 0, "failed_count": agg["failed"],
                      "failed_amount": agg["failed_amount"] or 0}
            if agg["paid"] + agg["failed"] >= all_lines:
                fields |= {"status": RunStatus.RECONCILED, "reconciled_at": timezone.now()}
            elif locked.status == RunStatus.APPROVED:
                fields |= {"status": RunStatus.PAID, "paid_at": timezone.now()}
            PaymentRun.objects.filter(pk=run.pk).update(**fields)
            from .recoveries import deductions_settle

            deductions_settle(locked, by=by)
            audit_bulk(PaymentResult, operation="reconcile", count=len(results), division_code=run.division_code,
                       params={"run": run.pk, "file": filename, "paid": rec.paid, "failed": rec.failed})
    except IntegrityError as exc:
        raise Conflict("结果已由他人同时导入，请刷新后查看") from exc
    return rec

