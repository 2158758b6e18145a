"""The benefit module's to-dos on the workbench: payment runs awaiting the second signature and
enrolments awaiting a decision. Counts go through the module's scoped selectors, one query each."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Min
from django.urls import reverse

from yanglao.core.todos import TodoItem

from . import selectors
from .choices import EnrolmentStatus, RunStatus


def todo_runs_to_approve(user: Any) -> TodoItem | None:
    """Runs in preview prepared by someone else: the user's second signature is what they wait for."""
    agg = (selectors.runs_for(user).filter(status=RunStatus.PREVIEW).exclude(prepared_by=user).order_by()
           .aggregate(n=Count("pk"), oldest=Min("prepared_at"), one=Max("pk")))
    if not agg["n"]:
        return None
    link = reverse("benefits:run", args=[agg["one"]]) if agg["n"] == 1 else reverse("benefits:home")
    return TodoItem(count=agg["n"], link=link, oldest=agg["oldest"])


def todo_enrolments_to_decide(user: Any) -> TodoItem | None:
    """Applications in the user's jurisdiction that someone else made (maker-checker)."""
    agg = (selectors.enrolments_for(user).filter(status=EnrolmentStatus.APPLIED).exclude(applied_by=user)
           .order_by().aggregate(n=Count("pk"), oldest=Min("created_at")))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("benefits:enrolments"), oldest=agg["oldest"])
