"""Two people acting on one case at the same moment, and two escalation sweeps running at once, on
PostgreSQL with real threads: one status change wins and the other is told (``Conflict``); every due
case is escalated exactly once (the sweeps skip each other's locked rows)."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from cases import actions
from cases.models import Case, CaseEvent, Category, Level, Status
from core import audit
from people.models import Person
from tests.locks import run_together, wait_for_a_blocked_writer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks; SQLite serialises writers"),
    # the seeded categories and calendar must survive the flush after a transactional test
    pytest.mark.django_db(transaction=True),
]

START = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _run(*targets) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    run_together(threads, timeout=30)


def test_two_people_changing_one_case_at_once_one_wins_and_the_other_gets_a_conflict(world, monkeypatch):
    case = actions.submit_case(
        reporter=world.resident, category=Category.objects.get(code="clutter"), place=world.building, description="纸箱"
    )

    # The winner holds its transaction open (at its audit entry, after its UPDATE) until the other
    # person's UPDATE is seen waiting on the row lock, so the two changes truly overlap.
    overlapped = []
    first = threading.Lock()
    real_record = audit.record

    def record_after_overlap(**kwargs):
        if kwargs["action"].startswith("case.") and first.acquire(blocking=False):
            overlapped.append(wait_for_a_blocked_writer())
        return real_record(**kwargs)

    monkeypatch.setattr(audit, "record", record_after_overlap)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(name: str, actor_pk: int, verb: str, note: str) -> None:
        try:
            actor = Person.objects.get(pk=actor_pk)
            seen = Case.objects.get(pk=case.pk)  # both read version 1
            start.wait(timeout=10)
            actions.transition_case(actor=actor, case=seen, action=verb, note=note, version=seen.version)
            outcomes[name] = "done"
        except actions.Conflict:
            outcomes[name] = "conflict"
        finally:
            connection.close()

    _run(
        lambda: act("company", world.property_staff.pk, "accept", ""),
        lambda: act("staff", world.community_staff.pk, "reject", "重复报告"),
    )

    assert overlapped == [True]
    assert sorted(outcomes.values()) == ["conflict", "done"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "done")
    case.refresh_from_db()
    assert case.status == {"company": Status.ACCEPTED, "staff": Status.REJECTED}[winner]
    assert case.version == 2
    transitions = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.TRANSITION)
    assert transitions.count() == 1
    assert transitions.get().to_status == case.status


def test_two_sweeps_at_once_escalate_each_due_case_exactly_once(world, monkeypatch):
    clutter = Category.objects.get(code="clutter")
    due = [
        actions.submit_case(reporter=world.resident, category=clutter, place=world.building, description=f"纸箱 {n}", now=START)
        for n in range(7)
    ]
    not_due = actions.submit_case(
        reporter=world.resident, category=clutter, place=world.building, description="刚报的", now=START + timedelta(hours=20)
    )
    monkeypatch.setattr(actions, "SWEEP_BATCH", 2)

    # The first sweep to lock a batch holds it until the other sweep has finished: the other must skip
    # the locked rows (and take the rest), never wait for them or escalate them a second time.
    other_done = threading.Event()
    first = threading.Lock()
    real_chain_holders = actions.chain_holders

    def chain_holders_held(paths):
        if first.acquire(blocking=False):
            other_done.wait(timeout=10)
        return real_chain_holders(paths)

    monkeypatch.setattr(actions, "chain_holders", chain_holders_held)
    start = threading.Barrier(2)
    counts: dict[str, int] = {}

    def sweep(name: str) -> None:
        try:
            start.wait(timeout=10)
            counts[name] = actions.escalate_due_cases(now=START + timedelta(hours=25))
        finally:
            if first.locked():
                other_done.set()
            connection.close()

    _run(lambda: sweep("a"), lambda: sweep("b"))

    assert sum(counts.values()) == len(due)
    assert sorted(counts.values()) == [2, len(due) - 2]  # the held batch, and everything else
    for case in due:
        case.refresh_from_db()
        assert case.level == Level.COMMUNITY
        assert case.version == 2
        assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ESCALATED).count() == 1
    assert not CaseEvent.objects.filter(case=not_due, kind=CaseEvent.Kind.ESCALATED).exists()
    assert actions.escalate_due_cases(now=START + timedelta(hours=25)) == 0
