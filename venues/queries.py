"""Reads for the venue pages and the API: a constant number of queries per page, whatever the number of
rooms, bookings and meetings shown."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from deliberation.access import home_community_paths
from meetings.models import Meeting
from meetings.models import Status as MeetingStatus
from people import policy
from places.models import Room, Venue, under_paths_q

from . import access, rules
from .models import Booking, OpeningHours, Status, VenueKeeper, Weekday

WEEK = 7


@dataclass
class Entry:
    """Something holding (or asking for) a room on one day, clipped to that day."""

    kind: str  # "booking", "request" or "meeting"
    starts_at: datetime
    ends_at: datetime
    starts: str  # local "HH:MM" on this day
    ends: str
    title: str
    who: str = ""  # who asked, for the venue's staff only
    url: str = ""
    id: int = 0


@dataclass
class RoomDay:
    room: Room
    hours: str  # the day's opening hours, "" when open at any time
    closed: bool
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Day:
    date: date
    weekday: int
    label: str
    rooms: list[RoomDay]
    today: bool = False


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def parse_start(text: str | None, today: date) -> date:
    """``?start=YYYY-MM-DD``; anything else is today."""
    try:
        return date.fromisoformat(text) if text else today
    except ValueError:
        return today


def rooms_of(venue: Venue) -> list[Room]:
    """The venue's rooms with their opening hours (two queries)."""
    return list(Room.objects.filter(venue=venue).prefetch_related("hours").order_by("name", "id"))


def hours_text(room: Room) -> dict[int, str]:
    """Weekday → the room's hours that day (from the prefetched ``hours``)."""
    return {weekday: rules.day_text(spans) for weekday, spans in rules.by_day(room.hours.all()).items()}


def week(venue: Venue, start: date, *, staff: bool, today: date | None = None) -> dict:
    """Seven days from ``start`` × the venue's rooms: approved bookings, meetings in its rooms (not
    cancelled) and, for the venue's staff (``staff``), the pending requests and who asked. Five queries
    whatever the number of rooms and bookings. ``subject_ids``: the persons whose names were shown."""
    today = today or timezone.localdate()
    days = [start + timedelta(days=n) for n in range(WEEK)]
    begin, end = local_midnight(days[0]), local_midnight(start + timedelta(days=WEEK))
    rooms = rooms_of(venue)
    room_ids = [r.pk for r in rooms]
    statuses = [Status.APPROVED, Status.REQUESTED] if staff else [Status.APPROVED]
    bookings = Booking.objects.filter(room_id__in=room_ids, status__in=statuses, starts_at__lt=end, ends_at__gt=begin)
    if staff:
        bookings = bookings.select_related("requested_by", "organisation")
    else:
        bookings = bookings.only("id", "room_id", "status", "starts_at", "ends_at", "title")
    meetings = (
        Meeting.objects.filter(room_id__in=room_ids, starts_at__lt=end, ends_at__gt=begin)
        .exclude(status=MeetingStatus.CANCELLED)
        .only("id", "room_id", "title", "starts_at", "ends_at", "notice_sent_at")
    )
    items: list[tuple[int, Entry]] = []
    subject_ids: set[int] = set()
    for b in bookings.order_by("starts_at", "id"):
        who = ""
        if staff:
            who = b.requested_by.name + (f" · {b.organisation.name}" if b.organisation_id else "")
            subject_ids.add(b.requested_by_id)
        kind = "booking" if b.status == Status.APPROVED else "request"
        url = f"/venues/bookings/{b.pk}/" if staff else ""
        items.append((b.room_id, Entry(kind, b.starts_at, b.ends_at, "", "", b.title, who, url, b.pk)))
    for m in meetings.order_by("starts_at", "id"):
        announced = m.notice_sent_at is not None
        title = m.title if (announced or staff) else _("Meeting (not yet announced)")
        url = f"/meetings/{m.pk}/" if announced else ""
        items.append((m.room_id, Entry("meeting", m.starts_at, m.ends_at, "", "", title, "", url, m.pk)))

    names = {value: str(label) for value, label in Weekday.choices}
    grid = {}
    out = []
    spans = {room.pk: rules.by_day(room.hours.all()) for room in rooms}
    for day in days:
        row = []
        for room in rooms:
            today_spans = spans[room.pk].get(day.weekday(), [])
            cell = RoomDay(room=room, hours=rules.day_text(today_spans), closed=bool(spans[room.pk]) and not today_spans)
            grid[(room.pk, day)] = cell
            row.append(cell)
        out.append(Day(date=day, weekday=day.weekday(), label=names[day.weekday()], rooms=row, today=day == today))
    for room_id, entry in sorted(items, key=lambda i: i[1].starts_at):
        for day in days:
            day_begin, day_end = local_midnight(day), local_midnight(day + timedelta(days=1))
            if entry.starts_at >= day_end or entry.ends_at <= day_begin:
                continue
            starts = timezone.localtime(max(entry.starts_at, day_begin)).strftime("%H:%M")
            ends = "24:00" if entry.ends_at >= day_end else timezone.localtime(entry.ends_at).strftime("%H:%M")
            clipped = Entry(**{**entry.__dict__, "starts": starts, "ends": ends})
            grid[(room_id, day)].entries.append(clipped)
    return {
        "venue": venue,
        "rooms": rooms,
        "days": out,
        "start": start,
        "end": days[-1],
        "previous": start - timedelta(days=WEEK),
        "next": start + timedelta(days=WEEK),
        "subject_ids": sorted(subject_ids),
    }


