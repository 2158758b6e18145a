"""Importing an N-row CSV with full validation (yanglao.people.importing.import_file_now).

Baseline (the floor): PostgreSQL's own COPY of the same file into a plain table with the same
17 columns, all text, streamed from the file the same way (psycopg `cursor.copy`). No import can
be faster than that: it is reading, parsing and writing the bytes with no checks at all.
`copy_ratio = import_seconds / copy_seconds` (the first goal, ≤ 5, is out of reach with encryption
at rest and the registry's indexes: docs/performance.md).

Write floor (the fair floor): the same rows, already validated, encrypted and hashed — exactly the
rows the import stored in `people_person` — written by `COPY` into an empty table with the registry's
structure and every one of its indexes (`CREATE TABLE … (LIKE people_person INCLUDING ALL)`). That is
what storing these people costs with no reading, no checking and no sealing; the import does all of
those (and the categories) on top. `write_floor_ratio = import_seconds / write_floor_seconds`; the
goal is ≤ 2.

The CSV is the Chinese template (importing.COLUMNS) filled from yanglao.core.synth.synth_people:
labels for 居住状况 and 人员类别, 残疾等级 for 重度残疾, 性别 and 出生日期 (checked against the ID
number). It is imported into an empty registry by the real code path.

    .venv/bin/python bench/bench_import.py --people 1000000
    .venv/bin/python bench/bench_import.py --people 100000 --profile   # where the time goes
Last line: import rows=… seconds=… rows_per_s=… copy_seconds=… copy_ratio=… write_floor_seconds=… write_floor_ratio=… processes=…
"""

from __future__ import annotations

import cProfile
import csv
import datetime as dt
import functools
import io
import os
import pstats
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import CITY, Timer, fail, log, result, server_version, setup
from common import parser as make_parser

SEED = 7331  # not the seeding benchmark's seed, so the people differ


def write_csv(path: Path, n: int, *, today: dt.date, contact_share: float) -> None:
    """The template's columns, one synthetic person a row, as an office would fill them in."""
    from yanglao.core.models import Division, DivisionLevel
    from yanglao.core.synth import synth_people
    from yanglao.people.choices import Category, LivingSituation
    from yanglao.people.importing import COLUMNS

    communities = list(
        Division.objects.filter(level=DivisionLevel.COMMUNITY, code__startswith=CITY).values_list("code", "name")
    )
    living = {code: str(label) for code, label in LivingSituation.choices}
    category = {code: str(label) for code, label in Category.choices}
    grade = {1: "一级", 2: "二级"}
    rng = random.Random(SEED)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([header for _field, header, _required, _example in COLUMNS])
        for i, p in enumerate(synth_people(n, seed=SEED, communities=communities, today=today)):
            cats = p.categories
            since = f"{2012 + i % 12}-{1 + i % 12:02d}-01" if cats else ""
            contact = rng.random() < contact_share
            out.writerow([
                p.name, p.id_number, "男" if p.sex == "M" else "女", p.birth_date.isoformat(), p.phone or "",
                p.community_code, p.id_number[:6], p.address, living[p.living_situation],
                "、".join(category[c] for c in cats), since,
                f"阳民〔{2012 + i % 12}〕{i % 97 + 1}号" if cats else "", "阳江市民政局" if cats else "",
                grade[p.disability_grade] if p.disability_grade else "",
                "李建国" if contact else "", "儿子" if contact else "",
                f"139{i % 100000000:08d}" if contact else "",
            ])


