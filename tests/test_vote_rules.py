"""Civil Code Art 278(2) as ``votes.rules`` counts it, checked against the rules themselves.

Table-driven cases at and on either side of every threshold, for area (0.01 m² steps) and headcount
(one owner steps): participation ≥ 2/3 of the totals ("以上" includes the bound); approval of items 6–8
≥ 3/4 of those taking part; every other item strictly more than 1/2 ("过半数"); abstentions take part
but do not approve; the silent-consent tally adds the owners who did not vote to approval only.

Then two properties: a ``Tally`` from ``rules.count`` equals a brute-force count written here with
``fractions.Fraction``; and through the database, a random electorate with random (some changed)
ballots gives the same figures from ``ledger.current_tally``, from ``ledger.recount`` of the log and
from an independent count of the data the test wrote.
"""

import re
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.translation import override
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from people.models import Ownership
from places.models import Place, Unit
from tests.conftest import make_person
from votes import actions, ledger
from votes.models import SPECIAL_ITEMS, Choice, Item, LogEntry, Voter, VoterMember, VoterUnit
from votes.rules import ORDINARY, QUORUM, SPECIAL, Count, approval_threshold, count, explain, percent
from votes.rules import Test as Check  # not named Test*, so that pytest does not try to collect it

D = Decimal
ORDINARY_ITEMS = [Item.RULES, Item.COVENANT, Item.COMMITTEE, Item.MANAGER, Item.FUND_USE, Item.OTHER]
SPECIAL_LIST = [Item.FUND_RAISE, Item.REBUILD, Item.COMMON_USE]


def c(area: str, heads: int) -> Count:
    return Count(D(area), heads)


def tally(item, total, yes=("0.00", 0), no=("0.00", 0), abstain=("0.00", 0)):
    weights = {"yes": c(*yes), "no": c(*no), "abstain": c(*abstain)}
    return count(item, c(*total), weights)


def mets(tests) -> tuple[bool, bool]:
    area, heads = tests
    assert (area.measure, heads.measure) == ("area", "heads")
    return area.met, heads.met


# --- which threshold -----------------------------------------------------------------------------------------


def test_items_six_to_eight_are_special_and_the_rest_ordinary():
    assert list(Item)[5:8] == SPECIAL_LIST
    assert frozenset(SPECIAL_LIST) == SPECIAL_ITEMS
    for item in SPECIAL_LIST:
        assert approval_threshold(item) is SPECIAL
    for item in ORDINARY_ITEMS:
        assert approval_threshold(item) is ORDINARY
    assert (QUORUM.share, QUORUM.strict) == (Fraction(2, 3), False)
    assert (SPECIAL.share, SPECIAL.strict) == (Fraction(3, 4), False)
    assert (ORDINARY.share, ORDINARY.strict) == (Fraction(1, 2), True)


# --- participation: ≥ 2/3 of the total area and of the total headcount ------------------------------------


@pytest.mark.parametrize(
    ("total", "part", "expected"),
    [
        # 2/3 of 9000.00 m² is 6000.00 m² exactly; 2/3 of 30 owners is 20 exactly
        (("9000.00", 30), ("6000.00", 20), (True, True)),
        (("9000.00", 30), ("5999.99", 20), (False, True)),
        (("9000.00", 30), ("6000.00", 19), (True, False)),
        (("9000.00", 30), ("5999.99", 19), (False, False)),
        (("9000.00", 30), ("6000.01", 21), (True, True)),
        (("9000.00", 30), ("9000.00", 30), (True, True)),
        # 2/3 of 10000.00 m² is 6666.666…: 6666.67 m² is the least that reaches it; 2/3 of 31 is 20.67: 21 owners
        (("10000.00", 31), ("6666.67", 21), (True, True)),
        (("10000.00", 31), ("6666.66", 20), (False, False)),
        # nobody took part
        (("9000.00", 30), ("0.00", 0), (False, False)),
    ],
)
@pytest.mark.parametrize("choice", ["yes", "no", "abstain"])
def test_participation_quorum_at_and_either_side_of_two_thirds(total, part, expected, choice):
    t = tally(Item.FUND_USE, total, **{choice: part})
    assert mets(t.quorum) == expected
    assert t.quorum_met is all(expected)
    assert t.participating == c(*part)
    if not all(expected):
        assert t.approved is False  # approval never rescues a failed quorum


