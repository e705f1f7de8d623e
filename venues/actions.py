"""State changes on venue rooms and their bookings. Each action runs in one transaction, re-checks its
preconditions, writes an audit entry and notifies through the outbox (sent only on commit).

A booking: requested → approved or declined by the venue's staff; requested or approved → cancelled
(with the reason) by whoever asked, the organisation's officers or the venue's staff. Venue staff book
directly (``hold_room``, or ``request_booking`` by staff): approved at once. Requests that nobody
decided before their time are declined by ``expire_stale_requests`` (Celery beat, hourly).

Refused (``ValidationError`` keyed by field, nothing written): an end not after the start, a start in
the past, longer than 12 hours, more than 180 days ahead, outside the room's opening hours, more
people than the room holds, and a time that overlaps an approved booking of the room or a meeting in
it (keyed ``room``, naming the booking's or meeting's time and title). Requests may overlap each other.

No double booking: the database refuses a second approved booking of a room over the same time (an
exclusion constraint on PostgreSQL, triggers on SQLite; migration ``0002_no_double_booking``). The
actions check first, for a message naming the clash; when two approvals race past that check at the
same moment, the database lets one through and the other's refusal becomes the same ``ValidationError``
(``_write``). Status changes are a compare-and-set on ``(status, version)`` (``Conflict``). No lock is
taken on bookings: the constraint is the guarantee. Setting a room's opening hours locks the room's row.
Meetings in a room are checked by the application only (the meetings app writes them).
"""

from collections.abc import Callable, Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit, concurrency
from core.concurrency import compare_and_set
from core.outbox import notify
from people import policy
from people.models import Organisation, Person, Role, RoleAssignment
from places import rooms
from places.models import Room, Venue, ancestor_paths

from . import access, rules
from .models import NO_OVERLAP, TRANSITIONS, Booking, OpeningHours, Status, VenueKeeper, Weekday

TITLE_MAX = 120
TEXT_MAX = 2000
DEADLOCK = "40P01"  # PostgreSQL's deadlock_detected
WRITE_ATTEMPTS = 3


class Conflict(concurrency.Conflict):
    message = gettext_lazy("Someone else changed this booking a moment ago. Please look at it again.")


def booking_link(booking: Booking) -> str:
    return f"/venues/bookings/{booking.pk}/"


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


def weekday_names() -> dict[int, str]:
    return {value: str(label) for value, label in Weekday.choices}


def venue_staff(venue: Venue) -> list[Person]:
    """Who is told of a new request: the venue's keepers and the community staff over it; where there are
    neither, the sub-district administrators over it (two queries at most)."""
    above = ancestor_paths(venue.place.path)

    def holding(role: str) -> Q:
        return Q(pk__in=RoleAssignment.objects.active().filter(role=role, path__in=above).values("person_id"))

    staff = list(Person.objects.filter(Q(venues_kept__venue=venue) | holding(Role.COMMUNITY_STAFF), is_active=True).distinct())
    if not staff:
        staff = list(Person.objects.filter(holding(Role.SUBDISTRICT_ADMIN), is_active=True))
    return staff


# --- checks ---------------------------------------------------------------------------------------


def _text(value: str, field: str, limit: int, errors: dict[str, str], *, required: str = "") -> str:
    """``value`` stripped; a refusal in ``errors`` when it is too long, or empty and ``required`` (the message)."""
    value = (value or "").strip()
    if len(value) > limit:
        errors[field] = _("At most %(n)d characters.") % {"n": limit}
    elif not value and required:
        errors[field] = required
    return value


def _check(
    *,
    room: Room,
    starts_at: datetime | None,
    ends_at: datetime | None,
    title: str,
    description: str,
    expected: int | None,
    expected_required: bool,
    now: datetime,
) -> tuple[str, str]:
    """Everything about a new booking that needs no look at other bookings; raises ``ValidationError``
    with every field's reason at once. Returns the cleaned title and description."""
    errors: dict[str, str] = {}
    title = _text(title, "title", TITLE_MAX, errors)
    description = _text(description, "description", TEXT_MAX, errors)
    if not title and "title" not in errors:
        errors["title"] = _("Give the booking a title.")
    if starts_at is None or ends_at is None:
        errors["starts_at"] = _("Give the start and end time.")
    else:
        errors.update(
            rules.time_errors(
                starts_at=starts_at, ends_at=ends_at, now=now, spans=room.hours.all(), weekday_names=weekday_names()
            )
        )
    if expected is None:
        if expected_required:
            errors["expected_attendees"] = _("Say how many people are expected.")
    elif expected < 1:
        errors["expected_attendees"] = _("At least one person is expected.")
    elif problem := rules.capacity_error(room.capacity, expected):
        errors["expected_attendees"] = problem
    if errors:
        raise ValidationError(errors)
    return title, description


