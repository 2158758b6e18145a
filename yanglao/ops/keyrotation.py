"""Re-encrypting the sensitive fields under a new data key, in batches, while the platform runs.

Every encrypted column is found the same way: a text field whose name ends in `_enc` on any model, and
core.User.totp_secret. For each, rows whose value does not start with the current key's prefix
("v2:<key id>:") are read in primary-key order, a batch at a time; each value is opened with whichever
configured key sealed it and sealed again under the current key; and each row is written back only if
it still holds the value that was read (compare-and-set), in its own short transaction. A row the
platform changes meanwhile was written under the current key already and is left alone. Stopping and
starting again is safe: the next run picks up what is left. The lookup hashes are not touched (they use
YANGLAO_LOOKUP_KEY, see core/crypto.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models, transaction

from yanglao.core import crypto

EXTRA_FIELDS = [("core", "User", "totp_secret")]


@dataclass(frozen=True)
class Column:
    model: type[models.Model]
    field: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


def encrypted_columns() -> list[Column]:
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if field.name.endswith("_enc") and isinstance(field, models.TextField | models.CharField):
                found.append(Column(model, field.name))
    for app_label, model_name, field_name in EXTRA_FIELDS:
        found.append(Column(apps.get_model(app_label, model_name), field_name))
    return found


def _stale(column: Column):  # type: ignore[no-untyped-def]
    prefix = crypto.current_prefix()
    return (column.model._base_manager.exclude(**{column.field: ""}).exclude(**{f"{column.field}__isnull": True})
            .exclude(**{f"{column.field}__startswith": prefix}))


def remaining() -> dict[str, int]:
    """Values per column still sealed under another key."""
    return {c.label: _stale(c).count() for c in encrypted_columns()}


def _batches(column: Column, size: int) -> Iterator[list[tuple[object, str]]]:
    pk = column.model._meta.pk.attname
    last = None
    while True:
        rows = _stale(column)
        if last is not None:
            rows = rows.filter(pk__gt=last)
        batch = list(rows.order_by("pk").values_list(pk, column.field)[:size])
        if not batch:
            return
        last = batch[-1][0]
        yield batch


def rotate(*, batch_size: int = 1000, pause: float = 0.0,
           progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Re-encrypt every stale value; returns how many were rewritten per column."""
    done: dict[str, int] = {}
    for column in encrypted_columns():
        table = connection.ops.quote_name(column.model._meta.db_table)
        col = connection.ops.quote_name(column.model._meta.get_field(column.field).column)
        pkcol = connection.ops.quote_name(column.model._meta.pk.column)
        sql = f"UPDATE {table} SET {col} = %s WHERE {pkcol} = %s AND {col} = %s"
        count = 0
        for batch in _batches(column, batch_size):
            params = [(crypto.encrypt(crypto.decrypt(value)), pk, value) for pk, value in batch]
            with transaction.atomic(), connection.cursor() as cur:
                cur.executemany(sql, params)
            count += len(params)
            if progress:
                progress(column.label, count)
            if pause:
                time.sleep(pause)
        done[column.label] = count
    if any(done.values()):
        from yanglao.core.audit import AuditActor, audit_bulk, audit_context

        with audit_context(actor=AuditActor(user_id=None, username="cli:rotate_data_key")):
            for column in encrypted_columns():
                if not done.get(column.label):
                    continue
                audit_bulk(column.model, operation="rotate_data_key", count=done[column.label],
                           params={"field": column.field, "key_id": crypto.current_key_id()})
    return done
