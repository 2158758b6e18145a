"""Issuing documents: render a registered kind to PDF (WeasyPrint, A4, Noto CJK), give each document a
number and a QR code pointing at the public verification page, keep the SHA-256 of its content fields,
and audit the print. Large documents go to a background job (``start_job``/``run_job``).

Public functions other modules (and the bulk actions) call:

- ``render_one(kind, record, user, *, reveal=False, reason="") -> Rendered`` — one document, now.
- ``render_many(kind, records, user, *, reveal=False, reason="") -> Rendered`` — several records of one
  kind as ONE PDF (each document keeps its own number, QR code and page count); records that cannot be
  printed are listed in ``Rendered.refused`` with the reason, the rest are printed.
- ``print_or_queue(kind, record, user, …) -> Rendered | DocumentJob`` — what the print buttons call.
- ``start_job(kind, records, user, …) -> DocumentJob`` — render in the background (django-tasks).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from yanglao.core.audit import audit_context, model_label, require_reveal_reason
from yanglao.core.audit import record as audit_record
from yanglao.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import AuditAction, User

from .models import DocumentJob, DocumentTemplate, IssuedDocument, JobStatus
from .registry import DocumentContent, DocumentKind, get_kind

log = logging.getLogger(__name__)

JOB_QUEUE = "imports"  # long work: never on the payment runs' queue (docs/configuration.md)
MANY_IN_JOB = 50  # render_many of more records than this belongs in a job (start_job)
# A job whose heartbeat is older than this has lost its worker. Laying out one very large sheet gives no
# heartbeat while WeasyPrint works, hence more room than the imports' IMPORT_STALE_MINUTES.
JOB_STALE_MINUTES = 60


@dataclass
class Rendered:
    pdf: bytes
    issued: list[IssuedDocument] = field(default_factory=list)
    refused: list[tuple[Any, str]] = field(default_factory=list)  # (record id, reason)

    @property
    def filename(self) -> str:
        first = self.issued[0].number if self.issued else "document"
        return f"{first}.pdf" if len(self.issued) <= 1 else f"{first}-{len(self.issued)}.pdf"


# --------------------------------------------------------------------------- wording, hash, QR


def template_settings(kind: DocumentKind | str) -> dict[str, str]:
    """Title, issuing unit, footer and seal text of a kind: the administrator's values over the defaults."""
    entry = get_kind(kind) if isinstance(kind, str) else kind
    row = DocumentTemplate.objects.filter(kind=entry.kind).first()
    values = {"title": str(entry.title), "issuing_unit": str(entry.issuing_unit), "footer": str(entry.footer),
              "seal_text": str(entry.seal_text or entry.issuing_unit)}
    if row is not None:
        for key in values:
            if getattr(row, key):
                values[key] = getattr(row, key)
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)  # Decimal, lazy text


def content_hash(kind: str, fields: dict[str, Any], wording: dict[str, str]) -> str:
    """SHA-256 of the document's content fields and wording, as canonical JSON (sorted keys, UTF-8)."""
    payload = {"kind": kind, "fields": _plain(fields), "title": wording["title"],
               "issuing_unit": wording["issuing_unit"]}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


def public_base_url() -> str:
    return (getattr(settings, "PUBLIC_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def verify_url(number: str, digest: str) -> str:
    return f"{public_base_url()}{reverse('public_documents:verify', args=[number])}?h={digest}"


def qr_data_uri(text: str) -> str:
    """The QR code (segno, error correction M) as an SVG data URI WeasyPrint embeds as vector graphics."""
    import segno

    return segno.make(text, error="m").svg_data_uri(border=1, dark="#000")


# --------------------------------------------------------------------------- checks


def _check_print(entry: DocumentKind, user: User, reveal: bool, reason: str) -> str:
    if not user.can(entry.capability):
        raise Forbidden("您没有打印此类文书的权限")
    if reveal:
        if not entry.reveal_capability or not user.can(entry.reveal_capability):
            raise Forbidden("您没有打印完整证件号码的权限")
        return require_reveal_reason(reason)
    return ""


def _scoped(entry: DocumentKind, user: User, ids: Sequence[Any]) -> dict[str, Any]:
    """The records of these ids the user may see (scope through the kind's queryset), by str(id)."""
    rows = entry.queryset(user).filter(pk__in=list(ids))
    return {str(r.pk): r for r in rows}


def record_for(kind: str, user: User, pk: Any) -> Any:
    """One record of a kind, within the user's jurisdiction, or NotFound (a 404)."""
    entry = get_kind(kind)
    found = _scoped(entry, user, [pk]).get(str(pk))
    if found is None:
        raise NotFound()
    return found


# --------------------------------------------------------------------------- issuing and rendering


def _issue(entry: DocumentKind, record: Any, content: DocumentContent, wording: dict[str, str], user: User,
           job: DocumentJob | None) -> IssuedDocument:
    now = timezone.now()
    issued = IssuedDocument.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:16]}", kind=entry.kind, title=wording["title"][:60],
        issuing_unit=wording["issuing_unit"][:60], object_type=model_label(record), object_id=str(record.pk),
        label=content.label[:120], content_hash=content_hash(entry.kind, content.fields, wording), issued_by=user,
        issued_at=now, division_code=content.division_code, revealed=content.revealed, job=job)
    issued.number = f"{timezone.localtime(now):%Y}-{issued.pk:08d}"
    IssuedDocument.objects.filter(pk=issued.pk).update(number=issued.number)
    return issued


