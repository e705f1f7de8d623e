"""The rules of the game, the round robin, the tables and the bracket (``competitions.rules``): tables of
cases and hypothesis properties. No database."""

import itertools
from collections import Counter

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from competitions import rules
from competitions.rules import InvalidScore, Result, Sport

TT, BM = Sport.TABLE_TENNIS, Sport.BADMINTON


@pytest.fixture(autouse=True)
def _english():
    """The reasons are checked in English (the source language)."""
    with translation.override("en"):
        yield


# --- a game ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sport", "a", "b"),
    [
        (TT, 11, 0),
        (TT, 11, 9),
        (TT, 9, 11),
        (TT, 12, 10),  # deuce
        (TT, 18, 16),  # a long deuce: table tennis has no cap
        (BM, 21, 0),
        (BM, 21, 19),
        (BM, 22, 20),
        (BM, 29, 27),
        (BM, 30, 28),
        (BM, 30, 29),  # 29-all: the next point wins
        (BM, 29, 30),
    ],
)
def test_finished_games_are_accepted(sport, a, b):
    rules.check_game(sport, a, b)


@pytest.mark.parametrize(
    ("sport", "a", "b", "says"),
    [
        (TT, 10, 8, "not finished"),
        (TT, 11, 10, "leads by two"),  # deuce not over
        (TT, 11, 11, "leads by two"),
        (TT, 13, 10, "exactly two"),  # past 11, only by two
        (TT, 12, 9, "exactly two"),
        (TT, 21, 18, "exactly two"),
        (TT, 21, 19, None),  # a long deuce is a table tennis game too
        (BM, 11, 9, "not finished"),  # a table tennis score in badminton
        (BM, 21, 20, "leads by two"),
        (BM, 31, 29, "30"),  # the cap
        (BM, 30, 27, "exactly two"),
        (BM, 23, 20, "exactly two"),
        (TT, -1, 11, "negative"),
        (TT, 101, 99, "not possible"),  # a typing slip, although won by two
    ],
)
def test_unfinished_or_impossible_games_are_refused_with_the_reason(sport, a, b, says):
    if says is None:
        rules.check_game(sport, a, b)
        return
    with pytest.raises(InvalidScore) as exc:
        rules.check_game(sport, a, b)
    assert says in str(exc.value)


@pytest.mark.parametrize("bad", [True, 11.0, "11", None])
def test_a_game_score_is_two_whole_numbers(bad):
    with pytest.raises(InvalidScore):
        rules.check_game(TT, bad, 5)


@given(st.sampled_from([TT, BM]), st.integers(0, 40), st.integers(0, 40))
def test_a_valid_game_has_a_winner_by_two_or_at_the_cap(sport, a, b):
    try:
        rules.check_game(sport, a, b)
    except InvalidScore:
        return
    rule = rules.GAME_RULES[sport]
    high, low = max(a, b), min(a, b)
    assert high >= rule.points
    assert high - low >= 2 or (rule.cap and high == rule.cap and low == rule.cap - 1)
    assert high == rule.points or high - low == 2 or high == rule.cap


# --- a match --------------------------------------------------------------------------------------


def test_a_match_result_counts_games_and_points():
    result = rules.match_result(TT, 5, [[11, 9], [9, 11], [12, 10], [11, 3]])
    assert (result.winner, result.games_a, result.games_b) == ("a", 3, 1)
    assert (result.points_a, result.points_b) == (43, 33)
    assert rules.match_result(BM, 3, [[15, 21], [21, 19], [28, 30]]).winner == "b"


@pytest.mark.parametrize(
    ("best_of", "games", "says"),
    [
        (5, [[11, 9], [11, 9]], "Not decided"),
        (3, [[11, 9], [11, 9], [11, 9]], "decided after game 2"),
        (5, [], "Enter the score"),
        (5, [[11, 9], [11, 10]], "Game 2"),
        (4, [[11, 9]], "best of 3 or 5"),
        (3, [[11]], "both sides"),
        (3, "11-9", "Enter the score"),
    ],
)
def test_a_match_must_be_decided_and_stop_when_it_is(best_of, games, says):
    with pytest.raises(InvalidScore) as exc:
        rules.match_result(TT, best_of, games)
    assert says in str(exc.value)


