"""Personal data under PIPL: ID numbers encrypted at rest, consent with notice version and withdrawal,
care information only with separate consent and only for the caring roles, every staff read audited,
a person's data export and erasure."""

import json

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from core.models import AuditEntry
from people import actions, policy
from people.models import ConsentRecord, HouseholdMember, Membership, Organisation, Ownership, Person, Role, SensitiveTag
from tests.conftest import PASSWORD, grant, live_in, make_person

ID_NUMBER = "440605198001011231"
ID_WITH_X = "11010519491231002X"


def _raw_row(person: Person) -> str:
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [person.pk])  # noqa: S608 (table name from the model)
        return " ".join(str(v) for v in cursor.fetchone())


# --- ID numbers at rest -----------------------------------------------------------------------


def test_the_id_number_never_reaches_the_database_in_clear(world):
    world.resident.set_id_number(ID_NUMBER)
    world.resident.save()
    row = _raw_row(world.resident)
    assert ID_NUMBER not in row
    assert "19800101" not in row
    assert Person.objects.get(pk=world.resident.pk).id_number == ID_NUMBER


def test_the_same_id_number_cannot_belong_to_two_people(world):
    world.resident.set_id_number(ID_WITH_X)
    world.resident.save()
    world.neighbour.set_id_number(ID_WITH_X.lower())  # the same number, typed with a small x
    with pytest.raises(IntegrityError), transaction.atomic():
        world.neighbour.save()


def test_an_id_number_is_found_by_its_lookup_hash(world):
    from core import crypto

    world.resident.set_id_number(ID_NUMBER)
    world.resident.save()
    assert Person.objects.get(id_number_hash=crypto.lookup_hash(ID_NUMBER)) == world.resident


def test_an_id_number_with_a_wrong_check_digit_is_refused(world):
    with pytest.raises(ValidationError):
        world.resident.set_id_number("440605198001011232")


def test_clearing_the_id_number_removes_token_and_hash(world):
    world.resident.set_id_number(ID_NUMBER)
    world.resident.save()
    world.resident.set_id_number(None)
    world.resident.save()
    fresh = Person.objects.get(pk=world.resident.pk)
    assert (fresh.id_number_token, fresh.id_number_hash, fresh.id_number) == ("", None, "")


# --- consent ----------------------------------------------------------------------------------


def test_registration_records_consent_under_the_current_notice_version(db):
    person = actions.register_resident(name="新住户", mobile="13500000001", password="a-long-password-1")
    consent = ConsentRecord.objects.get(person=person)
    assert consent.purpose == ConsentRecord.Purpose.REGISTRY
    assert consent.notice_version == settings.PRIVACY_NOTICE_VERSION
    assert consent.channel == ConsentRecord.Channel.ONLINE
    assert consent.withdrawn_at is None
    assert AuditEntry.objects.filter(action="consent.granted", subject_id=person.pk).exists()


def test_a_new_notice_version_needs_a_new_consent_and_the_old_one_is_kept(world, settings):
    first = actions.record_consent(person=world.resident, purpose=ConsentRecord.Purpose.SMS)
    settings.PRIVACY_NOTICE_VERSION = "2027-01"
    second = actions.record_consent(person=world.resident, purpose=ConsentRecord.Purpose.SMS)
    first.refresh_from_db()
    assert first.withdrawn_at is not None
    assert second.notice_version == "2027-01"
    assert ConsentRecord.objects.filter(person=world.resident, purpose="sms").count() == 2


def test_a_resident_withdraws_and_grants_consent_on_the_my_data_page(client, world):
    client.force_login(world.resident)
    url = reverse("people:my-consent")
    assert client.post(url, {"purpose": "sms", "grant": "1"}).status_code == 302
    assert actions.has_consent(world.resident, "sms")
    assert client.post(url, {"purpose": "sms", "grant": "0"}).status_code == 302
    assert not actions.has_consent(world.resident, "sms")
    record = ConsentRecord.objects.get(person=world.resident, purpose="sms")
    assert record.withdrawn_at is not None  # history kept, not deleted
    assert AuditEntry.objects.filter(action="consent.withdrawn", subject_id=world.resident.pk).exists()
    body = client.get(reverse("people:my-data")).content.decode()
    assert settings.PRIVACY_NOTICE_VERSION in body


def test_the_consent_page_refuses_unknown_purposes_and_get(client, world):
    client.force_login(world.resident)
    assert client.post(reverse("people:my-consent"), {"purpose": "marketing", "grant": "1"}).status_code == 404
    assert client.get(reverse("people:my-consent")).status_code == 405


