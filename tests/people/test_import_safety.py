"""People imports: a malicious or oversized file fails its job cleanly (issue 18 items 6, 7), a job
whose worker died is detected and can be re-run, imports run on their own queue, and the error
report and the export never write a formula (item 16)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from tests.core.sheets import sparse_xlsx
from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.testing import page_client
from yanglao.people.importing import (
    COLUMNS,
    fail_stale_jobs,
    import_create,
    import_file_now,
    import_rerun,
    run_job,
)
from yanglao.people.models import ImportJob, ImportStatus, Person

from .conftest import make_id
from .test_import_export import messy_csv

pytestmark = pytest.mark.django_db

PEOPLE_HEADERS = [h for _f, h, _r, _e in COLUMNS]
LIMITS = {"people": (30, 200_000), "people_cli": (2048, 2_000_000), "assessments": (10, 50_000),
          "reconciliation": (20, 300_000)}


def roster(n: int, *, living: str = "独居", address: str = "北门路1号") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号码", "居住社区代码", "居住地址", "居住状况"])
    for i in range(n):
        writer.writerow(["陈秀英", make_id(seq=f"{300 + i:03d}"), "441702001001", address, living])
    return out.getvalue().encode()


# ------------------------------------------------------------------ item 6: the sparse sheet


def test_the_sparse_sheet_uploaded_on_the_console_fails_its_job_with_a_clear_message(
        jiangcheng, django_capture_on_commit_callbacks):
    client = page_client(jiangcheng)
    with django_capture_on_commit_callbacks(execute=True):
        got = client.post("/people/import/", {"file": SimpleUploadedFile("名单.xlsx", sparse_xlsx(PEOPLE_HEADERS)),
                                              "mode": "valid"})
    job = ImportJob.objects.get()
    assert got.status_code == 302
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    assert "表格声明的范围过大（1048576 行 × 16384 列），超过上限" in job.message
    assert "表格声明的范围过大" in client.get(got.url).content.decode()


# ------------------------------------------------------------------ item 7: limits


@override_settings(UPLOAD_LIMITS=LIMITS | {"people": (1, 200_000)})
def test_a_people_upload_over_the_size_limit_is_refused_with_the_limit(jiangcheng):
    big = roster(1) + b"#" * (1024 * 1024 + 1)
    with pytest.raises(ValidationFailed) as caught:
        import_create(by=jiangcheng, filename="big.csv", content=big, all_or_nothing=False)
    assert "超过老年人信息导入每个文件 1 MB 的上限" in caught.value.message
    assert not ImportJob.objects.exists()
    page = page_client(jiangcheng).post("/people/import/", {"file": SimpleUploadedFile("big.csv", big),
                                                            "mode": "valid"}).content.decode()
    assert "1 MB 的上限" in page


@override_settings(UPLOAD_LIMITS=LIMITS | {"people": (30, 3)})
def test_a_people_upload_over_the_row_limit_fails_its_job_saying_the_limit(jiangcheng):
    job = import_create(by=jiangcheng, filename="a.csv", content=roster(5), all_or_nothing=False)
    assert job.max_rows == 3
    job = run_job(job.pk)
    assert job.status == ImportStatus.FAILED and "超过每次最多 3 行的上限" in job.message
    assert not Person.objects.exists()


@override_settings(UPLOAD_LIMITS=LIMITS | {"people": (30, 3), "people_cli": (30, 10)})
def test_the_command_line_import_has_its_own_larger_row_limit(jiangcheng, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(5))
    job = import_file_now(path=str(path), by=None, division_code="441702", all_or_nothing=False)
    assert job.status == ImportStatus.DONE and job.created_people == 5 and job.max_rows == 10


@override_settings(IMPORT_MAX_STORED_ERRORS=3)
def test_an_import_stores_only_the_first_errors_and_says_how_many_were_not_listed(jiangcheng):
    job = run_job(import_create(by=jiangcheng, filename="bad.csv", content=roster(8, living="火星"),
                                all_or_nothing=False).pk)
    assert job.error_rows == 8 and job.errors.count() == 3 and job.stored_errors == 3
    assert "仅列出前 3 条错误行，其余 5 条未列出" in job.message
    report = load_workbook(io.BytesIO(page_client(jiangcheng).get(f"/people/import/{job.pk}/errors.xlsx").content))
    rows = list(report.active.iter_rows(values_only=True))
    assert "其余 5 条未列出" in rows[0][2] and len(rows) == 2 + 3


def test_imports_go_to_the_imports_queue_and_payment_runs_to_the_default_queue(jiangcheng):
    from django_tasks_db.models import DBTaskResult

    from yanglao.benefits.tasks import compute_run
    from yanglao.people.tasks import run_import

    db_backend = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "imports"]}}
    with override_settings(TASKS=db_backend):
        run_import.enqueue(1)
        compute_run.enqueue(1, 1)
    queues = dict(DBTaskResult.objects.values_list("task_path", "queue_name"))
    assert queues == {"yanglao.people.tasks.run_import": "imports", "yanglao.benefits.tasks.compute_run": "default"}


def test_the_demo_starts_one_worker_per_queue_and_the_default_worker_never_takes_imports(monkeypatch):
    from yanglao.core.management.commands import serve_demo

    started: list[list[str]] = []

    class FakeWorker:
        def __init__(self, args: list[str]) -> None:
            started.append(args)

        def terminate(self) -> None:
            pass

        def wait(self, timeout: float) -> None:
            pass

    monkeypatch.setattr(serve_demo.subprocess, "Popen", FakeWorker)
    monkeypatch.setattr(serve_demo, "call_command", lambda *a, **k: None)
    serve_demo.Command().handle(addr="127.0.0.1:0")
    queues = [args[args.index("--queue") + 1] for args in started]
    assert queues == ["default", "imports"]


# ------------------------------------------------------------------ item 6: a worker that died


def _died(job: ImportJob, minutes_ago: int) -> None:
    past = timezone.now() - dt.timedelta(minutes=minutes_ago)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=past, heartbeat_at=past,
                                               finished_at=None)


@override_settings(IMPORT_STALE_MINUTES=15)
def test_a_running_import_without_a_heartbeat_past_the_timeout_is_marked_failed_when_its_page_is_read(jiangcheng):
    job = import_create(by=jiangcheng, filename="a.csv", content=roster(2), all_or_nothing=False)
    fresh = import_create(by=jiangcheng, filename="b.csv", content=roster(2), all_or_nothing=False)
    _died(job, minutes_ago=20)
    _died(fresh, minutes_ago=5)  # slow but alive: left alone
    page = page_client(jiangcheng).get(f"/people/import/{job.pk}/").content.decode()
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "导入进程已中断（超过 15 分钟没有进展" in job.message
    assert fresh.status == ImportStatus.RUNNING
    assert "导入进程已中断" in page and 'data-testid="import-rerun"' in page


def test_the_management_command_marks_stale_imports_failed(jiangcheng):
    job = import_create(by=jiangcheng, filename="a.csv", content=roster(2), all_or_nothing=False)
    _died(job, minutes_ago=90)
    out = io.StringIO()
    call_command("fail_stale_imports", "--minutes", "60", stdout=out)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "已标记 1 个" in out.getvalue()
    assert fail_stale_jobs(minutes=60) == 0


def test_a_job_whose_worker_died_after_inserting_can_be_rerun_without_duplicates(
        jiangcheng, django_capture_on_commit_callbacks):
    job = run_job(import_create(by=jiangcheng, filename="a.csv", content=messy_csv(), all_or_nothing=False).pk)
    assert Person.objects.count() == 2
    _died(job, minutes_ago=60)  # as if the worker was killed after the insert, before finishing
    client = page_client(jiangcheng)
    client.get("/people/import/")  # detection on read
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        got = client.post(f"/people/import/{job.pk}/rerun/")
    assert got.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Person.objects.count() == 2
    assert "已登记跳过 2 条" in job.message


def test_only_a_failed_import_can_be_rerun(jiangcheng):
    job = run_job(import_create(by=jiangcheng, filename="a.csv", content=roster(1), all_or_nothing=False).pk)
    with pytest.raises(Conflict):
        import_rerun(by=jiangcheng, job=job)


def test_another_county_cannot_rerun_an_import(jiangcheng, yangxi):
    job = import_create(by=jiangcheng, filename="a.csv", content=roster(1), all_or_nothing=False)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED)
    assert page_client(yangxi).post(f"/people/import/{job.pk}/rerun/").status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED


# ------------------------------------------------------------------ item 16: never a formula

HYPERLINK = '=HYPERLINK("http://x","y")'


def test_the_people_export_writes_a_formula_like_address_as_text(jiangcheng, new_person):
    new_person(address=HYPERLINK)
    client = page_client(jiangcheng)
    got = client.get("/people/export/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(got.streaming_content))).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("居住地址") + 1)
    assert cell.value == HYPERLINK and cell.data_type != "f"
    got = client.get("/people/export/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(got.streaming_content).decode("utf-8-sig"))))
    assert rows[1][rows[0].index("居住地址")] == "'" + HYPERLINK


def test_the_import_error_report_writes_formula_like_cells_and_file_names_as_text(jiangcheng):
    job = run_job(import_create(by=jiangcheng, filename="=cmd.csv", content=roster(1, living=HYPERLINK),
                                all_or_nothing=False).pk)
    assert job.error_rows == 1
    got = page_client(jiangcheng).get(f"/people/import/{job.pk}/errors.xlsx")
    sheet = load_workbook(io.BytesIO(got.content)).active
    value = sheet.cell(row=3, column=4)
    assert value.value == HYPERLINK and value.data_type != "f"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@override_settings(UPLOAD_LIMITS=LIMITS | {"people": (7, 1234)})
def test_the_import_page_states_the_limits(jiangcheng):
    page = page_client(jiangcheng).get("/people/import/").content.decode()
    assert "每个文件不超过 7 MB、1234 行" in page


@override_settings(UPLOAD_LIMITS=LIMITS | {"people_cli": (1, 10)})
def test_the_command_line_refuses_a_file_over_its_size_limit_with_the_limit(jiangcheng, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "big.csv"
    path.write_bytes(roster(1) + b"#" * (1024 * 1024 + 1))
    with pytest.raises(CommandError, match="1 MB 的上限"):
        call_command("import_people", str(path), "--division", "441702", stdout=io.StringIO())
