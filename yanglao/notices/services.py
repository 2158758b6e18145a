"""The message centre's writes: ``notify`` (what other modules call), reading and preferences.

A module tells users about an event with one call, after its transaction commits::

    from yanglao.notices.services import Recipients, notify
    notify(Recipients(capability="benefits.approve", division_code=run.division_code, exclude=[run.prepared_by_id]),
           "benefits.run_ready", title=f"{run} 待审核", link=reverse("benefits:run", args=[run.pk]),
           division_code=run.division_code, dedupe_key=f"run-ready:{run.pk}:{run.attempt}")

``notify`` defers itself to ``transaction.on_commit``: a rolled-back action tells nobody, and a notice
never holds the caller's transaction open. Users who switched the kind off (preferences) get nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yanglao.core.errors import ValidationFailed
from yanglao.core.models import User
from yanglao.core.roles import CAPABILITIES

from .models import Notice, NoticePreference
from .registry import NOTICE_KINDS, notice_kind

# Division codes nest by prefix: the lengths of province, city, county, township and community codes.
_LEVEL_LENGTHS = (2, 4, 6, 9, 12)


def covering_divisions(code: str) -> list[str]:
    """The codes of the divisions whose jurisdiction contains `code` (itself included): an account bound
    to any of them sees the record (the scope rule, read the other way)."""
    return [code[:n] for n in _LEVEL_LENGTHS if n <= len(code)] if code else []


@dataclass(frozen=True)
class Recipients:
    """A rule for who is told: active accounts holding `capability` (and of `roles`, when given) whose jurisdiction covers
    `division_code` or which belong to `organisation_id` (neither: nobody but `users`), plus `users`,
    minus `exclude` (typically the person who did it)."""

    capability: str | None = None
    roles: tuple[str, ...] = ()
    division_code: str = ""
    organisation_id: int | None = None
    users: tuple[int, ...] = ()
    exclude: Iterable[int | None] = field(default_factory=tuple)

    def user_ids(self) -> set[int]:
        ids = {u for u in self.users if u}
        if self.division_code or self.organisation_id:
            qs = User.objects.filter(is_active=True)
            if self.roles:
                qs = qs.filter(role__in=self.roles)
            if self.capability:
                roles = [role for role, caps in CAPABILITIES.items() if self.capability in caps]
                qs = qs.filter(role__in=roles)
            where = Q(pk__in=[])
            if self.division_code:
                where |= Q(division_id__in=covering_divisions(self.division_code))
            if self.organisation_id:
                where |= Q(organisation_id=self.organisation_id)
            # a capability alone selects nobody: never "everyone who may", city-wide, by accident
            ids |= set(qs.filter(where).values_list("pk", flat=True))
        return ids - {u for u in self.exclude if u}


def _ids(users_or_rule: Recipients | Iterable[Any]) -> set[int]:
    if isinstance(users_or_rule, Recipients):
        return users_or_rule.user_ids()
    out: set[int] = set()
    for u in users_or_rule:
        if u is None:
            continue
        out.add(int(getattr(u, "pk", u)))
    return out


def wanted_by(user_ids: set[int], kind: str) -> set[int]:
    """The users among `user_ids` who receive `kind` in their centre (their preference or the default)."""
    spec = notice_kind(kind)
    if spec.mandatory or not user_ids:
        return set(user_ids)
    prefs = dict(NoticePreference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "in_centre"))
    return {u for u in user_ids if prefs.get(u, spec.default_on)}


def deliver(users_or_rule: Recipients | Iterable[Any], kind: str, *, title: str, body: str = "", link: str = "",
            division_code: str = "", dedupe_key: str = "", at: dt.datetime | None = None) -> int:
    """Write the notices now (inside the caller's transaction); returns how many were written."""
    recipients = wanted_by(_ids(users_or_rule), kind)
    if not recipients:
        return 0
    at = at or timezone.now()
    rows = [Notice(recipient_id=u, kind=kind, title=title[:200], body=body, link=link[:300],
                   division_code=division_code, created_at=at, dedupe_key=dedupe_key[:120]) for u in sorted(recipients)]
    before = Notice.objects.filter(recipient_id__in=recipients, dedupe_key=dedupe_key).count() if dedupe_key else 0
    Notice.objects.bulk_create(rows, ignore_conflicts=bool(dedupe_key))
    if dedupe_key:
        return Notice.objects.filter(recipient_id__in=recipients, dedupe_key=dedupe_key).count() - before
    return len(rows)


def notify(users_or_rule: Recipients | Iterable[Any], kind: str, *, title: str, body: str = "", link: str = "",
           division_code: str = "", dedupe_key: str = "") -> None:
    """Tell users about an event, once the current transaction commits (at once outside one). Never
    raises into the caller's action for a notice that cannot be written: the action has happened."""
    notice_kind(kind)  # an unregistered kind is a programming error: fail in the caller's tests
    if not isinstance(users_or_rule, Recipients):
        users_or_rule = list(users_or_rule)

    def send() -> None:
        import logging

        try:
            deliver(users_or_rule, kind, title=title, body=body, link=link, division_code=division_code,
                    dedupe_key=dedupe_key)
        except Exception:  # pragma: no cover - logged; the caller's work is already committed
            logging.getLogger("yanglao.notices").exception("notice %s not delivered", kind)

    transaction.on_commit(send)


# --------------------------------------------------------------------------- reading


def mark_read(user: User, ids: Iterable[int]) -> int:
    return Notice.objects.filter(recipient=user, pk__in=list(ids), read_at__isnull=True).update(read_at=timezone.now())


def mark_all_read(user: User, *, kind: str = "") -> int:
    qs = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.update(read_at=timezone.now())


def open_notice(user: User, notice_id: int) -> Notice:
    """The user's own notice (another's is not found), marked read."""
    from yanglao.core.errors import NotFound

    notice = Notice.objects.filter(recipient=user, pk=notice_id).first()
    if notice is None:
        raise NotFound("消息不存在")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def set_preferences(user: User, choices: Mapping[str, bool]) -> None:
    """Which kinds the user wants in the centre. A mandatory kind cannot be switched off."""
    unknown = [k for k in choices if k not in NOTICE_KINDS]
    if unknown:
        raise ValidationFailed("未知的消息类型", details={"kind": "、".join(unknown)})
    with transaction.atomic():
        for kind, on in choices.items():
            if NOTICE_KINDS[kind].mandatory:
                on = True
            NoticePreference.objects.update_or_create(user=user, kind=kind, defaults={"in_centre": bool(on)})


def preferences_of(user: User) -> dict[str, bool]:
    saved = dict(NoticePreference.objects.filter(user=user).values_list("kind", "in_centre"))
    return {k: (True if spec.mandatory else saved.get(k, spec.default_on)) for k, spec in NOTICE_KINDS.items()}
