"""Console pages: programmes, their rules and amounts, monthly runs (preview → approval → payment
file → reconciliation), reports, enrolments and suspensions. Views decide nothing: services do."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from yanglao.core.audit import audit_export, audit_sensitive_list
from yanglao.core.cells import sheet_row
from yanglao.core.dbrouting import reads_from_replica
from yanglao.core.errors import DomainError
from yanglao.core.formsizes import sized_from
from yanglao.core.http import XLSX_CONTENT_TYPE
from yanglao.core.pagination import offset_page
from yanglao.core.params import id_param
from yanglao.core.pickers import DivisionField, bind_pickers
from yanglao.core.scope import get_scoped_or_404
from yanglao.core.uploads import read_uploaded
from yanglao.core.views import ConfirmAction, capability_required, confirm_action
from yanglao.people.models import Person
from yanglao.people.pickers import PersonField

from . import payfiles, selectors, services
from .choices import BandBasis, EnrolmentMode, ProgrammeKind, ReferenceDay, SuspensionReason
from .models import Enrolment, Entitlement, PaymentRun, Programme, RunChange, RunSummary, Suspension
from .months import add_months, parse_month

XLSX = XLSX_CONTENT_TYPE
CATEGORY_CHOICES = [("tekun", "特困供养"), ("dibao", "低保"), ("dibao_edge", "低保边缘"),
                    ("economic_hardship", "经济困难"), ("family_planning_special", "计划生育特殊家庭"),
                    ("severe_disability", "重度残疾"), ("veteran", "退役军人及其他优抚对象")]


class ProgrammeForm(forms.Form):
    code = forms.SlugField(label=_("项目代码"), max_length=40, help_text=_("英文字母、数字和连字符"),
                           widget=forms.TextInput(attrs={"placeholder": "gaoling"}))  # the example is a code
    name = forms.CharField(label=_("项目名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=ProgrammeKind.choices)
    legal_basis = forms.CharField(label=_("政策依据（文号）"), max_length=120)
    issuing_unit = forms.CharField(label=_("发文单位"), max_length=100, required=False)
    band_basis = forms.ChoiceField(label=_("标准依据"), choices=BandBasis.choices)
    reference_day = forms.ChoiceField(label=_("年龄计算基准日"), choices=ReferenceDay.choices)
    enrolment_mode = forms.ChoiceField(label=_("享受方式"), choices=EnrolmentMode.choices)
    payment_summary = forms.CharField(label=_("代发摘要"), max_length=40, required=False)


@sized_from("benefits.EligibilityRule")
class RuleForm(forms.Form):
    valid_from = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("失效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    min_age = forms.IntegerField(label=_("最低年龄"), required=False, min_value=0, max_value=150)
    max_age = forms.IntegerField(label=_("最高年龄"), required=False, min_value=0, max_value=150)
    required_categories = forms.MultipleChoiceField(label=_("须具备的人员类别（任一）"), required=False,
                                                    choices=CATEGORY_CHOICES, widget=forms.CheckboxSelectMultiple)
    excluded_categories = forms.MultipleChoiceField(label=_("排除的人员类别"), required=False, choices=CATEGORY_CHOICES,
                                                    widget=forms.CheckboxSelectMultiple)
    excluded_categories_in_institution = forms.MultipleChoiceField(
        label=_("入住养老机构时排除的类别（如集中供养特困人员）"), required=False, choices=CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple)
    min_care_level = forms.IntegerField(label=_("最低能力等级"), required=False, min_value=0, max_value=4)
    max_care_level = forms.IntegerField(label=_("最高能力等级"), required=False, min_value=0, max_value=4)
    residence_prefix = DivisionField(label=_("居住地区划"), initial="4417")
    document_no = forms.CharField(label=_("文件编号"), required=False)


class BandForm(forms.Form):
    label = forms.CharField(label=_("档次名称"), max_length=40)
    key_min = forms.IntegerField(label=_("下限（岁/级）"), required=False, min_value=0)
    key_max = forms.IntegerField(label=_("上限（岁/级，空为不限）"), required=False, min_value=0)
    amount = forms.DecimalField(label=_("每月金额（元）"), max_digits=12, decimal_places=2)
    valid_from = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("失效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    document_no = forms.CharField(label=_("文件编号"), max_length=120)


class MonthForm(forms.Form):
    month = forms.CharField(label=_("发放月份"), max_length=10, widget=forms.TextInput(attrs={"type": "month"}))

    def clean_month(self) -> Any:
        try:
            return parse_month(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class UploadForm(forms.Form):
    file = forms.FileField(label=_("发放结果文件（.xlsx / .csv）"))


@sized_from("benefits.Enrolment")
class EnrolmentForm(forms.Form):
    person = PersonField(label=_("老年人"))
    programme = forms.ModelChoiceField(label=_("项目"), queryset=Programme.objects.all())
    from_month = forms.CharField(label=_("享受起始月"), widget=forms.TextInput(attrs={"type": "month"}))
    note = forms.CharField(label=_("申请说明"), required=False)


@sized_from("benefits.Suspension")
class SuspensionForm(forms.Form):
    person = PersonField(label=_("老年人"))
    programme = forms.ModelChoiceField(label=_("项目"), queryset=Programme.objects.all())
    reason = forms.ChoiceField(label=_("停发原因"), choices=SuspensionReason.choices)
    from_month = forms.CharField(label=_("停发起始月"), widget=forms.TextInput(attrs={"type": "month"}))
    note = forms.CharField(label=_("说明"), required=False)


def _form_errors(form: forms.Form, exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for key, reason in details.items():
        if key in form.fields and isinstance(reason, str):
            form.add_error(key, reason)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


@capability_required("benefits.view")
def home(request: HttpRequest) -> HttpResponse:
    programmes = selectors.programmes_for(request.user)
    runs = offset_page(request, selectors.runs_for(request.user))
    return render(request, "benefits/home.html", {"programmes": programmes, "runs": runs,
                                                  "can_configure": request.user.can("benefits.configure")})


@capability_required("benefits.configure")
def programme_create(request: HttpRequest) -> HttpResponse:
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            p = services.programme_create(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已建立项目：%(name)s。请设置享受条件和补贴标准。") % {"name": p.name})
            return redirect("benefits:programme", pk=p.pk)
    return render(request, "benefits/programme_form.html", {"form": form})


@capability_required("benefits.view")
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(selectors.programmes_for(request.user), pk=pk)
    today = timezone.localdate()
    rule_form = bind_pickers(RuleForm(prefix="rule", initial={"valid_from": today.replace(day=1)}), request.user)
    band_form = BandForm(prefix="band", initial={"valid_from": today.replace(day=1), "document_no": programme.legal_basis})
    month_form = MonthForm(initial={"month": f"{today:%Y-%m}"})
    if request.method == "POST":
        if not request.user.can("benefits.configure"):
            return HttpResponse(status=403)
        which = request.POST.get("form")
        try:
            if which == "rule":
                rule_form = bind_pickers(RuleForm(request.POST, prefix="rule"), request.user)
                if rule_form.is_valid():
                    services.rule_add(by=request.user, programme=programme, **rule_form.cleaned_data)
                    messages.success(request, _("已添加享受条件"))
                    return redirect("benefits:programme", pk=pk)
            elif which == "band":
                band_form = BandForm(request.POST, prefix="band")
                if band_form.is_valid():
                    services.band_add(by=request.user, programme=programme, **band_form.cleaned_data)
                    messages.success(request, _("已添加补贴标准"))
                    return redirect("benefits:programme", pk=pk)
        except DomainError as exc:
            _form_errors(rule_form if which == "rule" else band_form, exc)
    return render(request, "benefits/programme_detail.html", {
        "programme": programme, "rules": programme.rules.all(), "bands": programme.bands.all(),
        "runs": selectors.runs_for(request.user, programme)[:24], "rule_form": rule_form, "band_form": band_form,
        "month_form": month_form, "today": today, "user_can_prepare": request.user.can("benefits.prepare"),
        "user_can_configure": request.user.can("benefits.configure"),
    })


@capability_required("benefits.prepare")
@require_POST
def run_preview(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("benefits:programme", pk=pk)
    try:
        run = services.run_preview(by=request.user, programme=programme, month=form.cleaned_data["month"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("benefits:programme", pk=pk)
    return redirect("benefits:run", pk=run.pk)


def _run(request: HttpRequest, pk: int) -> PaymentRun:
    return get_object_or_404(selectors.runs_for(request.user), pk=pk)


@capability_required("benefits.view")
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    total, counties = selectors.run_breakdown(request.user, run)
    lines = selectors.lines_for(request.user).filter(run=run)
    show = request.GET.get("show", "new")
    if show == "stopped":
        listed: Any = offset_page(request, selectors.stopped_for(request.user, run).order_by("division_code",
                                                                                            "person_id"))
    else:
        reason = {"new": ["new"], "changed": ["changed"], "other": ["back_pay", "carried_failed", "adjustment"],
                  "all": None}.get(show, ["new"])
        qs = lines if reason is None else lines.filter(reason__in=reason)
        listed = offset_page(request, qs.order_by("division_code", "person_id", "month"))
    audit_sensitive_list(RunChange if show == "stopped" else Entitlement, ids=[row.pk for row in listed],
                         fields=["person", "amount"], division_code=request.user.scope_prefix or "")
    u = request.user
    return render(request, "benefits/run_detail.html", {
        "run": run, "total": total, "whole_run": run.division_code.startswith(request.user.scope_prefix or "-"), "counties": counties, "listed": listed, "show": show,
        "upload_form": UploadForm(), "errors": request.session.pop(f"benefits-recon-{run.pk}", None),
        "can_approve": u.can("benefits.approve") and run.status == "preview" and run.prepared_by_id != u.pk,
        "own_run": run.prepared_by_id == u.pk, "can_pay": u.can("benefits.pay") and run.is_locked,
        "can_reconcile": u.can("benefits.reconcile") and run.status in ("approved", "paid", "reconciled"),
        "can_prepare": u.can("benefits.prepare") and not run.is_locked and run.status != "cancelled",
        "reconciliations": run.reconciliations.select_related("uploaded_by"),
        "printable_states": ("preview", "approved", "paid", "reconciled"),
        **_held_context(request, run),
    })


def _held_context(request: HttpRequest, run: PaymentRun) -> dict[str, Any]:
    """Held-back lines (no account, invalid account, dead/moved/suspended since the preview) for a run
    not yet sent to the bank, and the bank-format download for those who may issue payments."""
    from .views_audit import BankFileForm

    if run.status not in ("preview", "approved"):
        return {"held": [], "bank_form": None}
    held = payfiles.held_lines(run, scope_prefix=request.user.scope_prefix or "")
    u = request.user
    return {"held": held, "held_total": sum((h.amount for h in held), 0),
            "bank_form": BankFileForm() if run.is_locked and u.can("benefits.export_full") else None}


def _run_facts(run: PaymentRun) -> list[tuple[str, Any]]:
    """What a person signing a run sees: programme, month, total in yuan, line and people counts."""
    return [(_("项目"), run.programme.name), (_("发放月份"), f"{run.month:%Y年%m月}"),
            (_("发放总额"), f"{run.total_amount:,.2f} 元"), (_("发放笔数"), run.line_count),
            (_("发放人数"), run.people_count), (_("经办人"), run.prepared_by.display_name)]


@capability_required("benefits.approve")
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    return confirm_action(request, ConfirmAction(
        obj=run, title=str(_("审核通过发放批次")), facts=_run_facts(run),
        summary=str(_("审核通过后批次锁定，按本批次金额生成代发文件，不能再重新计算。")),
        perform=lambda comment, data: services.run_approve(by=request.user, run=run),
        success=str(_("已审核通过：%(run)s。批次已锁定，可生成代发文件。") % {"run": run}),
        redirect_to=reverse("benefits:run", args=[pk]), button=str(_("审核通过")),
    ))


@capability_required("benefits.prepare")
@require_POST
def run_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    try:
        services.run_preview(by=request.user, programme=run.programme, month=run.month)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("benefits:run", pk=pk)


@capability_required("benefits.prepare")
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    return confirm_action(request, ConfirmAction(
        obj=run, title=str(_("作废发放批次")), facts=_run_facts(run), danger=True,
        summary=str(_("作废后本批次不再发放，可重新生成本月批次。")),
        perform=lambda comment, data: services.run_cancel(by=request.user, run=run),
        success=str(_("批次已作废")), redirect_to=reverse("benefits:programme", args=[run.programme_id]),
        cancel_to=reverse("benefits:run", args=[pk]), comment_required=True, comment_label=str(_("作废原因")),
        button=str(_("作废")),
    ))


@capability_required("benefits.pay")
def run_file(request: HttpRequest, pk: int, fmt: str) -> Any:
    run = _run(request, pk)
    try:
        if fmt == "csv":
            content, name = payfiles.payment_csv(by=request.user, run=run)
            response = HttpResponse(content, content_type="text/csv; charset=gbk")
            response["Content-Disposition"] = f"attachment; filename={name}"
            return response
        fh, name = payfiles.payment_xlsx(by=request.user, run=run, full_id=request.GET.get("full_id") == "1")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("benefits:run", pk=pk)
    return FileResponse(fh, as_attachment=True, filename=name, content_type=XLSX)


@capability_required("benefits.pay")
@require_POST
def run_mark_paid(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    try:
        payfiles.run_mark_paid(by=request.user, run=run, confirmed=request.POST.get("confirm") == "1")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已登记为已发放：%(run)s") % {"run": run})
    return redirect("benefits:run", pk=pk)


@capability_required("benefits.reconcile")
def result_template(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    response = HttpResponse(payfiles.result_template(run), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=result-{run.pk}.xlsx"
    return response


@capability_required("benefits.reconcile")
@require_POST
def run_reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择发放结果文件"))
        return redirect("benefits:run", pk=pk)
    upload = form.cleaned_data["file"]
    try:
        rec = payfiles.reconcile_import(by=request.user, run=run, filename=upload.name,
                                        content=read_uploaded(upload, kind="reconciliation"))
    except DomainError as exc:
        messages.error(request, exc.message)
        if isinstance(exc.details, dict) and exc.details.get("errors"):
            request.session[f"benefits-recon-{run.pk}"] = exc.details["errors"][:200]
    else:
        messages.success(request, _("对账完成：共 %(n)s 条，成功 %(p)s 条，失败 %(f)s 条（失败的将在下月批次中重发）")
                         % {"n": rec.rows, "p": rec.paid, "f": rec.failed})
    return redirect("benefits:run", pk=pk)


@capability_required("benefits.view")
@reads_from_replica
def report(request: HttpRequest) -> Any:
    programmes = selectors.programmes_for(request.user)
    programme = programmes.filter(pk=id_param(request.GET, "programme") or 0).first() or programmes.first()
    by = "township" if request.GET.get("by") == "township" else "county"
    data = selectors.month_over_month(request.user, programme, by=by) if programme else None
    if data and request.GET.get("format") == "xlsx":
        if not request.user.can("benefits.export"):
            return HttpResponse(status=403)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("逐月统计")
        sheet_row(ws, [f"{programme.name} 逐月发放统计（{'乡镇' if by == 'township' else '县（市、区）'}）"])
        head = ["区划代码", "名称"]
        for r in data["runs"]:
            head += [f"{r.month:%Y-%m} 人数", f"{r.month:%Y-%m} 金额（元）"]
        ws.append(head)
        for row in data["rows"]:
            sheet_row(ws, [row["code"], row["name"]] + [v for c in row["cells"] for v in (c["people"], float(c["amount"]))])
        ws.append(["", "合计"] + [v for c in data["totals"] for v in (c["people"], float(c["amount"]))])
        out = io.BytesIO()
        wb.save(out)
        audit_export(RunSummary, count=len(data["rows"]), fmt="xlsx", filters={"programme": programme.code, "by": by},
                     masked=True, division_code=request.user.scope_prefix or "")
        response = HttpResponse(out.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename=benefits-{programme.code}-{by}.xlsx"
        return response
    chart = None
    if data:
        chart = {"months": [f"{r.month:%Y-%m}" for r in data["runs"]],
                 "people": [c["people"] for c in data["totals"]],
                 "amount": [float(c["amount"]) for c in data["totals"]]}
    from .reports import report_figures

    return render(request, "benefits/report.html", {"programmes": programmes, "programme": programme, "data": data,
                                                    "by": by, "chart": chart, "figures": report_figures(request.user)})


@capability_required("benefits.view")
def enrolments(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(EnrolmentForm(request.POST or None, initial={"from_month": f"{timezone.localdate():%Y-%m}"}),
                        request.user)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]  # a Person in scope (PersonField), never a typed record number
        if person is None:
            form.add_error("person", _("档案不存在或不在您的管辖范围内"))
        else:
            try:
                month = parse_month(form.cleaned_data["from_month"])
                services.enrolment_apply(by=request.user, person=person, programme=form.cleaned_data["programme"],
                                         from_month=month, note=form.cleaned_data["note"])
            except ValueError as exc:
                form.add_error("from_month", str(exc))
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已提交申请，须由另一名工作人员审核"))
                return redirect("benefits:enrolments")
    from .bulk import EnrolmentFilterForm, enrolment_search

    rows = offset_page(request, enrolment_search(request.user, request.GET))
    return render(request, "benefits/enrolments.html", {"form": form, "rows": rows,
                                                        "filter_form": EnrolmentFilterForm(request.GET or None)})


@capability_required("benefits.enrol")
def enrolment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The second signature on an enrolment: a confirmation page (``?approve=1`` or ``0``) with the person,
    programme, first month and the applicant; not approving needs a reason."""
    enrolment = get_scoped_or_404(Enrolment.objects.select_related("person", "programme", "applied_by"),
                                  request.user, pk=pk)
    approve = (request.POST.get("approve") or request.GET.get("approve")) == "1"
    person = enrolment.person
    return confirm_action(request, ConfirmAction(
        obj=enrolment, title=str(_("审核通过享受申请") if approve else _("不予通过享受申请")), danger=not approve,
        facts=[(_("老年人"), f"{person.name}（{person.age}岁）"), (_("项目"), enrolment.programme.name),
               (_("享受起始月"), f"{enrolment.from_month:%Y年%m月}"), (_("申请说明"), enrolment.note or "—"),
               (_("申请人"), enrolment.applied_by.display_name if enrolment.applied_by_id else "—")],
        summary=str(_("通过后从起始月起纳入每月发放。") if approve else _("不予通过后该申请结束，可重新申请。")),
        perform=lambda comment, data: services.enrolment_decide(by=request.user, enrolment=enrolment, approve=approve),
        success=str(_("已通过") if approve else _("已不予通过")), redirect_to=reverse("benefits:enrolments"),
        comment_required=not approve, comment_label=str(_("说明") if approve else _("不予通过的原因")),
        button=str(_("通过") if approve else _("不予通过"))))


