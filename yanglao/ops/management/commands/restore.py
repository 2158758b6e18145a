"""`yanglao restore FILE`: replace the database with a backup (the platform stopped first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yanglao.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "从备份恢复数据库（会替换当前数据库的全部内容；请先停止网页服务和后台任务进程）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="yanglao backup 生成的备份文件")
        parser.add_argument("--yes", action="store_true", help="确认替换当前数据库（不询问）")
        parser.add_argument("--jobs", type=int, default=2, help="pg_restore 并行数")

    def handle(self, *args: Any, file: str, yes: bool, jobs: int, **options: Any) -> None:
        if not yes:
            raise CommandError("恢复会替换当前数据库的全部内容。确认请加 --yes")
        try:
            restore(Path(file), jobs=jobs)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"恢复完成：{file}。请确认数据密钥（YANGLAO_DATA_KEY）与备份时相同，然后运行 yanglao migrate 并启动服务。")
