"""Edge cases of the people actions: double submits, audit of every change, data that must agree."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditEntry
from people import actions
from people.models import ConsentRecord, JoinRequest, Role, RoleAssignment, SensitiveTag


def test_withdrawing_a_join_request_is_audited_and_happens_once(world):
    jr = actions.request_to_join(person=world.outsider, unit=world.unit, relation="tenant")
    actions.withdraw_join_request(person=world.outsider, request=jr)
    actions.withdraw_join_request(person=world.outsider, request=jr)
    jr.refresh_from_db()
    assert jr.status == JoinRequest.Status.WITHDRAWN
    assert AuditEntry.objects.filter(action="join_request.withdrawn", object_id=str(jr.pk)).count() == 1


def test_care_information_needs_the_person_to_live_in_that_unit(world):
    actions.record_consent(person=world.neighbour, purpose=ConsentRecord.Purpose.SENSITIVE)
    with pytest.raises(ValidationError):
        actions.add_sensitive_tag(actor=world.building_leader, person=world.neighbour, unit=world.unit, kind="health")
    assert not SensitiveTag.objects.exists()
    actions.add_sensitive_tag(actor=world.building_leader, person=world.neighbour, unit=world.unit2, kind="health")
    assert SensitiveTag.objects.count() == 1


def test_a_property_staff_role_needs_a_property_company(world):
    role = RoleAssignment(person=world.resident, role=Role.PROPERTY_STAFF, place=world.compound)
    with pytest.raises(ValidationError):
        role.full_clean()
    role.organisation = world.company
    role.full_clean()


def test_a_place_cannot_be_moved_in_the_admin(client, world):
    client.force_login(world.community_staff)
    url = reverse("admin:places_place_change", args=[world.building.pk])
    page = client.get(url).content.decode()
    assert 'name="parent"' not in page
    client.post(
        url,
        {
            "name": "1栋（新）",
            "code": "",
            "address": "",
            "management": "",
            "join_code": world.building.join_code,
            "parent": world.other_compound.pk,
        },
    )
    world.building.refresh_from_db()
    assert world.building.parent_id == world.compound.pk
    assert world.building.path.startswith(world.compound.path)
