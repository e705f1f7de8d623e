"""Phone and ID numbers are masked except to the person and to roles that need them; full numbers only
through an audited reveal with a reason (DOMAIN-RULES "Masking", PIPL Art 28, 51)."""

import pytest
from django.urls import reverse

from core.masking import IdMask, mask_id_number, mask_mobile, mask_name
from core.models import AuditEntry
from people import actions, policy
from people.models import HouseholdMember, Role

ID_NUMBER = "440605198001011231"
ID_STAFF = "440605********1231"  # first 6 + last 4: the birth date hidden
ID_LEADER = "4****************1"  # first 1 + last 1
RESIDENT_MOBILE = "13800000001"
RESIDENT_MASKED = "138****0001"


@pytest.fixture
def with_id(world):
    world.resident.set_id_number(ID_NUMBER)
    world.resident.save()
    return world


# --- the masking functions --------------------------------------------------------------------


def test_mobile_keeps_first_three_and_last_four():
    assert mask_mobile("13812345678") == "138****5678"


@pytest.mark.parametrize("value", [None, ""])
def test_no_mobile_masks_to_nothing(value):
    assert mask_mobile(value) == ""


def test_a_short_number_is_hidden_whole():
    assert mask_mobile("1234567") == "*******"


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (IdMask.STAFF, ID_STAFF),
        (IdMask.LEADER, ID_LEADER),
        (IdMask.HIDDEN, "*" * 18),
        (IdMask.FULL, ID_NUMBER),
    ],
)
def test_id_number_masks_by_level(level, expected):
    masked = mask_id_number(ID_NUMBER, level)
    assert masked == expected
    assert len(masked) == 18


def test_staff_mask_hides_the_birth_date():
    assert "19800101" not in mask_id_number(ID_NUMBER, IdMask.STAFF)


def test_no_id_number_masks_to_nothing():
    assert mask_id_number("", IdMask.STAFF) == ""


def test_name_keeps_the_surname():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李*"


@pytest.mark.parametrize(
    ("viewer", "level"),
    [
        ("resident", IdMask.FULL),  # the person themselves
        ("community_staff", IdMask.STAFF),
        ("admin", IdMask.STAFF),
        ("building_leader", IdMask.LEADER),
        ("volunteer", IdMask.LEADER),
        ("property_staff", IdMask.HIDDEN),
        ("neighbour", IdMask.HIDDEN),
        ("other_staff", IdMask.HIDDEN),  # community staff of another community
    ],
)
def test_id_mask_level_follows_the_viewers_role_over_the_persons_home(world, viewer, level):
    assert policy.id_mask_for(getattr(world, viewer), world.resident) is level


# --- pages and API never show another person's full numbers ----------------------------------


def _staff_urls(world) -> list[str]:
    return [
        reverse("people:directory"),
        reverse("people:person", args=[world.resident.pk]),
        reverse("people:place", args=[world.building.pk]),
        reverse("people:join-requests"),
        reverse("home"),
        "/api/people",
        f"/api/people/{world.resident.pk}",
        "/api/roles",
    ]


@pytest.mark.parametrize(
    ("viewer", "id_shown"),
    [
        ("community_staff", ID_STAFF),
        ("building_leader", ID_LEADER),
        ("property_staff", "*" * 18),
        ("admin", ID_STAFF),
        ("neighbour", None),  # not staff: the pages answer 404
    ],
)
def test_pages_and_api_show_other_peoples_numbers_masked(client, with_id, viewer, id_shown):
    world = with_id
    actions.request_to_join(person=world.outsider, unit=world.unit, relation=HouseholdMember.Relation.TENANT)
    client.force_login(getattr(world, viewer))
    bodies = []
    for url in _staff_urls(world):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        bodies.append(response.content.decode())
    everything = "\n".join(bodies)
    assert ID_NUMBER not in everything
    for other in (world.resident, world.outsider, world.building_leader, world.neighbour):
        if other.pk != getattr(world, viewer).pk:
            assert other.mobile not in everything
    person_page = bodies[1]
    if id_shown is None:
        assert "13800000001" not in person_page
    else:
        assert RESIDENT_MASKED in person_page
        assert id_shown in person_page


def test_the_person_sees_their_own_numbers_in_full(client, with_id):
    client.force_login(with_id.resident)
    body = client.get(reverse("people:person", args=[with_id.resident.pk])).content.decode()
    assert ID_NUMBER in body
    assert RESIDENT_MOBILE in client.get(reverse("people:my-data")).content.decode()
    assert client.get("/api/me").json()["mobile"] == RESIDENT_MOBILE


def test_api_person_detail_masks_by_role(client, with_id):
    client.force_login(with_id.community_staff)
    data = client.get(f"/api/people/{with_id.resident.pk}").json()
    assert data["mobile_masked"] == RESIDENT_MASKED
    assert data["id_number_masked"] == ID_STAFF
    assert "mobile" not in data
    client.force_login(with_id.building_leader)
    assert client.get(f"/api/people/{with_id.resident.pk}").json()["id_number_masked"] == ID_LEADER


# --- reveal: a reason, an audit row, and only for the roles allowed -------------------------


def _reveals(world, field: str):
    return AuditEntry.objects.filter(action=f"reveal.{field}", subject_id=world.resident.pk)


