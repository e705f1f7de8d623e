"""Club pages: the list by community and activity, the club page (leaders and backbone members for
everyone signed in, members for members and leaders), asking to join, the leaders' decisions, backbone
members, leaving, and making a club page for an organisation."""

import pytest
from django.urls import reverse

from events import actions
from events.models import Club, ClubJoinRequest, JoinStatus
from people.models import Membership, Organisation
from tests import test_event_pages as pages
from tests.conftest import live_in, make_person
from tests.test_event_pages import login, make_event

ew, _english = pages.ew, pages._english  # the shared fixtures


@pytest.fixture
def cw(ew):
    """Two more clubs: 桂一社区's lion dance team (not taking members) and 灯湖's badminton team; and a
    newcomer in 1栋 who is in no club."""
    lion = Organisation.objects.create(kind=Organisation.Kind.CULTURAL, name="桂一社区醒狮队", place=ew.other_community)
    ew.lion = actions.make_club(lion, by=ew.other_staff, activity="lion_dance", accepting=False)
    badminton = Organisation.objects.create(kind=Organisation.Kind.SELF_ORGANISATION, name="灯湖社区羽毛球队", place=ew.community)
    ew.badminton = actions.make_club(badminton, by=ew.community_staff, activity="badminton")
    ew.newcomer = make_person("钟新来", "13800000021")
    live_in(ew.newcomer, ew.unit)
    return ew


def test_the_list_filters_by_community_and_activity(client, cw):
    login(client, cw.outsider)
    page = client.get(reverse("events:clubs")).content.decode()
    assert "灯湖社区舞蹈队" in page and "桂一社区醒狮队" in page and "灯湖社区羽毛球队" in page
    page = client.get(reverse("events:clubs") + f"?community={cw.community.pk}").content.decode()
    assert "灯湖社区舞蹈队" in page and "桂一社区醒狮队" not in page
    page = client.get(reverse("events:clubs") + "?activity=badminton").content.decode()
    assert "灯湖社区羽毛球队" in page and "灯湖社区舞蹈队" not in page
    assert "3 members" in client.get(reverse("events:clubs") + "?activity=dance").content.decode()
    client.logout()
    assert client.get(reverse("events:clubs")).status_code == 302  # signed in only


def test_members_are_shown_to_members_and_leaders_only(client, cw):
    event = make_event(cw, title="舞蹈队汇报演出", organiser=cw.dance_org, club=cw.club)
    url = reverse("events:club", args=[cw.club.pk])
    login(client, cw.outsider)
    page = client.get(url).content.decode()
    assert "王邻居" in page and "赵二栋" in page  # the chair and the backbone member
    assert "李居民" not in page  # a plain member
    assert event.title in page and "周二、周四 19:30" in page
    login(client, cw.resident)  # a member
    page = client.get(url).content.decode()
    assert "李居民" in page and reverse("events:club-leave", args=[cw.club.pk]) in page
    assert reverse("events:club-position", args=[cw.club.pk]) not in page
    login(client, cw.neighbour)  # the chair
    page = client.get(url).content.decode()
    assert "李居民" in page and reverse("events:club-position", args=[cw.club.pk]) in page
    assert client.get(reverse("events:club", args=[999999])).status_code == 404


def test_joining_from_request_to_decision(client, cw):
    url = reverse("events:club-join", args=[cw.club.pk])
    login(client, cw.newcomer)
    assert client.post(url, {"message": "我想学跳舞"}).status_code == 302
    request = ClubJoinRequest.objects.get(person=cw.newcomer)
    assert request.status == JoinStatus.PENDING
    response = client.post(url, {"message": "再问一次"})
    assert response.status_code == 400 and "already asked" in response.content.decode()
    assert ClubJoinRequest.objects.filter(person=cw.newcomer).count() == 1

    decide = reverse("events:club-decide", args=[request.pk])
    for who in ("newcomer", "resident", "outsider", "other_staff"):
        login(client, getattr(cw, who))
        assert client.post(decide, {"approve": "yes", "version": request.version}).status_code == 404, who
    login(client, cw.neighbour)
    page = client.get(reverse("events:club", args=[cw.club.pk])).content.decode()
    assert "钟新来" in page and "我想学跳舞" in page
    assert client.post(decide, {"approve": "yes", "version": request.version}).status_code == 302
    assert Membership.objects.filter(organisation=cw.dance_org, person=cw.newcomer, position="member").exists()
    response = client.post(decide, {"approve": "no", "version": request.version})
    assert response.status_code == 409  # decided already
    assert ClubJoinRequest.objects.get(pk=request.pk).status == JoinStatus.APPROVED

    login(client, cw.newcomer)
    response = client.post(url)
    assert response.status_code == 400 and "already a member" in response.content.decode()
    assert client.post(reverse("events:club-leave", args=[cw.club.pk])).status_code == 302
    assert not Membership.objects.filter(organisation=cw.dance_org, person=cw.newcomer).exists()


