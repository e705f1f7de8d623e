"""A tournament from the draft to published results, through ``competitions.actions``: registration,
the seeded snake draw, the round robin, the group stage seeding the bracket, the winners moving on,
corrections, walkovers, byes, and every refusal changing nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from competitions import actions, queries
from competitions.models import Entrant, Format, Group, Match, Status
from core.models import AuditEntry, Notification
from tests.test_tournament_world import (  # noqa: F401
    add_teams,
    cw_fixture,
    english_fixture,
    games_for,
    knockout,
    new_tournament,
    play,
    play_groups,
    start,
)

pytestmark = pytest.mark.usefixtures("english")


def test_groups_then_knockout_from_draft_to_published(cw):
    w = cw
    t = new_tournament(w, groups=2)
    assert t.status == Status.REGISTRATION
    entrants = add_teams(w, t, 8, seeds=4)
    groups = actions.draw_groups(actor=w.admin, tournament=t)
    members = {
        g.pk: sorted(Entrant.objects.filter(group=g).values_list("seed", flat=True), key=lambda s: s or 99) for g in groups
    }
    # the snake: seeds 1 and 4 in group A, 2 and 3 in group B; the unseeded four by lot, two each
    assert [members[g.pk][:2] for g in groups] == [[1, 4], [2, 3]]
    assert all(len(m) == 4 for m in members.values())

    t = start(w, t, draw=False)
    assert t.status == Status.GROUPS
    group_matches = Match.objects.filter(tournament=t, stage=Match.Stage.GROUP)
    assert group_matches.count() == 12  # 6 per group of four
    assert not Match.objects.filter(tournament=t, stage=Match.Stage.KNOCKOUT).exists()
    # every player is told the draw is out
    player = w.players_here[0]
    assert Notification.objects.filter(recipient=player, subject__contains="draw is out").exists()

    t = play_groups(w, t)
    assert t.status == Status.KNOCKOUT
    tables = queries.group_tables(t)
    winners = {table.group.number: table.lines[0].entrant for table in tables}
    runners = {table.group.number: table.lines[1].entrant for table in tables}
    semis = knockout(t, 1)
    assert [(m.entrant_a_id, m.entrant_b_id) for m in semis] == [(winners[1], runners[2]), (winners[2], runners[1])]
    assert [m.status for m in knockout(t, 2)] == [Match.Status.SCHEDULED]

    play(w, semis[0], "a")
    play(w, semis[1], "b")
    final = knockout(t, 2)[0]
    assert (final.entrant_a_id, final.entrant_b_id) == (winners[1], runners[1])
    play(w, final, "b")
    t.refresh_from_db()
    assert t.status == Status.FINISHED
    assert queries.champion(queries.bracket(t)).pk == runners[1]

    actions.publish_tournament(actor=w.admin, tournament=t)
    t.refresh_from_db()
    assert t.status == Status.PUBLISHED and t.published_at is not None
    assert {e.pk for e in entrants} >= {winners[1], winners[2]}
    with pytest.raises(ValidationError, match="published and final"):
        play(w, final, "a")


def test_a_knockout_only_tournament_gives_byes_to_the_top_seeds_and_moves_them_on(cw):
    w = cw
    t = new_tournament(w, fmt=Format.KNOCKOUT)
    entrants = add_teams(w, t, 5, seeds=5)
    t = start(w, t)
    assert t.status == Status.KNOCKOUT
    first = knockout(t, 1)
    by_seed = {e.seed: e.pk for e in entrants}
    assert [(m.entrant_a_id, m.entrant_b_id) for m in first] == [
        (by_seed[1], None),
        (by_seed[4], by_seed[5]),
        (by_seed[2], None),
        (by_seed[3], None),
    ]
    assert [m.status for m in first] == [
        Match.Status.WALKOVER,
        Match.Status.SCHEDULED,
        Match.Status.WALKOVER,
        Match.Status.WALKOVER,
    ]
    assert all(m.is_bye for m in first if m.entrant_b_id is None)
    semis = knockout(t, 2)
    assert (semis[0].entrant_a_id, semis[0].entrant_b_id) == (by_seed[1], None)  # waits for 4 v 5
    assert (semis[1].entrant_a_id, semis[1].entrant_b_id) == (by_seed[2], by_seed[3])
    play(w, first[1], "b")  # seed 5 beats seed 4
    assert knockout(t, 2)[0].entrant_b_id == by_seed[5]
    with pytest.raises(ValidationError, match="not known yet"):
        play(w, knockout(t, 3)[0])
    played = 1
    for m in knockout(t, 2):
        play(w, m, "a")
        played += 1
    play(w, knockout(t, 3)[0], "a")
    played += 1
    assert played == len(entrants) - 1  # n - 1 matches played
    t.refresh_from_db()
    assert t.status == Status.FINISHED


def test_a_round_robin_finishes_with_its_last_match(cw):
    w = cw
    t = new_tournament(w, fmt=Format.ROUND_ROBIN, groups=1)
    add_teams(w, t, 5)
    t = start(w, t)
    matches = list(Match.objects.filter(tournament=t))
    assert len(matches) == 10  # 5 choose 2; the one resting each round has no match
    assert {m.round for m in matches} == {1, 2, 3, 4, 5}
    t = play_groups(w, t)
    assert t.status == Status.FINISHED
    assert not Match.objects.filter(tournament=t, stage=Match.Stage.KNOCKOUT).exists()
    assert [line.wins for line in queries.group_tables(t)[0].lines] == [4, 3, 2, 1, 0]


def test_a_bad_score_is_refused_and_changes_nothing(cw):
    w = cw
    t = new_tournament(w, fmt=Format.KNOCKOUT)
    add_teams(w, t, 2)
    t = start(w, t)
    final = knockout(t, 1)[0]
    audits = AuditEntry.objects.count()
    for games, says in [
        ([[11, 10], [11, 5]], "leads by two"),
        ([[11, 5]], "Not decided"),
        ([[11, 5], [11, 5], [11, 5]], "decided after game 2"),
        ([[11, "5"], [11, 5]], "whole numbers"),
        ("11:5", "Enter the score"),
    ]:
        with pytest.raises(ValidationError) as exc:
            actions.record_result(actor=w.admin, match=final, games=games, version=final.version)
        assert "games" in exc.value.message_dict and says in exc.value.message_dict["games"][0]
    final.refresh_from_db()
    assert (final.status, final.games, final.winner_id, final.version) == (Match.Status.SCHEDULED, [], None, 1)
    assert AuditEntry.objects.count() == audits


def test_badminton_scores_follow_badminton_rules(cw):
    w = cw
    t = new_tournament(w, fmt=Format.KNOCKOUT, sport="badminton")
    add_teams(w, t, 2)
    final = knockout(start(w, t), 1)[0]
    with pytest.raises(ValidationError, match="30 points at the latest"):
        actions.record_result(actor=w.admin, match=final, games=[[31, 29], [21, 5]])
    actions.record_result(actor=w.admin, match=final, games=[[30, 29], [19, 21], [21, 15]])
    final.refresh_from_db()
    assert final.winner_id == final.entrant_a_id and final.games == [[30, 29], [19, 21], [21, 15]]


def test_a_result_entered_on_a_stale_version_is_a_conflict(cw):
    w = cw
    t = new_tournament(w, fmt=Format.KNOCKOUT)
    add_teams(w, t, 2)
    final = knockout(start(w, t), 1)[0]
    seen = final.version
    actions.record_result(actor=w.admin, match=final, games=games_for("a"), version=seen)
    stale = Match.objects.get(pk=final.pk)
    with pytest.raises(actions.MatchConflict):
        actions.record_result(actor=w.admin, match=stale, games=games_for("b"), version=seen)
    stale.refresh_from_db()
    assert stale.winner_id == stale.entrant_a_id and stale.version == seen + 1


def test_correcting_a_knockout_result_before_the_next_round_moves_the_new_winner_on(cw):
    w = cw
    t = new_tournament(w, fmt=Format.KNOCKOUT)
    add_teams(w, t, 4, seeds=4)
    t = start(w, t)
    semi = knockout(t, 1)[0]
    play(w, semi, "a")
    assert knockout(t, 2)[0].entrant_a_id == semi.entrant_a_id
    play(w, semi, "b")  # corrected: the other side won
    assert knockout(t, 2)[0].entrant_a_id == semi.entrant_b_id
    assert AuditEntry.objects.filter(action="tournament.result_corrected").count() == 1


def test_once_the_next_round_is_played_the_winner_can_no_longer_change_but_the_score_can(cw):
    w = cw
    t = new_tournament(w, fmt=Format.KNOCKOUT)
    add_teams(w, t, 4, seeds=4)
    t = start(w, t)
    semi, other = knockout(t, 1)
    play(w, semi, "a")
    play(w, other, "a")
    play(w, knockout(t, 2)[0], "a")
    t.refresh_from_db()
    assert t.status == Status.FINISHED
    semi.refresh_from_db()
    with pytest.raises(ValidationError, match="next round has been played"):
        actions.record_result(actor=w.admin, match=semi, games=games_for("b"), version=semi.version)
    actions.record_result(actor=w.admin, match=semi, games=[[11, 9], [9, 11], [11, 9]], version=semi.version)
    semi.refresh_from_db()
    assert semi.winner_id == semi.entrant_a_id and semi.games == [[11, 9], [9, 11], [11, 9]]


def test_a_corrected_group_result_redraws_the_bracket_until_a_knockout_match_is_played(cw):
    w = cw
    t = new_tournament(w, groups=2)
    add_teams(w, t, 8, seeds=4)
    t = play_groups(w, start(w, t))
    before = [(m.entrant_a_id, m.entrant_b_id) for m in knockout(t, 1)]
    table_a = queries.group_tables(t)[0]
    top, second = table_a.lines[0].entrant, table_a.lines[1].entrant
    # the match between group A's top two, turned round: they swap places and the bracket follows
    match = Match.objects.get(tournament=t, stage=Match.Stage.GROUP, entrant_a__in=[top, second], entrant_b__in=[top, second])
    play(w, match, "a" if match.entrant_b_id == top else "b")
    after = [(m.entrant_a_id, m.entrant_b_id) for m in knockout(t, 1)]
    assert after != before and after[0][0] == second and after[1][1] == top
    assert AuditEntry.objects.filter(action="tournament.knockout_redrawn").exists()
    play(w, knockout(t, 1)[0], "a")
    with pytest.raises(ValidationError, match="knockout stage has begun"):
        play(w, match, "a" if match.entrant_a_id == top else "b")


def test_a_walkover_sends_the_other_side_through_without_games(cw):
    w = cw
    t = new_tournament(w, fmt=Format.KNOCKOUT)
    add_teams(w, t, 4, seeds=4)
    t = start(w, t)
    semi = knockout(t, 1)[0]
    actions.record_walkover(actor=w.admin, match=semi, winner="b", version=semi.version)
    semi.refresh_from_db()
    assert (semi.status, semi.games, semi.winner_id) == (Match.Status.WALKOVER, [], semi.entrant_b_id)
    assert knockout(t, 2)[0].entrant_a_id == semi.entrant_b_id
    with pytest.raises(ValidationError):
        actions.record_walkover(actor=w.admin, match=semi, winner="c")


def test_a_walkover_in_the_groups_counts_a_win_without_games(cw):
    w = cw
    t = new_tournament(w, fmt=Format.ROUND_ROBIN, groups=1)
    add_teams(w, t, 2)
    t = start(w, t)
    match = Match.objects.get(tournament=t)
    actions.record_walkover(actor=w.admin, match=match, winner="a")
    line = queries.group_tables(t)[0].lines[0]
    assert (line.entrant, line.wins, line.games_won, line.points_won) == (match.entrant_a_id, 1, 0, 0)


def test_entrants_must_live_in_the_community_they_represent_and_play_once(cw):
    w = cw
    t = new_tournament(w)
    with pytest.raises(ValidationError, match="live or own a home in 灯湖社区"):
        actions.add_entrant(actor=w.admin, tournament=t, community=w.community, name="外援队", players=[w.outsider])
    with pytest.raises(ValidationError, match="live or own a home"):
        actions.add_entrant(actor=w.admin, tournament=t, community=w.community, person=w.stranger)
    actions.add_entrant(
        actor=w.admin, tournament=t, community=w.community, name="甲队", players=[w.resident, w.neighbour], seed=1
    )
    with pytest.raises(ValidationError, match="already plays"):
        actions.add_entrant(actor=w.admin, tournament=t, community=w.community, name="乙队", players=[w.neighbour])
    with pytest.raises(ValidationError, match="already an entrant called"):
        actions.add_entrant(actor=w.admin, tournament=t, community=w.community, name="甲队", players=[w.b2_resident])
    with pytest.raises(ValidationError, match="Seed 1 is taken"):
        actions.add_entrant(actor=w.admin, tournament=t, community=w.community, name="丙队", players=[w.b2_resident], seed=1)
    with pytest.raises(ValidationError, match="players"):
        actions.add_entrant(actor=w.admin, tournament=t, community=w.community, name="空队")
    with pytest.raises(ValidationError, match="taking part"):
        actions.add_entrant(actor=w.admin, tournament=t, community=w.compound, name="小区队", players=[w.b2_resident])
    solo = actions.add_entrant(actor=w.admin, tournament=t, community=w.community, person=w.b2_resident)
    assert (solo.kind, solo.name, list(solo.players.all())) == (Entrant.Kind.PERSON, "赵二栋", [w.b2_resident])
    assert Entrant.objects.filter(tournament=t).count() == 2


def test_the_draw_needs_enough_entrants_and_entrants_are_fixed_once_play_starts(cw):
    w = cw
    t = new_tournament(w, groups=2)
    add_teams(w, t, 3)
    with pytest.raises(ValidationError, match="too few for 2 groups"):
        actions.draw_groups(actor=w.admin, tournament=t)
    with pytest.raises(ValidationError, match="Draw the groups first"):
        actions.generate_schedule(actor=w.admin, tournament=t)
    add_teams_more = actions.add_entrant(
        actor=w.admin, tournament=t, community=w.community, name="队4", players=[w.players_here[5]]
    )
    actions.draw_groups(actor=w.admin, tournament=t)
    assert Group.objects.filter(tournament=t).count() == 2
    actions.remove_entrant(actor=w.admin, entrant=add_teams_more)  # clears the draw
    assert not Group.objects.filter(tournament=t).exists()
    assert not Entrant.objects.filter(tournament=t, group__isnull=False).exists()
    actions.add_entrant(actor=w.admin, tournament=t, community=w.community, name="队5", players=[w.players_here[6]])
    start(w, t)
    with pytest.raises(ValidationError, match="draw is made"):
        actions.add_entrant(actor=w.admin, tournament=t, community=w.community, name="迟到队", players=[w.players_here[7]])
    with pytest.raises(ValidationError, match="schedule is made once"):
        actions.generate_schedule(actor=w.admin, tournament=t)


def test_a_stale_draw_is_a_conflict(cw):
    w = cw
    t = new_tournament(w, groups=2)
    add_teams(w, t, 4)
    seen = t.version
    actions.draw_groups(actor=w.admin, tournament=t, version=seen)
    with pytest.raises(actions.Conflict):
        actions.draw_groups(actor=w.admin, tournament=t, version=seen)


def test_only_managers_act(cw):
    w = cw
    t = new_tournament(w, fmt=Format.KNOCKOUT)
    add_teams(w, t, 2)
    for person in (w.resident, w.community_staff, w.building_leader, w.chair):
        with pytest.raises(PermissionDenied):
            actions.add_entrant(actor=person, tournament=t, community=w.community, name="X", players=[w.b2_resident])
    final = knockout(start(w, t), 1)[0]
    with pytest.raises(PermissionDenied):
        actions.record_result(actor=w.community_staff, match=final, games=games_for("a"))
    with pytest.raises(PermissionDenied):
        actions.create_tournament(
            actor=w.community_staff, name="X", sport="table_tennis", year=2026, organiser=w.office, scope=w.subdistrict
        )


def test_creating_checks_every_field(cw):
    w = cw
    with pytest.raises(ValidationError) as exc:
        actions.create_tournament(
            actor=w.admin, name=" ", sport="chess", year=1999, organiser=w.office, scope=w.building, format="swiss", best_of=4
        )
    assert set(exc.value.message_dict) >= {"name", "sport", "year", "scope", "format", "best_of"}
    with pytest.raises(ValidationError, match="two must go through"):
        actions.create_tournament(
            actor=w.admin,
            name="X",
            sport="badminton",
            year=2026,
            organiser=w.office,
            scope=w.subdistrict,
            group_count=1,
            advance_per_group=1,
        )