def test_withdrawing_sensitive_consent_deletes_the_tags_that_rested_on_it(world):
    actions.record_consent(person=world.resident, purpose=ConsentRecord.Purpose.SENSITIVE)
    by_consent = actions.add_sensitive_tag(
        actor=world.building_leader, person=world.resident, unit=world.unit, kind=SensitiveTag.Kind.HEALTH, note="糖尿病"
    )
    by_duty = actions.add_sensitive_tag(
        actor=world.community_staff,
        person=world.resident,
        unit=world.unit,
        kind=SensitiveTag.Kind.HARDSHIP,
        basis=SensitiveTag.Basis.STATUTORY,
    )
    actions.withdraw_consent(person=world.resident, purpose=ConsentRecord.Purpose.SENSITIVE)
    assert not SensitiveTag.objects.filter(pk=by_consent.pk).exists()
    assert SensitiveTag.objects.filter(pk=by_duty.pk).exists()  # a statutory duty does not rest on consent


# --- care information (sensitive tags) --------------------------------------------------------


def test_a_consent_based_tag_needs_the_persons_separate_consent(world):
    with pytest.raises(ValidationError):
        actions.add_sensitive_tag(
            actor=world.building_leader, person=world.resident, unit=world.unit, kind=SensitiveTag.Kind.ELDERLY_ALONE
        )
    assert not SensitiveTag.objects.exists()


def test_registry_consent_is_not_separate_consent_for_care_information(world):
    actions.record_consent(person=world.resident, purpose=ConsentRecord.Purpose.REGISTRY)
    with pytest.raises(ValidationError):
        actions.add_sensitive_tag(
            actor=world.building_leader, person=world.resident, unit=world.unit, kind=SensitiveTag.Kind.DISABILITY
        )


@pytest.mark.parametrize("actor", ["property_staff", "admin", "other_staff", "volunteer", "neighbour"])
def test_only_caring_roles_over_the_building_may_record_care_information(world, actor):
    actions.record_consent(person=world.resident, purpose=ConsentRecord.Purpose.SENSITIVE)
    with pytest.raises(PermissionDenied):
        actions.add_sensitive_tag(
            actor=getattr(world, actor), person=world.resident, unit=world.unit, kind=SensitiveTag.Kind.HEALTH
        )
    assert not SensitiveTag.objects.exists()


def test_a_leader_records_care_information_on_the_person_page(client, world):
    actions.record_consent(person=world.resident, purpose=ConsentRecord.Purpose.SENSITIVE)
    client.force_login(world.building_leader)
    response = client.post(
        reverse("people:add-tag", args=[world.resident.pk]),
        {
            "unit": world.unit.pk,
            "kind": SensitiveTag.Kind.ELDERLY_ALONE,
            "basis": SensitiveTag.Basis.CONSENT,
            "note": "子女在外地",
        },
    )
    assert response.status_code == 302
    tag = SensitiveTag.objects.get()
    assert (tag.created_by, tag.path) == (world.building_leader, world.building.path)
    assert AuditEntry.objects.filter(action="sensitive_tag.saved", actor=world.building_leader).exists()


def test_the_tag_page_refuses_a_tag_without_consent_with_a_message(client, world):
    client.force_login(world.building_leader)
    response = client.post(
        reverse("people:add-tag", args=[world.resident.pk]),
        {"unit": world.unit.pk, "kind": SensitiveTag.Kind.HEALTH, "basis": SensitiveTag.Basis.CONSENT},
        follow=True,
    )
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert not SensitiveTag.objects.exists()


def test_the_tag_page_answers_404_to_roles_that_do_not_care_for_the_building(client, world):
    actions.record_consent(person=world.resident, purpose=ConsentRecord.Purpose.SENSITIVE)
    client.force_login(world.property_staff)  # sees the person, does not care for the household
    response = client.post(
        reverse("people:add-tag", args=[world.resident.pk]),
        {"unit": world.unit.pk, "kind": SensitiveTag.Kind.HEALTH, "basis": SensitiveTag.Basis.CONSENT},
    )
    assert response.status_code == 404
    assert not SensitiveTag.objects.exists()
    assert client.get(reverse("people:add-tag", args=[world.resident.pk])).status_code == 405


@pytest.fixture
def tagged(world):
    actions.record_consent(person=world.resident, purpose=ConsentRecord.Purpose.SENSITIVE)
    world.tag = actions.add_sensitive_tag(
        actor=world.community_staff,
        person=world.resident,
        unit=world.unit,
        kind=SensitiveTag.Kind.ELDERLY_ALONE,
        note="独居老人-每周探访",
    )
    return world


