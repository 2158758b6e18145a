"""`yanglao visits_daily`: the visits module's daily work (run once a day by cron or a systemd timer, see
docs/deployment.md): close the referrals whose linked record has finished (a service order completed, a
subsidy application decided, an assessment approved). Idempotent: a second run the same day changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yanglao.visits.services import referrals_follow


class Command(BaseCommand):
    help = "探访模块每日任务：跟踪转介所办事项，办结已完成的转介"

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write(f"已自动办结转介 {referrals_follow()} 件")
