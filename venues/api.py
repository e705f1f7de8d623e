"""JSON API for venue rooms and their bookings (mounted at /api/venues in config/api.py): rooms with their
opening hours, a venue's week, bookings (list, ask or book, approve, decline, cancel), keepers.

Every endpoint asks ``access`` exactly as the pages do: a booking the user may not see answers 404, a
change someone else made first answers 409, a refusal 400 with the reason by field (``room`` when the
room is taken, naming the booking or meeting it clashes with). In a venue's week, residents see the time
and title of approved bookings; the venue's staff also see pending requests and who asked. Persons
appear by name only, never a mobile number.

Booking routes (``/bookings``) and room routes (``/rooms``) are declared before the venue routes, and
venue ids use the ``int`` converter. The list of bookings is ``/api/venues/bookings/``, with the slash:
the people API's ``/api/venues/{venue_id}`` (any text) answers ``/api/venues/bookings`` first.
"""

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from cases.api import Error
from core import audit
from deliberation.api import organisation_for, person_for
from people.api import AUTH
from places.models import Room

from . import access, actions, queries, rules
from .models import Booking, VenueKeeper

router = Router(tags=["venues"], auth=AUTH)


# --- schemas --------------------------------------------------------------------------------------


class SpanOut(Schema):
    weekday: int = Field(..., description="0 Monday … 6 Sunday")
    opens: time
    closes: time


class RoomOut(Schema):
    id: int
    venue_id: int
    name: str
    function: str
    capacity: int | None
    opening_hours: list[SpanOut] = Field(..., description="Empty: bookable at any time")
    opening_hours_note: str = Field(..., description="The hours as once written by hand, for reference")

    @staticmethod
    def resolve_opening_hours(obj):
        return list(obj.hours.all())

    @staticmethod
    def resolve_opening_hours_note(obj):
        return obj.opening_hours


class SpanIn(Schema):
    weekday: int = Field(..., description="0 Monday … 6 Sunday")
    opens: time
    closes: time


class HoursIn(Schema):
    hours: list[SpanIn] = Field(..., description="Every span of the week; several a day allowed; none: open at any time")


class EntryOut(Schema):
    kind: str = Field(..., description="booking (approved), request (pending; venue staff only) or meeting")
    id: int
    starts_at: datetime
    ends_at: datetime
    title: str
    who: str = Field("", description="Who asked (and for which organisation): venue staff only")


class RoomDayOut(Schema):
    room_id: int
    hours: str = Field(..., description="That day's opening hours; empty when open at any time or closed")
    closed: bool
    entries: list[EntryOut]


class DayOut(Schema):
    date: date
    weekday: int
    rooms: list[RoomDayOut]


class WeekOut(Schema):
    venue_id: int
    venue: str
    start: date
    end: date
    previous: date
    next: date
    staff: bool = Field(..., description="Whether you run this venue")
    can_request: bool = Field(..., description="Whether you may ask for a room here")
    rooms: list[RoomOut]
    days: list[DayOut]


class BookingOut(Schema):
    id: int
    room_id: int
    room: str
    venue_id: int
    venue: str
    starts_at: datetime
    ends_at: datetime
    title: str
    description: str
    expected_attendees: int | None
    organisation_id: int | None
    organisation: str | None = None
    requested_by_id: int
    requested_by: str
    status: str
    next_statuses: list[str]
    decided_at: datetime | None
    decision_note: str
    cancelled_at: datetime | None
    cancel_reason: str
    version: int
    created_at: datetime

    @staticmethod
    def resolve_room(obj):
        return obj.room.name

    @staticmethod
    def resolve_venue_id(obj):
        return obj.room.venue_id

    @staticmethod
    def resolve_venue(obj):
        return obj.room.venue.name

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.name if obj.organisation_id else None

    @staticmethod
    def resolve_requested_by(obj):
        return obj.requested_by.name


class BookingIn(Schema):
    room_id: int
    starts_at: datetime
    ends_at: datetime
    title: str
    description: str = ""
    expected_attendees: int | None = Field(None, description="Required when asking; at most the room's capacity")
    organisation_id: int | None = Field(None, description="Booking for an organisation you act for")


class DecisionIn(Schema):
    note: str = Field("", description="To the requester; required when declining")
    version: int | None = Field(None, description="The version you saw; a newer one answers 409")


