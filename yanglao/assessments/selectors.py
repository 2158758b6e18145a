"""Reads of assessments. Other modules (benefits, institutions, admissions) read the care level here.

The contract other modules rely on:

* ``care_level_for(person_id, on=None) -> CareLevel | None``: the latest approved GB/T 42195-2022
  result valid on ``on`` (default today). MZ/T 039-2013 results never count.
* ``care_levels_for(person_ids, on=None) -> dict[int, CareLevel]``: the same for many people, one query.
* ``current_levels(on) -> QuerySet``: ``.values("person_id", "level")`` of the one current result per
  person, usable as a subquery, e.g.::

      Person.objects.annotate(care_level=Subquery(
          current_levels(day).filter(person_id=OuterRef("pk")).values("level")[:1]))
      Person.objects.filter(pk__in=current_levels(day).filter(level__gte=2).values("person_id"))

These three are not scoped to a user: callers pass person ids they have already scoped.
Everything else here takes the user and applies the jurisdiction rule (assessors: only their
assignments).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from yanglao.core.roles import Role
from yanglao.core.scope import restrict
from yanglao.people.models import Person

from .choices import OPEN_STATES, RECORDABLE_STATES, RESULT_STATES, Scale, Status
from .models import Assessment
from .scoring import level_name

DUE_WITHIN_DAYS = 30

__all__ = [
    "CareLevel",
    "assessments_for",
    "care_level_for",
    "care_levels_for",
    "current_levels",
    "level_distribution",
    "people_at_level",
    "reassessments_due",
    "results_history",
    "validity_months",
]


@dataclass(frozen=True)
class CareLevel:
    level: int  # 0..4 on GB/T 42195-2022
    level_name: str  # e.g. "能力中度受损（中度失能）"
    assessment_id: int
    assessed_on: dt.date  # approval date
    valid_until: dt.date


def validity_months() -> int:
    return int(getattr(settings, "ASSESSMENT_VALIDITY_MONTHS", 12))


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until_for(valid_from: dt.date, months: int | None = None) -> dt.date:
    """Valid through the day before the same date ``months`` later (12 months from 2026-01-15:
    through 2027-01-14)."""
    return add_months(valid_from, validity_months() if months is None else months) - dt.timedelta(days=1)


def _results() -> QuerySet[Assessment]:
    return Assessment.objects.filter(scale=Scale.GBT42195, status__in=RESULT_STATES)


def _valid_on(on: dt.date) -> QuerySet[Assessment]:
    return _results().filter(valid_from__lte=on, valid_until__gte=on)


def _newest_only(qs: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Keep, per person, the row no other row of ``qs`` is newer than (by valid_from, then id)."""
    newer = qs.filter(person_id=OuterRef("person_id")).filter(
        Q(valid_from__gt=OuterRef("valid_from")) | Q(valid_from=OuterRef("valid_from"), pk__gt=OuterRef("pk"))
    )
    return qs.filter(~Exists(newer))


def current_levels(on: dt.date) -> QuerySet[Any]:
    """``.values("person_id", "level")``: the one current approved GB/T result per person valid on ``on``."""
    return _newest_only(_valid_on(on)).values("person_id", "level")


def _care_level(row: Assessment | dict[str, Any]) -> CareLevel:
    get = row.get if isinstance(row, dict) else lambda key: getattr(row, key)
    return CareLevel(
        level=get("level"),
        level_name=level_name(get("level")),
        assessment_id=get("pk") if not isinstance(row, dict) else get("id"),
        assessed_on=get("valid_from"),
        valid_until=get("valid_until"),
    )


def care_levels_for(person_ids: Iterable[int], on: dt.date | None = None) -> dict[int, CareLevel]:
    on = on or timezone.localdate()
    ids = list({int(pk) for pk in person_ids})
    if not ids:
        return {}
    rows = _valid_on(on).filter(person_id__in=ids).order_by("person_id", "-valid_from", "-pk").values(
        "id", "person_id", "level", "valid_from", "valid_until"
    )
    found: dict[int, CareLevel] = {}
    for row in rows:
        found.setdefault(row["person_id"], _care_level(row))
    return found


def care_level_for(person_id: int, on: dt.date | None = None) -> CareLevel | None:
    return care_levels_for([person_id], on).get(int(person_id))


def level_subquery(on: dt.date) -> Subquery:
    """The person's current level (or NULL) for ``Person`` annotations."""
    return Subquery(current_levels(on).filter(person_id=OuterRef("pk")).values("level")[:1],
                    output_field=IntegerField())


# --------------------------------------------------------------------------- organisations' people

# The modules that link a person to an organisation register here (institutions: an active residency;
# admissions: an application), so this module depends on neither. Each returns the ids of the people
# linked to the organisation, as a `.values("person_id")` queryset.
_ORGANISATION_LINKS: list[Callable[[int], QuerySet[Any]]] = []


