"""The core's own entry on the workbench: security events of the last week, for auditors."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from .models import AuditAction
from .selectors import audit_entries
from .todos import TodoItem

SECURITY_DAYS = 7


def todo_security_events(user: Any) -> TodoItem | None:
    """Security events (failed sign-ins, locks, flagged searches…) in the auditor's scope, last 7 days:
    one indexed aggregate over the audit log; the link opens the log with the same filter."""
    since = timezone.localdate() - dt.timedelta(days=SECURITY_DAYS - 1)
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))  # a range on the indexed `at`
    agg = (audit_entries(user=user, filters={"action": AuditAction.SECURITY}).filter(at__gte=start).order_by()
           .aggregate(n=Count("pk"), oldest=Min("at")))
    if not agg["n"]:
        return None
    query = urlencode({"action": AuditAction.SECURITY.value, "date_from": since.isoformat()})
    return TodoItem(count=agg["n"], link=f"{reverse('core:audit')}?{query}", oldest=agg["oldest"])