# --- approval ------------------------------------------------------------------------------------------------

# total, yes, no, abstain, (approval by area met, by heads met); the quorum is met in every row
ORDINARY_ROWS = [
    # exactly half of 8000.00 m² / 20 owners is not "more than half"
    (("9000.00", 24), ("4000.00", 10), ("4000.00", 10), ("0.00", 0), (False, False)),
    (("9000.00", 24), ("4000.01", 11), ("3999.99", 9), ("0.00", 0), (True, True)),
    (("9000.00", 24), ("4000.01", 10), ("3999.99", 10), ("0.00", 0), (True, False)),
    (("9000.00", 24), ("4000.00", 11), ("4000.00", 9), ("0.00", 0), (False, True)),
    # an odd headcount: 21 taking part, half is 10.5
    (("9000.00", 24), ("4000.01", 11), ("3999.99", 10), ("0.00", 0), (True, True)),
    (("9000.00", 24), ("4000.01", 10), ("3999.99", 11), ("0.00", 0), (True, False)),
    # an area whose half is not a whole cent: half of 8000.01 is 4000.005
    (("9000.00", 24), ("4000.01", 11), ("4000.00", 9), ("0.00", 0), (True, True)),
    (("9000.00", 24), ("4000.00", 11), ("4000.01", 9), ("0.00", 0), (False, True)),
    # abstentions take part and count against approval: 5000.00 of 10000.01 m², 12 of 24 owners
    (("10500.00", 25), ("5000.00", 12), ("2000.00", 5), ("3000.01", 7), (False, False)),
    (("10500.00", 25), ("5000.00", 12), ("2000.00", 5), ("0.00", 0), (True, True)),  # the same without them
    (("9000.00", 24), ("4000.00", 10), ("0.00", 0), ("4000.00", 10), (False, False)),
    (("9000.00", 24), ("4000.01", 11), ("0.00", 0), ("3999.99", 9), (True, True)),
    # a few large owners agree, many small ones do not (and the reverse)
    (("9000.00", 24), ("6000.00", 2), ("2000.00", 18), ("0.00", 0), (True, False)),
    (("9000.00", 24), ("2000.00", 18), ("6000.00", 2), ("0.00", 0), (False, True)),
]

SPECIAL_ROWS = [
    # exactly 3/4 of 8000.00 m² / 20 owners is enough ("四分之三以上")
    (("9000.00", 24), ("6000.00", 15), ("2000.00", 5), ("0.00", 0), (True, True)),
    (("9000.00", 24), ("5999.99", 15), ("2000.01", 5), ("0.00", 0), (False, True)),
    (("9000.00", 24), ("6000.00", 14), ("2000.00", 6), ("0.00", 0), (True, False)),
    (("9000.00", 24), ("5999.99", 14), ("2000.01", 6), ("0.00", 0), (False, False)),
    (("9000.00", 24), ("6000.01", 16), ("1999.99", 4), ("0.00", 0), (True, True)),
    # 3/4 of 21 owners is 15.75: 16 are needed
    (("9000.00", 24), ("6000.00", 16), ("2000.00", 5), ("0.00", 0), (True, True)),
    (("9000.00", 24), ("6000.00", 15), ("2000.00", 6), ("0.00", 0), (True, False)),
    # abstentions count against approval: 6000.00 of 8000.01 m² is short of 6000.0075
    (("9000.00", 24), ("6000.00", 15), ("0.00", 0), ("2000.01", 5), (False, True)),
    (("9000.00", 24), ("6000.00", 15), ("0.00", 0), ("2000.00", 6), (True, False)),
    # a clear ordinary majority is not a special one
    (("9000.00", 24), ("5000.00", 14), ("3000.00", 6), ("0.00", 0), (False, False)),
]


