"""A contest from the draft to published results, through ``competitions.actions``: rounds, acts, judges,
scoring (all or none, only while the round is open, only by judges), closing (every score needed; drop
the highest and lowest; ties share a place and all go on at the cut), the final, publication."""

import random
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from competitions import actions, queries
from competitions.models import ContestRound, ContestStatus, Judge, Performance, Score
from core.models import Notification
from tests.test_tournament_world import cw_fixture, english_fixture, entries_of, new_contest, rounds_of, score_all  # noqa: F401

pytestmark = pytest.mark.usefixtures("english")


def test_a_contest_from_the_draft_to_published_results(cw):
    w = cw
    contest = new_contest(w)
    prelim, final = rounds_of(contest)
    assert contest.status == ContestStatus.DRAFT
    actions.open_round(actor=w.admin, round_=prelim, rng=random.Random(3))
    contest.refresh_from_db()
    assert contest.status == ContestStatus.RUNNING
    assert Performance.objects.filter(round=prelim).count() == 4
    assert Notification.objects.filter(recipient=w.resident, subject__contains="please score").exists()
    # act 1: 90, 80, 85 → drop 90 and 80 → 85; act 2 all 88; act 3: 70 75 95 → 75; act 4: 85 85 85
    score_all(
        contest,
        prelim,
        {
            w.resident: ["90", "88", "70", "85"],
            w.neighbour: ["80", "88", "75", "85"],
            w.outsider: ["85", "88", "95", "85"],
        },
    )
    actions.close_round(actor=w.admin, round_=prelim)
    rows = {
        p.entry.title: (p.final_score, p.rank, p.advanced)
        for p in Performance.objects.filter(round=prelim).select_related("entry")
    }
    assert rows == {
        "节目2": (D("88.00"), 1, True),
        "节目1": (D("85.00"), 2, True),
        "节目4": (D("85.00"), 2, True),  # tied at the cut: both go on
        "节目3": (D("75.00"), 4, False),
    }
    actions.open_round(actor=w.admin, round_=final)
    assert sorted(Performance.objects.filter(round=final).values_list("entry__title", flat=True)) == ["节目1", "节目2", "节目4"]
    score_all(
        contest,
        final,
        {w.resident: ["91", "90", "0", "89.5"], w.neighbour: ["92", "90", "0", "89"], w.outsider: ["90", "90.5", "0", "89"]},
    )
    actions.close_round(actor=w.admin, round_=final)
    contest.refresh_from_db()
    assert contest.status == ContestStatus.FINISHED
    ranking = [(r.entry.title, r.score, r.rank) for r in queries.final_ranking(contest)]
    assert ranking == [("节目1", D("91.00"), 1), ("节目2", D("90.00"), 2), ("节目4", D("89.00"), 3)]
    actions.publish_contest(actor=w.admin, contest=contest)
    contest.refresh_from_db()
    assert contest.status == ContestStatus.PUBLISHED and contest.published_at


def test_a_round_closes_only_once_every_judge_scored_every_act(cw):
    w = cw
    contest = new_contest(w)
    prelim = rounds_of(contest)[0]
    actions.open_round(actor=w.admin, round_=prelim)
    score_all(contest, prelim, {w.resident: ["90", "88", "70", "85"], w.neighbour: ["80", "88", "75", "85"]})
    with pytest.raises(ValidationError, match="4 scores are missing, e.g. 郑外人"):
        actions.close_round(actor=w.admin, round_=prelim)
    prelim.refresh_from_db()
    assert prelim.status == ContestRound.Status.OPEN
    assert not Performance.objects.filter(round=prelim, rank__isnull=False).exists()


def test_scores_are_all_or_none_and_checked(cw):
    w = cw
    contest = new_contest(w)
    prelim = rounds_of(contest)[0]
    actions.open_round(actor=w.admin, round_=prelim)
    e1, e2, *_ = entries_of(contest)
    with pytest.raises(ValidationError) as exc:
        actions.enter_scores(actor=w.resident, round_=prelim, values={e1.pk: "91.5", e2.pk: "100.5"})
    assert list(exc.value.message_dict) == [f"score_{e2.pk}"]
    with pytest.raises(ValidationError, match="one decimal"):
        actions.enter_score(actor=w.resident, round_=prelim, entry=e1, value="91.55")
    assert not Score.objects.exists()
    actions.enter_score(actor=w.resident, round_=prelim, entry=e1, value="91.5")
    actions.enter_score(actor=w.resident, round_=prelim, entry=e1, value="92")  # a correction, not a second score
    assert list(Score.objects.values_list("judge_id", "value")) == [(w.resident.pk, D("92.0"))]


