"""Console pages of the exchanges module: the exchanges and their runs, the national system's batches
and returned lists, long-term care insurance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yanglao.core.audit import audit_export, audit_sensitive_list, audit_sensitive_view
from yanglao.core.errors import DomainError
from yanglao.core.pagination import offset_page
from yanglao.core.pickers import bind_pickers
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.uploads import read_uploaded
from yanglao.core.views import ConfirmAction, capability_required, confirm_action
from yanglao.people.models import Person
from yanglao.people.pickers import PersonField

from . import layouts, selectors, services
from .models import (
    CareSetting,
    Direction,
    Exchange,
    ExchangeRun,
    Frequency,
    InsuredStatus,
    LtcBenefit,
    LtcLevel,
    LtcOffset,
    LtcProvider,
    LtcSettlement,
    LtcSettlementRow,
    NationalBatch,
    NationalFile,
    NationalReturn,
    NationalReturnRow,
    ReturnOutcome,
    SettlementOutcome,
)

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
MONTH = {"widget": forms.DateInput(attrs={"type": "month"}, format="%Y-%m"), "input_formats": ["%Y-%m", "%Y-%m-%d"]}


def _form_errors(form: forms.Form, exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for key, reason in details.items():
        if key in form.fields and isinstance(reason, str):
            form.add_error(key, exc.message if len(details) == 1 else reason)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _form_page(request: HttpRequest, form: forms.Form, title: Any, back: str, multipart: bool = False) -> HttpResponse:
    return render(request, "exchanges/form.html", {"form": form, "title": title, "back": back, "multipart": multipart})


# --------------------------------------------------------------------------- exchanges and runs


@capability_required("exchanges.view")
def home(request: HttpRequest) -> HttpResponse:
    rows = selectors.exchanges_with_last_run(request.user)
    runs = offset_page(request, selectors.runs_for(request.user))
    return render(request, "exchanges/home.html", {"rows": rows, "runs": runs})


class ExchangeForm(forms.ModelForm):
    class Meta:
        model = Exchange
        fields = ["name", "partner", "direction", "carries", "frequency", "layout", "layout_version", "basis",
                  "contact", "active"]
        widgets = {"carries": forms.Textarea(attrs={"rows": 2})}


class ExchangeNewForm(ExchangeForm):
    code = forms.CharField(label=_("交换代码"), max_length=40, help_text=_("小写字母、数字或连字符，如 civil-affairs-hukou"))

    class Meta(ExchangeForm.Meta):
        fields = ["code", *ExchangeForm.Meta.fields]


@capability_required("exchanges.view")
def exchange_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ex = get_object_or_404(Exchange, pk=pk)
    runs = offset_page(request, selectors.runs_for(request.user, ex))
    return render(request, "exchanges/exchange.html", {"ex": ex, "runs": runs})


@capability_required("exchanges.manage")
def exchange_new(request: HttpRequest) -> HttpResponse:
    form = ExchangeNewForm(request.POST or None, initial={"direction": Direction.IN, "frequency": Frequency.MONTHLY})
    if request.method == "POST" and form.is_valid():
        try:
            ex = services.exchange_create(by=request.user, data=form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, gettext("已新增数据交换"))
            return redirect("exchanges:exchange", pk=ex.pk)
    return _form_page(request, form, _("新增数据交换"), reverse("exchanges:home"))


@capability_required("exchanges.manage")
def exchange_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ex = get_object_or_404(Exchange, pk=pk)
    form = ExchangeForm(request.POST or None, instance=Exchange.objects.get(pk=pk))
    if ex.built_in:
        form.fields["direction"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.exchange_update(by=request.user, exchange=ex, data=form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, gettext("已保存"))
            return redirect("exchanges:exchange", pk=ex.pk)
    return _form_page(request, form, gettext("配置") + f" · {ex.name}", reverse("exchanges:exchange", args=[ex.pk]))


@capability_required("exchanges.view")
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_scoped_or_404(ExchangeRun.objects.select_related("exchange", "by"), request.user, pk=pk)
    return render(request, "exchanges/run.html", {"run": run})


# --------------------------------------------------------------------------- national system


class PeriodForm(forms.Form):
    period = forms.CharField(label=_("报送期"), max_length=8, help_text=_("如 2026Q4"))


class ReturnForm(forms.Form):
    list_name = forms.CharField(label=_("名单名称"), max_length=100, initial="全国系统已登记老年人名单")
    file = forms.FileField(label=_("名单文件（.xlsx / .csv）"))


def _quarter(day: dt.date) -> str:
    return f"{day.year}Q{(day.month + 2) // 3}"


@capability_required("exchanges.national")
def national(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.POST or None, initial={"period": _quarter(timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.national_batch_create(by=request.user, period=form.cleaned_data["period"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, gettext("已生成报送文件：合格 %(ok)s 行，未通过校验 %(bad)s 行（未写入文件）")
                             % {"ok": batch.rows_ok, "bad": batch.rows_failed})
            return redirect("exchanges:national_batch", pk=batch.pk)
    return render(request, "exchanges/national.html", {
        "form": form, "return_form": ReturnForm(),
        "batches": offset_page(request, restrict(NationalBatch.objects.select_related("created_by", "sent_by"),
                                                 request.user)),
        "returns": restrict(NationalReturn.objects.select_related("uploaded_by"), request.user)[:20],
        "layouts": layouts.LAYOUTS})


@capability_required("exchanges.view")
def national_layouts(request: HttpRequest) -> HttpResponse:
    return render(request, "exchanges/layouts.html", {"layouts": layouts.LAYOUTS, "version": layouts.LAYOUT_SET_VERSION})


@capability_required("exchanges.national")
def national_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_scoped_or_404(NationalBatch.objects.select_related("created_by", "sent_by"), request.user, pk=pk)
    files = list(batch.files.defer("content"))
    return render(request, "exchanges/national_batch.html", {"batch": batch, "files": files})


@capability_required("exchanges.national")
def national_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    batch = get_scoped_or_404(NationalBatch.objects.all(), request.user, pk=pk)
    f = get_object_or_404(NationalFile, batch=batch, pk=file_id)
    audit_export(NationalFile, count=f.rows_ok, fmt="xlsx", masked=False, division_code=batch.division_code,
                 filters={"batch": batch.pk, "layout": f.layout, "version": f.layout_version, "sha256": f.sha256},
                 reason="全国养老服务信息系统报送")
    response = HttpResponse(bytes(f.content),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f.filename)}"
    return response


@capability_required("exchanges.national")
def national_sent(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_scoped_or_404(NationalBatch.objects.all(), request.user, pk=pk)
    back = reverse("exchanges:national_batch", args=[pk])
    return confirm_action(request, ConfirmAction(
        obj=batch, title=gettext("登记已报送全国系统"), facts=[(gettext("批次"), str(batch)), (gettext("合格行"), batch.rows_ok),
                                                          (gettext("未通过校验（未写入）"), batch.rows_failed)],
        summary=gettext("登记后本批次的文件（摘要、行数）即为报送记录，不能再修改；未通过校验的行请在业务模块更正后于下一批次报送。"),
        perform=lambda comment, data: services.national_batch_mark_sent(by=request.user, batch=batch, note=comment),
        success=gettext("已登记报送"), redirect_to=back, cancel_to=back, button=gettext("登记已报送"),
        comment_label=gettext("报送说明（如：已通过全国系统批量导入）")))


@capability_required("exchanges.national")
def national_return_upload(request: HttpRequest) -> HttpResponse:
    form = ReturnForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.national_return_import(by=request.user, filename=upload.name,
                                                    content=read_uploaded(upload, kind="matching"),
                                                    list_name=form.cleaned_data["list_name"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, gettext("共 %(n)s 条：本市档案中有此人 %(m)s 条，无此人 %(nf)s 条，有误 %(b)s 条。确认前不作任何更改。")
                             % {"n": batch.rows, "m": batch.matched, "nf": batch.not_found, "b": batch.bad})
            return redirect("exchanges:national_return", pk=batch.pk)
    return _form_page(request, form, _("导入全国系统回传名单"), reverse("exchanges:national"), multipart=True)


@capability_required("exchanges.national")
def national_return(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_scoped_or_404(NationalReturn.objects.select_related("uploaded_by", "confirmed_by"), request.user, pk=pk)
    show = request.GET.get("show", "matched")
    show = show if show in ReturnOutcome.values else "matched"
    rows = offset_page(request, NationalReturnRow.objects.filter(batch=batch, outcome=show).order_by("row_no"))
    audit_sensitive_list(NationalReturnRow, ids=[r.pk for r in rows], fields=["name", "id_masked"])
    return render(request, "exchanges/national_return.html", {"batch": batch, "rows": rows, "show": show,
                                                              "outcomes": ReturnOutcome.choices})


@capability_required("exchanges.national")
def national_return_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_scoped_or_404(NationalReturn.objects.all(), request.user, pk=pk)
    back = reverse("exchanges:national_return", args=[pk])
    return confirm_action(request, ConfirmAction(
        obj=batch, title=gettext("确认全国系统回传名单"), facts=[(gettext("名单"), str(batch)), (gettext("本市档案中有此人"), batch.matched)],
        summary=gettext("确认后，名单中本市档案有此人的老年人登记为“已在全国系统建档”（以本名单为依据）。"),
        perform=lambda comment, data: gettext("已登记 %(n)s 人") % {
            "n": services.national_return_confirm(by=request.user, batch=batch)},
        success=gettext("已确认"), redirect_to=back, cancel_to=back, button=gettext("确认")))


# --------------------------------------------------------------------------- long-term care insurance


class SettlementForm(forms.Form):
    month = forms.DateField(label=_("结算月份"), **MONTH)
    file = forms.FileField(label=_("结算清单（.xlsx / .csv）"))


class PersonPickForm(forms.Form):
    person = PersonField(label=_("老年人"))


def _month_param(request: HttpRequest) -> dt.date:
    text = request.GET.get("month") or ""
    try:
        return dt.datetime.strptime(text[:7], "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


@capability_required("exchanges.ltc")
def ltc(request: HttpRequest) -> HttpResponse:
    month = _month_param(request)
    offsets = selectors.ltc_offsets(request.user, month)
    benefits = offset_page(request, restrict(LtcBenefit.objects.select_related("person", "provider"), request.user)
                           .filter(status=InsuredStatus.ACTIVE).order_by("person__division_code", "person_id"))
    audit_sensitive_list(LtcBenefit, ids=[b.pk for b in benefits], fields=["level", "setting"],
                         division_code=request.user.scope_prefix or "")
    return render(request, "exchanges/ltc.html", {
        "month": month, "offsets": offsets, "benefits": benefits,
        "settlements": restrict(LtcSettlement.objects.select_related("uploaded_by"), request.user)[:24],
        "providers": restrict(LtcProvider.objects.all(), request.user),
        "rules": LtcOffset.objects.select_related("programme"),
        "upload": SettlementForm(initial={"month": month}) if request.user.can("exchanges.settle") else None,
        "pick": bind_pickers(PersonPickForm(), request.user)})


@capability_required("exchanges.ltc")
def ltc_pick(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(PersonPickForm(request.GET or None), request.user)
    if request.GET and form.is_valid() and form.cleaned_data["person"] is not None:
        return redirect("exchanges:ltc_person", pk=form.cleaned_data["person"].pk)
    return render(request, "exchanges/form.html", {"form": form, "title": gettext("查看老年人的长护险信息"), "method": "get",
                                                   "back": reverse("exchanges:ltc")})


@capability_required("exchanges.settle")
def ltc_upload(request: HttpRequest) -> HttpResponse:
    form = SettlementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            s = services.ltc_settlement_import(by=request.user, month=form.cleaned_data["month"], filename=upload.name,
                                               content=read_uploaded(upload, kind="matching"))
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, gettext("共 %(n)s 条：本市有此人 %(m)s 条，非本市 %(o)s 条，无此人 %(nf)s 条，有误 %(b)s 条。确认前不作任何更改。")
                             % {"n": s.rows, "m": s.matched, "o": s.outside, "nf": s.not_found, "b": s.bad})
            return redirect("exchanges:ltc_settlement", pk=s.pk)
    return _form_page(request, form, _("导入长护险结算清单"), reverse("exchanges:ltc"), multipart=True)


@capability_required("exchanges.ltc")
def ltc_settlement(request: HttpRequest, pk: int) -> HttpResponse:
    s = get_object_or_404(LtcSettlement.objects.select_related("uploaded_by", "confirmed_by"), pk=pk)
    show = request.GET.get("show", "matched")
    show = show if show in [*SettlementOutcome.values, "paid"] else "matched"
    qs = LtcSettlementRow.objects.filter(settlement=s)
    qs = qs.exclude(already_paid="") if show == "paid" else qs.filter(outcome=show)
    # a county sees its own people; rows without a person belong to whoever imported the list
    if not request.user.can("exchanges.settle"):
        qs = qs.filter(division_code__startswith=request.user.scope_prefix or "-")
    rows = offset_page(request, qs.select_related("person").order_by("row_no"))
    audit_sensitive_list(LtcSettlementRow, ids=[r.pk for r in rows], fields=["name", "id_masked", "level"],
                         division_code=request.user.scope_prefix or "")
    return render(request, "exchanges/ltc_settlement.html", {"s": s, "rows": rows, "show": show,
                                                             "outcomes": SettlementOutcome.choices})


@capability_required("exchanges.settle")
def ltc_settlement_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    s = get_object_or_404(LtcSettlement, pk=pk)
    back = reverse("exchanges:ltc_settlement", args=[pk])
    return confirm_action(request, ConfirmAction(
        obj=s, title=gettext("确认长护险结算清单"),
        facts=[(gettext("清单"), str(s)), (gettext("本市有此人"), s.matched), (gettext("非本市人员 / 有误"), f"{s.outside} / {s.bad}"),
               (gettext("当月已发护理补贴"), s.already_paid)],
        summary=gettext("确认后，清单中享受居家护理的老年人当月不再发放与长护险互斥的护理补贴（下次计算发放批次时剔除，并注明原因）；已发放的列为需追回或抵扣。"),
        perform=lambda comment, data: gettext("已确认：居家护理 %(n)s 人") % {
            "n": services.ltc_settlement_confirm(by=request.user, settlement=s)},
        success=gettext("已确认"), redirect_to=back, cancel_to=back, button=gettext("确认清单")))


@capability_required("exchanges.ltc")
def ltc_person(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_scoped_or_404(Person.objects.all(), request.user, pk=pk)
    from yanglao.assessments.choices import RESULT_STATES
    from yanglao.assessments.models import Assessment

    gb = list(Assessment.objects.filter(person=person, level__isnull=False, valid_from__isnull=False,
                                        scale="gbt42195", status__in=RESULT_STATES).order_by("-valid_from")[:5])
    audit_sensitive_view(person, fields=["ltc_assessments", "ltc_benefits"])
    return render(request, "exchanges/ltc_person.html", {
        "person": person, "gb": gb, "assessments": person.ltc_assessments.all(),
        "benefits": person.ltc_benefits.select_related("provider"),
        "plans": person.ltc_care_plans.select_related("provider"), "items": services.ITEMS})


class LtcAssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("评估日期"), **DATE)
    adl_score = forms.IntegerField(label=_("日常生活活动能力得分"), min_value=0, max_value=100)
    cognition_score = forms.IntegerField(label=_("认知能力得分"), min_value=0, max_value=100)
    perception_score = forms.IntegerField(label=_("感知觉与沟通能力得分"), min_value=0, max_value=100)
    level = forms.TypedChoiceField(label=_("失能等级"), choices=LtcLevel.choices, coerce=int)
    agency = forms.CharField(label=_("评估机构"), max_length=100)
    document_no = forms.CharField(label=_("评估结论书编号"), max_length=60, required=False)
    valid_until = forms.DateField(label=_("有效期至"), required=False, **DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in services.ITEM_NAMES:
            self.fields[f"item_{name}"] = forms.IntegerField(label=name, min_value=0, max_value=100, required=False)


class LtcBenefitForm(forms.Form):
    status = forms.ChoiceField(label=_("待遇状态"), choices=InsuredStatus.choices)
    level = forms.TypedChoiceField(label=_("失能等级"), choices=LtcLevel.choices[3:], coerce=int)
    setting = forms.ChoiceField(label=_("护理方式"), choices=CareSetting.choices)
    provider = forms.ModelChoiceField(label=_("定点护理机构"), queryset=LtcProvider.objects.all(), required=False)
    from_month = forms.DateField(label=_("起始月份"), **MONTH)
    to_month = forms.DateField(label=_("终止月份"), required=False, **MONTH)
    document_no = forms.CharField(label=_("待遇核定文号"), max_length=60, required=False)


class LtcPlanForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("定点护理机构"), queryset=LtcProvider.objects.all())
    valid_from = forms.DateField(label=_("起始日期"), **DATE)
    valid_to = forms.DateField(label=_("终止日期"), required=False, **DATE)
    hours_per_month = forms.IntegerField(label=_("每月服务时长（小时）"), min_value=1, max_value=744)
    services = forms.CharField(label=_("服务项目"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


def _person_form(request: HttpRequest, pk: int, form_class: Any, title: Any, perform: Any) -> HttpResponse:
    person = get_scoped_or_404(Person.objects.all(), request.user, pk=pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            perform(person, form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, gettext("已保存"))
            return redirect("exchanges:ltc_person", pk=person.pk)
    return _form_page(request, form, f"{title} · {person.name}", reverse("exchanges:ltc_person", args=[person.pk]))


@capability_required("exchanges.ltc")
def ltc_assessment_new(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(person: Person, data: dict[str, Any]) -> Any:
        data = dict(data)
        data["items"] = {name: data.pop(f"item_{name}") for name in services.ITEM_NAMES}
        return services.ltc_assessment_add(by=request.user, person=person, data=data)

    return _person_form(request, pk, LtcAssessmentForm, _("登记长护险失能等级评估"), perform)


@capability_required("exchanges.ltc")
def ltc_benefit_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_form(request, pk, LtcBenefitForm, _("登记长护险待遇"),
                        lambda person, data: services.ltc_benefit_add(by=request.user, person=person, data=data))


@capability_required("exchanges.ltc")
def ltc_plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_form(request, pk, LtcPlanForm, _("登记护理计划"),
                        lambda person, data: services.ltc_plan_add(by=request.user, person=person, data=data))


class ProviderForm(forms.ModelForm):
    class Meta:
        model = LtcProvider
        fields = ["name", "code", "credit_code", "home_care", "institution_care", "institution", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE["widget"], "valid_to": DATE["widget"]}


@capability_required("exchanges.settle")
def ltc_provider_new(request: HttpRequest) -> HttpResponse:
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ltc_provider_add(by=request.user, data=form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, gettext("已登记定点护理机构"))
            return redirect("exchanges:ltc")
    return _form_page(request, form, _("登记长护险定点护理机构"), reverse("exchanges:ltc"))


class OffsetForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("津补贴项目"), queryset=None)
    valid_from = forms.DateField(label=_("生效日期"), **DATE)
    valid_to = forms.DateField(label=_("失效日期"), required=False, **DATE)
    basis = forms.CharField(label=_("依据"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from yanglao.benefits.models import Programme

        self.fields["programme"].queryset = Programme.objects.filter(~Q(kind="insurance_list"))


@capability_required("exchanges.settle")
def ltc_offset_new(request: HttpRequest) -> HttpResponse:
    form = OffsetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ltc_offset_add(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, gettext("已设置互斥规则"))
            return redirect("exchanges:ltc")
    return _form_page(request, form, _("设置长护险与补贴互斥规则"), reverse("exchanges:ltc"))
