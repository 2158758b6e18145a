"""No alarm lost when the broker restarts or the database goes away while alarms are flowing (issue 11, item 9),
through real brokers and the real subscriber process: every alarm stored exactly once afterwards."""

from __future__ import annotations

import shutil
import signal
import time

import pytest
from django.db import connection

from tests.conftest import needs_postgres
from yanglao.alarms import services
from yanglao.alarms.models import Alarm, Incident
from yanglao.alarms.mqtt import connect, new_client, publish_alarm

from .mqtt_helpers import BROKER, OwnBroker, forget_session, needs_broker, start_subscriber, unique

pytestmark = [pytest.mark.postgres, needs_postgres, needs_broker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def devices(jiangcheng, new_person):
    people = [new_person(name=name) for name in ("林桂芳", "梁伯强")]
    return [services.device_register(by=jiangcheng, person=people[n % 2], kind="red_button", code=f"YJ-F-{n:03d}")[0]
            for n in range(10)]


def _publish(devices, prefix: str, url: str, numbers: range) -> None:
    pub = new_client(unique("yl-test-pub"))
    connect(pub, url)
    pub.loop_start()
    try:
        for n in numbers:
            publish_alarm(devices[n % len(devices)].code, f"msg-{n:05d}", client=pub, prefix=prefix)
    finally:
        pub.disconnect()
        pub.loop_stop()


def _wait_for(count: int, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while Alarm.objects.count() < count and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # anything stored twice would show now
    return Alarm.objects.count()


def _all_once(total: int) -> None:
    assert sorted(Alarm.objects.values_list("message_id", flat=True)) == [f"msg-{n:05d}" for n in range(total)]
    assert sum(Incident.objects.values_list("alarm_count", flat=True)) == total


@pytest.mark.skipif(shutil.which("mosquitto") is None, reason="the mosquitto binary is not installed")
def test_a_broker_restart_loses_no_alarm_and_the_subscriber_reconnects_by_itself(devices, tmp_path):
    broker = OwnBroker(tmp_path)
    broker.start()
    prefix, client_id = unique("yltest/devices"), unique("yl-test-sub")
    log = tmp_path / "subscriber.log"
    sub = start_subscriber(prefix, client_id, log, broker=broker.url, batch=10)
    try:
        _publish(devices, prefix, broker.url, range(0, 100))
        assert _wait_for(100) == 100
        # The subscriber freezes (it holds its connection but reads nothing): the broker keeps what follows
        # for its session. Then the broker restarts with 200 alarms in its keeping.
        sub.send_signal(signal.SIGSTOP)
        _publish(devices, prefix, broker.url, range(100, 300))
        assert Alarm.objects.count() == 100
        broker.stop()
        broker.start()
        sub.send_signal(signal.SIGCONT)  # its connection is gone: it must reconnect to the same session alone
        _publish(devices, prefix, broker.url, range(300, 400))
        assert _wait_for(400) == 400, log.read_text(errors="replace")[-2000:]
        _all_once(400)
        assert "自动重连" in log.read_text(errors="replace")
    finally:
        sub.send_signal(signal.SIGCONT)
        sub.terminate()
        sub.wait(10)
        broker.stop()


def _admin(sql: str, params: list | None = None) -> None:
    """A statement from the maintenance database (a database cannot refuse connections to itself)."""
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"],
                         password=s.get("PASSWORD") or None, dbname="postgres", autocommit=True) as admin:
        admin.execute(sql, params)


def test_the_database_going_away_mid_stream_loses_no_alarm(devices, tmp_path):
    prefix, client_id = unique("yltest/devices"), unique("yl-test-sub")
    log = tmp_path / "subscriber.log"
    name = connection.settings_dict["NAME"]
    own = connection.cursor().connection.info.backend_pid
    sub = start_subscriber(prefix, client_id, log, broker=BROKER, batch=20)
    try:
        _publish(devices, prefix, BROKER, range(0, 100))
        assert _wait_for(100) == 100
        # the database refuses new connections and drops the subscriber's (the test keeps its own)
        _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        _admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s", [name, own])
        _publish(devices, prefix, BROKER, range(100, 250))  # the broker takes them; nothing can be stored
        time.sleep(3)
        assert Alarm.objects.count() == 100
        _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        _publish(devices, prefix, BROKER, range(250, 300))
        assert _wait_for(300) == 300, log.read_text(errors="replace")[-2000:]
        _all_once(300)
        assert "数据库错误" in log.read_text(errors="replace")  # it did meet the outage and retried
    finally:
        _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        sub.terminate()
        sub.wait(10)
        forget_session(client_id)
