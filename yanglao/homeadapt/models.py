"""Home adaptations (居家适老化改造), assistive devices (康复辅助器具) and family care beds (家庭照护床位).

Money is integer fen (分) with CHECK constraints; every record copies the person's division code for
scope (core/scope.restrict) and is audited through AuditedModel's signals.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet

# --------------------------------------------------------------------------- home adaptations


class AdaptationItem(AuditedModel):
    """One item of the configurable list (改造项目清单) with its standard price, edited by the city."""

    code = models.SlugField(_("项目代码"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=64)
    group = models.CharField(_("类别"), max_length=32)
    unit = models.CharField(_("单位"), max_length=8)
    price_fen = models.PositiveIntegerField(_("单价（分）"))
    spec = models.CharField(_("规格与要求"), max_length=200, blank=True)
    active = models.BooleanField(_("在用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("改造项目")
        verbose_name_plural = _("改造项目")
        constraints = [models.CheckConstraint(condition=Q(price_fen__gt=0), name="adaptation_item_price_positive")]

    def __str__(self) -> str:
        return self.name


class SubsidyRule(AuditedModel):
    """Who gets how much of an adaptation paid, as dated data: the first rule (lowest rank) valid on the
    assessment day whose categories the person has (any of them; empty = everyone) applies. The subsidy
    is `percent` of each item's amount, at most `cap_fen` for the whole project."""

    rank = models.PositiveSmallIntegerField(_("优先顺序"))
    name = models.CharField(_("补贴对象"), max_length=64)
    categories = models.JSONField(_("符合任一人员类别"), default=list, blank=True)
    percent = models.PositiveSmallIntegerField(_("补贴比例（%）"))
    cap_fen = models.PositiveIntegerField(_("每户补贴上限（分）"))
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    document_no = models.CharField(_("依据文件"), max_length=120)
    is_demo = models.BooleanField(_("演示数值"), default=False)

    class Meta:
        ordering = ["rank", "-valid_from"]
        verbose_name = _("适老化改造补贴规则")
        verbose_name_plural = _("适老化改造补贴规则")
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="adaptation_rule_percent_0_100"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="adaptation_rule_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.percent}%，{self.valid_from:%Y-%m-%d}起）"

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class ProjectStatus(models.TextChoices):
    APPLIED = "applied", _("申请")
    ASSESSED = "assessed", _("评估")
    CONSTRUCTION = "construction", _("施工")
    AWAITING = "awaiting", _("待验收")
    ACCEPTED = "accepted", _("已验收")
    REJECTED = "rejected", _("不予通过")


