"""Importing people from spreadsheets as offices produce them, set-based.

1. Read the file (xlsx/xls/csv, UTF-8 or GB18030, title rows above the header) — core.tabular.
2. Validate every row with the same rules as the API (validation.clean_person); record each
   rejected row with its row number, column and reason; report progress on the job.
3. Valid rows go into a staging table, then one `INSERT … SELECT … ON CONFLICT DO NOTHING` per
   target table moves them into the registry, so importing the same file twice changes nothing
   and a crashed job can be re-run. "All or nothing" imports nothing when any row is rejected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import multiprocessing
import os
import queue
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from yanglao.core import dictionaries
from yanglao.core.audit import AuditActor, audit_bulk, audit_context, record
from yanglao.core.bulk import copy_rows
from yanglao.core.cells import sheet_row
from yanglao.core.crypto import Sealer
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.idnumber import mask_id_number, mask_phone
from yanglao.core.models import AuditAction, User
from yanglao.core.tabular import TableError, clean_text, read_table
from yanglao.core.uploads import check_upload

from . import notices
from .choices import Category, LivingSituation
from .models import ImportJob, ImportRowError, ImportStatus, Person
from .roster import ROSTER_COLUMNS, DivisionNames, is_note_row, is_template_example
from .services import ID_PURPOSE, PHONE_PURPOSE, community_codes
from .validation import PersonInput, clean_person

# Template columns: field → header. Required headers are marked * in the template.
COLUMNS: list[tuple[str, str, bool, str]] = [
    ("name", "姓名", True, "张三"),
    ("id_number", "身份证号码", True, "44170219500101123X（请设置为文本格式）"),
    ("sex", "性别", False, "男/女（可不填，以身份证号码为准）"),
    ("birth_date", "出生日期", False, "1950-01-01（可不填，以身份证号码为准）"),
    ("phone", "联系电话", False, "13800001234 或 0662-3123456"),
    ("division_code", "居住社区代码", True, "441702001001（12位村（社区）区划代码）"),
    ("hukou_division_code", "户籍地区划代码", False, "441702（可不填，默认取身份证前6位）"),
    ("address", "居住地址", False, "江城区北门路1号"),
    ("living_situation", "居住状况", True, "、".join(map(str, LivingSituation.labels))),
    ("categories", "人员类别", False, "多个用顿号分隔：" + "、".join(map(str, Category.labels))),
    ("category_valid_from", "类别起始日期", False, "2024-01-01"),
    ("document_no", "证明文件编号", False, "阳民〔2024〕12号"),
    ("issuing_unit", "认定单位", False, "江城区民政局"),
    ("disability_grade", "残疾等级", False, "一级/二级（重度残疾必填）"),
    ("contact_name", "紧急联系人", False, "李四"),
    ("contact_relation", "与本人关系", False, "儿子"),
    ("contact_phone", "紧急联系人电话", False, "13900001234"),
]
HEADER_OF = {f: h for f, h, _r, _e in COLUMNS}
FIELD_OF = {h: f for f, h, _r, _e in COLUMNS}
REQUIRED = [h for _f, h, r, _e in COLUMNS if r]
ALIASES = {
    "身份证号": "身份证号码", "公民身份号码": "身份证号码", "身份证": "身份证号码", "证件号码": "身份证号码",
    "电话": "联系电话", "手机": "联系电话", "手机号码": "联系电话", "联系方式": "联系电话",
    "社区代码": "居住社区代码", "村（社区）代码": "居住社区代码", "村(社区)代码": "居住社区代码", "区划代码": "居住社区代码",
    "户籍地": "户籍地区划代码", "住址": "居住地址", "地址": "居住地址", "家庭住址": "居住地址",
    "居住情况": "居住状况", "类别": "人员类别", "人员类型": "人员类别", "老人姓名": "姓名",
}
# Rosters name the community in words (所属村居, 所属镇街, 所属县区) instead of the code column.
for _field, _header, _spellings in ROSTER_COLUMNS:
    HEADER_OF[_field] = _header
    FIELD_OF[_header] = _field
    ALIASES |= dict.fromkeys(_spellings, _header)
EXPECTED_HEADERS = [h for _f, h, _r, _e in COLUMNS] + [h for _f, h, _s in ROSTER_COLUMNS]
COMMUNITY_NAME = HEADER_OF["community_name"]
# The template's example row (row 2), recognised and skipped when an office leaves it in.
EXAMPLES = {f: e for f, _h, _r, e in COLUMNS}
PROGRESS_EVERY = 5000
BATCH = 5000


def template_workbook() -> bytes:
    """The downloadable template (下载模板): headers, an example row, and notes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "老年人信息"
    ws.append([f"{h}*" if r else h for _f, h, r, _e in COLUMNS])
    ws.append([e for _f, _h, _r, e in COLUMNS])
    bold = Font(bold=True)
    for i, (_f, _h, required, _e) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="C00000" if required else "000000")
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        ws.cell(row=2, column=i).font = Font(italic=True, color="808080")
        ws.column_dimensions[cell.column_letter].width = max(12, len(_h) * 2 + 4)
        ws.cell(row=2, column=i).number_format = "@"
    for row in range(3, 1003):
        ws.cell(row=row, column=2).number_format = "@"  # ID numbers as text: keeps the trailing X
    notes = wb.create_sheet("填写说明")
    notes.append(["说明"])
    notes["A1"].font = bold
    for line in [
        "1. 带 * 的列必填；第2行为示例，导入前请删除。",
        "2. 身份证号码列须为文本格式，否则Excel会丢失末位X或变为科学计数法。",
        "3. 居住社区代码为国家统计局12位村（社区）区划代码，只能导入本辖区的人员。也可不填代码，改为填写"
        "“所属村居”（如 北门社区）和“所属镇街”（如 南恩街道）两列，按名称在本辖区内查找。",
        "4. 同一身份证号码已登记的人员将跳过，重复导入同一文件不会产生重复档案。",
        "5. 可选择“仅导入正确的行”或“全部正确才导入”。",
    ]:
        notes.append([line])
    notes.column_dimensions["A"].width = 80
    notes["A2"].alignment = Alignment(wrap_text=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def import_create(*, by: User, filename: str, content: bytes, all_or_nothing: bool) -> ImportJob:
    """Store the upload and queue the job (the job row and the task are committed together)."""
    if not by.can("people.import"):
        raise Forbidden()
    if not by.scope_prefix:
        raise ValidationFailed("您的账户没有管辖区划，不能导入")
    ext = os.path.splitext(filename)[1].lower()
    if ext not in (".xlsx", ".xls", ".csv", ".txt"):
        raise ValidationFailed("请上传 .xlsx、.xls 或 .csv 文件", details={"file": f"不支持的文件类型：{ext or filename}"})
    limit = check_upload(kind="people", filename=filename, size=len(content))
    path = default_storage.save(f"imports/{uuid.uuid4().hex}{ext}", ContentFile(content))
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=by,
            division_code=by.scope_prefix,
            filename=filename[:200],
            file_path=path,
            file_sha256=hashlib.sha256(content).hexdigest(),
            all_or_nothing=all_or_nothing,
            max_rows=limit.max_rows,
        )
        _enqueue(job)
    return job


