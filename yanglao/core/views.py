"""Console pages of the core: sign-in with two-factor, the workbench, divisions, audit and login logs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors
from .clientip import client_ip
from .errors import AuthenticationFailed, DomainError, ValidationFailed
from .forms import AuditFilterForm, LoginForm, OtpForm, PasswordChangeForm, bind_pickers
from .models import Division, User
from .pagination import keyset_page, offset_page
from .scope import get_scoped_or_404
from .services import (
    ClientInfo,
    auth_check_password,
    auth_login_succeeded,
    password_change,
    totp_begin_enrolment,
    totp_provisioning_uri,
    totp_secret,
    totp_verify,
    two_factor_required,
)

PENDING = "pending_2fa_user"


def _client(request: HttpRequest) -> ClientInfo:
    return ClientInfo(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))


def capability_required(capability: str):  # type: ignore[no-untyped-def]
    def decorator(view):  # type: ignore[no-untyped-def]
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.can(capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        wrapped.required_capability = capability  # read by links that must not answer 403 (core.todos)
        return wrapped

    return decorator


def safe_next(request: HttpRequest, target: str | None) -> str | None:
    """A redirect target from the request, only if it stays on this site."""
    from django.utils.http import url_has_allowed_host_and_scheme

    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return None


def healthz(request: HttpRequest) -> JsonResponse:
    Division.objects.exists()
    return JsonResponse({"status": "ok"})


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            user = auth_check_password(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"], client=_client(request)
            )
        except AuthenticationFailed as exc:
            error = exc.message
        else:
            if two_factor_required(user):
                request.session.cycle_key()
                request.session[PENDING] = user.pk
                return redirect("core:login_2fa")
            return _complete_login(request, user, otp=False)
    return render(request, "core/login.html", {"form": form, "error": error})


def _complete_login(request: HttpRequest, user: User, *, otp: bool) -> HttpResponse:
    auth_login_succeeded(user=user, client=_client(request))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session["otp_ok"] = otp
    request.session.pop(PENDING, None)
    if user.password_expired():
        messages.warning(request, _("您的密码已过期，请先修改密码。"))
        return redirect("core:password_change")
    return redirect(safe_next(request, request.GET.get("next")) or settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def login_2fa(request: HttpRequest) -> HttpResponse:
    """Second step: enrol an authenticator on first use, then enter its six-digit code."""
    user = User.objects.filter(pk=request.session.get(PENDING)).first()
    if user is None:
        return redirect("core:login")
    enrolling = user.totp_confirmed_at is None
    if enrolling and (not user.totp_secret or request.method == "GET"):
        totp_begin_enrolment(user=user)
    form = OtpForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            totp_verify(user=user, code=form.cleaned_data["code"], client=_client(request))
        except AuthenticationFailed as exc:
            error = exc.message
        else:
            return _complete_login(request, user, otp=True)
    context: dict[str, Any] = {"form": form, "error": error, "enrolling": enrolling, "pending_user": user}
    if enrolling:
        context["qr_svg"] = segno.make(totp_provisioning_uri(user), error="m").svg_inline(scale=4)
        context["secret"] = totp_secret(user)
    return render(request, "core/login_2fa.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("core:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The workbench: the user's to-do list first (what waits, how much, since when), then the panels
    modules add for the role (the assessor's visits), then figures and the jurisdiction overview."""
    from .todos import todo_list, workbench_panels

    user = request.user
    todos = todo_list(user)
    # The jurisdiction overview counts the registry: only for those who may read it.
    root = selectors.division_root_for(user) if user.can("divisions.view") and user.can("people.view") else None
    rows = selectors.division_children(user=user, parent=root) if root else []
    return render(request, "core/home.html", {
        "root": root, "rows": rows, "todos": todos, "todo_total": sum(t.item.count for t in todos),
        "panels": workbench_panels(user),
        "cards": selectors.workbench_cards(user),
        "counters": [(k, lbl) for k, (lbl, _f) in selectors.DIVISION_COUNTERS.items()],
    })


