"""The daily job: each module's registered reminders of deadlines close (``register_daily_reminder``)."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from .registry import DAILY_REMINDERS

log = logging.getLogger("yanglao.notices")


def run_daily(today: dt.date | None = None) -> list[str]:
    today = today or timezone.localdate()
    lines = []
    for key, fn in DAILY_REMINDERS.items():
        try:
            lines.append(f"{key}: {fn(today)}")
        except Exception as exc:  # one module's failure does not stop the others' reminders
            log.exception("daily reminder %s failed", key)
            lines.append(f"{key}: 失败 {exc}")
    return lines
