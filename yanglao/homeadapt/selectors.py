"""Scoped reads: project, loan and care-bed lists, and the monthly service counts of family care beds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from yanglao.core.divisions import division_short_name
from yanglao.core.scope import restrict

from .models import CareBed, Loan, Project, ProjectStatus, ServiceRecord


def projects_for(user: Any, *, status: str = "", q: str = "") -> QuerySet[Project]:
    qs = restrict(Project.objects.select_related("person", "contractor"), user)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(person__name__contains=q) | Q(number__iexact=q))
    return qs.order_by("-applied_on", "-id")


def project_counts(user: Any) -> dict[str, int]:
    rows = restrict(Project.objects.all(), user).order_by().values("status").annotate(n=Count("pk"))
    counts = {s: 0 for s in ProjectStatus.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def loans_for(user: Any, *, state: str = "", q: str = "", today: dt.date | None = None) -> QuerySet[Loan]:
    today = today or timezone.localdate()
    qs = restrict(Loan.objects.select_related("person", "device"), user)
    if state == "open":
        qs = qs.filter(returned_on__isnull=True)
    elif state == "overdue":
        qs = qs.filter(returned_on__isnull=True, due_on__lt=today)
    elif state == "returned":
        qs = qs.filter(returned_on__isnull=False)
    if q:
        qs = qs.filter(Q(person__name__contains=q) | Q(number__iexact=q) | Q(device__name__contains=q))
    return qs.order_by("-issued_on", "-id")


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def beds_in_month(user: Any, month: dt.date) -> QuerySet[CareBed]:
    """Beds in service at some point in `month`, each with `done` (visits logged that month) and `below`
    (fewer than agreed): one query, the count done by the database."""
    start, end = month_bounds(month)
    in_month = Q(records__served_on__gte=start, records__served_on__lte=end)
    return (restrict(CareBed.objects.select_related("person", "institution"), user)
            .filter(started_on__lte=end).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
            .annotate(done=Count("records", filter=in_month)))


@dataclass
class CountyFigure:
    code: str
    name: str
    beds: int
    agreed: int
    done: int
    below: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.agreed) if self.agreed else None


def county_figures(user: Any, month: dt.date) -> list[CountyFigure]:
    """Per county: beds in service, visits agreed and logged in `month`, beds below their agreed count.
    Two grouped queries (beds and agreed visits; records) in the user's scope."""
    start, end = month_bounds(month)
    beds = (restrict(CareBed.objects.all(), user).filter(started_on__lte=end)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start)))
    per_bed = beds.annotate(done=Count("records", filter=Q(records__served_on__gte=start, records__served_on__lte=end)))
    below_ids = per_bed.filter(done__lt=F("visits_per_month")).values("pk")
    grouped = (beds.order_by().annotate(county=Substr("division_code", 1, 6)).values("county")
               .annotate(n=Count("pk"), agreed=Coalesce(Sum("visits_per_month"), Value(0), output_field=IntegerField()),
                         below=Count("pk", filter=Q(pk__in=below_ids))))
    done = dict(restrict(ServiceRecord.objects.all(), user).filter(served_on__gte=start, served_on__lte=end,
                                                                    bed__in=beds.values("pk"))
                .order_by().annotate(county=Substr("division_code", 1, 6)).values("county")
                .annotate(n=Count("pk")).values_list("county", "n"))
    return [CountyFigure(code=g["county"], name=division_short_name(g["county"]), beds=g["n"], agreed=g["agreed"],
                         done=done.get(g["county"], 0), below=g["below"]) for g in sorted(grouped, key=lambda r: r["county"])]

