"""Assessment pages: list, request, detail with the workflow actions, the home-visit form with a live
preview, the PDF report, reassessments due, figures, and the MZ/T 039-2013 import. Views decide
nothing: services and selectors do."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yanglao.core.audit import audit_sensitive_list, audit_sensitive_view
from yanglao.core.dbrouting import reads_from_replica
from yanglao.core.errors import DomainError
from yanglao.core.http import xlsx_response
from yanglao.core.models import Division
from yanglao.core.pagination import offset_page
from yanglao.core.params import BadParameter, id_param
from yanglao.core.pickers import bind_pickers
from yanglao.core.scope import get_scoped_or_404
from yanglao.core.uploads import read_uploaded
from yanglao.core.views import ConfirmAction, capability_required, confirm_action, safe_next
from yanglao.people.models import Person
from yanglao.people.selectors import people_for

from . import exporting, importing, report, selectors, services
from .choices import RECORDABLE_STATES, Reason, RequestedVia, Status
from .forms import ImportForm, LevelFilterForm, RequestForm, ScheduleForm, SearchForm, record_data
from .models import Assessment
from .scale import INDICATORS, ITEM_CODES, LEVELS, RISK_EVENTS
from .scoring import ScoringError, score

PAGE_SIZE = 20


def _assessment(request: HttpRequest, pk: int) -> Assessment:
    return get_scoped_or_404(
        selectors.assessments_for(request.user).select_related("person", "assessor_1", "assessor_2", "reviewer"),
        request.user, pk=pk,
    )


def _page(request: HttpRequest, qs: Any) -> Any:
    return offset_page(request, qs)


def _audit_page(request: HttpRequest, model: Any, page: Any, fields: list[str]) -> None:
    """A page naming people with their care levels (health data) is a view of sensitive data."""
    audit_sensitive_list(model, ids=[obj.pk for obj in page.object_list], fields=fields,
                         division_code=request.user.scope_prefix or "")


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@capability_required("assessments.view")
def assessment_list(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(SearchForm(request.GET or None), request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page(request, selectors.search_assessments(request.user, filters))
    _audit_page(request, Assessment, page, ["level"])
    return render(request, "assessments/list.html", {"form": form, "page": page, "query": _query_without_page(request)})


@capability_required("assessments.request")
def assessment_new(request: HttpRequest) -> HttpResponse:
    """Request an assessment for a person chosen by search (or arriving from their record with ?person=):
    an unknown or out-of-scope person keeps the page and says so, never a 404."""
    person_id = request.GET.get("person") or ""
    try:
        pk = id_param(request.GET, "person")
    except BadParameter:  # not an id ("²", letters, 30 digits): the same as an unknown person
        pk = None
    person = people_for(request.user).filter(pk=pk).first() if pk else None
    error = _("所选老年人不存在或不在您的管辖范围内，请重新搜索选择") if person_id and person is None else None
    has_result = bool(person) and selectors.results_history(person).filter(scale="gbt42195").exists()
    initial = {"reason": Reason.ON_REQUEST if has_result else Reason.FIRST,
               "requested_via": RequestedVia.PERSON_FAMILY if has_result else RequestedVia.STAFF, "person": person}
    form = bind_pickers(RequestForm(request.POST or None, initial=initial), request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = data["person"]
        try:
            assessment = services.assessment_request(
                by=request.user, person=person, reason=data["reason"], requested_via=data["requested_via"],
                organisation=data.get("organisation"), note=data.get("note", ""))
        except DomainError as exc:
            error = exc.message
            for field, reason in (exc.details or {}).items():
                form.add_error(field if field in form.fields else None, reason)
        else:
            messages.success(request, _("已登记评估申请"))
            return redirect("assessments:detail", pk=assessment.pk)
    return render(request, "assessments/new.html", {"form": form, "person": person, "error": error,
                                                    "current": selectors.care_level_for(person.pk) if person else None})


@capability_required("assessments.view")
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    audit_sensitive_view(assessment, fields=["items", "coma", "diagnoses", "risk_events", "level"])
    user = request.user
    context: dict[str, Any] = {
        "a": assessment,
        "groups": report.report_context(assessment)["groups"],
        "risk_events": report.report_context(assessment)["risk_events"],
        "is_assessor": user.pk in assessment.assessor_ids(),
        "can_schedule": user.can("assessments.schedule") and assessment.status in (Status.REQUESTED, Status.SCHEDULED),
        "can_review": user.can("assessments.review") and assessment.status == Status.SUBMITTED
        and user.pk not in assessment.assessor_ids(),
        "can_publish": user.can("assessments.review") and assessment.status == Status.APPROVED,
        "can_cancel": user.can("assessments.request") and assessment.status in (
            Status.REQUESTED, Status.SCHEDULED, Status.IN_PROGRESS, Status.REJECTED),
        "can_record": user.pk in assessment.assessor_ids() and assessment.status in RECORDABLE_STATES,
        "schedule_form": ScheduleForm(division_code=assessment.division_code, initial={
            "assessor_1": assessment.assessor_1_id, "assessor_2": assessment.assessor_2_id,
            "scheduled_on": assessment.scheduled_on, "place": assessment.place or assessment.person.address}),
    }
    return render(request, "assessments/detail.html", context)


def _review(request: HttpRequest, assessment: Assessment, action: str) -> HttpResponse:
    """Approving or returning an assessment: a confirmation page with the result and a comment kept
    in the audit line (returning needs the reason, which the assessors see)."""
    by = request.user
    person = assessment.person
    facts = [(_("老年人"), f"{person.name}（{person.age}岁）"), (_("评估日期"), assessment.assessed_on or "—"),
             (_("总分"), assessment.total if assessment.total is not None else "—"),
             (_("能力等级"), assessment.level_label or "—"),
             (_("评估员"), "、".join(u.display_name for u in (assessment.assessor_1, assessment.assessor_2) if u))]
    detail = reverse("assessments:detail", args=[assessment.pk])
    if action == "approve":
        return confirm_action(request, ConfirmAction(
            obj=assessment, title=_("审核通过能力评估"), facts=facts, button=_("审核通过"),
            summary=_("审核通过后，评估结果即成为该老年人的能力等级，并据此计算补贴和服务。"),
            perform=lambda comment, data: services.assessment_approve(by=by, assessment=assessment),
            success=_("已审核通过，能力等级已生效"), redirect_to=detail))
    return confirm_action(request, ConfirmAction(
        obj=assessment, title=_("退回评估员"), facts=facts, button=_("退回"), danger=True,
        summary=_("退回后评估员修改评估表并重新提交；退回原因评估员可见。"),
        perform=lambda comment, data: services.assessment_reject(by=by, assessment=assessment, reason=comment),
        success=_("已退回评估员"), redirect_to=detail, comment_required=True, comment_label=_("退回原因"),
        comment_field="reason"))


@capability_required("assessments.view")
def assessment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The workflow buttons of the detail page: schedule, approve, reject, publish, cancel. Approving
    and returning go through the confirmation page (GET shows it, POST confirms)."""
    if action in ("approve", "reject"):
        return _review(request, _assessment(request, pk), action)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    assessment = _assessment(request, pk)
    by = request.user
    try:
        if action == "schedule":
            form = ScheduleForm(request.POST, division_code=assessment.division_code)
            if not form.is_valid():
                raise DomainError("派单信息有误：" + "；".join(f"{form.fields[f].label}：{e[0]}"
                                                        for f, e in form.errors.items() if f in form.fields))
            services.assessment_schedule(by=by, assessment=assessment, **form.cleaned_data)
            messages.success(request, _("已派单"))
        elif action == "publish":
            services.assessment_publish(by=by, assessment=assessment)
            messages.success(request, _("已公布评估结果"))
        elif action == "cancel":
            services.assessment_cancel(by=by, assessment=assessment, reason=request.POST.get("reason", ""))
            messages.success(request, _("已取消"))
        else:
            messages.error(request, _("未知操作"))
    except DomainError as exc:
        details = "；".join(f"{k}：{v}" for k, v in labelled_errors(exc.details).items())
        messages.error(request, exc.message + (f"（{details}）" if details and exc.status == 400 else ""))
    return redirect("assessments:detail", pk=assessment.pk)


