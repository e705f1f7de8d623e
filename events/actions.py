"""Everything that changes clubs, events and registrations.

Seats are never overbooked: a sign-up is one ``UPDATE … RETURNING`` on the event row (or the volunteer
role's row) that takes a seat only while one is free *and* nobody is waiting, else a place on the
waiting list, and hands out the next ticket (arrival order). The statement holds the row's lock until
the transaction ends, so concurrent sign-ups queue on it in arrival order on PostgreSQL; SQLite runs
one writing transaction at a time (``transaction_mode`` IMMEDIATE in settings). A cancellation locks the
same row first, frees the seat and promotes the waiting list by ticket in the same transaction, so the
counters and the rows always agree (``recount`` checks them).
"""

from datetime import datetime, timedelta
from itertools import combinations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core import audit
from core.concurrency import Conflict, compare_and_set
from core.outbox import Notice, notify, notify_many
from people.models import Membership, Organisation, Person
from places.models import Place, Room
from venues import actions as venue_actions
from venues.access import can_run_venue

from . import access
from .models import (
    LIVE_STATUSES,
    Club,
    ClubJoinRequest,
    Event,
    JoinStatus,
    NeighbourOptIn,
    Registration,
    RegistrationStatus,
    Status,
    VolunteerRole,
)

CHECK_IN_BEFORE = timedelta(hours=2)  # the door opens this long before the start
CHECK_IN_AFTER = timedelta(hours=1)  # latecomers are still checked in this long after the end
REMIND_BEFORE = timedelta(hours=24)
MAX_LENGTH = timedelta(days=7)
MAX_CAPACITY = 100_000
# Pairs of attendees are recorded for events up to this size: at a 2,000-person festival nobody meets everybody.
ENCOUNTER_MAX_ATTENDEES = 200