@pytest.mark.parametrize("viewer", ["building_leader", "community_staff"])
def test_caring_roles_see_care_information_and_the_view_is_audited(client, tagged, viewer):
    actor = getattr(tagged, viewer)
    client.force_login(actor)
    body = client.get(reverse("people:person", args=[tagged.resident.pk])).content.decode()
    assert "独居老人-每周探访" in body
    entry = AuditEntry.objects.get(action="read.sensitive_tags", actor=actor)
    assert entry.subject_id == tagged.resident.pk
    assert entry.detail["tags"] == [tagged.tag.pk]


@pytest.mark.parametrize("viewer", ["property_staff", "admin"])
def test_other_staff_who_see_the_person_do_not_see_care_information(client, tagged, viewer):
    client.force_login(getattr(tagged, viewer))
    response = client.get(reverse("people:person", args=[tagged.resident.pk]))
    assert response.status_code == 200
    assert "独居老人-每周探访" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="read.sensitive_tags").exists()
    assert AuditEntry.objects.filter(action="read.person", actor=getattr(tagged, viewer)).exists()


def test_a_leader_of_another_building_does_not_see_care_information(client, tagged):
    other_leader = make_person("二栋楼长", "13900000011")
    live_in(other_leader, tagged.unit_b2)
    grant(other_leader, Role.BUILDING_LEADER, tagged.building2)
    assert not policy.sensitive_tags_for(other_leader).exists()
    client.force_login(other_leader)
    assert client.get(reverse("people:person", args=[tagged.resident.pk])).status_code == 404


# --- staff reads are audited ------------------------------------------------------------------


def test_the_directory_audits_exactly_the_people_it_shows(client, world):
    client.force_login(world.community_staff)
    response = client.get(reverse("people:directory"))
    shown = {p.pk for p in response.context["people"]}
    assert shown == set(policy.people_for(world.community_staff).values_list("pk", flat=True))
    audited = AuditEntry.objects.filter(action="read.directory", actor=world.community_staff)
    assert sorted(audited.values_list("subject_id", flat=True)) == sorted(shown)


def test_each_directory_page_audits_only_its_own_rows(client, world):
    for i in range(25):
        live_in(make_person(f"住户{i:02d}", None), world.unit_b2, HouseholdMember.Relation.FAMILY)
    client.force_login(world.community_staff)
    first = {p.pk for p in client.get(reverse("people:directory")).context["people"]}
    assert len(first) == 20
    assert set(AuditEntry.objects.filter(action="read.directory").values_list("subject_id", flat=True)) == first
    second = {p.pk for p in client.get(reverse("people:directory") + "?page=2").context["people"]}
    assert first.isdisjoint(second)
    assert AuditEntry.objects.filter(action="read.directory").count() == len(first) + len(second)


def test_a_search_audits_only_the_matches(client, world):
    client.force_login(world.community_staff)
    client.get(reverse("people:directory"), {"q": "ljm"})  # 李居民 by initials
    assert list(AuditEntry.objects.filter(action="read.directory").values_list("subject_id", flat=True)) == [world.resident.pk]


def test_staff_search_by_at_most_the_last_four_digits(client, world):
    """A longer digit search would confirm a full mobile number without the audited reveal."""
    client.force_login(world.admin)  # sees the directory, may not reveal numbers
    assert [p.pk for p in client.get(reverse("people:directory"), {"q": "0002"}).context["people"]] == [world.neighbour.pk]
    assert list(client.get(reverse("people:directory"), {"q": "13800000002"}).context["people"]) == []
    assert list(client.get(reverse("people:directory"), {"q": "800000002"}).context["people"]) == []


def test_the_api_directory_audits_the_people_it_returns(client, world):
    client.force_login(world.building_leader)
    items = client.get("/api/people").json()["items"]
    assert sorted(AuditEntry.objects.filter(action="read.api.people").values_list("subject_id", flat=True)) == sorted(
        i["id"] for i in items
    )


def test_opening_a_person_page_is_audited(client, world):
    client.force_login(world.building_leader)
    client.get(reverse("people:person", args=[world.resident.pk]))
    entry = AuditEntry.objects.get(action="read.person")
    assert (entry.actor, entry.subject_id) == (world.building_leader, world.resident.pk)


# --- access and copy (PIPL Art 45) ------------------------------------------------------------


