from typing import Any

from django.core.management.base import BaseCommand

from yanglao.notices.deadlines import run_daily


class Command(BaseCommand):
    help = "每日提醒：床位答复期限将至、复评即将到期等（重复运行同一天不会重复提醒）。"

    def handle(self, *args: Any, **options: Any) -> None:
        for line in run_daily():
            self.stdout.write(line)
