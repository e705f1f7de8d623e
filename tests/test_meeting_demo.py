"""What ``deliberation.demo`` and ``meetings.demo`` seed: topics in every state of the procedure and
meetings of every kind in 灯湖社区, written through the real actions, that the demo sign-ins can open.

Seeding takes several seconds, so one test seeds once and checks everything that needs the data.
"""

import io
import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cases.models import Status as CaseStatus
from core.models import Notification, OutboxMessage
from deliberation import access as topic_access
from deliberation import demo as topic_demo
from deliberation.models import Endorsement, Source, Topic
from deliberation.models import Status as TopicStatus
from meetings import access as meeting_access
from meetings import demo as meeting_demo
from meetings.models import ActionItem, Amendment, Kind, Meeting, Minutes
from meetings.models import Status as MeetingStatus
from people.demo import data as demo_data
from people.management.commands.seed_demo import app_seeders
from people.models import Person
from places.models import Place


def test_seed_demo_runs_cases_then_topics_then_meetings():
    """meetings.demo needs the topics deliberation.demo took up, and both need cases.demo's reports."""
    from cases import demo as case_demo

    seeders = app_seeders()
    order = [seeders.index(s) for s in (case_demo.seed, topic_demo.seed, meeting_demo.seed)]
    assert order == sorted(order)


def _sign_in(client, account) -> None:
    client.logout()
    response = client.post(reverse("people:login"), {"mobile": account["mobile"], "password": demo_data.DEMO_PASSWORD})
    assert response.status_code == 302, account


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _signature() -> list:
    """Who raised, endorsed and takes part in each topic (the statuses depend on meetings.demo too)."""
    topics = Topic.objects.order_by("id").prefetch_related("endorsements", "participants")
    return [
        (
            t.title,
            t.proposer_id,
            sorted(e.person_id for e in t.endorsements.all()),
            sorted((p.role, p.organisation_id or 0, p.person_id or 0) for p in t.participants.all()),
        )
        for t in topics
    ]


