"""JSON API for events, sign-ups, check-in, clubs and meeting neighbours (mounted at /api/events in
config/api.py), through the same ``access``, ``queries`` and ``actions`` as the pages.

Invisible events, clubs and requests answer 404 ("missing" and "forbidden" look the same), refusals 400
with the reasons by field, a change someone else made first 409. Persons appear by name only; mobile
numbers only in the registration list for those who run the event (masked unless they are community
staff over it), and every such read is audited.

The sign-up (``POST /{id}/registrations``) is the busiest write: it reads the event (or the volunteer
role with its event) in one query and calls ``actions.sign_up``, nothing else.

Fixed routes (``/mine``, ``/check-in``, ``/clubs…``, ``/neighbours…``) are declared before the event
routes, and event ids use the ``int`` converter.
"""

from datetime import datetime
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from cases.api import Error
from core.db import by_pk
from meetings.api import CancelIn, VersionIn
from people.api import AUTH
from people.models import Person
from places.models import Place, Room

from . import access, actions, queries
from .models import Club, Event, Registration, VolunteerRole

router = Router(tags=["events"], auth=AUTH)


# --- schemas: events --------------------------------------------------------------------------------


class EventOut(Schema):
    id: int
    title: str
    kind: str
    status: str
    audience: str
    community_id: int
    community: str
    organiser_id: int
    organiser: str
    club_id: int | None
    club: str | None = None
    room_id: int | None
    where: str
    starts_at: datetime
    ends_at: datetime
    signup_opens_at: datetime
    signup_closes_at: datetime
    capacity: int
    confirmed: int
    waitlisted: int
    seats_left: int
    my_status: str | None = Field(None, description="Your registration: confirmed, waitlisted or null")

    @staticmethod
    def resolve_community(obj):
        return obj.community.name

    @staticmethod
    def resolve_organiser(obj):
        return obj.organiser.name

    @staticmethod
    def resolve_club(obj):
        return obj.club.organisation.name if obj.club_id else None

    @staticmethod
    def resolve_my_status(obj):
        return getattr(obj, "my_status", None)


class EventPage(Schema):
    items: list[EventOut]
    next_page: int | None = Field(None, description="The next page, when there is one")


class RoleOut(Schema):
    id: int
    name: str
    description: str
    capacity: int
    confirmed: int
    waitlisted: int


class RegistrationOut(Schema):
    id: int
    event_id: int
    role_id: int | None
    status: str
    ticket: int = Field(..., description="Arrival order: the waiting list is promoted by it")
    code: str = Field(..., description="The check-in code (also in the QR code)")
    created_at: datetime
    checked_in_at: datetime | None
    waitlist_position: int | None = Field(None, description="1 for the first on the waiting list")


class EventDetailOut(EventOut):
    description: str
    audience_place_id: int
    audience_place: str
    location: str
    cancel_reason: str
    sequence: int
    version: int
    roles: list[RoleOut]
    my_registration: RegistrationOut | None = None
    can_manage: bool
    can_check_in: bool
    open_to_me: bool = Field(..., description="You may sign up (the audience; the time window is signup_open)")
    signup_open: bool

    @staticmethod
    def resolve_audience_place(obj):
        return obj.audience_place.name

    @staticmethod
    def resolve_roles(obj):
        return obj.roles_rows

    @staticmethod
    def resolve_signup_open(obj):
        return obj.signup_is_open


class RoleIn(Schema):
    name: str
    places: int
    description: str = ""


class EventIn(Schema):
    organiser_id: int = Field(..., description="An organisation you may organise for")
    community_id: int
    title: str
    kind: str = Event.Kind.FESTIVAL
    description: str = ""
    starts_at: datetime
    ends_at: datetime
    capacity: int
    audience: str = Field(Event.Audience.COMMUNITY, description="compound, community, subdistrict or club")
    audience_place_id: int | None = Field(None, description="The compound, when open to a compound")
    club_id: int | None = None
    room_id: int | None = None
    location: str = ""
    signup_opens_at: datetime | None = Field(None, description="Empty: at once")
    signup_closes_at: datetime | None = Field(None, description="Empty: when the event starts")
    roles: list[RoleIn] = Field(default_factory=list, description="Volunteer roles, each with its own places")
    publish: bool = False


class EventPatch(Schema):
    title: str | None = None
    kind: str | None = None
    description: str | None = None
    location: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    signup_opens_at: datetime | None = None
    signup_closes_at: datetime | None = None
    capacity: int | None = None
    version: int | None = Field(None, description="The version you saw; a newer one answers 409")


