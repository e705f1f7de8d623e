"""The one place where access is decided.

Every permission in Linli is a question to this module: views, the JSON API, the admin and
templates all ask it. A role acts within the place subtree it was granted (property staff: within
the compounds their company serves); a resident sees their own household and public information.

The ``get_<thing>_for`` helpers fetch and check in one call and raise ``Http404`` for anything
the user may not see, so "missing" and "forbidden" look the same.
"""

from functools import lru_cache

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from core.db import by_pk
from core.masking import IdMask
from places.models import Place, Unit, under_paths_q

from .models import (
    HouseholdMember,
    JoinRequest,
    Membership,
    Organisation,
    Ownership,
    Person,
    Role,
    RoleAssignment,
    SensitiveTag,
)

LEADER_ROLES = frozenset({Role.BUILDING_LEADER, Role.LANE_LEADER, Role.STREET_LEADER})
# Who may browse places and the people directory within their scope.
DIRECTORY_ROLES = LEADER_ROLES | {Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN, Role.PROPERTY_STAFF}
PLACE_ROLES = DIRECTORY_ROLES | {Role.OWNERS_COMMITTEE, Role.MEDIATOR}
# Who cares for the households of a building and may see their sensitive tags (PIPL Art 28).
CARING_ROLES = LEADER_ROLES | {Role.COMMUNITY_STAFF}
# Who may reveal a full mobile number (audited, with a reason).
PHONE_REVEAL_ROLES = LEADER_ROLES | {Role.COMMUNITY_STAFF, Role.PROPERTY_STAFF}
# Who may reveal a full ID number (audited, with a reason). DOMAIN-RULES "Masking".
ID_REVEAL_ROLES = frozenset({Role.COMMUNITY_STAFF})
ID_STAFF_MASK_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN})
ID_LEADER_MASK_ROLES = LEADER_ROLES | {Role.VOLUNTEER}
JOIN_DECIDER_ROLES = frozenset({Role.BUILDING_LEADER, Role.COMMUNITY_STAFF})
MANAGER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN})
ALL_ROLES = frozenset(Role)

# Which roles a manager may grant: community staff grant the neighbourhood roles in their
# community; only a sub-district administrator grants community staff and administrators.
GRANTABLE_BY = {
    Role.COMMUNITY_STAFF: ALL_ROLES - {Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN},
    Role.SUBDISTRICT_ADMIN: ALL_ROLES,
}


# --- scope ---------------------------------------------------------------------------------


def signed_in_person(pk) -> Person | None:
    """The signed-in person, with their active role rows already kept for ``role_rows``: one statement on
    every signed-in request, where loading the person and then their roles took two queries, each compiled
    afresh (more CPU than the directory page's own SQL, make bench)."""
    person = None
    rows: list[tuple[str, str, int | None]] = []
    for row in Person.objects.raw(_signed_in_sql(), [pk]):
        person = person or row
        if row.linli_role is not None:
            rows.append((row.linli_role, row.linli_role_path, row.linli_role_org))
    if person is not None:
        person._linli_role_rows = rows
        for name in ("linli_role", "linli_role_path", "linli_role_org"):
            person.__dict__.pop(name, None)
    return person


@lru_cache(maxsize=1)
def _signed_in_sql() -> str:
    people, roles = Person._meta.db_table, RoleAssignment._meta.db_table
    return (
        f"SELECT p.*, r.role AS linli_role, r.path AS linli_role_path, r.organisation_id AS linli_role_org "  # noqa: S608
        f"FROM {people} p LEFT JOIN {roles} r ON r.person_id = p.id AND r.ended_at IS NULL "
        f"WHERE p.id = %s ORDER BY r.id"
    )


def signed_in(user) -> bool:
    """Whether ``user`` is a signed-in person (not anonymous, not missing): the first question of every check."""
    return getattr(user, "is_authenticated", False)


