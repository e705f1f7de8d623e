"""The iCalendar feeds, parsed back with the ``icalendar`` library: a community's (public, published and
cancelled events, no personal data) and a person's (the events they signed up for, at a signed address)."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events import actions, calendar
from events.models import Event
from meetings import calendar as meetings_calendar
from tests import test_event_pages as pages
from tests.test_event_pages import login, make_event

ew, _english = pages.ew, pages._english  # the shared fixtures


def parse(response) -> tuple[Calendar, dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content.decode())
    return cal, {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_the_community_feed_has_its_published_events_and_no_personal_data(client, ew):
    event = make_event(ew, title="邻里节·包粽子", roles=[("摄影", 1, "")])
    later = make_event(ew, title="书法体验课", days=9, description="毛笔和纸由书画协会提供")
    draft = make_event(ew, title="草稿", publish=False)
    reg = actions.sign_up(event, ew.resident)
    actions.sign_up(later, ew.neighbour, role=None)
    url = reverse("events:feed-community", args=[ew.community.pk])
    cal, events = parse(client.get(url))  # nobody signed in: public
    assert str(cal["METHOD"]) == "PUBLISH" and "灯湖社区" in str(cal["X-WR-CALNAME"])
    assert set(events) == {event.uid, later.uid} and draft.uid not in events
    first = events[event.uid]
    assert str(first["SUMMARY"]) == "邻里节·包粽子" and str(first["LOCATION"]) == "灯湖社区党群服务中心"
    assert first.decoded("DTSTART") == event.starts_at.replace(microsecond=0)
    assert first.decoded("DTEND") == event.ends_at.replace(microsecond=0)
    assert str(first["STATUS"]) == "CONFIRMED" and str(first["URL"]).endswith(f"/events/{event.pk}/")
    assert str(events[later.uid]["DESCRIPTION"]) == "毛笔和纸由书画协会提供"
    text = client.get(url).content.decode()
    for personal in ("李居民", "王邻居", "13800000001", reg.code, "ATTENDEE", "ORGANIZER", "mailto:"):
        assert personal not in text, personal
    other = reverse("events:feed-community", args=[ew.other_community.pk])
    assert parse(client.get(other))[1] == {}
    assert client.get(reverse("events:feed-community", args=[ew.compound.pk])).status_code == 404


def test_a_cancelled_event_stays_in_the_feed_cancelled_with_a_higher_sequence(client, ew):
    event = make_event(ew)
    url = reverse("events:feed-community", args=[ew.community.pk])
    before = parse(client.get(url))[1][event.uid]
    actions.cancel_event(Event.objects.get(pk=event.pk), by=ew.community_staff, reason="台风预警")
    after = parse(client.get(url))[1][event.uid]
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert str(after["UID"]) == str(before["UID"])
    assert "台风预警" in str(after["DESCRIPTION"])


def test_publishing_and_changing_raise_the_sequence(client, ew):
    draft = make_event(ew, publish=False)
    actions.publish_event(draft, by=ew.community_staff)
    url = reverse("events:feed-community", args=[ew.community.pk])
    published = int(parse(client.get(url))[1][draft.uid]["SEQUENCE"])
    actions.update_event(draft, by=ew.community_staff, location="社区广场")
    changed = parse(client.get(url))[1][draft.uid]
    assert int(changed["SEQUENCE"]) == published + 1 and str(changed["LOCATION"]) == "社区广场"


def test_my_feed_has_the_events_i_signed_up_for(client, ew):
    mine = make_event(ew, title="我报了名", capacity=1)
    waiting = make_event(ew, title="我在候补", capacity=1)
    dropped = make_event(ew, title="我取消了")
    theirs = make_event(ew, title="别人的")
    actions.sign_up(mine, ew.resident)
    actions.sign_up(waiting, ew.neighbour)
    actions.sign_up(waiting, ew.resident)
    actions.cancel_registration(actions.sign_up(dropped, ew.resident), by=ew.resident)
    actions.sign_up(theirs, ew.neighbour)
    token = calendar.feed_token(ew.resident)
    cal, events = parse(client.get(reverse("events:feed-person", args=[token])))
    assert set(events) == {mine.uid, waiting.uid}
    assert str(events[mine.uid]["STATUS"]) == "CONFIRMED" and str(events[waiting.uid]["STATUS"]) == "TENTATIVE"
    assert events[mine.uid].decoded("DTSTART") == mine.starts_at.replace(microsecond=0)

    actions.cancel_event(Event.objects.get(pk=mine.pk), by=ew.community_staff, reason="场地维修")
    events = parse(client.get(reverse("events:feed-person", args=[token])))[1]
    assert str(events[mine.uid]["STATUS"]) == "CANCELLED"

    head, signature = token.rsplit(":", 1)
    tampered = f"{head}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    assert client.get(reverse("events:feed-person", args=[tampered])).status_code == 404
    meetings_token = meetings_calendar.feed_token(ew.resident)  # another app's address opens nothing here
    assert client.get(reverse("events:feed-person", args=[meetings_token])).status_code == 404
    assert calendar.person_from_token(token) == ew.resident.pk
    ew.resident.is_active = False
    ew.resident.save(update_fields=["is_active"])
    assert client.get(reverse("events:feed-person", args=[token])).status_code == 404


def test_the_events_page_gives_my_private_feed_address(client, ew):
    login(client, ew.resident)
    page = client.get(reverse("events:index")).content.decode()
    token = re.search(r"http://testserver/events/calendar/([^<\s]+)\.ics", page).group(1)
    assert calendar.person_from_token(token) == ew.resident.pk


def test_the_feed_reaches_back_ninety_days_only(client, ew):
    old = make_event(ew, title="很久以前", now=timezone.now() - timedelta(days=120), days=1)
    recent = make_event(ew, title="上个月", now=timezone.now() - timedelta(days=40), days=1)
    events = parse(client.get(reverse("events:feed-community", args=[ew.community.pk])))[1]
    assert recent.uid in events and old.uid not in events
