"""Writes: budget lines, spending records with their attachments, lottery-fund totals, the year's report and
approval, and which source pays each of the platform's own streams. Every write checks the capability, the
level (市本级 or a county inside the writer's jurisdiction) and that the level's year is not locked (reported or
approved), holding the year's row locked while it writes, so an approval and an edit cannot cross."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from yanglao.core.dictionaries import dictionary_codes, dictionary_label
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import Division
from yanglao.core.uploads import check_upload

from .models import (
    FIRST_YEAR,
    LAST_YEAR,
    Budget,
    FundingYear,
    LotteryFund,
    Spending,
    SpendingAttachment,
    StreamSource,
    YearStatus,
)
from .streams import STREAM_KEYS, platform_vouchers

CITY = "4417"
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
ATTACHMENT_TYPES = {b"%PDF": ("application/pdf", ".pdf"), b"\x89PNG": ("image/png", ".png"),
                    b"\xff\xd8\xff": ("image/jpeg", ".jpg")}


def yuan(amount: Decimal | None) -> str:
    """Money as offices write it: ¥1,234.50."""
    if amount is None:
        return "—"
    return f"{'-' if amount < 0 else ''}¥{abs(amount):,.2f}"


def _need(by: Any, capability: str) -> None:
    if not by.can(capability):
        raise Forbidden("您没有此项权限")


def level_label(code: str) -> str:
    from .selectors import level_name

    return level_name(code)


def check_level(by: Any, code: str, *, field: str = "division_code") -> str:
    """市本级 (4417) or a county of the city, inside the writer's jurisdiction."""
    code = (code or "").strip()
    ok = code == CITY or (len(code) == 6 and code.startswith(CITY) and Division.objects.filter(code=code, level=3).exists())
    if not ok:
        raise ValidationFailed("级次应为市本级或本市的县（市、区）", details={field: "级次不正确"})
    prefix = getattr(by, "scope_prefix", None) or ""
    if not prefix or not code.startswith(prefix):
        raise ValidationFailed("该级次不在您的管辖范围内", details={field: "不在管辖范围内"})
    return code


def check_year(year: Any, *, field: str = "year") -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ValidationFailed("年度应为四位数字", details={field: "年度不正确"}) from None
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValidationFailed(f"年度应在{FIRST_YEAR}至{LAST_YEAR}之间", details={field: "年度不正确"})
    return value


