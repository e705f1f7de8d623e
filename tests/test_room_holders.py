"""A room is held by an approved booking (events hold theirs through one) or by a meeting, and whoever puts
something in a room asks ``places.rooms`` first: a meeting is refused a room that a booking, an event or another
meeting holds, with the same reasons a booking is given. On PostgreSQL, a booking approved and a meeting
scheduled in the same room at the same moment leave exactly one of them in it."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from core import audit
from meetings import actions as meeting_actions
from meetings.models import Kind, Meeting
from people.models import Person
from places import rooms
from places.models import Room
from tests.locks import run_together, wait_for_a_blocked_writer
from tests.test_venue_actions import ask, at, make_venue_world
from venues import actions
from venues.models import Booking, Status


@pytest.fixture
def venue_world(world):
    return make_venue_world(world)


def meeting(w, starts_at, ends_at, *, room=None, title="居民议事会", by=None) -> Meeting:
    return meeting_actions.create_meeting(
        actor=by or w.community_staff,
        community=w.community,
        kind=Kind.COUNCIL,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        room=room or w.hall,
    )


def refused_meeting(call) -> dict[str, list[str]]:
    before = Meeting.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        call()
    assert Meeting.objects.count() == before
    return caught.value.message_dict


def test_a_meeting_is_refused_a_room_booked_over_that_time(venue_world):
    w = venue_world
    taken = actions.hold_room(room=w.hall, starts_at=at(4, 14), ends_at=at(4, 16), title="长者生日会", by=w.community_staff)
    when = rooms.span_text(taken.starts_at, taken.ends_at)

    assert refused_meeting(lambda: meeting(w, at(4, 15), at(4, 17))) == {
        "room": [f"The room is already booked {when}: “长者生日会”."]
    }
    assert refused_meeting(lambda: meeting(w, at(4, 13), at(4, 18)))  # around it
    # touching is not overlapping; another room, or no room, is free
    assert meeting(w, at(4, 16), at(4, 18)).room == w.hall
    assert meeting(w, at(4, 14), at(4, 16), room=w.library).room == w.library


def test_a_pending_request_does_not_hold_the_room_and_cannot_be_approved_over_the_meeting(venue_world):
    w = venue_world
    request = ask(w, starts_at=at(5, 19), ends_at=at(5, 21), by=w.neighbour)
    held = meeting(w, at(5, 19, 30), at(5, 21, 30))
    assert held.pk
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        actions.approve_booking(request, by=w.community_staff)
    assert caught.value.message_dict == {
        "room": [f"The room is reserved for a meeting {rooms.span_text(held.starts_at, held.ends_at)}."]
    }


def test_a_cancelled_or_declined_booking_frees_the_room_for_a_meeting(venue_world):
    w = venue_world
    held = actions.hold_room(room=w.hall, starts_at=at(6, 9), ends_at=at(6, 11), title="义剪", by=w.community_staff)
    actions.cancel_booking(held, by=w.community_staff, reason="改期")
    declined = ask(w, starts_at=at(6, 9), ends_at=at(6, 11))
    actions.decline_booking(declined, by=w.community_staff, note="已有安排")
    assert meeting(w, at(6, 9), at(6, 11)).room == w.hall


def test_two_meetings_do_not_share_a_room_unless_one_is_cancelled(venue_world):
    w = venue_world
    first = meeting(w, at(7, 19), at(7, 21), title="联席会议")
    when = rooms.span_text(first.starts_at, first.ends_at)
    assert refused_meeting(lambda: meeting(w, at(7, 20), at(7, 22))) == {"room": [f"The room is reserved for a meeting {when}."]}

    meeting_actions.cancel_meeting(actor=w.community_staff, meeting=first, reason="改期")
    assert meeting(w, at(7, 20), at(7, 22)).room == w.hall


def test_an_events_room_is_held_against_meetings(venue_world):
    """An event holds its room through a booking (``events`` → ``venues.hold_room``), so a meeting meets
    the event's booking."""
    w = venue_world
    held = actions.hold_room(room=w.hall, starts_at=at(8, 9), ends_at=at(8, 12), title="邻里美食节", by=w.community_staff)
    assert refused_meeting(lambda: meeting(w, at(8, 11), at(8, 12, 30))) == {
        "room": [f"The room is already booked {rooms.span_text(held.starts_at, held.ends_at)}: “邻里美食节”."]
    }


def test_the_room_check_excludes_only_the_holder_being_changed(venue_world):
    w = venue_world
    held = actions.hold_room(room=w.hall, starts_at=at(9, 9), ends_at=at(9, 11), title="x", by=w.community_staff)
    assert rooms.clash(w.hall, at(9, 10), at(9, 12), exclude=("booking", held.pk)) is None
    assert rooms.clash(w.hall, at(9, 10), at(9, 12), exclude=("meeting", held.pk)) is not None  # another kind's id
    assert rooms.clash(w.hall, at(9, 11), at(9, 12)) is None


