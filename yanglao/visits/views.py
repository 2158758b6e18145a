"""Visit pages: the rate by area and who was missed, the plan and its assignment, the worker's list on a
phone, the record form, referrals, visitors, tier rules, consent and major changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yanglao.core import crypto
from yanglao.core.audit import audit_context, audit_sensitive_list, audit_sensitive_view
from yanglao.core.dbrouting import reads_from_replica
from yanglao.core.dictionary_forms import dictionary_field_choices
from yanglao.core.errors import DomainError
from yanglao.core.formsizes import sized_from
from yanglao.core.pagination import offset_page
from yanglao.core.params import choice_param, code_param, id_param, month_param
from yanglao.core.pickers import DivisionField, bind_pickers
from yanglao.core.scope import division_in_scope, get_scoped_or_404, restrict
from yanglao.core.views import ConfirmAction, capability_required, confirm_action
from yanglao.people.pickers import PersonField

from . import plans, selectors, services
from .models import (
    MissedReason,
    Referral,
    ReferralKind,
    ReferralStatus,
    Risk,
    Visit,
    VisitConsent,
    VisitMethod,
    Visitor,
    VisitorKind,
    VisitRecord,
    VisitStatus,
    VisitTier,
)

CALL_REASON = "定期探访联系老人"


def _within(request: HttpRequest) -> str:
    """The area asked for (?division=), inside the user's jurisdiction; their own by default."""
    own = request.user.scope_prefix or ""
    code = code_param(request.GET, "division")
    return code if code and division_in_scope(request.user, code) else own


def _month(request: HttpRequest, default: dt.date) -> dt.date:
    return month_param(request.GET, "month") or default


def _months_back(n: int = 12) -> list[dt.date]:
    this = timezone.localdate().replace(day=1)
    return [plans.add_months(this, -k) for k in range(n)]


# --------------------------------------------------------------------------- rate and missed


@capability_required("visits.view")
def home(request: HttpRequest) -> HttpResponse:
    """The visit rate of a month (last month by default) for the user's area and each area below it."""
    month = _month(request, selectors.last_month())
    within = _within(request)
    total, rows = selectors.rate_rows(request.user, month, within)
    reasons = selectors.missed_reason_counts(request.user, month, within) if total.missed else []
    parent = within[:{12: 9, 9: 6, 6: 4}.get(len(within), len(within))]
    can_up = len(within) > len(request.user.scope_prefix or "") and parent
    return render(request, "visits/home.html", {
        "month": month, "within": within, "total": total, "rows": rows, "reasons": reasons,
        "months": _months_back(), "parent": parent if can_up else "", "leaf": len(within) >= 12,
        "target": 100,
    })


@capability_required("visits.view")
def missed(request: HttpRequest) -> HttpResponse:
    month = _month(request, selectors.last_month())
    within = _within(request)
    page = offset_page(request, selectors.missed_people(request.user, month, within))
    today = timezone.localdate()
    rows = [{"visit": v, "reason": selectors.missed_reason_text(v, today), "age": v.person.age_on(today)} for v in page]
    with audit_context(request.user):  # reasons such as 住院治疗 are health data
        audit_sensitive_list(Visit, ids=[v.pk for v in page], fields=["missed_reason"], division_code=within)
    return render(request, "visits/missed.html", {"month": month, "within": within, "page": page, "rows": rows,
                                                  "months": _months_back()})


@capability_required("visits.view")
@reads_from_replica
def missed_export(request: HttpRequest) -> HttpResponse:
    """The month's missed list as .xlsx, for the township's follow-up meeting: every row (not one page),
    names as the page shows them, the reason, the worker; audited as an export of health data."""
    from yanglao.core.audit import audit_export
    from yanglao.core.http import xlsx_response

    month = _month(request, selectors.last_month())
    within = _within(request)
    content, count = selectors.missed_workbook(request.user, month, within)
    with audit_context(request.user):
        audit_export(Visit, count=count, fmt="xlsx", filters={"month": f"{month:%Y-%m}", "within": within},
                     masked=True, division_code=within)
    return xlsx_response(content, f"missed-visits-{within}-{month:%Y%m}.xlsx")