def _html(entry: DocumentKind, content: DocumentContent, wording: dict[str, str], issued: IssuedDocument) -> str:
    url = verify_url(issued.number, issued.content_hash)
    doc = {"number": issued.number, "check_code": issued.check_code, "qr": qr_data_uri(url),
           "verify_url": f"{public_base_url()}{reverse('public_documents:verify_form')}",
           "issued_at": timezone.localtime(issued.issued_at), "issued_by": issued.issued_by.display_name,
           "signatures": content.signatures, "seals": content.seals, "landscape": entry.landscape,
           "revealed": content.revealed, **wording}
    return render_to_string(entry.template, {**content.context, "doc": doc})


def preview_doc(kind: str, content: DocumentContent) -> dict[str, Any]:
    """The ``doc`` of a copy shown without issuing it (no number, no QR code: "仅供查看（未编号）")."""
    entry = get_kind(kind)
    return {"number": "", "signatures": content.signatures, "seals": content.seals, "landscape": entry.landscape,
            "revealed": False, **template_settings(entry)}


def _font_config() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _write(pages_html: list[str]) -> bytes:
    """One PDF from several HTML documents: each is laid out on its own (its own page count), pages joined."""
    from weasyprint import HTML

    fonts = _font_config()
    documents = [HTML(string=html).render(font_config=fonts) for html in pages_html]
    if not documents:
        raise ValidationFailed("没有可打印的文书")
    pages = [page for d in documents for page in d.pages]
    return documents[0].copy(pages).write_pdf()


def _audit_print(entry: DocumentKind, issued: list[IssuedDocument], content_by_id: dict[str, DocumentContent],
                 records: dict[str, Any], reason: str, job: DocumentJob | None) -> None:
    """One line per print (export of a document); a print with full numbers is a reveal of each person."""
    if not issued:
        return
    first = records[issued[0].object_id]
    audit_record(
        AuditAction.EXPORT, object_type=model_label(first),
        object_id=issued[0].object_id if len(issued) == 1 else None,
        object_repr=issued[0].label if len(issued) == 1 else f"{len(issued)} 份",
        division_code=issued[0].division_code if len(issued) == 1 else "",
        extra={"document": entry.kind, "format": "pdf", "count": len(issued),
               "numbers": [d.number for d in issued[:500]], "ids": [d.object_id for d in issued[:500]],
               "masked": not any(d.revealed for d in issued), **({"job": job.pk} if job else {})},
    )
    for d in issued:
        if d.revealed:
            from yanglao.core.audit import audit_sensitive_view

            audit_sensitive_view(records[d.object_id], fields=["id_number", "phone", "document:" + d.number],
                                 reveal=True, division_code=d.division_code, reason=reason)


def _render(entry: DocumentKind, records: list[Any], user: User, *, reveal: bool, reason: str,
            job: DocumentJob | None = None, progress: Callable[[int], None] | None = None) -> Rendered:
    wording = template_settings(entry)
    result = Rendered(pdf=b"")
    html: list[str] = []
    contents: dict[str, DocumentContent] = {}
    by_id = {str(r.pk): r for r in records}
    with transaction.atomic():
        for n, record in enumerate(records, 1):
            try:
                content = entry.context_fn(record, user=user, reveal=reveal)
            except DomainError as exc:
                result.refused.append((record.pk, exc.message))
                continue
            issued = _issue(entry, record, content, wording, user, job)
            contents[issued.object_id] = content
            result.issued.append(issued)
            html.append(_html(entry, content, wording, issued))
            if progress and n % 10 == 0:
                progress(n)
        if progress:
            progress(len(records))  # a heartbeat before the layout, the long part of a large sheet
        if not html:
            raise ValidationFailed(result.refused[0][1] if result.refused else "没有可打印的文书",
                                   details={"refused": [{"id": str(i), "reason": r} for i, r in result.refused]})
        result.pdf = _write(html)
        with audit_context(user):
            _audit_print(entry, result.issued, contents, by_id, reason, job)
    return result


