"""The meeting pages: organising, the meeting page for each kind of visitor, running the meeting from
the page (notice, sign-in, minutes, votes, approval, publication, amendments), the chair's speaking
queue, action items, the public board and the calendar feeds."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from deliberation.models import Stakeholder
from meetings import actions, calendar
from meetings.actions import Invitee
from meetings.models import ActionItem, AgendaItem, Attendance, Kind, Meeting, Minutes, Status
from people.models import Membership, Organisation


@pytest.fixture
def mw(world):
    """The world with a chair for the property company and an owners' committee (with a member)."""
    Membership.objects.create(person=world.property_staff, organisation=world.company, position=Membership.Position.CHAIR)
    world.committee = Organisation.objects.create(
        kind=Organisation.Kind.OWNERS_COMMITTEE, name="水岸公馆业委会", place=world.compound
    )
    Membership.objects.create(person=world.resident, organisation=world.committee, position=Membership.Position.MEMBER)
    return world


def make_meeting(w, days=5, **extra) -> Meeting:
    now = timezone.now()
    params = dict(
        actor=w.community_staff,
        community=w.community,
        kind=Kind.JOINT,
        title="1栋水管联席会议",
        starts_at=now + timedelta(days=days),
        ends_at=now + timedelta(days=days, hours=2),
        location="社区党群服务中心二楼",
        invitees=[
            Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=w.company),
            Invitee(role=Stakeholder.OWNERS_COMMITTEE, organisation=w.committee),
        ],
    )
    params.update(extra)
    meeting = actions.create_meeting(**params)
    actions.add_agenda_item(actor=w.community_staff, meeting=meeting, title="更换1栋供水主管")
    return meeting


def in_session(w, meeting: Meeting) -> Meeting:
    actions.send_notice(actor=w.community_staff, meeting=meeting)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(minutes=10), ends_at=timezone.now() + timedelta(hours=2)
    )
    meeting.refresh_from_db()
    actions.start_meeting(actor=w.community_staff, meeting=meeting)
    return meeting


def test_staff_organise_a_meeting_from_the_page(client, mw):
    client.force_login(mw.community_staff)
    page = client.get(f"/meetings/new/?community={mw.community.pk}")
    assert page.status_code == 200
    assert "水岸公馆业委会" in page.content.decode()
    start = (timezone.localtime() + timedelta(days=6)).replace(second=0, microsecond=0)
    data = {
        "community": mw.community.pk,
        "kind": Kind.JOINT,
        "title": "绿化改造联席会议",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "location": "议事厅",
        "organisations": [str(mw.company.pk), str(mw.committee.pk)],
        "speech_seconds": 120,
        "speeches_per_motion": 2,
        "majority": "simple",
    }
    response = client.post("/meetings/new/", data)
    meeting = Meeting.objects.get(title="绿化改造联席会议")
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    roles = dict(meeting.invitations.values_list("organisation_id", "role"))
    assert roles == {mw.company.pk: Stakeholder.PROPERTY_COMPANY, mw.committee.pk: Stakeholder.OWNERS_COMMITTEE}


