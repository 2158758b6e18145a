"""Worker heartbeats: a worker silent too long (or whose process is gone from this machine) is dead, the
job it held is queued again, a job whose workers keep dying is failed, and live workers' jobs and jobs of
workers without heartbeat (a plain db_worker) are left alone."""

from __future__ import annotations

import datetime as dt
import os
import socket

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from yanglao.ops.heartbeat import dead_workers, requeue_orphans
from yanglao.ops.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def _worker(worker_id: str, *, seconds_ago: int, host: str = "other-host", pid: int = 1) -> None:
    at = timezone.now() - dt.timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(worker_id=worker_id, queues="default", hostname=host, pid=pid, started_at=at,
                                   beat_at=at)


def _job(*workers: str) -> DBTaskResult:
    return DBTaskResult.objects.create(status="RUNNING", args_kwargs={"args": [1, 1], "kwargs": {}}, priority=0,
                                       task_path="yanglao.benefits.tasks.compute_run", queue_name="default",
                                       backend_name="default", run_after=timezone.now(), started_at=timezone.now(),
                                       worker_ids=list(workers), exception_class_path="", traceback="")


@override_settings(WORKER_STALE_SECONDS=60, WORKER_MAX_ATTEMPTS=3)
def test_jobs_of_dead_workers_are_queued_again_and_others_left_alone() -> None:
    _worker("alive", seconds_ago=5)
    _worker("silent", seconds_ago=600)
    _worker("gone", seconds_ago=1, host=socket.gethostname()[:200], pid=2**22 + 12345)  # no such process here
    _worker("me", seconds_ago=1, host=socket.gethostname()[:200], pid=os.getpid())
    assert sorted(dead_workers()) == ["gone", "silent"]
    of_alive, of_silent, of_gone, of_plain = _job("alive"), _job("silent"), _job("gone"), _job("plain-db-worker")
    worn_out = _job("a", "b", "silent")

    assert requeue_orphans() == 3
    for job, status in ((of_alive, "RUNNING"), (of_silent, "READY"), (of_gone, "READY"), (of_plain, "RUNNING"),
                        (worn_out, "FAILED")):
        job.refresh_from_db()
        assert job.status == status, job.worker_ids
    assert "worker died 3 times" in worn_out.traceback
    assert sorted(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive", "me"]
    assert requeue_orphans() == 0  # nothing twice


@pytest.mark.django_db(transaction=True)
def test_the_alarm_subscriber_beats_while_connected_to_the_broker(tmp_path, monkeypatch) -> None:
    from tests.alarms.mqtt_helpers import broker_up, forget_session, start_subscriber, unique

    if connection.vendor != "postgresql":
        pytest.skip("the subscriber subprocess needs the PostgreSQL test database")
    if not broker_up():
        pytest.skip("Mosquitto is not running on 127.0.0.1:1883 (.ci/run starts it)")
    client_id = unique("ops-health")
    monkeypatch.setenv("YANGLAO_MQTT_URL", "mqtt://127.0.0.1:1883")
    proc = start_subscriber(unique("ops"), client_id, tmp_path / "sub.log")
    try:
        from .conftest import wait_for

        wait_for(lambda: WorkerHeartbeat.objects.filter(worker_id=f"mqtt:{client_id}").exists(), timeout=30,
                 what="the subscriber's heartbeat")
        from django.test import Client

        with override_settings(HEALTH_REQUIRE_WORKER=False):
            assert Client().get("/health/ready").json()["checks"]["broker"] == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        forget_session(client_id)
    assert not WorkerHeartbeat.objects.filter(worker_id=f"mqtt:{client_id}").exists()  # gone with it
