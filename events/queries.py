"""Reads for the event and club pages, the API and the feeds: a fixed number of queries per page, whatever
the number of rows (the per-user scope comes from ``access``, which remembers it on the user object for
the request).

The upcoming list is the busy page (every resident opens it): one query on ``events_event`` using the
(path, starts_at) and (club, starts_at) indexes, the user's own registration status in the same query
(a correlated subquery on the partial unique index of live registrations), and "next page" found by
reading 21 rows instead of counting.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import audit
from core.masking import mask_mobile
from people import policy
from people.models import HouseholdMember, Membership, Ownership, Person
from places.models import Place, Room

from . import access
from .actions import MAX_LENGTH
from .models import (
    LIVE_STATUSES,
    Club,
    ClubJoinRequest,
    Encounter,
    Event,
    JoinStatus,
    NeighbourOptIn,
    Registration,
    RegistrationStatus,
    Status,
)

PAGE_SIZE = 20
REGISTRATIONS_PAGE = 100
FEED_DAYS = 90  # feeds carry events from this many days back
FEED_LIMIT = 500

LIST_FIELDS = (
    "id",
    "title",
    "kind",
    "status",
    "audience",
    "starts_at",
    "ends_at",
    "signup_opens_at",
    "signup_closes_at",
    "capacity",
    "confirmed",
    "waitlisted",
    "location",
    "organiser_id",
    "organiser__name",
    "club_id",
    "club__organisation__name",
    "community_id",
    "community__name",
    "room_id",
    "room__name",
    "room__venue__name",
)


def page_of(qs, page: int, size: int = PAGE_SIZE) -> tuple[list, bool]:
    """Rows of page ``page`` (from 1) and whether another page follows: one query, no COUNT."""
    offset = (max(page, 1) - 1) * size
    rows = list(qs[offset : offset + size + 1])
    return rows[:size], len(rows) > size


def event_list(qs: QuerySet[Event]) -> QuerySet[Event]:
    """What a list of events shows (title, time, place, seats, organiser, club), in the same query."""
    return qs.select_related("organiser", "club__organisation", "community", "room__venue").only(*LIST_FIELDS)


def upcoming_for(user, *, now: datetime, kind: str | None = None, page: int = 1) -> tuple[list[Event], bool]:
    """Published events not yet ended that are open to the user, plus (for those who run events) the
    drafts and events they manage; by start. Each row has ``my_status`` (confirmed, waitlisted or None)."""
    q = Q(status=Status.PUBLISHED) & access.open_to_q(user)
    if access.runs_events(user):
        q |= access.managed_q(user) & Q(status__in=[Status.DRAFT, Status.PUBLISHED])
    # "Not yet ended" cannot walk an index in start order; an event lasts at most MAX_LENGTH, so the walk
    # along starts_at can begin that long ago instead of at the first event ever held.
    qs = Event.objects.filter(q, ends_at__gt=now, starts_at__gt=now - MAX_LENGTH)
    if kind:
        qs = qs.filter(kind=kind)
    mine = Registration.objects.filter(event=OuterRef("pk"), person_id=user.pk, status__in=LIVE_STATUSES).values("status")[:1]
    qs = event_list(qs).annotate(my_status=Subquery(mine)).order_by("starts_at", "id")
    return page_of(qs, page)


def community_events(community: Place, *, now: datetime, limit: int = 50) -> list[Event]:
    """A community's published events not yet ended: public (the community's page and its feed)."""
    qs = Event.objects.filter(community=community, status=Status.PUBLISHED, ends_at__gt=now, starts_at__gt=now - MAX_LENGTH)
    return list(event_list(qs).order_by("starts_at", "id")[:limit])


def community_feed(community: Place, *, now: datetime) -> list[Event]:
    """A community's events for its calendar feed: published and cancelled ones (so that calendars drop a
    cancelled event), from ``FEED_DAYS`` back."""
    qs = Event.objects.filter(
        community=community, status__in=[Status.PUBLISHED, Status.CANCELLED], starts_at__gte=now - timedelta(days=FEED_DAYS)
    )
    return list(qs.select_related("room__venue").order_by("starts_at", "id")[:FEED_LIMIT])


def person_feed(person: Person, *, now: datetime) -> list[Registration]:
    """The events a person is confirmed or waitlisted for (with the registration), for their private feed."""
    qs = Registration.objects.filter(
        person=person,
        status__in=LIVE_STATUSES,
        event__status__in=[Status.PUBLISHED, Status.CANCELLED],
        event__starts_at__gte=now - timedelta(days=FEED_DAYS),
    )
    return list(qs.select_related("event__room__venue", "role").order_by("event__starts_at", "id")[:FEED_LIMIT])


def my_registration(event: Event, user) -> Registration | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Registration.objects.filter(event=event, person=user, status__in=LIVE_STATUSES).select_related("role").first()


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list (of the seats, or of the registration's volunteer role)."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id,
        role_id=registration.role_id,
        status=RegistrationStatus.WAITLISTED,
        ticket__lt=registration.ticket,
    ).count()
    return ahead + 1


def roles_of(event: Event) -> list:
    return list(event.roles.order_by("id"))


def my_events(person: Person, *, now: datetime, page: int = 1) -> tuple[list[Registration], list[Registration], bool]:
    """The person's registrations: for events not yet over (live ones), and for events over (any status,
    latest first, a page at a time)."""
    base = Registration.objects.filter(person=person).select_related("event__community", "event__room__venue", "role")
    upcoming = list(base.filter(status__in=LIVE_STATUSES, event__ends_at__gt=now).order_by("event__starts_at", "id")[:100])
    past, has_next = page_of(base.filter(event__ends_at__lte=now).order_by("-event__starts_at", "-id"), page)
    return upcoming, past, has_next


# --- who signed up (for those who run the event) ---------------------------------------------------


REGISTRATION_VIEWS = ("confirmed", "waitlisted", "checked_in", "cancelled")


def _registration_rows(event: Event, view: str) -> QuerySet[Registration]:
    qs = Registration.objects.filter(event=event)
    if view == "checked_in":
        qs = qs.filter(checked_in_at__isnull=False).order_by("checked_in_at", "id")
    elif view == "cancelled":
        qs = qs.filter(status=RegistrationStatus.CANCELLED).order_by("-cancelled_at", "-id")
    else:
        qs = qs.filter(status=view).order_by("ticket")
    return qs.select_related("person", "role", "checked_in_by")


def _row(reg: Registration, *, full_mobiles: bool) -> SimpleNamespace:
    mobile = reg.person.mobile or ""
    return SimpleNamespace(
        id=reg.pk,
        ticket=reg.ticket,
        person_id=reg.person_id,
        name=reg.person.name,
        mobile=mobile if full_mobiles else mask_mobile(mobile),
        role=reg.role.name if reg.role_id else "",
        role_id=reg.role_id,
        status=reg.status,
        status_label=reg.get_status_display(),
        code=reg.code,
        registered_at=reg.created_at,
        checked_in_at=reg.checked_in_at,
        checked_in_by=reg.checked_in_by.name if reg.checked_in_by_id else "",
    )


@dataclass
class RegistrationList:
    rows: list = field(default_factory=list)
    has_next: bool = False
    checked_in: int = 0
    full_mobiles: bool = False


def registrations_for(viewer, event: Event, *, view: str = "confirmed", page: int = 1) -> RegistrationList:
    """One page of an event's registrations for someone who runs it (the caller checked
    ``access.can_see_registrations``): confirmed or waiting in ticket order, checked in, or cancelled.
    Every person shown is recorded in the audit log (a staff read of personal data)."""
    if view not in REGISTRATION_VIEWS:
        view = "confirmed"
    full = access.can_see_mobiles(viewer, event)
    regs, has_next = page_of(_registration_rows(event, view), page, REGISTRATIONS_PAGE)
    checked_in = Registration.objects.filter(event=event, checked_in_at__isnull=False).count()
    audit.record_reads(
        actor=viewer, action="event.registrations.read", subject_ids=[r.person_id for r in regs], event=event.pk, view=view
    )
    return RegistrationList([_row(r, full_mobiles=full) for r in regs], has_next, checked_in, full)


def registrations_export(viewer, event: Event):
    """Every registration of the event as rows for a spreadsheet, in chunks; the reads are audited chunk by
    chunk (``core.audit.record_reads``)."""
    full = access.can_see_mobiles(viewer, event)
    chunk: list[SimpleNamespace] = []
    qs = Registration.objects.filter(event=event).select_related("person", "role", "checked_in_by").order_by("ticket")
    for reg in qs.iterator(chunk_size=500):
        chunk.append(_row(reg, full_mobiles=full))
        if len(chunk) == 500:
            audit.record_reads(actor=viewer, action="event.registrations.export", subject_ids=[r.person_id for r in chunk])
            yield from chunk
            chunk = []
    if chunk:
        audit.record_reads(actor=viewer, action="event.registrations.export", subject_ids=[r.person_id for r in chunk])
        yield from chunk


def registration_by_code(code: str) -> Registration | None:
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    return (
        Registration.objects.filter(code=code)
        .select_related("event__community", "event__room__venue", "event__organiser", "person", "role", "checked_in_by")
        .first()
    )


# --- creating events --------------------------------------------------------------------------------


def communities_for_organiser(organisation) -> list[Place]:
    """The communities an organisation's events may belong to: its own community, or (an organisation of
    the sub-district) every community under it."""
    own = access.community_of(organisation.place)
    if own is not None:
        return [own]
    return list(Place.objects.communities().filter(path__startswith=organisation.path).order_by("name"))


def rooms_for(community: Place) -> list[Room]:
    return list(
        Room.objects.filter(venue__place__path__startswith=community.path).select_related("venue").order_by("venue__name", "name")
    )


def compounds_in(community: Place) -> list[Place]:
    return list(Place.objects.filter(path__startswith=community.path, kind=Place.Kind.COMPOUND).order_by("name"))


def clubs_to_organise(user, organisation, community: Place) -> list[Club]:
    """Clubs an event may be for: the organiser's own club, and the clubs of the community the user runs."""
    qs = Club.objects.filter(Q(organisation=organisation) | Q(path__startswith=community.path)).select_related("organisation")
    return [c for c in qs.order_by("organisation__name") if c.organisation_id == organisation.pk or access.can_run_club(user, c)]


