"""Pages of home adaptations, assistive device loans and family care beds (thin: the rules are in services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yanglao.core.audit import audit_sensitive_list, audit_sensitive_view
from yanglao.core.errors import DomainError
from yanglao.core.models import Organisation
from yanglao.core.pagination import offset_page
from yanglao.core.pickers import bind_pickers
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.views import ConfirmAction, capability_required, confirm_action
from yanglao.institutions.models import Institution
from yanglao.people.pickers import PersonField

from . import selectors, services
from .models import (
    AdaptationItem,
    CareBed,
    CareBedStatus,
    CareService,
    Device,
    Loan,
    LoanKind,
    PhotoKind,
    Project,
    ProjectPhoto,
    ProjectStatus,
    SubsidyRule,
)

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class YuanField(forms.DecimalField):
    """Money typed in yuan (元, two decimals at most), cleaned to integer fen."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_value", Decimal("9999999"))
        super().__init__(max_digits=10, decimal_places=2, **kwargs)

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        amount = super().clean(value)
        return None if amount is None else int(amount * 100)


def _fen_initial(fen: int | None) -> str:
    return "" if fen is None else f"{Decimal(fen) / 100:.2f}"


def _form_errors(form: forms.Form, exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for key, reason in details.items():
        if key in form.fields:
            form.add_error(key, exc.message if len(details) == 1 else reason)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- projects


class ProjectApplyForm(forms.Form):
    person = PersonField(label=_("老年人"))
    address = forms.CharField(label=_("改造住址"), max_length=200, required=False, help_text=_("留空则使用档案中的居住地址"))
    request = forms.CharField(label=_("申请事项"), max_length=300, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    applied_on = forms.DateField(label=_("申请日期"), **DATE)


@capability_required("homeadapt.view")
def project_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in ProjectStatus.values else ""
    q = request.GET.get("q", "").strip()[:32]
    page = offset_page(request, selectors.projects_for(request.user, status=status, q=q))
    audit_sensitive_list(Project, ids=[p.pk for p in page], fields=["rule_name"], division_code=request.user.scope_prefix or "")
    return render(request, "homeadapt/projects.html", {
        "page": page, "rows": page, "status": status, "q": q, "statuses": ProjectStatus.choices,
        "counts": selectors.project_counts(request.user)})


@capability_required("homeadapt.manage")
def project_new(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(ProjectApplyForm(request.POST or None, initial={"applied_on": _today()}), request.user)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_apply(by=request.user, person=form.cleaned_data["person"],
                                             address=form.cleaned_data["address"], request=form.cleaned_data["request"],
                                             applied_on=form.cleaned_data["applied_on"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已受理，项目编号 %(n)s") % {"n": project.number})
            return redirect("homeadapt:project", pk=project.pk)
    return render(request, "homeadapt/form.html", {"form": form, "title": _("受理适老化改造申请"),
                                                   "back": reverse("homeadapt:projects")})


def _project(request: HttpRequest, pk: int) -> Project:
    return get_scoped_or_404(Project.objects.select_related("person", "contractor", "rule", "accepted_by"),
                             request.user, pk=pk)


@capability_required("homeadapt.view")
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    audit_sensitive_view(project, fields=["rule_name"])
    photos = list(project.photos.defer("content"))
    return render(request, "homeadapt/project.html", {
        "p": project, "lines": project.lines.all(), "photos": photos, "photo_form": PhotoForm(),
        "steps": _steps(project)})


def _steps(project: Project) -> list[tuple[Any, str]]:
    """The five steps with the one reached marked "now" and those behind it "done" (a rejected project: none)."""
    flow = [s for s in ProjectStatus if s != ProjectStatus.REJECTED]
    reached = flow.index(project.status) if project.status in flow else -1
    return [(s.label, "now" if i == reached else "done" if i < reached else "") for i, s in enumerate(flow)]


class AssessForm(forms.Form):
    assessed_on = forms.DateField(label=_("评估日期"), **DATE)
    assessor_name = forms.CharField(label=_("评估人员"), max_length=32, required=False)
    needs = forms.CharField(label=_("需求评估意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args: Any, items: list[AdaptationItem], existing: dict[int, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            line = existing.get(item.pk)
            self.fields[f"qty_{item.pk}"] = forms.IntegerField(
                label=item.name, min_value=0, max_value=999, required=False, initial=line.quantity if line else None)
            self.fields[f"sub_{item.pk}"] = YuanField(
                label=_("补贴（元）"), required=False,
                initial=_fen_initial(line.subsidy_fen) if line and self.data.get("keep") else None)

    def rows(self) -> list[dict[str, Any]]:
        return [{"item": i, "qty": self[f"qty_{i.pk}"], "sub": self[f"sub_{i.pk}"]} for i in self.items]

    def lines(self) -> list[services.LineInput]:
        out = []
        for item in self.items:
            qty = self.cleaned_data.get(f"qty_{item.pk}") or 0
            if qty:
                out.append(services.LineInput(item=item, quantity=qty, subsidy_fen=self.cleaned_data.get(f"sub_{item.pk}")))
        return out


@capability_required("homeadapt.manage")
def project_assess(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    if project.status not in (ProjectStatus.APPLIED, ProjectStatus.ASSESSED):
        messages.error(request, _("只有申请或评估阶段的项目可以评估"))
        return redirect("homeadapt:project", pk=pk)
    existing = {line.item_id: line for line in project.lines.all()}
    items = list(AdaptationItem.objects.filter(active=True) | AdaptationItem.objects.filter(pk__in=list(existing)))
    form = AssessForm(request.POST or None, items=sorted(set(items), key=lambda i: (i.sort, i.code)), existing=existing,
                      initial={"assessed_on": project.assessed_on or _today(), "needs": project.needs,
                               "assessor_name": project.assessor_name})
    rule = services.rule_for(project.person, _today())
    if request.method == "POST" and form.is_valid():
        try:
            services.project_assess(by=request.user, project=project, lines=form.lines(), needs=form.cleaned_data["needs"],
                                    assessor_name=form.cleaned_data["assessor_name"],
                                    assessed_on=form.cleaned_data["assessed_on"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("评估已保存，补贴按规则计算"))
            return redirect("homeadapt:project", pk=pk)
    return render(request, "homeadapt/assess.html", {"p": project, "form": form, "rule": rule})


class StartForm(forms.Form):
    contractor = forms.ModelChoiceField(label=_("施工单位"), queryset=Organisation.objects.none())
    started_on = forms.DateField(label=_("开工日期"), **DATE)


def _contractors(user: Any) -> Any:
    # Contractors are organisations (施工单位) registered in the city; any county may hire one.
    return Organisation.objects.filter(kind="other").order_by("name")


@capability_required("homeadapt.manage")
def project_start(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    form = StartForm(request.POST or None, initial={"started_on": _today()})
    form.fields["contractor"].queryset = _contractors(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_start(by=request.user, project=project, contractor=form.cleaned_data["contractor"],
                                   started_on=form.cleaned_data["started_on"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已安排施工"))
            return redirect("homeadapt:project", pk=pk)
    return render(request, "homeadapt/form.html", {"form": form, "title": _("安排施工"), "subject": project,
                                                   "back": reverse("homeadapt:project", args=[pk])})


class PhotoForm(forms.Form):
    kind = forms.ChoiceField(label=_("照片类型"), choices=PhotoKind.choices)
    caption = forms.CharField(label=_("说明"), max_length=100, required=False)
    file = forms.FileField(label=_("照片（JPG、PNG 或 WebP）"))


@capability_required("homeadapt.manage")
@require_POST
def photo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择照片类型和照片文件"))
        return redirect("homeadapt:project", pk=pk)
    upload = form.cleaned_data["file"]
    try:
        services.check_upload(kind="homeadapt_photo", filename=upload.name, size=upload.size)
        services.photo_add(by=request.user, project=project, content=upload.read(), filename=upload.name,
                           kind=form.cleaned_data["kind"], caption=form.cleaned_data["caption"])
    except DomainError as exc:
        messages.error(request, exc.message)
        response = redirect("homeadapt:project", pk=pk)
        return response
    messages.success(request, _("照片已上传"))
    return redirect("homeadapt:project", pk=pk)


@capability_required("homeadapt.view")
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_scoped_or_404(ProjectPhoto.objects.all(), request.user, pk=pk)
    response = HttpResponse(bytes(item.content), content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _project_facts(p: Project) -> list[tuple[Any, Any]]:
    return [(_("项目编号"), p.number), (_("老年人"), f"{p.person.name}（{p.person.age}岁）"), (_("改造住址"), p.address),
            (_("改造金额"), services.yuan(p.total_fen)), (_("补贴金额"), services.yuan(p.subsidy_fen)),
            (_("施工单位"), p.contractor.name if p.contractor else "—"),
            (_("状态"), p.get_status_display())]


@capability_required("homeadapt.manage")
def project_complete(request: HttpRequest, pk: int) -> HttpResponse:
    p = _project(request, pk)
    back = reverse("homeadapt:project", args=[pk])
    return confirm_action(request, ConfirmAction(
        obj=p, title=str(_("报完工")), facts=_project_facts(p), button=str(_("确认完工，提交验收")), redirect_to=back,
        cancel_to=back, summary=str(_("确认施工已全部完成、改造后照片已上传。提交后由县（市、区）民政部门验收。")),
        comment_label=str(_("完工说明")),
        perform=lambda comment, data: services.project_complete(by=request.user, project=p, note=comment),
        success=str(_("已报完工，等待验收"))))


@capability_required("homeadapt.accept")
def project_accept(request: HttpRequest, pk: int) -> HttpResponse:
    p = _project(request, pk)
    back = reverse("homeadapt:project", args=[pk])
    return confirm_action(request, ConfirmAction(
        obj=p, title=str(_("验收")), facts=_project_facts(p), button=str(_("验收通过")), redirect_to=back, cancel_to=back,
        summary=str(_("验收通过后项目办结，补贴金额按评估时的规则确定。")), comment_label=str(_("验收意见")),
        comment_required=True,
        perform=lambda comment, data: services.project_accept(by=request.user, project=p, comment=comment),
        success=str(_("验收通过，项目已办结"))))


@capability_required("homeadapt.accept")
def project_return(request: HttpRequest, pk: int) -> HttpResponse:
    p = _project(request, pk)
    back = reverse("homeadapt:project", args=[pk])
    return confirm_action(request, ConfirmAction(
        obj=p, title=str(_("退回整改")), facts=_project_facts(p), button=str(_("退回整改")), redirect_to=back,
        cancel_to=back, danger=True, summary=str(_("项目退回施工单位整改，整改完成后重新报完工。")),
        comment_label=str(_("退回原因")), comment_required=True,
        perform=lambda comment, data: services.project_return(by=request.user, project=p, comment=comment),
        success=str(_("已退回整改"))))


@capability_required("homeadapt.manage")
def project_reject(request: HttpRequest, pk: int) -> HttpResponse:
    p = _project(request, pk)
    back = reverse("homeadapt:project", args=[pk])
    return confirm_action(request, ConfirmAction(
        obj=p, title=str(_("不予通过")), facts=_project_facts(p), button=str(_("不予通过")), redirect_to=back,
        cancel_to=back, danger=True, summary=str(_("不符合改造条件的申请不予通过，项目办结。")),
        comment_label=str(_("不予通过的原因")), comment_required=True,
        perform=lambda comment, data: services.project_reject(by=request.user, project=p, comment=comment),
        success=str(_("已不予通过"))))


# --------------------------------------------------------------------------- configuration (city)


class ItemForm(forms.ModelForm):
    price = YuanField(label=_("单价（元）"), min_value=Decimal("0.01"))

    class Meta:
        model = AdaptationItem
        fields = ["code", "name", "group", "unit", "spec", "active", "sort"]


class RuleForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(label=_("符合任一人员类别"), required=False,
                                           widget=forms.CheckboxSelectMultiple, help_text=_("不选表示所有老年人"))
    cap = YuanField(label=_("每户补贴上限（元）"))

    class Meta:
        model = SubsidyRule
        fields = ["rank", "name", "categories", "percent", "valid_from", "valid_to", "document_no", "is_demo"]
        widgets = {"valid_from": DATE["widget"], "valid_to": DATE["widget"]}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from yanglao.core.dictionaries import dictionary_choices

        self.fields["categories"].choices = dictionary_choices("person_category", include=self.initial.get("categories") or ())
        self.fields["percent"].max_value = 100
        self.fields["percent"].validators.append(_percent_ok)


def _percent_ok(value: int) -> None:
    if value > 100:
        raise forms.ValidationError(_("补贴比例不能超过 100%"))


class DeviceForm(forms.ModelForm):
    deposit = YuanField(label=_("押金（元）"))
    rent = YuanField(label=_("月租金（元）"), help_text=_("0 表示免费借用"))

    class Meta:
        model = Device
        fields = ["name", "group", "spec", "stock", "active"]


def _config_list(request: HttpRequest, template: str, rows: Any, extra: dict[str, Any] | None = None) -> HttpResponse:
    page = offset_page(request, rows)
    return render(request, template, {"page": page, "rows": page, "today": _today(), **(extra or {})})


@capability_required("homeadapt.view")
def item_list(request: HttpRequest) -> HttpResponse:
    return _config_list(request, "homeadapt/items.html", AdaptationItem.objects.order_by("sort", "code"),
                        {"rules": SubsidyRule.objects.order_by("rank", "-valid_from")})


def _config_edit(request: HttpRequest, form_class: Any, instance: Any, money: dict[str, str], title: Any,
                 back: str) -> HttpResponse:
    initial = {field: _fen_initial(getattr(instance, attr)) for field, attr in money.items()} if instance else {}
    if isinstance(instance, SubsidyRule):
        initial["categories"] = instance.categories
    form = form_class(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        for field, attr in money.items():
            setattr(obj, attr, form.cleaned_data[field])
        if isinstance(obj, SubsidyRule):
            obj.categories = form.cleaned_data["categories"]
        try:
            obj.save()
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect(back)
    return render(request, "homeadapt/form.html", {"form": form, "title": title, "back": back})


@capability_required("homeadapt.configure")
def item_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = AdaptationItem.objects.filter(pk=pk).first() if pk else None
    if pk and instance is None:
        raise Http404
    return _config_edit(request, ItemForm, instance, {"price": "price_fen"},
                        _("修改改造项目") if instance else _("新增改造项目"), reverse("homeadapt:items"))


@capability_required("homeadapt.configure")
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = SubsidyRule.objects.filter(pk=pk).first() if pk else None
    if pk and instance is None:
        raise Http404
    return _config_edit(request, RuleForm, instance, {"cap": "cap_fen"},
                        _("修改补贴规则") if instance else _("新增补贴规则"), reverse("homeadapt:items"))


@capability_required("homeadapt.configure")
def device_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = Device.objects.filter(pk=pk).first() if pk else None
    if pk and instance is None:
        raise Http404
    return _config_edit(request, DeviceForm, instance, {"deposit": "deposit_fen", "rent": "rent_fen"},
                        _("修改器具") if instance else _("新增器具"), reverse("homeadapt:devices"))


# --------------------------------------------------------------------------- devices and loans


@capability_required("homeadapt.view")
def device_list(request: HttpRequest) -> HttpResponse:
    from django.db.models import Count, Q

    rows = Device.objects.annotate(out=Count("loans", filter=Q(loans__returned_on__isnull=True))).order_by("group", "name")
    return _config_list(request, "homeadapt/devices.html", rows)


class LoanForm(forms.Form):
    person = PersonField(label=_("老年人"))
    device = forms.ModelChoiceField(label=_("器具"), queryset=Device.objects.filter(active=True))
    kind = forms.ChoiceField(label=_("方式"), choices=LoanKind.choices)
    issued_on = forms.DateField(label=_("出借日期"), **DATE)
    due_on = forms.DateField(label=_("应还日期"), **DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


@capability_required("homeadapt.view")
def loan_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in ("open", "overdue", "returned") else ""
    q = request.GET.get("q", "").strip()[:32]
    page = offset_page(request, selectors.loans_for(request.user, state=state, q=q))
    return render(request, "homeadapt/loans.html", {"page": page, "rows": page, "state": state, "q": q,
                                                    "today": _today()})


@capability_required("homeadapt.manage")
def loan_new(request: HttpRequest) -> HttpResponse:
    today = _today()
    form = bind_pickers(LoanForm(request.POST or None, initial={"issued_on": today,
                                                                "due_on": today + dt.timedelta(days=90)}), request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            loan = services.loan_issue(by=request.user, person=d["person"], device=d["device"], kind=d["kind"],
                                       issued_on=d["issued_on"], due_on=d["due_on"], note=d["note"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已出借，借用单号 %(n)s") % {"n": loan.number})
            return redirect("homeadapt:loans")
    return render(request, "homeadapt/form.html", {"form": form, "title": _("出借康复辅助器具"),
                                                   "back": reverse("homeadapt:loans")})


class ReturnForm(forms.Form):
    returned_on = forms.DateField(label=_("归还日期"), **DATE)
    deduction = YuanField(label=_("押金扣除（元）"), required=False, help_text=_("器具损坏或缺件时填写"))


@capability_required("homeadapt.manage")
def loan_return(request: HttpRequest, pk: int) -> HttpResponse:
    loan = get_scoped_or_404(Loan.objects.select_related("person", "device"), request.user, pk=pk)
    form = ReturnForm(request.POST or None, initial={"returned_on": _today()})
    back = reverse("homeadapt:loans")
    facts = [(_("借用单号"), loan.number), (_("老年人"), loan.person.name), (_("器具"), loan.device.name),
             (_("方式"), loan.get_kind_display()), (_("出借日期"), loan.issued_on), (_("应还日期"), loan.due_on),
             (_("押金"), services.yuan(loan.deposit_fen)), (_("月租金"), services.yuan(loan.rent_fen))]

    def perform(comment: str, data: dict[str, Any]) -> str:
        done = services.loan_return(by=request.user, loan=loan, returned_on=data["returned_on"],
                                    deduction_fen=data.get("deduction") or 0, note=comment)
        return str(_("已归还：应收租金 %(rent)s，退还押金 %(back)s") % {
            "rent": services.yuan(done.rent_charged_fen), "back": services.yuan(done.deposit_fen - done.deduction_fen)})

    return confirm_action(request, ConfirmAction(
        obj=loan, title=str(_("登记归还")), facts=facts, form=form, button=str(_("确认归还")), redirect_to=back,
        cancel_to=back, summary=str(_("租赁按自出借日起每满或不满30天计一个月收取租金；押金扣除后退还。")),
        comment_label=str(_("器具状况")), perform=perform, success=str(_("已归还"))))


# --------------------------------------------------------------------------- family care beds


def _month(request: HttpRequest) -> dt.date:
    raw = request.GET.get("month", "")
    try:
        year, month = (int(x) for x in raw.split("-", 1))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        return _today().replace(day=1)


@capability_required("homeadapt.beds")
def bed_list(request: HttpRequest) -> HttpResponse:
    from django.db.models import F

    month = _month(request)
    below = request.GET.get("below") == "1"
    qs = selectors.beds_in_month(request.user, month)
    if below:
        qs = qs.filter(status=CareBedStatus.ACTIVE, done__lt=F("visits_per_month"))
    page = offset_page(request, qs.order_by("division_code", "number"))
    prev_month = (month - dt.timedelta(days=1)).replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    return render(request, "homeadapt/beds.html", {
        "page": page, "rows": page, "month": month, "below": below, "prev_month": prev_month,
        "next_month": next_month if next_month <= _today() else None,
        "counties": selectors.county_figures(request.user, month)})


class BedForm(forms.Form):
    person = PersonField(label=_("老年人"))
    institution = forms.ModelChoiceField(label=_("服务机构"), queryset=Institution.objects.none())
    address = forms.CharField(label=_("床位地址"), max_length=200, required=False, help_text=_("留空则使用档案中的居住地址"))
    services = forms.MultipleChoiceField(label=_("约定服务"), choices=CareService.choices,
                                         widget=forms.CheckboxSelectMultiple)
    visits_per_month = forms.IntegerField(label=_("每月约定服务次数"), min_value=1, max_value=62)
    started_on = forms.DateField(label=_("建床日期"), **DATE)


@capability_required("homeadapt.beds_manage")
def bed_new(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(BedForm(request.POST or None, initial={"started_on": _today(), "visits_per_month": 8}), request.user)
    form.fields["institution"].queryset = restrict(Institution.objects.order_by("name"), request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            bed = services.care_bed_register(by=request.user, person=d["person"], institution=d["institution"],
                                             services=d["services"], visits_per_month=d["visits_per_month"],
                                             started_on=d["started_on"], address=d["address"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已建床，床位编号 %(n)s") % {"n": bed.number})
            return redirect("homeadapt:bed", pk=bed.pk)
    return render(request, "homeadapt/form.html", {"form": form, "title": _("登记家庭照护床位"),
                                                   "back": reverse("homeadapt:beds")})


class RecordForm(forms.Form):
    served_on = forms.DateField(label=_("服务日期"), **DATE)
    service = forms.ChoiceField(label=_("服务内容"), choices=CareService.choices)
    minutes = forms.IntegerField(label=_("服务时长（分钟）"), min_value=5, max_value=600)
    carer = forms.CharField(label=_("服务人员"), max_length=32)
    note = forms.CharField(label=_("服务记录"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))


@capability_required("homeadapt.beds")
def bed_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bed = get_scoped_or_404(CareBed.objects.select_related("person", "institution"), request.user, pk=pk)
    month = _month(request)
    can_serve = request.user.can("homeadapt.serve") and bed.status == CareBedStatus.ACTIVE
    form = RecordForm(request.POST or None, initial={"served_on": _today(), "minutes": 60,
                                                      "service": bed.services[0] if bed.services else None})
    form.fields["service"].choices = [(s, dict(CareService.choices).get(s, s)) for s in bed.services]
    if request.method == "POST":
        if not request.user.can("homeadapt.serve"):
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.service_record(by=request.user, bed=bed, served_on=d["served_on"], service=d["service"],
                                        minutes=d["minutes"], carer=d["carer"], note=d["note"])
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("服务记录已登记"))
                return redirect("homeadapt:bed", pk=pk)
    start, end = selectors.month_bounds(month)
    records = offset_page(request, bed.records.select_related("recorded_by").order_by("-served_on", "-id"))
    done = bed.records.filter(served_on__gte=start, served_on__lte=end).count()
    return render(request, "homeadapt/bed.html", {"bed": bed, "form": form, "can_serve": can_serve, "page": records,
                                                  "records": records, "month": month, "done": done,
                                                  "below": done < bed.visits_per_month})


@capability_required("homeadapt.beds_manage")
def bed_end(request: HttpRequest, pk: int) -> HttpResponse:
    bed = get_scoped_or_404(CareBed.objects.select_related("person", "institution"), request.user, pk=pk)
    back = reverse("homeadapt:bed", args=[pk])
    return confirm_action(request, ConfirmAction(
        obj=bed, title=str(_("撤床")), button=str(_("确认撤床")), redirect_to=back, cancel_to=back, danger=True,
        facts=[(_("床位编号"), bed.number), (_("老年人"), bed.person.name), (_("服务机构"), bed.institution.name),
               (_("建床日期"), bed.started_on)],
        summary=str(_("撤床后机构不能再登记该床位的服务，已登记的记录保留。")), comment_label=str(_("撤床原因")),
        comment_required=True,
        perform=lambda comment, data: services.care_bed_end(by=request.user, bed=bed, ended_on=_today(), reason=comment),
        success=str(_("已撤床"))))
