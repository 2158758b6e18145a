"""Reading the dashboard: every page reads the snapshot table (a few hundred indexed rows whatever the number of
older people); only a township's community table reads live (a township's own rows)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Max
from django.db.models.functions import Substr
from django.http import Http404

from yanglao.core.divisions import division_short_name
from yanglao.core.models import Division
from yanglao.core.scope import division_in_scope

from .geo import wgs84_to_gcj02
from .indicators import BY_KEY, CITY, INDICATORS, Indicator, target_text
from .models import IndicatorSnapshot, ManualEntry
from .services import LEVEL_OF_LENGTH, add_months

TREND_MONTHS = 13
CHILD_LENGTH = {4: 6, 6: 9, 9: 12}


@dataclass
class Cell:
    code: str
    name: str
    text: str
    status: str
    source: str = ""
    note: str = ""


@dataclass
class Line:
    indicator: Indicator
    own: Cell
    children: list[Cell]
    trend: list[tuple[str, float | None]] = field(default_factory=list)

    @property
    def target(self) -> str:
        return target_text(self.indicator)


@dataclass
class Board:
    code: str
    name: str
    month: dt.date | None
    computed_at: dt.datetime | None
    children: list[tuple[str, str]]
    lines: list[Line]
    counts: dict[str, int]
    parent: tuple[str, str] | None

    @property
    def level_name(self) -> str:
        return {4: "全市", 6: "县（市、区）", 9: "乡镇（街道）"}.get(len(self.code), "")


def division_for(user: Any, code: str | None) -> str:
    """The division the page shows: the one asked for if the user may see it (else 404), or the user's own."""
    own = getattr(user, "scope_prefix", None) or ""
    code = (code or own).strip()
    if len(code) not in CHILD_LENGTH or not division_in_scope(user, code):
        raise Http404
    return code


def latest_month() -> dt.date | None:
    return IndicatorSnapshot.objects.aggregate(m=Max("month"))["m"]


def _cell(ind: Indicator, code: str, row: IndicatorSnapshot | None) -> Cell:
    name = division_short_name(code)
    if row is None:
        return Cell(code, name, "—", "none")
    return Cell(code, name, ind.display(row.value, row.numerator, row.denominator), row.status,
                row.get_source_display(), row.note)


def children_of(code: str) -> list[tuple[str, str]]:
    length = CHILD_LENGTH[len(code)]
    return [(c, division_short_name(c)) for c in Division.objects.filter(parent_id=code).order_by("code")
            .values_list("code", flat=True) if len(c) == length]


def board(user: Any, code: str, *, public_only: bool = False) -> Board:
    month = latest_month()
    children = children_of(code) if len(code) < 9 else []
    indicators = [i for i in INDICATORS if (i.public or not public_only)]
    rows: dict[tuple[str, str], IndicatorSnapshot] = {}
    trend: dict[str, dict[dt.date, float | None]] = defaultdict(dict)
    computed_at = None
    if month:
        codes = [code, *(c for c, _ in children)]
        for r in IndicatorSnapshot.objects.filter(month=month, division_code__in=codes):
            rows[(r.indicator, r.division_code)] = r
            computed_at = max(computed_at, r.computed_at) if computed_at else r.computed_at
        since = add_months(month, -(TREND_MONTHS - 1))
        for ind_key, m, value in (IndicatorSnapshot.objects.filter(division_code=code, month__gte=since)
                                  .values_list("indicator", "month", "value")):
            trend[ind_key][m] = float(value) if value is not None else None
    months = [add_months(month, -n) for n in range(TREND_MONTHS - 1, -1, -1)] if month else []
    lines = []
    counts = {"green": 0, "amber": 0, "red": 0, "none": 0}
    level = LEVEL_OF_LENGTH[len(code)]
    for ind in indicators:
        if level not in ind.levels:
            continue
        own = _cell(ind, code, rows.get((ind.key, code)))
        counts[own.status] += 1
        kids = [_cell(ind, c, rows.get((ind.key, c))) for c, _ in children] if LEVEL_OF_LENGTH.get(
            len(children[0][0]) if children else 0) in ind.levels else []
        lines.append(Line(ind, own, kids, [(f"{m:%Y-%m}", trend[ind.key].get(m)) for m in months]))
    parent = None
    if len(code) > 4:
        up = code[:6] if len(code) == 9 else CITY
        parent = (up, division_short_name(up))
    return Board(code, division_short_name(code), month, computed_at, children, lines, counts, parent)


def chart_data(b: Board) -> dict[str, Any]:
    """What the page's script draws: one trend per indicator (JSON, read by static/dashboard/dashboard.js)."""
    return {"trends": {line.indicator.key: {"label": str(line.indicator.label), "unit": line.indicator.unit,
                                            "target": float(line.indicator.target) if line.indicator.unit == "%" else None,
                                            "months": [m for m, _ in line.trend], "values": [v for _, v in line.trend]}
                       for line in b.lines}}


