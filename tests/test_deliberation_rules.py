"""Meeting rules (deliberation/rules.py): majorities, the 居民会议 (组织法 Arts 9–10), the speaking queue."""

import json
from fractions import Fraction

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from deliberation.rules import (
    RESIDENTS_MEETING_RULES,
    MajorityRule,
    ResidentsMeetingKind,
    RuleSet,
    SpeakingQueue,
    SpeakingRefused,
    Stance,
    must_call_residents_meeting,
    residents_meeting_decision,
    residents_meeting_quorum,
    tally,
)

SIMPLE = RuleSet()
TWO_THIRDS = RuleSet(majority=MajorityRule.TWO_THIRDS)
ABSOLUTE = RuleSet(majority=MajorityRule.ABSOLUTE_OF_PRESENT)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- RuleSet -------------------------------------------------------------------------------------


def test_rule_set_defaults_are_the_robert_rules_examples():
    assert RuleSet() == RuleSet(speech_seconds=120, speeches_per_motion=2, majority="simple", abstentions_count=False)
    assert RuleSet().majority is MajorityRule.SIMPLE


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"speech_seconds": 0}, ValueError),
        ({"speech_seconds": -5}, ValueError),
        ({"speeches_per_motion": 0}, ValueError),
        ({"speeches_per_motion": 1.5}, TypeError),
        ({"speeches_per_motion": True}, TypeError),
        ({"majority": "plurality"}, ValueError),
        ({"abstentions_count": "yes"}, TypeError),
    ],
)
def test_rule_set_refuses_nonsense(kwargs, error):
    with pytest.raises(error):
        RuleSet(**kwargs)


def test_rule_set_round_trips_through_a_dict():
    rule_set = RuleSet(speech_seconds=90, speeches_per_motion=3, majority=MajorityRule.TWO_THIRDS, abstentions_count=True)
    assert RuleSet.from_dict(json.loads(json.dumps(rule_set.to_dict()))) == rule_set


def test_residents_meeting_uses_more_than_half_of_those_present():
    assert RESIDENTS_MEETING_RULES.majority is MajorityRule.ABSOLUTE_OF_PRESENT


# --- tally: examples -----------------------------------------------------------------------------


def test_simple_majority_a_tie_fails():
    outcome = tally(SIMPLE, yes=10, no=10, abstain=0, present=20)
    assert not outcome.passed
    assert outcome.threshold == 10 and outcome.strict
    assert "tie fails" in outcome.reason and outcome.reason.startswith("Not carried.")


def test_simple_majority_one_more_yes_than_no_passes_and_abstentions_are_not_counted():
    outcome = tally(SIMPLE, yes=11, no=10, abstain=30, present=60)
    assert outcome.passed
    assert outcome.base == 21
    assert outcome.threshold == Fraction(21, 2)
    assert outcome.reason.startswith("Carried.") and "10 1/2" not in outcome.reason


def test_counting_abstentions_can_sink_a_simple_majority():
    counting = RuleSet(abstentions_count=True)
    outcome = tally(counting, yes=11, no=10, abstain=2, present=23)
    assert not outcome.passed
    assert outcome.base == 23 and outcome.threshold == Fraction(23, 2)
    assert "11 1/2" in outcome.reason


def test_absolute_majority_of_present_counts_silence_as_no():
    assert not tally(ABSOLUTE, yes=10, no=0, abstain=5, present=20).passed
    assert tally(ABSOLUTE, yes=11, no=0, abstain=0, present=20).passed
    assert not tally(ABSOLUTE, yes=10, no=9, abstain=0, present=21).passed  # 10 is not more than 10 1/2


def test_two_thirds_is_inclusive_and_of_votes_cast():
    assert tally(TWO_THIRDS, yes=20, no=10, abstain=50, present=80).passed  # exactly 2/3
    assert not tally(TWO_THIRDS, yes=19, no=10, abstain=50, present=80).passed
    assert not tally(RuleSet(majority="two_thirds", abstentions_count=True), yes=20, no=10, abstain=1, present=31).passed