@pytest.mark.parametrize("item", ORDINARY_ITEMS)
@pytest.mark.parametrize(("total", "yes", "no", "abstain", "expected"), ORDINARY_ROWS)
def test_ordinary_approval_needs_strictly_more_than_half_of_area_and_heads(item, total, yes, no, abstain, expected):
    t = tally(item, total, yes, no, abstain)
    assert t.quorum_met is True
    assert mets(t.approval) == expected
    assert t.approved is all(expected)
    assert t.as_dict()["approved"] is all(expected)


@pytest.mark.parametrize("item", SPECIAL_LIST)
@pytest.mark.parametrize(("total", "yes", "no", "abstain", "expected"), SPECIAL_ROWS)
def test_special_approval_needs_three_quarters_of_area_and_heads(item, total, yes, no, abstain, expected):
    t = tally(item, total, yes, no, abstain)
    assert t.quorum_met is True
    assert mets(t.approval) == expected
    assert t.approved is all(expected)


def test_the_same_votes_pass_an_ordinary_matter_and_fail_a_special_one():
    votes = (("9000.00", 24), ("5000.00", 14), ("3000.00", 6))
    assert tally(Item.FUND_USE, *votes).approved is True
    assert tally(Item.FUND_RAISE, *votes).approved is False


def test_approval_without_the_quorum_is_not_approval():
    t = tally(Item.FUND_USE, ("9000.00", 30), yes=("5999.99", 20))
    assert mets(t.approval) == (True, True)
    assert mets(t.quorum) == (False, True)
    assert t.approved is False


def test_zero_participants_meet_nothing():
    for item in (Item.FUND_USE, Item.REBUILD):
        t = tally(item, ("9000.00", 30))
        assert t.participating == Count()
        assert mets(t.quorum) == (False, False)
        assert mets(t.approval) == (False, False)
        assert (t.quorum_met, t.approved) == (False, False)
        assert [test.share for test in t.quorum + t.approval] == [Fraction(0)] * 4
    ordinary = tally(Item.FUND_USE, ("9000.00", 30))
    assert [t.needed for t in ordinary.approval] == [D("0.01"), 1]  # more than half of nothing
    assert [t.margin for t in ordinary.approval] == [D("-0.01"), -1]
    assert [t.needed for t in ordinary.quorum] == [D("6000.00"), 20]
    assert [t.margin for t in ordinary.quorum] == [D("-6000.00"), -20]


def test_a_test_not_met_is_always_short_by_something_even_with_nobody_taking_part():
    t = tally(Item.REBUILD, ("9000.00", 30))
    for test in t.approval:
        assert not test.met
        assert test.margin < 0
    with override("en"):
        lines = explain(t)
    assert not any(re.search(r"(?<![\d,.])0(\.00)? (m²|owners) short", line) for line in lines)


# --- silent consent: a second tally, approval only ----------------------------------------------------------


def test_deemed_votes_help_approval_but_never_the_quorum():
    # 5000.00 m² / 15 owners took part of 9000.00 m² / 30: short of the quorum (6000.00 m², 20 owners)
    t = tally(Item.FUND_USE, ("9000.00", 30), yes=("2000.00", 5), no=("3000.00", 10))
    deemed = t.with_deemed()
    assert deemed.deemed == c("4000.00", 15)
    assert (deemed.yes, deemed.no, deemed.abstain) == (t.yes, t.no, t.abstain)
    assert deemed.participating == t.participating == c("5000.00", 15)
    assert deemed.quorum == t.quorum
    assert mets(deemed.quorum) == (False, False)
    assert mets(t.approval) == (False, False)
    # 2000.00 + 4000.00 of 9000.00 m², 5 + 15 of 30 owners
    area, heads = deemed.approval
    assert (area.part, area.whole, heads.part, heads.whole) == (D("6000.00"), D("9000.00"), 20, 30)
    assert mets(deemed.approval) == (True, True)
    assert deemed.approved is False  # the quorum is still not met
    assert deemed.as_dict()["quorum"] == t.as_dict()["quorum"]
    assert deemed.as_dict()["deemed"] == {"area": "4000.00", "heads": 15}