@capability_required("benefits.view")
def suspensions(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(SuspensionForm(request.POST or None, initial={
        "from_month": f"{add_months(timezone.localdate().replace(day=1), 1):%Y-%m}"}), request.user)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]  # a Person in scope (PersonField), never a typed record number
        if person is None:
            form.add_error("person", _("档案不存在或不在您的管辖范围内"))
        else:
            try:
                services.suspension_create(by=request.user, person=person, programme=form.cleaned_data["programme"],
                                           reason=form.cleaned_data["reason"],
                                           from_month=parse_month(form.cleaned_data["from_month"]),
                                           note=form.cleaned_data["note"])
            except ValueError as exc:
                form.add_error("from_month", str(exc))
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已登记停发，以后各月的发放均不再包含该人员，直至恢复"))
                return redirect("benefits:suspensions")
    from .bulk import SuspensionFilterForm, suspension_search

    rows = offset_page(request, suspension_search(request.user, request.GET))
    return render(request, "benefits/suspensions.html", {"form": form, "rows": rows,
                                                         "filter_form": SuspensionFilterForm(request.GET or None)})


@capability_required("benefits.suspend")
@require_POST
def suspension_resume(request: HttpRequest, pk: int) -> HttpResponse:
    suspension = get_scoped_or_404(Suspension.objects.all(), request.user, pk=pk)
    try:
        services.suspension_resume(by=request.user, suspension=suspension,
                                   from_month=parse_month(request.POST.get("from_month", "")))
    except ValueError as exc:
        messages.error(request, str(exc))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已恢复发放"))
    return redirect("benefits:suspensions")


@capability_required("benefits.view")
def person_payments(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's every payment (the same as the card on the person's record), as a page."""
    person = get_scoped_or_404(Person.objects.all(), request.user, pk=pk)
    return render(request, "benefits/person_payments.html", {"person": person})

