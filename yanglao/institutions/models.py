"""Care institutions, their beds, residents, star ratings, medical cooperation and subsidies."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet

from .choices import (
    PUBLIC_OWNERSHIPS,
    STAR_NAMES,
    AgreementKind,
    BedStatus,
    BedType,
    FireSafety,
    LicenceKind,
    OutletKind,
    Ownership,
)


class Institution(AuditedModel):
    name = models.CharField(_("机构名称"), max_length=128)
    ownership = models.CharField(_("性质"), max_length=20, choices=Ownership.choices)
    operator = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="institutions", verbose_name=_("运营方"))
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    licence_kind = models.CharField(_("设立方式"), max_length=8, choices=LicenceKind.choices, default=LicenceKind.FILING)
    licence_no = models.CharField(_("备案/许可编号"), max_length=64, blank=True)
    licence_date = models.DateField(_("备案/许可日期"), null=True, blank=True)
    licence_valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    division_code = models.CharField(_("所在村（社区）"), max_length=12)
    address = models.CharField(_("地址"), max_length=200)
    latitude = models.DecimalField(_("纬度（WGS-84）"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度（WGS-84）"), max_digits=9, decimal_places=6, null=True, blank=True)
    capacity = models.PositiveIntegerField(_("核定床位数"), default=0)
    has_medical_unit = models.BooleanField(_("内设医疗机构"), default=False)
    medical_insurance_designated = models.BooleanField(_("医保定点"), default=False)
    is_tekun_home = models.BooleanField(_("特困供养服务机构（敬老院）"), default=False)
    mainly_disabled_tekun = models.BooleanField(_("以失能特困人员为主要服务对象"), default=False)
    fire_safety = models.CharField(_("消防验收"), max_length=10, choices=FireSafety.choices, default=FireSafety.UNKNOWN)
    fire_safety_date = models.DateField(_("消防验收日期"), null=True, blank=True)
    accepts_public_admission = models.BooleanField(_("纳入公办机构评估轮候"), default=False)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "operator_id"

    # Who may change what, in one place (applied by `services.institution_update`, which the console and the
    # API both call). REGULATOR_FIELDS are set by the civil-affairs bureau alone: they decide the subsidy and
    # the regulatory status, so the regulated never change them. DECLARED_FIELDS are facts the institution
    # declares: its operator proposes a change (`InstitutionChangeRequest`) that county staff approve.
    REGULATOR_FIELDS: frozenset[str] = frozenset({
        "ownership", "division_code", "credit_code", "licence_kind", "licence_no", "licence_date",
        "licence_valid_until", "medical_insurance_designated", "is_tekun_home", "mainly_disabled_tekun",
        "fire_safety", "fire_safety_date", "accepts_public_admission",
    })
    DECLARED_FIELDS: frozenset[str] = frozenset({
        "name", "address", "latitude", "longitude", "capacity", "has_medical_unit", "phone",
    })

    class Meta:
        ordering = ["division_code", "name"]
        verbose_name = _("养老机构")
        verbose_name_plural = _("养老机构")
        indexes = [models.Index(fields=["division_code"], name="institution_division", opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepts_public_admission=False) | Q(ownership__in=[str(o) for o in PUBLIC_OWNERSHIPS]),
                name="public_admission_only_public_homes",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.ownership in PUBLIC_OWNERSHIPS


class Outlet(AuditedModel):
    """A branch or service outlet, possibly in another township (分支机构/服务网点)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="outlets")
    kind = models.CharField(_("类型"), max_length=8, choices=OutletKind.choices)
    name = models.CharField(_("名称"), max_length=128)
    division_code = models.CharField(_("所在村（社区）"), max_length=12)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "institution__division_code"
    scope_organisation_field = "institution__operator_id"

    class Meta:
        verbose_name = _("分支机构/服务网点")
        verbose_name_plural = _("分支机构/服务网点")

    def __str__(self) -> str:
        return self.name