# --------------------------------------------------------------------------- the plan


class ReassignForm(forms.Form):
    visitor = forms.ModelChoiceField(label=_("改派给"), queryset=Visitor.objects.none())


def _visitors_of(user: Any, within: str) -> Any:
    return restrict(Visitor.objects.filter(active=True, division_code__startswith=within[:9]), user)


@capability_required("visits.view")
def plan(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    month = _month(request, today.replace(day=1))
    within = _within(request)
    status = choice_param(request.GET, "status", [*VisitStatus.values, "overdue", "unassigned"])
    visitor_id = id_param(request.GET, "visitor")
    qs = selectors.visits_for(request.user).filter(division_code__startswith=within)
    if request.GET.get("supervised") == "1":
        qs = qs.filter(visitor__supervisor=request.user)
    if status == "overdue":
        qs = selectors.overdue(qs)
    else:
        qs = qs.filter(month=month)
        if status == "unassigned":
            qs = qs.filter(visitor__isnull=True, status=VisitStatus.PLANNED)
        elif status:
            qs = qs.filter(status=status)
    if visitor_id:
        qs = qs.filter(visitor_id=visitor_id)
    page = offset_page(request, qs.select_related("person", "visitor").order_by("due_date", "division_code", "id"))
    visitors = list(_visitors_of(request.user, within)) if request.user.can("visits.plan") else []
    counts = {row["status"]: row["n"] for row in selectors.visits_for(request.user).filter(
        month=month, division_code__startswith=within).values("status").order_by().annotate(n=Count("pk"))}
    return render(request, "visits/plan.html", {
        "month": month, "within": within, "page": page, "status": status, "visitors": visitors,
        "status_counts": [(label, counts.get(value, 0)) for value, label in VisitStatus.choices],
        "total": sum(counts.values()), "statuses": VisitStatus.choices, "today": today,
        "months": [plans.add_months(today.replace(day=1), 1), *_months_back(6)], "visitor_id": visitor_id,
        "can_plan": request.user.can("visits.plan"),
    })


@capability_required("visits.plan")
def generate(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    month = month_param(request.GET if request.method == "GET" else request.POST, "month") or today.replace(day=1)
    within = request.user.scope_prefix or ""
    existing = plans.planned_count(within, month)
    action = ConfirmAction(
        obj=request.user, title=gettext("生成探访计划"),
        summary=gettext("按探访对象规则，为辖区内应探访的老年人生成 %(m)s 的探访计划，并按社区平均分配给在岗探访人员。"
                   "已生成的不会重复生成。") % {"m": f"{month:%Y年%m月}"},
        facts=[(gettext("月份"), f"{month:%Y年%m月}"), (gettext("已有计划"), f"{existing:,}")],
        perform=lambda comment, data: gettext("已生成 %(n)s 项探访计划") % {
            "n": f"{services.plan_generate(by=request.user, month=month):,}"},
        success=gettext("已生成探访计划"), redirect_to=reverse("visits:plan") + f"?month={month:%Y-%m}",
        cancel_to=reverse("visits:plan"), button=gettext("生成"), division_code=within)
    return confirm_action(request, action)


@require_POST
@capability_required("visits.plan")
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_scoped_or_404(Visit.objects.all(), request.user, pk=pk)
    try:
        visitor_id = int(request.POST.get("visitor") or 0)
        services.visit_reassign(by=request.user, visit=visit, visitor_id=visitor_id)
        messages.success(request, gettext("已改派"))
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", gettext("请选择探访人员")))
    back = request.POST.get("next") or reverse("visits:plan")
    return redirect(back if back.startswith("/visits/") else reverse("visits:plan"))


# --------------------------------------------------------------------------- the worker's list


@capability_required("visits.record")
def mine(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = list(selectors.worker_list(request.user))
    consents = set(VisitConsent.objects.filter(person_id__in=[v.person_id for v in rows]).values_list("person_id", flat=True))
    cards = [{"visit": v, "age": v.person.age_on(today), "overdue": v.due_date < today, "consent": v.person_id in consents}
             for v in rows]
    done = (restrict(Visit.objects.filter(visitor__user=request.user, month=today.replace(day=1)), request.user)
            .exclude(status=VisitStatus.PLANNED).count())
    return render(request, "visits/mine.html", {
        "today": today,
        "todays": [c for c in cards if c["visit"].due_date == today],
        "overdue": [c for c in cards if c["overdue"]],
        "later": [c for c in cards if c["visit"].due_date > today],
        "done": done, "has_profile": selectors.my_visitors(request.user).exists(),
    })


class _TelRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


@require_POST
@capability_required("visits.record")
def call(request: HttpRequest, pk: int) -> HttpResponse:
    """拨打: the person's full phone is a reveal, audited with its reason, handed to the dialler."""
    visit = get_scoped_or_404(Visit.objects.select_related("person"), request.user, pk=pk)
    person = visit.person
    if not person.phone_enc:
        messages.error(request, gettext("该老年人未登记联系电话"))
        return redirect("visits:mine")
    with audit_context(request.user):
        audit_sensitive_view(person, fields=["phone"], reveal=True, reason=CALL_REASON,
                             division_code=person.division_code)
    phone = crypto.decrypt(person.phone_enc)
    return _TelRedirect("tel:" + "".join(ch for ch in phone if ch.isdigit() or ch in "+-"))


# --------------------------------------------------------------------------- records


@sized_from("visits.VisitRecord")
class RecordForm(forms.Form):
    method = forms.ChoiceField(label=_("探访方式"), choices=VisitMethod.choices, widget=forms.RadioSelect)
    visited_at = forms.DateTimeField(label=_("探访时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                                   format="%Y-%m-%dT%H:%M"))
    health = forms.CharField(label=_("健康状况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    economic = forms.CharField(label=_("经济状况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    safety = forms.CharField(label=_("安全状况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    living_conditions = forms.CharField(label=_("居住环境"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    needs = forms.CharField(label=_("发现的需求"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    risks = forms.MultipleChoiceField(label=_("风险提示"), required=False, choices=Risk.choices,
                                      widget=forms.CheckboxSelectMultiple)
    photo = forms.FileField(label=_("照片（可选，JPG/PNG）"), required=False)
    referral_kind = forms.ChoiceField(label=_("转介"), required=False,
                                      choices=[("", _("不需要转介"))] + list(ReferralKind.choices))
    referral_description = forms.CharField(label=_("转介事项"), required=False, max_length=300)


def _visit(request: HttpRequest, pk: int) -> Visit:
    return get_scoped_or_404(Visit.objects.select_related("person", "visitor"), request.user, pk=pk)


@capability_required("visits.record")
def record_visit(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    if visit.status == VisitStatus.DONE:
        return redirect("visits:record_detail", visit.record.pk)
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = RecordForm(request.POST or None, request.FILES or None,
                      initial={"method": VisitMethod.HOME, "visited_at": now})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data.get("photo")
            try:
                rec = services.visit_record(by=request.user, visit=visit, data=form.cleaned_data,
                                            photo=upload.read() if upload else None)
            except DomainError as exc:
                details = exc.details if isinstance(exc.details, dict) else {}
                for key, reason in details.items():
                    form.add_error(key if key in form.fields else None, reason)
                if not details:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, gettext("探访记录已保存"))
                return redirect("visits:record_detail", rec.pk)
        status = 400
    return render(request, "visits/record_form.html", {"visit": visit, "form": form,
                                                       "age": visit.person.age_on(timezone.localdate())}, status=status)


class MissedForm(forms.Form):
    reason = forms.ChoiceField(label=_("未探访原因"), choices=[("", "—")] + list(MissedReason.choices))
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


@capability_required("visits.record")
def mark_missed(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    form = MissedForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.visit_missed(by=request.user, visit=visit, reason=form.cleaned_data["reason"],
                                      note=form.cleaned_data["note"])
            except DomainError as exc:
                details = exc.details if isinstance(exc.details, dict) else {}
                for key, reason in details.items():
                    form.add_error(key if key in form.fields else None, reason)
                if not details:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, gettext("已登记未探访原因"))
                return redirect("visits:mine" if request.user.can("visits.record") else "visits:plan")
        status = 400
    return render(request, "visits/missed_form.html", {"visit": visit, "form": form}, status=status)


@capability_required("visits.view")
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_scoped_or_404(VisitRecord.objects.select_related("person", "visit", "visitor", "recorded_by"),
                            request.user, pk=pk)
    services.audit_record_view(request.user, rec)
    return render(request, "visits/record_detail.html", {
        "rec": rec, "referrals": rec.referrals.all(), "age": rec.person.age_on(timezone.localdate()),
        "can_refer": request.user.can("visits.record"), "kinds": ReferralKind.choices,
    })


@capability_required("visits.view")
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_scoped_or_404(VisitRecord.objects.all(), request.user, pk=pk)
    if not rec.photo:
        raise Http404
    path = (Path(settings.MEDIA_ROOT) / rec.photo).resolve()
    if not str(path).startswith(str(Path(settings.MEDIA_ROOT).resolve())) or not path.exists():
        raise Http404
    services.audit_record_view(request.user, rec)
    return FileResponse(path.open("rb"), content_type="image/png" if rec.photo.endswith(".png") else "image/jpeg")


@require_POST
@capability_required("visits.record")
def refer(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_scoped_or_404(VisitRecord.objects.all(), request.user, pk=pk)
    try:
        services.referral_open(by=request.user, record=rec, kind=request.POST.get("kind", ""),
                               description=request.POST.get("description", ""))
        messages.success(request, gettext("已转介"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("visits:record_detail", rec.pk)


# --------------------------------------------------------------------------- referrals


@capability_required("visits.view")
def referrals(request: HttpRequest) -> HttpResponse:
    status = choice_param(request.GET, "status", [*ReferralStatus.values])
    kind = choice_param(request.GET, "kind", ReferralKind.values)
    qs = selectors.referrals_for(request.user).filter(division_code__startswith=_within(request))
    if status == ReferralStatus.OPEN:
        qs = qs.filter(status__in=[ReferralStatus.OPEN, ReferralStatus.ACCEPTED])
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    page = offset_page(request, qs.order_by("status", "due_date", "-id"))
    return render(request, "visits/referrals.html", {
        "page": page, "status": status, "kind": kind, "statuses": ReferralStatus.choices, "kinds": ReferralKind.choices,
        "today": timezone.localdate(), "can_handle": request.user.can("visits.plan"),
    })


class ReferralOrderForm(forms.Form):
    """What a service-order referral files: the published catalogue item and the day of service."""

    item = forms.ModelChoiceField(label=_("服务项目"), queryset=None)
    service_date = forms.DateField(label=_("服务日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from yanglao.homecare.models import ServiceItem

        self.fields["item"].queryset = ServiceItem.objects.filter(published=True).order_by("code")
        self.fields["service_date"].initial = timezone.localdate() + dt.timedelta(days=1)


class ReferralSubsidyForm(forms.Form):
    """What a subsidy referral files: the application-based programme and the first month."""

    programme = forms.ModelChoiceField(label=_("补贴项目"), queryset=None)
    from_month = forms.DateField(label=_("起始月份"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from yanglao.benefits.models import Programme

        self.fields["programme"].queryset = Programme.objects.filter(enrolment_mode="application", status="active").order_by("code")
        self.fields["from_month"].initial = timezone.localdate().replace(day=1)


@capability_required("visits.plan")
def referral_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    referral = get_scoped_or_404(Referral.objects.select_related("person"), request.user, pk=pk)
    facts = [(gettext("老年人"), referral.person.name), (gettext("转介类型"), referral.get_kind_display()),
             (gettext("转介事项"), referral.description), (gettext("办理期限"), f"{referral.due_date:%Y-%m-%d}")]
    back = reverse("visits:referrals") + "?status=open"
    if action == "accept":
        form_class = {ReferralKind.SERVICE_ORDER: ReferralOrderForm, ReferralKind.SUBSIDY: ReferralSubsidyForm}.get(
            ReferralKind(referral.kind))
        form = form_class(request.POST or None, person=referral.person) if form_class else None
        conf = ConfirmAction(obj=referral, title=gettext("受理转介"), summary=gettext(
                             "受理后由您跟进办理：能力评估转介同时登记评估申请，服务工单转介同时创建居家养老服务工单，"
                             "补贴转介同时登记补贴申请；所办事项完成后转介自动办结。"), facts=facts, button=gettext("受理"),
                             form=form,
                             perform=lambda c, d: services.referral_accept(by=request.user, referral=referral, note=c,
                                                                          data=d) and None,
                             success=gettext("已受理"), redirect_to=back, cancel_to=back)
    elif action in ("close", "cancel"):
        cancel = action == "cancel"
        conf = ConfirmAction(obj=referral, title=gettext("撤销转介") if cancel else gettext("办结转介"),
                             summary=gettext("请写明撤销原因。") if cancel else gettext("请写明办理结果（如：已派单上门服务、已受理补贴申请）。"),
                             facts=facts, comment_required=True,
                             comment_label=gettext("撤销原因") if cancel else gettext("办理结果"),
                             perform=lambda c, d: services.referral_close(by=request.user, referral=referral, outcome=c,
                                                                         cancel=cancel) and None,
                             success=gettext("已撤销") if cancel else gettext("已办结"), redirect_to=back, cancel_to=back,
                             button=gettext("撤销") if cancel else gettext("办结"), danger=cancel)
    else:
        raise Http404
    return confirm_action(request, conf)


# --------------------------------------------------------------------------- visitors, tiers, consent, change


@sized_from("visits.Visitor")
class VisitorForm(forms.Form):
    name = forms.CharField(label=_("姓名"))
    kind = forms.ChoiceField(label=_("类型"), choices=VisitorKind.choices)
    division_code = DivisionField(label=_("所属村（社区）"), level=5)
    phone_masked = forms.CharField(label=_("联系电话（脱敏显示）"), required=False)


@capability_required("visits.view")
def visitors(request: HttpRequest) -> HttpResponse:
    within = _within(request)
    month = timezone.localdate().replace(day=1)
    qs = restrict(Visitor.objects.filter(division_code__startswith=within), request.user).annotate(
        open_n=Count("visits", filter=Q(visits__status=VisitStatus.PLANNED)),
        month_n=Count("visits", filter=Q(visits__month=month)),
        done_n=Count("visits", filter=Q(visits__month=month, visits__status=VisitStatus.DONE)),
    ).select_related("user", "supervisor").order_by("division_code", "name")
    page = offset_page(request, qs)
    form = bind_pickers(VisitorForm(request.POST or None), request.user) if request.user.can("visits.plan") else None
    status = 200
    if request.method == "POST" and form is not None:
        if form.is_valid():
            try:
                services.visitor_create(by=request.user, supervisor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, gettext("已添加探访人员"))
                return redirect("visits:visitors")
        status = 400
    others = list(_visitors_of(request.user, within)) if form is not None else []
    return render(request, "visits/visitors.html", {"page": page, "form": form, "others": others}, status=status)


@require_POST
@capability_required("visits.plan")
def visitor_handover(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_scoped_or_404(Visitor.objects.all(), request.user, pk=pk)
    try:
        moved = services.visitor_reassign_all(by=request.user, source=source,
                                              target_id=int(request.POST.get("visitor") or 0))
        if request.POST.get("deactivate") == "1":
            services.visitor_set_active(by=request.user, visitor=source, active=False)
        messages.success(request, gettext("已将 %(n)s 项待探访转交") % {"n": moved})
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", gettext("请选择探访人员")))
    return redirect("visits:visitors")


class TierForm(forms.Form):
    name = forms.CharField(label=_("探访等级"), max_length=32)
    rank = forms.IntegerField(label=_("顺序"), min_value=1, max_value=99)
    living_situations = forms.MultipleChoiceField(label=_("居住状况（任一）"), required=False,
                                                  choices=dictionary_field_choices("living_situation"),
                                                  widget=forms.CheckboxSelectMultiple)
    categories = forms.MultipleChoiceField(label=_("人员类别（任一）"), required=False,
                                           choices=dictionary_field_choices("person_category"),
                                           widget=forms.CheckboxSelectMultiple)
    min_care_level = forms.TypedChoiceField(label=_("能力等级不低于"), required=False, coerce=int, empty_value=None,
                                            choices=[("", "—"), (1, "1 轻度失能"), (2, "2 中度失能"), (3, "3 重度失能"),
                                                     (4, "4 完全失能")])
    visits_per_month = forms.IntegerField(label=_("每月探访次数"), min_value=1, max_value=8, initial=1)
    interval_months = forms.TypedChoiceField(label=_("探访周期"), coerce=int, choices=[
        (1, _("每月")), (2, _("每2个月")), (3, _("每季度")), (6, _("每半年")), (12, _("每年"))])
    change_within_hours = forms.IntegerField(label=_("重大变故后几小时内探访"), required=False, min_value=1, max_value=168)
    document_no = forms.CharField(label=_("依据文件"), required=False, max_length=64)


@capability_required("visits.view")
def tiers(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    prefix = request.user.scope_prefix or "4417"
    counties = plans.counties_within(prefix[:6] if len(prefix) >= 6 else prefix)
    effective = [(c, plans.tiers_for(c, today)) for c in counties]
    can_configure = request.user.can("visits.configure") and len(prefix) in (4, 6)
    form = TierForm(request.POST or None) if can_configure else None
    status = 200
    if request.method == "POST" and form is not None:
        if form.is_valid():
            try:
                services.tier_add(by=request.user, data=form.cleaned_data)
            except DomainError as exc:
                details = exc.details if isinstance(exc.details, dict) else {}
                for key, reason in details.items():
                    form.add_error(key if key in form.fields else None, reason)
            else:
                messages.success(request, gettext("已添加规则"))
                return redirect("visits:tiers")
        status = 400
    own = list(VisitTier.objects.filter(division_code=prefix).order_by("-valid_to", "rank")) if can_configure else []
    return render(request, "visits/tiers.html", {"effective": effective, "form": form, "own": own, "today": today},
                  status=status)


@require_POST
@capability_required("visits.configure")
def tier_end(request: HttpRequest, pk: int) -> HttpResponse:
    tier = get_scoped_or_404(VisitTier.objects.all(), request.user, pk=pk)
    try:
        services.tier_end(by=request.user, tier=tier)
        messages.success(request, gettext("规则已停用"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("visits:tiers")


class ConsentForm(forms.Form):
    person = PersonField(label=_("老年人"))
    agreed = forms.TypedChoiceField(label=_("是否同意探访"), coerce=lambda v: v == "1",
                                    choices=[("1", _("同意")), ("0", _("拒绝"))], widget=forms.RadioSelect)
    signed_by = forms.CharField(label=_("签字人（本人或家属）"), required=False, max_length=32)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


@capability_required("visits.record")
def consent(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(ConsentForm(request.POST or None), request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.consent_record(by=request.user, person=form.cleaned_data["person"],
                                        agreed=form.cleaned_data["agreed"], signed_by=form.cleaned_data["signed_by"],
                                        note=form.cleaned_data["note"])
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, gettext("已登记探访意愿"))
                return redirect("visits:consent")
        status = 400
    recent = restrict(VisitConsent.objects.select_related("person"), request.user).order_by("-updated_at")[:20]
    return render(request, "visits/consent.html", {"form": form, "recent": recent}, status=status)


class ChangeForm(forms.Form):
    person = PersonField(label=_("老年人"))
    note = forms.CharField(label=_("变故情况（如：出院回家、配偶去世、房屋受损）"), max_length=200)


@capability_required("visits.record")
def change(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(ChangeForm(request.POST or None), request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                visit = services.report_major_change(by=request.user, person=form.cleaned_data["person"],
                                                     note=form.cleaned_data["note"])
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                due = timezone.localtime(visit.due_by)
                messages.success(request, gettext("已安排探访，须在 %(t)s 前完成") % {"t": f"{due:%m月%d日 %H:%M}"})
                return redirect("visits:plan")
        status = 400
    return render(request, "visits/change.html", {"form": form}, status=status)

