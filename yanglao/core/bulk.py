"""Set-based writes: stream rows into a table with COPY on PostgreSQL, executemany elsewhere.

Callers write their own audit line (`audit.audit_bulk`): no per-row signals fire here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple[Any, ...]], *, batch: int = 20000) -> int:
    """Write `rows` into `table`; returns how many were written."""
    n = 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            return n
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cur.executemany(sql, chunk)
                n += len(chunk)
                chunk.clear()
        if chunk:
            cur.executemany(sql, chunk)
            n += len(chunk)
    return n
