"""Bulk actions on lists: select records (ticked, the page, or all matching the search), confirm once
with a comment, run as a background job with progress, and report per record what was done and why
the rest was not. (Not to be confused with core/bulk.py, which streams rows into tables with COPY.)

A module declares, from ``AppConfig.ready()``::

    register_bulk_list(BulkList(
        key="assessments.due", label=_("到期复评"), model=Assessment, list_url="assessments:due",
        view_capability="assessments.figures",
        scoped=lambda user: ...,                    # every record the user may act on (restrict(user) inside)
        search=lambda user, params: ...,            # the list's own filter, re-run on the server from its query
        row_label=lambda obj: "黄秀英（北门社区）",
        actions=[BulkAction(name="reassess", label=_("发起复评"), capability="assessments.request",
                            summary=_("…"), perform=reassess_one)],
        export_columns=[("姓名", lambda obj: obj.person.name), …],   # adds the "导出所选" action
    ))

``perform(by, obj, data, comment)`` does one record through the module's service (which locks the row
and checks its state, so two runs over the same records cannot both apply) and returns an optional
note; it refuses by raising a ``DomainError`` (the message is the reason shown), or ``AlreadyDone``
when the record is already in the state the action would bring it to (reported, not done twice).

The selection is never a list of ids taken on trust: ids from the page are intersected with the list's
search re-run on the server inside ``restrict(user)``, and each record is loaded again through
``scoped(user)`` when the job reaches it, so a record that left the user's jurisdiction in between is
refused, not touched.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import AuditActor, audit_context, model_label, record
from .bulkjobs import BulkJob, BulkJobItem, BulkOutcome, BulkStatus
from .errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from .models import AuditAction
from .scope import restrict

log = logging.getLogger(__name__)


class AlreadyDone(Conflict):
    """The record is already as the action would leave it: reported as 已办理过, not counted as refused."""

    code = "already_done"


@dataclass(frozen=True)
class BulkAction:
    name: str
    label: str
    capability: str
    summary: str = ""  # what it will do, in one sentence, shown on the confirmation page
    perform: Callable[[Any, Any, dict[str, Any], str], str | None] | None = None
    form_class: type[forms.Form] | None = None  # the action's own fields (an assessor, a month, a reason)
    comment_required: bool = False
    comment_label: str = ""
    danger: bool = False
    # "job": runs in the background, one result per record; "download": answers a file at once
    # (export, documents), audited by ``download`` itself.
    kind: str = "job"
    download: Callable[[Any, QuerySet[Any], str], Any] | None = None
    # Optional: the selection as this action sees it (e.g. only applications still to decide), applied
    # on the server before the records are counted and listed.
    narrow: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None


@dataclass(frozen=True)
class BulkList:
    key: str
    label: str
    model: type[Any]
    list_url: str
    view_capability: str
    scoped: Callable[[Any], QuerySet[Any]]
    search: Callable[[Any, QueryDict], QuerySet[Any]]
    row_label: Callable[[Any], str]
    actions: Sequence[BulkAction] = ()
    export_columns: Sequence[tuple[str, Callable[[Any], Any]]] = ()
    export_capability: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def all_actions(self) -> list[BulkAction]:
        found = list(self.actions)
        if self.export_columns:
            found.append(BulkAction(
                name="export", label=_("导出所选（Excel）"), capability=self.export_capability or self.view_capability,
                summary=_("将所选记录导出为 Excel 文件（身份证号码、电话等按规定脱敏）；导出记入审计日志。"),
                kind="download", download=lambda by, qs, comment: export_selection(self, by, qs, comment)))
        return found

    def action(self, name: str) -> BulkAction | None:
        return next((a for a in self.all_actions() if a.name == name), None)

    def actions_for(self, user: Any) -> list[BulkAction]:
        if not user.can(self.view_capability):
            return []
        return [a for a in self.all_actions() if user.can(a.capability)]


_LISTS: dict[str, BulkList] = {}


def register_bulk_list(bulk_list: BulkList) -> None:
    _LISTS[bulk_list.key] = bulk_list


def bulk_list(key: str) -> BulkList | None:
    return _LISTS.get(key)


def registered_lists() -> list[BulkList]:
    return list(_LISTS.values())


def max_records() -> int:
    return int(getattr(settings, "BULK_MAX_RECORDS", 5000))


# --------------------------------------------------------------------------- selection


@dataclass
class Selection:
    queryset: QuerySet[Any]
    scope: str  # "ids" or "all"
    ids: list[int]
    query: str
    description: str = ""


def _int_ids(values: Sequence[str]) -> list[int]:
    ids: list[int] = []
    for value in values:
        text = str(value).strip()
        if text.isdigit() and len(text) <= 18:
            ids.append(int(text))
    return sorted(set(ids))


def select(user: Any, blist: BulkList, *, scope: str, ids: Sequence[str] = (), query: str = "",
           action: BulkAction | None = None) -> Selection:
    """The records a bulk action would act on: the list's search re-run on the server from its query
    string, cut to the user's jurisdiction; with ``scope="ids"``, only those of it the page ticked."""
    params = QueryDict(query or "", mutable=False)
    qs = restrict(blist.search(user, params), user)
    if action is not None and action.narrow is not None:
        qs = action.narrow(qs)
    if scope == "all":
        return Selection(queryset=qs, scope="all", ids=[], query=query)
    picked = _int_ids(ids)
    return Selection(queryset=qs.filter(pk__in=picked), scope="ids", ids=picked, query=query)


