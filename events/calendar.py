"""iCalendar feeds of events (RFC 5545), on the shared pieces in ``core.calendar``: a community's feed
(public: title, time, place, organiser and a link, no personal data) and a person's private feed of the
events they signed up for (a signed token in the address, like the meetings feed).

An event keeps its UID for life; publishing, changing and cancelling raise its SEQUENCE, and a cancelled
event stays in the feeds with STATUS:CANCELLED so that calendar apps drop it. In a person's feed a place
on the waiting list is TENTATIVE.
"""

from collections.abc import Iterable

from django.utils.translation import gettext as _
from icalendar import Event as VEvent

from core import calendar as ical

from .models import Event, Registration, RegistrationStatus, Status

PRODID = "-//Linli//Guicheng events//ZH"
FEED_SALT = "events.ics-feed"


def _vevent(event: Event, *, status: str | None = None, note: str = "") -> VEvent:
    cancelled = event.status == Status.CANCELLED
    description = "\n\n".join(part for part in (note, event.cancel_reason if cancelled else "", event.description) if part)
    return ical.vevent(
        uid=event.uid,
        stamp=event.updated_at,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        summary=event.title,
        sequence=event.sequence,
        location=event.where or "",
        description=description,
        path=f"/events/{event.pk}/",
        status="CANCELLED" if cancelled else (status or "CONFIRMED"),
    )


def community_feed(community, events: Iterable[Event]) -> str:
    """A community's events (``queries.community_feed``: published and cancelled ones)."""
    cal = ical.new_calendar(prodid=PRODID, method="PUBLISH", name=_("Events in %(community)s") % {"community": community.name})
    for event in events:
        cal.add_component(_vevent(event))
    return ical.to_text(cal)


def person_feed(registrations: Iterable[Registration], name: str) -> str:
    """A person's own events (``queries.person_feed``); a place on the waiting list is TENTATIVE."""
    cal = ical.new_calendar(prodid=PRODID, method="PUBLISH", name=name)
    for reg in registrations:
        waiting = reg.status == RegistrationStatus.WAITLISTED
        note = _("You are on the waiting list.") if waiting else ""
        if reg.role_id:
            note = " ".join(filter(None, [_("Volunteer: %(role)s") % {"role": reg.role.name}, note]))
        cal.add_component(_vevent(reg.event, status="TENTATIVE" if waiting else "CONFIRMED", note=note))
    return ical.to_text(cal)


def feed_token(person) -> str:
    return ical.feed_token(person, FEED_SALT)


def person_from_token(token: str) -> int | None:
    return ical.person_from_token(token, FEED_SALT)
