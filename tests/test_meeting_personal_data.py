"""A person's topics, endorsements, meetings and action items in their data download, and what erasure
does to them: the public record (topics, minutes, decisions, attendance) stays, the person's own
choices (proposing, endorsing, future participation) go, and open work they owned is handed on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEntry, Notification
from deliberation import actions as topic_actions
from deliberation.actions import Invitee as TopicInvitee
from deliberation.models import Endorsement, Format, Source, Stakeholder, Topic, TopicParticipant
from deliberation.models import Status as TopicStatus
from meetings import actions
from meetings.actions import Invitee
from meetings.models import ActionItem, Amendment, Attendance, Invitation, Kind, Minutes
from meetings.models import Status as MeetingStatus
from people import actions as people_actions
from people.models import Organisation


def _raise(world, person, title):
    return topic_actions.raise_topic(
        proposer=person, community=world.community, title=title, description=f"{title}，大家怎么看？", source=Source.RESIDENT
    )


def _take_up(world, topic, *people):
    return topic_actions.decide_topic(
        actor=world.community_staff,
        topic=topic,
        take_up=True,
        participants=[TopicInvitee(role=Stakeholder.RESIDENT, person=p) for p in people],
        format=Format.COMPOUND,
    )


def _close(world, topic, now):
    """Through the whole procedure, the outcome's comment period passed by moving the clock."""
    steps = [
        (TopicStatus.NOTICE_PUBLISHED, ""),
        (TopicStatus.DELIBERATING, ""),
        (TopicStatus.OUTCOME_RECORDED, "同意"),
        (TopicStatus.OUTCOME_PUBLISHED, ""),
    ]
    for status, note in steps:
        topic_actions.advance_topic(actor=world.community_staff, topic=topic, to_status=status, note=note, now=now)
    later = now + timedelta(days=30)
    for status, note in [(TopicStatus.IMPLEMENTING, ""), (TopicStatus.FEEDBACK_PUBLISHED, "已完成"), (TopicStatus.CLOSED, "")]:
        topic_actions.advance_topic(actor=world.community_staff, topic=topic, to_status=status, note=note, now=later)
    return topic


def _meeting(world, title, starts, topics=(), invite=()):
    return actions.create_meeting(
        actor=world.community_staff,
        community=world.community,
        kind=Kind.JOINT,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        location="社区党群服务中心",
        invitees=[Invitee(role=Stakeholder.RESIDENT, person=p) for p in invite],
        topics=topics,
    )


@pytest.fixture
def history(world):
    """李居民 (world.resident) proposed one topic, endorsed a neighbour's, took part in a closed topic
    and an open one, attended a meeting with published and amended minutes, owns an open and a done
    action item, and is invited to a meeting next week."""
    w = world
    now = timezone.now()
    w.rc = Organisation.objects.create(kind=Organisation.Kind.RESIDENTS_COMMITTEE, name="灯湖社区居民委员会", place=w.community)
    w.own = _raise(w, w.resident, "楼下增设充电桩")
    w.neighbours = _raise(w, w.neighbour, "垃圾分类点移位")
    topic_actions.endorse_topic(person=w.b2_resident, topic=w.neighbours)
    topic_actions.endorse_topic(person=w.resident, topic=w.neighbours)
    w.closed = _close(w, _take_up(w, _raise(w, w.b2_resident, "楼道照明改造"), w.resident), now)
    w.open = _take_up(w, _raise(w, w.b2_resident, "停车位规划"), w.resident, w.b2_resident)

    starts = now + timedelta(days=5)
    w.meeting = _meeting(w, "联席会议", starts, topics=[w.open], invite=[w.resident, w.b2_resident])
    actions.send_notice(actor=w.community_staff, meeting=w.meeting, now=now)
    actions.start_meeting(actor=w.community_staff, meeting=w.meeting, now=starts)
    for person in (w.resident, w.b2_resident):
        actions.sign_in(actor=person, meeting=w.meeting, now=starts)
    w.item = w.meeting.agenda.get()
    actions.record_minute(actor=w.community_staff, item=w.item, discussion="讨论", decision="同意划定访客车位")
    actions.record_vote(actor=w.community_staff, item=w.item, votes_for=2, votes_against=0, votes_abstain=0)
    actions.end_meeting(actor=w.community_staff, meeting=w.meeting, now=starts + timedelta(hours=2))
    actions.approve_minutes(actor=w.community_staff, meeting=w.meeting)
    actions.publish_minutes(actor=w.community_staff, meeting=w.meeting)
    w.amendment = actions.amend_minutes(actor=w.community_staff, meeting=w.meeting, text="补充：试行三个月")
    w.open_item = actions.create_action_item(
        actor=w.community_staff, agenda_item=w.item, title="张贴车位公告", owner_person=w.resident, due_on=timezone.localdate()
    )
    w.done_item = actions.create_action_item(
        actor=w.community_staff, agenda_item=w.item, title="统计访客车辆", owner_person=w.resident, due_on=timezone.localdate()
    )
    actions.update_action_item(actor=w.resident, item=w.done_item, status=ActionItem.Status.DONE, evidence="已统计")
    w.next_week = _meeting(w, "居民议事会", now + timedelta(days=7), topics=[], invite=[w.resident])
    actions.add_agenda_item(actor=w.community_staff, meeting=w.next_week, title="其他事项")
    actions.send_notice(actor=w.community_staff, meeting=w.next_week, now=now)
    return w


