"""Funding (资金保障): budgets and spending by source and purpose per year and level (市本级 or a county), the
welfare-lottery funds each level received, and the year's figures reported by the level and approved (locked)
by the city. Money is Decimal yuan to the fen with database checks; codes of source and purpose come from the
dictionaries ``funding_source`` and ``funding_purpose``."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import In
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0")
FIRST_YEAR = 2000
LAST_YEAR = 2100


def _year_check(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(year__gte=FIRST_YEAR) & Q(year__lte=LAST_YEAR), name=name)


def _level_check(name: str) -> models.CheckConstraint:
    # 市本级 (the 4-digit city code) or a county (6 digits): funds are budgeted and spent by these levels.
    return models.CheckConstraint(condition=In(Length("division_code"), [4, 6]), name=name)


class YearStatus(models.TextChoices):
    OPEN = "open", _("填报中")
    SUBMITTED = "submitted", _("已报送")
    APPROVED = "approved", _("已审定")
    RETURNED = "returned", _("已退回")


LOCKED_STATUSES = (YearStatus.SUBMITTED, YearStatus.APPROVED)


class FundingYear(AuditedModel):
    """One level's figures for one year: filled in, reported (报送) by the level, approved (审定) by the city, which
    locks them; the city may return them with a reason, which opens them again."""

    year = models.PositiveSmallIntegerField(_("年度"))
    division_code = models.CharField(_("级次"), max_length=12)
    status = models.CharField(_("状态"), max_length=10, choices=YearStatus.choices, default=YearStatus.OPEN)
    submitted_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("报送人"))
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    approved_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("审定人"))
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    comment = models.CharField(_("意见"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-year", "division_code"]
        verbose_name = _("年度资金数据")
        verbose_name_plural = _("年度资金数据")
        constraints = [
            models.UniqueConstraint(fields=["year", "division_code"], name="fd_year_once"),
            _year_check("fd_year_range"),
            _level_check("fd_year_level"),
            models.CheckConstraint(condition=~Q(status="approved") | Q(approved_by__isnull=False),
                                   name="fd_year_approved_has_approver"),
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("submitted_by")),
                                   name="fd_year_second_signature"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.division_code}"

    @property
    def locked(self) -> bool:
        return self.status in LOCKED_STATUSES


class Budget(AuditedModel):
    """A budget line (预算): an amount of one source for one purpose in one year at one level, with the document
    that set it (an adjustment is a further line with its own document)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    division_code = models.CharField(_("级次"), max_length=12)
    source = models.CharField(_("资金来源"), max_length=16)  # funding_source dictionary
    purpose = models.CharField(_("支出用途"), max_length=16)  # funding_purpose dictionary
    amount = models.DecimalField(_("预算金额（元）"), **MONEY)
    document_no = models.CharField(_("预算批复文号"), max_length=64)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-year", "division_code", "source", "purpose"]
        verbose_name = _("预算")
        verbose_name_plural = _("预算")
        indexes = [models.Index(fields=["division_code"], name="fd_budget_div",
                                opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.UniqueConstraint(fields=["year", "division_code", "source", "purpose", "document_no"],
                                    name="fd_budget_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fd_budget_positive"),
            _year_check("fd_budget_year"),
            _level_check("fd_budget_level"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年预算 {self.document_no}"


class Spending(AuditedModel):
    """A spending record (支出) of money paid outside the platform: date, voucher, source, purpose, payee. The
    platform's own payments are counted from their modules (``streams.py``) and never entered here."""

    year = models.PositiveSmallIntegerField(_("年度"))  # the year of paid_on, set by the service
    paid_on = models.DateField(_("支出日期"))
    voucher_no = models.CharField(_("凭证号"), max_length=64)
    division_code = models.CharField(_("级次"), max_length=12)
    source = models.CharField(_("资金来源"), max_length=16)
    purpose = models.CharField(_("支出用途"), max_length=16)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    payee = models.CharField(_("收款单位"), max_length=128)
    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    document_no = models.CharField(_("拨付文号"), max_length=64, blank=True)
    entered_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    imported = models.BooleanField(_("由表格导入"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-paid_on", "-pk"]
        verbose_name = _("支出")
        verbose_name_plural = _("支出")
        indexes = [models.Index(fields=["division_code"], name="fd_spend_div",
                                opclasses=["varchar_pattern_ops"])]
        constraints = [
            # One voucher is one payment in a level's books: a file imported twice adds nothing twice.
            models.UniqueConstraint(fields=["division_code", "voucher_no"], name="fd_spend_voucher_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fd_spend_positive"),
            _year_check("fd_spend_year"),
            _level_check("fd_spend_level"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_no} {self.amount}元"


class SpendingAttachment(AuditedModel):
    """A scanned voucher or document (PDF, JPG, PNG) kept with a spending record."""

    spending = models.ForeignKey(Spending, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    content = models.BinaryField()
    uploaded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    audit_exclude_fields = ("created_at", "updated_at", "version", "content")

    class Meta:
        ordering = ["id"]
        verbose_name = _("支出附件")
        verbose_name_plural = _("支出附件")

    def __str__(self) -> str:
        return self.filename


class LotteryFund(AuditedModel):
    """The welfare-lottery public-welfare funds (福彩公益金) a level received (留成及上级下达) in a year: the
    denominator of the share spent on elderly care (≥ 55 % from 2021, YJ 11, GD 27)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    division_code = models.CharField(_("级次"), max_length=12)
    received = models.DecimalField(_("当年福彩公益金总额（元）"), **MONEY)
    document_no = models.CharField(_("依据文号"), max_length=64, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-year", "division_code"]
        verbose_name = _("福彩公益金总额")
        verbose_name_plural = _("福彩公益金总额")
        constraints = [
            models.UniqueConstraint(fields=["year", "division_code"], name="fd_lottery_once"),
            models.CheckConstraint(condition=Q(received__gte=0), name="fd_lottery_not_negative"),
            _year_check("fd_lottery_year"),
            _level_check("fd_lottery_level"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年福彩公益金 {self.received}元"


class StreamSource(AuditedModel):
    """Which source pays one of the platform's own payment streams (平台内支出), when the city says otherwise than
    the default in ``streams.STREAMS``."""

    stream = models.CharField(_("平台内支出项目"), max_length=32, unique=True)
    source = models.CharField(_("资金来源"), max_length=16)

    class Meta:
        verbose_name = _("平台内支出资金来源")
        verbose_name_plural = _("平台内支出资金来源")

    def __str__(self) -> str:
        return f"{self.stream} → {self.source}"
