"""Institution pages: directory, record with beds and ratings, statistics and targets, subsidies."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yanglao.core import validators
from yanglao.core.errors import DomainError
from yanglao.core.formsizes import sized_from
from yanglao.core.pagination import offset_page
from yanglao.core.pickers import DivisionField, bind_pickers
from yanglao.core.roles import ORGANISATION_ROLES
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.views import ConfirmAction, capability_required, confirm_action

from . import selectors, services
from .choices import AgreementKind, BedType, FireSafety, LicenceKind, Ownership
from .models import ConstructionSubsidy, Institution, InstitutionChangeRequest, OperatingRun, Residency


class InstitutionForm(forms.ModelForm):
    division_code = DivisionField(label=_("所在乡镇或村（社区）"))

    class Meta:
        model = Institution
        fields = ["name", "ownership", "credit_code", "licence_kind", "licence_no", "licence_date", "licence_valid_until",
                  "division_code", "address", "latitude", "longitude", "capacity", "has_medical_unit",
                  "medical_insurance_designated", "is_tekun_home", "mainly_disabled_tekun", "fire_safety",
                  "fire_safety_date", "accepts_public_admission", "phone"]
        widgets = {f: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d") for f in ("licence_date", "licence_valid_until", "fire_safety_date")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, rule in services.INSTITUTION_RULES.items():  # the services' rules, shown on the field at once
            if name in self.fields:
                self.fields[name].validators.append(rule)


@sized_from("institutions.Bed")
class BedsForm(forms.Form):
    building = forms.CharField(label=_("楼栋"), initial="1号楼")
    floor = forms.CharField(label=_("楼层"), initial="1")
    rooms = forms.CharField(label=_("房间号"), help_text=_("用逗号分隔，或写范围，如 101-110"))
    beds_per_room = forms.IntegerField(label=_("每间床位"), min_value=1, max_value=12, initial=2)
    bed_type = forms.ChoiceField(label=_("类型"), choices=BedType.choices)

    def room_list(self) -> list[str]:
        rooms: list[str] = []
        for part in self.cleaned_data["rooms"].replace("，", ",").split(","):
            part = part.strip()
            if "-" in part:
                a, b = part.split("-", 1)
                a, b = a.strip(), b.strip()
                if a.isascii() and a.isdigit() and b.isascii() and b.isdigit() and int(a) <= int(b) <= int(a) + 100:
                    rooms.extend(str(n) for n in range(int(a), int(b) + 1))
            elif part:
                rooms.append(part)
        return rooms


@sized_from("institutions.StarRating")
class StarForm(forms.Form):
    environment = forms.IntegerField(label=_("环境（满分120）"))
    facilities = forms.IntegerField(label=_("设施设备（满分130）"))
    operations = forms.IntegerField(label=_("运营管理（满分150）"))
    service = forms.IntegerField(label=_("服务（满分600）"))
    rated_on = forms.DateField(label=_("评定日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               validators=[validators.not_future("评定日期")])
    document_no = forms.CharField(label=_("评定文号"), required=False)


@sized_from("institutions.MedicalAgreement")
class AgreementForm(forms.Form):
    hospital = forms.CharField(label=_("合作医疗机构"))
    hospital_kind = forms.CharField(label=_("医院类别"), required=False, help_text=_("综合、老年病、康复、护理、中医等"))
    kind = forms.ChoiceField(label=_("合作内容"), choices=AgreementKind.choices)
    valid_from = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    valid_to = forms.DateField(label=_("终止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


@capability_required("institutions.view")
def institution_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.institutions_for(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__contains=q)
    ownership = request.GET.get("ownership", "")
    if ownership:
        qs = qs.filter(ownership=ownership)
    page = offset_page(request, qs.order_by("division_code", "name", "pk").prefetch_related("beds"))
    institutions = page.rows
    stars = selectors.latest_star_levels([i.pk for i in institutions])
    rows = []
    for inst in institutions:
        beds = list(inst.beds.all())
        total = len(beds)
        nursing = sum(1 for b in beds if b.bed_type == BedType.NURSING)
        occupied = sum(1 for b in beds if b.status == "occupied")
        rows.append({"inst": inst, "beds": total, "nursing": nursing, "occupied": occupied,
                     "nursing_pct": round(100 * nursing / total) if total else None,
                     "occupancy_pct": round(100 * occupied / total) if total else None, "star": stars.get(inst.pk, 0)})
    return render(request, "institutions/list.html", {"rows": rows, "page": page, "q": q, "ownership": ownership,
                                                      "ownerships": Ownership.choices})


@capability_required("institutions.change")
def institution_create(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(InstitutionForm(request.POST or None), request.user)
    if request.method == "POST" and form.is_valid():
        try:
            inst = services.institution_create(by=request.user, data=dict(form.cleaned_data))
        except DomainError as exc:
            for field, reason in (exc.details or {}).items():
                form.add_error(field if field in form.fields else None, reason)
            if not exc.details:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("已登记机构：%(name)s") % {"name": inst.name})
            return redirect("institutions:detail", pk=inst.pk)
    return render(request, "institutions/form.html", {"form": form})


@capability_required("institutions.view")
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inst = get_scoped_or_404(Institution.objects.select_related("operator"), request.user, pk=pk)
    beds = list(inst.beds.all())
    grid: OrderedDict[str, OrderedDict[str, list[Any]]] = OrderedDict()
    for bed in beds:
        grid.setdefault(f"{bed.building} · {bed.floor}层", OrderedDict()).setdefault(bed.room, []).append(bed)
    # A home with 112 residents pages them (20 a page) instead of one endless table.
    residents = offset_page(request, Residency.objects.filter(institution=inst, discharged_on__isnull=True)
                            .select_related("person", "bed").order_by("bed__building", "bed__room", "bed__number", "pk"),
                            param="residents_page")
    levels = {}
    try:
        from yanglao.assessments.selectors import care_levels_for

        levels = care_levels_for([r.person_id for r in residents])
    except ImportError:  # pragma: no cover - assessments always installed
        pass
    for r in residents:
        r.care = levels.get(r.person_id)
    if residents:  # residents' care levels are health data
        from yanglao.core.audit import audit_sensitive_view

        audit_sensitive_view(inst, fields=["residents.care_level"], division_code=inst.division_code)
    today = timezone.localdate()
    return render(request, "institutions/detail.html", {
        "inst": inst, "grid": grid, "residents": residents, "star": selectors.current_star(inst),
        "ratings": inst.ratings.all(), "agreements": inst.agreements.all(), "outlets": inst.outlets.all(),
        "beds_form": BedsForm(), "star_form": StarForm(initial={"rated_on": today}), "agreement_form": AgreementForm(),
        "can_manage": services.can_manage(request.user, inst), "can_rate": request.user.can("institutions.rate"),
        "today": today, "nursing": sum(1 for b in beds if b.bed_type == BedType.NURSING), "bed_total": len(beds),
    })


class DischargeForm(forms.Form):
    on = forms.DateField(label=_("离院日期"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"},
                                                                    format="%Y-%m-%d"),
                         validators=[validators.not_future("离院日期")])
    reason = forms.CharField(label=_("离院原因"), max_length=64,
                             widget=forms.TextInput(attrs={"class": "form-control"}),
                             help_text=_("如：回家居住、转入其他机构、去世"))


@capability_required("institutions.view")
def resident_discharge(request: HttpRequest, pk: int, residency_pk: int) -> HttpResponse:
    """Discharging a resident: a confirmation page with the person, bed and dates, and a comment."""
    inst = get_scoped_or_404(Institution.objects.all(), request.user, pk=pk)
    if not services.can_manage(request.user, inst):
        raise PermissionDenied
    residency = get_scoped_or_404(Residency.objects.filter(institution=inst, discharged_on__isnull=True)
                                  .select_related("person", "bed"), request.user, pk=residency_pk)
    form = DischargeForm(request.POST or None, initial={"on": timezone.localdate()})
    person = residency.person
    return confirm_action(request, ConfirmAction(
        obj=residency, title=str(_("办理离院")), form=form, danger=True, button=str(_("确认离院")),
        facts=[(_("机构"), inst.name), (_("老年人"), f"{person.name}（{person.age}岁）"),
               (_("床位"), str(residency.bed) if residency.bed_id else "—"), (_("入住日期"), residency.admitted_on)],
        summary=str(_("离院后床位空出，该老年人从下月起不再计入本机构的运营补贴。")),
        perform=lambda comment, data: services.resident_discharge(by=request.user, residency=residency, on=data["on"],
                                                                  reason=data["reason"]),
        success=str(_("已办理离院")), redirect_to=reverse("institutions:detail", args=[pk])))


def _require_valid(form: forms.Form, message: str) -> None:
    if not form.is_valid():
        from yanglao.core.errors import ValidationFailed

        raise ValidationFailed(message, details={k: "；".join(v) for k, v in form.errors.items()})


def _post_action(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    inst = get_scoped_or_404(Institution.objects.all(), request.user, pk=pk)
    try:
        message = action(inst)
    except DomainError as exc:
        details = "；".join(f"{v}" for v in (exc.details or {}).values())
        messages.error(request, f"{exc.message}{'：' + details if details else ''}")
    else:
        messages.success(request, message)
    return redirect("institutions:detail", pk=pk)


@capability_required("institutions.view")
@require_POST
def beds_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = BedsForm(request.POST)

    def act(inst: Institution) -> str:
        _require_valid(form, "床位信息有误")
        created = services.beds_add(by=request.user, institution=inst, building=form.cleaned_data["building"],
                                    floor=form.cleaned_data["floor"], rooms=form.room_list(),
                                    beds_per_room=form.cleaned_data["beds_per_room"], bed_type=form.cleaned_data["bed_type"])
        return str(_("已新增 %(n)d 张床位") % {"n": len(created)})

    return _post_action(request, pk, act)


@capability_required("institutions.rate")
@require_POST
def star_rate(request: HttpRequest, pk: int) -> HttpResponse:
    form = StarForm(request.POST)

    def act(inst: Institution) -> str:
        _require_valid(form, "评分表有误")
        data = dict(form.cleaned_data)
        rating = services.star_rate(by=request.user, institution=inst, rated_on=data.pop("rated_on"),
                                    document_no=data.pop("document_no"), scores=data)
        return str(_("评定结果：总分 %(t)d，%(l)s") % {"t": rating.total, "l": rating.level_name})

    return _post_action(request, pk, act)


@capability_required("institutions.view")
@require_POST
def agreement_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = AgreementForm(request.POST)

    def act(inst: Institution) -> str:
        _require_valid(form, "协议信息有误")
        services.agreement_add(by=request.user, institution=inst, **form.cleaned_data)
        return str(_("已登记合作协议"))

    return _post_action(request, pk, act)


def _edit_form(user: Any, inst: Institution, data: Any = None) -> InstitutionForm:
    """The institution's form; to its operator the regulator's fields are read-only (shown, never submitted)."""
    form = bind_pickers(InstitutionForm(data, instance=inst), user)
    form.is_regulated = user.role in ORGANISATION_ROLES  # type: ignore[attr-defined]
    if form.is_regulated:  # type: ignore[attr-defined]
        for name in Institution.REGULATOR_FIELDS & set(form.fields):
            form.fields[name].disabled = True
            form.fields[name].help_text = _("由民政部门认定和维护")
        form.fields["reason"] = forms.CharField(label=_("变更理由"), max_length=200, required=False)
    return form


@capability_required("institutions.view")
def institution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff change the record; an operator proposes changes to its declared facts (a change request)."""
    inst = get_scoped_or_404(Institution.objects.all(), request.user, pk=pk)
    if not services.can_manage(request.user, inst):
        raise PermissionDenied
    form = _edit_form(request.user, inst, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.changed_data if k in services.INSTITUTION_FIELDS}
        try:
            if form.is_regulated:  # type: ignore[attr-defined]
                services.change_request_create(by=request.user, institution=inst, data=data,
                                               reason=form.cleaned_data.get("reason", ""))
            elif data:
                services.institution_update(by=request.user, institution=inst, data=data)
        except DomainError as exc:
            for field, reason in (exc.details or {}).items():
                form.add_error(field if field in form.fields else None, reason)
            if not exc.details:
                form.add_error(None, exc.message)
        else:
            if form.is_regulated:  # type: ignore[attr-defined]
                messages.success(request, _("变更申请已提交，县（市、区）民政部门审核通过后生效"))
                return redirect("institutions:change_requests")
            messages.success(request, _("已保存"))
            return redirect("institutions:detail", pk=inst.pk)
    return render(request, "institutions/form.html", {"form": form, "inst": inst})


