"""The tally of an owners' vote under Civil Code Art 278(2), as exact arithmetic.

Areas are ``Decimal`` square metres with two places (the register's precision); every comparison is
made on whole numbers (``part × denominator`` against ``numerator × whole``), so nothing is rounded
and no float is ever involved.

- Participation (all matters): area of the owners who took part ≥ 2/3 of the total area **and**
  their headcount ≥ 2/3 of the total headcount ("三分之二以上": 以上 includes the bound, Art 1259).
- Approval, of the *participating* area and headcount (abstentions take part but do not approve):
  items 6–8 ≥ 3/4 of both ("四分之三以上"); every other item more than 1/2 of both ("过半数",
  strictly more).
- Silent consent (视为同意), where a compound's covenant allows it (Civil Code Art 140): a second
  tally in which owners who did not vote are added to the approving and the participating figures
  for the approval test only. They never count towards participation.
"""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import SPECIAL_ITEMS

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Threshold:
    share: Fraction
    strict: bool  # "过半数" / "超过": strictly more; "以上": at least (Civil Code Art 1259)

    def met(self, part, whole) -> bool:
        """``part`` reaches this share of ``whole`` (exactly, on integers or Decimals)."""
        lhs = Fraction(part) * self.share.denominator
        rhs = self.share.numerator * Fraction(whole)
        return lhs > rhs if self.strict else lhs >= rhs

    def least(self, whole, step) -> Fraction:
        """The smallest amount, in whole ``step``\\s (0.01 m², or one owner), that meets the threshold of ``whole``."""
        bound = self.share * Fraction(whole)
        step = Fraction(step)
        steps = bound / step
        whole_steps = steps.numerator // steps.denominator
        if whole_steps * step < bound or (self.strict and whole_steps * step == bound):
            whole_steps += 1
        return whole_steps * step

    @property
    def text(self) -> str:
        if self.strict:
            return _("more than %(share)s") % {"share": _fraction_text(self.share)}
        return _("at least %(share)s") % {"share": _fraction_text(self.share)}


def _fraction_text(share: Fraction) -> str:
    return f"{share.numerator}/{share.denominator}"


# Civil Code Art 278(2).
QUORUM = Threshold(Fraction(2, 3), strict=False)
SPECIAL = Threshold(Fraction(3, 4), strict=False)
ORDINARY = Threshold(Fraction(1, 2), strict=True)


def approval_threshold(item: str) -> Threshold:
    return SPECIAL if item in SPECIAL_ITEMS else ORDINARY


@dataclass(frozen=True)
class Count:
    """An amount of owners: their exclusive area and their headcount."""

    area: Decimal = Decimal("0.00")
    heads: int = 0

    def __add__(self, other: "Count") -> "Count":
        return Count(self.area + other.area, self.heads + other.heads)

    def __sub__(self, other: "Count") -> "Count":
        return Count(self.area - other.area, self.heads - other.heads)

    def as_dict(self) -> dict:
        return {"area": str(self.area.quantize(CENT)), "heads": self.heads}

    @classmethod
    def from_dict(cls, data: dict) -> "Count":
        return cls(Decimal(data["area"]), int(data["heads"]))


@dataclass(frozen=True)
class Test:
    """One of the four tests: ``part`` against ``threshold`` of ``whole``, on area or on headcount."""

    measure: str  # "area" or "heads"
    part: Decimal | int
    whole: Decimal | int
    threshold: Threshold

    @property
    def met(self) -> bool:
        return self.whole > 0 and self.threshold.met(self.part, self.whole)

    @property
    def needed(self) -> Decimal | int:
        """The least amount that meets the test (in 0.01 m² or whole owners)."""
        step = CENT if self.measure == "area" else 1
        least = self.threshold.least(self.whole, step)
        if not self.whole:  # nobody to take a share of: even one step short of "met"
            least = Fraction(step)
        return int(least) if self.measure == "heads" else Decimal(least.numerator) / Decimal(least.denominator)

    @property
    def margin(self) -> Decimal | int:
        """How far above (positive, the test met) or below (negative, short) the least amount that meets it."""
        return self.part - self.needed

    @property
    def share(self) -> Fraction:
        return Fraction(self.part) / Fraction(self.whole) if self.whole else Fraction(0)

    def as_dict(self) -> dict:
        def text(value):
            return str(Decimal(value).quantize(CENT)) if self.measure == "area" else int(value)

        return {
            "measure": self.measure,
            "part": text(self.part),
            "whole": text(self.whole),
            "threshold": _fraction_text(self.threshold.share),
            "strict": self.threshold.strict,
            "needed": text(self.needed),
            "met": self.met,
            "margin": text(self.margin),
        }


