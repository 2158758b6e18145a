"""MQTT ingest: devices publish to `<prefix>/<device code>/alarm` with QoS 1; the subscriber stores each
message and only then acknowledges it.

Why nothing is lost (docs/alarms.md):
- a persistent session (fixed client id, clean_start=False, a session expiry of a week): while the
  subscriber is down, the broker keeps the QoS 1 messages for it;
- manual acknowledgements (paho-mqtt 2 `manual_ack=True`): PUBACK is sent after the database commit,
  so a crash before the commit leaves the message unacknowledged and the broker delivers it again;
- idempotent insert: (device, message id) is unique, so a message delivered again after a crash
  between the commit and the PUBACK is recognised and acknowledged without a second alarm;
- a database error keeps the batch unacknowledged and is retried with a growing pause.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from . import conf

log = logging.getLogger("yanglao.alarms.mqtt")

SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
MAX_MESSAGE_ID = 64
MAX_DEVICE_CODE = 40


class BadMessage(ValueError):
    """A message that can never be stored (bad topic or payload): logged and acknowledged, not retried."""


def alarm_topic(device_code: str, prefix: str | None = None) -> str:
    return f"{prefix or conf.topic_prefix()}/{device_code}/alarm"


def parse_message(topic: str, payload: bytes, prefix: str, channel: str = "mqtt") -> Any:
    """`<prefix>/<code>/alarm` + {"id": "...", "type": "...", "at": "ISO 8601"} → services.Incoming."""
    from .services import Incoming

    if not topic.startswith(prefix + "/") or not topic.endswith("/alarm"):
        raise BadMessage(f"主题不符合约定：{topic[:80]}")
    code = topic[len(prefix) + 1 : -len("/alarm")].strip().upper()
    if not code or "/" in code or len(code) > MAX_DEVICE_CODE:
        raise BadMessage(f"设备编号无效：{code[:50]}")
    if len(payload) > 4096:
        raise BadMessage("消息过长")
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadMessage("消息不是 JSON") from exc
    if not isinstance(data, dict):
        raise BadMessage("消息应为 JSON 对象")
    message_id = data.get("id")
    if not isinstance(message_id, str | int) or isinstance(message_id, bool) or not str(message_id).strip():
        raise BadMessage("消息缺少 id")
    message_id = str(message_id).strip()
    if len(message_id) > MAX_MESSAGE_ID or "\x00" in message_id:
        raise BadMessage("消息 id 无效")
    kind = data.get("type")
    raised_at = parse_time(data.get("at"))
    return Incoming(device_code=code, message_id=message_id, channel=channel,
                    kind=kind if isinstance(kind, str) else None, raised_at=raised_at)


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 time (with or without zone: without = Beijing time) or Unix seconds; anything else None."""
    from django.utils import timezone

    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
        if isinstance(value, str) and 0 < len(value) <= 40:
            parsed = dt.datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else timezone.make_aware(parsed)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def new_client(client_id: str = "", *, manual_ack: bool = False) -> mqtt.Client:
    return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5,
                       manual_ack=manual_ack)


def connect(client: mqtt.Client, url: str, *, persistent: bool = False, receive_maximum: int | None = None) -> None:
    b = conf.broker(url)
    if b.username:
        client.username_pw_set(b.username, b.password)
    props = Properties(PacketTypes.CONNECT)
    if persistent:
        props.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
    if receive_maximum:
        props.ReceiveMaximum = receive_maximum
    client.connect(b.host, b.port, keepalive=30, clean_start=not persistent, properties=props)


def publish_alarm(device_code: str, message_id: str, *, kind: str | None = None, url: str | None = None,
                  prefix: str | None = None, client: mqtt.Client | None = None, at: dt.datetime | None = None) -> None:
    """Publish one alarm as a device would (QoS 1) and wait for the broker's acknowledgement."""
    payload: dict[str, Any] = {"id": message_id, "at": (at or dt.datetime.now(dt.UTC)).isoformat()}
    if kind:
        payload["type"] = kind
    own = client is None
    if client is None:
        client = new_client()
        connect(client, url or conf.mqtt_url())
        client.loop_start()
    try:
        info = client.publish(alarm_topic(device_code, prefix), json.dumps(payload), qos=1)
        info.wait_for_publish(timeout=10)
    finally:
        if own:
            client.disconnect()
            client.loop_stop()