def copy_floor(path: Path) -> float:
    """Seconds for PostgreSQL to COPY the file into a plain all-text table (the floor)."""
    from django.db import connection

    from yanglao.people.importing import COLUMNS

    columns = ", ".join(f"{field} text" for field, _h, _r, _e in COLUMNS)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_copy_floor")
        cur.execute(f"CREATE TABLE bench_copy_floor ({columns})")
        started = time.perf_counter()
        with open(path, "rb") as fh, cur.cursor.copy("COPY bench_copy_floor FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cur.execute("SELECT count(*) FROM bench_copy_floor")
        copied = cur.fetchone()[0]
        cur.execute("DROP TABLE bench_copy_floor")
    log(f"  COPY floor: {copied:,} rows in {seconds:.2f} s")
    return seconds


def insert_floor(path: Path) -> float:
    """SQLite has no COPY: the floor there is executemany into a plain table (only for --allow-sqlite)."""
    from django.db import connection

    from yanglao.people.importing import COLUMNS

    names = [field for field, _h, _r, _e in COLUMNS]
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_copy_floor")
        cur.execute(f"CREATE TABLE bench_copy_floor ({', '.join(f'{n} text' for n in names)})")
        started = time.perf_counter()
        with open(path, encoding="utf-8", newline="") as fh:
            rows = csv.reader(fh)
            next(rows)
            cur.executemany(f"INSERT INTO bench_copy_floor VALUES ({', '.join(['%s'] * len(names))})", list(rows))
        seconds = time.perf_counter() - started
        cur.execute("DROP TABLE bench_copy_floor")
    return seconds


def write_floor(runs: int) -> float:
    """Seconds to COPY the imported (sealed) people into an empty table with people_person's structure
    and indexes; the median of `runs`. The rows are read out of the registry first (not timed)."""
    from django.db import connection

    from yanglao.people.models import Person

    table = Person._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM pg_indexes WHERE tablename = '{table}'")
        indexes = cur.fetchone()[0]
        buffer = io.BytesIO()
        with cur.cursor.copy(f"COPY (SELECT * FROM {table} ORDER BY id) TO STDOUT (FORMAT binary)") as copy:
            for chunk in copy:
                buffer.write(chunk)
        data = buffer.getvalue()
        timings = []
        for _ in range(max(1, runs)):
            cur.execute("DROP TABLE IF EXISTS bench_write_floor")
            cur.execute(f"CREATE TABLE bench_write_floor (LIKE {table} INCLUDING ALL)")
            cur.execute("CHECKPOINT")
            before = cpu_seconds()["server"]
            started = time.perf_counter()
            with cur.cursor.copy("COPY bench_write_floor FROM STDIN (FORMAT binary)") as copy:
                view = memoryview(data)
                for at in range(0, len(view), 1 << 20):
                    copy.write(view[at:at + (1 << 20)])
            timings.append(time.perf_counter() - started)
            log(f"  write floor run: {timings[-1]:.2f} s wall, server CPU {cpu_seconds()['server'] - before:.1f} s")
            cur.execute("SELECT count(*) FROM bench_write_floor")
            copied = cur.fetchone()[0]
        cur.execute("DROP TABLE bench_write_floor")
    seconds = statistics.median(timings)
    log(f"  write floor: {copied:,} sealed rows into a copy of {table} with its {indexes} indexes: "
        + ", ".join(f"{t:.2f}" for t in timings) + " s")
    return seconds


def cpu_seconds() -> dict[str, float]:
    """CPU seconds so far of this process, of its finished child processes (the import's workers) and
    of this connection's PostgreSQL backend (from /proc: the server runs on this machine)."""
    import resource

    from django.db import connection

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"main": me.ru_utime + me.ru_stime, "workers": kids.ru_utime + kids.ru_stime, "server": 0.0}
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        out["server"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        pass
    return out


class Phases:
    """Wall time spent inside a few functions of the import, by wrapping them for this run only."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, module: Any, name: str, label: str) -> None:
        original = getattr(module, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started
                self.calls[label] = self.calls.get(label, 0) + 1

        setattr(module, name, timed)


class SlowStatements:
    """Django execute wrapper: SQL statements slower than `threshold` seconds, with their time."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self.found: list[tuple[float, str]] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            if elapsed >= self.threshold:
                self.found.append((elapsed, " ".join(sql.split())[:110]))


def print_profile(profile: cProfile.Profile, total: float) -> None:
    stream = io.StringIO()
    stats = pstats.Stats(profile, stream=stream)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(r"yanglao|cryptography|hmac|psycopg|csv|tabular", 30)
    log(stream.getvalue())
    log(f"(profiled import: {total:.1f} s with cProfile overhead)")


def main() -> None:
    p = make_parser(__doc__.splitlines()[0])
    p.add_argument("--contact-share", type=float, default=0.0,
                   help="share of rows with an emergency contact (default 0: synth_people has none)")
    p.add_argument("--copy-runs", type=int, default=3, help="COPY floor runs; the median is used (default 3)")
    p.add_argument("--profile", action="store_true", help="run the import under cProfile and print the hot spots")
    p.add_argument("--rows", type=int, help="the same as --people (rows of the file)")
    p.add_argument("--floor-runs", type=int, default=3, help="write-floor runs; the median is used (default 3)")
    args = p.parse_args()
    if args.rows:
        args.people = args.rows
    scratch = setup(args)

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from yanglao.core.audit import AuditActor, audit_context
    from yanglao.people import importing
    from yanglao.people.models import ImportStatus, Person

    log(f"{server_version()}, importing {args.people:,} rows")
    today = timezone.localdate()
    timer = Timer()
    path = scratch / f"people-{args.people}.csv"
    with timer.phase("write CSV"):
        write_csv(path, args.people, today=today, contact_share=args.contact_share)
    log(f"  {path.stat().st_size / 2**20:.0f} MiB")

    with timer.phase("floor (COPY into a plain table)"):
        floor = copy_floor if connection.vendor == "postgresql" else insert_floor
        copy_seconds = statistics.median(floor(path) for _ in range(max(1, args.copy_runs)))

    processes = settings.IMPORT_PROCESSES or os.cpu_count() or 1
    parallel = processes > 1 and args.people >= settings.IMPORT_PARALLEL_MIN_ROWS
    log(f"  rows checked and sealed {'by ' + str(processes) + ' worker processes' if parallel else 'in-process'}")
    phases = Phases()
    if not args.profile:
        # Checking and sealing run in the worker processes (when parallel): their time is inside the first phase.
        phases.wrap(importing, "_validate_and_stage", "read, check + seal (workers), COPY into the stage")
        phases.wrap(importing, "copy_rows", "  of which COPY (stage, categories, contacts)")
        phases.wrap(importing, "_insert_staged", "  of which INSERT … SELECT into the registry (batch by batch)")
        phases.wrap(importing, "_insert_related", "  of which categories and contacts")
    profile = cProfile.Profile() if args.profile else None
    slow = SlowStatements(threshold=2.0)
    cpu_before = cpu_seconds() if connection.vendor == "postgresql" else {}
    started = time.perf_counter()
    with (timer.phase("import_file_now"), audit_context(actor=AuditActor(user_id=None, username="bench:import")),
          connection.execute_wrapper(slow)):
        if profile:
            profile.enable()
        job = importing.import_file_now(path=str(path), by=None, division_code=CITY, all_or_nothing=False)
        if profile:
            profile.disable()
    seconds = time.perf_counter() - started

    if cpu_before:
        spent = {k: v - cpu_before[k] for k, v in cpu_seconds().items()}
        log("  CPU seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in spent.items())
            + f"; total {sum(spent.values()):.1f} ({sum(spent.values()) / args.people * 1e6:.0f} µs/row) over "
            f"{seconds:.1f} s wall on {os.cpu_count()} cores")
    people = Person.objects.count()
    log(f"  job: {job.status} · {job.message}")
    if job.status != ImportStatus.DONE or job.created_people != args.people or people != args.people:
        fail(f"expected {args.people} people imported; job {job.status}, created {job.created_people}, "
             f"table holds {people}: {job.message}", code=1)
    if profile:
        print_profile(profile, seconds)
    else:
        rest = seconds - sum(spent for label, spent in phases.seconds.items() if not label.startswith(" "))
        for label, spent in [*phases.seconds.items(), ("reading/parsing the file, loop, storage, audit", rest)]:
            log(f"  {label:<48} {spent:7.1f} s  {spent / seconds:4.0%}  ({spent / args.people * 1e6:6.1f} µs/row)")
    for elapsed, sql in slow.found:
        log(f"  slow SQL {elapsed:6.1f} s  {sql}")
    ratio = seconds / copy_seconds
    floor_seconds = 0.0
    if connection.vendor == "postgresql":
        with timer.phase("write floor (COPY of the sealed rows into people_person's structure and indexes)"):
            floor_seconds = write_floor(args.floor_runs)
    floor_ratio = seconds / floor_seconds if floor_seconds else 0.0
    log(f"{args.people:,} rows in {seconds:.1f} s = {args.people / seconds:,.0f} rows/s; COPY floor {copy_seconds:.2f} s; "
        f"ratio {ratio:.1f}× (first goal ≤ 5×: {'met' if ratio <= 5 else 'NOT met'}); write floor {floor_seconds:.2f} s, "
        f"write_floor_ratio {floor_ratio:.2f} (goal ≤ 2: {'met' if floor_ratio and floor_ratio <= 2 else 'NOT met'})")
    result("import", rows=args.people, seconds=seconds, rows_per_s=round(args.people / seconds),
           copy_seconds=copy_seconds, copy_ratio=round(ratio, 1), write_floor_seconds=round(floor_seconds, 2),
           write_floor_ratio=round(floor_ratio, 2), processes=processes if parallel else 1)


if __name__ == "__main__":
    main()
