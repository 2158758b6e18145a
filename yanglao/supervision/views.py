"""综合监管 pages: item list, registers, draws, inspections, calendar, fire safety, complaints, credit; and the
public pages (published draws with their verification, results, credit records)."""

from __future__ import annotations

import io
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yanglao.core.audit import audit_export
from yanglao.core.cells import sheet_row
from yanglao.core.dbrouting import reads_from_replica
from yanglao.core.errors import DomainError
from yanglao.core.pagination import offset_page
from yanglao.core.pickers import DivisionField, bind_pickers
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.views import ConfirmAction, capability_required, confirm_action
from yanglao.institutions.models import Institution

from . import draw as algorithm
from . import services, workdays
from .models import (
    CalendarDay,
    CalendarYear,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    Conclusion,
    ConflictKind,
    CreditEntry,
    CreditKind,
    DrawPlan,
    DrawRecord,
    Finding,
    FireSafetyCase,
    Inspection,
    InspectionItem,
    InspectionStatus,
    Inspector,
    ItemKind,
    PlanStatus,
    Rectification,
    Target,
    TargetKind,
)
from .selectors import covering

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _form_page(request: HttpRequest, form: forms.Form, *, title: str, back: str, button: str = "",
               multipart: bool = False, status: int = 200) -> HttpResponse:
    return render(request, "supervision/form.html", {"form": form, "title": title, "back": back,
                                                     "button": button or gettext("保存"), "multipart": multipart},
                  status=status)


def _get(queryset: Any, pk: int) -> Any:
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def _apply_errors(form: forms.Form, exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for key, reason in details.items():
        if key in form.fields and isinstance(reason, str):
            form.add_error(key, reason)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


# ---- overview ------------------------------------------------------------------------------------------

@capability_required("supervision.view")
def overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    inspections = restrict(Inspection.objects.all(), request.user)
    by_status = dict(inspections.order_by().values_list("status").annotate(n=Count("pk")))
    due = (inspections.filter(ended_on__isnull=False, published_at__isnull=True).select_related("target", "item")
           .order_by("publish_due")[:10])
    return render(request, "supervision/overview.html", {
        "plans": covering(DrawPlan.objects.all(), request.user)[:6],
        "by_status": [(label, by_status.get(value, 0)) for value, label in InspectionStatus.choices],
        "due": [(i, workdays.working_days_between(today, i.publish_due) if i.publish_due else None) for i in due],
        "annual_missing": services.annual_missing(user=request.user).count(),
        "missing_years": workdays.missing_years(today),
        "complaints_open": restrict(Complaint.objects.exclude(status=ComplaintStatus.CLOSED), request.user).count(),
        "fire_open": restrict(FireSafetyCase.objects.filter(status="open"), request.user).count(),
        "year": today.year,
    })


# ---- item list -----------------------------------------------------------------------------------------

class ItemForm(forms.ModelForm):
    target_kinds = forms.MultipleChoiceField(label=_("检查对象类型"), choices=TargetKind.choices,
                                             widget=forms.CheckboxSelectMultiple)
    checklist_text = forms.CharField(label=_("检查要点"), widget=forms.Textarea(attrs={"rows": 5}),
                                     help_text=_("每行一项"))

    class Meta:
        model = InspectionItem
        fields = ["code", "name", "legal_basis", "department", "method", "kind", "max_ratio_percent", "active"]
        widgets = {"legal_basis": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["target_kinds"].initial = self.instance.target_kinds
            self.fields["checklist_text"].initial = "\n".join(self.instance.checklist)

    def save(self, commit: bool = True) -> InspectionItem:
        item = super().save(commit=False)
        item.target_kinds = list(self.cleaned_data["target_kinds"])
        item.checklist = [line.strip() for line in self.cleaned_data["checklist_text"].splitlines() if line.strip()]
        if commit:
            item.save()
        return item


@capability_required("supervision.view")
def items(request: HttpRequest) -> HttpResponse:
    qs = covering(InspectionItem.objects.all(), request.user)
    return render(request, "supervision/items.html", {"page": offset_page(request, qs), "kinds": ItemKind})


@capability_required("supervision.manage")
def item_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = _get(covering(InspectionItem.objects.all(), request.user), pk) if pk else None
    form = ItemForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, gettext("已保存抽查事项"))
        return redirect("supervision:items")
    return _form_page(request, form, title=gettext("随机抽查事项"), back=reverse("supervision:items"),
                      status=400 if request.method == "POST" else 200)


# ---- registers -----------------------------------------------------------------------------------------

@capability_required("supervision.view")
def targets(request: HttpRequest) -> HttpResponse:
    qs = restrict(Target.objects.all(), request.user)
    q = request.GET.get("q", "").strip()[:64]
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(reg_no__startswith=q.upper()))
    kind = request.GET.get("kind", "")
    if kind in TargetKind.values:
        qs = qs.filter(kind=kind)
    return render(request, "supervision/targets.html", {"page": offset_page(request, qs.order_by("reg_no")), "q": q,
                                                        "kind": kind, "kinds": TargetKind.choices})


