"""Settings of the alarms module, from Django settings or the environment (docs/configuration.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings


def _get(name: str, env: str, default: str) -> str:
    value = getattr(settings, name, None)
    return str(value) if value not in (None, "") else os.environ.get(env, default)


def mqtt_url() -> str:
    """`mqtt://host:port` of the broker; empty = no broker (alarms arrive over HTTP and the simulator)."""
    return _get("ALARM_MQTT_URL", "YANGLAO_MQTT_URL", "")


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None
    password: str | None


def broker(url: str | None = None) -> Broker:
    parsed = urlparse(url or mqtt_url())
    if parsed.scheme not in ("mqtt", "tcp") or not parsed.hostname:
        raise ValueError("YANGLAO_MQTT_URL 应为 mqtt://主机:端口")
    return Broker(parsed.hostname, parsed.port or 1883, parsed.username, parsed.password)


def topic_prefix() -> str:
    """Devices publish to `<prefix>/<device code>/alarm`."""
    return _get("ALARM_MQTT_TOPIC", "YANGLAO_MQTT_TOPIC", "yanglao/devices").rstrip("/")


def client_id() -> str:
    """The subscriber's fixed client id: its persistent session (and the alarms queued in it) is found by it."""
    return _get("ALARM_MQTT_CLIENT_ID", "YANGLAO_MQTT_CLIENT_ID", "yanglao-alarm-subscriber")


def ack_seconds() -> int:
    """An incident not acknowledged within this time is escalated (演示数值: the county sets it)."""
    return int(_get("ALARM_ACK_SECONDS", "YANGLAO_ALARM_ACK_SECONDS", "180"))


def simulator_enabled() -> bool:
    return bool(getattr(settings, "DEMO", False)) or os.environ.get("YANGLAO_ALARM_SIMULATOR", "") in ("1", "true")
