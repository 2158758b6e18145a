"""`yanglao rotate_data_key`: re-encrypt the sensitive fields under the current YANGLAO_DATA_KEY."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yanglao.core import crypto
from yanglao.ops import keyrotation


class Command(BaseCommand):
    help = "数据密钥轮换：将敏感字段分批用当前数据密钥重新加密（不停机；可中断后继续）。步骤见 docs/deployment.md"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="每批行数（每批一个短事务）")
        parser.add_argument("--pause", type=float, default=0.0, help="每批之后暂停的秒数（减轻数据库负载）")
        parser.add_argument("--check", action="store_true", help="只统计尚未用当前密钥加密的值，不改动")

    def handle(self, *args: Any, batch: int, pause: float, check: bool, **options: Any) -> None:
        self.stdout.write(f"当前数据密钥编号：{crypto.current_key_id()}")
        if not check:
            def progress(label: str, count: int) -> None:
                self.stdout.write(f"  {label}: 已重新加密 {count}")

            done = keyrotation.rotate(batch_size=max(1, batch), pause=pause, progress=progress)
            self.stdout.write(f"重新加密 {sum(done.values())} 个值")
        left = keyrotation.remaining()
        for label, n in left.items():
            if n:
                self.stdout.write(f"  {label}: 尚有 {n} 个值使用旧密钥")
        if any(left.values()):
            self.stdout.write("尚未完成：请再次运行（旧密钥仍须保留在 YANGLAO_DATA_KEYS_OLD 中）")
        else:
            self.stdout.write("全部敏感字段已使用当前数据密钥加密：可从 YANGLAO_DATA_KEYS_OLD 中移除旧密钥")
