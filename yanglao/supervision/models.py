"""综合监管: the inspection item list, the registers, verifiable draws, inspections, the working-day calendar,
fire-safety handling, complaints and credit records."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet


class ItemKind(models.TextChoices):
    GENERAL = "general", _("一般检查事项")
    KEY = "key", _("重点检查事项")


class TargetKind(models.TextChoices):
    INSTITUTION = "institution", _("养老机构")
    PROVIDER = "provider", _("居家社区服务商")
    FACILITY = "facility", _("社区养老服务设施")


class ConflictKind(models.TextChoices):
    FORMER_EMPLOYER = "former_employer", _("曾在该单位任职")
    RELATIVE = "relative", _("近亲属在该单位")
    RECENT = "recent", _("近12个月检查过该对象")
    OTHER = "other", _("其他利害关系")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SEEDED = "seeded", _("已公布随机种子")
    DRAWN = "drawn", _("已抽取")
    PUBLISHED = "published", _("已公布")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("待检查")
    IN_PROGRESS = "in_progress", _("检查中")
    RECTIFYING = "rectifying", _("整改中")
    CLOSED = "closed", _("已办结")


class Conclusion(models.TextChoices):
    NONE = "", _("—")
    COMPLIANT = "compliant", _("未发现问题")
    RECTIFY = "rectify", _("发现问题，责令整改")
    PENALTY = "penalty", _("发现问题，移交处罚")
    NOT_FOUND = "not_found", _("未发现检查对象（经营异常）")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    DONE = "done", _("已整改")


class FireCaseStatus(models.TextChoices):
    OPEN = "open", _("处置中")
    RESOLVED = "resolved", _("已办结")


class ComplaintCategory(models.TextChoices):
    ABUSE = "abuse", _("欺老虐老")
    FUNDRAISING = "fundraising", _("非法集资")
    FALSE_AD = "false_ad", _("保健品虚假宣传")
    SERVICE = "service", _("服务质量")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    REFERRED = "referred", _("已移交")
    CLOSED = "closed", _("已办结")


class CreditKind(models.TextChoices):
    FILING = "filing", _("备案/许可")
    PENALTY = "penalty", _("行政处罚")
    INSPECTION = "inspection", _("抽查检查结果")
    JOINT_PUNISHMENT = "joint_punishment", _("联合惩戒名单")
    COMMENDATION = "commendation", _("表彰奖励")


class InspectionItem(AuditedModel):
    code = models.CharField(_("事项编码"), max_length=16, unique=True)
    name = models.CharField(_("检查事项"), max_length=128)
    legal_basis = models.TextField(_("检查依据"))
    department = models.CharField(_("检查主体（部门）"), max_length=64)
    method = models.CharField(_("检查方式"), max_length=64)
    kind = models.CharField(_("事项类别"), max_length=8, choices=ItemKind.choices, default=ItemKind.GENERAL)
    max_ratio_percent = models.PositiveSmallIntegerField(_("一般事项抽查比例上限（%）"), default=30)
    target_kinds = models.JSONField(_("检查对象类型"), default=list)
    checklist = models.JSONField(_("检查要点"), default=list)
    active = models.BooleanField(_("在用"), default=True)
    division_code = models.CharField(max_length=12, default="4417")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["code"]
        verbose_name = _("随机抽查事项")
        verbose_name_plural = _("随机抽查事项清单")
        constraints = [models.CheckConstraint(condition=Q(max_ratio_percent__gte=1, max_ratio_percent__lte=100),
                                              name="item_ratio_in_range")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Target(AuditedModel):
    """An entry of the register of inspection targets (检查对象名录库)."""

    kind = models.CharField(_("对象类型"), max_length=12, choices=TargetKind.choices)
    name = models.CharField(_("名称"), max_length=128)
    reg_no = models.CharField(_("登记号（统一社会信用代码）"), max_length=32, unique=True)
    division_code = models.CharField(_("所在区划"), max_length=12)
    institution = models.OneToOneField("institutions.Institution", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="supervision_target")
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="supervision_targets")
    complaints = models.PositiveSmallIntegerField(_("近两年查实投诉数"), default=0)
    violations = models.PositiveSmallIntegerField(_("近两年违法违规次数"), default=0)
    active = models.BooleanField(_("在册"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["reg_no"]
        verbose_name = _("检查对象")
        verbose_name_plural = _("检查对象名录")
        indexes = [models.Index(fields=["division_code"], name="sv_target_division", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    @property
    def weight(self) -> int:
        """Draw weight: 1, +1 per substantiated complaint and +2 per violation, each counted up to 3."""
        return 1 + min(self.complaints, 3) + 2 * min(self.violations, 3)


class Inspector(AuditedModel):
    """An entry of the register of law-enforcement inspectors (执法检查人员名录库)."""

    code = models.CharField(_("执法证号"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=32)
    department = models.CharField(_("所属部门"), max_length=64)
    division_code = models.CharField(_("所属区划"), max_length=12, default="4417")
    user = models.OneToOneField("core.User", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="inspector_entry")
    active = models.BooleanField(_("在册"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["department", "code"]
        verbose_name = _("执法检查人员")
        verbose_name_plural = _("执法检查人员名录")

    def __str__(self) -> str:
        return f"{self.name}（{self.department}）"


class Conflict(AuditedModel):
    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="conflicts")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(_("回避事由"), max_length=16, choices=ConflictKind.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12, default="4417")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("回避情形")
        verbose_name_plural = _("回避情形")
        constraints = [models.UniqueConstraint(fields=["inspector", "target", "kind"], name="conflict_once")]

    def __str__(self) -> str:
        return f"{self.inspector.name} · {self.target.name}（{self.get_kind_display()}）"


class DrawPlan(AuditedModel):
    title = models.CharField(_("抽查计划"), max_length=128)
    period = models.CharField(_("抽查期间"), max_length=16, help_text=_("如 2026年第4季度"))
    items = models.ManyToManyField(InspectionItem, verbose_name=_("抽查事项"), related_name="plans")
    ratio_percent = models.PositiveSmallIntegerField(_("抽查比例（%）"))
    min_ratio_percent = models.PositiveSmallIntegerField(_("最低抽查比例（%）"), default=5)
    departments = models.JSONField(_("参加部门"), default=list)
    inspectors_per_target = models.PositiveSmallIntegerField(_("每个对象检查人员数"), default=2)
    status = models.CharField(_("状态"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    seed = models.CharField(_("随机种子"), max_length=128, blank=True)
    seed_source = models.CharField(_("种子来源"), max_length=200, blank=True)
    seed_announced_at = models.DateTimeField(_("种子公布时间"), null=True, blank=True)
    division_code = models.CharField(max_length=12, default="4417")
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("抽查计划")
        verbose_name_plural = _("抽查计划")
        constraints = [
            models.CheckConstraint(condition=Q(ratio_percent__gte=1, ratio_percent__lte=100), name="plan_ratio_in_range"),
            models.CheckConstraint(condition=Q(inspectors_per_target__gte=2), name="plan_two_inspectors_at_least"),
            models.CheckConstraint(condition=Q(status="draft") | ~Q(seed="") & Q(seed_announced_at__isnull=False),
                                   name="plan_seed_before_draw"),
        ]

    def __str__(self) -> str:
        return self.title


class DrawRecord(AuditedModel):
    """The stored record of one draw: seed, registers and their hashes, algorithm version and result."""

    plan = models.OneToOneField(DrawPlan, on_delete=models.PROTECT, related_name="record")
    algorithm = models.CharField(_("算法版本"), max_length=8)
    document = models.JSONField(_("抽取记录"))
    targets_hash = models.CharField(_("检查对象名录哈希"), max_length=64)
    inspectors_hash = models.CharField(_("检查人员名录哈希"), max_length=64)
    result_hash = models.CharField(_("结果哈希"), max_length=64)
    drawn_at = models.DateTimeField(_("抽取时间"))
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    division_code = models.CharField(max_length=12, default="4417")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    audit_exclude_fields = ("created_at", "updated_at", "version", "document")

    class Meta:
        verbose_name = _("抽取记录")
        verbose_name_plural = _("抽取记录")

    def __str__(self) -> str:
        return f"{self.plan.title}（{self.algorithm}）"


class Inspection(AuditedModel):
    plan = models.ForeignKey(DrawPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="inspections")
    item = models.ForeignKey(InspectionItem, on_delete=models.PROTECT, related_name="inspections")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="inspections")
    inspectors = models.ManyToManyField(Inspector, related_name="inspections", verbose_name=_("检查人员"))
    on_site = models.BooleanField(_("现场检查"), default=True)
    status = models.CharField(_("状态"), max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED)
    started_on = models.DateField(_("检查开始日期"), null=True, blank=True)
    ended_on = models.DateField(_("检查结束日期"), null=True, blank=True)
    checklist = models.JSONField(_("检查要点结果"), default=dict)
    conclusion = models.CharField(_("检查结果"), max_length=12, choices=Conclusion.choices, blank=True, default="")
    publish_due = models.DateField(_("公示期限"), null=True, blank=True)
    published_at = models.DateTimeField(_("公示时间"), null=True, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        constraints = [
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(started_on__isnull=False)
                                   & Q(ended_on__gte=models.F("started_on")), name="inspection_dates_in_order"),
            models.UniqueConstraint(fields=["plan", "item", "target"], name="inspection_once_per_plan_item_target"),
        ]
        indexes = [models.Index(fields=["division_code"], name="sv_inspection_division", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.target.name} · {self.item.name}"


class Finding(AuditedModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    description = models.TextField(_("发现问题"))
    photo = models.FileField(_("现场照片"), upload_to="supervision/photos/%Y/%m/", blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    audit_exclude_fields = ("created_at", "updated_at", "version", "photo")  # the file, not a value to diff

    class Meta:
        ordering = ["pk"]
        verbose_name = _("检查发现")
        verbose_name_plural = _("检查发现")

    def __str__(self) -> str:
        return f"检查发现：{self.description[:30]}"


class Rectification(AuditedModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="rectifications")
    requirement = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=8, choices=RectificationStatus.choices, default=RectificationStatus.OPEN)
    follow_up = models.TextField(_("复查情况"), blank=True)
    followed_up_on = models.DateField(_("复查日期"), null=True, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")

    def __str__(self) -> str:
        return f"整改通知：{self.requirement[:30]}（{self.deadline:%Y-%m-%d}）"


class CalendarDay(AuditedModel):
    """An exception to Monday–Friday: a holiday on a weekday or an adjusted working day (调休上班) at a weekend."""

    day = models.DateField(_("日期"), unique=True)
    is_working = models.BooleanField(_("工作日"))
    name = models.CharField(_("名称"), max_length=32, blank=True)
    source = models.CharField(_("来源"), max_length=32, default="manual")

    class Meta:
        ordering = ["day"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("工作日历")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}"


class CalendarYear(AuditedModel):
    """A year whose holidays are entered (by the seed from chinese-calendar or by an administrator)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    source = models.CharField(_("来源"), max_length=64)
    document_no = models.CharField(_("依据文件"), max_length=64, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")

    def __str__(self) -> str:
        return f"{self.year}年"


class FireSafetyCase(AuditedModel):
    """An institution meeting the fire-safety requirements but lacking its paperwork, and its handling (YJ-T 37)."""

    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="fire_cases")
    meets_requirements = models.BooleanField(_("经评估符合消防安全要求"), default=True)
    missing_paperwork = models.CharField(_("缺少的手续"), max_length=128)
    handling = models.TextField(_("处置措施"))
    deadline = models.DateField(_("办结期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=FireCaseStatus.choices, default=FireCaseStatus.OPEN)
    resolved_on = models.DateField(_("办结日期"), null=True, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["status", "deadline"]
        verbose_name = _("消防手续处置")
        verbose_name_plural = _("消防手续处置")

    def __str__(self) -> str:
        return f"消防手续处置：{self.institution.name}"


class Complaint(AuditedModel):
    number = models.CharField(_("受理编号"), max_length=20, unique=True)
    category = models.CharField(_("类别"), max_length=12, choices=ComplaintCategory.choices)
    received_on = models.DateField(_("受理日期"))
    channel = models.CharField(_("来源渠道"), max_length=32)
    summary = models.TextField(_("投诉内容"))
    target = models.ForeignKey(Target, on_delete=models.PROTECT, null=True, blank=True, related_name="complaint_set",
                               verbose_name=_("被投诉对象"))
    subject_name = models.CharField(_("被投诉单位或个人"), max_length=128, blank=True)
    referred_to = models.CharField(_("移交部门"), max_length=64, blank=True)
    referred_on = models.DateField(_("移交日期"), null=True, blank=True)
    outcome = models.TextField(_("处理结果"), blank=True)
    substantiated = models.BooleanField(_("查实"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    division_code = models.CharField(_("所在区划"), max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")

    def __str__(self) -> str:
        return self.number


class CreditEntry(AuditedModel):
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="credit_entries")
    kind = models.CharField(_("类别"), max_length=20, choices=CreditKind.choices)
    title = models.CharField(_("事项"), max_length=200)
    document_no = models.CharField(_("文书号"), max_length=64, blank=True)
    authority = models.CharField(_("认定机关"), max_length=64)
    decided_on = models.DateField(_("决定日期"))
    valid_until = models.DateField(_("公示截止"), null=True, blank=True)
    public = models.BooleanField(_("向社会公示"), default=True)
    inspection = models.OneToOneField(Inspection, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="credit_entry")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")

    def __str__(self) -> str:
        return self.title
