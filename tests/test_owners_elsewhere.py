"""Owners who live elsewhere (a landlord, a 候鸟 owner) belong to the building they own in."""

from django.urls import reverse

from people import policy
from people.models import Ownership


def test_staff_over_a_building_find_its_owner_who_lives_elsewhere(client, world):
    Ownership.objects.create(unit=world.unit_b2, person=world.outsider, share="0.5")
    assert policy.can_view_person(world.community_staff, world.outsider)
    assert world.outsider in policy.people_for(world.other_staff)  # where she lives
    assert not policy.can_view_person(world.building_leader, world.outsider)  # building 1 only
    client.force_login(world.community_staff)
    assert client.get(reverse("people:person", args=[world.outsider.pk])).status_code == 200
    client.force_login(world.building_leader)
    assert client.get(reverse("people:person", args=[world.outsider.pk])).status_code == 404


def test_an_ownership_carries_its_units_path(world):
    ownership = Ownership.objects.create(unit=world.other_unit, person=world.resident, share="1")
    assert ownership.path == world.other_unit.path


def test_the_building_page_lists_each_units_owners(client, world):
    Ownership.objects.create(unit=world.unit_b2, person=world.outsider, share="0.5")
    client.force_login(world.community_staff)
    body = client.get(reverse("people:place", args=[world.building2.pk])).content.decode()
    assert world.outsider.name in body
    assert reverse("people:person", args=[world.outsider.pk]) in body
