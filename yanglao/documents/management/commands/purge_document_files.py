"""``yanglao purge_document_files --older-than DAYS``: delete the PDFs of print jobs finished more than DAYS
days ago (default 7). The issue records stay (numbers keep verifying); the job says its file was cleared."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "删除超过指定天数的后台生成文书文件（文书编号和核验记录保留）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--older-than", type=int, default=7, dest="days")

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        from yanglao.documents.services import purge_job_files

        self.stdout.write(f"已删除 {purge_job_files(days=days)} 个文书文件")
