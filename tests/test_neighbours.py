"""Meeting neighbours: shown only between people who both opted in, who live (or own) in the same
compound, and who share a club or an attended event; a third person who did not opt in never appears."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import actions, queries
from events.models import NeighbourOptIn
from people.models import Membership, Ownership
from tests import test_event_pages as pages
from tests.conftest import live_in, make_person
from tests.test_event_api import API, as_
from tests.test_event_pages import login, make_event

ew, _english = pages.ew, pages._english  # the shared fixtures


def names(person) -> list[str]:
    return [n.name for n in queries.neighbours_for(person)]


@pytest.fixture
def nw(ew):
    """The dance club has 王邻居 (1栋), 李居民 (1栋) and 赵二栋 (2栋), all in 中铁建水岸公馆; the outsider
    (桂南小区) joins it too."""
    Membership.objects.create(organisation=ew.dance_org, person=ew.outsider)
    return ew


def test_nobody_is_shown_until_both_opted_in(nw):
    assert names(nw.resident) == []
    actions.set_opt_in(nw.resident, True)
    assert names(nw.resident) == []  # the others did not opt in
    actions.set_opt_in(nw.neighbour, True)
    assert names(nw.resident) == ["王邻居"]
    assert names(nw.neighbour) == ["李居民"]
    assert names(nw.b2_resident) == []  # shares the club and the compound, but did not opt in
    found = queries.neighbours_for(nw.resident)[0]
    assert found.clubs == ["灯湖社区舞蹈队"] and found.times == 0


def test_a_third_person_who_did_not_opt_in_never_appears(nw):
    for person in (nw.resident, nw.neighbour):
        actions.set_opt_in(person, True)
    for person in (nw.resident, nw.neighbour):
        assert "赵二栋" not in names(person)
    actions.set_opt_in(nw.b2_resident, True)  # 2栋 is in the same compound
    assert sorted(names(nw.resident)) == ["王邻居", "赵二栋"]
    actions.set_opt_in(nw.b2_resident, False)
    assert "赵二栋" not in names(nw.resident) and names(nw.b2_resident) == []


def test_only_the_same_compound(nw):
    for person in (nw.resident, nw.outsider):
        actions.set_opt_in(person, True)
    assert names(nw.resident) == [] and names(nw.outsider) == []  # a club in common, compounds apart
    owner = make_person("钱业主", "13800000031")  # owns 2栋 201, lives in 桂南小区
    live_in(owner, nw.other_unit)
    Ownership.objects.create(unit=nw.unit_b2, person=owner)
    Membership.objects.create(organisation=nw.dance_org, person=owner)
    actions.set_opt_in(owner, True)
    assert names(nw.resident) == ["钱业主"]
    assert sorted(names(owner)) == sorted(["李居民", "郑外人"])  # owns in one compound, lives in the other


def test_an_event_attended_together_counts_and_nothing_shared_does_not(nw):
    staff = nw.community_staff
    now = timezone.now()
    event = make_event(nw, title="楼道清洁日", now=now - timedelta(days=10), days=1)
    for person in (nw.resident, nw.building_leader):
        reg = actions.sign_up(event, person, now=now - timedelta(days=9, hours=12))
        actions.check_in(code=reg.code, by=staff, now=event.starts_at)
    actions.record_encounters(now=now)
    stranger = make_person("冯同楼", "13800000041")  # same compound, nothing shared
    live_in(stranger, nw.unit_b2)
    for person in (nw.resident, nw.building_leader, stranger):
        actions.set_opt_in(person, True)
    found = queries.neighbours_for(nw.resident)
    assert [n.name for n in found] == ["陈楼长"]
    assert (found[0].times, found[0].first_event, found[0].clubs) == (1, "楼道清洁日", [])
    assert names(stranger) == []


def test_neighbours_cost_the_same_however_many(nw, django_assert_max_num_queries):
    for person in (nw.resident, nw.neighbour, nw.b2_resident):
        actions.set_opt_in(person, True)
    for i in range(20):
        p = make_person(f"舞友{i:02d}", f"1360000{i:04d}")
        live_in(p, nw.unit_b2)
        Membership.objects.create(organisation=nw.dance_org, person=p)
        actions.set_opt_in(p, True)
    resident = type(nw.resident).objects.get(pk=nw.resident.pk)
    with django_assert_max_num_queries(7):
        assert len(queries.neighbours_for(resident)) == 22


def test_the_page_explains_and_switches(client, nw):
    login(client, nw.resident)
    page = client.get(reverse("events:neighbours")).content.decode()
    assert "not your mobile number" in page and "It is off." in page and "王邻居" not in page
    assert client.post(reverse("events:neighbours"), {"on": "on"}).status_code == 302
    assert NeighbourOptIn.objects.filter(person=nw.resident).exists()
    actions.set_opt_in(nw.neighbour, True)
    page = client.get(reverse("events:neighbours")).content.decode()
    assert "It is on." in page and "王邻居" in page and "灯湖社区舞蹈队" in page and "13800000002" not in page
    assert client.post(reverse("events:neighbours"), {"on": "maybe"}).status_code == 400
    assert client.post(reverse("events:neighbours"), {"on": "off"}).status_code == 302
    assert not NeighbourOptIn.objects.filter(person=nw.resident).exists()
    assert "王邻居" not in client.get(reverse("events:neighbours")).content.decode()


def test_the_api(client, nw):
    actions.set_opt_in(nw.neighbour, True)
    as_(client, nw.resident)
    assert client.get(f"{API}/neighbours").json() == {"opted_in": False, "neighbours": []}
    data = client.put(f"{API}/neighbours/opt-in", {"on": True}, content_type="application/json").json()
    assert data["opted_in"] is True and [n["name"] for n in data["neighbours"]] == ["王邻居"]
    assert data["neighbours"][0]["clubs"] == ["灯湖社区舞蹈队"]
    data = client.put(f"{API}/neighbours/opt-in", {"on": False}, content_type="application/json").json()
    assert data == {"opted_in": False, "neighbours": []}
    as_(client, nw.neighbour)
    assert client.get(f"{API}/neighbours").json()["neighbours"] == []
