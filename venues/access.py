"""Who may do what with venue rooms, their bookings and the book corner.

``can_run_venue`` is the one answer to "is this person venue staff here": other apps (the book corner,
events) ask it and never decide it themselves.

- Venue staff: community staff or sub-district administrators whose scope covers the venue's place, and
  the keepers community staff appoint for the venue (``VenueKeeper``). They approve and decline
  requests, book directly (approved at once), cancel any booking of the venue, set the rooms' opening
  hours, and see who asked.
- Appointing and removing keepers: community staff and sub-district administrators only (not keepers).
- Requesting a room: residents who live or own a unit in the venue's community, for themselves; the
  officers (chair, secretary, or those holding a role for it) of an organisation of that community, or
  of one above it (the sub-district), for that organisation.
- A booking is seen in full (who asked, why, the decision) by whoever asked, the officers of the
  organisation it is for, and the venue's staff; they may also cancel it. Everyone signed in sees the
  time and title of approved bookings in a venue's week.

Venues themselves are public (the people app lists them for everyone). Everything else answers 404.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from people import policy
from people.models import Organisation, Role
from places.models import Room, Venue, ancestor_paths

from .models import Booking, VenueKeeper

VENUE_MANAGER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN})


def can_run_venue(user, venue: Venue) -> bool:
    """Venue staff: community staff or sub-district administrators whose scope covers the venue's place,
    and the venue's appointed keepers."""
    if not policy.signed_in(user):
        return False
    if policy.covers(user, venue.place.path, VENUE_MANAGER_ROLES):
        return True
    return VenueKeeper.objects.filter(venue_id=venue.pk, person_id=user.pk).exists()


def can_appoint_keepers(user, venue: Venue) -> bool:
    return policy.signed_in(user) and policy.covers(user, venue.place.path, VENUE_MANAGER_ROLES)


def community_path(venue: Venue) -> str:
    """The path of the venue's community (or village): the second level of the place tree."""
    paths = ancestor_paths(venue.place.path)
    return paths[1] if len(paths) > 1 else paths[0]


def _related(organisation: Organisation, venue: Venue) -> bool:
    """An organisation of the venue's community, or of a place above it (the sub-district)."""
    community = community_path(venue)
    return organisation.path.startswith(community) or community.startswith(organisation.path)


def bookable_organisations(user, venue: Venue, *, staff: bool | None = None) -> QuerySet[Organisation]:
    """The organisations the user may book this venue for: any of its community for venue staff, else
    those the user is an officer of."""
    if not policy.signed_in(user):
        return Organisation.objects.none()
    community = community_path(venue)
    related = Organisation.objects.filter(Q(path__startswith=community) | Q(path__in=ancestor_paths(community)))
    if staff is None:
        staff = can_run_venue(user, venue)
    if not staff:
        related = related.filter(pk__in=policy.organisations_of(user, officers_only=True))
    return related.order_by("kind", "name")


def may_request(user, venue: Venue, organisation: Organisation | None = None) -> bool:
    """May the user ask for a room of this venue, for themselves (``organisation`` None) or for an
    organisation?"""
    if not policy.signed_in(user):
        return False
    if organisation is not None:
        if not _related(organisation, venue):
            return False
        return can_run_venue(user, venue) or organisation.pk in policy.organisations_of(user, officers_only=True)
    return can_run_venue(user, venue) or policy.lives_or_owns_under(user, community_path(venue))


def can_request_at(user, venue: Venue) -> bool:
    """Whether the request form is open to the user at all (for themselves or for an organisation)."""
    return may_request(user, venue) or bookable_organisations(user, venue, staff=False).exists()


def venues_run_by(user) -> QuerySet[Venue]:
    if not policy.signed_in(user):
        return Venue.objects.none()
    kept = VenueKeeper.objects.filter(person_id=user.pk).values("venue_id")
    return Venue.objects.filter(policy.scope_q(user, "place__path", VENUE_MANAGER_ROLES) | Q(pk__in=kept))


def _staff_q(user) -> Q:
    kept = VenueKeeper.objects.filter(person_id=user.pk).values("venue_id")
    return policy.scope_q(user, "path", VENUE_MANAGER_ROLES) | Q(room__venue_id__in=kept)


def bookings_for(user) -> QuerySet[Booking]:
    """Bookings the user sees in full: their own, their organisations' (as officer), and every booking of
    the venues they run."""
    if not policy.signed_in(user):
        return Booking.objects.none()
    mine = Q(requested_by_id=user.pk) | Q(organisation_id__in=policy.organisations_of(user, officers_only=True))
    return Booking.objects.filter(mine | _staff_q(user))


def run_bookings_for(user) -> QuerySet[Booking]:
    """Bookings of the venues the user runs (the staff's queue)."""
    if not policy.signed_in(user):
        return Booking.objects.none()
    return Booking.objects.filter(_staff_q(user))


def is_party(user, booking: Booking) -> bool:
    """Whoever asked, or an officer of the organisation it is for."""
    if not policy.signed_in(user):
        return False
    if booking.requested_by_id == user.pk:
        return True
    return booking.organisation_id is not None and booking.organisation_id in policy.organisations_of(user, officers_only=True)


def can_view_booking(user, booking: Booking) -> bool:
    return is_party(user, booking) or can_run_venue(user, booking.room.venue)


def can_decide(user, booking: Booking) -> bool:
    return can_run_venue(user, booking.room.venue)


def can_cancel(user, booking: Booking) -> bool:
    return can_view_booking(user, booking)


def get_booking_for(user, pk) -> Booking:
    booking = (
        Booking.objects.filter(pk=pk)
        .select_related("room__venue__place", "organisation", "requested_by", "decided_by", "cancelled_by")
        .first()
    )
    if booking is None or not can_view_booking(user, booking):
        raise Http404
    return booking


def get_venue(pk) -> Venue:
    """Venues are public: any venue, with its place."""
    venue = Venue.objects.filter(pk=pk).select_related("place").first()
    if venue is None:
        raise Http404
    return venue


def get_venue_run_by(user, pk) -> Venue:
    venue = get_venue(pk)
    if not can_run_venue(user, venue):
        raise Http404
    return venue


def get_keepers_venue_for(user, pk) -> Venue:
    venue = get_venue(pk)
    if not can_appoint_keepers(user, venue):
        raise Http404
    return venue


def get_room_run_by(user, pk) -> Room:
    room = Room.objects.filter(pk=pk).select_related("venue__place").first()
    if room is None or not can_run_venue(user, room.venue):
        raise Http404
    return room