def _local(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _link(event: Event) -> str:
    return f"/events/{event.pk}/"


# --- creating and changing events ----------------------------------------------------------------


def _check_event(fields: dict, *, now: datetime, creating: bool) -> None:
    errors: dict[str, str] = {}
    starts, ends = fields["starts_at"], fields["ends_at"]
    if not fields.get("title", "").strip():
        errors["title"] = _("Give the event a title.")
    if ends <= starts:
        errors["ends_at"] = _("The event must end after it starts.")
    elif ends - starts > MAX_LENGTH:
        errors["ends_at"] = _("An event lasts at most seven days; make a series of events instead.")
    if creating and starts <= now:
        errors["starts_at"] = _("The event must start in the future.")
    opens, closes = fields["signup_opens_at"], fields["signup_closes_at"]
    if closes <= opens:
        errors["signup_closes_at"] = _("Sign-up must close after it opens.")
    elif closes > starts:
        errors["signup_closes_at"] = _("Sign-up must close before the event starts.")
    capacity = fields["capacity"]
    if capacity is None or capacity < 1:
        errors["capacity"] = _("An event needs at least one seat.")
    elif capacity > MAX_CAPACITY:
        errors["capacity"] = _("At most %(n)s seats.") % {"n": MAX_CAPACITY}
    room = fields.get("room")
    if room is None and not fields.get("location", "").strip():
        errors["location"] = _("Choose a room or say where the event is.")
    if room is not None and room.capacity and capacity and capacity > room.capacity:
        errors["capacity"] = _("%(room)s holds %(n)s people.") % {"room": room, "n": room.capacity}
    if errors:
        raise ValidationError(errors)


def _audience_place(*, audience: str, community: Place, audience_place: Place | None, club: Club | None) -> Place:
    if audience == Event.Audience.CLUB:
        if club is None:
            raise ValidationError({"club": _("Choose the club whose members may sign up.")})
        return club.organisation.place
    if audience == Event.Audience.COMMUNITY:
        return community
    if audience == Event.Audience.SUBDISTRICT:
        parent = Place.objects.filter(pk=community.parent_id).first()
        if parent is None:
            raise ValidationError({"audience": _("This community is not in a sub-district.")})
        return parent
    if audience_place is None or audience_place.kind != Place.Kind.COMPOUND or not audience_place.path.startswith(community.path):
        raise ValidationError({"audience_place": _("Choose a compound in this community.")})
    return audience_place


def create_event(
    *,
    by: Person,
    organiser: Organisation,
    title: str,
    community: Place,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    audience: str = Event.Audience.COMMUNITY,
    audience_place: Place | None = None,
    club: Club | None = None,
    kind: str = Event.Kind.FESTIVAL,
    description: str = "",
    room: Room | None = None,
    location: str = "",
    signup_opens_at: datetime | None = None,
    signup_closes_at: datetime | None = None,
    roles: list[tuple[str, int, str]] = (),
    publish: bool = False,
    now: datetime | None = None,
) -> Event:
    """A new event (a draft, or published at once). Its room is held through the venues app: venue staff
    get it at once, anyone else asks for it and the venue staff decide."""
    now = now or timezone.now()
    if not access.can_organise_for(by, organiser):
        raise PermissionDenied
    if community.kind not in access.COMMUNITY_KINDS:
        raise ValidationError({"community": _("Choose a community.")})
    if club is not None and club.organisation_id != organiser.pk and not access.can_run_club(by, club):
        raise ValidationError({"club": _("You do not run this club.")})
    if room is not None and not (
        room.venue.place.path.startswith(community.path) or community.path.startswith(room.venue.place.path)
    ):
        raise ValidationError({"room": _("Choose a room in this community.")})
    fields = {
        "title": title.strip(),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "capacity": capacity,
        "room": room,
        "location": location.strip(),
        "signup_opens_at": signup_opens_at or now,
        "signup_closes_at": signup_closes_at or starts_at,
    }
    _check_event(fields, now=now, creating=True)
    names = [name.strip() for name, _n, _d in roles]
    if len(set(names)) != len(names) or not all(names):
        raise ValidationError({"roles": _("Each volunteer role needs its own name.")})
    if any(places < 1 for _n, places, _d in roles):
        raise ValidationError({"roles": _("A volunteer role needs at least one place.")})
    place = _audience_place(audience=audience, community=community, audience_place=audience_place, club=club)
    with transaction.atomic():
        event = Event(
            organiser=organiser,
            club=club,
            community=community,
            audience=audience,
            audience_place=place,
            kind=kind,
            description=description.strip(),
            created_by=by,
            status=Status.PUBLISHED if publish else Status.DRAFT,
            created_at=now,
            updated_at=now,
            **fields,
        )
        event.save()
        VolunteerRole.objects.bulk_create(
            VolunteerRole(event=event, name=name.strip(), capacity=places, description=text.strip())
            for name, places, text in roles
        )
        if room is not None:
            _hold_room(event, by, now=now)
        audit.record(actor=by, action="event.create", obj=event, title=event.title, published=publish)
    return event


def _hold_room(event: Event, by: Person, *, now: datetime) -> None:
    """Venue staff take the event's room at once; anyone else asks for it and the venue staff decide."""
    take = venue_actions.hold_room if can_run_venue(by, event.room.venue) else venue_actions.request_booking
    event.booking = take(
        room=event.room,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        title=event.title,
        by=by,
        organisation=event.organiser,
        expected=event.capacity,
        now=now,
    )
    event.save(update_fields=["booking"])


def _release_room(event: Event, by: Person, reason: str, *, now: datetime) -> None:
    if event.booking_id is None:
        return
    venue_actions.cancel_booking(event.booking, by=by, reason=reason, now=now)


def publish_event(event: Event, *, by: Person, version: int | None = None, now: datetime | None = None) -> Event:
    if not access.can_manage(by, event):
        raise PermissionDenied
    now = now or timezone.now()
    if event.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    if event.starts_at <= now:
        raise ValidationError(_("This event has already started."))
    with transaction.atomic():
        compare_and_set(event, version, status=Status.PUBLISHED, sequence=event.sequence + 1)
        audit.record(actor=by, action="event.publish", obj=event)
    return event


EDITABLE = ("title", "description", "kind", "location", "starts_at", "ends_at", "signup_opens_at", "signup_closes_at", "capacity")


def update_event(event: Event, *, by: Person, version: int | None = None, now: datetime | None = None, **changes) -> Event:
    """Change an event's details. Seats cannot drop below the confirmed registrations; more seats promote
    the waiting list at once. Registrants are told when the time or place changes."""
    if not access.can_manage(by, event):
        raise PermissionDenied
    now = now or timezone.now()
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if event.status == Status.CANCELLED:
        raise ValidationError(_("This event was cancelled."))
    if event.ends_at <= now:
        raise ValidationError(_("This event is over."))
    fields = {name: getattr(event, name) for name in EDITABLE} | {"room": event.room}
    fields.update({k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()})
    if fields["starts_at"] != event.starts_at and fields["starts_at"] <= now:
        raise ValidationError({"starts_at": _("The event must start in the future.")})
    _check_event(fields, now=now, creating=False)
    retimed = fields["starts_at"] != event.starts_at or fields["ends_at"] != event.ends_at
    moved = retimed or fields["location"] != event.location
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if fields["capacity"] < locked.confirmed:
            raise ValidationError(
                {
                    "capacity": _("%(n)s people are already confirmed; cancel registrations before removing seats.")
                    % {"n": locked.confirmed}
                }
            )
        fields.pop("room")
        event.confirmed, event.waitlisted, event.next_ticket = locked.confirmed, locked.waitlisted, locked.next_ticket
        compare_and_set(event, version, sequence=event.sequence + 1, **fields)
        if retimed and event.room_id:
            # The room is needed at the new time: free the old booking, hold (or ask for) the room again.
            _release_room(event, by, _("The event moved to %(when)s.") % {"when": _local(event.starts_at)}, now=now)
            _hold_room(event, by, now=now)
        promoted = _promote(event, now=now)
        if moved:
            people = Person.objects.filter(event_registrations__event=event, event_registrations__status__in=LIVE_STATUSES)
            notify(
                recipients=list(people),
                subject=_("Changed: %(title)s, now %(when)s") % {"title": event.title, "when": _local(event.starts_at)},
                body=event.where,
                link=_link(event),
                sms=True,
            )
        audit.record(actor=by, action="event.update", obj=event, changed=sorted(changes), promoted=promoted)
    return event


def cancel_event(event: Event, *, by: Person, reason: str, version: int | None = None, now: datetime | None = None) -> Event:
    if not access.can_manage(by, event):
        raise PermissionDenied
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the event is cancelled: the people who signed up are told.")})
    if event.status == Status.CANCELLED:
        raise ValidationError(_("This event was already cancelled."))
    if event.ends_at <= now:
        raise ValidationError(_("This event is over."))
    with transaction.atomic():
        compare_and_set(event, version, status=Status.CANCELLED, cancel_reason=reason, sequence=event.sequence + 1)
        people = list(Person.objects.filter(event_registrations__event=event, event_registrations__status__in=LIVE_STATUSES))
        notify(
            recipients=people,
            subject=_("Cancelled: %(title)s (%(when)s)") % {"title": event.title, "when": _local(event.starts_at)},
            body=reason,
            link=_link(event),
            sms=True,
        )
        _release_room(event, by, reason, now=now)
        audit.record(actor=by, action="event.cancel", obj=event, reason=reason, told=len(people))
    return event


# --- sign-up, cancellation, the waiting list ----------------------------------------------------

# Take a seat only while one is free and nobody waits; otherwise join the waiting list. Every SET
# expression reads the row as it was, so "confirmed" is decided by the same values that are changed.
TAKE_SEAT = """
UPDATE {table} SET
  confirmed = confirmed + CASE WHEN confirmed < capacity AND waitlisted = 0 THEN 1 ELSE 0 END,
  waitlisted = waitlisted + CASE WHEN confirmed < capacity AND waitlisted = 0 THEN 0 ELSE 1 END{extra}
WHERE {where}
RETURNING waitlisted{returning}
"""
EVENT_SEAT = TAKE_SEAT.format(
    table="events_event",
    extra=",\n  next_ticket = next_ticket + 1",
    where="id = %s AND status = 'published' AND signup_opens_at <= %s AND signup_closes_at > %s AND starts_at > %s",
    returning=", next_ticket",
)
ROLE_SEAT = TAKE_SEAT.format(table="events_volunteerrole", extra="", where="id = %s AND event_id = %s", returning="")
EVENT_TICKET = """
UPDATE events_event SET next_ticket = next_ticket + 1
WHERE id = %s AND status = 'published' AND signup_opens_at <= %s AND signup_closes_at > %s AND starts_at > %s
RETURNING next_ticket
"""


def _why_closed(event: Event, now: datetime) -> ValidationError:
    if event.status == Status.CANCELLED:
        return ValidationError(_("This event was cancelled."))
    if event.status != Status.PUBLISHED:
        return ValidationError(_("This event is not open for sign-up."))
    if now < event.signup_opens_at:
        return ValidationError(_("Sign-up opens %(when)s.") % {"when": _local(event.signup_opens_at)})
    return ValidationError(_("Sign-up has closed."))


def sign_up(event: Event, person: Person, *, role: VolunteerRole | None = None, now: datetime | None = None) -> Registration:
    """Sign ``person`` up: a confirmed seat while one is free and nobody waits, else a place on the
    waiting list, in arrival order. One live registration per person and event."""
    now = now or timezone.now()
    if not access.is_open_to(person, event):
        if event.audience == Event.Audience.CLUB:
            raise ValidationError(_("Only the members of %(club)s can sign up.") % {"club": event.club})
        raise ValidationError(_("This event is for the residents of %(place)s.") % {"place": event.audience_place})
    if role is not None and role.event_id != event.pk:
        raise ValidationError({"role": _("Choose a role of this event.")})
    for attempt in range(3):
        try:
            return _take_place(event, person, role, now)
        except IntegrityError:
            if Registration.objects.filter(event=event, person=person, status__in=LIVE_STATUSES).exists():
                raise ValidationError(_("You have already signed up for this event.")) from None
            if attempt == 2:
                raise
            # Two codes out of 31^8 met: the whole sign-up rolled back; take the place again with a new code.
    raise AssertionError("unreachable")


def _take_place(event: Event, person: Person, role: VolunteerRole | None, now: datetime) -> Registration:
    with transaction.atomic():
        with connection.cursor() as cursor:
            if role is None:
                cursor.execute(EVENT_SEAT, [event.pk, now, now, now])
                row = cursor.fetchone()
                if row is None:
                    raise _why_closed(event, now)
                waitlisted, ticket = row
            else:
                cursor.execute(EVENT_TICKET, [event.pk, now, now, now])
                row = cursor.fetchone()
                if row is None:
                    raise _why_closed(event, now)
                ticket = row[0]
                cursor.execute(ROLE_SEAT, [role.pk, event.pk])
                waitlisted = cursor.fetchone()[0]
        status = RegistrationStatus.WAITLISTED if waitlisted else RegistrationStatus.CONFIRMED
        return Registration.objects.create(event=event, person=person, role=role, status=status, ticket=ticket, created_at=now)


def _promote(event: Event, *, role: VolunteerRole | None = None, now: datetime) -> int:
    """Fill free seats (of the event, or of one volunteer role) from the waiting list, first come first
    served; the caller holds the row's lock. Each promoted person is told."""
    if now >= event.starts_at:
        return 0
    holder = role or event
    free = holder.capacity - holder.confirmed
    if free <= 0 or holder.waitlisted == 0:
        return 0
    waiting = Registration.objects.filter(event=event, role=role, status=RegistrationStatus.WAITLISTED).select_related("person")
    chosen = list(waiting.order_by("ticket")[:free])
    if not chosen:
        return 0
    Registration.objects.filter(pk__in=[r.pk for r in chosen]).update(status=RegistrationStatus.CONFIRMED, promoted_at=now)
    type(holder).objects.filter(pk=holder.pk).update(
        confirmed=holder.confirmed + len(chosen), waitlisted=holder.waitlisted - len(chosen)
    )
    holder.confirmed += len(chosen)
    holder.waitlisted -= len(chosen)
    what = role.name if role else _("a seat")
    notify_many(
        Notice(
            recipients=[r.person],
            subject=_("You are in: %(title)s, %(when)s") % {"title": event.title, "when": _local(event.starts_at)},
            body=_("A place came free and you were next on the waiting list (%(what)s). Show your code %(code)s at the door.")
            % {"what": what, "code": r.code},
            link=_link(event),
            sms=True,
        )
        for r in chosen
    )
    return len(chosen)


def cancel_registration(registration: Registration, *, by: Person, now: datetime | None = None) -> Registration:
    """The person (or someone running the event) gives up a place; the seat goes to the first on the waiting list."""
    now = now or timezone.now()
    event = registration.event
    if by.pk != registration.person_id and not access.can_manage(by, event):
        raise PermissionDenied
    with transaction.atomic():
        # The event row first, as sign-up takes it: two cancellations and a sign-up queue on one lock.
        event = Event.objects.select_for_update().get(pk=event.pk)
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        if reg.status == RegistrationStatus.CANCELLED:
            raise Conflict
        if event.ends_at <= now:
            raise ValidationError(_("This event is over."))
        was = reg.status
        reg.status, reg.cancelled_at = RegistrationStatus.CANCELLED, now
        reg.save(update_fields=["status", "cancelled_at"])
        holder = VolunteerRole.objects.select_for_update().get(pk=reg.role_id) if reg.role_id else event
        if was == RegistrationStatus.CONFIRMED:
            holder.confirmed -= 1
        else:
            holder.waitlisted -= 1
        type(holder).objects.filter(pk=holder.pk).update(confirmed=holder.confirmed, waitlisted=holder.waitlisted)
        promoted = _promote(event, role=reg.role if reg.role_id else None, now=now) if was == RegistrationStatus.CONFIRMED else 0
        if by.pk != reg.person_id:
            notify(
                recipients=[reg.person],
                subject=_("Your registration for %(title)s was cancelled") % {"title": event.title},
                link=_link(event),
            )
            audit.record(actor=by, action="event.registration.cancel", obj=reg, subject_id=reg.person_id, promoted=promoted)
    registration.status, registration.cancelled_at = reg.status, reg.cancelled_at
    return registration


def check_in(*, code: str, by: Person, event: Event | None = None, now: datetime | None = None) -> tuple[Registration, bool]:
    """Check a registration in by its code (scanned from the QR code or typed). Returns the registration
    and whether this was its first check-in (a second scan says when it was checked in)."""
    now = now or timezone.now()
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    reg = (
        Registration.objects.select_related("event__community", "event__room__venue", "person", "role").filter(code=code).first()
    )
    unknown = ValidationError({"code": _("No registration has this code.")})
    if reg is None or (event is not None and reg.event_id != event.pk):
        raise unknown
    if not access.can_check_in(by, reg.event):
        raise unknown
    ev = reg.event
    if ev.status == Status.CANCELLED:
        raise ValidationError({"code": _("This event was cancelled.")})
    if not (ev.starts_at - CHECK_IN_BEFORE <= now <= ev.ends_at + CHECK_IN_AFTER):
        raise ValidationError({"code": _("Check-in opens two hours before the start and closes an hour after the end.")})
    if reg.status == RegistrationStatus.WAITLISTED:
        raise ValidationError({"code": _("%(name)s is on the waiting list, not confirmed.") % {"name": reg.person.name}})
    if reg.status == RegistrationStatus.CANCELLED:
        raise ValidationError({"code": _("%(name)s cancelled this registration.") % {"name": reg.person.name}})
    unchecked = Registration.objects.filter(pk=reg.pk, checked_in_at__isnull=True, status=RegistrationStatus.CONFIRMED)
    first = unchecked.update(checked_in_at=now, checked_in_by=by) == 1
    if first:
        reg.checked_in_at, reg.checked_in_by = now, by
        return reg, first
    reg.refresh_from_db(fields=["status", "checked_in_at", "checked_in_by"])
    if reg.status != RegistrationStatus.CONFIRMED:  # cancelled between the read and the write
        raise ValidationError({"code": _("%(name)s cancelled this registration.") % {"name": reg.person.name}})
    return reg, first


def recount(event: Event) -> dict[str, int]:
    """The counters as the registrations say they should be (for checks and repairs)."""
    rows = Registration.objects.filter(event=event, role__isnull=True)
    return {
        "confirmed": rows.filter(status=RegistrationStatus.CONFIRMED).count(),
        "waitlisted": rows.filter(status=RegistrationStatus.WAITLISTED).count(),
    }


# --- reminders and encounters (periodic) ---------------------------------------------------------


def send_reminders(now: datetime | None = None) -> int:
    """Remind the confirmed of events starting within a day, once per event. Returns events reminded."""
    now = now or timezone.now()
    due = Event.objects.filter(
        status=Status.PUBLISHED, reminded_at__isnull=True, starts_at__gt=now, starts_at__lte=now + REMIND_BEFORE
    )
    done = 0
    for event in due.only("pk", "title", "starts_at", "location", "room", "reminded_at").select_related("room"):
        with transaction.atomic():
            if Event.objects.filter(pk=event.pk, reminded_at__isnull=True).update(reminded_at=now) != 1:
                continue
            regs = Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).select_related("person")
            notify_many(
                Notice(
                    recipients=[r.person],
                    subject=_("Reminder: %(title)s, %(when)s") % {"title": event.title, "when": _local(event.starts_at)},
                    body=_("%(where)s. Your check-in code: %(code)s") % {"where": event.where, "code": r.code},
                    link=_link(event),
                    sms=True,
                )
                for r in regs
            )
            done += 1
    return done