def test_deemed_votes_can_carry_approval_once_the_quorum_is_met():
    # exactly 2/3 took part (6000.00 m², 20 owners); 2500.00 m² / 8 owners agreed
    votes = (("9000.00", 30), ("2500.00", 8), ("3500.00", 12))
    t = tally(Item.FUND_USE, *votes)
    assert t.quorum_met is True
    assert t.approved is False
    deemed = t.with_deemed()
    assert deemed.deemed == c("3000.00", 10)
    area, heads = deemed.approval
    assert (area.part, area.whole, heads.part, heads.whole) == (D("5500.00"), D("9000.00"), 18, 30)
    assert deemed.approved is True
    # a special matter needs 3/4 even with the deemed votes: 5500.00 of 9000.00 m² is 61.11%
    special = tally(Item.COMMON_USE, *votes).with_deemed()
    assert mets(special.approval) == (False, False)
    assert special.approved is False


def test_deemed_votes_are_everyone_who_did_not_vote():
    t = tally(Item.OTHER, ("9000.00", 30), yes=("6000.00", 20), no=("3000.00", 10))
    assert t.with_deemed().deemed == Count(D("0.00"), 0)
    assert t.with_deemed().approval == t.approval
    assert t.deemed == Count()  # the plain tally has none


# --- needed, margin, percent ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "part", "whole", "threshold", "needed", "margin"),
    [
        ("area", "6666.67", "10000.00", QUORUM, "6666.67", "0.00"),
        ("area", "6666.66", "10000.00", QUORUM, "6666.67", "-0.01"),
        ("area", "7000.00", "10000.00", QUORUM, "6666.67", "333.33"),
        ("area", "6000.00", "9000.00", QUORUM, "6000.00", "0.00"),
        ("heads", 20, 31, QUORUM, 21, -1),
        ("heads", 21, 31, QUORUM, 21, 0),
        ("heads", 20, 30, QUORUM, 20, 0),
        ("area", "4000.00", "8000.00", ORDINARY, "4000.01", "-0.01"),
        ("area", "4000.01", "8000.00", ORDINARY, "4000.01", "0.00"),
        ("area", "4000.01", "8000.01", ORDINARY, "4000.01", "0.00"),
        ("area", "4000.00", "8000.01", ORDINARY, "4000.01", "-0.01"),
        ("area", "0.01", "0.01", ORDINARY, "0.01", "0.00"),
        ("area", "0.01", "0.02", ORDINARY, "0.02", "-0.01"),
        ("heads", 10, 20, ORDINARY, 11, -1),
        ("heads", 11, 21, ORDINARY, 11, 0),
        ("heads", 1, 1, ORDINARY, 1, 0),
        ("heads", 0, 1, ORDINARY, 1, -1),
        ("area", "6000.00", "8000.00", SPECIAL, "6000.00", "0.00"),
        ("area", "5999.99", "8000.00", SPECIAL, "6000.00", "-0.01"),
        ("area", "0.03", "0.03", SPECIAL, "0.03", "0.00"),  # 3/4 of 0.03 is 0.0225
        ("area", "0.02", "0.03", SPECIAL, "0.03", "-0.01"),
        ("heads", 15, 21, SPECIAL, 16, -1),
        ("heads", 16, 21, SPECIAL, 16, 0),
        ("heads", 1, 1, SPECIAL, 1, 0),
    ],
)
def test_needed_is_the_least_amount_that_meets_and_margin_the_distance_to_it(measure, part, whole, threshold, needed, margin):
    if measure == "area":
        part, whole, needed, margin = D(part), D(whole), D(needed), D(margin)
    test = Check(measure, part, whole, threshold)
    assert test.needed == needed
    assert test.margin == margin
    assert test.met is (margin >= 0)
    if measure == "area":
        assert isinstance(test.needed, Decimal)
        shown = test.as_dict()
        assert (shown["needed"], shown["margin"], shown["part"], shown["whole"]) == (
            f"{needed:.2f}",
            f"{margin:.2f}",
            f"{part:.2f}",
            f"{whole:.2f}",
        )
    else:
        assert type(test.needed) is int
        assert test.as_dict()["needed"] == needed


