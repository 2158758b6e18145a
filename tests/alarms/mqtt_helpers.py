"""Running the real subscriber (`yanglao alarm_subscriber`) as a subprocess against the real Mosquitto."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BROKER = "mqtt://127.0.0.1:1883"


def broker_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            return True
    except OSError:
        return False


if os.environ.get("YANGLAO_REQUIRE_MQTT") and not broker_up():
    raise RuntimeError("YANGLAO_REQUIRE_MQTT is set but Mosquitto is not listening on 127.0.0.1:1883")
needs_broker = pytest.mark.skipif(not broker_up(), reason="Mosquitto is not running on 127.0.0.1:1883 (.ci/run starts it)")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def start_subscriber(topic_prefix: str, client_id: str, log: Path) -> subprocess.Popen:
    """The subscriber on the test database (committed data only: use transactional tests)."""
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    if s.get("PASSWORD"):
        url = f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "yanglao.config.test_settings",
           "PYTHONPATH": str(ROOT), "YANGLAO_MQTT_URL": BROKER}
    proc = subprocess.Popen(
        [sys.executable, "-m", "yanglao.manage", "alarm_subscriber", "--topic-prefix", topic_prefix,
         "--client-id", client_id, "--batch", "50"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # ready once it has subscribed
        if "订阅" in log.read_text(errors="replace") or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, log.read_text(errors="replace")
    time.sleep(0.2)
    return proc


def forget_session(client_id: str) -> None:
    """End the broker's persistent session of a test client id (a clean connect with expiry 0)."""
    from yanglao.alarms.mqtt import connect, new_client

    c = new_client(client_id)
    connect(c, BROKER, persistent=False)
    c.loop_start()
    time.sleep(0.2)
    c.disconnect()
    c.loop_stop()