ENCOUNTER_UPSERT = """
INSERT INTO events_encounter (person_a_id, person_b_id, first_event_id, community_id, first_at, last_at, times)
VALUES (%s, %s, %s, %s, %s, %s, 1)
ON CONFLICT (person_a_id, person_b_id) DO UPDATE SET times = events_encounter.times + 1, last_at = excluded.last_at
"""


def record_encounters(now: datetime | None = None) -> int:
    """For each event that has ended, once: every pair of people checked in (up to
    ``ENCOUNTER_MAX_ATTENDEES``) met there. Returns the number of events recorded."""
    now = now or timezone.now()
    ended = Event.objects.filter(status=Status.PUBLISHED, encounters_at__isnull=True, ends_at__lte=now).only(
        "pk", "community_id", "starts_at"
    )
    done = 0
    for event in ended[:500]:
        with transaction.atomic():
            if Event.objects.filter(pk=event.pk, encounters_at__isnull=True).update(encounters_at=now) != 1:
                continue
            attendees = sorted(
                set(
                    Registration.objects.filter(event=event, checked_in_at__isnull=False)
                    .exclude(status=RegistrationStatus.CANCELLED)
                    .values_list("person_id", flat=True)
                )
            )
            if 2 <= len(attendees) <= ENCOUNTER_MAX_ATTENDEES:
                rows = [
                    (a, b, event.pk, event.community_id, event.starts_at, event.starts_at) for a, b in combinations(attendees, 2)
                ]
                with connection.cursor() as cursor:
                    cursor.executemany(ENCOUNTER_UPSERT, rows)
            done += 1
    return done


