"""/health/live (the process answers) and /health/ready (it can do its work): for load balancers,
systemd watchdogs and monitoring. Neither needs a sign-in; neither says more than which check failed."""

from __future__ import annotations

import datetime as dt
import os

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone


def live(request: HttpRequest) -> JsonResponse:
    """The process is up and answering; checks nothing else (a database outage must not get it restarted)."""
    return JsonResponse({"status": "ok"})


def _database() -> tuple[bool, str]:
    from django.db import connection

    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:  # noqa: BLE001
        return False, f"unreachable ({type(exc).__name__})"


_migrated: list[bool] = []  # once every migration is applied it stays so for this process's code


def _migrations() -> tuple[bool, str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if _migrated:
        return True, "ok"
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return False, f"{len(plan)} migrations not applied"
    _migrated.append(True)
    return True, "ok"


def _workers() -> tuple[bool, str]:
    from .models import WorkerHeartbeat

    cutoff = timezone.now() - dt.timedelta(seconds=settings.WORKER_STALE_SECONDS)
    fresh = WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list("queues", flat=True)
    served = {q for queues in fresh for q in queues.split(",")}
    missing = [q for q in settings.TASK_QUEUES if q not in served and "*" not in served]
    if missing and settings.HEALTH_REQUIRE_WORKER:
        return False, "no live worker for queue " + ",".join(missing)
    return True, "ok" if not missing else "not required (no live worker for " + ",".join(missing) + ")"


def _broker() -> tuple[bool, str] | None:
    url = os.environ.get("YANGLAO_MQTT_URL", "")
    if not url:
        return None
    from .models import WorkerHeartbeat

    cutoff = timezone.now() - dt.timedelta(seconds=settings.WORKER_STALE_SECONDS)
    if WorkerHeartbeat.objects.filter(worker_id__startswith="mqtt:", beat_at__gte=cutoff).exists():
        return True, "ok"
    return False, "alarm subscriber not connected to the MQTT broker"


def ready(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    ok, checks["database"] = _database()
    if ok:
        for name, check in (("migrations", _migrations), ("workers", _workers), ("broker", _broker)):
            result = check()
            if result is None:
                continue
            passed, checks[name] = result
            ok = ok and passed
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)
