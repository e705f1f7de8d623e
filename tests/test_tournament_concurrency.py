"""Two people entering results at the same moment, on PostgreSQL with real threads: of two results for
one match one wins and the other is told (``MatchConflict``); results of the two semi-finals entered at
once both reach the final (the tournament's row lock serialises them, nothing is overwritten)."""

import threading

import pytest
from django.db import connection

from competitions import actions
from competitions.models import Format, Match
from core import audit
from core.models import AuditEntry
from people.models import Person
from tests.locks import run_together, wait_for_a_blocked_writer
from tests.test_tournament_world import add_teams, cw_fixture, games_for, knockout, new_tournament, start  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks; SQLite serialises writers"),
    pytest.mark.django_db(transaction=True),
]


def _run(*targets) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    run_together(threads, timeout=30)


def _hold_first(monkeypatch, prefix: str) -> tuple[list, threading.Event]:
    """The first action to write an audit entry starting with ``prefix`` (it holds its lock by then) says
    so (the event) and keeps its transaction open until another transaction waits on a lock: the other
    side starts once the event is set, so the two truly overlap, in that order."""
    overlapped, first, real, holding = [], threading.Lock(), audit.record, threading.Event()

    def record_after_overlap(**kwargs):
        if kwargs["action"].startswith(prefix) and first.acquire(blocking=False):
            holding.set()
            overlapped.append(wait_for_a_blocked_writer())
        return real(**kwargs)

    monkeypatch.setattr(audit, "record", record_after_overlap)
    return overlapped, holding


def test_two_results_for_one_match_at_once_one_wins_and_the_other_gets_a_conflict(cw, monkeypatch):
    t = new_tournament(cw, fmt=Format.KNOCKOUT)
    add_teams(cw, t, 2)
    final = knockout(start(cw, t), 1)[0]
    overlapped, holding = _hold_first(monkeypatch, "tournament.result")
    start_line = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def enter(name: str, side: str) -> None:
        try:
            actor = Person.objects.get(pk=cw.admin.pk)
            seen = Match.objects.select_related("tournament").get(pk=final.pk)  # both saw version 1
            start_line.wait(timeout=10)
            if name == "two":
                assert holding.wait(timeout=10)
            actions.record_result(actor=actor, match=seen, games=games_for(side), version=seen.version)
            outcomes[name] = "done"
        except actions.MatchConflict:
            outcomes[name] = "conflict"
        finally:
            connection.close()

    _run(lambda: enter("one", "a"), lambda: enter("two", "b"))
    assert overlapped == [True]
    assert sorted(outcomes.values()) == ["conflict", "done"]
    final.refresh_from_db()
    assert final.version == 2 and final.status == Match.Status.PLAYED
    assert AuditEntry.objects.filter(action="tournament.result_recorded").count() == 1


def test_both_semi_finals_entered_at_once_both_reach_the_final(cw, monkeypatch):
    t = new_tournament(cw, fmt=Format.KNOCKOUT)
    add_teams(cw, t, 4, seeds=4)
    semis = knockout(start(cw, t), 1)
    overlapped, holding = _hold_first(monkeypatch, "tournament.result")
    start_line = threading.Barrier(2)
    errors = []

    def enter(match_pk: int) -> None:
        try:
            actor = Person.objects.get(pk=cw.admin.pk)
            seen = Match.objects.select_related("tournament").get(pk=match_pk)
            start_line.wait(timeout=10)
            if match_pk == semis[1].pk:
                assert holding.wait(timeout=10)
            actions.record_result(actor=actor, match=seen, games=games_for("a"), version=seen.version)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    _run(lambda: enter(semis[0].pk), lambda: enter(semis[1].pk))
    assert errors == [] and overlapped == [True]
    final = knockout(t, 2)[0]
    assert (final.entrant_a_id, final.entrant_b_id) == (semis[0].entrant_a_id, semis[1].entrant_a_id)