def field_label(key: str) -> str:
    """The Chinese name of a field or item an error names: "B1.3 洗澡", "疾病诊断（ICD-10）", never `diagnoses`."""
    from .scale import ITEMS_BY_CODE

    if key in ITEMS_BY_CODE:
        return f"{key} {ITEMS_BY_CODE[key].name_zh}"
    if key in ("risk_events_30d", "risk_events"):
        return str(Assessment._meta.get_field("risk_events").verbose_name)
    try:
        return str(Assessment._meta.get_field(key).verbose_name)
    except Exception:  # noqa: BLE001 - an unknown key is shown as sent, after the known ones
        return {"assessor_1": _("评估员一"), "assessor_2": _("评估员二")}.get(key, key)


def labelled_errors(details: Any) -> dict[str, str]:
    """Error details keyed by what the page calls each field."""
    if not isinstance(details, dict):
        return {}
    return {field_label(str(k)): str(v) for k, v in details.items()}


def _form_context(assessment: Assessment, values: dict[str, Any]) -> dict[str, Any]:
    items = values.get("items", {})
    counts: dict[str, int] = {}
    for code in values.get("risk_events_30d", values.get("risk_events", [])):
        counts[code] = counts.get(code, 0) + 1
    groups = [{"indicator": ind, "items": [{"item": it, "value": items.get(it.code)} for it in ind.items]}
              for ind in INDICATORS]
    return {
        "a": assessment, "groups": groups, "values": values,
        "events": [{"event": e, "count": counts.get(e.code, 0)} for e in RISK_EVENTS],
        "count_choices": range(0, 6), "diagnoses_text": ", ".join(values.get("diagnoses", [])),
        "preview": _preview(values),
    }


