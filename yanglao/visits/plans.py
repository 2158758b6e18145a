"""The monthly plan, set-based: who is due (tier rules compiled to one CASE over the registry), how
many visits and when, and to whom (round-robin over the community's active visitors), in one
`INSERT … SELECT … ON CONFLICT DO NOTHING` per county. Re-running a month adds only what is missing.

The SQL is portable between PostgreSQL (production, tests, benchmarks) and SQLite (`make demo`)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from yanglao.core.models import Division, DivisionLevel

from .models import Visit, VisitTier

CITY = "4417"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def due_dates(month: dt.date, n: int) -> list[dt.date]:
    """n visits spread over the month: the k-th due on day ceil(days·k/n) (weekly: 8th, 15th, 23rd, 30th)."""
    days = calendar.monthrange(month.year, month.month)[1]
    return [month.replace(day=-(-days * k // n)) for k in range(1, n + 1)]


def tier_active_in(tier: VisitTier, month: dt.date) -> bool:
    """A tier visited every N months is due in the months whose index is a multiple of N (quarterly:
    January, April, July, October)."""
    return (month.year * 12 + month.month - 1) % tier.interval_months == 0


def tiers_for(county: str, on: dt.date) -> list[VisitTier]:
    """The county's own rules valid on `on`, or else the city default (an override replaces, never mixes)."""
    valid = VisitTier.objects.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    own = list(valid.filter(division_code=county).order_by("rank", "id"))
    if own:
        return own
    return list(valid.filter(division_code=county[:4]).order_by("rank", "id"))


@dataclass(frozen=True)
class CompiledTiers:
    case_sql: str  # CASE … END giving the 1-based position of the first matching rule, or NULL
    params: list[Any]
    needs_level: bool


def compile_tiers(tiers: list[VisitTier], month: dt.date) -> CompiledTiers:
    first, last = month, month_end(month)
    whens: list[str] = []
    params: list[Any] = []
    needs_level = False
    for position, tier in enumerate(tiers, start=1):
        conds: list[str] = []
        if tier.living_situations:
            conds.append("p.living_situation IN (" + ", ".join(["%s"] * len(tier.living_situations)) + ")")
            params.extend(tier.living_situations)
        if tier.categories:
            conds.append(
                "p.id IN (SELECT c.person_id FROM people_personcategory c WHERE c.category IN ("
                + ", ".join(["%s"] * len(tier.categories))
                + ") AND c.valid_from <= %s AND (c.valid_to IS NULL OR c.valid_to >= %s))"
            )
            params.extend([*tier.categories, last, first])
        if tier.min_care_level is not None:
            conds.append("lv.level >= %s")
            params.append(tier.min_care_level)
            needs_level = True
        if not conds:
            continue  # a rule with no criterion matches nobody
        whens.append(f"WHEN {' AND '.join(conds)} THEN {position}")
    case_sql = ("CASE " + " ".join(whens) + " END") if whens else "CAST(NULL AS INTEGER)"
    return CompiledTiers(case_sql, params, needs_level)


LEVEL_JOIN = (
    "LEFT JOIN (SELECT person_id, level FROM (SELECT a.person_id, a.level, row_number() OVER "
    "(PARTITION BY a.person_id ORDER BY a.valid_from DESC, a.id DESC) AS rn FROM assessments_assessment a "
    "WHERE a.scale = 'gbt42195' AND a.status IN ('approved', 'published') AND a.valid_from <= %s "
    "AND a.valid_until >= %s) x WHERE rn = 1) lv ON lv.person_id = p.id"
)


def _seq_table(tiers: list[VisitTier], month: dt.date) -> tuple[str, list[Any]]:
    """(tier position, seq, tier name, due date) for every visit of the month of the tiers due this month."""
    parts: list[str] = []
    params: list[Any] = []
    for position, tier in enumerate(tiers, start=1):
        if not tier_active_in(tier, month):
            continue
        for seq, due in enumerate(due_dates(month, tier.visits_per_month), start=1):
            parts.append("SELECT %s AS tier, %s AS seq, %s AS tier_name, %s AS due")
            params.extend([position, seq, tier.name, due])
    return " UNION ALL ".join(parts), params


