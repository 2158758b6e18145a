"""The time bank (时间银行): members, a double-entry ledger in integer minutes, and the services that earn.

Every movement is one `Transfer` of `minutes` (> 0) from one account to another: the debit and the
credit are the same number, so every movement sums to zero by construction and the database refuses
anything else (minutes > 0, two different accounts). Balances are derived from the transfers; the cached
`Account.balance_minutes` is updated in the same transaction under a row lock and checked against them
(`yanglao timebank_check`). Only the scheme's issuing account may go below zero (a CHECK constraint)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.publicref import new_reference
from yanglao.core.scope import ScopedQuerySet


class Scheme(AuditedModel):
    """The scheme's rules as data, with the document that set them (dated: the one valid on a day applies)."""

    name = models.CharField(_("方案名称"), max_length=64)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    minutes_per_hour = models.PositiveSmallIntegerField(_("每小时折合分钟"), default=60)
    cap_minutes = models.PositiveIntegerField(_("个人存储上限（分钟）"), default=1500 * 60)
    volunteer_min_age = models.PositiveSmallIntegerField(_("志愿者最低年龄"), default=18)
    redeem_min_age = models.PositiveSmallIntegerField(_("兑换最低年龄"), default=60)
    gift_relations = models.JSONField(_("可赠与的亲属关系"), default=list)
    team_donate_only = models.BooleanField(_("团队时间只能捐赠"), default=True)
    expiry_years = models.PositiveSmallIntegerField(_("有效期（年，空为长期有效）"), null=True, blank=True)
    source = models.CharField(_("依据"), max_length=200)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("时间银行规则")
        verbose_name_plural = _("时间银行规则")
        constraints = [
            models.CheckConstraint(condition=Q(minutes_per_hour__gt=0), name="scheme_minutes_per_hour_positive"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="scheme_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.valid_from}起）"

    @property
    def cap_hours(self) -> int:
        return self.cap_minutes // self.minutes_per_hour


class MemberKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("个人志愿者")
    TEAM = "team", _("志愿服务团队")
    ELDER = "elder", _("服务对象（老年人）")
    ORGANISATION = "organisation", _("服务核实单位")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    SUSPENDED = "suspended", _("暂停")


class Member(AuditedModel):
    number = models.CharField(_("会员编号"), max_length=12, unique=True, null=True, blank=True)
    # The reference printed on the receipt for public lookups (random, core.publicref); the number stays internal.
    public_ref = models.CharField(_("查询编号"), max_length=12, unique=True, default=new_reference, editable=False)
    kind = models.CharField(_("类型"), max_length=12, choices=MemberKind.choices)
    name = models.CharField(_("姓名/名称"), max_length=64)
    id_number_enc = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, blank=True)
    id_last4 = models.CharField(max_length=4, blank=True)
    birth_date = models.DateField(null=True, blank=True)  # from the ID number; shown only as an age
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="timebank_members", verbose_name=_("老年人档案"))
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("对应组织"))
    team = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="team_members",
                             limit_choices_to={"kind": "team"}, verbose_name=_("所属团队"))
    division_code = models.CharField(_("所在村（社区）"), max_length=12)
    identity_checked_on = models.DateField(_("身份核验日期"), null=True, blank=True)
    identity_checked_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="+")
    training_done_on = models.DateField(_("培训完成日期"), null=True, blank=True)
    training_hours = models.PositiveSmallIntegerField(_("培训学时"), default=0)
    lookup_code_hash = models.CharField(max_length=64, blank=True)  # the member card's 6-digit query code
    status = models.CharField(_("状态"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    joined_on = models.DateField(_("加入日期"), default=dt.date.today)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    audit_sensitive_fields = ("id_number_enc", "id_number_hash", "birth_date", "lookup_code_hash")
    audit_exclude_fields = ("created_at", "updated_at", "version", "id_number_hash", "lookup_code_hash")

    class Meta:
        ordering = ["number"]
        verbose_name = _("时间银行会员")
        verbose_name_plural = _("时间银行会员")
        indexes = [models.Index(fields=["division_code", "kind"], name="tb_member_division_kind")]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], condition=~Q(id_number_hash=""),
                                    name="tb_one_member_per_id_number"),
            models.UniqueConstraint(fields=["person"], condition=Q(person__isnull=False), name="tb_one_member_per_person"),
            # individuals carry an identity; teams and organisations do not
            models.CheckConstraint(condition=Q(kind__in=["team", "organisation"]) | ~Q(id_number_hash=""),
                                   name="tb_individual_has_identity"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int | None:
        return self.age_on(dt.date.today())

    @property
    def is_individual(self) -> bool:
        return self.kind in (MemberKind.VOLUNTEER, MemberKind.ELDER)

    @property
    def identity_checked(self) -> bool:
        return self.identity_checked_on is not None

    @property
    def trained(self) -> bool:
        return self.training_done_on is not None


class Relative(AuditedModel):
    """`relative` is `member`'s <relation> (e.g. 母亲 → relation 父母), checked by staff on a document."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="relatives")
    relative = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("亲属"))
    relation = models.CharField(_("关系"), max_length=8)
    document = models.CharField(_("证明材料"), max_length=64)
    division_code = models.CharField(max_length=12)  # the member's

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("亲属关系")
        verbose_name_plural = _("亲属关系")
        constraints = [
            models.UniqueConstraint(fields=["member", "relative"], name="tb_relative_once"),
            models.CheckConstraint(condition=~Q(member=F("relative")), name="tb_relative_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}→{self.relative_id}（{self.relation}）"


class AccountKind(models.TextChoices):
    MEMBER = "member", _("会员账户")
    ISSUE = "issue", _("发行账户")
    REDEEMED = "redeemed", _("已兑换服务")
    FUND = "fund", _("时间公益基金")
    EXPIRED = "expired", _("已过期")


SYSTEM_NAMES = {
    AccountKind.ISSUE: _("时间银行发行账户"),
    AccountKind.REDEEMED: _("兑换服务（已使用）"),
    AccountKind.FUND: _("时间公益基金"),
    AccountKind.EXPIRED: _("过期核销"),
}


class Account(models.Model):
    """One per member, plus the scheme's system accounts (one each). Only the issuing account may go below zero."""

    kind = models.CharField(_("账户类型"), max_length=10, choices=AccountKind.choices)
    member = models.OneToOneField(Member, on_delete=models.PROTECT, null=True, blank=True, related_name="account")
    balance_minutes = models.BigIntegerField(_("余额（分钟）"), default=0)
    division_code = models.CharField(max_length=12, blank=True)  # the member's; system accounts: the city's ""

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("时间账户")
        verbose_name_plural = _("时间账户")
        constraints = [
            models.CheckConstraint(condition=Q(kind="issue") | Q(balance_minutes__gte=0), name="tb_account_never_negative"),
            models.CheckConstraint(condition=Q(kind="member", member__isnull=False) | Q(~Q(kind="member"), member__isnull=True),
                                   name="tb_account_member_iff_member_kind"),
            models.UniqueConstraint(fields=["kind"], condition=~Q(kind="member"), name="tb_one_system_account_per_kind"),
        ]

    def __str__(self) -> str:
        if self.member_id:
            return str(self.member)
        return str(SYSTEM_NAMES.get(self.kind, self.kind))


class TransferKind(models.TextChoices):
    DEPOSIT = "deposit", _("服务存入")
    REDEMPTION = "redemption", _("兑换服务")
    GIFT = "gift", _("赠与亲属")
    DONATION = "donation", _("团队捐赠")
    GRANT = "grant", _("基金发放")
    EXPIRY = "expiry", _("过期核销")


class Transfer(models.Model):
    """One movement: `minutes` leave `debit` and arrive in `credit`. Append-only."""

    kind = models.CharField(_("类型"), max_length=10, choices=TransferKind.choices)
    debit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="debits")
    credit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credits")
    minutes = models.PositiveIntegerField(_("分钟"))
    at = models.DateTimeField(_("时间"))
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    service = models.ForeignKey("ServiceRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="transfers")
    by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # the two areas the movement belongs to, for scope
    debit_division = models.CharField(max_length=12, blank=True)
    credit_division = models.CharField(max_length=12, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = ("debit_division", "credit_division")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("时间流水")
        verbose_name_plural = _("时间流水")
        indexes = [models.Index(fields=["debit", "at"], name="tb_transfer_debit"),
                   models.Index(fields=["credit", "at"], name="tb_transfer_credit")]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="tb_transfer_minutes_positive"),
            models.CheckConstraint(condition=~Q(debit=F("credit")), name="tb_transfer_two_accounts"),
            models.UniqueConstraint(fields=["service"], condition=Q(kind="deposit"), name="tb_one_deposit_per_service"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.minutes}"


class ServiceType(models.TextChoices):
    CHAT = "chat", _("陪伴聊天")
    MEAL = "meal", _("助餐送餐")
    CLEAN = "clean", _("助洁")
    ERRAND = "errand", _("代购代办")
    ESCORT = "escort", _("陪同就医")
    CULTURE = "culture", _("文体娱乐")
    OTHER = "other", _("其他")


class ServiceStatus(models.TextChoices):
    OPEN = "open", _("待接单")
    TAKEN = "taken", _("已接单")
    DONE = "done", _("已服务待确认")
    DISPUTED = "disputed", _("有异议（时间冻结）")
    VERIFIED = "verified", _("已确认存入")
    REJECTED = "rejected", _("核实不予存入")
    CANCELLED = "cancelled", _("已取消")


class VerifiedBy(models.TextChoices):
    ELDER = "elder", _("服务对象本人确认")
    ORGANISATION = "organisation", _("核实单位确认")


class ServiceRequest(AuditedModel):
    number = models.CharField(_("服务单号"), max_length=14, unique=True, null=True, blank=True)
    elder = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="requests", verbose_name=_("服务对象"))
    service_type = models.CharField(_("服务项目"), max_length=10, choices=ServiceType.choices)
    description = models.CharField(_("需求说明"), max_length=200, blank=True)
    scheduled_on = models.DateField(_("预约日期"))
    requested_at = models.DateTimeField(_("登记时间"))
    status = models.CharField(_("状态"), max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.OPEN)
    volunteer = models.ForeignKey(Member, on_delete=models.PROTECT, null=True, blank=True, related_name="services",
                                  verbose_name=_("志愿者"))
    for_team = models.BooleanField(_("计入团队"), default=False)
    taken_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    minutes_claimed = models.PositiveIntegerField(_("服务时长（分钟）"), null=True, blank=True)
    minutes_deposited = models.PositiveIntegerField(_("存入时长（分钟）"), null=True, blank=True)
    minutes_over_cap = models.PositiveIntegerField(_("超出上限未存入（分钟）"), default=0)
    verified_by_kind = models.CharField(_("确认方式"), max_length=12, choices=VerifiedBy.choices, blank=True)
    verifier = models.ForeignKey(Member, on_delete=models.PROTECT, null=True, blank=True, related_name="verified",
                                 verbose_name=_("核实单位"))
    verified_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.CharField(_("异议原因"), max_length=200, blank=True)
    resolution = models.CharField(_("处理意见"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12)  # the older person's

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("服务需求")
        verbose_name_plural = _("服务需求")
        indexes = [models.Index(fields=["status", "division_code"], name="tb_request_status")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "cancelled"]) | Q(volunteer__isnull=False),
                                   name="tb_request_taken_has_volunteer"),
            models.CheckConstraint(condition=Q(minutes_claimed__isnull=True) | Q(minutes_claimed__gt=0),
                                   name="tb_request_minutes_positive"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"
