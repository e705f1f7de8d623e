"""Who sees a contest, its scores and its ranking (``competitions.access`` and ``queries.contest_page``):
nobody sees another judge's scores before the round is closed, except managers; a judge scores only
while the round is open; published results are public."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from competitions import access, actions, queries
from competitions.models import ContestStatus
from tests.test_tournament_world import cw_fixture, entries_of, new_contest, rounds_of, score_all  # noqa: F401


@pytest.fixture
def scoring(cw):
    """The preliminary open; the resident (a judge) and the neighbour (a judge) have scored, the outsider not."""
    contest = new_contest(cw)
    prelim = rounds_of(contest)[0]
    actions.open_round(actor=cw.admin, round_=prelim)
    score_all(contest, prelim, {cw.resident: ["90", "88", "70", "85"], cw.neighbour: ["80", "87", "75", "85"]})
    contest.refresh_from_db()
    return contest


def _page(user, contest):
    return queries.contest_page(
        contest, user, manager=access.can_manage_contest(user, contest), judge=access.is_judge(user, contest)
    )["rounds"][0]


def test_a_judge_sees_only_their_own_scores_while_the_round_is_open(cw, scoring):
    view = _page(cw.resident, scoring)
    assert not view.shows_scores and not view.shows_ranking
    assert all(row.scores == [] and row.score is None and row.rank is None for row in view.rows)
    assert sorted(row.mine for row in view.rows) == [D("70"), D("85"), D("88"), D("90")]
    assert {row.mine for row in _page(cw.outsider, scoring).rows} == {None}  # not scored yet: nothing of the others


def test_managers_see_every_score_and_the_standing_so_far(cw, scoring):
    view = _page(cw.admin, scoring)
    assert view.shows_scores and view.shows_ranking
    assert (view.scored, view.expected) == (8, 12)
    top = min(view.rows, key=lambda row: row.rank)
    assert top.entry.title == "节目2" and top.score == D("87.50")


def test_residents_see_the_acts_but_no_scores_until_the_round_is_closed(cw, scoring):
    view = _page(cw.b2_resident, scoring)
    assert not view.shows_scores and not view.shows_ranking
    assert all(row.scores == [] and row.mine is None for row in view.rows)
    score_all(scoring, rounds_of(scoring)[0], {cw.outsider: ["85", "88", "95", "85"]})
    actions.close_round(actor=cw.admin, round_=rounds_of(scoring)[0])
    view = _page(cw.b2_resident, scoring)
    assert view.shows_scores and view.shows_ranking
    first = view.rows[0]
    assert (first.entry.title, first.rank, first.score) == ("节目2", 1, D("88.00"))
    assert first.scores == [D("88.0"), D("87.0"), D("88.0")] and first.dropped == (1, 2)


VIEWERS = ["resident", "b2_resident", "outsider", "community_staff", "admin", "stranger", "anonymous"]
SEES = {
    ContestStatus.DRAFT: {"admin"},
    ContestStatus.RUNNING: set(VIEWERS) - {"stranger", "anonymous"},
    ContestStatus.PUBLISHED: set(VIEWERS),
}


@pytest.mark.parametrize("status", list(SEES))
def test_who_sees_a_contest_in_each_state(cw, status):
    contest = new_contest(cw, acts=2, rounds=(("决赛", None),))
    final = rounds_of(contest)[0]
    if status != ContestStatus.DRAFT:
        actions.open_round(actor=cw.admin, round_=final)
    if status == ContestStatus.PUBLISHED:
        score_all(contest, final, {j: ["80", "81"] for j in (cw.resident, cw.neighbour, cw.outsider)})
        actions.close_round(actor=cw.admin, round_=final)
        actions.publish_contest(actor=cw.admin, contest=contest)
    contest.refresh_from_db()
    for name in VIEWERS:
        user = AnonymousUser() if name == "anonymous" else getattr(cw, name)
        expected = name in SEES[status]
        assert access.can_view_contest(user, contest) is expected, (status, name)
        assert access.contests_for(user).filter(pk=contest.pk).exists() is expected, (status, name)
        if not expected:
            with pytest.raises(Http404):
                access.get_contest_for(user, contest.pk)


def test_a_judge_from_elsewhere_sees_the_contest_they_judge(cw):
    contest = new_contest(cw, judges=[cw.resident])
    assert not access.can_view_contest(cw.stranger, contest)
    from competitions.models import Judge

    Judge.objects.create(contest=contest, person=cw.stranger)  # named by a manager who knows them
    actions.open_round(actor=cw.admin, round_=rounds_of(contest)[0])
    contest.refresh_from_db()
    cw.stranger.__dict__.pop("_competition_judging", None)
    assert access.can_view_contest(cw.stranger, contest)
    assert access.can_score(cw.stranger, rounds_of(contest)[0])


def test_scoring_is_for_judges_of_an_open_round(cw, scoring):
    prelim, final = rounds_of(scoring)
    assert access.can_score(cw.resident, prelim)
    assert not access.can_score(cw.resident, final)  # not open
    assert not access.can_score(cw.admin, prelim)  # managers do not score
    assert access.can_see_all_scores(cw.admin, prelim)
    assert not access.can_see_all_scores(cw.resident, prelim)
