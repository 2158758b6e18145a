"""Exports of full ID numbers and phones: a capability of few roles, a reason, a row cap, and a second
signature above the cap (PIPL art. 51; 等保2.0 三级 least privilege).

- ``people.export`` exports masked lists (ID number ``441702********123X``, phone ``138******78``, age).
- ``people.export_unmasked`` (city administrators and county staff) exports full values, stating why;
  up to ``UNMASKED_EXPORT_MAX_ROWS`` rows at once, alone.
- Above the cap the export becomes a request that another holder of the capability, whose
  jurisdiction covers the requester's, approves; the requester then downloads it once.
Every step is in the audit log with the reason.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from yanglao.core.audit import audit_context, require_reveal_reason
from yanglao.core.errors import Conflict, Forbidden
from yanglao.core.models import User
from yanglao.core.scope import division_in_scope

from .models import Person, UnmaskedExportRequest

CAPABILITY = "people.export_unmasked"
State = UnmaskedExportRequest.State


def _require(user: User) -> None:
    if not user.can(CAPABILITY):
        raise Forbidden("您没有导出完整身份证号码和电话的权限（仅市、县级管理人员可申请）")


def plain_filters(filters: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in filters.items() if v not in (None, "")}


def check_direct(*, by: User, qs: QuerySet[Person], reason: str) -> tuple[str, int]:
    """May `by` export these rows unmasked now, alone? Returns the cleaned reason and the row count.
    Raises Forbidden without the capability, ValidationFailed without a reason, Conflict above the cap."""
    _require(by)
    clean = require_reveal_reason(reason)
    count = qs.count()
    cap = settings.UNMASKED_EXPORT_MAX_ROWS
    if count > cap:
        raise Conflict(f"完整信息导出一次最多 {cap} 行，本次 {count} 行：请提交导出申请，由另一名管理人员审批后下载",
                       code="needs_second_signature", details={"rows": count, "cap": cap})
    return clean, count


def request_create(*, by: User, filters: dict[str, Any], fmt: str, reason: str, row_count: int) -> UnmaskedExportRequest:
    _require(by)
    clean = require_reveal_reason(reason)
    with audit_context(by):
        return UnmaskedExportRequest.objects.create(
            requested_by=by, division_code=by.scope_prefix or "", filters=plain_filters(filters),
            fmt="csv" if fmt == "csv" else "xlsx", reason=clean, row_count=row_count)


def requests_for(user: User) -> QuerySet[UnmaskedExportRequest]:
    """Requests the user made, and requests within the user's jurisdiction the user may decide."""
    if not user.can(CAPABILITY):
        return UnmaskedExportRequest.objects.none()
    prefix = user.scope_prefix or "-"
    return (UnmaskedExportRequest.objects.filter(division_code__startswith=prefix)
            | UnmaskedExportRequest.objects.filter(requested_by=user)).select_related("requested_by", "decided_by")


def request_decide(*, by: User, request: UnmaskedExportRequest, approve: bool, comment: str = "") -> UnmaskedExportRequest:
    """The second signature: someone else with the capability whose jurisdiction covers the request."""
    _require(by)
    if request.requested_by_id == by.pk:
        raise Forbidden("不能审批本人提交的导出申请")
    if not division_in_scope(by, request.division_code or "-"):
        raise Forbidden("该申请不在您的管辖范围内")
    with audit_context(by), transaction.atomic():
        locked = UnmaskedExportRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state != State.PENDING:
            raise Conflict("该申请已处理")
        locked.state = State.APPROVED if approve else State.REJECTED
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.decision_comment = " ".join(comment.split())[:200]
        locked.save()
        return locked


def request_take(*, by: User, request: UnmaskedExportRequest) -> UnmaskedExportRequest:
    """The requester downloads an approved export once; the request is then used up."""
    _require(by)
    if request.requested_by_id != by.pk:
        raise Forbidden("只有申请人本人可以下载")
    with audit_context(by), transaction.atomic():
        locked = UnmaskedExportRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state != State.APPROVED:
            raise Conflict("该申请未获批准或已下载")
        locked.state = State.USED
        locked.save()
        return locked
