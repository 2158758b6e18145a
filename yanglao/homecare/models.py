"""Home and community care: the purchased-service catalogue with its subsidy rules, providers with their
staff, areas and contracts, service orders from request to rating, complaints, monthly settlements,
facilities and their coverage, and meals at the 长者饭堂.

Money is integer fen (分) with CHECK constraints; a settlement line is unique per order, so an order is
billed once whatever runs twice."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet

from .choices import (
    ComplaintStatus,
    FacilityKind,
    MealKind,
    OrderSource,
    OrderStatus,
    PayMethod,
    SettlementStatus,
    SkillLevel,
    Unit,
)

DATES_OK = Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from"))


# --------------------------------------------------------------------------- catalogue
class ServiceItem(AuditedModel):
    """One item of 政府购买居家社区养老服务项目清单: what is bought, per what unit, at what standard price."""

    code = models.CharField(_("项目编号"), max_length=20, unique=True)
    name = models.CharField(_("项目名称"), max_length=60)
    kind = models.CharField(_("项目类别"), max_length=16)  # homecare_item_kind dictionary
    unit = models.CharField(_("计量单位"), max_length=8, choices=Unit.choices)
    price_fen = models.PositiveIntegerField(_("标准价格（分）"))
    content = models.CharField(_("服务内容"), max_length=300, blank=True)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    published = models.BooleanField(_("已公开"), default=False)
    document_no = models.CharField(_("文件编号"), max_length=120, blank=True)
    division_code = models.CharField(_("发布区域"), max_length=12, default="4417")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        constraints = [
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="homecare_item_price_positive"),
            models.CheckConstraint(condition=DATES_OK, name="homecare_item_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_unit_display()}）"


class SubsidyRule(AuditedModel):
    """Who gets how much of an item paid, from which benefit programme: by person category and care level.
    The subsidy is per unit and never above the item's standard price (services refuse it)."""

    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="rules", verbose_name=_("服务项目"))
    programme = models.ForeignKey("benefits.Programme", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("资金来源（补贴项目）"))
    category = models.CharField(_("人员类别"), max_length=32, blank=True)  # person_category; blank: any
    min_care_level = models.PositiveSmallIntegerField(_("最低能力等级"), null=True, blank=True)
    max_care_level = models.PositiveSmallIntegerField(_("最高能力等级"), null=True, blank=True)
    subsidy_fen = models.PositiveIntegerField(_("每单位补贴（分）"))
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["item", "-subsidy_fen"]
        verbose_name = _("补贴规则")
        verbose_name_plural = _("补贴规则")
        constraints = [
            models.CheckConstraint(condition=Q(subsidy_fen__gt=0), name="homecare_rule_subsidy_positive"),
            models.CheckConstraint(condition=DATES_OK, name="homecare_rule_dates"),
            models.CheckConstraint(condition=Q(min_care_level__isnull=True) | Q(min_care_level__lte=4),
                                   name="homecare_rule_level_range"),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} · {self.subsidy_fen / 100:.2f}"