def describe(selection: Selection, count: int) -> str:
    if selection.scope == "all":
        return f"符合搜索条件的全部 {count} 条"
    return f"勾选的 {count} 条"


# --------------------------------------------------------------------------- start a job


def _form_cleaned(action: BulkAction, form_data: dict[str, Any]) -> dict[str, Any]:
    if action.form_class is None:
        return {}
    form = action.form_class(data=form_data)
    if not form.is_valid():
        raise ValidationFailed("请检查填写的内容", details={k: str(v[0]) for k, v in form.errors.items()})
    return dict(form.cleaned_data)


def bulk_job_start(*, by: Any, blist: BulkList, action: BulkAction, selection: Selection, comment: str = "",
                   form_data: dict[str, Any] | None = None) -> BulkJob:
    """Fix the selection as one job (one line per record), write the batch's audit line and queue the
    job; it runs once the transaction commits."""
    if action.kind != "job" or action.perform is None:
        raise ValidationFailed("该操作不是后台批量处理")
    if not (by.can(blist.view_capability) and by.can(action.capability)):
        raise Forbidden()
    comment = " ".join(str(comment or "").split())[:500]
    if action.comment_required and not comment:
        raise ValidationFailed(f"请填写{action.comment_label or '说明'}",
                               details={"comment": f"请填写{action.comment_label or '说明'}"})
    form_data = {k: v for k, v in (form_data or {}).items() if action.form_class and k in action.form_class.base_fields}
    _form_cleaned(action, form_data)  # refused now, with the reason on the field, rather than per record later
    limit = max_records()
    rows = list(selection.queryset.order_by("pk")[: limit + 1])
    if not rows:
        raise ValidationFailed("没有选中任何记录", details={"ids": "请先勾选记录，或选择“全部符合条件的记录”"})
    if len(rows) > limit:
        raise ValidationFailed(f"一次最多处理 {limit} 条记录，请缩小搜索范围后分批处理",
                               details={"ids": f"超过 {limit} 条"})
    with audit_context(by), transaction.atomic():
        job = BulkJob.objects.create(
            created_by=by, division_code=by.scope_prefix or "", list_key=blist.key, action=action.name,
            action_label=str(action.label), list_label=str(blist.label),
            selection=describe(selection, len(rows)), query=selection.query[:4000], form_data=form_data,
            comment=comment, total=len(rows))
        BulkJobItem.objects.bulk_create(
            [BulkJobItem(job=job, object_id=obj.pk, label=str(blist.row_label(obj))[:200]) for obj in rows],
            batch_size=1000)
        record(AuditAction.BULK, object_type=model_label(blist.model), object_id=f"bulkjob:{job.pk}",
               object_repr=f"{action.label}（{len(rows)}条）", division_code=job.division_code,
               extra={"operation": f"{blist.key}.{action.name}", "phase": "requested", "job": job.pk,
                      "count": len(rows), "selection": job.selection, "search": selection.query[:500],
                      "comment": comment, "ids": [obj.pk for obj in rows]})
        _enqueue(job)
    return job


def _enqueue(job: BulkJob) -> None:
    from .tasks import run_bulk_job

    job_id = job.pk
    transaction.on_commit(lambda: run_bulk_job.enqueue(job_id))


# --------------------------------------------------------------------------- run a job


def _actor(job: BulkJob) -> AuditActor:
    user = job.created_by
    return AuditActor(user_id=user.pk, username=user.username, role=user.role)


