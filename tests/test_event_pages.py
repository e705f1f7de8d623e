"""The event pages: the list of coming events, one event (sign-up, the waiting list, my code and QR
code), organising (create, edit, publish, cancel), who signed up (with the spreadsheet), the check-in
desk, my events, a community's public list, and a person's data (download and erasure).

The helpers here (``ew``, ``make_event``, ``login``, ``_english``) are shared by the other event test files.
"""

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, Notification
from events import access, actions, queries
from events.models import ClubJoinRequest, Event, NeighbourOptIn, Registration, RegistrationStatus, Status, VolunteerRole
from people import actions as people_actions
from people.models import Membership, Organisation
from places.models import Room, Venue
from places.qr import qr_svg
from tests.conftest import live_in, make_person

PLACE = "灯湖社区党群服务中心"


@pytest.fixture
def ew(world):
    """The residents' committee of 灯湖社区 (organised by its community staff) and its dance club, chaired
    by the neighbour (王邻居), with the resident as a member and 赵二栋 as backbone member."""
    w = world
    w.rc = Organisation.objects.create(kind=Organisation.Kind.RESIDENTS_COMMITTEE, name="灯湖社区居民委员会", place=w.community)
    w.dance_org = Organisation.objects.create(kind=Organisation.Kind.CULTURAL, name="灯湖社区舞蹈队", place=w.community)
    Membership.objects.create(organisation=w.dance_org, person=w.neighbour, position=Membership.Position.CHAIR)
    Membership.objects.create(organisation=w.dance_org, person=w.resident, position=Membership.Position.MEMBER)
    Membership.objects.create(organisation=w.dance_org, person=w.b2_resident, position=Membership.Position.BACKBONE)
    w.club = actions.make_club(w.dance_org, by=w.community_staff, activity="dance", schedule="周二、周四 19:30")
    return w


def make_event(w, *, title="邻里节·包粽子", days=3, capacity=10, by=None, organiser=None, publish=True, now=None, **extra):
    now = now or timezone.now()
    starts = extra.pop("starts_at", now + timedelta(days=days))
    return actions.create_event(
        by=by or w.community_staff,
        organiser=organiser or w.rc,
        community=extra.pop("community", w.community),
        title=title,
        starts_at=starts,
        ends_at=extra.pop("ends_at", starts + timedelta(hours=2)),
        capacity=capacity,
        location=extra.pop("location", PLACE),
        publish=publish,
        now=now,
        **extra,
    )


def neighbours_of(w, n: int, *, start: int = 0) -> list:
    """``n`` more residents of 1栋 101 (each signs up in turn)."""
    people = []
    for i in range(start, start + n):
        p = make_person(f"居民{i:02d}", f"1350000{i:04d}")
        live_in(p, w.unit)
        people.append(p)
    return people


def login(client, person):
    client.force_login(person)
    return client


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English, so that what they say can be checked before the Chinese translations exist
    (one test renders every page in both languages)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


# --- the list -----------------------------------------------------------------------------------------


PERSONAS = ["resident", "neighbour", "b2_resident", "building_leader", "community_staff", "admin", "property_staff"]
PERSONAS += ["volunteer", "outsider", "other_staff"]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize("who", PERSONAS)
def test_every_persona_gets_the_pages_that_are_for_everyone(client, ew, who, lang):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    event = make_event(ew)
    login(client, getattr(ew, who))
    for url in [
        reverse("events:index"),
        reverse("events:mine"),
        reverse("events:event", args=[event.pk]),
        reverse("events:clubs"),
        reverse("events:club", args=[ew.club.pk]),
        reverse("events:neighbours"),
        reverse("events:community", args=[ew.community.pk]),
        reverse("stats:events"),
        reverse("stats:events-community", args=[ew.community.pk]),
    ]:
        assert client.get(url).status_code == 200, url


