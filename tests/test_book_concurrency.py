"""Two people borrowing one copy at the same moment, on PostgreSQL with real threads: exactly one loan,
and the other a clear refusal (``CopyTaken``); one person borrowing two books at once at the limit of
five gets one, not six; two reminder runs at once remind each loan once."""

import contextlib
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from books import actions, rules
from books.models import Copy, Loan
from core.models import OutboxMessage
from people.models import Person
from tests.locks import run_together, wait_for_a_blocked_writer
from tests.test_book_world import book_world_fixture, copy_of, shelve  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks; SQLite serialises writers"),
    pytest.mark.django_db(transaction=True),
]


def _run(targets) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    run_together(threads, timeout=60)


def _in_thread(fn):
    def target():
        try:
            fn()
        finally:
            connection.close()

    return target


@pytest.mark.parametrize("people", [2, 6])
def test_people_borrowing_one_copy_at_once_make_exactly_one_loan(book_world, people):
    w = book_world
    borrowers = [w.resident, w.neighbour, w.b2_resident, w.building_leader][:people]
    while len(borrowers) < people:  # more residents of 2栋 201
        from people.models import HouseholdMember
        from tests.conftest import live_in, make_person

        extra = make_person(f"邻居{len(borrowers)}", f"1380009{len(borrowers):04d}")
        live_in(extra, w.unit_b2, HouseholdMember.Relation.FAMILY)
        borrowers.append(extra)
    code = copy_of(w.santi).code
    start = threading.Barrier(people)
    outcomes: dict[int, str] = {}

    def borrow(pk: int):
        person = Person.objects.get(pk=pk)
        start.wait(timeout=20)
        try:
            actions.borrow_by_code(person=person, code=code)
            outcomes[pk] = "loan"
        except actions.CopyTaken:
            outcomes[pk] = "taken"
        except actions.ValidationError as exc:  # read the copy after the winner committed
            outcomes[pk] = "refused: " + " ".join(m for ms in exc.message_dict.values() for m in ms)

    _run([_in_thread(lambda pk=p.pk: borrow(pk)) for p in borrowers])
    assert sorted(v == "loan" for v in outcomes.values()) == [False] * (people - 1) + [True]
    assert len(outcomes) == people
    assert Loan.objects.filter(copy__code=code).count() == 1
    assert Copy.objects.get(code=code).status == Copy.Status.ON_LOAN


def test_the_two_borrowers_truly_overlap_and_the_loser_is_told(book_world, monkeypatch):
    """The winner holds its transaction open after claiming the copy until the other's UPDATE waits on the
    row: the loser's compare-and-set then finds the copy on loan and answers ``CopyTaken``."""

    w = book_world
    code = copy_of(w.santi).code
    real_create = Loan.objects.create
    gate = threading.Lock()

    def create_after_overlap(**kwargs):
        if gate.acquire(blocking=False):
            wait_for_a_blocked_writer()
        return real_create(**kwargs)

    monkeypatch.setattr(Loan.objects, "create", create_after_overlap)
    start = threading.Barrier(2)
    outcomes = {}

    def borrow(pk):
        person = Person.objects.get(pk=pk)
        copy = Copy.objects.select_related("book__venue__place").get(code=code)  # both read it available
        start.wait(timeout=20)
        try:
            actions._lend(copy=copy, borrower=person, lent_by=None, now=None, field="code")
            outcomes[pk] = "loan"
        except actions.CopyTaken as exc:
            outcomes[pk] = str(exc.message)

    _run([_in_thread(lambda pk=p.pk: borrow(pk)) for p in (w.resident, w.neighbour)])
    assert sorted(outcomes.values()) == sorted(["loan", str(actions.CopyTaken.message)])
    assert Loan.objects.filter(copy__code=code).count() == 1


def test_two_loans_at_once_at_the_limit_of_five_give_one(book_world, monkeypatch):
    """Both try to meet after counting the loans: with the borrower's row locked the second cannot count
    until the first has committed, so the meeting never happens and the second counts five."""
    w = book_world
    for n in range(4):
        actions.borrow_by_code(person=w.resident, code=copy_of(shelve(w.community_staff, w.venue, f"书{n}")).code)
    codes = [copy_of(w.huozhe, 0).code, copy_of(w.santi).code]
    counted = threading.Barrier(2)
    real_check = rules.check_borrowing

    def check_after_both_counted(**counts):
        with contextlib.suppress(threading.BrokenBarrierError):  # the other is waiting for the lock
            counted.wait(timeout=3)
        return real_check(**counts)

    monkeypatch.setattr(rules, "check_borrowing", check_after_both_counted)
    start = threading.Barrier(2)
    outcomes = []

    def borrow(code):
        person = Person.objects.get(pk=w.resident.pk)
        start.wait(timeout=20)
        try:
            actions.borrow_by_code(person=person, code=code)
            outcomes.append("loan")
        except actions.ValidationError:
            outcomes.append("refused")

    _run([_in_thread(lambda c=c: borrow(c)) for c in codes])
    assert sorted(outcomes) == ["loan", "refused"]
    assert Loan.objects.filter(borrower=w.resident, returned_at__isnull=True).count() == 5


def test_two_reminder_runs_at_once_remind_each_loan_once(book_world):
    w = book_world
    march = datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    borrowers = [w.resident, w.neighbour, w.b2_resident, w.building_leader]
    for n, person in enumerate(borrowers):
        book = shelve(w.community_staff, w.venue, f"逾期{n}")
        actions.lend(actor=w.community_staff, copy=copy_of(book), borrower=person, now=march)
    start = threading.Barrier(2)
    counts = []

    def sweep():
        start.wait(timeout=20)
        counts.append(actions.remind_overdue_loans(now=march + timedelta(days=40), batch=1))

    _run([_in_thread(sweep), _in_thread(sweep)])
    assert sum(c["overdue"] for c in counts) == 4
    assert OutboxMessage.objects.filter(channel="sms").count() == 4