def check_amount(value: Any, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("金额应为数字", details={field: "应为数字"}) from None
    if not amount.is_finite():
        raise ValidationFailed("金额应为数字", details={field: "应为数字"})
    if amount != amount.quantize(CENT):
        raise ValidationFailed("金额最多精确到分（两位小数）", details={field: "最多两位小数"})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationFailed("金额应大于零" if not allow_zero else "金额不能为负数",
                               details={field: "应大于零" if not allow_zero else "不能为负数"})
    if amount > MAX_AMOUNT:
        raise ValidationFailed("金额过大", details={field: "金额过大"})
    return amount.quantize(CENT)


def _code(key: str, value: Any, division_code: str, field: str, what: str) -> str:
    code = (value or "").strip()
    if code not in dictionary_codes(key, division_code=division_code):
        raise ValidationFailed(f"{what}不在字典中", details={field: f"请选择{what}"})
    return code


def _text(value: Any, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def _open_year(year: int, code: str) -> FundingYear:
    """The level's year row, locked for this transaction; refused when reported or approved."""
    fy, _created = FundingYear.objects.get_or_create(year=year, division_code=code)
    fy = FundingYear.objects.select_for_update().get(pk=fy.pk)
    if fy.locked:
        raise Conflict(f"{year}年度{level_label(code)}资金数据{fy.get_status_display()}，不能修改；如需更正，请市级退回后再改",
                       code="year_locked")
    return fy


# --------------------------------------------------------------------------- budgets
BUDGET_FIELDS = ("year", "division_code", "source", "purpose", "amount", "document_no", "note")


def budget_save(*, by: Any, data: dict[str, Any], budget: Budget | None = None) -> Budget:
    _need(by, "funding.manage")
    code = check_level(by, data.get("division_code", ""))
    year = check_year(data.get("year"))
    clean = {
        "year": year, "division_code": code,
        "source": _code("funding_source", data.get("source"), code, "source", "资金来源"),
        "purpose": _code("funding_purpose", data.get("purpose"), code, "purpose", "支出用途"),
        "amount": check_amount(data.get("amount")),
        "document_no": _text(data.get("document_no"), 64),
        "note": _text(data.get("note"), 200),
    }
    if not clean["document_no"]:
        raise ValidationFailed("请填写预算批复文号", details={"document_no": "不能为空"})
    with transaction.atomic():
        _open_year(year, code)
        if budget is not None:
            budget = Budget.objects.select_for_update().get(pk=budget.pk)
            _open_year(budget.year, budget.division_code)
        obj = budget or Budget()
        for key, value in clean.items():
            setattr(obj, key, value)
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError:
            raise Conflict("同一年度、级次、来源和用途下已有该文号的预算", code="duplicate",
                           details={"document_no": "已存在"}) from None
    return obj


def budget_delete(*, by: Any, budget: Budget) -> None:
    _need(by, "funding.manage")
    check_level(by, budget.division_code)
    with transaction.atomic():
        _open_year(budget.year, budget.division_code)
        budget.delete()


# --------------------------------------------------------------------------- spending
SPENDING_FIELDS = ("paid_on", "voucher_no", "division_code", "source", "purpose", "amount", "payee", "summary",
                   "document_no")


def _spending_clean(by: Any, data: dict[str, Any]) -> dict[str, Any]:
    code = check_level(by, data.get("division_code", ""))
    paid_on = data.get("paid_on")
    if not isinstance(paid_on, dt.date):
        raise ValidationFailed("请填写支出日期", details={"paid_on": "不能为空"})
    if paid_on > timezone.localdate():
        raise ValidationFailed("支出日期不能晚于今天", details={"paid_on": "不能晚于今天"})
    clean = {
        "paid_on": paid_on, "year": check_year(paid_on.year, field="paid_on"), "division_code": code,
        "voucher_no": _text(data.get("voucher_no"), 64),
        "source": _code("funding_source", data.get("source"), code, "source", "资金来源"),
        "purpose": _code("funding_purpose", data.get("purpose"), code, "purpose", "支出用途"),
        "amount": check_amount(data.get("amount")),
        "payee": _text(data.get("payee"), 128), "summary": _text(data.get("summary"), 200),
        "document_no": _text(data.get("document_no"), 64),
    }
    if not clean["voucher_no"]:
        raise ValidationFailed("请填写凭证号", details={"voucher_no": "不能为空"})
    if not clean["payee"]:
        raise ValidationFailed("请填写收款单位", details={"payee": "不能为空"})
    if clean["voucher_no"] in platform_vouchers(code):
        raise Conflict("该凭证号的款项已由平台拨付（养老机构床位建设补贴），已计入平台内支出，请勿重复登记",
                       code="paid_in_platform", details={"voucher_no": "已在平台内拨付"})
    return clean


def spending_save(*, by: Any, data: dict[str, Any], spending: Spending | None = None, imported: bool = False) -> Spending:
    _need(by, "funding.manage")
    clean = _spending_clean(by, data)
    with transaction.atomic():
        _open_year(clean["year"], clean["division_code"])
        if spending is not None:
            spending = Spending.objects.select_for_update().get(pk=spending.pk)
            _open_year(spending.year, spending.division_code)
        obj = spending or Spending(entered_by=by, imported=imported)
        for key, value in clean.items():
            setattr(obj, key, value)
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError:
            raise Conflict(f"凭证号“{clean['voucher_no']}”在{level_label(clean['division_code'])}已登记过",
                           code="duplicate", details={"voucher_no": "已登记"}) from None
        if spending is not None:
            SpendingAttachment.objects.filter(spending=obj).exclude(division_code=obj.division_code).update(
                division_code=obj.division_code)
    return obj


def spending_delete(*, by: Any, spending: Spending) -> None:
    _need(by, "funding.manage")
    check_level(by, spending.division_code)
    with transaction.atomic():
        _open_year(spending.year, spending.division_code)
        for att in spending.attachments.all():
            att.delete()
        spending.delete()


def attachment_add(*, by: Any, spending: Spending, filename: str, content: bytes) -> SpendingAttachment:
    """A PDF, JPG or PNG (judged by its content, not its name) within the size limit of ``funding_attachment``."""
    _need(by, "funding.manage")
    check_upload(kind="funding_attachment", filename=filename, size=len(content))
    kind = next((v for magic, v in ATTACHMENT_TYPES.items() if content.startswith(magic)), None)
    if kind is None:
        raise ValidationFailed(f"“{filename}”不是 PDF 或图片文件（支持 PDF、JPG、PNG），请上传凭证的扫描件或照片",
                               details={"file": "格式不受支持"})
    with transaction.atomic():
        _open_year(spending.year, spending.division_code)
        return SpendingAttachment.objects.create(
            spending=spending, filename=_text(filename, 120) or f"附件{kind[1]}", content_type=kind[0],
            size=len(content), content=content, uploaded_by=by, division_code=spending.division_code)


def attachment_delete(*, by: Any, attachment: SpendingAttachment) -> None:
    _need(by, "funding.manage")
    with transaction.atomic():
        _open_year(attachment.spending.year, attachment.spending.division_code)
        attachment.delete()


# --------------------------------------------------------------------------- lottery-fund totals
def lottery_save(*, by: Any, data: dict[str, Any], fund: LotteryFund | None = None) -> LotteryFund:
    _need(by, "funding.manage")
    code = check_level(by, data.get("division_code", ""))
    year = check_year(data.get("year"))
    received = check_amount(data.get("received"), field="received", allow_zero=True)
    with transaction.atomic():
        _open_year(year, code)
        if fund is not None:
            fund = LotteryFund.objects.select_for_update().get(pk=fund.pk)
            _open_year(fund.year, fund.division_code)
        obj = fund or LotteryFund()
        obj.year, obj.division_code, obj.received = year, code, received
        obj.document_no, obj.note = _text(data.get("document_no"), 64), _text(data.get("note"), 200)
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError:
            raise Conflict(f"{year}年度{level_label(code)}的福彩公益金总额已登记，请修改原记录", code="duplicate",
                           details={"year": "已登记"}) from None
    return obj


# --------------------------------------------------------------------------- the year's report and approval
def _year_row(by: Any, year: int, code: str) -> FundingYear:
    check_level(by, code)
    fy, _created = FundingYear.objects.get_or_create(year=check_year(year), division_code=code)
    return FundingYear.objects.select_for_update().get(pk=fy.pk)


def year_submit(*, by: Any, year: int, division_code: str, comment: str = "") -> FundingYear:
    """The level reports its year (报送): its figures are locked until the city approves or returns them."""
    _need(by, "funding.manage")
    with transaction.atomic():
        fy = _year_row(by, year, division_code)
        if fy.status not in (YearStatus.OPEN, YearStatus.RETURNED):
            raise Conflict(f"该年度资金数据{fy.get_status_display()}，不能重复报送", code="wrong_status")
        fy.status, fy.submitted_by, fy.submitted_at = YearStatus.SUBMITTED, by, timezone.now()
        fy.approved_by, fy.approved_at, fy.comment = None, None, _text(comment, 500)
        fy.save()
    return fy


def year_approve(*, by: Any, year_row: FundingYear, comment: str = "") -> FundingYear:
    """The city approves (审定) a reported year, by someone other than who reported it: the figures stay locked."""
    _need(by, "funding.approve")
    with transaction.atomic():
        fy = _year_row(by, year_row.year, year_row.division_code)
        if fy.status != YearStatus.SUBMITTED:
            raise Conflict(f"该年度资金数据{fy.get_status_display()}，只有已报送的才能审定", code="wrong_status")
        if fy.submitted_by_id == by.pk:
            raise Conflict("报送人不能审定自己报送的数据，请由另一位市级管理员审定", code="same_person")
        fy.status, fy.approved_by, fy.approved_at = YearStatus.APPROVED, by, timezone.now()
        fy.comment = _text(comment, 500)
        fy.save()
    return fy


def year_return(*, by: Any, year_row: FundingYear, comment: str) -> FundingYear:
    """The city returns a reported or approved year with the reason: it opens again for correction."""
    _need(by, "funding.approve")
    reason = _text(comment, 500)
    if not reason:
        raise ValidationFailed("请填写退回原因", details={"comment": "不能为空"})
    with transaction.atomic():
        fy = _year_row(by, year_row.year, year_row.division_code)
        if fy.status not in (YearStatus.SUBMITTED, YearStatus.APPROVED):
            raise Conflict(f"该年度资金数据{fy.get_status_display()}，无需退回", code="wrong_status")
        fy.status, fy.comment = YearStatus.RETURNED, reason
        fy.approved_by, fy.approved_at = None, None
        fy.save()
    return fy


# --------------------------------------------------------------------------- platform streams
def stream_source_set(*, by: Any, stream: str, source: str) -> StreamSource:
    """Which source pays one of the platform's streams (city only: it changes every level's figures)."""
    _need(by, "funding.approve")
    if stream not in STREAM_KEYS:
        raise ValidationFailed("平台内支出项目不正确", details={"stream": "不正确"})
    if source not in dictionary_codes("funding_source"):
        raise ValidationFailed("资金来源不在字典中", details={"source": "请选择资金来源"})
    with transaction.atomic():
        obj, _created = StreamSource.objects.select_for_update().get_or_create(stream=stream,
                                                                              defaults={"source": source})
        if obj.source != source:
            obj.source = source
            obj.save()
    return obj


def source_label(code: str) -> str:
    return dictionary_label("funding_source", code)
