from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yanglao.core.divisions import load_divisions
from yanglao.core.models import DivisionLevel


class Command(BaseCommand):
    help = "载入国家统计局2023年行政区划代码（默认阳江市4417；--province 44 载入全省）。可重复执行。"

    def add_arguments(self, parser: Any) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--city", default=None, help="地级市代码，4位，如 4417")
        group.add_argument("--province", default=None, help="省代码，2位，如 44")

    def handle(self, *args: Any, city: str | None, province: str | None, **options: Any) -> None:
        prefix = province or city or "4417"
        if not prefix.isdigit() or len(prefix) not in (2, 4) or not prefix.startswith("44"):
            raise CommandError(f"区划代码无效：{prefix}（本平台内置广东省数据：省 44，市如 4417）")
        counts = load_divisions(prefix)
        if sum(counts.values()) <= 1:
            raise CommandError(f"没有找到以 {prefix} 开头的区划")
        labels = ", ".join(f"{DivisionLevel(level).label} {n}" for level, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"已载入区划 {prefix}：{labels}"))
