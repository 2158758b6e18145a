"""Rate limits and sign-in throttles that hold across workers and servers.

Counters live in the database (`core.RateCounter`), one row per (scope, key, window), incremented by a
single `INSERT … ON CONFLICT … DO UPDATE SET count = count + 1 RETURNING count` (PostgreSQL and SQLite
≥ 3.35): atomic under concurrency, no read-modify-write, no per-process memory. Two kinds of counter:

- `hit(scope, key, limit=, window_seconds=)`: a fixed window (e.g. 20 lookups per address per 10 minutes);
- `streak_hit(scope, key, idle_seconds=)`: a run of events that is forgotten after `idle_seconds` without
  one (failed sign-ins: the delays grow with the run, and a success or a quiet spell ends it).

Expired rows are purged on a small fraction of calls (`purge_expired`), so the table stays small.
Keys are client addresses from `yanglao.core.clientip.client_ip` or lower-cased usernames.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from .models import RateCounter

PURGE_PROBABILITY = 0.01
STREAK_WINDOW = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # a streak has a single row per key


@dataclass(frozen=True)
class RateResult:
    count: int
    limit: int
    reset_at: dt.datetime

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window ends (at least 1)."""
        return max(1, math.ceil((self.reset_at - timezone.now()).total_seconds()))


@dataclass(frozen=True)
class Streak:
    count: int
    last_at: dt.datetime


def _window_start(now: dt.datetime, window_seconds: int) -> dt.datetime:
    seconds = int(now.timestamp())
    return dt.datetime.fromtimestamp(seconds - seconds % window_seconds, tz=dt.UTC)


def _upsert(scope: str, key: str, window_start: dt.datetime, now: dt.datetime, expires_at: dt.datetime) -> int:
    """Add one to the row (creating it), restarting from 1 if the row had expired; return the new count."""
    q = connection.ops.quote_name
    table = q(RateCounter._meta.db_table)
    cols = {name: q(name) for name in ("scope", "key", "window_start", "count", "last_at", "expires_at")}
    sql = (
        f"INSERT INTO {table} ({cols['scope']}, {cols['key']}, {cols['window_start']}, {cols['count']}, "
        f"{cols['last_at']}, {cols['expires_at']}) VALUES (%s, %s, %s, 1, %s, %s) "
        f"ON CONFLICT ({cols['scope']}, {cols['key']}, {cols['window_start']}) DO UPDATE SET "
        f"{cols['count']} = CASE WHEN {table}.{cols['expires_at']} <= EXCLUDED.{cols['last_at']} THEN 1 "
        f"ELSE {table}.{cols['count']} + 1 END, "
        f"{cols['last_at']} = EXCLUDED.{cols['last_at']}, {cols['expires_at']} = EXCLUDED.{cols['expires_at']} "
        f"RETURNING {cols['count']}"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [scope, key[:255], adapt(window_start), adapt(now), adapt(expires_at)])
        count = int(cursor.fetchone()[0])
    if random.random() < PURGE_PROBABILITY:  # noqa: S311 - not for security, only to spread the purge
        purge_expired()
    return count


def hit(scope: str, key: str, *, limit: int, window_seconds: int) -> RateResult:
    """Count one event for `key` in the current fixed window; `.allowed` is False once it passes `limit`."""
    now = timezone.now()
    start = _window_start(now, window_seconds)
    reset_at = start + dt.timedelta(seconds=window_seconds)
    count = _upsert(scope, key, start, now, reset_at)
    return RateResult(count=count, limit=limit, reset_at=reset_at)


def peek(scope: str, key: str, *, limit: int, window_seconds: int) -> RateResult:
    """The current window's count for `key`, without counting anything."""
    now = timezone.now()
    start = _window_start(now, window_seconds)
    count = (
        RateCounter.objects.filter(scope=scope, key=key[:255], window_start=start, expires_at__gt=now)
        .values_list("count", flat=True)
        .first()
    )
    return RateResult(count=count or 0, limit=limit, reset_at=start + dt.timedelta(seconds=window_seconds))


def streak_hit(scope: str, key: str, *, idle_seconds: int) -> int:
    """Count one event in `key`'s streak (a streak ends after `idle_seconds` without an event)."""
    now = timezone.now()
    return _upsert(scope, key, STREAK_WINDOW, now, now + dt.timedelta(seconds=idle_seconds))


def streak_get(scope: str, key: str) -> Streak | None:
    row = (
        RateCounter.objects.filter(scope=scope, key=key[:255], window_start=STREAK_WINDOW, expires_at__gt=timezone.now())
        .values_list("count", "last_at")
        .first()
    )
    return Streak(count=row[0], last_at=row[1]) if row else None


def clear(scope: str, key: str) -> None:
    RateCounter.objects.filter(scope=scope, key=key[:255]).delete()


def purge_expired() -> int:
    """Delete the rows whose window or streak has ended (cheap: `expires_at` is indexed)."""
    deleted, _ = RateCounter.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
