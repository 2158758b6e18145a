"""Reads off the primary: reports, exports, dashboards and the public portal may read from a PostgreSQL
streaming replica (`DATABASE_REPLICA_URL`), while every write stays on the primary.

Only what is marked reads from the replica: a view wrapped in `reads_from_replica` (or code inside
`replica_reads()`). Everything else — forms, workflows, the to-do list — reads the primary, so a clerk always
sees what they just saved (a replica lags by a fraction of a second). Writes made while reading from the
replica (the audit line of an export, a session, a rate-limit counter) go to the primary: `db_for_write` is
always `default`, and migrations run on the primary only. Without a replica configured, all of this is a
no-op: the router answers "default" for everything.

Raw SQL that should follow the same rule takes `read_connection()` instead of `django.db.connection`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import connections

REPLICA = "replica"
_replica_reads: ContextVar[bool] = ContextVar("yanglao_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    """The alias reads use here and now: the replica inside `replica_reads()` when one is configured."""
    return REPLICA if _replica_reads.get() and replica_configured() else "default"


def read_connection() -> Any:
    return connections[read_alias()]


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reads_from_replica(view: Callable[..., Any]) -> Callable[..., Any]:
    """A read-only view (a report, an export, a dashboard, a public page) reads from the replica."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return view(*args, **kwargs)

    wrapped.reads_from_replica = True  # type: ignore[attr-defined]
    return wrapped


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads inside `replica_reads()` go to the replica; writes never do."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return REPLICA if _replica_reads.get() and replica_configured() else None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"
