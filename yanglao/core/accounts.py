"""Staff accounts in the console (账户管理): who may manage whom, the list, and every change, audited.

The one rule (`MANAGED_ROLES` and `can_manage`): the city administrator manages every account of the
city; county staff manage the county's staff, township staff, community workers and assessors within
their county. Nobody manages an account outside their jurisdiction or gives a role they do not manage,
and nobody disables their own account. A password an administrator sets (new account, reset) is
temporary: the account must change it at its next sign-in (`User.must_change_password`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .audit import record
from .errors import NotFound, ValidationFailed
from .models import ApiToken, AuditAction, Division, Organisation, User
from .roles import DIVISION_ROLES, ORGANISATION_ROLES, ROLE_DIVISION_LEVELS, Role
from .services import _credentials_changed, account_unlock, staff_create, totp_reset

MANAGED_ROLES: dict[str, tuple[str, ...]] = {
    Role.CITY_ADMIN: tuple(Role.values),
    Role.COUNTY_STAFF: (Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.COMMUNITY_WORKER, Role.ASSESSOR),
}


def managed_roles(by: User) -> tuple[str, ...]:
    if not by.can("accounts.manage") or not by.scope_prefix:
        return ()
    return MANAGED_ROLES.get(by.role, ())


def _jurisdiction_of(*, role: str, division_code: str | None, organisation: Organisation | None) -> str:
    if role in ORGANISATION_ROLES:
        return organisation.division_code if organisation is not None else ""
    return division_code or ""


def can_manage(by: User, target: User) -> bool:
    """The one rule: the target's role is one `by` manages and its jurisdiction lies within `by`'s."""
    if target.role not in managed_roles(by):
        return False
    code = _jurisdiction_of(role=target.role, division_code=target.division_id, organisation=target.organisation)
    return bool(code) and code.startswith(by.scope_prefix or "\x00")


def accounts_for(by: User) -> QuerySet[User]:
    """Every account `by` may manage (the same rule as `can_manage`, as a query)."""
    roles = managed_roles(by)
    if not roles:
        return User.objects.none()
    prefix = by.scope_prefix or ""
    within = Q(role__in=[r for r in roles if r in DIVISION_ROLES], division__code__startswith=prefix) | Q(
        role__in=[r for r in roles if r in ORGANISATION_ROLES], organisation__division_code__startswith=prefix
    )
    return User.objects.filter(within).select_related("division", "organisation")


def account_search(*, by: User, q: str = "", role: str = "", division_code: str = "") -> QuerySet[User]:
    qs = accounts_for(by)
    q = " ".join(q.split())
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(real_name__icontains=q) | Q(organisation__name__icontains=q))
    if role:
        qs = qs.filter(role=role)
    if division_code:
        qs = qs.filter(Q(division__code__startswith=division_code) | Q(organisation__division_code__startswith=division_code))
    return qs.order_by("role", "division_id", "username")


def account_get(*, by: User, pk: int) -> User:
    """A managed account, or NotFound (an account outside the rule is indistinguishable from none)."""
    user = accounts_for(by).filter(pk=pk).first()
    if user is None:
        raise NotFound()
    return user


def organisations_for(by: User) -> QuerySet[Organisation]:
    if not set(managed_roles(by)) & ORGANISATION_ROLES:
        return Organisation.objects.none()
    return Organisation.objects.filter(division_code__startswith=by.scope_prefix or "\x00").order_by("name")


@dataclass
class AccountInput:
    role: str
    division_code: str = ""
    organisation_id: int | None = None
    real_name: str = ""


def _check_binding(by: User, data: AccountInput) -> tuple[Division | None, Organisation | None]:
    """The role and jurisdiction `by` may give: a role it manages, a division or organisation within its own."""
    if data.role not in managed_roles(by):
        raise ValidationFailed("您不能设置此角色", details={"role": "不能设置高于自己或不归您管理的角色"})
    division = organisation = None
    if data.role in DIVISION_ROLES:
        division = Division.objects.filter(code=data.division_code or "").first()
        if division is None or not division.code.startswith(by.scope_prefix or "\x00"):
            raise ValidationFailed("所属区划不在您的管辖范围内", details={"division": "请选择本辖区内的区划"})
        if division.level not in ROLE_DIVISION_LEVELS.get(data.role, {division.level}):
            raise ValidationFailed(
                f"角色「{Role(data.role).label}」不能绑定到{division.get_level_display()}级区划",
                details={"division": f"角色「{Role(data.role).label}」不能绑定到{division.get_level_display()}级区划"},
            )
    if data.role in ORGANISATION_ROLES:
        organisation = organisations_for(by).filter(pk=data.organisation_id).first()
        if organisation is None:
            raise ValidationFailed("请选择所属组织", details={"organisation": "机构经办人和服务商账户必须绑定本辖区内的组织"})
    return division, organisation


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed("密码不符合要求", details={"password": "；".join(exc.messages)}) from exc


def account_create(*, by: User, username: str, password: str, data: AccountInput) -> User:
    """A new account with a temporary password (changed at its first sign-in)."""
    username = username.strip()
    if not username or len(username) > 150:
        raise ValidationFailed("用户名必填，不超过 150 个字符", details={"username": "必填"})
    division, organisation = _check_binding(by, data)
    with transaction.atomic():
        user = staff_create(username=username, password=password, role=data.role,
                            division_code=division.code if division else None, organisation=organisation,
                            real_name=data.real_name.strip()[:32])
        user.must_change_password = True
        user.save(update_fields=["must_change_password"])
    return user


def _values(user: User) -> dict[str, Any]:
    return {"real_name": user.real_name, "role": user.role, "division": user.division_id,
            "organisation": user.organisation_id, "is_active": user.is_active}


def _audit_change(user: User, before: dict[str, Any], after: dict[str, Any], **extra: Any) -> None:
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes or extra:
        record(AuditAction.UPDATE, object_type="core.user", object_id=user.pk, object_repr=user.username,
               division_code=_jurisdiction_of(role=user.role, division_code=user.division_id,
                                              organisation=user.organisation),
               changes=changes, extra=extra)


def _managed(by: User, user: User) -> None:
    if not can_manage(by, user):
        raise NotFound()


def account_update(*, by: User, user: User, data: AccountInput) -> User:
    """Name, role and jurisdiction; never above `by`'s own role or outside its jurisdiction."""
    _managed(by, user)
    if user.pk == by.pk and (data.role != user.role or data.division_code != (user.division_id or "")):
        raise ValidationFailed("不能修改自己的角色或所属区划", details={"role": "请由上级管理员修改"})
    division, organisation = _check_binding(by, data)
    before = _values(user)
    user.real_name = data.real_name.strip()[:32]
    user.role = data.role
    user.division = division
    user.organisation = organisation
    with transaction.atomic():
        user.save(update_fields=["real_name", "role", "division", "organisation"])
        _audit_change(user, before, _values(user))
    return user


