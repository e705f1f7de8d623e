"""One access policy decides every permission: every role × every object kind × inside/outside scope.

The tables below are the specification (docs/PERMISSIONS.md). Each cell is checked through the policy
functions (predicate and queryset must agree), and a representative subset again through the pages, the
JSON API and the admin, which must answer exactly as the policy does: 200 inside, 404 outside (the admin
sends a signed-in user it does not admit back to its login page).

The matrix tree, built fresh for each test:

    A  sub-district ─ C  community ─ K  compound (served by the property company)
                                     └ S  street ─ L  lane ─ B  building  ← every "inside" object lives here
                                                          └ B2 building
                                                  └ L2 lane ─ building
                                     └ S2 street ─ building
                                   └ K2 compound ─ building
                    └ C2 community ─ building
    A2 sub-district ─ community ─ building

Each role is granted at one of A, C, K, S, L, B. Its "outside" objects live in the building under the
sibling of that place (B2 for a building leader, the building under L2 for a lane leader, and so on), so
"outside" is always the nearest place the role does not cover.
"""

import itertools
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from people import actions, policy
from people.models import ConsentRecord, HouseholdMember, JoinRequest, Membership, Organisation, Person, Role, SensitiveTag
from places.models import Place, Unit
from tests.conftest import grant, live_in, make_person

Y, N = True, False

KINDS = ("place", "building", "person", "sensitive_tag", "join_decision", "role_grant", "org_members", "admin", "import")

# What each persona may do with the objects inside its scope.
#   place:         open its place (and browse the places under it)
#   building:      open a building page and list its units
#   person:        find a resident in the directory and open their page
#   sensitive_tag: see the resident's care information
#   join_decision: approve or reject a request to join a unit of the building
#   role_grant:    make someone the building's leader
#   org_members:   see the member list of an organisation of the building
#   admin:         change the building in the back office
#   import:        import a roster for the building
INSIDE = {
    #                     place building person tag  join  grant members admin import
    Role.BUILDING_LEADER: (Y, Y, Y, Y, Y, N, Y, N, N),
    Role.LANE_LEADER: (Y, Y, Y, Y, N, N, Y, N, N),
    Role.STREET_LEADER: (Y, Y, Y, Y, N, N, Y, N, N),
    Role.COMMUNITY_STAFF: (Y, Y, Y, Y, Y, Y, Y, Y, Y),
    Role.SUBDISTRICT_ADMIN: (Y, Y, Y, N, N, Y, Y, Y, Y),
    Role.PROPERTY_STAFF: (Y, Y, Y, N, N, N, Y, N, N),
    Role.OWNERS_COMMITTEE: (Y, Y, N, N, N, N, Y, N, N),
    Role.MEDIATOR: (Y, Y, N, N, N, N, Y, N, N),
    Role.VOLUNTEER: (N, N, N, N, N, N, N, N, N),
    "resident": (N, N, N, N, N, N, N, N, N),  # a neighbour in the same building, holding no role
    "anonymous": (N, N, N, N, N, N, N, N, N),
}
# Outside its scope nobody may do anything.
OUTSIDE = {persona: (N,) * len(KINDS) for persona in INSIDE}
EXPECTED = {"inside": INSIDE, "outside": OUTSIDE}

# Where each persona's role is granted in the matrix tree.
ROOT = {
    Role.BUILDING_LEADER: "B",
    Role.LANE_LEADER: "L",
    Role.STREET_LEADER: "S",
    Role.COMMUNITY_STAFF: "C",
    Role.SUBDISTRICT_ADMIN: "A",
    Role.PROPERTY_STAFF: "K",  # through the company that serves K
    Role.OWNERS_COMMITTEE: "K",
    Role.MEDIATOR: "C",
    Role.VOLUNTEER: "K",
    "resident": "B",
    "anonymous": "B",
}
PERSONAS = list(INSIDE)


def test_the_matrix_covers_every_role_and_kind():
    assert set(Role) <= set(INSIDE)
    assert all(len(row) == len(KINDS) for table in EXPECTED.values() for row in table.values())
    assert set(ROOT) == set(INSIDE)


# --- the matrix tree --------------------------------------------------------------------------

_mobiles = itertools.count(13700001000)


