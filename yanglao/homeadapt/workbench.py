"""The module on the workbench: to-dos (projects to assess and to accept, overdue devices, care beds below
their agreed visits this month) and a panel of links to its pages. Scoped, one aggregate query each."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.scope import restrict
from yanglao.core.todos import TodoItem

from . import selectors
from .models import Loan, Project, ProjectStatus


def _projects(user: Any, status: str, date_field: str) -> TodoItem | None:
    agg = (restrict(Project.objects.filter(status=status), user).order_by()
           .aggregate(n=Count("pk"), oldest=Min(date_field)))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=f"{reverse('homeadapt:projects')}?status={status}", oldest=agg["oldest"])


def todo_awaiting_acceptance(user: Any) -> TodoItem | None:
    return _projects(user, ProjectStatus.AWAITING, "completed_on")


def todo_awaiting_assessment(user: Any) -> TodoItem | None:
    return _projects(user, ProjectStatus.APPLIED, "applied_on")


def todo_overdue_loans(user: Any) -> TodoItem | None:
    today = timezone.localdate()
    agg = (restrict(Loan.objects.filter(returned_on__isnull=True, due_on__lt=today), user).order_by()
           .aggregate(n=Count("pk"), oldest=Min("due_on")))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=f"{reverse('homeadapt:loans')}?state=overdue", oldest=agg["oldest"],
                    urgent=True, oldest_label=_("最长逾期 %(days)s 天"))


def todo_beds_below(user: Any) -> TodoItem | None:
    month = timezone.localdate().replace(day=1)
    n = selectors.beds_in_month(user, month).filter(status="active", done__lt=F("visits_per_month")).count()
    if not n:
        return None
    return TodoItem(count=n, link=f"{reverse('homeadapt:beds')}?below=1")


def panel(user: Any) -> dict[str, Any] | None:
    links = []
    if user.can("homeadapt.view"):
        links += [(reverse("homeadapt:projects"), _("居家适老化改造")), (reverse("homeadapt:loans"), _("康复辅助器具"))]
    links.append((reverse("homeadapt:beds"), _("家庭照护床位")))
    return {"links": links}