class SignUpIn(Schema):
    role_id: int | None = Field(None, description="A volunteer role of the event; empty: a seat")


class RegistrationRowOut(Schema):
    id: int
    ticket: int
    person_id: int
    name: str
    mobile: str = Field(..., description="Masked unless you are community staff over the event")
    role_id: int | None
    role: str
    status: str
    registered_at: datetime
    checked_in_at: datetime | None


class RegistrationPage(Schema):
    rows: list[RegistrationRowOut]
    next_page: int | None
    confirmed: int
    waitlisted: int
    checked_in: int


class MyRegistrationOut(RegistrationOut):
    event: EventOut


class MyEventsOut(Schema):
    upcoming: list[MyRegistrationOut]
    past: list[MyRegistrationOut]
    next_page: int | None


class CheckInIn(Schema):
    code: str
    event_id: int | None = Field(None, description="The event at this desk: a code of another event is refused")


class CheckInOut(Schema):
    first: bool = Field(..., description="False: already checked in (at checked_in_at)")
    registration_id: int
    event_id: int
    event: str
    person_id: int
    name: str
    role: str | None
    checked_in_at: datetime


# --- schemas: clubs and neighbours ---------------------------------------------------------------------


class ClubOut(Schema):
    id: int
    organisation_id: int
    name: str
    kind: str
    activity: str
    place_id: int
    place: str
    schedule: str
    accepting: bool
    members: int | None = None

    @staticmethod
    def resolve_name(obj):
        return obj.organisation.name

    @staticmethod
    def resolve_kind(obj):
        return obj.organisation.kind

    @staticmethod
    def resolve_place_id(obj):
        return obj.organisation.place_id

    @staticmethod
    def resolve_place(obj):
        return obj.organisation.place.name

    @staticmethod
    def resolve_members(obj):
        return getattr(obj, "members", None)


class ClubPageOut(Schema):
    results: list[ClubOut]
    next_page: int | None


class MemberOut(Schema):
    person_id: int
    name: str
    position: str

    @staticmethod
    def resolve_name(obj):
        return obj.person.name


class JoinRequestOut(Schema):
    id: int
    club_id: int
    person_id: int
    person: str
    message: str
    status: str
    reason: str
    version: int
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_person(obj):
        return obj.person.name


class ClubDetailOut(ClubOut):
    description: str
    leaders: list[MemberOut]
    backbone: list[MemberOut]
    member_count: int
    is_member: bool
    my_position: str = Field(..., description="Your position in the club, empty when not a member")
    can_run: bool
    my_request: JoinRequestOut | None = None
    events: list[EventOut]


class ClubIn(Schema):
    organisation_id: int
    activity: str = Club.Activity.OTHER
    schedule: str = ""
    accepting: bool = True


class JoinIn(Schema):
    message: str = ""


class DecisionIn(VersionIn):
    approve: bool
    reason: str = ""


class PositionIn(Schema):
    position: str = Field(..., description="backbone or member")


class NeighbourOut(Schema):
    person_id: int
    name: str
    clubs: list[str]
    times: int = Field(..., description="Events attended together")
    first_event: str
    first_at: datetime | None


class NeighboursOut(Schema):
    opted_in: bool
    neighbours: list[NeighbourOut]


class OptInIn(Schema):
    on: bool


# --- helpers ----------------------------------------------------------------------------------------


def _detail(request, event: Event) -> Event:
    user = request.user
    event.roles_rows = queries.roles_of(event)
    mine = queries.my_registration(event, user)
    if mine is not None:
        mine.waitlist_position = queries.waitlist_position(mine)
    event.my_registration = mine
    event.my_status = mine.status if mine else None
    event.can_manage = access.can_manage(user, event)
    event.can_check_in = event.can_manage or access.can_check_in(user, event)
    event.open_to_me = access.is_open_to(user, event)
    event.signup_is_open = event.signup_open(timezone.now())
    return event


def _next(page: int, has_next: bool) -> int | None:
    return page + 1 if has_next else None


def _field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


# --- lists -------------------------------------------------------------------------------------------


@router.get("/", response=EventPage)
def list_events(request, kind: str = "", page: int = 1):
    """Coming events open to you (and, if you run events, the drafts and events you manage), by start, 20 a
    page; ``next_page`` when there are more."""
    rows, has_next = queries.upcoming_for(request.user, now=timezone.now(), kind=kind or None, page=max(page, 1))
    return {"items": rows, "next_page": _next(max(page, 1), has_next)}


