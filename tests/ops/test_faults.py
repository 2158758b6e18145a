"""Faults, survived (PostgreSQL):

- the worker is killed (SIGKILL, its whole process group) in the middle of a monthly payment run and of
  a large people import: a new worker finds the job its dead predecessor held (heartbeat), runs it again,
  and the result is the same as an uninterrupted run: nobody paid twice, nobody imported twice;
- PostgreSQL restarts while requests are in flight (a throwaway cluster of its own, never the machine's):
  those requests get a clear 503, no record is half-written, and the same server answers normally once
  the database is back, without being restarted (CONN_HEALTH_CHECKS);
- an upload over the limit: a clear message, nothing stored.

The kill lands mid-job deterministically: a statement trigger on a table the job writes to takes an
advisory lock the test holds, so the worker waits there, with part of its work committed, until killed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test import override_settings

from tests.benefits.conftest import age_allowance  # noqa: F401
from tests.conftest import make_id
from tests.pgcluster import Cluster, bindir, scratch_directory
from yanglao.core.roles import Role
from yanglao.core.testing import PASSWORD, make_user

from .conftest import REPO, app_env, database_url, free_port, stop, wait_for, yanglao

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "imports"]}}
PAUSE_LOCK = 424242
IMPORT_ROWS = int(os.environ.get("YANGLAO_FAULT_IMPORT_ROWS", "100000"))


class Pause:
    """While held, the first statement of the worker that inserts into `table` (when `condition` holds)
    waits inside the database on an advisory lock: the job is stopped mid-way, part of it committed."""

    def __init__(self, table: str, condition: str = "true") -> None:
        self.table, self.condition = table, condition
        self.holder = psycopg.connect(database_url(), autocommit=True)

    def __enter__(self) -> Pause:
        self.holder.execute("SELECT pg_advisory_lock(%s)", [PAUSE_LOCK])
        self.holder.execute(f"""
            CREATE OR REPLACE FUNCTION yl_test_pause() RETURNS trigger AS $$
            BEGIN
              IF {self.condition} THEN PERFORM pg_advisory_lock({PAUSE_LOCK}); PERFORM pg_advisory_unlock({PAUSE_LOCK}); END IF;
              RETURN NULL;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER yl_test_pause AFTER INSERT ON {self.table} FOR EACH STATEMENT EXECUTE FUNCTION yl_test_pause();
        """)
        return self

    def waiting(self) -> list[int]:
        rows = self.holder.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' "
            "AND datname = current_database()").fetchall()
        return [r[0] for r in rows]

    def __exit__(self, *exc: object) -> None:
        for pid in self.waiting():  # the killed worker's connection, as the server sees a dead client
            self.holder.execute("SELECT pg_terminate_backend(%s)", [pid])
        self.holder.execute(f"DROP TRIGGER IF EXISTS yl_test_pause ON {self.table}; DROP FUNCTION IF EXISTS yl_test_pause()")
        self.holder.execute("SELECT pg_advisory_unlock_all()")
        self.holder.close()


def _worker(queue: str, tmp: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    return subprocess.Popen(yanglao("worker", "--queue", queue, "--interval", "0.2"), cwd=REPO, start_new_session=True,
                            env=app_env(YANGLAO_VAR_DIR=str(tmp), YANGLAO_WORKER_HEARTBEAT_SECONDS="1",
                                        YANGLAO_IMPORT_PROCESSES="2"),
                            stdout=subprocess.DEVNULL, stderr=open(tmp / f"worker-{time.monotonic_ns()}.log", "w"))


def _kill(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    os.killpg(proc.pid, signal.SIGKILL)  # the worker and its children, as the OOM killer or a power cut would
    proc.wait()


def _task_status() -> list[tuple[str, int]]:
    from django_tasks_db.models import DBTaskResult

    return [(r.status, len(r.worker_ids)) for r in DBTaskResult.objects.all()]


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_payment_run_re_runs_it_to_the_same_result(postgres_only, city_admin, age_allowance,  # noqa: F811
                                                                     tmp_path: Path) -> None:
    from yanglao.benefits import services
    from yanglao.benefits.models import Entitlement, PaymentRun, RunStatus
    from yanglao.people.seeding import seed_people

    seed_people(3000, seed=17, today=dt.date(2026, 5, 1))
    month = dt.date(2026, 5, 1)
    with override_settings(TASKS=DB_TASKS):
        run = services.run_preview(by=city_admin, programme=age_allowance, month=month)
    assert _task_status() == [("READY", 0)]

    with Pause("benefits_runsummary") as pause:  # the last step: by then the run's lines are committed
        first = _worker("default", tmp_path)
        try:
            wait_for(pause.waiting, timeout=120, what="the worker to reach the run's last step")
            run.refresh_from_db()
            assert run.status == RunStatus.COMPUTING and run.step == "按乡镇汇总"
            half_done = Entitlement.objects.filter(run=run).count()
            assert half_done > 0  # committed lines of a run that has not finished
            _kill(first)
        finally:
            if first.poll() is None:
                _kill(first)
    assert _task_status() == [("RUNNING", 1)]  # the dead worker still "holds" it

    second = _worker("default", tmp_path)
    try:
        wait_for(lambda: PaymentRun.objects.get(pk=run.pk).status == RunStatus.PREVIEW, timeout=120,
                 what="the new worker to finish the run")
    finally:
        stop(second)
    assert _task_status() == [("SUCCESSFUL", 2)]
    run.refresh_from_db()
    recovered = sorted(Entitlement.objects.filter(run=run).values_list("person_id", "kind", "amount"))
    assert len(recovered) == half_done == run.line_count
    assert len({(p, k) for p, k, _a in recovered}) == len(recovered)  # one line per person: nobody paid twice

    # the same month computed again from scratch, uninterrupted, gives exactly the same lines and total
    total = run.total_amount
    from yanglao.benefits.engine import compute

    with override_settings(TASKS=DB_TASKS):
        again = services.run_preview(by=city_admin, programme=age_allowance, month=month)
    compute(again.pk, again.attempt)
    again.refresh_from_db()
    assert again.pk == run.pk and again.status == RunStatus.PREVIEW and again.total_amount == total
    assert sorted(Entitlement.objects.filter(run=run).values_list("person_id", "kind", "amount")) == recovered


def _cn(n: int) -> str:
    """A number as Chinese characters: names are checked to be Chinese."""
    return "".join("零一二三四五六七八九"[int(d)] for d in str(n))


def _roster(path: Path, rows: int) -> list[str]:
    from yanglao.core.models import Division, DivisionLevel

    communities = list(Division.objects.filter(level=DivisionLevel.COMMUNITY, code__startswith="441702")
                       .values_list("code", flat=True))
    ids = []
    start = dt.date(1930, 1, 1)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("姓名,身份证号码,居住社区代码,居住状况,紧急联系人,紧急联系人电话\n")
        for i in range(rows):
            birth = (start + dt.timedelta(days=i // 900)).strftime("%Y%m%d")
            number = make_id(birth=birth, seq=f"{i % 900 + 100:03d}")
            ids.append(number)
            fh.write(f"测试{_cn(i)},{number},{communities[i % len(communities)]},独居,家属{_cn(i)},139{i:08d}\n")
    return ids


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_import_re_runs_it_and_nobody_is_imported_twice(postgres_only, jiangcheng,
                                                                            tmp_path: Path) -> None:
    from yanglao.people import importing
    from yanglao.people.models import Contact, ImportJob, ImportStatus, Person

    roster = tmp_path / "roster.csv"
    ids = _roster(roster, IMPORT_ROWS)
    with override_settings(TASKS=DB_TASKS, MEDIA_ROOT=tmp_path / "media",
                           STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
        job = importing.import_create(by=jiangcheng, filename="roster.csv", content=roster.read_bytes(),
                                      all_or_nothing=False)
    half = IMPORT_ROWS // 2
    # the worker (YANGLAO_VAR_DIR=tmp_path) reads the upload from tmp_path/media
    assert Path(tmp_path / "media" / job.file_path).exists()

    with Pause("people_person", condition=f"(SELECT count(*) FROM people_person) > {half}") as pause:
        first = _worker("imports", tmp_path)
        try:
            wait_for(lambda: pause.waiting() or ImportJob.objects.get(pk=job.pk).status != ImportStatus.RUNNING
                     and ImportJob.objects.get(pk=job.pk).status != ImportStatus.QUEUED,
                     timeout=300, what="the import to pass half the file")
            job.refresh_from_db()
            assert pause.waiting(), f"the import ended before it was half-way: {job.status} {job.message}"
            _kill(first)
        finally:
            if first.poll() is None:
                _kill(first)
    committed = Person.objects.count()
    assert 0 < committed < IMPORT_ROWS  # killed half-way: some batches in, the rest not
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.RUNNING

    second = _worker("imports", tmp_path)
    try:
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE, timeout=300,
                 what="the new worker to finish the import")
    finally:
        stop(second)
    job.refresh_from_db()
    assert job.total_rows == IMPORT_ROWS and job.error_rows == 0
    assert Person.objects.count() == IMPORT_ROWS  # everyone once
    assert Person.objects.values("id_number_hash").distinct().count() == IMPORT_ROWS
    assert Contact.objects.count() == IMPORT_ROWS  # and their contacts once too
    assert len(ids) == IMPORT_ROWS


# --------------------------------------------------------------------------- PostgreSQL restart


def _call(url: str, body: dict | None = None, token: str = "") -> tuple[int, dict]:  # type: ignore[type-arg]
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, {"raw": raw[:300].decode("utf-8", "replace")}
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return 0, {"raw": str(exc)}


@pytest.mark.django_db(transaction=True)
def test_postgres_restart_under_load_gives_clear_errors_and_the_server_recovers_by_itself(postgres_only,
                                                                                         tmp_path: Path) -> None:
    if not shutil.which("runuser") or bindir() is None:
        pytest.fail("initdb and runuser are needed for the throwaway cluster (postgresql, util-linux)")
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    staff = make_user(Role.COUNTY_STAFF, "441702", username="restart-staff")
    staff.password = PBKDF2PasswordHasher().encode(PASSWORD, "restarttestsalt")  # the server's own hasher
    staff.save(update_fields=["password"])
    from django.core.management import call_command

    with open(os.devnull, "w") as devnull:
        call_command("backup", "--dir", str(tmp_path), "--keep", "0", stdout=devnull)  # the schema and the account
    [dump] = list(tmp_path.glob("yanglao-*.dump"))
    cluster = Cluster(scratch_directory("yl-pgfault-"))  # tests/pgcluster.py, as the replica test's
    try:
        _restart_under_load(cluster, dump, tmp_path)
    finally:
        cluster.destroy()  # whatever happened: the throwaway cluster never outlives the test


def _restart_under_load(cluster: Cluster, dump: Path, tmp_path: Path) -> None:
    server = None
    results: list[tuple[float, int, dict, str]] = []  # (time sent, status, body, id number)
    stop_at = [time.monotonic() + 60]
    try:
        cluster.init().start()
        url = cluster.url("yanglao")
        restored = subprocess.run(yanglao("restore", str(dump), "--yes"), cwd=REPO, env=app_env(DATABASE_URL=url),
                                  capture_output=True, text=True, timeout=300)
        assert restored.returncode == 0, restored.stderr
        port = free_port()
        server = subprocess.Popen(yanglao("serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"), cwd=REPO,
                                  env=app_env(DATABASE_URL=url, YANGLAO_VAR_DIR=str(tmp_path), DB_CONN_MAX_AGE="600"),
                                  stdout=subprocess.DEVNULL, stderr=open(tmp_path / "server.log", "w"))
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _call(f"{base}/health/live")[0] == 200, timeout=60, what="the server")
        status, body = _call(f"{base}/api/v1/auth/token", {"username": "restart-staff", "password": PASSWORD})
        assert status in (200, 201), body
        token = body["token"]

        counter = iter(range(1, 10**6))
        lock = threading.Lock()

        def client() -> None:
            while time.monotonic() < stop_at[0]:
                with lock:
                    n = next(counter)
                number = make_id(birth=(dt.date(1940, 1, 1) + dt.timedelta(days=n)).strftime("%Y%m%d"), seq="555")
                sent = time.monotonic()
                status, body = _call(f"{base}/api/v1/people/", {
                    "name": "重启" + _cn(n), "id_number": number, "division_code": "441702001001",
                    "living_situation": "alone", "phone": f"138{n:08d}",
                    "contacts": [{"name": "家属", "relation": "子女", "phone": f"139{n:08d}"}]}, token)
                results.append((sent, status, body, number))

        stop_at[0] = time.monotonic() + 120  # from now: restoring and starting under load can take a minute
        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            wait_for(lambda: sum(1 for r in results if r[1] == 201) >= 10, timeout=60, what="requests")
        except AssertionError as exc:
            raise AssertionError(f"no requests succeeded before the restart: {results[:2]}") from exc
        down_at = time.monotonic()
        cluster.restart("fast")
        up_at = time.monotonic()
        stop_at[0] = up_at + 4  # keep going a few seconds after the database is back
        for t in threads:
            t.join(timeout=90)
    finally:
        stop_at[0] = 0  # the client threads end whatever happened
        if server is not None:
            stop(server)
    statuses = {status for _t, status, _b, _n in results}
    assert statuses <= {201, 503}, [(s, b) for _t, s, b, _n in results if s not in (201, 503)][:3]
    failed = [(t, b) for t, s, b, _n in results if s == 503]
    assert failed, "no request reached the server while the database was down"
    for _t, body in failed:
        assert body["error"]["code"] == "database_unavailable"
        assert body["error"]["message"] == "数据库暂时无法连接，您的操作未保存，请稍后重试"
    assert all(down_at - 5 <= t <= up_at for t, _b in failed)  # errors only for requests sent while it was down
    after = [s for t, s, _b, _n in results if t > up_at + 0.5]
    assert after and set(after) == {201}  # back without restarting the server
    created = [n for _t, s, _b, n in results if s == 201]
    with psycopg.connect(cluster.url("yanglao")) as conn:
        people = conn.execute("SELECT count(*) FROM people_person").fetchone()[0]
        contacts = conn.execute("SELECT count(*) FROM people_contact").fetchone()[0]
        audited = conn.execute("SELECT count(*) FROM core_auditentry WHERE object_type = 'people.person' "
                               "AND action = 'create'").fetchone()[0]
    assert people == len(created) == contacts == audited  # each person whole, with contact and audit line


# --------------------------------------------------------------------------- upload limit


@pytest.mark.django_db
def test_an_upload_over_the_limit_is_refused_with_a_message_and_nothing_is_stored(client, jiangcheng) -> None:
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yanglao.people.models import ImportJob

    def stored() -> set[str]:  # what earlier tests left in the (per-process) storage is not this test's
        return set(default_storage.listdir("imports")[1]) if default_storage.exists("imports") else set()

    before = stored()
    limits = {"people": (1, 1000)}
    with override_settings(UPLOAD_LIMITS=limits):
        client.force_login(jiangcheng)
        big = SimpleUploadedFile("roster.csv", b"x" * (1024 * 1024 + 1), content_type="text/csv")
        response = client.post("/people/import/", {"file": big, "mode": "valid"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "超过老年人信息导入每个文件 1 MB 的上限" in page
    assert ImportJob.objects.count() == 0
    assert stored() == before  # nothing of this upload was stored
