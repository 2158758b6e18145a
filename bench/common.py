"""Shared setup for the benchmarks: a fresh database, Django, timers, percentiles and the result line.

Every benchmark is a plain script (``.venv/bin/python bench/bench_X.py --people N``) that

1. drops and re-creates its database (``yanglao_bench`` on the local PostgreSQL by default), runs
   ``migrate`` and loads the Yangjiang divisions, so it can be run again at any time;
2. prints its progress and figures as it goes;
3. ends with exactly one machine-readable line on stdout: ``<name> key=value key=value …``.

Benchmarks refuse to run on SQLite (the figures would say nothing about production) unless given
``--allow-sqlite``, which is only meant for checking that a script still works.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/yanglao_bench"
DEFAULT_PEOPLE = 1_000_000
CITY = "4417"


def parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes; a benchmark may add its own."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--people", type=int, default=DEFAULT_PEOPLE, help="how many people (default 1,000,000)")
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="database to DROP and re-create (default: $BENCH_DATABASE_URL or %(default)s)",
    )
    p.add_argument("--allow-sqlite", action="store_true", help="allow a SQLite database (figures are meaningless)")
    return p


def log(message: str) -> None:
    print(message, flush=True)


def fail(message: str, code: int = 2) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


# --- database and Django -----------------------------------------------------------------------
def _is_sqlite(url: str) -> bool:
    return urlsplit(url).scheme.startswith("sqlite")


def _recreate_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        fail(f"refusing to drop database {name!r}: use a plain name such as yanglao_bench")
    if name in {"postgres", "template0", "template1"}:
        fail(f"refusing to drop database {name!r}")
    maintenance = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))
    try:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        fail(f"cannot reach PostgreSQL at {parts.netloc}: {exc}".strip())


def _recreate_sqlite(url: str) -> None:
    path = Path(urlsplit(url).path)
    if url.startswith("sqlite:////"):
        path = Path("/" + str(path).lstrip("/"))
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def setup(args: argparse.Namespace, *, divisions: bool = True, recreate: bool = True) -> Path:
    """Fresh database (kept as it is with recreate=False: a benchmark that reuses a big seeded registry),
    Django set up, migrated, divisions loaded. Returns a scratch directory (also Django's var dir, so
    uploads do not land in the shared ./var) removed at exit."""
    url: str = args.database_url
    if args.people < 1:
        fail("--people must be at least 1")
    if not recreate:
        pass
    elif _is_sqlite(url):
        if not args.allow_sqlite:
            fail(
                "the benchmarks measure PostgreSQL and refuse to run on SQLite. Point --database-url "
                "(or BENCH_DATABASE_URL) at PostgreSQL, or pass --allow-sqlite to check the script only."
            )
        _recreate_sqlite(url)
    elif urlsplit(url).scheme.startswith("postgres"):
        _recreate_postgres(url)
    else:
        fail(f"unsupported database URL: {url}")

    scratch = Path(tempfile.mkdtemp(prefix="yanglao-bench-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "yanglao.config.settings"
    os.environ["YANGLAO_DEMO"] = "true"
    os.environ["YANGLAO_REQUIRE_2FA"] = "false"
    os.environ["DATABASE_URL"] = url
    os.environ["YANGLAO_VAR_DIR"] = str(scratch)
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    if divisions:
        from yanglao.core.divisions import load_divisions

        load_divisions(CITY)
    log(f"database {redact(url)} ready (migrate + divisions: {time.perf_counter() - started:.1f} s)")
    return scratch


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def vendor() -> str:
    from django.db import connection

    return connection.vendor


def server_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            return f"PostgreSQL {cur.fetchone()[0]}"
    return connection.vendor


def analyze() -> None:
    """Fresh statistics, as autovacuum would have after a bulk load."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")


# --- timing ------------------------------------------------------------------------------------
class Timer:
    """Named wall-clock phases (time.perf_counter), printed as they finish."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        log(f"{name} …")
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.seconds[name] = self.seconds.get(name, 0.0) + elapsed
            log(f"{name}: {elapsed:.2f} s")


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation between closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def fmt(value: float | int | str) -> str:
    if isinstance(value, float):
        return f"{value:#.3g}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def result(name: str, **fields: float | int | str) -> None:
    """The final machine-readable line. Print nothing after it."""
    sys.stdout.flush()
    print(" ".join([name, *(f"{key}={fmt(value)}" for key, value in fields.items())]), flush=True)
