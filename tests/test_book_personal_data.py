"""A person's loans, donations and waiting-list places in their data download, and erasure: the loan
history stays without the borrower; an open loan keeps the (anonymised) account until the book is back."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from books import actions
from books.models import Donation, Loan, WaitlistEntry
from books.tasks import remind_overdue_loans
from core.models import AuditEntry, OutboxMessage
from people import actions as people_actions
from tests.test_book_world import book_world_fixture, copy_of, fresh  # noqa: F401

MARCH_1 = datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _history(w):
    """The resident returned 《活着》, still has 《三体》, gave a book; the neighbour waits for 《三体》 and the
    resident waits for 《活着》's last copy (the building leader has the other)."""
    returned = actions.lend(actor=w.community_staff, copy=copy_of(w.huozhe), borrower=w.resident, now=MARCH_1)
    actions.return_copy(actor=w.community_staff, copy=copy_of(w.huozhe), now=MARCH_1 + timedelta(days=9))
    still_out = actions.borrow_by_code(person=w.resident, code=copy_of(w.santi).code, now=MARCH_1 + timedelta(days=10))
    donation = actions.record_donation(
        actor=w.community_staff, venue=w.venue, donor=w.resident, items=[actions.DonatedBook(title="小王子")], now=MARCH_1
    )
    actions.lend(actor=w.community_staff, copy=copy_of(w.huozhe, 0), borrower=w.building_leader, now=MARCH_1 + timedelta(days=11))
    actions.lend(actor=w.community_staff, copy=copy_of(w.huozhe, 1), borrower=w.neighbour, now=MARCH_1 + timedelta(days=11))
    actions.join_waitlist(person=w.resident, book=w.huozhe, now=MARCH_1 + timedelta(days=12))
    return returned, still_out, donation


def test_the_download_lists_loans_donations_and_waiting(book_world):
    w = book_world
    _history(w)
    data = people_actions.export_personal_data(person=w.resident)
    loans = data["book_loans"]
    assert [(x["title"], x["returned_at"] is not None, x["self_service"]) for x in loans] == [
        ("活着", True, False),
        ("三体", False, True),
    ]
    assert loans[0]["venue"] == w.venue.name and loans[0]["due_on"] == "2026-03-31"
    assert [[b["title"] for b in d["books"]] for d in data["book_donations"]] == [["小王子"]]
    assert [x["title"] for x in data["book_waiting_list"]] == ["活着"]
    assert people_actions.export_personal_data(person=w.b2_resident)["book_loans"] == []


def test_erasure_keeps_the_history_without_the_borrower(book_world):
    w = book_world
    returned, still_out, donation = _history(w)
    people_actions.erase_person(person=w.resident)
    assert fresh(returned).borrower is None and returned.returned_at is not None
    still_out = fresh(still_out)
    assert still_out.borrower_id == w.resident.pk and still_out.returned_at is None  # the book is still out
    assert fresh(w.resident).anonymised_at is not None
    assert fresh(donation).donor is None and Donation.objects.count() == 1
    assert not WaitlistEntry.objects.filter(person=w.resident).exists()
    assert AuditEntry.objects.filter(action="book.borrower_erased", subject_id=w.resident.pk).count() == 1
    told = w.community_staff.notifications.filter(subject__contains=copy_of(w.santi).code)
    assert told.exists() and told.get().link == f"/books/desk/{w.venue.pk}/loans/"
    # other people's loans are untouched
    assert Loan.objects.filter(borrower=w.building_leader, returned_at__isnull=True).count() == 1

    # no reminder reaches the erased account
    with time_machine.travel(MARCH_1 + timedelta(days=45), tick=False):
        remind_overdue_loans.delay()
    assert not OutboxMessage.objects.filter(body__contains="三体").exists()

    # when the book comes back, the link to the account goes
    actions.return_copy(actor=w.community_staff, copy=copy_of(w.santi), now=MARCH_1 + timedelta(days=50))
    assert fresh(still_out).borrower is None and still_out.returned_at is not None
    assert not Loan.objects.filter(borrower=w.resident).exists()


def test_a_copy_reported_lost_drops_the_erased_borrower_too(book_world):
    w = book_world
    loan = actions.borrow_by_code(person=w.resident, code=copy_of(w.santi).code)
    people_actions.erase_person(person=w.resident)
    actions.set_copy_status(actor=w.community_staff, copy=copy_of(w.santi), status="lost", note="借阅人已注销")
    loan = fresh(loan)
    assert loan.borrower is None and loan.lost and loan.returned_at is not None