def plan_sql(within: str, month: dt.date, tiers: list[VisitTier], *, counties: list[str] | None = None
             ) -> tuple[str, list[Any]] | None:
    """The INSERT … SELECT of the month for the people within `within` (and, if given, in one of
    `counties`, which share these `tiers`), or None when no tier is due this month."""
    seqs, seq_params = _seq_table(tiers, month)
    if not seqs:
        return None
    compiled = compile_tiers(tiers, month)
    now = timezone.now()
    level_join = LEVEL_JOIN if compiled.needs_level else ""
    level_params: list[Any] = [month, month] if compiled.needs_level else []
    county_filter = ""
    county_params: list[Any] = []
    if counties:
        county_filter = "AND substr(p.division_code, 1, 6) IN (" + ", ".join(["%s"] * len(counties)) + ") "
        county_params = list(counties)
    sql = (
        "WITH vis AS (SELECT id, division_code, row_number() OVER (PARTITION BY division_code ORDER BY id) AS idx, "
        "count(*) OVER (PARTITION BY division_code) AS n FROM visits_visitor WHERE active AND division_code LIKE %s), "
        f"tiered AS (SELECT p.id, p.division_code, {compiled.case_sql} AS tier FROM people_person p {level_join} "
        f"WHERE p.status = 'active' AND p.division_code LIKE %s {county_filter}"
        "AND p.id NOT IN (SELECT person_id FROM visits_visitconsent WHERE NOT agreed)), "
        f"seqs AS ({seqs}), "
        "due AS (SELECT t.id, t.division_code, t.tier, row_number() OVER (PARTITION BY t.division_code "
        "ORDER BY t.tier, t.id) AS k FROM tiered t WHERE t.tier IN (SELECT DISTINCT tier FROM seqs)) "
        "INSERT INTO visits_visit (person_id, month, seq, kind, tier_name, due_date, visitor_id, status, missed_reason, "
        "missed_note, change_note, division_code, created_at, updated_at, version) "
        "SELECT d.id, %s, s.seq, 'routine', s.tier_name, s.due, v.id, 'planned', '', '', '', d.division_code, %s, %s, 1 "
        "FROM due d JOIN seqs s ON s.tier = d.tier "
        "LEFT JOIN vis v ON v.division_code = d.division_code AND v.idx = ((d.k - 1) %% v.n) + 1 "
        "WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
    # in the order they appear in the text: the visitors, the CASE, the level join, the people
    params: list[Any] = [within + "%", *compiled.params, *level_params, within + "%", *county_params]
    params.extend(seq_params)
    params.extend([month, now, now])
    return sql, params


def counties_within(prefix: str) -> list[str]:
    """The counties a plan for `prefix` covers (a township's plan is its county's rules, cut to it)."""
    if len(prefix) >= 6:
        return [prefix[:6]]
    return list(Division.objects.filter(level=DivisionLevel.COUNTY, code__startswith=prefix).values_list("code", flat=True))


def generate(prefix: str, month: dt.date) -> int:
    """Insert the month's missing visits for everyone due within `prefix` (a county, a township, a
    community or the city). Counties under the same rules (the city default, usually all of them) share
    one statement. Returns the number of rows added."""
    if len(prefix) >= 6:
        groups = {(): [prefix[:6]]}
        rules = {(): tiers_for(prefix[:6], month)}
    else:
        groups, rules = {}, {}
        for county in counties_within(prefix):
            tiers = tiers_for(county, month)
            key = tuple(t.pk for t in tiers)
            groups.setdefault(key, []).append(county)
            rules[key] = tiers
    everyone = len(groups) == 1
    added = 0
    for key, counties in groups.items():
        if len(prefix) >= 6:
            built = plan_sql(prefix, month, rules[key])
        else:
            built = plan_sql(prefix, month, rules[key], counties=None if everyone else counties)
        if built is None:
            continue
        sql, params = built
        with connection.cursor() as cur:
            cur.execute(sql, params)
            added += max(cur.rowcount, 0)
    return added


def tier_of(person_id: int, county: str, month: dt.date) -> VisitTier | None:
    """The rule a person falls under this month (the same CASE the plan uses), or None."""
    tiers = tiers_for(county, month)
    compiled = compile_tiers(tiers, month)
    level_join = LEVEL_JOIN if compiled.needs_level else ""
    level_params: list[Any] = [month, month] if compiled.needs_level else []
    with connection.cursor() as cur:
        cur.execute(f"SELECT {compiled.case_sql} FROM people_person p {level_join} WHERE p.id = %s",
                    [*compiled.params, *level_params, person_id])
        row = cur.fetchone()
    if not row or row[0] is None:
        return None
    return tiers[int(row[0]) - 1]


def planned_count(prefix: str, month: dt.date) -> int:
    return Visit.objects.filter(month=month, division_code__startswith=prefix).count()