def _reason(exc: DomainError) -> str:
    details = exc.details if isinstance(exc.details, dict) else {}
    extra = "；".join(str(v) for v in details.values() if isinstance(v, str) and v and v not in exc.message)
    return (exc.message + (f"（{extra}）" if extra else ""))[:500]


def _one(job: BulkJob, blist: BulkList, action: BulkAction, data: dict[str, Any]) -> bool:
    """Claim the next pending line (skipping lines another worker holds), do it, record the outcome.
    False when no line is left."""
    by = job.created_by
    with transaction.atomic():
        item = (BulkJobItem.objects.select_for_update(skip_locked=True)
                .filter(job=job, outcome=BulkOutcome.PENDING).order_by("pk").first())
        if item is None:
            return False
        try:
            with transaction.atomic():
                obj = blist.scoped(by).filter(pk=item.object_id).first()
                if obj is None:
                    raise NotFound("记录不存在或已不在您的管辖范围内")
                assert action.perform is not None
                note = action.perform(by, obj, data, job.comment)
            outcome, reason = BulkOutcome.DONE, str(note or "")
        except AlreadyDone as exc:
            outcome, reason = BulkOutcome.SKIPPED, _reason(exc)
        except DomainError as exc:
            outcome, reason = BulkOutcome.REFUSED, _reason(exc)
        except Exception:  # noqa: BLE001 - one broken record must not stop the other 119; it is reported
            log.exception("bulk job %s: record %s failed", job.pk, item.object_id)
            outcome, reason = BulkOutcome.REFUSED, "处理时发生系统错误，未办理；请联系系统管理员"
        item.outcome, item.reason, item.processed_at = outcome, reason[:500], timezone.now()
        item.save(update_fields=["outcome", "reason", "processed_at"])
        counter = {BulkOutcome.DONE: "done", BulkOutcome.SKIPPED: "skipped", BulkOutcome.REFUSED: "refused"}[outcome]
        BulkJob.objects.filter(pk=job.pk).update(**{counter: F(counter) + 1}, heartbeat_at=timezone.now())
    return True


def bulk_job_run(job_id: int) -> BulkJob:
    """The worker's side: every pending line, one transaction each. Safe to run again (or twice at
    once): a line has its outcome set once, under a row lock, and finished lines are left alone."""
    job = BulkJob.objects.select_related("created_by").get(pk=job_id)
    if job.status == BulkStatus.DONE:
        return job
    blist = bulk_list(job.list_key)
    action = blist.action(job.action) if blist else None
    now = timezone.now()
    BulkJob.objects.filter(pk=job.pk).update(status=BulkStatus.RUNNING, started_at=job.started_at or now,
                                             heartbeat_at=now, message="")
    if blist is None or action is None or action.perform is None:
        BulkJob.objects.filter(pk=job.pk).update(status=BulkStatus.FAILED, finished_at=timezone.now(),
                                                 message="该批量操作已不存在，未处理")
        job.refresh_from_db()
        return job
    with audit_context(actor=_actor(job)):
        try:
            data = _form_cleaned(action, job.form_data)
        except ValidationFailed as exc:
            BulkJob.objects.filter(pk=job.pk).update(status=BulkStatus.FAILED, finished_at=timezone.now(),
                                                     message=_reason(exc))
            job.refresh_from_db()
            return job
        while _one(job, blist, action, data):
            pass
        return _finish(job, blist, action)


def _finish(job: BulkJob, blist: BulkList, action: BulkAction) -> BulkJob:
    """Close the job and write the batch's result line (counts, and the records per outcome with the
    reasons) — once, by whichever worker finishes it."""
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().select_related("created_by").get(pk=job.pk)
        if job.status == BulkStatus.DONE:
            return job
        if BulkJobItem.objects.filter(job=job, outcome=BulkOutcome.PENDING).exists():
            return job  # another worker still holds a line; it finishes the job
        counts = {o: 0 for o in (BulkOutcome.DONE, BulkOutcome.SKIPPED, BulkOutcome.REFUSED)}
        done_ids: list[int] = []
        skipped: dict[str, str] = {}
        refused: dict[str, str] = {}
        for pk, outcome, reason in job.items.values_list("object_id", "outcome", "reason"):
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome == BulkOutcome.DONE:
                done_ids.append(pk)
            elif outcome == BulkOutcome.SKIPPED:
                skipped[str(pk)] = reason
            else:
                refused[str(pk)] = reason
        job.done, job.skipped, job.refused = counts[BulkOutcome.DONE], counts[BulkOutcome.SKIPPED], counts[BulkOutcome.REFUSED]
        job.status, job.finished_at = BulkStatus.DONE, timezone.now()
        job.message = summary(job)
        job.save(update_fields=["done", "skipped", "refused", "status", "finished_at", "message"])
        record(AuditAction.BULK, object_type=model_label(blist.model), object_id=f"bulkjob:{job.pk}",
               object_repr=f"{job.action_label}（{job.total}条）", division_code=job.division_code,
               extra={"operation": f"{blist.key}.{action.name}", "phase": "finished", "job": job.pk,
                      "count": job.done, "total": job.total, "skipped": job.skipped, "refused": job.refused,
                      "comment": job.comment, "done_ids": done_ids, "skipped_ids": skipped,
                      "refused_ids": refused})
    return job


