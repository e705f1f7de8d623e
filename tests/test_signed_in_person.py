"""A session's person is loaded with their active roles in one statement (``policy.signed_in_person``):
what they may do follows their roles as they are at each request, never as they were at sign-in."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from people import policy
from people.auth import MobilePasswordBackend
from people.models import Role
from tests.conftest import grant


def test_the_person_comes_with_every_active_role_and_nothing_else(world):
    grant(world.community_staff, Role.MEDIATOR, world.compound)
    ended = grant(world.community_staff, Role.VOLUNTEER, world.building)
    ended.ended_at = timezone.now()
    ended.save(update_fields=["ended_at"])

    person = policy.signed_in_person(world.community_staff.pk)

    assert person == world.community_staff
    assert sorted(role for role, _path, _org in person._linli_role_rows) == [Role.COMMUNITY_STAFF, Role.MEDIATOR]
    assert (Role.COMMUNITY_STAFF, world.community.path, None) in person._linli_role_rows
    # the joined role columns do not linger on the person
    assert not any(name.startswith("linli_role") for name in vars(person))


def test_a_person_without_roles_and_a_missing_person(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        person = policy.signed_in_person(world.resident.pk)
        assert policy.role_rows(person) == []  # kept from the same statement
        assert not policy.has_role(person, policy.DIRECTORY_ROLES)
    assert person.mobile == world.resident.mobile
    assert policy.signed_in_person(10**9) is None


def test_the_property_staffs_company_comes_with_their_role(world):
    person = policy.signed_in_person(world.property_staff.pk)
    assert person._linli_role_rows == [(Role.PROPERTY_STAFF, world.compound.path, world.company.pk)]


def test_a_role_granted_or_ended_takes_effect_at_the_next_request(client, world):
    url = reverse("people:directory")
    client.force_login(world.resident)
    assert client.get(url).status_code == 404

    role = grant(world.resident, Role.COMMUNITY_STAFF, world.community)
    assert client.get(url).status_code == 200

    role.ended_at = timezone.now()
    role.save(update_fields=["ended_at"])
    assert client.get(url).status_code == 404


def test_a_deactivated_person_is_signed_out_at_the_next_request(client, world):
    client.force_login(world.community_staff)
    assert client.get(reverse("people:directory")).status_code == 200
    world.community_staff.is_active = False
    world.community_staff.save(update_fields=["is_active"])
    response = client.get(reverse("people:directory"))
    assert response.status_code == 302
    assert reverse("people:login") in response["Location"]


@pytest.mark.parametrize("user_id", ["not-a-number", None, "12.5"])
def test_a_session_with_a_malformed_user_id_is_nobody(world, user_id):
    assert MobilePasswordBackend().get_user(user_id) is None


def test_the_session_user_id_is_read_as_a_number(client, world):
    client.force_login(world.building_leader)
    assert isinstance(client.session[SESSION_KEY], str)  # Django keeps it as text in the session
    assert MobilePasswordBackend().get_user(client.session[SESSION_KEY]) == world.building_leader


def test_an_api_tokens_person_gets_their_roles_as_they_are_at_each_call(client, world):
    """A bearer token's person is not loaded by the sign-in backends: their roles are read at each call."""
    from people import actions

    key = actions.create_api_token(person=world.resident, name="手机")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/people", **headers).status_code == 404

    role = grant(world.resident, Role.COMMUNITY_STAFF, world.community)
    listed = client.get("/api/people", **headers)
    assert listed.status_code == 200
    assert world.b2_resident.name in {p["name"] for p in listed.json()["items"]}

    role.ended_at = timezone.now()
    role.save(update_fields=["ended_at"])
    assert client.get("/api/people", **headers).status_code == 404
