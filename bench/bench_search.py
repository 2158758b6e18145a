"""Person search among N people, every search kind, for a county, a township and a city user.

The real code path of the pages: `selectors.search_page(user, filters)` — search_people scoped to the
user plus the first page of 20 rows in the search's order (the same query the people list and the API
read; the list page adds a total, timed apart as `count`). Each call is timed with time.perf_counter.

Kinds (a random sample of the user's own people supplies the values):
  name (full name), name_prefix (its first two characters), surname (its first character),
  rare_name (a full name borne by at most 3 people in the whole city, mostly outside the user's area:
  the case that walked the whole registry), id_number, last4_name, phone, community (division filter),
  category, age_band, status, name_age (name prefix + age band + status), community_category.

Baseline: Person.objects.get(pk=…) for the same people, timed the same way, per user level.
After each level's warm-up the process's heap is settled as a web worker's is once it has loaded the
application (yanglao.ops.heap.settle: URLs loaded, one collection, gc.freeze), so a garbage collection
walks what the searches create, not the benchmark's own lists.
The full-identifier guard (core.privacy.guard_identifier_search: an audit record and a rate-limit
counter, committed writes whatever the registry's size) is timed apart during the warm-up and reported
as guard_p50_ms; the timed searches run without it, so the ratios compare query plans.
`p99_ratio` = the largest p99 of any kind and level / pk p50; `max_ratio` likewise with the maximum.
The EXPLAIN (ANALYZE, BUFFERS) of the slowest query of the run is printed: the statement the search ran.

    .venv/bin/python bench/bench_search.py --people 1000000
    .venv/bin/python bench/bench_search.py --people 4000000 --database-url …/yl_bench4m --reuse-database
Last line: search people=… pk_p50_ms=… p99_ratio=… max_ratio=… worst_p99=… worst_max=… (+ per kind and level)
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable
from typing import Any

from common import CITY, Timer, analyze, fail, log, percentile, result, server_version, setup
from common import parser as make_parser

SEED = 2026
LEVELS = {"county": ("county_staff", "441702"), "township": ("township_staff", "441702001"), "city": ("city_admin", CITY)}
KINDS = ("name", "name_prefix", "surname", "rare_name", "id_number", "last4_name", "phone", "community", "category",
         "age_band", "status", "name_age", "community_category")
CATEGORIES = ("tekun", "dibao", "severe_disability", "veteran", "family_planning_special", "economic_hardship")
STATUSES = ("deceased", "moved_away", "active")
WARMUP = 20


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def first_page_queryset(user: Any, filters: dict[str, Any]) -> Any:
    """The queryset of the first page (21 rows), as search_page builds it."""
    from yanglao.people import selectors

    qs = selectors.search_people(user, filters)
    if hasattr(selectors, "order_search"):
        return selectors.order_search(qs, filters)[:21]
    return qs.order_by("-pk")[:21]  # the code before issue 22 (to measure it with the same script)


def search_rows(user: Any, filters: dict[str, Any]) -> list[Any]:
    from yanglao.people import selectors

    if hasattr(selectors, "search_page"):
        return selectors.search_page(user, filters).rows
    return selectors.keyset_page(selectors.search_people(user, filters), after=None).rows


def explain(qs: Any) -> str:
    return qs.explain(analyze=True, buffers=True)


def explain_as_run(user: Any, filters: dict[str, Any]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement the search actually ran for its page (the written-out
    first page where it applies, selectors._written_first_page), else of the ORM's first-page query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        search_rows(user, filters)
    ran = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT") and "people_person" in q["sql"]]
    if not ran:
        return explain(first_page_queryset(user, filters))
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {ran[-1]}")
        return "\n".join(row[0] for row in cur.fetchall())


def plan_summary(plan: str) -> str:
    backward_pk = re.search(r"Index Scan Backward using people_person_pkey", plan) is not None
    seq = re.search(r"Seq Scan on people_person\b", plan) is not None
    indexes = sorted(set(re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\w+)", plan)
                         + re.findall(r"Bitmap Index Scan on (\w+)", plan)))
    removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))
    flags = (["BACKWARD PRIMARY-KEY WALK"] if backward_pk else []) + (["SEQUENTIAL SCAN"] if seq else [])
    return f"{', '.join(flags) or 'ok'}; indexes: {', '.join(indexes) or '-'}; rows removed by filter: {removed}"


def main() -> None:
    p = make_parser(__doc__.splitlines()[0])
    p.add_argument("--sample", type=int, default=200, help="queries per kind and level (default 200)")
    p.add_argument("--reuse-database", action="store_true",
                   help="keep the database if it already holds this seed of --people people (migrate only)")
    args = p.parse_args()
    os.environ.setdefault("YANGLAO_IDENTIFIER_SEARCH_PER_HOUR", "100000000")  # the bench is one account
    os.environ.setdefault("YANGLAO_IDENTIFIER_SEARCH_FLAG_PER_DAY", "100000000")
    setup(args, recreate=not args.reuse_database)

    from django.db.models import Count
    from django.utils import timezone

    from yanglao.core.crypto import decrypt
    from yanglao.core.models import User
    from yanglao.core.pagination import fast_count
    from yanglao.core.testing import make_user
    from yanglao.ops.heap import settle
    from yanglao.people import selectors
    from yanglao.people.choices import AGE_BANDS
    from yanglao.people.models import Person
    from yanglao.people.seeding import seed_people

    log(f"{server_version()}, searching among {args.people:,} people")
    timer = Timer()
    with timer.phase("seed_people"):
        added = seed_people(args.people, seed=SEED, today=timezone.localdate(), city=CITY)
    total = Person.objects.count()
    if total != args.people:
        fail(f"the database holds {total:,} people, not {args.people:,}: run without --reuse-database", code=1)
    if added:
        with timer.phase("VACUUM ANALYZE"):  # as autovacuum does after a bulk load (its insert threshold): the
            from django.db import connection  # visibility map that index-only scans rely on

            with connection.cursor() as cur:
                cur.execute("VACUUM people_person")
                cur.execute("VACUUM people_personcategory")
            analyze()

    # The full-identifier guard (an audit record and a rate-limit counter, two committed writes: the
    # security rule, not the search) is timed apart, so the figures compare query plans, not fsyncs.
    guard = selectors.guard_identifier_search
    guard_times: list[float] = []
    selectors.guard_identifier_search = lambda *a, **k: guard_times.append(timed(lambda: guard(*a, **k)))  # type: ignore[assignment]

    def no_guard(*args: Any, **kwargs: Any) -> None:
        return None

    rng = random.Random(SEED)
    today = timezone.localdate()
    rare = list(Person.objects.filter(division_code__startswith=CITY).values("name").annotate(n=Count("id"))
                .filter(n__lte=3).order_by("name")
                .values_list("name", flat=True)[:20000])
    if len(rare) < args.sample + WARMUP:
        fail("too few rare names: use more --people", code=1)
    bands = list(AGE_BANDS)
    times: dict[tuple[str, str], list[float]] = {}
    counts: dict[str, list[float]] = {}
    slowest: tuple[float, str, str, dict[str, Any]] = (0.0, "", "", {})
    pk_p50s: dict[str, float] = {}
    for level, (role, code) in LEVELS.items():
        user = User.objects.filter(username=f"bench-{level}").first() or make_user(role, code, username=f"bench-{level}")
        ids = list(Person.objects.filter(division_code__startswith=code).exclude(phone_hash="")
                   .values_list("pk", flat=True))
        chosen = rng.sample(ids, args.sample + WARMUP)
        del ids  # a server process holds no list of a county's million ids: every GC pass would walk it
        people = Person.objects.in_bulk(chosen)
        queries: list[dict[str, dict[str, Any]]] = []
        for i, pk in enumerate(chosen):
            person = people[pk]
            id_number = decrypt(person.id_number_enc)
            age = person.age_on(today)
            band = next((b for b, (lo, hi) in AGE_BANDS.items() if age >= lo and (hi is None or age <= hi)), bands[i % 5])
            queries.append({
                "pk": {"pk": pk},
                "name": {"q": person.name},
                "name_prefix": {"q": person.name[:2]},
                "surname": {"q": person.name[:1]},
                "rare_name": {"q": rng.choice(rare)},
                "id_number": {"q": id_number},
                "last4_name": {"q": id_number[-4:] + person.name},
                "phone": {"q": decrypt(person.phone_enc)},
                "community": {"division": person.division_code},
                "category": {"category": CATEGORIES[i % len(CATEGORIES)]},
                "age_band": {"age_band": bands[i % len(bands)]},
                "status": {"status": STATUSES[i % len(STATUSES)]},
                "name_age": {"q": person.name[:2], "age_band": band, "status": "active"},
                "community_category": {"division": person.division_code, "category": CATEGORIES[i % len(CATEGORIES)]},
            })
        warm, sample = queries[:WARMUP], queries[WARMUP:]
        for query in warm:
            Person.objects.get(pk=query["pk"]["pk"])
            for kind in KINDS:
                search_rows(user, query[kind])  # with the guard: its cost, timed
        settle()  # the heap as a web worker settles it once the application is loaded (yanglao.ops.heap)
        timed_guard = selectors.guard_identifier_search
        selectors.guard_identifier_search = no_guard  # type: ignore[assignment]
        level_times: dict[str, list[float]] = {kind: [] for kind in ("pk", *KINDS)}
        with timer.phase(f"{level}: {len(sample)} × {len(KINDS)} searches"):
            for query in sample:
                pk = query["pk"]["pk"]
                level_times["pk"].append(timed(lambda pk=pk: Person.objects.get(pk=pk)))
                for kind in KINDS:
                    found: list[Any] = []
                    t = timed(lambda f=query[kind], found=found, u=user: found.extend(search_rows(u, f)))
                    level_times[kind].append(t)
                    if kind in ("id_number", "phone", "last4_name") and pk not in {p.pk for p in found}:
                        fail(f"{level} {kind} did not find its person", code=1)
                    if t > slowest[0]:
                        slowest = (t, level, kind, query[kind])
            count_times = [timed(lambda f=query[kind], u=user: fast_count(selectors.search_people(u, f)))
                           for query in sample[:40] for kind in ("surname", "community", "category", "status")]
        counts[level] = count_times
        selectors.guard_identifier_search = timed_guard  # type: ignore[assignment]
        pk_p50s[level] = percentile(level_times["pk"], 50)
        for kind, values in level_times.items():
            times[(level, kind)] = values

    pk_p50 = percentile([t for level in LEVELS for t in times[(level, "pk")]], 50)
    log(f"\nget by pk p50: {pk_p50:.2f} ms (per level: "
        + ", ".join(f"{lv} {v:.2f}" for lv, v in pk_p50s.items()) + ")")
    log(f"{'level':<9} {'kind':<19} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'p99/pk':>7} {'max/pk':>7}")
    fields: dict[str, float | int | str] = {"people": args.people, "pk_p50_ms": pk_p50}
    worst_p99 = (0.0, "")
    worst_max = (0.0, "")
    for level in LEVELS:
        for kind in ("pk", *KINDS):
            values = times[(level, kind)]
            p50, p95, p99, top = (percentile(values, 50), percentile(values, 95), percentile(values, 99), max(values))
            log(f"{level:<9} {kind:<19} {p50:8.2f} {p95:8.2f} {p99:8.2f} {top:8.2f} {p99 / pk_p50:7.1f} {top / pk_p50:7.1f}")
            if kind == "pk":
                continue
            fields[f"{level}_{kind}_p50_ms"] = p50
            fields[f"{level}_{kind}_p99_ms"] = p99
            worst_p99 = max(worst_p99, (p99, f"{level}/{kind}"))
            worst_max = max(worst_max, (top, f"{level}/{kind}"))
        c = counts[level]
        log(f"{level:<9} {'(total: fast_count)':<19} {percentile(c, 50):8.2f} {percentile(c, 95):8.2f} "
            f"{percentile(c, 99):8.2f} {max(c):8.2f}")
        fields[f"{level}_count_p99_ms"] = percentile(c, 99)

    log(f"full-identifier guard (audit record + rate-limit counter, two commits), timed apart: "
        f"p50 {percentile(guard_times, 50):.2f} ms, p99 {percentile(guard_times, 99):.2f} ms ({len(guard_times)} calls)")
    fields["guard_p50_ms"] = percentile(guard_times, 50)
    t, level, kind, filters = slowest
    user = User.objects.get(username=f"bench-{level}")
    shown = {k: ("…" if k == "q" and kind in ("id_number", "phone", "last4_name") else v) for k, v in filters.items()}
    log(f"\nslowest query of the run: {level} {kind} {shown} {t:.1f} ms")
    plan = explain_as_run(user, filters)
    log(f"  {plan_summary(plan)}")
    for line in plan.splitlines():
        log(f"    {line}")
    fields["p99_ratio"] = round(worst_p99[0] / pk_p50, 2)
    fields["max_ratio"] = round(worst_max[0] / pk_p50, 2)
    fields["worst_p99"] = worst_p99[1]
    fields["worst_max"] = worst_max[1]
    fields["goal"] = "met" if fields["p99_ratio"] <= 5 and fields["max_ratio"] <= 20 else "missed"
    result("search", **fields)


if __name__ == "__main__":
    main()
