"""Pages of the alarms module: the duty console (live), incidents, follow-ups, figures and devices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yanglao.core.audit import audit_context, audit_sensitive_list, audit_sensitive_view
from yanglao.core.dbrouting import reads_from_replica
from yanglao.core.errors import DomainError
from yanglao.core.pagination import offset_page
from yanglao.core.params import choice_param, date_param, text_param
from yanglao.core.pickers import bind_pickers
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.views import ConfirmAction, capability_required, confirm_action

from . import conf, selectors, services
from .choices import DeviceKind, IncidentState
from .forms import CloseForm, DeviceForm, DispatchForm, NoteForm
from .models import Device, Incident


def _live_context(request: HttpRequest) -> dict[str, Any]:
    now = timezone.now()
    incidents = list(selectors.console_incidents(request.user)[:100])
    rows = [{"incident": i, "overdue": selectors.is_overdue(i, now), "age": i.person.age_on(now.date()),
             "minutes": int((now - i.opened_at).total_seconds() // 60)} for i in incidents]
    shown = ",".join(str(i.pk) for i in sorted(incidents, key=lambda i: i.pk))
    if incidents and request.session.get("alarms_console_audited") != shown:
        # one line each time the set of incidents shown changes, not one per 2-second poll
        audit_sensitive_list(Incident, ids=[i.pk for i in incidents], fields=["person", "age", "address"],
                             division_code=request.user.scope_prefix or "")
        request.session["alarms_console_audited"] = shown
    return {"rows": rows, "now": now, "waiting": sum(1 for r in rows if r["incident"].state in ("open", "escalated")),
            "follow_ups": selectors.follow_ups_due(request.user).count(), "ack_minutes": conf.ack_seconds() // 60}


@capability_required("alarms.view")
def console(request: HttpRequest) -> HttpResponse:
    """The duty console: incidents not yet closed, refreshed every 2 seconds (htmx polling, no script)."""
    return render(request, "alarms/console.html", {
        **_live_context(request), "can_handle": request.user.can("alarms.handle"),
        "simulator": conf.simulator_enabled() and request.user.can("alarms.handle"),
        "broker": bool(conf.mqtt_url())})


@capability_required("alarms.view")
def console_live(request: HttpRequest) -> HttpResponse:
    return render(request, "alarms/_live.html", _live_context(request))


@capability_required("alarms.handle")
@require_POST
def simulate(request: HttpRequest) -> HttpResponse:
    """The demo's 模拟报警 button: a red-button alarm from a device in the user's jurisdiction."""
    from .simulator import describe
    from .simulator import simulate as run

    if not conf.simulator_enabled():
        messages.error(request, _("模拟器仅在演示环境中可用"))
        return redirect("alarms:console")
    kind = choice_param(request.POST, "kind", [""] + list(DeviceKind.values)) or DeviceKind.RED_BUTTON
    device, result = run(division_prefix=request.user.scope_prefix or "", kind=kind)
    services.escalate_overdue()
    if device is None:
        messages.error(request, _("辖区内没有可模拟的设备，请先登记设备"))
    else:
        messages.success(request, _("已模拟报警：%(d)s") % {"d": describe(device)})
    return redirect("alarms:console")


def _incident(request: HttpRequest, pk: int) -> Incident:
    return get_scoped_or_404(Incident.objects.select_related("person", "device", "acknowledged_by"), request.user, pk=pk)


@capability_required("alarms.view")
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An incident with what the operator needs: the person's age, address, conditions and contacts
    (phones masked; 拨打 reveals one number, audited), the responders nearest first, and the log."""
    incident = _incident(request, pk)
    context = selectors.person_context(incident.person)
    audit_sensitive_view(incident.person, fields=["age", "address", "categories", "care_level", "contacts"],
                         division_code=incident.division_code)
    can_handle = request.user.can("alarms.handle")
    return render(request, "alarms/incident.html", {
        "incident": incident, "person": incident.person, "ctx": context, "steps": incident.steps.select_related("by"),
        "alarms": incident.alarms.order_by("raised_at")[:20], "can_handle": can_handle,
        "responders": selectors.nearest_responders(incident) if can_handle and incident.is_open else [],
        "dispatch_form": DispatchForm(), "note_form": NoteForm(), "overdue": selectors.is_overdue(incident),
        "distance_labels": selectors._DISTANCE_LABELS})


def _act(request: HttpRequest, incident: Incident, func: Any, ok: str) -> HttpResponse:
    try:
        func()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("alarms:incident", pk=incident.pk)


@capability_required("alarms.handle")
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    return _act(request, incident, lambda: services.acknowledge(by=request.user, incident=incident), _("已响应"))


class _TelRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