@capability_required("institutions.view")
def change_requests(request: HttpRequest) -> HttpResponse:
    rows = list(services.change_requests_for(request.user).order_by("status", "-created_at")[:200])
    labels = {f.name: f.verbose_name for f in Institution._meta.fields}
    for row in rows:
        row.changes = [(labels.get(k, k), row.previous.get(k), v) for k, v in row.proposed.items()]
        row.can_decide = (row.status == "pending" and request.user.can("institutions.change")
                          and row.requested_by_id != request.user.pk)
    return render(request, "institutions/change_requests.html", {"rows": rows})


@capability_required("institutions.change")
@require_POST
def change_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_scoped_or_404(InstitutionChangeRequest.objects.all(), request.user, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.change_request_decide(by=request.user, request=change, approve=approve,
                                       note=request.POST.get("note", "")[:200])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已通过，变更已生效") if approve else _("已退回该变更申请"))
    return redirect("institutions:change_requests")


@capability_required("institutions.view")
def statistics(request: HttpRequest) -> HttpResponse:
    by = request.GET.get("by", "county")
    if by not in ("institution", "township", "county", "city"):
        by = "county"
    return render(request, "institutions/stats.html", {
        "by": by, "rows": selectors.bed_stats(request.user, by=by), "total": selectors.bed_stats(request.user, by="city"),
        "targets": selectors.county_star_home_target(request.user),
        "medical": selectors.medical_cooperation(request.user), "target_pct": int(selectors.NURSING_TARGET * 100),
    })


@capability_required("institutions.subsidy_prepare")
def subsidies(request: HttpRequest) -> HttpResponse:
    runs = restrict(OperatingRun.objects.select_related("prepared_by", "approved_by"), request.user)[:24]
    construction = restrict(ConstructionSubsidy.objects.select_related("institution", "applied_by"), request.user)[:50]
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return render(request, "institutions/subsidies.html", {"runs": runs, "construction": construction,
                                                           "default_month": last_month.strftime("%Y-%m")})


@capability_required("institutions.subsidy_prepare")
@require_POST
def subsidy_compute(request: HttpRequest) -> HttpResponse:
    try:
        month = dt.datetime.strptime(request.POST.get("month", ""), "%Y-%m").date()
        run = services.operating_compute(by=request.user, month=month)
    except ValueError:
        messages.error(request, _("月份格式应为 YYYY-MM"))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已核算 %(m)s：%(n)d 人，合计 %(t)s 元") % {"m": f"{run.month:%Y年%m月}", "n": run.residents,
                                                                        "t": f"{run.total:,.2f}"})
    return redirect("institutions:subsidies")


