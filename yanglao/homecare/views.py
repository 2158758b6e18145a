"""Console pages of 居家社区养老. Views decide nothing: services do; every list goes through the scoped
selectors; actions with consequences go through core.views.confirm_action."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from yanglao.core.audit import audit_export
from yanglao.core.cells import sheet_row
from yanglao.core.divisions import resolve_division
from yanglao.core.errors import DomainError
from yanglao.core.http import XLSX_CONTENT_TYPE
from yanglao.core.pagination import offset_page
from yanglao.core.pickers import bind_pickers
from yanglao.core.scope import get_scoped_or_404
from yanglao.core.views import ConfirmAction, capability_required, confirm_action

from . import forms as hf
from . import selectors, services
from .choices import ComplaintStatus, FacilityKind, OrderStatus, SettlementStatus
from .models import Facility, HomeProfile, Meal, ProviderStaff, ServiceItem, SubsidyRule


def _errors(form: forms.Form, exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for key, reason in details.items():
        if key in form.fields and isinstance(reason, str):
            form.add_error(key, reason)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _month(text: str | None) -> dt.date:
    try:
        return dt.datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


# --------------------------------------------------------------------------- landing page
@capability_required("homecare.view")
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    orders = selectors.orders_for(user)
    by_status = dict(orders.values_list("status").annotate(n=Count("pk")).order_by())
    statuses = [(s, label, by_status.get(s, 0)) for s, label in OrderStatus.choices]
    context: dict[str, Any] = {"statuses": statuses, "tab": "home",
                               "settlements": selectors.settlements_for(user)[:5],
                               "provider": selectors.provider_of(user)}
    if user.scope_prefix:
        total, rows = selectors.coverage(user)
        context.update(coverage_total=total, missing=selectors.centres_missing(rows),
                       facility_counts=selectors.facility_counts(user))
    return render(request, "homecare/home.html", context)


# --------------------------------------------------------------------------- catalogue
@capability_required("homecare.view")
def catalogue(request: HttpRequest) -> HttpResponse:
    items = selectors.items_for(request.user).prefetch_related("rules__programme")
    if not request.user.can("homecare.configure"):
        items = items.filter(published=True)
    return render(request, "homecare/catalogue.html", {"items": items, "tab": "catalogue"})


def public_catalogue(request: HttpRequest) -> HttpResponse:
    """Public: the published catalogue with prices and subsidies (no sign-in)."""
    today = timezone.localdate()
    items = (ServiceItem.objects.filter(published=True, valid_from__lte=today).exclude(valid_to__lt=today)
             .prefetch_related("rules__programme"))
    return render(request, "homecare/public_catalogue.html", {"items": items, "today": today})


@capability_required("homecare.configure")
def item_create(request: HttpRequest) -> HttpResponse:
    form = hf.ItemForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_create(by=request.user, data=form.cleaned_data)
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已新增服务项目：%(name)s") % {"name": item.name})
            return redirect("homecare:item", pk=item.pk)
    return render(request, "homecare/form.html", {"form": form, "title": _("新增服务项目"), "tab": "catalogue"})


@capability_required("homecare.view")
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.items_for(request.user).filter(pk=pk).first()
    if item is None or (not item.published and not request.user.can("homecare.configure")):
        raise Http404
    form = None
    if request.user.can("homecare.configure"):
        form = hf.RuleForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                services.rule_create(by=request.user, item=item, data=form.cleaned_data)
            except DomainError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("已增加补贴规则"))
                return redirect("homecare:item", pk=pk)
    rules = SubsidyRule.objects.filter(item=item).select_related("programme")
    contracts = selectors.contracts_for(request.user).filter(item=item)
    return render(request, "homecare/item.html", {"item": item, "rules": rules, "form": form, "contracts": contracts,
                                                  "tab": "catalogue"}, status=400 if form and form.errors else 200)


@capability_required("homecare.configure")
@require_POST
def item_publish(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.items_for(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    services.item_publish(by=request.user, item=item, published=request.POST.get("published") == "1")
    messages.success(request, _("已公开") if item.published else _("已撤回公开"))
    return redirect("homecare:item", pk=pk)


# --------------------------------------------------------------------------- providers
@capability_required("homecare.view")
def providers(request: HttpRequest) -> HttpResponse:
    rows = selectors.providers_for(request.user).annotate(
        staff_n=Count("staff", distinct=True), contract_n=Count("contracts", distinct=True))
    return render(request, "homecare/providers.html", {"page": offset_page(request, rows), "tab": "providers"})


@capability_required("homecare.configure")
def provider_create(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(hf.ProviderForm(request.POST or None), request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            provider = services.provider_create(by=request.user, name=d["name"], division_code=d["division_code"],
                                                areas=[d["area"]], contact_name=d["contact_name"], phone=d["phone"],
                                                daily_capacity=d["daily_capacity"], credit_code=d["credit_code"])
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已登记服务商：%(name)s") % {"name": provider.name})
            return redirect("homecare:provider", pk=provider.pk)
    return render(request, "homecare/form.html", {"form": form, "title": _("登记服务商"), "tab": "providers"})


@capability_required("homecare.view")
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    provider = selectors.providers_for(request.user).filter(pk=pk).first()
    if provider is None:
        raise Http404
    can_configure = request.user.can("homecare.configure")
    can_staff = can_configure or request.user.can("homecare.serve")
    staff_form = hf.StaffForm(prefix="staff") if can_staff else None
    contract_form = hf.ContractForm(prefix="contract") if can_configure else None
    area_form = bind_pickers(hf.AreaForm(prefix="area"), request.user) if can_configure else None
    status = 200
    if request.method == "POST":
        which = request.POST.get("form")
        try:
            if which == "staff" and can_staff:
                staff_form = hf.StaffForm(request.POST, prefix="staff")
                if staff_form.is_valid():
                    services.staff_add(by=request.user, provider=provider, **staff_form.cleaned_data)
                    messages.success(request, _("已增加服务人员"))
                    return redirect("homecare:provider", pk=pk)
            elif which == "contract" and can_configure:
                contract_form = hf.ContractForm(request.POST, prefix="contract")
                if contract_form.is_valid():
                    services.contract_create(by=request.user, provider=provider,
                                             division_code=request.user.scope_prefix or provider.division_code,
                                             **contract_form.cleaned_data)
                    messages.success(request, _("已登记服务合同"))
                    return redirect("homecare:provider", pk=pk)
            elif which == "area" and can_configure:
                area_form = bind_pickers(hf.AreaForm(request.POST, prefix="area"), request.user)
                if area_form.is_valid():
                    areas = list(provider.areas.values_list("division_code", flat=True)) + [area_form.cleaned_data["area"]]
                    services.provider_set_areas(by=request.user, provider=provider, areas=areas)
                    messages.success(request, _("已增加服务区域"))
                    return redirect("homecare:provider", pk=pk)
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        status = 400
    staff = selectors.staff_for(request.user).filter(provider=provider)
    contracts = selectors.contracts_for(request.user).filter(provider=provider)
    today = timezone.localdate()
    return render(request, "homecare/provider.html", {
        "provider": provider, "staff": staff, "contracts": contracts, "areas": provider.areas.all(),
        "staff_form": staff_form, "contract_form": contract_form, "area_form": area_form, "tab": "providers",
        "load_today": services.provider_load(provider, today)}, status=status)


# --------------------------------------------------------------------------- orders
ORDER_FILTERS = [("", _("全部"))] + list(OrderStatus.choices)


@capability_required("homecare.view")
def orders(request: HttpRequest) -> HttpResponse:
    rows = selectors.orders_for(request.user)
    status = request.GET.get("status", "")
    if status in OrderStatus.values:
        rows = rows.filter(status=status)
    q = (request.GET.get("q") or "").strip()[:32]
    if q:
        rows = rows.filter(person__name__contains=q)
    flagged = request.GET.get("flagged") == "1"
    if flagged:
        rows = rows.filter(check_in_flagged=True)
    return render(request, "homecare/orders.html", {
        "page": offset_page(request, rows.order_by("-service_date", "-pk")), "status": status, "q": q,
        "flagged": flagged, "statuses": OrderStatus.choices, "tab": "orders"})


@capability_required("homecare.order")
def order_create(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(hf.OrderForm(request.POST or None, initial={"service_date": timezone.localdate()}),
                        request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            order = services.order_create(by=request.user, person=d["person"], item=d["item"],
                                          service_date=d["service_date"], quantity=d["quantity"], note=d["note"])
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已登记服务工单，请派单"))
            return redirect("homecare:order", pk=order.pk)
    return render(request, "homecare/form.html", {"form": form, "title": _("登记服务需求"), "tab": "orders"},
                  status=400 if form.errors else 200)


@capability_required("homecare.order")
def hotline(request: HttpRequest) -> HttpResponse:
    """The 12349 hotline desk: the call record, and an order for the person when a service was asked."""
    form = bind_pickers(hf.CallForm(request.POST or None), request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if d["item"] and not d["person"]:
            form.add_error("person", _("生成服务工单须选择老年人"))
        elif d["item"] and not d["service_date"]:
            form.add_error("service_date", _("请填写服务日期"))
        else:
            try:
                call = services.call_record(by=request.user, caller_name=d["caller_name"], asked=d["asked"],
                                            action_taken=d["action_taken"], caller_relation=d["caller_relation"],
                                            caller_phone=d["caller_phone"], person=d["person"])
                if d["item"]:
                    order = services.order_create(by=request.user, person=d["person"], item=d["item"],
                                                  service_date=d["service_date"], note=d["asked"], call=call)
                    messages.success(request, _("已记录来电并生成服务工单"))
                    return redirect("homecare:order", pk=order.pk)
            except DomainError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("已记录来电"))
                return redirect("homecare:hotline")
    calls = offset_page(request, selectors.calls_for(request.user))
    return render(request, "homecare/hotline.html", {"form": form, "calls": calls, "tab": "hotline"},
                  status=400 if form.errors else 200)


def _order(request: HttpRequest, pk: int) -> Any:
    return get_scoped_or_404(selectors.orders_for(request.user), request.user, pk=pk)


@capability_required("homecare.view")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    user = request.user
    dispatch_form = accept_form = rate_form = complaint_form = None
    if user.can("homecare.order") and order.status == OrderStatus.REQUESTED:
        dispatch_form = hf.DispatchForm()
        dispatch_form.fields["provider"].queryset = selectors.providers_for(user).filter(active=True)
    if user.can("homecare.serve") and order.status == OrderStatus.DISPATCHED:
        accept_form = hf.AcceptForm()
        accept_form.fields["carer"].queryset = ProviderStaff.objects.filter(provider=order.provider_id, active=True)
    if order.status == OrderStatus.COMPLETED and (user.can("homecare.order") or user.can("homecare.serve")):
        rate_form = hf.RateForm()
    if user.can("homecare.order") and order.status not in (OrderStatus.CANCELLED,):
        complaint_form = hf.ComplaintForm()
    home_profile = HomeProfile.objects.filter(person_id=order.person_id).first()
    return render(request, "homecare/order.html", {
        "order": order, "dispatch_form": dispatch_form, "accept_form": accept_form, "rate_form": rate_form,
        "complaint_form": complaint_form, "complaints": order.complaints.all(), "home": home_profile,
        "options": services.providers_for_order(order) if dispatch_form else [], "tab": "orders",
        "radius": services.checkin_radius_m()})


def _act(request: HttpRequest, pk: int, func: Any, success: str, to: str = "homecare:order") -> HttpResponse:
    try:
        func()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(to, pk=pk) if to == "homecare:order" or to == "homecare:serve" else redirect(to)


@capability_required("homecare.order")
@require_POST
def order_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = hf.DispatchForm(request.POST)
    form.fields["provider"].queryset = selectors.providers_for(request.user).filter(active=True)
    if not form.is_valid():
        messages.error(request, _("请选择服务商"))
        return redirect("homecare:order", pk=pk)
    return _act(request, pk, lambda: services.order_dispatch(by=request.user, order=order,
                                                             provider=form.cleaned_data["provider"]),
                _("已派单"))


@capability_required("homecare.serve")
@require_POST
def order_accept(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    carer = ProviderStaff.objects.filter(provider=order.provider_id, active=True,
                                         pk=request.POST.get("carer") or 0).first()
    return _act(request, pk, lambda: services.order_accept(by=request.user, order=order, carer=carer), _("已接单"),
                to=request.POST.get("next") == "serve" and "homecare:serve" or "homecare:order")


@capability_required("homecare.serve")
def order_decline(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    return confirm_action(request, ConfirmAction(
        obj=order, title=_("退单"), summary=_("退单后工单退回待派单，由社区工作人员改派其他服务商。"),
        facts=[(_("老年人"), order.person.name), (_("服务项目"), order.item.name), (_("服务日期"), order.service_date)],
        perform=lambda comment, data: services.order_decline(by=request.user, order=order, reason=comment),
        success=_("已退单"), redirect_to=reverse("homecare:my_orders"), cancel_to=reverse("homecare:order", args=[pk]),
        comment_required=True, comment_label=_("退单原因"), button=_("退单"), danger=True))


@capability_required("homecare.order")
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    return confirm_action(request, ConfirmAction(
        obj=order, title=_("取消工单"), summary=_("取消后工单不再派单、不参与结算。"),
        facts=[(_("老年人"), order.person.name), (_("服务项目"), order.item.name), (_("服务日期"), order.service_date)],
        perform=lambda comment, data: services.order_cancel(by=request.user, order=order, reason=comment),
        success=_("工单已取消"), redirect_to=reverse("homecare:order", args=[pk]),
        comment_required=True, comment_label=_("取消原因"), button=_("取消工单"), danger=True))


@capability_required("homecare.view")
@require_POST
def order_rate(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = hf.RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择满意度并填写评价人"))
        return redirect("homecare:order", pk=pk)
    d = form.cleaned_data
    to = "homecare:serve" if request.POST.get("next") == "serve" else "homecare:order"
    return _act(request, pk, lambda: services.order_rate(by=request.user, order=order, rating=d["rating"],
                                                         comment=d["comment"], rated_by=d["rated_by"]),
                _("已记录评价"), to=to)


@capability_required("homecare.order")
@require_POST
def complaint_create(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = hf.ComplaintForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写投诉人和投诉内容"))
        return redirect("homecare:order", pk=pk)
    return _act(request, pk, lambda: services.complaint_create(by=request.user, order=order, **form.cleaned_data),
                _("已受理投诉"))


@capability_required("homecare.view")
def complaints(request: HttpRequest) -> HttpResponse:
    rows = selectors.complaints_for(request.user)
    show = request.GET.get("show", "open")
    if show == "open":
        rows = rows.exclude(status=ComplaintStatus.CLOSED)
    return render(request, "homecare/complaints.html", {"page": offset_page(request, rows), "show": show,
                                                        "tab": "complaints"})


@capability_required("homecare.view")
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_scoped_or_404(selectors.complaints_for(request.user), request.user, pk=pk)
    can_follow = request.user.can("homecare.order") or request.user.can("homecare.serve")
    form = hf.FollowUpForm(request.POST or None) if can_follow and complaint.status != ComplaintStatus.CLOSED else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.complaint_follow_up(by=request.user, complaint=complaint, note=form.cleaned_data["note"],
                                         closes=form.cleaned_data["closes"])
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已记录跟进情况"))
            return redirect("homecare:complaint", pk=pk)
    return render(request, "homecare/complaint.html", {"complaint": complaint, "form": form,
                                                       "follow_ups": complaint.follow_ups.select_related("by"),
                                                       "tab": "complaints"})


# --------------------------------------------------------------------------- the carer's phone pages
@capability_required("homecare.serve")
def my_orders(request: HttpRequest) -> HttpResponse:
    rows = selectors.orders_for(request.user).filter(
        status__in=[OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.IN_SERVICE, OrderStatus.COMPLETED]
    ).order_by("service_date", "pk")
    staff = ProviderStaff.objects.filter(user=request.user).first()
    return render(request, "homecare/my_orders.html", {"page": offset_page(request, rows), "staff": staff,
                                                       "tab": "mine"})


@capability_required("homecare.serve")
def serve(request: HttpRequest, pk: int) -> HttpResponse:
    """One order on the carer's phone: accept, check in (location), check out with what was done, rating."""
    order = _order(request, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        lat, lon = request.POST.get("latitude"), request.POST.get("longitude")
        try:
            if action == "check_in":
                order = services.order_check_in(by=request.user, order=order, latitude=lat, longitude=lon)
                if order.check_in_flagged:
                    messages.warning(request, _("已签到，但签到位置距老人住址 %(d)s 米，已标记为位置异常") % {
                        "d": order.check_in_distance_m if order.check_in_distance_m is not None else "—"})
                else:
                    messages.success(request, _("已签到（距住址 %(d)s 米）") % {"d": order.check_in_distance_m})
            elif action == "check_out":
                services.order_check_out(by=request.user, order=order, latitude=lat, longitude=lon,
                                         work_done=request.POST.get("work_done", "")[:500])
                messages.success(request, _("已签退，服务完成。请老人或家属评价"))
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("homecare:serve", pk=pk)
    carers = ProviderStaff.objects.filter(provider=order.provider_id, active=True)
    return render(request, "homecare/serve.html", {"order": order, "carers": carers, "rate_form": hf.RateForm(),
                                                   "tab": "mine", "radius": services.checkin_radius_m()})


# --------------------------------------------------------------------------- plans
@capability_required("homecare.order")
def plans(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(hf.PlanForm(request.POST or None, initial={"valid_from": timezone.localdate()}), request.user)
    if request.method == "POST" and request.POST.get("form") == "generate":
        monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
        if request.POST.get("week") == "this":
            monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
        n = services.plans_generate(by=request.user, week_start=monday)
        messages.success(request, _("已按服务计划生成 %(n)s 张工单（%(d)s 起一周）") % {"n": n, "d": monday})
        return redirect("homecare:plans")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.plan_create(by=request.user, person=d["person"], item=d["item"], weekday=d["weekday"],
                                 valid_from=d["valid_from"], valid_to=d["valid_to"], quantity=d["quantity"])
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已新增服务计划"))
            return redirect("homecare:plans")
    rows = offset_page(request, selectors.plans_for(request.user).order_by("-pk"))
    return render(request, "homecare/plans.html", {"form": form, "page": rows, "tab": "plans",
                                                   "weekdays": dict(hf.WEEKDAYS)},
                  status=400 if form.errors else 200)


@capability_required("homecare.order")
def home_location(request: HttpRequest, person_id: int) -> HttpResponse:
    from yanglao.people.selectors import people_for

    person = get_scoped_or_404(people_for(request.user), request.user, pk=person_id)
    profile = HomeProfile.objects.filter(person=person).first()
    form = hf.HomeForm(request.POST or None, initial={"latitude": profile.latitude, "longitude": profile.longitude,
                                                      "note": profile.note} if profile else None)
    if request.method == "POST" and form.is_valid():
        services.home_set(by=request.user, person=person, **form.cleaned_data)
        messages.success(request, _("已保存住址定位"))
        return redirect(request.GET.get("next_order") and reverse("homecare:order", args=[request.GET["next_order"]])
                        or reverse("homecare:orders"))
    return render(request, "homecare/form.html", {"form": form, "title": _("住址定位：%(n)s") % {"n": person.name},
                                                  "tab": "orders", "geo": True})


# --------------------------------------------------------------------------- settlements
@capability_required("homecare.view")
def settlements(request: HttpRequest) -> HttpResponse:
    rows = selectors.settlements_for(request.user)
    status = request.GET.get("status", "")
    if status in SettlementStatus.values:
        rows = rows.filter(status=status)
    form = None
    if request.user.can("homecare.settle"):
        form = hf.SettleForm(request.POST or None)
        form.fields["provider"].queryset = selectors.providers_for(request.user)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                if d["provider"]:
                    s = services.settlement_prepare(by=request.user, provider=d["provider"], month=d["month"])
                    messages.success(request, _("已生成结算单，待另一位工作人员复核"))
                    return redirect("homecare:settlement", pk=s.pk)
                n = services.settle(by=request.user, month=d["month"])
                messages.success(request, _("已生成结算：新增结算工单 %(n)s 条，待复核") % {"n": n})
                return redirect(reverse("homecare:settlements") + "?status=prepared")
            except DomainError as exc:
                _errors(form, exc)
    return render(request, "homecare/settlements.html", {"page": offset_page(request, rows), "form": form,
                                                         "status": status, "statuses": SettlementStatus.choices,
                                                         "tab": "settlements"},
                  status=400 if form is not None and form.errors else 200)


def _settlement(request: HttpRequest, pk: int) -> Any:
    return get_scoped_or_404(selectors.settlements_for(request.user), request.user, pk=pk)


@capability_required("homecare.view")
def settlement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    s = _settlement(request, pk)
    lines = s.lines.select_related("order__person", "order__item").order_by("service_date", "order_id")
    by_item = (s.lines.values("order__item__name").annotate(n=Count("pk"), amount=models_sum("amount_fen"),
                                                            subsidy=models_sum("subsidy_fen"))
               .order_by("order__item__name"))
    return render(request, "homecare/settlement.html", {"s": s, "page": offset_page(request, lines),
                                                        "by_item": by_item, "tab": "settlements"})


def models_sum(field: str) -> Any:
    from django.db.models import Sum

    return Sum(field)


def _settlement_facts(s: Any) -> list[tuple[str, Any]]:
    return [(_("服务商"), s.provider.name), (_("结算月份"), f"{s.month:%Y年%m月}"), (_("工单数"), s.line_count),
            (_("服务金额"), f"¥{s.amount_fen / 100:,.2f}"), (_("补贴金额"), f"¥{s.subsidy_fen / 100:,.2f}"),
            (_("自付金额"), f"¥{s.own_fen / 100:,.2f}"), (_("制单人"), s.prepared_by.display_name)]


@capability_required("homecare.approve")
def settlement_approve(request: HttpRequest, pk: int) -> HttpResponse:
    s = _settlement(request, pk)
    return confirm_action(request, ConfirmAction(
        obj=s, title=_("复核结算单"), facts=_settlement_facts(s),
        summary=_("复核通过后结算单锁定，补贴部分计入津补贴统计报表。制单人不能复核自己制作的结算单。"),
        perform=lambda comment, data: services.settlement_approve(by=request.user, settlement=s, comment=comment),
        success=_("结算单已复核通过"), redirect_to=reverse("homecare:settlement", args=[pk]),
        comment_required=True, comment_label=_("复核意见"), button=_("复核通过")))


@capability_required("homecare.settle")
def settlement_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    s = _settlement(request, pk)
    return confirm_action(request, ConfirmAction(
        obj=s, title=_("作废结算单"), facts=_settlement_facts(s), danger=True,
        summary=_("作废后结算明细删除，这些工单可以重新结算。"),
        perform=lambda comment, data: services.settlement_cancel(by=request.user, settlement=s, reason=comment),
        success=_("结算单已作废"), redirect_to=reverse("homecare:settlements"),
        cancel_to=reverse("homecare:settlement", args=[pk]), comment_required=True, comment_label=_("作废原因"),
        button=_("作废")))


@capability_required("homecare.export")
def settlement_export(request: HttpRequest, pk: int) -> HttpResponse:
    s = _settlement(request, pk)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("结算明细")
    sheet_row(ws, [f"{s.provider.name} {s.month:%Y年%m月} 居家养老服务结算单（{s.get_status_display()}）"])
    sheet_row(ws, ["工单号", "服务日期", "老年人", "区划代码", "服务项目", "数量", "金额（元）", "补贴（元）", "自付（元）"])
    n = 0
    for line in s.lines.select_related("order__person", "order__item").order_by("service_date", "order_id").iterator():
        sheet_row(ws, [line.order_id, line.service_date.isoformat(), line.order.person.name, line.division_code,
                       line.order.item.name, line.quantity, line.amount_fen / 100, line.subsidy_fen / 100,
                       line.own_fen / 100])
        n += 1
    sheet_row(ws, ["合计", "", "", "", "", s.line_count, s.amount_fen / 100, s.subsidy_fen / 100, s.own_fen / 100])
    sheet_row(ws, ["制单人", s.prepared_by.display_name, "复核人", s.approved_by.display_name if s.approved_by else ""])
    out = io.BytesIO()
    wb.save(out)
    audit_export(type(s), count=n, fmt="xlsx", filters={"settlement": s.pk}, masked=True,
                 division_code=request.user.scope_prefix or s.division_code)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename=settlement-{s.pk}-{s.month:%Y%m}.xlsx"
    return response


# --------------------------------------------------------------------------- facilities and coverage
@capability_required("homecare.view")
def facilities(request: HttpRequest) -> HttpResponse:
    rows = selectors.facilities_for(request.user).annotate(served_n=Count("served"))
    kind = request.GET.get("kind", "")
    if kind in FacilityKind.values:
        rows = rows.filter(kind=kind)
    return render(request, "homecare/facilities.html", {"page": offset_page(request, rows), "kind": kind,
                                                        "kinds": FacilityKind.choices, "tab": "facilities"})


def _served_codes(user: Any, text: str) -> list[str]:
    codes = []
    for part in [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip()]:
        codes.append(resolve_division(part, within=user.scope_prefix, level=5).code)
    return codes


@capability_required("homecare.configure")
def facility_create(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(hf.FacilityForm(request.POST or None), request.user)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            served = _served_codes(request.user, d.pop("served"))
            facility = services.facility_save(by=request.user, data=d, served=served)
        except DomainError as exc:
            if "served" in str(exc.details) or "候选" in exc.message or "找不到" in exc.message:
                form.add_error("served", exc.message)
            else:
                _errors(form, exc)
        else:
            messages.success(request, _("已登记设施：%(n)s") % {"n": facility.name})
            return redirect("homecare:facilities")
    return render(request, "homecare/form.html", {"form": form, "title": _("登记服务设施"), "tab": "facilities"},
                  status=400 if form.errors else 200)


@capability_required("homecare.view")
def coverage(request: HttpRequest) -> HttpResponse:
    total, rows = selectors.coverage(request.user)
    return render(request, "homecare/coverage.html", {"total": total, "rows": rows, "tab": "coverage",
                                                      "missing": selectors.centres_missing(rows)})


# --------------------------------------------------------------------------- meals
@capability_required("homecare.meals")
def meals(request: HttpRequest) -> HttpResponse:
    points = selectors.facilities_for(request.user).filter(active=True, meal_item__isnull=False)
    form = bind_pickers(hf.MealForm(request.POST or None), request.user)
    form.fields["facility"].queryset = points
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meal = services.meal_serve(by=request.user, facility=d["facility"], person=d["person"],
                                       day=timezone.localdate(), meal=d["meal"], pay_method=d["pay_method"],
                                       delivered=d["delivered"])
        except DomainError as exc:
            _errors(form, exc)
        else:
            return redirect("homecare:meal_receipt", pk=meal.pk)
    month = _month(request.GET.get("month"))
    return render(request, "homecare/meals.html", {
        "form": form, "month": month, "figures": selectors.meal_month_figures(request.user, month),
        "recent": selectors.meals_for(request.user)[:10], "tab": "meals",
        "topup": bind_pickers(hf.TopupForm(), request.user)}, status=400 if form.errors else 200)


@capability_required("homecare.meals")
@require_POST
def meal_topup(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(hf.TopupForm(request.POST), request.user)
    if form.is_valid():
        try:
            account = services.meal_topup(by=request.user, person=form.cleaned_data["person"],
                                          amount_fen=form.cleaned_data["amount"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已充值，餐卡余额 ¥%(b).2f") % {"b": account.balance_fen / 100})
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("homecare:meals")


@capability_required("homecare.meals")
def meal_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    meal = get_scoped_or_404(Meal.objects.select_related("facility", "person", "programme"), request.user, pk=pk)
    return render(request, "homecare/meal_receipt.html", {"meal": meal, "tab": "meals"})


__all__ = ["Facility"]