def test_the_list_shows_what_is_open_to_me_and_what_i_run(client, ew):
    community_event = make_event(ew, title="社区邻里节")
    compound_event = make_event(ew, title="水岸公馆中秋晚会", audience="compound", audience_place=ew.compound)
    club_event = make_event(ew, title="舞蹈队排练", audience="club", club=ew.club, organiser=ew.dance_org)
    draft = make_event(ew, title="还没发布的活动", publish=False)
    other = actions.create_event(
        by=ew.other_staff,
        organiser=Organisation.objects.create(
            kind=Organisation.Kind.RESIDENTS_COMMITTEE, name="桂一社区居委会", place=ew.other_community
        ),
        community=ew.other_community,
        title="桂一社区活动",
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=2),
        capacity=5,
        location="桂一社区",
        publish=True,
    )

    def titles(person, query=""):
        login(client, person)
        return client.get(reverse("events:index") + query).content.decode()

    page = titles(ew.resident)
    for e in (community_event, compound_event, club_event):
        assert e.title in page
    assert draft.title not in page and other.title not in page
    page = titles(ew.b2_resident)  # lives in the compound, but 2栋; in the club as backbone
    assert compound_event.title in page and club_event.title in page
    page = titles(ew.outsider)
    assert other.title in page
    assert not any(e.title in page for e in (community_event, compound_event, club_event, draft))
    page = titles(ew.community_staff)  # runs the community's events: the draft too, marked as one
    assert draft.title in page and "s-draft" in page and other.title not in page
    assert draft.title not in titles(ew.other_staff)
    page = titles(ew.neighbour)  # chairs the dance club: its event, not the committee's draft
    assert club_event.title in page and draft.title not in page
    page = titles(ew.resident, "?kind=culture")
    assert community_event.title not in page


@pytest.mark.parametrize("who", PERSONAS + ["organiser"])
def test_the_lists_rule_for_what_i_run_is_the_access_rule(ew, who):
    """``access.managed_q`` (join-free, for the index) selects exactly the events ``access.can_manage`` allows."""
    ew.organiser = ew.neighbour  # chairs the dance club
    for community, staff in ((ew.community, ew.community_staff), (ew.other_community, ew.other_staff)):
        rc = Organisation.objects.create(
            kind=Organisation.Kind.RESIDENTS_COMMITTEE, name=f"{community.name}居委会", place=community
        )
        make_event(ew, title=f"{community.name}活动", by=staff, organiser=rc, community=community, publish=False)
    make_event(ew, title="舞蹈队活动", organiser=ew.dance_org, club=ew.club)
    make_event(ew, title="全街道活动", audience="subdistrict")
    person = type(ew.resident).objects.get(pk=getattr(ew, who).pk)
    expected = {e.pk for e in Event.objects.select_related("community") if access.can_manage(person, e)}
    assert set(Event.objects.filter(access.managed_q(person)).values_list("pk", flat=True)) == expected
    assert bool(expected) == (who in ("community_staff", "admin", "other_staff", "neighbour", "organiser"))


def test_the_list_marks_my_registration_and_pages_with_next_links(client, ew):
    events = [make_event(ew, title=f"活动{i:02d}", days=1 + i) for i in range(22)]
    actions.sign_up(events[0], ew.resident)
    login(client, ew.resident)
    page = client.get(reverse("events:index")).content.decode()
    assert "活动00" in page and "活动19" in page and "活动20" not in page
    assert page.count("you are in") == 1
    assert "?page=2" in page
    page2 = client.get(reverse("events:index") + "?page=2").content.decode()
    assert "活动20" in page2 and "活动21" in page2 and "?page=3" not in page2


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_for_3_or_30_events(client, ew):
    for i in range(3):
        actions.sign_up(make_event(ew, title=f"活动{i}"), ew.resident)
    login(client, ew.resident)
    url = reverse("events:index")
    few = _queries(client, url)
    for i in range(27):
        event = make_event(ew, title=f"更多{i}", club=ew.club if i % 3 == 0 else None)
        if i % 2:
            actions.sign_up(event, ew.resident)
    assert _queries(client, url) == few
    assert few <= 12
    login(client, ew.community_staff)
    assert _queries(client, url) <= 12


# --- one event ---------------------------------------------------------------------------------------------


