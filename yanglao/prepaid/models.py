"""Care homes' prepaid fees under supervision (预收费监管): what each home holds per resident and kind, the
limits as dated configuration, monthly balance reports, the custody bank's statements, reconciliation
cases, risk warnings and the refunds owed when a home closes.

Money is Decimal (two places) and every balance carries a database check (never below zero), so a
refund larger than what is held fails in the database even if a service forgot to check."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet

from .choices import (
    CaseStatus,
    Direction,
    FeeKind,
    HomeStatus,
    ImportStatus,
    RefundStatus,
    ReportState,
    RuleAction,
    RuleKind,
    WarningKind,
    WarningStatus,
)

ZERO = Decimal("0")


def money(label: object, **kw: object) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, **kw)  # type: ignore[arg-type]


class LimitRule(AuditedModel):
    """A limit in force from a date, for a division prefix ("" everywhere, "44" the province, "4417" the
    city), with the text it comes from. Where several apply, the strictest (lowest value) wins: the
    province may set lower limits than the national guidance, never higher."""

    kind = models.CharField(_("限额类型"), max_length=24, choices=RuleKind.choices)
    division_code = models.CharField(_("适用区划（空为全国）"), max_length=12, blank=True, default="")
    value = models.DecimalField(_("限额数值"), max_digits=8, decimal_places=2, default=Decimal("0"))
    action = models.CharField(_("超限处理"), max_length=8, choices=RuleAction.choices, default=RuleAction.REFUSE)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    source = models.CharField(_("依据文件"), max_length=200)
    source_text = models.TextField(_("依据条文"), blank=True)
    is_demo = models.BooleanField(_("演示数值"), default=False)

    class Meta:
        ordering = ["kind", "division_code", "-valid_from"]
        verbose_name = _("预收费限额规则")
        verbose_name_plural = _("预收费限额规则")
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="prepaid_rule_value_nonnegative"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="prepaid_rule_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.source}"


class PrepaidHome(AuditedModel):
    """A home that collects prepaid fees, as filed with the county (备案): its custody account at a
    commercial bank (第三方存管), its risk reserve and its net fixed assets."""

    institution = models.OneToOneField("institutions.Institution", on_delete=models.PROTECT, related_name="prepaid",
                                       verbose_name=_("养老机构"))
    custody_bank = models.CharField(_("存管银行"), max_length=64)
    custody_account = models.CharField(_("存管账号"), max_length=32, unique=True)
    custody_agreement_no = models.CharField(_("存管协议编号"), max_length=64, blank=True)
    risk_reserve = money(_("风险保证金（元）"), default=ZERO)
    net_fixed_assets = money(_("净固定资产（元）"), null=True, blank=True)
    filed_on = models.DateField(_("备案日期"))
    status = models.CharField(_("状态"), max_length=10, choices=HomeStatus.choices, default=HomeStatus.OPERATING)
    closure_announced_on = models.DateField(_("停业公告日期"), null=True, blank=True)
    closing_on = models.DateField(_("拟停业日期"), null=True, blank=True)
    closure_note = models.CharField(_("停业说明"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12)  # the institution's

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "institution__operator_id"

    class Meta:
        ordering = ["division_code", "institution__name"]
        verbose_name = _("预收费备案机构")
        verbose_name_plural = _("预收费备案机构")
        indexes = [models.Index(fields=["division_code"], name="prepaid_home_division",
                                opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.CheckConstraint(condition=Q(risk_reserve__gte=0), name="prepaid_home_reserve_nonnegative"),
            models.CheckConstraint(condition=Q(net_fixed_assets__isnull=True) | Q(net_fixed_assets__gte=0),
                                   name="prepaid_home_assets_nonnegative"),
            models.CheckConstraint(condition=Q(closing_on__isnull=True) | Q(closure_announced_on__isnull=False),
                                   name="prepaid_home_closure_announced"),
        ]

    def __str__(self) -> str:
        return self.institution.name


class PrepaidAccount(AuditedModel):
    """One resident's money held by one home, by kind, with the monthly fees the limits are measured
    against and the refund term agreed in the contract."""

    home = models.ForeignKey(PrepaidHome, on_delete=models.PROTECT, related_name="accounts")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="prepaid_accounts",
                               verbose_name=_("老年人"))
    contract_no = models.CharField(_("服务合同编号"), max_length=64, blank=True)
    monthly_bed = money(_("月床位费（元）"))
    monthly_care = money(_("月照料护理费（元）"), default=ZERO)
    monthly_meal = money(_("月餐费（元）"), default=ZERO)
    refund_term_days = models.PositiveSmallIntegerField(_("约定退费期限（天）"), default=30)
    bal_bed = money(_("预收床位费余额"), default=ZERO)
    bal_care = money(_("预收照料护理费余额"), default=ZERO)
    bal_meal = money(_("预收餐费余额"), default=ZERO)
    bal_deposit = money(_("押金余额"), default=ZERO)
    bal_membership = money(_("会员费余额"), default=ZERO)
    opened_on = models.DateField(_("开户日期"))
    left_on = models.DateField(_("离院日期"), null=True, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "home__institution__operator_id"

    class Meta:
        ordering = ["home", "pk"]
        verbose_name = _("老年人预收费账户")
        verbose_name_plural = _("老年人预收费账户")
        constraints = [
            models.UniqueConstraint(fields=["home", "person"], name="prepaid_one_account_per_resident"),
            models.CheckConstraint(condition=Q(monthly_bed__gt=0), name="prepaid_account_bed_fee_positive"),
            models.CheckConstraint(condition=Q(monthly_care__gte=0) & Q(monthly_meal__gte=0),
                                   name="prepaid_account_fees_nonnegative"),
            models.CheckConstraint(
                condition=Q(bal_bed__gte=0) & Q(bal_care__gte=0) & Q(bal_meal__gte=0) & Q(bal_deposit__gte=0)
                & Q(bal_membership__gte=0), name="prepaid_account_balances_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}@{self.home}"

    @property
    def total(self) -> Decimal:
        return self.bal_bed + self.bal_care + self.bal_meal + self.bal_deposit + self.bal_membership


class PrepaidEntry(AuditedModel):
    """One movement of money: collected (with the receipt number, unique per home, so a receipt posted
    twice is refused), consumed by the month's service, or refunded. A collection over a limit whose rule
    says "flag" is kept with the rule it breaks."""

    account = models.ForeignKey(PrepaidAccount, on_delete=models.PROTECT, related_name="entries")
    home = models.ForeignKey(PrepaidHome, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("收费类型"), max_length=12, choices=FeeKind.choices)
    direction = models.CharField(_("收支"), max_length=8, choices=Direction.choices)
    amount = money(_("金额（元）"))
    on = models.DateField(_("日期"))
    receipt_no = models.CharField(_("收据/凭证号"), max_length=64)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    breaks_rule = models.ForeignKey(LimitRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("超出的限额规则"))
    breach = models.CharField(_("超限说明"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "home__institution__operator_id"

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("预收费收支记录")
        verbose_name_plural = _("预收费收支记录")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="prepaid_entry_amount_positive"),
            models.UniqueConstraint(fields=["home", "receipt_no"], name="prepaid_entry_receipt_once"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_no} {self.get_direction_display()} {self.amount}"


class MonthlyReport(AuditedModel):
    """The balance a home reports for a month's end (what its custody account should hold), with the
    number of residents with money held; the ledger's own total at filing time is kept beside it."""

    home = models.ForeignKey(PrepaidHome, on_delete=models.PROTECT, related_name="reports")
    month = models.DateField(_("月份"))  # first day
    reported_balance = money(_("报送存管余额（元）"))
    collected = money(_("本月收取（元）"), default=ZERO)
    refunded = money(_("本月退还（元）"), default=ZERO)
    residents = models.PositiveIntegerField(_("在住预收费老年人数"))
    ledger_balance = money(_("台账余额（元）"), default=ZERO)
    state = models.CharField(_("对账状态"), max_length=8, choices=ReportState.choices, default=ReportState.FILED)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "home__institution__operator_id"

    class Meta:
        ordering = ["-month", "home"]
        verbose_name = _("预收费月度报告")
        verbose_name_plural = _("预收费月度报告")
        constraints = [
            models.UniqueConstraint(fields=["home", "month"], name="prepaid_report_once_a_month"),
            models.CheckConstraint(condition=Q(reported_balance__gte=0) & Q(collected__gte=0) & Q(refunded__gte=0),
                                   name="prepaid_report_money_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.home} {self.month:%Y-%m}"


class StatementImport(AuditedModel):
    """An uploaded custody statement. Pending until a person confirms; nothing is reconciled before."""

    filename = models.CharField(_("文件名"), max_length=200)
    home = models.ForeignKey(PrepaidHome, on_delete=models.PROTECT, null=True, blank=True, related_name="imports",
                             verbose_name=_("仅限本机构账户"))
    status = models.CharField(_("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    accepted = models.PositiveIntegerField(_("可导入行数"), default=0)
    errors = models.JSONField(_("错误"), default=list)  # [{"row", "column", "field", "reason"}]
    gaps = models.PositiveIntegerField(_("对账差异数"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    division_code = models.CharField(max_length=12)  # the uploader's jurisdiction (or the home's)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "home__institution__operator_id"

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("存管对账单导入")
        verbose_name_plural = _("存管对账单导入")

    def __str__(self) -> str:
        return self.filename


class StatementLine(models.Model):
    """One row of a custody statement: the month-end balance of a home's custody account."""

    statement = models.ForeignKey(StatementImport, on_delete=models.CASCADE, related_name="lines")
    row_no = models.PositiveIntegerField()
    home = models.ForeignKey(PrepaidHome, on_delete=models.PROTECT, related_name="statement_lines")
    account_no = models.CharField(max_length=32)
    month = models.DateField()
    balance = money(_("存管余额（元）"))
    reported = money(_("机构报送余额（元）"), null=True)
    gap = money(_("差额（元）"), null=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "home__institution__operator_id"

    class Meta:
        ordering = ["statement", "row_no"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="prepaid_line_balance_nonnegative"),
            models.UniqueConstraint(fields=["statement", "home", "month"], name="prepaid_line_once_per_statement"),
        ]


class ReconciliationCase(AuditedModel):
    """A gap between the custody statement and the home's report (or a month the home did not report),
    opened for the county: assigned to a person, closed with a note. One open case per home and month."""

    home = models.ForeignKey(PrepaidHome, on_delete=models.PROTECT, related_name="cases")
    month = models.DateField(_("月份"))
    line = models.ForeignKey(StatementLine, on_delete=models.PROTECT, related_name="cases")
    statement_balance = money(_("存管余额（元）"))
    reported_balance = money(_("报送余额（元）"), null=True, blank=True)
    gap = money(_("差额（元）"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_on = models.DateField(_("立案日期"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("承办人"))
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    close_note = models.CharField(_("办结说明"), max_length=300, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "home__institution__operator_id"

    class Meta:
        ordering = ["status", "-opened_on", "-pk"]
        verbose_name = _("对账差异案件")
        verbose_name_plural = _("对账差异案件")
        constraints = [
            models.UniqueConstraint(fields=["home", "month"], condition=~Q(status="closed"),
                                    name="prepaid_one_open_case_per_month"),
            models.CheckConstraint(condition=~Q(status="closed") | ~Q(close_note=""), name="prepaid_case_closed_with_note"),
        ]

    def __str__(self) -> str:
        return f"{self.home} {self.month:%Y-%m}"


class RiskWarning(AuditedModel):
    """A risk warning for the county: raised by a scan or an event, one open warning per home, kind and
    reference (so a daily scan does not repeat itself), handled with a note."""

    home = models.ForeignKey(PrepaidHome, on_delete=models.PROTECT, related_name="warnings")
    kind = models.CharField(_("预警类型"), max_length=20, choices=WarningKind.choices)
    ref = models.CharField(max_length=64, default="")
    detail = models.CharField(_("预警内容"), max_length=300)
    amount = money(_("涉及金额（元）"), null=True, blank=True)
    raised_on = models.DateField(_("预警日期"))
    status = models.CharField(_("状态"), max_length=8, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    handled_on = models.DateField(_("处置日期"), null=True, blank=True)
    handled_note = models.CharField(_("处置情况"), max_length=300, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "home__institution__operator_id"

    class Meta:
        ordering = ["status", "-raised_on", "-pk"]
        verbose_name = _("预收费风险预警")
        verbose_name_plural = _("预收费风险预警")
        constraints = [
            models.UniqueConstraint(fields=["home", "kind", "ref"], condition=Q(status="open"),
                                    name="prepaid_one_open_warning"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.home}"


class RefundOwed(AuditedModel):
    """What a closing home owes one resident, written the day the closure is announced."""

    home = models.ForeignKey(PrepaidHome, on_delete=models.PROTECT, related_name="refunds")
    account = models.OneToOneField(PrepaidAccount, on_delete=models.PROTECT, related_name="refund_owed")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    amount = money(_("应退金额（元）"))
    service_part = money(_("其中预收服务费"), default=ZERO)
    deposit_part = money(_("其中押金"), default=ZERO)
    membership_part = money(_("其中会员费"), default=ZERO)
    due_on = models.DateField(_("应退日期"))
    status = models.CharField(_("状态"), max_length=8, choices=RefundStatus.choices, default=RefundStatus.OWED)
    paid_on = models.DateField(_("退还日期"), null=True, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "home__institution__operator_id"

    class Meta:
        ordering = ["status", "due_on", "pk"]
        verbose_name = _("停业应退款")
        verbose_name_plural = _("停业应退款")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="prepaid_refund_positive"),
            models.CheckConstraint(condition=Q(amount=F("service_part") + F("deposit_part") + F("membership_part")),
                                   name="prepaid_refund_parts_add_up"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.home_id}"


__all__ = [
    "CaseStatus", "Direction", "FeeKind", "HomeStatus", "ImportStatus", "LimitRule", "MonthlyReport",
    "PrepaidAccount", "PrepaidEntry", "PrepaidHome", "RefundOwed", "RefundStatus", "ReconciliationCase",
    "ReportState", "RiskWarning", "RuleAction", "RuleKind", "StatementImport", "StatementLine", "WarningKind",
    "WarningStatus",
]
