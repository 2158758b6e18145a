"""The message centre's reads: the header's unread summary (one indexed query) and the user's list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from .models import Notice, SmsMessage
from .registry import NOTICE_KINDS


@dataclass
class HeaderBadge:
    kind: str
    label: Any
    count: int


@dataclass
class UnreadSummary:
    total: int = 0
    badges: list[HeaderBadge] = field(default_factory=list)


def unread_summary(user: Any) -> UnreadSummary:
    """Unread notices by kind: one grouped count over the partial index ``notice_unread``. Kinds with a
    header label ("待审核") are shown beside the total in the header."""
    rows = (Notice.objects.filter(recipient_id=user.pk, read_at__isnull=True).order_by()
            .values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    summary = UnreadSummary()
    for kind, n in rows:
        summary.total += n
        spec = NOTICE_KINDS.get(kind)
        if spec is not None and spec.header_label:
            summary.badges.append(HeaderBadge(kind, spec.header_label, n))
    summary.badges.sort(key=lambda b: list(NOTICE_KINDS).index(b.kind))
    return summary


def inbox(user: Any, *, state: str = "", kind: str = "") -> QuerySet[Notice]:
    qs = Notice.objects.filter(recipient_id=user.pk)
    if state == "unread":
        qs = qs.filter(read_at__isnull=True)
    elif state == "read":
        qs = qs.filter(read_at__isnull=False)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def sms_log(user: Any, *, status: str = "", template: str = "", division: str = "") -> QuerySet[SmsMessage]:
    from yanglao.core.scope import restrict

    qs = restrict(SmsMessage.objects.select_related("person"), user)
    if status:
        qs = qs.filter(status=status)
    if template:
        qs = qs.filter(template=template)
    if division:
        qs = qs.filter(division_code__startswith=division)
    return qs.order_by("-created_at", "-id")
