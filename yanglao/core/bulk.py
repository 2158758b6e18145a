"""Set-based writes: stream rows into a table with COPY on PostgreSQL, executemany elsewhere.

Callers write their own audit line (`audit.audit_bulk`): no per-row signals fire here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple[Any, ...]], *, batch: int = 20000,
              types: list[str] | None = None) -> int:
    """Write `rows` into `table`; returns how many were written. With the columns' PostgreSQL `types`, COPY
    runs in binary format (no text to format on this side nor to parse on the server's: cheaper for both)."""
    n = 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            fmt = " (FORMAT binary)" if types else ""
            with cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN{fmt}") as copy:
                if types:
                    copy.set_types(types)
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
