"""The daily reminder task: once two days before the due date, then every seven days while overdue, in
the app and by SMS; running it again sends nothing new."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from books import actions
from books.tasks import remind_overdue_loans
from core.models import Notification, OutboxMessage
from tests.test_book_world import book_world_fixture, copy_of, english_fixture, fresh, shelve  # noqa: F401

pytestmark = pytest.mark.usefixtures("english")

TZ = ZoneInfo("Asia/Shanghai")
MARCH_1 = datetime(2026, 3, 1, 10, 0, tzinfo=TZ)  # due on 31 March


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=TZ)


def run(moment: datetime) -> dict[str, int]:
    with time_machine.travel(moment, tick=False):
        return remind_overdue_loans.delay().get()


def reminders(person) -> list[str]:
    return list(
        Notification.objects.filter(recipient=person).exclude(subject__startswith="Borrowed").values_list("subject", flat=True)
    )


def sms(person) -> list[str]:
    return list(OutboxMessage.objects.filter(channel="sms", address=person.mobile).values_list("body", flat=True))


@pytest.fixture
def lent(book_world):
    w = book_world
    w.loan = actions.lend(actor=w.community_staff, copy=copy_of(w.huozhe), borrower=w.resident, now=MARCH_1)
    return w


def test_reminded_once_two_days_before_the_due_date(lent):
    w = lent
    assert run(at(3, 28)) == {"due_soon": 0, "overdue": 0}
    assert run(at(3, 29)) == {"due_soon": 1, "overdue": 0}
    assert len(reminders(w.resident)) == 1 and "2026-03-31" in reminders(w.resident)[0] and "活着" in reminders(w.resident)[0]
    assert len(sms(w.resident)) == 1
    assert fresh(w.loan).due_soon_reminded_on == at(3, 29).date()
    # the same day again, the next day, the due date: nothing new
    for moment in (at(3, 29, 18), at(3, 30), at(3, 31)):
        assert run(moment) == {"due_soon": 0, "overdue": 0}
    assert len(sms(w.resident)) == 1


def test_overdue_reminders_every_seven_days_until_returned(lent):
    w = lent
    run(at(3, 29))
    assert run(at(4, 1)) == {"due_soon": 0, "overdue": 1}
    assert run(at(4, 1, 20)) == {"due_soon": 0, "overdue": 0}  # idempotent the same day
    for day in range(2, 8):
        assert run(at(4, day))["overdue"] == 0
    assert run(at(4, 8))["overdue"] == 1
    assert fresh(w.loan).reminded_on == at(4, 8).date()
    assert len(sms(w.resident)) == 3  # due soon, overdue, overdue a week later
    assert sms(w.resident)[-1].startswith("自2026-03-31起已逾期")  # in the default language, Chinese
    actions.return_copy(actor=w.community_staff, copy=copy_of(w.huozhe), now=at(4, 9))
    assert run(at(4, 15))["overdue"] == 0
    assert len(sms(w.resident)) == 3


def test_a_loan_found_overdue_without_the_earlier_reminder_is_told_it_is_overdue(lent):
    w = lent
    assert run(at(4, 20)) == {"due_soon": 0, "overdue": 1}
    assert len(sms(w.resident)) == 1


def test_one_message_per_borrower_however_many_books(lent):
    w = lent
    extra = shelve(w.community_staff, w.venue, "围城")
    actions.lend(actor=w.community_staff, copy=copy_of(extra), borrower=w.resident, now=MARCH_1 + timedelta(hours=1))
    actions.lend(actor=w.community_staff, copy=copy_of(w.santi), borrower=w.neighbour, now=MARCH_1)
    assert run(at(4, 2)) == {"due_soon": 0, "overdue": 3}
    assert len(sms(w.resident)) == 1 and "活着" in sms(w.resident)[0] and "围城" in sms(w.resident)[0]
    assert len(sms(w.neighbour)) == 1 and "三体" in sms(w.neighbour)[0]


def test_a_renewal_earns_a_new_reminder_before_the_new_due_date(lent):
    w = lent
    run(at(3, 29))
    actions.renew_loan(actor=w.resident, loan=fresh(w.loan), now=at(3, 30))
    assert fresh(w.loan).due_soon_reminded_on is None
    assert run(at(4, 27))["due_soon"] == 0
    assert run(at(4, 28))["due_soon"] == 1  # two days before 30 April
    assert run(at(4, 29))["due_soon"] == 0


def test_the_reminder_speaks_the_borrowers_language(lent):
    """The task runs in the site's language; each message is written in its borrower's."""
    from django.utils import translation

    w = lent
    w.resident.preferred_language = "en"
    w.resident.save(update_fields=["preferred_language"])
    translation.activate("zh-hans")
    run(at(4, 1))
    assert sms(w.resident)[0].startswith("Overdue since 2026-03-31")


def test_an_inactive_account_gets_no_sms(lent):
    w = lent
    w.resident.is_active = False
    w.resident.save(update_fields=["is_active"])
    assert run(at(4, 1))["overdue"] == 1  # recorded, so not tried again every day
    assert sms(w.resident) == []