def test_community_staff_reveal_a_full_id_number_with_a_reason_and_it_is_audited(client, with_id):
    world = with_id
    client.force_login(world.community_staff)
    response = client.post(reverse("people:reveal", args=[world.resident.pk]), {"field": "id_number", "reason": "办理低保"})
    assert response.status_code == 200
    assert ID_NUMBER in response.content.decode()
    entry = _reveals(world, "id_number").get()
    assert entry.actor == world.community_staff
    assert entry.detail["reason"] == "办理低保"


def test_building_leader_reveals_a_full_mobile_number_and_it_is_audited(client, world):
    client.force_login(world.building_leader)
    response = client.post(reverse("people:reveal", args=[world.resident.pk]), {"field": "mobile", "reason": "漏水通知"})
    assert response.status_code == 200
    assert RESIDENT_MOBILE in response.content.decode()
    assert _reveals(world, "mobile").get().actor == world.building_leader


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reveal_without_a_reason_shows_nothing_and_records_nothing(client, with_id, reason):
    client.force_login(with_id.community_staff)
    response = client.post(reverse("people:reveal", args=[with_id.resident.pk]), {"field": "id_number", "reason": reason})
    assert response.status_code == 302
    assert ID_NUMBER not in client.get(response["Location"]).content.decode()
    assert not AuditEntry.objects.filter(action__startswith="reveal.").exists()


def test_the_reveal_action_itself_demands_a_reason(with_id):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        actions.reveal(actor=with_id.community_staff, person=with_id.resident, field="mobile", reason="  ")


@pytest.mark.parametrize(
    ("viewer", "field"),
    [
        ("building_leader", "id_number"),  # leaders see 1+1, never the full ID
        ("property_staff", "id_number"),
        ("admin", "mobile"),  # oversees figures, does not phone residents
        ("admin", "id_number"),
        ("other_staff", "mobile"),  # outside their community
        ("neighbour", "mobile"),
        ("volunteer", "mobile"),
    ],
)
def test_reveal_is_refused_with_404_for_roles_not_allowed(client, with_id, viewer, field):
    client.force_login(getattr(with_id, viewer))
    response = client.post(reverse("people:reveal", args=[with_id.resident.pk]), {"field": field, "reason": "想看看"})
    assert response.status_code == 404
    assert ID_NUMBER not in response.content.decode()
    assert RESIDENT_MOBILE not in response.content.decode()
    assert not AuditEntry.objects.filter(action__startswith="reveal.").exists()


def test_reveal_only_accepts_post(client, with_id):
    client.force_login(with_id.community_staff)
    assert client.get(reverse("people:reveal", args=[with_id.resident.pk])).status_code == 405


def test_the_reveal_form_is_offered_only_to_roles_that_may_reveal(client, with_id):
    url = reverse("people:person", args=[with_id.resident.pk])
    reveal_url = reverse("people:reveal", args=[with_id.resident.pk])
    client.force_login(with_id.community_staff)
    assert 'value="id_number"' in client.get(url).content.decode()
    client.force_login(with_id.building_leader)
    body = client.get(url).content.decode()
    assert 'value="mobile"' in body
    assert 'value="id_number"' not in body
    client.force_login(with_id.admin)
    assert reveal_url not in client.get(url).content.decode()


# --- the call-leader button -------------------------------------------------------------------


def _leader_assignment(world):
    return world.building_leader.roles.get(role=Role.BUILDING_LEADER)


def test_the_call_button_dials_the_leader_and_is_audited(client, world):
    client.force_login(world.resident)
    home = client.get(reverse("home")).content.decode()
    url = reverse("people:call-leader", args=[_leader_assignment(world).pk])
    assert url in home
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "tel:+8613900000001"
    entry = AuditEntry.objects.get(action="reveal.leader_call")
    assert entry.actor == world.resident
    assert entry.subject_id == world.building_leader.pk


@pytest.mark.parametrize("caller", ["outsider", "b2_resident", "volunteer", "other_staff"])
def test_the_call_button_refuses_people_the_leader_does_not_serve(client, world, caller):
    client.force_login(getattr(world, caller))
    response = client.get(reverse("people:call-leader", args=[_leader_assignment(world).pk]))
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="reveal.leader_call").exists()


def test_staff_who_may_phone_residents_over_the_building_may_call_its_leader(client, world):
    client.force_login(world.community_staff)
    response = client.get(reverse("people:call-leader", args=[_leader_assignment(world).pk]))
    assert response["Location"] == "tel:+8613900000001"
    assert AuditEntry.objects.get(action="reveal.leader_call").actor == world.community_staff


def test_a_resident_waiting_for_approval_cannot_call_the_leader_yet(client, world):
    newcomer = actions.register_resident(name="新住户", mobile="13500000001", password="a-long-password-1")
    actions.request_to_join(person=newcomer, unit=world.unit, relation=HouseholdMember.Relation.TENANT)
    client.force_login(newcomer)
    assert client.get(reverse("people:call-leader", args=[_leader_assignment(world).pk])).status_code == 404


def test_the_call_button_needs_a_sign_in(client, world):
    response = client.get(reverse("people:call-leader", args=[_leader_assignment(world).pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("people:login"))