def role_rows(user) -> list[tuple[str, str, int | None]]:
    """The user's active role assignments as plain ``(role, path, organisation id)`` rows: one query per
    request, kept on the user object, shared by every scope check (here and in the apps' access modules)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_linli_role_rows", None)
    if cached is None:
        # A session's user comes with them (``signed_in_person``); an API token's person and a test's user
        # are looked up here, by one plain statement (every API call makes it; a queryset cost more to
        # build than to run, make bench).
        with connection.cursor() as cursor:
            cursor.execute(_role_rows_sql(), [user.pk])
            cached = user._linli_role_rows = [tuple(row) for row in cursor.fetchall()]
    return cached


@lru_cache(maxsize=1)
def _role_rows_sql() -> str:
    return (
        f"SELECT role, path, organisation_id FROM {RoleAssignment._meta.db_table} "  # noqa: S608 (table name)
        "WHERE person_id = %s AND ended_at IS NULL ORDER BY id"
    )


def _role_paths(user) -> dict[str, list[str]]:
    """Role → place paths it covers, loaded once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_linli_role_paths", None)
    if cached is not None:
        return cached
    result: dict[str, list[str]] = {}
    if user.is_superuser:
        roots = list(Place.objects.filter(parent__isnull=True).values_list("path", flat=True))
        result = {role: roots for role in ALL_ROLES}
    else:
        company_grants: list[tuple[int, str]] = []
        for role, path, organisation_id in role_rows(user):
            if role == Role.PROPERTY_STAFF and organisation_id:
                company_grants.append((organisation_id, path))
            else:
                result.setdefault(role, []).append(path)
        if company_grants:
            # Property staff act over the compounds their company serves, but only inside the place
            # they were granted: otherwise a community's staff could grant, with a company that also
            # serves another community, a role reaching into that other community.
            served = Place.objects.filter(serving_organisations__in={o for o, _ in company_grants}).values_list(
                "path", "serving_organisations"
            )
            for path, org_id in served:
                for o, granted in company_grants:
                    if o == org_id and (path.startswith(granted) or granted.startswith(path)):
                        # the intersection of the two subtrees: the deeper of the two roots
                        result.setdefault(Role.PROPERTY_STAFF, []).append(max(path, granted, key=len))
    user._linli_role_paths = result
    return result


def roles_of(user) -> set[str]:
    return set(_role_paths(user))


def scope_paths(user, roles=ALL_ROLES) -> list[str]:
    """The minimal list of subtree roots the user's given roles cover."""
    paths = sorted({p for role, ps in _role_paths(user).items() if role in roles for p in ps})
    minimal: list[str] = []
    for p in paths:
        if not any(p.startswith(m) for m in minimal):
            minimal.append(p)
    return minimal


def covers(user, path: str, roles=ALL_ROLES) -> bool:
    return bool(path) and any(path.startswith(p) for p in scope_paths(user, roles))


def has_role(user, roles=ALL_ROLES) -> bool:
    return bool(scope_paths(user, roles))


def is_staff_member(user) -> bool:
    """Anyone holding a role that works with places (used to show the staff navigation)."""
    return has_role(user, PLACE_ROLES)


def scope_q(user, field: str, roles=ALL_ROLES) -> Q:
    """Filter on ``field`` (a copied place path) for rows inside the user's scope for ``roles``."""
    return under_paths_q(field, scope_paths(user, roles))


# --- places ----------------------------------------------------------------------------------


def places_for(user) -> QuerySet[Place]:
    return Place.objects.filter(scope_q(user, "path", PLACE_ROLES))


def get_place_for(user, pk) -> Place:
    place = by_pk(Place, pk)
    if place is None or not covers(user, place.path, PLACE_ROLES):
        raise Http404
    return place


def units_for(user) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_q(user, "path", PLACE_ROLES))


# --- people ----------------------------------------------------------------------------------


def directory_paths(user) -> tuple[str, ...]:
    """The subtrees whose residents the user's directory lists."""
    return tuple(scope_paths(user, DIRECTORY_ROLES))


def people_for(user) -> QuerySet[Person]:
    """Persons in the directory: those living under the user's directory scope."""
    return people_under(directory_paths(user))


def people_under(paths) -> QuerySet[Person]:
    """Persons living under ``paths`` (the directory of whoever holds that scope)."""
    if not paths:
        return Person.objects.none()
    # Residents only: OR-ing a second EXISTS for owners who live elsewhere turns PostgreSQL's per-row
    # semi-join (1 ms) into hashing the whole scope (40 ms at sub-district scale, make bench). Such owners
    # are still reachable: ``can_view_person`` counts the units they own, and the building page lists them.
    lives_there = HouseholdMember.objects.filter(under_paths_q("path", list(paths)), person=OuterRef("pk"))
    return Person.objects.filter(Exists(lives_there), anonymised_at__isnull=True)


