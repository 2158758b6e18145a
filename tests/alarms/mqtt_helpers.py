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


def start_subscriber(topic_prefix: str, client_id: str, log: Path, *, broker: str = BROKER,
                     batch: int = 50) -> subprocess.Popen:
    """The subscriber on the test database (committed data only: use transactional tests)."""
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    if s.get("PASSWORD"):
        url = f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "yanglao.config.test_settings",
           "PYTHONPATH": str(ROOT), "YANGLAO_MQTT_URL": broker}
    proc = subprocess.Popen(
        [sys.executable, "-m", "yanglao.manage", "alarm_subscriber", "--topic-prefix", topic_prefix,
         "--client-id", client_id, "--batch", str(batch)],
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnBroker:
    """A Mosquitto of the test's own, on another port, with persistence on (as the Debian package ships it),
    so that the test can stop and restart it without touching the machine's broker."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.directory = directory
        (directory / "data").mkdir(exist_ok=True)
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {directory / 'data'}/\nautosave_interval 1\nuser root\n"
            f"log_dest file {directory / 'mosquitto.log'}\n")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                assert self.proc.poll() is None, (self.directory / "mosquitto.log").read_text(errors="replace")
                time.sleep(0.05)
        raise AssertionError("the test's Mosquitto did not start")

    def stop(self) -> None:
        """A graceful stop (SIGTERM, as `systemctl restart mosquitto` does): the broker saves its sessions."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
