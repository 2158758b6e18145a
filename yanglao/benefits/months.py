"""Months are dates on the first day of the month."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_MONTH = re.compile(r"^\s*(\d{4})\s*[-/年.]\s*(\d{1,2})\s*月?\s*$")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> dt.date:
    """"2026-05", "2026年5月", "2026/5" → 2026-05-01; ValueError otherwise."""
    m = _MONTH.match(str(text))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"月份“{text}”格式不正确，应为 YYYY-MM")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def month_label(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"