def indicator_history(user: Any, key: str, code: str) -> dict[str, Any]:
    """One indicator over the trend months for a division and each of its children."""
    ind = BY_KEY.get(key)
    if ind is None:
        raise Http404
    month = latest_month()
    children = children_of(code) if len(code) < 9 else []
    codes = [code, *(c for c, _ in children)]
    series: dict[str, dict[str, float | None]] = defaultdict(dict)
    months: list[str] = []
    if month:
        since = add_months(month, -(TREND_MONTHS - 1))
        months = [f"{add_months(since, n):%Y-%m}" for n in range(TREND_MONTHS)]
        for c, m, v in (IndicatorSnapshot.objects.filter(indicator=key, division_code__in=codes, month__gte=since)
                        .values_list("division_code", "month", "value")):
            series[c][f"{m:%Y-%m}"] = float(v) if v is not None else None
    return {"label": str(ind.label), "unit": ind.unit, "months": months,
            "target": float(ind.target) if ind.unit == "%" else None,
            "series": [{"name": division_short_name(c), "values": [series[c].get(m) for m in months]}
                       for c in codes if series.get(c)]}


def manual_entries(user: Any) -> Any:
    return ManualEntry.objects.restrict(user).select_related("entered_by")


# --------------------------------------------------------------------------- the map
def map_data(user: Any, code: str, key: str) -> dict[str, Any]:
    """Counties coloured by an indicator (names as in the boundary file), and townships and facilities as points
    converted from WGS-84 to the boundaries' GCJ-02."""
    from yanglao.homecare.selectors import facilities_for
    from yanglao.institutions.selectors import institutions_for
    from yanglao.planning.models import CommunityPoint

    ind = BY_KEY.get(key) or BY_KEY["day_care"]
    month = latest_month()
    county_values, town_status = [], {}
    if month:
        for r in IndicatorSnapshot.objects.filter(month=month, indicator=ind.key, level__in=[3, 4],
                                                  division_code__startswith=code):
            if r.level == 3 and r.value is not None:
                county_values.append({"name": Division.objects.filter(code=r.division_code).values_list("name", flat=True).first()
                                      or r.division_code, "value": float(r.value), "code": r.division_code,
                                      "text": ind.display(r.value, r.numerator, r.denominator)})
            elif r.level == 4:
                town_status[r.division_code] = (r.status, ind.display(r.value, r.numerator, r.denominator))
    towns = []
    for t, lat, lng in (CommunityPoint.objects.filter(division_code__startswith=code)
                        .annotate(t=Substr("division_code", 1, 9)).values("t")
                        .annotate(lat=Avg("latitude"), lng=Avg("longitude")).values_list("t", "lat", "lng")):
        g = wgs84_to_gcj02(float(lat), float(lng))
        status, text = town_status.get(t, ("none", "—"))
        towns.append({"name": division_short_name(t), "code": t, "value": [round(g[1], 6), round(g[0], 6)],
                      "status": status, "text": text})
    points = []
    for name, _kind, lat, lng in facilities_for(user).filter(active=True, latitude__isnull=False,
                                                             division_code__startswith=code).values_list(
            "name", "kind", "latitude", "longitude")[:2000]:
        g = wgs84_to_gcj02(float(lat), float(lng))
        points.append({"name": name, "value": [round(g[1], 6), round(g[0], 6)], "kind": "facility"})
    for name, lat, lng in institutions_for(user).filter(latitude__isnull=False, division_code__startswith=code).values_list(
            "name", "latitude", "longitude")[:2000]:
        g = wgs84_to_gcj02(float(lat), float(lng))
        points.append({"name": name, "value": [round(g[1], 6), round(g[0], 6)], "kind": "institution"})
    return {"indicator": ind.key, "label": str(ind.label), "unit": ind.unit, "counties": county_values,
            "towns": towns, "points": points, "target": float(ind.target) if ind.unit == "%" else None}


# --------------------------------------------------------------------------- a township's communities (live)
def community_rows(user: Any, township: str) -> list[dict[str, Any]]:
    """A township's communities: 城/乡, active facilities located there, last month's visit rate. Live, but a
    township's own rows only."""
    from yanglao.homecare.selectors import facilities_for
    from yanglao.visits.selectors import last_month, rate_rows

    facilities = dict(facilities_for(user).filter(active=True, division_code__startswith=township)
                      .values("division_code").annotate(n=Count("pk")).values_list("division_code", "n"))
    month = last_month()
    _total, rates = rate_rows(user, month, township)
    rate_of = {r.code: r for r in rates}
    out = []
    for code, urban_rural in (Division.objects.restrict(user).filter(parent_id=township).order_by("code")
                              .values_list("code", "urban_rural")):
        r = rate_of.get(code)
        out.append({"code": code, "name": division_short_name(code), "urban": urban_rural == "urban",
                    "facilities": facilities.get(code, 0), "rate": r.rate_text if r else "—",
                    "visit_status": ("none" if r is None or r.rate is None else "green" if r.rate >= 1 else
                                     "amber" if r.rate >= 0.9 else "red"), "month": month})
    return out


def status_counts_for(user: Any) -> dict[str, int] | None:
    code = getattr(user, "scope_prefix", None)
    month = latest_month()
    if not code or len(code) not in LEVEL_OF_LENGTH or month is None:
        return None
    got = dict(IndicatorSnapshot.objects.filter(month=month, division_code=code).values("status")
               .annotate(n=Count("pk")).values_list("status", "n"))
    return {k: got.get(k, 0) for k in ("green", "amber", "red", "none")}


def is_percent(ind: Indicator) -> bool:
    return ind.unit == "%"


ZERO = Decimal(0)