def test_quorum_of_ten_thousand_square_metres_needs_6666_67():
    area, heads = tally(Item.FUND_USE, ("10000.00", 300)).quorum
    assert area.needed == D("6666.67")
    assert heads.needed == 200
    assert area.as_dict() == {
        "measure": "area",
        "part": "0.00",
        "whole": "10000.00",
        "threshold": "2/3",
        "strict": False,
        "needed": "6666.67",
        "met": False,
        "margin": "-6666.67",
    }


@pytest.mark.parametrize(
    ("share", "shown"),
    [
        (Fraction(2, 3), "66.66%"),
        (Fraction(666666, 1000000), "66.66%"),
        (Fraction(1, 3), "33.33%"),
        (Fraction(5, 6), "83.33%"),
        (Fraction(1, 2), "50.00%"),
        (Fraction(3, 4), "75.00%"),
        (Fraction(1, 8), "12.50%"),
        (Fraction(2, 300), "0.66%"),
        (Fraction(99999, 100000), "99.99%"),
        (Fraction(1), "100.00%"),
        (Fraction(0), "0.00%"),
        (Fraction(20, 31), "64.51%"),
    ],
)
def test_percent_never_rounds_up(share, shown):
    assert percent(share) == shown


def test_explain_says_which_test_is_short_and_by_how_much():
    # 6666.66 of 10000.00 m² and 20 of 31 owners took part; 4000.00 m² / 12 owners agreed
    t = tally(Item.FUND_USE, ("10000.00", 31), yes=("4000.00", 12), no=("2666.66", 8))
    with override("en"):
        lines = explain(t)
    assert lines == [
        "Participation by area: 6,666.66 m² of 10,000.00 m² (66.66%), needs at least 2/3 of all owners, "
        "that is 6,666.67 m²: not met, 0.01 m² short.",
        "Participation by headcount: 20 owners of 31 owners (64.51%), needs at least 2/3 of all owners, "
        "that is 21 owners: not met, 1 owner short.",
        "Approval by area: 4,000.00 m² of 6,666.66 m² (60.00%), needs more than 1/2 of those taking part, "
        "that is 3,333.34 m²: met, with 666.66 m² to spare.",
        "Approval by headcount: 12 owners of 20 owners (60.00%), needs more than 1/2 of those taking part, "
        "that is 11 owners: met, with 1 owner to spare.",
    ]


def test_explain_at_exactly_the_bounds_of_a_special_matter():
    t = tally(Item.REBUILD, ("9000.00", 30), yes=("4500.00", 15), no=("1500.00", 5))
    assert t.approved is True
    with override("en"):
        lines = explain(t)
    assert lines == [
        "Participation by area: 6,000.00 m² of 9,000.00 m² (66.66%), needs at least 2/3 of all owners, "
        "that is 6,000.00 m²: met, with 0.00 m² to spare.",
        "Participation by headcount: 20 owners of 30 owners (66.66%), needs at least 2/3 of all owners, "
        "that is 20 owners: met, with 0 owners to spare.",
        "Approval by area: 4,500.00 m² of 6,000.00 m² (75.00%), needs at least 3/4 of those taking part, "
        "that is 4,500.00 m²: met, with 0.00 m² to spare.",
        "Approval by headcount: 15 owners of 20 owners (75.00%), needs at least 3/4 of those taking part, "
        "that is 15 owners: met, with 0 owners to spare.",
    ]


def test_explain_of_an_exact_half_says_short_by_one_cent_and_one_owner():
    t = tally(Item.MANAGER, ("9000.00", 24), yes=("4000.00", 10), no=("4000.00", 10))
    with override("en"):
        approval = explain(t)[2:]
    assert approval == [
        "Approval by area: 4,000.00 m² of 8,000.00 m² (50.00%), needs more than 1/2 of those taking part, "
        "that is 4,000.01 m²: not met, 0.01 m² short.",
        "Approval by headcount: 10 owners of 20 owners (50.00%), needs more than 1/2 of those taking part, "
        "that is 11 owners: not met, 1 owner short.",
    ]


# --- property: the tally equals a brute-force count ----------------------------------------------------------

CHOICES = ["yes", "no", "abstain", None]  # None: did not vote