# --- clubs ---------------------------------------------------------------------------------------


def make_club(organisation: Organisation, *, by: Person, activity: str, schedule: str = "", accepting: bool = True) -> Club:
    if not access.can_make_club(by, organisation):
        raise PermissionDenied
    if Club.objects.filter(organisation=organisation).exists():
        raise ValidationError(_("%(org)s already has a club page.") % {"org": organisation.name})
    club = Club.objects.create(organisation=organisation, activity=activity, schedule=schedule.strip(), accepting=accepting)
    audit.record(actor=by, action="club.create", obj=club)
    return club


def ask_to_join(club: Club, person: Person, *, message: str = "") -> ClubJoinRequest:
    if access.is_member(person, club):
        raise ValidationError(_("You are already a member of %(club)s.") % {"club": club})
    if not club.accepting:
        raise ValidationError(_("%(club)s is not taking new members at the moment.") % {"club": club})
    try:
        with transaction.atomic():
            request = ClubJoinRequest.objects.create(club=club, person=person, message=(message or "").strip()[:300])
            audit.record(actor=person, action="club.join.ask", obj=request, subject_id=person.pk)
    except IntegrityError:
        raise ValidationError(_("You have already asked to join; the club's leaders will decide.")) from None
    leaders = Person.objects.filter(
        memberships__organisation_id=club.organisation_id, memberships__position__in=("chair", "secretary")
    ).distinct()
    notify(
        recipients=list(leaders),
        subject=_("%(name)s asks to join %(club)s") % {"name": person.name, "club": club},
        body=request.message,
        link=f"/events/clubs/{club.pk}/",
    )
    return request


