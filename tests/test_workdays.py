"""Working days on the Chinese calendar: Monday to Friday, minus the public holidays, plus the weekend
days worked in exchange (调休). The exceptions are data (``CalendarDay``, seeded by core/0005) that
administrators keep up to date; deadlines count from the day after and end at the close of the last day."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from core import workdays
from core.models import CalendarDay

SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def end_of(day: date) -> datetime:
    return at(day.year, day.month, day.day, 23, 59, 59)


def test_the_seeded_calendar_holds_the_national_day_holiday_and_its_exchanged_working_day():
    seeded = dict(
        CalendarDay.objects.filter(date__range=(date(2026, 9, 1), date(2026, 10, 31))).values_list("date", "is_workday")
    )

    assert seeded[date(2026, 10, 1)] is False
    assert seeded[date(2026, 10, 7)] is False
    assert seeded[date(2026, 10, 10)] is True  # Saturday, worked in exchange
    assert date(2026, 10, 3) not in seeded  # a plain weekend day is not an exception


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 9, 29), True),  # a plain Tuesday
        (date(2026, 9, 26), False),  # a plain Saturday
        (date(2026, 9, 25), False),  # Mid-autumn Festival, a Friday
        (date(2026, 9, 20), True),  # Sunday worked in exchange
        (date(2026, 10, 1), False),  # National Day, a Thursday
        (date(2026, 10, 5), False),  # holiday Monday
        (date(2026, 10, 10), True),  # Saturday worked in exchange
        (date(2026, 10, 11), False),  # plain Sunday
    ],
)
def test_is_workday_follows_the_state_council_calendar(day, expected):
    assert workdays.is_workday(day) is expected


def test_a_deadline_counts_from_the_next_day_and_ends_at_the_close_of_the_last_working_day():
    assert workdays.add_working_days(at(2026, 3, 10, 9, 0), 1) == end_of(date(2026, 3, 11))
    # Friday + 1 → Monday
    assert workdays.add_working_days(at(2026, 3, 13, 17, 0), 1) == end_of(date(2026, 3, 16))
    assert workdays.add_working_days(at(2026, 3, 10, 9, 0), 0) == end_of(date(2026, 3, 10))


def test_fifteen_working_days_from_the_eve_of_national_day_skip_the_holiday_and_count_the_exchanged_saturday():
    due = workdays.add_working_days(at(2026, 9, 30, 16, 0), 15)

    # 10-08, 09, 10 (Sat, worked), 12–16, 19–23, 26, 27
    assert due == end_of(date(2026, 10, 27))


def test_the_local_date_counts_not_the_utc_date():
    # 17:30 UTC on 30 September is 01:30 on 1 October in Guangdong: counting starts after 1 October.
    just_after_midnight = datetime(2026, 9, 30, 17, 30, tzinfo=ZoneInfo("UTC"))

    assert workdays.add_working_days(just_after_midnight, 1) == end_of(date(2026, 10, 8))


def test_working_days_between_counts_whole_working_days_after_the_start():
    assert workdays.working_days_between(at(2026, 9, 30, 9, 0), at(2026, 10, 9, 9, 0)) == 2
    assert workdays.working_days_between(at(2026, 9, 30, 9, 0), at(2026, 9, 30, 18, 0)) == 0
    assert workdays.working_days_between(at(2026, 9, 30, 9, 0), at(2026, 10, 27, 9, 0)) == 15


def test_an_administrator_adding_a_holiday_moves_deadlines_once_the_calendar_is_forgotten():
    start = at(2026, 3, 10, 9, 0)  # Tuesday
    assert workdays.add_working_days(start, 2) == end_of(date(2026, 3, 12))

    CalendarDay.objects.create(date=date(2026, 3, 11), is_workday=False, name="台风停工")
    workdays.forget()

    assert not workdays.is_workday(date(2026, 3, 11))
    assert workdays.add_working_days(start, 2) == end_of(date(2026, 3, 13))


def test_an_administrator_correcting_a_seeded_day_takes_effect_after_forget():
    saturday = CalendarDay.objects.get(date=date(2026, 10, 10))
    saturday.is_workday = False
    saturday.save()
    workdays.forget()

    assert not workdays.is_workday(date(2026, 10, 10))
    assert workdays.add_working_days(at(2026, 9, 30, 16, 0), 15) == end_of(date(2026, 10, 28))


def test_an_added_working_weekend_day_counts():
    CalendarDay.objects.create(date=date(2026, 3, 14), is_workday=True, name="调休")
    workdays.forget()

    assert workdays.add_working_days(at(2026, 3, 13, 17, 0), 1) == end_of(date(2026, 3, 14))


def test_the_calendar_is_read_once_and_then_cached(django_assert_num_queries):
    workdays.forget()
    with django_assert_num_queries(1):
        workdays.add_working_days(at(2026, 9, 30, 16, 0), 15)
        workdays.add_working_days(at(2026, 1, 5, 16, 0), 40)
        workdays.is_workday(date(2026, 10, 1))
