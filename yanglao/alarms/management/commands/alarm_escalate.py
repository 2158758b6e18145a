"""`yanglao alarm_escalate`: mark incidents not acknowledged in time as escalated (run every minute by the
worker's schedule or cron; the subscriber does it too while it runs)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yanglao.alarms.services import escalate_overdue


class Command(BaseCommand):
    help = "将超时未响应的救援事件升级"

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write(f"已升级 {escalate_overdue()} 件")
