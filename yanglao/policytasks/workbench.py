"""The module's to-dos and its workbench card: one scoped query each."""

from __future__ import annotations

from typing import Any

from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from yanglao.core.todos import TodoItem

from . import selectors
from .models import Status


def todo_late(user: Any) -> TodoItem | None:
    today = timezone.localdate()
    rows = selectors.own_late(user, today)
    n = rows.count()
    if not n:
        return None
    overdue = selectors.with_status(selectors.tasks_for(user), today).filter(
        status=Status.OVERDUE, pk__in=rows.values("task_id")).count()
    return TodoItem(count=n, link=reverse("policytasks:list") + "?mine=late", urgent=bool(overdue),
                    note=f"其中 {overdue} 项已逾期" if overdue else "30 天内到期")


def todo_unreported(user: Any) -> TodoItem | None:
    today = timezone.localdate()
    rows = selectors.unreported(user, today)
    n = rows.count()
    if not n:
        return None
    oldest = rows.aggregate(d=Min("last_reported_on"))["d"]
    return TodoItem(count=n, link=reverse("policytasks:list") + "?mine=unreported", oldest=oldest,
                    note=f"{today:%Y年%m月}", oldest_label="最久一项 %(days)s 天未报送")


def card_overdue(user: Any) -> str:
    counts = selectors.status_counts(user=user)
    return f"{counts[Status.OVERDUE]} / {sum(counts.values())}"
