"""iCalendar (RFC 5545) for meetings, written with the ``icalendar`` library: the invitation attached
to the notice e-mail, and the feeds per person and per community that calendar apps subscribe to.

A meeting keeps one UID; its SEQUENCE grows with each change a calendar must pick up (a cancellation
arrives as STATUS:CANCELLED with a higher SEQUENCE). Feeds carry no personal data: the title, time,
place and a link.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Meeting, Status

PRODID = "-//Linli//Guicheng meetings//ZH"
FEED_SALT = "meetings.ics-feed"


def _calendar(method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def _event(meeting: Meeting) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", meeting.updated_at or timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", meeting.title)
    event.add("sequence", meeting.sequence)
    if meeting.where:
        event.add("location", meeting.where)
    if meeting.purpose:
        event.add("description", meeting.purpose)
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    if base:
        event.add("url", f"{base}/meetings/{meeting.pk}/")
    event.add("status", "CANCELLED" if meeting.status == Status.CANCELLED else "CONFIRMED")
    return event


def method_of(meeting: Meeting) -> str:
    """A notice, not a request for replies: METHOD:PUBLISH needs no ORGANIZER or ATTENDEE lines (RFC 5546
    §3.2.1), so no e-mail address is written into a file every invitee receives. A cancellation is the
    same event again with STATUS:CANCELLED and a higher SEQUENCE, which calendar apps apply."""
    return "PUBLISH"


def meeting_invitation(meeting: Meeting) -> str:
    """One meeting as a calendar notice (see ``method_of``)."""
    cal = _calendar(method_of(meeting))
    cal.add_component(_event(meeting))
    return cal.to_ical().decode()


def feed(meetings: Iterable[Meeting], name: str) -> str:
    """A subscribable feed of meetings."""
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", name)
    for meeting in meetings:
        cal.add_component(_event(meeting))
    return cal.to_ical().decode()


def feed_token(person) -> str:
    """A person's private feed address token: signed, so it cannot be guessed from the id."""
    return signing.dumps(person.pk, salt=FEED_SALT)


def person_from_token(token: str):
    """The person id a feed token names, or None when it was not signed by us."""
    try:
        return signing.loads(token, salt=FEED_SALT)
    except signing.BadSignature:
        return None
