"""One error shape for the whole API: {"error": {"code", "message", "details"}}, messages in Chinese."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from ..errors import DomainError

_MESSAGES: dict[type[exceptions.APIException], tuple[str, str]] = {
    exceptions.ParseError: ("malformed_request", "请求体不是有效的 JSON"),
    exceptions.NotAuthenticated: ("not_authenticated", "未登录或未提供令牌"),
    exceptions.AuthenticationFailed: ("authentication_failed", "认证失败"),
    exceptions.PermissionDenied: ("forbidden", "您没有执行此操作的权限"),
    exceptions.NotFound: ("not_found", "记录不存在或不在您的管辖范围内"),
    exceptions.MethodNotAllowed: ("method_not_allowed", "不支持该请求方法"),
    exceptions.NotAcceptable: ("not_acceptable", "无法按请求的格式返回"),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", "不支持的请求内容类型"),
    exceptions.Throttled: ("throttled", "请求过于频繁，请稍后再试"),
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _flatten(detail: Any) -> Any:
    """DRF's ErrorDetail lists → plain strings, one message per field."""
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        items = [_flatten(v) for v in detail]
        if all(isinstance(i, str) for i in items):
            return "；".join(items)
        return items
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if isinstance(exc, exceptions.ValidationError):
        details = _flatten(exc.detail)
        if isinstance(details, str):
            details = {"non_field_errors": details}
        return Response(error_body("validation_failed", "提交的数据有误", details), status=status.HTTP_400_BAD_REQUEST)
    code, message = next(
        ((c, m) for cls, (c, m) in _MESSAGES.items() if isinstance(exc, cls)), ("error", "请求无法处理")
    )
    detail = _flatten(exc.detail)
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.PermissionDenied) and isinstance(detail, str):
        if detail and detail not in {"Incorrect authentication credentials.", "认证令牌无效。"}:
            message = detail
    if isinstance(exc, exceptions.ParseError):
        detail = str(exc.detail)
    return Response(error_body(code, message, detail if detail != message else None), status=exc.status_code,
                    headers=headers)


def json_not_found(request: Any, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", "接口不存在"), status=404)


def json_server_error(request: Any) -> JsonResponse:
    return JsonResponse(error_body("server_error", "服务器内部错误，已记录，请稍后再试"), status=500)