class Project(AuditedModel):
    """An adaptation project for one person's home: 申请 → 评估 → 施工 → 待验收 → 已验收 (不予通过; 退回 sends
    a finished project back to 施工 for rework)."""

    number = models.CharField(_("项目编号"), max_length=20, unique=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="adaptation_projects",
                               verbose_name=_("老年人"))
    address = models.CharField(_("改造住址"), max_length=200)
    applied_on = models.DateField(_("申请日期"))
    request = models.CharField(_("申请事项"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.APPLIED)
    assessed_on = models.DateField(_("评估日期"), null=True, blank=True)
    assessor_name = models.CharField(_("评估人员"), max_length=32, blank=True)
    needs = models.TextField(_("需求评估意见"), blank=True)
    rule = models.ForeignKey(SubsidyRule, on_delete=models.PROTECT, null=True, blank=True, related_name="projects",
                             verbose_name=_("补贴规则"))
    rule_name = models.CharField(_("补贴对象"), max_length=64, blank=True)
    total_fen = models.PositiveIntegerField(_("改造金额（分）"), default=0)
    subsidy_fen = models.PositiveIntegerField(_("补贴金额（分）"), default=0)
    contractor = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="adaptation_projects", verbose_name=_("施工单位"))
    started_on = models.DateField(_("开工日期"), null=True, blank=True)
    completed_on = models.DateField(_("完工日期"), null=True, blank=True)
    completion_note = models.CharField(_("完工说明"), max_length=300, blank=True)
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    accepted_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision_note = models.CharField(_("验收或审核意见"), max_length=500, blank=True)
    returns = models.PositiveSmallIntegerField(_("退回整改次数"), default=0)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-applied_on", "-id"]
        verbose_name = _("适老化改造项目")
        verbose_name_plural = _("适老化改造项目")
        indexes = [models.Index(fields=["division_code"], name="adapt_project_division",
                                opclasses=["varchar_pattern_ops"]),
                   models.Index(fields=["status", "applied_on"], name="adapt_project_status")]
        constraints = [
            models.CheckConstraint(condition=Q(subsidy_fen__lte=F("total_fen")), name="adapt_subsidy_within_total"),
            models.UniqueConstraint(fields=["person"], condition=~Q(status__in=["accepted", "rejected"]),
                                    name="one_open_adaptation_per_person"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def self_fen(self) -> int:
        return self.total_fen - self.subsidy_fen


class ProjectLine(AuditedModel):
    """An item of the project at the price of the day it was assessed, with its subsidy."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(AdaptationItem, on_delete=models.PROTECT, related_name="+")
    item_name = models.CharField(_("项目名称"), max_length=64)
    unit = models.CharField(_("单位"), max_length=8)
    unit_price_fen = models.PositiveIntegerField(_("单价（分）"))
    quantity = models.PositiveSmallIntegerField(_("数量"))
    amount_fen = models.PositiveIntegerField(_("金额（分）"))
    subsidy_fen = models.PositiveIntegerField(_("补贴（分）"))
    division_code = models.CharField(max_length=12)

    class Meta:
        ordering = ["id"]
        verbose_name = _("改造明细")
        verbose_name_plural = _("改造明细")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="adapt_line_quantity_positive"),
            models.CheckConstraint(condition=Q(amount_fen=F("unit_price_fen") * F("quantity")),
                                   name="adapt_line_amount_is_price_times_quantity"),
            models.CheckConstraint(condition=Q(subsidy_fen__lte=F("amount_fen")), name="adapt_line_subsidy_within_price"),
            models.UniqueConstraint(fields=["project", "item"], name="adapt_line_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_name} × {self.quantity}"

    @property
    def self_fen(self) -> int:
        return self.amount_fen - self.subsidy_fen


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("改造前")
    AFTER = "after", _("改造后")


class ProjectPhoto(AuditedModel):
    """A photo of the work, checked to be an image (PNG, JPEG or WebP) within the size limit."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("照片类型"), max_length=8, choices=PhotoKind.choices)
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    filename = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    audit_exclude_fields = ("created_at", "updated_at", "version", "content")

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("改造照片")
        verbose_name_plural = _("改造照片")

    def __str__(self) -> str:
        return self.filename


# --------------------------------------------------------------------------- assistive devices


class Device(AuditedModel):
    """A kind of assistive device the county lends or rents out, with its deposit, rent and stock."""

    name = models.CharField(_("器具名称"), max_length=64, unique=True)
    group = models.CharField(_("类别"), max_length=32)
    spec = models.CharField(_("规格"), max_length=100, blank=True)
    deposit_fen = models.PositiveIntegerField(_("押金（分）"), default=0)
    rent_fen = models.PositiveIntegerField(_("月租金（分）"), default=0, help_text=_("0 表示免费借用"))
    stock = models.PositiveIntegerField(_("库存总数"), default=0)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        ordering = ["group", "name"]
        verbose_name = _("康复辅助器具")
        verbose_name_plural = _("康复辅助器具")

    def __str__(self) -> str:
        return self.name


class LoanKind(models.TextChoices):
    LOAN = "loan", _("借用")
    RENTAL = "rental", _("租赁")


class Loan(AuditedModel):
    """A device lent or rented to a person, due back on `due_on`; the rent is charged per started month."""

    number = models.CharField(_("借用单号"), max_length=20, unique=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="device_loans",
                               verbose_name=_("老年人"))
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="loans", verbose_name=_("器具"))
    kind = models.CharField(_("方式"), max_length=8, choices=LoanKind.choices)
    issued_on = models.DateField(_("出借日期"))
    due_on = models.DateField(_("应还日期"))
    returned_on = models.DateField(_("归还日期"), null=True, blank=True)
    deposit_fen = models.PositiveIntegerField(_("押金（分）"))
    rent_fen = models.PositiveIntegerField(_("月租金（分）"))
    rent_charged_fen = models.PositiveIntegerField(_("应收租金（分）"), default=0)
    deduction_fen = models.PositiveIntegerField(_("押金扣除（分）"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("器具借用")
        verbose_name_plural = _("器具借用")
        indexes = [models.Index(fields=["division_code"], name="device_loan_division", opclasses=["varchar_pattern_ops"]),
                   models.Index(fields=["due_on"], name="device_loan_open_due", condition=Q(returned_on__isnull=True))]
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gte=F("issued_on")), name="loan_due_after_issue"),
            models.CheckConstraint(condition=Q(returned_on__isnull=True) | Q(returned_on__gte=F("issued_on")),
                                   name="loan_returned_after_issue"),
            models.CheckConstraint(condition=Q(deduction_fen__lte=F("deposit_fen")), name="loan_deduction_within_deposit"),
            models.CheckConstraint(condition=Q(kind="loan", rent_fen=0) | Q(kind="rental", rent_fen__gt=0),
                                   name="loan_rent_matches_kind"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.returned_on is None

    def overdue_days(self, today: dt.date) -> int:
        return (today - self.due_on).days if self.returned_on is None and self.due_on < today else 0


# --------------------------------------------------------------------------- family care beds


class CareService(models.TextChoices):
    CARE = "care", _("生活照料")
    BATH = "bath", _("助浴")
    NURSING = "nursing", _("康复护理")
    HEALTH = "health", _("健康监测")
    MEDICAL = "medical", _("助医陪诊")
    CLEANING = "cleaning", _("助洁")
    COMFORT = "comfort", _("精神慰藉")


class CareBedStatus(models.TextChoices):
    ACTIVE = "active", _("服务中")
    ENDED = "ended", _("已撤床")


class CareBed(AuditedModel):
    """A home registered as a family care bed, served by an institution with the services and monthly
    visits agreed. The institution's accounts see and serve only their own beds."""

    number = models.CharField(_("床位编号"), max_length=20, unique=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="care_beds",
                               verbose_name=_("老年人"))
    address = models.CharField(_("床位地址"), max_length=200)
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="family_beds",
                                    verbose_name=_("服务机构"))
    services = models.JSONField(_("约定服务"), default=list)
    visits_per_month = models.PositiveSmallIntegerField(_("每月约定服务次数"))
    started_on = models.DateField(_("建床日期"))
    ended_on = models.DateField(_("撤床日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=CareBedStatus.choices, default=CareBedStatus.ACTIVE)
    end_reason = models.CharField(_("撤床原因"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "institution__operator_id"

    class Meta:
        ordering = ["division_code", "number"]
        verbose_name = _("家庭照护床位")
        verbose_name_plural = _("家庭照护床位")
        indexes = [models.Index(fields=["division_code"], name="care_bed_division", opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.CheckConstraint(condition=Q(visits_per_month__gte=1) & Q(visits_per_month__lte=62),
                                   name="care_bed_visits_1_to_62"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                                   name="care_bed_dates_in_order"),
            models.UniqueConstraint(fields=["person"], condition=Q(status="active"), name="one_active_care_bed_per_person"),
        ]

    def __str__(self) -> str:
        return self.number

    def service_labels(self) -> str:
        labels = dict(CareService.choices)
        return "、".join(str(labels.get(s, s)) for s in self.services)


class ServiceRecord(AuditedModel):
    """One visit to a family care bed, logged by the serving institution's staff."""

    bed = models.ForeignKey(CareBed, on_delete=models.PROTECT, related_name="records")
    served_on = models.DateField(_("服务日期"))
    service = models.CharField(_("服务内容"), max_length=12, choices=CareService.choices)
    minutes = models.PositiveSmallIntegerField(_("服务时长（分钟）"))
    carer = models.CharField(_("服务人员"), max_length=32)
    note = models.CharField(_("服务记录"), max_length=300, blank=True)
    recorded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "bed__institution__operator_id"

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("床位服务记录")
        verbose_name_plural = _("床位服务记录")
        indexes = [models.Index(fields=["bed", "served_on"], name="care_record_bed_day")]
        constraints = [models.CheckConstraint(condition=Q(minutes__gte=5) & Q(minutes__lte=600),
                                              name="care_record_minutes_5_600")]

    def __str__(self) -> str:
        return f"{self.bed_id} {self.served_on:%Y-%m-%d}"
