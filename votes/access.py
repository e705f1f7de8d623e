"""Who may see and do what with owners' votes, built on the one access policy (``people.policy``).

- Community staff, sub-district administrators and owners' committee members over the compound
  (managers): create a vote, publish its notice, open, close, enter paper ballots (two different
  people per sheet), record proxies and co-owners' designations, publish the result, see who voted.
  Property staff do not: hiring or dismissing their company is one of the matters.
- Owners of a unit in scope: see the vote once its notice is out; during voting, the owners on the
  frozen roll see it and cast the ballot of the voter they are designated for, or hold a proxy for.
- Anyone: a published result (the public board); no personal data is on it.
- Nobody, staff included, sees how anyone voted in a secret ballot; in an open ballot managers see
  each voter's choice. An owner always sees their own ballot. How the ballots split is shown to
  owners once the result is published; before that they see turnout (``can_see_split``).

Everything else answers 404.
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from people import policy
from people.models import Ownership, Role
from places.models import Place, ancestor_paths

from .models import Matter, ProxyAuthorisation, Status, UseChange, UseChangeConsent, Voter, VoterMember

MANAGER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN, Role.OWNERS_COMMITTEE})
OWNER_STATUSES = (Status.NOTIFIED, Status.OPEN, Status.CLOSED, Status.PUBLISHED)


def can_manage(user, matter: Matter) -> bool:
    return policy.covers(user, matter.path, MANAGER_ROLES)


def can_manage_place(user, place) -> bool:
    return policy.covers(user, place.path, MANAGER_ROLES)


def owned_paths(user) -> list[str]:
    """Every place path above a unit the user owns: the scopes whose votes concern them."""
    if not policy.signed_in(user):
        return []
    paths: set[str] = set()
    for path in Ownership.objects.filter(person=user).values_list("path", flat=True).distinct():
        paths.update(ancestor_paths(path))
    return sorted(paths)


def _concerning(user, owner_statuses=None) -> Q:
    """Votes in the user's scope as a manager, over a unit they own (in ``owner_statuses`` if given), on
    whose roll they are, or for which they hold a proxy."""
    if not policy.signed_in(user):
        return Q(pk__in=[])
    owned = Q(path__in=owned_paths(user))
    return (
        policy.scope_q(user, "path", MANAGER_ROLES)
        | (owned & Q(status__in=owner_statuses) if owner_statuses else owned)
        | Q(pk__in=VoterMember.objects.filter(person=user).values("matter_id"))
        | Q(pk__in=ProxyAuthorisation.objects.filter(proxy=user, revoked_at__isnull=True).values("matter_id"))
    )


def matters_for(user) -> QuerySet[Matter]:
    """Votes the user may see: managed ones, those concerning their units once noticed, those they are
    on the roll of, and every published result."""
    return Matter.objects.filter(Q(status=Status.PUBLISHED) | _concerning(user, OWNER_STATUSES))


def concerning(user, matters: QuerySet[Matter]) -> QuerySet[Matter]:
    """Of ``matters``, those that concern the user: a list shows these, not every published result of
    the sub-district."""
    return matters.filter(_concerning(user))


def can_prepare_votes(user) -> bool:
    return policy.has_role(user, MANAGER_ROLES)


def compounds_to_vote_in(user) -> QuerySet:
    """Compounds whose votes the user may prepare."""
    return Place.objects.filter(kind=Place.Kind.COMPOUND).under_any(policy.scope_paths(user, MANAGER_ROLES))


def scopes_to_vote_in(user, compound) -> list:
    """The compound and its buildings, those the user manages: whose owners a new vote may be for."""
    buildings = Place.objects.under(compound, include_self=False).filter(kind=Place.Kind.BUILDING).order_by("name")
    return [p for p in [compound, *buildings] if can_manage_place(user, p)]


def get_managed_matter_for(user, pk) -> Matter:
    """A vote the user manages; to anyone else it does not exist."""
    matter = get_matter_for(user, pk)
    if not can_manage(user, matter):
        raise Http404
    return matter


def can_view(user, matter: Matter) -> bool:
    """The same rule as ``matters_for``, for one vote, cheapest test first (a manager's roles are read
    once per request; an owner costs one or two indexed look-ups)."""
    if matter.status == Status.PUBLISHED or can_manage(user, matter):
        return True
    if not policy.signed_in(user):
        return False
    if matter.status in OWNER_STATUSES and Ownership.objects.filter(person=user, path__startswith=matter.path).exists():
        return True
    return (
        VoterMember.objects.filter(matter=matter, person=user).exists()
        or ProxyAuthorisation.objects.filter(matter=matter, proxy=user, revoked_at__isnull=True).exists()
    )


def get_matter_for(user, pk) -> Matter:
    matter = Matter.objects.select_related("compound", "scope", "topic").filter(pk=pk).first()
    if matter is None or not can_view(user, matter):
        raise Http404
    return matter


# Every ballot reads its voter: a plain query (building the ORM's costs more than running it).
VOTER_TO_CAST_SQL = "SELECT id, matter_id, kind, area, heads, designated_id FROM votes_voter WHERE id = %s AND matter_id = %s"


def get_voter_to_cast(user, matter_pk, voter_pk) -> Voter:
    """The voter whose ballot ``user`` casts (its vote is locked and checked when the ballot is recorded):
    as the designated (or sole) owner or the proxy; a co-owner not designated gets it too, to be told to
    designate first. Anything else: 404. (Being able to cast implies seeing the vote, so this is the
    whole check of the casting endpoint.)"""
    if not policy.signed_in(user):
        raise Http404
    voter = next(iter(Voter.objects.raw(VOTER_TO_CAST_SQL, [voter_pk, matter_pk])), None)
    if voter is None:
        raise Http404
    if voter.designated_id == user.pk:
        return voter
    if ProxyAuthorisation.objects.filter(voter=voter, proxy=user, revoked_at__isnull=True).exists():
        return voter
    if VoterMember.objects.filter(voter=voter, person=user).exists():
        return voter
    raise Http404


def voters_for(user, matter: Matter) -> list[Voter]:
    """The voters whose ballot ``user`` casts: as the designated (or sole) owner, or as a proxy."""
    if not policy.signed_in(user):
        return []
    proxied = ProxyAuthorisation.objects.filter(matter=matter, proxy=user, revoked_at__isnull=True).values("voter_id")
    return list(
        Voter.objects.filter(matter=matter).filter(Q(designated=user) | Q(pk__in=proxied)).select_related("ballot").order_by("id")
    )


def proxy_for(user, voter: Voter) -> ProxyAuthorisation | None:
    return ProxyAuthorisation.objects.filter(voter=voter, proxy=user, revoked_at__isnull=True).first()


def can_name_proxy(user, matter: Matter, person) -> bool:
    """A manager recording a signed written authorisation may name whoever it names, a relative living
    elsewhere too: the signed document is the basis, and the recording is audited."""
    return can_manage(user, matter) and person.is_active and person.anonymised_at is None


def owns_in_same_compound(person, request: UseChange) -> bool:
    """Only owners of the same compound can be interested owners (SPC interpretation Art 11)."""
    building = request.unit.building
    area = (building.compound() or building).path
    return Ownership.objects.filter(person=person, path__startswith=area).exists()


def can_name_interested(user, request: UseChange, person) -> bool:
    """A manager may add an owner of the same compound as an interested owner."""
    return can_manage_use_change(user, request) and person.is_active and owns_in_same_compound(person, request)


def can_see_choices(user, matter: Matter) -> bool:
    """Who voted how: managers, for an open ballot only. A secret ballot's choices are shown to nobody."""
    return not matter.secret and can_manage(user, matter)