def test_the_data_export_holds_the_persons_data_and_who_looked_at_it(client, world):
    world.resident.set_id_number(ID_NUMBER)
    world.resident.save()
    actions.record_consent(person=world.resident, purpose=ConsentRecord.Purpose.SMS)
    org = Organisation.objects.create(kind=Organisation.Kind.CULTURAL, name="灯湖粤剧社", place=world.community)
    Membership.objects.create(organisation=org, person=world.resident)
    client.force_login(world.community_staff)
    client.get(reverse("people:person", args=[world.resident.pk]))

    client.force_login(world.resident)
    response = client.get(reverse("people:my-data-export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["person"]["name"] == "李居民"
    assert data["person"]["mobile"] == "13800000001"
    assert data["person"]["id_number"] == ID_NUMBER
    assert data["households"][0]["unit__label"] == "101"
    assert data["ownerships"][0]["unit__label"] == "101"
    assert {c["purpose"] for c in data["consents"]} == {"sms"}
    assert data["memberships"][0]["organisation__name"] == "灯湖粤剧社"
    looked = [(e["action"], e["actor__name"]) for e in data["access_log"]]
    assert ("read.person", "刘社工") in looked
    assert all(name != "李居民" for _action, name in looked)  # the log lists others, not oneself
    assert AuditEntry.objects.filter(action="personal_data.exported", subject_id=world.resident.pk).exists()


def test_the_data_export_needs_a_sign_in(client, world):
    assert client.get(reverse("people:my-data-export")).status_code == 302


# --- erasure (PIPL Art 47) --------------------------------------------------------------------


def test_erasure_anonymises_the_person_and_keeps_only_what_the_law_needs(client, world):
    person = world.resident
    person.set_id_number(ID_NUMBER)
    person.save()
    actions.record_consent(person=person, purpose=ConsentRecord.Purpose.SENSITIVE)
    actions.add_sensitive_tag(actor=world.building_leader, person=person, unit=world.unit, kind=SensitiveTag.Kind.HEALTH)
    org = Organisation.objects.create(kind=Organisation.Kind.CULTURAL, name="灯湖粤剧社", place=world.community)
    Membership.objects.create(organisation=org, person=person)
    actions.create_api_token(person=person, name="phone")

    client.force_login(person)
    response = client.post(reverse("people:my-data-erase"), {"confirm": "李居民"})
    assert response.status_code == 302

    person.refresh_from_db()
    assert person.name == actions.ANONYMISED_NAME
    assert person.mobile is None
    assert (person.id_number, person.id_number_hash) == ("", None)
    assert person.birth_year is None
    assert person.anonymised_at is not None
    assert not person.is_active
    assert not person.has_usable_password()
    assert "李居民" not in _raw_row(person)
    assert "lijumin" not in _raw_row(person)  # nor its pinyin
    assert not HouseholdMember.objects.filter(person=person).exists()
    assert not Membership.objects.filter(person=person).exists()
    assert not SensitiveTag.objects.filter(person=person).exists()
    assert not person.api_tokens.exists()
    assert Ownership.objects.filter(person=person, unit=world.unit).exists()  # owners' decisions need it
    assert not ConsentRecord.objects.filter(person=person, withdrawn_at__isnull=True).exists()
    assert ConsentRecord.objects.filter(person=person).exists()  # the history stays
    assert AuditEntry.objects.filter(action="person.erased", subject_id=person.pk).exists()

    # signed out, cannot sign in again, gone from the directory
    assert "_auth_user_id" not in client.session
    assert authenticate(RequestFactory().post("/"), username="13800000001", password=PASSWORD) is None
    client.post(reverse("people:login"), {"mobile": "13800000001", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert not policy.people_for(world.community_staff).filter(pk=person.pk).exists()
    # the number is free for a new account
    actions.register_resident(name="新李", mobile="13800000001", password="a-long-password-1")


def test_erasure_needs_the_name_typed_exactly(client, world):
    client.force_login(world.resident)
    response = client.post(reverse("people:my-data-erase"), {"confirm": "李"})
    assert response.status_code == 302
    world.resident.refresh_from_db()
    assert world.resident.name == "李居民"
    assert world.resident.is_active
    assert HouseholdMember.objects.filter(person=world.resident).exists()


def test_the_erasure_page_asks_before_it_deletes(client, world):
    client.force_login(world.resident)
    assert client.get(reverse("people:my-data-erase")).status_code == 200
    assert client.put(reverse("people:my-data-erase")).status_code == 405
    world.resident.refresh_from_db()
    assert world.resident.is_active
