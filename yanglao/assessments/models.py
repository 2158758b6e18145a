"""Ability assessments (GB/T 42195-2022) and historical MZ/T 039-2013 results."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet

from .choices import OPEN_STATES, RESULT_STATES, Reason, RequestedVia, Scale, Status


class Assessment(AuditedModel):
    """One assessment of one person: its request, its two assessors, the 26 item scores, the level
    computed by ``scoring.score`` at submission, its review and its validity.

    A historical MZ/T 039-2013 result is a row with ``scale="mzt039"`` and status ``imported``:
    its level 0–3 is kept in ``mzt_level`` and never in ``level``, so it cannot be read as a
    GB/T level by mistake.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="assessments",
                               verbose_name=_("老年人"))
    division_code = models.CharField(_("居住社区"), max_length=12)  # the person's, for scope and audit
    scale = models.CharField(_("评估标准"), max_length=10, choices=Scale.choices, default=Scale.GBT42195)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REQUESTED)

    # The request
    reason = models.CharField(_("评估原因"), max_length=20, choices=Reason.choices, default=Reason.FIRST)
    requested_via = models.CharField(_("申请途径"), max_length=16, choices=RequestedVia.choices,
                                     default=RequestedVia.STAFF)
    requested_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("申请登记人"))
    requesting_organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, null=True,
                                                blank=True, related_name="+", verbose_name=_("申请机构"))
    request_note = models.CharField(_("申请说明"), max_length=200, blank=True)
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("上次评估结果"))

    # Scheduling
    assessor_1 = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("评估员一"))
    assessor_2 = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("评估员二"))
    scheduled_on = models.DateField(_("预约日期"), null=True, blank=True)
    place = models.CharField(_("评估地点"), max_length=200, blank=True)

    # What the assessors recorded
    items = models.JSONField(_("各项评分"), default=dict, blank=True)
    coma = models.BooleanField(_("昏迷"), default=False)
    diagnoses = models.JSONField(_("疾病诊断（ICD-10）"), default=list, blank=True)
    psychiatrist_diagnosed = models.BooleanField(_("精神和行为障碍经精神科医师诊断"), default=True)
    risk_events = models.JSONField(_("近30天照护风险事件"), default=list, blank=True)
    assessed_on = models.DateField(_("评估日期"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    # Computed by scoring.score at submission, never typed in
    total = models.PositiveSmallIntegerField(_("总分"), null=True, blank=True)
    indicators = models.JSONField(_("一级指标得分"), default=dict, blank=True)
    base_level = models.PositiveSmallIntegerField(_("初步等级"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("能力等级"), null=True, blank=True)
    rules_applied = models.JSONField(_("等级变更依据"), default=list, blank=True)

    # Review
    reviewer = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("审核人"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    rejection_reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    approved_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    cancelled_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)

    # Historical MZ/T 039-2013 results
    mzt_level = models.PositiveSmallIntegerField(_("MZ/T 039-2013 等级"), null=True, blank=True)
    source = models.CharField(_("评估机构/来源"), max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "requesting_organisation"

    @classmethod
    def scope_organisation_q(cls, organisation_id: int) -> Q:
        """An organisation sees an assessment it requested only while the person has applied to or lives
        in one of its institutions (health data follow the care relationship, not the attribution)."""
        from .selectors import organisation_people

        return Q(requesting_organisation_id=organisation_id) & organisation_people(organisation_id, field="person_id")

    # Health data: the log says that it changed, never the values.
    audit_sensitive_fields = ("items", "diagnoses", "risk_events", "coma", "psychiatrist_diagnosed")

    class Meta:
        verbose_name = _("能力评估")
        verbose_name_plural = _("能力评估")
        indexes = [
            models.Index(fields=["division_code"], name="assessment_division", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["person", "scale", "status", "valid_from"], name="assessment_person_result"),
            models.Index(fields=["status", "valid_until"], name="assessment_status_validity"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(assessor_1=F("assessor_2")), name="assessment_assessors_differ"),
            models.CheckConstraint(
                condition=~Q(reviewer=F("assessor_1")) & ~Q(reviewer=F("assessor_2")),
                name="assessment_reviewer_not_assessor",
            ),
            models.CheckConstraint(condition=Q(level__isnull=True) | Q(level__lte=4), name="assessment_level_0_4"),
            models.CheckConstraint(condition=Q(base_level__isnull=True) | Q(base_level__lte=4),
                                   name="assessment_base_level_0_4"),
            models.CheckConstraint(condition=Q(total__isnull=True) | Q(total__lte=90), name="assessment_total_0_90"),
            models.CheckConstraint(
                condition=Q(scale=Scale.GBT42195, mzt_level__isnull=True)
                | Q(scale=Scale.MZT039, mzt_level__lte=3, level__isnull=True, status=Status.IMPORTED),
                name="assessment_scale_levels_apart",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=RESULT_STATES)
                | Q(scale=Scale.GBT42195, level__isnull=False, approved_at__isnull=False, reviewer__isnull=False,
                    valid_from__isnull=False, valid_until__gte=F("valid_from")),
                name="assessment_result_complete",
            ),
            models.UniqueConstraint(fields=["person"], condition=Q(status__in=OPEN_STATES),
                                    name="assessment_one_open_per_person"),
            models.UniqueConstraint(fields=["person", "assessed_on"], condition=Q(scale=Scale.MZT039),
                                    name="assessment_mzt_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"能力评估 #{self.pk}（{self.get_status_display()}）"

    @property
    def is_result(self) -> bool:
        return self.status in RESULT_STATES

    @property
    def is_historical(self) -> bool:
        return self.scale == Scale.MZT039

    @property
    def level_label(self) -> str:
        """How the result is shown: a GB/T level name, or the old scale explicitly labelled."""
        if self.scale == Scale.MZT039:
            return f"MZ/T 039-2013 等级{self.mzt_level}（旧标准）"
        if self.level is None:
            return ""
        from .scoring import level_name

        return f"{self.level}级 · {level_name(self.level)}"

    @property
    def level_name(self) -> str:
        from .scoring import level_name

        return level_name(self.level) if self.level is not None else ""

    def assessor_ids(self) -> set[int]:
        return {pk for pk in (self.assessor_1_id, self.assessor_2_id) if pk}