def decide_join_request(
    request: ClubJoinRequest, *, by: Person, approve: bool, reason: str = "", version: int | None = None
) -> ClubJoinRequest:
    if not access.can_decide(by, request):
        raise PermissionDenied
    if request.status != JoinStatus.PENDING:
        raise Conflict
    with transaction.atomic():
        status = JoinStatus.APPROVED if approve else JoinStatus.DECLINED
        compare_and_set(
            request, version, status=status, decided_by=by, decided_at=timezone.now(), reason=(reason or "").strip()[:300]
        )
        if approve:
            Membership.objects.get_or_create(organisation_id=request.club.organisation_id, person_id=request.person_id)
        notify(
            recipients=[request.person],
            subject=(_("Welcome to %(club)s") if approve else _("Your request to join %(club)s was declined"))
            % {"club": request.club},
            body=request.reason,
            link=f"/events/clubs/{request.club_id}/",
        )
        audit.record(actor=by, action="club.join." + status, obj=request, subject_id=request.person_id)
    return request


def withdraw_join_request(request: ClubJoinRequest, *, by: Person) -> ClubJoinRequest:
    if by.pk != request.person_id:
        raise PermissionDenied
    if request.status != JoinStatus.PENDING:
        raise Conflict
    with transaction.atomic():
        compare_and_set(request, None, status=JoinStatus.WITHDRAWN)
        audit.record(actor=by, action="club.join.withdrawn", obj=request, subject_id=by.pk)
    return request


