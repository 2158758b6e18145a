from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yanglao.core.audit import AuditActor, audit_context
from yanglao.policytasks.parser import SOURCE, TableError


class Command(BaseCommand):
    help = "从政策原文解析并载入《阳江市加快推进养老服务发展若干措施》工作任务分解表（40 项），可重复运行。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", default=str(SOURCE), help="政策原文（.txt，默认为项目自带的副本）")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        from yanglao.policytasks.services import load_table

        file = Path(path)
        if not file.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            with audit_context(actor=AuditActor(user_id=None, username="cli:load_policy_tasks")):
                result = load_table(file)
        except TableError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(result))
