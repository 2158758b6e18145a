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


OPEN_PREFIXES = ("/static/", "/login", "/logout", "/i18n/", "/api/", "/public/", "/healthz", "/health/",
                 "/metrics")


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


class DomainErrorPageMiddleware:
    """A console page whose service refused (DomainError: forbidden, conflict, rate limited…) answers
    with the message in Chinese inside the layout and the error's status, never a 500. The API has its
    own handler (core/api/errors.py) and is left to it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.template.response import TemplateResponse

        from .errors import DomainError

        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        response = TemplateResponse(request, "error.html", {"message": exception.message, "status": exception.status},
                                    status=exception.status)
        return response.render()


class RejectNulMiddleware:
    """One place for what PostgreSQL cannot store: a NUL character in the path, a query parameter or a
    form field answers 400 (the API's error shape under /api/, a Chinese page in the console) before any
    view runs. The API's JSON and multipart bodies are checked by its parsers (core/api/parsers.py)."""

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .params import contains_nul

        bad = "\x00" in request.path or contains_nul(request.GET)
        if not bad and not request.path.startswith("/api/") and request.method == "POST" and (
            request.content_type in self.FORM_TYPES
        ):
            bad = contains_nul(request.POST)
        if bad:
            return error_response(request, 400, "invalid_characters", "请求中含有不允许的空字符（NUL）")
        return self.get_response(request)


def error_response(request: HttpRequest, status: int, code: str, message: str, details: object = None) -> HttpResponse:
    """The API's error shape under /api/, otherwise the Chinese error page."""
    from django.http import JsonResponse
    from django.shortcuts import render

    from .api.errors import error_body

    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, message, details), status=status)
    return render(request, "error.html", {"message": message, "status": status}, status=status)


class LanguageMiddleware:
    """The console speaks LANGUAGE_CODE (zh-hans) whatever the browser sends: an English-language browser
    in a county office must not switch a Chinese system to English. Only the explicit switch (Django's
    `set_language`, which stores the choice in the language cookie) changes it. Replaces Django's
    LocaleMiddleware, which would follow Accept-Language."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import translation

        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            try:
                language = translation.get_supported_language_variant(chosen)
            except LookupError:
                pass
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
