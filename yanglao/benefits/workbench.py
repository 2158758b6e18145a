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


def todo_life_cert_due(user: Any) -> TodoItem | None:
    """Recipients in the user's jurisdiction whose proof of life is due within the programme's notice
    period or overdue (the community visits them before the next run suspends them)."""
    import datetime as dt

    from django.utils import timezone

    from . import lifecert
    from .models import Programme

    today = timezone.localdate()
    n = 0
    for programme in Programme.objects.filter(life_cert_since__isnull=False, status="active"):
        n += len(lifecert.due_rows(programme, scope_prefix=user.scope_prefix or "",
                                   until=today + dt.timedelta(days=programme.life_cert_remind_days), limit=1000))
    if not n:
        return None
    return TodoItem(count=n, link=reverse("benefits:life_certs"), oldest=None)


def todo_match_review(user: Any) -> TodoItem | None:
    """Changes found by data matching that nobody has confirmed yet (in the user's jurisdiction). Read only
    in the batches whose counts say some change is unconfirmed (changes > confirmed), through the rows'
    (batch, outcome) index: lists of 100,000 rows accumulate month after month, and a finished batch costs
    nothing here."""
    from django.db.models import F

    from yanglao.core.scope import restrict

    from .models import MatchBatch, MatchRow

    open_batches = MatchBatch.objects.filter(changes__gt=F("confirmed")).values("pk")
    agg = (restrict(MatchRow.objects.filter(batch__in=open_batches, outcome="change", confirmed_at__isnull=True),
                    user).order_by()
           .aggregate(n=Count("pk"), oldest=Min("batch__created_at")))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("benefits:matching"), oldest=agg["oldest"])


def todo_second_signatures(user: Any) -> TodoItem | None:
    """Write-offs of recoveries asked for by someone else, waiting for this user's approval."""
    from yanglao.core.scope import restrict

    from .models import Recovery

    agg = (restrict(Recovery.objects.filter(write_off_requested_by__isnull=False).exclude(status="written_off")
                    .exclude(write_off_requested_by=user), user).order_by()
           .aggregate(n=Count("pk"), oldest=Min("updated_at"), one=Max("pk")))
    if not agg["n"]:
        return None
    link = reverse("benefits:recovery", args=[agg["one"]]) if agg["n"] == 1 else reverse("benefits:recoveries")
    return TodoItem(count=agg["n"], link=link, oldest=agg["oldest"])
