"""Append-only enforcement for the audit table, in the database itself, and the one way to purge.

PostgreSQL: a trigger rejects UPDATE and DELETE unless the transaction set
`yanglao.audit_purge = 'on'` (only purge_before does). SQLite: a trigger rejects them; the purge
drops and recreates it inside one transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from .models import AuditAction, AuditEntry

TABLE = AuditEntry._meta.db_table

PG_INSTALL = f"""
CREATE OR REPLACE FUNCTION yanglao_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('yanglao.audit_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit log is append-only (%% refused)', TG_OP;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_append_only ON {TABLE};
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
  FOR EACH ROW EXECUTE FUNCTION yanglao_audit_append_only();
"""
PG_REMOVE = f"DROP TRIGGER IF EXISTS audit_append_only ON {TABLE}; DROP FUNCTION IF EXISTS yanglao_audit_append_only();"
SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    f"CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
]
SQLITE_REMOVE = ["DROP TRIGGER IF EXISTS audit_no_update", "DROP TRIGGER IF EXISTS audit_no_delete"]


def install(schema_editor=None) -> None:  # type: ignore[no-untyped-def]
    conn = schema_editor.connection if schema_editor else connection
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute(PG_INSTALL.replace("%%", "%"))
        elif conn.vendor == "sqlite":
            for sql in SQLITE_INSTALL:
                cur.execute(sql)


def remove(schema_editor=None) -> None:  # type: ignore[no-untyped-def]
    conn = schema_editor.connection if schema_editor else connection
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute(PG_REMOVE)
        elif conn.vendor == "sqlite":
            for sql in SQLITE_REMOVE:
                cur.execute(sql)


def purge_before(cutoff: dt.datetime) -> int:
    """Delete audit lines older than `cutoff` and record that it was done. Callers check retention."""
    from .audit import record

    with transaction.atomic():
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("SET LOCAL yanglao.audit_purge = 'on'")
                cur.execute(f"DELETE FROM {TABLE} WHERE at < %s", [cutoff])
                n = cur.rowcount
                cur.execute("SET LOCAL yanglao.audit_purge = 'off'")  # even inside an enclosing transaction
            else:
                cur.execute(SQLITE_REMOVE[1])
                cur.execute(f"DELETE FROM {TABLE} WHERE at < %s", [connection.ops.adapt_datetimefield_value(cutoff)])
                n = cur.rowcount
                cur.execute(SQLITE_INSTALL[1])
        record(AuditAction.PURGE, object_type=AuditEntry._meta.label_lower, extra={"before": cutoff.isoformat(), "deleted": n})
    return n