def test_a_published_event_is_public_and_a_draft_is_not(client, ew):
    event = make_event(ew)
    draft = make_event(ew, title="草稿", publish=False)
    page = client.get(reverse("events:event", args=[event.pk])).content.decode()
    assert event.title in page and PLACE in page and "灯湖社区居民委员会" in page
    assert reverse("people:login") in page  # sign in to sign up
    assert client.get(reverse("events:event", args=[draft.pk])).status_code == 404
    for who in ("resident", "outsider", "other_staff", "neighbour"):
        assert login(client, getattr(ew, who)).get(reverse("events:event", args=[draft.pk])).status_code == 404, who
    assert login(client, ew.community_staff).get(reverse("events:event", args=[draft.pk])).status_code == 200
    assert client.get(reverse("events:event", args=[999999])).status_code == 404


def test_signing_up_shows_my_code_and_a_qr_code_of_the_check_in_address(client, ew):
    event = make_event(ew, capacity=1)
    login(client, ew.resident)
    page = client.get(reverse("events:event", args=[event.pk])).content.decode()
    assert reverse("events:sign-up", args=[event.pk]) in page
    response = client.post(reverse("events:sign-up", args=[event.pk]))
    assert response.status_code == 302
    reg = Registration.objects.get(event=event, person=ew.resident)
    assert reg.status == RegistrationStatus.CONFIRMED
    page = client.get(reverse("events:event", args=[event.pk])).content.decode()
    assert reg.code in page
    encoded = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)
    url = f"http://testserver/events/check-in/{reg.code}/"
    assert base64.b64decode(encoded) == qr_svg(url, scale=5)

    # Signing up twice is refused on the page, and changes nothing.
    response = client.post(reverse("events:sign-up", args=[event.pk]))
    assert response.status_code == 400
    assert "You have already signed up for this event." in response.content.decode()
    assert Registration.objects.filter(event=event).count() == 1

    # The seat is taken: the next one waits, and is told her place in the queue.
    login(client, ew.neighbour)
    assert client.post(reverse("events:sign-up", args=[event.pk])).status_code == 302
    page = client.get(reverse("events:event", args=[event.pk])).content.decode()
    assert Registration.objects.get(event=event, person=ew.neighbour).status == RegistrationStatus.WAITLISTED
    assert "You are on the waiting list (number 1)" in page

    # The resident gives up her place: the neighbour gets it, and is told.
    login(client, ew.resident)
    assert client.post(reverse("events:withdraw", args=[event.pk])).status_code == 302
    assert Registration.objects.get(event=event, person=ew.neighbour).status == RegistrationStatus.CONFIRMED
    assert Notification.objects.filter(recipient=ew.neighbour, subject__contains=event.title).exists()
    assert client.post(reverse("events:withdraw", args=[event.pk])).status_code == 404  # nothing left to cancel


def test_who_may_not_sign_up_is_told_why(client, ew):
    compound_event = make_event(ew, audience="compound", audience_place=ew.compound)
    club_event = make_event(ew, audience="club", club=ew.club, organiser=ew.dance_org)
    login(client, ew.outsider)
    page = client.get(reverse("events:event", args=[compound_event.pk])).content.decode()
    assert reverse("events:sign-up", args=[compound_event.pk]) not in page
    response = client.post(reverse("events:sign-up", args=[compound_event.pk]))
    assert response.status_code == 400 and "中铁建水岸公馆" in response.content.decode()
    login(client, ew.building_leader)  # lives in the compound, not in the club
    response = client.post(reverse("events:sign-up", args=[club_event.pk]))
    assert response.status_code == 400 and "灯湖社区舞蹈队" in response.content.decode()
    assert not Registration.objects.exists()
    assert client.get(reverse("events:sign-up", args=[club_event.pk])).status_code == 405


def test_volunteers_sign_up_for_a_role(client, ew):
    event = make_event(ew, roles=[("引导员", 1, "现场引导"), ("摄影", 2, "")])
    steward = event.roles.get(name="引导员")
    login(client, ew.resident)
    page = client.get(reverse("events:event", args=[event.pk])).content.decode()
    assert "引导员" in page and "现场引导" in page
    assert client.post(reverse("events:sign-up", args=[event.pk]), {"role": steward.pk}).status_code == 302
    reg = Registration.objects.get(person=ew.resident)
    assert reg.role == steward and reg.status == RegistrationStatus.CONFIRMED
    other = make_event(ew, title="另一个活动", roles=[("保洁", 3, "")])
    login(client, ew.neighbour)
    response = client.post(reverse("events:sign-up", args=[event.pk]), {"role": other.roles.get().pk})
    assert response.status_code == 400
    assert not Registration.objects.filter(person=ew.neighbour).exists()
    assert VolunteerRole.objects.get(pk=steward.pk).confirmed == 1


