"""Province scale: all of Guangdong's divisions and as many synthetic people as a time budget allows.

Issue 17 item 7 asks for 15,000,000 people in one PostgreSQL. This script loads ``load_divisions 44``
(every community of the province), then seeds ``--people`` people spread over all of Guangdong's
communities with one ``seed_people`` call (COPY; it cannot stop half-way, so choose ``--people`` for the
time you have: about 10,000 rows/s on the busy 2-core machine), runs ANALYZE and prints the seed time
and the table and index sizes (pg_total_relation_size, pg_indexes_size). Search figures on the same database:
``bench/bench_search.py --people <count> --database-url … --reuse-database`` (its seed 2026 is the
seed here).

    .venv/bin/python bench/bench_province.py --people 15000000 --database-url postgres://…/yl_province
Last line: province people=… seed_seconds=… rows_per_s=… person_total_mb=… person_index_mb=… db_mb=…
"""

from __future__ import annotations

import os
import time

from common import analyze, fail, log, result, server_version, setup
from common import parser as make_parser

FIRST_SEED = 2026  # the seed bench_search.py expects to find


def main() -> None:
    p = make_parser(__doc__.splitlines()[0])
    p.set_defaults(people=15_000_000)
    args = p.parse_args()
    setup(args, divisions=False)

    from django.db import connection
    from django.utils import timezone

    from yanglao.core.divisions import load_divisions
    from yanglao.core.models import Division, DivisionLevel
    from yanglao.people.models import Person
    from yanglao.people.seeding import seed_people

    started = time.perf_counter()
    load_divisions("44")
    communities = Division.objects.filter(level=DivisionLevel.COMMUNITY, code__startswith="44").count()
    log(f"{server_version()}; divisions 44 loaded ({communities:,} communities) in {time.perf_counter() - started:.1f} s; "
        f"load average {os.getloadavg()[0]:.1f}")
    if communities < 1000:
        fail("the province's divisions did not load", code=1)

    if Person.objects.exists():
        fail("the registry is not empty", code=1)
    # One seed_people call: ID numbers are unique within one seed's run, and two seeds can draw the same
    # ones (the registry's unique ID number refuses the second chunk), so the registry is seeded at once.
    t0 = time.perf_counter()
    total = seed_people(args.people, seed=FIRST_SEED, today=timezone.localdate(), city="44")
    seed_seconds = time.perf_counter() - t0
    log(f"seed_people: {total:,} in {seed_seconds:.1f} s ({total / seed_seconds:,.0f} rows/s); "
        f"load average {os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    analyze()
    log(f"ANALYZE {time.perf_counter() - t0:.1f} s")

    with connection.cursor() as cur:
        cur.execute("""
            SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), pg_indexes_size(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 2 DESC LIMIT 8""")
        sizes = cur.fetchall()
        cur.execute("SELECT pg_database_size(current_database())")
        db_bytes = cur.fetchone()[0]
        cur.execute("""SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes
                       WHERE relname = 'people_person' ORDER BY 2 DESC""")
        person_indexes = cur.fetchall()
    mb = 1024 * 1024
    log("table                          total MB   heap MB  indexes MB")
    for name, tot, heap, idx in sizes:
        log(f"{name:<30} {tot / mb:>9,.0f} {heap / mb:>9,.0f} {idx / mb:>11,.0f}")
    log("people_person indexes: " + ", ".join(f"{n} {s / mb:,.0f} MB" for n, s in person_indexes))
    person = next((s for s in sizes if s[0] == "people_person"), ("people_person", 0, 0, 0))
    result("province", people=total, seed_seconds=round(seed_seconds, 1),
           rows_per_s=round(total / seed_seconds) if seed_seconds else 0,
           person_total_mb=round(person[1] / mb), person_index_mb=round(person[3] / mb), db_mb=round(db_bytes / mb),
           load_avg=round(os.getloadavg()[0], 1))


if __name__ == "__main__":
    main()
