"""Liveness, readiness (database, migrations, worker heartbeat, MQTT broker), the Prometheus endpoint
and who may read it, and the JSON log lines (request id, user, division — never an ID number)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from tests.conftest import make_id
from yanglao.ops.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def _beat(worker_id: str, queues: str, *, seconds_ago: int = 0) -> None:
    at = timezone.now() - dt.timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(worker_id=worker_id, queues=queues, hostname="elsewhere", pid=1,
                                   started_at=at, beat_at=at)


def test_liveness_and_the_old_healthz_answer(client: Client) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    assert client.get("/healthz").status_code == 200


@override_settings(HEALTH_REQUIRE_WORKER=True)
def test_readiness_needs_a_live_worker_for_every_queue(client: Client) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok",
                                         "workers": "no live worker for queue default,imports"}
    _beat("w1", "default")
    _beat("w2", "imports", seconds_ago=3600)  # dead an hour ago
    assert "imports" in client.get("/health/ready").json()["checks"]["workers"]
    _beat("w3", "imports")
    response = client.get("/health/ready")
    assert response.status_code == 200 and response.json()["status"] == "ok"


@override_settings(HEALTH_REQUIRE_WORKER=False)
def test_readiness_reports_unapplied_migrations(client: Client) -> None:
    from django.db.migrations.recorder import MigrationRecorder

    from yanglao.ops import health

    health._migrated.clear()
    MigrationRecorder.Migration.objects.filter(app="ops").delete()  # as if an upgrade's migrate had not run
    response = client.get("/health/ready")
    assert response.status_code == 503 and response.json()["checks"]["migrations"] == "1 migrations not applied"


@override_settings(HEALTH_REQUIRE_WORKER=False)
def test_readiness_needs_the_broker_when_one_is_configured(client: Client, monkeypatch) -> None:
    assert "broker" not in client.get("/health/ready").json()["checks"]  # no broker configured: not checked
    monkeypatch.setenv("YANGLAO_MQTT_URL", "mqtt://127.0.0.1:1883")
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "alarm subscriber not connected to the MQTT broker"
    _beat("mqtt:yanglao-alarm-subscriber", "mqtt")
    assert client.get("/health/ready").status_code == 200


def test_readiness_says_when_the_database_is_unreachable(client: Client, monkeypatch) -> None:
    from yanglao.ops import health

    monkeypatch.setattr(health, "_database", lambda: (False, "unreachable (OperationalError)"))
    response = client.get("/health/ready")
    assert response.status_code == 503 and response.json()["checks"] == {"database": "unreachable (OperationalError)"}
    assert client.get("/health/live").status_code == 200  # liveness never depends on the database


@override_settings(METRICS_ALLOWED=["127.0.0.1"], METRICS_TOKEN="s3cret-token")
def test_metrics_only_for_allowed_addresses_or_the_token(client: Client) -> None:
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.create(status="READY", args_kwargs={"args": [1, 1], "kwargs": {}}, priority=0,
                                task_path="yanglao.benefits.tasks.compute_run", queue_name="default",
                                backend_name="default", run_after=timezone.now(), exception_class_path="",
                                traceback="")
    client.get("/health/live")
    assert client.get("/metrics", REMOTE_ADDR="10.9.8.7").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.9.8.7", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    by_token = client.get("/metrics", REMOTE_ADDR="10.9.8.7", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert by_token.status_code == 200
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'yanglao_http_requests_total{method="GET",status="200",view="health:live"}' in text
    assert 'yanglao_http_request_duration_seconds_bucket{le="0.1",method="GET",view="health:live"}' in text
    assert 'yanglao_job_queue_length{queue="default"} 1.0' in text
    assert 'yanglao_job_queue_length{queue="imports"} 0.0' in text
    assert 'yanglao_job_queue_oldest_age_seconds{queue="default"}' in text
    assert 'yanglao_import_rows{outcome="created"}' in text
    assert "yanglao_workers_alive 0.0" in text
    assert "yanglao_payment_run_last_seconds" in text


@pytest.fixture
def json_log():  # type: ignore[no-untyped-def]
    from yanglao.ops.logs import ContextFilter, JsonFormatter

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_log_lines_are_json_with_request_id_user_and_division(client: Client, jiangcheng, json_log) -> None:
    client.force_login(jiangcheng)
    response = client.get("/people/", HTTP_X_REQUEST_ID="req-123")
    assert response["X-Request-ID"] == "req-123"
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    request_line = next(line for line in lines if line["logger"] == "yanglao.request")
    assert request_line["request_id"] == "req-123"
    assert request_line["user_id"] == jiangcheng.pk and request_line["division"] == "441702"
    assert request_line["view"] == "people:list" and request_line["status"] == 200
    assert request_line["path"] == "/people/" and isinstance(request_line["duration_ms"], float)


def test_an_id_number_in_a_request_never_reaches_the_log(client: Client, jiangcheng, json_log) -> None:
    id_number = make_id(birth="19460715", seq="318")
    phone = "13912345678"
    client.force_login(jiangcheng)
    client.get("/people/", {"q": id_number})
    client.get(f"/people/{id_number}/")  # a 404 whose path carries the number
    client.post("/api/v1/people/", data=json.dumps({"id_number": id_number, "phone": phone}),
                content_type="application/json")
    logging.getLogger("yanglao.somewhere").warning("checking %s / %s", id_number, phone)
    try:
        raise ValueError(f"bad row {id_number}")
    except ValueError:
        logging.getLogger("yanglao.somewhere").exception("failed")
    text = json_log.getvalue()
    assert text.count("\n") >= 5
    assert id_number not in text and id_number[:-1] not in text and phone not in text
    assert "441702" + "*" * 11 + id_number[-1] in text  # masked, still useful to find the line
    assert "139******78" in text
