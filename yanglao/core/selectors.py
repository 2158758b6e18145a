"""Reads of the core, always scoped to the user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from .models import AuditEntry, Division, DivisionLevel, LoginEvent, User
from .scope import restrict

# Modules register per-division counters for the division browser: name → (label, function that
# takes a list of division codes and the user and returns {code: count}).
DivisionCounter = Callable[[list[str], Any], dict[str, int]]
DIVISION_COUNTERS: dict[str, tuple[Any, DivisionCounter]] = {}


# Modules register figures for the workbench: key → (label, function of the user returning a value,
# capability the user needs, roles it is for (None: every role)). A function returning None hides its card.
WorkbenchCard = Callable[[Any], Any]
WORKBENCH_CARDS: dict[str, tuple[Any, WorkbenchCard, str | None, frozenset[str] | None]] = {}


def register_workbench_card(key: str, label: Any, func: WorkbenchCard, *, capability: str | None = None,
                            roles: Iterable[str] | None = None) -> None:
    WORKBENCH_CARDS[key] = (label, func, capability, frozenset(roles) if roles is not None else None)


def workbench_cards(user: Any) -> list[dict[str, Any]]:
    cards = []
    for key, (label, func, capability, roles) in WORKBENCH_CARDS.items():
        if capability and not user.can(capability):
            continue
        if roles is not None and getattr(user, "role", None) not in roles:
            continue
        value = func(user)
        if value is not None:
            cards.append({"key": key, "label": label, "value": value})
    return cards


def register_division_counter(key: str, label: Any, func: DivisionCounter) -> None:
    DIVISION_COUNTERS[key] = (label, func)


@dataclass
class DivisionRow:
    division: Division
    children: int
    communities: int
    urban: int
    rural: int
    counts: dict[str, int]


def division_root_for(user: User) -> Division | None:
    return Division.objects.filter(code=user.scope_prefix).first() if user.scope_prefix else None


def division_children(*, user: User, parent: Division) -> list[DivisionRow]:
    """The children of `parent` within the user's jurisdiction, each with its counts."""
    children = list(restrict(Division.objects.filter(parent=parent), user))
    codes = [c.code for c in children]
    if not codes:
        return []
    child_len = len(codes[0])
    # Count sub-divisions and communities per child by code prefix in one grouped query each.
    sub = Division.objects.filter(parent_id__in=codes).values("parent_id").annotate(n=Count("code"))
    subs = {r["parent_id"]: r["n"] for r in sub}
    comm_rows = (
        Division.objects.filter(level=DivisionLevel.COMMUNITY)
        .filter(Q(*[Q(code__startswith=c) for c in codes], _connector=Q.OR))
        .values_list("code", "urban_rural")
    )
    comm: dict[str, list[int]] = {c: [0, 0] for c in codes}
    for code, kind in comm_rows:
        bucket = comm.get(code[:child_len])
        if bucket is not None:
            bucket[0 if kind == "urban" else 1] += 1
    extra = {key: func(codes, user) for key, (_label, func) in DIVISION_COUNTERS.items()}
    return [
        DivisionRow(
            division=c,
            children=subs.get(c.code, 0),
            communities=sum(comm[c.code]) if c.level < DivisionLevel.COMMUNITY else 0,
            urban=comm[c.code][0],
            rural=comm[c.code][1],
            counts={key: values.get(c.code, 0) for key, values in extra.items()},
        )
        for c in children
    ]


def audit_entries(*, user: User, filters: dict[str, Any]) -> QuerySet[AuditEntry]:
    """The audit log an auditor may read (their jurisdiction's records and their staff's actions)."""
    prefix = user.scope_prefix
    if not prefix or not user.can("audit.view"):
        return AuditEntry.objects.none()
    scope = Q(division_code__startswith=prefix)
    if len(prefix) <= 4:  # the city's auditors also read entries that belong to no division
        scope |= Q(division_code="")
    qs = AuditEntry.objects.filter(scope)
    if filters.get("actor"):
        qs = qs.filter(actor_username=filters["actor"])
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        qs = qs.filter(object_id=filters["object_id"])
    if filters.get("division"):
        qs = qs.filter(division_code__startswith=filters["division"])
    if filters.get("date_from"):
        qs = qs.filter(at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(at__date__lte=filters["date_to"])
    return qs.order_by("-at", "-id")


def login_events(*, user: User, days: int = 30) -> QuerySet[LoginEvent]:
    if not user.can("audit.view") or not user.scope_prefix:
        return LoginEvent.objects.none()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    in_scope = User.objects.filter(division__code__startswith=user.scope_prefix).values("pk")
    qs = LoginEvent.objects.filter(at__gte=since)
    if len(user.scope_prefix) <= 4:
        return qs
    return qs.filter(user_id__in=in_scope)
