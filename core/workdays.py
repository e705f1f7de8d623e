"""Working days on the Chinese calendar: Monday to Friday, except public holidays, plus the weekend
days that are worked in exchange (调休). The exceptions are data (``CalendarDay``), seeded from the
State Council's notices and kept up to date by administrators.

Deadlines in working days (Guangdong 12345 rules: inquiry 2, help and suggestion 10, complaint 15)
count from the day after receipt (Civil Code Art 201) and end at the close of the last working day
(Art 203).
"""

from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.utils import timezone

CACHE_KEY = "linli:calendar-days"


def exceptions() -> dict[date, bool]:
    """Date → is it a working day, for every day that differs from the Monday–Friday rule."""

    def load() -> dict[date, bool]:
        from .models import CalendarDay

        return dict(CalendarDay.objects.values_list("date", "is_workday"))

    return cache.get_or_set(CACHE_KEY, load, 600)


def forget() -> None:
    """Call after the calendar changes."""
    cache.delete(CACHE_KEY)


def is_workday(day: date, table: dict[date, bool] | None = None) -> bool:
    table = exceptions() if table is None else table
    if day in table:
        return table[day]
    return day.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    """The end of the ``days``-th working day after ``start``'s local date."""
    table = exceptions()
    day = timezone.localtime(start).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_workday(day, table):
            counted += 1
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def working_days_between(start: datetime, end: datetime) -> int:
    """Whole working days after ``start``'s date up to and including ``end``'s date."""
    table = exceptions()
    day, last = timezone.localtime(start).date(), timezone.localtime(end).date()
    count = 0
    while day < last:
        day += timedelta(days=1)
        count += is_workday(day, table)
    return count