@dataclass(frozen=True)
class Tally:
    item: str
    total: Count
    yes: Count
    no: Count
    abstain: Count
    # Owners who did not vote, added to the approving side (silent-consent tally only).
    deemed: Count = Count()

    @property
    def participating(self) -> Count:
        return self.yes + self.no + self.abstain

    @property
    def threshold(self) -> Threshold:
        return approval_threshold(self.item)

    @property
    def quorum(self) -> tuple[Test, Test]:
        p = self.participating  # deemed votes never count towards participation
        return (Test("area", p.area, self.total.area, QUORUM), Test("heads", p.heads, self.total.heads, QUORUM))

    @property
    def approval(self) -> tuple[Test, Test]:
        base = self.participating + self.deemed
        yes = self.yes + self.deemed
        return (
            Test("area", yes.area, base.area, self.threshold),
            Test("heads", yes.heads, base.heads, self.threshold),
        )

    @property
    def quorum_met(self) -> bool:
        return all(t.met for t in self.quorum)

    @property
    def approved(self) -> bool:
        return self.quorum_met and all(t.met for t in self.approval)

    def as_dict(self) -> dict:
        return {
            "item": self.item,
            "total": self.total.as_dict(),
            "yes": self.yes.as_dict(),
            "no": self.no.as_dict(),
            "abstain": self.abstain.as_dict(),
            "deemed": self.deemed.as_dict(),
            "participating": self.participating.as_dict(),
            "quorum": [t.as_dict() for t in self.quorum],
            "approval": [t.as_dict() for t in self.approval],
            "quorum_met": self.quorum_met,
            "approved": self.approved,
        }

    def with_deemed(self) -> "Tally":
        """The silent-consent tally: everyone who did not vote counted as agreeing, for approval only."""
        return Tally(self.item, self.total, self.yes, self.no, self.abstain, deemed=self.total - self.participating)


def count(item: str, total: Count, weights: dict[str, Count]) -> Tally:
    """A tally from the total and the weight cast for each choice (``yes``/``no``/``abstain``)."""
    return Tally(item, total, weights.get("yes", Count()), weights.get("no", Count()), weights.get("abstain", Count()))


def explain(tally: Tally) -> list[str]:
    """Each test in plain words, in the current language: which threshold passed or failed and by how much."""

    def amount(test: Test, value) -> str:
        if test.measure == "area":
            return _("%(area)s m²") % {"area": f"{Decimal(value).quantize(CENT):,}"}
        return ngettext("%(n)d owner", "%(n)d owners", value) % {"n": value}

    lines = []
    names = {
        ("quorum", "area"): _("Participation by area"),
        ("quorum", "heads"): _("Participation by headcount"),
        ("approval", "area"): _("Approval by area"),
        ("approval", "heads"): _("Approval by headcount"),
    }
    wholes = {"quorum": _("of all owners"), "approval": _("of those taking part")}
    for group, tests in (("quorum", tally.quorum), ("approval", tally.approval)):
        for test in tests:
            base = _("%(name)s: %(part)s of %(whole)s (%(pct)s), needs %(rule)s %(of)s, that is %(needed)s") % {
                "name": names[(group, test.measure)],
                "part": amount(test, test.part),
                "whole": amount(test, test.whole),
                "pct": percent(test.share),
                "rule": test.threshold.text,
                "of": wholes[group],
                "needed": amount(test, test.needed),
            }
            if test.met:
                verdict = _("met, with %(margin)s to spare") % {"margin": amount(test, test.margin)}
            else:
                verdict = _("not met, %(margin)s short") % {"margin": amount(test, -test.margin)}
            lines.append(_("%(test)s: %(verdict)s.") % {"test": base, "verdict": verdict})
    return lines


def percent(share: Fraction) -> str:
    """A share as a percentage with two places, rounded down so that 66.666…% never shows as 66.67%."""
    hundredths = (share * 10000).numerator // (share * 10000).denominator
    return f"{hundredths // 100}.{hundredths % 100:02d}%"