def account_set_active(*, by: User, user: User, active: bool) -> User:
    """Disable (its sessions and tokens end) or re-enable an account; never one's own."""
    _managed(by, user)
    if user.pk == by.pk:
        raise ValidationFailed("不能停用或启用自己的账户")
    if user.is_active == active:
        return user
    before = _values(user)
    user.is_active = active
    with transaction.atomic():
        user.save(update_fields=["is_active"])
        revoked = 0
        if not active:
            revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        _audit_change(user, before, _values(user), event="account_enabled" if active else "account_disabled",
                      tokens_revoked=revoked)
    return user


def account_reset_password(*, by: User, user: User, password: str) -> User:
    """A temporary password: the account changes it at its next sign-in; its sessions and tokens end.
    The audit line says that the password was reset, never the password."""
    _managed(by, user)
    if user.pk == by.pk:
        raise ValidationFailed("请在“修改密码”中修改自己的密码")
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.must_change_password = True
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        _credentials_changed(user=user, event="password_reset")
    return user


def account_reset_two_factor(*, by: User, user: User) -> User:
    """A lost phone: the next sign-in enrols a new authenticator."""
    _managed(by, user)
    if user.pk == by.pk:
        raise ValidationFailed("不能重置自己的两步验证，请联系上级管理员")
    with transaction.atomic():
        totp_reset(user=user)
    return user


def account_unlock_managed(*, by: User, user: User) -> User:
    _managed(by, user)
    with transaction.atomic():
        account_unlock(user=user)
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    return user
