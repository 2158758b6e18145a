"""Visits on the workbench: the worker's overdue and open visits, the supervisor's overdue ones, visits
with nobody assigned, referrals waiting to be closed. Scoped; one aggregate query each."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.todos import TodoItem

from . import selectors


def todo_my_overdue(user: Any) -> TodoItem | None:
    agg = selectors.overdue_for_worker(user).aggregate(n=Count("pk"), oldest=Min("due_date"))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("visits:mine"), oldest=agg["oldest"], urgent=True,
                    note=_("已过应探访日期"), oldest_label=_("最早逾期 %(days)s 天"))


def todo_my_month(user: Any) -> TodoItem | None:
    today = timezone.localdate()
    qs = selectors.worker_list(user).filter(due_date__gte=today)
    agg = qs.aggregate(n=Count("pk"), today=Count("pk", filter=Q(due_date=today)))
    if not agg["n"]:
        return None
    note = _("今天 %(n)s 项") % {"n": agg["today"]} if agg["today"] else ""
    return TodoItem(count=agg["n"], link=reverse("visits:mine"), note=note)


def todo_supervised_overdue(user: Any) -> TodoItem | None:
    agg = selectors.overdue_for_supervisor(user).aggregate(n=Count("pk"), oldest=Min("due_date"),
                                                           workers=Count("visitor_id", distinct=True))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("visits:plan") + "?status=overdue&supervised=1",
                    oldest=agg["oldest"], urgent=True,
                    note=_("涉及 %(n)s 名探访人员") % {"n": agg["workers"]}, oldest_label=_("最早逾期 %(days)s 天"))


def todo_unassigned(user: Any) -> TodoItem | None:
    month = timezone.localdate().replace(day=1)
    n = selectors.unassigned(user, month).count()
    if not n:
        return None
    return TodoItem(count=n, link=reverse("visits:plan") + "?status=unassigned")


def todo_referrals(user: Any) -> TodoItem | None:
    today = timezone.localdate()
    agg = selectors.open_referrals(user).aggregate(n=Count("pk"), oldest=Min("created_at"),
                                                   late=Count("pk", filter=Q(due_date__lt=today)))
    if not agg["n"]:
        return None
    note = _("其中 %(n)s 项已超过办理期限") % {"n": agg["late"]} if agg["late"] else ""
    return TodoItem(count=agg["n"], link=reverse("visits:referrals") + "?status=open", oldest=agg["oldest"],
                    urgent=bool(agg["late"]), note=note)