# --- organising -------------------------------------------------------------------------------------------


def form_data(**extra) -> dict:
    starts = timezone.localtime() + timedelta(days=7)
    data = {
        "title": "书法体验课",
        "kind": "learning",
        "description": "毛笔和纸由书画协会提供",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "location": PLACE,
        "capacity": "20",
        "audience": "community",
        "role_name_0": "助教",
        "role_places_0": "2",
        "role_what_0": "帮忙磨墨",
    }
    return data | extra


def test_community_staff_organise_an_event_from_draft_to_published(client, ew):
    login(client, ew.community_staff)
    page = client.get(reverse("events:new")).content.decode()
    assert "灯湖社区居民委员会" in page and "灯湖社区舞蹈队" in page
    page = client.get(reverse("events:new") + "?q=舞蹈").content.decode()
    assert "灯湖社区舞蹈队" in page and "灯湖社区居民委员会" not in page
    url = reverse("events:new") + f"?organiser={ew.rc.pk}"
    page = client.get(url).content.decode()
    assert 'name="role_name_0"' in page and "中铁建水岸公馆" in page  # the compound, for the audience

    response = client.post(url, form_data(ends_at=form_data()["starts_at"]))
    assert response.status_code == 400
    assert "The event must end after it starts." in response.content.decode()
    assert not Event.objects.exists()
    response = client.post(url, form_data(audience="compound"))
    assert response.status_code == 400 and not Event.objects.exists()  # which compound?

    response = client.post(url, form_data())
    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.status, event.organiser, event.community, event.capacity) == (Status.DRAFT, ew.rc, ew.community, 20)
    assert event.roles.get().name == "助教"
    page = client.get(reverse("events:event", args=[event.pk])).content.decode()
    assert reverse("events:publish", args=[event.pk]) in page

    login(client, ew.resident)
    assert client.post(reverse("events:publish", args=[event.pk]), {"version": event.version}).status_code == 404
    login(client, ew.community_staff)
    assert client.post(reverse("events:publish", args=[event.pk]), {"version": event.version}).status_code == 302
    event.refresh_from_db()
    assert event.status == Status.PUBLISHED and event.sequence == 1
    response = client.post(reverse("events:publish", args=[event.pk]), {"version": event.version})
    assert response.status_code == 400  # only a draft can be published


def test_an_event_can_be_published_at_once_with_the_club_as_audience(client, ew):
    login(client, ew.neighbour)  # the dance club's chair
    page = client.get(reverse("events:new")).content.decode()
    assert "灯湖社区舞蹈队" in page and "灯湖社区居民委员会" not in page
    url = reverse("events:new") + f"?organiser={ew.dance_org.pk}"
    response = client.post(url, form_data(title="舞蹈队排练", audience="club", club=str(ew.club.pk), publish="1"))
    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.status, event.club, event.audience) == (Status.PUBLISHED, ew.club, "club")
    assert client.get(reverse("events:new") + f"?organiser={ew.rc.pk}").status_code == 404


def test_a_room_is_booked_with_the_event_and_freed_when_it_is_cancelled(client, ew):
    venue = Venue.objects.create(name="中铁建水岸公馆“创熟”加油站", place=ew.compound)
    room = Room.objects.create(venue=venue, name="活动室", capacity=30)
    login(client, ew.community_staff)  # venue staff over the compound: the room is theirs to give
    url = reverse("events:new") + f"?organiser={ew.rc.pk}"
    assert "活动室" in client.get(url).content.decode()
    assert client.post(url, form_data(room=str(room.pk), location="", capacity="40")).status_code == 400  # holds 30
    assert client.post(url, form_data(room=str(room.pk), location="", publish="1")).status_code == 302
    event = Event.objects.get()
    assert event.booking.room == room and event.booking.status == "approved" and event.where == str(room)
    assert "活动室" in client.get(reverse("events:event", args=[event.pk])).content.decode()
    response = client.post(url, form_data(title="同一时间", room=str(room.pk), location=""))
    assert response.status_code == 400 and Event.objects.count() == 1  # the room is taken: nothing saved
    assert client.post(reverse("events:cancel", args=[event.pk]), {"reason": "下雨", "version": event.version}).status_code == 302
    event.booking.refresh_from_db()
    assert event.booking.status == "cancelled"

    login(client, ew.neighbour)  # the dance club's chair asks the venue's staff for the room
    url = reverse("events:new") + f"?organiser={ew.dance_org.pk}"
    assert client.post(url, form_data(title="舞蹈排练", room=str(room.pk), location="")).status_code == 302
    rehearsal = Event.objects.get(title="舞蹈排练")
    assert rehearsal.booking.status == "requested" and rehearsal.booking.requested_by == ew.neighbour
    page = client.get(reverse("events:event", args=[rehearsal.pk])).content.decode()
    assert "Room booking" in page and "s-requested" in page