class CancelIn(Schema):
    reason: str
    version: int | None = Field(None, description="The version you saw; a newer one answers 409")


class KeeperOut(Schema):
    id: int
    venue_id: int
    person_id: int
    name: str
    since: date
    appointed_by: str | None = None

    @staticmethod
    def resolve_name(obj):
        return obj.person.name

    @staticmethod
    def resolve_appointed_by(obj):
        return obj.appointed_by.name if obj.appointed_by_id else None


class KeeperIn(Schema):
    person_id: int = Field(..., description="Someone you may name: in your directory, or holding a role in your scope")


# --- helpers --------------------------------------------------------------------------------------


def _room(pk: int, field: str = "room_id") -> Room:
    room = Room.objects.filter(pk=pk).select_related("venue__place").prefetch_related("hours").first()
    if room is None:
        raise ValidationError({field: _("There is no room #%(n)s.") % {"n": pk}})
    return room


def _booking(request, booking_id: int) -> Booking:
    return access.get_booking_for(request.user, booking_id)


# --- bookings -------------------------------------------------------------------------------------


class BookingPage(Schema):
    items: list[BookingOut]
    count: int


@router.get("/bookings/", response=BookingPage)
def list_bookings(
    request,
    status: str = "",
    venue_id: int | None = None,
    mine: bool = False,
    pending: bool = False,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
):
    """Bookings you see in full: your own, your organisations', and every booking of the venues you run;
    by time. ``mine=true``: only yours and your organisations'. ``pending=true``: the requests still to
    come that wait for a decision (the staff's queue). Who asked is shown by name; the staff's reading of
    others' names is audited."""
    user = request.user
    if pending:
        qs = queries.queue(user)
    elif mine:
        qs = queries.my_bookings(user)
    else:
        qs = queries.booking_list(access.bookings_for(user))
    if status:
        qs = qs.filter(status=status)
    if venue_id is not None:
        qs = qs.filter(room__venue_id=venue_id)
    items = list(qs.order_by("starts_at", "id")[offset : offset + limit])
    others = sorted({b.requested_by_id for b in items if b.requested_by_id != user.pk})
    if others:
        audit.record_reads(actor=user, action="read.api.venue_bookings", subject_ids=others)
    return {"items": items, "count": qs.count()}


@router.post("/bookings/", response={201: BookingOut, 400: Error, 404: Error})
def create_booking(request, payload: BookingIn):
    """Ask for a room (residents of the venue's community; officers for their organisation). Venue staff
    book directly: approved at once."""
    room = _room(payload.room_id)
    organisation = organisation_for(payload.organisation_id, "organisation") if payload.organisation_id is not None else None
    booking = actions.request_booking(
        room=room,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        title=payload.title,
        by=request.user,
        expected=payload.expected_attendees,
        description=payload.description,
        organisation=organisation,
    )
    return Status(201, _booking(request, booking.pk))


@router.get("/bookings/{int:booking_id}", response={200: BookingOut, 404: Error})
def get_booking(request, booking_id: int):
    booking = _booking(request, booking_id)
    if booking.requested_by_id != request.user.pk and access.can_decide(request.user, booking):
        audit.record_reads(
            actor=request.user, action="read.api.venue_booking", subject_ids=[booking.requested_by_id], booking=booking.pk
        )
    return booking


@router.post("/bookings/{int:booking_id}/approve", response={200: BookingOut, 400: Error, 404: Error, 409: Error})
def approve_booking(request, booking_id: int, payload: DecisionIn):
    """Venue staff: approve a request; refused (400, keyed ``room``) if the room is taken over that time."""
    booking = _booking(request, booking_id)
    return actions.approve_booking(booking, by=request.user, note=payload.note, version=payload.version)


@router.post("/bookings/{int:booking_id}/decline", response={200: BookingOut, 400: Error, 404: Error, 409: Error})
def decline_booking(request, booking_id: int, payload: DecisionIn):
    """Venue staff: decline a request, with the reason (``note``)."""
    booking = _booking(request, booking_id)
    return actions.decline_booking(booking, by=request.user, note=payload.note, version=payload.version)


