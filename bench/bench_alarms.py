"""Alarm ingest through Mosquitto into PostgreSQL: the real subscriber (yanglao.alarms.mqtt.Subscriber,
what `yanglao alarm_subscriber` runs) in its own process, devices publishing with QoS 1.

Phases (each through the broker on $BENCH_MQTT_URL, default mqtt://127.0.0.1:1883, on topics of its own):

1. **broker** — the baseline: the same N messages to a do-nothing subscriber (QoS 1, its own process,
   counting what arrives). `broker_rate` = N ÷ (last arrival − first publish).
2. **sustained** — N alarms from `--devices` devices as fast as the subscriber stores them (the publisher
   keeps at most `--window` alarms ahead of the database, below Mosquitto's default queue of 1,000 per
   session). `rate` = N ÷ (last commit − first publish); `broker_ratio = rate ÷ broker_rate`.
3. **latency** — alarms at a steady pace (half the sustained rate, at most 200/s) for `--latency-seconds`;
   latency = the commit of the transaction that stored the alarm and opened or joined its incident (the
   moment the duty console can show it) − the publish call. p50 and p99.

    .venv/bin/python bench/bench_alarms.py --people 20000 --alarms 20000
Last line: alarms rate=… p50_ms=… p99_ms=… broker_rate=… broker_ratio=… alarms_n=… devices=…
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from common import CITY, Timer, fail, log, percentile, result, server_version, setup
from common import parser as make_parser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = 4117


def _django_child(url: str) -> None:
    os.environ.update({"DJANGO_SETTINGS_MODULE": "yanglao.config.settings", "YANGLAO_DEMO": "true",
                       "YANGLAO_REQUIRE_2FA": "false", "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    import django

    django.setup()


def child_subscriber(args: list[str]) -> None:
    """The real subscriber; on SIGTERM writes {message id: commit time} of the alarms it stored."""
    url, broker, prefix, client_id, out = args
    _django_child(url)
    from yanglao.alarms.mqtt import Subscriber

    committed: dict[str, float] = {}

    def on_batch(items, results):  # type: ignore[no-untyped-def]
        now = time.time()
        for item, r in zip(items, results, strict=False):
            if r.status == "new":
                committed[item.message_id] = now

    sub = Subscriber(broker, prefix=prefix, client_id=client_id, batch_max=200, escalate_every=0, on_batch=on_batch)
    sub.install_signal_handlers()
    print("ready", flush=True)
    sub.run()
    Path(out).write_text(json.dumps(committed))


def child_null(broker: str, prefix: str, client_id: str, n: int, counter, last) -> None:  # type: ignore[no-untyped-def]
    """The do-nothing subscriber (its own process): QoS 1, counts what arrives, notes when the n-th did."""
    from yanglao.alarms.mqtt import connect, new_client

    done = threading.Event()

    def on_message(client, userdata, message):  # type: ignore[no-untyped-def]
        counter.value += 1
        if counter.value >= n:
            last.value = time.time()
            done.set()

    def on_connect(client, userdata, flags, rc, props):  # type: ignore[no-untyped-def]
        client.subscribe(f"{prefix}/+/alarm", qos=1)

    c = new_client(client_id)
    c.on_message, c.on_connect = on_message, on_connect
    connect(c, broker, receive_maximum=200)
    c.loop_start()
    done.wait(600)
    c.disconnect()
    c.loop_stop()


def spawn(mode: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), mode, *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "ready" not in line:
        fail(f"{mode} did not start: {line!r}")
    time.sleep(0.3)
    return proc


def publisher(broker: str):  # type: ignore[no-untyped-def]
    from yanglao.alarms.mqtt import connect, new_client

    c = new_client(f"bench-pub-{uuid.uuid4().hex[:8]}")
    c.max_inflight_messages_set(200)
    c.max_queued_messages_set(0)
    connect(c, broker)
    c.loop_start()
    return c


def publish(client, topic: str, message_id: str) -> float:  # type: ignore[no-untyped-def]
    at = time.time()
    client.publish(topic, json.dumps({"id": message_id, "at": at}), qos=1)
    return at


def main() -> None:
    p = make_parser(__doc__.split("\n")[0])
    p.add_argument("--alarms", type=int, default=20000, help="alarms in the sustained phase (default 20,000)")
    p.add_argument("--devices", type=int, default=5000, help="devices the alarms come from (default 5,000)")
    p.add_argument("--window", type=int, default=600, help="alarms the publisher may be ahead of the database")
    p.add_argument("--latency-seconds", type=float, default=10.0)
    p.add_argument("--mqtt-url", default=os.environ.get("BENCH_MQTT_URL", "mqtt://127.0.0.1:1883"))
    args = p.parse_args()
    setup(args)
    from django.db import connection
    from django.utils import timezone

    from yanglao.alarms.models import Alarm, Device, Incident
    from yanglao.alarms.mqtt import alarm_topic
    from yanglao.alarms.services import token_digest
    from yanglao.people.models import Person
    from yanglao.people.seeding import seed_people

    timer = Timer()
    log(f"{server_version()}; broker {args.mqtt_url}")
    with timer.phase("seed_people"):
        seed_people(args.people, seed=SEED, today=timezone.localdate(), city=CITY)
    n_devices = min(args.devices, args.people)
    with timer.phase("devices"):
        people = list(Person.objects.order_by("pk").values_list("pk", "division_code", "address")[:n_devices])
        Device.objects.bulk_create([
            Device(code=f"BENCH-{n:06d}", kind="red_button" if n % 3 else "fall", person_id=pk, address=addr or "—",
                   installed_on=timezone.localdate(), division_code=div, token_hash=token_digest(f"b{n}"))
            for n, (pk, div, addr) in enumerate(people)], batch_size=2000)
    codes = list(Device.objects.order_by("pk").values_list("code", flat=True))
    run = uuid.uuid4().hex[:8]
    n = args.alarms
    scratch = Path(tempfile.mkdtemp(prefix="bench-alarms-"))

    # 1. the broker alone
    prefix = f"bench/{run}/null"
    ctx = multiprocessing.get_context("spawn")
    counter, last = ctx.Value("q", 0, lock=False), ctx.Value("d", 0.0, lock=False)
    null = ctx.Process(target=child_null, args=(args.mqtt_url, prefix, f"bench-null-{run}", n, counter, last))
    null.start()
    time.sleep(2.0)  # connected and subscribed
    pub = publisher(args.mqtt_url)
    with timer.phase("broker"):
        first = time.time()
        for k in range(n):
            while k - counter.value >= args.window:  # the same flow control as the alarms below
                time.sleep(0.001)
            publish(pub, alarm_topic(codes[k % len(codes)], prefix), f"n-{k}")
        null.join(300)
    if counter.value < n or not last.value:
        fail(f"the do-nothing subscriber received {counter.value} of {n}")
    broker_rate = n / (last.value - first)
    log(f"broker: {n:,} messages in {last.value - first:.2f} s = {broker_rate:,.0f}/s")

    # 2. sustained ingest into PostgreSQL
    prefix = f"bench/{run}/alarms"
    out = scratch / "sub.json"
    sub = spawn("--child-subscriber", args.database_url, args.mqtt_url, prefix, f"bench-sub-{run}", str(out))
    published: dict[str, float] = {}

    def stored() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM alarms_alarm")
            return int(cur.fetchone()[0])

    with timer.phase("sustained"):
        done = 0
        for k in range(n):
            if k - done >= args.window:
                while k - (done := stored()) >= args.window:
                    time.sleep(0.005)
            mid = f"t-{k}"
            published[mid] = publish(pub, alarm_topic(codes[k % len(codes)], prefix), mid)
        while stored() < n:
            time.sleep(0.02)

    # 3. latency at a steady pace
    pace = None
    with timer.phase("latency"):
        time.sleep(0.5)
        # rate from the commit times written at the end; the pace from what the phase above took
        sustained_estimate = n / timer.seconds["sustained"]
        pace = min(200.0, sustained_estimate / 2)
        m = int(pace * args.latency_seconds)
        start = time.time()
        for k in range(m):
            target = start + k / pace
            delay = target - time.time()
            if delay > 0:
                time.sleep(delay)
            mid = f"l-{k}"
            published[mid] = publish(pub, alarm_topic(codes[(k * 7) % len(codes)], prefix), mid)
        while stored() < n + m:
            time.sleep(0.02)
    pub.disconnect()
    pub.loop_stop()
    sub.send_signal(signal.SIGTERM)
    sub.wait(60)
    committed = json.loads(out.read_text())
    t_ids = [f"t-{k}" for k in range(n)]
    missing = [i for i in list(published) if i not in committed]
    if missing:
        fail(f"{len(missing)} alarms were not stored")
    rate = n / (max(committed[i] for i in t_ids) - min(published[i] for i in t_ids))
    lat = [(committed[f"l-{k}"] - published[f"l-{k}"]) * 1000 for k in range(m)]
    p50, p99 = percentile(lat, 50), percentile(lat, 99)
    sustained_lat = [(committed[i] - published[i]) * 1000 for i in t_ids]
    assert Alarm.objects.count() == n + m
    incidents = Incident.objects.count()
    log(f"sustained: {n:,} alarms from {len(codes):,} devices ({incidents:,} incidents) at {rate:,.0f}/s "
        f"= {rate / broker_rate:.2f} × the broker alone; latency under that load p50 "
        f"{percentile(sustained_lat, 50):.0f} ms (the publisher stays {args.window} ahead)")
    log(f"latency at {pace:.0f}/s: {m:,} alarms, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    result("alarms", rate=round(rate), p50_ms=round(p50, 1), p99_ms=round(p99, 1), broker_rate=round(broker_rate),
           broker_ratio=round(rate / broker_rate, 3), alarms_n=n, devices=len(codes))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-subscriber":
        sys.path.insert(0, str(ROOT))
        child_subscriber(sys.argv[2:])
    else:
        main()