def test_the_data_download_lists_topics_endorsements_meetings_and_action_items(history):
    w = history
    data = people_actions.export_personal_data(person=w.resident)

    assert [t["id"] for t in data["topics_raised"]] == [w.own.pk]
    assert data["topics_raised"][0]["description"] == "楼下增设充电桩，大家怎么看？"
    endorsed = {e["topic"]: e for e in data["topic_endorsements"]}
    assert set(endorsed) == {w.own.pk, w.neighbours.pk}  # proposing is endorsing
    assert endorsed[w.neighbours.pk]["household"] == "1栋 101"
    assert {(p["topic"], p["role"]) for p in data["topic_participation"]} == {
        (w.closed.pk, Stakeholder.RESIDENT),
        (w.open.pk, Stakeholder.RESIDENT),
    }
    attended = data["meetings_attended"]
    assert [(a["meeting"], a["entitled_to_vote"]) for a in attended] == [(w.meeting.pk, True)]
    assert {i["meeting"] for i in data["meetings_invited"]} == {w.meeting.pk, w.next_week.pk}
    assert {(i["id"], i["owner"], i["status"]) for i in data["action_items"]} == {
        (w.open_item.pk, True, ActionItem.Status.OPEN),
        (w.done_item.pk, True, ActionItem.Status.DONE),
    }
    assert data["minutes_amendments"] == []  # written by staff, not by her

    staff = people_actions.export_personal_data(person=w.community_staff)
    assert [a["text"] for a in staff["minutes_amendments"]] == ["补充：试行三个月"]
    assert {m["meeting"] for m in staff["meetings_organised"]} == {w.meeting.pk, w.next_week.pk}
    neighbour = people_actions.export_personal_data(person=w.neighbour)
    assert [t["id"] for t in neighbour["topics_raised"]] == [w.neighbours.pk]


def test_erasure_keeps_the_public_record_and_unlinks_the_person(history):
    w = history
    before = Topic.objects.get(pk=w.neighbours.pk).endorsed_households
    assert before == 3

    people_actions.erase_person(person=w.resident)

    # Topics stay; who raised them and their endorsements go, the households recounted.
    own = Topic.objects.get(pk=w.own.pk)
    assert own.proposer is None and own.title == "楼下增设充电桩"
    assert not Endorsement.objects.filter(person=w.resident).exists()
    assert Topic.objects.get(pk=w.neighbours.pk).endorsed_households == 2
    assert own.endorsed_households == 0
    # Participation: kept in the closed topic (the record), dropped from the open one.
    assert TopicParticipant.objects.filter(topic=w.closed, person=w.resident).exists()
    assert not TopicParticipant.objects.filter(topic=w.open, person=w.resident).exists()
    assert TopicParticipant.objects.filter(topic=w.open, person=w.b2_resident).exists()

    # Minutes, votes and attendance stay as published; the amendment too.
    minutes = Minutes.objects.get(meeting=w.meeting)
    assert minutes.status == Minutes.Status.PUBLISHED
    w.item.refresh_from_db()
    assert (w.item.votes_present, w.item.carried, w.item.decision) == (2, True, "同意划定访客车位")
    assert Attendance.objects.filter(meeting=w.meeting).count() == 2
    assert Amendment.objects.filter(pk=w.amendment.pk).exists()
    # Invitations: kept for the meeting held, dropped for the one not yet held.
    assert Invitation.objects.filter(meeting=w.meeting, person=w.resident).exists()
    assert not Invitation.objects.filter(meeting=w.next_week, person=w.resident).exists()
    assert w.next_week.status == MeetingStatus.NOTIFIED

    # Open work goes to the residents' committee; done work keeps its owner (the anonymised account).
    open_item = ActionItem.objects.get(pk=w.open_item.pk)
    assert (open_item.owner_person, open_item.owner_organisation) == (None, w.rc)
    assert open_item.version == w.open_item.version + 1
    done_item = ActionItem.objects.get(pk=w.done_item.pk)
    assert done_item.owner_person_id == w.resident.pk and done_item.evidence == "已统计"
    assert AuditEntry.objects.filter(action="action.owner_erased", object_id=str(open_item.pk)).exists()
    told = Notification.objects.filter(recipient=w.community_staff, link=f"/meetings/actions/{open_item.pk}/")
    assert told.filter(subject__contains="张贴车位公告").exists()

    # The person is anonymised and the exported data of the account is now empty of her choices.
    data = people_actions.export_personal_data(person=w.resident)
    assert data["topics_raised"] == [] and data["topic_endorsements"] == []


def test_open_work_stays_with_the_erased_account_where_there_is_no_residents_committee(history):
    w = history
    w.rc.delete()

    people_actions.erase_person(person=w.resident)

    item = ActionItem.objects.get(pk=w.open_item.pk)
    assert item.owner_person_id == w.resident.pk and item.owner_organisation is None
    assert item.status == ActionItem.Status.OPEN
    entry = AuditEntry.objects.get(action="action.owner_erased", object_id=str(item.pk))
    assert entry.detail["handed_to"] is None
    assert Notification.objects.filter(recipient=w.community_staff, link=f"/meetings/actions/{item.pk}/").exists()
