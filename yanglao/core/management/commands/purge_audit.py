import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yanglao.core.audit import AuditActor, audit_context
from yanglao.core.auditstore import purge_before


class Command(BaseCommand):
    help = "删除早于指定天数的审计日志（法定最少保留180天，少于此数将被拒绝）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--older-than", type=int, required=True, dest="days", help="天数，至少180")

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        minimum = settings.AUDIT_MIN_RETENTION_DAYS
        if days < minimum:
            raise CommandError(f"审计日志至少保留 {minimum} 天（等保2.0），拒绝删除 {days} 天以前的日志")
        cutoff = timezone.now() - dt.timedelta(days=days)
        with audit_context(actor=AuditActor(user_id=None, username="cli:purge_audit")):
            n = purge_before(cutoff)
        self.stdout.write(self.style.SUCCESS(f"已删除 {n} 条 {cutoff:%Y-%m-%d} 以前的审计日志"))