def summary(job: BulkJob) -> str:
    text = f"共 {job.total} 条，成功 {job.done} 条"
    if job.skipped:
        text += f"，已办理过未重复 {job.skipped} 条"
    return text + f"，未办理 {job.refused} 条"


def stale_minutes() -> int:
    return int(getattr(settings, "IMPORT_STALE_MINUTES", 15))


def is_stale(job: BulkJob, now: dt.datetime | None = None) -> bool:
    """A job queued or running with no sign of life for longer than the stale limit: its worker died."""
    if not job.is_active:
        return False
    last = job.heartbeat_at or job.started_at or job.created_at
    return last < (now or timezone.now()) - dt.timedelta(minutes=stale_minutes())


def bulk_job_rerun(*, by: Any, job: BulkJob) -> BulkJob:
    """Queue an interrupted job again: only its pending lines are worked on, finished ones stay."""
    if job.created_by_id != by.pk:
        raise Forbidden()
    with transaction.atomic():
        row = BulkJob.objects.select_for_update().get(pk=job.pk)
        if not (row.status == BulkStatus.FAILED or is_stale(row)):
            raise Conflict("只有中断的批量任务可以继续运行")
        row.status, row.message, row.finished_at, row.heartbeat_at = BulkStatus.QUEUED, "", None, None
        row.save(update_fields=["status", "message", "finished_at", "heartbeat_at"])
        _enqueue(row)
    return row


def jobs_for(user: Any) -> QuerySet[BulkJob]:
    """A user's own bulk jobs (their results name records of their jurisdiction only)."""
    if not getattr(user, "is_authenticated", False):
        return BulkJob.objects.none()
    return BulkJob.objects.filter(created_by=user)


# --------------------------------------------------------------------------- export the selection


def export_selection(blist: BulkList, by: Any, qs: QuerySet[Any], comment: str = "") -> Any:
    """The selection as .xlsx with the list's export columns (identifiers masked for every role: a full
    export goes through the registry's two-signature unmasked export), audited as an export."""
    import tempfile

    from django.http import FileResponse
    from openpyxl import Workbook

    from .audit import audit_export
    from .cells import sheet_row
    from .http import XLSX_CONTENT_TYPE

    limit = max_records()
    rows = list(qs.order_by("pk")[: limit + 1])
    if len(rows) > limit:
        raise ValidationFailed(f"一次最多导出 {limit} 条记录，请缩小搜索范围后分批导出")
    audit_export(blist.model, count=len(rows), fmt="xlsx", masked=True, division_code=by.scope_prefix or "",
                 filters={"list": blist.key, "ids": [obj.pk for obj in rows][:1000], "comment": comment})
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(blist.label)[:31])
    ws.append([str(header) for header, _fn in blist.export_columns])
    for obj in rows:
        sheet_row(ws, [_cell(fn(obj)) for _header, fn in blist.export_columns])
    tmp = tempfile.TemporaryFile()
    wb.save(tmp)
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return FileResponse(tmp, as_attachment=True, filename=f"{blist.key.replace('.', '-')}-{stamp}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (int, float, str)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10] if isinstance(value, dt.date) and not isinstance(value, dt.datetime) \
            else timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def result_workbook(job: BulkJob) -> bytes:
    """The job's result per record, as .xlsx (序号, 记录, 结果, 说明)."""
    import io

    from openpyxl import Workbook

    from .cells import sheet_row

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("处理结果")
    sheet_row(ws, ["操作", job.action_label, "说明", job.comment])  # the comment is typed text
    ws.append(["结果", summary(job)])
    ws.append([])
    ws.append(["序号", "记录编号", "记录", "结果", "说明"])
    for n, (pk, label, outcome, reason) in enumerate(
            job.items.order_by("pk").values_list("object_id", "label", "outcome", "reason"), start=1):
        sheet_row(ws, [n, pk, label, str(BulkOutcome(outcome).label), reason])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
