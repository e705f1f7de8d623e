"""The venue pages: a venue's week, asking for a room, one booking (decide, cancel), the staff's queue,
my bookings, keepers and opening hours; each for whoever may see it, 404 for anyone else, and a
constant number of queries whatever the number of bookings shown."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from core.models import AuditEntry
from meetings import actions as meeting_actions
from meetings.models import Kind
from people.models import Membership
from tests.test_venue_actions import ask, at, make_venue_world, next_weekday
from venues import actions
from venues.models import Booking, OpeningHours, Status, VenueKeeper

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def venue_world(world):
    return make_venue_world(world)


def week_url(w, start=None) -> str:
    url = reverse("venues:week", args=[w.venue.pk])
    return f"{url}?start={start:%Y-%m-%d}" if start else url


def _fill(w, n: int, first: int = 0) -> None:
    """``n`` approved bookings and as many requests in the hall, over the week (numbered from ``first``)."""
    for k in range(first, first + n):
        d = 2 + k % 6
        actions.hold_room(room=w.hall, starts_at=at(d, 8 + k // 6), ends_at=at(d, 9 + k // 6), title=f"活动{k}", by=w.admin)
        ask(
            w,
            by=w.neighbour if k % 2 else w.b2_resident,
            starts_at=at(d, 15 + k // 6),
            ends_at=at(d, 16 + k // 6),
            title=f"申请{k}",
        )


# --- the week ------------------------------------------------------------------------------------


def test_residents_see_the_time_and_title_of_approved_bookings_not_who_asked(client, venue_world):
    w = venue_world
    approved = ask(w, by=w.neighbour, title="互助会例会", starts_at=at(2, 19), ends_at=at(2, 21))
    actions.approve_booking(approved, by=w.community_staff)
    ask(w, by=w.b2_resident, title="二栋聚会", starts_at=at(3, 10))
    announced = meeting_actions.create_meeting(
        actor=w.community_staff,
        community=w.community,
        kind=Kind.COUNCIL,
        title="居民议事会：加装电梯",
        starts_at=at(4, 19),
        ends_at=at(4, 21),
        room=w.hall,
    )
    announced.notice_sent_at = timezone.now()
    announced.save(update_fields=["notice_sent_at"])
    meeting_actions.create_meeting(
        actor=w.community_staff,
        community=w.community,
        kind=Kind.JOINT,
        title="草稿会议",
        starts_at=at(5, 9),
        ends_at=at(5, 10),
        room=w.hall,
    )

    client.force_login(w.resident)
    response = client.get(week_url(w, timezone.localdate()), **EN)
    assert response.status_code == 200
    body = response.content.decode()
    assert "互助会例会" in body and "19:00–21:00" in body
    assert "王邻居" not in body  # who asked
    assert "二栋聚会" not in body and "赵二栋" not in body  # pending requests
    assert "居民议事会：加装电梯" in body
    assert "草稿会议" not in body and "Meeting (not yet announced)" in body
    assert f"/venues/bookings/{approved.pk}/" not in body
    assert not AuditEntry.objects.filter(action="read.venues.week").exists()

    client.force_login(w.community_staff)
    body = client.get(week_url(w, timezone.localdate()), **EN).content.decode()
    assert "二栋聚会" in body and "赵二栋" in body and "王邻居" in body and "waiting for a decision" in body
    assert "草稿会议" in body
    reads = AuditEntry.objects.filter(action="read.venues.week", actor=w.community_staff)
    assert set(reads.values_list("subject_id", flat=True)) == {w.neighbour.pk, w.b2_resident.pk}


def test_the_week_moves_by_seven_days_and_shows_opening_hours(client, venue_world):
    w = venue_world
    client.force_login(w.resident)
    monday = timezone.localdate() + timedelta(days=next_weekday(0))
    body = client.get(week_url(w, monday), **EN).content.decode()
    assert f"?start={monday - timedelta(days=7):%Y-%m-%d}" in body
    assert f"?start={monday + timedelta(days=7):%Y-%m-%d}" in body
    assert "Monday" in body and "Sunday" in body
    assert "closed" in body  # the book corner on Monday
    assert "open 09:00–12:00, 14:30–21:30" in body
    assert "open any time" in body  # the hall
    # a nonsense start is today
    assert client.get(week_url(w) + "?start=yesterday", **EN).status_code == 200


def test_a_booking_past_midnight_shows_on_both_days(client, venue_world):
    w = venue_world
    actions.hold_room(room=w.hall, starts_at=at(2, 22), ends_at=at(3, 2), title="跨年守岁", by=w.community_staff)
    client.force_login(w.resident)
    body = client.get(week_url(w, timezone.localdate()), **EN).content.decode()
    assert body.count("跨年守岁") == 2
    assert "22:00–24:00" in body and "00:00–02:00" in body


@pytest.mark.parametrize("persona", ["resident", "community_staff"])
def test_the_week_costs_the_same_queries_whatever_it_shows(client, venue_world, persona):
    w = venue_world
    client.force_login(getattr(w, persona))
    url = week_url(w, timezone.localdate())
    _fill(w, 1)
    client.get(url)  # the session, warmed
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _fill(w, 18, first=1)
    for d in range(2, 6):
        meeting_actions.create_meeting(
            actor=w.community_staff,
            community=w.community,
            kind=Kind.JOINT,
            title=f"会议{d}",
            starts_at=at(d, 12),
            ends_at=at(d, 13),
            room=w.library,
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count('class="slot k-booking"') >= 15
    assert len(many) == len(few), [q["sql"] for q in many]


def test_the_week_needs_signing_in_and_a_real_venue(client, venue_world):
    w = venue_world
    assert client.get(week_url(w)).status_code == 302
    client.force_login(w.outsider)
    assert client.get(week_url(w)).status_code == 200  # venues are public: the outsider just cannot ask
    assert "/book/" not in client.get(week_url(w)).content.decode()
    assert client.get(reverse("venues:week", args=[999999])).status_code == 404


# --- asking for a room ---------------------------------------------------------------------------


def test_a_resident_asks_for_a_room_from_the_form(client, venue_world):
    w = venue_world
    client.force_login(w.resident)
    url = reverse("venues:request", args=[w.venue.pk])
    day = timezone.localdate() + timedelta(days=3)
    page = client.get(f"{url}?room={w.hall.pk}&day={day:%Y-%m-%d}", **EN)
    assert page.status_code == 200
    body = page.content.decode()
    assert f'value="{day:%Y-%m-%d}"' in body and "Myself" in body and "Send the request" in body
    response = client.post(
        url,
        {
            "room": w.hall.pk,
            "day": f"{day:%Y-%m-%d}",
            "starts_at": "14:00",
            "ends_at": "16:00",
            "title": "4栋邻里茶话会",
            "expected_attendees": 20,
            "description": "认识新邻居",
            "organisation": "",
        },
    )
    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/venues/bookings/{booking.pk}/"
    assert (booking.status, booking.requested_by, booking.expected_attendees) == (Status.REQUESTED, w.resident, 20)
    assert timezone.localtime(booking.starts_at).hour == 14


def test_a_refused_request_shows_the_reason_and_saves_nothing(client, venue_world):
    w = venue_world
    actions.hold_room(room=w.hall, starts_at=at(3, 13), ends_at=at(3, 15), title="党员学习日", by=w.community_staff)
    client.force_login(w.resident)
    url = reverse("venues:request", args=[w.venue.pk])
    day = timezone.localdate() + timedelta(days=3)
    data = {
        "room": w.hall.pk,
        "day": f"{day:%Y-%m-%d}",
        "starts_at": "14:00",
        "ends_at": "16:00",
        "title": "茶话会",
        "expected_attendees": 20,
    }
    response = client.post(url, data, **EN)
    assert response.status_code == 400
    assert "党员学习日" in response.content.decode() and "13:00–15:00" in response.content.decode()
    response = client.post(url, {**data, "expected_attendees": 99}, **EN)
    assert response.status_code == 400 and "The room holds at most 40 people." in response.content.decode()
    response = client.post(url, {**data, "room": w.other_room.pk}, **EN)  # not a room of this venue
    assert response.status_code == 400
    response = client.post(url, {**data, "ends_at": "13:00", "starts_at": "12:00", "day": "2001-01-01"}, **EN)
    assert response.status_code == 400 and "A booking cannot start in the past." in response.content.decode()
    assert Booking.objects.count() == 1


def test_an_end_at_midnight_is_the_end_of_the_day(client, venue_world):
    w = venue_world
    client.force_login(w.community_staff)
    day = timezone.localdate() + timedelta(days=3)
    data = {
        "room": w.hall.pk,
        "day": f"{day:%Y-%m-%d}",
        "starts_at": "20:00",
        "ends_at": "00:00",
        "title": "守岁",
        "expected_attendees": 20,
    }
    assert client.post(reverse("venues:request", args=[w.venue.pk]), data).status_code == 302
    booking = Booking.objects.get()
    assert booking.status == Status.APPROVED  # staff book directly
    assert booking.ends_at - booking.starts_at == timedelta(hours=4)


def test_officers_choose_their_organisation_and_outsiders_get_404(client, venue_world):
    w = venue_world
    url = reverse("venues:request", args=[w.venue.pk])
    client.force_login(w.property_staff)  # lives elsewhere: only for the company
    body = client.get(url, **EN).content.decode()
    assert "中铁建物业" in body and "Myself" not in body
    client.force_login(w.neighbour)  # chair of the association, and a resident
    body = client.get(url, **EN).content.decode()
    assert "水岸公馆街坊志愿互助会" in body and "Myself" in body and "中铁建物业" not in body
    for stranger in (w.outsider, w.other_staff, w.volunteer):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
        assert client.post(url, {"room": w.hall.pk}).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


# --- one booking, the queue, my bookings -----------------------------------------------------------


def test_the_booking_page_is_for_the_requester_and_the_venue_staff(client, venue_world):
    w = venue_world
    booking = ask(w, by=w.resident, title="茶话会")
    url = reverse("venues:booking", args=[booking.pk])
    client.force_login(w.resident)
    assert client.get(url).status_code == 200
    for stranger in (w.neighbour, w.outsider, w.other_staff, w.building_leader):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
    client.force_login(w.community_staff)
    body = client.get(url).content.decode()
    assert "138****0001" in body and "13800000001" not in body
    assert AuditEntry.objects.filter(action="read.venues.booking", subject_id=w.resident.pk).exists()


def test_staff_decide_from_the_queue(client, venue_world):
    w = venue_world
    first = ask(w, by=w.resident, title="茶话会", starts_at=at(3, 10))
    second = ask(w, by=w.neighbour, title="例会", starts_at=at(3, 11))
    third = ask(w, by=w.b2_resident, title="二栋聚会", starts_at=at(4, 11))
    client.force_login(w.community_staff)
    queue = reverse("venues:queue")
    body = client.get(queue, **EN).content.decode()
    assert "茶话会" in body and "例会" in body and "二栋聚会" in body and "The room is already taken" not in body
    decide = reverse("venues:decide", args=[first.pk])
    response = client.post(decide, {"op": "approve", "version": 1, "note": "", "next": queue})
    assert response.status_code == 302 and response["Location"] == queue
    assert Booking.objects.get(pk=first.pk).status == Status.APPROVED
    # the overlapping request is marked, and approving it is refused with the reason
    body = client.get(queue, **EN).content.decode()
    assert "The room is already taken over part of this time" in body
    response = client.post(reverse("venues:decide", args=[second.pk]), {"op": "approve", "version": 1}, follow=True, **EN)
    assert "The room is already booked" in response.content.decode()
    assert Booking.objects.get(pk=second.pk).status == Status.REQUESTED
    # declining needs a note
    client.post(reverse("venues:decide", args=[third.pk]), {"op": "decline", "version": 1, "note": ""})
    assert Booking.objects.get(pk=third.pk).status == Status.REQUESTED
    client.post(reverse("venues:decide", args=[third.pk]), {"op": "decline", "version": 1, "note": "那天有消防检查"})
    assert Booking.objects.get(pk=third.pk).status == Status.DECLINED
    # a stale version changes nothing
    response = client.post(
        reverse("venues:decide", args=[second.pk]), {"op": "decline", "version": 7, "note": "x"}, follow=True, **EN
    )
    assert "Someone else changed this booking" in response.content.decode()
    assert client.get(decide).status_code == 405
    assert AuditEntry.objects.filter(action="read.venues.queue", actor=w.community_staff).exists()


def test_the_queue_and_deciding_are_for_venue_staff_only(client, venue_world):
    w = venue_world
    booking = ask(w, by=w.resident)
    for person in (w.resident, w.building_leader, w.other_staff, w.volunteer):
        client.force_login(person)
        queue = client.get(reverse("venues:queue"))
        if person == w.other_staff:  # they run their own venue, not this one
            assert queue.status_code == 200 and "楼道议事" not in queue.content.decode()
        else:
            assert queue.status_code == 404
        client.post(reverse("venues:decide", args=[booking.pk]), {"op": "approve", "version": 1})
        assert Booking.objects.get(pk=booking.pk).status == Status.REQUESTED
    client.force_login(w.resident)  # the requester sees it, but may not decide it
    assert client.post(reverse("venues:decide", args=[booking.pk]), {"op": "approve", "version": 1}).status_code == 404
    actions.appoint_keeper(venue=w.venue, person=w.volunteer, by=w.community_staff)
    client.force_login(w.volunteer)
    assert "楼道议事" in client.get(reverse("venues:queue")).content.decode()


def test_cancelling_from_the_booking_page(client, venue_world):
    w = venue_world
    booking = ask(w, by=w.resident)
    client.force_login(w.resident)
    url = reverse("venues:cancel", args=[booking.pk])
    client.post(url, {"version": 1, "reason": ""})
    assert Booking.objects.get(pk=booking.pk).status == Status.REQUESTED
    response = client.post(url, {"version": 1, "reason": "改期"})
    assert response.status_code == 302 and response["Location"] == f"/venues/bookings/{booking.pk}/"
    assert Booking.objects.get(pk=booking.pk).status == Status.CANCELLED
    client.force_login(w.neighbour)
    assert client.post(url, {"version": 2, "reason": "x"}).status_code == 404


def test_my_bookings_and_the_index(client, venue_world):
    w = venue_world
    mine = ask(w, by=w.resident, title="我的茶话会")
    for_association = ask(w, by=w.neighbour, organisation=w.association, title="互助会例会", starts_at=at(4, 10))
    ask(w, by=w.b2_resident, title="别人的", starts_at=at(5, 10))
    Booking.objects.filter(pk=mine.pk).update(starts_at=at(-3, 10), ends_at=at(-3, 12))  # held three days ago
    client.force_login(w.resident)
    body = client.get(reverse("venues:mine")).content.decode()
    assert "我的茶话会" in body and "互助会例会" not in body and "别人的" not in body
    Membership.objects.filter(person=w.resident).update(position=Membership.Position.SECRETARY)
    body = client.get(reverse("venues:mine")).content.decode()
    assert "互助会例会" in body
    assert f"/venues/bookings/{for_association.pk}/" in body
    body = client.get(reverse("venues:index")).content.decode()
    assert w.venue.name in body and w.other_venue.name not in body
    client.force_login(w.community_staff)
    body = client.get(reverse("venues:index"), **EN).content.decode()
    assert "2 requests waiting" in body  # the past one is not waiting any more


# --- keepers and opening hours -------------------------------------------------------------------


def test_community_staff_appoint_and_remove_keepers(client, venue_world):
    w = venue_world
    url = reverse("venues:keepers", args=[w.venue.pk])
    client.force_login(w.community_staff)
    assert client.get(url).status_code == 200
    response = client.post(url, {"mobile": "139 0000 0005"})
    assert response.status_code == 302
    keeper = VenueKeeper.objects.get()
    assert (keeper.person, keeper.appointed_by) == (w.volunteer, w.community_staff)
    body = client.get(url).content.decode()
    assert "吴志愿" in body and "139****0005" in body
    assert client.post(url, {"mobile": "13700000009"}).status_code == 400  # the outsider: not someone they may name
    assert client.post(url, {"mobile": "12345"}).status_code == 400
    assert client.post(url, {"mobile": "139 0000 0005"}).status_code == 400  # already a keeper
    client.force_login(w.volunteer)  # keepers run the venue but do not appoint
    assert client.get(url).status_code == 404
    client.force_login(w.community_staff)
    remove = reverse("venues:keeper-remove", args=[w.venue.pk, keeper.pk])
    assert client.get(remove).status_code == 405
    assert client.post(remove).status_code == 302
    assert not VenueKeeper.objects.exists()
    assert client.post(remove).status_code == 404


def test_staff_set_opening_hours_one_line_a_day(client, venue_world):
    w = venue_world
    url = reverse("venues:hours", args=[w.library.pk])
    client.force_login(w.resident)
    assert client.get(url).status_code == 404
    client.force_login(w.community_staff)
    body = client.get(url).content.decode()
    assert 'value="09:00-12:00, 14:30-21:30"' in body
    days = {f"day_{d}": "" for d in range(7)}
    response = client.post(url, {**days, "day_0": "09:00-12:00, 11:00-13:00"}, **EN)
    assert response.status_code == 400 and "overlap" in response.content.decode()
    response = client.post(url, {**days, "day_2": "nine to five"}, **EN)
    assert response.status_code == 400
    assert OpeningHours.objects.filter(room=w.library).count() == 12  # unchanged
    response = client.post(url, {**days, "day_0": "9:00-12:00，14:00-18:00", "day_6": "10:00-16:00"})
    assert response.status_code == 302
    assert list(w.library.hours.values_list("weekday", "opens", "closes")) == [
        (0, time(9), time(12)),
        (0, time(14), time(18)),
        (6, time(10), time(16)),
    ]


def test_the_venue_page_links_to_the_week_and_the_request_form(client, venue_world):
    w = venue_world
    body = client.get(reverse("people:venue", args=[w.venue.pk]), **EN).content.decode()
    assert reverse("venues:week", args=[w.venue.pk]) in body
    assert reverse("venues:request", args=[w.venue.pk]) in body
    assert "Tuesday 09:00–12:00, 14:30–21:30" in body  # the book corner's hours, from the structured spans


def test_the_people_apps_venue_pages_keep_their_addresses(client, venue_world):
    """/venues/ (every venue) and /venues/<id>/ (one venue) belong to the people app and stay public."""
    w = venue_world
    assert resolve("/venues/").view_name == "people:venues"
    assert resolve(f"/venues/{w.venue.pk}/").view_name == "people:venue"
    assert client.get("/venues/").status_code == 200
    assert reverse("venues:index") == "/venues/bookings/"