def booking_clash(room: Room, starts_at: datetime, ends_at: datetime, exclude: int | None = None) -> ValidationError | None:
    """The refusal naming the approved booking that holds the room over part of that time, or None. Registered
    with ``places.rooms`` (``VenuesConfig.ready``): meetings ask it before they take a room."""
    taken = (
        Booking.objects.filter(room=room, status=Status.APPROVED, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk=exclude)
        .order_by("starts_at")
        .only("starts_at", "ends_at", "title")
        .first()
    )
    if taken is None:
        return None
    return ValidationError(
        {
            "room": _("The room is already booked %(when)s: “%(title)s”.")
            % {"when": rooms.span_text(taken.starts_at, taken.ends_at), "title": taken.title}
        }
    )


def clash(room: Room, starts_at: datetime, ends_at: datetime, *, exclude: int | None = None) -> ValidationError | None:
    """The refusal naming what already holds the room over that time (an approved booking, a meeting that is
    not cancelled), ``exclude`` being the booking in hand. ``None`` when the room is free."""
    return rooms.clash(room, starts_at, ends_at, exclude=("booking", exclude) if exclude else None)


def _refuse_clash(room: Room, starts_at: datetime, ends_at: datetime, *, exclude: int | None = None) -> None:
    """Lock the room's row (so that a meeting being put in the room waits, and sees this booking), then refuse
    a clash."""
    rooms.refuse_clash(room, starts_at, ends_at, exclude=("booking", exclude) if exclude else None)


def _deadlock(exc: OperationalError) -> bool:
    cause = exc.__cause__
    return (getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)) == DEADLOCK


