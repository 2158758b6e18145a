"""Writes of the core: sign-in with lockout, two-factor, tokens, accounts."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import math
import secrets
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import crypto, ratelimit
from .audit import AuditActor, audit_context, record
from .errors import AccountLocked, AuthenticationFailed, DomainError, SignInThrottled, ValidationFailed
from .models import ApiToken, AuditAction, Division, LoginEvent, Organisation, RateCounter, User
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


# --- sign-in throttling ----------------------------------------------------------------------
# Three counters in the database (yanglao/core/ratelimit.py), shared by every worker and server:
#   login-address  failures from one client address in a fixed window: the address is refused until it ends;
#   login-account  the run of failures for a username, known or not (so a refusal says nothing about it);
#   login-pair     the run of failures for a username from one address.
# After LOGIN_FREE_FAILURES failures in a run, each further attempt waits 1 s, 2 s, 4 s … (capped at
# LOGIN_DELAY_MAX_SECONDS) and is refused without checking any password; at LOCKOUT_ATTEMPTS the run
# locks for LOCKOUT_MINUTES; a run is forgotten after LOCKOUT_MINUTES without a failure. The account
# run is not applied at an address where the account completed a sign-in (both factors) recently, so
# a stranger who knows an administrator's username cannot lock her out; the pair run always applies.
# A lock never touches API tokens already issued.
SCOPE_ADDRESS = "login-address"
SCOPE_ACCOUNT = "login-account"
SCOPE_PAIR = "login-pair"
BAD_CREDENTIALS = "用户名或密码错误"  # the same for an unknown username and a wrong password


def _account_key(username: str) -> str:
    return username.strip().lower()[:150]


def _pair_key(username: str, ip: str | None) -> str:
    return f"{_account_key(username)}|{ip or '-'}"


def _run_idle_seconds() -> int:
    return max(settings.LOCKOUT_MINUTES * 60, settings.LOGIN_DELAY_MAX_SECONDS, 1)


def throttled_message(seconds: int) -> str:
    return f"尝试过于频繁，请 {seconds} 秒后再试"


def login_delay_seconds(failures: int) -> int:
    """How long the next attempt waits after `failures` failures in a run: 0, then 1, 2, 4 … (capped)."""
    if failures < settings.LOGIN_FREE_FAILURES:
        return 0
    return min(2 ** min(failures - settings.LOGIN_FREE_FAILURES, 30), settings.LOGIN_DELAY_MAX_SECONDS)


def _known_address(user: User | None, client: ClientInfo) -> bool:
    """The account completed a sign-in (both factors) from this address within LOGIN_KNOWN_ADDRESS_DAYS."""
    if not client.ip or settings.LOGIN_KNOWN_ADDRESS_DAYS <= 0:
        return False
    since = timezone.now() - dt.timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    # the same query for an unknown username (no account has id 0), so the timing says nothing either
    user_id = user.pk if user is not None else 0
    return LoginEvent.objects.filter(user_id=user_id, ip=client.ip, success=True, at__gte=since).exists()


def _run_refusal(streak: ratelimit.Streak | None) -> DomainError | None:
    if streak is None:
        return None
    now = timezone.now()
    if streak.count >= settings.LOCKOUT_ATTEMPTS:
        wait = (streak.last_at + dt.timedelta(minutes=settings.LOCKOUT_MINUTES) - now).total_seconds()
        if wait > 0:
            return AccountLocked(
                f"登录失败次数过多，已暂停登录，请 {math.ceil(wait / 60)} 分钟后再试，或联系管理员解锁。",
                details={"retry_after": math.ceil(wait)},
            )
        return None
    wait = (streak.last_at + dt.timedelta(seconds=login_delay_seconds(streak.count)) - now).total_seconds()
    if wait > 0:
        return SignInThrottled(throttled_message(math.ceil(wait)), details={"retry_after": math.ceil(wait)})
    return None


def _gate(username: str, user: User | None, client: ClientInfo) -> None:
    """Refuse, before any password or code is checked, an attempt that a throttle holds back."""
    if client.ip:
        spent = ratelimit.peek(SCOPE_ADDRESS, client.ip, limit=settings.LOGIN_ADDRESS_FAILURES,
                               window_seconds=settings.LOGIN_ADDRESS_WINDOW_MINUTES * 60)
        if spent.count >= settings.LOGIN_ADDRESS_FAILURES:
            _log_login(username, user, client, success=False, reason="throttled_address")
            raise SignInThrottled(throttled_message(spent.retry_after), details={"retry_after": spent.retry_after})
    runs = [(SCOPE_PAIR, _pair_key(username, client.ip))]
    if not _known_address(user, client):
        runs.append((SCOPE_ACCOUNT, _account_key(username)))
    for scope, key in runs:
        refusal = _run_refusal(ratelimit.streak_get(scope, key))
        if refusal is not None:
            reason = "locked" if isinstance(refusal, AccountLocked) else "throttled"
            _log_login(username, user, client, success=False, reason=reason)
            raise refusal


def _register_failure(username: str, user: User | None, client: ClientInfo, reason: str) -> None:
    """Count a failure on the address, the username and the pair (atomically, in the database)."""
    idle = _run_idle_seconds()
    if client.ip:
        ratelimit.hit(SCOPE_ADDRESS, client.ip, limit=settings.LOGIN_ADDRESS_FAILURES,
                      window_seconds=settings.LOGIN_ADDRESS_WINDOW_MINUTES * 60)
    ratelimit.streak_hit(SCOPE_PAIR, _pair_key(username, client.ip), idle_seconds=idle)
    failures = ratelimit.streak_hit(SCOPE_ACCOUNT, _account_key(username), idle_seconds=idle)
    if user is not None and failures == settings.LOCKOUT_ATTEMPTS:
        locked_until = timezone.now() + dt.timedelta(minutes=settings.LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=locked_until)
        with audit_context(actor=AuditActor(user_id=user.pk, username=user.username, role=user.role, ip=client.ip)):
            record(
                AuditAction.SECURITY,
                object_type="core.user",
                object_id=user.pk,
                object_repr=user.username,
                division_code=user.division_id or "",
                extra={"event": "account_locked", "minutes": settings.LOCKOUT_MINUTES, "tokens_kept": True},
            )
    _log_login(username, user, client, success=False, reason=reason)


@functools.lru_cache(maxsize=4)
def _dummy_hash(algorithm: str) -> str:
    return make_password(secrets.token_urlsafe(16), hasher=algorithm)


def auth_check_password(*, username: str, password: str, client: ClientInfo) -> User:
    """First factor. An unknown username and a wrong password get the same answer in about the same time
    (the hasher runs against a dummy hash); a throttled attempt is refused before anything is checked."""
    user = User.objects.filter(username=username).select_related("division", "organisation").first()
    _gate(username, user, client)
    if user is None:
        check_password(password, _dummy_hash(get_hasher().algorithm))
        _register_failure(username, None, client, "unknown_user")
        raise AuthenticationFailed(BAD_CREDENTIALS)
    if not user.check_password(password):
        _register_failure(username, user, client, "bad_password")
        raise AuthenticationFailed(BAD_CREDENTIALS)
    if not user.is_active:  # said only to someone who knows the password
        _log_login(username, user, client, success=False, reason="inactive")
        raise AuthenticationFailed("账户已停用，请联系管理员")
    return user


def two_factor_required(user: User) -> bool:
    return bool(settings.REQUIRE_2FA) and user.is_staff_role


def auth_login_succeeded(*, user: User, client: ClientInfo) -> None:
    """Both factors passed: the run from this address ends, and the address becomes known for the account."""
    User.objects.filter(pk=user.pk).update(failed_logins=0, last_login=timezone.now())
    ratelimit.clear(SCOPE_PAIR, _pair_key(user.username, client.ip))
    _log_login(user.username, user, client, success=True, reason="ok")


# --- two-factor (TOTP, RFC 6238) ----------------------------------------------------------
def totp_begin_enrolment(*, user: User) -> str:
    """A new secret for the user to scan; not active until confirmed with a code."""
    had_confirmed = user.totp_confirmed_at is not None
    secret = pyotp.random_base32()
    user.totp_secret = crypto.encrypt(secret)
    user.totp_confirmed_at = None
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    _credentials_changed(user=user, event="two_factor_enrolment", always_audit=had_confirmed)
    return secret


def totp_reset(*, user: User) -> None:
    """Forget the account's authenticator (a lost phone): the next sign-in enrols a new one. Every
    session and API token of the account ends (they were bound to the old secret)."""
    user.totp_secret = ""
    user.totp_confirmed_at = None
    user.totp_last_step = 0
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    _credentials_changed(user=user, event="two_factor_reset")


def totp_secret(user: User) -> str:
    return crypto.decrypt(user.totp_secret) if user.totp_secret else ""


def totp_provisioning_uri(user: User) -> str:
    return pyotp.TOTP(totp_secret(user)).provisioning_uri(name=user.username, issuer_name="阳江养老服务平台")


def totp_verify(*, user: User, code: str, client: ClientInfo) -> None:
    """Second factor. A code is accepted once (replay refused); failures count toward lockout."""
    secret = totp_secret(user)
    code = (code or "").strip().replace(" ", "")
    _gate(user.username, user, client)
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
        _register_failure(user.username, user, client, "bad_otp")
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
        credentials_hash=user.get_session_auth_hash(),
    )
    return key, token


def token_matches_credentials(token: ApiToken) -> bool:
    """The token was issued under the account's current password and two-factor secret."""
    user = token.user
    current = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(secrets.compare_digest(token.credentials_hash, h) for h in current)


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
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    _credentials_changed(user=user, event="password_changed")


def _credentials_changed(*, user: User, event: str, always_audit: bool = True) -> int:
    """The password or the two-factor secret changed: revoke every API token of the account. Its sessions
    end by themselves (Django checks each session against `User._get_session_auth_hash`, which covers both);
    the view that made the change keeps its own with `update_session_auth_hash`."""
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if always_audit or revoked:
        record(AuditAction.SECURITY, object_type="core.user", object_id=user.pk, object_repr=user.username,
               division_code=user.division_id or "", extra={"event": event, "tokens_revoked": revoked})
    return revoked


def account_unlock(*, user: User) -> None:
    """End the account's failure runs (from every address) and its lock."""
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    key = _account_key(user.username)
    RateCounter.objects.filter(scope=SCOPE_ACCOUNT, key=key).delete()
    RateCounter.objects.filter(scope=SCOPE_PAIR, key__startswith=f"{key}|").delete()
    record(AuditAction.SECURITY, object_type="core.user", object_id=user.pk, object_repr=user.username,
           division_code=user.division_id or "", extra={"event": "account_unlocked"})