@router.post("/bookings/{int:booking_id}/cancel", response={200: BookingOut, 400: Error, 404: Error, 409: Error})
def cancel_booking(request, booking_id: int, payload: CancelIn):
    """Whoever asked, the organisation's officers or the venue's staff: cancel a requested or approved
    booking that is not over, with the reason."""
    booking = _booking(request, booking_id)
    return actions.cancel_booking(booking, request.user, payload.reason, version=payload.version)


# --- rooms ----------------------------------------------------------------------------------------


@router.get("/rooms/{int:room_id}", response={200: RoomOut, 404: Error})
def get_room(request, room_id: int):
    room = Room.objects.filter(pk=room_id).prefetch_related("hours").first()
    if room is None:
        raise Http404
    return room


@router.put("/rooms/{int:room_id}/hours", response={200: RoomOut, 400: Error, 404: Error})
def set_opening_hours(request, room_id: int, payload: HoursIn):
    """Venue staff: replace the room's opening hours (spans of a day may not overlap)."""
    room = access.get_room_run_by(request.user, room_id)
    actions.set_opening_hours(room=room, spans=[rules.Span(s.weekday, s.opens, s.closes) for s in payload.hours], by=request.user)
    return Room.objects.prefetch_related("hours").get(pk=room.pk)


# --- venues ---------------------------------------------------------------------------------------


@router.get("/{int:venue_id}/rooms", response={200: list[RoomOut], 404: Error})
def list_rooms(request, venue_id: int):
    """A venue's rooms with their opening hours (venues are public)."""
    return queries.rooms_of(access.get_venue(venue_id))


START = Query(None, description="The first of the seven days (YYYY-MM-DD); default today")


@router.get("/{int:venue_id}/week", response={200: WeekOut, 404: Error})
def venue_week(request, venue_id: int, start: date | None = START):
    """Seven days × the venue's rooms: approved bookings, meetings in its rooms, and for the venue's staff
    the pending requests and who asked."""
    user = request.user
    venue = access.get_venue(venue_id)
    staff = access.can_run_venue(user, venue)
    data = queries.week(venue, start or timezone.localdate(), staff=staff)
    if data["subject_ids"]:
        audit.record_reads(actor=user, action="read.api.venue_week", subject_ids=data["subject_ids"], venue=venue.pk)
    return {
        "venue_id": venue.pk,
        "venue": venue.name,
        "start": data["start"],
        "end": data["end"],
        "previous": data["previous"],
        "next": data["next"],
        "staff": staff,
        "can_request": access.can_request_at(user, venue),
        "rooms": data["rooms"],
        "days": [
            {
                "date": day.date,
                "weekday": day.weekday,
                "rooms": [
                    {"room_id": cell.room.pk, "hours": cell.hours, "closed": cell.closed, "entries": cell.entries}
                    for cell in day.rooms
                ],
            }
            for day in data["days"]
        ],
    }


@router.get("/{int:venue_id}/keepers", response={200: list[KeeperOut], 404: Error})
def list_keepers(request, venue_id: int):
    """The venue's keepers: to its staff."""
    venue = access.get_venue_run_by(request.user, venue_id)
    rows = queries.keepers_of(venue)
    audit.record_reads(
        actor=request.user, action="read.api.venue_keepers", subject_ids=[k.person_id for k in rows], venue=venue.pk
    )
    return rows


@router.post("/{int:venue_id}/keepers", response={201: KeeperOut, 400: Error, 404: Error})
def appoint_keeper(request, venue_id: int, payload: KeeperIn):
    """Community staff over the venue appoint a keeper."""
    venue = access.get_keepers_venue_for(request.user, venue_id)
    person = person_for(request.user, payload.person_id, "person_id")
    keeper = actions.appoint_keeper(venue=venue, person=person, by=request.user)
    return Status(201, keeper)


@router.delete("/{int:venue_id}/keepers/{int:keeper_id}", response={204: None, 404: Error})
def remove_keeper(request, venue_id: int, keeper_id: int):
    venue = access.get_keepers_venue_for(request.user, venue_id)
    keeper = VenueKeeper.objects.filter(pk=keeper_id, venue=venue).select_related("person").first()
    if keeper is None:
        raise Http404
    keeper.venue = venue
    actions.remove_keeper(keeper, by=request.user)
    return Status(204, None)
