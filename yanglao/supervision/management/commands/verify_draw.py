"""yanglao verify_draw <record file or id>: re-run a published draw and say whether it matches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yanglao.supervision import draw


class Command(BaseCommand):
    help = "重新运行一次抽取记录（JSON 文件或记录编号），核对名录哈希值和结果"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("record", help="抽取记录 JSON 文件路径，或平台中的记录编号")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["record"]
        path = Path(source)
        if path.is_file():
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise CommandError(f"无法读取记录文件：{exc}") from exc
        elif source.isdigit():
            from yanglao.supervision.models import DrawRecord

            found = DrawRecord.objects.filter(pk=int(source)).first()
            if found is None:
                raise CommandError(f"没有编号为 {source} 的抽取记录")
            record = found.document
        else:
            raise CommandError(f"找不到文件：{source}")
        if not isinstance(record, dict):
            raise CommandError("记录格式不正确")
        result = draw.verify(record)
        self.stdout.write(f"算法版本 {record.get('algorithm')}，种子 {record.get('seed')}")
        self.stdout.write(f"检查对象名录哈希 {result.targets_hash}")
        self.stdout.write(f"检查人员名录哈希 {result.inspectors_hash}")
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"MATCH 一致：重新抽取得到相同的 {len(result.result)} 条结果"))
            return
        for problem in result.problems:
            self.stderr.write(problem)
        raise CommandError("MISMATCH 不一致")
