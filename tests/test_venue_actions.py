"""Booking a venue room through the actions: asking, approving, declining, cancelling, holding a room
for an event, keepers and opening hours; and every refusal, each naming its reason and writing nothing.

The venue (``make_venue_world``) is shared by the other ``test_venue_*`` files."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from core.models import AuditEntry, Notification
from meetings import actions as meeting_actions
from meetings.models import Kind
from people.models import Membership, Organisation
from places import rooms
from places.models import Room, Venue
from venues import actions, rules
from venues.actions import Conflict
from venues.models import Booking, OpeningHours, Status, VenueKeeper


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English (the source strings), whatever translations exist."""
    with translation.override("en"):
        yield


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """Local ``hour:minute``, ``days`` from today."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def next_weekday(weekday: int, *, after: int = 1) -> int:
    """Days from today to the first ``weekday`` (Monday 0) at least ``after`` days ahead."""
    today = timezone.localdate()
    return next(d for d in range(after, after + 7) if (today + timedelta(days=d)).weekday() == weekday)


@pytest.fixture
def venue_world(world):
    return make_venue_world(world)


def make_venue_world(world):
    """水岸公馆's filling station with a hall (40 seats, open any time) and a book corner (25 seats, open
    Tuesday to Sunday 09:00–12:00 and 14:30–21:30, Monday closed); the compound's mutual-aid association
    chaired by the neighbour (the resident is a plain member); a venue in 桂一社区 for contrast."""
    w = world
    w.venue = Venue.objects.create(name="中铁建水岸公馆“创熟”加油站", place=w.compound, location="4栋二层")
    w.hall = Room.objects.create(venue=w.venue, name="居民议事厅", capacity=40)
    w.library = Room.objects.create(venue=w.venue, name="共享书屋", capacity=25)
    OpeningHours.objects.bulk_create(
        OpeningHours(room=w.library, weekday=d, opens=o, closes=c)
        for d in range(1, 7)
        for o, c in ((time(9), time(12)), (time(14, 30), time(21, 30)))
    )
    w.association = Organisation.objects.create(
        kind=Organisation.Kind.MUTUAL_AID, name="水岸公馆街坊志愿互助会", place=w.compound
    )
    Membership.objects.create(person=w.neighbour, organisation=w.association, position=Membership.Position.CHAIR)
    Membership.objects.create(person=w.resident, organisation=w.association, position=Membership.Position.MEMBER)
    w.other_venue = Venue.objects.create(name="桂南小区党建阵地", place=w.other_compound)
    w.other_room = Room.objects.create(venue=w.other_venue, name="议事室", capacity=20)
    return w


def ask(w, *, room=None, starts_at=None, ends_at=None, title="楼道议事", by=None, expected=10, **extra) -> Booking:
    starts_at = starts_at or at(3, 10)
    return actions.request_booking(
        room=room or w.hall,
        starts_at=starts_at,
        ends_at=ends_at or starts_at + timedelta(hours=2),
        title=title,
        by=by or w.resident,
        expected=expected,
        **extra,
    )


def refused(call) -> dict[str, list[str]]:
    """The reasons of a refusal, by field; and nothing was written."""
    before = Booking.objects.count()
    with pytest.raises(ValidationError) as caught:
        call()
    assert Booking.objects.count() == before
    return caught.value.message_dict


# --- the happy path --------------------------------------------------------------------------------


def test_a_resident_asks_the_staff_are_told_and_the_keeper_approves(venue_world):
    w = venue_world
    actions.appoint_keeper(venue=w.venue, person=w.volunteer, by=w.community_staff)
    booking = ask(w, title="4栋邻里茶话会", description="认识新邻居")
    assert booking.status == Status.REQUESTED
    assert booking.path == w.compound.path
    told = set(Notification.objects.filter(link=f"/venues/bookings/{booking.pk}/").values_list("recipient__name", flat=True))
    assert told == {"刘社工", "吴志愿"}  # community staff over the venue and its keeper; not the other community's staff
    assert AuditEntry.objects.filter(action="booking.requested", object_id=str(booking.pk), actor=w.resident).exists()

    actions.approve_booking(booking, by=w.volunteer, note="用后请复原桌椅")
    booking.refresh_from_db()
    assert (booking.status, booking.decided_by, booking.decision_note, booking.version) == (
        Status.APPROVED,
        w.volunteer,
        "用后请复原桌椅",
        2,
    )
    assert Notification.objects.filter(recipient=w.resident, subject__contains="4栋邻里茶话会").count() == 1


def test_declining_needs_a_reason_and_tells_the_requester(venue_world):
    w = venue_world
    booking = ask(w)
    assert refused(lambda: actions.decline_booking(booking, by=w.community_staff, note="  ")) == {
        "note": ["Tell the requester why."]
    }
    assert Booking.objects.get(pk=booking.pk).status == Status.REQUESTED
    actions.decline_booking(booking, by=w.community_staff, note="当天已安排消防演练")
    booking.refresh_from_db()
    assert booking.status == Status.DECLINED and booking.decision_note == "当天已安排消防演练"
    assert Notification.objects.filter(recipient=w.resident, body="当天已安排消防演练").exists()
    with pytest.raises(ValidationError):
        actions.approve_booking(booking, by=w.community_staff)


def test_staff_book_directly_and_events_hold_rooms(venue_world):
    w = venue_world
    mine = ask(w, by=w.community_staff)
    assert mine.status == Status.APPROVED and mine.decided_by == w.community_staff
    held = actions.hold_room(
        room=w.hall, starts_at=at(4, 14), ends_at=at(4, 16), title="邻里节筹备会", by=w.admin, organisation=w.association
    )
    assert (held.status, held.organisation, held.expected_attendees) == (Status.APPROVED, w.association, None)
    assert not Notification.objects.filter(link__startswith="/venues/bookings/").exists()  # nobody to ask
    with pytest.raises(PermissionDenied):
        actions.hold_room(room=w.hall, starts_at=at(5, 14), ends_at=at(5, 16), title="x", by=w.resident)
    with pytest.raises(PermissionDenied):
        actions.hold_room(room=w.hall, starts_at=at(5, 14), ends_at=at(5, 16), title="x", by=w.other_staff)


def test_cancelling_frees_the_room_and_tells_the_other_side(venue_world):
    w = venue_world
    booking = ask(w)
    actions.approve_booking(booking, by=w.community_staff)
    Notification.objects.all().delete()
    assert "reason" in refused(lambda: actions.cancel_booking(booking, w.resident, ""))
    actions.cancel_booking(booking, w.resident, "家里有事，改期")
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cancel_reason) == (Status.CANCELLED, w.resident, "家里有事，改期")
    assert set(Notification.objects.values_list("recipient__name", flat=True)) == {"刘社工"}
    # the room is free again for the same time
    again = actions.hold_room(
        room=w.hall, starts_at=booking.starts_at, ends_at=booking.ends_at, title="改作宣讲", by=w.community_staff
    )
    assert again.status == Status.APPROVED
    Notification.objects.all().delete()
    actions.cancel_booking(again, w.admin, "场地维修")  # staff cancel: the requester is told
    assert list(Notification.objects.values_list("recipient__name", "body")) == [("刘社工", "场地维修")]
    # cancelling again changes nothing and tells nobody
    Notification.objects.all().delete()
    assert actions.cancel_booking(again, w.community_staff, "again").cancel_reason == "场地维修"
    assert Booking.objects.get(pk=again.pk).version == 2 and not Notification.objects.exists()


def test_who_may_cancel(venue_world):
    w = venue_world
    own = ask(w, by=w.resident)
    for stranger in (w.neighbour, w.building_leader, w.outsider, w.other_staff, w.property_staff):
        with pytest.raises(PermissionDenied):
            actions.cancel_booking(own, stranger, "不想要了")
    for_association = ask(w, by=w.neighbour, organisation=w.association, starts_at=at(3, 14))
    with pytest.raises(PermissionDenied):
        actions.cancel_booking(for_association, w.resident, "a plain member does not act for the association")
    Membership.objects.filter(person=w.resident).update(position=Membership.Position.SECRETARY)
    w.resident.__dict__.pop("_organisations_of", None)
    actions.cancel_booking(for_association, w.resident, "秘书代为取消")
    assert Booking.objects.get(pk=for_association.pk).status == Status.CANCELLED


def test_a_stale_version_is_a_conflict(venue_world):
    w = venue_world
    booking = ask(w)
    seen = booking.version
    other = Booking.objects.get(pk=booking.pk)
    actions.decline_booking(other, by=w.admin, note="另有安排")
    with pytest.raises(Conflict):  # the page the staff member looked at still showed the request
        actions.approve_booking(booking, by=w.community_staff, version=seen)
    assert Booking.objects.get(pk=booking.pk).status == Status.DECLINED


# --- refusals --------------------------------------------------------------------------------------


def test_the_end_must_come_after_the_start(venue_world):
    w = venue_world
    assert refused(lambda: ask(w, starts_at=at(3, 10), ends_at=at(3, 10))) == {
        "ends_at": ["The booking must end after it starts."]
    }
    assert "ends_at" in refused(lambda: ask(w, starts_at=at(3, 10), ends_at=at(3, 9)))


def test_no_booking_in_the_past(venue_world):
    w = venue_world
    start = timezone.now() - timedelta(minutes=5)
    assert refused(lambda: ask(w, starts_at=start, ends_at=start + timedelta(hours=1))) == {
        "starts_at": ["A booking cannot start in the past."]
    }


def test_at_most_twelve_hours(venue_world):
    w = venue_world
    assert refused(lambda: ask(w, starts_at=at(3, 8), ends_at=at(3, 20, 1))) == {"ends_at": ["A booking lasts at most 12 hours."]}
    assert ask(w, starts_at=at(3, 8), ends_at=at(3, 20)).status == Status.REQUESTED


def test_at_most_180_days_ahead(venue_world):
    w = venue_world
    assert refused(lambda: ask(w, starts_at=at(182, 10))) == {"starts_at": ["Rooms can be booked at most 180 days ahead."]}
    assert ask(w, starts_at=at(179, 10)).status == Status.REQUESTED


def test_outside_the_opening_hours(venue_world):
    w = venue_world
    monday = next_weekday(0)
    tuesday = next_weekday(1)
    assert refused(lambda: ask(w, room=w.library, starts_at=at(monday, 10))) == {"starts_at": ["The room is closed on Monday."]}
    reasons = refused(lambda: ask(w, room=w.library, starts_at=at(tuesday, 11)))  # 11:00–13:00 runs into the lunch break
    assert reasons == {"starts_at": ["That is outside the room's opening hours. On Tuesday it is open 09:00–12:00, 14:30–21:30."]}
    assert "starts_at" in refused(lambda: ask(w, room=w.library, starts_at=at(tuesday, 20), ends_at=at(tuesday, 22)))
    assert ask(w, room=w.library, starts_at=at(tuesday, 9), ends_at=at(tuesday, 12)).status == Status.REQUESTED
    assert ask(w, room=w.library, starts_at=at(tuesday, 19, 30), ends_at=at(tuesday, 21, 30)).status == Status.REQUESTED
    # a room without opening hours is open at any time, past midnight too
    assert ask(w, starts_at=at(monday, 22), ends_at=at(monday + 1, 2)).status == Status.REQUESTED


def test_over_the_rooms_capacity(venue_world):
    w = venue_world
    assert refused(lambda: ask(w, expected=41)) == {"expected_attendees": ["The room holds at most 40 people."]}
    assert "expected_attendees" in refused(lambda: ask(w, expected=0))
    assert "expected_attendees" in refused(lambda: ask(w, expected=None))
    assert ask(w, expected=40).expected_attendees == 40


def test_every_reason_at_once_and_a_title(venue_world):
    w = venue_world
    reasons = refused(lambda: ask(w, title=" ", starts_at=at(200, 8), ends_at=at(200, 21), expected=99))
    assert set(reasons) == {"title", "starts_at", "ends_at", "expected_attendees"}


def test_a_clash_names_the_booking_it_clashes_with(venue_world):
    w = venue_world
    taken = actions.hold_room(room=w.hall, starts_at=at(3, 9), ends_at=at(3, 11, 30), title="党员学习日", by=w.community_staff)
    when = rooms.span_text(taken.starts_at, taken.ends_at)
    assert when.endswith("09:00–11:30")
    assert refused(lambda: ask(w, starts_at=at(3, 11), ends_at=at(3, 12))) == {
        "room": [f"The room is already booked {when}: “党员学习日”."]
    }
    reasons = refused(
        lambda: actions.hold_room(room=w.hall, starts_at=at(3, 8), ends_at=at(3, 13), title="x", by=w.community_staff)
    )
    assert list(reasons) == ["room"]
    # touching is not overlapping; another room is another room
    assert ask(w, starts_at=at(3, 11, 30), ends_at=at(3, 13)).status == Status.REQUESTED
    assert actions.hold_room(
        room=w.library, starts_at=at(next_weekday(2), 9), ends_at=at(next_weekday(2), 11), title="y", by=w.admin
    )


def test_requests_may_overlap_but_only_one_is_approved(venue_world):
    w = venue_world
    first = ask(w, by=w.resident, title="茶话会")
    second = ask(w, by=w.neighbour, title="互助会例会", starts_at=at(3, 11))
    actions.approve_booking(second, by=w.community_staff)
    with pytest.raises(ValidationError) as caught:
        actions.approve_booking(first, by=w.community_staff)
    assert caught.value.message_dict == {
        "room": [f"The room is already booked {rooms.span_text(second.starts_at, second.ends_at)}: “互助会例会”."]
    }
    first.refresh_from_db()
    assert (first.status, first.version) == (Status.REQUESTED, 1)


def test_a_meeting_in_the_room_holds_it_too(venue_world):
    w = venue_world
    meeting = meeting_actions.create_meeting(
        actor=w.community_staff,
        community=w.community,
        kind=Kind.COUNCIL,
        title="居民议事会：加装电梯",
        starts_at=at(10, 19, 30),
        ends_at=at(10, 21, 30),
        room=w.hall,
    )
    when = rooms.span_text(meeting.starts_at, meeting.ends_at)
    # a draft meeting's title is not public yet
    assert refused(lambda: ask(w, starts_at=at(10, 19), ends_at=at(10, 20))) == {
        "room": [f"The room is reserved for a meeting {when}."]
    }
    meeting.notice_sent_at = timezone.now()
    meeting.save(update_fields=["notice_sent_at"])
    assert refused(lambda: ask(w, starts_at=at(10, 21), ends_at=at(10, 22))) == {
        "room": [f"The room is reserved {when} for the meeting “居民议事会：加装电梯”."]
    }
    # a request made before the meeting took the room cannot be approved after
    early = ask(w, starts_at=at(11, 19), ends_at=at(11, 21))
    meeting_actions.create_meeting(
        actor=w.community_staff,
        community=w.community,
        kind=Kind.JOINT,
        title="联席会议",
        starts_at=at(11, 20),
        ends_at=at(11, 22),
        room=w.hall,
    )
    with pytest.raises(ValidationError) as caught:
        actions.approve_booking(early, by=w.community_staff)
    assert list(caught.value.message_dict) == ["room"]
    # a cancelled meeting holds nothing
    meeting_actions.cancel_meeting(actor=w.community_staff, meeting=meeting, reason="改期")
    assert ask(w, starts_at=at(10, 19), ends_at=at(10, 20)).status == Status.REQUESTED


def test_a_request_whose_time_has_come_is_not_approved_and_the_sweep_declines_it(venue_world):
    w = venue_world
    booking = ask(w, starts_at=at(1, 10))
    later = booking.starts_at + timedelta(minutes=1)
    with pytest.raises(ValidationError):
        actions.approve_booking(booking, by=w.community_staff, now=later)
    assert actions.expire_stale_requests(now=booking.starts_at - timedelta(minutes=1)) == 0
    assert actions.expire_stale_requests(now=later) == 1
    booking.refresh_from_db()
    assert booking.status == Status.DECLINED and booking.decided_by is None
    assert Notification.objects.filter(recipient=w.resident, link=f"/venues/bookings/{booking.pk}/").count() == 1
    assert actions.expire_stale_requests(now=later) == 0


def test_an_over_booking_cannot_be_cancelled(venue_world):
    w = venue_world
    booking = ask(w, starts_at=at(1, 10))
    with pytest.raises(ValidationError):
        actions.cancel_booking(booking, w.resident, "too late", now=booking.ends_at + timedelta(minutes=1))


# --- organisations ---------------------------------------------------------------------------------


def test_officers_book_for_their_organisation_members_do_not(venue_world):
    w = venue_world
    booking = ask(w, by=w.neighbour, organisation=w.association)
    assert booking.organisation == w.association
    # the resident may ask for herself, so asking for an association she does not act for is a clear refusal
    assert refused(lambda: ask(w, by=w.resident, organisation=w.association, starts_at=at(4, 10))) == {
        "organisation": ["You cannot book this venue for that organisation."]
    }
    # the property company (sub-district level) through its staff's role
    assert ask(w, by=w.property_staff, organisation=w.company, starts_at=at(5, 10)).organisation == w.company
    far = Organisation.objects.create(kind=Organisation.Kind.MUTUAL_AID, name="桂南互助会", place=w.other_compound)
    Membership.objects.create(person=w.outsider, organisation=far, position=Membership.Position.CHAIR)
    with pytest.raises(PermissionDenied):
        ask(w, by=w.outsider, organisation=far)
    assert ask(w, room=w.other_room, by=w.outsider, organisation=far).status == Status.REQUESTED


# --- keepers and opening hours ---------------------------------------------------------------------


def test_keepers_are_appointed_by_community_staff_and_run_the_venue(venue_world):
    w = venue_world
    with pytest.raises(PermissionDenied):
        actions.appoint_keeper(venue=w.venue, person=w.volunteer, by=w.building_leader)
    with pytest.raises(PermissionDenied):
        actions.appoint_keeper(venue=w.venue, person=w.volunteer, by=w.other_staff)
    keeper = actions.appoint_keeper(venue=w.venue, person=w.volunteer, by=w.community_staff)
    assert (keeper.appointed_by, keeper.since) == (w.community_staff, timezone.localdate())
    assert Notification.objects.filter(recipient=w.volunteer).exists()
    with pytest.raises(ValidationError) as caught:
        actions.appoint_keeper(venue=w.venue, person=w.volunteer, by=w.admin)
    assert caught.value.message_dict == {"person": ["吴志愿 already keeps this venue."]}
    with pytest.raises(ValidationError):  # someone the staff may not name
        actions.appoint_keeper(venue=w.venue, person=w.outsider, by=w.community_staff)
    with pytest.raises(PermissionDenied):  # keepers do not appoint keepers
        actions.appoint_keeper(venue=w.venue, person=w.resident, by=w.volunteer)
    held = actions.hold_room(room=w.hall, starts_at=at(3, 9), ends_at=at(3, 10), title="志愿者培训", by=w.volunteer)
    assert held.status == Status.APPROVED
    with pytest.raises(PermissionDenied):  # a keeper of this venue only
        actions.hold_room(room=w.other_room, starts_at=at(3, 9), ends_at=at(3, 10), title="x", by=w.volunteer)
    actions.remove_keeper(keeper, by=w.community_staff)
    assert not VenueKeeper.objects.exists()
    with pytest.raises(PermissionDenied):
        actions.hold_room(room=w.hall, starts_at=at(4, 9), ends_at=at(4, 10), title="x", by=w.volunteer)


def test_setting_opening_hours(venue_world):
    w = venue_world
    spans = [rules.Span(0, time(9), time(12)), rules.Span(0, time(12), time(18)), rules.Span(5, time(9), time(21))]
    actions.set_opening_hours(room=w.hall, spans=spans, by=w.community_staff)
    assert list(w.hall.hours.values_list("weekday", "opens", "closes")) == [(s.weekday, s.opens, s.closes) for s in spans]
    monday = next_weekday(0)
    # touching spans join: 11:00–13:00 on Monday fits
    assert ask(w, starts_at=at(monday, 11), ends_at=at(monday, 13)).status == Status.REQUESTED
    with pytest.raises(ValidationError) as caught:
        actions.set_opening_hours(
            room=w.hall, spans=[rules.Span(2, time(9), time(12)), rules.Span(2, time(11), time(14))], by=w.admin
        )
    assert caught.value.message_dict == {"day_2": ["Wednesday: 09:00–12:00 and 11:00–14:00 overlap."]}
    with pytest.raises(PermissionDenied):
        actions.set_opening_hours(room=w.hall, spans=[], by=w.resident)
    actions.set_opening_hours(room=w.hall, spans=[], by=w.admin)
    assert not w.hall.hours.exists()


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("", []),
        ("09:00-12:00", [(time(9), time(12))]),
        ("14:30–21:30，8:30~12:00", [(time(8, 30), time(12)), (time(14, 30), time(21, 30))]),
        ("9：00至18：00", [(time(9), time(18))]),
    ],
)
def test_opening_hours_are_read_from_text(text, spans):
    assert rules.parse_day(text) == spans


@pytest.mark.parametrize("text", ["9点到12点", "12:00-09:00", "09:00-12:00, 11:00-13:00", "25:00-26:00"])
def test_opening_hours_text_that_is_refused(text):
    with pytest.raises(ValueError):
        rules.parse_day(text)


# --- personal data ---------------------------------------------------------------------------------


def test_data_download_and_erasure(venue_world):
    from people.actions import erase_person, export_personal_data

    w = venue_world
    own = ask(w, by=w.neighbour, title="生日会")
    actions.approve_booking(own, by=w.community_staff)
    for_association = ask(w, by=w.neighbour, organisation=w.association, starts_at=at(4, 10), title="互助会例会")
    actions.appoint_keeper(venue=w.venue, person=w.neighbour, by=w.community_staff)
    data = export_personal_data(person=w.neighbour)
    assert [b["title"] for b in data["room_bookings"]] == ["生日会", "互助会例会"]
    assert data["venues_kept"] == [{"venue": w.venue.name, "since": timezone.localdate().isoformat()}]

    Notification.objects.all().delete()
    erase_person(person=w.neighbour)
    own.refresh_from_db()
    for_association.refresh_from_db()
    assert own.status == Status.CANCELLED and own.cancel_reason
    assert for_association.status == Status.REQUESTED  # the association's booking stays
    assert not VenueKeeper.objects.exists()
    assert Notification.objects.filter(recipient=w.community_staff, link=f"/venues/bookings/{own.pk}/").exists()
