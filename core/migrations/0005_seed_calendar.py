"""Seed the working-day calendar from the State Council's holiday notices (via chinese-calendar),
2020 onwards: only the days that differ from the Monday–Friday week are stored."""

from django.db import migrations


CHINESE = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
}


def seed(apps, schema_editor):
    from chinese_calendar import constants

    CalendarDay = apps.get_model("core", "CalendarDay")
    rows = []
    for day, name in constants.holidays.items():
        if day.year >= 2020 and day.weekday() < 5:
            rows.append(CalendarDay(date=day, is_workday=False, name=CHINESE.get(name, name)))
    for day, name in constants.workdays.items():
        if day.year >= 2020 and day.weekday() >= 5:
            rows.append(CalendarDay(date=day, is_workday=True, name=CHINESE.get(name, name) + "调休"))
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_notifications_outbox_calendar")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
