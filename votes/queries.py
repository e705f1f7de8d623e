"""Reads for the vote pages and the API: a fixed number of queries whatever the size of the electorate."""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import Q, QuerySet

from places.models import Place

from . import ledger
from .models import Matter, PaperEntry, Status, Voter
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


TURNOUT_SQL = """
    SELECT vu.building_id, b.choice, COUNT(*), SUM(vu.area)
    FROM votes_voterunit vu LEFT JOIN votes_ballot b ON b.voter_id = vu.voter_id
    WHERE vu.matter_id = %s
    GROUP BY vu.building_id, b.choice
"""


def turnout_by_building(matter: Matter) -> list[BuildingTurnout]:
    """Per building: units and area on the roll, and of them those whose voter has a counting ballot
    (for an open ballot also by choice). Two queries: one pass over the roll's parts joined to the
    ballots, then the buildings' names. A voter with parts in several buildings shows in each of them
    with those parts."""
    zero = Decimal("0.00")
    rows: dict[int, dict] = {}
    with connection.cursor() as cursor:
        cursor.execute(TURNOUT_SQL, [matter.pk])
        for building_id, choice, units, area in cursor.fetchall():
            row = rows.setdefault(building_id, {"units": 0, "area": zero, "voted_units": 0, "voted_area": zero})
            area = Decimal(area).quantize(CENT)
            row["units"] += units
            row["area"] += area
            if choice is not None:
                row["voted_units"] += units
                row["voted_area"] += area
                if choice:  # an open ballot: how it split
                    row[choice] = row.get(choice, zero) + area
    names = dict(Place.objects.filter(pk__in=list(rows)).values_list("pk", "name"))
    split = not matter.secret
    return sorted(
        (
            BuildingTurnout(
                building_id=pk,
                name=names.get(pk, ""),
                units=r["units"],
                area=r["area"],
                voted_units=r["voted_units"],
                voted_area=r["voted_area"],
                yes=r.get("yes", zero) if split else None,
                no=r.get("no", zero) if split else None,
                abstain=r.get("abstain", zero) if split else None,
            )
            for pk, r in rows.items()
        ),
        key=lambda b: (b.name, b.building_id),
    )


def matter_list(matters: QuerySet[Matter]) -> QuerySet[Matter]:
    return matters.select_related("compound", "scope").order_by("-opens_at", "-id")


def published_under(place) -> QuerySet[Matter]:
    """Published results of the votes under ``place`` (the public board), newest first."""
    return (
        Matter.objects.filter(status=Status.PUBLISHED, path__startswith=place.path)
        .select_related("compound", "scope")
        .order_by("-published_at", "-id")
    )


def open_for(matters: QuerySet[Matter]) -> QuerySet[Matter]:
    """Of ``matters``, those noticed or open (the owner's "my open matters")."""
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
