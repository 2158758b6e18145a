import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yanglao.people.seeding import seed_people


class Command(BaseCommand):
    help = "生成模拟老年人档案（分布接近阳江实际；同一 --seed 结果相同，重复执行不会重复生成）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--people", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--city", default="4417")

    def handle(self, *args: Any, people: int, seed: int, city: str, **options: Any) -> None:
        start = time.perf_counter()
        try:
            added = seed_people(people, seed=seed, city=city)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - start
        if added:
            self.stdout.write(self.style.SUCCESS(f"已生成 {added} 名模拟老年人，用时 {seconds:.1f} 秒"))
        else:
            self.stdout.write(f"种子 {seed} 的模拟数据已存在，未重复生成")
