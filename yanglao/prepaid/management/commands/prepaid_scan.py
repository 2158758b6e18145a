"""yanglao prepaid_scan [--date YYYY-MM-DD]: the daily risk scan of care homes' prepaid fees (cron)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from yanglao.core.audit import AuditActor, audit_context


class Command(BaseCommand):
    help = "预收费风险扫描：资金增长快于入住人数、退费逾期、公办机构会员费、停业仍有余额、非法集资投诉。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, date: dt.date | None = None, **options: Any) -> None:
        from yanglao.prepaid.risk import scan

        with audit_context(actor=AuditActor(user_id=None, username="cli:prepaid_scan")):
            raised = scan(date)
        self.stdout.write(f"新增预警 {raised} 条")