def brute_force(item: str, voters: list[tuple[int, int, str | None]]) -> dict:
    """Civil Code Art 278(2) written out again, on Fractions, with nothing from ``votes.rules``.
    ``voters``: (area in cents, heads, choice or None)."""
    special = item in (Item.FUND_RAISE, Item.REBUILD, Item.COMMON_USE)
    a_total = sum(Fraction(a, 100) for a, _h, _ch in voters)
    n_total = sum(h for _a, h, _ch in voters)
    a = {ch: sum((Fraction(x, 100) for x, _h, y in voters if y == ch), Fraction(0)) for ch in CHOICES}
    n = {ch: sum(h for _x, h, y in voters if y == ch) for ch in CHOICES}
    a_part, n_part = a["yes"] + a["no"] + a["abstain"], n["yes"] + n["no"] + n["abstain"]

    def approves(yes_area, base_area, yes_heads, base_heads):
        if special:
            area = base_area > 0 and 4 * yes_area >= 3 * base_area
            heads = base_heads > 0 and 4 * yes_heads >= 3 * base_heads
        else:
            area = 2 * yes_area > base_area
            heads = 2 * yes_heads > base_heads
        return area, heads

    quorum = (a_total > 0 and 3 * a_part >= 2 * a_total, n_total > 0 and 3 * n_part >= 2 * n_total)
    approval = approves(a["yes"], a_part, n["yes"], n_part)
    deemed_approval = approves(a["yes"] + a[None], a_total, n["yes"] + n[None], n_total)
    return {
        "area": a,
        "heads": n,
        "total": (a_total, n_total),
        "quorum": quorum,
        "approval": approval,
        "approved": all(quorum) and all(approval),
        "deemed_approval": deemed_approval,
        "deemed_approved": all(quorum) and all(deemed_approval),
    }


def check_against_brute_force(t, item, voters):
    expected = brute_force(item, voters)
    assert (Fraction(t.total.area), t.total.heads) == expected["total"]
    for name in ("yes", "no", "abstain"):
        weight = getattr(t, name)
        assert (Fraction(weight.area), weight.heads) == (expected["area"][name], expected["heads"][name])
    assert mets(t.quorum) == expected["quorum"]
    assert mets(t.approval) == expected["approval"]
    assert t.quorum_met is all(expected["quorum"])
    assert t.approved is expected["approved"]
    deemed = t.with_deemed()
    assert (Fraction(deemed.deemed.area), deemed.deemed.heads) == (expected["area"][None], expected["heads"][None])
    assert mets(deemed.quorum) == expected["quorum"]
    assert mets(deemed.approval) == expected["deemed_approval"]
    assert deemed.approved is expected["deemed_approved"]


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def brute_needed(measure: str, whole, threshold) -> Fraction:
    """The least amount meeting ``threshold`` of ``whole``, by integer arithmetic in cents or heads."""
    units = int(whole * 100) if measure == "area" else whole
    n, d = threshold.share.numerator, threshold.share.denominator
    least = units * n // d + 1 if threshold.strict else ceil_div(units * n, d)
    least = max(least, 1) if units == 0 else least  # nothing to take a share of: one step short at least
    return Fraction(least, 100) if measure == "area" else Fraction(least)


voter_rows = st.tuples(
    st.one_of(st.integers(1, 5), st.integers(1, 30000), st.integers(1, 10_000_000)),
    st.just(1),
    st.sampled_from(CHOICES),
)


@settings(max_examples=400, deadline=None)
@given(item=st.sampled_from(list(Item)), voters=st.lists(voter_rows, min_size=1, max_size=40))
def test_tally_equals_a_brute_force_count(item, voters):
    weights: dict[str, Count] = {}
    for cents, heads, choice in voters:
        if choice is not None:
            weights[choice] = weights.get(choice, Count()) + Count(D(cents) / 100, heads)
    total = Count(sum((D(cents) / 100 for cents, _h, _ch in voters), D("0.00")), sum(h for _c, h, _ch in voters))
    t = count(item, total, weights)
    check_against_brute_force(t, item, voters)
    for test in t.quorum + t.approval:
        assert Fraction(test.needed) == brute_needed(test.measure, test.whole, test.threshold)
        assert test.margin == test.part - test.needed
        if test.whole > 0:
            assert test.met is (test.margin >= 0)
            assert test.share == Fraction(test.part) / Fraction(test.whole)


