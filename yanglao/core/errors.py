"""One error hierarchy. Services raise these; the API turns them into
{"error": {"code", "message", "details"}} and the pages show the message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "invalid"
    status = 400
    default_message = "请求无效"

    def __init__(self, message: str | None = None, *, details: Any = None, code: str | None = None) -> None:
        self.message = message or self.default_message
        self.details = details
        if code:
            self.code = code
        super().__init__(self.message)


class ValidationFailed(DomainError):
    code = "validation_failed"
    default_message = "提交的数据有误"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "记录不存在或不在您的管辖范围内"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = "您没有执行此操作的权限"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "操作与当前状态冲突，请刷新后重试"


class AuthenticationFailed(DomainError):
    code = "authentication_failed"
    status = 401
    default_message = "用户名或密码错误"


class SignInThrottled(AuthenticationFailed):
    """A sign-in refused before any password was checked: too many recent failures (429)."""

    code = "throttled"
    status = 429
    default_message = "尝试过于频繁，请稍后再试"


class AccountLocked(AuthenticationFailed):
    code = "account_locked"
    default_message = "账户已锁定"


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_message = "操作过于频繁，请稍后再试"
