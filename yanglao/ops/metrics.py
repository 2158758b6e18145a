"""Prometheus metrics with the official client (prometheus_client).

Per process: request counts and latency by view (the web server) and job durations by task (the workers).
Under `yanglao serve` and `yanglao worker` each process writes its values to files under
YANGLAO_METRICS_DIR (the client's multiprocess mode: PROMETHEUS_MULTIPROC_DIR, one sub-directory per
service), and /metrics adds them up across gunicorn's workers and the job workers.
At scrape time, from the database: job queue length and the age of its oldest job per queue, running
jobs, live workers, people import rows by outcome, and each programme's last payment-run duration.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
JOB_BUCKETS = (0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600)


@functools.cache
def _metrics() -> dict[str, Any]:
    from prometheus_client import Counter, Histogram

    return {
        "requests": Counter("yanglao_http_requests", "HTTP requests by view, method and status",
                            ["view", "method", "status"]),
        "latency": Histogram("yanglao_http_request_duration_seconds", "HTTP request latency by view",
                             ["view", "method"], buckets=LATENCY_BUCKETS),
        "jobs": Histogram("yanglao_job_duration_seconds", "Background job run time by task and outcome",
                          ["task", "outcome"], buckets=JOB_BUCKETS),
    }


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    m = _metrics()
    m["requests"].labels(view, method, str(status)).inc()
    m["latency"].labels(view, method).observe(seconds)


def observe_job(task: str, outcome: str, seconds: float) -> None:
    _metrics()["jobs"].labels(task, outcome).observe(seconds)


def use_multiprocess_dir(service: str, *, wipe: bool) -> Path:
    """Point this process (and its children) at METRICS_DIR/<service> for the multiprocess mode. Must run
    before prometheus_client is imported. `wipe` clears what earlier runs of the service left."""
    path = Path(settings.METRICS_DIR) / service
    path.mkdir(parents=True, exist_ok=True)
    if wipe:
        for old in path.glob("*.db"):
            old.unlink(missing_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


class DatabaseCollector:
    """Gauges read from the database when Prometheus scrapes (cheap aggregate queries on indexed columns)."""

    def collect(self):  # type: ignore[no-untyped-def]
        import datetime as dt

        from django.db.models import Count, Max, Min, Sum
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult
        from prometheus_client.core import GaugeMetricFamily

        from .models import WorkerHeartbeat

        now = timezone.now()
        queued = GaugeMetricFamily("yanglao_job_queue_length", "Jobs waiting to run, by queue", labels=["queue"])
        oldest = GaugeMetricFamily("yanglao_job_queue_oldest_age_seconds", "Age of the oldest waiting job, by queue",
                                   labels=["queue"])
        running = GaugeMetricFamily("yanglao_jobs_running", "Jobs running now, by queue", labels=["queue"])
        waiting = {q: (0, None) for q in settings.TASK_QUEUES}
        for row in (DBTaskResult.objects.filter(status="READY").values("queue_name")
                    .annotate(n=Count("id"), first=Min("enqueued_at"))):
            waiting[row["queue_name"]] = (row["n"], row["first"])
        for queue, (n, first) in sorted(waiting.items()):
            queued.add_metric([queue], n)
            oldest.add_metric([queue], (now - first).total_seconds() if first else 0)
        busy = {q: 0 for q in settings.TASK_QUEUES} | {
            row["queue_name"]: row["n"] for row in
            DBTaskResult.objects.filter(status="RUNNING").values("queue_name").annotate(n=Count("id"))}
        for queue, n in sorted(busy.items()):
            running.add_metric([queue], n)
        yield queued
        yield oldest
        yield running

        fresh = now - dt.timedelta(seconds=settings.WORKER_STALE_SECONDS)
        workers = GaugeMetricFamily("yanglao_workers_alive", "Workers with a fresh heartbeat")
        workers.add_metric([], WorkerHeartbeat.objects.filter(beat_at__gte=fresh).count())
        yield workers

        from yanglao.people.models import ImportJob

        rows = ImportJob.objects.aggregate(created=Sum("created_people"), existing=Sum("existing_people"),
                                           rejected=Sum("error_rows"), total=Sum("total_rows"))
        imported = GaugeMetricFamily("yanglao_import_rows", "People import rows over all jobs, by outcome",
                                     labels=["outcome"])
        for outcome in ("total", "created", "existing", "rejected"):
            imported.add_metric([outcome], rows[outcome] or 0)
        yield imported

        from yanglao.benefits.models import PaymentRun

        runs = GaugeMetricFamily("yanglao_payment_run_last_seconds",
                                 "Computation time of each programme's most recently computed run",
                                 labels=["programme"])
        latest = (PaymentRun.objects.exclude(seconds__isnull=True).values("programme__code")
                  .annotate(last=Max("prepared_at")))
        for row in latest:
            seconds = (PaymentRun.objects.filter(programme__code=row["programme__code"], prepared_at=row["last"])
                       .values_list("seconds", flat=True).first())
            runs.add_metric([row["programme__code"]], float(seconds or 0))
        yield runs


def registry():  # type: ignore[no-untyped-def]
    from prometheus_client import REGISTRY, CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        target = CollectorRegistry(auto_describe=False)
        for collector in list(REGISTRY._collector_to_names):  # this process's own metrics (dev server, tests)
            target.register(collector)
    else:
        target = CollectorRegistry(auto_describe=False)
        base = Path(settings.METRICS_DIR)
        for service in sorted(p for p in base.iterdir() if p.is_dir()):  # web, worker-default, worker-imports…
            MultiProcessCollector(target, path=str(service))
    target.register(DatabaseCollector())
    return target


def allowed(request: HttpRequest) -> bool:
    import hmac
    import ipaddress

    from yanglao.core.clientip import client_ip

    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    address = client_ip(request)
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    for entry in settings.METRICS_ALLOWED:
        net = ipaddress.ip_network(entry, strict=False)
        if ip.version == net.version and ip in net:
            return True
    return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    if not allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
