from typing import Any

from django.core.management.base import BaseCommand

from yanglao.notices.sms import dispatch_due


class Command(BaseCommand):
    help = "发送到期的短信（首次发送遗漏的和需要重试的）。建议每 5 分钟运行一次。"

    def handle(self, *args: Any, **options: Any) -> None:
        counts = dispatch_due()
        self.stdout.write("短信：" + ("，".join(f"{k} {v} 条" for k, v in sorted(counts.items())) or "没有到期的短信"))