# --- round robin ----------------------------------------------------------------------------------


@given(st.integers(2, 17))
def test_in_a_round_robin_everyone_meets_everyone_else_exactly_once(n):
    rounds = rules.round_robin(list(range(n)))
    pairs = [frozenset(p) for r in rounds for p in r if None not in p]
    assert Counter(pairs) == Counter(frozenset(p) for p in itertools.combinations(range(n), 2))
    assert len(rounds) == (n - 1 if n % 2 == 0 else n)
    for r in rounds:  # nobody plays twice in a round
        seen = [e for p in r for e in p if e is not None]
        assert len(seen) == len(set(seen))


@given(st.integers(1, 8).map(lambda k: 2 * k + 1))
def test_with_an_odd_number_everyone_rests_exactly_once(n):
    rounds = rules.round_robin(list(range(n)))
    resting = [a for r in rounds for a, b in r if b is None]
    assert all(sum(1 for _a, b in r if b is None) == 1 for r in rounds)
    assert sorted(resting) == list(range(n))


def test_a_round_robin_of_one_has_no_rounds():
    assert rules.round_robin(["x"]) == []


# --- the draw -------------------------------------------------------------------------------------


def test_the_snake_deals_seeds_back_and_forth():
    assert rules.snake_groups(list(range(1, 9)), 2) == [[1, 4, 5, 8], [2, 3, 6, 7]]
    assert rules.snake_groups(list(range(1, 10)), 3) == [[1, 6, 7], [2, 5, 8], [3, 4, 9]]


@given(st.integers(1, 6), st.integers(0, 40))
def test_the_snake_gives_every_group_one_of_the_top_seeds_and_sizes_differ_by_at_most_one(g, extra):
    n = g + extra
    groups = rules.snake_groups(list(range(1, n + 1)), g)
    assert sorted(x for group in groups for x in group) == list(range(1, n + 1))
    assert max(map(len, groups)) - min(map(len, groups)) <= 1
    assert sorted(group[0] for group in groups) == list(range(1, g + 1))


# --- standings ------------------------------------------------------------------------------------


def r(a, b, *games, walkover=False, winner=None):
    if walkover:
        return Result(a=a, b=b, winner=winner or a, walkover=True)
    won_a = sum(1 for x, y in games if x > y)
    return Result(a=a, b=b, winner=a if won_a * 2 > len(games) else b, games=tuple(games))


def order(lines):
    return [line.entrant for line in lines]


def test_the_table_is_ordered_by_wins():
    entrants = [("A", None), ("B", None), ("C", None)]
    lines = rules.standings(
        entrants,
        [r("A", "B", (11, 5), (11, 5), (11, 5)), r("B", "C", (11, 5), (11, 5), (11, 5)), r("A", "C", (11, 5), (11, 5), (11, 5))],
    )
    assert order(lines) == ["A", "B", "C"]
    assert [line.rank for line in lines] == [1, 2, 3]
    a = lines[0]
    assert (a.played, a.wins, a.losses, a.games_won, a.games_lost, a.points_won, a.points_lost) == (2, 2, 0, 6, 0, 66, 30)
    assert all(line.decided_by == "" for line in lines)


def test_two_level_on_wins_are_separated_by_their_match_against_each_other():
    # B beat A; on the whole table A has the better game ratio, but head-to-head comes first
    entrants = [("A", 1), ("B", 2), ("C", None), ("D", None)]
    results = [
        r("B", "A", (11, 9), (9, 11), (11, 9), (9, 11), (11, 9)),
        r("A", "C", (11, 0), (11, 0), (11, 0)),
        r("A", "D", (11, 0), (11, 0), (11, 0)),
        r("B", "C", (11, 9), (9, 11), (11, 9), (9, 11), (11, 9)),
        r("D", "B", (11, 9), (11, 9), (11, 9)),
        r("C", "D", (11, 9), (11, 9), (11, 9)),
    ]
    lines = rules.standings(entrants, results)
    assert order(lines)[:2] == ["B", "A"]
    assert lines[0].decided_by == lines[1].decided_by == rules.HEAD_TO_HEAD


