"""Supervision to-dos: results to publish before their deadline, inspections to carry out, rectification
orders due, complaints open, and a calendar year missing. Each is one scoped aggregate query."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.scope import restrict
from yanglao.core.todos import TodoItem

from . import workdays
from .models import (
    Complaint,
    ComplaintStatus,
    Inspection,
    InspectionStatus,
    Rectification,
    RectificationStatus,
)
from .services import ALERT_WORKING_DAYS


def todo_publish_due(user: Any) -> TodoItem | None:
    """Ended inspections whose result is not yet public; urgent when the deadline is within the alert window."""
    today = timezone.localdate()
    alert_from = workdays.add_working_days(today, ALERT_WORKING_DAYS)
    agg = (restrict(Inspection.objects.filter(ended_on__isnull=False, published_at__isnull=True), user).order_by()
           .aggregate(n=Count("pk"), oldest=Min("ended_on"), soon=Count("pk", filter=Q(publish_due__lte=alert_from)),
                      late=Count("pk", filter=Q(publish_due__lt=today))))
    if not agg["n"]:
        return None
    note = ""
    if agg["late"]:
        note = _("其中 %(n)s 项已超过20个工作日公示期限") % {"n": agg["late"]}
    elif agg["soon"]:
        note = _("其中 %(n)s 项将在%(d)s个工作日内到期") % {"n": agg["soon"], "d": ALERT_WORKING_DAYS}
    return TodoItem(count=agg["n"], link=reverse("supervision:overview"), oldest=agg["oldest"],
                    urgent=bool(agg["soon"]), note=note)


def todo_inspections(user: Any) -> TodoItem | None:
    agg = (restrict(Inspection.objects.filter(status__in=[InspectionStatus.PLANNED, InspectionStatus.IN_PROGRESS]), user)
           .order_by().aggregate(n=Count("pk"), oldest=Min("created_at")))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("supervision:inspections"), oldest=agg["oldest"])


def todo_rectifications(user: Any) -> TodoItem | None:
    today = timezone.localdate()
    agg = (restrict(Rectification.objects.filter(status=RectificationStatus.OPEN,
                                                 deadline__lte=today + dt.timedelta(days=7)), user)
           .order_by().aggregate(n=Count("pk"), oldest=Min("deadline"), late=Count("pk", filter=Q(deadline__lt=today))))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=f"{reverse('supervision:inspections')}?status=rectifying",
                    urgent=bool(agg["late"]), note=_("其中 %(n)s 项已逾期") % {"n": agg["late"]} if agg["late"] else "")


def todo_calendar(user: Any) -> TodoItem | None:
    missing = workdays.missing_years()
    if not missing:
        return None
    return TodoItem(count=len(missing), link=reverse("supervision:calendar"), urgent=True,
                    note=_("缺少 %(years)s 年的节假日安排，工作日期限将按周一至周五计算") % {
                        "years": "、".join(str(y) for y in missing)})


def todo_complaints(user: Any) -> TodoItem | None:
    agg = (restrict(Complaint.objects.exclude(status=ComplaintStatus.CLOSED), user).order_by()
           .aggregate(n=Count("pk"), oldest=Min("received_on")))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("supervision:complaints"), oldest=agg["oldest"])
