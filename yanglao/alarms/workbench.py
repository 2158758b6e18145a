"""The alarms module on the workbench: incidents waiting for a response (urgent when past the
acknowledgement time) and closed incidents waiting for their follow-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.scope import restrict
from yanglao.core.todos import TodoItem

from . import conf
from .choices import UNACKNOWLEDGED_STATES, IncidentState
from .models import Incident


def todo_unacknowledged(user: Any) -> TodoItem | None:
    limit = timezone.now() - dt.timedelta(seconds=conf.ack_seconds())
    agg = (restrict(Incident.objects.filter(state__in=UNACKNOWLEDGED_STATES), user).order_by()
           .aggregate(n=Count("pk"), oldest=Min("opened_at"),
                      late=Count("pk", filter=Q(state=IncidentState.ESCALATED) | Q(opened_at__lt=limit))))
    if not agg["n"]:
        return None
    note = _("其中 %(n)s 件超时未响应") % {"n": agg["late"]} if agg["late"] else ""
    return TodoItem(count=agg["n"], link=reverse("alarms:console"), oldest=agg["oldest"], urgent=True, note=note)


def todo_follow_up(user: Any) -> TodoItem | None:
    agg = (restrict(Incident.objects.filter(state=IncidentState.CLOSED, followed_up_at__isnull=True), user)
           .order_by().aggregate(n=Count("pk"), oldest=Min("closed_at")))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("alarms:follow_ups"), oldest=agg["oldest"])
