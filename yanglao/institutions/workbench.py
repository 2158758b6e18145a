"""The institution module on the workbench: operating-subsidy runs and change requests awaiting a
decision (county and city staff), and the operator's own figures (residents, beds, vacant beds)
instead of registry counts it cannot see. Each is one scoped aggregate query."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from yanglao.core.scope import restrict
from yanglao.core.todos import TodoItem

from .choices import BedStatus, FireSafety
from .models import Bed, ChangeRequestStatus, OperatingRun, Residency
from .selectors import institutions_for
from .services import change_requests_for


def todo_operating_runs(user: Any) -> TodoItem | None:
    """Monthly operating-subsidy runs in the user's area computed by someone else, awaiting approval."""
    agg = (restrict(OperatingRun.objects.filter(status="preview"), user).exclude(prepared_by=user).order_by()
           .aggregate(n=Count("pk"), oldest=Min("created_at")))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("institutions:subsidies"), oldest=agg["oldest"])


def todo_change_requests(user: Any) -> TodoItem | None:
    """Institutions' requests to change the facts they declare, awaiting the county's decision."""
    agg = (change_requests_for(user).filter(status=ChangeRequestStatus.PENDING).exclude(requested_by=user)
           .order_by().aggregate(n=Count("pk"), oldest=Min("created_at")))
    if not agg["n"]:
        return None
    return TodoItem(count=agg["n"], link=reverse("institutions:change_requests"), oldest=agg["oldest"])


def _beds(user: Any) -> dict[str, int]:
    return restrict(Bed.objects.all(), user).order_by().aggregate(
        beds=Count("pk"), vacant=Count("pk", filter=Q(status=BedStatus.VACANT)))


def operator_residents(user: Any) -> str:
    n = restrict(Residency.objects.filter(discharged_on__isnull=True), user).count()
    return f"{n:,}"


def operator_beds(user: Any) -> str:
    return f"{_beds(user)['beds']:,}"


def operator_vacant_beds(user: Any) -> str:
    return f"{_beds(user)['vacant']:,}"


def inspector_fire_safety(user: Any) -> str:
    """Institutions whose fire-safety acceptance failed or is being put right (what an inspection looks at first)."""
    return f"{institutions_for(user).filter(fire_safety__in=[FireSafety.FAILED, FireSafety.PENDING]).count():,}"


def inspector_licences_expiring(user: Any) -> str:
    today = timezone.localdate()
    n = institutions_for(user).filter(licence_valid_until__lte=today + dt.timedelta(days=90)).count()
    return f"{n:,}"