@capability_required("alarms.handle")
@require_POST
def call(request: HttpRequest, pk: int, contact_pk: int | None = None) -> HttpResponse:
    """拨打: the full number is a reveal (audited with the incident as its reason, and a step in the log),
    handed to the phone's dialler."""
    incident = _incident(request, pk)
    try:
        phone = services.phone_for_call(by=request.user, incident=incident, contact_id=contact_pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("alarms:incident", pk=incident.pk)
    return _TelRedirect("tel:" + "".join(ch for ch in phone if ch.isdigit() or ch in "+-"))


@capability_required("alarms.handle")
@require_POST
def dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    form = DispatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择处置人员类型"))
        return redirect("alarms:incident", pk=incident.pk)
    d = form.cleaned_data
    return _act(request, incident, lambda: services.dispatch(
        by=request.user, incident=incident, responder_kind=d["responder_kind"], responder_name=d["responder_name"],
        note=d["note"]), _("已派遣"))


@capability_required("alarms.handle")
@require_POST
def arrive(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    return _act(request, incident, lambda: services.arrive(by=request.user, incident=incident), _("已登记到场"))


@capability_required("alarms.handle")
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    text = (request.POST.get("text") or "")[:500]
    return _act(request, incident, lambda: services.add_note(by=request.user, incident=incident, text=text), _("已记录"))


@capability_required("alarms.handle")
def close(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    form = CloseForm(request.POST or None)
    back = reverse("alarms:incident", args=[incident.pk])
    return confirm_action(request, ConfirmAction(
        obj=incident, title=_("结案"), form=form, button=_("确认结案"), redirect_to=back, cancel_to=back,
        facts=[(_("事件编号"), incident.number), (_("老年人"), incident.person.name),
               (_("报警类型"), incident.get_kind_display()), (_("状态"), incident.get_state_display()),
               (_("处置人员"), incident.responder_name or "—")],
        summary=_("结案后事件进入“待回访”，须在回访后才算处置完毕。"),
        perform=lambda comment, data: services.close(by=request.user, incident=incident, outcome=data["outcome"],
                                                     note=comment),
        success=_("已结案，请安排回访"), comment_label=_("处置情况")))


@capability_required("alarms.handle")
@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    text = (request.POST.get("note") or "")[:500]
    return _act(request, incident, lambda: services.follow_up(by=request.user, incident=incident, note=text),
                _("已记录回访"))


@capability_required("alarms.view")
def incident_list(request: HttpRequest) -> HttpResponse:
    """Every incident of the jurisdiction, newest first, by state and month."""
    state = choice_param(request.GET, "state", [""] + list(IncidentState.values))
    month = date_param(request.GET, "since")
    name = text_param(request.GET, "q", max_length=32)
    qs = restrict(Incident.objects.select_related("person", "device"), request.user)
    if state:
        qs = qs.filter(state=state)
    if month:
        qs = qs.filter(opened_at__date__gte=month)
    if name:
        qs = qs.filter(person__name__startswith=name)
    page = offset_page(request, qs.order_by("-opened_at", "-pk"))
    return render(request, "alarms/incidents.html", {"page": page, "states": IncidentState.choices, "state": state,
                                                     "since": month, "q": name})


@capability_required("alarms.view")
def follow_ups(request: HttpRequest) -> HttpResponse:
    page = offset_page(request, selectors.follow_ups_due(request.user))
    return render(request, "alarms/follow_ups.html", {"page": page, "can_handle": request.user.can("alarms.handle")})


@capability_required("alarms.view")
@reads_from_replica
def figures(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    end = date_param(request.GET, "end") or today
    start = date_param(request.GET, "start") or (end - dt.timedelta(days=89))
    if start > end:
        start, end = end, start
    figs = selectors.figures(request.user, start, end)
    top = max([n for _a, n, _u in figs.by_area] + [n for _k, n in figs.by_kind] + [1])
    return render(request, "alarms/figures.html", {"f": figs, "top": top})


@capability_required("alarms.view")
def device_list(request: HttpRequest) -> HttpResponse:
    kind = choice_param(request.GET, "kind", [""] + list(DeviceKind.values))
    qs = restrict(Device.objects.select_related("person"), request.user)
    if kind:
        qs = qs.filter(kind=kind)
    page = offset_page(request, qs.order_by("-pk"))
    return render(request, "alarms/devices.html", {"page": page, "kinds": DeviceKind.choices, "kind": kind,
                                                   "can_register": request.user.can("alarms.devices")})


@capability_required("alarms.devices")
def device_new(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(DeviceForm(request.POST or None), request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            device, token = services.device_register(
                by=request.user, person=d["person"], kind=d["kind"], code=d["code"], address=d["address"],
                installed_on=d["installed_on"], notes=d["notes"])
        except DomainError as exc:
            for field, msg in (getattr(exc, "details", None) or {}).items():
                if field in form.fields:
                    form.add_error(field, msg)
            if not getattr(exc, "details", None):
                form.add_error(None, exc.message)
        else:
            return render(request, "alarms/device_token.html", {"device": device, "token": token})
    return render(request, "alarms/device_form.html", {"form": form})


@capability_required("alarms.devices")
@require_POST
def device_token(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_scoped_or_404(Device.objects.select_related("person"), request.user, pk=pk)
    with audit_context(request.user):
        token = services.device_new_token(by=request.user, device=device)
    return render(request, "alarms/device_token.html", {"device": device, "token": token, "renewed": True})