def test_a_three_way_tie_goes_to_the_game_ratio_among_the_three_only():
    # A beat B, B beat C, C beat A (one win each among them); all three beat D.
    # Among the three: A 3–2 and 3–0 → games 5–3... see the counts below.
    entrants = [("A", None), ("B", None), ("C", None), ("D", None)]
    results = [
        r("A", "B", (11, 5), (11, 5), (11, 5)),  # A 3–0
        r("B", "C", (11, 5), (5, 11), (11, 5), (5, 11), (11, 5)),  # B 3–2
        r("C", "A", (11, 5), (5, 11), (11, 5), (11, 5)),  # C 3–1
        # against D, C wins 3–0 and A only 3–2: on the whole table C would have the better games ratio
        r("A", "D", (11, 5), (5, 11), (11, 5), (5, 11), (11, 5)),
        r("B", "D", (11, 5), (11, 5), (11, 5)),
        r("C", "D", (11, 5), (11, 5), (11, 5)),
    ]
    # among A, B, C: A games 4–3 (1.33), B 3–5 (0.6), C 5–4 (1.25)
    lines = rules.standings(entrants, results)
    assert order(lines) == ["A", "C", "B", "D"]
    assert {line.entrant: line.decided_by for line in lines[:3]} == {k: rules.GAME_RATIO for k in "ACB"}
    assert lines[3].decided_by == ""


def test_a_three_way_tie_split_in_part_is_compared_again_among_those_still_level():
    # A beat B, B beat C, C beat A: one win and three games each way among them. On points A is ahead
    # (52–44); B and C are level (53–57 each), so they are compared again on their own: B beat C.
    entrants = [("A", None), ("B", None), ("C", 1)]  # C's seed would put C first: it must not matter
    results = [
        r("A", "B", (11, 5), (5, 11), (11, 5)),  # A 27, B 21
        r("B", "C", (11, 9), (9, 11), (12, 10)),  # B 32, C 30
        r("C", "A", (11, 9), (1, 11), (11, 5)),  # C 23, A 25
    ]
    lines = rules.standings(entrants, results)
    assert order(lines) == ["A", "B", "C"]
    assert lines[0].decided_by == rules.POINT_RATIO
    assert lines[1].decided_by == lines[2].decided_by == rules.HEAD_TO_HEAD


def test_entrants_level_on_everything_are_ordered_by_seed_then_by_entry():
    entrants = [("A", None), ("B", 3), ("C", None), ("D", 1)]
    lines = rules.standings(entrants, [])
    assert order(lines) == ["D", "B", "A", "C"]
    assert all(line.decided_by == rules.SEED for line in lines)


def test_a_walkover_is_a_win_without_games_or_points():
    lines = rules.standings([("A", None), ("B", None)], [r("A", "B", walkover=True, winner="B")])
    b, a = lines
    assert (b.entrant, b.wins, b.games_won, b.points_won) == ("B", 1, 0, 0)
    assert (a.losses, a.games_lost, a.points_lost) == (1, 0, 0)


def test_a_result_outside_the_table_is_an_error():
    with pytest.raises(ValueError):
        rules.standings([("A", None)], [r("A", "Z", (11, 0), (11, 0))])


@settings(max_examples=60)
@given(st.data())
def test_standings_rank_everyone_once_and_never_put_fewer_wins_above_more(data):
    n = data.draw(st.integers(2, 6))
    entrants = [(i, data.draw(st.none() | st.integers(1, 20))) for i in range(n)]
    results = []
    for a, b in itertools.combinations(range(n), 2):
        if data.draw(st.booleans()):
            games = data.draw(st.lists(st.sampled_from([(11, 7), (7, 11), (12, 10), (10, 12)]), min_size=3, max_size=3))
            results.append(r(a, b, *games))
    lines = rules.standings(entrants, results)
    assert sorted(order(lines)) == list(range(n))
    assert [line.rank for line in lines] == list(range(1, n + 1))
    assert all(x.wins >= y.wins for x, y in itertools.pairwise(lines))
    assert sum(line.wins for line in lines) == len(results)