# --- clubs ---------------------------------------------------------------------------------------------


def clubs(*, community: Place | None = None, activity: str = "", page: int = 1) -> tuple[list[Club], bool]:
    qs = Club.objects.select_related("organisation__place").annotate(members=Count("organisation__memberships"))
    if community is not None:
        qs = qs.filter(path__startswith=community.path)
    if activity:
        qs = qs.filter(activity=activity)
    return page_of(qs.order_by("organisation__name", "id"), page)


def communities() -> list[Place]:
    return list(Place.objects.communities().order_by("name"))


LEAD_POSITIONS = (Membership.Position.CHAIR, Membership.Position.SECRETARY)


@dataclass
class ClubPage:
    club: Club
    leaders: list = field(default_factory=list)
    backbone: list = field(default_factory=list)
    members: list = field(default_factory=list)
    member_count: int = 0
    events: list = field(default_factory=list)
    pending: list = field(default_factory=list)
    my_request: ClubJoinRequest | None = None
    is_member: bool = False
    my_position: str = ""
    can_run: bool = False
    shows_members: bool = False


def club_page(club: Club, user, *, now: datetime) -> ClubPage:
    """The club's leaders and backbone members (public to those signed in), its members (to members and
    those who run it), its coming events, and the join requests waiting (to those who run it)."""
    page = ClubPage(club=club, can_run=access.can_run_club(user, club), is_member=access.is_member(user, club))
    page.shows_members = page.is_member or page.can_run
    for m in access.member_rows(club):
        page.member_count += 1
        if m.person_id == getattr(user, "pk", None):
            page.my_position = m.position
        if m.position in LEAD_POSITIONS:
            page.leaders.append(m)
        elif m.position == Membership.Position.BACKBONE:
            page.backbone.append(m)
        elif page.shows_members:
            page.members.append(m)
    page.events = label_rows(
        list(
            event_list(
                Event.objects.filter(club=club, status=Status.PUBLISHED, ends_at__gt=now, starts_at__gt=now - MAX_LENGTH)
            ).order_by("starts_at", "id")[:20]
        )
    )
    if page.can_run:
        page.pending = list(
            ClubJoinRequest.objects.filter(club=club, status=JoinStatus.PENDING).select_related("person").order_by("created_at")
        )
    if getattr(user, "is_authenticated", False) and not page.is_member:
        page.my_request = ClubJoinRequest.objects.filter(club=club, person=user, status=JoinStatus.PENDING).first()
    return page


