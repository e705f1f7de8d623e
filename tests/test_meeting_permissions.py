"""Who may do what with a meeting (``meetings.access`` and the checks in ``meetings.actions``).

- The organiser and managers (community staff, sub-district administrators over the community) send
  the notice, open, close and cancel the meeting, and approve, publish and amend the minutes.
- They and the chairs and secretaries of invited organisations record attendance, minutes, votes and
  the speaking queue. Nobody else records a vote: not an ordinary member of an invited organisation,
  not a resident, not the officer of an organisation that was not invited.
- Invited persons and members of invited organisations sign themselves in; at a residents' meeting
  the community's residents do too; an outsider never.
- Residents see a meeting once its notice is out, and its minutes only once published; those taking
  part see the drafts.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from deliberation.models import Stakeholder
from deliberation.rules import ResidentsMeetingKind
from meetings import access, actions
from meetings.actions import Invitee
from meetings.models import AgendaItem, Attendance, Kind, Meeting, Minutes, Status
from people.models import Membership, Organisation
from tests.conftest import make_person

# Everyone in the matrix, by the name the tests use.
RECORDERS = ["organiser", "admin", "chair", "secretary"]
NOT_RECORDERS = ["member", "invited", "expert", "neighbour", "other_chair", "other_staff", "outsider"]
APPROVERS = ["organiser", "admin"]
NOT_APPROVERS = ["chair", "secretary", "member", "invited", "neighbour", "other_staff", "outsider"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def people(world):
    w = world
    Membership.objects.create(person=w.property_staff, organisation=w.company, position=Membership.Position.CHAIR)
    secretary = make_person("钱秘书", "13900000011")
    Membership.objects.create(person=secretary, organisation=w.company, position=Membership.Position.SECRETARY)
    member = make_person("冯物业员", "13900000012")
    Membership.objects.create(person=member, organisation=w.company, position=Membership.Position.MEMBER)
    expert = make_person("蒋专家", "13900000013")
    # an association of the community that is not invited, with its chair
    association = Organisation.objects.create(kind=Organisation.Kind.MUTUAL_AID, name="街坊互助会", place=w.community)
    other_chair = make_person("杨会长", "13900000014")
    Membership.objects.create(person=other_chair, organisation=association, position=Membership.Position.CHAIR)
    w.people = {
        "organiser": w.community_staff,
        "admin": w.admin,
        "chair": w.property_staff,
        "secretary": secretary,
        "member": member,
        "invited": w.resident,
        "expert": expert,
        "neighbour": w.neighbour,
        "other_chair": other_chair,
        "other_staff": w.other_staff,
        "outsider": w.outsider,
    }
    return w


def new_meeting(w, now, *, kind=Kind.JOINT, invitees=None, **extra) -> Meeting:
    if invitees is None:
        invitees = [
            Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=w.company),
            Invitee(role=Stakeholder.RESIDENT, person=w.resident),
            Invitee(role=Stakeholder.EXPERT, person=w.people["expert"]),
        ]
    meeting = actions.create_meeting(
        actor=w.community_staff,
        community=w.community,
        kind=kind,
        title="联席会议",
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=10, hours=2),
        location="社区党群服务中心",
        invitees=invitees,
        now=now,
        **extra,
    )
    actions.add_agenda_item(actor=w.community_staff, meeting=meeting, title="楼道堆物")
    return meeting


def at_start(meeting, minutes=5):
    return meeting.starts_at + timedelta(minutes=minutes)


def notified(w, now, **kw) -> Meeting:
    meeting = new_meeting(w, now, **kw)
    actions.send_notice(actor=w.community_staff, meeting=meeting, now=now)
    return meeting


def in_session(w, now, **kw) -> Meeting:
    meeting = notified(w, now, **kw)
    actions.start_meeting(actor=w.community_staff, meeting=meeting, now=at_start(meeting))
    return meeting


def ended(w, now, **kw) -> Meeting:
    meeting = in_session(w, now, **kw)
    actions.end_meeting(actor=w.community_staff, meeting=meeting, now=at_start(meeting, 120))
    return meeting


def fresh(meeting) -> Meeting:
    return Meeting.objects.get(pk=meeting.pk)


# --- organising and running the meeting ---------------------------------------------------------


@pytest.mark.parametrize("who", ["other_staff", "chair", "neighbour", "outsider"])
def test_only_managers_over_the_community_organise_a_meeting(people, now, who):
    with pytest.raises(PermissionDenied):
        actions.create_meeting(
            actor=people.people[who],
            community=people.community,
            kind=Kind.JOINT,
            title="会议",
            starts_at=now + timedelta(days=5),
            ends_at=now + timedelta(days=5, hours=1),
            location="社区",
            now=now,
        )
    assert not Meeting.objects.exists()


def test_a_sub_district_administrator_organises_in_any_community_below(people, now):
    meeting = actions.create_meeting(
        actor=people.admin,
        community=people.other_community,
        kind=Kind.COUNCIL,
        title="议事会",
        starts_at=now + timedelta(days=5),
        ends_at=now + timedelta(days=5, hours=1),
        location="桂一社区",
        now=now,
    )
    assert meeting.organiser == people.admin


@pytest.mark.parametrize("who", NOT_APPROVERS)
def test_only_the_organiser_and_managers_change_the_draft(people, now, who):
    meeting = new_meeting(people, now)
    actor = people.people[who]
    with pytest.raises(PermissionDenied):
        actions.add_agenda_item(actor=actor, meeting=meeting, title="临时动议")
    with pytest.raises(PermissionDenied):
        actions.invite(actor=actor, meeting=meeting, invitees=[Invitee(role=Stakeholder.RESIDENT, person=people.neighbour)])
    assert meeting.agenda.count() == 1 and meeting.invitations.count() == 3


@pytest.mark.parametrize("who", NOT_APPROVERS)
def test_only_the_organiser_and_managers_send_the_notice_or_cancel(people, now, who):
    meeting = new_meeting(people, now)
    with pytest.raises(PermissionDenied):
        actions.send_notice(actor=people.people[who], meeting=meeting, now=now)
    with pytest.raises(PermissionDenied):
        actions.cancel_meeting(actor=people.people[who], meeting=meeting, reason="不开了")
    assert fresh(meeting).status == Status.DRAFT


@pytest.mark.parametrize("who", NOT_APPROVERS)
def test_only_the_organiser_and_managers_open_and_close_the_meeting(people, now, who):
    meeting = notified(people, now)
    with pytest.raises(PermissionDenied):
        actions.start_meeting(actor=people.people[who], meeting=meeting, now=at_start(meeting))
    assert fresh(meeting).status == Status.NOTIFIED
    actions.start_meeting(actor=people.community_staff, meeting=meeting, now=at_start(meeting))
    with pytest.raises(PermissionDenied):
        actions.end_meeting(actor=people.people[who], meeting=meeting, now=at_start(meeting, 60))
    assert fresh(meeting).status == Status.IN_SESSION


@pytest.mark.parametrize("who", APPROVERS)
def test_the_organiser_and_managers_run_the_whole_meeting(people, now, who):
    actor = people.people[who]
    meeting = new_meeting(people, now)
    actions.send_notice(actor=actor, meeting=meeting, now=now)
    actions.start_meeting(actor=actor, meeting=meeting, now=at_start(meeting))
    actions.end_meeting(actor=actor, meeting=meeting, now=at_start(meeting, 60))
    actions.approve_minutes(actor=actor, meeting=meeting)
    actions.publish_minutes(actor=actor, meeting=meeting)
    actions.amend_minutes(actor=actor, meeting=meeting, text="更正")
    assert Minutes.objects.get(meeting=meeting).amendments.count() == 1


# --- attendance ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["invited", "expert", "chair", "secretary", "member"])
def test_invited_persons_and_members_of_invited_organisations_sign_themselves_in(people, now, who):
    meeting = in_session(people, now)
    person = people.people[who]
    assert access.can_sign_in_self(person, meeting)
    attendance = actions.sign_in(actor=person, meeting=meeting, now=at_start(meeting))
    assert attendance.person == person
    assert attendance.entitled_to_vote is (who != "expert")


@pytest.mark.parametrize("who", ["neighbour", "other_chair", "other_staff", "outsider"])
def test_anyone_else_may_not_sign_in_at_a_meeting_they_were_not_invited_to(people, now, who):
    meeting = in_session(people, now)
    person = people.people[who]
    assert not access.can_sign_in_self(person, meeting)
    with pytest.raises(PermissionDenied):
        actions.sign_in(actor=person, meeting=meeting, now=at_start(meeting))
    assert not Attendance.objects.filter(meeting=meeting).exists()


def residents_meeting(w, now, **extra):
    return in_session(
        w, now, kind=Kind.RESIDENTS_MEETING, invitees=[], residents_meeting_kind=ResidentsMeetingKind.ADULTS, eligible=9, **extra
    )


@pytest.mark.parametrize("who", ["invited", "neighbour"])
def test_residents_of_the_community_sign_themselves_in_at_a_residents_meeting(people, now, who):
    meeting = residents_meeting(people, now)
    attendance = actions.sign_in(actor=people.people[who], meeting=meeting, now=at_start(meeting))
    assert attendance.entitled_to_vote is True


@pytest.mark.parametrize("who", ["outsider", "member", "other_staff"])
def test_people_living_elsewhere_may_not_sign_in_at_a_residents_meeting(people, now, who):
    meeting = residents_meeting(people, now)
    with pytest.raises(PermissionDenied):
        actions.sign_in(actor=people.people[who], meeting=meeting, now=at_start(meeting))


def test_an_anonymous_visitor_signs_in_nowhere(people, now):
    meeting = residents_meeting(people, now)
    assert not access.can_sign_in_self(AnonymousUser(), meeting)


@pytest.mark.parametrize("who", RECORDERS)
def test_recorders_sign_others_in(people, now, who):
    meeting = in_session(people, now)
    attendance = actions.sign_in(actor=people.people[who], meeting=meeting, person=people.resident, now=at_start(meeting))
    assert attendance.recorded_by == people.people[who]


@pytest.mark.parametrize("who", ["member", "expert", "neighbour", "other_chair", "other_staff"])
def test_nobody_else_signs_others_in(people, now, who):
    meeting = in_session(people, now)
    with pytest.raises(PermissionDenied):
        actions.sign_in(actor=people.people[who], meeting=meeting, person=people.resident, now=at_start(meeting))
    assert not Attendance.objects.filter(meeting=meeting).exists()


# --- minutes and votes --------------------------------------------------------------------------


@pytest.fixture
def voting(people, now):
    meeting = in_session(people, now)
    actions.sign_in(actor=people.resident, meeting=meeting, now=at_start(meeting))
    actions.sign_in(actor=people.property_staff, meeting=meeting, now=at_start(meeting))
    return meeting, meeting.agenda.get()


@pytest.mark.parametrize("who", RECORDERS)
def test_the_organiser_managers_and_officers_of_invited_organisations_record_votes_and_minutes(people, voting, who):
    meeting, item = voting
    actor = people.people[who]
    assert access.can_record(actor, meeting)
    item = actions.record_vote(actor=actor, item=item, votes_for=2, votes_against=0, votes_abstain=0)
    assert item.carried is True
    actions.record_minute(actor=actor, item=item, discussion="讨论", decision="通过")
    actions.record_summary(actor=actor, meeting=meeting, summary="纪要")


@pytest.mark.parametrize("who", NOT_RECORDERS)
def test_nobody_else_records_a_vote_or_minutes(people, voting, who):
    meeting, item = voting
    actor = people.people[who]
    assert not access.can_record(actor, meeting)
    with pytest.raises(PermissionDenied):
        actions.record_vote(actor=actor, item=item, votes_for=2, votes_against=0, votes_abstain=0)
    with pytest.raises(PermissionDenied):
        actions.record_minute(actor=actor, item=item, decision="我说了算")
    with pytest.raises(PermissionDenied):
        actions.record_summary(actor=actor, meeting=meeting, summary="我说了算")
    row = AgendaItem.objects.get(pk=item.pk)
    assert (row.carried, row.decision) == (None, "")


def test_a_resident_records_no_vote_at_a_residents_meeting_either(people, now):
    meeting = residents_meeting(people, now)
    actions.sign_in(actor=people.resident, meeting=meeting, now=at_start(meeting))
    with pytest.raises(PermissionDenied):
        actions.record_vote(actor=people.resident, item=meeting.agenda.get(), votes_for=1, votes_against=0, votes_abstain=0)


def test_an_officer_of_an_organisation_no_longer_invited_is_a_plain_outsider(people, now):
    # the company is invited to another meeting but not to this one
    meeting = in_session(people, now, invitees=[Invitee(role=Stakeholder.RESIDENT, person=people.resident)])
    in_session(people, now)
    actions.sign_in(actor=people.resident, meeting=meeting, now=at_start(meeting))
    with pytest.raises(PermissionDenied):
        actions.record_vote(actor=people.property_staff, item=meeting.agenda.get(), votes_for=1, votes_against=0, votes_abstain=0)


@pytest.mark.parametrize("who", NOT_APPROVERS)
def test_only_the_organiser_and_managers_approve_publish_and_amend_minutes(people, now, who):
    meeting = ended(people, now)
    actor = people.people[who]
    with pytest.raises(PermissionDenied):
        actions.approve_minutes(actor=actor, meeting=meeting)
    actions.approve_minutes(actor=people.community_staff, meeting=meeting)
    with pytest.raises(PermissionDenied):
        actions.publish_minutes(actor=actor, meeting=meeting)
    with pytest.raises(PermissionDenied):
        actions.amend_minutes(actor=actor, meeting=meeting, text="更正")
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.status == Minutes.Status.APPROVED and not minutes.amendments.exists()


# --- the speaking queue -------------------------------------------------------------------------


@pytest.mark.parametrize("who", NOT_RECORDERS)
def test_only_those_who_record_the_meeting_run_the_speaking_queue(people, voting, who):
    meeting, item = voting
    actor = people.people[who]
    for call in (actions.raise_hand, actions.lower_hand):
        with pytest.raises(PermissionDenied):
            call(actor=actor, meeting=meeting, item_id=item.pk, person_id=people.resident.pk)
    with pytest.raises(PermissionDenied):
        actions.give_floor(actor=actor, meeting=meeting, item_id=item.pk, person_id=people.resident.pk)
    assert fresh(meeting).speaking_queue == {}


@pytest.mark.parametrize("who", RECORDERS)
def test_the_organiser_managers_and_officers_run_the_speaking_queue(people, voting, who):
    meeting, item = voting
    actions.raise_hand(actor=people.people[who], meeting=meeting, item_id=item.pk, person_id=people.resident.pk)
    assert actions.give_floor(actor=people.people[who], meeting=meeting, item_id=item.pk) == people.resident.pk


# --- seeing the meeting and its minutes ----------------------------------------------------------


def test_a_draft_meeting_is_seen_by_the_organiser_managers_and_invitees_only(people, now):
    meeting = new_meeting(people, now)
    sees = {who for who, person in people.people.items() if access.can_view_meeting(person, meeting)}
    assert sees == {"organiser", "admin", "chair", "secretary", "member", "invited", "expert"}
    for who, person in people.people.items():
        assert meetings_listed(person, meeting) is (who in sees), who
    with pytest.raises(Http404):
        access.get_meeting_for(people.neighbour, meeting.pk)


def test_once_the_notice_is_out_residents_of_the_community_see_the_meeting(people, now):
    meeting = notified(people, now)
    sees = {who for who, person in people.people.items() if access.can_view_meeting(person, meeting)}
    assert sees == {"organiser", "admin", "chair", "secretary", "member", "invited", "expert", "neighbour"}
    for who, person in people.people.items():
        assert meetings_listed(person, meeting) is (who in sees), who
    assert access.get_meeting_for(people.neighbour, meeting.pk) == meeting
    with pytest.raises(Http404):
        access.get_meeting_for(people.outsider, meeting.pk)
    assert not access.can_view_meeting(AnonymousUser(), meeting)


def test_a_meeting_cancelled_before_its_notice_stays_among_those_organising_it(people, now):
    meeting = new_meeting(people, now)
    actions.cancel_meeting(actor=people.community_staff, meeting=meeting, reason="不开了")
    assert not access.can_view_meeting(people.neighbour, meeting)
    assert not meetings_listed(people.neighbour, meeting)
    assert access.can_view_meeting(people.community_staff, meeting) and meetings_listed(people.community_staff, meeting)
    assert access.can_view_meeting(people.resident, meeting)  # invited


def test_a_meeting_cancelled_after_its_notice_stays_public(people, now):
    meeting = notified(people, now)
    actions.cancel_meeting(actor=people.community_staff, meeting=meeting, reason="台风")
    assert access.can_view_meeting(people.neighbour, meeting) and meetings_listed(people.neighbour, meeting)
    assert not access.can_view_meeting(people.outsider, meeting)


def meetings_listed(person, meeting) -> bool:
    return access.meetings_for(person).filter(pk=meeting.pk).exists()


def minutes_at(w, now, status) -> tuple[Meeting, Minutes]:
    meeting = ended(w, now)
    if status != Minutes.Status.DRAFT:
        actions.approve_minutes(actor=w.community_staff, meeting=meeting)
    if status == Minutes.Status.PUBLISHED:
        actions.publish_minutes(actor=w.community_staff, meeting=meeting)
    return meeting, Minutes.objects.get(meeting=meeting)


@pytest.mark.parametrize("status", [Minutes.Status.DRAFT, Minutes.Status.APPROVED])
def test_draft_and_approved_minutes_are_for_those_taking_part(people, now, status):
    meeting, minutes = minutes_at(people, now, status)
    sees = {who for who, person in people.people.items() if access.can_view_minutes(person, meeting, minutes)}
    assert sees == {"organiser", "admin", "chair", "secretary", "member", "invited", "expert"}
    assert not access.can_view_minutes(people.neighbour, meeting, minutes)  # a resident of the community
    assert not access.can_view_minutes(AnonymousUser(), meeting, minutes)


def test_published_minutes_are_for_whoever_sees_the_meeting(people, now):
    meeting, minutes = minutes_at(people, now, Minutes.Status.PUBLISHED)
    sees = {who for who, person in people.people.items() if access.can_view_minutes(person, meeting, minutes)}
    assert sees == {"organiser", "admin", "chair", "secretary", "member", "invited", "expert", "neighbour"}
    assert access.can_view_minutes(people.neighbour, meeting, minutes)
    assert not access.can_view_minutes(people.outsider, meeting, minutes)
    assert not access.can_view_minutes(AnonymousUser(), meeting, minutes)


def test_no_minutes_no_view(people, now):
    meeting = notified(people, now)
    assert not access.can_view_minutes(people.community_staff, meeting, None)


def test_recording_rights_need_a_signed_in_user(people, now):
    meeting = in_session(people, now)
    anonymous = AnonymousUser()
    assert not access.can_record(anonymous, meeting)
    assert not access.can_approve(anonymous, meeting)
    assert not access.is_invited(anonymous, meeting)
    assert not access.meetings_for(anonymous).exists()


def test_sign_in_by_someone_else_checks_the_meeting_not_just_the_person(people, now):
    # the chair of the company may sign people in at a meeting the company is invited to, not at another
    other = in_session(people, now, invitees=[Invitee(role=Stakeholder.RESIDENT, person=people.resident)])
    with pytest.raises(PermissionDenied):
        actions.sign_in(actor=people.property_staff, meeting=other, person=people.resident, now=at_start(other))
    with pytest.raises(ValidationError):
        # and nobody signs in before the notice
        draft = new_meeting(people, now)
        actions.sign_in(actor=people.community_staff, meeting=draft, person=people.resident, now=at_start(draft))
