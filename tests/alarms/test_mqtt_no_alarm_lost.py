"""Through the real broker: nothing is lost when the subscriber is killed mid-stream, and a red button
press reaches the duty console within a second."""

from __future__ import annotations

import signal
import time

import pytest
from django.test import Client

from tests.conftest import needs_postgres
from yanglao.alarms import services
from yanglao.alarms.models import Alarm, Incident
from yanglao.alarms.mqtt import connect, new_client, publish_alarm

from .mqtt_helpers import BROKER, forget_session, needs_broker, start_subscriber, unique

pytestmark = [pytest.mark.postgres, needs_postgres, needs_broker, pytest.mark.django_db(transaction=True)]

N = 600


@pytest.fixture
def devices(jiangcheng, new_person):
    people = [new_person(name=name) for name in ("林桂芳", "梁伯强", "冯秀兰")]
    return [services.device_register(by=jiangcheng, person=people[n % 3], kind="red_button", code=f"YJ-T-{n:03d}")[0]
            for n in range(20)]


def test_killing_the_subscriber_mid_stream_loses_no_alarm(devices, tmp_path):
    prefix, client_id = unique("yltest/devices"), unique("yl-test-sub")
    log = tmp_path / "subscriber.log"
    sub = start_subscriber(prefix, client_id, log)
    try:
        pub = new_client(unique("yl-test-pub"))
        connect(pub, BROKER)
        pub.loop_start()
        killed = False
        for n in range(N):
            device = devices[n % len(devices)]
            publish_alarm(device.code, f"msg-{n:05d}", client=pub, prefix=prefix)
            if n == N // 3:  # the subscriber has stored some and holds some unacknowledged: kill it outright
                while Alarm.objects.count() == 0:
                    time.sleep(0.01)
                sub.send_signal(signal.SIGKILL)
                sub.wait(10)
                killed = True
        pub.disconnect()
        pub.loop_stop()
        assert killed
        stored_while_down = Alarm.objects.count()
        assert 0 < stored_while_down < N
        sub = start_subscriber(prefix, client_id, log)  # same client id: the broker's session kept the rest
        deadline = time.monotonic() + 60
        while Alarm.objects.count() < N and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # anything redelivered late would show as an extra row now
        assert Alarm.objects.count() == N, log.read_text(errors="replace")[-2000:]
        ids = sorted(Alarm.objects.values_list("message_id", flat=True))
        assert ids == [f"msg-{n:05d}" for n in range(N)]  # every one, exactly once
        assert sum(Incident.objects.values_list("alarm_count", flat=True)) == N
    finally:
        sub.terminate()
        sub.wait(10)
        forget_session(client_id)


def test_a_red_button_press_is_on_the_duty_console_within_a_second(devices, jiangcheng, tmp_path):
    prefix, client_id = unique("yltest/devices"), unique("yl-test-sub")
    sub = start_subscriber(prefix, client_id, tmp_path / "subscriber.log")
    try:
        client = Client()
        client.force_login(jiangcheng)
        device = devices[0]
        assert "YJ-T-000" not in client.get("/alarms/live/").content.decode()
        started = time.monotonic()
        publish_alarm(device.code, "red-1", url=BROKER, prefix=prefix)  # the press: QoS 1 to Mosquitto
        seen_after = None
        while time.monotonic() - started < 1.0:
            html = client.get("/alarms/live/").content.decode()  # what the console polls
            if 'data-incident="' in html and device.person.name in html:
                seen_after = time.monotonic() - started
                break
            time.sleep(0.02)
        assert seen_after is not None and seen_after < 1.0, "the incident did not appear within a second"
        incident = Incident.objects.get(device=device)
        assert incident.state == "open" and incident.kind == "emergency"
    finally:
        sub.terminate()
        sub.wait(10)
        forget_session(client_id)
