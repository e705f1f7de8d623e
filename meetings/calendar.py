"""iCalendar (RFC 5545) for meetings, on the shared pieces in ``core.calendar``: the invitation attached
to the notice e-mail, and the feeds per person and per community that calendar apps subscribe to.

A meeting keeps one UID; its SEQUENCE grows with each change a calendar must pick up (a cancellation
arrives as STATUS:CANCELLED with a higher SEQUENCE). Feeds carry no personal data: the title, time,
place and a link.
"""

from collections.abc import Iterable

from icalendar import Calendar, Event

from core import calendar as ical

from .models import Meeting, Status

PRODID = "-//Linli//Guicheng meetings//ZH"
FEED_SALT = "meetings.ics-feed"


def _calendar(method: str | None = None) -> Calendar:
    return ical.new_calendar(prodid=PRODID, method=method)


def _event(meeting: Meeting) -> Event:
    return ical.vevent(
        uid=meeting.uid,
        stamp=meeting.updated_at,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=meeting.title,
        sequence=meeting.sequence,
        location=meeting.where or "",
        description=meeting.purpose or "",
        path=f"/meetings/{meeting.pk}/",
        status="CANCELLED" if meeting.status == Status.CANCELLED else "CONFIRMED",
    )


def method_of(meeting: Meeting) -> str:
    """A notice, not a request for replies: METHOD:PUBLISH needs no ORGANIZER or ATTENDEE lines (RFC 5546
    §3.2.1), so no e-mail address is written into a file every invitee receives. A cancellation is the
    same event again with STATUS:CANCELLED and a higher SEQUENCE, which calendar apps apply."""
    return "PUBLISH"


def meeting_invitation(meeting: Meeting) -> str:
    """One meeting as a calendar notice (see ``method_of``)."""
    cal = _calendar(method_of(meeting))
    cal.add_component(_event(meeting))
    return ical.to_text(cal)


def feed(meetings: Iterable[Meeting], name: str) -> str:
    """A subscribable feed of meetings."""
    cal = ical.new_calendar(prodid=PRODID, method="PUBLISH", name=name)
    for meeting in meetings:
        cal.add_component(_event(meeting))
    return ical.to_text(cal)


def feed_token(person) -> str:
    """A person's private feed address token: signed, so it cannot be guessed from the id."""
    return ical.feed_token(person, FEED_SALT)


def person_from_token(token: str):
    """The person id a feed token names, or None when it was not signed by us."""
    return ical.person_from_token(token, FEED_SALT)
