"""Admission to public care homes by assessment and waiting list (公办养老机构评估轮候)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.publicref import new_reference
from yanglao.core.scope import ScopedQuerySet


class PriorityRule(AuditedModel):
    """One priority group, as data: the first rule (lowest rank) an applicant matches is their group.

    A rule matches when the applicant has any of `categories` valid on the application day (empty =
    no category needed) and, if `min_care_level` is set, a current assessed level at least that — or
    a declared dementia diagnosis when `dementia_counts`. `must_admit` groups are never left waiting
    behind others (特困)."""

    rank = models.PositiveSmallIntegerField(_("优先顺序"))
    name = models.CharField(_("轮候类别"), max_length=64)
    categories = models.JSONField(_("符合任一人员类别"), default=list, blank=True)
    min_care_level = models.PositiveSmallIntegerField(_("最低能力等级"), null=True, blank=True)
    dementia_counts = models.BooleanField(_("认知障碍（失智）视同失能"), default=False)
    must_admit = models.BooleanField(_("应收尽收"), default=False)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    document_no = models.CharField(_("依据文件"), max_length=64, blank=True)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("轮候优先规则")
        verbose_name_plural = _("轮候优先规则")

    def __str__(self) -> str:
        return f"{self.rank}. {self.name}"


class AdmissionPolicy(AuditedModel):
    """Settings of the waiting list: declining an offer `decline_limit` times within `decline_window_days`
    removes the application for `removal_days`."""

    valid_from = models.DateField(_("起始日期"))
    decline_limit = models.PositiveSmallIntegerField(_("放弃次数上限"), default=2)
    decline_window_days = models.PositiveSmallIntegerField(_("统计期（天）"), default=365)
    removal_days = models.PositiveSmallIntegerField(_("取消轮候资格期限（天）"), default=365)
    offer_days = models.PositiveSmallIntegerField(_("床位保留天数"), default=7)
    document_no = models.CharField(_("依据文件"), max_length=64, blank=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("轮候办法")
        verbose_name_plural = _("轮候办法")

    def __str__(self) -> str:
        return f"{self.document_no}（{self.valid_from}起）"


class ApplicationStatus(models.TextChoices):
    WAITING = "waiting", _("轮候中")
    OFFERED = "offered", _("已安排床位")
    ADMITTED = "admitted", _("已入住")
    REMOVED = "removed", _("暂停轮候资格")
    WITHDRAWN = "withdrawn", _("已撤回")


ACTIVE_STATUSES = [ApplicationStatus.WAITING, ApplicationStatus.OFFERED]


class Application(AuditedModel):
    number = models.CharField(_("申请编号"), max_length=20, unique=True)
    # The reference printed on the receipt for public lookups (random, core.publicref); the number stays internal.
    public_ref = models.CharField(_("查询编号"), max_length=12, unique=True, default=new_reference, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="admission_applications")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="applications")
    applied_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(_("状态"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.WAITING)
    priority_rank = models.PositiveSmallIntegerField(_("优先顺序"))
    priority_name = models.CharField(_("轮候类别"), max_length=64)
    must_admit = models.BooleanField(default=False)
    dementia_declared = models.BooleanField(_("经诊断患有认知障碍"), default=False)
    care_level_at_application = models.PositiveSmallIntegerField(null=True, blank=True)
    removed_until = models.DateField(_("暂停至"), null=True, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12)  # the person's, for scope
    institution_division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    # seen by the applicant's area and by the home's area
    scope_division_field = ("division_code", "institution_division_code")
    scope_organisation_field = "institution__operator_id"

    class Meta:
        ordering = ["priority_rank", "applied_at", "id"]
        verbose_name = _("轮候申请")
        verbose_name_plural = _("轮候申请")
        indexes = [models.Index(fields=["institution", "status", "priority_rank", "applied_at"], name="queue_order")]
        constraints = [
            models.UniqueConstraint(fields=["person", "institution"], condition=Q(status__in=["waiting", "offered"]),
                                    name="one_active_application_per_home"),
        ]

    def __str__(self) -> str:
        return self.number


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("待答复")
    ACCEPTED = "accepted", _("已接受并入住")
    DECLINED = "declined", _("已放弃")
    CANCELLED = "cancelled", _("已取消")


class Offer(AuditedModel):
    """A bed offered to an application. One pending offer per bed and per application, by the database."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="offers")
    bed = models.ForeignKey("institutions.Bed", on_delete=models.PROTECT, related_name="offers")
    offered_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    offered_at = models.DateTimeField()
    respond_by = models.DateField(_("答复期限"))
    status = models.CharField(_("状态"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("放弃原因"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "bed__institution__operator_id"

    class Meta:
        ordering = ["-offered_at"]
        verbose_name = _("床位安排")
        verbose_name_plural = _("床位安排")
        constraints = [
            models.UniqueConstraint(fields=["bed"], condition=Q(status="pending"), name="one_pending_offer_per_bed"),
            models.UniqueConstraint(fields=["application"], condition=Q(status="pending"),
                                    name="one_pending_offer_per_application"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}→{self.bed_id}"