# --------------------------------------------------------------------------- providers
class Provider(AuditedModel):
    """A service provider (服务商): an organisation of kind "provider" with its daily capacity."""

    organisation = models.OneToOneField("core.Organisation", on_delete=models.PROTECT, related_name="homecare_provider",
                                        verbose_name=_("组织"))
    name = models.CharField(_("名称"), max_length=128)
    division_code = models.CharField(_("注册地"), max_length=12)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    daily_capacity = models.PositiveIntegerField(_("每日服务能力（单）"), default=50)
    active = models.BooleanField(_("在服务"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "organisation"

    class Meta:
        ordering = ["name"]
        verbose_name = _("服务商")
        verbose_name_plural = _("服务商")
        indexes = [models.Index(fields=["division_code"], name="hc_provider_div", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name


class ProviderArea(models.Model):
    """A division (township or community) the provider serves: a person there may be dispatched to it."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="areas")
    division_code = models.CharField(_("服务区域"), max_length=12)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "division_code"], name="hc_area_once")]


class ProviderStaff(AuditedModel):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="staff", verbose_name=_("服务商"))
    name = models.CharField(_("姓名"), max_length=32)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    skill_level = models.CharField(_("技能等级"), max_length=2, choices=SkillLevel.choices)
    certificate_no = models.CharField(_("职业技能证书编号"), max_length=40, blank=True)
    user = models.OneToOneField("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("登录账户"))
    active = models.BooleanField(_("在岗"), default=True)
    division_code = models.CharField(max_length=12)  # the provider's, for scope

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "provider__organisation"

    class Meta:
        ordering = ["provider", "name"]
        verbose_name = _("服务人员")
        verbose_name_plural = _("服务人员")

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        p = self.phone
        return f"{p[:3]}******{p[-2:]}" if len(p) >= 7 else p


class Contract(AuditedModel):
    """The county buys an item from a provider at a price for a period."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("服务商"))
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("服务项目"))
    price_fen = models.PositiveIntegerField(_("合同单价（分）"))
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    document_no = models.CharField(_("合同编号"), max_length=60)
    division_code = models.CharField(_("采购方（县区）"), max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "provider__organisation"

    class Meta:
        ordering = ["provider", "item"]
        verbose_name = _("服务合同")
        verbose_name_plural = _("服务合同")
        constraints = [
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="homecare_contract_price_positive"),
            models.CheckConstraint(condition=DATES_OK, name="homecare_contract_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.item.name}"


# --------------------------------------------------------------------------- people at home
class HomeProfile(AuditedModel):
    """Where a person receiving home services lives, as a point: check-ins are measured against it."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="homecare_profile")
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6)
    note = models.CharField(_("上门说明"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("住址定位")
        verbose_name_plural = _("住址定位")

    def __str__(self) -> str:
        return f"{self.person.name} 住址定位"


class HotlineCall(AuditedModel):
    """A call to the 12349 elder-care hotline: who called, what was asked, what was done."""

    taken_at = models.DateTimeField(_("来电时间"))
    taken_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("接线员"))
    caller_name = models.CharField(_("来电人"), max_length=32)
    caller_relation = models.CharField(_("与老人关系"), max_length=16, blank=True)
    caller_phone_masked = models.CharField(_("来电号码"), max_length=20, blank=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("老年人"))
    asked = models.CharField(_("诉求"), max_length=300)
    action_taken = models.CharField(_("处理情况"), max_length=300, blank=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-taken_at"]
        verbose_name = _("热线来电")
        verbose_name_plural = _("热线来电")

    def __str__(self) -> str:
        return f"{self.caller_name} {self.taken_at:%Y-%m-%d %H:%M}"


class ServicePlan(AuditedModel):
    """A recurring service for a person (e.g. weekly cleaning): orders are generated from it by week."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("老年人"))
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("服务项目"))
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("指定服务商"))
    weekday = models.PositiveSmallIntegerField(_("每周服务日"))  # 0 = Monday
    quantity = models.PositiveSmallIntegerField(_("每次数量"), default=1)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("服务计划")
        verbose_name_plural = _("服务计划")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="homecare_plan_weekday"),
            models.CheckConstraint(condition=DATES_OK, name="homecare_plan_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.item.name} · 每周{'一二三四五六日'[self.weekday]}"


class ServiceOrder(AuditedModel):
    """One service for one person on one day, from request to rating."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("老年人"))
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("服务项目"))
    source = models.CharField(_("来源"), max_length=10, choices=OrderSource.choices)
    call = models.ForeignKey(HotlineCall, on_delete=models.PROTECT, null=True, blank=True, related_name="orders")
    plan = models.ForeignKey(ServicePlan, on_delete=models.PROTECT, null=True, blank=True, related_name="orders")
    service_date = models.DateField(_("服务日期"))
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    request_note = models.CharField(_("需求说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.REQUESTED)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("登记人"))

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="orders",
                                 verbose_name=_("服务商"))
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    carer = models.ForeignKey(ProviderStaff, on_delete=models.PROTECT, null=True, blank=True, related_name="orders",
                              verbose_name=_("服务人员"))
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)

    # Money, fixed at dispatch from the contract and the subsidy rule (amount = subsidy + own part)
    unit_price_fen = models.PositiveIntegerField(_("单价（分）"), default=0)
    amount_fen = models.PositiveIntegerField(_("金额（分）"), default=0)
    subsidy_fen = models.PositiveIntegerField(_("补贴（分）"), default=0)
    own_fen = models.PositiveIntegerField(_("自付（分）"), default=0)
    programme = models.ForeignKey("benefits.Programme", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("补贴资金来源"))

    check_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    check_in_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    check_in_lon = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    check_in_distance_m = models.PositiveIntegerField(_("签到点距住址（米）"), null=True, blank=True)
    check_in_flagged = models.BooleanField(_("签到位置异常"), default=False)
    check_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    check_out_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    check_out_lon = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    work_done = models.CharField(_("服务内容记录"), max_length=500, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    rating = models.PositiveSmallIntegerField(_("满意度（1-5星）"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=300, blank=True)
    rated_by = models.CharField(_("评价人"), max_length=32, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    division_code = models.CharField(max_length=12)  # the person's

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "provider__organisation"

    class Meta:
        ordering = ["-service_date", "-pk"]
        verbose_name = _("服务工单")
        verbose_name_plural = _("服务工单")
        indexes = [
            models.Index(fields=["division_code"], name="hc_order_div", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["provider", "service_date"], name="hc_order_provider_date"),
            models.Index(fields=["status", "service_date"], name="hc_order_status_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen=F("subsidy_fen") + F("own_fen")), name="hc_order_amount_split"),
            models.CheckConstraint(condition=Q(subsidy_fen__lte=F("amount_fen")), name="hc_order_subsidy_le_amount"),
            models.CheckConstraint(condition=Q(check_out_at__isnull=True)
                                   | (Q(check_in_at__isnull=False) & Q(check_out_at__gte=F("check_in_at"))),
                                   name="hc_order_check_out_after_in"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)),
                                   name="hc_order_rating_range"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="hc_order_quantity_positive"),
            models.UniqueConstraint(fields=["plan", "service_date"], condition=Q(plan__isnull=False),
                                    name="hc_order_plan_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} · {self.service_date:%Y-%m-%d} · {self.pk}"


class Complaint(AuditedModel):
    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="complaints")
    received_at = models.DateTimeField(_("受理时间"))
    complainant = models.CharField(_("投诉人"), max_length=32)
    content = models.CharField(_("投诉内容"), max_length=500)
    status = models.CharField(_("状态"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN)
    received_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "order__provider__organisation"

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")

    def __str__(self) -> str:
        return f"{self.complainant} {self.received_at:%Y-%m-%d}"


class ComplaintFollowUp(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="follow_ups")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("跟进情况"), max_length=500)
    closes = models.BooleanField(_("办结"), default=False)

    class Meta:
        ordering = ["at"]


# --------------------------------------------------------------------------- settlement
class Settlement(AuditedModel):
    """One provider's month: its billable orders as lines, prepared by one person, approved by another."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="settlements",
                                 verbose_name=_("服务商"))
    month = models.DateField(_("结算月份"))
    status = models.CharField(_("状态"), max_length=10, choices=SettlementStatus.choices,
                              default=SettlementStatus.PREPARED)
    prepared_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("制单人"))
    prepared_at = models.DateTimeField(_("制单时间"))
    approved_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("复核人"))
    approved_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    approval_comment = models.CharField(_("复核意见"), max_length=500, blank=True)
    line_count = models.PositiveIntegerField(_("工单数"), default=0)
    amount_fen = models.BigIntegerField(_("服务金额（分）"), default=0)
    subsidy_fen = models.BigIntegerField(_("补贴金额（分）"), default=0)
    own_fen = models.BigIntegerField(_("自付金额（分）"), default=0)
    division_code = models.CharField(max_length=12)  # the provider's

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "provider__organisation"

    class Meta:
        ordering = ["-month", "provider"]
        verbose_name = _("月度结算")
        verbose_name_plural = _("月度结算")
        constraints = [
            models.UniqueConstraint(fields=["provider", "month"], condition=~Q(status="cancelled"),
                                    name="hc_settlement_once_a_month"),
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                                   name="hc_settlement_second_signature"),
            models.CheckConstraint(condition=Q(month__day=1), name="hc_settlement_first_of_month"),
            models.CheckConstraint(condition=Q(amount_fen=F("subsidy_fen") + F("own_fen")),
                                   name="hc_settlement_amount_split"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.month:%Y年%m月}"


