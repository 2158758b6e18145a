"""yanglao dashboard_snapshot [--month YYYY-MM] [--backfill N]: write the month's indicator snapshot (cron: nightly,
or hourly for the wall screen). Idempotent: a re-run replaces the month's figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yanglao.core.audit import AuditActor, audit_context


class Command(BaseCommand):
    help = "计算指标监测的月度快照（当月；--backfill N 同时补算前 N 个月中可由带日期记录推算的指标）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", help="YYYY-MM（默认当月）")
        parser.add_argument("--backfill", type=int, default=0, help="同时补算前 N 个月")

    def handle(self, *args: Any, **options: Any) -> None:
        from yanglao.dashboard import services

        today = dt.date.today()
        with audit_context(actor=AuditActor(user_id=None, username="cli:dashboard_snapshot")):
            if options["month"]:
                try:
                    month = dt.datetime.strptime(options["month"], "%Y-%m").date()
                except ValueError as exc:
                    raise CommandError("月份格式应为 YYYY-MM，如 2026-11") from exc
                n = services.snapshot_month(month, today=today)
                self.stdout.write(f"{month:%Y-%m}：{n} 项")
                return
            for month, n in services.snapshot_history(max(0, options["backfill"]), today=today).items():
                self.stdout.write(f"{month[:7]}：{n} 项")
