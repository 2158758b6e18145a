"""The registry's to-dos on the workbench: imports that finished with rejected rows, and requests
for unmasked exports awaiting a second signature. Scoped, one aggregate query each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Min
from django.urls import reverse
from django.utils import timezone

from yanglao.core.scope import restrict
from yanglao.core.todos import TodoItem

from .models import ImportJob, ImportStatus, UnmaskedExportRequest
from .unmasked import requests_for

IMPORT_ERRORS_DAYS = 30


def todo_imports_with_errors(user: Any) -> TodoItem | None:
    """Imports in the user's jurisdiction, finished in the last 30 days, with rows to correct."""
    since = timezone.now() - dt.timedelta(days=IMPORT_ERRORS_DAYS)
    agg = (restrict(ImportJob.objects.all(), user)
           .filter(status__in=[ImportStatus.DONE, ImportStatus.REJECTED], error_rows__gt=0, finished_at__gte=since)
           .order_by().aggregate(n=Count("pk"), oldest=Min("finished_at"), one=Max("pk")))
    if not agg["n"]:
        return None
    link = reverse("people:import_job", args=[agg["one"]]) if agg["n"] == 1 else reverse("people:import")
    return TodoItem(count=agg["n"], link=link, oldest=agg["oldest"])


def todo_unmasked_exports(user: Any) -> TodoItem | None:
    """Requests by someone else, within the user's jurisdiction, waiting for the second signature."""
    agg = (requests_for(user).filter(state=UnmaskedExportRequest.State.PENDING).exclude(requested_by=user)
           .order_by().aggregate(n=Count("pk"), oldest=Min("created_at")))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("people:export_requests"), oldest=agg["oldest"])
