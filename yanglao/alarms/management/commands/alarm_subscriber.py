"""`yanglao alarm_subscriber`: the MQTT subscriber, run as its own service beside the web server and the worker."""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yanglao.alarms import conf


class Command(BaseCommand):
    help = "订阅 MQTT 报警消息并入库（持久会话、QoS 1、入库后确认）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default="", help="mqtt://主机:端口（默认 YANGLAO_MQTT_URL）")
        parser.add_argument("--topic-prefix", default="", help="主题前缀（默认 YANGLAO_MQTT_TOPIC）")
        parser.add_argument("--client-id", default="", help="固定的客户端标识（默认 YANGLAO_MQTT_CLIENT_ID）")
        parser.add_argument("--batch", type=int, default=200, help="每批入库的最多消息数")

    def handle(self, *args: Any, **opts: Any) -> None:
        url = opts["url"] or conf.mqtt_url()
        if not url:
            raise CommandError("未配置 YANGLAO_MQTT_URL：没有消息代理时报警经 HTTP 接口和模拟器接入，无需订阅程序")
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
        from yanglao.alarms.mqtt import Subscriber

        sub = Subscriber(url, prefix=opts["topic_prefix"] or None, client_id=opts["client_id"] or None,
                         batch_max=opts["batch"])
        sub.install_signal_handlers()
        self.stdout.write(f"alarm_subscriber: {url} client_id={sub.client_id} topic={sub.prefix}/+/alarm", ending="\n")
        self.stdout.flush()
        from yanglao.ops.heartbeat import BrokerHeartbeat  # /health/ready: broker connected

        heartbeat = BrokerHeartbeat(sub.connected, sub.client_id)
        heartbeat.start()
        try:
            stats = sub.run()
        finally:
            heartbeat.stop()
        self.stdout.write(f"alarm_subscriber stopped: received={stats.received} new={stats.new} "
                          f"duplicate={stats.duplicate} rejected={stats.rejected}")