# --- the bracket ----------------------------------------------------------------------------------


def test_seed_order_keeps_the_top_seeds_apart():
    assert rules.seed_order(8) == [1, 8, 4, 5, 2, 7, 3, 6]
    assert rules.seed_order(2) == [1, 2]
    with pytest.raises(ValueError):
        rules.seed_order(6)


def test_five_entrants_give_three_byes_to_the_top_three_seeds():
    assert rules.first_round(["s1", "s2", "s3", "s4", "s5"]) == [("s1", None), ("s4", "s5"), ("s2", None), ("s3", None)]


def play_out(pairs, pick):
    """Every match of a bracket from its first round; ``pick(a, b)`` chooses the winner. Returns the
    matches (a, b, round) and the champion."""
    matches, round_no, current = [], 1, list(pairs)
    while True:
        winners = []
        for a, b in current:
            matches.append((a, b, round_no))
            winners.append(a if b is None else b if a is None else pick(a, b))
        if len(winners) == 1:
            return matches, winners[0]
        current, round_no = rules.next_round(winners), round_no + 1


@given(st.integers(2, 70), st.randoms(use_true_random=False))
def test_a_bracket_of_n_entrants_has_n_minus_one_matches_and_byes_only_for_top_seeds_in_round_one(n, rnd):
    seeds = list(range(1, n + 1))
    pairs = rules.first_round(seeds)
    assert len(pairs) == rules.bracket_size(n) // 2
    matches, champion = play_out(pairs, lambda a, b: rnd.choice([a, b]))
    played = [m for m in matches if m[0] is not None and m[1] is not None]
    assert len(played) == n - 1
    byes = [m for m in matches if (m[0] is None) != (m[1] is None)]
    assert all(m[2] == 1 for m in byes)
    assert sorted(a for a, b, _r in byes) == list(range(1, rules.bracket_size(n) - n + 1))
    assert champion in seeds


@given(st.integers(2, 70))
def test_seeds_one_and_two_can_meet_only_in_the_final(n):
    matches, champion = play_out(rules.first_round(list(range(1, n + 1))), min)  # the better seed always wins
    assert champion == 1
    final = matches[-1]
    assert {final[0], final[1]} == {1, 2}
    assert all({a, b} != {1, 2} for a, b, _r in matches[:-1])


def test_a_winner_moves_to_the_next_slot():
    assert rules.next_slot(1) == (1, "a")
    assert rules.next_slot(2) == (1, "b")
    assert rules.next_slot(7) == (4, "a")


def groups_of(g: int, size: int = 3):
    return [[f"{chr(65 + i)}{k}" for k in range(1, size + 1)] for i in range(g)]


def test_four_groups_winners_meet_runners_up_of_other_groups_in_the_opposite_half():
    pairs = rules.group_bracket(groups_of(4), 2)
    assert pairs == [("A1", "B2"), ("D1", "C2"), ("B1", "A2"), ("C1", "D2")]


def test_one_group_sends_its_top_two_to_the_final():
    assert rules.group_bracket(groups_of(1), 2) == [("A1", "A2")]


def test_group_winners_only_are_seeded_in_group_order():
    assert rules.group_bracket(groups_of(3), 1) == [("A1", None), ("B1", "C1")]


@given(st.integers(2, 9))
def test_from_the_groups_no_runner_up_meets_its_own_winner_before_the_final_when_groups_are_even(g):
    pairs = rules.group_bracket(groups_of(g), 2)
    flat = [x for p in pairs for x in p]
    half = len(flat) // 2
    for i in range(g):
        winner, runner_up = f"{chr(65 + i)}1", f"{chr(65 + i)}2"
        assert (winner, runner_up) not in pairs and (runner_up, winner) not in pairs
        assert (flat.index(winner) < half) != (flat.index(runner_up) < half)
    if g % 2 == 0 and g & (g - 1) == 0:  # a full bracket: every first-round match is a winner v a runner-up
        assert all(a.endswith("1") and b.endswith("2") for a, b in pairs)
    assert sorted(x for x in flat if x) == sorted(f"{chr(65 + i)}{k}" for i in range(g) for k in (1, 2))
