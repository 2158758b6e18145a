"""What every module needs: divisions, organisations, accounts, tokens, the login log and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .basemodels import AuditedModel
from .roles import DIVISION_ROLES, ORGANISATION_ROLES, Role, role_can
from .scope import ScopedQuerySet


class DivisionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县（市、区）")
    TOWNSHIP = 4, _("乡镇（街道）")
    COMMUNITY = 5, _("村（社区）")


class UrbanRural(models.TextChoices):
    URBAN = "urban", _("社区")
    RURAL = "rural", _("村")


class Division(models.Model):
    """An administrative division with its NBS code. Codes nest by prefix: that is the scope rule."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", db_constraint=True
    )
    urban_rural = models.CharField(_("城乡"), max_length=5, choices=UrbanRural.choices, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "code"

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        indexes = [
            models.Index(fields=["code"], name="division_code_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "code"], name="division_level_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def short_name(self) -> str:
        for suffix in ("社区居民委员会", "居民委员会", "村民委员会", "社区居委会", "居委会", "村委会"):
            if self.name.endswith(suffix) and len(self.name) > len(suffix):
                return self.name[: -len(suffix)] + ("社区" if "居" in suffix else "村")
        return self.name

    def path(self) -> list[Division]:
        """This division and its ancestors, from the top down (one query)."""
        prefixes = [self.code[:n] for n in (2, 4, 6, 9, 12) if n <= len(self.code)]
        return list(Division.objects.filter(code__in=prefixes).order_by("level"))


class OrganisationKind(models.TextChoices):
    INSTITUTION = "institution", _("养老机构运营方")
    PROVIDER = "provider", _("居家社区服务商")
    GOVERNMENT = "government", _("责任单位（政府部门）")
    OTHER = "other", _("其他")


class Organisation(AuditedModel):
    """An operator or provider; its accounts see only its own records."""

    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=OrganisationKind.choices)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    division_code = models.CharField(_("所在区划"), max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "pk"

    class Meta:
        ordering = ["name"]
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~models.Q(credit_code=""), name="organisation_credit_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class YanglaoUserManager(UserManager["User"]):
    pass


class User(AbstractUser):
    """A staff or organisation account, bound to a division or an organisation."""

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("所属区划"), related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("所属组织"), related_name="users"
    )
    real_name = models.CharField(_("姓名"), max_length=32, blank=True)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    totp_secret = models.CharField(max_length=256, blank=True)  # encrypted with the data key
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=0)  # a code is accepted once
    # A password set by an administrator (a new account, a reset) is temporary: changed at next sign-in.
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)

    objects = YanglaoUserManager()

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=sorted(str(r) for r in DIVISION_ROLES)) | models.Q(division__isnull=False),
                name="user_division_role_has_division",
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=sorted(str(r) for r in ORGANISATION_ROLES))
                | models.Q(organisation__isnull=False),
                name="user_organisation_role_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    @property
    def scope_prefix(self) -> str | None:
        """The division-code prefix this account may see, or None (sees no division-scoped rows)."""
        if self.role in DIVISION_ROLES and self.division_id:
            return str(self.division_id)
        return None

    def can(self, capability: str) -> bool:
        return self.is_active and role_can(self.role, capability)

    @property
    def is_staff_role(self) -> bool:
        """Government staff (two-factor applies), as opposed to care homes' and providers' accounts: the staff of
        a responsible unit (市自然资源局, …) are government staff too, although their account is bound to a unit."""
        return self.role in DIVISION_ROLES or self.role == Role.RESPONSIBLE_UNIT

    @property
    def jurisdiction_label(self) -> str:
        if self.role in ORGANISATION_ROLES and self.organisation_id:
            return str(self.organisation)
        if self.division_id:
            return self.division.name
        return str(_("无"))

    def password_expired(self) -> bool:
        if self.must_change_password:
            return True
        days = settings.PASSWORD_MAX_AGE_DAYS
        if days <= 0 or self.password_changed_at is None:
            return days > 0 and self.password_changed_at is None and self.has_usable_password()
        return timezone.now() - self.password_changed_at > dt.timedelta(days=days)

    def is_locked(self) -> bool:
        """Informational: when the sign-in throttle last hard-locked the account (the throttle itself lives
        in `core.RateCounter`, see `services.auth_check_password`)."""
        return self.locked_until is not None and self.locked_until > timezone.now()

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """The credential fingerprint that binds sessions (Django checks it on every request) and API tokens
        (`ApiToken.credentials_hash`): a change of the password or of the two-factor secret, by any path,
        signs out every other session and kills every token issued before it."""
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "yanglao.core.User.credentials", f"{self.password}\x00{self.totp_secret}", secret=secret, algorithm="sha256"
        ).hexdigest()


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; it expires and can be revoked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_ip = models.GenericIPAddressField(null=True, blank=True)
    # The account's credential fingerprint (password and two-factor secret) when the token was issued:
    # a token stops working as soon as either changes, by whatever path (see User.get_session_auth_hash).
    credentials_hash = models.CharField(max_length=128, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class LoginEvent(models.Model):
    """The login log (登录日志): every attempt, web or API, with its result."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    username = models.CharField(max_length=150)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, db_constraint=False, related_name="+"
    )
    channel = models.CharField(max_length=8, default="web")  # web | api
    success = models.BooleanField()
    reason = models.CharField(max_length=32)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("登录日志")
        verbose_name_plural = _("登录日志")
        indexes = [models.Index(fields=["user", "ip", "at"], name="loginevent_user_ip")]


class RateCounter(models.Model):
    """A shared counter for rate limits and sign-in throttling (`yanglao/core/ratelimit.py`), in the
    database so that every worker and server sees the same count. One row per (scope, key, window)."""

    id = models.BigAutoField(primary_key=True)
    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=255)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("频率计数")
        verbose_name_plural = _("频率计数")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "window_start"], name="ratecounter_scope_key_window")
        ]


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    VIEW_SENSITIVE = "view_sensitive", _("查看敏感信息")
    REVEAL = "reveal", _("显示完整敏感信息")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    BULK = "bulk", _("批量处理")
    SECURITY = "security", _("安全事件")
    PURGE = "purge", _("清理日志")


class AuditQuerySet(ScopedQuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("审计日志只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("审计日志只能追加，不能删除（请使用 purge_audit 命令）")


class AuditEntry(models.Model):
    """One line of the audit trail. Append-only: the application never updates or deletes it
    (a database trigger enforces this too; only `yanglao purge_audit` may remove old lines)."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, db_constraint=False, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    division_code = models.CharField(max_length=12, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["division_code"], name="audit_division", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["actor_username", "at"], name="audit_actor"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("审计日志只能追加，不能删除")


class DictionaryItem(AuditedModel):
    """One value of a code list (字典) that offices extend in the console: living situations, person
    categories, contact relationships… The built-in values (seeded from the code's TextChoices) are
    protected entirely; an item with a `division_code` is a county's own value, seen only there.
    Which dictionaries exist is declared by the modules (`core.dictionaries.register_dictionary`)."""

    dictionary = models.CharField(_("字典"), max_length=32)
    code = models.CharField(_("代码"), max_length=32)
    label = models.CharField(_("名称"), max_length=32)
    label_en = models.CharField(_("英文名称"), max_length=64, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)
    built_in = models.BooleanField(_("内置"), default=False)
    division_code = models.CharField(_("适用区划"), max_length=12, blank=True)

    class Meta:
        ordering = ["dictionary", "sort_order", "code"]
        verbose_name = _("字典项")
        verbose_name_plural = _("字典项")
        constraints = [
            models.UniqueConstraint(fields=["dictionary", "code"], name="dictionaryitem_dictionary_code"),
        ]

    def __str__(self) -> str:
        return f"{self.label}（{self.code}）"


from .bulkjobs import BulkJob, BulkJobItem  # noqa: E402,F401  (bulk actions: core/bulkactions.py)
