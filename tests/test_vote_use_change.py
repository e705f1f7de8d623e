"""Civil Code Art 279: a home becomes business premises only with the consent of every interested owner
(SPC interpretation Arts 10–11): every other owner in the same building is asked, an owner elsewhere
who shows an adverse effect can be added by a manager, one refusal refuses, majority consent is no
defence."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import Notification, OutboxMessage
from people.models import Ownership
from places.models import Unit
from tests.conftest import make_person
from votes import actions
from votes.models import UseChange, UseChangeConsent

CONSENT = UseChangeConsent.Answer.CONSENT
REFUSE = UseChangeConsent.Answer.REFUSE


@pytest.fixture
def building(world):
    """Building 1: 101 (the resident, who asks), 102 (钱太太 and 钱先生), 103 (孙业主, bought and occupied,
    not registered yet). Building 2: 201 (赵二栋)."""
    world.wife = make_person("钱太太", "13800000011")
    world.husband = make_person("钱先生", "13800000012")
    world.sun = make_person("孙业主", "13800000013")
    Ownership.objects.create(unit=world.unit2, person=world.wife, share=Decimal("0.5"))
    Ownership.objects.create(unit=world.unit2, person=world.husband, share=Decimal("0.5"))
    world.unit3 = Unit.objects.create(building=world.building, label="103", area=Decimal("70.00"), area_source="register")
    Ownership.objects.create(unit=world.unit3, person=world.sun, status=Ownership.Status.OCCUPIED_UNREGISTERED)
    Ownership.objects.create(unit=world.unit_b2, person=world.b2_resident)
    return world


def ask(w) -> UseChange:
    return actions.request_use_change(unit=w.unit, by=w.resident, purpose="开设社区托管班")


def consents(request) -> dict[int, tuple[str, str]]:
    return {c.person_id: (c.basis, c.answer) for c in UseChangeConsent.objects.filter(request=request)}


def status(request) -> str:
    return UseChange.objects.get(pk=request.pk).status


def test_every_other_owner_in_the_building_is_asked(building):
    w = building
    request = ask(w)
    assert (request.status, request.applicant_id, request.unit_id, request.path) == (
        UseChange.Status.COLLECTING,
        w.resident.pk,
        w.unit.pk,
        w.unit.path,
    )
    assert consents(request) == {
        w.wife.pk: ("same_building", ""),
        w.husband.pk: ("same_building", ""),
        w.sun.pk: ("same_building", ""),
    }
    # not the applicant, not the owner in building 2, not the tenant or the building leader living in 102
    for person in (w.resident, w.b2_resident, w.neighbour, w.building_leader):
        assert person.pk not in consents(request)
    # each interested owner is told in the app and by text
    link = f"/votes/use-changes/{request.pk}/"
    assert set(Notification.objects.filter(link=link).values_list("recipient_id", flat=True)) == {
        w.wife.pk,
        w.husband.pk,
        w.sun.pk,
    }
    texts = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS, body__contains="开设社区托管班")
    assert sorted(texts.values_list("address", flat=True)) == sorted([w.wife.mobile, w.husband.mobile, w.sun.mobile])


def test_all_consent_approves(building):
    w = building
    request = ask(w)
    for person in (w.wife, w.husband):
        assert actions.answer_use_change(request, by=person, answer=CONSENT).status == UseChange.Status.COLLECTING
    done = actions.answer_use_change(request, by=w.sun, answer=CONSENT)
    assert done.status == UseChange.Status.APPROVED
    row = UseChange.objects.get(pk=request.pk)
    assert (row.status, row.version) == (UseChange.Status.APPROVED, 2)
    assert row.decided_at is not None
    assert set(consents(request).values()) == {("same_building", "consent")}
    with pytest.raises(ValidationError):  # nothing is answered after the decision
        actions.answer_use_change(request, by=w.sun, answer=REFUSE)
    assert status(request) == UseChange.Status.APPROVED


def test_one_refusal_refuses_and_a_majority_is_no_defence(building):
    w = building
    request = ask(w)
    actions.answer_use_change(request, by=w.wife, answer=CONSENT)
    actions.answer_use_change(request, by=w.sun, answer=CONSENT)
    assert status(request) == UseChange.Status.COLLECTING  # two of three is not enough
    done = actions.answer_use_change(request, by=w.husband, answer=REFUSE)
    assert done.status == UseChange.Status.REFUSED
    assert UseChange.objects.get(pk=request.pk).decided_at is not None
    with pytest.raises(ValidationError):
        actions.answer_use_change(request, by=w.husband, answer=CONSENT)
    assert status(request) == UseChange.Status.REFUSED


def test_a_refusal_first_refuses_at_once(building):
    w = building
    request = ask(w)
    assert actions.answer_use_change(request, by=w.sun, answer=REFUSE).status == UseChange.Status.REFUSED
    assert consents(request)[w.wife.pk] == ("same_building", "")


def test_an_owner_elsewhere_added_by_a_manager_must_consent_too(building):
    w = building
    request = ask(w)
    consent = actions.add_interested_owner(request, person=w.b2_resident, by=w.community_staff)
    assert (consent.person_id, consent.basis, consent.answer) == (w.b2_resident.pk, "affected", "")
    for person in (w.wife, w.husband, w.sun):
        actions.answer_use_change(request, by=person, answer=CONSENT)
    assert status(request) == UseChange.Status.COLLECTING  # the added owner has not answered
    assert actions.answer_use_change(request, by=w.b2_resident, answer=CONSENT).status == UseChange.Status.APPROVED


def test_an_added_owner_elsewhere_can_refuse(building):
    w = building
    request = ask(w)
    actions.add_interested_owner(request, person=w.b2_resident, by=w.admin)
    for person in (w.wife, w.husband, w.sun):
        actions.answer_use_change(request, by=person, answer=CONSENT)
    assert actions.answer_use_change(request, by=w.b2_resident, answer=REFUSE).status == UseChange.Status.REFUSED


def test_adding_an_owner_already_asked_changes_nothing(building):
    w = building
    request = ask(w)
    consent = actions.add_interested_owner(request, person=w.sun, by=w.community_staff)
    assert consent.basis == "same_building"
    assert len(consents(request)) == 3


def test_only_a_manager_adds_interested_owners_and_only_owners(building):
    w = building
    request = ask(w)
    for person in (w.resident, w.wife, w.property_staff, w.building_leader, w.other_staff, w.volunteer):
        with pytest.raises(PermissionDenied):
            actions.add_interested_owner(request, person=w.b2_resident, by=person)
    with pytest.raises(ValidationError):  # the tenant of 102 owns nothing
        actions.add_interested_owner(request, person=w.neighbour, by=w.community_staff)
    assert set(consents(request)) == {w.wife.pk, w.husband.pk, w.sun.pk}
    actions.answer_use_change(request, by=w.sun, answer=REFUSE)
    with pytest.raises(ValidationError):  # no longer collecting
        actions.add_interested_owner(request, person=w.b2_resident, by=w.community_staff)


def test_an_owner_in_another_compound_cannot_be_added(building):
    w = building
    Ownership.objects.create(unit=w.other_unit, person=w.outsider)  # 桂南小区, another compound
    request = ask(w)
    with pytest.raises(ValidationError):
        actions.add_interested_owner(request, person=w.outsider, by=w.admin)
    assert w.outsider.pk not in consents(request)


def test_an_owner_not_recorded_in_the_building_keeps_it_from_being_approved(world):
    # 101: the resident asks; 102: no owner recorded; 103: 孙业主
    sun = make_person("孙业主", "13800000013")
    unit3 = Unit.objects.create(building=world.building, label="103", area=Decimal("70.00"), area_source="register")
    Ownership.objects.create(unit=unit3, person=sun)
    request = actions.request_use_change(unit=world.unit, by=world.resident, purpose="开设社区托管班")
    actions.answer_use_change(request, by=sun, answer=CONSENT)
    assert status(request) != UseChange.Status.APPROVED


def test_non_owners_cannot_ask(building):
    w = building
    for person in (w.neighbour, w.building_leader, w.community_staff, w.outsider):
        with pytest.raises(PermissionDenied):
            actions.request_use_change(unit=w.unit, by=person, purpose="开店")
    with pytest.raises(PermissionDenied):  # an owner of another home cannot ask for this one
        actions.request_use_change(unit=w.unit, by=w.sun, purpose="开店")
    assert not UseChange.objects.exists()


@pytest.mark.parametrize("kind", [Unit.Kind.SHOP, Unit.Kind.PARKING, Unit.Kind.STORAGE])
def test_only_homes(building, kind):
    w = building
    unit = Unit.objects.create(building=w.building, label="X-1", kind=kind, area=Decimal("20.00"), area_source="register")
    Ownership.objects.create(unit=unit, person=w.resident)
    with pytest.raises(ValidationError):
        actions.request_use_change(unit=unit, by=w.resident, purpose="开店")
    assert not UseChange.objects.exists()


def test_a_purpose_is_needed_and_one_request_at_a_time(building):
    w = building
    with pytest.raises(ValidationError):
        actions.request_use_change(unit=w.unit, by=w.resident, purpose="   ")
    request = ask(w)
    with pytest.raises(ValidationError):
        ask(w)
    assert UseChange.objects.count() == 1
    actions.withdraw_use_change(request, by=w.resident)
    assert ask(w).status == UseChange.Status.COLLECTING  # a new request once the first is over


def test_withdrawal(building):
    w = building
    request = ask(w)
    with pytest.raises(PermissionDenied):
        actions.withdraw_use_change(request, by=w.wife)
    with pytest.raises(PermissionDenied):
        actions.withdraw_use_change(request, by=w.community_staff)
    assert status(request) == UseChange.Status.COLLECTING
    assert actions.withdraw_use_change(request, by=w.resident).status == UseChange.Status.WITHDRAWN
    row = UseChange.objects.get(pk=request.pk)
    assert (row.status, row.decided_at is not None) == (UseChange.Status.WITHDRAWN, True)
    with pytest.raises(ValidationError):
        actions.answer_use_change(request, by=w.wife, answer=CONSENT)
    with pytest.raises(ValidationError):
        actions.withdraw_use_change(request, by=w.resident)
    assert consents(request)[w.wife.pk] == ("same_building", "")


def test_a_decided_request_cannot_be_withdrawn(building):
    w = building
    request = ask(w)
    actions.answer_use_change(request, by=w.sun, answer=REFUSE)
    with pytest.raises(ValidationError):
        actions.withdraw_use_change(UseChange.objects.get(pk=request.pk), by=w.resident)
    assert status(request) == UseChange.Status.REFUSED


def test_a_person_not_asked_cannot_answer(building):
    w = building
    request = ask(w)
    for person in (w.resident, w.b2_resident, w.neighbour, w.community_staff, w.outsider):
        for answer in (CONSENT, REFUSE):
            with pytest.raises(PermissionDenied):
                actions.answer_use_change(request, by=person, answer=answer)
    assert status(request) == UseChange.Status.COLLECTING
    assert {a for _b, a in consents(request).values()} == {""}


def test_an_answer_must_be_consent_or_refusal(building):
    w = building
    request = ask(w)
    for answer in ("", "maybe", "yes"):
        with pytest.raises(ValidationError):
            actions.answer_use_change(request, by=w.wife, answer=answer)
    assert consents(request)[w.wife.pk] == ("same_building", "")


def test_an_owner_alone_in_the_building_needs_nobody_elses_consent(world):
    # building 1: 101 is the resident's, 102 has no owner recorded... so give 102 to the resident too
    Ownership.objects.create(unit=world.unit2, person=world.resident)
    request = actions.request_use_change(unit=world.unit, by=world.resident, purpose="工作室")
    assert request.status == UseChange.Status.APPROVED
    assert UseChangeConsent.objects.filter(request=request).count() == 0
