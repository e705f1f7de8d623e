"""The JSON API asks the same policy as the pages: token or session sign-in, masked and scoped data,
audited reads, 404 outside scope; join requests and figures; venues are public."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import AuditEntry
from people import actions
from people.models import HouseholdMember, JoinRequest, Person
from places.models import Room, Venue


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def leader_key(world) -> str:
    return actions.create_api_token(person=world.building_leader, name="楼长的手机")


# --- signing in -------------------------------------------------------------------------------


def test_a_personal_token_signs_in_and_is_marked_used(client, world, leader_key):
    response = client.get("/api/me", **bearer(leader_key))
    assert response.status_code == 200
    me = response.json()
    assert (me["id"], me["name"], me["mobile"]) == (world.building_leader.pk, "陈楼长", "13900000001")
    assert me["roles"] == ["building_leader"]
    assert me["homes"] == ["1栋 102"]
    token = world.building_leader.api_tokens.get()
    assert token.last_used_at is not None
    assert token.key_hash != leader_key  # only a hash is stored


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Token abc", ""])
def test_a_wrong_or_missing_token_is_401(client, world, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    assert client.get("/api/me", **extra).status_code == 401


def test_the_token_of_a_deactivated_person_no_longer_works(client, world, leader_key):
    Person.objects.filter(pk=world.building_leader.pk).update(is_active=False)
    assert client.get("/api/me", **bearer(leader_key)).status_code == 401


def test_a_revoked_token_no_longer_works(client, world, leader_key):
    world.building_leader.api_tokens.all().delete()
    assert client.get("/api/me", **bearer(leader_key)).status_code == 401


def test_the_browser_session_signs_in_too(client, world):
    client.force_login(world.resident)
    assert client.get("/api/me").json()["name"] == "李居民"


def test_the_schema_lists_every_endpoint(client, db):
    schema = client.get("/api/openapi.json").json()
    assert {
        "/api/me",
        "/api/places",
        "/api/places/{place_id}",
        "/api/places/{place_id}/units",
        "/api/people",
        "/api/people/{person_id}",
        "/api/organisations",
        "/api/organisations/{org_id}/members",
        "/api/roles",
        "/api/venues",
        "/api/venues/{venue_id}",
        "/api/join-requests",
        "/api/join-requests/{jr_id}/decision",
        "/api/stats/",
        "/api/stats/{place_id}",
    } <= set(schema["paths"])
    assert {"post"} <= set(schema["paths"]["/api/join-requests"])
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


# --- people: masked, scoped, audited ----------------------------------------------------------


def test_the_people_list_is_masked_scoped_and_audited(client, world, leader_key):
    data = client.get("/api/people", **bearer(leader_key)).json()
    by_name = {p["name"]: p for p in data["items"]}
    assert set(by_name) == {"李居民", "王邻居", "陈楼长"}  # building 1 only
    assert by_name["李居民"]["mobile_masked"] == "138****0001"
    assert "13800000001" not in str(data)
    assert data["has_next"] is False
    audited = AuditEntry.objects.filter(action="read.api.people", actor=world.building_leader)
    assert sorted(audited.values_list("subject_id", flat=True)) == sorted(p["id"] for p in data["items"])


def test_the_people_list_pages_and_searches(client, world):
    client.force_login(world.community_staff)
    first = client.get("/api/people", {"limit": 2}).json()
    assert len(first["items"]) == 2
    assert first["has_next"] is True
    rest = client.get("/api/people", {"limit": 2, "offset": 2}).json()["items"]
    assert {p["id"] for p in first["items"]}.isdisjoint(p["id"] for p in rest)
    assert [p["name"] for p in client.get("/api/people", {"q": "zed"}).json()["items"]] == ["赵二栋"]


def test_a_person_outside_scope_is_404_and_not_audited(client, world, leader_key):
    assert client.get(f"/api/people/{world.b2_resident.pk}", **bearer(leader_key)).status_code == 404
    assert client.get(f"/api/people/{world.outsider.pk}", **bearer(leader_key)).status_code == 404
    assert client.get("/api/people/999999", **bearer(leader_key)).status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="read.").exists()


def test_a_person_inside_scope_is_returned_masked_and_audited(client, world, leader_key):
    data = client.get(f"/api/people/{world.resident.pk}", **bearer(leader_key)).json()
    assert data["mobile_masked"] == "138****0001"
    assert data["homes"] == ["1栋 101"]
    assert AuditEntry.objects.get(action="read.api.person").subject_id == world.resident.pk


def test_residents_have_no_directory(client, world):
    client.force_login(world.resident)
    assert client.get("/api/people").status_code == 404


# --- places -----------------------------------------------------------------------------------


def test_places_are_scoped(client, world):
    client.force_login(world.community_staff)
    data = client.get("/api/places").json()
    names = {p["name"] for p in data["items"]}
    assert names == {"灯湖社区", "中铁建水岸公馆", "1栋", "2栋"}
    assert data["count"] == 4
    assert {p["name"] for p in client.get("/api/places", {"kind": "building"}).json()["items"]} == {"1栋", "2栋"}
    children = client.get("/api/places", {"parent_id": world.compound.pk}).json()["items"]
    assert {p["name"] for p in children} == {"1栋", "2栋"}


def test_a_resident_sees_no_places_through_the_api(client, world):
    client.force_login(world.resident)
    assert client.get("/api/places").json() == {"items": [], "count": 0}
    assert client.get(f"/api/places/{world.building.pk}").status_code == 404


def test_a_place_outside_scope_is_404(client, world):
    client.force_login(world.community_staff)
    assert client.get(f"/api/places/{world.community.pk}").status_code == 200
    assert client.get(f"/api/places/{world.other_building.pk}").status_code == 404
    assert client.get(f"/api/places/{world.other_building.pk}/units").status_code == 404
    assert client.get(f"/api/places/{world.subdistrict.pk}").status_code == 404  # above the community


def test_units_carry_their_area_as_an_exact_decimal_string(client, world):
    client.force_login(world.community_staff)
    units = client.get(f"/api/places/{world.building.pk}/units").json()["items"]
    assert [(u["label"], u["area"], u["area_source"]) for u in units] == [
        ("101", "89.35", "register"),
        ("102", "76.10", "survey"),
    ]


def test_roles_are_scoped(client, world):
    client.force_login(world.community_staff)
    roles = client.get("/api/roles").json()["items"]
    names = {r["person_name"] for r in roles}
    assert {"陈楼长", "刘社工", "吴志愿"} <= names
    assert "孙社工" not in names  # staff of the other community
    assert "黄街道" not in names  # granted above the community


# --- join requests ----------------------------------------------------------------------------


@pytest.fixture
def newcomer_key(world) -> str:
    newcomer = actions.register_resident(name="新住户", mobile="13500000001", password="a-long-password-1")
    return actions.create_api_token(person=newcomer, name="app")


def test_a_resident_asks_to_join_and_the_leader_approves_through_the_api(client, world, newcomer_key, leader_key):
    response = client.post(
        "/api/join-requests",
        {"unit_id": world.unit.pk, "relation": "tenant", "message": "租客"},
        content_type="application/json",
        **bearer(newcomer_key),
    )
    assert response.status_code == 201
    jr = response.json()
    assert (jr["unit_id"], jr["status"]) == (world.unit.pk, "pending")

    pending = client.get("/api/join-requests", **bearer(leader_key)).json()
    assert [p["id"] for p in pending] == [jr["id"]]

    response = client.post(
        f"/api/join-requests/{jr['id']}/decision", {"approve": True}, content_type="application/json", **bearer(leader_key)
    )
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert HouseholdMember.objects.filter(person_id=jr["person_id"], unit=world.unit).exists()
    assert client.get("/api/me", **bearer(newcomer_key)).json()["homes"] == ["1栋 101"]

    again = client.post(
        f"/api/join-requests/{jr['id']}/decision",
        {"approve": False, "reason": "迟了"},
        content_type="application/json",
        **bearer(leader_key),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert again.status_code == 400
    assert "already been decided" in str(again.json()["detail"])


def test_join_request_mistakes_are_400_or_404(client, world, newcomer_key):
    def post(payload):
        return client.post("/api/join-requests", payload, content_type="application/json", **bearer(newcomer_key))

    assert post({"unit_id": world.unit.pk, "relation": "landlord"}).status_code == 400
    assert post({"unit_id": 999999, "relation": "tenant"}).status_code == 404
    assert post({"unit_id": world.unit.pk, "relation": "tenant"}).status_code == 201
    assert post({"unit_id": world.unit.pk, "relation": "tenant"}).status_code == 400  # already pending
    assert JoinRequest.objects.count() == 1


def test_a_rejection_through_the_api_needs_a_reason(client, world, newcomer_key, leader_key):
    jr = client.post(
        "/api/join-requests",
        {"unit_id": world.unit.pk, "relation": "tenant"},
        content_type="application/json",
        **bearer(newcomer_key),
    ).json()
    url = f"/api/join-requests/{jr['id']}/decision"
    assert client.post(url, {"approve": False}, content_type="application/json", **bearer(leader_key)).status_code == 400
    assert JoinRequest.objects.get(pk=jr["id"]).status == JoinRequest.Status.PENDING


@pytest.mark.parametrize("decider", ["other_staff", "property_staff", "resident"])
def test_deciding_outside_scope_through_the_api_is_404(client, world, newcomer_key, decider):
    jr = client.post(
        "/api/join-requests",
        {"unit_id": world.unit.pk, "relation": "tenant"},
        content_type="application/json",
        **bearer(newcomer_key),
    ).json()
    key = actions.create_api_token(person=getattr(world, decider), name="x")
    url = f"/api/join-requests/{jr['id']}/decision"
    assert client.post(url, {"approve": True}, content_type="application/json", **bearer(key)).status_code == 404
    assert client.post(url, {"approve": True}, content_type="application/json", **bearer(newcomer_key)).status_code == 404
    assert client.get("/api/join-requests", **bearer(key)).json() == []


# --- figures and venues: public ---------------------------------------------------------------


def test_the_figures_of_the_subdistrict_are_computed_from_the_data(client, world):
    data = client.get("/api/stats/").json()
    assert data["place_name"] == "桂城街道"
    f = data["figures"]
    assert (f["communities"], f["compounds"], f["compounds_without_property"]) == (2, 2, 1)
    assert (f["buildings"], f["units"]) == (3, 4)
    assert (f["residents"], f["households"]) == (5, 4)
    assert (f["building_leaders"], f["property_companies"]) == (1, 1)
    assert set(data["labels"]) == set(f)


def test_the_figures_of_one_community(client, world):
    f = client.get(f"/api/stats/{world.community.pk}").json()["figures"]
    assert (f["buildings"], f["units"], f["residents"], f["households"]) == (2, 3, 4, 3)
    assert client.get(f"/api/stats/{world.building.pk}").status_code == 404


def test_venues_are_public(client, world):
    venue = Venue.objects.create(
        name="中铁建水岸公馆创熟加油站",
        place=world.compound,
        floor_area=Decimal("120.5"),
        opened_on=(timezone.now() - timedelta(days=30)).date(),
        functions=["party_building", "book_corner"],
    )
    Room.objects.create(venue=venue, name="共享书屋", function="book_corner", capacity=12)
    [item] = client.get("/api/venues").json()
    assert (item["name"], item["floor_area"], item["functions"]) == (
        "中铁建水岸公馆创熟加油站",
        "120.5",
        ["party_building", "book_corner"],
    )
    assert [r["name"] for r in item["rooms"]] == ["共享书屋"]
    assert client.get(f"/api/venues/{venue.pk}").json()["id"] == venue.pk
    assert client.get("/api/venues/999999").status_code == 404


def test_other_lists_need_a_sign_in(client, world):
    for url in ["/api/places", "/api/people", "/api/organisations", "/api/roles", "/api/join-requests"]:
        assert client.get(url).status_code == 401, url