def _enqueue(job: ImportJob) -> None:
    from .tasks import run_import  # on the "imports" queue: never ahead of a payment run

    transaction.on_commit(lambda: run_import.enqueue(job.pk))


STALE_MESSAGE = "导入进程已中断（超过 {minutes} 分钟没有进展，处理进程可能已退出），未完成导入。可点击“重新导入”再次运行，已导入的人员不会重复"


def fail_stale_jobs(*, now: dt.datetime | None = None, minutes: int | None = None) -> int:
    """Mark failed every running import whose worker died: no heartbeat (progress) for longer than
    ``settings.IMPORT_STALE_MINUTES``. Called when import pages are read and by
    ``yanglao fail_stale_imports``; returns how many jobs it marked."""
    minutes = settings.IMPORT_STALE_MINUTES if minutes is None else minutes
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=minutes)
    from django.db.models import Q
    from django.db.models.functions import Coalesce

    stale = ImportJob.objects.filter(status=ImportStatus.RUNNING).annotate(
        last_sign=Coalesce("heartbeat_at", "started_at", "created_at")).filter(last_sign__lt=cutoff)
    ids = list(stale.values_list("pk", flat=True))
    if not ids:
        return 0
    # Conditional on still running with the same old heartbeat, so a job that just moved on is left alone.
    return ImportJob.objects.filter(pk__in=ids, status=ImportStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True)
    ).update(status=ImportStatus.FAILED, finished_at=now, message=STALE_MESSAGE.format(minutes=minutes))


