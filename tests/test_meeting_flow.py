"""A topic from a problem report, through a joint meeting and its minutes, to a done action item that
resolves the report: the whole path through ``deliberation`` and ``meetings`` actions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import actions as case_actions
from cases.models import Case, Category
from cases.models import Status as CaseStatus
from core.models import OutboxMessage
from deliberation import actions as topic_actions
from deliberation.actions import Invitee as TopicInvitee
from deliberation.models import Format, Stakeholder
from deliberation.models import Status as TopicStatus
from meetings import actions
from meetings.actions import Invitee
from meetings.models import ActionItem, Kind, Minutes, Status
from people.models import Membership


@pytest.fixture
def meeting_world(world):
    Membership.objects.create(person=world.property_staff, organisation=world.company, position=Membership.Position.CHAIR)
    world.property_staff.email = "zhou@example.com"
    world.property_staff.save(update_fields=["email"])
    return world


def test_from_a_report_to_a_closed_action_item(meeting_world):
    w = meeting_world
    now = timezone.now()
    category = Category.objects.get(code="water-pipes")
    case = case_actions.submit_case(
        reporter=w.resident, category=category, place=w.building, description="1栋地下水管爆了", details={"still_leaking": "yes"}
    )
    case_actions.transition_case(actor=w.community_staff, case=case, action="accept")
    Case.objects.filter(pk=case.pk).update(needs_meeting=True)  # e.g. the reporter reopened it before
    case.refresh_from_db()
    topic = topic_actions.raise_topic_from_case(actor=w.community_staff, case=case)
    topic = topic_actions.decide_topic(
        actor=w.community_staff,
        topic=topic,
        take_up=True,
        participants=[TopicInvitee(role=Stakeholder.PROPERTY_COMPANY, organisation=w.company)],
        format=Format.COMPOUND,
    )

    meeting = actions.create_meeting(
        actor=w.community_staff,
        community=w.community,
        kind=Kind.JOINT,
        title="联席会议：1栋水管",
        starts_at=now + timedelta(days=5),
        ends_at=now + timedelta(days=5, hours=2),
        location="社区党群服务中心",
        invitees=[Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=w.company)],
        topics=[topic],
    )
    actions.send_notice(actor=w.community_staff, meeting=meeting, now=now)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.NOTICE_PUBLISHED
    mail = OutboxMessage.objects.get(channel="email", address="zhou@example.com")
    assert mail.attachment_name == "invite.ics" and "BEGIN:VEVENT" in mail.attachment

    at_meeting = meeting.starts_at + timedelta(minutes=5)
    actions.start_meeting(actor=w.community_staff, meeting=meeting, now=at_meeting)
    attendance = actions.sign_in(actor=w.property_staff, meeting=meeting, now=at_meeting)
    assert attendance.organisation == w.company and attendance.entitled_to_vote
    item = meeting.agenda.get()
    actions.record_minute(actor=w.property_staff, item=item, discussion="物业说明情况", decision="物业三天内更换水管")
    item = actions.record_vote(actor=w.property_staff, item=item, votes_for=1, votes_against=0, votes_abstain=0)
    assert item.carried is True and item.votes_present == 1
    actions.end_meeting(actor=w.community_staff, meeting=meeting, now=at_meeting + timedelta(hours=2))
    meeting.refresh_from_db()
    assert meeting.status == Status.ENDED
    actions.approve_minutes(actor=w.community_staff, meeting=meeting)
    minutes = actions.publish_minutes(actor=w.community_staff, meeting=meeting)
    assert minutes.status == Minutes.Status.PUBLISHED
    topic.refresh_from_db()
    assert topic.status == TopicStatus.OUTCOME_RECORDED
    assert "更换水管" in topic.outcome

    action = actions.create_action_item(
        actor=w.community_staff,
        agenda_item=item,
        title="更换1栋水管",
        owner_organisation=w.company,
        due_on=timezone.localdate() + timedelta(days=3),
    )
    assert action.case_id == case.pk and action.topic_id == topic.pk
    actions.update_action_item(actor=w.property_staff, item=action, status=ActionItem.Status.DONE, evidence="已更换，试水正常")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
