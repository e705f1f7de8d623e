"""The consultation topics JSON API: the same access and actions as the pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import actions as case_actions
from cases.models import Case, Category
from deliberation import actions
from deliberation.models import Endorsement, Source, Stakeholder, Status, Topic
from people import actions as people_actions


def post(client, url: str, body: dict | None = None, **extra):
    return client.post(url, body or {}, content_type="application/json", **extra)


def propose(world, title="加装电梯") -> Topic:
    return actions.raise_topic(
        proposer=world.resident, community=world.community, title=title, description="1栋想加装电梯", source=Source.RESIDENT
    )


@pytest.fixture
def topic(world) -> Topic:
    return propose(world)


def as_(client, person):
    client.force_login(person)
    return client


def test_the_schema_lists_the_topic_endpoints(client, db):
    paths = set(client.get("/api/openapi.json").json()["paths"])
    assert {
        "/api/deliberation/topics",
        "/api/deliberation/topics/{topic_id}",
        "/api/deliberation/topics/{topic_id}/endorse",
        "/api/deliberation/topics/{topic_id}/decide",
        "/api/deliberation/topics/{topic_id}/advance",
        "/api/deliberation/topics/from-case/{case_id}",
    } <= paths


def test_sign_in_is_required(client, topic):
    assert client.get("/api/deliberation/topics").status_code == 401
    assert client.get(f"/api/deliberation/topics/{topic.pk}").status_code == 401


# --- raising ---------------------------------------------------------------------------------


def test_a_resident_raises_a_topic(client, world):
    body = {"community_id": world.community.pk, "title": "加装电梯", "description": "1栋想加装电梯，大家怎么看？"}
    response = post(as_(client, world.resident), "/api/deliberation/topics", body)
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "collecting" and data["source"] == "resident"
    assert data["community"] == "灯湖社区" and data["endorsed_households"] == 1
    assert data["raised_by_me"] is True and data["endorsed_by_me"] is True and data["can_manage"] is False
    assert data["proposer"] == "李居民"  # the proposer sees their own name
    assert [(s["from_status"], s["to_status"]) for s in data["steps"]] == [("", "collecting")]
    assert data["next_statuses"] == ["decided", "declined"]
    assert Topic.objects.get().proposer == world.resident


def test_a_token_works_as_well_as_a_session(client, world, topic):
    key = people_actions.create_api_token(person=world.neighbour, name="phone")
    response = client.get(f"/api/deliberation/topics/{topic.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200 and response.json()["id"] == topic.pk


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": "", "description": "x"}, "title"),
        ({"title": "x", "description": "   "}, "description"),
        ({"title": "x", "description": "x", "source": "nope"}, "source"),
    ],
)
def test_bad_topics_are_refused_with_a_message_and_nothing_is_saved(client, world, body, field):
    response = post(as_(client, world.resident), "/api/deliberation/topics", {"community_id": world.community.pk, **body})
    assert response.status_code == 400
    assert field in response.json()["detail"] and response.json()["detail"][field][0]
    assert Topic.objects.count() == 0


def test_a_topic_belongs_to_a_community_not_a_compound(client, world):
    body = {"community_id": world.compound.pk, "title": "x", "description": "x"}
    response = post(as_(client, world.resident), "/api/deliberation/topics", body)
    assert response.status_code == 400 and "community" in response.json()["detail"]
    assert Topic.objects.count() == 0


def test_nobody_raises_a_topic_in_another_community(client, world):
    body = {"community_id": world.community.pk, "title": "x", "description": "x"}
    assert post(as_(client, world.outsider), "/api/deliberation/topics", body).status_code == 404
    body["community_id"] = 999999
    assert post(as_(client, world.resident), "/api/deliberation/topics", body).status_code == 404
    assert Topic.objects.count() == 0


def test_residents_cannot_raise_staff_topics(client, world):
    body = {"community_id": world.community.pk, "title": "x", "description": "x", "source": "staff"}
    assert post(as_(client, world.resident), "/api/deliberation/topics", body).status_code == 404
    response = post(as_(client, world.community_staff), "/api/deliberation/topics", body)
    assert response.status_code == 201 and response.json()["source"] == "staff"


# --- reading ---------------------------------------------------------------------------------


def test_lists_what_each_may_see_with_filters(client, world, topic):
    other = actions.raise_topic(
        proposer=world.outsider, community=world.other_community, title="修路", description="x", source=Source.RESIDENT
    )

    def ids(person, query=""):
        response = as_(client, person).get(f"/api/deliberation/topics{query}")
        assert response.status_code == 200
        return [t["id"] for t in response.json()["items"]]

    assert ids(world.neighbour) == [topic.pk]
    assert ids(world.community_staff) == [topic.pk]
    assert ids(world.outsider) == [other.pk]
    assert sorted(ids(world.admin)) == sorted([topic.pk, other.pk])
    assert ids(world.admin, f"?community={world.other_community.pk}") == [other.pk]
    assert ids(world.admin, "?status=decided") == []
    assert sorted(ids(world.admin, "?status=collecting")) == sorted([topic.pk, other.pk])
    page = as_(client, world.admin).get("/api/deliberation/topics?limit=1&offset=0").json()
    assert page["count"] == 2 and len(page["items"]) == 1


def test_the_list_costs_the_same_queries_for_more_topics(client, world):
    propose(world, "一")
    as_(client, world.neighbour)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/deliberation/topics").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(8):
        propose(world, f"议题{n}")
    assert count() == few


def test_outsiders_get_404(client, world, topic):
    as_(client, world.outsider)
    assert client.get(f"/api/deliberation/topics/{topic.pk}").status_code == 404
    assert post(client, f"/api/deliberation/topics/{topic.pk}/endorse").status_code == 404
    assert client.get("/api/deliberation/topics/999999").status_code == 404


def test_neighbours_do_not_learn_who_raised_a_topic_nor_anyones_number(client, world, topic):
    response = as_(client, world.neighbour).get(f"/api/deliberation/topics/{topic.pk}")
    data = response.json()
    assert data["proposer"] is None and data["raised_by_me"] is False
    assert "13800000001" not in response.content.decode() and "138****" not in response.content.decode()
    staff_view = as_(client, world.community_staff).get(f"/api/deliberation/topics/{topic.pk}").json()
    assert staff_view["proposer"] == "李居民" and staff_view["can_manage"] is True


# --- endorsing -------------------------------------------------------------------------------


def test_endorsing_counts_by_household_and_only_once(client, world, topic):
    url = f"/api/deliberation/topics/{topic.pk}/endorse"
    response = post(as_(client, world.neighbour), url)
    assert response.status_code == 200
    assert response.json()["endorsed_households"] == 2 and response.json()["endorsed_by_me"] is True
    again = post(client, url)
    assert again.status_code == 400 and again.json()["detail"]["__all__"]
    same_household = post(as_(client, world.building_leader), url)  # lives in 102 like the neighbour
    assert same_household.status_code == 200 and same_household.json()["endorsed_households"] == 2
    assert Endorsement.objects.filter(topic=topic).count() == 3


# --- deciding and advancing ------------------------------------------------------------------


def decide_body(world, **extra) -> dict:
    return {
        "take_up": True,
        "participants": [
            {"role": Stakeholder.RESIDENT, "person_id": world.resident.pk},
            {"role": Stakeholder.PROPERTY_COMPANY, "organisation_id": world.company.pk},
        ],
        "format": "compound",
        "version": 1,
        **extra,
    }


def test_staff_take_a_topic_up_naming_the_participants(client, world, topic):
    response = post(as_(client, world.community_staff), f"/api/deliberation/topics/{topic.pk}/decide", decide_body(world))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "decided" and data["format"] == "compound" and data["version"] == 2
    assert [(p["role"], p["person"], p["organisation"]) for p in data["participants"]] == [
        ("resident", "李居民", None),
        ("property_company", None, "中铁建物业"),
    ]
    assert "13800000001" not in response.content.decode()
    assert [s["to_status"] for s in data["steps"]] == ["collecting", "decided"]


def test_only_staff_over_the_community_decide(client, world, topic):
    url = f"/api/deliberation/topics/{topic.pk}/decide"
    assert post(as_(client, world.resident), url, decide_body(world)).status_code == 404
    assert post(as_(client, world.other_staff), url, decide_body(world)).status_code == 404
    topic.refresh_from_db()
    assert topic.status == Status.COLLECTING


@pytest.mark.parametrize(
    "change, field",
    [
        ({"participants": []}, "participants"),
        ({"participants": [{"role": "expert", "organisation_id": 0}]}, "participants"),
        ({"participants": [{"role": "resident", "person_id": 999999}]}, "participants"),
        ({"format": ""}, "format"),
        ({"take_up": False, "reason": ""}, "reason"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_changes(client, world, topic, change, field):
    url = f"/api/deliberation/topics/{topic.pk}/decide"
    response = post(as_(client, world.community_staff), url, decide_body(world, **change))
    assert response.status_code == 400
    assert response.json()["detail"][field]
    topic.refresh_from_db()
    assert topic.status == Status.COLLECTING and topic.version == 1 and not topic.participants.exists()


def test_a_person_outside_the_directory_cannot_be_named(client, world, topic):
    """Naming someone by id must not reveal who they are."""
    body = decide_body(world, participants=[{"role": "resident", "person_id": world.outsider.pk}])
    response = post(as_(client, world.community_staff), f"/api/deliberation/topics/{topic.pk}/decide", body)
    assert response.status_code == 400 and "郑外人" not in response.content.decode()


def test_declining_needs_a_reason_and_shows_it(client, world, topic):
    url = f"/api/deliberation/topics/{topic.pk}/decide"
    response = post(as_(client, world.community_staff), url, {"take_up": False, "reason": "不属于社区事务", "version": 1})
    assert response.status_code == 200 and response.json()["decision_reason"] == "不属于社区事务"
    resident_view = as_(client, world.resident).get(f"/api/deliberation/topics/{topic.pk}").json()
    assert resident_view["status"] == "declined" and resident_view["decision_reason"] == "不属于社区事务"


def test_a_stale_version_is_a_conflict(client, world, topic):
    url = f"/api/deliberation/topics/{topic.pk}/decide"
    as_(client, world.community_staff)
    assert post(client, url, decide_body(world)).status_code == 200
    stale = post(client, f"/api/deliberation/topics/{topic.pk}/advance", {"to_status": "notice_published", "version": 1})
    assert stale.status_code == 409 and stale.json()["detail"]
    topic.refresh_from_db()
    assert topic.status == Status.DECIDED and topic.version == 2


def test_advancing_along_the_procedure(client, world, topic):
    actions.decide_topic(
        actor=world.community_staff,
        topic=topic,
        take_up=True,
        participants=[actions.Invitee(role=Stakeholder.RESIDENT, person=world.resident)],
        format="compound",
    )
    url = f"/api/deliberation/topics/{topic.pk}/advance"
    assert post(as_(client, world.resident), url, {"to_status": "notice_published"}).status_code == 404
    as_(client, world.community_staff)
    skipping = post(client, url, {"to_status": "closed", "version": 2})
    assert skipping.status_code == 400 and skipping.json()["detail"]["__all__"]
    ok = post(client, url, {"to_status": "notice_published", "version": 2})
    assert ok.status_code == 200 and ok.json()["status"] == "notice_published" and ok.json()["version"] == 3
    assert post(client, url, {"to_status": "deliberating", "version": 3}).status_code == 200
    no_outcome = post(client, url, {"to_status": "outcome_recorded", "version": 4})
    assert no_outcome.status_code == 400 and no_outcome.json()["detail"]["note"]
    done = post(client, url, {"to_status": "outcome_recorded", "note": "加装，费用按面积分摊", "version": 4})
    assert done.status_code == 200 and done.json()["outcome"] == "加装，费用按面积分摊"
    assert [s["to_status"] for s in done.json()["steps"]] == [
        "collecting",
        "decided",
        "notice_published",
        "deliberating",
        "outcome_recorded",
    ]


# --- from a problem report -------------------------------------------------------------------


@pytest.fixture
def unsatisfied_case(world) -> Case:
    clutter = Category.objects.get(code="clutter")
    case = case_actions.submit_case(reporter=world.resident, category=clutter, place=world.building, description="楼道堆物")
    Case.objects.filter(pk=case.pk).update(needs_meeting=True)
    case.refresh_from_db()
    return case


def test_staff_raise_a_topic_from_a_report(client, world, unsatisfied_case):
    url = f"/api/deliberation/topics/from-case/{unsatisfied_case.pk}"
    response = post(as_(client, world.community_staff), url, {"title": "楼道堆物屡禁不止"})
    assert response.status_code == 201
    data = response.json()
    assert data["source"] == "problem_report" and data["case_id"] == unsatisfied_case.pk
    assert data["title"] == "楼道堆物屡禁不止" and data["description"] == "楼道堆物"
    again = post(client, url)
    assert again.status_code == 400 and again.json()["detail"]["case"]
    assert Topic.objects.count() == 1


def test_only_staff_raise_from_a_report_and_only_an_eligible_one(client, world, unsatisfied_case):
    url = f"/api/deliberation/topics/from-case/{unsatisfied_case.pk}"
    assert post(as_(client, world.resident), url).status_code == 404  # the reporter sees it but is not staff
    assert post(as_(client, world.other_staff), url).status_code == 404
    fresh = case_actions.submit_case(
        reporter=world.neighbour, category=Category.objects.get(code="clutter"), place=world.building, description="新的"
    )
    response = post(as_(client, world.community_staff), f"/api/deliberation/topics/from-case/{fresh.pk}")
    assert response.status_code == 400 and response.json()["detail"]["case"]
    assert Topic.objects.count() == 0
