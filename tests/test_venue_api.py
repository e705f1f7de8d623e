"""The venues JSON API: rooms with opening hours, a venue's week, bookings (ask, book, approve, decline,
cancel) and keepers, through the same access and actions as the pages; all in the OpenAPI schema."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEntry
from tests.test_venue_actions import ask, at, make_venue_world, next_weekday
from venues import actions
from venues.models import Booking, VenueKeeper


@pytest.fixture
def w(world):
    return make_venue_world(world)


def post(client, url: str, body: dict | None = None, **extra):
    return client.post(url, body or {}, content_type="application/json", **extra)


def as_(client, person):
    client.force_login(person)
    return client


def body_for(w, *, days=3, hour=10, hours=2, **extra) -> dict:
    return {
        "room_id": w.hall.pk,
        "starts_at": at(days, hour).isoformat(),
        "ends_at": (at(days, hour) + timedelta(hours=hours)).isoformat(),
        "title": "楼道议事",
        "expected_attendees": 12,
        **extra,
    }


def test_rooms_with_their_opening_hours(client, w):
    rows = as_(client, w.outsider).get(f"/api/venues/{w.venue.pk}/rooms").json()
    assert [r["name"] for r in rows] == ["共享书屋", "居民议事厅"]
    library = rows[0]
    assert library["capacity"] == 25
    assert library["opening_hours"][:2] == [
        {"weekday": 1, "opens": "09:00:00", "closes": "12:00:00"},
        {"weekday": 1, "opens": "14:30:00", "closes": "21:30:00"},
    ]
    assert rows[1]["opening_hours"] == []
    assert client.get(f"/api/venues/rooms/{w.hall.pk}").json()["name"] == "居民议事厅"
    assert client.get("/api/venues/999999/rooms").status_code == 404
    client.logout()
    assert client.get(f"/api/venues/{w.venue.pk}/rooms").status_code == 401


def test_staff_set_opening_hours(client, w):
    url = f"/api/venues/rooms/{w.hall.pk}/hours"
    body = {"hours": [{"weekday": 0, "opens": "09:00", "closes": "12:00"}, {"weekday": 0, "opens": "14:00", "closes": "18:00"}]}
    assert as_(client, w.resident).put(url, body, content_type="application/json").status_code == 404
    response = as_(client, w.community_staff).put(url, body, content_type="application/json")
    assert response.status_code == 200
    assert [(h["weekday"], h["opens"]) for h in response.json()["opening_hours"]] == [(0, "09:00:00"), (0, "14:00:00")]
    clash = {"hours": [{"weekday": 3, "opens": "09:00", "closes": "12:00"}, {"weekday": 3, "opens": "10:00", "closes": "11:00"}]}
    response = client.put(url, clash, content_type="application/json")
    assert response.status_code == 400 and "day_3" in response.json()["detail"]
    response = client.put(url, {"hours": [{"weekday": 9, "opens": "09:00", "closes": "12:00"}]}, content_type="application/json")
    assert response.status_code == 400
    assert w.hall.hours.count() == 2


def test_a_resident_asks_and_the_staff_approve(client, w):
    response = post(as_(client, w.resident), "/api/venues/bookings/", body_for(w, description="认识新邻居"))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["requested_by"], data["venue"], data["version"]) == ("requested", "李居民", w.venue.name, 1)
    assert data["next_statuses"] == ["approved", "declined", "cancelled"]
    pk = data["id"]
    assert post(client, f"/api/venues/bookings/{pk}/approve", {}).status_code == 404  # the requester does not decide
    response = post(as_(client, w.community_staff), f"/api/venues/bookings/{pk}/approve", {"note": "好的", "version": 1})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decision_note"], response.json()["version"]) == ("approved", "好的", 2)
    assert post(client, f"/api/venues/bookings/{pk}/approve", {"version": 1}).status_code == 400  # no longer pending


def test_refusals_answer_400_with_the_reason_by_field(client, w):
    taken = actions.hold_room(room=w.hall, starts_at=at(3, 9), ends_at=at(3, 11), title="党员学习日", by=w.community_staff)
    as_(client, w.resident)
    response = post(client, "/api/venues/bookings/", body_for(w, hour=10))
    assert response.status_code == 400
    (reason,) = response.json()["detail"]["room"]
    assert "党员学习日" in reason and f"{timezone.localtime(taken.starts_at):%H:%M}" in reason
    response = post(client, "/api/venues/bookings/", body_for(w, hours=13, expected_attendees=80))
    assert set(response.json()["detail"]) == {"ends_at", "expected_attendees"}
    monday = next_weekday(0)
    response = post(client, "/api/venues/bookings/", body_for(w, days=monday, room_id=w.library.pk))
    assert response.status_code == 400 and "starts_at" in response.json()["detail"]
    assert post(client, "/api/venues/bookings/", body_for(w, days=200)).status_code == 400
    assert post(client, "/api/venues/bookings/", body_for(w, room_id=999999)).status_code == 400
    assert post(client, "/api/venues/bookings/", body_for(w, hour=14, organisation_id=999999)).status_code == 400
    assert Booking.objects.count() == 1


def test_outsiders_get_404_and_staff_book_directly(client, w):
    assert post(as_(client, w.outsider), "/api/venues/bookings/", body_for(w)).status_code == 404
    response = post(as_(client, w.community_staff), "/api/venues/bookings/", body_for(w, expected_attendees=None, title="宣讲会"))
    assert response.status_code == 400  # asking needs the number of people, staff too
    response = post(client, "/api/venues/bookings/", body_for(w, title="宣讲会"))
    assert response.status_code == 201 and response.json()["status"] == "approved"
    response = post(as_(client, w.neighbour), "/api/venues/bookings/", body_for(w, hour=14, organisation_id=w.association.pk))
    assert response.status_code == 201 and response.json()["organisation"] == "水岸公馆街坊志愿互助会"


def test_decline_cancel_and_a_stale_version(client, w):
    booking = ask(w, by=w.resident)
    as_(client, w.community_staff)
    url = f"/api/venues/bookings/{booking.pk}"
    response = post(client, f"{url}/decline", {"note": ""})
    assert response.status_code == 400 and "note" in response.json()["detail"]
    assert post(client, f"{url}/decline", {"note": "那天消防检查", "version": 5}).status_code == 409
    assert post(client, f"{url}/decline", {"note": "那天消防检查", "version": 1}).json()["status"] == "declined"

    other = ask(w, by=w.resident, starts_at=at(4, 10))
    url = f"/api/venues/bookings/{other.pk}"
    assert post(as_(client, w.neighbour), f"{url}/cancel", {"reason": "x"}).status_code == 404
    as_(client, w.resident)
    assert post(client, f"{url}/cancel", {"reason": ""}).status_code == 400
    response = post(client, f"{url}/cancel", {"reason": "改期", "version": 1})
    assert response.status_code == 200 and (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "改期")


def test_lists_show_what_each_may_see(client, w):
    own = ask(w, by=w.resident, title="我的")
    theirs = ask(w, by=w.neighbour, title="邻居的", starts_at=at(4, 10))
    actions.approve_booking(theirs, by=w.community_staff)
    far = actions.request_booking(
        room=w.other_room, starts_at=at(3, 10), ends_at=at(3, 11), title="桂南的", by=w.outsider, expected=3
    )
    titles = [b["title"] for b in as_(client, w.resident).get("/api/venues/bookings/").json()["items"]]
    assert titles == ["我的"]
    assert client.get(f"/api/venues/bookings/{theirs.pk}").status_code == 404
    assert client.get(f"/api/venues/bookings/{own.pk}").json()["title"] == "我的"
    as_(client, w.community_staff)
    assert [b["title"] for b in client.get("/api/venues/bookings/").json()["items"]] == ["我的", "邻居的"]
    assert [b["title"] for b in client.get("/api/venues/bookings/?pending=true").json()["items"]] == ["我的"]
    assert [b["title"] for b in client.get("/api/venues/bookings/?status=approved").json()["items"]] == ["邻居的"]
    assert client.get("/api/venues/bookings/?mine=true").json()["items"] == []
    page = client.get("/api/venues/bookings/?limit=1&offset=1").json()
    assert (page["count"], [b["title"] for b in page["items"]]) == (2, ["邻居的"])
    reads = AuditEntry.objects.filter(action="read.api.venue_bookings", actor=w.community_staff)
    assert set(reads.values_list("subject_id", flat=True)) == {w.resident.pk, w.neighbour.pk}
    assert client.get("/api/venues/bookings/?limit=0").status_code == 422
    assert [b["title"] for b in as_(client, w.other_staff).get("/api/venues/bookings/").json()["items"]] == [far.title]
    assert [
        b["title"] for b in as_(client, w.admin).get(f"/api/venues/bookings/?venue_id={w.other_venue.pk}").json()["items"]
    ] == ["桂南的"]


def test_the_week_in_json(client, w):
    ask(w, by=w.b2_resident, title="二栋聚会", starts_at=at(2, 10))
    approved = ask(w, by=w.neighbour, title="互助会例会", starts_at=at(3, 19), ends_at=at(3, 21))
    actions.approve_booking(approved, by=w.community_staff)
    start = timezone.localdate()
    url = f"/api/venues/{w.venue.pk}/week?start={start:%Y-%m-%d}"
    data = as_(client, w.resident).get(url).json()
    assert (data["start"], data["end"], data["staff"], data["can_request"]) == (
        f"{start:%Y-%m-%d}",
        f"{start + timedelta(days=6):%Y-%m-%d}",
        False,
        True,
    )
    assert len(data["days"]) == 7 and [r["name"] for r in data["rooms"]] == ["共享书屋", "居民议事厅"]
    entries = [e for d in data["days"] for r in d["rooms"] for e in r["entries"]]
    assert [(e["kind"], e["title"], e["who"]) for e in entries] == [("booking", "互助会例会", "")]
    data = as_(client, w.community_staff).get(url).json()
    entries = sorted((e["kind"], e["title"], e["who"]) for d in data["days"] for r in d["rooms"] for e in r["entries"])
    assert entries == [("booking", "互助会例会", "王邻居"), ("request", "二栋聚会", "赵二栋")]
    assert data["staff"] is True
    assert as_(client, w.outsider).get(url).json()["can_request"] is False
    assert client.get("/api/venues/999999/week").status_code == 404


def test_keepers(client, w):
    url = f"/api/venues/{w.venue.pk}/keepers"
    assert as_(client, w.resident).get(url).status_code == 404
    assert post(client, url, {"person_id": w.volunteer.pk}).status_code == 404
    as_(client, w.community_staff)
    response = post(client, url, {"person_id": w.volunteer.pk})
    assert response.status_code == 201
    assert (response.json()["name"], response.json()["appointed_by"]) == ("吴志愿", "刘社工")
    assert post(client, url, {"person_id": w.volunteer.pk}).status_code == 400
    assert post(client, url, {"person_id": w.outsider.pk}).status_code == 400  # not someone they may name
    keeper = VenueKeeper.objects.get()
    assert [k["name"] for k in client.get(url).json()] == ["吴志愿"]
    assert [k["name"] for k in as_(client, w.volunteer).get(url).json()] == ["吴志愿"]  # keepers see the list
    assert client.delete(f"{url}/{keeper.pk}").status_code == 404  # but do not remove
    assert as_(client, w.community_staff).delete(f"{url}/{keeper.pk}").status_code == 204
    assert client.delete(f"{url}/{keeper.pk}").status_code == 404
    assert not VenueKeeper.objects.exists()


def test_everything_is_in_the_openapi_schema(client, w):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path, method in [
        ("/api/venues/bookings/", "get"),
        ("/api/venues/bookings/", "post"),
        ("/api/venues/bookings/{booking_id}", "get"),
        ("/api/venues/bookings/{booking_id}/approve", "post"),
        ("/api/venues/bookings/{booking_id}/decline", "post"),
        ("/api/venues/bookings/{booking_id}/cancel", "post"),
        ("/api/venues/rooms/{room_id}", "get"),
        ("/api/venues/rooms/{room_id}/hours", "put"),
        ("/api/venues/{venue_id}/rooms", "get"),
        ("/api/venues/{venue_id}/week", "get"),
        ("/api/venues/{venue_id}/keepers", "get"),
        ("/api/venues/{venue_id}/keepers", "post"),
        ("/api/venues/{venue_id}/keepers/{keeper_id}", "delete"),
    ]:
        assert method in paths[path], (path, method)
    schemas = schema["components"]["schemas"]
    for name in ("BookingOut", "BookingIn", "WeekOut", "DayOut", "EntryOut", "RoomOut", "SpanOut", "HoursIn", "KeeperOut"):
        assert name in schemas, name