def _operating_facts(run: OperatingRun) -> list[tuple[Any, Any]]:
    return [(_("补贴月份"), f"{run.month:%Y年%m月}"), (_("区划"), run.division_code),
            (_("补贴人数"), run.residents), (_("补贴总额"), f"{run.total:,.2f} 元"),
            (_("经办人"), run.prepared_by.display_name if run.prepared_by_id else "—")]


@capability_required("institutions.subsidy_approve")
def subsidy_approve(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_scoped_or_404(OperatingRun.objects.select_related("prepared_by"), request.user, pk=pk)
    return confirm_action(request, ConfirmAction(
        obj=run, title=str(_("审批运营补贴")), button=str(_("审批通过")), facts=_operating_facts(run),
        summary=str(_("审批后按本次核算金额拨付运营补贴，每位入住老年人每月只补贴一次。")),
        perform=lambda comment, data: services.operating_approve(by=request.user, run=run),
        success=str(_("已审批")), redirect_to=reverse("institutions:subsidies")))


@capability_required("institutions.subsidy_prepare")
def subsidy_discard(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_scoped_or_404(OperatingRun.objects.select_related("prepared_by"), request.user, pk=pk)
    return confirm_action(request, ConfirmAction(
        obj=run, title=str(_("作废运营补贴核算")), button=str(_("作废")), danger=True, facts=_operating_facts(run),
        summary=str(_("作废后本次核算不再审批拨付，本月可重新核算。")),
        perform=lambda comment, data: services.operating_discard(by=request.user, run=run),
        success=str(_("已作废")), redirect_to=reverse("institutions:subsidies")))


@capability_required("institutions.subsidy_prepare")
def subsidy_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_scoped_or_404(OperatingRun.objects.select_related("rate"), request.user, pk=pk)
    by_inst: dict[int, dict[str, Any]] = {}
    for line in run.lines.select_related("institution"):
        row = by_inst.setdefault(line.institution_id, {"inst": line.institution, "n": 0, "total": 0, "star": line.star_level,
                                                       "medical": line.medical, "levels": [0, 0, 0, 0, 0]})
        row["n"] += 1
        row["total"] += line.amount
        row["levels"][line.care_level] += 1
    return render(request, "institutions/subsidy_run.html", {"run": run, "rows": list(by_inst.values())})


__all__ = ["FireSafety", "LicenceKind"]
