"""Writes of the core: sign-in with lockout, two-factor, tokens, accounts."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import crypto
from .audit import AuditActor, audit_context, record
from .errors import AccountLocked, AuthenticationFailed, ValidationFailed
from .models import ApiToken, AuditAction, Division, LoginEvent, Organisation, User
from .roles import DIVISION_ROLES, ORGANISATION_ROLES, ROLE_DIVISION_LEVELS, Role

security_log = logging.getLogger("yanglao.security")


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None = None
    user_agent: str = ""
    channel: str = "web"


def _log_login(username: str, user: User | None, client: ClientInfo, *, success: bool, reason: str) -> None:
    LoginEvent.objects.create(
        username=username[:150],
        user=user,
        channel=client.channel,
        success=success,
        reason=reason,
        ip=client.ip,
        user_agent=client.user_agent[:256],
    )
    if not success:
        security_log.warning("login failed user=%s reason=%s ip=%s channel=%s", username, reason, client.ip, client.channel)


def _locked_message(user: User) -> str:
    until = timezone.localtime(user.locked_until).strftime("%H:%M") if user.locked_until else ""
    return f"连续登录失败次数过多，账户已锁定，请于 {until} 后重试，或联系管理员解锁。"


def _register_failure(user: User, client: ClientInfo, reason: str) -> None:
    """Count a failure atomically; lock at the threshold."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins", "locked_until"])
        if user.failed_logins >= settings.LOCKOUT_ATTEMPTS:
            user.locked_until = timezone.now() + dt.timedelta(minutes=settings.LOCKOUT_MINUTES)
            user.failed_logins = 0
            user.save(update_fields=["locked_until", "failed_logins"])
            with audit_context(actor=AuditActor(user_id=user.pk, username=user.username, role=user.role, ip=client.ip)):
                record(
                    AuditAction.SECURITY,
                    object_type="core.user",
                    object_id=user.pk,
                    object_repr=user.username,
                    division_code=user.division_id or "",
                    extra={"event": "account_locked", "minutes": settings.LOCKOUT_MINUTES},
                )
    _log_login(user.username, user, client, success=False, reason=reason)


def auth_check_password(*, username: str, password: str, client: ClientInfo) -> User:
    """First factor. Raises AuthenticationFailed or AccountLocked; counts failures toward lockout."""
    user = User.objects.filter(username=username).select_related("division", "organisation").first()
    if user is None:
        _log_login(username, None, client, success=False, reason="unknown_user")
        raise AuthenticationFailed("用户名或密码错误")
    if user.is_locked():
        _log_login(username, user, client, success=False, reason="locked")
        raise AccountLocked(_locked_message(user))
    if not user.is_active:
        _log_login(username, user, client, success=False, reason="inactive")
        raise AuthenticationFailed("账户已停用，请联系管理员")
    if not user.check_password(password):
        _register_failure(user, client, "bad_password")
        user.refresh_from_db(fields=["locked_until"])
        if user.is_locked():
            raise AccountLocked(_locked_message(user))
        remaining = settings.LOCKOUT_ATTEMPTS - user.failed_logins
        raise AuthenticationFailed(f"用户名或密码错误，再失败 {remaining} 次账户将被锁定")
    return user


def two_factor_required(user: User) -> bool:
    return bool(settings.REQUIRE_2FA) and user.is_staff_role


def auth_login_succeeded(*, user: User, client: ClientInfo) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None, last_login=timezone.now())
    _log_login(user.username, user, client, success=True, reason="ok")


# --- two-factor (TOTP, RFC 6238) ----------------------------------------------------------
def totp_begin_enrolment(*, user: User) -> str:
    """A new secret for the user to scan; not active until confirmed with a code."""
    secret = pyotp.random_base32()
    user.totp_secret = crypto.encrypt(secret)
    user.totp_confirmed_at = None
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    return secret


def totp_secret(user: User) -> str:
    return crypto.decrypt(user.totp_secret) if user.totp_secret else ""


def totp_provisioning_uri(user: User) -> str:
    return pyotp.TOTP(totp_secret(user)).provisioning_uri(name=user.username, issuer_name="阳江养老服务平台")