def leave_club(club: Club, person: Person) -> None:
    with transaction.atomic():
        mine = Membership.objects.filter(organisation_id=club.organisation_id, person=person, position="member")
        deleted, _rows = mine.delete()
        if not deleted:
            if access.is_member(person, club):
                raise ValidationError(_("Officers and backbone members leave through the club's leaders."))
            raise ValidationError(_("You are not a member of %(club)s.") % {"club": club})
        audit.record(actor=person, action="club.leave", obj=club, subject_id=person.pk)


def set_position(club: Club, member: Person, *, by: Person, position: str) -> Membership:
    """The club's leaders name backbone members (or make them plain members again)."""
    if not access.can_run_club(by, club):
        raise PermissionDenied
    if position not in (Membership.Position.BACKBONE, Membership.Position.MEMBER):
        raise ValidationError({"position": _("Choose backbone member or member.")})
    membership = Membership.objects.filter(organisation_id=club.organisation_id, person=member).first()
    if membership is None:
        raise ValidationError(_("%(name)s is not a member.") % {"name": member.name})
    if membership.position in (Membership.Position.CHAIR, Membership.Position.SECRETARY):
        raise ValidationError(_("Officers are changed on the organisation's page."))
    membership.position = position
    membership.save(update_fields=["position"])
    audit.record(actor=by, action="club.position", obj=membership, subject_id=member.pk, position=position)
    return membership


# --- getting to know neighbours ----------------------------------------------------------------


def set_opt_in(person: Person, on: bool) -> bool:
    if on:
        NeighbourOptIn.objects.get_or_create(person=person)
    else:
        NeighbourOptIn.objects.filter(person=person).delete()
    audit.record(actor=person, action="neighbours.opt_in" if on else "neighbours.opt_out", subject_id=person.pk)
    return on