def test_residents_cannot_organise(client, ew):
    login(client, ew.resident)
    assert client.get(reverse("events:new")).status_code == 404
    assert client.post(reverse("events:new") + f"?organiser={ew.rc.pk}", form_data()).status_code == 404
    assert not Event.objects.exists()


def test_editing_checks_the_version_and_tells_registrants_of_a_new_time(client, ew):
    event = make_event(ew)
    actions.sign_up(event, ew.resident)
    url = reverse("events:edit", args=[event.pk])
    login(client, ew.resident)
    assert client.get(url).status_code == 404
    login(client, ew.community_staff)
    page = client.get(url).content.decode()
    assert event.title in page
    new_start = timezone.localtime(event.starts_at) + timedelta(hours=1)
    data = {
        "title": "邻里节·包粽子（改时间）",
        "kind": event.kind,
        "description": "",
        "starts_at": new_start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (new_start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "location": PLACE,
        "capacity": "10",
        "signup_opens_at": timezone.localtime(event.signup_opens_at).strftime("%Y-%m-%dT%H:%M"),
        "signup_closes_at": new_start.strftime("%Y-%m-%dT%H:%M"),
        "version": event.version,
    }
    assert client.post(url, data).status_code == 302
    event.refresh_from_db()
    assert event.title.endswith("（改时间）") and event.sequence == 1
    assert Notification.objects.filter(recipient=ew.resident, subject__contains="改时间").exists()
    response = client.post(url, data | {"title": "过期的版本"})  # the version the form was loaded with
    assert response.status_code == 409
    assert Event.objects.get(pk=event.pk).title.endswith("（改时间）")
    response = client.post(url, data | {"capacity": "0", "version": event.version})
    assert response.status_code == 400


def test_cancelling_needs_a_reason_and_tells_everyone(client, ew):
    event = make_event(ew)
    actions.sign_up(event, ew.resident)
    url = reverse("events:cancel", args=[event.pk])
    login(client, ew.outsider)
    assert client.get(url).status_code == 404
    login(client, ew.community_staff)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "", "version": event.version})
    assert response.status_code == 400
    assert Event.objects.get(pk=event.pk).status == Status.PUBLISHED
    assert client.post(url, {"reason": "台风预警", "version": event.version}).status_code == 302
    event.refresh_from_db()
    assert event.status == Status.CANCELLED and event.cancel_reason == "台风预警"
    assert Notification.objects.filter(recipient=ew.resident, body="台风预警").exists()
    page = client.get(reverse("events:event", args=[event.pk])).content.decode()
    assert "台风预警" in page
    assert client.post(url, {"reason": "again", "version": event.version}).status_code == 400


# --- who signed up, the desk -----------------------------------------------------------------------------


