"""The back office shows bookings, keepers and opening hours to look up, cut to the staff's scope; every
change goes through the site's actions."""

import pytest
from django.urls import reverse

from tests.test_venue_actions import ask, make_venue_world
from venues import actions
from venues.models import Booking, OpeningHours, VenueKeeper


@pytest.fixture
def venue_world(world):
    return make_venue_world(world)


def test_community_staff_look_up_their_venues_rows_only(client, venue_world):
    w = venue_world
    mine = ask(w, by=w.resident, title="茶话会")
    actions.request_booking(
        room=w.other_room, starts_at=mine.starts_at, ends_at=mine.ends_at, title="桂南议事", by=w.outsider, expected=3
    )
    keeper = actions.appoint_keeper(venue=w.venue, person=w.volunteer, by=w.community_staff)
    client.force_login(w.community_staff)
    body = client.get(reverse("admin:venues_booking_changelist")).content.decode()
    assert "茶话会" in body and "桂南议事" not in body
    assert client.get(reverse("admin:venues_booking_change", args=[mine.pk])).status_code == 200  # to look at
    other = Booking.objects.get(title="桂南议事")
    assert client.get(reverse("admin:venues_booking_change", args=[other.pk])).status_code == 302  # outside the scope
    assert client.get(reverse("admin:venues_venuekeeper_changelist")).status_code == 200
    assert client.get(reverse("admin:venues_openinghours_changelist")).status_code == 200
    assert client.get(reverse("admin:venues_booking_add")).status_code == 403
    response = client.post(reverse("admin:venues_booking_change", args=[mine.pk]), {"title": "改名", "status": "approved"})
    assert response.status_code == 403
    assert Booking.objects.get(pk=mine.pk).status == "requested"
    assert client.post(reverse("admin:venues_venuekeeper_delete", args=[keeper.pk]), {"post": "yes"}).status_code == 403
    assert VenueKeeper.objects.exists() and OpeningHours.objects.exists()


def test_residents_cannot_open_it(client, venue_world):
    client.force_login(venue_world.resident)
    assert client.get(reverse("admin:venues_booking_changelist")).status_code == 302
