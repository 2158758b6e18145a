"""`yanglao backup`: one backup of the database into YANGLAO_BACKUP_DIR (nightly from a systemd timer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yanglao.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库（PostgreSQL：pg_dump 自定义格式）到 YANGLAO_BACKUP_DIR，保留最近 YANGLAO_BACKUP_KEEP 份"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", default="", help="备份目录（默认 YANGLAO_BACKUP_DIR）")
        parser.add_argument("--keep", type=int, default=None, help="保留份数（默认 YANGLAO_BACKUP_KEEP，0=全部保留）")

    def handle(self, *args: Any, dir: str, keep: int | None, **options: Any) -> None:
        try:
            path = backup(directory=Path(dir) if dir else None, keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"备份完成：{path}（{path.stat().st_size:,} 字节）")
