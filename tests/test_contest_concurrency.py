"""A judge's score and the closing of the round at the same moment, on PostgreSQL with real threads: the
round's row lock orders them. A score that comes first is counted; a score that comes after the round
closed is refused; never a score saved into a closed round that its ranking did not count."""

import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from competitions import actions
from competitions.models import ContestRound, Performance, Score
from people.models import Person
from tests.test_tournament_concurrency import _hold_first, _run
from tests.test_tournament_world import cw_fixture, entries_of, new_contest, rounds_of, score_all  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks; SQLite serialises writers"),
    pytest.mark.django_db(transaction=True),
]


def _almost_scored(w):
    """Every score in but the outsider's for the last act."""
    contest = new_contest(w, acts=2, rounds=(("决赛", None),))
    final = rounds_of(contest)[0]
    actions.open_round(actor=w.admin, round_=final)
    score_all(contest, final, {w.resident: ["80", "90"], w.neighbour: ["82", "88"]})
    first, last = entries_of(contest)
    actions.enter_score(actor=w.outsider, round_=final, entry=first, value="84")
    return contest, final, last


def _race(w, contest, final, last, outcomes, holding, second: str):
    """The judge's score and the closing, ``second`` starting once the other holds the round's lock."""
    start_line = threading.Barrier(2)

    def score():
        try:
            judge = Person.objects.get(pk=w.outsider.pk)
            round_ = ContestRound.objects.select_related("contest").get(pk=final.pk)
            start_line.wait(timeout=10)
            if second == "score":
                assert holding.wait(timeout=10)
            actions.enter_score(actor=judge, round_=round_, entry=last, value="95")
            outcomes["score"] = "saved"
        except ValidationError:
            outcomes["score"] = "refused"
        finally:
            connection.close()

    def close():
        try:
            admin = Person.objects.get(pk=w.admin.pk)
            round_ = ContestRound.objects.select_related("contest").get(pk=final.pk)
            start_line.wait(timeout=10)
            if second == "close":
                assert holding.wait(timeout=10)
            actions.close_round(actor=admin, round_=round_)
            outcomes["close"] = "closed"
        except ValidationError:
            outcomes["close"] = "refused"
        finally:
            connection.close()

    _run(score, close)


def test_a_score_that_comes_first_is_counted_by_the_closing(cw, monkeypatch):
    contest, final, last = _almost_scored(cw)
    overlapped, holding = _hold_first(monkeypatch, "contest.scored")  # the score holds the round's lock
    outcomes: dict[str, str] = {}
    _race(cw, contest, final, last, outcomes, holding, second="close")
    assert overlapped == [True]
    assert outcomes == {"score": "saved", "close": "closed"}
    assert Performance.objects.get(round=final, entry=last).final_score == D("90.00")  # 88, 90, 95: drop both ends


def test_a_score_that_comes_after_the_closing_is_refused(cw, monkeypatch):
    contest, final, last = _almost_scored(cw)
    # complete the sheet so the closing can go through, then let the outsider try to change a score
    actions.enter_score(actor=cw.outsider, round_=final, entry=last, value="70")
    overlapped, holding = _hold_first(monkeypatch, "contest.round_closed")  # the closing holds it
    outcomes: dict[str, str] = {}
    _race(cw, contest, final, last, outcomes, holding, second="score")
    assert overlapped == [True]
    assert outcomes == {"score": "refused", "close": "closed"}
    assert Score.objects.get(round=final, entry=last, judge=cw.outsider).value == D("70.0")
    assert Performance.objects.get(round=final, entry=last).final_score == D("88.00")