@pytest.mark.parametrize("rule", list(MajorityRule))
def test_nothing_is_carried_when_nobody_votes(rule):
    outcome = tally(RuleSet(majority=rule), yes=0, no=0, abstain=0, present=0)
    assert not outcome.passed
    assert outcome.base == 0


@pytest.mark.parametrize(
    "counts",
    [
        {"yes": -1, "no": 0, "abstain": 0, "present": 5},
        {"yes": 0, "no": -1, "abstain": 0, "present": 5},
        {"yes": 0, "no": 0, "abstain": -1, "present": 5},
        {"yes": 0, "no": 0, "abstain": 0, "present": -1},
        {"yes": 3, "no": 2, "abstain": 1, "present": 5},
    ],
)
def test_tally_refuses_impossible_counts(counts):
    with pytest.raises(ValueError):
        tally(SIMPLE, **counts)


def test_tally_refuses_fractional_votes():
    with pytest.raises(TypeError):
        tally(SIMPLE, yes=1.5, no=0, abstain=0, present=2)


# --- tally: properties ---------------------------------------------------------------------------

rule_sets = st.builds(RuleSet, majority=st.sampled_from(list(MajorityRule)), abstentions_count=st.booleans())


@st.composite
def votes(draw):
    yes, no, abstain = draw(st.integers(0, 200)), draw(st.integers(0, 200)), draw(st.integers(0, 200))
    present = yes + no + abstain + draw(st.integers(0, 200))
    return {"yes": yes, "no": no, "abstain": abstain, "present": present}


@given(rule_set=rule_sets, counts=votes())
def test_outcome_is_exactly_the_threshold_comparison(rule_set, counts):
    outcome = tally(rule_set, **counts)
    assert isinstance(outcome.threshold, Fraction)
    assert outcome.threshold == outcome.share * outcome.base
    reaches = counts["yes"] > outcome.threshold if outcome.strict else counts["yes"] >= outcome.threshold
    assert outcome.passed == (outcome.base > 0 and reaches)


@given(counts=votes(), other_abstain=st.integers(0, 200))
def test_simple_majority_never_depends_on_abstentions_when_they_do_not_count(counts, other_abstain):
    changed = dict(counts, abstain=other_abstain, present=counts["present"] + other_abstain)
    assert tally(SIMPLE, **counts).passed == tally(SIMPLE, **changed).passed
    assert tally(SIMPLE, **counts).passed == (counts["yes"] > counts["no"])


@given(rule_set=rule_sets, counts=votes())
def test_one_more_yes_never_turns_a_pass_into_a_fail(rule_set, counts):
    before = tally(rule_set, **counts).passed
    # a newcomer votes yes
    assert tally(rule_set, **dict(counts, yes=counts["yes"] + 1, present=counts["present"] + 1)).passed >= before
    # someone present but silent votes yes
    if counts["yes"] + counts["no"] + counts["abstain"] < counts["present"]:
        assert tally(rule_set, **dict(counts, yes=counts["yes"] + 1)).passed >= before
    # someone switches from no to yes
    if counts["no"]:
        assert tally(rule_set, **dict(counts, yes=counts["yes"] + 1, no=counts["no"] - 1)).passed >= before


@given(counts=votes())
def test_absolute_majority_agrees_with_the_residents_meeting_decision(counts):
    assert tally(ABSOLUTE, **counts).passed == residents_meeting_decision(present=counts["present"], yes=counts["yes"])


# --- 居民会议 (组织法 Arts 9–10) ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ResidentsMeetingKind))
def test_quorum_exactly_half_is_not_enough_half_plus_one_is(kind):
    assert not residents_meeting_quorum(kind=kind, eligible=400, present=200)
    assert residents_meeting_quorum(kind=kind, eligible=400, present=201)
    assert residents_meeting_quorum(kind=kind, eligible=401, present=201)
    assert not residents_meeting_quorum(kind=kind, eligible=401, present=200)
    assert not residents_meeting_quorum(kind=kind, eligible=0, present=0)


def test_quorum_refuses_unknown_kinds_and_impossible_counts():
    with pytest.raises(ValueError):
        residents_meeting_quorum(kind="owners", eligible=10, present=6)
    with pytest.raises(ValueError):
        residents_meeting_quorum(kind="adults", eligible=10, present=11)
    with pytest.raises(ValueError):
        residents_meeting_quorum(kind="adults", eligible=-1, present=0)