# --- lists ----------------------------------------------------------------------------------------


def booking_list(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    return qs.select_related("room__venue", "organisation", "requested_by")


def queue(user, *, venue: Venue | None = None, now: datetime | None = None) -> QuerySet[Booking]:
    """Pending requests of the venues the user runs, still to come, soonest first."""
    now = now or timezone.now()
    qs = access.run_bookings_for(user).filter(status=Status.REQUESTED, starts_at__gt=now)
    if venue is not None:
        qs = qs.filter(room__venue=venue)
    return booking_list(qs).order_by("starts_at", "id")


def mark_clashes(requests: list[Booking]) -> None:
    """Set ``clash`` on each request that overlaps an approved booking or a meeting in its room (two
    queries for the whole page): approving it would be refused."""
    for r in requests:
        r.clash = False
    if not requests:
        return
    room_ids = {r.room_id for r in requests}
    begin, end = min(r.starts_at for r in requests), max(r.ends_at for r in requests)
    taken = list(
        Booking.objects.filter(room_id__in=room_ids, status=Status.APPROVED, starts_at__lt=end, ends_at__gt=begin).values_list(
            "room_id", "starts_at", "ends_at"
        )
    )
    taken += list(
        Meeting.objects.filter(room_id__in=room_ids, starts_at__lt=end, ends_at__gt=begin)
        .exclude(status=MeetingStatus.CANCELLED)
        .values_list("room_id", "starts_at", "ends_at")
    )
    for r in requests:
        r.clash = any(room == r.room_id and s < r.ends_at and r.starts_at < e for room, s, e in taken)


def my_bookings(user) -> QuerySet[Booking]:
    """Bookings the user asked for, or that are for an organisation they are an officer of."""
    mine = Q(requested_by_id=user.pk) | Q(organisation_id__in=policy.organisations_of(user, officers_only=True))
    return booking_list(Booking.objects.filter(mine))


def venues_for(user) -> dict[str, list[Venue]]:
    """The venues of the user's own communities (where they may ask for a room) and those they run."""
    run = list(access.venues_run_by(user).select_related("place").order_by("name"))
    homes = home_community_paths(user)
    run_ids = {v.pk for v in run}
    near = []
    if homes:
        near = [
            v
            for v in Venue.objects.filter(under_paths_q("place__path", homes)).select_related("place").order_by("name")
            if v.pk not in run_ids
        ]
    return {"run": run, "near": near}


def pending_counts(venue_ids: list[int], now: datetime | None = None) -> dict[int, int]:
    """Venue id → how many requests still to come wait for a decision (one query)."""
    now = now or timezone.now()
    rows = (
        Booking.objects.filter(room__venue_id__in=venue_ids, status=Status.REQUESTED, starts_at__gt=now)
        .values("room__venue_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["room__venue_id"]: row["n"] for row in rows}


def keepers_of(venue: Venue) -> list[VenueKeeper]:
    return list(VenueKeeper.objects.filter(venue=venue).select_related("person", "appointed_by").order_by("since", "id"))


def room_hours(room_ids: list[int]) -> dict[int, str]:
    """Room id → its opening hours as one line ("Monday 09:00–12:00; …"), one query for all rooms."""
    spans: dict[int, list[OpeningHours]] = {}
    for row in OpeningHours.objects.filter(room_id__in=room_ids).order_by("weekday", "opens"):
        spans.setdefault(row.room_id, []).append(row)
    names = {value: str(label) for value, label in Weekday.choices}
    return {
        room_id: "; ".join(f"{names[w]} {rules.day_text(day)}" for w, day in rules.by_day(rows).items())
        for room_id, rows in spans.items()
    }
