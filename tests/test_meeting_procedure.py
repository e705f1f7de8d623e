"""A meeting's procedure through ``meetings.actions``: the meeting's state machine (draft → notice →
in session → ended, or cancelled before it starts) with the notice period per kind and compare-and-set;
the topics on the agenda following the meeting; attendance; votes under each majority rule and the
residents' meeting quorum (组织法 Art 9); minutes fixed once approved and amended only by a later
record; the chair's speaking queue (Robert's Rules principles 3 and 7)."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from core.models import Notification
from deliberation import actions as topic_actions
from deliberation.actions import Invitee as TopicInvitee
from deliberation.models import Format, Source, Stakeholder
from deliberation.models import Status as TopicStatus
from deliberation.rules import MajorityRule, ResidentsMeetingKind, SpeakingQueue
from meetings import actions
from meetings.actions import Invitee
from meetings.models import NOTICE_DAYS, AgendaItem, Amendment, Attendance, Kind, Meeting, Minutes, Status
from people.models import Membership, Organisation, Person
from tests.conftest import make_person
from tests.locks import run_together


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def message_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


@pytest.fixture
def mw(world):
    """The world with the property company's chair (周物业), a secretary and an ordinary member, and an
    expert and a resident invited in person."""
    w = world
    Membership.objects.create(person=w.property_staff, organisation=w.company, position=Membership.Position.CHAIR)
    w.secretary = make_person("钱秘书", "13900000011")
    Membership.objects.create(person=w.secretary, organisation=w.company, position=Membership.Position.SECRETARY)
    w.member = make_person("冯物业员", "13900000012")
    Membership.objects.create(person=w.member, organisation=w.company, position=Membership.Position.MEMBER)
    w.expert = make_person("蒋专家", "13900000013")
    return w


def topic_for(w, title="楼道堆物整治", take_up=True):
    topic = topic_actions.raise_topic(
        proposer=w.community_staff, community=w.community, title=title, description="讨论楼道堆物", source=Source.STAFF
    )
    if take_up:
        topic = topic_actions.decide_topic(
            actor=w.community_staff,
            topic=topic,
            take_up=True,
            participants=[TopicInvitee(role=Stakeholder.PROPERTY_COMPANY, organisation=w.company)],
            format=Format.COUNCIL,
        )
    return topic


def new_meeting(w, now, *, kind=Kind.JOINT, days=5, invitees=None, topics=None, title="联席会议", **extra) -> Meeting:
    if invitees is None:
        invitees = [
            Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=w.company),
            Invitee(role=Stakeholder.RESIDENT, person=w.resident),
            Invitee(role=Stakeholder.EXPERT, person=w.expert),
        ]
    meeting = actions.create_meeting(
        actor=w.community_staff,
        community=w.community,
        kind=kind,
        title=title,
        starts_at=now + timedelta(days=days),
        ends_at=now + timedelta(days=days, hours=2),
        location="社区党群服务中心",
        invitees=invitees,
        topics=topics if topics is not None else [topic_for(w)],
        now=now,
        **extra,
    )
    if not meeting.agenda.exists():
        actions.add_agenda_item(actor=w.community_staff, meeting=meeting, title="其他事项")
    return meeting


def at_start(meeting, minutes=5):
    return meeting.starts_at + timedelta(minutes=minutes)


def in_session(w, meeting, now):
    actions.send_notice(actor=w.community_staff, meeting=meeting, now=now)
    actions.start_meeting(actor=w.community_staff, meeting=meeting, now=at_start(meeting))
    return meeting


def ended(w, meeting, now):
    if meeting.status == Status.DRAFT:
        in_session(w, meeting, now)
    actions.end_meeting(actor=w.community_staff, meeting=meeting, now=at_start(meeting, 120))
    return meeting


def sign_in_all(meeting, *people):
    return [actions.sign_in(actor=p, meeting=meeting, now=at_start(meeting)) for p in people]


def fresh(meeting) -> Meeting:
    return Meeting.objects.get(pk=meeting.pk)


@pytest.fixture
def now():
    return timezone.now()


# --- the meeting's state machine -------------------------------------------------------------------


def test_a_meeting_goes_from_draft_through_notice_and_session_to_ended(mw, now):
    meeting = new_meeting(mw, now)
    assert meeting.status == Status.DRAFT and meeting.version == 1
    assert meeting.notice_days == NOTICE_DAYS[Kind.JOINT]

    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    row = fresh(meeting)
    assert (row.status, row.version, row.notice_sent_at) == (Status.NOTIFIED, 2, now)

    actions.start_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting))
    row = fresh(meeting)
    assert (row.status, row.version) == (Status.IN_SESSION, 3)
    assert Minutes.objects.get(meeting=meeting).status == Minutes.Status.DRAFT

    actions.end_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting, 120))
    row = fresh(meeting)
    assert (row.status, row.version, row.next_statuses) == (Status.ENDED, 4, [])


def test_the_notice_reaches_every_invitee_and_the_officers_of_invited_organisations(mw, now):
    meeting = new_meeting(mw, now)
    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    told = set(Notification.objects.filter(subject__startswith="Meeting notice").values_list("recipient_id", flat=True))
    # in person: the resident and the expert; for the company: its chair and secretary, not every member
    assert told == {mw.resident.pk, mw.expert.pk, mw.property_staff.pk, mw.secretary.pk}


@pytest.mark.parametrize("start_from", [Status.DRAFT, Status.NOTIFIED])
def test_a_meeting_is_cancelled_with_a_reason_before_it_starts(mw, now, start_from):
    meeting = new_meeting(mw, now)
    if start_from == Status.NOTIFIED:
        actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    with pytest.raises(ValidationError, match="reason"):
        actions.cancel_meeting(actor=mw.community_staff, meeting=meeting, reason="  ")
    actions.cancel_meeting(actor=mw.community_staff, meeting=meeting, reason="台风停会")
    row = fresh(meeting)
    assert (row.status, row.cancel_reason, row.sequence) == (Status.CANCELLED, "台风停会", 1)


def test_the_invitees_hear_of_a_cancellation_once_notified(mw, now):
    meeting = new_meeting(mw, now)
    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    actions.cancel_meeting(actor=mw.community_staff, meeting=meeting, reason="台风停会")
    assert Notification.objects.filter(recipient=mw.resident, subject__startswith="Meeting cancelled").count() == 1


@pytest.mark.parametrize("reached", [Status.IN_SESSION, Status.ENDED, Status.CANCELLED])
def test_a_meeting_that_started_ended_or_was_cancelled_cannot_be_cancelled(mw, now, reached):
    meeting = new_meeting(mw, now)
    if reached == Status.CANCELLED:
        actions.cancel_meeting(actor=mw.community_staff, meeting=meeting, reason="改期")
    else:
        in_session(mw, meeting, now)
        if reached == Status.ENDED:
            ended(mw, meeting, now)
    version = meeting.version
    with pytest.raises(ValidationError):
        actions.cancel_meeting(actor=mw.community_staff, meeting=meeting, reason="太迟了")
    row = fresh(meeting)
    assert (row.status, row.version) == (reached, version)


def test_no_step_is_skipped_and_the_notice_goes_out_once(mw, now):
    meeting = new_meeting(mw, now)
    with pytest.raises(ValidationError, match="notice has gone out"):
        actions.start_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting))
    with pytest.raises(ValidationError, match="in session"):
        actions.end_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting))

    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    with pytest.raises(ValidationError, match="already been sent"):
        actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    with pytest.raises(ValidationError, match="in session"):
        actions.end_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting))
    assert fresh(meeting).status == Status.NOTIFIED

    actions.start_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting))
    with pytest.raises(ValidationError):
        actions.start_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting))
    with pytest.raises(ValidationError):
        actions.send_notice(actor=mw.community_staff, meeting=meeting, now=at_start(meeting))
    actions.end_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting, 60))
    for step in (actions.start_meeting, actions.end_meeting, actions.send_notice):
        with pytest.raises(ValidationError):
            step(actor=mw.community_staff, meeting=meeting, now=at_start(meeting, 90))
    assert fresh(meeting).status == Status.ENDED


def test_a_cancelled_meeting_goes_nowhere(mw, now):
    meeting = new_meeting(mw, now)
    actions.cancel_meeting(actor=mw.community_staff, meeting=meeting, reason="改期")
    for step in (actions.send_notice, actions.start_meeting, actions.end_meeting):
        with pytest.raises(ValidationError):
            step(actor=mw.community_staff, meeting=meeting, now=now)
    assert fresh(meeting).status == Status.CANCELLED


def test_the_meeting_opens_at_the_earliest_an_hour_before_it_starts(mw, now):
    meeting = new_meeting(mw, now)
    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    with pytest.raises(ValidationError, match="can be opened from"):
        actions.start_meeting(actor=mw.community_staff, meeting=meeting, now=meeting.starts_at - timedelta(minutes=61))
    actions.start_meeting(actor=mw.community_staff, meeting=meeting, now=meeting.starts_at - timedelta(hours=1))
    assert fresh(meeting).status == Status.IN_SESSION


@pytest.mark.parametrize("kind", list(Kind))
def test_the_notice_goes_out_at_least_the_kinds_notice_days_ahead(mw, now, kind):
    days = NOTICE_DAYS[kind]
    extra = {"residents_meeting_kind": ResidentsMeetingKind.ADULTS, "eligible": 10} if kind == Kind.RESIDENTS_MEETING else {}
    meeting = new_meeting(mw, now, kind=kind, days=days + 1, **extra)
    assert meeting.notice_days == days

    too_late = meeting.starts_at - timedelta(days=days) + timedelta(minutes=1)
    with pytest.raises(ValidationError) as refused:
        actions.send_notice(actor=mw.community_staff, meeting=meeting, now=too_late)
    assert f"at least {days} days before the meeting" in message_of(refused)
    row = fresh(meeting)
    assert (row.status, row.version, row.notice_sent_at) == (Status.DRAFT, 1, None)
    assert not Notification.objects.filter(subject__startswith="Meeting notice").exists()

    just_in_time = meeting.starts_at - timedelta(days=days)
    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=just_in_time)
    assert fresh(meeting).status == Status.NOTIFIED


def test_the_notice_period_is_never_shorter_than_the_kinds_even_if_the_row_says_so(mw, now):
    meeting = new_meeting(mw, now, kind=Kind.OWNERS_COMMITTEE, days=5)
    Meeting.objects.filter(pk=meeting.pk).update(notice_days=1)  # e.g. edited in the admin
    meeting = fresh(meeting)
    with pytest.raises(ValidationError, match="at least 7 days"):
        actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    assert fresh(meeting).status == Status.DRAFT


def test_a_longer_notice_period_set_on_the_meeting_is_kept(mw, now):
    meeting = new_meeting(mw, now, days=5)
    Meeting.objects.filter(pk=meeting.pk).update(notice_days=10)
    with pytest.raises(ValidationError, match="at least 10 days"):
        actions.send_notice(actor=mw.community_staff, meeting=fresh(meeting), now=now)


def test_the_notice_needs_an_agenda(mw, now):
    meeting = actions.create_meeting(
        actor=mw.community_staff,
        community=mw.community,
        kind=Kind.JOINT,
        title="空会议",
        starts_at=now + timedelta(days=5),
        ends_at=now + timedelta(days=5, hours=1),
        location="社区",
        invitees=[Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=mw.company)],
        now=now,
    )
    with pytest.raises(ValidationError, match="agenda"):
        actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    assert fresh(meeting).status == Status.DRAFT


def test_the_notice_needs_invitations_except_for_a_residents_meeting(mw, now):
    meeting = new_meeting(mw, now, invitees=[])
    with pytest.raises(ValidationError, match="Invite the participants"):
        actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    assert fresh(meeting).status == Status.DRAFT

    residents = new_meeting(
        mw, now, kind=Kind.RESIDENTS_MEETING, days=10, invitees=[], residents_meeting_kind=ResidentsMeetingKind.ADULTS, eligible=8
    )
    actions.send_notice(actor=mw.community_staff, meeting=residents, now=now)
    assert fresh(residents).status == Status.NOTIFIED


def test_after_the_notice_the_agenda_and_invitations_are_fixed(mw, now):
    meeting = new_meeting(mw, now)
    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    with pytest.raises(ValidationError, match="fixed"):
        actions.add_agenda_item(actor=mw.community_staff, meeting=meeting, title="临时动议")
    with pytest.raises(ValidationError, match="fixed"):
        actions.invite(
            actor=mw.community_staff, meeting=meeting, invitees=[Invitee(role=Stakeholder.RESIDENT, person=mw.neighbour)]
        )


def test_a_stale_version_is_a_conflict_and_changes_nothing(mw, now):
    meeting = new_meeting(mw, now)
    seen = meeting.version
    actions.send_notice(actor=mw.community_staff, meeting=fresh(meeting), now=now)
    stale = Meeting.objects.get(pk=meeting.pk)
    with pytest.raises(actions.Conflict):
        actions.start_meeting(actor=mw.community_staff, meeting=stale, version=seen, now=at_start(meeting))
    with pytest.raises(actions.Conflict):
        actions.cancel_meeting(actor=mw.community_staff, meeting=stale, reason="取消", version=seen)
    row = fresh(meeting)
    assert (row.status, row.version) == (Status.NOTIFIED, seen + 1)


def test_a_stale_copy_of_the_meeting_cannot_send_the_notice_again(mw, now):
    meeting = new_meeting(mw, now)
    stale = fresh(meeting)
    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    # the stale copy still says "draft", so only compare-and-set stops it
    with pytest.raises(actions.Conflict):
        actions.send_notice(actor=mw.community_staff, meeting=stale, now=now)
    assert Notification.objects.filter(recipient=mw.resident, subject__startswith="Meeting notice").count() == 1


def test_the_right_version_is_accepted(mw, now):
    meeting = new_meeting(mw, now)
    actions.send_notice(actor=mw.community_staff, meeting=meeting, version=1, now=now)
    actions.start_meeting(actor=mw.community_staff, meeting=meeting, version=2, now=at_start(meeting))
    assert fresh(meeting).version == 3


# --- topics follow the meeting ---------------------------------------------------------------------


def test_topics_on_the_agenda_follow_notice_opening_and_published_minutes(mw, now):
    topic = topic_for(mw)
    meeting = new_meeting(mw, now, topics=[topic])
    item = meeting.agenda.get(topic=topic)

    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.NOTICE_PUBLISHED

    actions.start_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting))
    topic.refresh_from_db()
    assert topic.status == TopicStatus.DELIBERATING

    sign_in_all(meeting, mw.property_staff, mw.resident)
    actions.record_minute(actor=mw.property_staff, item=item, discussion="讨论", decision="一周内清理楼道")
    actions.record_vote(actor=mw.property_staff, item=item, votes_for=2, votes_against=0, votes_abstain=0)
    ended(mw, meeting, now)
    actions.approve_minutes(actor=mw.community_staff, meeting=meeting)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.DELIBERATING  # approval alone records nothing

    actions.publish_minutes(actor=mw.community_staff, meeting=meeting)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.OUTCOME_RECORDED
    assert "一周内清理楼道" in topic.outcome and "Carried" in topic.outcome
    steps = list(topic.steps.values_list("to_status", flat=True))
    assert steps[-3:] == [TopicStatus.NOTICE_PUBLISHED, TopicStatus.DELIBERATING, TopicStatus.OUTCOME_RECORDED]


def test_a_topic_not_in_the_right_state_is_left_alone(mw, now):
    ahead = topic_for(mw, "已在协商")
    for status in (TopicStatus.NOTICE_PUBLISHED, TopicStatus.DELIBERATING):
        topic_actions.advance_topic(actor=mw.community_staff, topic=ahead, to_status=status)
    recorded = topic_for(mw, "已有结果")
    for status, note in (
        (TopicStatus.NOTICE_PUBLISHED, ""),
        (TopicStatus.DELIBERATING, ""),
        (TopicStatus.OUTCOME_RECORDED, "早已议定"),
    ):
        topic_actions.advance_topic(actor=mw.community_staff, topic=recorded, to_status=status, note=note)
    meeting = new_meeting(mw, now, topics=[ahead, recorded])
    versions = {t.pk: t.version for t in (ahead, recorded)}

    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    actions.start_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting))
    for item in meeting.agenda.all():
        actions.record_minute(actor=mw.community_staff, item=item, decision="另议")
    ended(mw, meeting, now)
    actions.approve_minutes(actor=mw.community_staff, meeting=meeting)
    actions.publish_minutes(actor=mw.community_staff, meeting=meeting)

    ahead.refresh_from_db()
    recorded.refresh_from_db()
    # "ahead" was deliberating already: the notice and the opening left it alone, the minutes record its outcome
    assert ahead.status == TopicStatus.OUTCOME_RECORDED and ahead.outcome == "另议"
    assert ahead.version == versions[ahead.pk] + 1
    # "recorded" had its outcome before the meeting: untouched
    assert (recorded.status, recorded.outcome, recorded.version) == (
        TopicStatus.OUTCOME_RECORDED,
        "早已议定",
        versions[recorded.pk],
    )


def test_a_topic_without_a_decision_in_the_minutes_keeps_deliberating(mw, now):
    topic = topic_for(mw)
    meeting = new_meeting(mw, now, topics=[topic])
    in_session(mw, meeting, now)
    ended(mw, meeting, now)
    actions.approve_minutes(actor=mw.community_staff, meeting=meeting)
    actions.publish_minutes(actor=mw.community_staff, meeting=meeting)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.DELIBERATING


def test_a_collecting_topic_cannot_go_on_the_agenda(mw, now):
    collecting = topic_for(mw, take_up=False)
    with pytest.raises(ValidationError, match="not a topic taken up"):
        new_meeting(mw, now, topics=[collecting])
    meeting = new_meeting(mw, now)
    with pytest.raises(ValidationError, match="not a topic taken up"):
        actions.add_agenda_item(actor=mw.community_staff, meeting=meeting, topic=collecting)


# --- attendance ----------------------------------------------------------------------------------


def test_invited_people_and_members_of_invited_organisations_sign_themselves_in(mw, now):
    meeting = new_meeting(mw, now)
    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    opens = meeting.starts_at - timedelta(hours=1)

    in_person = actions.sign_in(actor=mw.resident, meeting=meeting, now=opens)
    member = actions.sign_in(actor=mw.member, meeting=meeting, now=opens)
    assert (in_person.organisation, in_person.entitled_to_vote, in_person.recorded_by) == (None, True, mw.resident)
    assert (member.organisation, member.entitled_to_vote) == (mw.company, True)
    assert in_person.signed_in_at == opens


def test_an_expert_signs_in_but_does_not_vote(mw, now):
    institute = Organisation.objects.create(kind=Organisation.Kind.CULTURAL, name="规划研究会", place=mw.subdistrict)
    scholar = make_person("韩学者", "13900000014")
    Membership.objects.create(person=scholar, organisation=institute)
    invitees = [
        Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=mw.company),
        Invitee(role=Stakeholder.EXPERT, person=mw.expert),
        Invitee(role=Stakeholder.EXPERT, organisation=institute),
    ]
    meeting = new_meeting(mw, now, invitees=invitees)
    in_session(mw, meeting, now)
    expert, member_of_expert_body, chair = sign_in_all(meeting, mw.expert, scholar, mw.property_staff)
    assert expert.entitled_to_vote is False
    assert (member_of_expert_body.organisation, member_of_expert_body.entitled_to_vote) == (institute, False)
    assert chair.entitled_to_vote is True
    # only the chair counts among those entitled to vote
    item = meeting.agenda.first()
    with pytest.raises(ValidationError, match="only 1 attendees are entitled"):
        actions.record_vote(actor=mw.property_staff, item=item, votes_for=2, votes_against=0, votes_abstain=0)


def test_an_expert_who_is_also_a_stakeholder_takes_part_in_that_role(mw, now):
    # invited in person as an expert, and a member of the invited property company
    Membership.objects.create(person=mw.expert, organisation=mw.company, position=Membership.Position.MEMBER)
    meeting = new_meeting(mw, now)
    in_session(mw, meeting, now)
    attendance = actions.sign_in(actor=mw.expert, meeting=meeting, now=at_start(meeting))
    assert (attendance.organisation, attendance.entitled_to_vote) == (mw.company, True)


def test_a_resident_invited_as_an_expert_votes_at_a_residents_meeting(mw, now):
    institute = Organisation.objects.create(kind=Organisation.Kind.CULTURAL, name="规划研究会", place=mw.subdistrict)
    Membership.objects.create(person=mw.neighbour, organisation=institute)
    meeting = new_meeting(
        mw,
        now,
        kind=Kind.RESIDENTS_MEETING,
        days=10,
        invitees=[Invitee(role=Stakeholder.EXPERT, person=mw.resident), Invitee(role=Stakeholder.EXPERT, organisation=institute)],
        residents_meeting_kind=ResidentsMeetingKind.ADULTS,
        eligible=7,
    )
    in_session(mw, meeting, now)
    invited_expert, member_of_expert_body = sign_in_all(meeting, mw.resident, mw.neighbour)
    assert invited_expert.entitled_to_vote is True
    assert member_of_expert_body.entitled_to_vote is True
    # an expert who does not live there still only advises
    outside_expert = actions.sign_in(actor=mw.community_staff, meeting=meeting, person=mw.expert, now=at_start(meeting))
    assert outside_expert.entitled_to_vote is False


def test_residents_sign_in_at_a_residents_meeting(mw, now):
    meeting = new_meeting(
        mw, now, kind=Kind.RESIDENTS_MEETING, days=10, invitees=[], residents_meeting_kind=ResidentsMeetingKind.ADULTS, eligible=7
    )
    in_session(mw, meeting, now)
    tenant, owner = sign_in_all(meeting, mw.neighbour, mw.b2_resident)
    assert tenant.entitled_to_vote and owner.entitled_to_vote


def test_signing_in_twice_is_refused(mw, now):
    meeting = new_meeting(mw, now)
    in_session(mw, meeting, now)
    actions.sign_in(actor=mw.resident, meeting=meeting, now=at_start(meeting))
    with pytest.raises(ValidationError, match="already signed in"):
        actions.sign_in(actor=mw.resident, meeting=meeting, now=at_start(meeting, 10))
    with pytest.raises(ValidationError, match="already signed in"):
        actions.sign_in(actor=mw.property_staff, meeting=meeting, person=mw.resident, now=at_start(meeting, 10))
    assert Attendance.objects.filter(meeting=meeting, person=mw.resident).count() == 1


def test_signing_in_opens_an_hour_before_the_start_and_closes_with_the_meeting(mw, now):
    meeting = new_meeting(mw, now)
    with pytest.raises(ValidationError, match="hour before"):
        actions.sign_in(actor=mw.resident, meeting=meeting, now=at_start(meeting))  # a draft: no notice yet
    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    with pytest.raises(ValidationError, match="hour before"):
        actions.sign_in(actor=mw.resident, meeting=meeting, now=meeting.starts_at - timedelta(minutes=61))
    assert not Attendance.objects.filter(meeting=meeting).exists()
    actions.sign_in(actor=mw.resident, meeting=meeting, now=meeting.starts_at - timedelta(minutes=59))
    actions.start_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting))
    actions.end_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting, 60))
    with pytest.raises(ValidationError, match="hour before"):
        actions.sign_in(actor=mw.member, meeting=meeting, now=at_start(meeting, 61))


def test_the_secretary_signs_someone_in(mw, now):
    meeting = new_meeting(mw, now)
    in_session(mw, meeting, now)
    attendance = actions.sign_in(actor=mw.secretary, meeting=meeting, person=mw.resident, now=at_start(meeting))
    assert (attendance.person, attendance.recorded_by, attendance.entitled_to_vote) == (mw.resident, mw.secretary, True)
    # someone neither invited nor a resident at a residents' meeting attends without a vote
    guest = actions.sign_in(actor=mw.secretary, meeting=meeting, person=mw.neighbour, now=at_start(meeting))
    assert guest.entitled_to_vote is False


# --- votes -------------------------------------------------------------------------------------------


def voting_meeting(mw, now, voters: int, **extra):
    """A meeting in session with ``voters`` attendees entitled to vote (invited residents)."""
    people = [make_person(f"居民{n}", f"1360000{n:04d}") for n in range(voters)]
    invitees = [Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=mw.company)]
    invitees += [Invitee(role=Stakeholder.RESIDENT, person=p) for p in people]
    meeting = new_meeting(mw, now, invitees=invitees, **extra)
    in_session(mw, meeting, now)
    sign_in_all(meeting, *people)
    return meeting, meeting.agenda.first()


@pytest.mark.parametrize(
    ("votes", "carried"),
    [
        ((3, 2, 0), True),
        ((2, 2, 1), False),  # a tie fails
        ((2, 1, 5), True),  # abstentions are not counted
        ((0, 0, 3), False),  # nothing for or against: nothing carried
    ],
)
def test_simple_majority(mw, now, votes, carried):
    meeting, item = voting_meeting(mw, now, 8)
    item = actions.record_vote(
        actor=mw.community_staff, item=item, votes_for=votes[0], votes_against=votes[1], votes_abstain=votes[2]
    )
    row = AgendaItem.objects.get(pk=item.pk)
    assert row.carried is carried
    assert row.majority == MajorityRule.SIMPLE and row.votes_present == 8
    assert row.result.startswith("Carried." if carried else "Not carried.")
    assert (row.votes_for, row.votes_against, row.votes_abstain) == votes
    assert row.voted_at is not None


def test_simple_majority_with_abstentions_counted(mw, now):
    meeting, item = voting_meeting(mw, now, 8, abstentions_count=True)
    item = actions.record_vote(actor=mw.community_staff, item=item, votes_for=3, votes_against=1, votes_abstain=3)
    assert item.carried is False and "including 3 abstentions" in item.result


@pytest.mark.parametrize(("votes", "carried"), [((4, 0, 0), False), ((5, 0, 0), True), ((5, 3, 0), True), ((4, 0, 4), False)])
def test_absolute_majority_of_those_present(mw, now, votes, carried):
    meeting, item = voting_meeting(mw, now, 8, majority=MajorityRule.ABSOLUTE_OF_PRESENT)
    item = actions.record_vote(
        actor=mw.community_staff, item=item, votes_for=votes[0], votes_against=votes[1], votes_abstain=votes[2]
    )
    assert item.carried is carried
    assert item.majority == MajorityRule.ABSOLUTE_OF_PRESENT
    assert "out of 8 present" in item.result


@pytest.mark.parametrize(("votes", "carried"), [((4, 2, 0), True), ((3, 2, 3), False), ((6, 3, 0), True), ((5, 3, 0), False)])
def test_two_thirds_of_votes_cast(mw, now, votes, carried):
    meeting, item = voting_meeting(mw, now, 9, majority=MajorityRule.TWO_THIRDS)
    item = actions.record_vote(
        actor=mw.community_staff, item=item, votes_for=votes[0], votes_against=votes[1], votes_abstain=votes[2]
    )
    assert item.carried is carried and item.majority == MajorityRule.TWO_THIRDS
    assert "at least two thirds" in item.result


def test_more_votes_than_attendees_entitled_to_vote_are_refused(mw, now):
    meeting, item = voting_meeting(mw, now, 3)
    with pytest.raises(ValidationError, match="4 votes recorded but only 3"):
        actions.record_vote(actor=mw.community_staff, item=item, votes_for=2, votes_against=1, votes_abstain=1)
    assert AgendaItem.objects.get(pk=item.pk).carried is None


@pytest.mark.parametrize("bad", [-1, True, "3", 1.0])
def test_vote_counts_are_whole_numbers(mw, now, bad):
    meeting, item = voting_meeting(mw, now, 3)
    with pytest.raises(ValidationError):
        actions.record_vote(actor=mw.community_staff, item=item, votes_for=bad, votes_against=0, votes_abstain=0)


def test_recording_a_vote_again_replaces_the_counts(mw, now):
    meeting, item = voting_meeting(mw, now, 5)
    actions.record_vote(actor=mw.community_staff, item=item, votes_for=3, votes_against=1, votes_abstain=1)
    actions.record_vote(
        actor=mw.property_staff, item=AgendaItem.objects.get(pk=item.pk), votes_for=1, votes_against=3, votes_abstain=0
    )
    row = AgendaItem.objects.get(pk=item.pk)
    assert (row.votes_for, row.votes_against, row.votes_abstain, row.votes_present) == (1, 3, 0, 5)
    assert row.carried is False


def test_a_vote_after_the_meeting_ended_is_recorded_while_the_minutes_are_a_draft(mw, now):
    meeting, item = voting_meeting(mw, now, 3)
    ended(mw, meeting, now)
    item = actions.record_vote(actor=mw.community_staff, item=item, votes_for=2, votes_against=1, votes_abstain=0)
    assert item.carried is True


def residents_meeting(mw, now, eligible, **extra):
    meeting = new_meeting(
        mw,
        now,
        kind=Kind.RESIDENTS_MEETING,
        days=10,
        invitees=[],
        residents_meeting_kind=ResidentsMeetingKind.HOUSEHOLD_REPRESENTATIVES,
        eligible=eligible,
        **extra,
    )
    in_session(mw, meeting, now)
    return meeting, meeting.agenda.first()


def test_a_residents_meeting_votes_only_with_a_quorum(mw, now):
    meeting, item = residents_meeting(mw, now, eligible=8)
    sign_in_all(meeting, mw.resident, mw.neighbour, mw.b2_resident, mw.building_leader)  # 4 of 8: exactly half
    with pytest.raises(ValidationError, match="No quorum: 4 present of 8"):
        actions.record_vote(actor=mw.community_staff, item=item, votes_for=4, votes_against=0, votes_abstain=0)
    assert AgendaItem.objects.get(pk=item.pk).carried is None

    meeting, item = residents_meeting(mw, now, eligible=7)  # 4 of 7: more than half
    sign_in_all(meeting, mw.resident, mw.neighbour, mw.b2_resident, mw.building_leader)
    item = actions.record_vote(actor=mw.community_staff, item=item, votes_for=3, votes_against=1, votes_abstain=0)
    assert item.carried is True and item.votes_present == 4


@pytest.mark.parametrize("asked", [MajorityRule.SIMPLE, MajorityRule.TWO_THIRDS])
def test_a_residents_meeting_decides_by_more_than_half_of_those_present_whatever_was_asked(mw, now, asked):
    meeting, item = residents_meeting(mw, now, eligible=7, majority=asked, abstentions_count=False)
    assert meeting.majority == MajorityRule.ABSOLUTE_OF_PRESENT
    sign_in_all(meeting, mw.resident, mw.neighbour, mw.b2_resident, mw.building_leader)
    # 2 for, 1 against: a simple majority and two thirds of votes cast, but not more than half of the 4 present
    item = actions.record_vote(actor=mw.community_staff, item=item, votes_for=2, votes_against=1, votes_abstain=1)
    assert item.carried is False and item.majority == MajorityRule.ABSOLUTE_OF_PRESENT


def test_a_residents_meeting_keeps_its_majority_even_if_the_row_was_changed(mw, now):
    meeting, item = residents_meeting(mw, now, eligible=7)
    Meeting.objects.filter(pk=meeting.pk).update(majority=MajorityRule.SIMPLE)  # e.g. edited in the admin
    sign_in_all(meeting, mw.resident, mw.neighbour, mw.b2_resident, mw.building_leader)
    item = actions.record_vote(
        actor=mw.community_staff, item=AgendaItem.objects.get(pk=item.pk), votes_for=2, votes_against=1, votes_abstain=1
    )
    assert item.carried is False and item.majority == MajorityRule.ABSOLUTE_OF_PRESENT


def test_more_present_than_the_stated_number_entitled_is_a_quorum_not_a_crash(mw, now):
    meeting, item = residents_meeting(mw, now, eligible=3)
    sign_in_all(meeting, mw.resident, mw.neighbour, mw.b2_resident, mw.building_leader)
    item = actions.record_vote(actor=mw.community_staff, item=item, votes_for=3, votes_against=1, votes_abstain=0)
    assert item.carried is True


def test_no_vote_before_the_meeting_opens(mw, now):
    meeting = new_meeting(mw, now)
    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    with pytest.raises(ValidationError, match="once the meeting is open"):
        actions.record_vote(actor=mw.community_staff, item=meeting.agenda.first(), votes_for=0, votes_against=0, votes_abstain=0)


# --- minutes ------------------------------------------------------------------------------------------


def test_minutes_are_approved_only_after_the_meeting_ended_then_published(mw, now):
    meeting = new_meeting(mw, now)
    in_session(mw, meeting, now)
    actions.record_summary(actor=mw.secretary, meeting=meeting, summary="  会议纪要  ")
    with pytest.raises(ValidationError, match="Close the meeting"):
        actions.approve_minutes(actor=mw.community_staff, meeting=meeting)
    with pytest.raises(ValidationError, match="Only approved minutes"):
        actions.publish_minutes(actor=mw.community_staff, meeting=meeting)
    ended(mw, meeting, now)

    minutes = actions.approve_minutes(actor=mw.community_staff, meeting=meeting, now=now)
    row = Minutes.objects.get(pk=minutes.pk)
    assert (row.status, row.summary, row.approved_by, row.version) == (Minutes.Status.APPROVED, "会议纪要", mw.community_staff, 2)
    with pytest.raises(ValidationError, match="Only draft minutes"):
        actions.approve_minutes(actor=mw.community_staff, meeting=meeting)

    actions.publish_minutes(actor=mw.community_staff, meeting=meeting)
    row.refresh_from_db()
    assert row.status == Minutes.Status.PUBLISHED and row.published_by == mw.community_staff
    with pytest.raises(ValidationError, match="Only approved minutes"):
        actions.publish_minutes(actor=mw.community_staff, meeting=meeting)
    assert Notification.objects.filter(recipient=mw.resident, subject__startswith="Minutes published").count() == 1


def test_a_stale_minutes_version_is_a_conflict(mw, now):
    meeting = new_meeting(mw, now)
    ended(mw, meeting, now)
    with pytest.raises(actions.Conflict):
        actions.approve_minutes(actor=mw.community_staff, meeting=meeting, version=7)
    assert Minutes.objects.get(meeting=meeting).status == Minutes.Status.DRAFT


@pytest.mark.parametrize("fixed_as", [Minutes.Status.APPROVED, Minutes.Status.PUBLISHED])
def test_once_approved_nothing_in_the_minutes_changes(mw, now, fixed_as):
    meeting, item = voting_meeting(mw, now, 3)
    actions.record_minute(actor=mw.secretary, item=item, discussion="讨论", decision="通过")
    actions.record_vote(actor=mw.secretary, item=item, votes_for=2, votes_against=1, votes_abstain=0)
    actions.record_summary(actor=mw.secretary, meeting=meeting, summary="纪要")
    ended(mw, meeting, now)
    actions.approve_minutes(actor=mw.community_staff, meeting=meeting)
    if fixed_as == Minutes.Status.PUBLISHED:
        actions.publish_minutes(actor=mw.community_staff, meeting=meeting)
    before = AgendaItem.objects.values().get(pk=item.pk)
    stale_item = AgendaItem.objects.get(pk=item.pk)

    with pytest.raises(ValidationError, match="can no longer be edited"):
        actions.record_minute(actor=mw.secretary, item=stale_item, discussion="改写", decision="否决")
    with pytest.raises(ValidationError, match="can no longer be edited"):
        actions.record_summary(actor=mw.secretary, meeting=meeting, summary="改写")
    with pytest.raises(ValidationError, match="can no longer be edited"):
        actions.record_vote(actor=mw.community_staff, item=stale_item, votes_for=0, votes_against=3, votes_abstain=0)

    assert AgendaItem.objects.values().get(pk=item.pk) == before
    assert Minutes.objects.get(meeting=meeting).summary == "纪要"


def test_amendments_are_for_approved_or_published_minutes_and_append_only(mw, now):
    meeting = new_meeting(mw, now)
    ended(mw, meeting, now)
    with pytest.raises(ValidationError, match="Draft minutes are edited directly"):
        actions.amend_minutes(actor=mw.community_staff, meeting=meeting, text="更正")
    actions.approve_minutes(actor=mw.community_staff, meeting=meeting)
    with pytest.raises(ValidationError, match="Write the amendment"):
        actions.amend_minutes(actor=mw.community_staff, meeting=meeting, text="  ")
    first = actions.amend_minutes(actor=mw.community_staff, meeting=meeting, text="更正：出席人数为 3 人")
    actions.publish_minutes(actor=mw.community_staff, meeting=meeting)
    second = actions.amend_minutes(actor=mw.community_staff, meeting=meeting, text="补充：附件二")
    minutes = Minutes.objects.get(meeting=meeting)
    assert list(minutes.amendments.values_list("text", flat=True)) == ["更正：出席人数为 3 人", "补充：附件二"]
    assert second.actor == mw.community_staff

    first.text = "改写历史"
    with pytest.raises(ValueError, match="append-only"):
        first.save()
    assert Amendment.objects.get(pk=first.pk).text == "更正：出席人数为 3 人"


def test_no_minutes_before_the_meeting_opens(mw, now):
    meeting = new_meeting(mw, now)
    with pytest.raises(ValidationError, match="once the meeting is open"):
        actions.record_summary(actor=mw.community_staff, meeting=meeting, summary="提前写")
    with pytest.raises(ValidationError, match="once the meeting is open"):
        actions.record_minute(actor=mw.community_staff, item=meeting.agenda.first(), decision="提前写")
    assert not Minutes.objects.filter(meeting=meeting).exists()


# --- the speaking queue ---------------------------------------------------------------------------


@pytest.fixture
def debate(mw, now):
    meeting = new_meeting(mw, now)
    in_session(mw, meeting, now)
    sign_in_all(meeting, mw.resident, mw.member, mw.property_staff, mw.expert)
    return meeting, meeting.agenda.first()


def waiting(meeting, item) -> list[int]:
    """The queue as stored in the database."""
    stored = fresh(meeting).speaking_queue
    return SpeakingQueue.from_dict(stored).waiting(item.pk) if stored else []


def test_first_time_speakers_go_first_and_the_queue_lives_in_the_database(mw, debate):
    meeting, item = debate
    chair = mw.community_staff
    a, b, c = mw.resident.pk, mw.member.pk, mw.property_staff.pk

    actions.raise_hand(actor=chair, meeting=meeting, item_id=item.pk, person_id=a)
    actions.raise_hand(actor=chair, meeting=fresh(meeting), item_id=item.pk, person_id=b)
    assert waiting(meeting, item) == [a, b]

    assert actions.give_floor(actor=chair, meeting=fresh(meeting), item_id=item.pk) == a
    actions.raise_hand(actor=chair, meeting=fresh(meeting), item_id=item.pk, person_id=a)  # a again, before c
    actions.raise_hand(actor=chair, meeting=fresh(meeting), item_id=item.pk, person_id=c)
    assert waiting(meeting, item) == [b, c, a]  # those who have not spoken first

    assert actions.give_floor(actor=chair, meeting=fresh(meeting), item_id=item.pk) == b
    assert actions.give_floor(actor=chair, meeting=fresh(meeting), item_id=item.pk) == c
    assert actions.give_floor(actor=chair, meeting=fresh(meeting), item_id=item.pk) == a
    queue = SpeakingQueue.from_dict(fresh(meeting).speaking_queue)
    assert (queue.speeches(a, item.pk), queue.speeches(b, item.pk)) == (2, 1)
    with pytest.raises(ValidationError, match="Nobody is waiting"):
        actions.give_floor(actor=chair, meeting=fresh(meeting), item_id=item.pk)


def test_the_speech_limit_per_motion_is_enforced(mw, now):
    meeting = new_meeting(mw, now, speeches_per_motion=1)
    in_session(mw, meeting, now)
    sign_in_all(meeting, mw.resident)
    item = meeting.agenda.first()
    chair = mw.community_staff
    actions.raise_hand(actor=chair, meeting=meeting, item_id=item.pk, person_id=mw.resident.pk, stance="pro")
    assert actions.give_floor(actor=chair, meeting=meeting, item_id=item.pk) == mw.resident.pk
    with pytest.raises(ValidationError, match="already spoken 1 times"):
        actions.raise_hand(actor=chair, meeting=meeting, item_id=item.pk, person_id=mw.resident.pk)
    with pytest.raises(ValidationError, match="already spoken 1 times"):
        actions.give_floor(actor=chair, meeting=meeting, item_id=item.pk, person_id=mw.resident.pk)
    assert SpeakingQueue.from_dict(fresh(meeting).speaking_queue).speeches(mw.resident.pk, item.pk) == 1


def test_the_limit_is_per_motion(mw, now):
    meeting = new_meeting(mw, now, speeches_per_motion=1, topics=[topic_for(mw, "一"), topic_for(mw, "二")])
    in_session(mw, meeting, now)
    sign_in_all(meeting, mw.resident)
    first, second = meeting.agenda.all()
    chair = mw.community_staff
    actions.give_floor(actor=chair, meeting=meeting, item_id=first.pk, person_id=mw.resident.pk)
    actions.give_floor(actor=chair, meeting=meeting, item_id=second.pk, person_id=mw.resident.pk)


def test_only_those_signed_in_may_speak(mw, debate):
    meeting, item = debate
    with pytest.raises(ValidationError, match="Only those signed in"):
        actions.raise_hand(actor=mw.community_staff, meeting=meeting, item_id=item.pk, person_id=mw.neighbour.pk)
    with pytest.raises(ValidationError, match="Only those signed in"):
        actions.give_floor(actor=mw.community_staff, meeting=meeting, item_id=item.pk, person_id=mw.neighbour.pk)
    assert waiting(meeting, item) == []


def test_a_hand_is_raised_once_and_can_be_lowered(mw, debate):
    meeting, item = debate
    chair = mw.community_staff
    actions.raise_hand(actor=chair, meeting=meeting, item_id=item.pk, person_id=mw.resident.pk, stance="con")
    with pytest.raises(ValidationError, match="already waiting"):
        actions.raise_hand(actor=chair, meeting=meeting, item_id=item.pk, person_id=mw.resident.pk)
    actions.lower_hand(actor=chair, meeting=fresh(meeting), item_id=item.pk, person_id=mw.resident.pk)
    assert waiting(meeting, item) == []


def test_an_unknown_stance_is_a_validation_error(mw, debate):
    meeting, item = debate
    with pytest.raises(ValidationError):
        actions.raise_hand(actor=mw.community_staff, meeting=meeting, item_id=item.pk, person_id=mw.resident.pk, stance="maybe")
    assert waiting(meeting, item) == []


def test_an_item_of_another_meeting_is_refused(mw, now, debate):
    meeting, _item = debate
    other = new_meeting(mw, now, title="另一会议")
    with pytest.raises(ValidationError, match="not on this meeting's agenda"):
        actions.raise_hand(actor=mw.community_staff, meeting=meeting, item_id=other.agenda.first().pk, person_id=mw.resident.pk)


def test_the_queue_runs_only_in_session(mw, now):
    meeting = new_meeting(mw, now)
    actions.send_notice(actor=mw.community_staff, meeting=meeting, now=now)
    actions.sign_in(actor=mw.resident, meeting=meeting, now=at_start(meeting, -30))
    item = meeting.agenda.first()
    with pytest.raises(ValidationError, match="in session"):
        actions.raise_hand(actor=mw.community_staff, meeting=meeting, item_id=item.pk, person_id=mw.resident.pk)
    actions.start_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting))
    actions.raise_hand(actor=mw.community_staff, meeting=meeting, item_id=item.pk, person_id=mw.resident.pk)
    stale = fresh(meeting)
    actions.end_meeting(actor=mw.community_staff, meeting=meeting, now=at_start(meeting, 60))
    with pytest.raises(ValidationError, match="in session"):
        actions.give_floor(actor=mw.community_staff, meeting=meeting, item_id=item.pk)
    with pytest.raises(ValidationError, match="in session"):  # a copy read before the meeting ended
        actions.give_floor(actor=mw.community_staff, meeting=stale, item_id=item.pk)


# --- two at once (PostgreSQL) --------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_signing_one_person_in_twice_at_once_records_one_attendance(mw, now):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite serialises writers")
    meeting = new_meeting(mw, now)
    in_session(mw, meeting, now)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def sign(actor_pk: int) -> None:
        try:
            actor = Person.objects.get(pk=actor_pk)
            seen = Meeting.objects.get(pk=meeting.pk)
            start.wait(timeout=10)
            actions.sign_in(actor=actor, meeting=seen, person=Person.objects.get(pk=mw.resident.pk), now=at_start(meeting))
            outcomes.append("signed in")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(pk,)) for pk in (mw.resident.pk, mw.secretary.pk)]
    run_together(threads, timeout=30)
    assert sorted(outcomes) == ["refused", "signed in"]
    assert Attendance.objects.filter(meeting=meeting, person=mw.resident).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_vote_racing_the_approval_of_the_minutes_does_not_change_approved_minutes(mw, now, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite serialises writers")
    import time

    from core import audit

    meeting = new_meeting(mw, now)
    in_session(mw, meeting, now)
    sign_in_all(meeting, mw.resident, mw.property_staff)
    item = meeting.agenda.first()
    actions.record_vote(actor=mw.community_staff, item=item, votes_for=2, votes_against=0, votes_abstain=0)
    ended(mw, meeting, now)

    # The approval holds its transaction open (after its UPDATE of the minutes) until the vote has
    # either finished or is seen waiting on a row lock.
    voter_done = threading.Event()
    real_record = audit.record

    def record_held(**kwargs):
        if kwargs["action"] == "minutes.approved":
            voting.set()
            deadline = time.monotonic() + 10
            with connection.cursor() as cursor:
                while time.monotonic() < deadline and not voter_done.is_set():
                    cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                    if cursor.fetchone()[0]:
                        break
                    time.sleep(0.01)
        return real_record(**kwargs)

    monkeypatch.setattr(audit, "record", record_held)
    voting = threading.Event()
    outcomes: dict[str, str] = {}

    def approve() -> None:
        try:
            actions.approve_minutes(actor=Person.objects.get(pk=mw.community_staff.pk), meeting=fresh(meeting))
            outcomes["approve"] = "done"
        finally:
            connection.close()

    def vote() -> None:
        try:
            voting.wait(timeout=10)
            seen = AgendaItem.objects.select_related("meeting").get(pk=item.pk)
            actions.record_vote(
                actor=Person.objects.get(pk=mw.community_staff.pk), item=seen, votes_for=0, votes_against=2, votes_abstain=0
            )
            outcomes["vote"] = "done"
        except ValidationError:
            outcomes["vote"] = "refused"
        finally:
            voter_done.set()
            connection.close()

    threads = [threading.Thread(target=approve), threading.Thread(target=vote)]
    run_together(threads, timeout=30)

    assert outcomes == {"approve": "done", "vote": "refused"}
    assert Minutes.objects.get(meeting=meeting).status == Minutes.Status.APPROVED
    row = AgendaItem.objects.get(pk=item.pk)
    assert (row.votes_for, row.votes_against, row.carried) == (2, 0, True)