# --- PostgreSQL: a booking and a meeting racing for one room -----------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL; SQLite serialises writers")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_in", ["booking", "meeting"])
def test_a_booking_and_a_meeting_taking_one_room_at_once_leave_one_in_it(venue_world, monkeypatch, first_in):
    """Whichever commits first keeps the room; the other, blocked on the room's row until then, sees it and is
    refused. Without the lock both checks would pass (the database's constraint covers bookings only)."""
    w = venue_world
    request = ask(w, starts_at=at(12, 19), ends_at=at(12, 21), by=w.neighbour)
    holding = threading.Event()
    overlapped: list[bool] = []
    real_record = audit.record

    def record(**kwargs):
        # the first writer keeps its transaction open until the other is seen waiting for it
        if kwargs["action"] == {"booking": "booking.approved", "meeting": "meeting.created"}[first_in]:
            holding.set()
            overlapped.append(wait_for_a_blocked_writer())
        return real_record(**kwargs)

    monkeypatch.setattr(audit, "record", record)
    outcomes: dict[str, object] = {}
    errors: list[BaseException] = []

    def run(kind, act):
        try:
            if kind != first_in:
                holding.wait(timeout=20)
            outcomes[kind] = act()
        except ValidationError as exc:
            outcomes[kind] = exc.message_dict
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def approve():
        booking = Booking.objects.select_related("room__venue__place").get(pk=request.pk)
        return actions.approve_booking(booking, by=Person.objects.get(pk=w.community_staff.pk)).status

    def schedule():
        room = Room.objects.select_related("venue__place").get(pk=w.hall.pk)
        return meeting(w, at(12, 20), at(12, 22), room=room, by=Person.objects.get(pk=w.admin.pk)).pk

    run_together([threading.Thread(target=run, args=(kind, act)) for kind, act in (("booking", approve), ("meeting", schedule))])
    assert errors == []
    assert overlapped == [True]

    approved = Booking.objects.filter(room=w.hall, status=Status.APPROVED).count()
    meetings = Meeting.objects.filter(room=w.hall).count()
    assert approved + meetings == 1
    if first_in == "booking":
        assert outcomes["booking"] == Status.APPROVED
        assert list(outcomes["meeting"]) == ["room"]
    else:
        assert isinstance(outcomes["meeting"], int)
        assert list(outcomes["booking"]) == ["room"]
        request.refresh_from_db()
        assert (request.status, request.version) == (Status.REQUESTED, 1)


def test_every_holder_of_rooms_is_registered():
    assert set(rooms._FINDERS) == {"booking", "meeting"}
    assert rooms._FINDERS["booking"] is actions.booking_clash
    assert rooms._FINDERS["meeting"] is meeting_actions.meeting_clash


def test_a_span_over_midnight_names_both_dates():
    start = at(3, 22)
    assert rooms.span_text(start, start + timedelta(hours=3)).count("-") == 4  # two dates
    assert rooms.span_text(start, start + timedelta(hours=1)).endswith("22:00–23:00")


# --- from the page and the API ------------------------------------------------------------------------


def test_the_meeting_form_names_the_booking_that_holds_the_room_and_saves_nothing(client, venue_world):
    w = venue_world
    held = actions.hold_room(room=w.hall, starts_at=at(6, 19), ends_at=at(6, 21), title="广场舞排练", by=w.community_staff)
    client.force_login(w.community_staff)
    start = timezone.localtime(at(6, 20))
    response = client.post(
        "/meetings/new/",
        {
            "community": w.community.pk,
            "kind": Kind.JOINT,
            "title": "加装电梯联席会议",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "room": str(w.hall.pk),
            "speech_seconds": 120,
            "speeches_per_motion": 2,
            "majority": "simple",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert f"The room is already booked {rooms.span_text(held.starts_at, held.ends_at)}: “广场舞排练”." in body
    assert not Meeting.objects.exists()


def test_the_api_refuses_a_meeting_in_a_held_room_with_the_reason(client, venue_world):
    w = venue_world
    meeting(w, at(6, 9), at(6, 11), title="联席会议")
    client.force_login(w.community_staff)
    body = {
        "community_id": w.community.pk,
        "kind": "council",
        "title": "居民议事会",
        "starts_at": at(6, 10).isoformat(),
        "ends_at": at(6, 12).isoformat(),
        "room_id": w.hall.pk,
    }
    with translation.override("en"):
        response = client.post("/api/meetings/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "The room is reserved for a meeting" in response.content.decode()
    assert Meeting.objects.count() == 1
