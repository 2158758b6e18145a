"""Reads of the alarms module: the duty console, an incident's context, responders, figures."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from yanglao.core.divisions import division_short_name
from yanglao.core.models import Organisation, OrganisationKind, User
from yanglao.core.roles import Role
from yanglao.core.scope import restrict
from yanglao.people.models import Person

from . import conf
from .choices import OPEN_STATES, UNACKNOWLEDGED_STATES, AlarmKind, IncidentState, ResponderKind
from .models import Alarm, Incident


def console_incidents(user: Any) -> QuerySet[Incident]:
    """Incidents not closed in the user's jurisdiction: unacknowledged first (emergencies before service
    requests), then the oldest first."""
    return (restrict(Incident.objects.filter(state__in=OPEN_STATES), user)
            .select_related("person", "device")
            .annotate(waiting=Q(state__in=UNACKNOWLEDGED_STATES))
            .order_by("-waiting", "-emergency", "opened_at", "pk"))


def is_overdue(incident: Incident, now: dt.datetime | None = None) -> bool:
    """Not acknowledged within the configured time (shown at once, before the escalation job marks it)."""
    now = now or timezone.now()
    return incident.state in UNACKNOWLEDGED_STATES and incident.opened_at < now - dt.timedelta(seconds=conf.ack_seconds())


def follow_ups_due(user: Any) -> QuerySet[Incident]:
    return (restrict(Incident.objects.filter(state=IncidentState.CLOSED, followed_up_at__isnull=True), user)
            .select_related("person").order_by("closed_at", "pk"))


@dataclass(frozen=True)
class PersonContext:
    """What the operator needs on the phone: age, address, conditions and contacts (masked)."""

    age: int
    community: str
    living_situation: str
    categories: list[str]
    care_level: int | None
    contacts: list[Any]


def person_context(person: Person) -> PersonContext:
    today = timezone.localdate()
    cats = [c.get_category_display() for c in person.categories.all() if c.valid_on(today)]
    care_level = None
    try:
        from yanglao.assessments.models import Assessment

        latest = (Assessment.objects.filter(person=person, status="approved", valid_until__gte=today)
                  .order_by("-approved_at").values_list("level", flat=True).first())
        care_level = latest
    except (ImportError, LookupError):  # pragma: no cover - assessments is a module of the platform
        care_level = None
    code = person.division_code
    community = " ".join(n for n in (division_short_name(code[:6]), division_short_name(code[:9]),
                                     division_short_name(code)) if n)
    return PersonContext(person.age_on(today), community, person.get_living_situation_display(), cats, care_level,
                         list(person.contacts.all()))


@dataclass(frozen=True)
class Responder:
    kind: str
    name: str
    where: str
    distance: int  # 0 = same community, 1 = same township, 2 = same county, 3 = elsewhere

    @property
    def kind_label(self) -> str:
        return str(ResponderKind(self.kind).label)


_DISTANCE_LABELS = {0: "同社区", 1: "同乡镇（街道）", 2: "同县（市、区）", 3: "市内"}


def _distance(a: str, b: str) -> int:
    for n, length in enumerate((12, 9, 6)):
        if a[:length] == b[:length] and len(a) >= length:
            return n
    return 3


def nearest_responders(incident: Incident, limit: int = 8) -> list[Responder]:
    """Who can go, nearest first: family contacts, community workers of the person's community or township,
    home-care providers of the county by the division tree (same community, township, county), and 120.
    Distance is by the division tree: staff and providers carry a division, not coordinates."""
    code = incident.division_code
    found: list[Responder] = []
    for c in incident.person.contacts.all():
        found.append(Responder(ResponderKind.FAMILY, f"{c.name}（{c.relation or c.get_kind_display()}）", "家属", 0))
    workers = (User.objects.filter(role=Role.COMMUNITY_WORKER, is_active=True, division__code__startswith=code[:9])
               .order_by("division_id", "username")[:20])
    for w in workers:
        d = _distance(code, str(w.division_id))
        found.append(Responder(ResponderKind.COMMUNITY, w.display_name, division_short_name(str(w.division_id)), d))
    providers = Organisation.objects.filter(kind=OrganisationKind.PROVIDER, division_code__startswith=code[:6])[:20]
    for p in providers:
        d = _distance(code, p.division_code)
        found.append(Responder(ResponderKind.PROVIDER, p.name, division_short_name(p.division_code), d))
    found.sort(key=lambda r: (r.distance, r.kind != ResponderKind.FAMILY, r.name))
    found = found[: limit - 1]
    found.append(Responder(ResponderKind.EMERGENCY_120, "120急救中心", "阳江市", 3))
    return found


def distance_label(distance: int) -> str:
    return _DISTANCE_LABELS.get(distance, "")


# ---- figures ----------------------------------------------------------------------------------------

class PercentileCont(Aggregate):
    """percentile_cont(p) WITHIN GROUP (ORDER BY expr): PostgreSQL's ordered-set aggregate."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


class EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class Durations:
    count: int
    median_seconds: float | None
    p90_seconds: float | None


def _percentiles_python(values: list[float]) -> tuple[float | None, float | None]:
    """The same linear interpolation as percentile_cont, for SQLite."""
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    qs = statistics.quantiles(sorted(values), n=10, method="inclusive")
    return statistics.median(values), qs[8]


def durations(qs: QuerySet[Incident], end_field: str) -> Durations:
    """Median and 90th percentile of (end_field − opened_at) over incidents that have end_field: in SQL
    (percentile_cont) on PostgreSQL, the same interpolation in Python on SQLite."""
    qs = qs.filter(**{f"{end_field}__isnull": False}).order_by()
    if connection.vendor == "postgresql":
        expr = EpochSeconds(F(end_field) - F("opened_at"))
        agg = qs.aggregate(n=Count("pk"), p50=PercentileCont(expr, 0.5), p90=PercentileCont(expr, 0.9))
        return Durations(agg["n"], agg["p50"], agg["p90"])
    values = [(b - a).total_seconds() for a, b in qs.values_list("opened_at", end_field)]
    p50, p90 = _percentiles_python(values)
    return Durations(len(values), p50, p90)


@dataclass(frozen=True)
class Figures:
    start: dt.date
    end: dt.date
    total: int
    by_kind: list[tuple[str, int]]
    by_area: list[tuple[str, int, int]]  # area name, alarms, emergencies
    acknowledge: Durations
    arrive: Durations
    closed: int
    followed_up: int

    @property
    def follow_up_rate(self) -> float | None:
        return self.followed_up / self.closed if self.closed else None


def figures(user: Any, start: dt.date, end: dt.date) -> Figures:
    """Alarms by type and by area (the level below the user's), incident times and the follow-up rate,
    for alarms received and incidents opened from `start` to `end` (inclusive), in the user's jurisdiction."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz)
    alarms = restrict(Alarm.objects.filter(received_at__gte=lo, received_at__lt=hi), user).order_by()
    by_kind_raw = dict(alarms.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    by_kind = [(str(k.label), by_kind_raw.get(k.value, 0)) for k in AlarmKind if by_kind_raw.get(k.value)]
    prefix = getattr(user, "scope_prefix", "") or ""
    length = {0: 6, 1: 4, 2: 4, 4: 6, 6: 9, 9: 12, 12: 12}.get(len(prefix), 6)
    area_rows = (alarms.annotate(area=Substr("division_code", 1, length)).values("area")
                 .annotate(n=Count("pk"), urgent=Count("pk", filter=~Q(kind=AlarmKind.SERVICE))).order_by("area"))
    by_area = [(division_short_name(r["area"]) or r["area"], r["n"], r["urgent"]) for r in area_rows]
    incidents = restrict(Incident.objects.filter(opened_at__gte=lo, opened_at__lt=hi), user)
    closed = incidents.filter(state=IncidentState.CLOSED).order_by()
    counts = closed.aggregate(n=Count("pk"), f=Count("pk", filter=Q(followed_up_at__isnull=False)))
    return Figures(start, end, sum(by_kind_raw.values()), by_kind, by_area, durations(incidents, "acknowledged_at"),
                   durations(incidents, "arrived_at"), counts["n"], counts["f"])
