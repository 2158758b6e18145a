"""Issued documents (one numbered record per printed document), the wording administrators set per kind,
and print jobs for large documents."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet


class DocumentTemplate(AuditedModel):
    """What the city administrator sets for one kind of document, without code. Empty fields fall back
    to the kind's defaults (registry.py). Every change is in the audit log (AuditedModel)."""

    kind = models.CharField(_("文书种类"), max_length=64, unique=True)
    title = models.CharField(_("标题"), max_length=60, blank=True)
    issuing_unit = models.CharField(_("出具单位"), max_length=60, blank=True)
    footer = models.CharField(_("页脚"), max_length=120, blank=True)
    seal_text = models.CharField(_("印章文字"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("文书模板")
        verbose_name_plural = _("文书模板")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.kind


class IssuedDocument(models.Model):
    """One printed document: its number, what it is about, the SHA-256 of its content fields, who issued
    it and when. The public verification page answers from this table only (kind, date: nothing personal)."""

    number = models.CharField(_("文书编号"), max_length=20, unique=True)
    kind = models.CharField(_("文书种类"), max_length=64)
    title = models.CharField(_("标题"), max_length=60)
    issuing_unit = models.CharField(_("出具单位"), max_length=60, blank=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=32)
    label = models.CharField(_("内容"), max_length=120, blank=True)
    content_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("出具人"))
    issued_at = models.DateTimeField(_("出具时间"))
    division_code = models.CharField(max_length=12)
    revealed = models.BooleanField(_("含完整证件号码"), default=False)
    job = models.ForeignKey("DocumentJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="issued")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("已出具文书")
        verbose_name_plural = _("已出具文书")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="issued_doc_object"),
                   models.Index(fields=["division_code", "issued_at"], name="issued_doc_division")]
        constraints = [models.CheckConstraint(condition=Q(content_hash__regex=r"^[0-9a-f]{64}$"),
                                              name="issued_doc_hash_is_sha256")]

    def __str__(self) -> str:
        return self.number

    @property
    def check_code(self) -> str:
        """The first 16 hex digits of the hash, printed under the QR code for typing into the form."""
        return self.content_hash[:16]


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class DocumentJob(models.Model):
    """A large document (or many documents as one PDF) rendered in the background, downloaded when ready
    by the person who asked for it."""

    kind = models.CharField(_("文书种类"), max_length=64)
    object_ids = models.JSONField(default=list)
    reveal = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    division_code = models.CharField(max_length=12)  # the requester's jurisdiction
    filename = models.CharField(max_length=120, blank=True)
    file_path = models.CharField(max_length=300, blank=True)
    file_size = models.PositiveIntegerField(default=0)
    refused = models.JSONField(default=list)  # [{"id", "reason"}] records that could not be printed
    message = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("文书生成任务")
        verbose_name_plural = _("文书生成任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.status == JobStatus.DONE else 0
        return min(100, round(100 * self.done / self.total))

    @property
    def is_working(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)
