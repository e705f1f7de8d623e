"""Who may do what with a venue's rooms: every persona × every capability, through the actions and the
access helpers the pages and the API ask.

The venue is in 灯湖社区 (水岸公馆). Residents of the community ask for rooms for themselves; community
staff over it and sub-district administrators run it, and so does the keeper community staff appointed
(who may not appoint keepers); anyone else, the other community's staff included, may do nothing but
look at the week."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.conftest import live_in, make_person
from tests.test_venue_actions import at, make_venue_world
from venues import access, actions, rules
from venues.models import Booking, Status

ASKED, APPROVED, DENIED = "asked", "approved", "denied"

#   ask for self, may open the form, hold, decide, see it, cancel it, appoint keepers, set hours, staff view
MATRIX = {
    "resident": (ASKED, True, DENIED, False, False, False, False, False, False),
    "neighbour": (ASKED, True, DENIED, False, False, False, False, False, False),
    "b2_resident": (ASKED, True, DENIED, False, False, False, False, False, False),
    "building_leader": (ASKED, True, DENIED, False, False, False, False, False, False),
    "community_staff": (APPROVED, True, APPROVED, True, True, True, True, True, True),
    "admin": (APPROVED, True, APPROVED, True, True, True, True, True, True),
    "keeper": (APPROVED, True, APPROVED, True, True, True, False, True, True),
    # property staff act for their company (a sub-district organisation): the form opens, for the company only
    "property_staff": (DENIED, True, DENIED, False, False, False, False, False, False),
    "volunteer": (DENIED, False, DENIED, False, False, False, False, False, False),
    "outsider": (DENIED, False, DENIED, False, False, False, False, False, False),
    "other_staff": (DENIED, False, DENIED, False, False, False, False, False, False),
}


@pytest.fixture
def matrix_world(world):
    w = make_venue_world(world)
    w.asker = make_person("钱街坊", "13800000021")  # whose request everyone else is tried on
    live_in(w.asker, w.unit_b2)
    w.keeper = make_person("许管理员", "13900000007")
    live_in(w.keeper, w.unit_b2)
    actions.appoint_keeper(venue=w.venue, person=w.keeper, by=w.community_staff)
    return w


def _outcome(call) -> str:
    try:
        booking = call()
    except PermissionDenied:
        return DENIED
    return APPROVED if booking.status == Status.APPROVED else ASKED


def _allowed(call) -> bool:
    try:
        call()
    except (PermissionDenied, Http404):
        return False
    return True


@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_permission_matrix(matrix_world, persona):
    w = matrix_world
    user = getattr(w, persona)
    ask_self, form, hold, decide, see, cancel, appoint, hours, staff_view = MATRIX[persona]

    assert access.can_request_at(user, w.venue) is form
    got = _outcome(
        lambda: actions.request_booking(room=w.hall, starts_at=at(3, 9), ends_at=at(3, 10), title="自己用", by=user, expected=5)
    )
    assert got == ask_self
    got = _outcome(lambda: actions.hold_room(room=w.hall, starts_at=at(3, 11), ends_at=at(3, 12), title="活动", by=user))
    assert got == hold
    assert access.can_run_venue(user, w.venue) is staff_view

    other = actions.request_booking(
        room=w.hall, starts_at=at(4, 9), ends_at=at(4, 10), title="钱街坊的申请", by=w.asker, expected=5
    )
    assert _allowed(lambda: access.get_booking_for(user, other.pk)) is see
    assert (other in access.bookings_for(user)) is see
    assert _allowed(lambda: actions.approve_booking(other, by=user)) is decide
    second = actions.request_booking(room=w.hall, starts_at=at(5, 9), ends_at=at(5, 10), title="第二个", by=w.asker, expected=5)
    assert _allowed(lambda: actions.decline_booking(second, by=user, note="不行")) is decide
    third = actions.request_booking(room=w.hall, starts_at=at(6, 9), ends_at=at(6, 10), title="第三个", by=w.asker, expected=5)
    assert _allowed(lambda: actions.cancel_booking(third, user, "取消")) is cancel

    assert _allowed(lambda: actions.appoint_keeper(venue=w.venue, person=w.resident, by=user)) is appoint
    assert _allowed(lambda: access.get_keepers_venue_for(user, w.venue.pk)) is appoint
    assert (
        _allowed(
            lambda: actions.set_opening_hours(room=w.hall, spans=[rules.Span(0, at(0, 9).time(), at(0, 18).time())], by=user)
        )
        is hours
    )
    assert _allowed(lambda: access.get_room_run_by(user, w.hall.pk)) is hours


def test_the_requester_sees_and_cancels_their_own_but_cannot_decide_it(matrix_world):
    w = matrix_world
    own = actions.request_booking(room=w.hall, starts_at=at(4, 9), ends_at=at(4, 10), title="我的申请", by=w.asker, expected=5)
    assert access.get_booking_for(w.asker, own.pk) == own
    assert list(access.bookings_for(w.asker)) == [own]
    with pytest.raises(PermissionDenied):
        actions.approve_booking(own, by=w.asker)
    actions.cancel_booking(own, w.asker, "不用了")
    assert Booking.objects.get(pk=own.pk).status == Status.CANCELLED


def test_staff_of_the_other_community_run_only_their_own_venue(matrix_world):
    w = matrix_world
    assert access.can_run_venue(w.other_staff, w.other_venue)
    assert not access.can_run_venue(w.other_staff, w.venue)
    assert list(access.venues_run_by(w.other_staff)) == [w.other_venue]
    assert set(access.venues_run_by(w.admin)) == {w.venue, w.other_venue}
    assert list(access.venues_run_by(w.keeper)) == [w.venue]
    assert list(access.venues_run_by(w.resident)) == []
    theirs = actions.request_booking(
        room=w.other_room, starts_at=at(3, 9), ends_at=at(3, 10), title="桂南议事", by=w.outsider, expected=5
    )
    assert list(access.run_bookings_for(w.other_staff)) == [theirs]
    assert list(access.run_bookings_for(w.community_staff)) == []
    assert list(access.run_bookings_for(w.keeper)) == []


def test_residents_of_the_venues_community_ask_others_do_not(matrix_world):
    """An owner who lives elsewhere but owns in the community asks too; living in the other community does not."""
    from people.models import Ownership

    w = matrix_world
    landlord = make_person("孙业主", "13800000031")
    live_in(landlord, w.other_unit)
    assert not access.may_request(landlord, w.venue)
    Ownership.objects.create(unit=w.unit2, person=landlord)
    assert access.may_request(landlord, w.venue)
    assert not access.may_request(w.resident, w.other_venue)
    with pytest.raises(PermissionDenied):
        actions.request_booking(room=w.other_room, starts_at=at(3, 9), ends_at=at(3, 10), title="x", by=w.resident, expected=5)


def test_anonymous_users_may_do_nothing(matrix_world):
    from django.contrib.auth.models import AnonymousUser

    w = matrix_world
    nobody = AnonymousUser()
    assert not access.can_run_venue(nobody, w.venue)
    assert not access.can_request_at(nobody, w.venue)
    assert not access.bookings_for(nobody).exists()
    assert not access.venues_run_by(nobody).exists()
    with pytest.raises(PermissionDenied):
        actions.request_booking(room=w.hall, starts_at=at(3, 9), ends_at=at(3, 10), title="x", by=nobody, expected=5)


def test_a_refusal_comes_after_the_permission_check(matrix_world):
    """Someone who may not ask learns nothing about the room's bookings from the reasons."""
    w = matrix_world
    actions.hold_room(room=w.hall, starts_at=at(3, 9), ends_at=at(3, 12), title="已占用", by=w.community_staff)
    with pytest.raises(PermissionDenied):
        actions.request_booking(room=w.hall, starts_at=at(3, 10), ends_at=at(3, 11), title="x", by=w.outsider, expected=5)
    with pytest.raises(ValidationError):
        actions.request_booking(
            room=w.hall, starts_at=at(3, 10), ends_at=at(3, 10) + timedelta(hours=1), title="x", by=w.resident, expected=5
        )
