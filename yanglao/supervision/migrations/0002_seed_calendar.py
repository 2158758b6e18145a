"""Seed the working-day calendar from chinese-calendar for the years it has data (2024–2026 here)."""

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar

    from yanglao.supervision.workdays import HOLIDAY_NAMES

    CalendarDay = apps.get_model("supervision", "CalendarDay")
    CalendarYear = apps.get_model("supervision", "CalendarYear")
    known = {d.year for d in chinese_calendar.holidays}
    for year in (2024, 2025, 2026):
        if year not in known:
            continue
        rows = [CalendarDay(day=d, is_working=False, name=HOLIDAY_NAMES.get(str(n), str(n)), source="chinese-calendar")
                for d, n in chinese_calendar.holidays.items() if d.year == year and d.weekday() < 5]
        rows += [CalendarDay(day=d, is_working=True, name=f"{HOLIDAY_NAMES.get(str(n), str(n))}调休上班",
                             source="chinese-calendar")
                 for d, n in chinese_calendar.workdays.items() if d.year == year and d.weekday() >= 5]
        CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
        CalendarYear.objects.get_or_create(year=year, defaults={"source": f"chinese-calendar {chinese_calendar.__version__}"})


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