def get_join_request(pk) -> ClubJoinRequest | None:
    return ClubJoinRequest.objects.select_related("club__organisation", "person").filter(pk=pk).first()


def organisations_for_club_page(user) -> list:
    """Organisations the user may make a club page for (officers of a cultural association, a
    self-organisation or a mutual-aid association, or staff over it) that have none yet."""
    return list(
        access.organisations_to_organise_for(user)
        .filter(kind__in=access.CLUB_KINDS, club__isnull=True)
        .select_related("place")
        .order_by("name")[:200]
    )


# --- neighbours -------------------------------------------------------------------------------------


def has_opted_in(person) -> bool:
    if not getattr(person, "is_authenticated", False):
        return False
    return NeighbourOptIn.objects.filter(person=person).exists()


@dataclass
class Neighbour:
    person_id: int
    name: str
    clubs: list[str] = field(default_factory=list)
    times: int = 0  # events attended together
    first_event: str = ""
    first_at: datetime | None = None


def compound_paths(person) -> list[str]:
    """The compounds the person lives or owns a unit in (``policy.home_places``)."""
    found = policy.home_places(person, {Place.Kind.COMPOUND})
    return sorted({p for paths in found.values() for p in paths})


def neighbours_for(person) -> list[Neighbour]:
    """Neighbours the person may meet: if the person opted in, the others who opted in too, live or own a
    unit in one of the person's compounds, and share a club (membership) or an attended event (an
    ``Encounter``) with them, with what they share. Nobody who did not opt in is ever returned; nothing at
    all when the person did not opt in. Six queries at most."""
    if not has_opted_in(person):
        return []
    compounds = compound_paths(person)
    if not compounds:
        return []
    lives = HouseholdMember.objects.filter(person=OuterRef("person_id")).filter(_under(compounds))
    owns = Ownership.objects.filter(person=OuterRef("person_id")).filter(_under(compounds))
    candidates = dict(
        NeighbourOptIn.objects.exclude(person=person)
        .filter(person__is_active=True, person__anonymised_at__isnull=True)
        .filter(Exists(lives) | Exists(owns))
        .values_list("person_id", "person__name")
    )
    if not candidates:
        return []
    found: dict[int, Neighbour] = {}
    my_clubs = Club.objects.filter(organisation__memberships__person=person).values("organisation_id")
    shared = (
        Membership.objects.filter(organisation_id__in=my_clubs, person_id__in=list(candidates))
        .order_by("organisation__name")
        .values_list("person_id", "organisation__name")
    )
    for pk, club_name in shared:
        found.setdefault(pk, Neighbour(pk, candidates[pk])).clubs.append(club_name)
    met = (
        Encounter.objects.filter(
            Q(person_a=person, person_b_id__in=list(candidates)) | Q(person_b=person, person_a_id__in=list(candidates))
        )
        .select_related("first_event")
        .only("person_a_id", "person_b_id", "times", "first_at", "first_event__title")
    )
    for e in met:
        pk = e.person_b_id if e.person_a_id == person.pk else e.person_a_id
        n = found.setdefault(pk, Neighbour(pk, candidates[pk]))
        n.times, n.first_at = e.times, e.first_at
        n.first_event = e.first_event.title if e.first_event_id else ""
    return sorted(found.values(), key=lambda n: (-len(n.clubs) - n.times, n.name))


