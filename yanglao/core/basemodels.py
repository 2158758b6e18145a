"""The base every domain record inherits: who/when, a version, and a history in the audit log."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return "<binary>"
    return value


class AuditedModel(models.Model):
    """Base for domain records: kept with who created and changed them, a version, and a history.

    `audit_sensitive_fields` are never written to the log in clear: only the fact they changed.
    `audit_exclude_fields` are left out (derived or bookkeeping columns).
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    audit_sensitive_fields: tuple[str, ...] = ()
    audit_exclude_fields: tuple[str, ...] = ("created_at", "updated_at", "version")

    class Meta:
        abstract = True

    def audit_division_code(self) -> str:
        return str(getattr(self, "division_code", "") or "")

    def audit_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in self._meta.concrete_fields:
            if field.name in self.audit_exclude_fields:
                continue
            values[field.name] = _plain(getattr(self, field.attname))
        return values

    def check_text(self) -> None:
        """Text the database would refuse is a 400, not a 500: a value longer than its column or
        holding a NUL character (PostgreSQL refuses it) raises ValidationFailed naming the field.
        Runs on every save, create and update alike; the API and forms check lengths at the edge too."""
        from .errors import ValidationFailed

        problems: dict[str, str] = {}
        for field in self._meta.concrete_fields:
            value = getattr(self, field.attname, None)
            if not isinstance(value, str):
                continue
            if "\x00" in value:
                problems[field.name] = "含有不允许的空字符"
            elif field.max_length is not None and len(value) > field.max_length:
                problems[field.name] = f"{field.verbose_name}不能超过 {field.max_length} 个字符"
        if problems:
            raise ValidationFailed("；".join(problems.values()), details=problems)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.check_text()
        if not self._state.adding and self.pk is not None:
            self.version = (self.version or 0) + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version", "updated_at"}
        super().save(*args, **kwargs)


