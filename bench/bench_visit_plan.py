"""The monthly visit plan (定期探访计划) for N older people, set-based, against a hand-written floor.

1. fresh database `yanglao_bench_visits`, N people seeded (COPY) with their categories, current care
   levels for 5 % of them (approved assessments), consent refused by 0.5 %, one visitor per community
   with people (two in every third community), the city default tiers;
2. **plan**: `plans.generate("4417", month)` — who is due by the tier rules (one CASE per county over the
   registry, categories and care levels), how many visits and when, assigned round-robin per community,
   one `INSERT … SELECT … ON CONFLICT DO NOTHING` per county;
3. **floor**: one hand-written `INSERT … SELECT` of the same plan rows (same people, same visits, same due
   dates, same visitors) into `visits_visit` itself under the next month (same indexes, constraints and
   foreign keys), written for this data: the city's tiers inlined, no rule lookup per county, no
   idempotence (`ON CONFLICT`), no jurisdiction filter;
4. **again**: the plan generated a second time (idempotent: adds nothing).

    .venv/bin/python bench/bench_visit_plan.py --people 1000000
Last line: visit_plan people=… due=… seconds=… floor_ratio=…
"""

from __future__ import annotations

import os
import time

from common import Timer, analyze, fail, log, result, server_version, setup
from common import parser as make_parser

SEED = 2026
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yanglao_bench_visits"


