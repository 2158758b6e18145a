"""Request-wide concerns: secure headers, the audit actor, staff session rules."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .audit import _actor, actor_for
from .clientip import client_ip

Handler = Callable[[HttpRequest], HttpResponse]


class SecurityHeadersMiddleware:
    """Content security policy and a restrictive permissions policy on every response."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=()")
        if request.path.startswith("/api/") or getattr(request, "user", None) and request.user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class AuditContextMiddleware:
    """Everything written during the request is attributed to its user and address."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _actor.set(actor_for(getattr(request, "user", None), client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            _actor.reset(token)


OPEN_PREFIXES = ("/static/", "/login", "/logout", "/i18n/", "/api/", "/public/", "/healthz")


class StaffSecurityMiddleware:
    """A signed-in staff session must have passed two-factor (when required) and have a current password."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(OPEN_PREFIXES):
            from .services import two_factor_required

            if two_factor_required(user) and not request.session.get("otp_ok"):
                logout(request)
                return redirect(settings.LOGIN_URL)
            if user.password_expired() and not request.path.startswith("/account/password"):
                return redirect("core:password_change")
        return self.get_response(request)