@router.get("/mine", response=MyEventsOut)
def my_events(request, page: int = 1):
    """Your registrations: for events not yet over, and (20 a page) for events over."""
    upcoming, past, has_next = queries.my_events(request.user, now=timezone.now(), page=max(page, 1))
    return {"upcoming": upcoming, "past": past, "next_page": _next(max(page, 1), has_next)}


# --- check-in --------------------------------------------------------------------------------------------


@router.post("/check-in", response={200: CheckInOut, 400: Error, 404: Error})
def check_in(request, payload: CheckInIn):
    """Check a registration in by its code (typed or scanned): those who run the event, its confirmed
    volunteers and the venue staff. A second check-in answers ``first: false`` with the first time."""
    event = None
    if payload.event_id is not None:
        event = access.get_event_for(request.user, payload.event_id)
        if not access.can_check_in(request.user, event):
            raise Http404
    reg, first = actions.check_in(code=payload.code, by=request.user, event=event)
    return {
        "first": first,
        "registration_id": reg.pk,
        "event_id": reg.event_id,
        "event": reg.event.title,
        "person_id": reg.person_id,
        "name": reg.person.name,
        "role": reg.role.name if reg.role_id else None,
        "checked_in_at": reg.checked_in_at,
    }


# --- clubs -------------------------------------------------------------------------------------------------


@router.get("/clubs", response=ClubPageOut)
def list_clubs(request, community_id: int | None = None, activity: str = "", page: int = 1):
    community = None
    if community_id is not None:
        community = Place.objects.communities().filter(pk=community_id).first()
        if community is None:
            raise Http404
    rows, has_next = queries.clubs(community=community, activity=activity, page=max(page, 1))
    return {"results": rows, "next_page": _next(max(page, 1), has_next)}


@router.post("/clubs", response={201: ClubOut, 400: Error, 404: Error})
def make_club(request, payload: ClubIn):
    """A club page for an organisation you are an officer of (a cultural association, a self-organisation or
    a mutual-aid association), or run as community staff."""
    organisation = access.organisations_to_organise_for(request.user).filter(pk=payload.organisation_id).first()
    if organisation is None:
        raise Http404
    if payload.activity not in Club.Activity.values:
        raise _field_error("activity", _("Choose an activity from the list."))
    club = actions.make_club(
        organisation, by=request.user, activity=payload.activity, schedule=payload.schedule, accepting=payload.accepting
    )
    return Status(201, access.get_club_for(request.user, club.pk))


@router.get("/clubs/{int:club_id}", response={200: ClubDetailOut, 404: Error})
def get_club(request, club_id: int):
    club = access.get_club_for(request.user, club_id)
    page = queries.club_page(club, request.user, now=timezone.now())
    return SimpleNamespace(
        id=club.pk,
        organisation_id=club.organisation_id,
        organisation=club.organisation,
        activity=club.activity,
        schedule=club.schedule,
        accepting=club.accepting,
        members=page.member_count,
        description=club.organisation.description,
        leaders=page.leaders,
        backbone=page.backbone,
        member_count=page.member_count,
        is_member=page.is_member,
        my_position=page.my_position,
        can_run=page.can_run,
        my_request=page.my_request,
        events=page.events,
    )


@router.get("/clubs/{int:club_id}/members", response={200: list[MemberOut], 404: Error})
def club_members(request, club_id: int):
    """Everyone in the club, by position: for its members and those who run it."""
    club = access.get_club_for(request.user, club_id)
    if not access.can_see_members(request.user, club):
        raise Http404
    return list(access.member_rows(club))


@router.get("/clubs/{int:club_id}/join-requests", response={200: list[JoinRequestOut], 404: Error})
def club_requests(request, club_id: int):
    """Requests waiting for a decision: for those who run the club."""
    club = access.get_club_for(request.user, club_id)
    if not access.can_run_club(request.user, club):
        raise Http404
    return queries.club_page(club, request.user, now=timezone.now()).pending


@router.post("/clubs/{int:club_id}/join-requests", response={201: JoinRequestOut, 400: Error, 404: Error})
def ask_to_join(request, club_id: int, payload: JoinIn):
    club = access.get_club_for(request.user, club_id)
    return Status(201, actions.ask_to_join(club, request.user, message=payload.message))


def _request_for(request, request_id: int):
    jr = queries.get_join_request(request_id)
    if jr is None:
        raise Http404
    return jr


