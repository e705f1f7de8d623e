"""Neighbourhood life in figures, per community and year, computed from the events app's rows:

- activities held: published events (not cancelled) that have ended, counted in the year they started;
- participations: check-ins at those activities (a registration checked in, not cancelled);
- participants: distinct people checked in at least once;
- repeat rate: the share of those participants who attended two or more activities (in that community
  and year; for the whole sub-district, two or more anywhere in it);
- volunteers: distinct people confirmed in a volunteer role at an activity held;
- new acquaintances: pairs of people who first attended an activity together (``events.Encounter``
  whose first event belongs to the community), counted in the year they first met.

A handful of grouped queries whatever the number of communities or years (per-person counts are
grouped inside the database, never read out row by row); cached for two minutes like the other figures.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Encounter, Event, Registration, RegistrationStatus, Status
from places.models import Place

KEYS = ("activities", "participations", "participants", "repeat_rate", "volunteers", "new_acquaintances")
LABELS = {
    "activities": _("activities held"),
    "participations": _("participations"),
    "participants": _("participants"),
    "repeat_rate": _("came again (%)"),
    "volunteers": _("volunteers"),
    "new_acquaintances": _("new acquaintances"),
}
CACHE_SECONDS = 120


@dataclass
class EventFigures:
    place: Place | None
    year: int | None
    activities: int = 0
    participations: int = 0
    participants: int = 0
    repeat_participants: int = 0
    volunteers: int = 0
    new_acquaintances: int = 0

    @property
    def repeat_rate(self) -> float | None:
        """Percent of participants who attended two or more activities, one decimal."""
        if not self.participants:
            return None
        return round(100 * self.repeat_participants / self.participants, 1)

    def as_dict(self) -> dict:
        return {
            "place_id": self.place.pk if self.place else None,
            "place_name": self.place.name if self.place else "",
            "year": self.year,
            "activities": self.activities,
            "participations": self.participations,
            "participants": self.participants,
            "repeat_participants": self.repeat_participants,
            "repeat_rate": self.repeat_rate,
            "volunteers": self.volunteers,
            "new_acquaintances": self.new_acquaintances,
        }


def _held(now: datetime):
    return Event.objects.filter(status=Status.PUBLISHED, ends_at__lte=now)


def _grouped(*, by_community: bool, year: int | None, community: Place | None, now: datetime) -> dict[tuple, dict[str, int]]:
    """(community id or None, year) → the counts. Five queries."""
    keys = ("c", "y") if by_community else ("y",)
    out: dict[tuple, dict[str, int]] = {}

    def key_of(row) -> tuple:
        return (row["c"] if by_community else None, row["y"])

    def add(rows, name: str) -> None:
        for row in rows:
            out.setdefault(key_of(row), {})[name] = row["n"]

    events = _held(now)
    attended = Registration.objects.filter(
        checked_in_at__isnull=False, event__status=Status.PUBLISHED, event__ends_at__lte=now
    ).exclude(status=RegistrationStatus.CANCELLED)
    volunteered = Registration.objects.filter(
        role__isnull=False, status=RegistrationStatus.CONFIRMED, event__status=Status.PUBLISHED, event__ends_at__lte=now
    )
    met = Encounter.objects.all()
    if year is not None:
        events = events.filter(starts_at__year=year)
        attended = attended.filter(event__starts_at__year=year)
        volunteered = volunteered.filter(event__starts_at__year=year)
        met = met.filter(first_at__year=year)
    if community is not None:
        events = events.filter(community=community)
        attended = attended.filter(event__community=community)
        volunteered = volunteered.filter(event__community=community)
        met = met.filter(community=community)

    group = {"y": ExtractYear("starts_at")} | ({"c": F("community_id")} if by_community else {})
    add(events.values(**group).annotate(n=Count("id")).order_by(), "activities")

    group = {"y": ExtractYear("event__starts_at")} | ({"c": F("event__community_id")} if by_community else {})
    add(volunteered.values(**group).annotate(n=Count("person_id", distinct=True)).order_by(), "volunteers")

    group = {"y": ExtractYear("first_at")} | ({"c": F("community_id")} if by_community else {})
    add(met.values(**group).annotate(n=Count("id")).order_by(), "new_acquaintances")

    # Participants: one row per person inside the database, counted outside it by (community, year). A
    # person has at most one live registration per event, so their check-ins are the activities attended.
    group = {"y": ExtractYear("event__starts_at"), "p": F("person_id")}
    if by_community:
        group["c"] = F("event__community_id")
    per_person = attended.values(**group).annotate(regs=Count("id")).order_by()
    sql, params = per_person.query.sql_with_params()
    cols = ", ".join(keys)
    outer = (
        f"SELECT {cols}, COUNT(*), SUM(regs), SUM(CASE WHEN regs >= 2 THEN 1 ELSE 0 END) "  # noqa: S608 (no user input)
        f"FROM ({sql}) AS per_person GROUP BY {cols}"
    )
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        for row in cursor.fetchall():
            values = dict(zip(keys, row[: len(keys)], strict=True))
            participants, participations, repeat = row[len(keys) :]
            counts = out.setdefault(key_of(values), {})
            counts.update(
                participants=participants, participations=int(participations or 0), repeat_participants=int(repeat or 0)
            )
    return out


def _figures(place: Place | None, year: int | None, counts: dict[str, int] | None) -> EventFigures:
    return EventFigures(place, year, **(counts or {}))


def communities() -> list[Place]:
    return list(Place.objects.communities().order_by("code", "name"))


def figures_by_community(year: int, *, now: datetime | None = None) -> tuple[EventFigures, list[EventFigures]]:
    """One year: the sub-district as a whole (people counted once however many communities they attended
    in) and each community (every community listed, with zeros)."""
    now = now or timezone.now()
    rows = _grouped(by_community=True, year=year, community=None, now=now)
    whole = _grouped(by_community=False, year=year, community=None, now=now)
    root = Place.objects.filter(kind=Place.Kind.SUBDISTRICT).order_by("pk").first()
    total = _figures(root, year, whole.get((None, year)))
    return total, [_figures(c, year, rows.get((c.pk, year))) for c in communities()]


def figures_by_year(community: Place, *, now: datetime | None = None) -> list[EventFigures]:
    """One community, each year it had anything, latest first."""
    now = now or timezone.now()
    rows = _grouped(by_community=True, year=None, community=community, now=now)
    years = sorted({y for _c, y in rows if y is not None}, reverse=True)
    return [_figures(community, y, rows.get((community.pk, y))) for y in years]


def years(*, now: datetime | None = None) -> list[int]:
    """The years with any activity held, latest first (and the current year)."""
    now = now or timezone.now()
    found = {d.year for d in _held(now).datetimes("starts_at", "year")}
    found.add(timezone.localdate(now).year)
    return sorted(found, reverse=True)


def cached_by_community(year: int):
    return cache.get_or_set(f"linli:event-figures:{year}", lambda: figures_by_community(year), CACHE_SECONDS)


def cached_by_year(community: Place):
    return cache.get_or_set(f"linli:event-figures:c{community.pk}", lambda: figures_by_year(community), CACHE_SECONDS)
