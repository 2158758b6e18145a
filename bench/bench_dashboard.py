"""指标监测 at city scale: the snapshot job and the city page (issue 16, item 7).

1. fresh database, divisions, the city administrator; the visit plans of last month and this month are generated
   for nobody yet; **baseline**: the snapshot written and the city page `/dashboard/` rendered with an empty registry;
2. N people seeded (COPY), last month's visit plan generated (`visits.plans.generate`) and two thirds of it marked
   done, a comprehensive centre and a day-care centre in every township's first community, serving the township;
3. **snapshot**: `dashboard.services.snapshot_month` for this month (every indicator, city + 4 counties + every
   township, through the modules' selectors);
4. **page**: `/dashboard/` for the city administrator through Django's test client, 30 requests after one warm-up:
   the page reads only the snapshot table, so its time should not grow with the registry.

    .venv/bin/python bench/bench_dashboard.py --people 1000000 --database-url postgres://…/yanglao_bench_dashboard
Last line: dashboard people=… seconds=<page p50> baseline_seconds=<page p50, empty registry> ratio=… p95_seconds=…
snapshot_seconds=… visits=… goal_seconds=1.0
"""

from __future__ import annotations

import os
import statistics
import time

from common import Timer, analyze, fail, log, percentile, result, server_version, setup
from common import parser as make_parser

SEED = 2026
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yanglao_bench_dashboard"
REQUESTS = 30
GOAL_SECONDS = 1.0


def page_times(client, url: str) -> list[float]:  # type: ignore[no-untyped-def]
    got = client.get(url)
    if got.status_code != 200:
        fail(f"{url} answered {got.status_code}")
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        got = client.get(url)
        times.append(time.perf_counter() - started)
        if got.status_code != 200:
            fail(f"{url} answered {got.status_code}")
    return times


def main() -> None:
    p = make_parser(__doc__.splitlines()[0])
    p.set_defaults(database_url=os.environ.get("BENCH_DASHBOARD_DATABASE_URL", DEFAULT_URL))
    args = p.parse_args()
    setup(args)
    timer = Timer()

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from yanglao.core.audit import AuditActor, audit_context
    from yanglao.core.models import Division
    from yanglao.core.roles import Role
    from yanglao.core.testing import make_user
    from yanglao.dashboard import services
    from yanglao.dashboard.models import IndicatorSnapshot
    from yanglao.homecare.models import Facility, FacilityCommunity
    from yanglao.people.seeding import seed_people
    from yanglao.visits import plans
    from yanglao.visits.defaults import ensure_default_tiers

    log(f"{server_version()}, {args.people:,} people")
    today = timezone.localdate()
    city = make_user(Role.CITY_ADMIN, "4417", username="bench-city")
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(city)

    with timer.phase("baseline: snapshot + page, empty registry"):
        services.snapshot_month(today, today=today)
        base = page_times(client, "/dashboard/")
    baseline = statistics.median(base)
    log(f"baseline page p50 {baseline * 1000:.1f} ms")

    with timer.phase("seed"), audit_context(actor=AuditActor(user_id=None, username="bench")):
        seed_people(args.people, seed=SEED)
        ensure_default_tiers()
        last = plans.add_months(today.replace(day=1), -1)
        visits = plans.generate("4417", last)
        with connection.cursor() as cur:
            cur.execute("UPDATE visits_visit SET status = 'done' WHERE month = %s AND person_id %% 3 <> 0", [last])
        for town in Division.objects.filter(level=4, code__startswith="4417").order_by("code"):
            communities = list(Division.objects.filter(parent_id=town.code).values_list("code", flat=True))
            if not communities:
                continue
            for kind in ("centre", "day_care"):
                f = Facility.objects.create(name=f"{town.name}{kind}", kind=kind, division_code=communities[0],
                                            functions=["day_care"], offers_day_care=True)
                FacilityCommunity.objects.bulk_create(
                    [FacilityCommunity(facility=f, division_code=c) for c in communities[: max(1, len(communities) * 2 // 3)]],
                    ignore_conflicts=True)
    analyze()
    log(f"{visits:,} visits planned last month")

    with timer.phase("snapshot (every indicator, every division)"):
        started = time.perf_counter()
        rows = services.snapshot_month(today, today=today)
        snapshot_seconds = time.perf_counter() - started
    log(f"snapshot: {rows} figures in {snapshot_seconds:.2f} s; "
        f"{IndicatorSnapshot.objects.count()} snapshot rows in the table")

    with timer.phase("page at N people"):
        times = page_times(client, "/dashboard/")
    p50, p95 = statistics.median(times), percentile(times, 95)
    ratio = p50 / baseline
    log("")
    log("## 指标监测")
    log(f"- city page p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms ({REQUESTS} requests) at {args.people:,} people")
    log(f"- the same page with an empty registry: p50 {baseline * 1000:.1f} ms → ratio {ratio:.2f}")
    log(f"- snapshot job: {snapshot_seconds:.2f} s")
    if p50 > GOAL_SECONDS:
        log(f"- above the goal of {GOAL_SECONDS} s")
    result("dashboard", people=args.people, seconds=round(p50, 4), baseline_seconds=round(baseline, 4),
           ratio=round(ratio, 2), p95_seconds=round(p95, 4), snapshot_seconds=round(snapshot_seconds, 2), visits=visits,
           goal_seconds=GOAL_SECONDS)


if __name__ == "__main__":
    main()
