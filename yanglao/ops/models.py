"""What the operations code keeps in the database: one heartbeat row per running worker."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """A running `yanglao worker`: written at start and every WORKER_HEARTBEAT_SECONDS, removed at a clean
    exit. A row older than WORKER_STALE_SECONDS is a dead worker (killed, machine lost): /health/ready
    reports it and the jobs it had claimed are queued again (yanglao/ops/heartbeat.py)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    queues = models.CharField(max_length=200)  # comma-separated queue names ("*" = all)
    hostname = models.CharField(max_length=200)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "后台任务进程心跳"

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.queues})"