@dataclass
class Stats:
    received: int = 0
    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    batches: int = 0
    db_retries: int = 0
    started: float = field(default_factory=time.monotonic)


class Subscriber:
    """The `yanglao alarm_subscriber` loop. The network thread only queues messages; this thread stores
    them in batches (one transaction each) and acknowledges each batch after its commit."""

    def __init__(self, url: str, *, prefix: str | None = None, client_id: str | None = None, batch_max: int = 200,
                 batch_wait: float = 0.01, escalate_every: float = 10.0,
                 on_batch: Callable[[list[Any], list[Any]], None] | None = None) -> None:
        self.url = url
        self.prefix = prefix or conf.topic_prefix()
        self.client_id = client_id or conf.client_id()
        self.batch_max = batch_max
        self.batch_wait = batch_wait
        self.escalate_every = escalate_every
        self.on_batch = on_batch
        self.stats = Stats()
        self.stop = threading.Event()
        self.connected = threading.Event()
        self.inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.client = new_client(self.client_id, manual_ack=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(min_delay=1, max_delay=10)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if reason_code.is_failure:
            log.error("MQTT 连接失败：%s", reason_code)
            return
        log.info("已连接 MQTT（会话%s），订阅 %s/+/alarm", "延续" if flags.session_present else "新建", self.prefix)
        client.subscribe(f"{self.prefix}/+/alarm", qos=1)
        self.connected.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        self.connected.clear()
        if not self.stop.is_set():
            log.warning("MQTT 连接断开（%s），自动重连", reason_code)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.inbox.put(message)

    def _take_batch(self) -> list[mqtt.MQTTMessage]:
        try:
            first = self.inbox.get(timeout=0.5)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_max:
            try:
                batch.append(self.inbox.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _store(self, batch: list[mqtt.MQTTMessage]) -> None:
        from django.db import DatabaseError, close_old_connections, connection

        from .services import ingest

        items = []
        for msg in batch:
            try:
                items.append(parse_message(msg.topic, msg.payload, self.prefix))
            except BadMessage as exc:
                self.stats.rejected += 1
                log.warning("丢弃无效消息：%s", exc)
        pause = 0.5
        while True:
            try:
                results = ingest(items) if items else []
                break
            except DatabaseError as exc:  # the database is away: keep the batch unacknowledged and retry
                self.stats.db_retries += 1
                log.warning("数据库错误，%.1f 秒后重试（消息未确认）：%s", pause, exc)
                try:
                    connection.close()
                except DatabaseError:
                    pass
                close_old_connections()
                if self.stop.wait(pause):
                    raise
                pause = min(pause * 2, 10.0)
        for r in results:
            if r.status == "new":
                self.stats.new += 1
            elif r.status == "duplicate":
                self.stats.duplicate += 1
            else:
                self.stats.rejected += 1
        if self.on_batch:
            self.on_batch(items, results)
        for msg in batch:  # after the commit: the broker may now forget them
            self.client.ack(msg.mid, msg.qos)
        self.stats.received += len(batch)
        self.stats.batches += 1

    def run(self) -> Stats:
        from .services import escalate_overdue

        connect(self.client, self.url, persistent=True, receive_maximum=max(self.batch_max, 20))
        self.client.loop_start()
        last_escalation = 0.0
        last_report = time.monotonic()
        try:
            while not self.stop.is_set():
                batch = self._take_batch()
                if batch:
                    self._store(batch)
                now = time.monotonic()
                if self.escalate_every and now - last_escalation >= self.escalate_every:
                    last_escalation = now
                    try:
                        n = escalate_overdue()
                        if n:
                            log.info("升级超时未响应事件 %s 件", n)
                    except Exception:  # noqa: BLE001 - escalation must not stop the ingest
                        log.exception("升级超时事件失败")
                if now - last_report >= 60:
                    last_report = now
                    s = self.stats
                    log.info("已接收 %s 条（新 %s，重复 %s，无效 %s）", s.received, s.new, s.duplicate, s.rejected)
        finally:
            self.client.disconnect()
            self.client.loop_stop()
        return self.stats

    def install_signal_handlers(self) -> None:
        def _stop(signum: int, frame: Any) -> None:
            self.stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
