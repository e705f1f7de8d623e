"""The electorate of an owners' vote, frozen when voting opens (later sales do not move the totals).

Who counts, and how (SPC interpretation 法释〔2009〕7号, revised 2020):

- Every exclusive part in scope counts (Art 2): homes, shops, parking spaces, storage rooms, with the
  area the unit carries and its source: register, else survey, else sale contract (Art 8).
  A unit without a recorded area stops the vote from opening: a total that leaves it out would be wrong.
- Owners are the registered owners and buyers who occupy without registration yet (Art 1).
- Headcount (Art 9): one per exclusive part, except
  - a buyer holding several parts counts once: all parts held by the same owner or owners form one
    voter, with one ballot, their areas added up and a headcount of one;
  - the developer's unsold and sold-but-undelivered parts together count once (one voter).
- Co-owners of a part are one buyer: they cast one ballot through the co-owner they designate.
- Mixed holdings: a person who owns one part alone and another jointly with someone else belongs to
  two voters, because the two parts were bought by different buyers (the person alone; the person
  with the co-owner). Each counts one head; the person casts the first ballot and, when designated,
  the second. The rule reads "the same buyer"; a different set of co-owners is a different buyer.
- A part whose owner is not recorded still counts (its area and one head); only a paper ballot
  entered by staff can be cast for it.
"""

import hashlib
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from people.models import Ownership
from places.models import Unit

from .models import Matter, Voter, VoterMember, VoterUnit


def _label(units: list[tuple[str, str]]) -> str:
    names = [f"{building} {label}" for building, label in units[:3]]
    more = len(units) - len(names)
    return "、".join(names) + (f" +{more}" if more else "")


def check_areas(path: str) -> None:
    """Refuse while a unit under ``path`` has no recorded area (SPC interpretation Art 8): checked before
    the notice goes out and again when voting opens."""
    missing = [
        f"{building} {label}"
        for building, label in Unit.objects.filter(path__startswith=path, area__isnull=True)
        .order_by("id")
        .values_list("building__name", "label")[:6]
    ]
    if not missing:
        return
    count = Unit.objects.filter(path__startswith=path, area__isnull=True).count()
    raise ValidationError(
        ngettext(
            "%(n)d unit has no recorded area (%(units)s). Record it from the register, a survey or the sale contract first.",
            "%(n)d units have no recorded area (%(units)s). Record them from the register, a survey or the sale contract first.",
            count,
        )
        % {"n": count, "units": "、".join(missing[:5]) + ("…" if count > 5 else "")}
    )


def freeze(matter: Matter) -> tuple[Decimal, int, str]:
    """Write the electorate of ``matter`` (voters, their parts and members) and return the total area,
    the total headcount and the roll's digest. Call inside the transaction that opens the vote."""
    units = list(
        Unit.objects.filter(path__startswith=matter.path)
        .order_by("id")
        .values_list("id", "building_id", "building__name", "label", "area", "area_source", "developer_holding")
    )
    if not units:
        raise ValidationError(_("There are no units under %(place)s, so nobody could vote.") % {"place": matter.scope.name})
    check_areas(matter.path)
    owners: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for unit_id, person_id, status in Ownership.objects.filter(path__startswith=matter.path).values_list(
        "unit_id", "person_id", "status"
    ):
        owners[unit_id].append((person_id, status))

    # Group the parts by who holds them (SPC interpretation Art 9).
    groups: dict[tuple, list] = {}
    for unit in units:
        unit_id, developer = unit[0], unit[6]
        if developer:
            key = ("developer",)
        elif owners.get(unit_id):
            key = ("owners", *sorted(p for p, _status in owners[unit_id]))
        else:
            key = ("unrecorded", unit_id)
        groups.setdefault(key, []).append(unit)

    voters = []
    for key, parts in groups.items():
        kind = key[0]
        area = sum((p[4] for p in parts), Decimal("0.00"))
        members = key[1:] if kind == "owners" else ()
        voters.append(
            Voter(
                matter=matter,
                kind=kind,
                area=area,
                heads=1,
                label=_label([(p[2], p[3]) for p in parts]),
                designated_id=members[0] if len(members) == 1 else None,
            )
        )
    Voter.objects.bulk_create(voters, batch_size=2000)

    status_of = {(unit_id, person): status for unit_id, rows in owners.items() for person, status in rows}
    voter_units, voter_members = [], []
    for voter, (key, parts) in zip(voters, groups.items(), strict=True):
        for p in parts:
            voter_units.append(VoterUnit(matter=matter, voter=voter, unit_id=p[0], building_id=p[1], area=p[4], area_source=p[5]))
        if key[0] == "owners":
            for person in key[1:]:
                # The weakest status across the parts: "registered" only if registered for every one of them.
                registered = all(status_of[(p[0], person)] == Ownership.Status.REGISTERED for p in parts)
                status = Ownership.Status.REGISTERED if registered else Ownership.Status.OCCUPIED_UNREGISTERED
                voter_members.append(VoterMember(matter=matter, voter=voter, person_id=person, status=status))
    VoterUnit.objects.bulk_create(voter_units, batch_size=2000)
    VoterMember.objects.bulk_create(voter_members, batch_size=2000)

    total_area = sum((v.area for v in voters), Decimal("0.00"))
    return total_area, len(voters), digest(matter)


def digest(matter: Matter) -> str:
    """A SHA-256 over the roll as stored: each voter (kind, area, headcount), its parts (unit, area,
    source) and its members, in id order. ``verify_vote`` recomputes it to show the roll is unchanged."""
    h = hashlib.sha256()
    parts = defaultdict(list)
    for voter_id, unit_id, area, source in (
        VoterUnit.objects.filter(matter=matter).order_by("unit_id").values_list("voter_id", "unit_id", "area", "area_source")
    ):
        parts[voter_id].append(f"{unit_id}:{area:.2f}:{source}")
    members = defaultdict(list)
    for voter_id, person_id in (
        VoterMember.objects.filter(matter=matter).order_by("person_id").values_list("voter_id", "person_id")
    ):
        members[voter_id].append(str(person_id))
    for voter_id, kind, area, heads in (
        Voter.objects.filter(matter=matter).order_by("id").values_list("id", "kind", "area", "heads")
    ):
        line = f"{voter_id}|{kind}|{area:.2f}|{heads}|{','.join(parts[voter_id])}|{','.join(members[voter_id])}\n"
        h.update(line.encode())
    return h.hexdigest()
