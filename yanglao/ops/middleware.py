"""The request's id (from nginx's X-Request-ID or new), its user and division in every log line, one
JSON line per request, the request metrics by view; and a clear 503 while the database is unreachable."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from yanglao.core.clientip import client_ip

from . import logs

Handler = Callable[[HttpRequest], HttpResponse]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("yanglao.request")
log = logging.getLogger("yanglao.ops")


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "static" if request.path.startswith("/static/") else "unresolved"
    return match.view_name or match._func_path  # type: ignore[attr-defined]


class RequestContextMiddleware:
    """Outermost: sees every request, including those whitenoise answers and those that fail."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        # Left set until the response is sent (logs.clear_context on request_finished), so Django's own
        # "Not Found"/"Bad Request" lines, written after the middleware returns, carry them too.
        logs.request_id.set(rid)
        logs.user_id.set(None)
        logs.division.set("")
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response.headers["X-Request-ID"] = rid
            return response
        finally:
            elapsed = time.perf_counter() - started
            user = getattr(request, "user", None)
            if user is not None and getattr(user, "is_authenticated", False):
                logs.user_id.set(user.pk)
                logs.division.set(getattr(user, "scope_prefix", "") or "")
            view = _view_name(request)
            from . import metrics

            metrics.observe_request(view, request.method or "", status, elapsed)
            if view != "static":
                # The path only: query strings carry search terms (names, ID numbers) and never reach the log.
                access_log.info("%s %s %s", request.method, request.path, status,
                                extra={"method": request.method, "path": request.path, "view": view,
                                       "client": client_ip(request),
                                       "status": status, "duration_ms": round(elapsed * 1000, 1)})


class DatabaseUnavailableMiddleware:
    """While the database is unreachable (restart, failover, network), every request that needs it answers
    503 with Retry-After and a message saying so, in the API's error shape under /api/ and as a Chinese page
    elsewhere, instead of a bare 500. Nothing half-written stays: each request is one transaction."""

    MESSAGE = "数据库暂时无法连接，您的操作未保存，请稍后重试"

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError) or not _unusable():
            return None  # not an outage (a lock timeout, a serialization failure…): the usual 500
        log.warning("database unavailable: %s", type(exception).__name__)
        return database_unavailable(request)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    from django.http import JsonResponse

    from yanglao.core.api.errors import error_body

    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body("database_unavailable", DatabaseUnavailableMiddleware.MESSAGE),
                                              status=503)
    else:
        body = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>服务暂时不可用</title>"
                f"<body><h1>服务暂时不可用</h1><p>{DatabaseUnavailableMiddleware.MESSAGE}。</p></body></html>")
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response


def is_outage() -> bool:
    """Whether the exception being handled is the database being unreachable (not a bad query)."""
    import sys

    exception = sys.exc_info()[1]
    return isinstance(exception, OperationalError | InterfaceError) and _unusable()


def _unusable() -> bool:
    from django.db import connection

    try:
        return connection.connection is None or not connection.is_usable()
    except Exception:  # noqa: BLE001 - failing to ask is an answer
        return True
