"""Bulk-action pages: the confirmation (what, on how many records, one comment), the job's progress
and per-record result (htmx), its .xlsx, and the user's own bulk jobs. The mechanism is
core/bulkactions.py; lists plug in with ``{% bulk_for "<list key>" as bulk %}`` (core/templatetags/bulk.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .bulkactions import (
    BulkAction,
    BulkList,
    bulk_job_rerun,
    bulk_job_start,
    bulk_list,
    describe,
    is_stale,
    jobs_for,
    max_records,
    result_workbook,
    select,
)
from .bulkjobs import BulkJob, BulkOutcome
from .errors import DomainError
from .http import xlsx_response
from .pagination import offset_page

SAMPLE = 10


def _list_and_action(request: HttpRequest, key: str, name: str) -> tuple[BulkList, BulkAction]:
    blist = bulk_list(key)
    action = blist.action(name) if blist else None
    if blist is None or action is None:
        raise Http404
    if not (request.user.can(blist.view_capability) and request.user.can(action.capability)):
        raise PermissionDenied
    return blist, action


@login_required
@require_http_methods(["GET", "POST"])
def bulk_confirm(request: HttpRequest, key: str) -> HttpResponse:
    """From a list's selection bar (POST: ticked ids, ``scope``, the list's ``query``, the ``action``):
    the confirmation page. Its own POST with ``confirmed=1`` starts the job (or answers the file).
    Nothing changes before that; the selection is re-run on the server each time."""
    src = request.POST if request.method == "POST" else request.GET
    blist, action = _list_and_action(request, key, src.get("action", ""))
    scope = "all" if src.get("scope") == "all" else "ids"
    query = src.get("query", "")
    selection = select(request.user, blist, scope=scope, ids=src.getlist("ids"), query=query, action=action)
    back = reverse(blist.list_url) + (f"?{query}" if query else "")
    limit = max_records()
    count = selection.queryset.count()
    # records selected on the list that this action does not apply to (e.g. already decided applications)
    excluded = (select(request.user, blist, scope=scope, ids=src.getlist("ids"), query=query).queryset.count() - count
                if action.narrow is not None else 0)
    form = action.form_class(src if src.get("confirmed") else None) if action.form_class else None
    comment = (src.get("comment") or "").strip()[:500]
    error = None
    status = 200
    if not count:
        if excluded:
            messages.warning(request, _("所选的 %(n)s 条记录都不适用“%(label)s”（状态不符）。")
                             % {"n": excluded, "label": action.label})
        else:
            messages.warning(request, _("没有选中任何记录：请先勾选，或选择“全部符合条件的记录”。")
                             if scope == "ids" else _("当前搜索条件下没有可处理的记录。"))
        return redirect(back)
    if request.method == "POST" and src.get("confirmed") == "1":
        if count > limit:
            error = _("一次最多处理 %(n)s 条记录，请缩小搜索范围后分批处理") % {"n": limit}
        elif form is not None and not form.is_valid():
            error = _("请检查下面标出的内容")
        elif action.comment_required and not comment:
            error = _("请填写%(label)s") % {"label": action.comment_label or _("说明")}
        else:
            try:
                if action.kind == "download":
                    assert action.download is not None
                    return action.download(request.user, selection.queryset, comment)
                job = bulk_job_start(by=request.user, blist=blist, action=action, selection=selection,
                                     comment=comment, form_data={k: src.get(k, "") for k in (form.fields if form else {})})
            except DomainError as exc:
                error = exc.message
            else:
                return redirect("core:bulk_job", pk=job.pk)
        status = 400
    sample = [blist.row_label(obj) for obj in selection.queryset.order_by("pk")[:SAMPLE]]
    return render(request, "core/bulk_confirm.html", {
        "blist": blist, "action": action, "count": count, "sample": sample, "more": max(0, count - len(sample)),
        "selection": describe(selection, count), "excluded": excluded, "scope": scope, "ids": selection.ids, "query": query,
        "form": form, "comment": comment, "error": error, "back": back, "too_many": count > limit, "limit": limit,
        "comment_label": action.comment_label or _("说明"),
    }, status=status)


def _job(request: HttpRequest, pk: int) -> BulkJob:
    job = jobs_for(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


OUTCOME_FILTERS = {"done": BulkOutcome.DONE, "skipped": BulkOutcome.SKIPPED, "refused": BulkOutcome.REFUSED}


@login_required
def bulk_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job: progress (polled by htmx while it runs), then the result per record, filterable by outcome."""
    job = _job(request, pk)
    if request.headers.get("HX-Request"):
        return render(request, "core/_bulk_progress.html", {"job": job, "stale": is_stale(job), "polled": True})
    shown = request.GET.get("outcome", "")
    items = job.items.all()
    if shown in OUTCOME_FILTERS:
        items = items.filter(outcome=OUTCOME_FILTERS[shown])
    blist = bulk_list(job.list_key)
    return render(request, "core/bulk_job.html", {
        "job": job, "stale": is_stale(job), "items": offset_page(request, items.order_by("pk"), per_page=50),
        "shown": shown, "back": reverse(blist.list_url) if blist else reverse("core:bulk_jobs"),
    })


@login_required
def bulk_job_export(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return xlsx_response(result_workbook(job), f"bulk-{job.pk}-result.xlsx")


@login_required
@require_POST
def bulk_job_rerun_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        bulk_job_rerun(by=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新排队：已处理的记录不会重复处理"))
    return redirect("core:bulk_job", pk=job.pk)


@login_required
def bulk_jobs(request: HttpRequest) -> HttpResponse:
    """The user's own bulk jobs, newest first."""
    rows: Any = offset_page(request, jobs_for(request.user))
    return render(request, "core/bulk_jobs.html", {"rows": rows})