def test_registrations_are_for_those_who_run_the_event_with_masked_mobiles(client, ew):
    event = make_event(ew, organiser=ew.dance_org, club=ew.club, capacity=1)
    actions.sign_up(event, ew.resident)
    actions.sign_up(event, ew.b2_resident)
    url = reverse("events:registrations", args=[event.pk])
    for who in ("resident", "outsider", "building_leader", "other_staff"):
        assert login(client, getattr(ew, who)).get(url).status_code == 404, who
        assert client.get(reverse("events:registrations-csv", args=[event.pk])).status_code == 404

    login(client, ew.neighbour)  # the club's chair: names and masked numbers
    page = client.get(url).content.decode()
    assert "李居民" in page and "138****0001" in page and "13800000001" not in page
    assert "赵二栋" not in page  # on the waiting list
    page = client.get(url + "?show=waitlisted").content.decode()
    assert "赵二栋" in page
    login(client, ew.community_staff)  # staff over the community call people: full numbers
    page = client.get(url).content.decode()
    assert "13800000001" in page
    reads = AuditEntry.objects.filter(action="event.registrations.read")
    assert set(reads.values_list("subject_id", flat=True)) == {ew.resident.pk, ew.b2_resident.pk}
    assert set(reads.values_list("actor_id", flat=True)) == {ew.neighbour.pk, ew.community_staff.pk}

    response = client.get(reverse("events:registrations-csv", args=[event.pk]))
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff") and "李居民" in text and "赵二栋" in text and "13800000001" in text
    assert AuditEntry.objects.filter(action="event.registrations.export").count() == 2


def test_the_registrations_page_costs_the_same_for_3_or_30(client, ew):
    event = make_event(ew, capacity=100)
    people = neighbours_of(ew, 30)
    for p in people[:3]:
        actions.sign_up(event, p)
    login(client, ew.community_staff)
    url = reverse("events:registrations", args=[event.pk])
    few = _queries(client, url)
    for p in people[3:]:
        actions.sign_up(event, p)
    assert _queries(client, url) == few
    assert few <= 12


def test_staff_cancel_someones_registration_and_the_waiting_list_moves(client, ew):
    event = make_event(ew, capacity=1)
    first = actions.sign_up(event, ew.resident)
    actions.sign_up(event, ew.neighbour)
    login(client, ew.community_staff)
    url = reverse("events:registration-cancel", args=[event.pk, first.pk])
    assert client.post(url).status_code == 302
    assert Registration.objects.get(pk=first.pk).status == RegistrationStatus.CANCELLED
    assert Registration.objects.get(person=ew.neighbour).status == RegistrationStatus.CONFIRMED
    assert Notification.objects.get(recipient=ew.resident).subject == f"Your registration for {event.title} was cancelled"
    client.post(url)  # again: a conflict, shown as a message, nothing changes
    assert Registration.objects.get(person=ew.neighbour).status == RegistrationStatus.CONFIRMED
    login(client, ew.resident)
    assert client.post(reverse("events:registration-cancel", args=[event.pk, first.pk])).status_code == 404


def test_the_check_in_desk_says_clearly_what_happened(client, ew):
    event = make_event(ew, capacity=1)
    confirmed = actions.sign_up(event, ew.resident)
    waiting = actions.sign_up(event, ew.neighbour)
    gone = actions.sign_up(event, ew.b2_resident)
    actions.cancel_registration(gone, by=ew.b2_resident)
    desk = reverse("events:desk", args=[event.pk])
    login(client, ew.resident)
    assert client.get(desk).status_code == 404
    login(client, ew.community_staff)
    with time_machine.travel(event.starts_at - timedelta(minutes=30), tick=False):
        assert client.get(desk).status_code == 200
        response = client.post(desk, {"code": confirmed.code.lower()})
        assert response.status_code == 200 and "李居民" in response.content.decode()
        assert Registration.objects.get(pk=confirmed.pk).checked_in_at is not None
        response = client.post(desk, {"code": confirmed.code})
        hhmm = timezone.localtime(event.starts_at - timedelta(minutes=30)).strftime("%H:%M")
        assert response.status_code == 200 and hhmm in response.content.decode()
        response = client.post(desk, {"code": waiting.code})
        assert response.status_code == 400 and "王邻居" in response.content.decode()
        response = client.post(desk, {"code": gone.code})
        assert response.status_code == 400 and "赵二栋" in response.content.decode()
        response = client.post(desk, {"code": "NOPE2345"})
        assert response.status_code == 400 and "No registration has this code." in response.content.decode()
    other = make_event(ew, title="另一个活动")
    elsewhere = actions.sign_up(other, ew.neighbour)
    with time_machine.travel(event.starts_at, tick=False):
        response = client.post(desk, {"code": elsewhere.code})  # a code of another event: not at this desk
        assert response.status_code == 400 and Registration.objects.get(pk=elsewhere.pk).checked_in_at is None