def person_paths(person: Person) -> list[str]:
    """Where a person belongs: the units they live in and the units they own (owners may live elsewhere). One
    plain statement: every sign-up and every audience check asks it, and the ORM's union cost more to build
    than to run (make bench)."""
    with connection.cursor() as cursor:
        cursor.execute(_person_paths_sql(), [person.pk, person.pk])
        return [path for (path,) in cursor.fetchall()]


@lru_cache(maxsize=1)
def _person_paths_sql() -> str:
    return (
        f"SELECT path FROM {HouseholdMember._meta.db_table} WHERE person_id = %s "  # noqa: S608 (table names)
        f"UNION SELECT path FROM {Ownership._meta.db_table} WHERE person_id = %s"
    )


def home_places(person, kinds) -> dict[str, list[str]]:
    """Each unit a person lives in or owns (its path) → the paths of the places of ``kinds`` above it,
    root first. One query, kept on the person for the request."""
    if not getattr(person, "is_authenticated", False):
        return {}
    cache = person.__dict__.setdefault("_linli_home_places", {})
    key = frozenset(kinds)
    if key not in cache:
        homes = person_paths(person)
        ids = {int(seg) for p in homes for seg in p.split(".") if seg}
        found = sorted(Place.objects.filter(pk__in=ids, kind__in=list(key)).values_list("path", flat=True))
        cache[key] = {home: [p for p in found if home.startswith(p)] for home in homes}
    return cache[key]


LIVES_OR_OWNS_SQL = (
    "SELECT EXISTS (SELECT 1 FROM people_householdmember WHERE person_id = %s AND path LIKE %s)"
    " OR EXISTS (SELECT 1 FROM people_ownership WHERE person_id = %s AND path LIKE %s)"
)


def lives_or_owns_under(person, path: str) -> bool:
    """Lives in or owns a unit under ``path`` (one plain query: every problem report asks it, and the ORM's
    two ``Exists`` cost more to build than to run). Paths are digits and dots, so ``LIKE 'path%'`` is a prefix
    test that uses the (person, path) indexes."""
    if not getattr(person, "is_authenticated", False):
        return False
    prefix = path + "%"
    with connection.cursor() as cursor:
        cursor.execute(LIVES_OR_OWNS_SQL, [person.pk, prefix, person.pk, prefix])
        return bool(cursor.fetchone()[0])


def can_view_person(user, person: Person) -> bool:
    if getattr(user, "is_authenticated", False) and user.pk == person.pk:
        return True
    return any(covers(user, p, DIRECTORY_ROLES) for p in person_paths(person))


def can_name(user, person: Person) -> bool:
    """May the user name this person (as a participant, invitee, attendee or owner of work)? Themselves,
    someone in their directory, or someone holding a role within their scope (property staff, leaders)."""
    return person.pk == user.pk or can_view_person(user, person) or roles_visible_to(user).filter(person=person).exists()


def get_person_for(user, pk) -> Person:
    person = Person.objects.filter(pk=pk).first()
    if person is None or not can_view_person(user, person):
        raise Http404
    return person


def id_mask_for(user, person: Person) -> IdMask:
    if getattr(user, "is_authenticated", False) and user.pk == person.pk:
        return IdMask.FULL
    paths = person_paths(person)
    if any(covers(user, p, ID_STAFF_MASK_ROLES) for p in paths):
        return IdMask.STAFF
    if any(covers(user, p, ID_LEADER_MASK_ROLES) for p in paths):
        return IdMask.LEADER
    return IdMask.HIDDEN


def can_reveal(user, person: Person, field: str) -> bool:
    """Full mobile or ID number for staff who need it; every reveal is audited by the action."""
    roles = ID_REVEAL_ROLES if field == "id_number" else PHONE_REVEAL_ROLES
    return any(covers(user, p, roles) for p in person_paths(person))


def can_call_leader(user, assignment: RoleAssignment) -> bool:
    """A leader's full number is for the residents (or owners) of the place they serve, and for staff
    over it who may reveal mobile numbers; every call is audited by the view."""
    if any(p.startswith(assignment.path) for p in person_paths(user)):
        return True
    return covers(user, assignment.path, PHONE_REVEAL_ROLES)