def _write(write: Callable[[], object], booking: Booking) -> None:
    """Run a write that may make ``booking`` approved, in a savepoint. If the database refuses it as a
    double booking (someone approved an overlapping booking at the same moment and committed first),
    answer with the same ``ValidationError`` the check gives.

    On PostgreSQL two transactions inserting overlapping rows at once may each wait for the other while
    checking the exclusion constraint; PostgreSQL then aborts one of the two writes ("deadlock
    detected"). Its savepoint is rolled back, which lets the other go on, and the write is tried again:
    this time it waits for the other and is refused (or goes through, if the other rolled back)."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            with transaction.atomic():
                write()
            return
        except OperationalError as exc:
            if not _deadlock(exc) or attempt == WRITE_ATTEMPTS - 1:
                raise
        except IntegrityError as exc:
            if NO_OVERLAP not in str(exc):
                raise
            raise clash(booking.room, booking.starts_at, booking.ends_at, exclude=booking.pk) or ValidationError(
                {"room": _("The room has just been booked for this time. Please look at the week again.")}
            ) from exc


# --- booking --------------------------------------------------------------------------------------


def _new_booking(
    *,
    room: Room,
    starts_at: datetime,
    ends_at: datetime,
    title: str,
    by: Person,
    organisation: Organisation | None,
    description: str,
    expected: int | None,
    expected_required: bool,
    staff: bool,
    now: datetime,
) -> Booking:
    title, description = _check(
        room=room,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title,
        description=description,
        expected=expected,
        expected_required=expected_required,
        now=now,
    )
    venue = room.venue
    with transaction.atomic():
        _refuse_clash(room, starts_at, ends_at)
        booking = Booking(
            room=room,
            path=venue.place.path,
            starts_at=starts_at,
            ends_at=ends_at,
            title=title,
            description=description,
            expected_attendees=expected,
            organisation=organisation,
            requested_by=by,
            status=Status.APPROVED if staff else Status.REQUESTED,
            decided_by=by if staff else None,
            decided_at=now if staff else None,
            created_at=now,
            updated_at=now,
        )
        _write(booking.save, booking)
        audit.record(
            actor=by,
            action="booking.booked" if staff else "booking.requested",
            obj=booking,
            room=room.pk,
            organisation=organisation.pk if organisation else None,
        )
        if not staff:
            notify(
                recipients=venue_staff(venue),
                subject=_("Room request: %(title)s") % {"title": title},
                body=_("%(room)s, %(when)s") % {"room": str(room), "when": rooms.span_text(starts_at, ends_at)},
                link=booking_link(booking),
            )
    return booking


def request_booking(
    *,
    room: Room,
    starts_at: datetime,
    ends_at: datetime,
    title: str,
    by: Person,
    expected: int | None = None,
    description: str = "",
    organisation: Organisation | None = None,
    now: datetime | None = None,
) -> Booking:
    """Ask for a room: residents of the venue's community for themselves, an organisation's officers for
    it (``access.may_request``). ``expected`` is how many people are expected (required, at most the
    room's capacity). The venue's staff are told. Venue staff asking book directly: approved at once.
    Raises ``PermissionDenied`` (answered 404) or ``ValidationError``."""
    now = now or timezone.now()
    venue = room.venue
    if not access.may_request(by, venue, organisation):
        if organisation is not None and access.can_request_at(by, venue):
            raise ValidationError({"organisation": _("You cannot book this venue for that organisation.")})
        raise PermissionDenied
    return _new_booking(
        room=room,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title,
        by=by,
        organisation=organisation,
        description=description,
        expected=expected,
        expected_required=True,
        staff=access.can_run_venue(by, venue),
        now=now,
    )


def hold_room(
    *,
    room: Room,
    starts_at: datetime,
    ends_at: datetime,
    title: str,
    by: Person,
    organisation: Organisation | None = None,
    description: str = "",
    expected: int | None = None,
    now: datetime | None = None,
) -> Booking:
    """Venue staff take a room (an event, a community activity): approved at once. Raises
    ``ValidationError`` keyed ``room`` when the room is taken (an approved booking or a meeting), keyed
    by field for the other refusals, and ``PermissionDenied`` for anyone but the venue's staff."""
    now = now or timezone.now()
    venue = room.venue
    _require(access.can_run_venue(by, venue))
    if organisation is not None and not access.may_request(by, venue, organisation):
        raise ValidationError({"organisation": _("Choose an organisation of this community.")})
    return _new_booking(
        room=room,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title,
        by=by,
        organisation=organisation,
        description=description,
        expected=expected,
        expected_required=False,
        staff=True,
        now=now,
    )


def _tell_requester(booking: Booking, subject: str, body: str = "") -> None:
    notify(
        recipients=[booking.requested_by],
        subject=subject,
        body=body or f"{booking.room}, {rooms.span_text(booking.starts_at, booking.ends_at)}",
        link=booking_link(booking),
    )


def approve_booking(
    booking: Booking, *, by: Person, note: str = "", version: int | None = None, now: datetime | None = None
) -> Booking:
    """Approve a request (venue staff): refused when its time has come, or when the room has meanwhile
    been booked or taken by a meeting over that time. The requester is told."""
    now = now or timezone.now()
    _require(access.can_decide(by, booking))
    if Status.APPROVED not in TRANSITIONS[booking.status]:
        raise ValidationError(_("Only a pending request can be approved."))
    if booking.starts_at <= now:
        raise ValidationError({"starts_at": _("The time of this request has come: it can no longer be approved.")})
    errors: dict[str, str] = {}
    note = _text(note, "note", TEXT_MAX, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _refuse_clash(booking.room, booking.starts_at, booking.ends_at, exclude=booking.pk)
        _write(
            lambda: compare_and_set(
                booking, version, conflict=Conflict, status=Status.APPROVED, decided_by=by, decided_at=now, decision_note=note
            ),
            booking,
        )
        audit.record(actor=by, action="booking.approved", obj=booking)
        _tell_requester(booking, _("Room booked: %(title)s") % {"title": booking.title})
    return booking


def decline_booking(
    booking: Booking, *, by: Person, note: str, version: int | None = None, now: datetime | None = None
) -> Booking:
    """Decline a request (venue staff), with the reason; the requester is told."""
    now = now or timezone.now()
    _require(access.can_decide(by, booking))
    if Status.DECLINED not in TRANSITIONS[booking.status]:
        raise ValidationError(_("Only a pending request can be declined."))
    errors: dict[str, str] = {}
    note = _text(note, "note", TEXT_MAX, errors, required=_("Tell the requester why."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        compare_and_set(
            booking, version, conflict=Conflict, status=Status.DECLINED, decided_by=by, decided_at=now, decision_note=note
        )
        audit.record(actor=by, action="booking.declined", obj=booking)
        _tell_requester(booking, _("Room request declined: %(title)s") % {"title": booking.title}, note)
    return booking


def cancel_booking(
    booking: Booking, by: Person, reason: str, *, version: int | None = None, now: datetime | None = None
) -> Booking:
    """Cancel a requested or approved booking that is not over, with the reason: whoever asked, the
    organisation's officers, or the venue's staff (the events app when an event is cancelled or moves
    room). The requester is told when someone else cancels; the venue's staff when the requester's side
    does. A booking already declined or cancelled is returned as it is (an event cancelled after its
    request was declined has nothing to give back)."""
    now = now or timezone.now()
    _require(access.can_cancel(by, booking))
    if Status.CANCELLED not in TRANSITIONS[booking.status]:
        return booking  # declined or cancelled already: it holds the room no more, nothing to do
    if booking.ends_at <= now:
        raise ValidationError(_("This booking is over."))
    errors: dict[str, str] = {}
    reason = _text(reason, "reason", TEXT_MAX, errors, required=_("Please give the reason for cancelling."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        compare_and_set(
            booking, version, conflict=Conflict, status=Status.CANCELLED, cancelled_by=by, cancelled_at=now, cancel_reason=reason
        )
        audit.record(actor=by, action="booking.cancelled", obj=booking)
        subject = _("Room booking cancelled: %(title)s") % {"title": booking.title}
        if booking.requested_by_id != by.pk:
            _tell_requester(booking, subject, reason)
        if access.is_party(by, booking):
            staff = [p for p in venue_staff(booking.room.venue) if p.pk != by.pk]
            notify(recipients=staff, subject=subject, body=reason, link=booking_link(booking))
    return booking


def expire_stale_requests(now: datetime | None = None) -> int:
    """Requests nobody decided before their time are declined, and the requester told (Celery beat,
    hourly). Each is a compare on the status, so a decision made at the same moment stands."""
    now = now or timezone.now()
    stale = list(
        Booking.objects.filter(status=Status.REQUESTED, starts_at__lte=now).select_related("requested_by", "room__venue")[:500]
    )
    note = _("Nobody decided on this request before its time.")
    expired = 0
    for booking in stale:
        with transaction.atomic():
            changed = Booking.objects.filter(pk=booking.pk, status=Status.REQUESTED).update(
                status=Status.DECLINED, decided_at=now, decision_note=note, version=F("version") + 1, updated_at=now
            )
            if not changed:
                continue
            audit.record(actor=None, action="booking.expired", obj=booking)
            _tell_requester(booking, _("Room request not decided: %(title)s") % {"title": booking.title}, note)
            expired += 1
    return expired


# --- keepers and opening hours --------------------------------------------------------------------


def appoint_keeper(*, venue: Venue, person: Person, by: Person) -> VenueKeeper:
    """Community staff over the venue appoint someone they may name (``policy.can_name``) to run it."""
    _require(access.can_appoint_keepers(by, venue))
    if not person.is_active or person.anonymised_at is not None or not policy.can_name(by, person):
        raise ValidationError({"person": _("This person cannot be appointed.")})
    already = ValidationError({"person": _("%(name)s already keeps this venue.") % {"name": person.name}})
    if VenueKeeper.objects.filter(venue=venue, person=person).exists():
        raise already
    try:
        with transaction.atomic():
            keeper = VenueKeeper.objects.create(venue=venue, person=person, appointed_by=by)
            audit.record(actor=by, action="venue.keeper_appointed", obj=venue, subject_id=person.pk)
            notify(
                recipients=[person],
                subject=_("You now keep %(venue)s") % {"venue": venue.name},
                body=_("You approve and decline its room bookings."),
                link=f"/venues/queue/?venue={venue.pk}",
            )
    except IntegrityError as exc:  # appointed by someone else at the same moment
        raise already from exc
    return keeper


def remove_keeper(keeper: VenueKeeper, *, by: Person) -> None:
    venue = keeper.venue
    _require(access.can_appoint_keepers(by, venue))
    with transaction.atomic():
        removed, _n = VenueKeeper.objects.filter(pk=keeper.pk).delete()
        if not removed:
            return
        audit.record(actor=by, action="venue.keeper_removed", obj=venue, subject_id=keeper.person_id)
        notify(recipients=[keeper.person], subject=_("You no longer keep %(venue)s") % {"venue": venue.name})


def set_opening_hours(*, room: Room, spans: Iterable[rules.Span], by: Person) -> list[OpeningHours]:
    """Replace a room's opening hours (venue staff). No spans: open at any time. Spans of a day may not
    overlap. Bookings already made stay as they are. Locks the room's row, so two saves at once leave
    one of the two sets, never a mix."""
    _require(access.can_run_venue(by, room.venue))
    names = weekday_names()
    days: dict[int, list] = {}
    for span in spans:
        if span.weekday not in names:
            raise ValidationError({"hours": _("A weekday is 0 (Monday) to 6 (Sunday).")})
        days.setdefault(span.weekday, []).append((span.opens, span.closes))
    for weekday, day in days.items():
        try:
            rules.check_day(day)
        except ValueError as exc:
            raise ValidationError({f"day_{weekday}": f"{names[weekday]}: {exc}"}) from exc
    with transaction.atomic():
        Room.objects.select_for_update().filter(pk=room.pk).first()
        OpeningHours.objects.filter(room=room).delete()
        rows = OpeningHours.objects.bulk_create(
            OpeningHours(room=room, weekday=w, opens=o, closes=c) for w in sorted(days) for o, c in sorted(days[w])
        )
        audit.record(
            actor=by,
            action="venue.opening_hours",
            obj=room,
            hours={names[w]: rules.day_text(sorted(days[w])) for w in sorted(days)},
        )
    return rows
