"""Writing the dashboard: the monthly snapshot (idempotent per month, indicator and division) and manual entries."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from yanglao.core.audit import audit_bulk
from yanglao.core.errors import ValidationFailed
from yanglao.core.models import Division, DivisionLevel
from yanglao.core.scope import division_in_scope

from .indicators import BY_KEY, CITY, INDICATORS, Ctx, Figure, Indicator
from .models import IndicatorSnapshot, ManualEntry, Source

LEVEL_OF_LENGTH = {4: DivisionLevel.CITY, 6: DivisionLevel.COUNTY, 9: DivisionLevel.TOWNSHIP}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _divisions() -> tuple[list[str], list[str]]:
    counties = list(Division.objects.filter(level=DivisionLevel.COUNTY, code__startswith=CITY)
                    .order_by("code").values_list("code", flat=True))
    towns = list(Division.objects.filter(level=DivisionLevel.TOWNSHIP, code__startswith=CITY)
                 .order_by("code").values_list("code", flat=True))
    return counties, towns


def _manual_figures(ind: Indicator, on: dt.date) -> dict[str, tuple[Figure, ManualEntry]]:
    """The latest manual entry per division dated on or before `on`."""
    out: dict[str, tuple[Figure, ManualEntry]] = {}
    for entry in ManualEntry.objects.filter(indicator=ind.key, as_of__lte=on).order_by("division_code", "-as_of", "-pk"):
        if entry.division_code not in out:
            note = f"人工填报：{entry.source_document}（{entry.as_of:%Y-%m-%d}）"[:200]
            out[entry.division_code] = (Figure(entry.value, None, None, note), entry)
    return out


def compute_month(month: dt.date, *, today: dt.date | None = None) -> list[IndicatorSnapshot]:
    """Every indicator for every division of the city for `month`, as unsaved rows. Past months are computed as
    of their last day and only for indicators that can be read from dated records (`Indicator.dated`)."""
    today = today or timezone.localdate()
    month = month_start(month)
    current = month >= month_start(today)
    on = today if current else month_end(month)
    counties, towns = _divisions()
    ctx = Ctx(month=month, on=on, current=current, counties=counties, townships=towns)
    now = timezone.now()
    rows: list[IndicatorSnapshot] = []
    for ind in INDICATORS:
        live = ind.compute(ctx) if ind.compute and (current or ind.dated) else {}
        manual = _manual_figures(ind, on)
        codes = [c for c in ctx.all_codes if LEVEL_OF_LENGTH[len(c)] in ind.levels]
        for code in codes:
            fig, source = live.get(code), (Source.LIVE if current else Source.DATED)
            if fig is None and code in manual:
                fig, source = manual[code][0], Source.MANUAL
            if fig is None:
                if not current:
                    continue  # no history is invented for a past month
                fig = Figure(None)
            rows.append(IndicatorSnapshot(
                month=month, indicator=ind.key, division_code=code, level=LEVEL_OF_LENGTH[len(code)],
                value=fig.value, numerator=fig.numerator, denominator=fig.denominator, status=ind.status(fig, on),
                source=source, note=fig.note[:200], computed_at=now))
    return rows


def write_rows(rows: list[IndicatorSnapshot]) -> int:
    """Upsert on (month, indicator, division): a re-run replaces the month's figures, never duplicates them."""
    if not rows:
        return 0
    with transaction.atomic():
        IndicatorSnapshot.objects.bulk_create(
            rows, batch_size=1000, update_conflicts=True, unique_fields=["month", "indicator", "division_code"],
            update_fields=["level", "value", "numerator", "denominator", "status", "source", "note", "computed_at"])
    return len(rows)


def snapshot_month(month: dt.date, *, today: dt.date | None = None) -> int:
    rows = compute_month(month, today=today)
    n = write_rows(rows)
    audit_bulk(IndicatorSnapshot, operation="dashboard_snapshot", count=n, division_code=CITY,
               params={"month": month_start(month).isoformat()})
    return n


def snapshot_history(months: int, *, today: dt.date | None = None) -> dict[str, int]:
    """The current month and the `months` before it (past months from dated records only)."""
    today = today or timezone.localdate()
    first = month_start(today)
    out = {}
    for n in range(months, -1, -1):
        month = add_months(first, -n)
        out[month.isoformat()] = snapshot_month(month, today=today)
    return out


def manual_entry_create(*, by: Any, data: dict[str, Any]) -> ManualEntry:
    ind = BY_KEY.get(str(data.get("indicator") or ""))
    if ind is None:
        raise ValidationFailed("未知的指标", details={"indicator": "请选择指标"})
    code = str(data.get("division_code") or "")
    if len(code) not in LEVEL_OF_LENGTH or LEVEL_OF_LENGTH[len(code)] not in ind.levels:
        raise ValidationFailed("该指标不按此层级统计", details={"division_code": "请选择该指标统计的区划层级"})
    if not division_in_scope(by, code):
        raise ValidationFailed("区划不在您的管辖范围内", details={"division_code": "区划不在您的管辖范围内"})
    value = Decimal(data["value"])
    if value < 0 or (ind.unit == "%" and value > 100) or (ind.comparison == "yes" and value not in (0, 1)):
        raise ValidationFailed("数值超出范围", details={"value": "百分比在0–100之间；是/否填1或0"})
    as_of = data["as_of"]
    if as_of > timezone.localdate():
        raise ValidationFailed("数据日期不能晚于今天", details={"as_of": "数据日期不能晚于今天"})
    if not str(data.get("source_document") or "").strip():
        raise ValidationFailed("请填写来源文件", details={"source_document": "请填写来源文件"})
    if ManualEntry.objects.filter(indicator=ind.key, division_code=code, as_of=as_of).exists():
        raise ValidationFailed("该指标在该区划同一日期已有填报", details={"as_of": "同一日期已有填报"})
    entry = ManualEntry.objects.create(indicator=ind.key, division_code=code, value=value, as_of=as_of,
                                       source_document=str(data["source_document"]).strip()[:200],
                                       note=str(data.get("note") or "")[:200], entered_by=by)
    return entry