def test_only_judges_score_and_only_while_the_round_is_open(cw):
    w = cw
    contest = new_contest(w)
    prelim, final = rounds_of(contest)
    entry = entries_of(contest)[0]
    with pytest.raises(ValidationError, match="not open"):
        actions.enter_score(actor=w.resident, round_=prelim, entry=entry, value="90")
    actions.open_round(actor=w.admin, round_=prelim)
    for person in (w.admin, w.b2_resident, w.stranger):
        with pytest.raises(PermissionDenied):
            actions.enter_score(actor=person, round_=prelim, entry=entry, value="90")
    score_all(contest, prelim, {j: ["80", "81", "82", "83"] for j in (w.resident, w.neighbour, w.outsider)})
    actions.close_round(actor=w.admin, round_=prelim)
    with pytest.raises(ValidationError, match="not open"):
        actions.enter_score(actor=w.resident, round_=prelim, entry=entry, value="99")
    actions.open_round(actor=w.admin, round_=final)
    with pytest.raises(ValidationError, match="not in this round"):  # act 1 did not go on
        actions.enter_score(actor=w.resident, round_=final, entry=entry, value="99")


def test_rounds_open_in_order_and_the_final_is_last(cw):
    w = cw
    contest = new_contest(w)
    prelim, final = rounds_of(contest)
    with pytest.raises(ValidationError, match="Close 初赛 first"):
        actions.open_round(actor=w.admin, round_=final)
    with pytest.raises(ValidationError, match="final is the last round"):
        actions.add_round(actor=w.admin, contest=contest, name="加赛")
    actions.open_round(actor=w.admin, round_=prelim)
    with pytest.raises(ValidationError, match="already been opened"):
        actions.open_round(actor=w.admin, round_=prelim)
    with pytest.raises(ValidationError, match="first round has opened"):
        actions.add_entry(actor=w.admin, contest=contest, title="迟到的节目", community=w.community)


def test_a_contest_needs_judges_and_two_acts(cw):
    w = cw
    contest = new_contest(w, acts=1, judges=[])
    prelim = rounds_of(contest)[0]
    with pytest.raises(ValidationError, match="judges"):
        actions.open_round(actor=w.admin, round_=prelim)
    actions.add_judge(actor=w.admin, contest=contest, person=w.resident)
    with pytest.raises(ValidationError, match="two acts"):
        actions.open_round(actor=w.admin, round_=prelim)
    with pytest.raises(ValidationError, match="already a judge"):
        actions.add_judge(actor=w.admin, contest=contest, person=w.resident)
    with pytest.raises(ValidationError, match="cannot be named"):
        actions.add_judge(actor=w.admin, contest=contest, person=w.stranger)  # lives elsewhere, not in the directory


def test_a_judge_removed_mid_round_takes_their_open_scores_along(cw):
    w = cw
    contest = new_contest(w)
    prelim = rounds_of(contest)[0]
    actions.open_round(actor=w.admin, round_=prelim)
    score_all(contest, prelim, {w.resident: ["90", "88", "70", "85"], w.neighbour: ["80", "88", "75", "85"]})
    actions.remove_judge(actor=w.admin, contest=contest, person=w.neighbour)
    assert not Score.objects.filter(judge=w.neighbour).exists()
    assert not Judge.objects.filter(contest=contest, person=w.neighbour).exists()
    score_all(contest, prelim, {w.outsider: ["85", "88", "95", "85"]})
    actions.close_round(actor=w.admin, round_=prelim)  # two judges: the plain average
    assert Performance.objects.get(round=prelim, entry__title="节目1").final_score == D("87.50")
    with pytest.raises(ValidationError, match="closed round"):
        actions.remove_judge(actor=w.admin, contest=contest, person=w.resident)


def test_only_managers_run_a_contest(cw):
    w = cw
    contest = new_contest(w)
    prelim = rounds_of(contest)[0]
    for person in (w.resident, w.community_staff, w.chair):
        with pytest.raises(PermissionDenied):
            actions.open_round(actor=person, round_=prelim)
        with pytest.raises(PermissionDenied):
            actions.add_entry(actor=person, contest=contest, title="X", community=w.community)
    actions.open_round(actor=w.admin, round_=prelim)
    with pytest.raises(PermissionDenied):
        actions.close_round(actor=w.resident, round_=prelim)  # a judge does not close the round
    with pytest.raises(ValidationError, match="once the final is closed"):
        actions.publish_contest(actor=w.admin, contest=contest)


def test_a_stale_round_version_is_a_conflict(cw):
    w = cw
    contest = new_contest(w)
    prelim = rounds_of(contest)[0]
    seen = prelim.version
    actions.open_round(actor=w.admin, round_=prelim, version=seen)
    score_all(contest, prelim, {j: ["80", "81", "82", "83"] for j in (w.resident, w.neighbour, w.outsider)})
    with pytest.raises(actions.ContestConflict):
        actions.close_round(actor=w.admin, round_=rounds_of(contest)[0], version=seen)
    assert rounds_of(contest)[0].status == ContestRound.Status.OPEN