def test_the_qr_code_opens_a_page_that_checks_in_only_on_post(client, ew):
    event = make_event(ew)
    reg = actions.sign_up(event, ew.resident)
    url = reverse("events:check-in", args=[reg.code])
    login(client, ew.neighbour)  # neither runs the event nor is it theirs
    assert client.get(url).status_code == 404
    login(client, ew.resident)  # her own code: told to show it at the door
    page = client.get(url).content.decode()
    assert reg.code in page and Registration.objects.get(pk=reg.pk).checked_in_at is None
    assert client.post(url).status_code == 404
    login(client, ew.community_staff)
    with time_machine.travel(event.starts_at, tick=False):
        page = client.get(url).content.decode()
        assert "李居民" in page and Registration.objects.get(pk=reg.pk).checked_in_at is None
        response = client.post(url)
        assert response.status_code == 200 and Registration.objects.get(pk=reg.pk).checked_in_at == event.starts_at
    with time_machine.travel(event.ends_at + timedelta(hours=3), tick=False):
        assert client.post(url).status_code == 400  # too late: the window is shut, nothing changes
    assert client.get(reverse("events:check-in", args=["ZZZZZZZZ"])).status_code == 404


# --- my events, the community's list ---------------------------------------------------------------------


def test_my_events_show_coming_ones_with_my_code_and_past_ones(client, ew):
    past_event = make_event(ew, title="去年的活动", now=timezone.now() - timedelta(days=30), days=1)
    reg = actions.sign_up(past_event, ew.resident, now=timezone.now() - timedelta(days=30))
    actions.check_in(code=reg.code, by=ew.community_staff, now=past_event.starts_at)
    coming = make_event(ew, title="下周的活动")
    mine = actions.sign_up(coming, ew.resident)
    login(client, ew.resident)
    page = client.get(reverse("events:mine")).content.decode()
    assert "下周的活动" in page and mine.code in page and "去年的活动" in page
    assert reg.code not in page  # a past code is no use
    login(client, ew.neighbour)
    assert "下周的活动" not in client.get(reverse("events:mine")).content.decode()


def test_a_communitys_public_list_shows_published_events_only(client, ew):
    event = make_event(ew)
    draft = make_event(ew, title="草稿", publish=False)
    actions.sign_up(event, ew.resident)
    page = client.get(reverse("events:community", args=[ew.community.pk])).content.decode()
    assert event.title in page and draft.title not in page and "李居民" not in page
    assert f"/events/calendar/community/{ew.community.pk}.ics" in page
    assert client.get(reverse("events:community", args=[ew.compound.pk])).status_code == 404


# --- personal data ---------------------------------------------------------------------------------------


def test_a_persons_registrations_are_in_the_download_and_erasure_frees_the_seat(ew):
    past_event = make_event(ew, title="已经办过", now=timezone.now() - timedelta(days=10), days=1)
    held = actions.sign_up(past_event, ew.resident, now=timezone.now() - timedelta(days=10))
    actions.check_in(code=held.code, by=ew.community_staff, now=past_event.starts_at)
    coming = make_event(ew, capacity=1)
    actions.sign_up(coming, ew.resident)
    actions.sign_up(coming, ew.neighbour)
    actions.ask_to_join(ew.club, ew.building_leader)
    actions.set_opt_in(ew.resident, True)

    data = people_actions.export_personal_data(person=ew.resident)
    assert {r["title"] for r in data["event_registrations"]} == {"已经办过", "邻里节·包粽子"}
    assert data["meet_neighbours_opt_in"] is not None
    assert people_actions.export_personal_data(person=ew.building_leader)["club_join_requests"][0]["club"] == "灯湖社区舞蹈队"

    people_actions.erase_person(person=ew.resident)
    assert Registration.objects.get(event=coming, person=ew.neighbour).status == RegistrationStatus.CONFIRMED
    assert not Registration.objects.filter(event=coming, person=ew.resident).exists()
    kept = Registration.objects.get(event=past_event, person=ew.resident)  # the community's figures rest on it
    assert kept.checked_in_at is not None and kept.code != held.code
    assert not NeighbourOptIn.objects.filter(person=ew.resident).exists()
    assert not ClubJoinRequest.objects.filter(person=ew.resident).exists()


