from typing import Any

from django.core.management.base import BaseCommand

from yanglao.people.importing import fail_stale_jobs


class Command(BaseCommand):
    help = "把处理进程已中断的导入任务（运行中但超过 YANGLAO_IMPORT_STALE_MINUTES 分钟没有进展）标记为失败，以便重新导入。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--minutes", type=int, default=None, help="无进展多少分钟视为中断（默认取配置）")

    def handle(self, *args: Any, minutes: int | None = None, **options: Any) -> None:
        count = fail_stale_jobs(minutes=minutes)
        self.stdout.write(f"已标记 {count} 个中断的导入任务为失败")