def _person(name: str) -> Person:
    return make_person(name, str(next(_mobiles)))


@dataclass
class Spot:
    """The objects of one building: a resident with care information, a pending join request, and
    an organisation of the building with the resident as member."""

    building: Place
    unit: Unit
    resident: Person
    neighbour: Person
    tag: SensitiveTag
    join_request: JoinRequest
    org: Organisation


def _spot(building: Place, carer: Person) -> Spot:
    unit = Unit.objects.create(building=building, label="101")
    unit2 = Unit.objects.create(building=building, label="102")
    resident = _person(f"{building.name}住户")
    live_in(resident, unit)
    neighbour = _person(f"{building.name}邻居")
    live_in(neighbour, unit2, HouseholdMember.Relation.TENANT)
    actions.record_consent(person=resident, purpose=ConsentRecord.Purpose.SENSITIVE)
    tag = actions.add_sensitive_tag(
        actor=carer, person=resident, unit=unit, kind=SensitiveTag.Kind.ELDERLY_ALONE, note=f"独居-{building.name}"
    )
    applicant = _person(f"{building.name}申请人")
    jr = actions.request_to_join(person=applicant, unit=unit, relation=HouseholdMember.Relation.TENANT)
    org = Organisation.objects.create(kind=Organisation.Kind.SELF_GOVERNING, name=f"{building.name}自治小组", place=building)
    Membership.objects.create(organisation=org, person=resident, position=Membership.Position.CHAIR)
    return Spot(building, unit, resident, neighbour, tag, jr, org)


@dataclass
class Tree:
    places: dict[str, Place]  # A, C, K, S, L, B
    inside: Spot
    siblings: dict[str, Place]  # the building under the sibling of each root
    company: Organisation
    carer: Person
    _outside: dict[str, Spot] = field(default_factory=dict)

    def outside(self, root: str) -> Spot:
        """The objects outside a role granted at ``root``, made when first asked for."""
        if root not in self._outside:
            self._outside[root] = _spot(self.siblings[root], self.carer)
        return self._outside[root]


@pytest.fixture
def tree(db) -> Tree:
    def place(kind, name, parent=None):
        return Place.objects.create(kind=kind, name=name, parent=parent)

    K_ = Place.Kind
    a = place(K_.SUBDISTRICT, "矩阵街道")
    c = place(K_.COMMUNITY, "矩阵社区", a)
    k = place(K_.COMPOUND, "矩阵小区", c)
    s = place(K_.STREET, "矩阵街", k)
    lane = place(K_.LANE, "矩阵巷", s)
    b = place(K_.BUILDING, "矩阵1栋", lane)
    siblings = {
        "B": place(K_.BUILDING, "矩阵2栋", lane),
        "L": place(K_.BUILDING, "邻巷1栋", place(K_.LANE, "邻巷", s)),
        "S": place(K_.BUILDING, "邻街1栋", place(K_.STREET, "邻街", k)),
        "K": place(K_.BUILDING, "邻小区1栋", place(K_.COMPOUND, "邻小区", c)),
        "C": place(K_.BUILDING, "邻社区1栋", place(K_.COMMUNITY, "邻社区", a)),
        "A": place(K_.BUILDING, "邻镇1栋", place(K_.COMMUNITY, "邻镇社区", place(K_.SUBDISTRICT, "邻镇"))),
    }
    company = Organisation.objects.create(kind=Organisation.Kind.PROPERTY_COMPANY, name="矩阵物业", place=a)
    company.served_places.add(k)
    carer = make_person("设置用超级用户", "13799999999", is_superuser=True)
    return Tree(
        places={"A": a, "C": c, "K": k, "S": s, "L": lane, "B": b},
        inside=_spot(b, carer),
        siblings=siblings,
        company=company,
        carer=carer,
    )


def _actor(persona, tree: Tree):
    if persona == "anonymous":
        return AnonymousUser()
    if persona == "resident":
        return tree.inside.neighbour
    person = _person(f"矩阵{persona}")
    place = tree.places[ROOT[persona]]
    grant(person, persona, place, organisation=tree.company if persona == Role.PROPERTY_STAFF else None)
    return person


@dataclass
class Target:
    place: Place
    spot: Spot


