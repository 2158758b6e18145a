"""Planning: elderly-care rooms in residential estates (配建), idle public property leased for elderly care,
and the 15-minute service circle computed on a walking network."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet


class AreaKind(models.TextChoices):
    NEW = "new", _("新建住宅小区")
    OLD = "old", _("旧城区和已建住宅区")


# --------------------------------------------------------------------------- area rules (data, dated, sourced)
class AreaRule(AuditedModel):
    """How many m² of elderly-care room per 100 households an estate of a kind must provide, from a date, with the
    document and its words. A text that conflicts with the rule in force is kept too, marked not applied, so the
    page can say why it was not used."""

    area_kind = models.CharField(_("小区类型"), max_length=8, choices=AreaKind.choices)
    min_m2_per_100 = models.DecimalField(_("每百户不低于（平方米）"), max_digits=7, decimal_places=2)
    valid_from = models.DateField(_("施行日期"))
    valid_to = models.DateField(_("废止日期"), null=True, blank=True)
    applied = models.BooleanField(_("现行适用"), default=True)
    source = models.CharField(_("依据文件"), max_length=120)
    source_text = models.TextField(_("原文"))
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["area_kind", "-applied", "-valid_from"]
        verbose_name = _("配建面积标准")
        verbose_name_plural = _("配建面积标准")
        constraints = [
            models.CheckConstraint(condition=Q(min_m2_per_100__gt=0), name="pl_rule_area_positive"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="pl_rule_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.get_area_kind_display()} ≥{self.min_m2_per_100}㎡/百户（{self.source}）"


# --------------------------------------------------------------------------- estates
class Estate(AuditedModel):
    name = models.CharField(_("小区名称"), max_length=100)
    division_code = models.CharField(_("所在村（社区）"), max_length=12)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    developer = models.CharField(_("建设单位"), max_length=128, blank=True)
    area_kind = models.CharField(_("小区类型"), max_length=8, choices=AreaKind.choices)
    households = models.PositiveIntegerField(_("户数"))
    completed_on = models.DateField(_("竣工验收日期"), null=True, blank=True)
    room_area_m2 = models.DecimalField(_("养老服务用房面积（平方米）"), max_digits=9, decimal_places=2, default=Decimal("0"))
    handed_over = models.BooleanField(_("已无偿移交乡镇（街道）"), default=False)
    handed_over_on = models.DateField(_("移交日期"), null=True, blank=True)
    in_use = models.BooleanField(_("按规划用途使用"), default=False)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["division_code", "name"]
        verbose_name = _("住宅小区")
        verbose_name_plural = _("住宅小区")
        indexes = [models.Index(fields=["division_code"], name="pl_estate_div", opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.UniqueConstraint(fields=["division_code", "name"], name="pl_estate_once"),
            models.CheckConstraint(condition=Q(households__gt=0), name="pl_estate_households"),
            models.CheckConstraint(condition=Q(room_area_m2__gte=0), name="pl_estate_area"),
            models.CheckConstraint(condition=Q(handed_over=True) | Q(handed_over_on__isnull=True),
                                   name="pl_estate_handover_date"),
        ]

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- idle public property
class LeaseStatus(models.TextChoices):
    IDLE = "idle", _("闲置待用")
    TENDERING = "tendering", _("公开竞租中")
    LEASED = "leased", _("已出租")
    IN_USE = "in_use", _("已用于养老服务")
    ENDED = "ended", _("已终止")


MIN_LEASE_YEARS = 15  # GD 16 / YJ 2: 租赁期限延长至15年以上


class PropertyLease(AuditedModel):
    """Idle public property (闲置公有房产) offered or leased for elderly care."""

    name = models.CharField(_("房产名称"), max_length=100)
    division_code = models.CharField(_("所在村（社区）"), max_length=12)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    owner_unit = models.CharField(_("产权单位"), max_length=128)
    floor_area_m2 = models.DecimalField(_("建筑面积（平方米）"), max_digits=9, decimal_places=2)
    lessee = models.CharField(_("承租方"), max_length=128, blank=True)
    purpose = models.CharField(_("用途"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=LeaseStatus.choices, default=LeaseStatus.IDLE)
    public_tender = models.BooleanField(_("公开竞租"), default=True)
    priority_given = models.BooleanField(_("同等条件下优先承租"), default=False)
    start_date = models.DateField(_("租期开始"), null=True, blank=True)
    end_date = models.DateField(_("租期结束"), null=True, blank=True)
    annual_rent_fen = models.PositiveBigIntegerField(_("年租金（分）"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["division_code", "name"]
        verbose_name = _("闲置公有房产")
        verbose_name_plural = _("闲置公有房产")
        indexes = [models.Index(fields=["division_code"], name="pl_lease_div", opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.CheckConstraint(condition=Q(floor_area_m2__gt=0), name="pl_lease_area"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(start_date__isnull=True)
                                   | Q(end_date__gt=F("start_date")), name="pl_lease_dates"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def term_years(self) -> Decimal | None:
        if not self.start_date or not self.end_date:
            return None
        days = (self.end_date - self.start_date).days
        return (Decimal(days) / Decimal("365.25")).quantize(Decimal("0.1"))

    @property
    def term_short(self) -> bool:
        """A lease shorter than 15 years (the documents expect 15 years or more)."""
        if not self.start_date or not self.end_date:
            return False
        try:
            full = self.start_date.replace(year=self.start_date.year + MIN_LEASE_YEARS)
        except ValueError:  # 29 February
            full = self.start_date + dt.timedelta(days=round(365.25 * MIN_LEASE_YEARS))
        return self.end_date < full - dt.timedelta(days=1)


# --------------------------------------------------------------------------- residential points and the circle
class PointSource(models.TextChoices):
    SURVEY = "survey", _("实地采集")
    IMPORT = "import", _("导入")
    DEMO = "demo", _("演示数据")


class CommunityPoint(AuditedModel):
    """Where a community (村/社区) lives, for the circle: its residents are placed at this point (the committee
    or the centre of its houses), WGS-84 like OpenStreetMap."""

    division_code = models.CharField(_("村（社区）"), max_length=12, unique=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6)
    source = models.CharField(_("来源"), max_length=8, choices=PointSource.choices, default=PointSource.SURVEY)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["division_code"]
        verbose_name = _("村（社区）坐标")
        verbose_name_plural = _("村（社区）坐标")

    def __str__(self) -> str:
        return self.division_code


class CircleParameters(AuditedModel):
    """The figures the circle is computed with, as data from a date: walking speed, the detour factor of the
    straight-line estimate, the threshold (15 minutes) and how far a point may lie from the network."""

    valid_from = models.DateField(_("施行日期"), unique=True)
    walking_speed_mps = models.DecimalField(_("步行速度（米/秒）"), max_digits=4, decimal_places=2, default=Decimal("1.20"))
    detour_factor = models.DecimalField(_("直线距离绕行系数"), max_digits=4, decimal_places=2, default=Decimal("1.40"))
    threshold_minutes = models.PositiveSmallIntegerField(_("服务圈（分钟）"), default=15)
    max_snap_m = models.PositiveIntegerField(_("离路网最远距离（米）"), default=500)
    source = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("服务圈参数")
        verbose_name_plural = _("服务圈参数")
        constraints = [
            models.CheckConstraint(condition=Q(walking_speed_mps__gt=0), name="pl_param_speed"),
            models.CheckConstraint(condition=Q(detour_factor__gte=1), name="pl_param_detour"),
            models.CheckConstraint(condition=Q(threshold_minutes__gt=0), name="pl_param_threshold"),
        ]

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.walking_speed_mps} m/s × {self.detour_factor}"


class NetworkStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    LOADING = "loading", _("读取中")
    READY = "ready", _("已载入")
    FAILED = "failed", _("失败")


class WalkNetwork(AuditedModel):
    """A walking network read from a local OpenStreetMap file: nodes and edges kept as compressed arrays."""

    name = models.CharField(_("名称"), max_length=100)
    filename = models.CharField(_("文件名"), max_length=200)
    file_format = models.CharField(_("格式"), max_length=8, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=NetworkStatus.choices, default=NetworkStatus.QUEUED)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    nodes = models.PositiveIntegerField(_("节点数"), default=0)
    edges = models.PositiveIntegerField(_("路段数"), default=0)
    ways = models.PositiveIntegerField(_("道路数"), default=0)
    total_km = models.DecimalField(_("路网总长（公里）"), max_digits=10, decimal_places=2, default=Decimal("0"))
    south = models.FloatField(null=True, blank=True)
    west = models.FloatField(null=True, blank=True)
    north = models.FloatField(null=True, blank=True)
    east = models.FloatField(null=True, blank=True)
    graph = models.BinaryField(null=True, blank=True)  # numpy .npz: lat, lon, u, v, length_m
    upload_path = models.CharField(max_length=300, blank=True)  # a console upload waiting to be read
    loaded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    loaded_at = models.DateTimeField(_("载入时间"), null=True, blank=True)
    active = models.BooleanField(_("当前使用"), default=False)

    audit_exclude_fields = ("created_at", "updated_at", "version", "graph", "file_sha256", "upload_path")

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("步行路网")
        verbose_name_plural = _("步行路网")
        constraints = [models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="pl_one_active_network")]

    def __str__(self) -> str:
        return self.name


class Method(models.TextChoices):
    NETWORK = "network", _("步行路网最短路径")
    STRAIGHT = "straight", _("直线距离×绕行系数估算")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class CircleRun(models.Model):
    """One computation of the circle: with which network (or none), which parameters, when, by whom."""

    status = models.CharField(_("状态"), max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    network = models.ForeignKey(WalkNetwork, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs")
    walking_speed_mps = models.DecimalField(max_digits=4, decimal_places=2)
    detour_factor = models.DecimalField(max_digits=4, decimal_places=2)
    threshold_minutes = models.PositiveSmallIntegerField()
    max_snap_m = models.PositiveIntegerField()
    requested_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    points = models.PositiveIntegerField(default=0)
    facilities = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"


class PointKind(models.TextChoices):
    COMMUNITY = "community", _("村（社区）")
    ESTATE = "estate", _("住宅小区")


ANY_KIND = "any"  # the nearest facility of any kind


class PointTime(models.Model):
    """Walking minutes from one residential point to the nearest facility of one kind, by one run."""

    run = models.ForeignKey(CircleRun, on_delete=models.CASCADE, related_name="times")
    point_kind = models.CharField(max_length=10, choices=PointKind.choices)
    division_code = models.CharField(max_length=12)
    estate = models.ForeignKey(Estate, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    facility_kind = models.CharField(max_length=12)
    minutes = models.FloatField(null=True, blank=True)  # None: no facility of the kind reachable
    method = models.CharField(max_length=8, choices=Method.choices)
    snap_m = models.FloatField(null=True, blank=True)  # from the point to its network node

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        indexes = [models.Index(fields=["run", "facility_kind", "division_code"], name="pl_time_run_kind")]
        constraints = [
            models.UniqueConstraint(fields=["run", "facility_kind", "division_code"],
                                    condition=Q(point_kind="community"), name="pl_time_community_once"),
            models.UniqueConstraint(fields=["run", "facility_kind", "estate"],
                                    condition=Q(point_kind="estate"), name="pl_time_estate_once"),
        ]
