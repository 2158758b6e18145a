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
    return (Entitlement.objects.filter(run=run).order_by("division_code", "person_id", "month", "id")
            .values_list("id", "person__name", "person__id_number_enc", "person__id_number_masked",
                         "person__bank_account__bank_name", "person__bank_account__account_no_enc",
                         "person__bank_account__holder_name", "amount", "month", "kind", "division_code"))


def pay_rows(run: PaymentRun, *, full_id: bool) -> Iterator[PayRow]:
    summary_base = run.programme.payment_summary or run.programme.name[:20]
    for seq, row in enumerate(_lines(run).iterator(chunk_size=5000), start=1):
        line_id, name, id_enc, id_masked, bank, acct_enc, holder, amount, month, kind, division = row
        yield PayRow(
            seq=seq, line_id=line_id, name=name, id_number=decrypt(id_enc) if full_id else id_masked,
            bank_name=bank or "", account_no=decrypt(acct_enc) if acct_enc else "", holder=holder or name,
            amount=Decimal(str(amount)).quantize(Decimal("0.01")),
            summary=f"{summary_base}{month.year}年{month.month}月" + ("" if kind == "regular" else KIND_LABEL[kind]),
            month=f"{month:%Y-%m}", kind=KIND_LABEL[kind], division_code=division,
        )


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
    return locked


def payment_xlsx(*, by: User, run: PaymentRun, full_id: bool = False) -> tuple[Any, str]:
    """The 代发 workbook (a temporary file) and its name. Account numbers are in full (the bank needs
    them): the download is an audited export, allowed to those who may issue payments."""
    _check_payable(by, run)
    if full_id and not by.can("people.export_unmasked"):  # the same capability as any unmasked list
        raise Forbidden("您没有导出完整身份证号码的权限")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("代发明细")
    title = f"{run.programme.name} {month_label(run.month)} 代发明细（批次 {run.pk}，共 {run.line_count} 笔，" \
            f"合计 {run.total_amount:,.2f} 元）"
    sheet_row(ws, [title])
    ws.append(XLSX_HEADERS)
    for r in pay_rows(run, full_id=full_id):  # names and bank names are free text: never formulas
        sheet_row(ws, [r.seq, r.line_id, r.name, r.id_number, r.bank_name, r.account_no, r.holder, r.amount, r.summary,
                       r.month, r.kind, r.division_code])
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
    count, total = 0, Decimal("0")
    for r in pay_rows(run, full_id=False):
        writer.writerow(csv_row([r.line_id, r.holder, r.account_no, f"{r.amount:.2f}", r.id_number, r.bank_name,
                                 r.summary]))
        count += 1
        total += r.amount
    writer.writerow(["合计", count, "", f"{total:.2f}", "", "", f"批次{run.pk}"])
    _audit_download(by, run, fmt="csv", full_id=False)
    return out.getvalue().encode("gbk", errors="replace"), f"daifa-{run.programme.code}-{run.month:%Y%m}-{run.pk}.csv"


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

    lines = {lid: (Decimal(str(amount)).quantize(Decimal("0.01")), masked, division)
             for lid, amount, masked, division in Entitlement.objects.filter(run=run).order_by(
                 "division_code", "person_id", "month", "id").values_list("id", "amount", "person__id_number_masked",
                                                                          "division_code")}
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
            if agg["paid"] + agg["failed"] >= len(lines):
                fields |= {"status": RunStatus.RECONCILED, "reconciled_at": timezone.now()}
            elif locked.status == RunStatus.APPROVED:
                fields |= {"status": RunStatus.PAID, "paid_at": timezone.now()}
            PaymentRun.objects.filter(pk=run.pk).update(**fields)
            audit_bulk(PaymentResult, operation="reconcile", count=len(results), division_code=run.division_code,
                       params={"run": run.pk, "file": filename, "paid": rec.paid, "failed": rec.failed})
    except IntegrityError as exc:
        raise Conflict("结果已由他人同时导入，请刷新后查看") from exc
    return rec