def _target(persona, scope: str, tree: Tree) -> Target:
    root = ROOT[persona]
    if scope == "inside":
        return Target(tree.places[root], tree.inside)
    spot = tree.outside(root)
    # the sibling of the role's own place: the outside building itself, or the ancestor at the root's depth
    sibling = spot.building if root == "B" else Place.objects.get(pk=spot.building.ancestor_ids[tree.places[root].depth])
    return Target(sibling, spot)


# --- through the policy -----------------------------------------------------------------------


def _found(getter, *args) -> bool:
    try:
        getter(*args)
    except Http404:
        return False
    return True


def _policy_allows(kind: str, actor, t: Target) -> bool:
    s = t.spot
    if kind == "place":
        allowed = _found(policy.get_place_for, actor, t.place.pk)
        assert policy.places_for(actor).filter(pk=t.place.pk).exists() == allowed
    elif kind == "building":
        allowed = _found(policy.get_place_for, actor, s.building.pk)
        assert policy.units_for(actor).filter(pk=s.unit.pk).exists() == allowed
    elif kind == "person":
        allowed = policy.can_view_person(actor, s.resident)
        assert _found(policy.get_person_for, actor, s.resident.pk) == allowed
        assert policy.people_for(actor).filter(pk=s.resident.pk).exists() == allowed
    elif kind == "sensitive_tag":
        allowed = policy.can_view_sensitive(actor, s.tag.path)
        assert policy.sensitive_tags_for(actor).filter(pk=s.tag.pk).exists() == allowed
    elif kind == "join_decision":
        allowed = policy.can_decide_join(actor, s.join_request)
        assert policy.join_requests_for(actor).filter(pk=s.join_request.pk).exists() == allowed
        assert _found(policy.get_join_request_for, actor, s.join_request.pk) == allowed
    elif kind == "role_grant":
        allowed = policy.can_grant(actor, Role.BUILDING_LEADER, s.building)
        try:
            actions.assign_role(actor=actor, person=s.neighbour, role=Role.BUILDING_LEADER, place=s.building)
        except PermissionDenied:
            assert not allowed
        else:
            assert allowed
    elif kind == "org_members":
        allowed = policy.can_view_members(actor, s.org)
    elif kind == "admin":
        allowed = policy.can_use_admin(actor) and policy.can_manage_people(actor, s.building.path)
    elif kind == "import":
        allowed = policy.can_import(actor) and policy.can_manage_people(actor, s.building.path)
    else:  # pragma: no cover
        raise AssertionError(kind)
    return allowed


