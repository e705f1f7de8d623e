"""Reads for the vote pages and the API: a fixed number of queries whatever the size of the electorate."""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count as CountOf
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from . import ledger
from .models import Ballot, Matter, PaperEntry, Status, Voter, VoterUnit
from .rules import CENT, Count, Tally, percent


@dataclass(frozen=True)
class BuildingTurnout:
    """One building's part of the electorate: its units and area, and how much of it has voted.
    ``yes``/``no``/``abstain`` are areas, filled for open ballots only: a secret ballot shows turnout alone."""

    building_id: int
    name: str
    units: int
    area: Decimal
    voted_units: int
    voted_area: Decimal
    yes: Decimal | None = None
    no: Decimal | None = None
    abstain: Decimal | None = None

    @property
    def share(self) -> str:
        if not self.area:
            return "0.00%"
        return percent(Fraction(self.voted_area) / Fraction(self.area))


def turnout_by_building(matter: Matter) -> list[BuildingTurnout]:
    """Per building: units and area on the roll, and of them those whose voter has a counting ballot.
    One query. A voter with parts in several buildings shows in each of them with those parts."""
    voted = Exists(Ballot.objects.filter(voter_id=OuterRef("voter_id")))
    rows = (
        VoterUnit.objects.filter(matter=matter)
        .values("building_id", "building__name")
        .annotate(
            n_units=CountOf("id"),
            n_area=Sum("area"),
            n_voted_units=CountOf("id", filter=Q(voted)),
            n_voted_area=Sum("area", filter=Q(voted)),
        )
        .order_by("building__name", "building_id")
    )
    choices: dict[tuple[int, str], Decimal] = {}
    if not matter.secret:
        for row in (
            VoterUnit.objects.filter(matter=matter, voter__ballot__isnull=False)
            .values("building_id", "voter__ballot__choice")
            .annotate(choice_area=Sum("area"))
        ):
            choices[(row["building_id"], row["voter__ballot__choice"])] = row["choice_area"].quantize(CENT)
    zero = Decimal("0.00")
    return [
        BuildingTurnout(
            building_id=r["building_id"],
            name=r["building__name"],
            units=r["n_units"],
            area=(r["n_area"] or zero).quantize(CENT),
            voted_units=r["n_voted_units"],
            voted_area=(r["n_voted_area"] or zero).quantize(CENT),
            yes=None if matter.secret else choices.get((r["building_id"], "yes"), zero),
            no=None if matter.secret else choices.get((r["building_id"], "no"), zero),
            abstain=None if matter.secret else choices.get((r["building_id"], "abstain"), zero),
        )
        for r in rows
    ]


def matter_list(matters: QuerySet[Matter]) -> QuerySet[Matter]:
    return matters.select_related("compound", "scope").order_by("-opens_at", "-id")


def open_for(user, matters: QuerySet[Matter]) -> QuerySet[Matter]:
    """The user's matters that are noticed or open (the owner's "my open matters")."""
    return matter_list(matters.filter(status__in=[Status.NOTIFIED, Status.OPEN]))


def roll(matter: Matter, *, search: str = "", voted: bool | None = None) -> QuerySet[Voter]:
    """The electorate for managers: voters with whether they voted (and, for an open ballot, how)."""
    voters = Voter.objects.filter(matter=matter).select_related("designated", "ballot").prefetch_related("members__person")
    if search:
        voters = voters.filter(Q(label__icontains=search) | Q(members__person__name__icontains=search)).distinct()
    if voted is True:
        voters = voters.filter(ballot__isnull=False)
    elif voted is False:
        voters = voters.filter(ballot__isnull=True)
    return voters.order_by("id")


def paper_queue(matter: Matter) -> QuerySet[PaperEntry]:
    """Paper entries still waiting for a second typing or with a mismatch."""
    return (
        PaperEntry.objects.filter(matter=matter, status__in=[PaperEntry.Status.PENDING, PaperEntry.Status.MISMATCH])
        .select_related("voter", "entered_by")
        .order_by("voter_id", "entered_at")
    )


def tally_or_result(matter: Matter) -> tuple[Tally, Tally | None]:
    """The published result once there is one, else the live count; with the deemed-consent tally
    beside it where the compound's covenant allows silent consent."""
    if matter.result:
        data = matter.result["tally"]
        tally = Tally(
            data["item"],
            Count.from_dict(data["total"]),
            Count.from_dict(data["yes"]),
            Count.from_dict(data["no"]),
            Count.from_dict(data["abstain"]),
        )
    else:
        tally = ledger.current_tally(matter)
    return tally, (tally.with_deemed() if matter.silent_consent else None)


def co_owned_voters(user, matter: Matter) -> list[Voter]:
    """The voters of ``matter`` the user co-owns but does not cast the ballot of (no designee yet, or another
    co-owner designated), with their members: what a co-owner needs to designate one of them."""
    return list(
        Voter.objects.filter(matter=matter, members__person=user)
        .exclude(designated=user)
        .select_related("designated")
        .prefetch_related("members__person")
        .order_by("id")
    )
