"""The records of bulk actions (core/bulkactions.py): one job per confirmed action, one line per record.

A job's lines are written when the action is confirmed (the selection, re-run on the server and
scoped, is fixed then); the worker fills in each line's outcome. A line has one outcome, set once:
a re-run of the job (after its worker died) only works on the lines still pending, so a record is
never done twice by the same job.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .scope import ScopedQuerySet


class BulkStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("中断")


class BulkOutcome(models.TextChoices):
    PENDING = "pending", _("待处理")
    DONE = "done", _("成功")
    SKIPPED = "skipped", _("已办理过，未重复")
    REFUSED = "refused", _("未办理")


class BulkJob(models.Model):
    """One confirmed bulk action: who, what, on which list and search, the comment, progress and counts."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=12, blank=True)  # the actor's jurisdiction, for the audit scope
    list_key = models.CharField(max_length=64)
    action = models.CharField(max_length=64)
    action_label = models.CharField(_("操作"), max_length=100)
    list_label = models.CharField(_("列表"), max_length=100)
    selection = models.CharField(_("选择方式"), max_length=200)  # "勾选的 12 条" / "符合搜索条件的全部 120 条"
    query = models.TextField(blank=True)  # the list's search (query string) the selection was made on
    form_data = models.JSONField(default=dict, blank=True)  # the action's own fields, as submitted
    comment = models.CharField(_("说明"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=BulkStatus.choices, default=BulkStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("批量任务")
        verbose_name_plural = _("批量任务")
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="bulkjob_done_within_total"),
        ]

    def __str__(self) -> str:
        return f"{self.action_label}（{self.total}条）"

    @property
    def processed(self) -> int:
        return self.done + self.skipped + self.refused

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.status == BulkStatus.DONE else 0
        return min(100, round(100 * self.processed / self.total))

    @property
    def is_active(self) -> bool:
        return self.status in (BulkStatus.QUEUED, BulkStatus.RUNNING)


class BulkJobItem(models.Model):
    """One record of a job, with its outcome and, when not done, why."""

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    object_id = models.BigIntegerField()
    label = models.CharField(_("记录"), max_length=200)
    outcome = models.CharField(_("结果"), max_length=10, choices=BulkOutcome.choices, default=BulkOutcome.PENDING)
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["job", "object_id"], name="bulkjobitem_once_per_job"),
        ]
        indexes = [models.Index(fields=["job", "outcome"], name="bulkjobitem_job_outcome")]

    def __str__(self) -> str:
        return f"{self.label}：{self.get_outcome_display()}"
