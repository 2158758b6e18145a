"""Demo 指标监测 (演示数据): manual entries for what the platform has no data for, then 13 months of snapshots.

Past months are derived from dated records where the indicator can be (facilities' opening dates, visits per
month, star ratings' and agreements' validity, the admission rules' and catalogue's dates). For the indicators
that cannot be (beds, estates, the walking circle, training, leases: their records carry no history), the demo
writes a declared history, source 演示历史: a straight line from 80 % of the current figure a year ago to the
current figure. A real installation has no such rows: its history is what the monthly job wrote."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from yanglao.core.models import User

from . import services
from .indicators import BY_KEY, CITY
from .models import IndicatorSnapshot, ManualEntry, Source

HISTORY_MONTHS = 12


def load_demo(*, seed: int) -> str:
    if IndicatorSnapshot.objects.exists():
        return "指标监测演示数据已存在，未重复生成"
    today = timezone.localdate()
    city = User.objects.filter(username="city").first()
    if city is not None and not ManualEntry.objects.exists():
        ManualEntry.objects.create(indicator="geriatric_hospital", division_code=CITY, value=Decimal(2),
                                   as_of=dt.date(today.year, 1, 15), entered_by=city,
                                   source_document="阳江市卫生健康局《医疗机构设置情况》（演示）",
                                   note="阳江市中医医院康复科、阳江市第二人民医院老年病科（演示数值）")
    services.snapshot_history(HISTORY_MONTHS, today=today)
    current = services.month_start(today)
    made = 0
    rows = []
    now = timezone.now()
    for snap in IndicatorSnapshot.objects.filter(month=current, value__isnull=False):
        ind = BY_KEY[snap.indicator]
        if ind.dated:
            continue
        for n in range(1, HISTORY_MONTHS + 1):
            month = services.add_months(current, -n)
            factor = Decimal(1) - Decimal("0.2") * Decimal(n) / Decimal(HISTORY_MONTHS)
            value = (snap.value * factor).quantize(Decimal("0.01"))
            num = (snap.numerator * factor).quantize(Decimal("1" if ind.comparison == "all" else "0.01")) if snap.numerator is not None else None
            from .indicators import Figure

            fig = Figure(value, num, snap.denominator)
            rows.append(IndicatorSnapshot(month=month, indicator=snap.indicator, division_code=snap.division_code,
                                          level=snap.level, value=value, numerator=num, denominator=snap.denominator,
                                          status=ind.status(fig, services.month_end(month)), source=Source.DEMO,
                                          note="演示历史（按当前数值推算）", computed_at=now))
    made = services.write_rows(rows)
    return f"指标监测：{HISTORY_MONTHS + 1} 个月快照，其中演示历史 {made} 条"
