"""Events, the rules: who may sign up, seats and the waiting list, promotion when a seat frees up,
volunteer roles, check-in by code, reminders, encounters, clubs and their join requests."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.concurrency import Conflict
from core.models import Notification
from events import access, actions
from events.models import Club, ClubJoinRequest, Encounter, Event, JoinStatus, Registration, RegistrationStatus, Status
from people.models import Membership, Organisation
from tests.conftest import live_in, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee(world):
    return Organisation.objects.create(kind=Organisation.Kind.RESIDENTS_COMMITTEE, name="灯湖社区居委会", place=world.community)


def make_event(
    world, committee, *, capacity=2, audience=Event.Audience.COMMUNITY, publish=True, starts_in=timedelta(days=3), **extra
):
    now = timezone.now()
    return actions.create_event(
        by=world.community_staff,
        organiser=committee,
        title="邻里节·包粽子",
        community=world.community,
        audience=audience,
        starts_at=now + starts_in,
        ends_at=now + starts_in + timedelta(hours=2),
        capacity=capacity,
        publish=publish,
        **({"location": "社区广场"} | extra),
    )


def neighbours(world, n, start=0):
    people = []
    for i in range(start, start + n):
        p = make_person(f"邻居{i}", f"1350000{i:04d}")
        live_in(p, world.unit_b2)
        people.append(p)
    return people


def counters(event):
    event.refresh_from_db()
    return event.confirmed, event.waitlisted


# --- creating ------------------------------------------------------------------------------------


def test_only_those_who_act_for_the_organiser_create_events(world, committee):
    with pytest.raises(PermissionDenied):
        actions.create_event(
            by=world.resident,
            organiser=committee,
            title="x",
            community=world.community,
            starts_at=timezone.now() + timedelta(days=1),
            ends_at=timezone.now() + timedelta(days=1, hours=1),
            capacity=10,
            location="广场",
        )
    chair = make_person("周主任", "13600000001")
    Membership.objects.create(organisation=committee, person=chair, position=Membership.Position.CHAIR)
    assert access.can_organise_for(chair, committee)
    assert not access.can_organise_for(world.other_staff, committee)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"capacity": 0}, "capacity"),
        ({"ends_in": timedelta(hours=-1)}, "ends_at"),
        ({"starts_in": timedelta(days=-1)}, "starts_at"),
        ({"location": ""}, "location"),
        ({"title": "  "}, "title"),
        ({"signup_closes_in": timedelta(days=4)}, "signup_closes_at"),
    ],
)
def test_bad_event_details_are_refused_and_nothing_is_saved(world, committee, change, field):
    now = timezone.now()
    starts = now + change.get("starts_in", timedelta(days=3))
    kwargs = {
        "by": world.community_staff,
        "organiser": committee,
        "title": change.get("title", "粤剧欣赏"),
        "community": world.community,
        "starts_at": starts,
        "ends_at": starts + change.get("ends_in", timedelta(hours=2)),
        "capacity": change.get("capacity", 30),
        "location": change.get("location", "活动室"),
    }
    if "signup_closes_in" in change:
        kwargs["signup_closes_at"] = now + change["signup_closes_in"]
    with pytest.raises(ValidationError) as refused:
        actions.create_event(**kwargs)
    assert field in refused.value.message_dict
    assert not Event.objects.exists()


def test_a_compound_audience_must_be_a_compound_of_the_community(world, committee):
    with pytest.raises(ValidationError) as refused:
        make_event(world, committee, audience=Event.Audience.COMPOUND, audience_place=world.other_compound)
    assert "audience_place" in refused.value.message_dict
    event = make_event(world, committee, audience=Event.Audience.COMPOUND, audience_place=world.compound)
    assert event.path == world.compound.path


def test_drafts_are_seen_only_by_those_who_run_them(world, committee):
    event = make_event(world, committee, publish=False)
    assert access.can_view(world.community_staff, event)
    assert not access.can_view(world.resident, event)
    with pytest.raises(ValidationError):
        actions.sign_up(event, world.resident)
    actions.publish_event(event, by=world.community_staff)
    assert access.can_view(world.resident, event)
    with pytest.raises(ValidationError):
        actions.publish_event(event, by=world.community_staff)


# --- who may sign up -----------------------------------------------------------------------------


def test_the_audience_decides_who_may_sign_up(world, committee):
    compound_only = make_event(world, committee, audience=Event.Audience.COMPOUND, audience_place=world.compound, capacity=10)
    assert actions.sign_up(compound_only, world.resident).status == RegistrationStatus.CONFIRMED
    with pytest.raises(ValidationError, match="中铁建水岸公馆"):
        actions.sign_up(compound_only, world.outsider)
    everyone = make_event(world, committee, audience=Event.Audience.SUBDISTRICT, capacity=10)
    assert everyone.path == world.subdistrict.path
    assert actions.sign_up(everyone, world.outsider).status == RegistrationStatus.CONFIRMED
    # staff without a home in the audience do not take residents' seats
    with pytest.raises(ValidationError):
        actions.sign_up(compound_only, world.community_staff)


def test_a_club_event_is_for_its_members(world, committee):
    choir_org = Organisation.objects.create(kind=Organisation.Kind.CULTURAL, name="灯湖合唱队", place=world.community)
    club = Club.objects.create(organisation=choir_org, activity=Club.Activity.CHOIR)
    Membership.objects.create(organisation=choir_org, person=world.neighbour)
    event = make_event(world, committee, audience=Event.Audience.CLUB, club=club, capacity=5)
    assert actions.sign_up(event, world.neighbour).status == RegistrationStatus.CONFIRMED
    with pytest.raises(ValidationError, match="灯湖合唱队"):
        actions.sign_up(event, world.resident)


def test_sign_up_only_while_the_window_is_open(world, committee):
    now = timezone.now()
    event = make_event(world, committee, signup_opens_at=now + timedelta(days=1), signup_closes_at=now + timedelta(days=2))
    with pytest.raises(ValidationError, match="opens|开始"):
        actions.sign_up(event, world.resident)
    with pytest.raises(ValidationError):
        actions.sign_up(event, world.resident, now=now + timedelta(days=2, minutes=1))
    assert actions.sign_up(event, world.resident, now=now + timedelta(days=1, hours=1)).status == RegistrationStatus.CONFIRMED
    assert counters(event) == (1, 0)


def test_one_live_registration_per_person_and_a_second_changes_nothing(world, committee):
    event = make_event(world, committee, capacity=5)
    actions.sign_up(event, world.resident)
    with pytest.raises(ValidationError, match="already|已报名"):
        actions.sign_up(event, world.resident)
    assert counters(event) == (1, 0)
    event.refresh_from_db()
    assert event.next_ticket == 1
    assert Registration.objects.filter(event=event).count() == 1


# --- seats, the waiting list, promotion ----------------------------------------------------------


def test_seats_then_the_waiting_list_in_arrival_order(world, committee):
    event = make_event(world, committee, capacity=2)
    people = neighbours(world, 5)
    regs = [actions.sign_up(event, p) for p in people]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]
    assert [r.ticket for r in regs] == [1, 2, 3, 4, 5]
    assert counters(event) == (2, 3)


def test_a_cancelled_seat_goes_to_the_first_waiting_and_they_are_told(world, committee):
    event = make_event(world, committee, capacity=2)
    a, b, c, d = neighbours(world, 4)
    first = actions.sign_up(event, a)
    actions.sign_up(event, b)
    waiting_c = actions.sign_up(event, c)
    waiting_d = actions.sign_up(event, d)

    actions.cancel_registration(first, by=a)

    waiting_c.refresh_from_db()
    waiting_d.refresh_from_db()
    assert waiting_c.status == RegistrationStatus.CONFIRMED and waiting_c.promoted_at is not None
    assert waiting_d.status == RegistrationStatus.WAITLISTED
    assert counters(event) == (2, 1)
    assert actions.recount(event) == {"confirmed": 2, "waitlisted": 1}
    told = Notification.objects.get(recipient=c)
    assert waiting_c.code in told.body
    # a newcomer joins the queue behind d, never ahead
    late = actions.sign_up(event, neighbours(world, 1, start=10)[0])
    assert late.status == RegistrationStatus.WAITLISTED


def test_cancelling_a_waiting_place_promotes_nobody(world, committee):
    event = make_event(world, committee, capacity=1)
    a, b, c = neighbours(world, 3)
    actions.sign_up(event, a)
    waiting_b = actions.sign_up(event, b)
    waiting_c = actions.sign_up(event, c)
    actions.cancel_registration(waiting_b, by=b)
    waiting_c.refresh_from_db()
    assert waiting_c.status == RegistrationStatus.WAITLISTED
    assert counters(event) == (1, 1)


def test_cancelling_twice_is_a_conflict_and_others_may_not_cancel(world, committee):
    event = make_event(world, committee, capacity=3)
    reg = actions.sign_up(event, world.resident)
    with pytest.raises(PermissionDenied):
        actions.cancel_registration(reg, by=world.neighbour)
    actions.cancel_registration(reg, by=world.resident)
    with pytest.raises(Conflict):
        actions.cancel_registration(reg, by=world.resident)
    assert counters(event) == (0, 0)
    # and they may sign up again
    assert actions.sign_up(event, world.resident).status == RegistrationStatus.CONFIRMED


def test_more_seats_promote_the_waiting_list_and_fewer_than_confirmed_are_refused(world, committee):
    event = make_event(world, committee, capacity=1)
    a, b, c = neighbours(world, 3)
    for p in (a, b, c):
        actions.sign_up(event, p)
    event.refresh_from_db()
    with pytest.raises(ValidationError):
        actions.update_event(event, by=world.community_staff, capacity=0)
    actions.update_event(event, by=world.community_staff, capacity=2)
    assert counters(event) == (2, 1)
    assert Registration.objects.get(event=event, person=b).status == RegistrationStatus.CONFIRMED


def test_no_promotion_once_the_event_has_started(world, committee):
    event = make_event(world, committee, capacity=1)
    a, b = neighbours(world, 2)
    first = actions.sign_up(event, a)
    actions.sign_up(event, b)
    actions.cancel_registration(first, by=a, now=event.starts_at + timedelta(minutes=5))
    assert counters(event) == (0, 1)


def test_volunteer_roles_have_their_own_places(world, committee):
    event = make_event(world, committee, capacity=1, roles=[("签到引导", 1, "在门口引导"), ("摄影", 2, "")])
    steward, photo = event.roles.order_by("id")
    a, b, c = neighbours(world, 3)
    assert actions.sign_up(event, a, role=steward).status == RegistrationStatus.CONFIRMED
    assert actions.sign_up(event, b, role=steward).status == RegistrationStatus.WAITLISTED
    assert actions.sign_up(event, c).status == RegistrationStatus.CONFIRMED  # the event's own seat is still free
    steward.refresh_from_db()
    assert (steward.confirmed, steward.waitlisted) == (1, 1)
    actions.cancel_registration(Registration.objects.get(event=event, person=a), by=a)
    assert Registration.objects.get(event=event, person=b).status == RegistrationStatus.CONFIRMED
    assert counters(event) == (1, 0)


def test_cancelling_the_event_tells_everyone_and_closes_sign_up(world, committee):
    event = make_event(world, committee, capacity=1)
    a, b = neighbours(world, 2)
    actions.sign_up(event, a)
    actions.sign_up(event, b)
    with pytest.raises(ValidationError):
        actions.cancel_event(event, by=world.community_staff, reason=" ")
    actions.cancel_event(event, by=world.community_staff, reason="台风预警")
    assert set(Notification.objects.filter(subject__contains=event.title).values_list("recipient", flat=True)) >= {a.pk, b.pk}
    with pytest.raises(ValidationError):
        actions.sign_up(event, neighbours(world, 1, start=10)[0])
    assert Event.objects.get(pk=event.pk).status == Status.CANCELLED


# --- check-in --------------------------------------------------------------------------------------


def test_check_in_by_code_once_within_the_window(world, committee):
    event = make_event(world, committee, capacity=1)
    reg = actions.sign_up(event, world.resident)
    waiting = actions.sign_up(event, world.b2_resident)
    at_door = event.starts_at - timedelta(minutes=30)
    with pytest.raises(ValidationError):
        actions.check_in(code=reg.code, by=world.community_staff, now=event.starts_at - timedelta(hours=3))
    with pytest.raises(ValidationError, match="code|码"):
        actions.check_in(code="ZZZZZZZZ", by=world.community_staff, now=at_door)
    # someone who does not run the event learns nothing about the code
    with pytest.raises(ValidationError, match="code|码"):
        actions.check_in(code=reg.code, by=world.neighbour, now=at_door)
    with pytest.raises(ValidationError, match=world.b2_resident.name):
        actions.check_in(code=waiting.code, by=world.community_staff, now=at_door)

    typed = f" {reg.code[:4].lower()}-{reg.code[4:]} "
    checked, first = actions.check_in(code=typed, by=world.community_staff, now=at_door)
    assert first and checked.checked_in_at == at_door and checked.checked_in_by == world.community_staff
    again, first = actions.check_in(code=reg.code, by=world.community_staff, now=at_door + timedelta(minutes=1))
    assert not first and again.checked_in_at == at_door


def test_confirmed_volunteers_check_people_in(world, committee):
    event = make_event(world, committee, capacity=5, roles=[("签到", 2, "")])
    steward = event.roles.get()
    actions.sign_up(event, world.neighbour, role=steward)
    reg = actions.sign_up(event, world.resident)
    assert access.can_check_in(world.neighbour, event)
    assert not access.can_check_in(world.b2_resident, event)
    _reg, first = actions.check_in(code=reg.code, by=world.neighbour, now=event.starts_at)
    assert first


# --- reminders and encounters --------------------------------------------------------------------


def test_reminders_go_once_to_the_confirmed_a_day_before(world, committee):
    event = make_event(world, committee, capacity=1, starts_in=timedelta(hours=20))
    actions.sign_up(event, world.resident)
    actions.sign_up(event, world.b2_resident)  # waiting: not reminded
    far = make_event(world, committee, capacity=1, starts_in=timedelta(days=5))
    actions.sign_up(far, world.resident)
    assert actions.send_reminders() == 1
    assert actions.send_reminders() == 0
    reminders = Notification.objects.filter(subject__startswith="Reminder") | Notification.objects.filter(
        subject__startswith="提醒"
    )
    assert list(reminders.values_list("recipient", flat=True)) == [world.resident.pk]


def test_encounters_record_pairs_who_attended_once_per_event(world, committee):
    people = neighbours(world, 3)
    for round_ in range(2):
        event = make_event(world, committee, capacity=5, starts_in=timedelta(days=1 + round_))
        for p in people:
            reg = actions.sign_up(event, p)
            actions.check_in(code=reg.code, by=world.community_staff, now=event.starts_at)
        actions.sign_up(event, world.resident)  # signed up, never came
        assert actions.record_encounters(now=event.ends_at + timedelta(minutes=1)) == 1
        assert actions.record_encounters(now=event.ends_at + timedelta(minutes=2)) == 0
    pairs = Encounter.objects.order_by("person_a", "person_b")
    assert pairs.count() == 3
    assert all(e.times == 2 and e.person_a_id < e.person_b_id for e in pairs)
    assert not Encounter.objects.filter(person_a=world.resident).exists()
    assert not Encounter.objects.filter(person_b=world.resident).exists()


# --- clubs -------------------------------------------------------------------------------------------


@pytest.fixture
def club(world):
    org = Organisation.objects.create(kind=Organisation.Kind.CULTURAL, name="灯湖舞蹈队", place=world.community)
    leader = make_person("舞蹈队长", "13600000002")
    Membership.objects.create(organisation=org, person=leader, position=Membership.Position.CHAIR)
    c = actions.make_club(org, by=leader, activity=Club.Activity.DANCE, schedule="每周二、四晚")
    c.leader = leader
    return c


def test_join_requests_are_decided_by_the_club_leaders(world, club):
    request = actions.ask_to_join(club, world.resident, message="想学广场舞")
    with pytest.raises(ValidationError):
        actions.ask_to_join(club, world.resident)
    assert Notification.objects.filter(recipient=club.leader).exists()
    with pytest.raises(PermissionDenied):
        actions.decide_join_request(request, by=world.neighbour, approve=True)
    actions.decide_join_request(request, by=club.leader, approve=True)
    assert (
        access.is_member(world.resident, club)
        or Membership.objects.filter(organisation=club.organisation, person=world.resident).exists()
    )
    with pytest.raises(Conflict):
        actions.decide_join_request(ClubJoinRequest.objects.get(pk=request.pk), by=club.leader, approve=False)


def test_a_stale_decision_is_a_conflict(world, club):
    request = actions.ask_to_join(club, world.resident)
    stale = ClubJoinRequest.objects.get(pk=request.pk)
    actions.decide_join_request(request, by=club.leader, approve=False, reason="名额已满")
    with pytest.raises(Conflict):
        actions.decide_join_request(stale, by=world.community_staff, approve=True)
    assert ClubJoinRequest.objects.get(pk=request.pk).status == JoinStatus.DECLINED
    assert not Membership.objects.filter(organisation=club.organisation, person=world.resident).exists()


def test_leaders_name_backbone_members_and_members_may_leave(world, club):
    request = actions.ask_to_join(club, world.resident)
    actions.decide_join_request(request, by=club.leader, approve=True)
    actions.set_position(club, world.resident, by=club.leader, position=Membership.Position.BACKBONE)
    with pytest.raises(ValidationError):
        actions.leave_club(club, world.resident)
    actions.set_position(club, world.resident, by=club.leader, position=Membership.Position.MEMBER)
    actions.leave_club(club, world.resident)
    with pytest.raises(ValidationError):
        actions.leave_club(club, world.resident)


def test_a_closed_club_takes_no_requests(world, club):
    club.accepting = False
    club.save()
    with pytest.raises(ValidationError):
        actions.ask_to_join(club, world.resident)
    assert not ClubJoinRequest.objects.exists()


# --- rooms -----------------------------------------------------------------------------------------


@pytest.fixture
def hall(world):
    from places.models import Room, Venue

    venue = Venue.objects.create(name="灯湖党建阵地", place=world.community)
    return Room.objects.create(venue=venue, name="居民议事厅", capacity=40)


def test_an_event_in_a_room_holds_it_and_a_clash_is_refused(world, committee, hall):
    from venues.models import Booking

    event = make_event(world, committee, capacity=30, room=hall, location="")
    assert event.booking.status == "approved" and event.booking.room == hall
    with pytest.raises(ValidationError) as refused:
        make_event(world, committee, capacity=30, room=hall, location="")
    assert "room" in refused.value.message_dict
    assert Event.objects.count() == 1 and Booking.objects.count() == 1
    with pytest.raises(ValidationError) as too_many:
        make_event(world, committee, capacity=80, room=hall, location="", starts_in=timedelta(days=9))
    assert "capacity" in too_many.value.message_dict

    actions.cancel_event(event, by=world.community_staff, reason="改期")
    event.booking.refresh_from_db()
    assert event.booking.status == "cancelled"
    assert make_event(world, committee, capacity=30, room=hall, location="").booking.status == "approved"


def test_an_organisation_that_does_not_run_the_venue_asks_for_the_room(world, hall):
    club_org = Organisation.objects.create(kind=Organisation.Kind.CULTURAL, name="灯湖书画协会", place=world.community)
    Membership.objects.create(organisation=club_org, person=world.neighbour, position=Membership.Position.CHAIR)
    now = timezone.now()
    event = actions.create_event(
        by=world.neighbour,
        organiser=club_org,
        title="书法体验课",
        community=world.community,
        starts_at=now + timedelta(days=4),
        ends_at=now + timedelta(days=4, hours=2),
        capacity=20,
        room=hall,
    )
    assert event.booking.status == "requested" and event.booking.organisation == club_org


def test_moving_an_event_moves_its_room_booking_and_never_into_the_past(world, committee, hall):
    event = make_event(world, committee, capacity=30, room=hall, location="")
    old = event.booking
    actions.sign_up(event, world.resident)
    with pytest.raises(ValidationError) as refused:
        actions.update_event(event, by=world.community_staff, starts_at=timezone.now() - timedelta(hours=1))
    assert "starts_at" in refused.value.message_dict
    later = event.starts_at + timedelta(days=1)
    actions.update_event(event, by=world.community_staff, starts_at=later, ends_at=later + timedelta(hours=2))
    old.refresh_from_db()
    event.refresh_from_db()
    assert old.status == "cancelled"
    assert (event.booking.starts_at, event.booking.status) == (later, "approved")
    assert Notification.objects.filter(recipient=world.resident, subject__contains=event.title).exists()
    # the old slot is free again for another event
    assert make_event(world, committee, capacity=30, room=hall, location="").booking.status == "approved"


def test_a_check_in_code_that_meets_another_is_drawn_again(world, committee, monkeypatch):
    event = make_event(world, committee, capacity=5)
    first = actions.sign_up(event, world.resident)
    codes = iter([first.code, first.code, "BBBBBBBB"])
    monkeypatch.setattr(Registration._meta.get_field("code"), "_get_default", lambda: next(codes))
    second = actions.sign_up(event, world.b2_resident)
    assert second.code == "BBBBBBBB" and second.ticket == 2
    assert counters(event) == (2, 0)
