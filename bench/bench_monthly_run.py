"""The monthly benefit run (高龄津贴) for N older people, set-based, against two baselines.

1. fresh database `yanglao_bench_benefits`, N people seeded (COPY), the age allowance set up with
   three bands, last month's run computed and approved (so this month's run has a diff to make);
2. **run**: this month's run through the real engine (`engine.compute`: regular lines, back pay,
   carried failures, stopped list, per-township summary, progress, audit);
3. **floor**: one hand-written `INSERT … SELECT` into the same table computing the same entitlements
   (same people, same amounts), nothing else;
4. **orm**: a per-person ORM loop (the way per-record platforms do it) on a 10,000-person sample,
   scaled to N.

    .venv/bin/python bench/bench_monthly_run.py --people 1000000
    .venv/bin/python bench/bench_monthly_run.py --database-url …/yl_province --reuse-database   # on a seeded registry
Last line: monthly_run people=… seconds=… people_per_s=… floor_seconds=… floor_ratio=… orm_ratio=…
"""

from __future__ import annotations

import datetime as dt
import os
import time
from decimal import Decimal

from common import Timer, analyze, fail, log, result, server_version, setup
from common import parser as make_parser

SEED = 2026
SAMPLE = 10_000
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yanglao_bench_benefits"


def main() -> None:
    p = make_parser(__doc__.splitlines()[0])
    p.set_defaults(database_url=os.environ.get("BENCH_BENEFITS_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--sample", type=int, default=SAMPLE, help="people in the ORM-loop sample (default 10,000)")
    p.add_argument("--reuse-database", action="store_true",
                   help="run on a registry already seeded (e.g. the province database of bench_province.py): "
                        "no seeding, a new programme each time; --people is then what the database holds")
    args = p.parse_args()
    setup(args, recreate=not args.reuse_database)
    timer = Timer()

    from django.db import connection
    from django.utils import timezone

    from yanglao.benefits import services
    from yanglao.benefits.engine import compile_rule, compute
    from yanglao.benefits.models import Entitlement
    from yanglao.benefits.months import add_months, years_before
    from yanglao.core.audit import AuditActor, audit_context
    from yanglao.core.models import User
    from yanglao.core.roles import Role
    from yanglao.core.testing import make_user
    from yanglao.people.models import Person, PersonCategory
    from yanglao.people.seeding import seed_people

    if args.reuse_database and Person.objects.exists():
        args.people = Person.objects.count()
        log(f"{server_version()}, {args.people:,} people already seeded "
            f"({Person.objects.filter(division_code__startswith='4417').count():,} in Yangjiang, the programme's area)")
    else:
        log(f"{server_version()}, {args.people:,} people")
        with timer.phase("seed"), audit_context(actor=AuditActor(user_id=None, username="bench")):
            seed_people(args.people, seed=SEED)
    analyze()

    maker = User.objects.filter(username="bench-maker").first() or make_user(Role.CITY_ADMIN, "4417",
                                                                             username="bench-maker")
    checker = User.objects.filter(username="bench-checker").first() or make_user(Role.CITY_ADMIN, "4417",
                                                                                 username="bench-checker")
    start = dt.date(2020, 1, 1)
    code = f"gaoling{int(time.time())}" if args.reuse_database else "gaoling"
    programme = services.programme_create(by=maker, code=code, name="高龄津贴（基准测试）", kind="allowance",
                                          legal_basis="bench")
    services.rule_add(by=maker, programme=programme, valid_from=start, min_age=80)
    bands = ((80, 89, "50"), (90, 99, "100"), (100, None, "300"))
    for lo, hi, amount in bands:
        services.band_add(by=maker, programme=programme, valid_from=start, key_min=lo, key_max=hi, amount=amount,
                          label=f"{lo}+", document_no="bench")
    month = timezone.localdate().replace(day=1)
    last = add_months(month, -1)

    def run_once(m: dt.date) -> tuple[float, object]:
        run = services.run_preview(by=maker, programme=programme, month=m)
        started = time.perf_counter()
        run = compute(run.pk, run.attempt)
        elapsed = time.perf_counter() - started
        if run.status != "preview":
            fail(f"run failed: {run.message}")
        return elapsed, run

    with timer.phase("last month's run (no previous month)"):
        first_seconds, first = run_once(last)
    services.run_approve(by=checker, run=first)
    analyze()
    log(f"last month: {first.line_count:,} lines, {first.total_amount:,} yuan in {first_seconds:.2f} s")

    with timer.phase("this month's run (engine)"):
        seconds, run = run_once(month)
    log(f"this month: {run.line_count:,} lines, {run.people_count:,} people, {run.total_amount:,} yuan, "
        f"{run.new_count} new, {run.changed_count} changed, {run.stopped_count} stopped")

    # --- the floor: one hand-written INSERT … SELECT of the same entitlements --------------------
    floor_month = add_months(month, 1)
    ref = month  # reference day: the 1st of the run's month
    cut80, cut90, cut100 = (years_before(ref, n) for n in (80, 90, 100))
    floor_sql = (
        "INSERT INTO benefits_entitlement (person_id, programme_id, month, kind, reason, amount, band_label, "
        "division_code, note, created_at, updated_at, version) "
        "SELECT p.id, %s, %s, 'regular', 'new', "
        "CASE WHEN p.birth_date <= %s THEN 300 WHEN p.birth_date <= %s THEN 100 ELSE 50 END, '', p.division_code, "
        "'', now(), now(), 1 FROM people_person p "
        "WHERE p.birth_date <= %s AND p.division_code LIKE '4417%%' "
        "AND (p.status = 'active' OR (p.status IN ('deceased', 'moved_away') AND p.status_date >= %s)) "
        "AND NOT EXISTS (SELECT 1 FROM benefits_suspension s WHERE s.person_id = p.id AND s.programme_id = %s "
        "AND s.from_month <= %s AND (s.to_month IS NULL OR s.to_month >= %s))"
    )
    with timer.phase("floor: one INSERT … SELECT"):
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(floor_sql, [programme.pk, floor_month, cut100, cut90, cut80, month, programme.pk, month, month])
            floor_rows = cur.rowcount
        floor_seconds = time.perf_counter() - started
    regular = Entitlement.objects.filter(run=run, kind="regular").count()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM ((SELECT person_id, amount FROM benefits_entitlement WHERE month = %s "
            "AND run_id IS NULL EXCEPT SELECT person_id, amount FROM benefits_entitlement WHERE run_id = %s "
            "AND kind = 'regular') UNION ALL (SELECT person_id, amount FROM benefits_entitlement WHERE run_id = %s "
            "AND kind = 'regular' EXCEPT SELECT person_id, amount FROM benefits_entitlement WHERE month = %s "
            "AND run_id IS NULL)) x", [floor_month, run.pk, run.pk, floor_month])
        mismatched = cur.fetchone()[0]
    if floor_rows != regular or mismatched:
        fail(f"floor computed {floor_rows} entitlements, the run {regular} ({mismatched} differ)")
    Entitlement.objects.filter(month=floor_month, run__isnull=True).delete()

    # --- the per-person ORM loop on a sample, scaled -------------------------------------------
    orm_month = add_months(month, 2)
    ids = list(Person.objects.order_by("id").values_list("id", flat=True)[: args.sample])
    rule_bands = list(programme.bands.order_by("key_min"))
    rule = programme.rules.get()
    with timer.phase(f"ORM loop over {len(ids):,} people"):
        started = time.perf_counter()
        made = 0
        for person in Person.objects.filter(id__in=ids).order_by("id"):
            if not person.division_code.startswith("4417"):
                continue
            if person.status != "active" and not (person.status in ("deceased", "moved_away")
                                                  and person.status_date and person.status_date >= month):
                continue
            age = person.age_on(ref)
            if rule.min_age is not None and age < rule.min_age:
                continue
            if person.benefit_suspensions.filter(programme=programme, from_month__lte=month).exists():
                continue
            PersonCategory.objects.filter(person=person).exists()  # peers load the categories too
            band = next((x for x in rule_bands if x.key_min <= age and (x.key_max is None or age <= x.key_max)), None)
            if band is None:
                continue
            if Entitlement.objects.filter(person=person, programme=programme, month=orm_month).exists():
                continue
            Entitlement.objects.create(person=person, programme=programme, month=orm_month, kind="regular",
                                       reason="new", amount=band.amount, band=band, band_label=band.label,
                                       division_code=person.division_code)
            made += 1
        orm_sample_seconds = time.perf_counter() - started
    Entitlement.objects.filter(month=orm_month, run__isnull=True).delete()
    orm_seconds = orm_sample_seconds * args.people / max(len(ids), 1)
    log(f"ORM loop: {made} lines for {len(ids):,} people in {orm_sample_seconds:.2f} s → {orm_seconds:,.0f} s "
        f"scaled to {args.people:,}")

    compiled = compile_rule(programme, month)
    assert compiled is not None
    people_per_s = args.people / seconds
    log("")
    log("## Monthly benefit run")
    log(f"- run (engine, {run.line_count:,} lines): {seconds:.2f} s, {people_per_s:,.0f} people/s")
    log(f"- floor (one INSERT … SELECT, {floor_rows:,} rows): {floor_seconds:.2f} s → ratio {seconds / floor_seconds:.2f}")
    log(f"- ORM loop ({len(ids):,}-person sample, scaled): {orm_seconds:,.0f} s → ratio {seconds / orm_seconds:.4f}")
    log(f"- total {run.total_amount:,} yuan ({Decimal(run.total_amount) / max(run.people_count, 1):.2f} per person)")
    result("monthly_run", people=args.people, lines=run.line_count, seconds=round(seconds, 2),
           people_per_s=round(people_per_s), floor_seconds=round(floor_seconds, 2),
           floor_ratio=round(seconds / floor_seconds, 2), orm_seconds=round(orm_seconds),
           orm_ratio=round(seconds / orm_seconds, 4))


if __name__ == "__main__":
    main()
