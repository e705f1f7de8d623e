"""What ``venues.demo`` seeds, on a small world shaped like the demo's 灯湖社区 (the full ``seed_demo`` run is
tested in test_seed_demo): opening hours from the rooms' hand-written hours, two keepers, and a dozen
bookings in the coming weeks in every state, none overlapping, written through the actions."""

import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from people.demo import data as demo_data
from people.models import Membership, Organisation, Role
from places.models import Room, Venue
from tests.conftest import grant, live_in, make_person
from venues import demo, rules
from venues.models import Booking, OpeningHours, Status, VenueKeeper


@pytest.fixture
def demo_world(world):
    w = world
    accounts = {a["key"]: a for a in demo_data.DEMO_ACCOUNTS}
    w.demo_staff = make_person(accounts["community_staff"]["name"], accounts["community_staff"]["mobile"])
    grant(w.demo_staff, Role.COMMUNITY_STAFF, w.community)
    w.demo_resident = make_person(accounts["resident"]["name"], accounts["resident"]["mobile"])
    live_in(w.demo_resident, w.unit_b2)
    w.demo_company = make_person(accounts["property_staff"]["name"], accounts["property_staff"]["mobile"])
    grant(w.demo_company, Role.PROPERTY_STAFF, w.compound, organisation=w.company)
    spec = next(v for v in demo_data.ARTICLE_VENUES if v.name == demo.VENUE)
    w.venue = Venue.objects.create(name=spec.name, place=w.compound)
    for n, (name, function, capacity) in enumerate(spec.rooms):
        Room.objects.create(
            venue=w.venue, name=name, function=function, capacity=capacity, opening_hours=demo_data.OPENING_HOURS[n % 3]
        )
    organisations = {who for who, *_rest in demo.BOOKINGS if who not in ("staff", "resident")}
    for n, name in enumerate(sorted(organisations)):
        org = Organisation.objects.create(kind=Organisation.Kind.SELF_ORGANISATION, name=name, place=w.compound)
        for k, position in enumerate((Membership.Position.CHAIR, Membership.Position.SECRETARY)):
            officer = make_person(f"干部{n}{k}", f"1370000{n:02d}{k:02d}")
            live_in(officer, w.unit2)
            Membership.objects.create(person=officer, organisation=org, position=position)
    return w


def test_the_demo_seeds_hours_keepers_and_bookings_in_every_state(demo_world, client):
    w = demo_world
    now = timezone.now()
    counts = demo.seed(random.Random(2021), now)
    assert counts["opening hours"] == OpeningHours.objects.count() > 0
    assert counts["venue keepers"] == 2
    chair = Membership.objects.get(organisation__name=demo.MUTUAL_AID, position=Membership.Position.CHAIR).person
    assert set(VenueKeeper.objects.values_list("person", flat=True)) == {w.demo_company.pk, chair.pk}
    bookings = list(Booking.objects.select_related("room").order_by("starts_at"))
    assert counts["venue bookings"] == len(bookings) >= 12
    by_status = {s: sum(b.status == s for b in bookings) for s in Status.values}
    assert by_status[Status.APPROVED] >= 6 and by_status[Status.REQUESTED] >= 3
    assert by_status[Status.DECLINED] >= 1 and by_status[Status.CANCELLED] >= 1
    for b in bookings:
        assert now < b.starts_at < now + timedelta(days=28)
        assert rules.fits(b.room.hours.all(), b.starts_at, b.ends_at), b.title
    approved = [b for b in bookings if b.status == Status.APPROVED]
    for a in approved:
        assert not any(
            o.pk != a.pk and o.room_id == a.room_id and o.starts_at < a.ends_at and a.starts_at < o.ends_at for o in approved
        )
    mine = {b.status for b in bookings if b.requested_by_id == w.demo_resident.pk}
    assert mine == {Status.APPROVED, Status.REQUESTED}

    client.force_login(w.demo_resident)
    body = client.get(reverse("venues:week", args=[w.venue.pk])).content.decode()
    this_week = [b.title for b in approved if timezone.localtime(b.starts_at).date() <= timezone.localdate() + timedelta(days=6)]
    assert this_week and all(title in body for title in this_week)
    assert "4栋邻里茶话会" in client.get(reverse("venues:mine")).content.decode()
    client.force_login(w.demo_company)  # the keeper finds the requests to decide
    queue = client.get(reverse("venues:queue")).content.decode()
    assert all(b.title in queue for b in bookings if b.status == Status.REQUESTED)


def test_without_the_demo_community_only_opening_hours_are_seeded(db):
    assert demo.seed(random.Random(1)) == {"opening hours": 0}
