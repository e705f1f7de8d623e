"""Residency: a resident scans a building's QR code, asks to join a unit, and the building's leader (or
community staff) approves or rejects. Until then the resident has no household rights."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import translation

from core import audit
from core.models import AuditEntry
from core.sms import MemoryBackend
from people import actions, policy
from people.models import HouseholdMember, JoinRequest, Person, Role
from tests.conftest import grant, make_person
from tests.locks import wait_for_a_blocked_writer

NEWCOMER_MOBILE = "13500000001"


@pytest.fixture
def newcomer(world) -> Person:
    return actions.register_resident(name="新住户", mobile=NEWCOMER_MOBILE, password="a-long-password-1")


@pytest.fixture
def pending(world, newcomer) -> JoinRequest:
    return actions.request_to_join(person=newcomer, unit=world.unit, relation=HouseholdMember.Relation.TENANT)


def _decide(client, jr: JoinRequest, capture, **data):
    with capture(execute=True):  # the resident's SMS goes out on commit
        return client.post(reverse("people:join-decide", args=[jr.pk]), data, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the building's QR code and join page -----------------------------------------------------


def test_staff_get_an_svg_qr_code_for_a_building(client, world):
    client.force_login(world.building_leader)
    response = client.get(reverse("people:building-qr", args=[world.building.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert body.startswith("<?xml")
    assert "<svg" in body
    page = client.get(reverse("people:place", args=[world.building.pk])).content.decode()
    assert reverse("people:join", args=[world.building.join_code]) in page


@pytest.mark.parametrize(
    ("persona", "place"), [("resident", "building"), ("outsider", "building"), ("community_staff", "compound")]
)
def test_no_qr_code_for_people_outside_the_building_or_for_places_that_are_not_buildings(client, world, persona, place):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("people:building-qr", args=[getattr(world, place).pk])).status_code == 404


def test_the_join_page_asks_an_anonymous_visitor_to_sign_in_first(client, world):
    url = reverse("people:join", args=[world.building.join_code])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"] is None
    body = response.content.decode()
    assert f"{reverse('people:login')}?next={url}" in body
    assert f"{reverse('people:register')}?next={url}" in body
    assert client.post(url, {"unit": world.unit.pk, "relation": "tenant"}).status_code == 200
    assert not JoinRequest.objects.exists()


def test_the_join_code_is_found_whatever_its_case_and_unknown_codes_are_404(client, world, newcomer):
    client.force_login(newcomer)
    response = client.get(reverse("people:join", args=[world.building.join_code.lower()]))
    assert response.status_code == 200
    assert [u.label for u in response.context["form"].fields["unit"].queryset] == ["101", "102"]
    assert client.get(reverse("people:join", args=["NOSUCH99"])).status_code == 404
    assert client.put(reverse("people:join", args=[world.building.join_code])).status_code == 405


# --- asking to join ---------------------------------------------------------------------------


def test_a_request_is_pending_and_gives_no_household_rights(client, world, newcomer):
    client.force_login(newcomer)
    response = client.post(
        reverse("people:join", args=[world.building.join_code]), {"unit": world.unit.pk, "relation": "tenant", "message": "租客"}
    )
    assert response.status_code == 302
    jr = JoinRequest.objects.get()
    assert (jr.person, jr.unit, jr.status, jr.path) == (newcomer, world.unit, JoinRequest.Status.PENDING, world.building.path)

    home = client.get(reverse("home")).content.decode()
    assert "陈楼长" not in home  # no leader before approval
    assert "139****0001" not in home
    assert policy.person_paths(newcomer) == []
    assert not policy.people_for(world.building_leader).filter(pk=newcomer.pk).exists()
    leader_call = world.building_leader.roles.get(role=Role.BUILDING_LEADER)
    assert client.get(reverse("people:call-leader", args=[leader_call.pk])).status_code == 404


def test_a_unit_of_another_building_cannot_be_chosen(client, world, newcomer):
    client.force_login(newcomer)
    response = client.post(
        reverse("people:join", args=[world.building.join_code]), {"unit": world.unit_b2.pk, "relation": "tenant"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert not JoinRequest.objects.exists()


def test_a_second_pending_request_for_the_same_unit_is_refused_with_a_message(client, world, newcomer, pending):
    client.force_login(newcomer)
    response = client.post(
        reverse("people:join", args=[world.building.join_code]),
        {"unit": world.unit.pk, "relation": "tenant"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "already asked to join this unit" in response.content.decode()
    assert JoinRequest.objects.count() == 1


def test_a_member_cannot_ask_to_join_their_own_household(world):
    with pytest.raises(ValidationError):
        actions.request_to_join(person=world.resident, unit=world.unit, relation=HouseholdMember.Relation.OWNER)


def test_a_request_with_an_unknown_relation_is_refused(world, newcomer):
    with pytest.raises(ValidationError):
        actions.request_to_join(person=newcomer, unit=world.unit, relation="landlord")


def test_the_resident_may_withdraw_a_pending_request(client, world, newcomer, pending):
    url = reverse("people:join-withdraw", args=[pending.pk])
    client.force_login(world.resident)
    assert client.post(url).status_code == 404  # not theirs
    client.force_login(newcomer)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    pending.refresh_from_db()
    assert pending.status == JoinRequest.Status.WITHDRAWN
    # and may then ask again
    actions.request_to_join(person=newcomer, unit=world.unit, relation=HouseholdMember.Relation.TENANT)


# --- deciding ---------------------------------------------------------------------------------


def test_the_leader_sees_pending_requests_of_their_building(client, world, pending):
    client.force_login(world.building_leader)
    body = client.get(reverse("people:join-requests")).content.decode()
    assert "新住户" in body
    assert "135****0001" in body
    assert NEWCOMER_MOBILE not in body


def test_the_building_leader_approves_and_the_resident_then_sees_their_leader(
    client, world, newcomer, pending, django_capture_on_commit_callbacks
):
    client.force_login(world.building_leader)
    response = _decide(client, pending, django_capture_on_commit_callbacks, decision="approve")
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == JoinRequest.Status.APPROVED
    assert pending.decided_by == world.building_leader
    member = HouseholdMember.objects.get(person=newcomer)
    assert (member.unit, member.relation, member.path) == (world.unit, "tenant", world.building.path)
    assert [to for to, _text in MemoryBackend.outbox] == [NEWCOMER_MOBILE]
    assert AuditEntry.objects.filter(action="join_request.approved", actor=world.building_leader).exists()

    client.force_login(newcomer)
    home = client.get(reverse("home")).content.decode()
    assert "陈楼长" in home
    assert "139****0001" in home


def test_community_staff_may_approve_too(client, world, newcomer, pending, django_capture_on_commit_callbacks):
    client.force_login(world.community_staff)
    _decide(client, pending, django_capture_on_commit_callbacks, decision="approve")
    assert HouseholdMember.objects.filter(person=newcomer, unit=world.unit).exists()


def test_a_rejection_needs_a_reason(client, world, newcomer, pending, django_capture_on_commit_callbacks):
    client.force_login(world.building_leader)
    response = _decide(client, pending, django_capture_on_commit_callbacks, decision="reject", reason="  ")
    assert _messages(response)
    pending.refresh_from_db()
    assert pending.status == JoinRequest.Status.PENDING
    assert MemoryBackend.outbox == []

    _decide(client, pending, django_capture_on_commit_callbacks, decision="reject", reason="该户无此租客")
    pending.refresh_from_db()
    assert (pending.status, pending.reason) == (JoinRequest.Status.REJECTED, "该户无此租客")
    assert not HouseholdMember.objects.filter(person=newcomer).exists()
    [(to, text)] = MemoryBackend.outbox
    assert to == NEWCOMER_MOBILE
    assert "该户无此租客" in text


def test_the_reject_action_itself_demands_a_reason(world, pending):
    with pytest.raises(ValidationError):
        actions.decide_join_request(actor=world.building_leader, request=pending, approve=False, reason="")


@pytest.mark.parametrize("decider", ["other_leader", "other_staff", "property_staff", "admin", "newcomer", "resident"])
def test_people_who_do_not_decide_for_the_building_get_404(client, world, newcomer, pending, decider):
    if decider == "other_leader":
        actor = make_person("二栋楼长", "13900000011")
        grant(actor, Role.BUILDING_LEADER, world.building2)
    elif decider == "newcomer":
        actor = newcomer  # cannot approve their own request
    else:
        actor = getattr(world, decider)
    client.force_login(actor)
    response = client.post(reverse("people:join-decide", args=[pending.pk]), {"decision": "approve"})
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == JoinRequest.Status.PENDING
    assert not HouseholdMember.objects.filter(person=newcomer).exists()


def test_the_request_list_is_404_for_roles_that_do_not_decide(client, world):
    client.force_login(world.property_staff)
    assert client.get(reverse("people:join-requests")).status_code == 404


def test_deciding_needs_post(client, world, pending):
    client.force_login(world.building_leader)
    assert client.get(reverse("people:join-decide", args=[pending.pk])).status_code == 405


def test_the_second_decider_is_told_it_was_already_decided_and_nothing_changes(
    client, world, newcomer, pending, django_capture_on_commit_callbacks
):
    client.force_login(world.building_leader)
    _decide(client, pending, django_capture_on_commit_callbacks, decision="approve")
    client.force_login(world.community_staff)
    response = client.post(
        reverse("people:join-decide", args=[pending.pk]),
        {"decision": "reject", "reason": "重复"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "already been decided" in " ".join(_messages(response))
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (JoinRequest.Status.APPROVED, world.building_leader)
    assert HouseholdMember.objects.filter(person=newcomer).count() == 1


# --- two deciders at the same moment (PostgreSQL, real threads) --------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deciders_at_once_one_wins_and_the_other_is_told(world, newcomer, pending, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite serialises writers")

    # The winner holds its transaction open (just before its audit row) until the other decider's
    # UPDATE is seen waiting on the row lock, so the two decisions truly overlap.
    overlapped = []
    real_record = audit.record
    first_call = threading.Lock()

    def record_after_overlap(**kwargs):
        if kwargs["action"].startswith("join_request.") and first_call.acquire(blocking=False):
            overlapped.append(wait_for_a_blocked_writer())
        return real_record(**kwargs)

    monkeypatch.setattr(audit, "record", record_after_overlap)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(name: str, actor_pk: int) -> None:
        try:
            actor = Person.objects.get(pk=actor_pk)
            jr = JoinRequest.objects.get(pk=pending.pk)
            start.wait(timeout=10)
            with translation.override("en"):
                actions.decide_join_request(actor=actor, request=jr, approve=True)
            outcomes[name] = "approved"
        except ValidationError as exc:
            outcomes[name] = " ".join(exc.messages)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("leader", world.building_leader.pk)),
        threading.Thread(target=decide, args=("staff", world.community_staff.pk)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert overlapped == [True]
    assert len(outcomes) == 2
    winners = [name for name, outcome in outcomes.items() if outcome == "approved"]
    losers = [outcome for outcome in outcomes.values() if outcome != "approved"]
    assert len(winners) == 1
    assert "already been decided" in losers[0]
    assert HouseholdMember.objects.filter(person=newcomer, unit=world.unit).count() == 1
    assert AuditEntry.objects.filter(action="join_request.approved").count() == 1
    deciders = {"leader": world.building_leader.pk, "staff": world.community_staff.pk}
    assert JoinRequest.objects.get(pk=pending.pk).decided_by_id == deciders[winners[0]]
