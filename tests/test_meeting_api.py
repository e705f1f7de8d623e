"""The meetings JSON API: meetings, agenda, attendance, the speaking queue, minutes, votes and action
items, through the same access and actions as the pages."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import actions as case_actions
from cases.models import Case, Category
from cases.models import Status as CaseStatus
from deliberation import actions as topic_actions
from deliberation.models import Format, Source, Stakeholder
from deliberation.models import Status as TopicStatus
from meetings import actions
from meetings.models import ActionItem, AgendaItem, Amendment, Attendance, Meeting, Minutes, Status
from people import actions as people_actions
from people.models import Membership


def post(client, url: str, body: dict | None = None, **extra):
    return client.post(url, body or {}, content_type="application/json", **extra)


def put(client, url: str, body: dict, **extra):
    return client.put(url, body, content_type="application/json", **extra)


def as_(client, person):
    client.force_login(person)
    return client


@pytest.fixture
def w(world):
    """The property company's chair (周物业) represents it; a topic taken up with the resident and the company."""
    Membership.objects.create(person=world.property_staff, organisation=world.company, position=Membership.Position.CHAIR)
    topic = topic_actions.raise_topic(
        proposer=world.resident, community=world.community, title="加装电梯", description="1栋加装电梯", source=Source.RESIDENT
    )
    world.topic = topic_actions.decide_topic(
        actor=world.community_staff,
        topic=topic,
        take_up=True,
        participants=[topic_actions.Invitee(role=Stakeholder.RESIDENT, person=world.resident)],
        format=Format.COMPOUND,
    )
    return world


def meeting_body(w, **extra) -> dict:
    starts = timezone.now() + timedelta(days=5)
    return {
        "community_id": w.community.pk,
        "kind": "joint",
        "title": "联席会议：加装电梯",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "location": "社区党群服务中心",
        "invitees": [
            {"role": "property_company", "organisation_id": w.company.pk},
            {"role": "resident", "person_id": w.resident.pk},
        ],
        "topic_ids": [w.topic.pk],
        "rules": {"speech_seconds": 90, "speeches_per_motion": 2},
        **extra,
    }


def create(w) -> Meeting:
    return actions.create_meeting(
        actor=w.community_staff,
        community=w.community,
        kind="joint",
        title="联席会议：加装电梯",
        starts_at=timezone.now() + timedelta(days=5),
        ends_at=timezone.now() + timedelta(days=5, hours=2),
        location="社区党群服务中心",
        invitees=[
            actions.Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=w.company),
            actions.Invitee(role=Stakeholder.RESIDENT, person=w.resident),
        ],
        topics=[w.topic],
    )


@pytest.fixture
def meeting(w) -> Meeting:
    return create(w)


@pytest.fixture
def notified(w, meeting) -> Meeting:
    return actions.send_notice(actor=w.community_staff, meeting=meeting)


@pytest.fixture
def in_session(w, notified):
    """The clock at five minutes past the start, the meeting open, the company's chair and the invited
    resident signed in."""
    with time_machine.travel(notified.starts_at + timedelta(minutes=5), tick=False):
        actions.start_meeting(actor=w.community_staff, meeting=notified)
        actions.sign_in(actor=w.property_staff, meeting=notified)
        actions.sign_in(actor=w.resident, meeting=notified)
        yield notified


def ended(w, meeting, decision="物业三个月内完成加装") -> AgendaItem:
    item = meeting.agenda.get()
    actions.record_minute(actor=w.community_staff, item=item, discussion="讨论了费用", decision=decision)
    item = actions.record_vote(actor=w.community_staff, item=item, votes_for=2, votes_against=0, votes_abstain=0)
    actions.end_meeting(actor=w.community_staff, meeting=meeting)
    return item