@capability_required("supervision.manage")
@require_POST
def targets_refresh(request: HttpRequest) -> HttpResponse:
    result = services.refresh_targets(by=request.user)
    messages.success(request, gettext("名录已更新：共 %(total)s 个检查对象，新增 %(created)s 个") % result)
    return redirect("supervision:targets")


class ConflictForm(forms.Form):
    target = forms.ModelChoiceField(label=_("检查对象"), queryset=Target.objects.none())
    kind = forms.ChoiceField(label=_("回避事由"), choices=[c for c in ConflictKind.choices if c[0] != "recent"])
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


@capability_required("supervision.view")
def inspectors(request: HttpRequest) -> HttpResponse:
    qs = covering(Inspector.objects.all(), request.user).prefetch_related("conflicts__target")
    department = request.GET.get("department", "").strip()[:64]
    if department:
        qs = qs.filter(department=department)
    departments = covering(Inspector.objects.all(), request.user).order_by("department").values_list(
        "department", flat=True).distinct()
    return render(request, "supervision/inspectors.html", {"page": offset_page(request, qs), "department": department,
                                                           "departments": list(departments)})


@capability_required("supervision.manage")
def conflict_add(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = _get(covering(Inspector.objects.all(), request.user), pk)
    form = ConflictForm(request.POST or None)
    form.fields["target"].queryset = restrict(Target.objects.all(), request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.conflict_add(by=request.user, inspector=inspector, target=form.cleaned_data["target"],
                                  kind=form.cleaned_data["kind"], note=form.cleaned_data["note"])
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("已登记回避情形"))
            return redirect("supervision:inspectors")
    return _form_page(request, form, title=gettext("登记回避情形：%(name)s") % {"name": inspector.name},
                      back=reverse("supervision:inspectors"))


# ---- plans and draws -----------------------------------------------------------------------------------

class PlanForm(forms.Form):
    title = forms.CharField(label=_("计划名称"), max_length=128)
    period = forms.CharField(label=_("抽查期间"), max_length=16, help_text=_("如 2026年第4季度"))
    items = forms.ModelMultipleChoiceField(label=_("抽查事项"), queryset=InspectionItem.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)
    ratio_percent = forms.IntegerField(label=_("抽查比例（%）"), min_value=1, max_value=100)
    min_ratio_percent = forms.IntegerField(label=_("最低抽查比例（%）"), min_value=1, max_value=100, initial=5)
    departments = forms.CharField(label=_("参加部门"), help_text=_("联合抽查时用顿号或逗号分隔，如 市民政局、市市场监管局"))
    inspectors_per_target = forms.IntegerField(label=_("每个对象检查人员数"), min_value=2, max_value=6, initial=2)


@capability_required("supervision.view")
def plans(request: HttpRequest) -> HttpResponse:
    qs = covering(DrawPlan.objects.all(), request.user).prefetch_related("items")
    return render(request, "supervision/plans.html", {"page": offset_page(request, qs)})


@capability_required("supervision.manage")
def plan_create(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None)
    form.fields["items"].queryset = covering(InspectionItem.objects.filter(active=True), request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        departments = [d for d in data["departments"].replace("，", "、").replace(",", "、").split("、")]
        try:
            plan = services.plan_create(by=request.user, title=data["title"], period=data["period"],
                                        items=list(data["items"]), ratio_percent=data["ratio_percent"],
                                        min_ratio_percent=data["min_ratio_percent"], departments=departments,
                                        inspectors_per_target=data["inspectors_per_target"])
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("已创建抽查计划，请在抽取前公布随机种子"))
            return redirect("supervision:plan", pk=plan.pk)
    return _form_page(request, form, title=gettext("新建抽查计划"), back=reverse("supervision:plans"),
                      status=400 if request.method == "POST" else 200)


@capability_required("supervision.view")
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(covering(DrawPlan.objects.all(), request.user), pk)
    record = DrawRecord.objects.filter(plan=plan).first()
    rows = []
    if record:
        names = dict(Target.objects.filter(reg_no__in=[r["target"] for r in record.document["result"]])
                     .values_list("reg_no", "name"))
        people = dict(Inspector.objects.values_list("code", "name"))
        items = dict(plan.items.values_list("code", "name"))
        rows = [{"item": items.get(r["item"], r["item"]), "reg_no": r["target"], "name": names.get(r["target"], ""),
                 "inspectors": [f"{people.get(c, '')}（{c}）" for c in r["inspectors"]]} for r in record.document["result"]]
    return render(request, "supervision/plan.html", {"plan": plan, "record": record, "rows": rows,
                                                     "items": plan.items.all()})


class SeedForm(forms.Form):
    seed = forms.CharField(label=_("随机种子"), max_length=128, min_length=6,
                           help_text=_("在公开场合产生并当场宣读，如当期福利彩票开奖号码或现场摇号数字"))
    source = forms.CharField(label=_("种子来源"), max_length=200)


@capability_required("supervision.manage")
def plan_seed(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(covering(DrawPlan.objects.all(), request.user), pk)
    return confirm_action(request, ConfirmAction(
        obj=plan, title=gettext("公布随机种子"), form=SeedForm(request.POST or None),
        summary=gettext("种子公布后不能更改；抽取将使用此种子，任何人都可以用公布的记录重新抽取核验。"),
        perform=lambda comment, data: services.announce_seed(by=request.user, plan=plan, seed=data["seed"],
                                                             source=data["source"]),
        success=gettext("已公布随机种子"), redirect_to=reverse("supervision:plan", args=[plan.pk]),
        facts=[(gettext("计划"), plan.title), (gettext("抽查期间"), plan.period)], button=gettext("公布种子")))


@capability_required("supervision.manage")
def plan_draw(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(covering(DrawPlan.objects.all(), request.user), pk)
    return confirm_action(request, ConfirmAction(
        obj=plan, title=gettext("抽取检查对象和检查人员"),
        summary=gettext("将以当前名录和已公布的种子运行抽取算法 %(v)s，生成检查任务并保存抽取记录。每个计划只能抽取一次。")
        % {"v": algorithm.ALGORITHM_VERSION},
        perform=lambda comment, data: gettext("抽取完成：%(n)s 项检查任务") % {
            "n": len(services.perform_draw(by=request.user, plan=plan).document["result"])},
        success=gettext("抽取完成"), redirect_to=reverse("supervision:plan", args=[plan.pk]),
        facts=[(gettext("计划"), plan.title), (gettext("随机种子"), plan.seed), (gettext("种子来源"), plan.seed_source),
               (gettext("抽查比例"), f"{plan.ratio_percent}%")], button=gettext("抽取")))


@capability_required("supervision.manage")
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _get(covering(DrawPlan.objects.all(), request.user), pk)
    return confirm_action(request, ConfirmAction(
        obj=plan, title=gettext("公布抽取记录"),
        summary=gettext("抽取记录（种子、两个名录及其哈希值、算法版本、结果）将在公众页面公布，名录不含个人信息。"),
        perform=lambda comment, data: services.publish_draw(by=request.user, plan=plan),
        success=gettext("已公布抽取记录"), redirect_to=reverse("supervision:plan", args=[plan.pk]),
        facts=[(gettext("计划"), plan.title)], button=gettext("公布")))


@capability_required("supervision.view")
def record_download(request: HttpRequest, pk: int) -> HttpResponse:
    record = _get(covering(DrawRecord.objects.all(), request.user), pk)
    return _record_response(record)


def _record_response(record: DrawRecord) -> HttpResponse:
    body = json.dumps(services.published_document(record), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="draw-record-{record.pk}.json"'
    return response


# ---- inspections ---------------------------------------------------------------------------------------

@capability_required("supervision.view")
def inspections(request: HttpRequest) -> HttpResponse:
    qs = restrict(Inspection.objects.all(), request.user).select_related("target", "item", "plan")
    status = request.GET.get("status", "")
    if status in InspectionStatus.values:
        qs = qs.filter(status=status)
    return render(request, "supervision/inspections.html", {
        "page": offset_page(request, qs.order_by("status", "-created_at", "pk")), "status": status,
        "statuses": InspectionStatus.choices})


class StartForm(forms.Form):
    started_on = forms.DateField(label=_("检查开始日期"), widget=DATE)


class FindingForm(forms.Form):
    description = forms.CharField(label=_("发现问题"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    photo = forms.FileField(label=_("现场照片（JPEG/PNG，8 MB 以内）"), required=False)


class RectifyForm(forms.Form):
    requirement = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    deadline = forms.DateField(label=_("整改期限"), widget=DATE)


class FinishForm(forms.Form):
    ended_on = forms.DateField(label=_("检查结束日期"), widget=DATE)
    conclusion = forms.ChoiceField(label=_("检查结果"), choices=[c for c in Conclusion.choices if c[0]])


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("复查情况"), max_length=1000)
    done = forms.BooleanField(label=_("已整改到位"), required=False)


@capability_required("supervision.view")
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_scoped_or_404(Inspection.objects.select_related("target", "item", "plan"), request.user, pk=pk)
    today = timezone.localdate()
    left = workdays.working_days_between(today, inspection.publish_due) if inspection.publish_due else None
    points = [(p, inspection.checklist.get(p, "")) for p in inspection.item.checklist]
    return render(request, "supervision/inspection.html", {
        "i": inspection, "points": points, "findings": inspection.findings.all(),
        "rectifications": inspection.rectifications.all(), "inspectors": inspection.inspectors.all(),
        "start_form": StartForm(initial={"started_on": today}), "finding_form": FindingForm(),
        "rectify_form": RectifyForm(), "finish_form": FinishForm(initial={"ended_on": today}),
        "follow_form": FollowUpForm(), "left": left, "can_inspect": request.user.can("supervision.inspect"),
    })


def _inspection_action(request: HttpRequest, pk: int, form_class: type[forms.Form], call: Any, ok: str) -> HttpResponse:
    inspection = get_scoped_or_404(Inspection.objects.all(), request.user, pk=pk)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            call(inspection, form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, ok)
    else:
        messages.error(request, "；".join(f"{form.fields[k].label if k in form.fields else ''}：{'、'.join(v)}"
                                         for k, v in form.errors.items()))
    return redirect("supervision:inspection", pk=inspection.pk)


@capability_required("supervision.inspect")
@require_POST
def inspection_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _inspection_action(request, pk, StartForm, lambda i, d: services.inspection_start(
        by=request.user, inspection=i, started_on=d["started_on"]), gettext("检查已开始"))


@capability_required("supervision.inspect")
@require_POST
def inspection_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_scoped_or_404(Inspection.objects.select_related("item"), request.user, pk=pk)
    answers = {p: request.POST.get(f"point-{n}", "") for n, p in enumerate(inspection.item.checklist)}
    try:
        services.checklist_save(by=request.user, inspection=inspection, answers=answers)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("已保存检查要点"))
    return redirect("supervision:inspection", pk=inspection.pk)


@capability_required("supervision.inspect")
@require_POST
def finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _inspection_action(request, pk, FindingForm, lambda i, d: services.finding_add(
        by=request.user, inspection=i, description=d["description"], photo=d.get("photo")), gettext("已登记发现的问题"))


@capability_required("supervision.inspect")
@require_POST
def rectification_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _inspection_action(request, pk, RectifyForm, lambda i, d: services.rectification_order(
        by=request.user, inspection=i, requirement=d["requirement"], deadline=d["deadline"]), gettext("已下达整改通知"))


@capability_required("supervision.inspect")
@require_POST
def inspection_finish(request: HttpRequest, pk: int) -> HttpResponse:
    return _inspection_action(request, pk, FinishForm, lambda i, d: services.inspection_finish(
        by=request.user, inspection=i, ended_on=d["ended_on"], conclusion=d["conclusion"]), gettext("检查已结束"))


@capability_required("supervision.inspect")
@require_POST
def rectification_follow(request: HttpRequest, pk: int) -> HttpResponse:
    r = get_scoped_or_404(Rectification.objects.all(), request.user, pk=pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.rectification_follow_up(by=request.user, rectification=r, note=form.cleaned_data["note"],
                                             done=form.cleaned_data["done"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, gettext("已记录复查情况"))
    else:
        messages.error(request, gettext("请填写复查情况"))
    return redirect("supervision:inspection", pk=r.inspection_id)


@capability_required("supervision.manage")
def inspection_publish(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_scoped_or_404(Inspection.objects.select_related("target", "item"), request.user, pk=pk)
    return confirm_action(request, ConfirmAction(
        obj=inspection, title=gettext("公示检查结果"),
        summary=gettext("检查结果将在公众页面公示，并记入该对象的信用记录。"),
        perform=lambda comment, data: services.publish_result(by=request.user, inspection=inspection),
        success=gettext("已公示检查结果"), redirect_to=reverse("supervision:inspection", args=[inspection.pk]),
        facts=[(gettext("检查对象"), inspection.target.name), (gettext("检查事项"), inspection.item.name),
               (gettext("检查结果"), inspection.get_conclusion_display()),
               (gettext("公示期限"), inspection.publish_due or "—")], button=gettext("公示")))


@capability_required("supervision.view")
def finding_photo(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_scoped_or_404(Finding.objects.all(), request.user, pk=pk)
    if not finding.photo:
        raise Http404
    try:
        handle = finding.photo.open("rb")
    except OSError as exc:
        raise Http404 from exc
    content_type = "image/png" if finding.photo.name.endswith(".png") else "image/jpeg"
    return FileResponse(handle, content_type=content_type)


@capability_required("supervision.view")
def annual(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    qs = services.annual_missing(user=request.user, year=year)
    total = restrict(Institution.objects.all(), request.user).count()
    return render(request, "supervision/annual.html", {"page": offset_page(request, qs), "year": year, "total": total})


# ---- calendar ------------------------------------------------------------------------------------------

class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["day", "is_working", "name"]
        widgets = {"day": DATE}


@capability_required("supervision.view")
def calendar(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    try:
        shown = int(request.GET.get("year", year))
    except ValueError:
        shown = year
    shown = min(max(shown, 2000), 2100)
    return render(request, "supervision/calendar.html", {
        "days": CalendarDay.objects.filter(day__year=shown), "years": CalendarYear.objects.all(), "shown": shown,
        "missing": workdays.missing_years(), "form": CalendarDayForm(), "prev": shown - 1, "next": shown + 1,
        "can_edit": request.user.can("supervision.calendar")})


@capability_required("supervision.calendar")
@require_POST
def calendar_add(request: HttpRequest) -> HttpResponse:
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["day"]
        CalendarDay.objects.update_or_create(day=day, defaults={"is_working": form.cleaned_data["is_working"],
                                                                "name": form.cleaned_data["name"], "source": "manual"})
        messages.success(request, gettext("已保存 %(day)s") % {"day": day.isoformat()})
        return redirect(f"{reverse('supervision:calendar')}?year={day.year}")
    messages.error(request, gettext("请填写正确的日期"))
    return redirect("supervision:calendar")


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    document_no = forms.CharField(label=_("依据文件"), max_length=64, help_text=_("如 国务院办公厅关于2027年部分节假日安排的通知"))


@capability_required("supervision.calendar")
def calendar_year_confirm(request: HttpRequest) -> HttpResponse:
    form = CalendarYearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        CalendarYear.objects.update_or_create(year=form.cleaned_data["year"], defaults={
            "source": "manual", "document_no": form.cleaned_data["document_no"]})
        messages.success(request, gettext("已确认该年度节假日安排已录入"))
        return redirect("supervision:calendar")
    return _form_page(request, form, title=gettext("确认年度节假日已录入"), back=reverse("supervision:calendar"))


# ---- fire safety ---------------------------------------------------------------------------------------

class FireCaseForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("养老机构"), queryset=Institution.objects.none())
    missing_paperwork = forms.CharField(label=_("缺少的手续"), max_length=128)
    handling = forms.CharField(label=_("处置措施"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    deadline = forms.DateField(label=_("办结期限"), widget=DATE, required=False)


@capability_required("supervision.view")
def fire(request: HttpRequest) -> HttpResponse:
    institutions = restrict(Institution.objects.all(), request.user)
    counts = dict(institutions.order_by().values_list("fire_safety").annotate(n=Count("pk")))
    from yanglao.institutions.choices import FireSafety

    cases = restrict(FireSafetyCase.objects.select_related("institution"), request.user)
    return render(request, "supervision/fire.html", {
        "counts": [(label, counts.get(value, 0), value) for value, label in FireSafety.choices],
        "not_passed": institutions.exclude(fire_safety=FireSafety.PASSED).order_by("division_code", "name"),
        "cases": cases})


@capability_required("supervision.manage")
def fire_case_create(request: HttpRequest) -> HttpResponse:
    form = FireCaseForm(request.POST or None)
    form.fields["institution"].queryset = restrict(Institution.objects.all(), request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        services.fire_case_create(by=request.user, institution=d["institution"], missing_paperwork=d["missing_paperwork"],
                                  handling=d["handling"], deadline=d["deadline"])
        messages.success(request, gettext("已登记处置"))
        return redirect("supervision:fire")
    return _form_page(request, form, title=gettext("登记消防手续处置"), back=reverse("supervision:fire"))


@capability_required("supervision.manage")
def fire_case_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_scoped_or_404(FireSafetyCase.objects.select_related("institution"), request.user, pk=pk)
    return confirm_action(request, ConfirmAction(
        obj=case, title=gettext("消防手续处置办结"), summary=gettext("确认该机构的消防手续已补办或已按规定处置完毕。"),
        perform=lambda comment, data: services.fire_case_resolve(by=request.user, case=case, on=timezone.localdate()),
        success=gettext("已办结"), redirect_to=reverse("supervision:fire"),
        facts=[(gettext("养老机构"), case.institution.name), (gettext("缺少的手续"), case.missing_paperwork)],
        comment_required=True, comment_label=gettext("办结情况")))


# ---- complaints ----------------------------------------------------------------------------------------

class ComplaintForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=ComplaintCategory.choices)
    received_on = forms.DateField(label=_("受理日期"), widget=DATE)
    channel = forms.CharField(label=_("来源渠道"), max_length=32, help_text=_("如 12345热线、来信、来访、网络"))
    summary = forms.CharField(label=_("投诉内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    target = forms.ModelChoiceField(label=_("被投诉对象（名录内）"), queryset=Target.objects.none(), required=False)
    subject_name = forms.CharField(label=_("被投诉单位或个人（名录外）"), max_length=128, required=False)
    division_code = DivisionField(label=_("发生地"))


class ReferForm(forms.Form):
    department = forms.CharField(label=_("移交部门"), max_length=64, help_text=_("如 市公安局、市市场监管局、市金融工作局"))
    on = forms.DateField(label=_("移交日期"), widget=DATE)


class CloseForm(forms.Form):
    outcome = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    substantiated = forms.TypedChoiceField(label=_("是否查实"), choices=[("1", _("查实")), ("0", _("未查实"))],
                                           coerce=lambda v: v == "1")
    on = forms.DateField(label=_("办结日期"), widget=DATE)


@capability_required("supervision.view")
def complaints(request: HttpRequest) -> HttpResponse:
    qs = restrict(Complaint.objects.select_related("target"), request.user)
    category = request.GET.get("category", "")
    if category in ComplaintCategory.values:
        qs = qs.filter(category=category)
    status = request.GET.get("status", "")
    if status in ComplaintStatus.values:
        qs = qs.filter(status=status)
    return render(request, "supervision/complaints.html", {
        "page": offset_page(request, qs), "category": category, "status": status,
        "categories": ComplaintCategory.choices, "statuses": ComplaintStatus.choices})


@capability_required("supervision.complaints")
def complaint_create(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(ComplaintForm(request.POST or None, initial={"received_on": timezone.localdate()}), request.user)
    form.fields["target"].queryset = restrict(Target.objects.all(), request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            c = services.complaint_create(by=request.user, category=d["category"], received_on=d["received_on"],
                                          channel=d["channel"], summary=d["summary"], target=d["target"],
                                          subject_name=d["subject_name"], division_code=d["division_code"])
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("已受理，编号 %(n)s") % {"n": c.number})
            return redirect("supervision:complaint", pk=c.pk)
    return _form_page(request, form, title=gettext("受理投诉举报"), back=reverse("supervision:complaints"),
                      status=400 if request.method == "POST" else 200)


@capability_required("supervision.view")
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    c = get_scoped_or_404(Complaint.objects.select_related("target"), request.user, pk=pk)
    today = timezone.localdate()
    return render(request, "supervision/complaint.html", {
        "c": c, "refer_form": ReferForm(initial={"on": today}), "close_form": CloseForm(initial={"on": today}),
        "can_handle": request.user.can("supervision.complaints")})


@capability_required("supervision.complaints")
@require_POST
def complaint_refer(request: HttpRequest, pk: int) -> HttpResponse:
    c = get_scoped_or_404(Complaint.objects.all(), request.user, pk=pk)
    form = ReferForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_refer(by=request.user, complaint=c, department=form.cleaned_data["department"],
                                     on=form.cleaned_data["on"])
            messages.success(request, gettext("已移交"))
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, gettext("请填写移交部门和日期"))
    return redirect("supervision:complaint", pk=c.pk)


@capability_required("supervision.complaints")
@require_POST
def complaint_close(request: HttpRequest, pk: int) -> HttpResponse:
    c = get_scoped_or_404(Complaint.objects.all(), request.user, pk=pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_close(by=request.user, complaint=c, outcome=form.cleaned_data["outcome"],
                                     substantiated=form.cleaned_data["substantiated"], on=form.cleaned_data["on"])
            messages.success(request, gettext("已办结"))
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, gettext("请填写处理结果"))
    return redirect("supervision:complaint", pk=c.pk)


# ---- credit --------------------------------------------------------------------------------------------

class CreditForm(forms.Form):
    target = forms.ModelChoiceField(label=_("对象"), queryset=Target.objects.none())
    kind = forms.ChoiceField(label=_("类别"), choices=[c for c in CreditKind.choices if c[0] != "inspection"])
    title = forms.CharField(label=_("事项"), max_length=200)
    document_no = forms.CharField(label=_("文书号"), max_length=64, required=False)
    authority = forms.CharField(label=_("认定机关"), max_length=64)
    decided_on = forms.DateField(label=_("决定日期"), widget=DATE)
    valid_until = forms.DateField(label=_("公示截止"), widget=DATE, required=False)
    public = forms.BooleanField(label=_("向社会公示"), required=False, initial=True)


@capability_required("supervision.view")
def credit(request: HttpRequest) -> HttpResponse:
    qs = restrict(Target.objects.all(), request.user).annotate(
        entries=Count("credit_entries"),
        penalties=Count("credit_entries", filter=Q(credit_entries__kind__in=["penalty", "joint_punishment"])))
    q = request.GET.get("q", "").strip()[:64]
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(reg_no__startswith=q.upper()))
    return render(request, "supervision/credit.html", {"page": offset_page(request, qs.order_by("reg_no")), "q": q})


@capability_required("supervision.manage")
def credit_add(request: HttpRequest) -> HttpResponse:
    form = CreditForm(request.POST or None, initial={"target": request.GET.get("target")})
    form.fields["target"].queryset = restrict(Target.objects.all(), request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        services.credit_add(by=request.user, target=d["target"], kind=d["kind"], title=d["title"],
                            authority=d["authority"], decided_on=d["decided_on"], document_no=d["document_no"],
                            valid_until=d["valid_until"], public=d["public"])
        messages.success(request, gettext("已登记信用记录"))
        return redirect("supervision:credit")
    return _form_page(request, form, title=gettext("登记信用记录"), back=reverse("supervision:credit"))


FEED_COLUMNS = ["统一社会信用代码/登记号", "主体名称", "类别", "事项", "文书号", "认定机关", "决定日期", "公示截止"]


def _feed_rows(qs: Any) -> list[list[Any]]:
    return [[e.target.reg_no, e.target.name, e.get_kind_display(), e.title, e.document_no, e.authority,
             e.decided_on.isoformat(), e.valid_until.isoformat() if e.valid_until else ""] for e in qs]


@capability_required("supervision.export")
@reads_from_replica
def credit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The feed for 信用阳江 and the national enterprise credit system: public entries, .xlsx or JSON."""
    if fmt not in ("xlsx", "json"):
        raise Http404
    qs = restrict(CreditEntry.objects.filter(public=True).select_related("target"), request.user).order_by("decided_on", "pk")
    rows = _feed_rows(qs)
    audit_export(CreditEntry, count=len(rows), fmt=fmt, filters={"public": True}, masked=True,
                 division_code=request.user.scope_prefix or "")
    if fmt == "json":
        data = {"generated_at": timezone.now().isoformat(), "source": "阳江市养老服务平台·综合监管",
                "columns": ["reg_no", "name", "kind", "title", "document_no", "authority", "decided_on", "valid_until"],
                "records": [dict(zip(["reg_no", "name", "kind", "title", "document_no", "authority", "decided_on",
                                      "valid_until"], r, strict=True)) for r in rows]}
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
        response["Content-Disposition"] = 'attachment; filename="credit-feed.json"'
        return response
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("信用记录")
    sheet_row(ws, FEED_COLUMNS)
    for r in rows:
        sheet_row(ws, r)
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="credit-feed.xlsx"'
    return response


# ---- public pages --------------------------------------------------------------------------------------

def public_index(request: HttpRequest) -> HttpResponse:
    records = DrawRecord.objects.filter(published_at__isnull=False).select_related("plan").order_by("-drawn_at")
    seeded = DrawPlan.objects.filter(status=PlanStatus.SEEDED).order_by("-seed_announced_at")
    results = (Inspection.objects.filter(published_at__isnull=False).select_related("target", "item")
               .order_by("-published_at")[:50])
    return render(request, "supervision/public_index.html", {"records": records, "seeded": seeded, "results": results})


def _published(pk: int) -> DrawRecord:
    try:
        return DrawRecord.objects.select_related("plan").get(pk=pk, published_at__isnull=False)
    except DrawRecord.DoesNotExist as exc:
        raise Http404 from exc


def public_draw(request: HttpRequest, pk: int) -> HttpResponse:
    record = _published(pk)
    doc = record.document
    names = dict(Target.objects.filter(reg_no__in=[r["target"] for r in doc["result"]]).values_list("reg_no", "name"))
    items = dict(InspectionItem.objects.values_list("code", "name"))
    verification = algorithm.verify(doc) if request.GET.get("verify") else None
    rows = [{"item": f"{r['item']} {items.get(r['item'], '')}", "reg_no": r["target"], "name": names.get(r["target"], ""),
             "inspectors": r["inspectors"]} for r in doc["result"]]
    return render(request, "supervision/public_draw.html", {"record": record, "doc": doc, "rows": rows,
                                                            "verification": verification})


def public_draw_json(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_response(_published(pk))


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("抽取记录文件（.json）"), required=False)
    text = forms.CharField(label=_("或粘贴记录内容"), widget=forms.Textarea(attrs={"rows": 6}), required=False,
                           max_length=5_000_000)


def _verify_allowed(request: HttpRequest) -> bool:
    """At most 20 verifications per address in 10 minutes: each one re-runs a draw."""
    from yanglao.core import ratelimit
    from yanglao.core.clientip import client_ip

    return ratelimit.hit("supervision-verify", client_ip(request) or "-", limit=20, window_seconds=600).allowed


def public_verify(request: HttpRequest) -> HttpResponse:
    """Anyone re-runs a draw from a record file (as published, or as they received it)."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    verification, error = None, ""
    if request.method == "POST" and not _verify_allowed(request):
        error = gettext("核验过于频繁，请10分钟后再试。")
        return render(request, "supervision/public_verify.html", {"form": form, "error": error}, status=429)
    if request.method == "POST" and form.is_valid():
        raw: bytes | str = form.cleaned_data["text"]
        upload = form.cleaned_data["file"]
        if upload is not None:
            raw = upload.read(5_000_001) if upload.size <= 5_000_000 else b""
            if not raw:
                error = gettext("文件为空或超过 5 MB")
        if not error:
            try:
                record = json.loads(raw)
                if not isinstance(record, dict):
                    raise ValueError
            except (ValueError, UnicodeDecodeError):
                error = gettext("无法读取记录：不是有效的 JSON 文件")
            else:
                verification = algorithm.verify(record)
    return render(request, "supervision/public_verify.html", {"form": form, "verification": verification,
                                                              "error": error}, status=400 if error else 200)


def public_credit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        target = Target.objects.select_related("institution").get(pk=pk, active=True)
    except Target.DoesNotExist as exc:
        raise Http404 from exc
    today = timezone.localdate()
    entries = target.credit_entries.filter(public=True).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    return render(request, "supervision/public_credit.html", {"t": target, "entries": entries,
                                                              "inst": target.institution})


def public_credit_search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:64]
    found = Target.objects.filter(active=True).filter(Q(name__contains=q) | Q(reg_no=q.upper()))[:20] if len(q) >= 2 else []
    return render(request, "supervision/public_credit_search.html", {"q": q, "found": found})
