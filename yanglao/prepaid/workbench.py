"""The module's to-dos and its workbench card: one scoped aggregate each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Min, Q, Sum
from django.urls import reverse
from django.utils import timezone

from yanglao.core.scope import restrict
from yanglao.core.todos import TodoItem

from .choices import CaseStatus, ImportStatus, RefundStatus, WarningStatus
from .models import (
    MonthlyReport,
    PrepaidAccount,
    PrepaidHome,
    ReconciliationCase,
    RefundOwed,
    RiskWarning,
    StatementImport,
)
from .services import TOTAL, month_start, yuan


def todo_warnings(user: Any) -> TodoItem | None:
    agg = restrict(RiskWarning.objects.filter(status=WarningStatus.OPEN), user).aggregate(n=Count("pk"), oldest=Min("raised_on"))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("prepaid:warnings") + "?status=open", oldest=agg["oldest"],
                    oldest_label="最早一条预警已 %(days)s 天")


def todo_refunds(user: Any) -> TodoItem | None:
    """Every resident of a closing home still owed money: the count of residents, the sum beside it."""
    agg = restrict(RefundOwed.objects.filter(status=RefundStatus.OWED), user).aggregate(
        n=Count("pk"), oldest=Min("created_at"), s=Sum("amount"), due=Min("due_on"))
    if not agg["n"]:
        return None
    overdue = agg["due"] is not None and agg["due"] < timezone.localdate()
    return TodoItem(count=agg["n"], link=reverse("prepaid:refunds") + "?status=owed", oldest=agg["oldest"], urgent=overdue,
                    note=f"合计{yuan(agg['s'])}，最早应退{agg['due']:%Y-%m-%d}")


def todo_cases(user: Any) -> TodoItem | None:
    agg = restrict(ReconciliationCase.objects.exclude(status=CaseStatus.CLOSED), user).aggregate(
        n=Count("pk"), oldest=Min("opened_on"), unassigned=Count("pk", filter=Q(status=CaseStatus.OPEN)))
    if not agg["n"]:
        return None
    note = f"其中{agg['unassigned']}件待分派" if agg["unassigned"] else ""
    return TodoItem(count=agg["n"], link=reverse("prepaid:cases") + "?status=active", oldest=agg["oldest"], note=note)


def todo_imports(user: Any) -> TodoItem | None:
    agg = restrict(StatementImport.objects.filter(status=ImportStatus.PENDING), user).aggregate(
        n=Count("pk"), oldest=Min("created_at"))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("prepaid:statements"), oldest=agg["oldest"])


def todo_report_due(user: Any) -> TodoItem | None:
    """Homes (an operator's own; a county's filed homes) that have not reported last month's balance."""
    last = month_start(month_start(timezone.localdate()) - dt.timedelta(days=1))
    homes = restrict(PrepaidHome.objects.filter(status="operating"), user)
    missing = homes.exclude(pk__in=MonthlyReport.objects.filter(month=last).values("home_id")).count()
    if not missing:
        return None
    return TodoItem(count=missing, link=reverse("prepaid:home"), note=f"{last:%Y年%m月}")


def card_held(user: Any) -> str:
    total = restrict(PrepaidAccount.objects.annotate(t=TOTAL), user).aggregate(s=Sum("t"))["s"]
    return yuan(total)