def test_a_declined_or_withdrawn_request_and_a_closed_club(client, cw):
    login(client, cw.newcomer)
    client.post(reverse("events:club-join", args=[cw.club.pk]))
    request = ClubJoinRequest.objects.get()
    login(client, cw.resident)
    assert client.post(reverse("events:club-withdraw", args=[request.pk])).status_code == 404  # not hers
    login(client, cw.newcomer)
    assert client.post(reverse("events:club-withdraw", args=[request.pk])).status_code == 302
    assert ClubJoinRequest.objects.get().status == JoinStatus.WITHDRAWN
    assert client.post(reverse("events:club-withdraw", args=[request.pk])).status_code == 409
    client.post(reverse("events:club-join", args=[cw.club.pk]), {"message": "再试"})
    again = ClubJoinRequest.objects.get(status=JoinStatus.PENDING)
    login(client, cw.community_staff)  # staff over the community decide too
    response = client.post(reverse("events:club-decide", args=[again.pk]), {"approve": "no", "reason": "人满了"})
    assert response.status_code == 302
    assert ClubJoinRequest.objects.get(pk=again.pk).reason == "人满了"
    assert not Membership.objects.filter(person=cw.newcomer).exists()

    login(client, cw.newcomer)
    response = client.post(reverse("events:club-join", args=[cw.lion.pk]))
    assert response.status_code == 400 and "not taking new members" in response.content.decode()
    assert not ClubJoinRequest.objects.filter(club=cw.lion).exists()


def test_leaders_name_backbone_members(client, cw):
    url = reverse("events:club-position", args=[cw.club.pk])
    login(client, cw.resident)
    assert client.post(url, {"person": cw.resident.pk, "position": "backbone"}).status_code == 404
    login(client, cw.neighbour)
    assert client.post(url, {"person": cw.resident.pk, "position": "backbone"}).status_code == 302
    assert Membership.objects.get(organisation=cw.dance_org, person=cw.resident).position == "backbone"
    response = client.post(url, {"person": cw.neighbour.pk, "position": "member"})
    assert response.status_code == 400  # officers are changed on the organisation's page
    response = client.post(url, {"person": cw.outsider.pk, "position": "backbone"})
    assert response.status_code == 400 and not Membership.objects.filter(person=cw.outsider).exists()
    login(client, cw.resident)  # a backbone member leaves through the leaders
    response = client.post(reverse("events:club-leave", args=[cw.club.pk]))
    assert response.status_code == 400
    assert Membership.objects.filter(organisation=cw.dance_org, person=cw.resident).exists()


def test_an_organisations_officers_make_its_club_page(client, cw):
    choir = Organisation.objects.create(kind=Organisation.Kind.CULTURAL, name="灯湖社区合唱队", place=cw.community)
    Membership.objects.create(organisation=choir, person=cw.newcomer, position=Membership.Position.SECRETARY)
    url = reverse("events:club-new")
    login(client, cw.resident)
    assert client.get(url).status_code == 404
    assert client.post(url, {"organisation": choir.pk, "activity": "choir"}).status_code == 404
    login(client, cw.newcomer)
    page = client.get(url).content.decode()
    assert "灯湖社区合唱队" in page and "灯湖社区舞蹈队" not in page
    response = client.post(url + f"?organisation={choir.pk}", {"activity": "choir", "schedule": "周六上午", "accepting": "on"})
    assert response.status_code == 302
    club = Club.objects.get(organisation=choir)
    assert (club.activity, club.schedule, club.accepting, club.path) == ("choir", "周六上午", True, cw.community.path)
    assert client.get(url + f"?organisation={choir.pk}").status_code == 404  # it has one now
    response = client.post(url + f"?organisation={cw.rc.pk}", {"activity": "choir"})
    assert response.status_code == 404  # a residents' committee is not a club