@pytest.mark.parametrize("scope", ["inside", "outside"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_policy_matrix(tree, persona, kind, scope):
    actor = _actor(persona, tree)
    expected = EXPECTED[scope][persona][KINDS.index(kind)]
    assert _policy_allows(kind, actor, _target(persona, scope, tree)) == expected


# --- through the pages, the API and the admin -------------------------------------------------

HTTP_KINDS = ("place", "building", "person", "sensitive_tag", "join_decision", "org_members", "admin")


def _login(client, actor) -> None:
    if actor.is_authenticated:
        client.force_login(actor)


def _denied(actor, api: bool = False) -> int:
    if actor.is_authenticated:
        return 404
    return 401 if api else 302  # anonymous: the API asks for credentials, pages for a sign-in


def _http_allows(kind: str, client, actor, t: Target) -> bool:
    """Ask the pages and the API; assert each answers the same, and return that answer."""
    s = t.spot

    def status(url: str, api: bool = False, method: str = "get", **data) -> bool:
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        assert response.status_code in (200, _denied(actor, api)), (url, response.status_code)
        return response.status_code == 200

    if kind == "place":
        page = status(reverse("people:place", args=[t.place.pk]))
        api = status(f"/api/places/{t.place.pk}", api=True)
        assert page == api
        return page
    if kind == "building":
        page = status(reverse("people:place", args=[s.building.pk]))
        api = status(f"/api/places/{s.building.pk}/units", api=True)
        assert page == api
        return page
    if kind == "person":
        page = status(reverse("people:person", args=[s.resident.pk]))
        api = status(f"/api/people/{s.resident.pk}", api=True)
        listed = s.resident.pk in [p["id"] for p in client.get("/api/people").json().get("items", [])]
        assert page == api == listed
        return page
    if kind == "sensitive_tag":
        response = client.get(reverse("people:person", args=[s.resident.pk]))
        return s.tag.note in response.content.decode()
    if kind == "join_decision":
        response = client.post(reverse("people:join-decide", args=[s.join_request.pk]), {"decision": "approve"})
        s.join_request.refresh_from_db()
        approved = s.join_request.status == JoinRequest.Status.APPROVED
        assert response.status_code == (302 if approved else _denied(actor))
        assert HouseholdMember.objects.filter(unit=s.unit, person=s.join_request.person).exists() == approved
        return approved
    if kind == "org_members":
        api = status(f"/api/organisations/{s.org.pk}/members", api=True)
        response = client.get(reverse("people:organisation", args=[s.org.pk]))
        assert (s.resident.name in response.content.decode()) == api
        return api
    if kind == "admin":
        response = client.get(reverse("admin:places_place_change", args=[s.building.pk]))
        assert response.status_code in (200, 302)
        return response.status_code == 200
    raise AssertionError(kind)  # pragma: no cover


@pytest.mark.parametrize("scope", ["inside", "outside"])
@pytest.mark.parametrize("kind", HTTP_KINDS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_api_and_admin_answer_as_the_policy(client, tree, persona, kind, scope):
    actor = _actor(persona, tree)
    _login(client, actor)
    expected = EXPECTED[scope][persona][KINDS.index(kind)]
    assert _http_allows(kind, client, actor, _target(persona, scope, tree)) == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_directory_lists_exactly_the_people_in_scope(client, tree, persona):
    actor = _actor(persona, tree)
    _login(client, actor)
    outside = [tree.outside(root) for root in tree.siblings]
    may_browse = INSIDE[persona][KINDS.index("person")]
    response = client.get(reverse("people:directory"))
    assert response.status_code == (200 if may_browse else _denied(actor))
    body = response.content.decode()
    assert (tree.inside.resident.name in body) == may_browse
    for spot in outside:
        assert (spot.resident.name in body) == policy.can_view_person(actor, spot.resident)
    # the nearest place outside the persona's own grant is never listed
    assert tree.outside(ROOT[persona]).resident.name not in body


# --- scope edges the matrix does not reach ----------------------------------------------------


def test_property_staff_act_only_over_compounds_their_company_serves(world):
    assert policy.can_view_person(world.property_staff, world.resident)
    world.company.served_places.remove(world.compound)
    staff = Person.objects.get(pk=world.property_staff.pk)  # role paths are cached per user object
    assert not policy.can_view_person(staff, world.resident)
    assert not _found(policy.get_place_for, staff, world.building.pk)


def test_property_staff_scope_stays_inside_the_place_they_were_granted(world):
    """A community's staff grant property staff with a company that also serves a compound in another
    community: the grant reaches the compounds it serves inside the granter's community only."""
    world.company.served_places.add(world.other_compound)
    newcomer = make_person("新物业", "13600000001")
    actions.assign_role(
        actor=world.community_staff, person=newcomer, role=Role.PROPERTY_STAFF, place=world.community, organisation=world.company
    )
    assert policy.can_view_person(newcomer, world.resident)
    assert not policy.can_view_person(newcomer, world.outsider)
    assert not _found(policy.get_place_for, newcomer, world.other_compound.pk)


def test_property_staff_granted_on_one_building_see_only_that_building(world):
    newcomer = make_person("楼管", "13600000002")
    actions.assign_role(
        actor=world.community_staff, person=newcomer, role=Role.PROPERTY_STAFF, place=world.building, organisation=world.company
    )
    assert policy.can_view_person(newcomer, world.resident)
    assert not policy.can_view_person(newcomer, world.b2_resident)


def test_an_ended_role_grants_nothing(world):
    assignment = world.building_leader.roles.get(role=Role.BUILDING_LEADER)
    actions.end_role(actor=world.community_staff, assignment=assignment)
    leader = Person.objects.get(pk=world.building_leader.pk)
    assert not policy.can_view_person(leader, world.resident)
    assert not policy.has_role(leader, policy.DIRECTORY_ROLES)


def test_community_staff_grant_neighbourhood_roles_but_not_staff_or_administrators(world):
    staff = world.community_staff
    assert policy.can_grant(staff, Role.BUILDING_LEADER, world.building)
    assert policy.can_grant(staff, Role.VOLUNTEER, world.community)
    assert not policy.can_grant(staff, Role.COMMUNITY_STAFF, world.community)
    assert not policy.can_grant(staff, Role.SUBDISTRICT_ADMIN, world.community)
    assert not policy.can_grant(staff, Role.BUILDING_LEADER, world.subdistrict)  # above their community
    assert policy.can_grant(world.admin, Role.COMMUNITY_STAFF, world.community)


def test_residents_see_their_own_household_and_their_own_page(client, world):
    client.force_login(world.resident)
    assert client.get(reverse("people:person", args=[world.resident.pk])).status_code == 200
    assert client.get(reverse("people:person", args=[world.neighbour.pk])).status_code == 404
    assert client.get(reverse("people:places")).status_code == 404
    assert client.get("/api/me").json()["homes"] == ["1栋 101"]


def test_organisations_are_public_by_name_to_signed_in_users_but_members_are_not(client, world):
    org = Organisation.objects.create(kind=Organisation.Kind.CULTURAL, name="灯湖粤剧社", place=world.community)
    Membership.objects.create(organisation=org, person=world.neighbour)
    client.force_login(world.outsider)
    body = client.get(reverse("people:organisation", args=[org.pk])).content.decode()
    assert "灯湖粤剧社" in body
    assert world.neighbour.name not in body
    assert client.get(f"/api/organisations/{org.pk}/members").status_code == 404
    client.force_login(world.neighbour)  # members see their own organisation's members
    assert client.get(f"/api/organisations/{org.pk}/members").status_code == 200
    client.logout()
    assert client.get(reverse("people:organisation", args=[org.pk])).status_code == 302


# --- read-only roles: the object is visible, changing it is refused with 403 -----------------


def test_community_staff_may_view_but_not_change_a_join_request_in_the_admin(client, world):
    jr = actions.request_to_join(person=world.outsider, unit=world.unit, relation=HouseholdMember.Relation.TENANT)
    client.force_login(world.community_staff)
    url = reverse("admin:people_joinrequest_change", args=[jr.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"status": JoinRequest.Status.APPROVED})
    assert response.status_code == 403
    jr.refresh_from_db()
    assert jr.status == JoinRequest.Status.PENDING


def test_community_staff_may_not_add_people_in_the_admin(client, world):
    client.force_login(world.community_staff)
    assert client.get(reverse("admin:people_person_add")).status_code == 403


def test_community_staff_cannot_change_a_place_of_another_community_in_the_admin(client, world):
    client.force_login(world.community_staff)
    url = reverse("admin:places_place_change", args=[world.other_building.pk])
    response = client.post(url, {"kind": Place.Kind.BUILDING, "name": "改名", "parent": world.other_compound.pk})
    assert response.status_code in (302, 403, 404)
    world.other_building.refresh_from_db()
    assert world.other_building.name == "9栋"


# --- every staff page: 404 for those without a role over it, a sign-in for the anonymous ------


def _staff_urls(world) -> dict[str, str]:
    return {
        "places": reverse("people:places"),
        "directory": reverse("people:directory"),
        "join requests": reverse("people:join-requests"),
        "community": reverse("people:place", args=[world.community.pk]),
        "buildings": reverse("people:place-buildings", args=[world.community.pk]),
        "building": reverse("people:place", args=[world.building.pk]),
        "qr": reverse("people:building-qr", args=[world.building.pk]),
        "person": reverse("people:person", args=[world.neighbour.pk]),
    }


OBJECT_PAGES = {"community", "buildings", "building", "qr", "person"}


@pytest.mark.parametrize("persona", ["resident", "volunteer", "other_staff", "anonymous"])
def test_staff_pages_are_404_without_a_role_over_them(client, world, persona):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    for name, url in _staff_urls(world).items():
        status = client.get(url).status_code
        if persona == "anonymous":
            assert status == 302, name
        elif persona == "other_staff" and name not in OBJECT_PAGES:
            assert status == 200, name  # their own community's lists
        else:
            assert status == 404, name


def test_staff_pages_open_for_community_staff(client, world):
    client.force_login(world.community_staff)
    for name, url in _staff_urls(world).items():
        assert client.get(url).status_code == 200, name