def _preview(values: dict[str, Any]) -> dict[str, Any]:
    items = values.get("items", {})
    filled = len([c for c in ITEM_CODES if c in items])
    result: dict[str, Any] = {"filled": filled, "count": len(ITEM_CODES), "partial_total": sum(items.values())}
    if filled == len(ITEM_CODES):
        try:
            result["score"] = score(items, coma=values.get("coma", False), diagnoses=values.get("diagnoses", []),
                                    risk_events_30d=values.get("risk_events_30d", []),
                                    psychiatrist_diagnosed=values.get("psychiatrist_diagnosed", True),
                                    policy=services.scoring_policy())
        except ScoringError as exc:
            result["errors"] = exc.errors
    return result


@capability_required("assessments.record")
def assessment_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The home-visit form, for a phone or tablet: 26 items as big radio buttons, live preview."""
    assessment = _assessment(request, pk)
    if request.user.pk not in assessment.assessor_ids():
        return redirect("assessments:detail", pk=pk)
    audit_sensitive_view(assessment, fields=["items", "coma", "diagnoses", "risk_events"])
    values = {"items": assessment.items, "coma": assessment.coma, "diagnoses": assessment.diagnoses,
              "psychiatrist_diagnosed": assessment.psychiatrist_diagnosed,
              "risk_events_30d": assessment.risk_events}
    error = None
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = record_data(request.POST)
        submit = request.POST.get("action") == "submit"
        try:
            if submit:
                services.assessment_submit(by=request.user, assessment=assessment, data=values)
                messages.success(request, _("已提交审核"))
                return redirect("assessments:detail", pk=pk)
            services.assessment_record(by=request.user, assessment=assessment, data=values)
            messages.success(request, _("已保存草稿"))
            return redirect("assessments:record", pk=pk)
        except DomainError as exc:
            error = exc.message
            errors = exc.details if isinstance(exc.details, dict) else {}
    context = _form_context(assessment, values) | {"error": error, "errors": errors,
                                                   "labelled_errors": labelled_errors(errors)}
    return render(request, "assessments/record.html", context)


@require_POST
@capability_required("assessments.record")
def assessment_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the total and level so far, computed by scoring.score on the server."""
    values = record_data(request.POST)
    return render(request, "assessments/_preview.html", {"preview": _preview(values)})


