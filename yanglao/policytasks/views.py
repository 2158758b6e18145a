"""Policy task pages: the city view of the 40 tasks with filters and an export for meetings, each task with its
units and history of reports, the unit's progress report, the lead unit's consolidation, the deadline revision."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.audit import audit_export
from yanglao.core.cells import sheet_row
from yanglao.core.errors import DomainError
from yanglao.core.pagination import offset_page
from yanglao.core.params import choice_param, int_param
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.views import capability_required

from . import selectors, services
from .forms import ConsolidationForm, ReportForm, ReviseForm
from .models import Assignment, Attachment, Consolidation, ProgressReport, Status, Task

STATUS_TAGS = {Status.ON_TRACK: "tag-urban", Status.DUE_SOON: "tag-warn", Status.OVERDUE: "tag-danger",
               Status.DONE: "tag-ok", Status.CONTINUING: "tag-info"}


def _errors(form: Any, exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    for key, reason in details.items():
        if key in form.fields and isinstance(reason, str):
            form.add_error(key, reason)
    form.add_error(None, exc.message)


def _task_or_404(user: Any, number: int) -> Task:
    task = selectors.with_status(selectors.tasks_for(user).select_related("lead")).filter(number=number).first()
    if task is None:
        raise Http404
    return task


def _decorate(tasks: Any) -> None:
    for t in tasks:
        t.status_label = Status(t.status).label
        t.status_tag = STATUS_TAGS[t.status]
        t.done_late = bool(t.completed_on and t.eff_due and t.completed_on > t.eff_due)


def _filters(request: HttpRequest) -> dict[str, Any]:
    return {"unit": int_param(request.GET, "unit", minimum=1, maximum=2**31 - 1), "measure": int_param(request.GET, "measure", minimum=1, maximum=99),
            "status": choice_param(request.GET, "status", Status.values),
            "mine": choice_param(request.GET, "mine", ["late", "unreported"])}


def _filtered(request: HttpRequest, f: dict[str, Any]) -> Any:
    qs = selectors.task_list(request.user, unit=f["unit"], measure=f["measure"], status=f["status"])
    if f["mine"] == "late":
        qs = qs.filter(pk__in=selectors.own_late(request.user).values("task_id"))
    elif f["mine"] == "unreported":
        qs = qs.filter(pk__in=selectors.unreported(request.user).values("task_id"))
    return qs


@capability_required("policytasks.view")
def task_list(request: HttpRequest) -> HttpResponse:
    f = _filters(request)
    page = offset_page(request, _filtered(request, f), per_page=50)
    _decorate(page)
    counts = selectors.status_counts(user=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("status", None)
    return render(request, "policytasks/list.html", {
        "page": page, "f": f, "counts": [(s, s.label, counts[s.value], STATUS_TAGS[s]) for s in Status],
        "total": sum(counts.values()), "units": selectors.units_for(request.user), "measures": selectors.measures(),
        "statuses": Status.choices, "late": selectors.late_tasks(user=request.user)[:10], "base_query": query.urlencode(),
        "export_query": request.GET.urlencode(),
    })


@capability_required("policytasks.view")
def units(request: HttpRequest) -> HttpResponse:
    return render(request, "policytasks/units.html", {"rows": selectors.unit_summary(request.user)})


@capability_required("policytasks.view")
def task_detail(request: HttpRequest, number: int) -> HttpResponse:
    task = _task_or_404(request.user, number)
    _decorate([task])
    assignments = list(restrict(task.assignments.select_related("organisation"), request.user))
    for a in assignments:
        a.may_report = services.can_report(request.user, a)
    reports = (restrict(ProgressReport.objects.filter(task=task), request.user)
               .select_related("organisation", "reported_by")
               .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.only("pk", "filename", "size", "report_id"))))
    return render(request, "policytasks/detail.html", {
        "task": task, "assignments": assignments, "reports": offset_page(request, reports, per_page=30),
        "consolidations": task.consolidations.select_related("reported_by", "organisation"),
        "may_consolidate": services.can_consolidate(request.user, task),
        "may_revise": request.user.can("policytasks.manage"), "today": timezone.localdate(),
    })


def _files(request: HttpRequest) -> list[tuple[str, bytes]]:
    from yanglao.core.uploads import check_upload

    out = []
    for upload in request.FILES.getlist("files"):
        check_upload(kind=services.UPLOAD_KIND, filename=upload.name, size=upload.size)  # refused before reading
        out.append((upload.name, upload.read()))
    return out


@capability_required("policytasks.report")
def report_new(request: HttpRequest, pk: int) -> HttpResponse:
    a = get_scoped_or_404(Assignment.objects.select_related("task", "organisation"), request.user, pk=pk)
    if not services.can_report(request.user, a):
        raise PermissionDenied
    form = ReportForm(request.POST or None, request.FILES or None, initial={"percent": a.percent})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.report_add(by=request.user, assignment=a, period=d["period"], reported_on=d["reported_on"],
                                percent=d["percent"], text=d["text"], files=_files(request))
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已报送第 %(n)s 项任务的进展") % {"n": a.task.number})
            return redirect("policytasks:detail", number=a.task.number)
    return render(request, "policytasks/form.html", {
        "form": form, "multipart": True, "task": a.task,
        "title": _("报送进展") + f" · {a.organisation.name}",
        "back": reverse("policytasks:detail", args=[a.task.number]),
    })


@capability_required("policytasks.consolidate")
def consolidate(request: HttpRequest, number: int) -> HttpResponse:
    task = _task_or_404(request.user, number)
    if not services.can_consolidate(request.user, task):
        raise PermissionDenied
    form = ConsolidationForm(request.POST or None, initial={"percent": task.progress})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.consolidate(by=request.user, task=task, period=d["period"], reported_on=d["reported_on"],
                                 percent=d["percent"], completed=d["completed"], text=d["text"])
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已汇总第 %(n)s 项任务") % {"n": task.number})
            return redirect("policytasks:detail", number=task.number)
    latest = {}
    for a in task.assignments.select_related("organisation"):
        latest[a.pk] = a
    return render(request, "policytasks/form.html", {
        "form": form, "task": task, "title": _("汇总进展") + f" · 第 {task.number} 项",
        "units": latest.values(), "back": reverse("policytasks:detail", args=[task.number]),
    })


@capability_required("policytasks.manage")
def revise(request: HttpRequest, number: int) -> HttpResponse:
    task = _task_or_404(request.user, number)
    form = ReviseForm(request.POST or None, initial={"revised_due": task.revised_due, "reason": task.revised_reason})
    if request.method == "POST" and form.is_valid():
        try:
            services.revise_deadline(by=request.user, task=task, revised_due=form.cleaned_data["revised_due"],
                                     reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已调整第 %(n)s 项任务的时限") % {"n": task.number})
            return redirect("policytasks:detail", number=task.number)
    return render(request, "policytasks/form.html", {
        "form": form, "task": task, "title": _("调整时限") + f" · 第 {task.number} 项",
        "back": reverse("policytasks:detail", args=[task.number]),
    })


@capability_required("policytasks.view")
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    att = get_scoped_or_404(Attachment.objects.all(), request.user, pk=pk)
    inline = att.content_type.startswith("image/") or att.content_type == "application/pdf"
    response = HttpResponse(bytes(att.content), content_type=att.content_type)
    from urllib.parse import quote

    response["Content-Disposition"] = f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(att.filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


EXPORT_COLUMNS = ["序号", "工作措施", "工作任务", "工作要求", "牵头单位", "责任单位（原文）", "时间进度（原文）", "政策时限",
                  "调整后时限", "调整理由", "状态", "总体进度（%）", "完成日期", "最近汇总", "最近汇总情况", "解析提示"]


@capability_required("policytasks.export")
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The task table with today's status and the latest consolidation, for the joint meeting (联席会议)."""
    from openpyxl import Workbook

    f = _filters(request)
    tasks = list(_filtered(request, f))
    latest: dict[int, Consolidation] = {}
    for c in Consolidation.objects.filter(task__in=[t.pk for t in tasks]).order_by("task_id", "-period", "-pk"):
        latest.setdefault(c.task_id, c)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("政策任务督办")
    today = timezone.localdate()
    sheet_row(ws, [f"阳江市养老服务政策任务推进情况（截至{today:%Y年%m月%d日}）"])
    sheet_row(ws, EXPORT_COLUMNS)
    for t in tasks:
        c = latest.get(t.pk)
        sheet_row(ws, [t.number, t.measure, t.title, t.requirement, t.lead.name, t.units_text, t.deadline_text,
                       f"{t.due_date:%Y-%m-%d}" if t.due_date else "持续实施",
                       f"{t.revised_due:%Y-%m-%d}" if t.revised_due else "", t.revised_reason, str(Status(t.status).label),
                       t.progress, f"{t.completed_on:%Y-%m-%d}" if t.completed_on else "",
                       f"{c.period:%Y年%m月}" if c else "", c.text if c else "", t.parse_notes])
    out = io.BytesIO()
    wb.save(out)
    audit_export(Task, count=len(tasks), fmt="xlsx", filters={k: v for k, v in f.items() if v}, masked=False,
                 division_code=request.user.scope_prefix or "")
    response = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="policy-tasks-{today:%Y%m%d}.xlsx"'
    return response
