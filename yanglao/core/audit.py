"""The audit trail: who changed what, when, before and after; who saw or exported sensitive data.

- Models that inherit `AuditedModel` are recorded on every save and delete (signals below).
- Set-based work (bulk_create, QuerySet.update, raw SQL) records one `audit_bulk` line per batch.
- Views of sensitive fields call `audit_sensitive_view`; exports call `audit_export`.
The actor comes from a context set by the request middleware, a service, or a command.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .basemodels import AuditedModel, _plain
from .errors import ValidationFailed
from .models import AuditAction, AuditEntry
from .privacy import scrub

SENSITIVE_MARK = "［敏感字段已变更］"


@dataclass(frozen=True)
class AuditActor:
    user_id: int | None
    username: str
    role: str = ""
    ip: str | None = None


SYSTEM = AuditActor(user_id=None, username="system")
_actor: contextvars.ContextVar[AuditActor] = contextvars.ContextVar("yanglao_audit_actor", default=SYSTEM)


def actor_for(user: Any, ip: str | None = None) -> AuditActor:
    if user is None or not getattr(user, "is_authenticated", False):
        return AuditActor(user_id=None, username="anonymous", ip=ip)
    return AuditActor(user_id=user.pk, username=user.get_username(), role=getattr(user, "role", ""), ip=ip)


@contextlib.contextmanager
def audit_context(user: Any = None, *, ip: str | None = None, actor: AuditActor | None = None) -> Iterator[None]:
    """Attribute every audit line written inside the block to `user` (or `actor`)."""
    token = _actor.set(actor or actor_for(user, ip))
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> AuditActor:
    return _actor.get()


def record(
    action: str,
    *,
    object_type: str = "",
    object_id: Any = "",
    object_repr: str = "",
    division_code: str = "",
    changes: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    actor: AuditActor | None = None,
) -> AuditEntry:
    """Append one line. Every full identifier (ID number, phone, bank account) in its text is replaced
    by a keyed digest first (privacy.scrub): the log never holds one in clear."""
    who = actor or current_actor()
    return AuditEntry.objects.create(
        actor_id=who.user_id,
        actor_username=who.username,
        actor_role=who.role,
        ip=who.ip,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        object_repr=scrub(object_repr)[:200],
        division_code=division_code or "",
        changes=scrub(changes or {}),
        extra=scrub(extra or {}),
    )


def model_label(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def _diff(instance: AuditedModel, before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    keys = set(before or {}) | set(after or {})
    diff: dict[str, Any] = {}
    for key in sorted(keys):
        old = (before or {}).get(key)
        new = (after or {}).get(key)
        if before is not None and after is not None and old == new:
            continue
        if key in instance.audit_sensitive_fields:
            diff[key] = SENSITIVE_MARK
        else:
            diff[key] = [old, new]
    return diff


@receiver(pre_save)
def _remember_before(sender: type[models.Model], instance: models.Model, raw: bool, **kwargs: Any) -> None:
    if raw or not isinstance(instance, AuditedModel):
        return
    before = None
    if instance.pk is not None and not instance._state.adding:
        old = sender._default_manager.filter(pk=instance.pk).first()
        before = old.audit_values() if isinstance(old, AuditedModel) else None
    instance._audit_before = before  # type: ignore[attr-defined]


@receiver(post_save)
def _record_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool, **kwargs: Any) -> None:
    if raw or not isinstance(instance, AuditedModel):
        return
    before = getattr(instance, "_audit_before", None)
    after = instance.audit_values()
    changes = _diff(instance, None if created else before, after)
    if not created and not changes:
        return
    record(
        AuditAction.CREATE if created else AuditAction.UPDATE,
        object_type=model_label(instance),
        object_id=instance.pk,
        object_repr=str(instance),
        division_code=instance.audit_division_code(),
        changes=changes,
    )


@receiver(post_delete)
def _record_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not isinstance(instance, AuditedModel):
        return
    record(
        AuditAction.DELETE,
        object_type=model_label(instance),
        object_id=instance.pk,
        object_repr=str(instance),
        division_code=instance.audit_division_code(),
        changes=_diff(instance, instance.audit_values(), None),
    )


def audit_bulk(
    model: type[models.Model], *, operation: str, count: int, division_code: str = "", params: dict[str, Any] | None = None
) -> AuditEntry:
    """One line for a set-based write (the per-row signals do not fire for bulk operations)."""
    return record(
        AuditAction.BULK,
        object_type=model_label(model),
        division_code=division_code,
        extra={"operation": operation, "count": count, "params": {k: _plain(v) for k, v in (params or {}).items()}},
    )


REVEAL_REASON_MIN = 2


def require_reveal_reason(reason: str | None) -> str:
    """A reveal states why (PIPL art. 51: access on a need-to-know basis, and a trail of it)."""
    text = " ".join(str(reason or "").split())
    if len(text) < REVEAL_REASON_MIN:
        raise ValidationFailed("请填写查看完整信息的事由（如：核实身份、办理待遇发放）", details={"reason": "必填"})
    return text[:200]


def audit_sensitive_view(
    obj: models.Model, *, fields: list[str], reveal: bool = False, division_code: str = "", reason: str = ""
) -> AuditEntry:
    """Someone saw sensitive fields of a record (masked view of health data, or a full reveal).
    A reveal is refused without a reason, and the reason is kept on the line."""
    extra: dict[str, Any] = {"fields": fields}
    if reveal:
        extra["reason"] = require_reveal_reason(reason)
    return record(
        AuditAction.REVEAL if reveal else AuditAction.VIEW_SENSITIVE,
        object_type=model_label(obj),
        object_id=obj.pk,
        object_repr=str(obj),
        division_code=division_code or getattr(obj, "division_code", "") or "",
        extra=extra,
    )


def audit_sensitive_list(
    model: type[models.Model], *, ids: list[Any], fields: list[str], division_code: str = ""
) -> AuditEntry | None:
    """Someone saw a page or API list showing sensitive fields of several records (one line per page)."""
    if not ids:
        return None
    return record(
        AuditAction.VIEW_SENSITIVE,
        object_type=model_label(model),
        division_code=division_code,
        extra={"fields": fields, "ids": [str(i) for i in ids[:500]], "count": len(ids)},
    )


def audit_export(
    model: type[models.Model], *, count: int | None, fmt: str, filters: dict[str, Any], masked: bool, division_code: str = "",
    reason: str = "", approved_by: str = "",
) -> AuditEntry:
    """An export; an unmasked one carries its reason (and the second signature, when it needed one).
    Filters go through privacy.scrub like every line: a full ID number or phone typed as a filter is
    kept as a digest only."""
    extra: dict[str, Any] = {"format": fmt, "count": count, "filters": filters, "masked": masked}
    if reason:
        extra["reason"] = reason
    if approved_by:
        extra["approved_by"] = approved_by
    return record(AuditAction.EXPORT, object_type=model_label(model), division_code=division_code, extra=extra)


def history_for(obj: models.Model) -> models.QuerySet[AuditEntry]:
    """The record's own history, newest first (every create, update, delete, view and reveal)."""
    return AuditEntry.objects.filter(object_type=model_label(obj), object_id=str(obj.pk)).order_by("-at", "-id")