def import_rerun(*, by: User, job: ImportJob) -> ImportJob:
    """Queue a failed import again (e.g. after its worker died). Safe: the job redoes its work and
    people already imported are not imported twice (ON CONFLICT DO NOTHING)."""
    if not by.can("people.import"):
        raise Forbidden()
    fail_stale_jobs()
    with transaction.atomic():
        updated = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.FAILED).update(
            status=ImportStatus.QUEUED, message="", finished_at=None, heartbeat_at=None)
        if not updated:
            raise Conflict("只有失败的导入任务可以重新运行")
        with audit_context(by):
            record(AuditAction.IMPORT, object_type="people.importjob", object_id=job.pk, object_repr=job.filename,
                   division_code=job.division_code, extra={"rerun": True})
        _enqueue(job)
    job.refresh_from_db()
    return job


def _job_actor(job: ImportJob) -> AuditActor:
    user = job.created_by
    if user is None:
        return AuditActor(user_id=None, username="cli:import_people")
    return AuditActor(user_id=user.pk, username=user.username, role=user.role)


def run_job(job_id: int, *, today: dt.date | None = None) -> ImportJob:
    """Validate and import. Safe to run again: a finished job is left alone; a crashed one redoes
    its work, and rows already imported are not imported twice."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status in (ImportStatus.DONE, ImportStatus.REJECTED):
        return job
    today = today or timezone.localdate()
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=now, heartbeat_at=now,
                                               processed_rows=0, valid_rows=0, error_rows=0, stored_errors=0,
                                               message="")
    ImportRowError.objects.filter(job=job).delete()
    with audit_context(actor=_job_actor(job)):
        try:
            with default_storage.open(job.file_path, "rb") as fh:
                content = fh.read()
            result = _validate_and_stage(job, content, today)
        except TableError as exc:
            with connection.cursor() as cur:
                cur.execute(f"DELETE FROM {STAGE} WHERE job_id = %s", [job.pk])
            return _finish(job, ImportStatus.FAILED, message=str(exc))
        valid, errors, total, skipped, created, existing = result
        not_listed = _errors_not_listed(job.pk, errors)
        if skipped:
            not_listed += f"；另有合计、说明或示例行 {skipped} 行未作为人员导入"
        if job.all_or_nothing and errors:
            return _finish(job, ImportStatus.REJECTED, total=total, valid=valid, errors=errors,
                           message=f"共 {total} 条，{errors} 条有错误，按“全部正确才导入”未导入任何数据{not_listed}")
        ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
        created_now, existing_now = _insert_staged(job)
        created, existing = created + created_now, existing + existing_now
        audit_bulk(Person, operation="import", count=created, division_code=job.division_code,
                   params={"job": job.pk, "file": job.filename, "rows": total, "rejected": errors,
                           "existing": existing, "all_or_nothing": job.all_or_nothing})
        return _finish(job, ImportStatus.DONE, total=total, valid=valid, errors=errors, created=created,
                       existing=existing,
                       message=f"共 {total} 条，成功 {created} 条，已登记跳过 {existing} 条，错误 {errors} 条{not_listed}")


def _errors_not_listed(job_id: int, errors: int) -> str:
    stored = ImportJob.objects.filter(pk=job_id).values_list("stored_errors", flat=True).first() or 0
    if errors <= stored:
        return ""
    return f"（错误过多，仅列出前 {stored} 条错误行，其余 {errors - stored} 条未列出）"


def _finish(job: ImportJob, status: str, *, total: int = 0, valid: int = 0, errors: int = 0, created: int = 0,
            existing: int = 0, message: str = "") -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, total_rows=total, processed_rows=total, valid_rows=valid, error_rows=errors,
        created_people=created, existing_people=existing, message=message, finished_at=timezone.now(),
    )
    job.refresh_from_db()
    notices.import_finished(job)  # whoever started it is told of rejected rows or a failure (yanglao/notices)
    return job


# --- validation into a staging table --------------------------------------------------------
STAGE = "people_import_stage"
STAGE_COLUMNS = [
    "job_id", "row_no", "name", "id_enc", "id_hash", "id_masked", "id_last4", "from15", "birth_date", "sex",
    "hukou", "division_code", "address", "phone_enc", "phone_hash", "phone_masked", "living",
    "categories", "contact",
]


def _mask_clean_phone(phone: str) -> str:
    """mask_phone of a number normalise_phone returned (normalising it again gives the same number)."""
    if not phone:
        return ""
    if phone.startswith("0086"):  # "+86 0086-…": read again as an international prefix, so mask_phone differs
        return mask_phone(phone)
    if "-" not in phone:
        return f"{phone[:3]}******{phone[-2:]}"
    area, local = phone.split("-")
    return f"{area}-{'*' * (len(local) - 2)}{local[-2:]}"


def _stage_row(row_no: int, p: PersonInput, job_id: int, sealer: Sealer) -> tuple[Any, ...]:
    """One valid person as a staging row: sealed (encrypted, keyed hashes) and masked."""
    idv = p.id.value
    phone = p.phone
    cats = json.dumps(
        [[c.category, c.valid_from.isoformat(), c.document_no, c.issuing_unit, c.disability_grade] for c in p.categories],
        ensure_ascii=False,
    ) if p.categories else ""
    contact = ""
    if p.contacts:
        c = p.contacts[0]
        contact = json.dumps([c.kind, c.name, c.relation, sealer.encrypt(c.phone), sealer.hash(c.phone, purpose=PHONE_PURPOSE),
                              _mask_clean_phone(c.phone)], ensure_ascii=False)
    return (
        job_id, row_no, p.name, sealer.encrypt(idv), sealer.hash(idv, purpose=ID_PURPOSE), mask_id_number(idv),
        idv[-4:], p.id.converted_from_15 is not None, p.id.birth_date, p.id.sex, p.hukou_division_code,
        p.division_code, p.address, sealer.encrypt(phone), sealer.hash(phone, purpose=PHONE_PURPOSE),
        _mask_clean_phone(phone), p.living_situation, cats, contact,
    )


def _stage_rows(clean_rows: Iterable[tuple[int, PersonInput]], job_id: int, sealer: Sealer) -> Iterator[tuple[Any, ...]]:
    for row_no, p in clean_rows:
        yield _stage_row(row_no, p, job_id, sealer)


STAGE_ID_HASH = STAGE_COLUMNS.index("id_hash")


@dataclass(frozen=True)
class _CheckContext:
    """What checking a row needs, with no database access: picklable, so worker processes get it once."""

    job_id: int
    prefix: str
    today: dt.date
    communities: frozenset[str]
    names: DivisionNames | None  # only when the file names communities in words
    # the code lists (字典管理: living situations, categories) as this process read them, for the workers
    vocab: dict[str, Any] = dataclass_field(default_factory=dictionaries.snapshot)


# Outcome of one row, in file order: (OK, position, stage row) | (BAD, position, [(field, reason)]) | (SKIP, position, None)
OK, BAD, SKIP = 0, 1, 2
Outcome = tuple[int, int, Any]


def _check_rows(rows: Sequence[tuple[int, dict[str, Any]]], ctx: _CheckContext, sealer: Sealer) -> list[Outcome]:
    """Validate and seal a chunk of rows: the same function in this process or in a worker process, so
    both paths store the same rows and report the same errors."""
    return _check_fields(((row_no, {FIELD_OF[h]: v for h, v in cells.items() if h in FIELD_OF}) for row_no, cells in rows),
                         ctx, sealer)


def _pack(chunk: Sequence[tuple[int, dict[str, Any]]]) -> tuple[tuple[str, ...], list[tuple[int, tuple[Any, ...]]]] | None:
    """A chunk as (headers, [(row number, cell values)]) for a worker (cheaper to pickle than a dict a row),
    or None when its rows do not all have the same headers."""
    keys = chunk[0][1].keys()
    if any(cells.keys() != keys for _row_no, cells in chunk):
        return None
    return tuple(keys), [(row_no, tuple(cells.values())) for row_no, cells in chunk]


def _check_packed(headers: Sequence[str], rows: Sequence[tuple[int, Sequence[Any]]], ctx: _CheckContext,
                  sealer: Sealer) -> list[Outcome]:
    """_check_rows of a packed chunk: the same fields, from the same cells."""
    picks = [(i, FIELD_OF[h]) for i, h in enumerate(headers) if h in FIELD_OF]
    return _check_fields(((row_no, {f: values[i] for i, f in picks}) for row_no, values in rows), ctx, sealer)


def _check_fields(rows: Iterable[tuple[int, dict[str, Any]]], ctx: _CheckContext, sealer: Sealer) -> list[Outcome]:
    from yanglao.core.columns import valid_id_numbers

    rows = list(rows)
    # The chunk's ID numbers checked as one column (check digit, birth date, region); only the others are
    # parsed row by row, which gives their exact messages (tests/core/test_columns.py holds the agreement).
    id_ok = valid_id_numbers([data.get("id_number") for _row_no, data in rows], today=ctx.today).tolist()
    out: list[Outcome] = []
    for position, (row_no, data) in enumerate(rows):
        if not any(v not in (None, "") and str(v).strip() for v in data.values()) or is_template_example(data, EXAMPLES):
            out.append((SKIP, position, None))  # filled only in columns we do not read, or the template's example
            continue
        blame: tuple[str, str] | None = None
        if ctx.names is not None and clean_text(data.get("division_code", "")) == "":
            if clean_text(data.get("community_name", "")):
                code, fld, reason = ctx.names.resolve(data["community_name"], township=data.get("township_name", ""),
                                                      county=data.get("county_name", ""))
                if code is not None:
                    data["division_code"] = code
                else:
                    blame = (fld or "community_name", reason)
            else:
                blame = ("community_name", "必填")
        clean, row_errors = clean_person(data, communities=ctx.communities, scope_prefix=ctx.prefix, today=ctx.today,
                                         checked_id=id_ok[position])
        if blame is not None:
            row_errors.pop("division_code", None)
            row_errors[blame[0]] = blame[1]
            clean = None
        if clean is None:
            out.append((BAD, position, list(row_errors.items())))
        else:
            out.append((OK, position, _stage_row(row_no, clean, ctx.job_id, sealer)))
    return out


_worker: tuple[_CheckContext, Sealer] | None = None


def _worker_start(ctx: _CheckContext) -> None:
    """Worker process set-up: Django's settings come with the fork (or django.setup() under spawn); each
    worker builds its own Sealer from them. Workers never touch the database."""
    global _worker
    from django.apps import apps

    if not apps.ready:  # spawn start method
        import django

        django.setup()
    dictionaries.install(ctx.vocab)
    _worker = (ctx, Sealer())
    import gc

    gc.freeze()  # what the fork inherited is never garbage: the collector stops walking it (≈ −12 % per row)


def _worker_check(rows: Sequence[tuple[int, dict[str, Any]]]) -> list[Outcome]:
    assert _worker is not None
    return _check_rows(rows, *_worker)


def _worker_check_packed(headers: Sequence[str], rows: Sequence[tuple[int, Sequence[Any]]]) -> list[Outcome]:
    assert _worker is not None
    return _check_packed(headers, rows, *_worker)


def _checked_chunks(rows: Iterator[tuple[int, dict[str, Any]]], ctx: _CheckContext,
                    ) -> Iterator[tuple[list[tuple[int, dict[str, Any]]], list[Outcome]]]:
    """Chunks of rows with their outcomes, in file order. A file of fewer than
    ``IMPORT_PARALLEL_MIN_ROWS`` rows (or ``IMPORT_PROCESSES`` = 1) is checked in this process; a
    larger one by a pool of worker processes, one per core, while this process reads the file and
    writes the results (streamed: a bounded number of chunks in flight)."""
    processes = settings.IMPORT_PROCESSES or os.cpu_count() or 1
    chunk_size = settings.IMPORT_CHUNK_ROWS
    head = list(itertools.islice(rows, settings.IMPORT_PARALLEL_MIN_ROWS))
    rest = itertools.chain(head, rows)

    def chunks() -> Iterator[list[tuple[int, dict[str, Any]]]]:
        while chunk := list(itertools.islice(rest, chunk_size)):
            yield chunk

    if processes <= 1 or len(head) < settings.IMPORT_PARALLEL_MIN_ROWS:
        sealer = Sealer()
        for chunk in chunks():
            yield chunk, _check_rows(chunk, ctx, sealer)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context(method),
                               initializer=_worker_start, initargs=(ctx,))
    # A feeder thread reads the file and hands chunks to the workers while this thread writes: the database's
    # COPY (which releases the GIL while the server works) overlaps the reading, and the workers never wait
    # for a batch to be written. Chunks come back in file order through a bounded queue.
    ready: queue.Queue[tuple[list[tuple[int, dict[str, Any]]], Future[list[Outcome]]] | BaseException | None] = (
        queue.Queue(maxsize=processes * 4))
    stop = threading.Event()

    def feed() -> None:
        try:
            for chunk in chunks():
                if stop.is_set():
                    return
                packed = _pack(chunk)
                future = pool.submit(_worker_check, chunk) if packed is None else pool.submit(_worker_check_packed, *packed)
                ready.put((chunk, future))
            ready.put(None)
        except BaseException as exc:  # noqa: BLE001 - a bad file or a broken pool: raised again in the writer
            ready.put(exc)

    feeder = threading.Thread(target=feed, name="import-feeder", daemon=True)
    feeder.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            done, future = item
            yield done, future.result()
    finally:
        stop.set()
        while feeder.is_alive():  # unblock a feeder waiting on a full queue
            try:
                ready.get(timeout=0.1)
            except queue.Empty:
                pass
        pool.shutdown(wait=True, cancel_futures=True)


def _fits_the_row_limit(job: ImportJob, content: bytes) -> bool:
    """Whether the file cannot hold more data rows than the job's limit: a CSV with no more lines than
    the limit (lines ≥ rows). Only then are rows moved into the registry while the rest is still checked."""
    if os.path.splitext(job.filename)[1].lower() not in (".csv", ".txt") or content[:2] in (b"PK", b"\xd0\xcf"):
        return False
    return not job.max_rows or content.count(b"\n") + 1 <= job.max_rows


def _validate_and_stage(job: ImportJob, content: bytes, today: dt.date) -> tuple[int, int, int, int, int, int]:
    """Check every row, stage the valid ones and store the errors. Returns (valid, errors, total, skipped,
    created, existing), the last two for people already moved into the registry.

    Importing only the correct rows, a file that cannot exceed its row limit is moved into the registry
    batch by batch while the worker processes check the next rows, so the database's writing and the
    checking overlap; with "all or nothing", or a file that might exceed its limit, nothing is written
    before every row has been read (the job's INSERT … SELECT does it at the end). Same rows either way."""
    table = read_table(content, filename=job.filename, expected_headers=EXPECTED_HEADERS, aliases=ALIASES,
                       min_matches=2, max_rows=job.max_rows, skip_row=is_note_row)
    by_name = COMMUNITY_NAME in table.columns
    missing = [h for h in table.missing_headers if h in REQUIRED and not (h == HEADER_OF["division_code"] and by_name)]
    if missing:
        table.close()
        shown = "、".join(f"{h}（或{COMMUNITY_NAME}）" if h == HEADER_OF["division_code"] else h for h in missing)
        raise TableError(f"缺少必填列：{shown}（请使用下载的模板，表头在第 {table.header_row or 1} 行）")
    ctx = _CheckContext(job_id=job.pk, prefix=job.division_code, today=today, communities=frozenset(community_codes()),
                        names=DivisionNames.build(job.division_code) if by_name else None)
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {STAGE} WHERE job_id = %s", [job.pk])
    seen: dict[str, int] = {}
    max_stored = settings.IMPORT_MAX_STORED_ERRORS  # rows listed; the rest are counted
    stored = 0
    error_batch: list[ImportRowError] = []
    stage_batch: list[tuple[Any, ...]] = []
    valid = errors = total = skipped = 0
    progressive = not job.all_or_nothing and _fits_the_row_limit(job, content)
    moved = [0, 0]  # created, existing

    look_up = [False]  # new people are written without a look-up until a batch meets a registered one

    def copied() -> tuple[int, int] | None:
        written = _copy_batch(job, stage_batch, look_up=look_up[0])
        if written is None and not look_up[0]:
            look_up[0] = True  # the file holds registered people: look each batch up from now on
            written = _copy_batch(job, stage_batch, look_up=True)
        return written

    def flush() -> None:
        if stage_batch:
            written = copied() if progressive and connection.vendor == "postgresql" else None
            if written is None:
                copy_rows(STAGE, STAGE_COLUMNS, stage_batch)
                if progressive:
                    written = _insert_staged(job)
            if written is not None:
                moved[0] += written[0]
                moved[1] += written[1]
            stage_batch.clear()
        if error_batch:
            ImportRowError.objects.bulk_create(error_batch)
            error_batch.clear()

    for chunk, outcomes in _checked_chunks(iter(table), ctx):
        for kind, position, payload in outcomes:
            row_no, cells = chunk[position]
            if kind == SKIP:
                skipped += 1
                continue
            total += 1
            row_errors: list[tuple[str, str]] = payload if kind == BAD else []
            if kind == OK:
                id_hash = payload[STAGE_ID_HASH]
                first = seen.get(id_hash)
                if first is not None:
                    row_errors = [("id_number", f"与第 {first} 行身份证号码重复")]
                else:
                    seen[id_hash] = row_no
                    valid += 1
                    stage_batch.append(payload)
            if row_errors:
                errors += 1
                if stored >= max_stored:
                    row_errors = []
                else:
                    stored += 1
                for fld, reason in row_errors:
                    header = HEADER_OF.get(fld, fld)
                    col = table.column_of(header)
                    raw = cells.get(header, "")
                    if fld == "id_number" and raw:
                        shown = mask_id_number(str(raw))
                    elif fld in ("phone", "contact_phone") and raw:
                        shown = mask_phone(str(raw))  # the report is not an audited reveal
                    else:
                        shown = str(raw or "")[:100]
                    error_batch.append(ImportRowError(job=job, row=row_no, column=f"{col} {header}".strip(),
                                                      reason=reason[:300], value=shown))
            if total % BATCH == 0:
                flush()
            if total % PROGRESS_EVERY == 0:
                ImportJob.objects.filter(pk=job.pk).update(processed_rows=total, valid_rows=valid, error_rows=errors,
                                                           stored_errors=stored, heartbeat_at=timezone.now())
    flush()
    skipped += len(table.skipped_rows)
    ImportJob.objects.filter(pk=job.pk).update(stored_errors=stored)
    return valid, errors, total, skipped, moved[0], moved[1]


def _insert_staged(job: ImportJob) -> tuple[int, int]:
    """Move staged rows into the registry: people, then their categories and contacts. Idempotent."""
    now = timezone.now()
    source = f"import:{job.pk}"
    person = Person._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {STAGE} WHERE job_id = %s", [job.pk])
        staged = cur.fetchone()[0]
        cur.execute(
            f"""INSERT INTO {person} (name, id_number_enc, id_number_hash, id_number_masked, id_last4,
                    id_converted_from_15, birth_date, sex, hukou_division_code, division_code, address,
                    phone_enc, phone_hash, phone_masked, living_situation, status, consent_by, consent_document,
                    source, created_at, updated_at, version)
                SELECT name, id_enc, id_hash, id_masked, id_last4, from15, birth_date, sex, hukou, division_code,
                    address, phone_enc, phone_hash, phone_masked, living, 'active', '', '', %s, %s, %s, 1
                FROM {STAGE} WHERE job_id = %s ORDER BY row_no
                ON CONFLICT (id_number_hash) DO NOTHING""",
            [source, now, now, job.pk],
        )
        created = cur.rowcount
        _insert_related(cur, job.pk, now)
        cur.execute(f"DELETE FROM {STAGE} WHERE job_id = %s", [job.pk])
    return created, staged - created


def _insert_related(cur: Any, job_id: int, now: dt.datetime) -> None:
    """Categories and contacts of the staged rows, for the people this import created (who have none
    yet), streamed in set-based writes."""

    from .models import Contact, PersonCategory

    # A re-run after a crash between this transaction's commit and the job's status update finds
    # the people already created with their categories and contacts: those are skipped.
    cur.execute(
        f"""SELECT p.id, p.division_code,
                   CASE WHEN EXISTS (SELECT 1 FROM {PersonCategory._meta.db_table} c WHERE c.person_id = p.id)
                        THEN '' ELSE s.categories END,
                   CASE WHEN EXISTS (SELECT 1 FROM {Contact._meta.db_table} k WHERE k.person_id = p.id)
                        THEN '' ELSE s.contact END
            FROM {STAGE} s JOIN {Person._meta.db_table} p ON p.id_number_hash = s.id_hash
            WHERE s.job_id = %s AND p.source = %s AND (s.categories <> '' OR s.contact <> '')""",
        [job_id, f"import:{job_id}"],
    )
    _copy_related(cur.fetchall(), now)


def _copy_related(rows: Iterable[tuple[int, str, str, str]], now: dt.datetime) -> None:
    """(person id, division, staged categories, staged contact) → COPY into categories and contacts."""
    import json

    from .models import Contact, PersonCategory

    categories: list[tuple[Any, ...]] = []
    contacts: list[tuple[Any, ...]] = []
    for pid, division, cats, contact in rows:
        for code, valid_from, doc, unit, grade in json.loads(cats) if cats else []:
            categories.append((pid, code, dt.date.fromisoformat(valid_from), None, doc, unit, grade, division, now, now, 1))
        if contact:
            kind, name, relation, enc, h, masked = json.loads(contact)
            contacts.append((pid, kind, name, relation, enc, h, masked, division, now, now, 1))
    copy_rows(PersonCategory._meta.db_table, ["person_id", "category", "valid_from", "valid_to", "document_no",
                                              "issuing_unit", "disability_grade", "division_code", "created_at",
                                              "updated_at", "version"], categories)
    copy_rows(Contact._meta.db_table, ["person_id", "kind", "name", "relation", "phone_enc", "phone_hash", "phone_masked",
                                       "division_code", "created_at", "updated_at", "version"], contacts)


PERSON_COPY_COLUMNS = ["id", "name", "id_number_enc", "id_number_hash", "id_number_masked", "id_last4",
                       "id_converted_from_15", "birth_date", "sex", "hukou_division_code", "division_code", "address",
                       "phone_enc", "phone_hash", "phone_masked", "living_situation", "status", "consent_by",
                       "consent_document", "source", "created_at", "updated_at", "version"]
PERSON_COPY_TYPES = ["int8", "varchar", "text", "varchar", "varchar", "varchar", "bool", "date", "varchar", "varchar",
                     "varchar", "varchar", "text", "varchar", "varchar", "varchar", "varchar", "varchar", "varchar",
                     "varchar", "timestamptz", "timestamptz", "int4"]
_S = {name: i for i, name in enumerate(STAGE_COLUMNS)}


def _copy_batch(job: ImportJob, rows: list[tuple[Any, ...]], *, look_up: bool = True) -> tuple[int, int] | None:
    """Write a batch of checked, sealed rows straight into the registry with COPY (PostgreSQL): the people
    not yet registered (one indexed look-up of the batch's hashes), with ids taken from the table's
    sequence so their categories and contacts follow in the same transaction. The same rows as the
    staging path's INSERT … SELECT … ON CONFLICT DO NOTHING; returns (created, existing), or None when a
    concurrent import registered one of them first (the caller then uses the staging path).

    Without `look_up` the batch is written as if none were registered yet (a file of new people, the usual
    bulk case, then costs no look-up at all); if one was, the unique hash refuses the COPY, the batch's
    transaction is rolled back and None is returned: the caller writes it again with the look-up."""
    from django.db import IntegrityError
    from psycopg.errors import IntegrityError as CopyIntegrityError  # COPY runs on psycopg's own cursor

    table = Person._meta.db_table
    now = timezone.now()
    source = f"import:{job.pk}"
    try:
        with transaction.atomic(), connection.cursor() as cur:
            new = rows
            if look_up:
                # one index probe per hash, whatever the table's statistics say (`= ANY(…)` of 5,000 hashes
                # is planned as a sequential scan of the registry when the planner thinks the table small)
                cur.execute(f"""SELECT u.h FROM unnest(%s::text[]) AS u(h) CROSS JOIN LATERAL
                                (SELECT 1 FROM {table} p WHERE p.id_number_hash = u.h LIMIT 1) AS found""",
                            [[r[STAGE_ID_HASH] for r in rows]])
                registered = {h for (h,) in cur.fetchall()}
                new = [r for r in rows if r[STAGE_ID_HASH] not in registered]
                if not new:
                    return 0, len(rows)
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])  # once, not once a row
            cur.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [cur.fetchone()[0], len(new)])
            ids = sorted(i for (i,) in cur.fetchall())
            i = _S
            copy_rows(table, PERSON_COPY_COLUMNS, (
                (pid, r[i["name"]], r[i["id_enc"]], r[i["id_hash"]], r[i["id_masked"]], r[i["id_last4"]], r[i["from15"]],
                 r[i["birth_date"]], r[i["sex"]], r[i["hukou"]], r[i["division_code"]], r[i["address"]], r[i["phone_enc"]],
                 r[i["phone_hash"]], r[i["phone_masked"]], r[i["living"]], "active", "", "", source, now, now, 1)
                for pid, r in zip(ids, new, strict=True)), types=PERSON_COPY_TYPES)
            _copy_related(((pid, r[i["division_code"]], r[i["categories"]], r[i["contact"]])
                           for pid, r in zip(ids, new, strict=True) if r[i["categories"]] or r[i["contact"]]), now)
    except (IntegrityError, CopyIntegrityError):
        return None
    return len(new), len(rows) - len(new)