def render_one(kind: str, record: Any, user: User, *, reveal: bool = False, reason: str = "") -> Rendered:
    """One document of ``kind`` for ``record`` as a PDF now, numbered and audited. The record is looked up
    again through the kind's scoped queryset (NotFound outside the user's jurisdiction)."""
    entry = get_kind(kind)
    reason = _check_print(entry, user, reveal, reason)
    found = _scoped(entry, user, [record.pk]).get(str(record.pk))
    if found is None:
        raise NotFound()
    return _render(entry, [found], user, reveal=reveal, reason=reason)


def render_many(kind: str, records: Iterable[Any], user: User, *, reveal: bool = False, reason: str = "",
                progress: Callable[[int], None] | None = None, job: DocumentJob | None = None) -> Rendered:
    """Several records of one kind as ONE PDF (the bulk action "print the selection"). ``records`` are model
    instances or primary keys; each is looked up through the kind's scoped queryset. Records outside the
    jurisdiction or that cannot be printed are in ``refused`` with the reason; the others are printed in
    the order given. Raises ValidationFailed when none can be printed, Forbidden without the capability."""
    entry = get_kind(kind)
    reason = _check_print(entry, user, reveal, reason)
    ids = [getattr(r, "pk", r) for r in records]
    found = _scoped(entry, user, ids)
    ordered, missing = [], []
    for pk in ids:
        (ordered.append(found[str(pk)]) if str(pk) in found else missing.append(pk))
    result = _render(entry, ordered, user, reveal=reveal, reason=reason, job=job, progress=progress) if ordered \
        else None
    if result is None:
        raise ValidationFailed("所选记录均不在您的管辖范围内")
    result.refused = [(pk, "不在您的管辖范围内或不存在") for pk in missing] + result.refused
    return result


def document_size(kind: str, record: Any, user: User) -> int:
    entry = get_kind(kind)
    return entry.size_fn(record, user) if entry.size_fn else 1


def print_or_queue(kind: str, record: Any, user: User, *, reveal: bool = False,
                   reason: str = "") -> Rendered | DocumentJob:
    """What a print button does: a small document now, a large one (``size_fn`` above the kind's
    ``job_threshold``) as a background job the user downloads when it is ready."""
    entry = get_kind(kind)
    reason = _check_print(entry, user, reveal, reason)
    if entry.size_fn and entry.size_fn(record, user) > entry.job_threshold:
        return start_job(kind, [record], user, reveal=reveal, reason=reason)
    return render_one(kind, record, user, reveal=reveal, reason=reason)


# --------------------------------------------------------------------------- background jobs


def jobs_dir() -> Path:
    path = Path(settings.VAR_DIR) / "documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_job(kind: str, records: Iterable[Any], user: User, *, reveal: bool = False,
              reason: str = "") -> DocumentJob:
    """Queue the rendering of ``records`` (instances or ids) of ``kind`` as one PDF; the job renders with
    the requester's rights (scope and capability are checked again when it runs)."""
    entry = get_kind(kind)
    reason = _check_print(entry, user, reveal, reason)
    ids = [getattr(r, "pk", r) for r in records]
    if not ids:
        raise ValidationFailed("没有选择要打印的记录")
    if len(ids) > 5000:
        raise ValidationFailed("一次最多打印 5000 份文书")
    job = DocumentJob.objects.create(kind=entry.kind, object_ids=[str(i) for i in ids], reveal=reveal, reason=reason,
                                     total=len(ids), created_by=user, division_code=user.scope_prefix or "")
    from .tasks import render_job

    transaction.on_commit(lambda: render_job.enqueue(job.pk))
    return job


def run_job(job_id: int) -> None:
    """Render a queued job (the worker calls this; safe to re-run: a finished job is left alone)."""
    job = DocumentJob.objects.select_related("created_by").get(pk=job_id)
    if job.status == JobStatus.DONE:
        return
    now = timezone.now()
    DocumentJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, done=0,
                                                 message="")
    user = job.created_by

    def progress(n: int) -> None:
        DocumentJob.objects.filter(pk=job.pk).update(done=n, heartbeat_at=timezone.now())

    try:
        with audit_context(user):
            result = render_many(job.kind, job.object_ids, user, reveal=job.reveal, reason=job.reason,
                                 progress=progress, job=job)
    except DomainError as exc:
        DocumentJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=timezone.now(),
                                                     message=exc.message)
        return
    except Exception:
        log.exception("document job %s failed", job.pk)
        DocumentJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=timezone.now(),
                                                     message="生成失败，请重新生成或联系管理员")
        raise
    path = jobs_dir() / f"job-{job.pk}-{uuid.uuid4().hex[:8]}.pdf"
    path.write_bytes(result.pdf)
    DocumentJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now(), done=job.total,
        file_path=str(path), file_size=len(result.pdf), filename=result.filename,
        refused=[{"id": str(i), "reason": r} for i, r in result.refused],
        message=f"共 {len(result.issued)} 份文书" + (f"，{len(result.refused)} 条未能打印" if result.refused else ""))