def can_view_sensitive(user, path: str) -> bool:
    return covers(user, path, CARING_ROLES)


def sensitive_tags_for(user) -> QuerySet[SensitiveTag]:
    return SensitiveTag.objects.filter(scope_q(user, "path", CARING_ROLES))


def can_manage_people(user, path: str) -> bool:
    """Edit persons, households and ownership, import rosters."""
    return covers(user, path, MANAGER_ROLES)


def can_import(user) -> bool:
    return has_role(user, MANAGER_ROLES)


def can_export_roster(user, place: Place) -> bool:
    """Rosters are exported by the roles that keep the directory over the place."""
    return covers(user, place.path, DIRECTORY_ROLES)


def roster_shows_full_mobiles(user, place: Place) -> bool:
    """A manager's export keeps full mobile numbers so it can be re-imported; ID numbers never leave."""
    return can_manage_people(user, place.path)


# --- roles and organisations -----------------------------------------------------------------


def can_grant(user, role: str, place: Place) -> bool:
    return any(covers(user, place.path, {granter}) and role in grantable for granter, grantable in GRANTABLE_BY.items())


def roles_visible_to(user) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.active().filter(scope_q(user, "path", PLACE_ROLES))


def organisations_for(user) -> QuerySet[Organisation]:
    """Organisations are public in name, kind and place to every signed-in user."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.all()


def get_organisation_for(user, pk) -> Organisation:
    org = organisations_for(user).filter(pk=pk).select_related("place").first()
    if org is None:
        raise Http404
    return org


def can_view_members(user, org: Organisation) -> bool:
    if covers(user, org.path, PLACE_ROLES):
        return True
    return getattr(user, "is_authenticated", False) and org.memberships.filter(person=user).exists()


# --- join requests ---------------------------------------------------------------------------


def join_requests_for(user) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(scope_q(user, "path", JOIN_DECIDER_ROLES))


def can_decide_join(user, request: JoinRequest) -> bool:
    return covers(user, request.path, JOIN_DECIDER_ROLES)


def get_join_request_for(user, pk) -> JoinRequest:
    jr = JoinRequest.objects.filter(pk=pk).select_related("person", "unit", "building").first()
    if jr is None or not (can_decide_join(user, jr) or jr.person_id == getattr(user, "pk", None)):
        raise Http404
    return jr


# --- admin -----------------------------------------------------------------------------------


def can_use_admin(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active and (user.is_superuser or has_role(user, MANAGER_ROLES))


# --- speaking for an organisation ------------------------------------------------------------

# An organisation's officers: they receive its invitations and notices and act for it at meetings.
OFFICER_POSITIONS = (Membership.Position.CHAIR, Membership.Position.SECRETARY)


def organisations_of(user, *, officers_only: bool = False) -> list[int]:
    """The organisations a person belongs to (chair or secretary only, with ``officers_only``) or holds an
    active role for (property staff for their company, …): those they may act for. Two small queries,
    once per request (remembered on the user object)."""
    remembered = user.__dict__.setdefault("_organisations_of", {})
    if officers_only in remembered:
        return remembered[officers_only]
    members = Membership.objects.filter(person=user)
    if officers_only:
        members = members.filter(position__in=OFFICER_POSITIONS)
    ids = set(members.values_list("organisation_id", flat=True))
    ids.update(
        RoleAssignment.objects.active().filter(person=user, organisation__isnull=False).values_list("organisation_id", flat=True)
    )
    remembered[officers_only] = sorted(ids)
    return remembered[officers_only]


def officers_of(organisation_ids) -> dict[int, list[Person]]:
    """Who acts for each organisation: its chairs and secretaries, and those holding an active role for it."""
    found: dict[int, dict[int, Person]] = {}
    for m in Membership.objects.filter(organisation_id__in=organisation_ids, position__in=OFFICER_POSITIONS).select_related(
        "person"
    ):
        found.setdefault(m.organisation_id, {})[m.person_id] = m.person
    roles = RoleAssignment.objects.active().filter(organisation_id__in=organisation_ids).select_related("person")
    for r in roles:
        found.setdefault(r.organisation_id, {})[r.person_id] = r.person
    return {org: list(people.values()) for org, people in found.items()}
