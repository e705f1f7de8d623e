"""The cases JSON API: the same access and actions as the pages."""

import pytest

from cases import actions
from cases.models import Case, Category, Status
from people import actions as people_actions


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def keys(world) -> dict:
    return {
        name: people_actions.create_api_token(person=getattr(world, name), name="phone")
        for name in ("resident", "neighbour", "property_staff", "community_staff", "outsider")
    }


@pytest.fixture
def case(world):
    clutter = Category.objects.get(code="clutter")
    return actions.submit_case(reporter=world.resident, category=clutter, place=world.building, description="楼道堆物")


def test_the_schema_lists_the_case_endpoints(client, db):
    paths = set(client.get("/api/openapi.json").json()["paths"])
    assert {
        "/api/cases/categories",
        "/api/cases/",
        "/api/cases/{case_id}",
        "/api/cases/{case_id}/transition",
        "/api/cases/{case_id}/comments",
        "/api/cases/{case_id}/support",
        "/api/cases/{case_id}/rating",
        "/api/cases/assign",
        "/api/stats/cases/{place_id}",
    } <= paths


def test_categories_are_public_with_their_deadlines(client, db):
    data = {c["code"]: c for c in client.get("/api/cases/categories").json()}
    assert data["inquiry"]["resolution_working_days"] == 2
    assert data["facilities"]["resolution_working_days"] == 10
    assert data["littering"]["resolution_working_days"] == 15
    assert data["emergency"]["is_emergency"] is True
    assert data["water-pipes"]["attributes"][0]["code"] == "still_leaking"


def test_a_resident_reports_through_the_api(client, world, keys):
    body = {"category": "clutter", "place_id": world.building.pk, "description": "电梯口堆放杂物"}
    response = client.post("/api/cases/", body, content_type="application/json", **bearer(keys["resident"]))
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "submitted" and data["handler"] == world.company.name
    assert data["address"] == "桂城街道 灯湖社区 中铁建水岸公馆 1栋"
    assert data["timeline"][0]["to_status"] == "submitted"
    assert data["reporter"] == "李居民 138****0001"


@pytest.mark.parametrize(
    "body, status",
    [
        ({"category": "nope", "description": "x"}, 400),
        ({"category": "clutter", "description": ""}, 400),
        ({"category": "water-pipes", "description": "漏水"}, 400),  # the required extra question
    ],
)
def test_bad_reports_are_refused_and_nothing_is_saved(client, world, keys, body, status):
    body = {"place_id": world.building.pk, **body}
    response = client.post("/api/cases/", body, content_type="application/json", **bearer(keys["resident"]))
    assert response.status_code == status
    assert "detail" in response.json()
    assert Case.objects.count() == 0


def test_a_retired_category_or_a_place_that_is_not_one_is_refused(client, world, keys):
    Category.objects.filter(code="littering").update(active=False)
    retired = {"category": "littering", "place_id": world.building.pk, "description": "乱扔垃圾"}
    response = client.post("/api/cases/", retired, content_type="application/json", **bearer(keys["resident"]))
    assert response.status_code == 400
    assert "category" in response.json()["detail"]
    nowhere = {"category": "clutter", "place_id": 10**9, "description": "x"}
    response = client.post("/api/cases/", nowhere, content_type="application/json", **bearer(keys["resident"]))
    assert response.status_code == 404
    assert Case.objects.count() == 0


def test_nobody_reports_outside_their_compound(client, world, keys):
    body = {"category": "clutter", "place_id": world.building.pk, "description": "x"}
    response = client.post("/api/cases/", body, content_type="application/json", **bearer(keys["outsider"]))
    assert response.status_code == 404
    assert Case.objects.count() == 0


def test_lists_by_scope(client, world, keys, case):
    def ids(key, scope):
        return [c["id"] for c in client.get(f"/api/cases/?scope={scope}", **bearer(key)).json()["items"]]

    assert ids(keys["resident"], "mine") == [case.pk]
    assert ids(keys["neighbour"], "neighbourhood") == [case.pk]
    assert ids(keys["neighbour"], "inbox") == []
    assert ids(keys["property_staff"], "inbox") == [case.pk]
    assert ids(keys["outsider"], "neighbourhood") == []


def test_neighbours_do_not_learn_who_reported(client, world, keys, case):
    data = client.get(f"/api/cases/{case.pk}", **bearer(keys["neighbour"])).json()
    assert data["reporter"] is None


def test_transitions_with_versions_and_conflicts(client, world, keys, case):
    staff = bearer(keys["property_staff"])
    url = f"/api/cases/{case.pk}/transition"
    ok = client.post(url, {"action": "accept", "version": 1}, content_type="application/json", **staff)
    assert ok.status_code == 200 and ok.json()["status"] == "accepted" and ok.json()["version"] == 2
    stale = client.post(url, {"action": "start", "version": 1}, content_type="application/json", **staff)
    assert stale.status_code == 409
    illegal = client.post(url, {"action": "confirm", "version": 2}, content_type="application/json", **staff)
    assert illegal.status_code in (400, 404)
    no_note = client.post(url, {"action": "resolve", "version": 2}, content_type="application/json", **staff)
    assert no_note.status_code == 400
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED


def test_comments_support_and_rating(client, world, keys, case):
    staff = bearer(keys["property_staff"])
    comment = client.post(
        f"/api/cases/{case.pk}/comments", {"note": "内部备注", "public": False}, content_type="application/json", **staff
    )
    assert comment.status_code == 201 and comment.json()["is_public"] is False
    resident_view = client.get(f"/api/cases/{case.pk}", **bearer(keys["resident"])).json()
    assert "内部备注" not in [e["note"] for e in resident_view["timeline"]]
    me_too = client.post(f"/api/cases/{case.pk}/support", **bearer(keys["neighbour"]))
    assert me_too.json() == {"added": True, "supporter_count": 1}
    assert client.post(f"/api/cases/{case.pk}/support", **bearer(keys["neighbour"])).json()["added"] is False
    actions.transition_case(actor=world.property_staff, case=case, action="accept")
    actions.transition_case(actor=world.property_staff, case=case, action="resolve", note="已清理")
    rated = client.post(
        f"/api/cases/{case.pk}/rating", {"rating": "satisfied"}, content_type="application/json", **bearer(keys["resident"])
    )
    assert rated.status_code == 200 and rated.json()["status"] == "confirmed"
    again = client.post(
        f"/api/cases/{case.pk}/rating", {"rating": "unsatisfied"}, content_type="application/json", **bearer(keys["resident"])
    )
    assert again.status_code == 400


def test_only_managers_hand_cases_over(client, world, keys, case):
    from people.models import Organisation

    committee = Organisation.objects.create(kind=Organisation.Kind.RESIDENTS_COMMITTEE, name="居委会", place=world.community)
    body = {"case_ids": [case.pk], "handler_id": committee.pk}
    refused = client.post("/api/cases/assign", body, content_type="application/json", **bearer(keys["property_staff"]))
    assert refused.status_code == 404
    done = client.post("/api/cases/assign", body, content_type="application/json", **bearer(keys["community_staff"]))
    assert done.json() == {"assigned": 1}
    case.refresh_from_db()
    assert case.handler == committee