@capability_required("assessments.view")
def assessment_report(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    try:
        return report.pdf_response(assessment=assessment)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("assessments:detail", pk=pk)


@require_POST
@capability_required("assessments.request")
def reassess(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = get_scoped_or_404(people_for(request.user), request.user, pk=person_pk)
    try:
        assessment = services.reassessment_request(
            by=request.user, person=person, reason=request.POST.get("reason") or Reason.PERIODIC,
            requested_via=request.POST.get("requested_via") or RequestedVia.STAFF)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(safe_next(request, request.POST.get("next")) or "assessments:due")
    messages.success(request, _("已登记复评申请；原评估结果保留在历史记录中"))
    return redirect("assessments:detail", pk=assessment.pk)


@capability_required("assessments.figures")
def reassessments_due(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    qs = selectors.reassessments_due(request.user, today)
    if request.GET.get("only") == "overdue":
        qs = qs.filter(valid_until__lt=today)
    elif request.GET.get("only") == "due":
        qs = qs.filter(valid_until__gte=today)
    page = _page(request, qs)
    _audit_page(request, Assessment, page, ["level", "valid_until"])
    return render(request, "assessments/due.html", {"page": page, "today": today,
                                                    "query": _query_without_page(request),
                                                    "only": request.GET.get("only", "")})


def _division_names(codes: list[str]) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=codes).values_list("code", "name"))


@capability_required("assessments.figures")
@reads_from_replica
def figures(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    by = "township" if request.GET.get("by") == "township" else "county"
    rows = selectors.level_distribution(request.user, today, by=by)
    names = _division_names([r["division"] for r in rows])
    table = [{"division": r["division"], "name": names.get(r["division"], r["division"]),
              "levels": [r["levels"][lv] for lv in (0, 1, 2, 3, 4)], "unassessed": r["levels"][None],
              "total": sum(r["levels"].values())} for r in rows]
    chart = {"categories": [t["name"] for t in table],
             "series": [{"name": f"{lv.level}级 {lv.name_zh}", "data": [t["levels"][lv.level] for t in table]}
                        for lv in LEVELS] + [{"name": "未评估", "data": [t["unassessed"] for t in table]}]}
    filter_form = bind_pickers(LevelFilterForm(request.GET or None), request.user)
    division = filter_form.cleaned_data["division"] if filter_form.is_valid() else ""
    people = _page(request, selectors.people_at_level(request.user, today, min_level=2, division=division))
    _audit_page(request, Person, people, ["care_level"])
    return render(request, "assessments/figures.html", {
        "table": table, "chart": json.dumps(chart, ensure_ascii=False), "chart_data": chart, "by": by,
        "levels": LEVELS, "people": people, "today": today, "division": division, "filter_form": filter_form,
        "query": _query_without_page(request),
    })


@capability_required("assessments.export")
@reads_from_replica
def figures_export(request: HttpRequest) -> Any:
    today = timezone.localdate()
    filter_form = bind_pickers(LevelFilterForm(request.GET or None), request.user)
    division = filter_form.cleaned_data["division"] if filter_form.is_valid() else ""
    qs = selectors.people_at_level(request.user, today, min_level=2, division=division)
    return exporting.export_people_at_level(by=request.user, qs=qs, on=today, division=division)


@capability_required("assessments.import")
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = importing.import_mzt(by=request.user, filename=upload.name,
                                          content=read_uploaded(upload, kind="assessments"))
        except DomainError as exc:
            form.add_error("file", exc.message)
    status = 400 if form.errors else 200  # a refused file is a client error, shown with its reason
    return render(request, "assessments/import.html", {"form": form, "result": result}, status=status)


@capability_required("assessments.import")
def import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(importing.template_workbook(), "mzt039-import-template.xlsx")


class _TelRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


@require_POST
@capability_required("assessments.record")
def call_contact(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """The assessor's 拨打 button: the family contact's full number is a reveal, so it is a POST that
    records the reason (上门评估联系家属) in the audit log, then hands the number to the phone's dialler."""
    from . import workbench

    assessment = _assessment(request, pk)
    try:
        phone = workbench.contact_phone_for_call(by=request.user, assessment=assessment, contact_id=contact_pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("core:home")
    return _TelRedirect("tel:" + "".join(ch for ch in phone if ch.isdigit() or ch in "+-"))
