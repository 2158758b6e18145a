"""Code lists of the assessment module (labels in Chinese, the source language)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scale(models.TextChoices):
    GBT42195 = "gbt42195", _("GB/T 42195-2022")
    MZT039 = "mzt039", _("MZ/T 039-2013（旧标准）")


class Status(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    SCHEDULED = "scheduled", _("已派单")
    IN_PROGRESS = "in_progress", _("评估中")
    SUBMITTED = "submitted", _("待审核")
    REJECTED = "rejected", _("已退回")
    APPROVED = "approved", _("已审核")
    PUBLISHED = "published", _("已公布")
    CANCELLED = "cancelled", _("已取消")
    IMPORTED = "imported", _("历史导入")


class Reason(models.TextChoices):
    FIRST = "first", _("首次评估")
    PERIODIC = "periodic", _("定期复评")
    ON_REQUEST = "on_request", _("本人或家属申请复评")
    CONDITION_CHANGE = "condition_change", _("身体状况发生变化")
    ADMISSION = "admission", _("申请入住养老机构")


class RequestedVia(models.TextChoices):
    STAFF = "staff", _("工作人员发起")
    PERSON_FAMILY = "person_family", _("本人或家属（经工作人员）")
    INSTITUTION = "institution", _("养老机构为申请人提出")


# A result that counts (approved; published is approved and released to the person and family).
RESULT_STATES = (Status.APPROVED, Status.PUBLISHED)
# Work in hand: at most one per person (a partial unique index).
OPEN_STATES = (Status.REQUESTED, Status.SCHEDULED, Status.IN_PROGRESS, Status.SUBMITTED, Status.REJECTED)
# States in which the assessors may record or change the items.
RECORDABLE_STATES = (Status.SCHEDULED, Status.IN_PROGRESS, Status.REJECTED)