def totp_verify(*, user: User, code: str, client: ClientInfo) -> None:
    """Second factor. A code is accepted once (replay refused); failures count toward lockout."""
    secret = totp_secret(user)
    code = (code or "").strip().replace(" ", "")
    if user.is_locked():
        raise AccountLocked(_locked_message(user))
    totp = pyotp.TOTP(secret) if secret else None
    now = timezone.now()
    matched_step = None
    if totp and code.isdigit() and len(code) == 6:
        for drift in (-1, 0, 1):
            at = now + dt.timedelta(seconds=30 * drift)
            if secrets.compare_digest(totp.at(at), code):
                matched_step = int(at.timestamp()) // 30
                break
    if matched_step is None or matched_step <= user.totp_last_step:
        _register_failure(user, client, "bad_otp")
        user.refresh_from_db(fields=["locked_until"])
        if user.is_locked():
            raise AccountLocked(_locked_message(user))
        raise AuthenticationFailed("动态验证码错误或已使用，请输入验证器上当前的 6 位数字")
    updates = {"totp_last_step": matched_step}
    if user.totp_confirmed_at is None:
        updates["totp_confirmed_at"] = now
    User.objects.filter(pk=user.pk).update(**updates)
    for key, value in updates.items():
        setattr(user, key, value)


# --- API tokens ---------------------------------------------------------------------------
def _hash_token(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def token_create(*, user: User, client: ClientInfo) -> tuple[str, ApiToken]:
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=_hash_token(key),
        prefix=key[:8],
        expires_at=timezone.now() + dt.timedelta(hours=settings.API_TOKEN_HOURS),
        created_ip=client.ip,
    )
    return key, token


def token_lookup(key: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user", "user__division", "user__organisation").filter(
        key_hash=_hash_token(key)
    ).first()


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


# --- accounts -----------------------------------------------------------------------------
def staff_create(
    *,
    username: str,
    password: str,
    role: str,
    division_code: str | None = None,
    organisation: Organisation | None = None,
    real_name: str = "",
    check_password: bool = True,
) -> User:
    """Create an account bound to its division (staff) or organisation (operators, providers)."""
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = f"未知角色：{role}（可选：{'、'.join(Role.values)}）"
    division = None
    if role in DIVISION_ROLES:
        division = Division.objects.filter(code=division_code or "").first()
        if division is None:
            errors["division"] = f"未知的区划代码：{division_code or '（空）'}"
        elif division.level not in ROLE_DIVISION_LEVELS.get(role, {division.level}):
            errors["division"] = f"角色「{Role(role).label}」不能绑定到{division.get_level_display()}级区划"
    if role in ORGANISATION_ROLES and organisation is None:
        errors["organisation"] = "机构经办人和服务商账户必须绑定所属组织"
    if User.objects.filter(username=username).exists():
        errors["username"] = f"用户名 {username} 已存在"
    user = User(username=username, role=role, division=division, organisation=organisation, real_name=real_name)
    if check_password and "role" not in errors:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = "；".join(exc.messages)
    if errors:
        raise ValidationFailed("账户信息有误", details=errors)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    with transaction.atomic():
        user.save()
        record(
            AuditAction.CREATE,
            object_type="core.user",
            object_id=user.pk,
            object_repr=username,
            division_code=division.code if division else "",
            changes={"role": [None, role], "division": [None, division.code if division else None]},
        )
    return user


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationFailed("原密码不正确", details={"old_password": "原密码不正确"})
    if old_password == new_password:
        raise ValidationFailed("新密码不能与原密码相同", details={"new_password": "新密码不能与原密码相同"})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationFailed("新密码不符合要求", details={"new_password": "；".join(exc.messages)}) from exc
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    record(AuditAction.SECURITY, object_type="core.user", object_id=user.pk, object_repr=user.username,
           division_code=user.division_id or "", extra={"event": "password_changed"})


def account_unlock(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    record(AuditAction.SECURITY, object_type="core.user", object_id=user.pk, object_repr=user.username,
           division_code=user.division_id or "", extra={"event": "account_unlocked"})