def _under(paths: list[str]) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__startswith=p)
    return q


def shared_text(n: Neighbour) -> str:
    parts = []
    if n.clubs:
        parts.append(_("both in %(clubs)s") % {"clubs": "、".join(n.clubs)})
    if n.times:
        parts.append(
            ngettext("met at %(n)s event: %(event)s", "met at %(n)s events, first at %(event)s", n.times)
            % {"n": n.times, "event": n.first_event or "—"}
        )
    return "; ".join(parts)


def label_rows(events: list[Event]) -> list[Event]:
    """Give each row of an event list what its line shows (link, flags, time, place, seats), worked out here
    once per page so the template writes the rows as one node (``{% rows %}``): the upcoming page is the one
    residents open most (make bench ``event_upcoming``)."""
    statuses = dict(Status.choices)
    kinds = dict(Event.Kind.choices)
    mine = {
        RegistrationStatus.CONFIRMED: format_html(' <span class="status s-done">{}</span>', _("you are in")),
        RegistrationStatus.WAITLISTED: format_html(' <span class="status s-notified">{}</span>', _("on the waiting list")),
    }
    full = _("full")
    for e in events:
        e.url = f"/events/{e.pk}/"
        flags = ""
        if e.status != Status.PUBLISHED:
            flags = format_html(' <span class="status s-{}">{}</span>', e.status, statuses.get(e.status, e.status))
        e.flags = mark_safe(flags + mine.get(getattr(e, "my_status", None), ""))  # noqa: S308 - built by format_html
        starts = timezone.localtime(e.starts_at)
        e.when = f"{formats.date_format(starts, 'Y-m-d D H:i')}–{formats.date_format(timezone.localtime(e.ends_at), 'H:i')}"
        by = e.club.organisation.name if e.club_id else e.organiser.name
        if e.seats_left:
            seats = ngettext("%(n)s seat left", "%(n)s seats left", e.seats_left) % {"n": e.seats_left}
        elif e.waitlisted:
            seats = f"{full} ({ngettext('%(n)s waiting', '%(n)s waiting', e.waitlisted) % {'n': e.waitlisted}})"
        else:
            seats = full
        e.meta = f"{kinds.get(e.kind, e.kind)} · {by} · {e.community.name} · {seats}"
    return events
