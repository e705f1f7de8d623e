"""Consultation topics: raising, endorsing by household, the community's threshold, who sees and who
decides, and topics raised from problem reports."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from cases import actions as case_actions
from cases.models import Category, Rating
from core.models import AuditEntry, Notification
from deliberation import access, actions
from deliberation.actions import Invitee
from deliberation.models import (
    DEFAULT_THRESHOLD_HOUSEHOLDS,
    DeliberationSettings,
    Endorsement,
    Format,
    Source,
    Stakeholder,
    Status,
    Topic,
    TopicParticipant,
)
from people.models import HouseholdMember, Organisation, Person


def propose(world, person=None, **extra) -> Topic:
    return actions.raise_topic(
        proposer=person or world.resident,
        community=world.community,
        title="加装电梯",
        description="1栋想加装电梯，大家怎么看？",
        source=Source.RESIDENT,
        **extra,
    )


def take_up(world, topic: Topic, **extra) -> Topic:
    return actions.decide_topic(
        actor=world.community_staff,
        topic=topic,
        take_up=True,
        participants=[Invitee(role=Stakeholder.RESIDENT, person=world.resident)],
        format=Format.COMPOUND,
        version=topic.version,
        **extra,
    )


# --- raising and endorsing -------------------------------------------------------------------


def test_a_residents_proposal_counts_as_their_own_endorsement(world):
    topic = propose(world)

    assert topic.status == Status.COLLECTING
    assert topic.path == world.community.path
    assert topic.endorsed_households == 1
    assert list(Endorsement.objects.filter(topic=topic).values_list("person_id", "unit_id")) == [
        (world.resident.pk, world.unit.pk)
    ]
    assert [(s.from_status, s.to_status) for s in topic.steps.all()] == [("", Status.COLLECTING)]
    assert AuditEntry.objects.filter(action="topic.raised", object_id=str(topic.pk)).exists()


def test_the_proposer_cannot_endorse_twice(world):
    topic = propose(world)

    with pytest.raises(ValidationError):
        actions.endorse_topic(person=world.resident, topic=topic)

    assert Endorsement.objects.filter(topic=topic).count() == 1


def test_two_people_of_one_household_count_once(world):
    topic = propose(world)

    actions.endorse_topic(person=world.neighbour, topic=topic)
    actions.endorse_topic(person=world.building_leader, topic=topic)  # lives in the same unit (102)

    topic.refresh_from_db()
    assert Endorsement.objects.filter(topic=topic).count() == 3
    assert topic.endorsed_households == 2


def test_an_outsider_cannot_raise_or_endorse_in_another_community(world):
    topic = propose(world)

    with pytest.raises(PermissionDenied):
        actions.endorse_topic(person=world.outsider, topic=topic)
    with pytest.raises(PermissionDenied):
        propose(world, person=world.outsider)
    assert not Endorsement.objects.filter(person=world.outsider).exists()


def test_an_owner_living_elsewhere_endorses_for_the_unit_they_own(world):
    from people.models import Ownership

    Ownership.objects.create(unit=world.unit_b2, person=world.outsider)
    topic = propose(world)

    actions.endorse_topic(person=world.outsider, topic=topic)

    assert Endorsement.objects.get(topic=topic, person=world.outsider).unit_id == world.unit_b2.pk


def test_endorsing_stops_once_the_topic_is_decided(world):
    topic = take_up(world, propose(world))

    with pytest.raises(ValidationError):
        actions.endorse_topic(person=world.neighbour, topic=topic)


def test_staff_cannot_raise_a_residents_proposal_without_living_there(world):
    with pytest.raises(PermissionDenied):
        propose(world, person=world.community_staff)

    topic = actions.raise_topic(
        proposer=world.community_staff, community=world.community, title="垃圾分类", description="试点", source=Source.STAFF
    )
    assert topic.endorsed_households == 0


def test_residents_cannot_raise_staff_topics(world):
    with pytest.raises(PermissionDenied):
        actions.raise_topic(proposer=world.resident, community=world.community, title="t", description="d", source=Source.STAFF)


def test_a_topic_belongs_to_a_community_not_a_compound(world):
    with pytest.raises(ValidationError):
        actions.raise_topic(proposer=world.resident, community=world.compound, title="t", description="d", source=Source.RESIDENT)


# --- the threshold ---------------------------------------------------------------------------


def test_the_default_threshold_is_twenty_households(world):
    topic = propose(world)

    assert DEFAULT_THRESHOLD_HOUSEHOLDS == 20
    assert topic.threshold_reached_at is None
    assert actions.settings_for(world.community).households_needed(3) == 20


def test_a_household_threshold_is_reached_by_households_not_people(world):
    actions.configure_deliberation(actor=world.community_staff, community=world.community, threshold_households=3)
    topic = propose(world)
    actions.endorse_topic(person=world.neighbour, topic=topic)
    actions.endorse_topic(person=world.building_leader, topic=topic)

    assert topic.threshold_reached_at is None  # three people, two households

    actions.endorse_topic(person=world.b2_resident, topic=topic)

    topic.refresh_from_db()
    assert topic.endorsed_households == 3
    assert topic.threshold_reached_at is not None
    assert list(Topic.objects.on_decision_list()) == [topic]
    assert Notification.objects.filter(recipient=world.community_staff, subject__contains="加装电梯").count() == 2


def test_a_share_threshold_is_counted_exactly(world):
    # three households in the community: 2 of 3 is 666.67‰
    assert actions.community_households(world.community.path) == 3
    actions.configure_deliberation(actor=world.community_staff, community=world.community, threshold_per_mille=667)
    short = propose(world)
    actions.endorse_topic(person=world.neighbour, topic=short)
    assert short.threshold_reached_at is None

    actions.configure_deliberation(actor=world.community_staff, community=world.community, threshold_per_mille=666)
    enough = propose(world)
    actions.endorse_topic(person=world.neighbour, topic=enough)
    assert enough.threshold_reached_at is not None


@pytest.mark.parametrize(
    ("per_mille", "households", "needed"),
    [(200, 3, 1), (333, 3, 1), (334, 3, 2), (500, 4, 2), (501, 4, 3), (1000, 7, 7), (1, 0, 1)],
)
def test_a_share_needs_the_smallest_whole_number_of_households_at_or_above_it(per_mille, households, needed):
    assert DeliberationSettings(threshold_per_mille=per_mille).households_needed(households) == needed


def test_a_community_sets_one_threshold_and_only_its_staff_set_it(world):
    with pytest.raises(ValidationError):
        actions.configure_deliberation(
            actor=world.community_staff, community=world.community, threshold_households=5, threshold_per_mille=100
        )
    with pytest.raises(PermissionDenied):
        actions.configure_deliberation(actor=world.other_staff, community=world.community, threshold_households=5)
    with pytest.raises(PermissionDenied):
        actions.configure_deliberation(actor=world.resident, community=world.community, threshold_households=5)


# --- who sees and who decides ----------------------------------------------------------------


def test_residents_of_the_community_see_its_topics_and_outsiders_get_404(world):
    topic = propose(world)

    for person in (world.resident, world.neighbour, world.b2_resident, world.community_staff, world.admin):
        assert access.get_topic_for(person, topic.pk) == topic
        assert topic in access.topics_for(person)
    for person in (world.outsider, world.other_staff, world.property_staff, world.volunteer):
        with pytest.raises(Http404):
            access.get_topic_for(person, topic.pk)
        assert topic not in access.topics_for(person)


def test_residents_see_declined_topics_with_their_reasons(world):
    topic = propose(world)
    actions.decide_topic(actor=world.community_staff, topic=topic, take_up=False, reason="属于业主大会事项", version=1)

    assert access.get_topic_for(world.neighbour, topic.pk).decision_reason == "属于业主大会事项"


def test_participants_from_outside_see_the_topic_they_take_part_in(world):
    topic = propose(world)
    actions.decide_topic(
        actor=world.community_staff,
        topic=topic,
        take_up=True,
        participants=[
            Invitee(role=Stakeholder.RESIDENT, person=world.resident),
            Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=world.company),
            Invitee(role=Stakeholder.EXPERT, person=world.outsider),
        ],
        format=Format.COUNCIL,
        version=topic.version,
    )

    assert access.get_topic_for(world.outsider, topic.pk) == topic
    with pytest.raises(Http404):
        access.get_topic_for(world.other_staff, topic.pk)


@pytest.mark.parametrize("who", ["resident", "neighbour", "building_leader", "property_staff", "outsider", "other_staff"])
def test_only_community_staff_decide(world, who):
    topic = propose(world)

    with pytest.raises(PermissionDenied):
        actions.decide_topic(actor=getattr(world, who), topic=topic, take_up=False, reason="不", version=1)
    with pytest.raises(PermissionDenied):
        actions.advance_topic(actor=getattr(world, who), topic=topic, to_status=Status.NOTICE_PUBLISHED, version=1)
    topic.refresh_from_db()
    assert (topic.status, topic.version) == (Status.COLLECTING, 1)


def test_a_subdistrict_administrator_may_decide(world):
    topic = propose(world)
    actions.decide_topic(actor=world.admin, topic=topic, take_up=False, reason="跨社区事项，由街道牵头", version=1)
    assert topic.status == Status.DECLINED


def test_declining_needs_a_reason_and_tells_the_proposer(world):
    topic = propose(world)
    with pytest.raises(ValidationError):
        actions.decide_topic(actor=world.community_staff, topic=topic, take_up=False, reason="  ", version=1)

    actions.decide_topic(actor=world.community_staff, topic=topic, take_up=False, reason="已列入区里计划", version=1)

    note = Notification.objects.get(recipient=world.resident)
    assert "加装电梯" in note.subject
    assert note.body == "已列入区里计划"


def test_taking_up_names_the_participants_and_tells_the_proposer(world):
    committee = Organisation.objects.create(kind=Organisation.Kind.OWNERS_COMMITTEE, name="水岸公馆业委会", place=world.compound)
    topic = propose(world)

    take_up(world, topic)
    assert topic.status == Status.DECIDED
    assert Notification.objects.filter(recipient=world.resident).count() == 2  # taken up; invited

    other = propose(world)
    actions.decide_topic(
        actor=world.community_staff,
        topic=other,
        take_up=True,
        participants=[
            Invitee(role=Stakeholder.OWNERS_COMMITTEE, organisation=committee),
            Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=world.company),
            Invitee(role=Stakeholder.EXPERT, person=world.outsider),
        ],
        format=Format.OWNERS,
        version=other.version,
    )
    roles = {p.role: p.may_deliberate for p in TopicParticipant.objects.filter(topic=other)}
    assert roles == {Stakeholder.OWNERS_COMMITTEE: True, Stakeholder.PROPERTY_COMPANY: True, Stakeholder.EXPERT: False}


def test_experts_alone_cannot_deliberate(world):
    topic = propose(world)
    with pytest.raises(ValidationError):
        actions.decide_topic(
            actor=world.community_staff,
            topic=topic,
            take_up=True,
            participants=[Invitee(role=Stakeholder.EXPERT, person=world.outsider)],
            format=Format.COUNCIL,
            version=1,
        )
    assert topic.status == Status.COLLECTING


def test_participants_must_have_a_part_in_the_community(world):
    far = Organisation.objects.create(kind=Organisation.Kind.OWNERS_COMMITTEE, name="桂南业委会", place=world.other_compound)
    topic = propose(world)
    for invitee in (
        Invitee(role=Stakeholder.OWNERS_COMMITTEE, organisation=far),
        Invitee(role=Stakeholder.RESIDENT, person=world.outsider),
        Invitee(role=Stakeholder.OWNERS_COMMITTEE, organisation=world.company),  # wrong role for a company
    ):
        with pytest.raises(ValidationError):
            actions.decide_topic(
                actor=world.community_staff,
                topic=topic,
                take_up=True,
                participants=[invitee],
                format=Format.COUNCIL,
                version=1,
            )
    assert not TopicParticipant.objects.exists()


def test_a_stale_version_is_a_conflict(world):
    topic = propose(world)
    stale = Topic.objects.get(pk=topic.pk)
    take_up(world, topic)

    with pytest.raises(actions.Conflict):
        actions.decide_topic(actor=world.admin, topic=stale, take_up=False, reason="重复", version=1)
    with pytest.raises(actions.Conflict):
        actions.advance_topic(actor=world.community_staff, topic=topic, to_status=Status.NOTICE_PUBLISHED, version=1)


def test_the_procedure_refuses_skipping_with_a_message_naming_the_next_step(world):
    topic = take_up(world, propose(world))

    with pytest.raises(ValidationError) as refused, translation.override("en"):
        actions.advance_topic(actor=world.community_staff, topic=topic, to_status=Status.DELIBERATING, version=topic.version)

    assert "participants notified" in refused.value.messages[0]


# --- from a problem report -------------------------------------------------------------------


def unsatisfied_case(world):
    case = case_actions.submit_case(
        reporter=world.resident, category=Category.objects.get(code="noise"), place=world.building, description="夜间施工噪音"
    )
    case_actions.transition_case(actor=world.community_staff, case=case, action="accept")
    case_actions.transition_case(actor=world.community_staff, case=case, action="resolve", note="已劝导")
    case_actions.rate_case(person=world.resident, case=case, rating=Rating.UNSATISFIED)
    return case


def test_staff_raise_a_topic_from_an_unsatisfied_report(world):
    case = unsatisfied_case(world)
    assert case.needs_meeting

    topic = actions.raise_topic_from_case(actor=world.community_staff, case=case)

    assert (topic.source, topic.case, topic.community) == (Source.PROBLEM_REPORT, case, world.community)
    assert topic.description == "夜间施工噪音"
    assert topic.steps.get().note  # why the report became a topic
    with pytest.raises(ValidationError):
        actions.raise_topic_from_case(actor=world.community_staff, case=case)  # already an open topic


def test_only_staff_over_the_report_raise_a_topic_from_it(world):
    case = unsatisfied_case(world)
    for who in ("resident", "building_leader", "other_staff", "property_staff"):
        with pytest.raises(PermissionDenied):
            actions.raise_topic_from_case(actor=getattr(world, who), case=case)


def test_a_fresh_report_is_not_a_topic_but_a_recurring_one_is(world):
    noise = Category.objects.get(code="noise")

    def report():
        return case_actions.submit_case(reporter=world.resident, category=noise, place=world.building, description="噪音")

    first = report()
    with pytest.raises(ValidationError):
        actions.raise_topic_from_case(actor=world.community_staff, case=first)

    report()
    third = report()
    topic = actions.raise_topic_from_case(actor=world.community_staff, case=third, title="1栋噪音反复")
    assert topic.title == "1栋噪音反复"


# --- two endorsements at once (PostgreSQL) ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_households_endorsing_at_once_both_count_and_reach_the_threshold_once(world, monkeypatch):
    import threading
    import time

    from django.db import connection

    from core import audit
    from people.models import Person

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite serialises writers")
    actions.configure_deliberation(actor=world.community_staff, community=world.community, threshold_households=3)
    topic = propose(world)

    # The first endorsement holds its transaction open (after counting) until the second is seen
    # waiting on the topic's row lock, so the two truly overlap.
    first = threading.Lock()
    overlapped = []
    real_record = audit.record

    def wait_for_a_blocked_writer() -> bool:
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    return True
                time.sleep(0.01)
        return False

    def record_after_overlap(**kwargs):
        if kwargs["action"] == "topic.endorsed" and first.acquire(blocking=False):
            overlapped.append(wait_for_a_blocked_writer())
        return real_record(**kwargs)

    monkeypatch.setattr(audit, "record", record_after_overlap)
    start = threading.Barrier(2)

    def endorse(person_pk: int) -> None:
        try:
            person = Person.objects.get(pk=person_pk)
            seen = Topic.objects.get(pk=topic.pk)
            start.wait(timeout=10)
            actions.endorse_topic(person=person, topic=seen)
        finally:
            connection.close()

    threads = [threading.Thread(target=endorse, args=(p.pk,)) for p in (world.neighbour, world.b2_resident)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    topic.refresh_from_db()
    assert overlapped == [True]
    assert topic.endorsed_households == 3
    assert topic.threshold_reached_at is not None
    assert AuditEntry.objects.filter(action="topic.threshold_reached", object_id=str(topic.pk)).count() == 1


def test_a_fifth_of_the_households_endorsing_means_a_residents_meeting_must_be_called(world, client):
    """组织法 Art 10: at least 1/5 of the households. The community has 3 households (101, 102, 201)."""
    topic = propose(world)  # 101
    assert actions.residents_meeting_required(topic) is True  # 1 of 3 is a third: already enough
    for n in range(12):  # twelve more households: now 1 of 15, short of a fifth
        unit = world.unit.building.units.create(label=f"3{n:02d}", area="60.00", area_source="register")
        person = Person.objects.create_user(mobile=f"1371000{n:04d}", password=None, name=f"住户{n}")
        HouseholdMember.objects.create(unit=unit, person=person, relation=HouseholdMember.Relation.OWNER)
    assert actions.residents_meeting_required(topic) is False
    actions.endorse_topic(person=world.b2_resident, topic=topic)  # 2 of 15
    actions.endorse_topic(person=Person.objects.get(mobile="13710000000"), topic=topic)  # 3 of 15: exactly a fifth
    topic.refresh_from_db()
    assert actions.residents_meeting_required(topic) is True
    client.force_login(world.community_staff)
    with translation.override("en"):
        page = client.get(f"/deliberation/topics/{topic.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "must call a residents&#x27; meeting" in page or "must call a residents' meeting" in page