def test_decision_needs_more_than_half_of_those_present():
    assert not residents_meeting_decision(present=100, yes=50)
    assert residents_meeting_decision(present=100, yes=51)
    assert not residents_meeting_decision(present=0, yes=0)
    with pytest.raises(ValueError):
        residents_meeting_decision(present=10, yes=11)


def _call(**overrides):
    counts = {
        "adults": 1000,
        "adults_requesting": 0,
        "households": 400,
        "households_requesting": 0,
        "groups": 9,
        "groups_requesting": 0,
    }
    return must_call_residents_meeting(**(counts | overrides))


def test_art_10_thresholds_are_inclusive():
    assert not _call()
    assert _call(adults_requesting=200)  # exactly 1/5
    assert not _call(adults_requesting=199)
    assert _call(households_requesting=80)  # exactly 1/5
    assert not _call(households_requesting=79)
    assert _call(groups_requesting=3)  # exactly 1/3
    assert not _call(groups_requesting=2)
    assert _call(adults_requesting=1, households_requesting=1, groups_requesting=3)  # any one route suffices


def test_art_10_uneven_totals_round_up():
    assert not _call(adults=1001, adults_requesting=200)  # 1/5 of 1001 is 200 1/5
    assert _call(adults=1001, adults_requesting=201)
    assert not _call(groups=10, groups_requesting=3)  # 1/3 of 10 is 3 1/3
    assert _call(groups=10, groups_requesting=4)


def test_art_10_empty_routes_do_not_trigger_and_impossible_counts_are_refused():
    assert not _call(adults=0, households=0, groups=0)
    with pytest.raises(ValueError):
        _call(groups_requesting=10)
    with pytest.raises(ValueError):
        _call(adults_requesting=-1)


# --- speaking queue: examples --------------------------------------------------------------------


def test_first_come_first_served():
    queue = SpeakingQueue(SIMPLE)
    for person in ("a", "b", "c"):
        queue.raise_hand(person, "m1")
    assert queue.next_speaker("m1") == "a"
    assert queue.waiting("m1") == ["a", "b", "c"]
    assert queue.next_speaker("m2") is None


def test_those_who_have_not_spoken_come_before_those_who_have():
    queue = SpeakingQueue(SIMPLE)
    queue.record_speech("a", "m1")
    queue.raise_hand("a", "m1")
    queue.raise_hand("b", "m1")
    assert queue.next_speaker("m1") == "b"
    queue.record_speech("b", "m1")
    assert queue.next_speaker("m1") == "a"


def test_speech_limit_is_per_motion_and_refuses_with_a_reason():
    queue = SpeakingQueue(SIMPLE)
    queue.record_speech(7, "m1")
    queue.record_speech(7, "m1")
    with pytest.raises(SpeakingRefused, match="already spoken 2 times"):
        queue.raise_hand(7, "m1")
    with pytest.raises(SpeakingRefused):
        queue.record_speech(7, "m1")
    queue.raise_hand(7, "m2")  # a new motion, a fresh allowance
    assert queue.speeches(7, "m1") == 2 and queue.speeches(7, "m2") == 0


def test_one_hand_at_a_time():
    queue = SpeakingQueue(SIMPLE)
    queue.raise_hand("a", "m1")
    with pytest.raises(SpeakingRefused, match="already waiting"):
        queue.raise_hand("a", "m1")
    queue.lower_hand("a", "m1")
    assert queue.next_speaker("m1") is None


def test_it_prefers_alternating_pro_and_con_within_the_same_tier():
    queue = SpeakingQueue(SIMPLE)
    queue.raise_hand("p1", "m", Stance.PRO)
    queue.raise_hand("p2", "m", "pro")
    queue.raise_hand("c1", "m", Stance.CON)
    queue.raise_hand("n", "m")
    assert queue.next_speaker("m") == "p1"  # no speech yet: first come
    queue.record_speech("p1", "m")
    assert queue.next_speaker("m") == "c1"  # p2 is earlier but also for
    assert queue.waiting("m") == ["c1", "p2", "n"]


