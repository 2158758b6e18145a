"""Regular visits to older people in special difficulty (定期探访关爱).

Who is due comes from the registry through `VisitTier` rules (data, per county with a city default);
`Visit` rows are the plan of a month (one row per visit due, generated set-based, idempotent by
person + month + sequence); `VisitRecord` is what the visitor found; `Referral` follows what the visit
asked for until it is closed."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet


class VisitTier(AuditedModel):
    """One rule of who is visited and how often. The county's rules valid on a day replace the city
    default (division_code "4417") entirely when the county has any; the first rule by rank a person
    matches gives their tier. Within a rule, every criterion filled in must hold (AND), and within a
    criterion any listed value will do (OR); a rule with no criterion matches nobody."""

    division_code = models.CharField(_("适用区划"), max_length=12)  # the city (default) or a county
    rank = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("探访等级"), max_length=32)
    living_situations = models.JSONField(_("居住状况（任一）"), default=list, blank=True)
    categories = models.JSONField(_("人员类别（任一）"), default=list, blank=True)
    min_care_level = models.PositiveSmallIntegerField(_("能力等级不低于"), null=True, blank=True)
    visits_per_month = models.PositiveSmallIntegerField(_("每月探访次数"), default=1)
    interval_months = models.PositiveSmallIntegerField(_("每几个月探访一轮"), default=1)
    change_within_hours = models.PositiveSmallIntegerField(_("重大变故后几小时内探访"), null=True, blank=True)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    document_no = models.CharField(_("依据文件"), max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["division_code", "rank", "id"]
        verbose_name = _("探访对象规则")
        verbose_name_plural = _("探访对象规则")
        constraints = [
            models.CheckConstraint(condition=Q(visits_per_month__gte=1, visits_per_month__lte=8),
                                   name="visit_tier_visits_1_8"),
            models.CheckConstraint(condition=Q(interval_months__in=[1, 2, 3, 6, 12]), name="visit_tier_interval"),
            models.CheckConstraint(condition=Q(min_care_level__isnull=True) | Q(min_care_level__lte=4),
                                   name="visit_tier_level_0_4"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="visit_tier_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.name}"

    @property
    def criteria(self) -> list[str]:
        """The rule in words: 居住状况：独居/空巢 · 人员类别：特困供养 · 能力等级 ≥ 2."""
        from yanglao.core.dictionaries import dictionary_label

        parts = []
        if self.living_situations:
            parts.append("居住状况：" + "/".join(dictionary_label("living_situation", x) for x in self.living_situations))
        if self.categories:
            parts.append("人员类别：" + "/".join(dictionary_label("person_category", x) for x in self.categories))
        if self.min_care_level is not None:
            parts.append(f"能力等级 ≥ {self.min_care_level}")
        return parts

    @property
    def frequency_text(self) -> str:
        if self.interval_months == 1:
            return "每周" if self.visits_per_month >= 4 else f"每月 {self.visits_per_month} 次"
        return f"每 {self.interval_months} 个月 {self.visits_per_month} 次"


class VisitorKind(models.TextChoices):
    COMMUNITY_WORKER = "community_worker", _("村（社区）工作人员")
    VOLUNTEER = "volunteer", _("志愿者")
    SOCIAL_WORKER = "social_worker", _("社会工作者")


class Visitor(AuditedModel):
    """Someone who visits: a community worker, a volunteer or a social worker, bound to a community.
    `user` is their console account (their list on a phone); `supervisor` sees their overdue visits."""

    name = models.CharField(_("姓名"), max_length=32)
    kind = models.CharField(_("类型"), max_length=20, choices=VisitorKind.choices)
    division_code = models.CharField(_("所属社区"), max_length=12)
    user = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="visitor_profiles",
                             verbose_name=_("系统账号"))
    supervisor = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("督导人"))
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    active = models.BooleanField(_("在岗"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["division_code", "name", "id"]
        verbose_name = _("探访人员")
        verbose_name_plural = _("探访人员")
        indexes = [models.Index(fields=["division_code", "active"], name="visitor_community")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class VisitConsent(AuditedModel):
    """The person's answer to being visited. Without one, the person is visited (the guidance asks for
    proactive visits) and the worker's list says the consent is still to be asked; a refusal takes them
    out of the plans from the next generated month."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="visit_consent")
    agreed = models.BooleanField(_("同意探访"))
    recorded_on = models.DateField(_("登记日期"))
    recorded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    signed_by = models.CharField(_("签字人"), max_length=32, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("探访同意")
        verbose_name_plural = _("探访同意")

    def __str__(self) -> str:
        return f"{'同意' if self.agreed else '拒绝'}探访（{self.recorded_on}）"


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("待探访")
    DONE = "done", _("已探访")
    MISSED = "missed", _("未探访")


class MissedReason(models.TextChoices):
    NOT_HOME = "not_home", _("多次上门不在家")
    UNREACHABLE = "unreachable", _("电话联系不上")
    HOSPITAL = "hospital", _("住院治疗")
    AWAY = "away", _("外出探亲或随子女暂住")
    REFUSED = "refused", _("本人或家属拒绝")
    MOVED = "moved", _("已迁出或入住机构")
    DECEASED = "deceased", _("已去世")
    WORKER_ABSENT = "worker_absent", _("探访人员未能完成")
    OTHER = "other", _("其他")


class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("定期探访")
    CHANGE = "change", _("重大变故后探访")


class Visit(AuditedModel):
    """One visit due: the plan row of a month. `seq` numbers a person's visits in the month (weekly = 1–4;
    ad-hoc visits after a major change start at 100), so re-running a month's plan adds nothing."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="visits")
    month = models.DateField(_("月份"))  # the first of the month
    seq = models.PositiveSmallIntegerField(_("本月第几次"))
    kind = models.CharField(_("类型"), max_length=10, choices=VisitKind.choices, default=VisitKind.ROUTINE)
    tier_name = models.CharField(_("探访等级"), max_length=32)
    due_date = models.DateField(_("应探访日期"))
    due_by = models.DateTimeField(_("最迟探访时间"), null=True, blank=True)  # change visits: within N hours
    visitor = models.ForeignKey(Visitor, on_delete=models.PROTECT, null=True, blank=True, related_name="visits",
                                verbose_name=_("探访人员"))
    status = models.CharField(_("状态"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    missed_reason = models.CharField(_("未探访原因"), max_length=16, choices=MissedReason.choices, blank=True)
    missed_note = models.CharField(_("原因说明"), max_length=200, blank=True)
    change_note = models.CharField(_("变故情况"), max_length=200, blank=True)
    division_code = models.CharField(_("居住社区"), max_length=12)  # the person's, for scope and rates

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("探访计划")
        verbose_name_plural = _("探访计划")
        indexes = [
            models.Index(fields=["month", "division_code"], name="visit_month_division",
                         opclasses=["date_ops", "varchar_pattern_ops"]),
            models.Index(fields=["visitor", "status", "due_date"], name="visit_visitor_list"),
            models.Index(fields=["status", "due_date"], name="visit_status_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "month", "seq"], name="visit_once_per_person_month_seq"),
            models.CheckConstraint(condition=~Q(status="missed") | ~Q(missed_reason=""), name="visit_missed_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月} 第{self.seq}次探访"


class VisitMethod(models.TextChoices):
    HOME = "home", _("上门探访")
    PHONE = "phone", _("电话探访")
    VIDEO = "video", _("视频探访")
    REMOTE = "remote", _("智能设备远程监测")
    OTHER = "other", _("其他")


class Risk(models.TextChoices):
    FALL = "fall", _("跌倒风险")
    ILLNESS = "illness", _("疾病未得到治疗")
    NO_CARE = "no_care", _("无人照料")
    FOOD = "food", _("饮食无保障")
    HOUSING = "housing", _("住房安全隐患")
    FIRE_GAS = "fire_gas", _("用火用电用气隐患")
    FRAUD = "fraud", _("诈骗风险")
    MENTAL = "mental", _("情绪低落或精神异常")
    ABUSE = "abuse", _("疑似虐待或遗弃")


class VisitRecord(AuditedModel):
    """What the visitor found. Health, economic and safety situation are sensitive: every page that
    shows them records a view in the audit log, and the log keeps only that they changed."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="record")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="visit_records")
    visitor = models.ForeignKey(Visitor, on_delete=models.PROTECT, null=True, blank=True, related_name="records",
                                verbose_name=_("探访人员"))
    recorded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人"))
    method = models.CharField(_("探访方式"), max_length=10, choices=VisitMethod.choices)
    visited_at = models.DateTimeField(_("探访时间"))
    health = models.TextField(_("健康状况"), max_length=500, blank=True)
    economic = models.TextField(_("经济状况"), max_length=500, blank=True)
    safety = models.TextField(_("安全状况"), max_length=500, blank=True)
    living_conditions = models.TextField(_("居住环境"), max_length=500, blank=True)
    needs = models.TextField(_("发现的需求"), max_length=500, blank=True)
    risks = models.JSONField(_("风险提示"), default=list, blank=True)
    photo = models.CharField(_("照片"), max_length=200, blank=True)  # a path under MEDIA_ROOT/visits/
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    audit_sensitive_fields = ("health", "economic", "safety", "living_conditions", "needs", "risks")

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("探访记录")
        verbose_name_plural = _("探访记录")
        indexes = [models.Index(fields=["person", "visited_at"], name="visit_record_person")]

    def __str__(self) -> str:
        return f"探访记录 {self.pk}（{self.visited_at:%Y-%m-%d}）"

    def risk_labels(self) -> list[str]:
        labels = dict(Risk.choices)
        return [str(labels.get(r, r)) for r in self.risks]


class ReferralKind(models.TextChoices):
    SERVICE_ORDER = "service_order", _("居家养老服务工单")
    SUBSIDY = "subsidy", _("补贴申请")
    ASSESSMENT = "assessment", _("能力评估")
    EMERGENCY = "emergency", _("紧急救助")


class ReferralStatus(models.TextChoices):
    OPEN = "open", _("待受理")
    ACCEPTED = "accepted", _("办理中")
    CLOSED = "closed", _("已办结")
    CANCELLED = "cancelled", _("已撤销")


REFERRAL_OPEN_STATES = [ReferralStatus.OPEN, ReferralStatus.ACCEPTED]


class Referral(AuditedModel):
    """What a visit asked for, followed until closed: opened → accepted (办理中) → closed with its outcome
    (or cancelled with a reason). An emergency is due the same day, the others within `due_date`."""

    record = models.ForeignKey(VisitRecord, on_delete=models.PROTECT, related_name="referrals")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="visit_referrals")
    kind = models.CharField(_("转介类型"), max_length=16, choices=ReferralKind.choices)
    description = models.CharField(_("转介事项"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.OPEN)
    due_date = models.DateField(_("办理期限"))
    opened_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("转介人"))
    handled_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("办理人"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    outcome = models.CharField(_("办理结果"), max_length=300, blank=True)
    linked_assessment = models.ForeignKey("assessments.Assessment", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("评估申请"))
    linked_order = models.ForeignKey("homecare.ServiceOrder", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("服务工单"))
    linked_enrolment = models.ForeignKey("benefits.Enrolment", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("补贴申请"))
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-id"]
        verbose_name = _("探访转介")
        verbose_name_plural = _("探访转介")
        indexes = [models.Index(fields=["status", "due_date"], name="referral_status_due")]
        constraints = [
            models.CheckConstraint(condition=~Q(status__in=["closed", "cancelled"])
                                   | (Q(closed_at__isnull=False) & ~Q(outcome="")), name="referral_closed_has_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}转介 {self.pk}"