@router.post("/clubs/join-requests/{int:request_id}/decision", response={200: JoinRequestOut, 404: Error, 409: Error})
def decide(request, request_id: int, payload: DecisionIn):
    """Approve (the person becomes a member) or decline, by the club's leaders or community staff over it."""
    jr = _request_for(request, request_id)
    if not access.can_decide(request.user, jr):
        raise Http404
    return actions.decide_join_request(
        jr, by=request.user, approve=payload.approve, reason=payload.reason, version=payload.version
    )


@router.post("/clubs/join-requests/{int:request_id}/withdraw", response={200: JoinRequestOut, 404: Error, 409: Error})
def withdraw_request(request, request_id: int):
    jr = _request_for(request, request_id)
    if jr.person_id != request.user.pk:
        raise Http404
    return actions.withdraw_join_request(jr, by=request.user)


@router.post("/clubs/{int:club_id}/leave", response={204: None, 400: Error, 404: Error})
def leave(request, club_id: int):
    club = access.get_club_for(request.user, club_id)
    actions.leave_club(club, request.user)
    return Status(204, None)


@router.put("/clubs/{int:club_id}/members/{int:person_id}/position", response={200: MemberOut, 400: Error, 404: Error})
def set_position(request, club_id: int, person_id: int, payload: PositionIn):
    """Name a backbone member (or make them a plain member again): the club's leaders."""
    club = access.get_club_for(request.user, club_id)
    if not access.can_run_club(request.user, club):
        raise Http404
    member = Person.objects.filter(pk=person_id).first()
    if member is None:
        raise Http404
    return actions.set_position(club, member, by=request.user, position=payload.position)


# --- neighbours -------------------------------------------------------------------------------------------


def _neighbours(user) -> dict:
    return {"opted_in": queries.has_opted_in(user), "neighbours": queries.neighbours_for(user)}


@router.get("/neighbours", response=NeighboursOut)
def neighbours(request):
    """If you opted in: the neighbours in your compound who opted in too and share a club or an event with you."""
    return _neighbours(request.user)


@router.put("/neighbours/opt-in", response=NeighboursOut)
def opt_in(request, payload: OptInIn):
    """Switch on (or off) being shown to neighbours who opted in too."""
    actions.set_opt_in(request.user, payload.on)
    return _neighbours(request.user)


# --- events -----------------------------------------------------------------------------------------------


@router.post("/", response={201: EventDetailOut, 400: Error, 404: Error})
def create_event(request, payload: EventIn):
    """A draft (or, with ``publish``, a published) event in the name of an organisation you may organise for."""
    user = request.user
    organiser = access.organisations_to_organise_for(user).select_related("place").filter(pk=payload.organiser_id).first()
    if organiser is None:
        raise Http404
    community = next((c for c in queries.communities_for_organiser(organiser) if c.pk == payload.community_id), None)
    if community is None:
        raise _field_error("community_id", _("Choose a community of the organiser."))
    if payload.kind not in Event.Kind.values:
        raise _field_error("kind", _("Choose a kind from the list."))
    if payload.audience not in Event.Audience.values:
        raise _field_error("audience", _("Choose who the event is open to."))
    audience_place = club = room = None
    if payload.audience_place_id is not None:
        audience_place = Place.objects.filter(pk=payload.audience_place_id).first()
        if audience_place is None:
            raise _field_error("audience_place", _("Choose a compound in this community."))
    if payload.club_id is not None:
        club = next((c for c in queries.clubs_to_organise(user, organiser, community) if c.pk == payload.club_id), None)
        if club is None:
            raise _field_error("club", _("You do not run this club."))
    if payload.room_id is not None:
        room = Room.objects.select_related("venue__place").filter(pk=payload.room_id).first()
        if room is None:
            raise _field_error("room", _("Choose a room in this community."))
    event = actions.create_event(
        by=user,
        organiser=organiser,
        community=community,
        title=payload.title,
        kind=payload.kind,
        description=payload.description,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        capacity=payload.capacity,
        audience=payload.audience,
        audience_place=audience_place,
        club=club,
        room=room,
        location=payload.location,
        signup_opens_at=payload.signup_opens_at,
        signup_closes_at=payload.signup_closes_at,
        roles=[(r.name, r.places, r.description) for r in payload.roles],
        publish=payload.publish,
    )
    return Status(201, _detail(request, event))


@router.get("/{int:event_id}", response={200: EventDetailOut, 404: Error})
def get_event(request, event_id: int):
    return _detail(request, access.get_event_for(request.user, event_id))


