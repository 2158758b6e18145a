"""Worker heartbeats, and the recovery of jobs whose worker died.

Each `yanglao worker` has a row in WorkerHeartbeat that a background thread refreshes every
WORKER_HEARTBEAT_SECONDS. A worker that stops refreshing it (SIGKILL, out of memory, machine lost) is dead
after WORKER_STALE_SECONDS, or at once when its process is gone from this same machine. The jobs it had
claimed (django-tasks rows still RUNNING under its worker id) are put back in the queue for the next
worker: every task of the platform is safe to run again (a payment run replaces its own lines, an import
inserts with ON CONFLICT DO NOTHING), so a re-run gives the same result and nothing twice. A job whose
workers died WORKER_MAX_ATTEMPTS times is marked failed instead (a job that kills its worker must not
kill every worker in turn).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from .models import WorkerHeartbeat

log = logging.getLogger("yanglao.worker")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def beat(worker_id: str, queues: list[str], *, started_at: dt.datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"queues": ",".join(queues), "hostname": socket.gethostname()[:200], "pid": os.getpid(),
                  "started_at": started_at, "beat_at": timezone.now()})


def dead_workers(*, now: dt.datetime | None = None) -> list[str]:
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.WORKER_STALE_SECONDS)
    host = socket.gethostname()[:200]
    dead = []
    for row in WorkerHeartbeat.objects.all():
        if row.beat_at < cutoff or (row.hostname == host and not _pid_alive(row.pid)):
            dead.append(row.worker_id)
    return dead


def requeue_orphans(*, now: dt.datetime | None = None) -> int:
    """Queue again the jobs claimed by dead workers; returns how many. Safe to call from every worker."""
    from django_tasks_db.models import DBTaskResult

    dead = set(dead_workers(now=now))
    if not dead:
        return 0
    moved = 0
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update(skip_locked=True).filter(status="RUNNING")
        for job in running:
            owner = job.worker_ids[-1] if job.worker_ids else None
            if owner not in dead:
                continue  # alive, or run by a plain `db_worker` without heartbeat: left alone
            if len(job.worker_ids) >= settings.WORKER_MAX_ATTEMPTS:
                job.status = "FAILED"
                job.finished_at = timezone.now()
                job.exception_class_path = "yanglao.ops.heartbeat.WorkerDied"
                job.traceback = f"worker died {len(job.worker_ids)} times running this job: {job.worker_ids}"
                job.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
                log.error("job %s failed: its worker died %s times", job.id, len(job.worker_ids),
                          extra={"task": job.task_path})
            else:
                job.status = "READY"
                job.started_at = None
                job.save(update_fields=["status", "started_at"])
                log.warning("job %s queued again: worker %s died while running it", job.id, owner,
                            extra={"task": job.task_path})
            moved += 1
        WorkerHeartbeat.objects.filter(worker_id__in=dead).delete()
    return moved


class Heartbeat(threading.Thread):
    """The worker's heartbeat thread (its own database connection)."""

    def __init__(self, worker_id: str, queues: list[str]) -> None:
        super().__init__(name="yanglao-heartbeat", daemon=True)
        self.worker_id, self.queues = worker_id, queues
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(settings.WORKER_HEARTBEAT_SECONDS):
            try:
                close_old_connections()
                beat(self.worker_id, self.queues, started_at=self.started_at)
                requeue_orphans()
            except Exception:  # noqa: BLE001 - the database may be restarting: try again next beat
                log.warning("heartbeat failed", exc_info=True)
                connection.close()
        connection.close()

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join(timeout=10)


class BrokerHeartbeat(threading.Thread):
    """The alarm subscriber's heartbeat: a row "mqtt:<client id>" refreshed while it is connected to the
    broker (and removed when it is not), read by /health/ready when YANGLAO_MQTT_URL is set."""

    def __init__(self, connected: threading.Event, client_id: str) -> None:
        super().__init__(name="yanglao-broker-heartbeat", daemon=True)
        self.connected, self.worker_id = connected, f"mqtt:{client_id}"[:64]
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(min(settings.WORKER_HEARTBEAT_SECONDS, 5)):
            try:
                close_old_connections()
                if self.connected.is_set():
                    beat(self.worker_id, ["mqtt"], started_at=self.started_at)
                else:
                    WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            except Exception:  # noqa: BLE001
                log.warning("broker heartbeat failed", exc_info=True)
                connection.close()
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except Exception:  # noqa: BLE001
            pass
        connection.close()

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join(timeout=10)
