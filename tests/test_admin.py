"""The back office goes through the same policy: scoped lists, masked numbers, no escalation."""

from django.urls import reverse

from people.models import Role, RoleAssignment


def test_residents_and_leaders_cannot_open_the_admin(client, world):
    for person in (world.resident, world.building_leader, world.property_staff):
        client.force_login(person)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]


def test_community_staff_see_only_their_community(client, world):
    client.force_login(world.community_staff)
    body = client.get(reverse("admin:places_place_changelist")).content.decode()
    assert "中铁建水岸公馆" in body
    assert "桂南小区" not in body
    assert client.get(reverse("admin:places_place_change", args=[world.other_building.pk])).status_code in (302, 404)


def test_admin_person_list_masks_mobile_numbers(client, world):
    client.force_login(world.community_staff)
    body = client.get(reverse("admin:people_person_changelist")).content.decode()
    assert "138****0001" in body
    assert "13800000001" not in body


def test_community_staff_cannot_grant_an_administrator_role_through_the_admin(client, world):
    client.force_login(world.community_staff)
    response = client.post(
        reverse("admin:people_roleassignment_add"),
        {"person": world.resident.pk, "role": Role.SUBDISTRICT_ADMIN, "place": world.community.pk, "organisation": ""},
    )
    assert response.status_code == 403
    assert not RoleAssignment.objects.filter(person=world.resident, role=Role.SUBDISTRICT_ADMIN).exists()


def test_community_staff_can_grant_a_building_leader_in_their_community(client, world):
    client.force_login(world.community_staff)
    response = client.post(
        reverse("admin:people_roleassignment_add"),
        {"person": world.resident.pk, "role": Role.BUILDING_LEADER, "place": world.building2.pk, "organisation": ""},
    )
    assert response.status_code == 302
    ra = RoleAssignment.objects.get(person=world.resident, role=Role.BUILDING_LEADER)
    assert ra.granted_by == world.community_staff
    assert ra.path == world.building2.path