def fail_stale_jobs() -> int:
    """A running job whose worker stopped beating is marked failed (and may be queued again)."""
    limit = timezone.now() - dt.timedelta(minutes=JOB_STALE_MINUTES)
    return DocumentJob.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=limit).update(
        status=JobStatus.FAILED, finished_at=timezone.now(), message="生成中断（后台任务停止），请重新生成")


def rerun_job(*, by: User, job: DocumentJob) -> DocumentJob:
    if job.created_by_id != by.pk:
        raise NotFound()
    if job.status != JobStatus.FAILED:
        raise ValidationFailed("只有失败的任务可以重新生成")
    DocumentJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, done=0, message="")
    from .tasks import render_job

    transaction.on_commit(lambda: render_job.enqueue(job.pk))
    job.refresh_from_db()
    return job


def job_pdf(*, by: User, job: DocumentJob) -> bytes:
    """The finished file, for the person who asked for it only (it may hold many people's data)."""
    if job.created_by_id != by.pk:
        raise NotFound()
    if job.status != JobStatus.DONE or not job.file_path:
        raise ValidationFailed("文件尚未生成")
    path = Path(job.file_path)
    if not path.is_file():
        raise NotFound("文件已清理，请重新打印")
    return path.read_bytes()


# --------------------------------------------------------------------------- the administrator's wording


TEMPLATE_FIELDS = ("title", "issuing_unit", "footer", "seal_text")


def save_template(*, by: User, kind: str, data: dict[str, str]) -> DocumentTemplate:
    """The city administrator sets the wording of a kind (empty = the default); audited (AuditedModel)."""
    if not by.can("documents.templates"):
        raise Forbidden()
    get_kind(kind)
    with audit_context(by), transaction.atomic():
        row, _created = DocumentTemplate.objects.select_for_update().get_or_create(kind=kind)
        for key in TEMPLATE_FIELDS:
            setattr(row, key, " ".join(str(data.get(key, "") or "").split()))
        row.check_text()
        row.version = (row.version or 0) + (0 if _created else 1)
        row.save()
    return row


def queryset_ids(qs: models.QuerySet[Any]) -> list[Any]:
    return list(qs.values_list("pk", flat=True))


# --------------------------------------------------------------------------- bulk actions ("print the selection")


def print_selection(kind: str) -> Callable[[User, models.QuerySet[Any], str], Any]:
    """A ``download`` for ``core.bulkactions.BulkAction(kind="download", …)``: the selected records of ``kind``
    as ONE PDF. Up to ``MANY_IN_JOB`` records are rendered at once (the PDF is the answer; refused records are
    left out); more become a background job and the answer is a redirect to its page, where the PDF is
    downloaded when ready and the records that could not be printed are listed with the reason::

        BulkAction(name="print", label=_("打印所选评估报告"), capability="assessments.view", kind="download",
                   download=print_selection("assessments.report"),
                   narrow=lambda qs: qs.filter(status__in=RESULT_STATES))
    """

    def download(by: User, qs: models.QuerySet[Any], comment: str = "") -> Any:
        from django.http import HttpResponse
        from django.shortcuts import redirect

        ids = list(qs.order_by("pk").values_list("pk", flat=True))
        if len(ids) > MANY_IN_JOB:
            job = start_job(kind, ids, by)
            return redirect("documents:job", pk=job.pk)
        result = render_many(kind, ids, by)
        response = HttpResponse(result.pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
        response["Cache-Control"] = "no-store"
        return response

    return download


def purge_job_files(*, days: int = 7) -> int:
    """Delete the files of jobs finished more than ``days`` days ago (they may hold many people's data);
    the issue records stay, so the printed numbers keep verifying."""
    limit = timezone.now() - dt.timedelta(days=max(0, days))
    n = 0
    for job in DocumentJob.objects.filter(finished_at__lt=limit).exclude(file_path=""):
        Path(job.file_path).unlink(missing_ok=True)
        DocumentJob.objects.filter(pk=job.pk).update(file_path="", message=job.message + "（文件已按期清理）")
        n += 1
    return n