def test_alternating_never_overrides_first_time_speakers():
    queue = SpeakingQueue(SIMPLE)
    queue.record_speech("c1", "m", Stance.CON)
    queue.record_speech("p1", "m", Stance.PRO)
    queue.raise_hand("c1", "m", Stance.CON)
    queue.raise_hand("p2", "m", Stance.PRO)
    assert queue.next_speaker("m") == "p2"


def test_queue_survives_json():
    queue = SpeakingQueue(RuleSet(speeches_per_motion=3))
    queue.raise_hand(1, 10, Stance.PRO)
    queue.record_speech(1, 10)
    queue.raise_hand(2, 10, Stance.PRO)
    queue.raise_hand(3, 10, Stance.CON)
    queue.raise_hand(1, 10)
    restored = SpeakingQueue.from_dict(json.loads(json.dumps(queue.to_dict())))
    assert restored.to_dict() == queue.to_dict()
    assert restored.rule_set.speeches_per_motion == 3
    assert restored.waiting(10) == queue.waiting(10) == [3, 2, 1]
    assert restored.speeches(1, 10) == 1


def test_from_dict_refuses_unknown_versions():
    with pytest.raises(ValueError):
        SpeakingQueue.from_dict({"version": 99})


# --- speaking queue: properties ------------------------------------------------------------------

PEOPLE = ["a", "b", "c", "d"]
MOTIONS = [1, 2]


class SpeakingQueueMachine(RuleBasedStateMachine):
    """Random chairs: hands go up and down, speeches happen in queue order or out of it."""

    def __init__(self):
        super().__init__()
        self.limit = 2
        self.queue = SpeakingQueue(RuleSet(speeches_per_motion=self.limit))
        self.spoken = {}

    @rule(person=st.sampled_from(PEOPLE), motion=st.sampled_from(MOTIONS), stance=st.sampled_from([None, "pro", "con"]))
    def raise_hand(self, person, motion, stance):
        already = person in self.queue.waiting(motion)
        used_up = self.spoken.get((person, motion), 0) >= self.limit
        try:
            self.queue.raise_hand(person, motion, stance)
        except SpeakingRefused:
            assert already or used_up
        else:
            assert not (already or used_up)

    @rule(person=st.sampled_from(PEOPLE), motion=st.sampled_from(MOTIONS))
    def lower_hand(self, person, motion):
        self.queue.lower_hand(person, motion)

    @precondition(lambda self: any(self.queue.next_speaker(m) is not None for m in MOTIONS))
    @rule(motion=st.sampled_from(MOTIONS))
    def call_next(self, motion):
        person = self.queue.next_speaker(motion)
        if person is None:
            return
        waiting = self.queue.waiting(motion)
        assert waiting[0] == person
        if self.spoken.get((person, motion), 0) > 0:
            assert all(self.spoken.get((other, motion), 0) > 0 for other in waiting)
        self.queue.record_speech(person, motion)
        self.spoken[(person, motion)] = self.spoken.get((person, motion), 0) + 1

    @rule(person=st.sampled_from(PEOPLE), motion=st.sampled_from(MOTIONS))
    def out_of_turn(self, person, motion):
        try:
            self.queue.record_speech(person, motion)
        except SpeakingRefused:
            assert self.spoken.get((person, motion), 0) >= self.limit
        else:
            self.spoken[(person, motion)] = self.spoken.get((person, motion), 0) + 1

    @rule()
    def round_trip(self):
        self.queue = SpeakingQueue.from_dict(json.loads(json.dumps(self.queue.to_dict())))

    @invariant()
    def nobody_exceeds_the_limit(self):
        for (person, motion), count in self.spoken.items():
            assert count <= self.limit
            assert self.queue.speeches(person, motion) == count

    @invariant()
    def first_time_speakers_come_first(self):
        for motion in MOTIONS:
            tiers = [self.spoken.get((person, motion), 0) > 0 for person in self.queue.waiting(motion)]
            assert tiers == sorted(tiers)


SpeakingQueueMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
test_speaking_queue_machine = SpeakingQueueMachine.TestCase