def test_the_schema_lists_the_meeting_endpoints(client, db):
    paths = set(client.get("/api/openapi.json").json()["paths"])
    assert {
        "/api/meetings/",
        "/api/meetings/{meeting_id}",
        "/api/meetings/{meeting_id}/agenda",
        "/api/meetings/{meeting_id}/notice",
        "/api/meetings/{meeting_id}/start",
        "/api/meetings/{meeting_id}/end",
        "/api/meetings/{meeting_id}/cancel",
        "/api/meetings/{meeting_id}/attendance",
        "/api/meetings/{meeting_id}/speaking-queue",
        "/api/meetings/{meeting_id}/agenda/{item_id}/minute",
        "/api/meetings/{meeting_id}/agenda/{item_id}/vote",
        "/api/meetings/{meeting_id}/minutes",
        "/api/meetings/{meeting_id}/minutes/approve",
        "/api/meetings/{meeting_id}/minutes/publish",
        "/api/meetings/{meeting_id}/minutes/amendments",
        "/api/meetings/actions",
        "/api/meetings/actions/{action_id}",
        "/api/meetings/actions/{action_id}/status",
    } <= paths


def test_sign_in_is_required(client, meeting):
    assert client.get("/api/meetings/").status_code == 401
    assert client.get(f"/api/meetings/{meeting.pk}").status_code == 401
    assert client.get("/api/meetings/actions").status_code == 401


# --- organising ---------------------------------------------------------------------------------


def test_staff_create_a_meeting_with_invitations_and_agenda(client, w):
    response = post(as_(client, w.community_staff), "/api/meetings/", meeting_body(w))
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "draft" and data["kind"] == "joint" and data["notice_days"] == 3
    assert data["where"] == "社区党群服务中心" and data["organiser"] == "刘社工"
    assert data["rules"]["speech_seconds"] == 90 and data["rules"]["majority"] == "simple"
    assert [(i["role"], i["organisation"], i["person"]) for i in data["invitations"]] == [
        ("property_company", "中铁建物业", None),
        ("resident", None, "李居民"),
    ]
    assert [(a["position"], a["title"], a["topic_id"]) for a in data["agenda"]] == [(1, "加装电梯", w.topic.pk)]
    assert data["attendance_count"] == 0 and data["minutes"] is None
    assert data["can_approve"] is True and data["next_statuses"] == ["notified", "cancelled"]
    assert "1380000" not in response.content.decode()


def test_a_token_works_as_well_as_a_session(client, w, meeting):
    key = people_actions.create_api_token(person=w.community_staff, name="phone")
    response = client.get(f"/api/meetings/{meeting.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200 and response.json()["id"] == meeting.pk


@pytest.mark.parametrize("who", ["resident", "property_staff", "other_staff", "outsider"])
def test_only_staff_over_the_community_create_meetings(client, w, who):
    response = post(as_(client, getattr(w, who)), "/api/meetings/", meeting_body(w))
    assert response.status_code == 404
    assert Meeting.objects.count() == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": " "}, "title"),
        ({"kind": "party"}, "kind"),
        ({"location": ""}, "location"),
        ({"starts_at": "2020-01-01T09:00:00+08:00", "ends_at": "2020-01-01T10:00:00+08:00"}, "starts_at"),
        ({"rules": {"speech_seconds": 5}}, "speech_seconds"),
        ({"invitees": [{"role": "landlord", "person_id": None, "organisation_id": None}]}, "invitations"),
        ({"invitees": [{"role": "property_company", "organisation_id": 999999}]}, "invitations"),
        ({"invitees": [{"role": "resident", "person_id": 999999}]}, "invitations"),
    ],
)
def test_bad_meetings_are_refused_with_messages_and_nothing_is_saved(client, w, change, field):
    response = post(as_(client, w.community_staff), "/api/meetings/", meeting_body(w, **change))
    assert response.status_code == 400
    assert response.json()["detail"][field]
    assert Meeting.objects.count() == 0


def test_the_meeting_must_end_after_it_starts(client, w):
    body = meeting_body(w)
    body["ends_at"] = body["starts_at"]
    response = post(as_(client, w.community_staff), "/api/meetings/", body)
    assert response.status_code == 400 and response.json()["detail"]["ends_at"]


def test_topics_and_reports_one_cannot_see_answer_404(client, w):
    other = topic_actions.raise_topic(
        proposer=w.outsider, community=w.other_community, title="修路", description="x", source=Source.RESIDENT
    )
    as_(client, w.community_staff)
    assert post(client, "/api/meetings/", meeting_body(w, topic_ids=[other.pk])).status_code == 404
    assert post(client, "/api/meetings/", meeting_body(w, case_ids=[999999])).status_code == 404
    assert Meeting.objects.count() == 0


