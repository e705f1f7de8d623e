"""The loan rules: 30 days, one renewal of 30 days if not overdue and nobody waits, at most five books at
once, no new loan with an overdue book; as tables over ``books.rules`` and through the actions."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from books import actions, rules
from books.models import Copy, Loan, WaitlistEntry
from core.models import AuditEntry
from tests.test_book_world import book_world_fixture, copy_of, english_fixture, fresh, shelve  # noqa: F401

pytestmark = pytest.mark.usefixtures("english")

TZ = ZoneInfo("Asia/Shanghai")
MARCH_1 = datetime(2026, 3, 1, 10, 0, tzinfo=TZ)


# --- the rules as tables ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lent_on", "due_on"),
    [
        (date(2026, 3, 1), date(2026, 3, 31)),  # the day of the loan does not count (Civil Code Art 201)
        (date(2026, 2, 1), date(2026, 3, 3)),
        (date(2026, 12, 15), date(2027, 1, 14)),
        (date(2028, 2, 10), date(2028, 3, 11)),  # leap year
    ],
)
def test_a_loan_is_due_thirty_days_after_the_day_it_was_lent(lent_on, due_on):
    assert rules.due_date(lent_on) == due_on


@pytest.mark.parametrize(
    ("today", "overdue"),
    [(date(2026, 3, 30), False), (date(2026, 3, 31), False), (date(2026, 4, 1), True)],
)
def test_a_book_is_overdue_from_the_day_after_its_due_date(today, overdue):
    assert rules.is_overdue(date(2026, 3, 31), today) is overdue


@pytest.mark.parametrize(
    ("open_loans", "overdue", "allowed"),
    [(0, 0, True), (4, 0, True), (5, 0, False), (6, 0, False), (1, 1, False), (0, 1, False), (4, 2, False)],
)
def test_borrowing_limit_and_overdue_block(open_loans, overdue, allowed):
    if allowed:
        rules.check_borrowing(open_loans=open_loans, overdue_loans=overdue)
    else:
        with pytest.raises(ValidationError) as caught:
            rules.check_borrowing(open_loans=open_loans, overdue_loans=overdue)
        assert list(caught.value.message_dict) == ["borrower"]


@pytest.mark.parametrize(
    ("today", "renewals", "waiting", "allowed"),
    [
        (date(2026, 3, 10), 0, 0, True),
        (date(2026, 3, 31), 0, 0, True),  # on the due date itself
        (date(2026, 4, 1), 0, 0, False),  # overdue
        (date(2026, 3, 10), 1, 0, False),  # renewed once already
        (date(2026, 3, 10), 0, 1, False),  # someone waits
    ],
)
def test_renewal_rules(today, renewals, waiting, allowed):
    check = lambda: rules.check_renewal(due_on=date(2026, 3, 31), today=today, renewals=renewals, waiting=waiting)  # noqa: E731
    if allowed:
        check()
        assert rules.renewed_due_date(date(2026, 3, 31)) == date(2026, 4, 30)
    else:
        with pytest.raises(ValidationError):
            check()


@pytest.mark.parametrize(
    ("today", "due_soon_on", "reminded_on", "expected"),
    [
        (date(2026, 3, 20), None, None, ""),  # eleven days to go
        (date(2026, 3, 28), None, None, ""),  # three days to go
        (date(2026, 3, 29), None, None, "due_soon"),  # two days before
        (date(2026, 3, 31), None, None, "due_soon"),  # on the due date, not reminded yet
        (date(2026, 3, 30), date(2026, 3, 29), None, ""),  # once only
        (date(2026, 4, 1), date(2026, 3, 29), None, "overdue"),
        (date(2026, 4, 7), date(2026, 3, 29), date(2026, 4, 1), ""),  # six days after the last reminder
        (date(2026, 4, 8), date(2026, 3, 29), date(2026, 4, 1), "overdue"),  # seven days after
        (date(2026, 5, 20), None, date(2026, 5, 1), "overdue"),
    ],
)
def test_which_reminder_a_loan_needs(today, due_soon_on, reminded_on, expected):
    assert rules.reminder_due(
        due_on=date(2026, 3, 31), today=today, due_soon_reminded_on=due_soon_on, reminded_on=reminded_on
    ) == (expected)


# --- the rules through the actions --------------------------------------------------------------


def test_a_desk_loan_runs_thirty_days_and_is_audited(book_world):
    w = book_world
    copy = copy_of(w.huozhe)
    loan = actions.lend(actor=w.community_staff, copy=copy, borrower=w.resident, now=MARCH_1)
    assert (loan.due_on, loan.lent_by, loan.borrower, loan.renewals) == (date(2026, 3, 31), w.community_staff, w.resident, 0)
    assert fresh(copy).status == Copy.Status.ON_LOAN
    entry = AuditEntry.objects.get(action="book.lent")
    assert (entry.actor, entry.subject_id, entry.detail["copy"]) == (w.community_staff, w.resident.pk, copy.code)
    assert w.resident.notifications.filter(subject__contains="活着").exists()


def test_at_most_five_books_at_once(book_world):
    w = book_world
    books = [shelve(w.community_staff, w.venue, f"书{n}") for n in range(6)]
    for book in books[:5]:
        actions.borrow_by_code(person=w.resident, code=copy_of(book).code)
    with pytest.raises(ValidationError) as caught:
        actions.borrow_by_code(person=w.resident, code=copy_of(books[5]).code)
    assert "5" in caught.value.message_dict["borrower"][0]
    assert fresh(copy_of(books[5])).status == Copy.Status.AVAILABLE
    assert Loan.objects.filter(borrower=w.resident).count() == 5
    # returning one makes room again
    actions.return_by_code(person=w.resident, code=copy_of(books[0]).code)
    actions.borrow_by_code(person=w.resident, code=copy_of(books[5]).code)


def test_no_new_loan_while_a_book_is_overdue(book_world):
    w = book_world
    actions.lend(actor=w.community_staff, copy=copy_of(w.huozhe), borrower=w.neighbour, now=MARCH_1)
    april_1 = MARCH_1 + timedelta(days=31)
    with pytest.raises(ValidationError) as caught:
        actions.lend(actor=w.community_staff, copy=copy_of(w.santi), borrower=w.neighbour, now=april_1)
    assert "overdue" in caught.value.message_dict["borrower"][0]
    assert fresh(copy_of(w.santi)).status == Copy.Status.AVAILABLE
    # on the due date itself it is not overdue yet
    actions.lend(actor=w.community_staff, copy=copy_of(w.santi), borrower=w.neighbour, now=april_1 - timedelta(days=1))


def test_only_residents_of_the_community_borrow(book_world):
    w = book_world
    with pytest.raises(ValidationError) as caught:
        actions.lend(actor=w.community_staff, copy=copy_of(w.huozhe), borrower=w.outsider)
    assert "borrower" in caught.value.message_dict
    with pytest.raises(ValidationError):
        actions.borrow_by_code(person=w.community_staff, code=copy_of(w.huozhe).code)
    assert not Loan.objects.exists()
    assert fresh(copy_of(w.huozhe)).status == Copy.Status.AVAILABLE


def test_renewing_once_adds_thirty_days_to_the_due_date(book_world):
    w = book_world
    loan = actions.lend(actor=w.community_staff, copy=copy_of(w.huozhe), borrower=w.resident, now=MARCH_1)
    actions.renew_loan(actor=w.resident, loan=loan, now=MARCH_1 + timedelta(days=20))
    assert (fresh(loan).due_on, loan.renewals) == (date(2026, 4, 30), 1)
    with pytest.raises(ValidationError) as caught:
        actions.renew_loan(actor=w.resident, loan=loan, now=MARCH_1 + timedelta(days=25))
    assert "once" in caught.value.message_dict["loan"][0]
    assert fresh(loan).due_on == date(2026, 4, 30)


def test_an_overdue_loan_cannot_be_renewed(book_world):
    w = book_world
    loan = actions.lend(actor=w.community_staff, copy=copy_of(w.huozhe), borrower=w.resident, now=MARCH_1)
    with pytest.raises(ValidationError):
        actions.renew_loan(actor=w.resident, loan=loan, now=MARCH_1 + timedelta(days=31))
    assert fresh(loan).renewals == 0


def test_nobody_renews_a_book_someone_is_waiting_for(book_world):
    w = book_world
    loan = actions.lend(actor=w.community_staff, copy=copy_of(w.santi), borrower=w.resident, now=MARCH_1)
    actions.join_waitlist(person=w.neighbour, book=w.santi, now=MARCH_1 + timedelta(days=2))
    with pytest.raises(ValidationError) as caught:
        actions.renew_loan(actor=w.community_staff, loan=loan, now=MARCH_1 + timedelta(days=10))
    assert "waiting" in caught.value.message_dict["loan"][0]
    actions.leave_waitlist(person=w.neighbour, book=w.santi)
    actions.renew_loan(actor=w.community_staff, loan=loan, now=MARCH_1 + timedelta(days=10))
    assert w.resident.notifications.filter(subject__contains="2026-04-30").exists()  # staff renewed: she is told


def test_the_waiting_list(book_world):
    w = book_world
    with pytest.raises(ValidationError):  # a copy is on the shelf: borrow it
        actions.join_waitlist(person=w.neighbour, book=w.santi)
    actions.borrow_by_code(person=w.resident, code=copy_of(w.santi).code)
    with pytest.raises(ValidationError):  # not for her own book
        actions.join_waitlist(person=w.resident, book=w.santi)
    with pytest.raises(ValidationError):  # only residents of the community
        actions.join_waitlist(person=w.outsider, book=w.santi)
    first = actions.join_waitlist(person=w.neighbour, book=w.santi)
    assert actions.join_waitlist(person=w.neighbour, book=w.santi) == first  # joining twice keeps the place
    actions.return_by_code(person=w.resident, code=copy_of(w.santi).code)
    assert w.neighbour.notifications.filter(subject__contains="三体").exists()
    assert fresh(first).notified_at is not None and first.closed_at is None
    actions.borrow_by_code(person=w.neighbour, code=copy_of(w.santi).code)
    assert fresh(first).closed_at is not None  # borrowing it closes the entry
    assert not WaitlistEntry.objects.filter(closed_at__isnull=True).exists()


def test_marking_a_copy_lost_while_on_loan_closes_the_loan(book_world):
    w = book_world
    copy = copy_of(w.santi)
    loan = actions.lend(actor=w.community_staff, copy=copy, borrower=w.resident)
    actions.set_copy_status(actor=w.community_staff, copy=fresh(copy), status=Copy.Status.LOST, note="读者说掉在公交车上")
    loan = fresh(loan)
    assert loan.returned_at is not None and loan.lost and loan.returned_to == w.community_staff
    assert fresh(copy).status == Copy.Status.LOST
    assert w.resident.notifications.filter(subject__contains="三体").count() == 2  # borrowed, then lost
    with pytest.raises(ValidationError):  # a lost copy is not lent
        actions.borrow_by_code(person=w.neighbour, code=copy.code)
    actions.set_copy_status(actor=w.community_staff, copy=fresh(copy), status=Copy.Status.AVAILABLE, note="找回了")
    actions.borrow_by_code(person=w.neighbour, code=copy.code)


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("available", "lost", True),
        ("available", "withdrawn", True),
        ("available", "on_loan", False),  # lending is its own action
        ("available", "available", False),
        ("lost", "available", True),
        ("lost", "withdrawn", True),
        ("withdrawn", "available", True),
        ("withdrawn", "lost", False),
        ("on_loan", "available", False),  # returning is its own action
        ("on_loan", "withdrawn", False),
        ("available", "stolen", False),
    ],
)
def test_copy_status_transitions(book_world, start, target, allowed):
    w = book_world
    copy = copy_of(w.huozhe)
    if start == "on_loan":
        actions.lend(actor=w.community_staff, copy=copy, borrower=w.resident)
    elif start != "available":
        Copy.objects.filter(pk=copy.pk).update(status=start)
    copy = fresh(copy)
    if allowed:
        actions.set_copy_status(actor=w.community_staff, copy=copy, status=target, version=copy.version)
        assert fresh(copy).status == target
    else:
        with pytest.raises(ValidationError):
            actions.set_copy_status(actor=w.community_staff, copy=copy, status=target, version=copy.version)
        assert fresh(copy).status == start


def test_a_stale_version_is_a_conflict_and_changes_nothing(book_world):
    w = book_world
    copy = copy_of(w.huozhe)
    seen = copy.version
    actions.set_copy_status(actor=w.community_staff, copy=copy, status=Copy.Status.WITHDRAWN, version=seen)
    stale = fresh(copy_of(w.huozhe))
    stale.status = Copy.Status.AVAILABLE
    with pytest.raises(actions.CopyConflict):
        actions.set_copy_status(actor=w.community_staff, copy=stale, status=Copy.Status.LOST, version=seen)
    assert fresh(copy).status == Copy.Status.WITHDRAWN


def test_the_catalogue_keeps_one_entry_per_isbn_and_refuses_bad_input(book_world):
    w = book_world
    again = actions.catalogue_book(actor=w.community_staff, venue=w.venue, isbn="7-5063-6543-X", publisher="作家出版社")
    assert again == w.huozhe and fresh(again).publisher == "作家出版社"  # the ISBN-10 found the entry, filled a blank
    with pytest.raises(ValidationError) as caught:
        actions.catalogue_book(actor=w.community_staff, venue=w.venue, isbn="9787506365438", title="活着", year=3000)
    assert set(caught.value.message_dict) == {"isbn", "year"}
    with pytest.raises(ValidationError) as caught:
        actions.catalogue_book(actor=w.community_staff, venue=w.venue, title="  ")
    assert set(caught.value.message_dict) == {"title"}
    # without an ISBN, the same title and author is the same entry
    first = actions.catalogue_book(actor=w.community_staff, venue=w.venue, title="桂城街坊故事", author="本社区编")
    assert actions.catalogue_book(actor=w.community_staff, venue=w.venue, title="桂城街坊故事", author="本社区编") == first
    assert actions.catalogue_book(actor=w.community_staff, venue=w.venue, title="桂城街坊故事", author="另一位") != first
    # the same ISBN in another venue is another entry
    other = actions.catalogue_book(actor=w.other_staff, venue=w.other_venue, isbn="9787506365437", title="活着")
    assert other != w.huozhe
    with pytest.raises(ValidationError):
        actions.update_book(actor=w.community_staff, book=w.santi, isbn="9787506365437")
    assert fresh(w.santi).isbn == "9787536692930"
    with pytest.raises(ValidationError):
        actions.add_copies(actor=w.community_staff, book=w.santi, count=0)
    with pytest.raises(ValidationError):
        actions.add_copies(actor=w.community_staff, book=w.santi, count=51)
    assert w.santi.copies.count() == 1
