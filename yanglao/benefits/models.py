"""Allowances and subsidies: programmes as dated rules, monthly runs, payment lines, reconciliation.

Months are `DateField`s holding the first day of the month (a check constraint on every month column).
Money is `Decimal(12, 2)`.

The idempotency constraints (see docs/benefits.md):
- one *entitlement* per person, programme and month: a partial unique index on
  (person, programme, month) over the lines of kind `regular` and `back_pay` (the month is the
  month the money is for, whichever run pays it), so a re-run, a crashed run or a back-pay run
  can never pay the same month twice;
- a failed payment is carried into a later run at most once: unique `carried_from`;
- at most one live run per programme and month: unique (programme, month) over non-cancelled runs;
- approved_by <> prepared_by on runs, approved_by <> applied_by on enrolments (maker-checker);
- at most one reconciliation result per line.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.publicref import new_reference
from yanglao.core.scope import ScopedQuerySet

from .choices import (
    BandBasis,
    EndReason,
    EnrolmentMode,
    EnrolmentSource,
    EnrolmentStatus,
    LifeCertMethod,
    LineKind,
    LineReason,
    MatchKind,
    MatchOutcome,
    PaymentOutcome,
    ProgrammeKind,
    ProgrammeStatus,
    RecoveryPaymentKind,
    RecoveryStatus,
    ReferenceDay,
    RunStatus,
    StopReason,
    SuspensionReason,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


def first_of_month(name: str) -> Q:
    return Q(**{f"{name}__day": 1})


class Programme(AuditedModel):
    """A benefit programme. Its rules and amounts are rows with dates (`EligibilityRule`, `AmountBand`)."""

    code = models.SlugField(_("项目代码"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=ProgrammeKind.choices)
    legal_basis = models.CharField(_("政策依据（文号）"), max_length=120)
    issuing_unit = models.CharField(_("发文单位"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=ProgrammeStatus.choices, default=ProgrammeStatus.ACTIVE)
    is_demo = models.BooleanField(_("演示数值"), default=False)
    band_basis = models.CharField(_("标准依据"), max_length=12, choices=BandBasis.choices, default=BandBasis.AGE)
    reference_day = models.CharField(_("年龄计算基准日"), max_length=8, choices=ReferenceDay.choices,
                                     default=ReferenceDay.FIRST)
    enrolment_mode = models.CharField(_("享受方式"), max_length=12, choices=EnrolmentMode.choices,
                                      default=EnrolmentMode.AUTO)
    division_code = models.CharField(_("实施区域"), max_length=12, default="4417")
    payment_summary = models.CharField(_("代发摘要"), max_length=40, blank=True)
    back_pay_months = models.PositiveSmallIntegerField(_("最长补发月数"), default=12)
    # Proof of life (生存认证): every N months since the last certificate, or by a fixed day each year.
    life_cert_every_months = models.PositiveSmallIntegerField(_("生存认证周期（月）"), null=True, blank=True)
    life_cert_fixed_month = models.PositiveSmallIntegerField(_("每年认证截止月"), null=True, blank=True)
    life_cert_fixed_day = models.PositiveSmallIntegerField(_("每年认证截止日"), null=True, blank=True)
    life_cert_since = models.DateField(_("生存认证起始日期"), null=True, blank=True)
    life_cert_remind_days = models.PositiveSmallIntegerField(_("提前提醒天数"), default=30)

    class Meta:
        ordering = ["code"]
        verbose_name = _("津补贴项目")
        verbose_name_plural = _("津补贴项目")

    def __str__(self) -> str:
        return f"{self.name}{'（演示数值）' if self.is_demo and '演示' not in self.name else ''}"


class EligibilityRule(AuditedModel):
    """Who is eligible, from `valid_from` to `valid_to` (inclusive; empty = open). One rule version per date."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rules")
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("最高年龄"), null=True, blank=True)
    required_categories = models.JSONField(_("须具备的人员类别（任一）"), default=list, blank=True)
    excluded_categories = models.JSONField(_("排除的人员类别"), default=list, blank=True)
    excluded_categories_in_institution = models.JSONField(_("入住机构时排除的类别"), default=list, blank=True)
    excluded_living_situations = models.JSONField(_("排除的居住状况"), default=list, blank=True)
    min_care_level = models.PositiveSmallIntegerField(_("最低能力等级"), null=True, blank=True)
    max_care_level = models.PositiveSmallIntegerField(_("最高能力等级"), null=True, blank=True)
    residence_prefix = models.CharField(_("居住地区划前缀"), max_length=12, default="4417")
    document_no = models.CharField(_("文件编号"), max_length=120, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["programme", "valid_from"]
        verbose_name = _("享受条件")
        verbose_name_plural = _("享受条件")
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="rule_dates_in_order"),
            models.CheckConstraint(condition=Q(max_age__isnull=True) | Q(min_age__isnull=True)
                                   | Q(max_age__gte=F("min_age")), name="rule_age_range_in_order"),
            models.CheckConstraint(condition=(Q(min_care_level__isnull=True) | Q(min_care_level__lte=4))
                                   & (Q(max_care_level__isnull=True) | Q(max_care_level__lte=4)),
                                   name="rule_care_level_0_to_4"),
            # PostgreSQL adds an exclusion constraint (no two rule versions of a programme overlap in
            # time) in migration 0002; on SQLite the service check is the only guard.
        ]

    def __str__(self) -> str:
        return f"{self.programme.name} 条件（{self.valid_from:%Y-%m-%d}起）"

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class AmountBand(AuditedModel):
    """A monthly amount for an age band or care-level band (or flat), with its dates and document.

    `key_min`/`key_max` are inclusive; an empty `key_max` is open-ended (100岁及以上). For a flat
    programme both are 0. Bands of a programme may not overlap in key and time: checked by the
    service and, on PostgreSQL, by an exclusion constraint (migration 0002).
    """

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="bands")
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    key_min = models.PositiveSmallIntegerField(_("下限（岁/级）"), default=0)
    key_max = models.PositiveSmallIntegerField(_("上限（岁/级）"), null=True, blank=True)
    amount = models.DecimalField(_("每月金额（元）"), **MONEY)
    label = models.CharField(_("档次名称"), max_length=40)
    document_no = models.CharField(_("文件编号"), max_length=120)

    class Meta:
        ordering = ["programme", "valid_from", "key_min"]
        verbose_name = _("补贴标准")
        verbose_name_plural = _("补贴标准")
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="band_dates_in_order"),
            models.CheckConstraint(condition=Q(key_max__isnull=True) | Q(key_max__gte=F("key_min")),
                                   name="band_keys_in_order"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="band_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.amount}元/月（{self.valid_from:%Y-%m-%d}起）"


class Enrolment(AuditedModel):
    """A person's enrolment in an application-based programme: applied by one person, approved by another."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="benefit_enrolments")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    source = models.CharField(_("来源"), max_length=12, choices=EnrolmentSource.choices,
                              default=EnrolmentSource.APPLICATION)
    status = models.CharField(_("状态"), max_length=12, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.APPLIED)
    from_month = models.DateField(_("享受起始月"))
    to_month = models.DateField(_("享受终止月"), null=True, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("申请说明"), max_length=200, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=12, choices=EndReason.choices, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    division_code = models.CharField(max_length=12)
    # The reference printed on the receipt for public lookups (random, core.publicref); the number stays internal.
    public_ref = models.CharField(_("查询编号"), max_length=12, unique=True, default=new_reference, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("享受登记")
        verbose_name_plural = _("享受登记")
        constraints = [
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("applied_by")),
                                   name="enrolment_maker_checker"),
            models.CheckConstraint(condition=first_of_month("from_month"), name="enrolment_from_first_of_month"),
            models.CheckConstraint(condition=Q(to_month__isnull=True) | Q(to_month__gte=F("from_month")),
                                   name="enrolment_months_in_order"),
            models.UniqueConstraint(fields=["person", "programme"], condition=Q(status__in=["applied", "approved"]),
                                    name="one_live_enrolment_per_programme"),
            models.CheckConstraint(condition=~Q(status="ended") | (Q(to_month__isnull=False) & ~Q(end_reason="")),
                                   name="ended_enrolment_has_last_month_and_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.name}：{self.get_status_display()}"


class Suspension(AuditedModel):
    """Payments of a programme to a person stop from `from_month` to `to_month` (inclusive; empty = until resumed)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="benefit_suspensions")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="suspensions")
    reason = models.CharField(_("原因"), max_length=24, choices=SuspensionReason.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    from_month = models.DateField(_("停发起始月"))
    to_month = models.DateField(_("停发终止月"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    resumed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    resume_note = models.CharField(_("恢复说明"), max_length=200, blank=True)
    # Withheld, not forfeited (proof of life): once lifted the suspension stops no month, and the
    # months it held back are paid as back pay by the next run.
    lifted_at = models.DateTimeField(null=True, blank=True)
    document = models.CharField(_("依据"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-from_month", "-id"]
        verbose_name = _("停发记录")
        verbose_name_plural = _("停发记录")
        indexes = [models.Index(fields=["programme", "person"], name="suspension_prog_person")]
        constraints = [
            models.CheckConstraint(condition=first_of_month("from_month"), name="suspension_from_first_of_month"),
            models.CheckConstraint(condition=Q(to_month__isnull=True) | Q(to_month__gte=F("from_month")),
                                   name="suspension_months_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.name}停发（{self.get_reason_display()}，{self.from_month:%Y年%m月}起）"


class PaymentRun(AuditedModel):
    """One programme's payments for one month: preview → approved (by another person) → paid → reconciled."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="runs")
    month = models.DateField(_("发放月份"))
    status = models.CharField(_("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    attempt = models.PositiveIntegerField(default=0)  # a job computes the run only while this is its attempt
    step = models.CharField(max_length=60, blank=True)
    message = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)
    # Totals of the preview (whole programme area); per-division figures are in RunSummary.
    line_count = models.PositiveIntegerField(default=0)
    people_count = models.PositiveIntegerField(default=0)
    total_amount = models.DecimalField(default=Decimal("0"), **MONEY)
    new_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)
    stopped_count = models.PositiveIntegerField(default=0)
    back_pay_count = models.PositiveIntegerField(default=0)
    carried_count = models.PositiveIntegerField(default=0)
    adjustment_count = models.PositiveIntegerField(default=0)
    no_account_count = models.PositiveIntegerField(default=0)
    paid_count = models.PositiveIntegerField(default=0)
    paid_amount = models.DecimalField(default=Decimal("0"), **MONEY)
    failed_count = models.PositiveIntegerField(default=0)
    failed_amount = models.DecimalField(default=Decimal("0"), **MONEY)
    division_code = models.CharField(max_length=12, default="4417")

    class Meta:
        ordering = ["-month", "programme"]
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        constraints = [
            models.UniqueConstraint(fields=["programme", "month"], condition=~Q(status="cancelled"),
                                    name="one_live_run_per_programme_month"),
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                                   name="run_maker_checker"),
            models.CheckConstraint(condition=first_of_month("month"), name="run_month_first_of_month"),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid", "reconciled"]) | Q(approved_by__isnull=False),
                name="run_approved_has_approver"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.name} {self.month:%Y年%m月}"

    @property
    def is_locked(self) -> bool:
        return self.status in (RunStatus.APPROVED, RunStatus.PAID, RunStatus.RECONCILED)

    @property
    def is_working(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.COMPUTING)


class Entitlement(AuditedModel):
    """One payment line of a run. Written set-based by the run (INSERT … SELECT); never changed once
    its run is approved (a correction is a new `adjustment` line in a later run)."""

    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, null=True, blank=True, related_name="lines")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="benefit_lines")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="lines")
    month = models.DateField(_("所属月份"))
    kind = models.CharField(_("类型"), max_length=12, choices=LineKind.choices, default=LineKind.REGULAR)
    reason = models.CharField(_("变动原因"), max_length=16, choices=LineReason.choices)
    amount = models.DecimalField(_("金额"), **MONEY)
    previous_amount = models.DecimalField(_("上月金额"), null=True, blank=True, **MONEY)
    band = models.ForeignKey(AmountBand, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    band_label = models.CharField(_("档次"), max_length=40, blank=True)
    carried_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="carried_by")
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    # A negative adjustment (a deduction) is asked for by one person and signed by another before
    # any run may carry it.
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    recovery = models.ForeignKey("Recovery", on_delete=models.PROTECT, null=True, blank=True, related_name="deductions")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["division_code", "person_id", "month"]
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        indexes = [
            models.Index(fields=["run", "division_code"], name="line_run_division"),
            models.Index(fields=["person", "month"], name="line_person_month"),
            models.Index(fields=["programme", "month", "kind"], name="line_programme_month"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "programme", "month"], condition=Q(kind__in=["regular", "back_pay"]),
                                    name="one_entitlement_per_person_programme_month"),
            models.UniqueConstraint(fields=["carried_from"], condition=Q(kind="carried"), name="failed_line_carried_once"),
            models.CheckConstraint(condition=first_of_month("month"), name="line_month_first_of_month"),
            models.CheckConstraint(condition=~Q(kind="carried") | Q(carried_from__isnull=False),
                                   name="carried_line_names_its_source"),
            models.CheckConstraint(condition=Q(kind="adjustment") | Q(amount__gt=0), name="line_amount_positive"),
            models.CheckConstraint(condition=~Q(kind="adjustment") | ~Q(amount=0), name="adjustment_not_zero"),
            models.CheckConstraint(condition=Q(amount__gt=0) | Q(run__isnull=True) | Q(signed_by__isnull=False),
                                   name="negative_adjustment_signed_before_run"),
            models.CheckConstraint(condition=Q(signed_by__isnull=True) | ~Q(signed_by=F("requested_by")),
                                   name="negative_adjustment_second_signature"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月} {self.get_kind_display()} {self.amount}元"


class RunChange(models.Model):
    """Who stopped since last month (people with a line last month and none this month), with the reason.
    New and changed people are lines of the run (`Entitlement.reason`)."""

    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="stopped")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    previous_amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=24)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "person"], name="stopped_once_per_run")]

    @property
    def reason_label(self) -> str:
        from .choices import EXTRA_STOP_REASONS

        return str(dict(StopReason.choices).get(self.reason) or EXTRA_STOP_REASONS.get(self.reason, self.reason))


class RunSummary(models.Model):
    """Counts and totals of a run per township (9-digit code); counties and the city are sums of these."""

    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="summaries")
    division_code = models.CharField(max_length=12)
    people = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(default=Decimal("0"), **MONEY)
    new = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    stopped = models.PositiveIntegerField(default=0)
    back_pay = models.PositiveIntegerField(default=0)
    carried = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "division_code"], name="summary_once_per_division")]


class ReconciliationImport(AuditedModel):
    """One bank result file applied to a run (all lines or none)."""

    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="reconciliations")
    filename = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField(default=0)
    paid = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    division_code = models.CharField(max_length=12, default="4417")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["run", "file_sha256"], name="reconciliation_file_once")]

    def __str__(self) -> str:
        return f"{self.filename}：成功 {self.paid} 条，失败 {self.failed} 条"


class PaymentResult(models.Model):
    """The bank's answer for one line: paid, or failed with a reason (carried into the next run)."""

    line = models.OneToOneField(Entitlement, on_delete=models.PROTECT, related_name="result")
    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="results")
    reconciliation = models.ForeignKey(ReconciliationImport, on_delete=models.PROTECT, related_name="results")
    outcome = models.CharField(max_length=8, choices=PaymentOutcome.choices)
    reason = models.CharField(max_length=200, blank=True)
    bank_reference = models.CharField(max_length=64, blank=True)
    amount = models.DecimalField(**MONEY)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        indexes = [models.Index(fields=["run", "outcome"], name="result_run_outcome")]
        constraints = [models.CheckConstraint(condition=Q(outcome="paid") | ~Q(reason=""),
                                              name="failed_result_has_reason")]


class BankAccount(AuditedModel):
    """The account a person's benefits are paid into. The number is encrypted, found by keyed hash, shown masked."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="bank_account")
    bank_name = models.CharField(_("开户银行"), max_length=60)
    account_no_enc = models.TextField()
    account_no_hash = models.CharField(max_length=64, db_index=True)
    account_no_masked = models.CharField(_("银行账号"), max_length=40)
    holder_name = models.CharField(_("户名"), max_length=32)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    audit_sensitive_fields = ("account_no_enc", "account_no_hash")
    audit_exclude_fields = ("created_at", "updated_at", "version", "account_no_hash")

    class Meta:
        verbose_name = _("代发账户")
        verbose_name_plural = _("代发账户")

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_no_masked}"


# --------------------------------------------------------------------------- audit: matching, proof of life,
# recoveries, bank file formats


class MatchBatch(AuditedModel):
    """One list another department sent (deaths, moves, prison entries, 低保/特困 changes, disability
    certificates), matched against the registry by ID number. Nothing changes until a reviewer confirms."""

    kind = models.CharField(_("名单类型"), max_length=12, choices=MatchKind.choices)
    filename = models.CharField(_("文件名"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    source_unit = models.CharField(_("来源单位"), max_length=100)
    document_no = models.CharField(_("来文编号"), max_length=120)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField(default=0)
    consistent = models.PositiveIntegerField(default=0)
    changes = models.PositiveIntegerField(default=0)
    not_found = models.PositiveIntegerField(default=0)
    bad = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    division_code = models.CharField(max_length=12, default="4417")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("比对名单")
        verbose_name_plural = _("比对名单")
        constraints = [models.UniqueConstraint(fields=["kind", "file_sha256"], name="match_file_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.filename}"


class MatchRow(models.Model):
    """One row of a list: the staging row the one join fills with the person and the outcome."""

    # Rows are written only by matching's one INSERT … SELECT per chunk, in the transaction that creates
    # their batch, with the person read from people_person by that same statement; people are never
    # deleted (a duplicate is merged, a death or a move is a status). So the database's per-row foreign-key
    # checks are left out: the person's locked each matched person FOR KEY SHARE (a write to 95,000
    # registry pages for a 100,000-row list, half of the matching's time) and the batch's another fifth
    # (docs/performance.md, "Data matching"). The ORM's PROTECT and CASCADE still hold. The batch's index
    # is the leading column of matchrow_once_per_row.
    batch = models.ForeignKey(MatchBatch, on_delete=models.CASCADE, related_name="lines", db_index=False,
                              db_constraint=False)
    row_no = models.PositiveIntegerField()
    name = models.CharField(max_length=32, blank=True)
    id_hash = models.CharField(max_length=64, blank=True)
    id_masked = models.CharField(max_length=18, blank=True)
    event_date = models.DateField(null=True, blank=True)
    category = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=8, blank=True)  # "add" / "end" for categories
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               db_constraint=False, db_index=False)
    outcome = models.CharField(max_length=12, choices=MatchOutcome.choices, default=MatchOutcome.NOT_FOUND)
    column = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=200, blank=True)  # what confirming changes, in Chinese
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", db_index=False)  # accounts are disabled, never deleted
    confirmed_at = models.DateTimeField(null=True, blank=True)
    division_code = models.CharField(max_length=12, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["batch", "row_no"]
        indexes = [models.Index(fields=["batch", "outcome"], name="matchrow_batch_outcome")]
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_no"], name="matchrow_once_per_row"),
            models.CheckConstraint(condition=Q(confirmed_at__isnull=True) | Q(outcome="change"),
                                   name="matchrow_only_changes_confirmed"),
        ]


class LifeCertificate(AuditedModel):
    """The person was seen alive on `certified_on` (one certificate serves every programme)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="life_certificates")
    certified_on = models.DateField(_("认证日期"))
    method = models.CharField(_("认证方式"), max_length=12, choices=LifeCertMethod.choices)
    reference = models.CharField(_("认证参考号"), max_length=64, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-certified_on", "-id"]
        verbose_name = _("生存认证")
        verbose_name_plural = _("生存认证")
        indexes = [models.Index(fields=["person", "certified_on"], name="lifecert_person_day")]
        constraints = [
            models.CheckConstraint(condition=~Q(method__in=["bank_face", "app_face"]) | ~Q(reference=""),
                                   name="face_check_has_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.certified_on:%Y-%m-%d} {self.get_method_display()}"


class Recovery(AuditedModel):
    """Money paid for months after a death or a move (超期发放), to be got back: one per person and event."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="benefit_recoveries")
    event = models.CharField(_("原因"), max_length=12)  # "death" / "moved_away"
    event_date = models.DateField(_("发生日期"))
    amount = models.DecimalField(_("应追回金额"), **MONEY)
    recovered = models.DecimalField(_("已追回金额"), default=Decimal("0"), **MONEY)
    months = models.PositiveSmallIntegerField(_("超发月数"), default=0)
    first_month = models.DateField(_("超发起始月"))
    last_month = models.DateField(_("超发终止月"))
    status = models.CharField(_("状态"), max_length=12, choices=RecoveryStatus.choices, default=RecoveryStatus.OPEN)
    source = models.ForeignKey(MatchRow, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    document = models.CharField(_("依据"), max_length=200, blank=True)
    write_off_reason = models.CharField(_("核销原因"), max_length=200, blank=True)
    write_off_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                               blank=True, related_name="+")
    written_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("追回")
        verbose_name_plural = _("追回")
        constraints = [
            models.UniqueConstraint(fields=["person", "event", "event_date"], name="one_recovery_per_person_event"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive"),
            models.CheckConstraint(condition=Q(recovered__gte=0) & Q(recovered__lte=F("amount")),
                                   name="recovery_not_above_amount"),
            models.CheckConstraint(condition=~Q(status="written_off") | (Q(written_off_by__isnull=False)
                                                                        & ~Q(write_off_reason="")),
                                   name="write_off_approved_with_reason"),
            models.CheckConstraint(condition=Q(written_off_by__isnull=True)
                                   | ~Q(written_off_by=F("write_off_requested_by")),
                                   name="write_off_second_signature"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} 追回 {self.amount}元"

    @property
    def outstanding(self) -> Decimal:
        return Decimal("0") if self.status == RecoveryStatus.WRITTEN_OFF else self.amount - self.recovered


class RecoveryItem(models.Model):
    """One paid line the recovery covers (programme, month, amount): the months and their sum."""

    recovery = models.ForeignKey(Recovery, on_delete=models.CASCADE, related_name="items")
    line = models.OneToOneField(Entitlement, on_delete=models.PROTECT, related_name="recovery_item")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["month", "programme"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_item_positive")]


class RecoveryPayment(AuditedModel):
    """Money back: a repayment (退回, with its receipt) or a deduction from a later payment."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("方式"), max_length=12, choices=RecoveryPaymentKind.choices)
    amount = models.DecimalField(_("金额"), **MONEY)
    paid_on = models.DateField(_("日期"))
    reference = models.CharField(_("票据或流水号"), max_length=64, blank=True)
    line = models.OneToOneField(Entitlement, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-paid_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_payment_positive")]


class BankFileFormat(AuditedModel):
    """A bank's payment-file layout as configuration (the banks the city uses differ)."""

    code = models.SlugField(_("格式代码"), max_length=40, unique=True)
    bank_name = models.CharField(_("银行"), max_length=60)
    columns = models.JSONField(_("列顺序"), default=list)
    encoding = models.CharField(_("编码"), max_length=12, default="gbk")
    separator = models.CharField(_("分隔符"), max_length=4, default=",")
    header = models.CharField(_("首行模板"), max_length=200, blank=True)
    trailer = models.CharField(_("尾行模板"), max_length=200, blank=True)
    column_titles = models.BooleanField(_("含列标题行"), default=True)
    filename_pattern = models.CharField(_("文件名模板"), max_length=120)
    is_default = models.BooleanField(_("默认格式"), default=False)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                               name="bank_format_one_default")]
        verbose_name = _("银行代发文件格式")
        verbose_name_plural = _("银行代发文件格式")

    def __str__(self) -> str:
        return f"{self.bank_name}（{self.code}）"


class InsuranceClaim(AuditedModel):
    """A claim under the accident insurance the government buys for older people (老年人意外伤害保险),
    recorded against the insured list: only a person on the list for the month of the accident."""

    class State(models.TextChoices):
        REPORTED = "reported", _("已报案")
        PAID = "paid", _("已赔付")
        REFUSED = "refused", _("不予赔付")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="insurance_claims")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="claims")
    line = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="+")  # the month on the list
    accident_date = models.DateField(_("出险日期"))
    description = models.CharField(_("出险经过"), max_length=200)
    amount_claimed = models.DecimalField(_("申请赔付金额"), **MONEY)
    amount_paid = models.DecimalField(_("赔付金额"), null=True, blank=True, **MONEY)
    insurer_reference = models.CharField(_("保险公司案件号"), max_length=64, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.REPORTED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-accident_date", "-id"]
        verbose_name = _("意外险理赔")
        verbose_name_plural = _("意外险理赔")
        constraints = [
            models.CheckConstraint(condition=Q(amount_claimed__gt=0), name="claim_amount_positive"),
            models.CheckConstraint(condition=Q(amount_paid__isnull=True) | (Q(amount_paid__gte=0)
                                                                           & Q(amount_paid__lte=F("amount_claimed"))),
                                   name="claim_paid_not_above_claimed"),
        ]


class InsurerStatement(AuditedModel):
    """The insurer's own list of the people it insured for one month (承保清单, with each person's premium),
    checked against that month's insured list (an insurance-list run): who is insured as listed, who is on
    our list but not insured (漏保: a claim would be refused), who is insured but not on our list (多保: a
    premium the city should not pay), whose premium differs, and the two totals."""

    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="insurer_statements")
    filename = models.CharField(_("文件名"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    insurer = models.CharField(_("保险公司"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField(default=0)  # data rows of the file
    matched = models.PositiveIntegerField(default=0)
    premium_differs = models.PositiveIntegerField(default=0)
    not_insured = models.PositiveIntegerField(default=0)  # on our list, not in the file
    not_listed = models.PositiveIntegerField(default=0)  # in the file, not on our list
    bad = models.PositiveIntegerField(default=0)
    statement_total = models.DecimalField(_("清单保费合计"), default=0, **MONEY)
    list_total = models.DecimalField(_("投保名单保费合计"), default=0, **MONEY)
    division_code = models.CharField(max_length=12, default="4417")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("承保清单核对")
        verbose_name_plural = _("承保清单核对")
        constraints = [models.UniqueConstraint(fields=["run", "file_sha256"], name="insurer_statement_once")]

    def __str__(self) -> str:
        return f"{self.insurer}：{self.filename}"

    @property
    def counts(self) -> dict[str, int]:
        """Findings by outcome (the values of InsurerStatementRow.Outcome)."""
        return {"matched": self.matched, "premium": self.premium_differs, "not_insured": self.not_insured,
                "not_listed": self.not_listed, "bad": self.bad}

    @property
    def consistent(self) -> bool:
        return self.rows == self.matched and self.not_insured == 0 and self.statement_total == self.list_total

    @property
    def difference(self) -> Decimal:
        return self.statement_total - self.list_total


class InsurerStatementRow(models.Model):
    """One finding of a statement: a row of the insurer's file (matched, premium differs, not on our list,
    bad), or a person of our list the file does not have (row_no empty)."""

    class Outcome(models.TextChoices):
        MATCHED = "matched", _("一致")
        PREMIUM_DIFFERS = "premium", _("保费不符")
        NOT_INSURED = "not_insured", _("漏保（名单有、清单无）")
        NOT_LISTED = "not_listed", _("多保（清单有、名单无）")
        BAD = "bad", _("行有误")

    statement = models.ForeignKey(InsurerStatement, on_delete=models.CASCADE, related_name="lines")
    row_no = models.PositiveIntegerField(null=True, blank=True)
    name = models.CharField(max_length=32, blank=True)
    id_masked = models.CharField(max_length=18, blank=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    premium = models.DecimalField(null=True, blank=True, **MONEY)  # in the insurer's file
    expected = models.DecimalField(null=True, blank=True, **MONEY)  # on our list
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    column = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    division_code = models.CharField(max_length=12, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["statement", "row_no", "id"]
        indexes = [models.Index(fields=["statement", "outcome"], name="insurer_row_outcome")]
        constraints = [models.CheckConstraint(condition=Q(premium__isnull=True) | Q(premium__gte=0),
                                              name="insurer_row_premium_not_negative")]