class SettlementLine(models.Model):
    """A billed order. ``order`` is unique: the database refuses to bill an order twice."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    order = models.OneToOneField(ServiceOrder, on_delete=models.PROTECT, related_name="settlement_line")
    service_date = models.DateField()
    item_id_copy = models.IntegerField()
    quantity = models.PositiveSmallIntegerField()
    amount_fen = models.PositiveIntegerField()
    subsidy_fen = models.PositiveIntegerField()
    own_fen = models.PositiveIntegerField()
    programme_id_copy = models.IntegerField(null=True)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "settlement__provider__organisation"

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen=F("subsidy_fen") + F("own_fen")), name="hc_line_amount_split"),
        ]


# --------------------------------------------------------------------------- facilities
class Facility(AuditedModel):
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=FacilityKind.choices)
    functions = models.JSONField(_("实际提供的功能"), default=list, blank=True)
    division_code = models.CharField(_("所在村（社区）"), max_length=12)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    hours = models.CharField(_("开放时间"), max_length=60, blank=True)
    capacity = models.PositiveIntegerField(_("服务能力（人）"), default=0)
    beds = models.PositiveIntegerField(_("床位（张）"), default=0)
    operator_name = models.CharField(_("运营方"), max_length=128, blank=True)
    operator = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("运营组织"))
    opened_on = models.DateField(_("启用日期"), null=True, blank=True)
    active = models.BooleanField(_("运营中"), default=True)
    offers_day_care = models.BooleanField(default=False)  # kind day_care or 日托 among functions (set on save)
    meal_item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("助餐项目（餐费标准）"))

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "operator"

    class Meta:
        ordering = ["division_code", "name"]
        verbose_name = _("服务设施")
        verbose_name_plural = _("服务设施")
        indexes = [models.Index(fields=["division_code"], name="hc_facility_div", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def function_labels(self) -> list[Any]:
        from .choices import Function

        labels = dict(Function.choices)
        return [labels.get(f, f) for f in self.functions]


class FacilityCommunity(models.Model):
    """A community (村/社区) the facility serves."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="served")
    division_code = models.CharField(max_length=12)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["facility", "division_code"], name="hc_served_once")]


