"""Neighbourhood life in figures (``stats.event_figures``) on a small known history: exact numbers per
community and year, the sub-district counting each person once, years by local (Beijing) time, and
only activities held (published, not cancelled, over)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from events import actions
from events.models import Event
from people.models import Organisation
from stats import event_figures
from tests import test_event_pages as pages
from tests.test_event_pages import make_event

ew, _english = pages.ew, pages._english  # the shared fixtures

BEIJING = ZoneInfo("Asia/Shanghai")
TODAY = datetime(2026, 6, 15, 12, 0, tzinfo=BEIJING)


def held(w, title, starts, attendees, *, community=None, organiser=None, audience="community", volunteers=(), publish=True):
    """An event in the past, written through the actions at the moments they happened."""
    staff = w.community_staff if community is None else w.other_staff
    event = make_event(
        w,
        by=staff,
        title=title,
        starts_at=starts,
        now=starts - timedelta(days=10),
        organiser=organiser or w.rc,
        audience=audience,
        roles=[("摄影", 2, "")] if volunteers else [],
        publish=publish,
        **({"community": community} if community else {}),
    )
    if not publish:
        return event
    role = event.roles.first()
    for person in attendees:
        reg = actions.sign_up(event, person, now=starts - timedelta(days=5))
        actions.check_in(code=reg.code, by=staff, now=starts)
    for person in volunteers:
        reg = actions.sign_up(event, person, role=role, now=starts - timedelta(days=5))
        actions.check_in(code=reg.code, by=staff, now=starts)
    return event


@pytest.fixture
def history(ew):
    w = ew
    with time_machine.travel(TODAY, tick=False):
        w.gy_rc = Organisation.objects.create(
            kind=Organisation.Kind.RESIDENTS_COMMITTEE, name="桂一社区居委会", place=w.other_community
        )
        # 灯湖社区, 2025: two activities held; a cancelled one and a draft that do not count.
        held(w, "端午包粽子", datetime(2025, 6, 1, 9, tzinfo=BEIJING), [w.resident, w.neighbour, w.b2_resident])
        not_checked_in = Event.objects.get(title="端午包粽子")
        actions.sign_up(not_checked_in, w.building_leader, now=datetime(2025, 5, 28, tzinfo=BEIJING))  # signed up, never came
        held(
            w,
            "跨年联欢",
            datetime(2025, 12, 31, 20, tzinfo=BEIJING),
            [w.resident, w.neighbour],
            volunteers=[w.building_leader],
        )
        cancelled = make_event(
            w, title="台风取消", starts_at=datetime(2025, 9, 1, 9, tzinfo=BEIJING), now=datetime(2025, 8, 1, tzinfo=BEIJING)
        )
        actions.sign_up(cancelled, w.resident, now=datetime(2025, 8, 2, tzinfo=BEIJING))
        actions.cancel_event(cancelled, by=w.community_staff, reason="台风", now=datetime(2025, 8, 30, tzinfo=BEIJING))
        held(w, "草稿", datetime(2025, 10, 1, 9, tzinfo=BEIJING), [], publish=False)
        # 桂一社区, 2025: one activity open to the whole sub-district.
        held(
            w,
            "桂一社区醒狮表演",
            datetime(2025, 2, 12, 19, tzinfo=BEIJING),
            [w.outsider, w.resident],
            community=w.other_community,
            organiser=w.gy_rc,
            audience="subdistrict",
        )
        # 灯湖社区, 2026: half an hour into the new year in Beijing (still 2025 in UTC).
        held(w, "新年第一跑", datetime(2026, 1, 1, 0, 30, tzinfo=BEIJING), [w.resident])
        # Coming up, not held yet.
        coming = make_event(w, title="下周活动", starts_at=TODAY + timedelta(days=7), now=TODAY)
        actions.sign_up(coming, w.neighbour, now=TODAY)
        actions.record_encounters(now=TODAY)
        yield w


def row(rows, name):
    return next(r for r in rows if r.place.name == name)


def test_figures_per_community_for_a_year(history, django_assert_max_num_queries):
    with time_machine.travel(TODAY, tick=False), django_assert_max_num_queries(12):
        total, rows = event_figures.figures_by_community(2025)
    denghu = row(rows, "灯湖社区")
    assert (denghu.activities, denghu.participations, denghu.participants) == (2, 6, 4)
    assert (denghu.repeat_participants, denghu.repeat_rate) == (2, 50.0)
    assert denghu.volunteers == 1
    # 端午: 李、王、赵 meet (3 pairs); 跨年: 梁 meets 李 and 王 (2 new pairs; 李–王 met before).
    assert denghu.new_acquaintances == 5
    guiyi = row(rows, "桂一社区")
    assert guiyi.as_dict() | {"place_id": None} == {
        "place_id": None,
        "place_name": "桂一社区",
        "year": 2025,
        "activities": 1,
        "participations": 2,
        "participants": 2,
        "repeat_participants": 0,
        "repeat_rate": 0.0,
        "volunteers": 0,
        "new_acquaintances": 1,
    }
    # The sub-district: 李 came to three activities in two communities, counted once.
    assert (total.activities, total.participations, total.participants) == (3, 8, 5)
    assert (total.repeat_participants, total.repeat_rate, total.volunteers, total.new_acquaintances) == (2, 40.0, 1, 6)
    assert total.place.name == "桂城街道"


def test_years_follow_beijing_time(history):
    with time_machine.travel(TODAY, tick=False):
        by_year = event_figures.figures_by_year(history.community)
        _total, rows = event_figures.figures_by_community(2026)
        assert event_figures.years() == [2026, 2025]
    assert [f.year for f in by_year] == [2026, 2025]
    assert (by_year[0].activities, by_year[0].participants, by_year[0].repeat_rate) == (1, 1, 0.0)
    assert by_year[1].participations == 6
    assert row(rows, "灯湖社区").activities == 1 and row(rows, "桂一社区").activities == 0
    assert row(rows, "桂一社区").repeat_rate is None


def test_the_pages_and_the_api_show_them(client, history):
    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("stats:events") + "?year=2025").content.decode()
        assert "50.0" in page and "40.0" in page and reverse("stats:events-community", args=[history.community.pk]) in page
        page = client.get(reverse("stats:events-community", args=[history.community.pk])).content.decode()
        assert 'data-year="2026"' in page and 'data-year="2025"' in page
        assert "stats/events/" in client.get(reverse("stats:overview")).content.decode()
        data = client.get("/api/stats/events/?year=2025").json()
        assert data["year"] == 2025 and data["total"]["participants"] == 5
        assert {c["place_name"]: c["new_acquaintances"] for c in data["communities"]} == {"灯湖社区": 5, "桂一社区": 1}
        years = client.get(f"/api/stats/events/{history.community.pk}").json()
        assert [(y["year"], y["activities"]) for y in years] == [(2026, 1), (2025, 2)]
        assert client.get(f"/api/stats/events/{history.compound.pk}").status_code == 404
        assert client.get(reverse("stats:events") + "?year=abc").status_code == 200
