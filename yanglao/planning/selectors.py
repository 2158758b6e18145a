"""Planning reads: the area rule in force, estate compliance, lease flags, the circle's figures and where to
build next."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.utils import timezone

from yanglao.core.divisions import division_short_name

from .models import (
    ANY_KIND,
    AreaKind,
    AreaRule,
    CircleRun,
    Estate,
    PointKind,
    PointTime,
    PropertyLease,
    RunStatus,
)


# --------------------------------------------------------------------------- rules
def division_names(codes: list[str]) -> dict[str, str]:
    return {c: division_short_name(c) for c in codes}


def rules_in_force(on: dt.date | None = None) -> dict[str, AreaRule | None]:
    """For each kind of area, the applied rule whose dates cover `on` (the latest that began)."""
    day = on or timezone.localdate()
    found: dict[str, AreaRule | None] = {}
    for kind in AreaKind.values:
        found[kind] = (AreaRule.objects.filter(area_kind=kind, applied=True, valid_from__lte=day)
                       .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).order_by("-valid_from").first())
    return found


def conflicting_texts() -> QuerySet[AreaRule]:
    return AreaRule.objects.filter(applied=False).order_by("area_kind", "valid_from")


def _rule_value(rules: dict[str, AreaRule | None], kind: str) -> Decimal | None:
    rule = rules.get(kind)
    return rule.min_m2_per_100 if rule else None


def estates_with_compliance(qs: QuerySet[Estate], rules: dict[str, AreaRule | None]) -> QuerySet[Estate]:
    """Annotates required_m2 (households ÷ 100 × the rule of the estate's kind) and compliant (room ≥ required;
    None where no rule applies) in SQL, so lists and shares filter and count in the database."""
    whens_required = []
    whens_ok = []
    for kind in AreaKind.values:
        value = _rule_value(rules, kind)
        if value is None:
            continue
        required = ExpressionWrapper(F("households") * Value(value) / Value(Decimal(100)),
                                     output_field=DecimalField(max_digits=12, decimal_places=2))
        whens_required.append(When(area_kind=kind, then=required))
        whens_ok.append(When(Q(area_kind=kind) & Q(room_area_m2__gte=required), then=Value(True)))
        whens_ok.append(When(area_kind=kind, then=Value(False)))
    return qs.annotate(
        required_m2=Case(*whens_required, default=Value(None),
                         output_field=DecimalField(max_digits=12, decimal_places=2)),
        compliant=Case(*whens_ok, default=Value(None), output_field=BooleanField(null=True)),
    )


@dataclass
class ShareRow:
    code: str
    name: str
    total: int = 0
    compliant: int = 0
    handed_over: int = 0
    in_use: int = 0

    @property
    def share(self) -> float | None:
        return self.compliant / self.total if self.total else None

    @property
    def share_text(self) -> str:
        return "—" if self.share is None else f"{self.share * 100:.1f}%"


def compliance_by_county(user: Any, kind: str = AreaKind.NEW) -> tuple[ShareRow, list[ShareRow]]:
    """The share of compliant estates of a kind per county and for the whole jurisdiction: one grouped query."""
    rules = rules_in_force()
    qs = estates_with_compliance(Estate.objects.restrict(user).filter(area_kind=kind), rules)
    grouped = (qs.annotate(county=Substr("division_code", 1, 6)).values("county")
               .annotate(total=Count("id"), ok=Count("id", filter=Q(compliant=True)),
                         handed=Count("id", filter=Q(handed_over=True)), used=Count("id", filter=Q(in_use=True)))
               .order_by("county"))
    names = division_names([r["county"] for r in grouped])
    rows = [ShareRow(code=r["county"], name=names.get(r["county"], r["county"]), total=r["total"], compliant=r["ok"],
                     handed_over=r["handed"], in_use=r["used"]) for r in grouped]
    total = ShareRow(code=user.scope_prefix or "", name="", total=sum(r.total for r in rows),
                     compliant=sum(r.compliant for r in rows), handed_over=sum(r.handed_over for r in rows),
                     in_use=sum(r.in_use for r in rows))
    return total, rows


def leases_short(user: Any) -> int:
    return sum(1 for lease in PropertyLease.objects.restrict(user).exclude(status="ended") if lease.term_short)


# --------------------------------------------------------------------------- the circle
def current_run() -> CircleRun | None:
    return (CircleRun.objects.filter(status=RunStatus.DONE).select_related("network").defer("network__graph")
            .order_by("-pk").first())


def latest_run() -> CircleRun | None:
    return CircleRun.objects.select_related("network").defer("network__graph").order_by("-pk").first()


@dataclass
class AreaRow:
    code: str
    name: str
    older: int = 0
    within: int = 0
    outside: int = 0
    unplaced: int = 0  # older people of communities without a point
    communities: int = 0
    communities_outside: int = 0
    minutes: float | None = None  # communities only
    method: str = ""
    methods: set[str] = field(default_factory=set)

    @property
    def share(self) -> float | None:
        placed = self.within + self.outside
        return self.within / placed if placed else None

    @property
    def share_text(self) -> str:
        return "—" if self.share is None else f"{self.share * 100:.1f}%"


def older_by_community(within: str) -> dict[str, int]:
    """Older people in the registry by community: one aggregate query."""
    from yanglao.people.choices import Status
    from yanglao.people.models import Person

    return dict(Person.objects.filter(status=Status.ACTIVE, division_code__startswith=within)
                .values_list("division_code").annotate(n=Count("id")).values_list("division_code", "n"))


def community_rows(user: Any, within: str, kind: str, run: CircleRun | None) -> list[AreaRow]:
    """Every community in `within` (and the user's scope) with its older people and walking minutes."""
    from yanglao.core.models import Division

    communities = list(Division.objects.restrict(user).filter(level=5, code__startswith=within)
                       .order_by("code").values_list("code", "name"))
    older = older_by_community(within)
    times: dict[str, tuple[float | None, str]] = {}
    if run is not None:
        times = {c: (m, meth) for c, m, meth in PointTime.objects.filter(
            run=run, facility_kind=kind, point_kind=PointKind.COMMUNITY, division_code__startswith=within)
            .values_list("division_code", "minutes", "method")}
    threshold = run.threshold_minutes if run else 15
    rows = []
    for code, name in communities:
        n = older.get(code, 0)
        row = AreaRow(code=code, name=_short(name), older=n, communities=1)
        if code in times:
            minutes, method = times[code]
            row.minutes, row.method = minutes, method
            row.methods.add(method)
            if minutes is not None and minutes <= threshold:
                row.within = n
            else:
                row.outside, row.communities_outside = n, 1
        else:
            row.unplaced = n
        rows.append(row)
    return rows


def _short(name: str) -> str:
    for suffix in ("社区居民委员会", "居民委员会", "村民委员会", "社区居委会", "居委会", "村委会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + ("社区" if "居" in suffix else "村")
    return name


def rollup(rows: list[AreaRow], length: int) -> list[AreaRow]:
    """Community rows summed to the areas whose codes have `length` digits (6 county, 9 township)."""
    groups: dict[str, AreaRow] = {}
    for r in rows:
        key = r.code[:length]
        g = groups.setdefault(key, AreaRow(code=key, name=""))
        g.older += r.older
        g.within += r.within
        g.outside += r.outside
        g.unplaced += r.unplaced
        g.communities += 1
        g.communities_outside += r.communities_outside
        g.methods |= r.methods
    names = division_names(list(groups))
    for g in groups.values():
        g.name = names.get(g.code, g.code)
    return [groups[k] for k in sorted(groups)]


def total_of(rows: list[AreaRow], code: str, name: str) -> AreaRow:
    total = AreaRow(code=code, name=name)
    for r in rows:
        total.older += r.older
        total.within += r.within
        total.outside += r.outside
        total.unplaced += r.unplaced
        total.communities += r.communities
        total.communities_outside += r.communities_outside
        total.methods |= r.methods
    return total


def build_next(rows: list[AreaRow], limit: int = 50) -> list[AreaRow]:
    """Where to build next: the communities with the most older people outside the circle (then the farthest)."""
    outside = [r for r in rows if r.outside > 0]
    outside.sort(key=lambda r: (-r.outside, -(r.minutes if r.minutes is not None else 1e9), r.code))
    return outside[:limit]


def map_data(user: Any, within: str, kind: str, run: CircleRun | None, rows: list[AreaRow]) -> dict[str, Any]:
    """Points for the map: communities (within / outside, sized by older people) and facilities of the kind."""
    from yanglao.homecare.models import Facility

    from .models import CommunityPoint

    points = {c: (float(la), float(lo)) for c, la, lo in CommunityPoint.objects.filter(
        division_code__startswith=within).values_list("division_code", "latitude", "longitude")}
    threshold = run.threshold_minutes if run else 15
    inside, outside = [], []
    for r in rows:
        if r.code not in points:
            continue
        lat, lon = points[r.code]
        item = [round(lon, 5), round(lat, 5), r.older, r.name,
                None if r.minutes is None else round(r.minutes, 1)]
        (inside if r.minutes is not None and r.minutes <= threshold else outside).append(item)
    fac_qs = Facility.objects.restrict(user).filter(active=True, division_code__startswith=within)
    if kind != ANY_KIND:
        fac_qs = fac_qs.filter(kind=kind)
    facilities = []
    for name, code, lat, lon in fac_qs.values_list("name", "division_code", "latitude", "longitude"):
        if lat is None or lon is None:
            if code not in points:
                continue
            lat, lon = points[code]
        facilities.append([round(float(lon), 5), round(float(lat), 5), name])
    from django.utils.translation import gettext

    labels = {"inside": gettext("圈内"), "outside": gettext("圈外"), "facilities": gettext("设施"),
              "older": gettext("老年人"), "walk": gettext("步行（分钟）"), "none": gettext("无可达设施"),
              "lon": gettext("经度"), "lat": gettext("纬度")}
    return {"inside": inside, "outside": outside, "facilities": facilities, "threshold": threshold, "labels": labels}


def estate_minutes(run: CircleRun | None, estate_ids: list[int], kind: str) -> dict[int, tuple[float | None, str]]:
    if run is None or not estate_ids:
        return {}
    return {e: (m, meth) for e, m, meth in PointTime.objects.filter(
        run=run, facility_kind=kind, point_kind=PointKind.ESTATE, estate_id__in=estate_ids)
        .values_list("estate_id", "minutes", "method")}


def by_kind_summary(user: Any, within: str, run: CircleRun | None) -> list[dict[str, Any]]:
    """For each facility kind: the share of older people (in communities with a point) within the threshold."""
    from yanglao.homecare.choices import FacilityKind

    if run is None:
        return []
    older = older_by_community(within)
    from yanglao.core.models import Division

    allowed = set(Division.objects.restrict(user).filter(level=5, code__startswith=within).values_list("code", flat=True))
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kind, code, minutes in PointTime.objects.filter(run=run, point_kind=PointKind.COMMUNITY,
                                                        division_code__startswith=within).values_list(
            "facility_kind", "division_code", "minutes"):
        if code not in allowed:
            continue
        n = older.get(code, 0)
        sums[kind][0 if minutes is not None and minutes <= run.threshold_minutes else 1] += n
    labels = dict(FacilityKind.choices)
    out = []
    for kind in [*FacilityKind.values, ANY_KIND]:
        inside, outside = sums[kind]
        placed = inside + outside
        out.append({"kind": kind, "label": labels.get(kind, "任一类设施"), "within": inside, "outside": outside,
                    "share_text": f"{inside / placed * 100:.1f}%" if placed else "—"})
    return out
