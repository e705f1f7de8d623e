"""Contest scoring (``competitions.rules``): a judge's score, dropping the highest and the lowest, the
ranking with shared places, and who goes on. No database."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competitions import rules
from competitions.rules import InvalidScore


@pytest.mark.parametrize(("given_", "stored"), [("0", D("0.0")), ("100", D("100.0")), ("92.5", D("92.5")), (88, D("88.0"))])
def test_a_score_is_0_to_100_with_one_decimal(given_, stored):
    assert rules.check_score(given_) == stored


@pytest.mark.parametrize("bad", ["-0.1", "100.1", "92.55", "abc", "", "NaN", "Infinity", None])
def test_other_scores_are_refused(bad):
    with pytest.raises(InvalidScore):
        rules.check_score(bad)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        (["90", "80", "85", "95", "70"], "85.00"),  # drop 95 and 70: (90 + 80 + 85) / 3
        (["90", "90", "90"], "90.00"),  # one 90 dropped each way
        (["100", "0", "50"], "50.00"),
        (["88.5", "91.0", "86.5", "90.0"], "89.25"),  # drop 91 and 86.5
        (["85.1", "85.2", "85.2", "99.9"], "85.20"),
        (["90", "80"], "85.00"),  # fewer than three: plain average
        (["77.7"], "77.70"),
        (["85.5", "85.6", "85.5", "85.6", "85.5"], "85.53"),  # 256.6 / 3 = 85.5333…
        (["90", "90.1", "90.1", "90"], "90.05"),  # exactly half: rounds half up
    ],
)
def test_the_highest_and_the_lowest_are_dropped_and_the_rest_averaged(scores, expected):
    assert rules.final_score([D(s) for s in scores]) == D(expected)


def test_no_scores_no_score():
    assert rules.final_score([]) is None
    assert rules.dropped([D(1), D(2)]) is None


def test_the_dropped_scores_are_one_highest_and_one_lowest():
    assert rules.dropped([D(90), D(70), D(95), D(70), D(95)]) == (1, 4)
    assert rules.dropped([D(80), D(80), D(80)]) == (0, 2)


@given(st.lists(st.integers(0, 1000).map(lambda n: D(n) / 10), min_size=3, max_size=15))
def test_the_trimmed_average_lies_between_the_lowest_and_highest_kept(scores):
    result = rules.final_score(scores)
    kept = sorted(scores)[1:-1]
    assert min(kept) - D("0.005") <= result <= max(kept) + D("0.005")
    low, high = rules.dropped(scores)
    assert scores[low] == min(scores) and scores[high] == max(scores) and low != high


def test_equal_scores_share_a_place_and_the_next_place_is_skipped():
    ranked = rules.rank([("a", D("90")), ("b", D("85")), ("c", D("85")), ("d", D("80")), ("e", None)])
    assert [(r.key, r.rank) for r in ranked] == [("a", 1), ("b", 2), ("c", 2), ("d", 4), ("e", None)]


def test_a_tie_at_the_cut_takes_everyone_tied():
    ranked = rules.rank([("a", D("90")), ("b", D("85")), ("c", D("85")), ("d", D("80"))])
    assert sorted(rules.advancing(ranked, 2)) == ["a", "b", "c"]
    assert rules.advancing(ranked, 1) == ["a"]
    assert sorted(rules.advancing(ranked, 3)) == ["a", "b", "c"]


@given(st.lists(st.integers(0, 20).map(D), min_size=1, max_size=20))
def test_ranks_are_competition_ranks(scores):
    ranked = rules.rank(list(enumerate(scores)))
    for r in ranked:
        assert r.rank == 1 + sum(1 for s in scores if s > r.score)