def test_a_collecting_topic_is_not_on_an_agenda(client, w):
    collecting = topic_actions.raise_topic(
        proposer=w.neighbour, community=w.community, title="修路", description="x", source=Source.RESIDENT
    )
    response = post(as_(client, w.community_staff), "/api/meetings/", meeting_body(w, topic_ids=[collecting.pk]))
    assert response.status_code == 400 and response.json()["detail"]["topics"]


def test_agenda_items_are_added_to_a_draft_only(client, w, meeting):
    clutter = Category.objects.get(code="clutter")
    case = case_actions.submit_case(reporter=w.resident, category=clutter, place=w.building, description="楼道堆物")
    url = f"/api/meetings/{meeting.pk}/agenda"
    as_(client, w.community_staff)
    other = post(client, url, {"title": "其他事项"})
    assert other.status_code == 201 and other.json()["position"] == 2
    report = post(client, url, {"case_id": case.pk})
    assert report.status_code == 201 and report.json()["case_id"] == case.pk and report.json()["position"] == 3
    assert post(client, url, {"title": ""}).status_code == 400
    assert post(as_(client, w.resident), url, {"title": "我的事"}).status_code == 404  # invited, but not organising
    actions.send_notice(actor=w.community_staff, meeting=meeting)
    late = post(as_(client, w.community_staff), url, {"title": "迟到的事项"})
    assert late.status_code == 400 and late.json()["detail"]["__all__"]
    assert meeting.agenda.count() == 3


def test_the_notice_goes_out_with_a_version_check(client, w, meeting):
    url = f"/api/meetings/{meeting.pk}/notice"
    as_(client, w.community_staff)
    assert post(client, url, {"version": 7}).status_code == 409
    response = post(client, url, {"version": 1})
    assert response.status_code == 200
    assert response.json()["status"] == "notified" and response.json()["version"] == 2
    w.topic.refresh_from_db()
    assert w.topic.status == TopicStatus.NOTICE_PUBLISHED
    again = post(client, url, {})
    assert again.status_code == 400 and again.json()["detail"]["__all__"]


def test_only_the_organiser_or_managers_send_the_notice(client, w, meeting):
    assert post(as_(client, w.property_staff), f"/api/meetings/{meeting.pk}/notice", {}).status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == Status.DRAFT


def test_cancelling_needs_a_reason(client, w, notified):
    url = f"/api/meetings/{notified.pk}/cancel"
    as_(client, w.community_staff)
    no_reason = post(client, url, {"reason": " ", "version": 2})
    assert no_reason.status_code == 400 and no_reason.json()["detail"]["reason"]
    assert post(client, url, {"reason": "台风", "version": 1}).status_code == 409
    done = post(client, url, {"reason": "台风", "version": 2})
    assert done.status_code == 200 and done.json()["status"] == "cancelled" and done.json()["cancel_reason"] == "台风"
    assert post(client, f"/api/meetings/{notified.pk}/start", {}).status_code == 400


# --- who sees what ------------------------------------------------------------------------------


def test_lists_what_each_may_see_with_filters(client, w, meeting):
    def ids(person, query=""):
        response = as_(client, person).get(f"/api/meetings/{query}")
        assert response.status_code == 200
        return [m["id"] for m in response.json()["items"]]

    assert ids(w.community_staff) == [meeting.pk]
    assert ids(w.resident) == [meeting.pk]  # invited
    assert ids(w.property_staff) == [meeting.pk]  # a member of an invited organisation
    assert ids(w.neighbour) == []  # a draft is not public
    assert ids(w.outsider) == [] and ids(w.other_staff) == []
    actions.send_notice(actor=w.community_staff, meeting=meeting)
    assert ids(w.neighbour) == [meeting.pk]
    assert ids(w.outsider) == []
    day = timezone.localtime(meeting.starts_at).date()
    assert ids(w.community_staff, f"?from={day}&to={day}") == [meeting.pk]
    assert ids(w.community_staff, f"?from={day + timedelta(days=1)}") == []
    assert ids(w.community_staff, f"?to={day - timedelta(days=1)}") == []
    assert ids(w.community_staff, "?status=notified") == [meeting.pk]
    assert ids(w.community_staff, "?status=draft") == []
    assert ids(w.admin, f"?community={w.other_community.pk}") == []
    assert ids(w.admin, f"?community={w.community.pk}") == [meeting.pk]