def test_a_meeting_ending_before_it_starts_is_refused_and_nothing_saved(client, mw):
    client.force_login(mw.community_staff)
    start = timezone.localtime() + timedelta(days=6)
    with translation.override("en"):
        response = client.post(
            "/meetings/new/",
            {
                "community": mw.community.pk,
                "kind": Kind.JOINT,
                "title": "x",
                "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                "location": "议事厅",
                "speech_seconds": 120,
                "speeches_per_motion": 2,
                "majority": "simple",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 400
    assert "The meeting must end after it starts." in response.content.decode()
    assert not Meeting.objects.exists()


def test_residents_and_outsiders_cannot_organise(client, mw):
    for person in (mw.resident, mw.other_staff):
        client.force_login(person)
        assert client.get(f"/meetings/new/?community={mw.community.pk}").status_code == 404


def test_who_sees_a_draft_and_a_notified_meeting(client, mw):
    meeting = make_meeting(mw)
    url = f"/meetings/{meeting.pk}/"
    client.force_login(mw.neighbour)  # a resident of the community, not invited
    assert client.get(url).status_code == 404
    client.force_login(mw.outsider)
    assert client.get(url).status_code == 404
    client.force_login(mw.property_staff)  # chair of an invited organisation
    assert client.get(url).status_code == 200

    actions.send_notice(actor=mw.community_staff, meeting=meeting)
    client.force_login(mw.neighbour)
    page = client.get(url)
    assert page.status_code == 200 and "更换1栋供水主管" in page.content.decode()
    client.force_login(mw.outsider)
    assert client.get(url).status_code == 404


def test_sending_the_notice_from_the_page(client, mw):
    meeting = make_meeting(mw)
    client.force_login(mw.community_staff)
    response = client.post(f"/meetings/{meeting.pk}/act/", {"op": "notice", "version": meeting.version})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Status.NOTIFIED


def test_a_notice_too_late_is_refused_with_the_reason(client, mw):
    meeting = make_meeting(mw, days=1)  # a joint meeting needs three days' notice
    client.force_login(mw.community_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(f"/meetings/{meeting.pk}/act/", {"op": "notice", "version": meeting.version}, follow=True)
    assert "at least 3 days before the meeting" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Status.DRAFT


def test_running_a_meeting_from_the_page(client, mw):
    meeting = in_session(mw, make_meeting(mw))
    item = meeting.agenda.get()
    client.force_login(mw.property_staff)
    assert client.post(f"/meetings/{meeting.pk}/sign-in/").status_code == 302
    assert Attendance.objects.filter(meeting=meeting, person=mw.property_staff, entitled_to_vote=True).exists()
    client.post(f"/meetings/{meeting.pk}/items/{item.pk}/minute/", {"discussion": "物业介绍方案", "decision": "同意更换"})
    client.post(f"/meetings/{meeting.pk}/items/{item.pk}/vote/", {"votes_for": 1, "votes_against": 0, "votes_abstain": 0})
    item.refresh_from_db()
    assert (item.decision, item.carried, item.votes_present) == ("同意更换", True, 1)

    client.force_login(mw.community_staff)
    client.post(f"/meetings/{meeting.pk}/act/", {"op": "end", "version": Meeting.objects.get(pk=meeting.pk).version})
    client.post(f"/meetings/{meeting.pk}/minutes/", {"op": "approve"})
    client.post(f"/meetings/{meeting.pk}/minutes/", {"op": "publish"})
    assert Minutes.objects.get(meeting=meeting).status == Minutes.Status.PUBLISHED

    # published: the minute cannot be changed from the page, only amended
    client.force_login(mw.property_staff)
    client.post(f"/meetings/{meeting.pk}/items/{item.pk}/minute/", {"discussion": "改写", "decision": "改写"})
    item.refresh_from_db()
    assert item.decision == "同意更换"
    client.force_login(mw.community_staff)
    client.post(f"/meetings/{meeting.pk}/minutes/", {"op": "amend", "text": "更正：会议于10点开始"})
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "更正：会议于10点开始" in page and "同意更换" in page


def test_a_vote_by_someone_not_representing_an_invited_organisation_changes_nothing(client, mw):
    meeting = in_session(mw, make_meeting(mw))
    item = meeting.agenda.get()
    actions.sign_in(actor=mw.property_staff, meeting=meeting)
    for person in (mw.resident, mw.neighbour):  # an ordinary member of the committee; a resident
        client.force_login(person)
        response = client.post(
            f"/meetings/{meeting.pk}/items/{item.pk}/vote/", {"votes_for": 1, "votes_against": 0, "votes_abstain": 0}
        )
        assert response.status_code == 404
    item.refresh_from_db()
    assert item.carried is None


def test_residents_see_the_minutes_only_once_published(client, mw):
    meeting = in_session(mw, make_meeting(mw))
    item = meeting.agenda.get()
    actions.record_minute(actor=mw.community_staff, item=item, discussion="讨论内容甲", decision="决定内容乙")
    actions.end_meeting(actor=mw.community_staff, meeting=meeting)
    client.force_login(mw.neighbour)
    assert "决定内容乙" not in client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert client.get(f"/meetings/{meeting.pk}/minutes.pdf").status_code == 404
    actions.approve_minutes(actor=mw.community_staff, meeting=meeting)
    actions.publish_minutes(actor=mw.community_staff, meeting=meeting)
    assert "决定内容乙" in client.get(f"/meetings/{meeting.pk}/").content.decode()


def test_the_meeting_page_query_count_does_not_grow_with_the_meeting(client, mw, django_user_model):
    meeting = in_session(mw, make_meeting(mw))
    client.force_login(mw.community_staff)
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    for n in range(2, 12):
        AgendaItem.objects.create(meeting=meeting, position=n, title=f"议题{n}", decision="同意")
    for n in range(12):
        person = django_user_model.objects.create_user(mobile=f"1350000{n:04d}", password=None, name=f"代表{n}")
        Membership.objects.create(person=person, organisation=mw.company)
        actions.sign_in(actor=mw.community_staff, meeting=meeting, person=person)
    with CaptureQueriesContext(connection) as big:
        assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert len(big) == len(small)


def test_the_chair_runs_the_speaking_queue(client, mw):
    meeting = in_session(mw, make_meeting(mw))
    item = meeting.agenda.get()
    actions.sign_in(actor=mw.property_staff, meeting=meeting)
    actions.sign_in(actor=mw.community_staff, meeting=meeting, person=mw.resident)
    client.force_login(mw.community_staff)
    url = f"/meetings/{meeting.pk}/chair/"
    assert client.get(url).status_code == 200
    client.post(url, {"op": "raise", "item": item.pk, "person": mw.property_staff.pk})
    client.post(url, {"op": "raise", "item": item.pk, "person": mw.resident.pk})
    client.post(url, {"op": "speak", "item": item.pk})  # the first hand
    client.post(url, {"op": "raise", "item": item.pk, "person": mw.property_staff.pk})
    page = client.get(f"{url}?item={item.pk}").content.decode()
    # 李居民 has not spoken yet, so goes before 周物业's second speech
    assert page.index(mw.resident.name) < page.index(mw.property_staff.name, page.index('class="waiting"'))
    with translation.override("en"):
        client.post(url, {"op": "speak", "item": item.pk})
        client.post(url, {"op": "speak", "item": item.pk})
        client.post(url, {"op": "raise", "item": item.pk, "person": mw.property_staff.pk}, HTTP_ACCEPT_LANGUAGE="en")
        response = client.post(url, {"op": "raise", "item": item.pk, "person": mw.property_staff.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "already spoken 2 times" in response.content.decode()
    client.force_login(mw.neighbour)
    assert client.get(url).status_code == 404


def test_action_item_done_with_evidence_from_the_page(client, mw):
    meeting = in_session(mw, make_meeting(mw))
    item = meeting.agenda.get()
    actions.record_minute(actor=mw.community_staff, item=item, decision="物业更换水管")
    actions.end_meeting(actor=mw.community_staff, meeting=meeting)
    client.force_login(mw.community_staff)
    due = timezone.localdate() + timedelta(days=7)
    client.post(
        f"/meetings/{meeting.pk}/actions/new/",
        {"item": item.pk, "title": "更换水管", "owner": mw.company.pk, "due_on": due.isoformat()},
    )
    action = ActionItem.objects.get()
    assert (action.owner_organisation, action.due_on, action.meeting) == (mw.company, due, meeting)

    client.force_login(mw.property_staff)
    with translation.override("en"):
        response = client.post(f"/meetings/actions/{action.pk}/", {"status": "done", "evidence": "", "version": action.version})
    assert response.status_code == 400
    assert ActionItem.objects.get().status == ActionItem.Status.OPEN
    response = client.post(f"/meetings/actions/{action.pk}/", {"status": "done", "evidence": "已完成", "version": action.version})
    assert response.status_code == 302
    assert ActionItem.objects.get().status == ActionItem.Status.DONE
    client.force_login(mw.neighbour)
    assert client.get(f"/meetings/actions/{action.pk}/").status_code == 404


def test_the_public_board_shows_published_decisions_only(client, mw):
    meeting = in_session(mw, make_meeting(mw))
    item = meeting.agenda.get()
    actions.record_minute(actor=mw.community_staff, item=item, decision="物业更换水管")
    actions.end_meeting(actor=mw.community_staff, meeting=meeting)
    actions.create_action_item(
        actor=mw.community_staff, agenda_item=item, title="更换水管", owner_organisation=mw.company, due_on=timezone.localdate()
    )
    board = f"/meetings/board/{mw.community.pk}/"
    assert "更换水管" not in client.get(board).content.decode()
    actions.approve_minutes(actor=mw.community_staff, meeting=meeting)
    actions.publish_minutes(actor=mw.community_staff, meeting=meeting)
    page = client.get(board).content.decode()  # nobody signed in: a public notice board
    assert "更换水管" in page and "中铁建物业" in page


def test_calendar_feeds(client, mw):
    meeting = make_meeting(mw)
    community_feed = f"/meetings/calendar/community/{mw.community.pk}.ics"
    assert meeting.uid not in client.get(community_feed).content.decode()  # a draft is not announced
    actions.send_notice(actor=mw.community_staff, meeting=meeting)
    response = client.get(community_feed)
    assert response["Content-Type"].startswith("text/calendar") and meeting.uid in response.content.decode()

    token = calendar.feed_token(mw.property_staff)
    assert meeting.uid in client.get(f"/meetings/calendar/{token}.ics").content.decode()
    assert meeting.uid not in client.get(f"/meetings/calendar/{calendar.feed_token(mw.outsider)}.ics").content.decode()
    assert client.get(f"/meetings/calendar/{token}x.ics").status_code == 404


def test_a_residents_meeting_notice_reaches_every_resident_and_the_board(client, mw):
    from core.models import Notification
    from deliberation.rules import ResidentsMeetingKind

    meeting = make_meeting(
        mw,
        days=10,
        kind=Kind.RESIDENTS_MEETING,
        invitees=[],
        residents_meeting_kind=ResidentsMeetingKind.HOUSEHOLD_REPRESENTATIVES,
        eligible=3,
        title="居民会议：加装电梯",
    )
    actions.send_notice(actor=mw.community_staff, meeting=meeting)
    told = set(Notification.objects.filter(link=f"/meetings/{meeting.pk}/").values_list("recipient_id", flat=True))
    assert {mw.resident.pk, mw.neighbour.pk, mw.b2_resident.pk, mw.building_leader.pk} <= told
    assert mw.outsider.pk not in told
    assert "居民会议：加装电梯" in client.get(f"/meetings/board/{mw.community.pk}/").content.decode()


def test_staff_holding_a_role_for_an_invited_company_act_for_it(client, world):
    """Property staff hold a role for their company (no membership row): they see its meetings, are told,
    and record them as its representatives."""
    from core.models import Notification

    world.committee = Organisation.objects.create(kind=Organisation.Kind.OWNERS_COMMITTEE, name="业委会", place=world.compound)
    meeting = make_meeting(world)
    actions.send_notice(actor=world.community_staff, meeting=meeting)
    assert Notification.objects.filter(recipient=world.property_staff, link=f"/meetings/{meeting.pk}/").exists()
    client.force_login(world.property_staff)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    from meetings import access

    assert access.can_record(world.property_staff, meeting)


def test_inviting_a_person_by_mobile_number(client, mw):
    meeting = make_meeting(mw)
    client.force_login(mw.community_staff)
    client.post(f"/meetings/{meeting.pk}/invite/", {"mobile": "138 0000 0002", "role": "resident"})
    assert meeting.invitations.filter(person=mw.neighbour, role=Stakeholder.RESIDENT).exists()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post(f"/meetings/{meeting.pk}/invite/", {"mobile": "13999999999", "role": "expert"}, follow=True)
    assert "Nobody with that mobile number can be invited." in page.content.decode()
    assert meeting.invitations.count() == 3
    client.force_login(mw.neighbour)
    assert client.post(f"/meetings/{meeting.pk}/invite/", {"mobile": "13800000003", "role": "resident"}).status_code == 404
    assert meeting.invitations.count() == 3


def test_the_vote_result_reads_in_the_readers_language(client, mw):
    meeting = in_session(mw, make_meeting(mw))
    item = meeting.agenda.get()
    actions.sign_in(actor=mw.property_staff, meeting=meeting)
    with translation.override("zh-hans"):
        actions.record_vote(actor=mw.community_staff, item=item, votes_for=1, votes_against=0, votes_abstain=0)
    client.force_login(mw.community_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Carried." in page
    assert AgendaItem.objects.get(pk=item.pk).result.startswith("通过")
