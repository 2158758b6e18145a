"""The time bank on the workbench: services done and waiting for the older person's confirmation, and
disputed services whose hours are held. Scoped, one aggregate query each."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min
from django.urls import reverse

from yanglao.core.scope import restrict
from yanglao.core.todos import TodoItem

from .models import ServiceRequest, ServiceStatus


def _todo(user: Any, status: str, *, urgent: bool = False) -> TodoItem | None:
    agg = restrict(ServiceRequest.objects.filter(status=status), user).order_by().aggregate(n=Count("pk"), oldest=Min("done_at"))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=f"{reverse('timebank:requests')}?status={status}", oldest=agg["oldest"], urgent=urgent)


def todo_to_confirm(user: Any) -> TodoItem | None:
    return _todo(user, ServiceStatus.DONE)


def todo_disputed(user: Any) -> TodoItem | None:
    return _todo(user, ServiceStatus.DISPUTED, urgent=True)
