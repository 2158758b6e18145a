"""`yanglao alarm_simulate`: alarms from registered devices, for the demo and for trying the console."""

from __future__ import annotations

import random
import time
from typing import Any

from django.core.management.base import BaseCommand

from yanglao.alarms.services import escalate_overdue
from yanglao.alarms.simulator import describe, simulate


class Command(BaseCommand):
    help = "模拟设备报警（演示用）：直接入库，或加 --mqtt 经消息代理发送"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, default=1)
        parser.add_argument("--interval", type=float, default=0.0, help="两次报警之间的秒数")
        parser.add_argument("--division", default="", help="只模拟该区划内的设备（代码前缀）")
        parser.add_argument("--kind", default="", help="设备类型，如 red_button")
        parser.add_argument("--mqtt", default="", help="mqtt://主机:端口：经消息代理发送（需运行 alarm_subscriber）")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        rng = random.Random(opts["seed"])
        for n in range(opts["count"]):
            device, result = simulate(division_prefix=opts["division"], kind=opts["kind"] or None, rng=rng,
                                      mqtt_url=opts["mqtt"])
            if device is None:
                self.stdout.write("没有可模拟的设备（先运行 yanglao load_demo 或登记设备）")
                return
            how = "已发送至消息代理" if result is None else f"事件 {result.incident_id}（{result.status}）"
            self.stdout.write(f"{describe(device)} → {how}")
            if opts["interval"] and n + 1 < opts["count"]:
                time.sleep(opts["interval"])
        escalate_overdue()