def register_organisation_link(link: Callable[[int], QuerySet[Any]]) -> None:
    if link not in _ORGANISATION_LINKS:
        _ORGANISATION_LINKS.append(link)


def organisation_people(organisation_id: int, *, field: str = "pk") -> Q:
    """A filter on `field` (a person id): people who applied to or live in the organisation's institutions."""
    q = Q(**{f"{field}__in": []})
    for link in _ORGANISATION_LINKS:
        q |= Q(**{f"{field}__in": link(organisation_id)})
    return q


def person_linked_to_organisation(person_id: int, organisation_id: int) -> bool:
    return Person.objects.filter(organisation_people(organisation_id), pk=person_id).exists()


# --------------------------------------------------------------------------- scoped reads


def assessments_for(user: Any) -> QuerySet[Assessment]:
    """What ``user`` may see: their jurisdiction; an assessor only the assessments assigned to them;
    an institution account the assessments it requested."""
    qs = restrict(Assessment.objects.all(), user)
    if getattr(user, "role", None) == Role.ASSESSOR:
        qs = qs.filter(Q(assessor_1=user) | Q(assessor_2=user))
    return qs


def search_assessments(user: Any, filters: dict[str, Any]) -> QuerySet[Assessment]:
    qs = assessments_for(user).select_related("person", "assessor_1", "assessor_2", "reviewer")
    if filters.get("status") == "to_record":  # the workbench's to-do: work in the assessors' hands
        qs = qs.filter(status__in=RECORDABLE_STATES)
    elif filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("reason"):
        qs = qs.filter(reason=filters["reason"])
    if filters.get("scale"):
        qs = qs.filter(scale=filters["scale"])
    if filters.get("division"):
        qs = qs.filter(division_code__startswith=filters["division"])
    if filters.get("q"):
        qs = qs.filter(person__name__contains=filters["q"])
    if filters.get("person"):
        qs = qs.filter(person_id=filters["person"])
    return qs.order_by("-pk")


def results_history(person: Person) -> QuerySet[Assessment]:
    """Every result of the person, newest first: GB/T results and imported MZ/T ones (labelled)."""
    return person.assessments.filter(
        Q(status__in=RESULT_STATES) | Q(status=Status.IMPORTED)
    ).select_related("assessor_1", "assessor_2", "reviewer").order_by("-valid_from", "-pk")


def open_assessment(person: Person) -> Assessment | None:
    return person.assessments.filter(status__in=OPEN_STATES).first()


def reassessments_due(user: Any, on: dt.date | None = None, *, within_days: int = DUE_WITHIN_DAYS) -> QuerySet[Assessment]:
    """Each person's latest result whose validity ends within ``within_days`` (due) or has ended
    (overdue: no newer approved result), annotated ``has_open_request``; soonest first."""
    on = on or timezone.localdate()
    latest = _newest_only(restrict(_results(), user))
    open_request = Assessment.objects.filter(person_id=OuterRef("person_id"), status__in=OPEN_STATES)
    return (
        latest.filter(valid_until__lte=on + dt.timedelta(days=within_days), person__status="active")
        .annotate(has_open_request=Exists(open_request))
        .select_related("person")
        .order_by("valid_until", "pk")
    )


def level_distribution(user: Any, on: dt.date, *, by: str = "county") -> list[dict[str, Any]]:
    """Counts of active people per division (county: 6 digits, township: 9) and current level
    (0–4, or None for unassessed), one grouped query. Rows: ``{"division", "levels": {0..4, None}}``."""
    width = 6 if by == "county" else 9
    rows = (
        restrict(Person.objects.filter(status="active"), user)
        .annotate(unit=Substr("division_code", 1, width), care_level=level_subquery(on))
        .values("unit", "care_level")
        .annotate(n=Count("pk"))
        .order_by("unit", "care_level")
    )
    table: dict[str, dict[Any, int]] = {}
    for row in rows:
        counts = table.setdefault(row["unit"], {level: 0 for level in (0, 1, 2, 3, 4, None)})
        counts[row["care_level"]] += row["n"]
    return [{"division": unit, "levels": counts} for unit, counts in sorted(table.items())]


def people_at_level(user: Any, on: dt.date, *, min_level: int = 2, division: str = "") -> QuerySet[Person]:
    """Active people whose current level is ``min_level`` or worse (for the subsidy programmes)."""
    qs = restrict(Person.objects.filter(status="active"), user)
    if division:
        qs = qs.filter(division_code__startswith=division)
    current = current_levels(on).filter(level__gte=min_level)
    return (
        qs.filter(pk__in=current.values("person_id"))
        .annotate(care_level=level_subquery(on))
        .order_by("division_code", "pk")
    )
