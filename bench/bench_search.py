"""Person search for a county user among N people (yanglao.people.selectors.search_people).

The real code path of the API and the pages: search_people(user, {"q": …}) scoped to the user's
county, first page by keyset_page (20 rows). For a random sample of the county's people, three
kinds of query — full name (name prefix), full ID number (keyed hash), phone (keyed hash) — plus
last four ID digits + name. Each query is timed with time.perf_counter around the whole call.

Baseline: Person.objects.get(pk=…) for the same people, timed the same way — the cheapest read
the ORM can do. `pk_ratio = p50(search, name/ID/phone) / p50(get by pk)`.
EXPLAIN ANALYZE runs once per kind and says which index each plan uses.

    .venv/bin/python bench/bench_search.py --people 1000000
Last line: search people=… p50_ms=… p95_ms=… pk_ratio=… (+ per kind)
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from typing import Any

from common import CITY, Timer, analyze, fail, log, percentile, result, server_version, setup
from common import parser as make_parser

SEED = 2026
COUNTY = "441702"  # 江城区
KINDS = ("name", "id_number", "phone")  # the three; last4_name is reported on its own
WARMUP = 20


def plan_report(kind: str, qs: Any) -> bool:
    """Print the plan of the first page of `qs`; True when the people table is reached by an index."""
    from django.db import connection

    page = qs.order_by("-pk")[:21]
    if connection.vendor == "postgresql":
        plan = page.explain(analyze=True, buffers=True)
        seq = re.search(r"Seq Scan on people_person\b", plan) is not None
        indexes = sorted(set(re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\w+)", plan)
                             + re.findall(r"Bitmap Index Scan on (\w+)", plan)))
    else:
        plan = page.explain()
        seq = re.search(r"SCAN people_person\b(?! USING)", plan) is not None
        indexes = sorted(set(re.findall(r"USING (?:COVERING )?INDEX (\w+)", plan)))
    removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))
    verdict = "SEQUENTIAL SCAN" if seq else f"index: {', '.join(indexes) or '?'}"
    log(f"  EXPLAIN {kind}: {verdict}; rows removed by filter: {removed}")
    for line in plan.splitlines():
        log(f"    {line}")
    return not seq and bool(indexes)


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    p = make_parser(__doc__.splitlines()[0])
    p.add_argument("--sample", type=int, default=200, help="people searched for (default 200)")
    args = p.parse_args()
    setup(args)

    from django.db.models import Count
    from django.utils import timezone

    from yanglao.core.crypto import decrypt
    from yanglao.core.roles import Role
    from yanglao.core.testing import make_user
    from yanglao.people.models import Person
    from yanglao.people.seeding import seed_people
    from yanglao.people.selectors import keyset_page, search_people

    log(f"{server_version()}, searching among {args.people:,} people")
    timer = Timer()
    with timer.phase("seed_people"):
        seed_people(args.people, seed=SEED, today=timezone.localdate(), city=CITY)
    with timer.phase("ANALYZE"):
        analyze()

    user = make_user(Role.COUNTY_STAFF, COUNTY, username="bench-county")
    assert user.scope_prefix == COUNTY, user.scope_prefix
    rng = random.Random(SEED)
    county_ids = list(
        Person.objects.filter(division_code__startswith=COUNTY).exclude(phone_hash="").values_list("pk", flat=True)
    )
    if len(county_ids) < args.sample + WARMUP:
        fail(f"only {len(county_ids)} people with a phone in {COUNTY}: use more --people", code=1)
    chosen = rng.sample(county_ids, args.sample + WARMUP)
    people = Person.objects.in_bulk(chosen)
    queries: list[dict[str, str]] = []
    for pk in chosen:
        person = people[pk]
        id_number = decrypt(person.id_number_enc)
        queries.append({"pk": str(pk), "name": person.name, "id_number": id_number, "phone": decrypt(person.phone_enc),
                        "last4_name": id_number[-4:] + person.name})
    warm, sample = queries[:WARMUP], queries[WARMUP:]
    log(f"{len(county_ids):,} people with a phone in {COUNTY}; sample {len(sample)}, warm-up {len(warm)}")

    def search(q: str) -> list[Person]:
        return keyset_page(search_people(user, {"q": q}), after=None).rows

    for query in warm:  # connections, caches, the ORM's first compilations
        Person.objects.get(pk=int(query["pk"]))
        for kind in (*KINDS, "last4_name"):
            search(query[kind])

    times: dict[str, list[float]] = {kind: [] for kind in (*KINDS, "last4_name", "pk")}
    misses = 0
    with timer.phase("timed queries"):
        for query in sample:
            pk = int(query["pk"])
            times["pk"].append(timed(lambda pk=pk: Person.objects.get(pk=pk)))
            for kind in (*KINDS, "last4_name"):
                found: list[Person] = []
                times[kind].append(timed(lambda q=query[kind], found=found: found.extend(search(q))))
                if kind != "name" and pk not in {p.pk for p in found}:
                    misses += 1
    if misses:
        fail(f"{misses} exact searches (ID number, phone, last 4 + name) did not find their person", code=1)

    log(f"{'kind':<12} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, values in times.items():
        log(f"{kind:<12} {percentile(values, 50):8.2f} {percentile(values, 95):8.2f} {percentile(values, 99):8.2f} "
            f"{max(values):8.2f}")
    overall = [t for kind in KINDS for t in times[kind]]
    p50, p95 = percentile(overall, 50), percentile(overall, 95)
    pk_p50 = percentile(times["pk"], 50)
    log(f"overall (name, ID, phone): p50 {p50:.2f} ms, p95 {p95:.2f} ms; get by pk p50 {pk_p50:.2f} ms; "
        f"ratio {p50 / pk_p50:.1f}×")

    slowest = sorted(((t, kind, i) for kind in KINDS for i, t in enumerate(times[kind])), reverse=True)[:3]
    for t, kind, i in slowest:
        log(f"  slow: {kind} {sample[i][kind] if kind == 'name' else '…'} {t:.1f} ms")
    if slowest and slowest[0][0] > 20 * p50:
        t, kind, i = slowest[0]
        plan_report(f"slowest ({kind})", search_people(user, {"q": sample[i][kind]}))

    probe = sample[0]
    all_indexed = all([plan_report(kind, search_people(user, {"q": probe[kind]})) for kind in (*KINDS, "last4_name")])
    log("every search kind uses an index" if all_indexed else "WARNING: a search kind does not use an index (see above)")

    # The worst cases of a name search: the county's most common full name, and its surname alone.
    common = (Person.objects.filter(division_code__startswith=COUNTY).values("name").annotate(n=Count("id"))
              .order_by("-n", "name").first())
    assert common is not None
    probes = {"common_name": common["name"], "surname": common["name"][0]}
    probe_p50: dict[str, float] = {}
    for label, q in probes.items():
        search(q)
        runs = [timed(lambda q=q: search(q)) for _ in range(WARMUP)]
        probe_p50[label] = percentile(runs, 50)
        what = f"{common['n']} people of that name in {COUNTY}" if label == "common_name" else "prefix of that name"
        log(f"{label} {q!r} ({what}): p50 {probe_p50[label]:.2f} ms, max {max(runs):.2f} ms")
        plan_report(label, search_people(user, {"q": q}))

    fields: dict[str, float | int | str] = {"people": args.people, "p50_ms": p50, "p95_ms": p95,
                                            "pk_ratio": round(p50 / pk_p50, 1), "pk_p50_ms": pk_p50}
    fields["p99_ms"] = percentile(overall, 99)
    fields["max_ms"] = max(overall)
    for kind in (*KINDS, "last4_name"):
        fields[f"{kind}_p50_ms"] = percentile(times[kind], 50)
        fields[f"{kind}_p95_ms"] = percentile(times[kind], 95)
    for label, value in probe_p50.items():
        fields[f"{label}_p50_ms"] = value
    fields["indexed"] = "yes" if all_indexed else "no"
    result("search", **fields)


if __name__ == "__main__":
    main()