def can_see_split(user, matter: Matter) -> bool:
    """How the ballots split (agree, disagree, abstain) before the result is published: only managers of
    an open ballot, who see each voter's choice anyway. Owners see turnout while voting runs, so a live
    count cannot sway them nor, read after each ballot, tell them how a neighbour voted; everyone sees
    the split once published."""
    return matter.status == Status.PUBLISHED or can_see_choices(user, matter)


def can_see_split_by_building(user, matter: Matter) -> bool:
    """Never for a secret ballot: the owners of a small building could be identified by it."""
    return not matter.secret and can_see_split(user, matter)


def voting_is_open(matter: Matter, now=None) -> bool:
    now = now or timezone.now()
    return matter.status == Status.OPEN and now < matter.closes_at


# --- changes of use (Civil Code Art 279) ------------------------------------------------------------------


def use_changes_for(user) -> QuerySet[UseChange]:
    if not policy.signed_in(user):
        return UseChange.objects.none()
    q = policy.scope_q(user, "path", MANAGER_ROLES) | Q(applicant=user)
    q |= Q(pk__in=UseChangeConsent.objects.filter(person=user).values("request_id"))
    return UseChange.objects.filter(q)


def get_use_change_for(user, pk) -> UseChange:
    request = use_changes_for(user).select_related("unit", "unit__building", "applicant").filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


def can_manage_use_change(user, request: UseChange) -> bool:
    return policy.covers(user, request.path, MANAGER_ROLES)
