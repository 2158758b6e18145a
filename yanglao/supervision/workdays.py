"""Working days on the administrator-maintained calendar (工作日历).

A day is a working day when it is Monday–Friday, unless the table `CalendarDay` says otherwise: a holiday
on a weekday (is_working=False) or an adjusted working day at a weekend (调休上班, is_working=True).
The table is seeded from the `chinese-calendar` package for the years it knows (it stops at 2026) and
maintained by an administrator afterwards; `missing_years` says which coming year has no entries yet.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import CalendarDay, CalendarYear

HOLIDAY_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
                 "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
                 "Anti-Fascist 70th Day": "抗战胜利纪念日"}


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(CalendarDay.objects.filter(day__gte=start, day__lte=end).values_list("day", "is_working"))


def is_working_day(day: dt.date, exceptions: dict[dt.date, bool] | None = None) -> bool:
    if exceptions is None:
        exceptions = _exceptions(day, day)
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (start itself not counted)."""
    exceptions = _exceptions(start, start + dt.timedelta(days=n * 3 + 60))
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day, exceptions):
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when end is before start)."""
    if end < start:
        return -working_days_between(end, start)
    exceptions = _exceptions(start, end)
    return sum(1 for k in range(1, (end - start).days + 1) if is_working_day(start + dt.timedelta(days=k), exceptions))


def missing_years(today: dt.date | None = None) -> list[int]:
    """This year and the coming year, where the calendar has no entries (the platform warns about them)."""
    today = today or timezone.localdate()
    known = set(CalendarYear.objects.values_list("year", flat=True))
    return [y for y in (today.year, today.year + 1) if y not in known]


def seed_from_package(years: list[int] | None = None) -> dict[int, int]:
    """Holidays and adjusted working days from `chinese-calendar` for the years it has data; returns
    {year: days written}. Years it does not know are skipped (not guessed)."""
    import chinese_calendar

    names = HOLIDAY_NAMES
    written: dict[int, int] = {}
    if years is None:
        this = timezone.localdate().year
        years = [this - 1, this, this + 1]
    known_years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    for year in years:
        if year not in known_years:
            continue
        rows = []
        for day, name in chinese_calendar.holidays.items():
            if day.year == year and day.weekday() < 5:
                rows.append(CalendarDay(day=day, is_working=False, name=names.get(str(name), str(name)),
                                        source="chinese-calendar"))
        for day, name in chinese_calendar.workdays.items():
            if day.year == year and day.weekday() >= 5:
                rows.append(CalendarDay(day=day, is_working=True, name=f"{names.get(str(name), str(name))}调休上班",
                                        source="chinese-calendar"))
        with transaction.atomic():
            CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
            CalendarYear.objects.get_or_create(year=year, defaults={"source": f"chinese-calendar {chinese_calendar.__version__}"})
        written[year] = len(rows)
    return written