class MedicalAgreement(AuditedModel):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="agreements")
    hospital = models.CharField(_("合作医疗机构"), max_length=128)
    hospital_kind = models.CharField(_("医院类别"), max_length=32, blank=True)  # 综合/老年病/康复/护理/中医
    kind = models.CharField(_("合作内容"), max_length=12, choices=AgreementKind.choices)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "institution__operator_id"

    class Meta:
        verbose_name = _("医养结合合作协议")
        verbose_name_plural = _("医养结合合作协议")
        constraints = [models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                              name="agreement_dates_in_order")]

    def __str__(self) -> str:
        return f"{self.hospital}（{self.get_kind_display()}）"

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class Bed(AuditedModel):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="beds")
    building = models.CharField(_("楼栋"), max_length=32)
    floor = models.CharField(_("楼层"), max_length=8)
    room = models.CharField(_("房间"), max_length=16)
    number = models.CharField(_("床号"), max_length=8)
    bed_type = models.CharField(_("床位类型"), max_length=10, choices=BedType.choices)
    status = models.CharField(_("状态"), max_length=16, choices=BedStatus.choices, default=BedStatus.VACANT)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "institution__operator_id"

    class Meta:
        ordering = ["building", "floor", "room", "number"]
        verbose_name = _("床位")
        verbose_name_plural = _("床位")
        constraints = [
            models.UniqueConstraint(fields=["institution", "building", "floor", "room", "number"], name="bed_unique_place")
        ]

    def __str__(self) -> str:
        return f"{self.building}{self.floor}层{self.room}房{self.number}床"