@settings(max_examples=400, deadline=None)
@given(
    whole_cents=st.integers(1, 10**9),
    threshold=st.sampled_from([QUORUM, SPECIAL, ORDINARY]),
    offset=st.integers(-2, 2),
)
def test_needed_is_the_boundary_in_cents_and_in_heads(whole_cents, threshold, offset):
    for measure, whole, step in (("area", D(whole_cents) / 100, D("0.01")), ("heads", whole_cents, 1)):
        needed = Check(measure, 0, whole, threshold).needed
        part = needed + offset * step
        if part < 0:
            continue
        test = Check(measure, part, whole, threshold)
        assert test.met is (offset >= 0)
        exact = Fraction(part) / Fraction(whole)
        assert test.met is (exact > threshold.share if threshold.strict else exact >= threshold.share)


@settings(max_examples=300, deadline=None)
@given(part=st.integers(0, 10**7), extra=st.integers(0, 10**7))
def test_percent_is_the_share_rounded_down_to_a_hundredth_of_a_percent(part, extra):
    whole = part + extra
    if whole == 0:
        return
    shown = percent(Fraction(part, whole))
    hundredths = part * 10000 // whole
    assert shown == f"{hundredths // 100}.{hundredths % 100:02d}%"
    assert Fraction(shown[:-1]) * whole <= part * 100


# --- property: through the database -------------------------------------------------------------------------

DEVELOPER = ("unsold", "undelivered")


@st.composite
def electorates(draw):
    """Units (area in cents, kind, building, holder) and ballots (voter index, choice). A holder is a
    set of person indexes (a sole owner, co-owners), ``unsold``/``undelivered`` (the developer; an
    undelivered part may carry its buyer's ownership row), or ``None`` (owner not recorded)."""
    people = draw(st.integers(2, 5))
    holder = st.one_of(
        st.frozensets(st.integers(0, people - 1), min_size=1, max_size=2),
        st.frozensets(st.integers(0, people - 1), min_size=1, max_size=1),
        st.sampled_from(DEVELOPER),
        st.none(),
    )
    units = draw(
        st.lists(
            st.tuples(
                st.one_of(st.integers(1, 300), st.integers(1000, 30000)),
                st.sampled_from([Unit.Kind.HOME, Unit.Kind.PARKING, Unit.Kind.STORAGE, Unit.Kind.SHOP]),
                st.integers(0, 1),
                holder,
                st.sampled_from(Ownership.Status.values),
                st.integers(0, people - 1),  # the buyer of an undelivered part
            ),
            min_size=1,
            max_size=7,
        )
    )
    ballots = draw(st.lists(st.tuples(st.integers(0, 50), st.sampled_from(Choice.values)), max_size=14))
    return {"people": people, "units": units, "ballots": ballots, "secret": draw(st.booleans())}


def expected_groups(units, unit_rows):
    """The voters as SPC interpretation Art 9 says, from the test's own data: key → [unit rows]."""
    groups: dict = {}
    for spec, row in zip(units, unit_rows, strict=True):
        _cents, _kind, _building, holder, _status, _buyer = spec
        if holder in DEVELOPER:
            key = ("developer",)
        elif holder is None:
            key = ("unrecorded", row.pk)
        else:
            key = ("owners", holder)
        groups.setdefault(key, []).append(row)
    return groups


class Rollback(Exception):
    pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=electorates())
def test_the_database_tally_the_log_recount_and_a_brute_force_count_agree(world, data):
    try:
        with transaction.atomic():
            run_random_vote(world, data)
            raise Rollback
    except Rollback:
        pass


