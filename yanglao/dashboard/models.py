"""The dashboard's tables: a monthly snapshot of every indicator per division, and the figures entered by hand
for targets the platform has no data for yet."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yanglao.core.basemodels import AuditedModel
from yanglao.core.scope import ScopedQuerySet


class Status(models.TextChoices):
    GREEN = "green", _("达标")
    AMBER = "amber", _("接近或未到期")
    RED = "red", _("未达标")
    NONE = "none", _("暂无数据")


class Source(models.TextChoices):
    LIVE = "live", _("平台实时数据")
    DATED = "dated", _("按记录日期推算")
    MANUAL = "manual", _("人工填报")
    DEMO = "demo", _("演示历史")


class IndicatorSnapshot(models.Model):
    """One indicator of one division (city, county or township) for one month. Written by the snapshot job
    (`yanglao dashboard_snapshot`), idempotent per (month, indicator, division); the pages read only this."""

    month = models.DateField(_("月份"))  # the first day of the month
    indicator = models.CharField(_("指标"), max_length=40)
    division_code = models.CharField(_("区划"), max_length=12)
    level = models.PositiveSmallIntegerField(_("层级"))  # 2 city, 3 county, 4 township (core.DivisionLevel)
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.NONE)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.LIVE)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        verbose_name = _("指标月度快照")
        verbose_name_plural = _("指标月度快照")
        constraints = [
            models.UniqueConstraint(fields=["month", "indicator", "division_code"], name="dash_snapshot_once"),
            models.CheckConstraint(condition=Q(status__in=["green", "amber", "red", "none"]), name="dash_snapshot_status"),
            models.CheckConstraint(condition=Q(level__in=[2, 3, 4]), name="dash_snapshot_level"),
        ]
        indexes = [
            # the page: one division's rows over months, and one month's rows of a division's children
            models.Index(fields=["division_code", "month"], name="dash_snap_div_month"),
            models.Index(fields=["month", "level", "division_code"], name="dash_snap_month_level"),
        ]

    def __str__(self) -> str:
        from .indicators import BY_KEY

        ind = BY_KEY.get(self.indicator)
        return f"{ind.label if ind else self.indicator}（{self.division_code}，{self.month:%Y年%m月}）"


class ManualEntry(AuditedModel):
    """A figure entered by hand for a target the platform has no data for (or not yet): value, date, the
    document it comes from and who entered it. Audited like every record (`AuditedModel`)."""

    indicator = models.CharField(_("指标"), max_length=40)
    division_code = models.CharField(_("区划"), max_length=12)
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=4)
    as_of = models.DateField(_("数据日期"))
    source_document = models.CharField(_("来源文件"), max_length=200)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("填报人"))

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division_code"

    class Meta:
        ordering = ["-as_of", "-pk"]
        verbose_name = _("人工填报指标")
        verbose_name_plural = _("人工填报指标")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "division_code", "as_of"], name="dash_manual_once"),
            models.CheckConstraint(condition=Q(value__gte=0), name="dash_manual_value_positive"),
        ]

    def __str__(self) -> str:
        from yanglao.core.divisions import division_short_name

        from .indicators import BY_KEY

        ind = BY_KEY.get(self.indicator)
        return f"{ind.label if ind else self.indicator} · {division_short_name(self.division_code)} · {self.as_of:%Y-%m-%d}"