class Residency(AuditedModel):
    """A person living in an institution, on a bed, from admission to discharge. The database allows
    one current residency per person and one per bed: no bed twice, no person in two homes."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="residencies")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="residencies")
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, null=True, blank=True, related_name="residencies")
    admitted_on = models.DateField(_("入住日期"))
    discharged_on = models.DateField(_("离院日期"), null=True, blank=True)
    discharge_reason = models.CharField(_("离院原因"), max_length=64, blank=True)
    division_code = models.CharField(max_length=12)  # the institution's

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "institution__operator_id"

    class Meta:
        verbose_name = _("入住记录")
        verbose_name_plural = _("入住记录")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(discharged_on__isnull=True), name="one_current_home_per_person"),
            models.UniqueConstraint(fields=["bed"], condition=Q(discharged_on__isnull=True), name="one_current_resident_per_bed"),
            models.CheckConstraint(condition=Q(discharged_on__isnull=True) | Q(discharged_on__gte=models.F("admitted_on")),
                                   name="residency_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.institution_id}"


class StarRating(AuditedModel):
    """A star rating per GB/T 37276-2018, from its scoring sheet."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="ratings")
    rated_on = models.DateField(_("评定日期"))
    valid_until = models.DateField(_("有效期至"))
    environment = models.PositiveSmallIntegerField(_("环境（120）"))
    facilities = models.PositiveSmallIntegerField(_("设施设备（130）"))
    operations = models.PositiveSmallIntegerField(_("运营管理（150）"))
    service = models.PositiveSmallIntegerField(_("服务（600）"))
    total = models.PositiveSmallIntegerField(_("总分"))
    level = models.PositiveSmallIntegerField(_("星级"))
    document_no = models.CharField(_("评定文号"), max_length=64, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "institution__operator_id"

    class Meta:
        ordering = ["-rated_on"]
        verbose_name = _("星级评定")
        verbose_name_plural = _("星级评定")
        constraints = [
            models.CheckConstraint(condition=Q(environment__lte=120) & Q(facilities__lte=130) & Q(operations__lte=150)
                                   & Q(service__lte=600), name="star_sections_within_maxima"),
            models.CheckConstraint(condition=Q(level__gte=0) & Q(level__lte=5), name="star_level_range"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {STAR_NAMES.get(self.level)}"

    @property
    def level_name(self) -> str:
        return str(STAR_NAMES.get(self.level, ""))


class SubsidyStatus(models.TextChoices):
    APPLIED = "applied", _("已申请")
    CHECKED = "checked", _("已核查")
    APPROVED = "approved", _("已审批")
    PAID = "paid", _("已拨付")
    REJECTED = "rejected", _("不予通过")


class ConstructionSubsidy(AuditedModel):
    """A one-off subsidy for new beds (新增床位建设补贴), the same for every ownership type."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="construction_subsidies")
    beds_added = models.PositiveIntegerField(_("新增床位数"))
    nursing_beds_added = models.PositiveIntegerField(_("其中护理型床位"), default=0)
    amount_per_bed = models.DecimalField(_("每床补贴标准（元）"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("补贴金额（元）"), max_digits=12, decimal_places=2)
    status = models.CharField(_("状态"), max_length=10, choices=SubsidyStatus.choices, default=SubsidyStatus.APPLIED)
    applied_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    checked_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    check_notes = models.CharField(_("核查意见"), max_length=200, blank=True)
    approved_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    voucher_no = models.CharField(_("拨付凭证号"), max_length=64, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "institution__operator_id"

    class Meta:
        verbose_name = _("床位建设补贴")
        verbose_name_plural = _("床位建设补贴")
        constraints = [
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("applied_by")),
                                   name="construction_maker_checker"),
            models.CheckConstraint(condition=Q(nursing_beds_added__lte=models.F("beds_added")), name="nursing_within_added"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} +{self.beds_added}"


class OperatingRate(AuditedModel):
    """Dated rates for the monthly operating subsidy: a base amount per resident by care level, a
    percentage by star level, and a monthly supplement per resident when the home has medical capability."""

    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    document_no = models.CharField(_("依据文件"), max_length=64)
    base_by_level = models.JSONField(_("按能力等级的每人每月基础标准（元）"))  # {"0": "100", ..., "4": "500"}
    star_percent = models.JSONField(_("按星级的上浮比例（%）"))  # {"0": 0, "1": 0, "3": 10, ...}
    medical_supplement = models.DecimalField(_("医养结合每人每月加补（元）"), max_digits=10, decimal_places=2)
    construction_per_bed = models.DecimalField(_("新增床位每床建设补贴（元）"), max_digits=10, decimal_places=2)
    construction_per_nursing_bed = models.DecimalField(_("新增护理型床位每床建设补贴（元）"), max_digits=10, decimal_places=2)
    is_demo = models.BooleanField(_("演示数值"), default=False)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("机构补贴标准")
        verbose_name_plural = _("机构补贴标准")

    def __str__(self) -> str:
        return f"{self.document_no}（{self.valid_from}起）"


class OperatingRun(AuditedModel):
    """The monthly operating subsidy for one month and county: computed, then approved by another user."""

    month = models.DateField(_("月份"))  # first day of the month
    division_code = models.CharField(_("区划"), max_length=12)
    status = models.CharField(_("状态"), max_length=10, choices=[("preview", _("待审批")), ("approved", _("已审批"))],
                              default="preview")
    prepared_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    residents = models.PositiveIntegerField(default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    rate = models.ForeignKey(OperatingRate, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-month"]
        verbose_name = _("机构运营补贴月度核算")
        verbose_name_plural = _("机构运营补贴月度核算")
        constraints = [
            models.UniqueConstraint(fields=["month", "division_code"], name="one_operating_run_per_month_and_area"),
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("prepared_by")),
                                   name="operating_run_maker_checker"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.division_code}"


class OperatingLine(models.Model):
    """One resident's operating subsidy in a run (written in bulk; the run's audit line covers it)."""

    run = models.ForeignKey(OperatingRun, on_delete=models.CASCADE, related_name="lines")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    care_level = models.PositiveSmallIntegerField()
    star_level = models.PositiveSmallIntegerField()
    medical = models.BooleanField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "person"], name="one_operating_line_per_person")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.person_id}"


class OperatingClaim(models.Model):
    """A resident's month paid by an approved operating run: one resident, one month, one payment.

    Written set-based by `operating_approve` in the approval's transaction; the unique (person, month)
    index makes a second approved run covering the same resident and month fail, whatever areas the
    two runs cover and however close together they are approved (the second insert waits for the
    first transaction on PostgreSQL, then fails)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    run = models.ForeignKey(OperatingRun, on_delete=models.PROTECT, related_name="claims")
    line = models.OneToOneField(OperatingLine, on_delete=models.PROTECT, related_name="claim")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("机构运营补贴已发放月份")
        verbose_name_plural = _("机构运营补贴已发放月份")
        constraints = [models.UniqueConstraint(fields=["person", "month"], name="operating_paid_once_per_person_month")]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.month:%Y-%m}"


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


class InstitutionChangeRequest(AuditedModel):
    """An operator's proposed change to the facts its institution declares (capacity, phone, address,
    medical unit…), applied only when county staff other than the requester approve it."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="change_requests")
    proposed = models.JSONField(_("申请变更内容"))
    previous = models.JSONField(_("变更前"), default=dict)
    reason = models.CharField(_("变更理由"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ChangeRequestStatus.choices,
                              default=ChangeRequestStatus.PENDING)
    requested_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12)  # the institution's

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "institution__operator_id"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("机构信息变更申请")
        verbose_name_plural = _("机构信息变更申请")
        constraints = [
            models.CheckConstraint(condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                                   name="change_request_maker_checker"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} 变更申请 {self.pk}"
