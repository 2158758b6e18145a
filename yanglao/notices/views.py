"""The message centre (站内信) and the SMS pages. Views decide nothing: services and selectors do.
Every change is a POST; opening a notice is a POST that marks it read and goes to its record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yanglao.core.divisions import resolve_division
from yanglao.core.errors import DomainError
from yanglao.core.pagination import offset_page
from yanglao.core.pickers import bind_pickers
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.views import capability_required, safe_next

from . import selectors, services, sms
from .forms import OptOutForm, TemplateForm
from .models import SmsOptOut, SmsStatus
from .registry import NOTICE_KINDS, SMS_TEMPLATES


def _kinds() -> list[tuple[str, Any]]:
    return [(k, spec.label) for k, spec in NOTICE_KINDS.items()]


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state") or ""
    state = state if state in ("unread", "read") else ""
    kind = request.GET.get("kind") or ""
    kind = kind if kind in NOTICE_KINDS else ""
    page = offset_page(request, selectors.inbox(request.user, state=state, kind=kind))
    return render(request, "notices/inbox.html", {
        "page": page, "state": state, "kind": kind, "kinds": _kinds(), "tab": "inbox",
    })


@require_POST
@login_required
def open_notice(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notice = services.open_notice(request.user, pk)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return redirect(safe_next(request, notice.link) or reverse("notices:inbox"))


@require_POST
@login_required
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()][:200]
    if request.POST.get("all") == "1":
        n = services.mark_all_read(request.user, kind=request.POST.get("kind", "") if request.POST.get("kind") in NOTICE_KINDS else "")
    else:
        n = services.mark_read(request.user, ids)
    messages.success(request, _("已将 %(n)s 条消息标为已读") % {"n": n})
    return redirect(safe_next(request, request.POST.get("next")) or reverse("notices:inbox"))


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.set_preferences(request.user, {k: request.POST.get(k) == "on" for k in NOTICE_KINDS})
        messages.success(request, _("消息接收设置已保存"))
        return redirect("notices:preferences")
    prefs = services.preferences_of(request.user)
    rows = [{"key": k, "label": s.label, "description": s.description, "on": prefs[k], "mandatory": s.mandatory}
            for k, s in NOTICE_KINDS.items()]
    return render(request, "notices/preferences.html", {"rows": rows, "tab": "preferences"})


# --------------------------------------------------------------------------- SMS


@capability_required("notices.sms_view")
def sms_log(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    status = status if status in SmsStatus.values else ""
    template = request.GET.get("template") or ""
    template = template if template in SMS_TEMPLATES else ""
    division_text = (request.GET.get("division") or "").strip()[:40]
    division, division_error = "", ""
    if division_text:
        try:
            division = resolve_division(division_text, within=request.user.scope_prefix or "").code
        except DomainError as exc:
            division_error = exc.message
    qs = selectors.sms_log(request.user, status=status, template=template, division=division)
    if division_error:
        qs = qs.none()
    page = offset_page(request, qs)
    return render(request, "notices/sms_log.html", {
        "page": page, "status": status, "template": template, "division": division_text,
        "division_error": division_error, "statuses": SmsStatus.choices,
        "templates": [(k, s.label) for k, s in SMS_TEMPLATES.items()], "template_labels": {k: s.label for k, s in SMS_TEMPLATES.items()},
        "tab": "sms",
    })


@capability_required("notices.sms_optout")
def optouts(request: HttpRequest) -> HttpResponse:
    form = OptOutForm(request.POST or None, initial={"opted_out_on": timezone.localdate()})
    bind_pickers(form, request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            sms.opt_out_record(by=request.user, person=d["person"], source=d["source"], on=d["opted_out_on"],
                               phone=d["phone"], note=d["note"])
        except DomainError as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            for key, reason in details.items():
                form.add_error(key if key in form.fields else None, reason)
            if not details:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("已登记退订：今后不再向其发送短信"))
            return redirect("notices:optouts")
    page = offset_page(request, restrict(SmsOptOut.objects.select_related("person"), request.user)
                       .order_by("-opted_out_on", "-id"))
    return render(request, "notices/optouts.html", {"page": page, "form": form, "tab": "optouts"})


@require_POST
@capability_required("notices.sms_optout")
def optout_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_scoped_or_404(SmsOptOut.objects.all(), request.user, pk=pk)
    if row.withdrawn_on is None:
        sms.opt_out_withdraw(by=request.user, opt_out=row)
        messages.success(request, _("已恢复接收短信"))
    return redirect("notices:optouts")


@capability_required("notices.sms_templates")
def templates(request: HttpRequest) -> HttpResponse:
    rows = []
    for key, spec in SMS_TEMPLATES.items():
        body = sms.template_body(key)
        rows.append({"key": key, "label": spec.label, "body": body, "custom": body != spec.default_body,
                     "placeholders": spec.placeholders, "preview": sms.render(key, spec.sample)})
    return render(request, "notices/templates.html", {"rows": rows, "tab": "templates"})


@capability_required("notices.sms_templates")
def template_edit(request: HttpRequest, key: str) -> HttpResponse:
    spec = SMS_TEMPLATES.get(key)
    if spec is None:
        raise Http404
    form = TemplateForm(request.POST or None, initial={"body": sms.template_body(key)})
    if request.method == "POST":
        if request.POST.get("reset") == "1":
            sms.template_reset(by=request.user, key=key)
            messages.success(request, _("已恢复默认内容"))
            return redirect("notices:templates")
        if form.is_valid():
            try:
                sms.template_save(by=request.user, key=key, body=form.cleaned_data["body"])
            except DomainError as exc:
                form.add_error("body", (exc.details or {}).get("body", exc.message) if isinstance(exc.details, dict) else exc.message)
            else:
                messages.success(request, _("短信模板已保存"))
                return redirect("notices:templates")
    return render(request, "notices/template_edit.html", {"form": form, "spec": spec, "key": key, "tab": "templates"})
