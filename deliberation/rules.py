"""Meeting rules as plain, exact functions: majorities, the residents' meeting, the speaking queue.

No models and no database: later models and actions call these. All arithmetic is on integers and
`fractions.Fraction`, never floats, so "more than half" and "at least two thirds" are exact.

Sources (see docs DOMAIN-RULES §4.2 and §4.3):
- 《城市居民委员会组织法》(2018) Arts 9–10 [V]: quorum and decisions of the 居民会议, and when it must be called.
- Robert's Rules as adapted by 袁天鹏 / the 南塘 experiment [P, principle 12 partly U]: speaking time and count
  limits, first-time speakers first, alternating pro and con, majority decision (a tie fails, abstentions not counted).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from fractions import Fraction
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HALF = Fraction(1, 2)
TWO_THIRDS = Fraction(2, 3)
ONE_FIFTH = Fraction(1, 5)
ONE_THIRD = Fraction(1, 3)


def _check_count(name: str, value: int) -> None:
    # bool is an int subclass; True votes are a bug, not a count.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative (got {value})")


def _check_part(part_name: str, part: int, whole_name: str, whole: int) -> None:
    _check_count(part_name, part)
    _check_count(whole_name, whole)
    if part > whole:
        raise ValueError(f"{part_name} ({part}) cannot exceed {whole_name} ({whole})")


def _fmt(value: Fraction) -> str:
    """An exact, readable number: 3, 7/2 → "3 1/2", 1/3."""
    whole, rest = divmod(value.numerator, value.denominator)
    if rest == 0:
        return str(whole)
    fraction = f"{rest}/{value.denominator}"
    return f"{whole} {fraction}" if whole else fraction


# ---------------------------------------------------------------------------------------------
# Majorities
# ---------------------------------------------------------------------------------------------


class MajorityRule(models.TextChoices):
    """How many "yes" votes carry a motion (DOMAIN-RULES §4.3 design rule: ``majority_rule``).

    - ``SIMPLE``: yes > no. A tie fails; abstentions are not counted (Robert's Rules principle 12, 袁天鹏
      text [P/U]). With ``abstentions_count`` the base becomes yes + no + abstain and yes must exceed half of it.
    - ``ABSOLUTE_OF_PRESENT``: yes > half of those present and entitled to vote; abstaining or not voting
      therefore works like "no". This is the rule the 居民会议 must use (组织法 Art 9: "more than half of
      those present" [V]).
    - ``TWO_THIRDS``: yes ≥ 2/3 of votes cast (yes + no, plus abstain when ``abstentions_count``).
      DOMAIN-RULES names this rule only as ``two_thirds_of_votes``; "at least" (inclusive) and "of votes
      cast" are the usual Robert's Rules reading and are **unverified [U]** against a Chinese source.

    The stored values are short names; DOMAIN-RULES calls them ``simple_yes_gt_no``,
    ``absolute_majority_of_present`` and ``two_thirds_of_votes``.
    """

    SIMPLE = "simple", gettext_lazy("Simple majority (more yes than no)")
    ABSOLUTE_OF_PRESENT = "absolute_of_present", gettext_lazy("More than half of those present")
    TWO_THIRDS = "two_thirds", gettext_lazy("Two-thirds of votes cast")


def _check_positive(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive whole number (got {value})")


@dataclasses.dataclass(frozen=True)
class RuleSet:
    """A meeting's rules (DOMAIN-RULES §4.3 design rule ``MeetingRuleSet``; Robert's Rules principle 7).

    Defaults are the example values of the 袁天鹏 text: at most 2 minutes per speech and 2 speeches per
    person per motion, simple majority, abstentions not counted. They are set per meeting.
    ``abstentions_count`` puts abstentions into the base for ``SIMPLE`` and ``TWO_THIRDS``; it has no
    effect on ``ABSOLUTE_OF_PRESENT``, whose base is everyone present anyway.
    """

    speech_seconds: int = 120
    speeches_per_motion: int = 2
    majority: MajorityRule = MajorityRule.SIMPLE
    abstentions_count: bool = False

    def __post_init__(self) -> None:
        _check_positive("speech_seconds", self.speech_seconds)
        _check_positive("speeches_per_motion", self.speeches_per_motion)
        # Accept the stored string ("simple") as well as the member; raises ValueError if unknown.
        object.__setattr__(self, "majority", MajorityRule(self.majority))
        if not isinstance(self.abstentions_count, bool):
            raise TypeError("abstentions_count must be True or False")

    def to_dict(self) -> dict[str, Any]:
        return {
            "speech_seconds": self.speech_seconds,
            "speeches_per_motion": self.speeches_per_motion,
            "majority": str(self.majority.value),
            "abstentions_count": self.abstentions_count,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RuleSet:
        return cls(
            speech_seconds=data["speech_seconds"],
            speeches_per_motion=data["speeches_per_motion"],
            majority=MajorityRule(data["majority"]),
            abstentions_count=data["abstentions_count"],
        )


# The 居民会议 decides by more than half of those present (组织法 Art 9 [V]; DOMAIN-RULES §4.3 design rule).
RESIDENTS_MEETING_RULES = RuleSet(majority=MajorityRule.ABSOLUTE_OF_PRESENT)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """The result of a tally, with enough to show the working.

    ``base`` is the number the share is taken of; ``share`` is 1/2 or 2/3; ``threshold`` = share × base.
    The motion passes when yes > threshold (``strict``) or yes ≥ threshold (not strict) — and never
    when the base is zero.
    """

    passed: bool
    rule: MajorityRule
    yes: int
    base: int
    share: Fraction
    threshold: Fraction
    strict: bool
    reason: str


def tally(rule_set: RuleSet, *, yes: int, no: int, abstain: int, present: int) -> Outcome:
    """Decide a vote under ``rule_set.majority`` (see ``MajorityRule`` for each rule and its source).

    ``present`` counts those present and entitled to vote, voting or not. Raises ``ValueError`` for
    negative counts or more votes than people present. A vote with an empty base fails: nobody
    carried it (this also keeps "at least two thirds of nothing" from passing).
    """
    for name, value in (("yes", yes), ("no", no), ("abstain", abstain), ("present", present)):
        _check_count(name, value)
    if yes + no + abstain > present:
        raise ValueError(f"{yes + no + abstain} votes cast (yes + no + abstain) but only {present} present")

    rule = rule_set.majority
    if rule == MajorityRule.ABSOLUTE_OF_PRESENT:
        base, share, strict = present, HALF, True
    else:
        base = yes + no + (abstain if rule_set.abstentions_count else 0)
        share, strict = (HALF, True) if rule == MajorityRule.SIMPLE else (TWO_THIRDS, False)
    threshold = share * base
    passed = base > 0 and (yes > threshold if strict else yes >= threshold)

    params = {"yes": yes, "no": no, "abstain": abstain, "base": base, "threshold": _fmt(threshold)}
    if base == 0:
        detail = _("No votes counted, so nothing was carried.")
    elif rule == MajorityRule.SIMPLE and not rule_set.abstentions_count:
        detail = (
            _(
                "%(yes)d for, %(no)d against; a simple majority needs more for than against "
                "(a tie fails, abstentions are not counted)."
            )
            % params
        )
    elif rule == MajorityRule.SIMPLE:
        detail = (
            _(
                "%(yes)d for out of %(base)d votes cast including %(abstain)d abstentions; "
                "a simple majority needs more than half, that is more than %(threshold)s."
            )
            % params
        )
    elif rule == MajorityRule.ABSOLUTE_OF_PRESENT:
        detail = (
            _(
                "%(yes)d for out of %(base)d present and entitled to vote; "
                "it needs more than half, that is more than %(threshold)s."
            )
            % params
        )
    elif rule_set.abstentions_count:
        detail = (
            _(
                "%(yes)d for out of %(base)d votes cast including %(abstain)d abstentions; "
                "it needs at least two thirds, that is at least %(threshold)s."
            )
            % params
        )
    else:
        detail = (
            _("%(yes)d for out of %(base)d votes for or against; it needs at least two thirds, that is at least %(threshold)s.")
            % params
        )
    reason = (_("Carried. %(detail)s") if passed else _("Not carried. %(detail)s")) % {"detail": detail}
    return Outcome(passed=passed, rule=rule, yes=yes, base=base, share=share, threshold=threshold, strict=strict, reason=reason)


# ---------------------------------------------------------------------------------------------
# Residents' meeting (居民会议), 《城市居民委员会组织法》(2018) Arts 9–10 [V]
# ---------------------------------------------------------------------------------------------


class ResidentsMeetingKind(models.TextChoices):
    """Who attends a 居民会议 (组织法 Art 9): all adult residents (18+), one representative per household,
    or 2–3 representatives per 居民小组."""

    ADULTS = "adults", gettext_lazy("All adult residents")
    HOUSEHOLD_REPRESENTATIVES = "household_representatives", gettext_lazy("One representative per household")
    GROUP_REPRESENTATIVES = "group_representatives", gettext_lazy("Representatives of residents' groups")


def residents_meeting_quorum(*, kind: ResidentsMeetingKind | str, eligible: int, present: int) -> bool:
    """Is a 居民会议 quorate? 组织法 Art 9 [V]: more than half of the adults, household representatives
    or group representatives (whichever ``kind`` the meeting is) must attend. Exactly half is not enough.

    ``eligible`` is the number of people of that kind entitled to attend. Raises ``ValueError`` for an
    unknown kind, negative counts or more present than eligible.
    """
    ResidentsMeetingKind(kind)  # the threshold is the same for all three kinds; the kind must still be real
    _check_part("present", present, "eligible", eligible)
    return Fraction(present) > HALF * eligible


def residents_meeting_decision(*, present: int, yes: int) -> bool:
    """Does a 居民会议 decision pass? 组织法 Art 9 [V]: more than half of those present vote for it.

    Same as ``tally(RESIDENTS_MEETING_RULES, ...)``. A tie, or half exactly, fails; nobody present fails.
    """
    _check_part("yes", yes, "present", present)
    return Fraction(yes) > HALF * present


def must_call_residents_meeting(
    *,
    adults: int,
    adults_requesting: int,
    households: int,
    households_requesting: int,
    groups: int,
    groups_requesting: int,
) -> bool:
    """Must the 居委会 call a 居民会议? 组织法 Art 10 [V]: yes when proposed by at least 1/5 of adult
    residents, or at least 1/5 of households, or at least 1/3 of 居民小组. Exactly 1/5 or 1/3 is enough.

    Any one route suffices. A route with a total of zero can't trigger (zero requests of zero is not a
    proposal). Raises ``ValueError`` for negative counts or more requesting than exist.
    """
    _check_part("adults_requesting", adults_requesting, "adults", adults)
    _check_part("households_requesting", households_requesting, "households", households)
    _check_part("groups_requesting", groups_requesting, "groups", groups)
    return any(
        requesting > 0 and Fraction(requesting) >= share * total
        for requesting, total, share in (
            (adults_requesting, adults, ONE_FIFTH),
            (households_requesting, households, ONE_FIFTH),
            (groups_requesting, groups, ONE_THIRD),
        )
    )


# ---------------------------------------------------------------------------------------------
# Speaking queue (Robert's Rules principles 3 and 7, 袁天鹏 text [P])
# ---------------------------------------------------------------------------------------------


class Stance(models.TextChoices):
    """A speaker states for or against first (Robert's Rules principle 4)."""

    PRO = "pro", gettext_lazy("For")
    CON = "con", gettext_lazy("Against")


class SpeakingRefused(ValueError):
    """The chair may not give (or record) the floor; ``str(error)`` is a translated reason."""


@dataclasses.dataclass
class _Hand:
    person: Hashable
    stance: Stance | None
    seq: int


@dataclasses.dataclass
class _Motion:
    waiting: list[_Hand] = dataclasses.field(default_factory=list)
    spoken: dict[Hashable, int] = dataclasses.field(default_factory=dict)
    last_stance: Stance | None = None


class SpeakingQueue:
    """The chair's list of raised hands, one queue per motion; plain memory, serialisable with ``to_dict``.

    Order (Robert's Rules principle 3, 袁天鹏 text [P]):
    1. Those who have not yet spoken on the motion come before those who have.
    2. Within that, first hand raised goes first.
    3. Alternating pro and con (a preference, never overriding 1): when the last speech on the motion
       stated a stance and the first candidate in the same tier holds that same stance, the earliest
       candidate of that tier with the opposite stance goes first instead. Hands without a stance, or a
       last speech without one, leave plain first-come order.

    Limit (principle 7): nobody speaks more than ``rule_set.speeches_per_motion`` times on a motion;
    raising a hand beyond it, or recording such a speech, raises ``SpeakingRefused``. The speech
    time limit (``speech_seconds``) is for the chair's timer; this queue does not measure time.

    ``person`` and ``motion`` are plain ids (ints or strings) so the queue survives ``to_dict`` →
    JSON → ``from_dict``.
    """

    def __init__(self, rule_set: RuleSet | None = None) -> None:
        self.rule_set = rule_set or RuleSet()
        # How a person is named in a refusal (the caller may map ids to names).
        self.name_of: Callable[[Hashable], str] = str
        self._motions: dict[Hashable, _Motion] = {}
        self._seq = 0

    def _motion(self, motion: Hashable) -> _Motion:
        return self._motions.setdefault(motion, _Motion())

    def speeches(self, person: Hashable, motion: Hashable) -> int:
        """How many times ``person`` has spoken on ``motion``."""
        state = self._motions.get(motion)
        return state.spoken.get(person, 0) if state else 0

    def waiting(self, motion: Hashable) -> list[Hashable]:
        """Everyone waiting on ``motion``, in the order they will be called."""
        state = self._motions.get(motion)
        if not state:
            return []
        hands, ordered, last = list(state.waiting), [], state.last_stance
        while hands:
            hand = self._pick(state, hands, last)
            hands.remove(hand)
            ordered.append(hand.person)
            last = hand.stance
        return ordered

    def raise_hand(self, person: Hashable, motion: Hashable, stance: Stance | str | None = None) -> None:
        """Ask for the floor on ``motion``. Refused when ``person`` already waits on it or has used up
        their speeches on it (Robert's Rules principle 7)."""
        stance = Stance(stance) if stance is not None else None
        state = self._motion(motion)
        if any(hand.person == person for hand in state.waiting):
            raise SpeakingRefused(_("%(person)s is already waiting to speak on this motion.") % {"person": self.name_of(person)})
        self._check_limit(state, person)
        self._seq += 1
        state.waiting.append(_Hand(person=person, stance=stance, seq=self._seq))

    def lower_hand(self, person: Hashable, motion: Hashable) -> None:
        """Withdraw a raised hand; nothing happens if there is none."""
        state = self._motions.get(motion)
        if state:
            state.waiting = [hand for hand in state.waiting if hand.person != person]

    def next_speaker(self, motion: Hashable) -> Hashable | None:
        """Who the chair should call next on ``motion`` (``None`` if nobody waits). Does not change the
        queue: call ``record_speech`` once they have spoken."""
        state = self._motions.get(motion)
        if not state or not state.waiting:
            return None
        return self._pick(state, state.waiting, state.last_stance).person

    def record_speech(self, person: Hashable, motion: Hashable, stance: Stance | str | None = None) -> None:
        """Count a speech by ``person`` on ``motion`` and take down their hand.

        The chair may give the floor out of queue order (e.g. to the mover); the limit still applies and
        a speech beyond it raises ``SpeakingRefused``. The stance is taken from the raised hand unless given.
        """
        state = self._motion(motion)
        self._check_limit(state, person)
        hand = next((hand for hand in state.waiting if hand.person == person), None)
        if stance is not None:
            stance = Stance(stance)
        elif hand is not None:
            stance = hand.stance
        self.lower_hand(person, motion)
        state.spoken[person] = state.spoken.get(person, 0) + 1
        state.last_stance = stance

    def _check_limit(self, state: _Motion, person: Hashable) -> None:
        limit = self.rule_set.speeches_per_motion
        if state.spoken.get(person, 0) >= limit:
            raise SpeakingRefused(
                _("%(person)s has already spoken %(limit)d times on this motion, the most allowed.")
                % {"person": self.name_of(person), "limit": limit}
            )

    @staticmethod
    def _pick(state: _Motion, hands: list[_Hand], last_stance: Stance | None) -> _Hand:
        def tier(hand: _Hand) -> bool:
            return state.spoken.get(hand.person, 0) > 0

        best = min(hands, key=lambda hand: (tier(hand), hand.seq))
        if last_stance is None or best.stance != last_stance:
            return best
        opposite = Stance.CON if last_stance == Stance.PRO else Stance.PRO
        others = [hand for hand in hands if tier(hand) == tier(best) and hand.stance == opposite]
        return min(others, key=lambda hand: hand.seq) if others else best

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot (lists, not dicts keyed by id, so int ids stay ints)."""
        return {
            "version": 1,
            "rule_set": self.rule_set.to_dict(),
            "seq": self._seq,
            "motions": [
                {
                    "motion": motion,
                    "waiting": [
                        {"person": hand.person, "stance": hand.stance.value if hand.stance else None, "seq": hand.seq}
                        for hand in state.waiting
                    ],
                    "spoken": [[person, count] for person, count in state.spoken.items()],
                    "last_stance": state.last_stance.value if state.last_stance else None,
                }
                for motion, state in self._motions.items()
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpeakingQueue:
        if data.get("version") != 1:
            raise ValueError(f"unknown speaking-queue version {data.get('version')!r}")
        queue = cls(RuleSet.from_dict(data["rule_set"]))
        queue._seq = data["seq"]
        for item in data["motions"]:
            queue._motions[item["motion"]] = _Motion(
                waiting=[
                    _Hand(person=hand["person"], stance=Stance(hand["stance"]) if hand["stance"] else None, seq=hand["seq"])
                    for hand in item["waiting"]
                ],
                spoken={person: count for person, count in item["spoken"]},
                last_stance=Stance(item["last_stance"]) if item["last_stance"] else None,
            )
        return queue
