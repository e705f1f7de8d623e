"""iCalendar (RFC 5545) pieces every app's calendar shares, written with the ``icalendar`` library: a
calendar object, one VEVENT from plain values, the HTTP answer, and the signed tokens that make a
person's private feed address.

An app's ``calendar`` module (``meetings.calendar``, ``events.calendar``) turns its rows into these
values; what may appear in a feed (no personal data in public ones) is decided there.
"""

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event

PRODID = "-//Linli//Guicheng//ZH"


def new_calendar(*, prodid: str = PRODID, method: str | None = None, name: str = "") -> Calendar:
    """An empty calendar; ``method`` PUBLISH for notices and feeds (RFC 5546 §3.2.1: no ORGANIZER or
    ATTENDEE lines needed, so no e-mail address is written into a file others receive)."""
    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def vevent(
    *,
    uid: str,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    sequence: int = 0,
    stamp: datetime | None = None,
    location: str = "",
    description: str = "",
    path: str = "",
    status: str = "CONFIRMED",
) -> Event:
    """One event. It keeps one UID for life; SEQUENCE grows with each change a calendar must pick up (a
    cancellation is the same UID again with STATUS:CANCELLED and a higher SEQUENCE). ``path`` (e.g.
    ``/events/3/``) becomes an absolute URL when ``SITE_URL`` is set."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp or timezone.now())
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("sequence", sequence)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    if base and path:
        event.add("url", f"{base}{path}")
    event.add("status", status)
    return event


def to_text(cal: Calendar) -> str:
    return cal.to_ical().decode()


def ics_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def feed_token(person, salt: str) -> str:
    """A person's private feed address token: signed with ``salt`` (one per app), so it cannot be
    guessed from the id and one app's token does not open another app's feed."""
    return signing.dumps(person.pk, salt=salt)


def person_from_token(token: str, salt: str) -> int | None:
    """The person id a feed token names, or None when it was not signed by us (with this salt)."""
    try:
        return signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