@pytest.mark.django_db
def test_the_demo_has_topics_and_meetings_in_every_state(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    now = timezone.now()
    persons = {a["key"]: Person.objects.get(mobile=a["mobile"]) for a in demo_data.DEMO_ACCOUNTS}
    denghu = Place.objects.get(name=topic_demo.COMMUNITY)
    topics = Topic.objects.filter(community=denghu)
    assert f"  {'topics':<20} {Topic.objects.count():>7,}" in printed
    assert f"  {'meetings':<20} {Meeting.objects.count():>7,}" in printed

    # Topics: every state of the procedure, the counts right, the paths in order.
    assert 12 <= topics.count() <= 16
    assert set(topics.values_list("status", flat=True)) == set(TopicStatus.values) - {TopicStatus.RESIDENTS_MEETING}
    assert not topics.annotate(n=Count("endorsements__unit", distinct=True)).exclude(n=F("endorsed_households")).exists()
    for topic in topics.prefetch_related("steps"):
        moments = [s.at for s in topic.steps.all()]
        assert moments == sorted(moments) and moments[0] == topic.created_at and moments[-1] <= now, topic.title
    threshold = topic_demo.THRESHOLD_HOUSEHOLDS
    resident = persons["resident"]
    mine = topics.get(proposer=resident)
    assert (mine.status, mine.endorsed_households) == (TopicStatus.COLLECTING, threshold - 1)
    on_list = topics.on_decision_list()
    assert on_list.filter(endorsed_households__gte=threshold, endorsements__person=resident).exists()
    assert topics.filter(status=TopicStatus.DECLINED).exclude(decision_reason="").exists()
    from_report = topics.get(source=Source.PROBLEM_REPORT)
    assert from_report.case.needs_meeting and from_report.status == TopicStatus.OUTCOME_PUBLISHED
    assert topics.filter(status=TopicStatus.CLOSED).exclude(feedback="").exists()
    taken_up = topics.filter(participants__organisation__name=demo_data.DEMO_COMPANY)
    assert taken_up.filter(participants__person=persons["property_staff"]).exists()
    # Who sees them: the resident her community's topics, the property staff the ones they take part in.
    assert topic_access.topics_for(resident).filter(pk=mine.pk).exists()
    assert topic_access.topics_for(persons["property_staff"]).filter(pk=from_report.pk).exists()

    # Meetings: every kind and state.
    meetings = Meeting.objects.all()
    assert {Kind.JOINT, Kind.COUNCIL, Kind.OWNERS_COMMITTEE, Kind.RESIDENTS_MEETING} == set(
        meetings.values_list("kind", flat=True)
    )
    assert set(MeetingStatus.values) - {MeetingStatus.IN_SESSION} == set(meetings.values_list("status", flat=True))
    joint = meetings.get(kind=Kind.JOINT, status=MeetingStatus.ENDED)
    assert joint.path == denghu.path and joint.room is not None
    assert joint.attendances.filter(person=persons["property_staff"], entitled_to_vote=True).exists()
    assert joint.minutes.status == Minutes.Status.PUBLISHED
    assert joint.agenda.filter(carried=True, votes_present=joint.attendances.filter(entitled_to_vote=True).count()).exists()
    assert not joint.agenda.filter(decision="").exists()
    assert Amendment.objects.filter(minutes=joint.minutes).exists()
    # Its action items: one done with evidence that resolved its report, one in progress, one overdue.
    items = ActionItem.objects.filter(meeting=joint)
    done = items.get(status=ActionItem.Status.DONE)
    assert done.evidence and done.case.status == CaseStatus.RESOLVED
    assert done.owner_person == persons["property_staff"]
    events = list(done.case.events.values_list("at", flat=True))
    assert events == sorted(events) and events[-1] <= now
    assert items.filter(status=ActionItem.Status.IN_PROGRESS).exists()
    overdue = [i for i in items if i.is_overdue()]
    assert overdue and overdue[0].owner_person == persons["building_leader"]
    assert meeting_access.action_items_for(persons["property_staff"]).filter(pk=done.pk).exists()
    # Next week's residents' deliberation meeting: notice sent, its topics notified.
    council = meetings.get(kind=Kind.COUNCIL, status=MeetingStatus.NOTIFIED)
    assert now + timedelta(days=3) < council.starts_at < now + timedelta(days=8)
    assert council.agenda.filter(topic__status=TopicStatus.NOTICE_PUBLISHED).count() >= 2
    assert meeting_access.meetings_for(resident).filter(pk=council.pk).exists()
    assert meeting_access.is_invited(resident, council)
    # The residents' meeting: quorate, its decision carried, its topic being implemented.
    assembly = meetings.get(kind=Kind.RESIDENTS_MEETING)
    present = assembly.attendances.filter(entitled_to_vote=True).count()
    assert assembly.eligible and present * 2 > assembly.eligible
    assert assembly.agenda.get().carried and assembly.agenda.get().votes_present == present
    assert assembly.agenda.get().topic.status == TopicStatus.IMPLEMENTING
    assert assembly.attendances.filter(person=resident).exists()
    assert meetings.filter(status=MeetingStatus.CANCELLED).exclude(cancel_reason="").exists()
    assert meetings.filter(kind=Kind.OWNERS_COMMITTEE, minutes__status=Minutes.Status.APPROVED).exists()
    # The SMS and e-mail this history queued were never sent; nothing is dated in the future.
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxMessage.Status.FAILED}
    assert not Notification.objects.filter(created_at__gt=now).exists()

    # The same seed chooses the same people (the moments follow the clock).
    signature = _signature()
    with transaction.atomic():
        ActionItem.objects.all().delete()
        Meeting.objects.all().delete()
        Endorsement.objects.all().delete()
        Topic.objects.all().delete()
        topic_demo.seed(random.Random(2021), now)
        again = _signature()
        transaction.set_rollback(True)
    assert again == signature

    # The demo sign-ins open the pages (where those pages are mounted).
    pages = [_url("deliberation:index"), _url("meetings:index")]
    for account in demo_data.DEMO_ACCOUNTS:
        _sign_in(client, account)
        for url in filter(None, pages):
            assert client.get(url).status_code == 200, (account["key"], url)
    _sign_in(client, demo_data.DEMO_BY_KEY["community_staff"])
    for url in (_url("meetings:meeting", joint.pk), _url("deliberation:topic", from_report.pk), _url("meetings:actions")):
        if url:
            assert client.get(url).status_code == 200, url
    _sign_in(client, demo_data.DEMO_BY_KEY["property_staff"])
    for url in (_url("meetings:action", done.pk), _url("meetings:meeting", joint.pk)):
        if url:
            assert client.get(url).status_code == 200, url
    _sign_in(client, demo_data.DEMO_BY_KEY["resident"])
    for url in (_url("meetings:meeting", council.pk), _url("deliberation:topic", mine.pk)):
        if url:
            assert client.get(url).status_code == 200, url

    # The back office: community staff see their community's rows; the record is read-only.
    staff = persons["community_staff"]
    client.force_login(staff)
    for model in ("deliberation_topic", "deliberation_topicstep", "meetings_meeting", "meetings_minutes", "meetings_amendment"):
        assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200, model
    assert client.get(reverse("admin:meetings_actionitem_changelist") + "?due=overdue").status_code == 200
    minutes_page = reverse("admin:meetings_minutes_change", args=[joint.minutes.pk])
    assert b'name="_save"' not in client.get(minutes_page).content
    assert client.post(minutes_page, {"summary": "改写"}).status_code == 403
    assert Minutes.objects.get(pk=joint.minutes.pk).summary != "改写"
    step_page = reverse("admin:deliberation_topicstep_change", args=[from_report.steps.first().pk])
    assert b'name="_save"' not in client.get(step_page).content
    assert client.get(reverse("admin:deliberation_topicstep_add")).status_code == 403
    elsewhere = meetings.filter(kind=Kind.OWNERS_COMMITTEE).exclude(path__startswith=denghu.path).first()
    if elsewhere is not None:
        assert client.get(reverse("admin:meetings_meeting_change", args=[elsewhere.pk])).status_code == 302
    # Correcting a title writes the title only: a count changed meanwhile on the site stays.
    Topic.objects.filter(pk=mine.pk).update(endorsed_households=threshold)
    page = reverse("admin:deliberation_topic_change", args=[mine.pk])
    form = {"title": "中铁建水岸公馆增设电动自行车集中充电棚（修订）", "description": mine.description}
    for prefix in ("participants", "steps"):
        form |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    assert client.post(page, form).status_code == 302
    mine.refresh_from_db()
    assert (mine.title.endswith("（修订）"), mine.endorsed_households, mine.status) == (True, threshold, TopicStatus.COLLECTING)
