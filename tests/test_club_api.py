"""The clubs in the JSON API: list, detail, members, making a club page, asking to join, deciding,
withdrawing, leaving and naming backbone members; 404 for what one may not see or do, 409 when a
request was decided already."""

from events.models import Club, ClubJoinRequest, JoinStatus
from people.models import Membership, Organisation
from tests import test_event_pages as pages
from tests.conftest import live_in, make_person
from tests.test_event_api import API, as_, post
from tests.test_event_pages import make_event

ew, _english = pages.ew, pages._english  # the shared fixtures


def test_list_and_detail(client, ew):
    make_event(ew, title="舞蹈队汇报演出", organiser=ew.dance_org, club=ew.club)
    as_(client, ew.outsider)
    data = client.get(f"{API}/clubs").json()
    assert [c["name"] for c in data["results"]] == ["灯湖社区舞蹈队"] and data["results"][0]["members"] == 3
    assert client.get(f"{API}/clubs?community_id={ew.other_community.pk}").json()["results"] == []
    assert client.get(f"{API}/clubs?activity=choir").json()["results"] == []
    assert client.get(f"{API}/clubs?community_id={ew.compound.pk}").status_code == 404
    detail = client.get(f"{API}/clubs/{ew.club.pk}").json()
    assert [m["name"] for m in detail["leaders"]] == ["王邻居"] and [m["name"] for m in detail["backbone"]] == ["赵二栋"]
    assert detail["is_member"] is False and detail["events"][0]["title"] == "舞蹈队汇报演出"
    assert "李居民" not in str(detail)
    assert client.get(f"{API}/clubs/{ew.club.pk}/members").status_code == 404
    assert client.get(f"{API}/clubs/999999").status_code == 404
    as_(client, ew.resident)
    members = client.get(f"{API}/clubs/{ew.club.pk}/members").json()
    assert {m["name"] for m in members} == {"王邻居", "李居民", "赵二栋"}
    assert client.get(f"{API}/clubs/{ew.club.pk}").json()["my_position"] == "member"


def test_join_decide_and_leave(client, ew):
    newcomer = make_person("钟新来", "13800000021")
    live_in(newcomer, ew.unit)
    as_(client, newcomer)
    response = post(client, f"{API}/clubs/{ew.club.pk}/join-requests", {"message": "想参加"})
    assert response.status_code == 201
    request = response.json()
    assert post(client, f"{API}/clubs/{ew.club.pk}/join-requests").status_code == 400
    assert client.get(f"{API}/clubs/{ew.club.pk}/join-requests").status_code == 404
    assert post(client, f"{API}/clubs/join-requests/{request['id']}/decision", {"approve": True}).status_code == 404

    as_(client, ew.neighbour)  # the chair
    assert [r["person"] for r in client.get(f"{API}/clubs/{ew.club.pk}/join-requests").json()] == ["钟新来"]
    url = f"{API}/clubs/join-requests/{request['id']}/decision"
    assert post(client, url, {"approve": True, "version": request["version"] + 1}).status_code == 409
    response = post(client, url, {"approve": True, "version": request["version"]})
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert post(client, url, {"approve": False}).status_code == 409
    assert Membership.objects.filter(organisation=ew.dance_org, person=newcomer).exists()

    position = f"{API}/clubs/{ew.club.pk}/members/{newcomer.pk}/position"
    response = client.put(position, {"position": "backbone"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["position"] == "backbone"
    assert client.put(position, {"position": "chair"}, content_type="application/json").status_code == 400
    as_(client, newcomer)
    assert client.put(position, {"position": "member"}, content_type="application/json").status_code == 404
    assert post(client, f"{API}/clubs/{ew.club.pk}/leave").status_code == 400  # backbone: through the leaders
    as_(client, ew.neighbour)
    client.put(position, {"position": "member"}, content_type="application/json")
    as_(client, newcomer)
    assert post(client, f"{API}/clubs/{ew.club.pk}/leave").status_code == 204
    assert post(client, f"{API}/clubs/{ew.club.pk}/leave").status_code == 400

    response = post(client, f"{API}/clubs/{ew.club.pk}/join-requests")
    again = response.json()
    as_(client, ew.resident)
    assert post(client, f"{API}/clubs/join-requests/{again['id']}/withdraw").status_code == 404
    as_(client, newcomer)
    assert post(client, f"{API}/clubs/join-requests/{again['id']}/withdraw").json()["status"] == "withdrawn"
    assert post(client, f"{API}/clubs/join-requests/{again['id']}/withdraw").status_code == 409
    assert ClubJoinRequest.objects.filter(status=JoinStatus.PENDING).count() == 0


def test_making_a_club_page(client, ew):
    choir = Organisation.objects.create(kind=Organisation.Kind.CULTURAL, name="灯湖社区合唱队", place=ew.community)
    as_(client, ew.resident)
    assert post(client, f"{API}/clubs", {"organisation_id": choir.pk, "activity": "choir"}).status_code == 404
    as_(client, ew.community_staff)
    assert post(client, f"{API}/clubs", {"organisation_id": choir.pk, "activity": "singing"}).status_code == 400
    response = post(client, f"{API}/clubs", {"organisation_id": choir.pk, "activity": "choir", "schedule": "周六上午"})
    assert response.status_code == 201 and response.json()["name"] == "灯湖社区合唱队"
    assert post(client, f"{API}/clubs", {"organisation_id": choir.pk, "activity": "choir"}).status_code == 400
    assert post(client, f"{API}/clubs", {"organisation_id": ew.rc.pk, "activity": "other"}).status_code == 404
    assert Club.objects.filter(organisation=choir).count() == 1