@capability_required("divisions.view")
def divisions(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The division browser: city → county → township → community, with counts."""
    user = request.user
    if code is None:
        division = selectors.division_root_for(user)
        if division is None:
            raise PermissionDenied
    else:
        division = get_scoped_or_404(Division.objects.all(), user, code=code)
    rows = selectors.division_children(user=user, parent=division)
    crumbs = [d for d in division.path() if user.scope_prefix and d.code.startswith(user.scope_prefix)]
    counters = [(key, label) for key, (label, _f) in selectors.DIVISION_COUNTERS.items()]
    return render(
        request, "core/divisions.html", {"division": division, "rows": rows, "crumbs": crumbs, "counters": counters}
    )


AUDIT_PAGE = 50


@capability_required("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(AuditFilterForm(request.GET or None), request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.audit_entries(user=request.user, filters=filters)
    # The log grows without end: keyset pages ("before" the last id seen) with a fast total.
    page = keyset_page(request, qs, per_page=AUDIT_PAGE, param="before", key="id")
    return render(request, "core/audit_log.html", {"form": form, "entries": page, "page": page,
                                                   "next_url": page.next_url})


@capability_required("audit.view")
def login_log(request: HttpRequest) -> HttpResponse:
    events = offset_page(request, selectors.login_events(user=request.user))
    return render(request, "core/login_log.html", {"events": events})


@login_required
@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationFailed as exc:
            for field, message in (exc.details or {}).items():
                form.add_error(field if field in form.fields else None, message)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("core:home")
    return render(request, "core/password_change.html", {"form": form})


# ---------------------------------------------------------------------------------------------------
# One action-view shape (NetBox's ObjectEditView/ObjectDeleteView idea): GET shows what will happen,
# the record's key figures and a comment box; POST calls the service, keeps the comment in the audit
# line of the action, flashes the Chinese message and redirects. A DomainError keeps the user on the
# confirmation page with the message. Every consequential console action goes through it.


@dataclass
class ConfirmAction:
    """What a confirmation page shows and what its POST does.

    `perform(comment, data)` calls the service (data: the extra form's cleaned data, or {}) and may
    return a success message replacing `success`. `obj` is the record the audit line names."""

    obj: Any
    title: str
    summary: str
    perform: Callable[[str, dict[str, Any]], Any]
    success: str
    redirect_to: str
    facts: Sequence[tuple[str, Any]] = ()
    cancel_to: str = ""
    comment_required: bool = False
    comment_label: str = ""
    comment_field: str = "comment"
    form: Any = None
    button: str = ""
    danger: bool = False
    division_code: str = ""


def confirm_action(request: HttpRequest, action: ConfirmAction) -> HttpResponse:
    """GET: the confirmation page. POST: the service call, the comment kept, the message, the redirect."""
    from django.db import transaction

    from .audit import model_label, record
    from .models import AuditAction

    error = None
    comment = (request.POST.get(action.comment_field) or "").strip()[:500] if request.method == "POST" else ""
    status = 200
    if request.method == "POST":
        data: dict[str, Any] = {}
        if action.form is not None and not action.form.is_valid():
            error = _("请检查下面标出的内容")
        elif action.comment_required and not comment:
            error = _("请填写%(label)s") % {"label": action.comment_label or _("说明")}
        else:
            data = dict(action.form.cleaned_data) if action.form is not None else {}
            try:
                with transaction.atomic():
                    result = action.perform(comment, data)
                    obj = action.obj
                    record(AuditAction.UPDATE, object_type=model_label(obj), object_id=obj.pk, object_repr=str(obj),
                           division_code=action.division_code or getattr(obj, "division_code", "") or "",
                           extra={"action": str(action.title), "comment": comment})
            except DomainError as exc:
                error = exc.message
                details = exc.details if isinstance(exc.details, dict) else {}
                if action.form is not None:
                    for key, reason in details.items():
                        if key in action.form.fields and isinstance(reason, str):
                            action.form.add_error(key, reason)
            else:
                messages.success(request, result if isinstance(result, str) and result else action.success)
                return redirect(action.redirect_to)
        status = 400
    return render(request, "core/confirm.html", {
        "action": action, "error": error, "comment": comment, "form": action.form,
        "comment_label": action.comment_label or _("说明"),
    }, status=status)
