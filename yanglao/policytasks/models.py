"""The city's policy tasks (政策任务督办): the 40 tasks of the task table, who answers for each, their progress
reports and the lead unit's consolidated report per month. Status is computed (selectors.STATUS), never stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet

CITY_CODE = "4417"


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("正常推进")
    DUE_SOON = "due_soon", _("临近到期")
    OVERDUE = "overdue", _("已逾期")
    DONE = "done", _("已完成")
    CONTINUING = "continuing", _("持续实施")


class Task(AuditedModel):
    """One row of the task table, as parsed from the policy text (parser.py); `revised_due` is the bureau's
    adjusted deadline (with its reason), the policy's own date stays in `due_date`."""

    number = models.PositiveSmallIntegerField(_("序号"), unique=True)
    measure_no = models.PositiveSmallIntegerField(_("措施序号"))
    measure = models.CharField(_("工作措施"), max_length=100)
    measure_cell = models.CharField(_("表中工作措施"), max_length=100, blank=True)
    title = models.CharField(_("工作任务"), max_length=300)
    requirement = models.TextField(_("工作要求"), max_length=2000)
    units_text = models.CharField(_("责任单位（原文）"), max_length=500)
    deadline_text = models.CharField(_("时间进度（原文）"), max_length=100, blank=True)
    due_date = models.DateField(_("完成时限"), null=True, blank=True)
    continuing = models.BooleanField(_("持续实施"), default=False)
    parse_notes = models.CharField(_("解析提示"), max_length=300, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    revised_due = models.DateField(_("调整后时限"), null=True, blank=True)
    revised_reason = models.CharField(_("调整理由"), max_length=300, blank=True)
    lead = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("牵头单位"))
    progress = models.PositiveSmallIntegerField(_("总体进度（%）"), default=0)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    last_consolidated_on = models.DateField(_("最近汇总日期"), null=True, blank=True)
    division_code = models.CharField(max_length=12, default=CITY_CODE)

    class Meta:
        ordering = ["number"]
        verbose_name = _("政策任务")
        verbose_name_plural = _("政策任务")
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="policytask_progress_le_100"),
            models.CheckConstraint(condition=models.Q(revised_due__isnull=True) | ~models.Q(revised_reason=""),
                                   name="policytask_revision_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def effective_due(self):  # type: ignore[no-untyped-def]
        return self.revised_due or self.due_date

    @property
    def flagged(self) -> bool:
        return bool(self.parse_notes)


class Assignment(AuditedModel):
    """A unit answering for a task: the lead or a co-responsible unit. "各县（市、区）人民政府" is one assignment per
    county government (division_code = the county), reported by that county's staff."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="policy_assignments",
                                     verbose_name=_("责任单位"))
    is_lead = models.BooleanField(_("牵头"), default=False)
    division_code = models.CharField(max_length=12)
    percent = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    last_reported_on = models.DateField(_("最近报送"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "organisation_id"

    class Meta:
        ordering = ["task__number", "-is_lead", "organisation__division_code", "pk"]
        verbose_name = _("任务分工")
        verbose_name_plural = _("任务分工")
        constraints = [
            models.UniqueConstraint(fields=["task", "organisation"], name="policyassignment_task_unit"),
            models.UniqueConstraint(fields=["task"], condition=models.Q(is_lead=True), name="policyassignment_one_lead"),
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="policyassignment_percent_le_100"),
        ]
        indexes = [models.Index(fields=["division_code"], name="policyassign_division",
                                opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.task.number}. {self.organisation.name}"


class ProgressReport(AuditedModel):
    """What a unit reports on its part of a task: text, a percentage, the date, attachments."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="reports")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="reports")
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=12)
    period = models.DateField(_("报送月份"))  # the first day of the month reported on
    reported_on = models.DateField(_("报送日期"))
    percent = models.PositiveSmallIntegerField(_("进度（%）"))
    text = models.TextField(_("进展情况"), max_length=2000)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf = models.BooleanField(_("代录"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "organisation_id"

    class Meta:
        ordering = ["-reported_on", "-pk"]
        verbose_name = _("进展报送")
        verbose_name_plural = _("进展报送")
        constraints = [models.CheckConstraint(condition=models.Q(percent__lte=100), name="policyreport_percent_le_100")]
        indexes = [models.Index(fields=["task", "reported_on"], name="policyreport_task_day")]


class Attachment(AuditedModel):
    """A document attached to a report (PDF, image, Word or Excel), checked by its content, kept in the database."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(max_length=80)
    size = models.PositiveIntegerField()
    content = models.BinaryField()
    division_code = models.CharField(max_length=12)
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "organisation_id"
    audit_exclude_fields = ("created_at", "updated_at", "version", "content")

    class Meta:
        ordering = ["pk"]
        verbose_name = _("报送附件")
        verbose_name_plural = _("报送附件")

    def __str__(self) -> str:
        return self.filename


class Consolidation(AuditedModel):
    """The lead unit's consolidated report on a task for one month (汇总): one per task and month."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="consolidations")
    period = models.DateField(_("汇总月份"))
    reported_on = models.DateField(_("汇总日期"))
    percent = models.PositiveSmallIntegerField(_("总体进度（%）"))
    completed = models.BooleanField(_("已完成时限目标"), default=False)
    text = models.TextField(_("汇总情况"), max_length=4000)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=12, default=CITY_CODE)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "organisation_id"

    class Meta:
        ordering = ["-period", "-pk"]
        verbose_name = _("汇总报告")
        verbose_name_plural = _("汇总报告")
        constraints = [
            models.UniqueConstraint(fields=["task", "period"], name="policyconsolidation_task_period"),
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="policyconsolidation_percent_le_100"),
            models.CheckConstraint(condition=models.Q(completed=False) | models.Q(percent=100),
                                   name="policyconsolidation_completed_is_100"),
        ]
