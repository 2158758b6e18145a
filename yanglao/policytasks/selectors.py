"""Reading the tasks: who sees which, each task's status on a day, counts for the dashboard, the late ones.

Status (one SQL expression, `status_expression`), from the effective deadline (the bureau's revised one, else the
policy's), the lead unit's consolidation and the day:
- done: the dated target is met (a consolidation marked it) and the task does not continue;
- continuing: the target is met and the task continues ("…并持续实施"), or the task has no date ("持续实施");
- overdue: not met and the deadline has passed;
- due soon: not met and the deadline is within DUE_SOON_DAYS;
- on track: not met, the deadline further away (or, for a flagged row, no date could be read).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from yanglao.core.scope import restrict

from .models import Assignment, Status, Task

DUE_SOON_DAYS = 30


def effective_due() -> Any:
    return Coalesce(F("revised_due"), F("due_date"))


def status_expression(today: dt.date) -> Case:
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    return Case(
        When(completed_on__isnull=False, continuing=True, then=Value(Status.CONTINUING.value)),
        When(completed_on__isnull=False, then=Value(Status.DONE.value)),
        When(eff_due__isnull=True, continuing=True, then=Value(Status.CONTINUING.value)),
        When(eff_due__isnull=True, then=Value(Status.ON_TRACK.value)),
        When(eff_due__lt=today, then=Value(Status.OVERDUE.value)),
        When(eff_due__lte=soon, then=Value(Status.DUE_SOON.value)),
        default=Value(Status.ON_TRACK.value),
        output_field=CharField(),
    )


def with_status(qs: QuerySet[Task], today: dt.date | None = None) -> QuerySet[Task]:
    today = today or timezone.localdate()
    return qs.annotate(eff_due=effective_due()).annotate(status=status_expression(today))


def tasks_for(user: Any) -> QuerySet[Task]:
    """The tasks a user may see: those with an assignment in the user's scope (the city sees all 40, a county the
    ones its government answers for, a unit its own)."""
    return Task.objects.filter(pk__in=restrict(Assignment.objects.all(), user).values("task_id"))


def task_list(user: Any, *, today: dt.date | None = None, unit: int | None = None, measure: int | None = None,
              status: str = "") -> QuerySet[Task]:
    qs = with_status(tasks_for(user).select_related("lead"), today)
    if unit:
        qs = qs.filter(assignments__organisation_id=unit)
    if measure:
        qs = qs.filter(measure_no=measure)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("number")


def status_counts(as_of: dt.date | None = None, *, user: Any = None) -> dict[str, int]:
    """How many of the city's tasks are on_track, due_soon, overdue, done, continuing on `as_of` (today by default).
    City-wide unless `user` is given (then the tasks that user sees). Every key is present."""
    qs = Task.objects.all() if user is None else tasks_for(user)
    rows = with_status(qs, as_of).order_by().values("status").annotate(n=Count("pk"))
    counts = {s.value: 0 for s in Status}
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


def late_tasks(as_of: dt.date | None = None, *, user: Any = None) -> list[Task]:
    """The overdue tasks, longest late first, each with `eff_due`, `days_late` and its `lead` loaded."""
    today = as_of or timezone.localdate()
    qs = Task.objects.all() if user is None else tasks_for(user)
    tasks = list(with_status(qs.select_related("lead"), today).filter(status=Status.OVERDUE).order_by("eff_due", "number"))
    for t in tasks:
        t.days_late = (today - t.eff_due).days  # type: ignore[attr-defined]
    return tasks


def measures() -> list[tuple[int, str]]:
    return list(Task.objects.order_by("measure_no").values_list("measure_no", "measure").distinct())


def units_for(user: Any) -> QuerySet[Any]:
    from yanglao.core.models import Organisation

    ids = restrict(Assignment.objects.all(), user).values("organisation_id")
    return Organisation.objects.filter(pk__in=ids).order_by("division_code", "name")


def unit_summary(user: Any, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per unit (in the user's scope): tasks it leads, tasks it shares, and how many of them are overdue or due soon,
    and the units' last report: the meeting's "who is late"."""
    today = today or timezone.localdate()
    status_of = dict(with_status(Task.objects.all(), today).values_list("pk", "status"))
    rows: dict[int, dict[str, Any]] = {}
    for a in restrict(Assignment.objects.select_related("organisation"), user).order_by("organisation__division_code", "organisation__name"):
        r = rows.setdefault(a.organisation_id, {"unit": a.organisation, "lead": 0, "shared": 0, "overdue": 0,
                                                "due_soon": 0, "last": None})
        r["lead" if a.is_lead else "shared"] += 1
        st = status_of.get(a.task_id)
        if st == Status.OVERDUE and a.percent < 100:
            r["overdue"] += 1
        elif st == Status.DUE_SOON and a.percent < 100:
            r["due_soon"] += 1
        if a.last_reported_on and (r["last"] is None or a.last_reported_on > r["last"]):
            r["last"] = a.last_reported_on
    return sorted(rows.values(), key=lambda r: (-r["overdue"], -r["due_soon"], r["unit"].division_code, r["unit"].name))


def assignments_due_reminder(today: dt.date) -> QuerySet[Assignment]:
    """Assignments of overdue or due-soon tasks whose unit has not reported 100 %: what the daily reminder names."""
    open_ids = with_status(Task.objects.all(), today).filter(
        Q(status=Status.OVERDUE) | Q(status=Status.DUE_SOON)).values("pk")
    return Assignment.objects.filter(task_id__in=open_ids, percent__lt=100).select_related("task", "organisation")


def own_assignments(user: Any) -> QuerySet[Assignment]:
    """The assignments this account reports on itself: its unit's; its county government's; for the bureau's staff,
    市民政局's own (they may also enter others' reports on their behalf, but those are not their to-dos)."""
    from yanglao.core.roles import ORGANISATION_ROLES, Role

    from .services import BUREAU

    if not getattr(user, "is_authenticated", False):
        return Assignment.objects.none()
    if user.role in ORGANISATION_ROLES:
        return Assignment.objects.filter(organisation_id=user.organisation_id) if user.organisation_id else Assignment.objects.none()
    if user.role == Role.COUNTY_STAFF and user.scope_prefix:
        return Assignment.objects.filter(division_code=user.scope_prefix)
    if user.role == Role.CITY_ADMIN:
        return Assignment.objects.filter(organisation__name=BUREAU)
    return Assignment.objects.none()


def unreported(user: Any, today: dt.date | None = None) -> QuerySet[Assignment]:
    """Own assignments of tasks not done that have no report dated this month yet."""
    today = today or timezone.localdate()
    done = with_status(Task.objects.all(), today).filter(status=Status.DONE).values("pk")
    return own_assignments(user).exclude(task_id__in=done).filter(
        Q(last_reported_on__isnull=True) | Q(last_reported_on__lt=today.replace(day=1)))


def own_late(user: Any, today: dt.date | None = None) -> QuerySet[Assignment]:
    today = today or timezone.localdate()
    return own_assignments(user).filter(pk__in=assignments_due_reminder(today).values("pk"))