def main() -> None:
    p = make_parser(__doc__.splitlines()[0])
    p.set_defaults(database_url=os.environ.get("BENCH_VISITS_DATABASE_URL", DEFAULT_URL))
    args = p.parse_args()
    setup(args)
    timer = Timer()

    from django.db import connection
    from django.utils import timezone

    from yanglao.core.audit import AuditActor, audit_context
    from yanglao.people.seeding import seed_people
    from yanglao.visits import plans
    from yanglao.visits.defaults import ensure_default_tiers
    from yanglao.visits.models import Visit

    if connection.vendor != "postgresql":
        fail("the floor comparison needs PostgreSQL")
    log(f"{server_version()}, {args.people:,} people")
    with timer.phase("seed"), audit_context(actor=AuditActor(user_id=None, username="bench")):
        seed_people(args.people, seed=SEED)
    ensure_default_tiers()
    month = timezone.localdate().replace(day=1)
    reviewer = _reviewer_id()
    with timer.phase("care levels, consents, visitors"), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO assessments_assessment (person_id, division_code, scale, status, reason, requested_via, "
            "request_note, place, items, coma, diagnoses, psychiatrist_diagnosed, risk_events, total, indicators, "
            "base_level, level, rules_applied, reviewer_id, approved_at, rejection_reason, cancelled_reason, "
            "valid_from, valid_until, source, created_at, updated_at, version) "
            "SELECT id, division_code, 'gbt42195', 'approved', 'first', 'staff', '', '', '{}', false, '[]', true, '[]', "
            "40, '{}', 1 + (id / 20) %% 4, 1 + (id / 20) %% 4, '[]', %s, now(), '', '', %s, %s, '', now(), now(), 1 "
            "FROM people_person WHERE id %% 20 = 0", [reviewer, month.replace(year=month.year - 1), month.replace(year=month.year + 1)])
        cur.execute(
            "INSERT INTO visits_visitconsent (person_id, agreed, recorded_on, recorded_by_id, signed_by, note, division_code, "
            "created_at, updated_at, version) SELECT id, false, %s, %s, '', '', division_code, now(), now(), 1 "
            "FROM people_person WHERE id %% 200 = 7", [month, reviewer])
        cur.execute(
            "INSERT INTO visits_visitor (name, kind, division_code, user_id, supervisor_id, phone_masked, active, "
            "created_at, updated_at, version) SELECT '探访员' || n, 'community_worker', c.division_code, NULL, NULL, '', "
            "true, now(), now(), 1 FROM (SELECT DISTINCT division_code FROM people_person) c "
            "CROSS JOIN generate_series(1, 2) n WHERE n = 1 OR hashtext(c.division_code) %% 3 = 0", [])
    analyze()
    with connection.cursor() as cur:  # warm the caches for both runs alike
        for table in ("people_person", "people_personcategory", "assessments_assessment", "visits_visitconsent"):
            cur.execute(f"SELECT count(*) FROM {table}")
    people_due_sql = "SELECT count(DISTINCT person_id) FROM visits_visit WHERE month = %s"

    with timer.phase("plan (plans.generate, set-based)"):
        started = time.perf_counter()
        added = plans.generate("4417", month)
        seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute(people_due_sql, [month])
        due_people = cur.fetchone()[0]
    log(f"plan: {added:,} visits for {due_people:,} people in {seconds:.2f} s")

    with timer.phase("again (idempotent)"):
        started = time.perf_counter()
        again = plans.generate("4417", month)
        again_seconds = time.perf_counter() - started
    if again:
        fail(f"running the month again added {again} rows")

    # --- the floor: one hand-written INSERT … SELECT of the same rows into a copy of the table ---------
    tiers = plans.tiers_for("441702", month)
    if any(t.division_code != "4417" for t in tiers):
        fail("the floor assumes the city default tiers")
    compiled = plans.compile_tiers(tiers, month)
    seqs, seq_params = plans._seq_table(tiers, month)  # noqa: SLF001 — the same due dates, written out
    floor_month = plans.add_months(month, 1)  # the same rows under another month: same table, same constraints
    floor_sql = (
        "WITH vis AS (SELECT id, division_code, row_number() OVER (PARTITION BY division_code ORDER BY id) AS idx, "
        "count(*) OVER (PARTITION BY division_code) AS n FROM visits_visitor WHERE active), "
        f"tiered AS (SELECT p.id, p.division_code, {compiled.case_sql} AS tier FROM people_person p "
        + (plans.LEVEL_JOIN if compiled.needs_level else "")
        + " WHERE p.status = 'active' AND p.id NOT IN (SELECT person_id FROM visits_visitconsent WHERE NOT agreed)), "
        f"seqs AS ({seqs}), "
        "due AS (SELECT t.id, t.division_code, t.tier, row_number() OVER (PARTITION BY t.division_code "
        "ORDER BY t.tier, t.id) AS k FROM tiered t WHERE t.tier IN (SELECT tier FROM seqs)) "
        "INSERT INTO visits_visit (person_id, month, seq, kind, tier_name, due_date, visitor_id, status, "
        "missed_reason, missed_note, change_note, division_code, created_at, updated_at, version) "
        "SELECT d.id, %s, s.seq, 'routine', s.tier_name, s.due, v.id, 'planned', '', '', '', d.division_code, now(), now(), 1 "
        "FROM due d JOIN seqs s ON s.tier = d.tier "
        "LEFT JOIN vis v ON v.division_code = d.division_code AND v.idx = ((d.k - 1) %% v.n) + 1"
    )
    floor_params = [*compiled.params, *([month, month] if compiled.needs_level else []), *seq_params, floor_month]
    with timer.phase("floor: one hand-written INSERT … SELECT"):
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(floor_sql, floor_params)
            floor_rows = cur.rowcount
        floor_seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM ((SELECT person_id, seq, due_date, tier_name, visitor_id FROM visits_visit WHERE month = %s "
            "EXCEPT SELECT person_id, seq, due_date, tier_name, visitor_id FROM visits_visit WHERE month = %s) UNION ALL "
            "(SELECT person_id, seq, due_date, tier_name, visitor_id FROM visits_visit WHERE month = %s "
            "EXCEPT SELECT person_id, seq, due_date, tier_name, visitor_id FROM visits_visit WHERE month = %s)) x",
            [month, floor_month, floor_month, month])
        mismatched = cur.fetchone()[0]
        cur.execute("DELETE FROM visits_visit WHERE month = %s", [floor_month])
    if floor_rows != added or mismatched:
        fail(f"floor wrote {floor_rows} rows, the plan {added} ({mismatched} differ)")
    unassigned = Visit.objects.filter(month=month, visitor__isnull=True).count()

    ratio = seconds / floor_seconds
    log("")
    log("## Monthly visit plan")
    log(f"- plan (plans.generate, {added:,} visits, {due_people:,} people due, {unassigned:,} unassigned): {seconds:.2f} s")
    log(f"- floor (one hand-written INSERT … SELECT, {floor_rows:,} rows): {floor_seconds:.2f} s → ratio {ratio:.2f}")
    log(f"- again (idempotent, 0 rows): {again_seconds:.2f} s")
    result("visit_plan", people=args.people, due=due_people, visits=added, seconds=round(seconds, 2),
           floor_seconds=round(floor_seconds, 2), again_seconds=round(again_seconds, 2), floor_ratio=round(ratio, 2))


def _reviewer_id() -> int:
    from yanglao.core.models import User
    from yanglao.core.roles import Role
    from yanglao.core.testing import make_user

    existing = User.objects.filter(username="bench-reviewer").first()
    return (existing or make_user(Role.COUNTY_STAFF, "441702", username="bench-reviewer")).pk


if __name__ == "__main__":
    main()
