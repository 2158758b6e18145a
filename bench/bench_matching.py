"""Data matching (数据比对): a death list of R rows matched against a registry of N people.

1. fresh database, N people seeded (COPY), a GBK CSV death list written as offices send it (a title
   row; R rows: 95 % people in the registry, 5 % valid ID numbers that are not);
2. **matching**: the real path, `matching.match_import` (read the file with core.tabular, check every
   ID number and date, keyed hash; 10,000 rows at a time: each row's person found by an index-only probe
   on a second connection, the chunk COPY'd into the staging table and written by one INSERT … SELECT
   deciding each row's outcome, while the next chunk is checked; counts, audit, the exchanges log);
3. **floor**: the same file read with the csv module, each ID's keyed hash (the registry stores only
   hashes, so no join can do without it), `COPY` into a temporary table, and one hand-written
   `UPDATE … FROM people_person` join; nothing checked.

`floor_ratio = matching_seconds / floor_seconds` (goal ≤ 2).

    .venv/bin/python bench/bench_matching.py --people 1000000 --rows 100000
    .venv/bin/python bench/bench_matching.py --people 1000000 --rows 100000 --reuse-database   # again, no seeding
Last line: matching rows=… people=… seconds=… floor_ratio=…
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import time

from common import Timer, analyze, fail, log, result, server_version, setup
from common import parser as make_parser

SEED = 909
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yl_h9_audit_bench"


def main() -> None:
    p = make_parser(__doc__.splitlines()[0])
    p.set_defaults(database_url=os.environ.get("BENCH_MATCHING_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--rows", type=int, default=100_000, help="rows in the death list (default 100,000)")
    p.add_argument("--reuse-database", action="store_true",
                   help="keep the database and its registry if it already holds --people people (re-runs)")
    args = p.parse_args()
    setup(args, recreate=not args.reuse_database)
    timer = Timer()

    from django.db import connection

    from yanglao.benefits import matching
    from yanglao.benefits.models import MatchRow
    from yanglao.core.audit import AuditActor, audit_context
    from yanglao.core.crypto import Sealer, decrypt
    from yanglao.core.idnumber import check_digit
    from yanglao.core.roles import Role
    from yanglao.core.testing import make_user
    from yanglao.people.models import Person
    from yanglao.people.seeding import seed_people

    log(f"{server_version()}, {args.people:,} people, {args.rows:,} rows")
    from yanglao.benefits.models import MatchBatch

    MatchBatch.objects.all().delete()  # a re-run: the earlier runs' batches and rows
    have = Person.objects.count()
    if have != args.people:
        if have:
            fail(f"the database holds {have:,} people, not {args.people:,}: run without --reuse-database")
        with timer.phase("seed"), audit_context(actor=AuditActor(user_id=None, username="bench")):
            seed_people(args.people, seed=SEED)
        with connection.cursor() as cur:  # as autovacuum does after a bulk load (its insert threshold): the
            cur.execute("VACUUM people_person")  # visibility map, which the index-only probes rely on
    analyze()

    rng = random.Random(SEED)
    found = min(int(args.rows * 0.95), args.people)
    with timer.phase("write the death list"):
        ids = list(Person.objects.order_by("?").values_list("name", "id_number_enc")[:found])
        lines = ["阳江市公安局 死亡人员名单（基准测试）", "序号,姓名,公民身份号码,死亡日期"]
        for i, (name, enc) in enumerate(ids, start=1):
            lines.append(f"{i},{name},{decrypt(enc)},2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}")
        for i in range(len(ids) + 1, args.rows + 1):  # unique numbers of a county code nobody here has
            first17 = f"441799{1930 + i % 30}{(i // 30) % 12 + 1:02d}{(i // 360) % 28 + 1:02d}{i // 10080:03d}"
            lines.append(f"{i},无此人,{first17 + check_digit(first17)},2026-10-01")
        content = ("\r\n".join(lines) + "\r\n").encode("gbk")
    log(f"file: {len(content) / 1e6:.1f} MB, {args.rows:,} rows ({found:,} in the registry)")

    from yanglao.core.models import User

    user = User.objects.filter(username="bench-matcher").first() or make_user(Role.CITY_ADMIN, "4417",
                                                                              username="bench-matcher")
    from yanglao.ops.heap import settle

    settle()  # as a web worker is before its first upload: URLs loaded (the exchanges log's reverse() would
    # otherwise import every module's URLs inside the timed call: 1.6 s), heap frozen (yanglao.ops.heap)
    with timer.phase("matching (match_import)"):
        started = time.perf_counter()
        batch = matching.match_import(by=user, kind="death", filename="death.csv", content=content,
                                      source_unit="bench", document_no="bench", today=dt.date(2026, 11, 29))
        seconds = time.perf_counter() - started
    log(f"rows {batch.rows:,}: change {batch.changes:,}, consistent {batch.consistent:,}, "
        f"not found {batch.not_found:,}, bad {batch.bad:,}")
    if batch.changes + batch.consistent != found or batch.rows != args.rows:
        fail("matching found the wrong people")

    with timer.phase("floor: csv + keyed hash + COPY + one join"):
        started = time.perf_counter()
        sealer = Sealer()
        with connection.cursor() as cur:
            cur.execute("CREATE TEMP TABLE floor_rows (row_no int, id_hash varchar(64), event_date date, "
                        "person_id bigint)")
            reader = csv.reader(io.StringIO(content.decode("gbk")))
            next(reader), next(reader)
            with cur.copy("COPY floor_rows (row_no, id_hash, event_date) FROM STDIN") as copy:
                for row in reader:
                    copy.write_row((int(row[0]), sealer.hash(row[2], purpose="id_number"), row[3]))
            cur.execute("UPDATE floor_rows r SET person_id = p.id FROM people_person p WHERE p.id_number_hash = r.id_hash")
            floor_matched = cur.rowcount
        floor_seconds = time.perf_counter() - started
    if floor_matched != found:
        fail(f"floor matched {floor_matched}, expected {found}")
    staged = MatchRow.objects.filter(batch=batch, person__isnull=False).count()
    if staged != found:
        fail(f"staged matched {staged}, expected {found}")
    ratio = seconds / floor_seconds
    log(f"matching {seconds:.2f} s ({args.rows / seconds:,.0f} rows/s); floor {floor_seconds:.2f} s; ratio {ratio:.2f}")
    result("matching", rows=args.rows, people=args.people, seconds=round(seconds, 2),
           floor_seconds=round(floor_seconds, 2), floor_ratio=round(ratio, 2))


if __name__ == "__main__":
    main()