@router.patch("/{int:event_id}", response={200: EventDetailOut, 400: Error, 404: Error, 409: Error})
def update_event(request, event_id: int, payload: EventPatch):
    """Change the details; seats cannot drop below those confirmed, more seats promote the waiting list."""
    event = access.get_managed_event_for(request.user, event_id)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    version = changes.pop("version", None)
    if "kind" in changes and changes["kind"] not in Event.Kind.values:
        raise _field_error("kind", _("Choose a kind from the list."))
    actions.update_event(event, by=request.user, version=version, **changes)
    return _detail(request, event)


@router.post("/{int:event_id}/publish", response={200: EventDetailOut, 400: Error, 404: Error, 409: Error})
def publish_event(request, event_id: int, payload: VersionIn):
    event = access.get_managed_event_for(request.user, event_id)
    actions.publish_event(event, by=request.user, version=payload.version)
    return _detail(request, event)


@router.post("/{int:event_id}/cancel", response={200: EventDetailOut, 400: Error, 404: Error, 409: Error})
def cancel_event(request, event_id: int, payload: CancelIn):
    """Cancel with the reason, which everyone who signed up is sent."""
    event = access.get_managed_event_for(request.user, event_id)
    actions.cancel_event(event, by=request.user, reason=payload.reason, version=payload.version)
    return _detail(request, event)


# --- registrations --------------------------------------------------------------------------------------


@router.post("/{int:event_id}/registrations", response={201: RegistrationOut, 400: Error, 404: Error})
def sign_up(request, event_id: int, payload: SignUpIn):
    """Sign up: a confirmed seat while one is free and nobody waits, else a place on the waiting list (in
    arrival order). ``role_id``: volunteer in that role instead (its own places and waiting list)."""
    role = None
    if payload.role_id is not None:
        role = VolunteerRole.objects.select_related("event").filter(pk=payload.role_id, event_id=event_id).first()
        if role is None:
            access.get_event_for(request.user, event_id)  # 404 before anything about its roles
            raise _field_error("role_id", _("Choose a role of this event."))
        event = role.event
    else:
        event = by_pk(Event, event_id)
        if event is None:
            raise Http404
    if event.status == "draft":
        access.get_event_for(request.user, event_id)  # drafts are seen only by those who run them
    return Status(201, actions.sign_up(event, request.user, role=role))


@router.get("/{int:event_id}/registrations", response={200: RegistrationPage, 404: Error})
def list_registrations(request, event_id: int, show: str = "confirmed", page: int = 1):
    """Who signed up, 100 a page (``show``: confirmed, waitlisted, checked_in or cancelled): for those who
    run the event. Each read is audited."""
    event = access.get_event_for(request.user, event_id)
    if not access.can_see_registrations(request.user, event):
        raise Http404
    found = queries.registrations_for(request.user, event, view=show, page=max(page, 1))
    return {
        "rows": found.rows,
        "next_page": _next(max(page, 1), found.has_next),
        "confirmed": event.confirmed,
        "waitlisted": event.waitlisted,
        "checked_in": found.checked_in,
    }


def _mine(request, event_id: int) -> Registration:
    event = access.get_event_for(request.user, event_id)
    mine = queries.my_registration(event, request.user)
    if mine is None:
        raise Http404
    mine.event = event
    return mine


@router.get("/{int:event_id}/registrations/mine", response={200: RegistrationOut, 404: Error})
def my_registration(request, event_id: int):
    mine = _mine(request, event_id)
    mine.waitlist_position = queries.waitlist_position(mine)
    return mine


@router.delete("/{int:event_id}/registrations/mine", response={200: RegistrationOut, 400: Error, 404: Error, 409: Error})
def cancel_my_registration(request, event_id: int):
    """Give up your place; the first on the waiting list gets it."""
    return actions.cancel_registration(_mine(request, event_id), by=request.user)


@router.post("/{int:event_id}/registrations/mine/cancel", response={200: RegistrationOut, 400: Error, 404: Error, 409: Error})
def cancel_my_registration_post(request, event_id: int):
    """The same as ``DELETE …/registrations/mine``, for clients that only POST."""
    return actions.cancel_registration(_mine(request, event_id), by=request.user)


@router.post(
    "/{int:event_id}/registrations/{int:registration_id}/cancel",
    response={200: RegistrationOut, 400: Error, 404: Error, 409: Error},
)
def cancel_registration(request, event_id: int, registration_id: int):
    """Those who run the event cancel someone's registration (the person is told)."""
    event = access.get_managed_event_for(request.user, event_id)
    reg = Registration.objects.filter(pk=registration_id, event=event).select_related("person", "role").first()
    if reg is None:
        raise Http404
    reg.event = event
    return actions.cancel_registration(reg, by=request.user)