# --- the back office --------------------------------------------------------------------------------------


def test_the_admin_lists_events_within_scope_and_keeps_their_state(client, ew):
    event = make_event(ew)
    actions.sign_up(event, ew.resident)
    login(client, ew.community_staff)
    for name in ("event", "club", "registration", "clubjoinrequest", "encounter"):
        assert client.get(reverse(f"admin:events_{name}_changelist")).status_code == 200, name
    page = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert event.title in page
    response = client.post(
        reverse("admin:events_event_change", args=[event.pk]),
        {
            "title": "改过的标题",
            "description": "",
            "status": "cancelled",
            "capacity": 1,
            "roles-TOTAL_FORMS": 0,
            "roles-INITIAL_FORMS": 0,
            "roles-MIN_NUM_FORMS": 0,
            "roles-MAX_NUM_FORMS": 1000,
        },
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.status, event.capacity, event.sequence) == ("改过的标题", Status.PUBLISHED, 10, 1)
    assert "13800000001" not in client.get(reverse("admin:events_registration_changelist")).content.decode()
    login(client, ew.other_staff)
    assert event.title not in client.get(reverse("admin:events_event_changelist")).content.decode()
    login(client, ew.resident)
    assert client.get(reverse("admin:events_event_changelist")).status_code == 302


# --- the demo -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_sign_ins_find_events_clubs_and_neighbours(client):
    from io import StringIO

    from django.core.management import call_command

    from people.demo import data as demo_data
    from people.models import Person

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "events" in out.getvalue() and "encounters" in out.getvalue()
    persons = {a["key"]: Person.objects.get(mobile=a["mobile"]) for a in demo_data.DEMO_ACCOUNTS}

    login(client, persons["resident"])
    page = client.get(reverse("events:index")).content.decode()
    assert "邻里节·美食分享会" in page and "羽毛球队周三夜赛" in page and "you are in" in page
    food = Event.objects.get(title="邻里节·美食分享会")
    assert (food.confirmed, food.capacity, food.waitlisted) == (12, 12, 3)
    mine = Registration.objects.get(event=food, person=persons["resident"])
    assert mine.code in client.get(reverse("events:event", args=[food.pk])).content.decode()
    second = Registration.objects.get(event__title="书法体验课（第二期）", person=persons["resident"])
    assert second.status == RegistrationStatus.WAITLISTED
    page = client.get(reverse("events:mine")).content.decode()
    assert "邻里节·开幕式暨百家宴" in page and "attended" in page
    page = client.get(reverse("events:neighbours")).content.decode()
    assert "It is on." in page and "灯湖社区羽毛球队" in page
    assert len(queries.neighbours_for(persons["resident"])) >= 1

    login(client, persons["building_leader"])
    cleanup = Event.objects.get(title="水岸公馆环境清洁日（下期）")
    assert Registration.objects.get(event=cleanup, person=persons["building_leader"]).role.name == "引导员"
    assert client.get(reverse("events:desk", args=[cleanup.pk])).status_code == 200

    login(client, persons["community_staff"])
    page = client.get(reverse("events:index")).content.decode()
    assert "邻里节·跳蚤市场" in page  # her draft
    opening = Event.objects.get(title="邻里节·开幕式暨百家宴")
    assert opening.registrations.filter(checked_in_at__isnull=False).exists()
    assert client.get(reverse("events:registrations", args=[opening.pk])).status_code == 200
    assert Event.objects.get(title="户外电影之夜").status == Status.CANCELLED

    login(client, persons["property_staff"])
    drill = Event.objects.get(title="物业开放日·消防安全演练")
    assert drill.title in client.get(reverse("events:index")).content.decode()
    assert client.get(reverse("events:registrations", args=[drill.pk])).status_code == 200

    login(client, persons["subdistrict_admin"])
    assert "桂城街道邻里节·闭幕式" in client.get(reverse("events:index")).content.decode()
    denghu = opening.community
    years = client.get(f"/api/stats/events/{denghu.pk}").json()
    assert sum(y["activities"] for y in years) >= 8 and sum(y["new_acquaintances"] for y in years) > 0
    assert client.get(reverse("events:clubs") + f"?community={denghu.pk}").content.decode().count("/events/clubs/") >= 10