def run_random_vote(world, data):
    compound = Place.objects.create(
        kind=Place.Kind.COMPOUND, name="随机小区", parent=world.community, management=Place.Management.PROPERTY_COMPANY
    )
    buildings = [Place.objects.create(kind=Place.Kind.BUILDING, name=f"{n}栋", parent=compound) for n in (1, 2)]
    people = [make_person(f"业主{i}", f"135000{i:05d}") for i in range(data["people"])]
    rows = []
    for i, (cents, kind, building, holder, status, buyer) in enumerate(data["units"]):
        unit = Unit.objects.create(
            building=buildings[building],
            label=f"{i + 1:03d}",
            kind=kind,
            area=D(cents) / 100,
            area_source=Unit.AreaSource.REGISTER,
            developer_holding=holder if holder in DEVELOPER else "",
        )
        if holder == "undelivered":
            Ownership.objects.create(unit=unit, person=people[buyer], status=status)
        elif holder not in DEVELOPER and holder is not None:
            for p in holder:
                Ownership.objects.create(unit=unit, person=people[p], status=status)
        rows.append(unit)
    groups = expected_groups(data["units"], rows)

    now = timezone.now()
    matter = actions.create_matter(
        by=world.community_staff,
        scope=compound,
        item=Item.COMMON_USE if data["secret"] else Item.FUND_USE,
        title="随机表决",
        description="随机",
        opens_at=now + timedelta(days=17),
        closes_at=now + timedelta(days=27),
        secret=data["secret"],
    )
    actions.send_notice(matter, by=world.community_staff, version=None)
    matter.refresh_from_db()
    matter = actions.open_voting(matter, now=matter.opens_at)

    # the roll
    all_area = sum((u.area for u in rows), D("0.00"))
    assert (matter.total_area, matter.total_heads) == (all_area, len(groups))
    assert Voter.objects.filter(matter=matter).count() == len(groups)
    voters = []
    for key, parts in groups.items():
        voter = Voter.objects.get(matter=matter, units__unit=parts[0])
        assert voter.kind == key[0]
        assert voter.heads == 1
        assert voter.area == sum((u.area for u in parts), D("0.00"))
        assert set(VoterUnit.objects.filter(voter=voter).values_list("unit_id", flat=True)) == {u.pk for u in parts}
        members = {people[p].pk for p in key[1]} if key[0] == "owners" else set()
        assert set(VoterMember.objects.filter(voter=voter).values_list("person_id", flat=True)) == members
        voters.append((key, voter))

    # the ballots: the designated owner online, co-owners after a manager's designation, paper for the rest
    final: dict[int, str] = {}
    cast = 0
    for n, (index, choice) in enumerate(data["ballots"]):
        key, voter = voters[index % len(voters)]
        at = matter.opens_at + timedelta(minutes=n + 1)
        if key[0] == "owners":
            owners = sorted(people[p].pk for p in key[1])
            if voter.designated_id is None:
                actions.designate(matter, voter=voter, person=people[sorted(key[1])[0]], by=world.community_staff)
            assert voter.designated_id in owners
            actions.cast_ballot(matter, voter=voter, choice=choice, by=voter.designated, now=at)
        else:
            actions.enter_paper_ballot(matter, voter=voter, sheet=f"S-{n}", choice=choice, by=world.community_staff, now=at)
            actions.enter_paper_ballot(matter, voter=voter, sheet=f"S-{n}", choice=choice, by=world.admin, now=at)
        final[voter.pk] = choice
        cast += 1

    # an independent count from what the test wrote
    by_pk = {voter.pk: parts for (key, voter), parts in zip(voters, groups.values(), strict=True)}
    brute_voters = []
    for pk, parts in by_pk.items():
        cents = sum(int(u.area * 100) for u in parts)
        brute_voters.append((cents, 1, final.get(pk)))

    current = ledger.current_tally(matter)
    entries = list(LogEntry.objects.filter(matter=matter).order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, cast + 2))
    assert sum(e.kind == LogEntry.Kind.BALLOT for e in entries) == cast
    recounted = ledger.recount(matter, entries)
    assert current.as_dict() == recounted.as_dict()
    check_against_brute_force(current, matter.item, brute_voters)
    matter.refresh_from_db()
    assert (matter.log_length, matter.log_head) == (entries[-1].seq, entries[-1].hash)
    check = ledger.verify(matter)
    assert check.problems == []
    assert check.tally.as_dict() == current.as_dict()
    for pk, choice in final.items():
        assert actions.my_choice(Voter.objects.get(pk=pk)) == choice