def test_the_meeting_list_costs_the_same_queries_for_more_meetings(client, w):
    create(w)
    as_(client, w.community_staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/meetings/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(6):
        create(w)
    assert count() == few


def test_outsiders_get_404_for_everything(client, w, in_session):
    item = in_session.agenda.get()
    base = f"/api/meetings/{in_session.pk}"
    as_(client, w.outsider)
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/minutes").status_code == 404
    assert client.get(f"{base}/speaking-queue").status_code == 404
    assert post(client, f"{base}/attendance").status_code == 404
    assert post(client, f"{base}/agenda/{item.pk}/vote", {"for": 1, "against": 0}).status_code == 404
    assert client.get("/api/meetings/999999").status_code == 404


# --- in session ---------------------------------------------------------------------------------


def test_starting_and_signing_in(client, w, notified):
    with time_machine.travel(notified.starts_at - timedelta(hours=3), tick=False):
        too_early = post(as_(client, w.community_staff), f"/api/meetings/{notified.pk}/start", {"version": 2})
        assert too_early.status_code == 400
    with time_machine.travel(notified.starts_at + timedelta(minutes=1), tick=False):
        assert post(client, f"/api/meetings/{notified.pk}/start", {"version": 1}).status_code == 409
        started = post(client, f"/api/meetings/{notified.pk}/start", {"version": 2})
        assert started.status_code == 200 and started.json()["status"] == "in_session"
        w.topic.refresh_from_db()
        assert w.topic.status == TopicStatus.DELIBERATING

        chair = post(as_(client, w.property_staff), f"/api/meetings/{notified.pk}/attendance")
        assert chair.status_code == 201
        assert chair.json()["organisation"] == "中铁建物业" and chair.json()["entitled_to_vote"] is True
        twice = post(client, f"/api/meetings/{notified.pk}/attendance")
        assert twice.status_code == 400 and twice.json()["detail"]["__all__"]
        # not invited, but a resident of the community: sees the meeting, may not sign in to a joint meeting
        assert post(as_(client, w.neighbour), f"/api/meetings/{notified.pk}/attendance").status_code == 404
        # the secretary signs in an invited resident
        by_staff = post(as_(client, w.community_staff), f"/api/meetings/{notified.pk}/attendance", {"person_id": w.resident.pk})
        assert by_staff.status_code == 201 and by_staff.json()["person"] == "李居民"
        unknown = post(client, f"/api/meetings/{notified.pk}/attendance", {"person_id": w.outsider.pk})
        assert unknown.status_code == 400 and "郑外人" not in unknown.content.decode()
        data = client.get(f"/api/meetings/{notified.pk}").json()
        assert data["attendance_count"] == 2 and data["voting_count"] == 2
    assert Attendance.objects.filter(meeting=notified).count() == 2


def test_the_speaking_queue(client, w, in_session):
    item = in_session.agenda.get()
    url = f"/api/meetings/{in_session.pk}/speaking-queue"
    as_(client, w.community_staff)
    with time_machine.travel(in_session.starts_at + timedelta(minutes=10), tick=False):
        raised = post(client, url, {"op": "raise", "item_id": item.pk, "person_id": w.resident.pk, "stance": "pro"})
        assert raised.status_code == 200
        post(client, url, {"op": "raise", "item_id": item.pk, "person_id": w.property_staff.pk, "stance": "con"})
        queue = as_(client, w.resident).get(url).json()  # participants watch the queue
        assert queue["speech_seconds"] == 120 and queue["speeches_per_motion"] == 2
        assert queue["items"][0]["item_id"] == item.pk
        assert [(h["name"], h["stance"]) for h in queue["items"][0]["waiting"]] == [("李居民", "pro"), ("周物业", "con")]
        assert post(client, url, {"op": "raise", "item_id": item.pk}).status_code == 404  # not the chair

        as_(client, w.community_staff)
        bad = [
            {"op": "shout", "item_id": item.pk},
            {"op": "raise", "item_id": item.pk, "person_id": w.neighbour.pk},  # not signed in
            {"op": "raise", "item_id": item.pk, "person_id": w.resident.pk},  # already waiting
            {"op": "raise", "item_id": item.pk + 1000, "person_id": w.resident.pk},  # not on the agenda
            {"op": "raise", "item_id": item.pk, "person_id": w.resident.pk, "stance": "maybe"},
        ]
        for body in bad:
            response = post(client, url, body)
            assert response.status_code == 400, body
            assert response.json()["detail"]
        spoke = post(client, url, {"op": "give_floor", "item_id": item.pk})
        assert spoke.status_code == 200 and spoke.json()["spoke"] == w.resident.pk
        assert spoke.json()["items"][0]["spoken"] == [{"person_id": w.resident.pk, "name": "李居民", "speeches": 1}]
        lowered = post(client, url, {"op": "lower", "item_id": item.pk, "person_id": w.property_staff.pk})
        assert lowered.json()["items"][0]["waiting"] == []
        nobody = post(client, url, {"op": "give_floor", "item_id": item.pk})
        assert nobody.status_code == 400


def test_minutes_and_votes_are_recorded_by_those_who_record_the_meeting(client, w, in_session):
    item = in_session.agenda.get()
    base = f"/api/meetings/{in_session.pk}"
    with time_machine.travel(in_session.starts_at + timedelta(minutes=30), tick=False):
        as_(client, w.property_staff)  # the invited company's chair records
        minute = put(client, f"{base}/agenda/{item.pk}/minute", {"discussion": "讨论费用分摊", "decision": "同意加装"})
        assert minute.status_code == 200 and minute.json()["decision"] == "同意加装"
        vote = post(client, f"{base}/agenda/{item.pk}/vote", {"for": 2, "against": 0, "abstain": 0})
        assert vote.status_code == 200
        assert vote.json()["carried"] is True and vote.json()["votes_present"] == 2 and vote.json()["result"]
        summary = put(client, f"{base}/minutes", {"summary": "会议纪要摘要"})
        assert summary.status_code == 200 and summary.json()["summary"] == "会议纪要摘要"
        assert summary.json()["status"] == "draft"


def test_a_resident_who_is_not_invited_cannot_record_a_vote(client, w, in_session):
    item = in_session.agenda.get()
    base = f"/api/meetings/{in_session.pk}"
    with time_machine.travel(in_session.starts_at + timedelta(minutes=30), tick=False):
        as_(client, w.neighbour)
        assert client.get(base).status_code == 200  # the notice is public to the community
        assert post(client, f"{base}/agenda/{item.pk}/vote", {"for": 2, "against": 0}).status_code == 404
        assert put(client, f"{base}/agenda/{item.pk}/minute", {"decision": "否决"}).status_code == 404
        assert put(client, f"{base}/minutes", {"summary": "x"}).status_code == 404
        # invited in person, but not recording: also 404
        as_(client, w.resident)
        assert post(client, f"{base}/agenda/{item.pk}/vote", {"for": 2, "against": 0}).status_code == 404
    item.refresh_from_db()
    assert item.carried is None and item.decision == ""


@pytest.mark.parametrize(
    "votes, field",
    [
        ({"for": 3, "against": 0}, "__all__"),  # more votes than voters present
        ({"for": -1, "against": 0}, "votes_for"),
    ],
)
def test_bad_votes_are_refused_and_nothing_is_recorded(client, w, in_session, votes, field):
    item = in_session.agenda.get()
    with time_machine.travel(in_session.starts_at + timedelta(minutes=30), tick=False):
        response = post(as_(client, w.community_staff), f"/api/meetings/{in_session.pk}/agenda/{item.pk}/vote", votes)
    assert response.status_code == 400 and response.json()["detail"][field]
    item.refresh_from_db()
    assert item.carried is None


def test_an_item_of_another_meeting_answers_404(client, w, in_session):
    other = create(w)
    other_item = other.agenda.get()
    response = post(
        as_(client, w.community_staff), f"/api/meetings/{in_session.pk}/agenda/{other_item.pk}/vote", {"for": 1, "against": 0}
    )
    assert response.status_code == 404


def test_residents_see_the_record_only_once_the_minutes_are_published(client, w, in_session):
    base = f"/api/meetings/{in_session.pk}"
    with time_machine.travel(in_session.starts_at + timedelta(minutes=30), tick=False):
        ended(w, in_session)
    as_(client, w.neighbour)
    data = client.get(base).json()
    assert data["minutes"] is None
    assert data["agenda"][0]["decision"] is None and data["agenda"][0]["votes_for"] is None
    assert client.get(f"{base}/minutes").status_code == 404
    invited = as_(client, w.resident).get(f"{base}/minutes")  # took part: sees the draft
    assert invited.status_code == 200 and invited.json()["status"] == "draft"
    assert invited.json()["agenda"][0]["votes_for"] == 2

    actions.approve_minutes(actor=w.community_staff, meeting=in_session)
    assert as_(client, w.neighbour).get(f"{base}/minutes").status_code == 404
    actions.publish_minutes(actor=w.community_staff, meeting=in_session)
    published = client.get(f"{base}/minutes")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert published.json()["agenda"][0]["decision"] == "物业三个月内完成加装"
    data = client.get(base).json()
    assert data["minutes"]["status"] == "published" and data["agenda"][0]["carried"] is True


def test_approving_publishing_and_amending_the_minutes(client, w, in_session):
    base = f"/api/meetings/{in_session.pk}"
    with time_machine.travel(in_session.starts_at + timedelta(minutes=30), tick=False):
        item = in_session.agenda.get()
        as_(client, w.community_staff)
        early = post(client, f"{base}/minutes/approve", {})
        assert early.status_code == 400  # the meeting has not ended
        ended(w, in_session)
    as_(client, w.community_staff)
    assert post(client, f"{base}/minutes/amendments", {"text": "更正"}).status_code == 400  # drafts are edited directly
    assert post(client, f"{base}/minutes/approve", {"version": 5}).status_code == 409
    approved = post(client, f"{base}/minutes/approve", {"version": 1})
    assert approved.status_code == 200 and approved.json()["status"] == "approved" and approved.json()["version"] == 2
    assert post(client, f"{base}/minutes/publish", {"version": 1}).status_code == 409
    published = post(client, f"{base}/minutes/publish", {"version": 2})
    assert published.status_code == 200 and published.json()["status"] == "published"
    w.topic.refresh_from_db()
    assert w.topic.status == TopicStatus.OUTCOME_RECORDED and "完成加装" in w.topic.outcome

    # published minutes are never edited, only amended
    refused = put(client, f"{base}/minutes", {"summary": "改写"})
    assert refused.status_code == 400 and refused.json()["detail"]["__all__"]
    refused = put(client, f"{base}/agenda/{item.pk}/minute", {"decision": "改写"})
    assert refused.status_code == 400
    refused = post(client, f"{base}/agenda/{item.pk}/vote", {"for": 0, "against": 2})
    assert refused.status_code == 400
    assert post(client, f"{base}/minutes/publish", {}).status_code == 400
    assert post(client, f"{base}/minutes/amendments", {"text": " "}).status_code == 400
    amended = post(client, f"{base}/minutes/amendments", {"text": "更正：完成期限为四个月"})
    assert amended.status_code == 201 and amended.json()["text"] == "更正：完成期限为四个月"
    minutes = Minutes.objects.get(meeting=in_session)
    item.refresh_from_db()
    assert minutes.summary == "" and item.decision == "物业三个月内完成加装" and item.votes_for == 2
    resident_view = as_(client, w.neighbour).get(f"{base}/minutes").json()
    assert [a["text"] for a in resident_view["amendments"]] == ["更正：完成期限为四个月"]
    # residents and members of invited organisations do not approve, publish or amend
    assert post(as_(client, w.property_staff), f"{base}/minutes/amendments", {"text": "x"}).status_code == 404
    assert Amendment.objects.count() == 1


# --- action items -------------------------------------------------------------------------------


@pytest.fixture
def decided_item(w, in_session) -> AgendaItem:
    with time_machine.travel(in_session.starts_at + timedelta(minutes=30), tick=False):
        item = ended(w, in_session)
    actions.approve_minutes(actor=w.community_staff, meeting=in_session)
    actions.publish_minutes(actor=w.community_staff, meeting=in_session)
    return item


def action_body(item, w, **extra) -> dict:
    return {
        "title": "完成1栋加装电梯",
        "agenda_item_id": item.pk,
        "owner_organisation_id": w.company.pk,
        "due_on": str(timezone.localdate() + timedelta(days=30)),
        **extra,
    }


def test_action_items_from_a_decision_and_their_progress(client, w, decided_item):
    as_(client, w.community_staff)
    created = post(client, "/api/meetings/actions", action_body(decided_item, w))
    assert created.status_code == 201
    data = created.json()
    assert data["status"] == "open" and data["owner_organisation"] == "中铁建物业" and data["version"] == 1
    assert data["meeting_id"] == decided_item.meeting_id and data["topic_id"] == w.topic.pk
    url = f"/api/meetings/actions/{data['id']}"

    as_(client, w.property_staff)  # a member of the owning company
    assert client.get(url).json()["title"] == "完成1栋加装电梯"
    assert [a["id"] for a in client.get("/api/meetings/actions?mine=true").json()["items"]] == [data["id"]]
    no_evidence = post(client, f"{url}/status", {"status": "done", "version": 1})
    assert no_evidence.status_code == 400 and no_evidence.json()["detail"]["evidence"]
    started = post(client, f"{url}/status", {"status": "in_progress", "version": 1})
    assert started.status_code == 200 and started.json()["status"] == "in_progress" and started.json()["version"] == 2
    stale = post(client, f"{url}/status", {"status": "done", "evidence": "已完工", "version": 1})
    assert stale.status_code == 409 and stale.json()["detail"]
    cancel = post(client, f"{url}/status", {"status": "cancelled", "evidence": "不做了", "version": 2})
    assert cancel.status_code == 404  # only managers cancel
    done = post(client, f"{url}/status", {"status": "done", "evidence": "已完工，电梯通过验收", "version": 2})
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["completed_at"]
    again = post(client, f"{url}/status", {"status": "in_progress", "version": 3})
    assert again.status_code == 400
    item = ActionItem.objects.get()
    assert item.status == ActionItem.Status.DONE and item.evidence == "已完工，电梯通过验收"


def test_who_sees_action_items(client, w, decided_item):
    item = actions.create_action_item(
        actor=w.community_staff,
        agenda_item=decided_item,
        title="完成加装",
        owner_organisation=w.company,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    url = f"/api/meetings/actions/{item.pk}"
    for person in (w.neighbour, w.resident, w.outsider, w.other_staff):
        assert as_(client, person).get(url).status_code == 404
        assert post(client, f"{url}/status", {"status": "in_progress"}).status_code == 404
        assert client.get("/api/meetings/actions").json()["items"] == []
    assert [a["id"] for a in as_(client, w.community_staff).get("/api/meetings/actions").json()["items"]] == [item.pk]
    assert client.get("/api/meetings/actions?mine=true").json()["items"] == []
    assert client.get("/api/meetings/actions/999999").status_code == 404
    item.refresh_from_db()
    assert item.status == ActionItem.Status.OPEN


def test_overdue_and_status_filters(client, w, decided_item):
    soon = actions.create_action_item(
        actor=w.community_staff,
        agenda_item=decided_item,
        title="三天内",
        owner_organisation=w.company,
        due_on=timezone.localdate() + timedelta(days=3),
    )
    later = actions.create_action_item(
        actor=w.community_staff,
        topic=w.topic,
        title="一月内",
        owner_person=w.resident,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    as_(client, w.community_staff)

    def ids(query):
        return [a["id"] for a in client.get(f"/api/meetings/actions{query}").json()["items"]]

    assert ids("") == [soon.pk, later.pk]
    assert ids("?overdue=true") == []
    with time_machine.travel(timezone.now() + timedelta(days=10), tick=False):
        assert ids("?overdue=true") == [soon.pk]
        assert client.get(f"/api/meetings/actions/{soon.pk}").json()["is_overdue"] is True
    assert ids("?status=open") == [soon.pk, later.pk]
    assert ids("?status=done") == []


def test_action_items_for_a_topic_or_a_report(client, w):
    as_(client, w.community_staff)
    due = str(timezone.localdate() + timedelta(days=7))
    for_topic = post(
        client,
        "/api/meetings/actions",
        {"title": "征求意见", "topic_id": w.topic.pk, "owner_person_id": w.resident.pk, "due_on": due},
    )
    assert for_topic.status_code == 201 and for_topic.json()["owner_person"] == "李居民"
    assert "1380000" not in for_topic.content.decode()
    clutter = Category.objects.get(code="clutter")
    case = case_actions.submit_case(reporter=w.resident, category=clutter, place=w.building, description="楼道堆物")
    case_actions.transition_case(actor=w.community_staff, case=case, action="accept")
    for_case = post(
        client,
        "/api/meetings/actions",
        {"title": "清理楼道", "case_id": case.pk, "owner_organisation_id": w.company.pk, "due_on": due},
    )
    assert for_case.status_code == 201 and for_case.json()["community_id"] == w.community.pk
    done = post(
        as_(client, w.property_staff),
        f"/api/meetings/actions/{for_case.json()['id']}/status",
        {"status": "done", "evidence": "已清理"},
    )
    assert done.status_code == 200
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": ""}, "title"),
        ({"owner_organisation_id": None}, "owner"),
        ({"owner_person_id": -1}, "owner"),
        ({"due_on": "2020-01-01"}, "due_on"),
        ({"due_on": None}, "due_on"),
        ({"topic_id": None}, "__all__"),
    ],
)
def test_bad_action_items_are_refused_and_nothing_is_saved(client, w, body, field):
    base = {
        "title": "征求意见",
        "topic_id": w.topic.pk,
        "owner_organisation_id": w.company.pk,
        "due_on": str(timezone.localdate() + timedelta(days=7)),
    }
    response = post(as_(client, w.community_staff), "/api/meetings/actions", {**base, **body})
    assert response.status_code == 400
    assert response.json()["detail"][field]
    assert ActionItem.objects.count() == 0


def test_an_undecided_item_gives_no_action_and_outsiders_create_none(client, w, in_session):
    item = in_session.agenda.get()
    response = post(as_(client, w.community_staff), "/api/meetings/actions", action_body(item, w))
    assert response.status_code == 400 and response.json()["detail"]["agenda_item"]
    assert post(as_(client, w.outsider), "/api/meetings/actions", action_body(item, w)).status_code == 404
    assert post(as_(client, w.neighbour), "/api/meetings/actions", action_body(item, w)).status_code == 404
    assert ActionItem.objects.count() == 0


def test_reports_made_into_agenda_items_keep_their_case(client, w):
    clutter = Category.objects.get(code="clutter")
    case = case_actions.submit_case(reporter=w.resident, category=clutter, place=w.building, description="楼道堆物")
    response = post(as_(client, w.community_staff), "/api/meetings/", meeting_body(w, topic_ids=[], case_ids=[case.pk]))
    assert response.status_code == 201
    assert [a["case_id"] for a in response.json()["agenda"]] == [case.pk]
    assert Case.objects.get(pk=case.pk).agenda_items.count() == 1


def test_the_action_item_list_costs_the_same_queries_for_more_items(client, w):
    def add(n: int) -> None:
        for i in range(n):
            actions.create_action_item(
                actor=w.community_staff,
                topic=w.topic,
                title=f"事项{i}",
                owner_person=w.resident if i % 2 else None,
                owner_organisation=None if i % 2 else w.company,
                due_on=timezone.localdate() + timedelta(days=i),
            )

    add(2)
    as_(client, w.community_staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/meetings/actions").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    add(6)
    assert count() == few