def error_report_workbook(job: ImportJob) -> bytes:
    """The rejected rows as .xlsx: 行号 · 列 · 原因 · 内容."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误行")
    sheet_row(ws, [f"文件：{job.filename}", "", job.message])
    ws.append(["行号", "列", "错误原因", "单元格内容"])
    for err in job.errors.order_by("row", "id").iterator(chunk_size=5000):
        sheet_row(ws, [err.row, err.column, err.reason, err.value])  # cell contents come from the upload
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def import_file_now(*, path: str, by: User | None, division_code: str, all_or_nothing: bool) -> ImportJob:
    """The command-line import: the same job, run in this process."""
    with open(path, "rb") as fh:
        content = fh.read()
    name = os.path.basename(path)
    limit = check_upload(kind="people_cli", filename=name, size=len(content))
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}{os.path.splitext(name)[1].lower()}", ContentFile(content))
    job = ImportJob.objects.create(created_by=by, division_code=division_code, filename=name[:200], file_path=stored,
                                   file_sha256=hashlib.sha256(content).hexdigest(), all_or_nothing=all_or_nothing,
                                   max_rows=limit.max_rows)
    record(AuditAction.IMPORT, object_type="people.importjob", object_id=job.pk, object_repr=name,
           division_code=division_code, extra={"all_or_nothing": all_or_nothing})
    return run_job(job.pk)
