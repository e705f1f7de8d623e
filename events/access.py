"""Who may see and do what with clubs and events, built on the one access policy (``people.policy``).

- Published events are public (a community's activity list and calendar feed need no sign-in); drafts
  only to those who run the event. Who signed up is shown only to those who run it.
- Signing up: residents who live or own under the event's audience place (a compound, a community, the
  sub-district), or the club's members for a club-only event.
- Running an event (edit, publish, cancel, see registrations, check people in): the organiser's officers
  (chairs and secretaries), and community staff or sub-district administrators over its community.
  Checking people in at the door: also the event's confirmed volunteers and the venue staff of its room.
- Clubs: anyone signed in sees a club and its events; members see who else is a member; the club's
  officers, and community staff over it, decide join requests.
- Neighbours: a resident who opted in sees neighbours in their own compound who opted in too and share a
  club or an attended event with them. Nobody else is shown anything.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from deliberation.models import COMMUNITY_KINDS
from people import policy
from people.models import Membership, Organisation, Role
from places.models import Place, ancestor_paths, under_paths_q
from venues.access import can_run_venue

from .models import Club, ClubJoinRequest, Event, Registration, RegistrationStatus, Status

MANAGER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN})
CLUB_KINDS = (Organisation.Kind.CULTURAL, Organisation.Kind.SELF_ORGANISATION, Organisation.Kind.MUTUAL_AID)


# --- places a person belongs to ---------------------------------------------------------------


def audience_paths(user) -> list[str]:
    """Every place path above a unit the user lives in or owns: the audiences they belong to (one query,
    remembered on the user for the request)."""
    if not policy.signed_in(user):
        return []
    cached = user.__dict__.get("_event_audience_paths")
    if cached is None:
        paths: set[str] = set()
        for path in policy.person_paths(user):
            paths.update(ancestor_paths(path))
        cached = user.__dict__["_event_audience_paths"] = sorted(paths)
    return cached


def club_ids_of(user) -> list[int]:
    """The clubs the user is a member of."""
    if not policy.signed_in(user):
        return []
    cached = user.__dict__.get("_event_club_ids")
    if cached is None:
        organisations = Membership.objects.filter(person=user).values("organisation_id")
        cached = user.__dict__["_event_club_ids"] = list(
            Club.objects.filter(organisation_id__in=organisations).values_list("pk", flat=True)
        )
    return cached


# --- events ------------------------------------------------------------------------------------


def can_organise_for(user, organisation: Organisation) -> bool:
    """Create events in an organisation's name: its officers, or community staff over it."""
    if not policy.signed_in(user):
        return False
    return organisation.pk in policy.organisations_of(user, officers_only=True) or policy.covers(
        user, organisation.path, MANAGER_ROLES
    )


def organisations_to_organise_for(user) -> QuerySet[Organisation]:
    if not policy.signed_in(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        Q(pk__in=policy.organisations_of(user, officers_only=True)) | policy.scope_q(user, "path", MANAGER_ROLES)
    ).order_by("path", "name")


def can_manage(user, event: Event) -> bool:
    if not policy.signed_in(user):
        return False
    return event.organiser_id in policy.organisations_of(user, officers_only=True) or policy.covers(
        user, event.community.path, MANAGER_ROLES
    )


def can_check_in(user, event: Event) -> bool:
    if can_manage(user, event):
        return True
    if not policy.signed_in(user):
        return False
    if event.room_id and can_run_venue(user, event.room.venue):
        return True
    return Registration.objects.filter(event=event, person=user, role__isnull=False, status=RegistrationStatus.CONFIRMED).exists()


def can_view(user, event: Event) -> bool:
    return event.status != Status.DRAFT or can_manage(user, event)


def get_event_for(user, pk) -> Event:
    event = (
        Event.objects.select_related("organiser", "club__organisation", "community", "audience_place", "room__venue")
        .filter(pk=pk)
        .first()
    )
    if event is None or not can_view(user, event):
        raise Http404
    return event


def get_managed_event_for(user, pk) -> Event:
    event = get_event_for(user, pk)
    if not can_manage(user, event):
        raise Http404
    return event


def is_open_to(user, event: Event) -> bool:
    """May the user sign up (the audience, not the time window)?"""
    if not policy.signed_in(user):
        return False
    if event.audience == Event.Audience.CLUB:
        return event.club_id in club_ids_of(user)
    return event.path in audience_paths(user)


def open_to_q(user) -> Q:
    """Events whose audience includes the user."""
    return (Q(path__in=audience_paths(user)) & ~Q(audience=Event.Audience.CLUB)) | Q(club_id__in=club_ids_of(user))


def runs_events(user) -> bool:
    """Officers of an organisation, community staff and administrators: they also see the events they run."""
    if not policy.signed_in(user):
        return False
    return bool(policy.organisations_of(user, officers_only=True)) or policy.has_role(user, MANAGER_ROLES)


def managed_q(user) -> Q:
    """The events the user runs: their organisations' events, and those of the communities in their manager
    scope, as ids (one small query), so PostgreSQL uses the (community, starts_at) index instead of joining
    every event to its community's path."""
    if not policy.signed_in(user):
        return Q(pk__in=[])
    paths = policy.scope_paths(user, MANAGER_ROLES)
    ids = []
    if paths:
        communities = Place.objects.filter(under_paths_q("path", paths), kind__in=sorted(COMMUNITY_KINDS))
        ids = list(communities.values_list("pk", flat=True))
    return Q(organiser_id__in=policy.organisations_of(user, officers_only=True)) | Q(community_id__in=ids)


def visible_q(user) -> Q:
    return ~Q(status=Status.DRAFT) | managed_q(user)


def can_see_registrations(user, event: Event) -> bool:
    return can_check_in(user, event)


def can_see_mobiles(user, event: Event) -> bool:
    """Community staff and administrators over the event's community call people about a change; the
    organisation's officers, volunteers and venue staff see masked numbers (names are enough at the door)."""
    return policy.covers(user, event.community.path, MANAGER_ROLES)


# --- clubs ------------------------------------------------------------------------------------


def can_run_club(user, club: Club) -> bool:
    """Decide join requests, name backbone members, create the club's events."""
    if not policy.signed_in(user):
        return False
    return club.organisation_id in policy.organisations_of(user, officers_only=True) or policy.covers(
        user, club.path, MANAGER_ROLES
    )


def can_see_members(user, club: Club) -> bool:
    return club.pk in club_ids_of(user) or can_run_club(user, club)


def get_club_for(user, pk) -> Club:
    club = Club.objects.select_related("organisation__place").filter(pk=pk).first()
    if club is None:
        raise Http404
    return club


def can_make_club(user, organisation: Organisation) -> bool:
    return organisation.kind in CLUB_KINDS and can_organise_for(user, organisation)


def can_decide(user, request: ClubJoinRequest) -> bool:
    return can_run_club(user, request.club)


def is_member(user, club: Club) -> bool:
    return club.pk in club_ids_of(user)


def member_rows(club: Club) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation_id=club.organisation_id).select_related("person").order_by("position", "since")


def community_of(place: Place) -> Place | None:
    """The community (or village) a place is in, or the place itself (one query at most)."""
    if place.kind in COMMUNITY_KINDS:
        return place
    ids = [int(s) for s in place.path.split(".") if s]
    return Place.objects.filter(pk__in=ids, kind__in=sorted(COMMUNITY_KINDS)).first()