# --------------------------------------------------------------------------- meals
class MealAccount(AuditedModel):
    """A person's meal card at the 长者饭堂: a prepaid balance in fen."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="meal_account")
    balance_fen = models.IntegerField(_("余额（分）"), default=0)
    division_code = models.CharField(max_length=12)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("餐卡")
        verbose_name_plural = _("餐卡")
        constraints = [models.CheckConstraint(condition=Q(balance_fen__gte=0), name="hc_meal_balance_not_negative")]

    def __str__(self) -> str:
        return f"{self.person.name} 餐卡"


class Meal(models.Model):
    """One meal served to one person: the price, the subsidy by rule, what was paid and the balance after."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="meals", verbose_name=_("助餐点"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("老年人"))
    day = models.DateField(_("就餐日期"))
    meal = models.CharField(_("餐次"), max_length=8, choices=MealKind.choices)
    delivered = models.BooleanField(_("送餐上门"), default=False)
    price_fen = models.PositiveIntegerField(_("餐费（分）"))
    subsidy_fen = models.PositiveIntegerField(_("补贴（分）"), default=0)
    paid_fen = models.PositiveIntegerField(_("实付（分）"))
    pay_method = models.CharField(_("支付方式"), max_length=8, choices=PayMethod.choices)
    balance_after_fen = models.IntegerField(_("余额（分）"), null=True, blank=True)
    programme = models.ForeignKey("benefits.Programme", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    recorded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    division_code = models.CharField(max_length=12)  # the person's

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"
    scope_organisation_field = "facility__operator"

    class Meta:
        ordering = ["-day", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "day", "meal"], name="hc_meal_once"),
            models.CheckConstraint(condition=Q(price_fen=F("subsidy_fen") + F("paid_fen")), name="hc_meal_split"),
        ]
