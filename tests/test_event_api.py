"""The events JSON API: the list, one event, organising (create, change, publish, cancel), signing up
(lean: one read of the event), my registration, the list for those who run it, check-in, and the schema;
through the same access and actions as the pages, refusals as 400, the invisible as 404, conflicts as 409."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEntry
from events import actions
from events.models import Event, Registration, RegistrationStatus, Status
from people import actions as people_actions
from tests import test_event_pages as pages
from tests.test_event_pages import make_event, neighbours_of

ew, _english = pages.ew, pages._english  # the shared fixtures

API = "/api/events"


def post(client, url: str, body: dict | None = None, **extra):
    return client.post(url, body or {}, content_type="application/json", **extra)


def patch(client, url: str, body: dict, **extra):
    return client.patch(url, body, content_type="application/json", **extra)


def as_(client, person):
    client.force_login(person)
    return client


def body(w, **extra) -> dict:
    starts = timezone.now() + timedelta(days=5)
    return {
        "organiser_id": w.rc.pk,
        "community_id": w.community.pk,
        "title": "羽毛球友谊赛",
        "kind": "sport",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "capacity": 2,
        "location": "灯湖社区体育馆",
        "roles": [{"name": "裁判", "places": 1, "description": "计分"}],
    } | extra


def test_anonymous_callers_are_refused(client, ew):
    event = make_event(ew)
    assert client.get(f"{API}/").status_code == 401
    assert post(client, f"{API}/{event.pk}/registrations").status_code == 401


def test_organising_through_the_api(client, ew):
    as_(client, ew.resident)
    assert post(client, f"{API}/", body(ew)).status_code == 404  # not an organisation she may act for
    as_(client, ew.community_staff)
    response = post(client, f"{API}/", body(ew, ends_at=body(ew)["starts_at"]))
    assert response.status_code == 400 and "ends_at" in response.json()["detail"]
    assert post(client, f"{API}/", body(ew, community_id=ew.other_community.pk)).status_code == 400
    assert post(client, f"{API}/", body(ew, audience="compound")).status_code == 400
    assert not Event.objects.exists()

    response = post(client, f"{API}/", body(ew))
    assert response.status_code == 201
    data = response.json()
    assert (data["status"], data["organiser"], data["community"], data["seats_left"]) == (
        "draft",
        "灯湖社区居民委员会",
        "灯湖社区",
        2,
    )
    assert data["roles"][0]["name"] == "裁判" and data["can_manage"] is True
    pk, version = data["id"], data["version"]

    as_(client, ew.resident)
    assert client.get(f"{API}/{pk}").status_code == 404  # a draft
    assert post(client, f"{API}/{pk}/publish", {"version": version}).status_code == 404
    as_(client, ew.community_staff)
    response = post(client, f"{API}/{pk}/publish", {"version": version})
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert post(client, f"{API}/{pk}/publish", {"version": version}).status_code == 400  # only a draft
    version = response.json()["version"]

    response = patch(client, f"{API}/{pk}", {"title": "羽毛球友谊赛（决赛）", "capacity": 3, "version": version})
    assert response.status_code == 200 and response.json()["capacity"] == 3
    assert patch(client, f"{API}/{pk}", {"title": "旧版本", "version": version}).status_code == 409
    assert patch(client, f"{API}/{pk}", {"capacity": 0}).status_code == 400
    assert Event.objects.get(pk=pk).title == "羽毛球友谊赛（决赛）"

    response = post(client, f"{API}/{pk}/cancel", {"reason": ""})
    assert response.status_code == 400
    response = post(client, f"{API}/{pk}/cancel", {"reason": "场地维修"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "场地维修"


def test_the_list_and_the_detail(client, ew):
    event = make_event(ew, roles=[("摄影", 1, "")])
    make_event(ew, title="草稿", publish=False)
    actions.sign_up(event, ew.resident)
    as_(client, ew.resident)
    data = client.get(f"{API}/").json()
    assert [e["title"] for e in data["items"]] == [event.title] and data["next_page"] is None
    assert data["items"][0]["my_status"] == "confirmed"
    detail = client.get(f"{API}/{event.pk}").json()
    assert detail["my_registration"]["status"] == "confirmed" and detail["open_to_me"] and detail["signup_open"]
    assert detail["roles"][0]["name"] == "摄影" and not detail["can_manage"]
    assert client.get(f"{API}/999999").status_code == 404
    as_(client, ew.outsider)
    assert client.get(f"{API}/").json()["items"] == []
    assert client.get(f"{API}/{event.pk}").json()["open_to_me"] is False
    as_(client, ew.community_staff)
    assert len(client.get(f"{API}/").json()["items"]) == 2


def test_signing_up_waiting_and_cancelling(client, ew):
    event = make_event(ew, capacity=1)
    url = f"{API}/{event.pk}/registrations"
    as_(client, ew.resident)
    response = post(client, url)
    assert response.status_code == 201
    mine = response.json()
    assert mine["status"] == "confirmed" and len(mine["code"]) == 8
    response = post(client, url)
    assert response.status_code == 400 and "already signed up" in str(response.json()["detail"])

    as_(client, ew.neighbour)
    assert post(client, url).json()["status"] == "waitlisted"
    assert client.get(f"{url}/mine").json()["waitlist_position"] == 1
    as_(client, ew.outsider)
    response = post(client, url)
    assert response.status_code == 400 and "中铁建水岸公馆" not in str(response.json()) and "灯湖社区" in str(response.json())
    assert client.get(f"{url}/mine").status_code == 404

    as_(client, ew.resident)
    response = client.delete(f"{url}/mine")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert client.delete(f"{url}/mine").status_code == 404
    assert Registration.objects.get(person=ew.neighbour).status == RegistrationStatus.CONFIRMED
    response = post(client, url)  # back again: the seat is gone, she waits
    assert response.status_code == 201 and response.json()["status"] == "waitlisted"
    assert post(client, f"{url}/mine/cancel").json()["status"] == "cancelled"


def test_sign_up_refusals(client, ew):
    draft = make_event(ew, publish=False)
    event = make_event(ew, roles=[("保洁", 1, "")])
    other = make_event(ew, title="别的活动", roles=[("引导", 1, "")])
    later = make_event(ew, title="还没开放", signup_opens_at=timezone.now() + timedelta(days=1))
    as_(client, ew.resident)
    assert post(client, f"{API}/{draft.pk}/registrations").status_code == 404
    assert post(client, f"{API}/999999/registrations").status_code == 404
    response = post(client, f"{API}/{event.pk}/registrations", {"role_id": other.roles.get().pk})
    assert response.status_code == 400 and "role_id" in response.json()["detail"]
    assert post(client, f"{API}/{draft.pk}/registrations", {"role_id": other.roles.get().pk}).status_code == 404
    assert post(client, f"{API}/{later.pk}/registrations").status_code == 400
    response = post(client, f"{API}/{event.pk}/registrations", {"role_id": event.roles.get().pk})
    assert response.status_code == 201 and response.json()["role_id"] == event.roles.get().pk
    assert Registration.objects.count() == 1
    as_(client, ew.community_staff)  # those who run a draft may see it, but nobody signs up to one
    assert post(client, f"{API}/{draft.pk}/registrations").status_code == 400


def test_signing_up_reads_the_event_once(client, ew):
    """The sign-up is load-tested: with a token, the token look-up, one read of the event, the audience,
    and the seat and the registration written (in a savepoint)."""
    event = make_event(ew, capacity=5, roles=[("摄影", 2, "")])
    key = people_actions.create_api_token(person=ew.resident, name="phone")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    client.get("/api/me", **auth)  # the token's "last used" written once
    with CaptureQueriesContext(connection) as ctx:
        assert post(client, f"{API}/{event.pk}/registrations", **auth).status_code == 201
    sql = [q["sql"] for q in ctx.captured_queries]
    reads = [s for s in sql if s.startswith("SELECT") and "events_event" in s]
    assert len(reads) == 1, sql
    assert len([s for s in sql if not s.startswith(("SAVEPOINT", "RELEASE"))]) == 5, sql

    key = people_actions.create_api_token(person=ew.neighbour, name="phone")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    client.get("/api/me", **auth)
    with CaptureQueriesContext(connection) as ctx:
        response = post(client, f"{API}/{event.pk}/registrations", {"role_id": event.roles.get().pk}, **auth)
        assert response.status_code == 201
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len([s for s in sql if s.startswith("SELECT") and "events_event" in s]) == 1, sql


def test_the_registration_list_is_for_those_who_run_it(client, ew):
    event = make_event(ew, organiser=ew.dance_org, club=ew.club, capacity=2)
    for person in neighbours_of(ew, 3):
        actions.sign_up(event, person)
    url = f"{API}/{event.pk}/registrations"
    for who in ("resident", "outsider", "other_staff"):
        assert as_(client, getattr(ew, who)).get(url).status_code == 404, who
    as_(client, ew.neighbour)  # the club's chair
    data = client.get(url).json()
    assert [r["name"] for r in data["rows"]] == ["居民00", "居民01"]
    assert data["rows"][0]["mobile"] == "135****0000" and (data["confirmed"], data["waitlisted"]) == (2, 1)
    assert [r["name"] for r in client.get(url + "?show=waitlisted").json()["rows"]] == ["居民02"]
    as_(client, ew.community_staff)
    assert client.get(url).json()["rows"][0]["mobile"] == "13500000000"
    assert AuditEntry.objects.filter(action="event.registrations.read").count() == 5

    first = Registration.objects.get(person__name="居民00")
    as_(client, ew.resident)
    assert post(client, f"{url}/{first.pk}/cancel").status_code == 404
    as_(client, ew.community_staff)
    assert post(client, f"{url}/{first.pk}/cancel").json()["status"] == "cancelled"
    assert post(client, f"{url}/{first.pk}/cancel").status_code == 409
    assert Registration.objects.get(person__name="居民02").status == RegistrationStatus.CONFIRMED


def test_check_in(client, ew):
    event = make_event(ew, capacity=1)
    reg = actions.sign_up(event, ew.resident)
    waiting = actions.sign_up(event, ew.neighbour)
    other = make_event(ew, title="别的活动")
    as_(client, ew.resident)
    with time_machine.travel(event.starts_at, tick=False):
        assert post(client, f"{API}/check-in", {"code": reg.code}).status_code == 400  # not someone who may check in
        as_(client, ew.community_staff)
        assert post(client, f"{API}/check-in", {"code": reg.code, "event_id": other.pk}).status_code == 400
        response = post(client, f"{API}/check-in", {"code": reg.code.lower(), "event_id": event.pk})
        assert response.status_code == 200
        data = response.json()
        assert data["first"] is True and data["name"] == "李居民"
        again = post(client, f"{API}/check-in", {"code": reg.code}).json()
        assert again["first"] is False and again["checked_in_at"] == data["checked_in_at"]
        response = post(client, f"{API}/check-in", {"code": waiting.code})
        assert response.status_code == 400 and "王邻居" in str(response.json())
        as_(client, ew.resident)
        assert post(client, f"{API}/check-in", {"code": reg.code, "event_id": event.pk}).status_code == 404


def test_my_events(client, ew):
    event = make_event(ew)
    actions.sign_up(event, ew.resident)
    as_(client, ew.resident)
    data = client.get(f"{API}/mine").json()
    assert [r["event"]["title"] for r in data["upcoming"]] == [event.title] and data["past"] == []


def test_the_schema_documents_the_events_api(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/events/",
        "/api/events/{event_id}",
        "/api/events/{event_id}/registrations",
        "/api/events/{event_id}/registrations/mine",
        "/api/events/check-in",
        "/api/events/clubs",
        "/api/events/clubs/{club_id}",
        "/api/events/clubs/join-requests/{request_id}/decision",
        "/api/events/neighbours",
        "/api/events/neighbours/opt-in",
        "/api/stats/events/",
        "/api/stats/events/{place_id}",
    ):
        assert path in paths, path
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert {"EventOut", "EventDetailOut", "RegistrationOut", "ClubDetailOut", "NeighboursOut"} <= set(schemas)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_overbook(world):  # noqa: F811
    """Twelve people sign up at once for five seats: five confirmed, seven waiting, tickets 1–12 once each."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    from events.models import Event as EventModel
    from people.models import Organisation

    rc = Organisation.objects.create(kind=Organisation.Kind.RESIDENTS_COMMITTEE, name="灯湖社区居委会", place=world.community)
    world.rc = rc
    event = make_event(world, capacity=5)
    people = neighbours_of(world, 12)
    barrier = threading.Barrier(len(people))
    errors = []

    def sign(person):
        try:
            barrier.wait()
            actions.sign_up(EventModel.objects.get(pk=event.pk), person)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    event.refresh_from_db()
    regs = Registration.objects.filter(event=event)
    assert sorted(regs.values_list("ticket", flat=True)) == list(range(1, 13))
    assert regs.filter(status=RegistrationStatus.CONFIRMED).count() == event.confirmed == 5
    assert regs.filter(status=RegistrationStatus.WAITLISTED).count() == event.waitlisted == 7
    assert actions.recount(event) == {"confirmed": 5, "waitlisted": 7}
    assert event.status == Status.PUBLISHED
