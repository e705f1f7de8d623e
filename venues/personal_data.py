"""A person's room bookings and venue keeping in their data download (PIPL Art 45), and what erasure does
to them (Art 47). Found by ``people.actions.export_personal_data`` / ``erase_person`` without people
importing this app.

The download lists the bookings they asked for (room, time, title, purpose, status, the decision and any
cancellation) and the venues they keep.

Erasure:

- Their own bookings still to come (requested or approved, not for an organisation) are cancelled: the
  room is freed, and the venue's staff are told of an approved one. Nobody would come.
- Bookings for an organisation stay: they are the organisation's, and its officers still hold them;
  they now name the anonymised account.
- Past bookings stay as the room's record, naming the anonymised account.
- Keeping a venue ends (the rows are deleted, each with an audit entry).
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.outbox import Notice, notify_many

from .models import LIVE_STATUSES, Booking, Status, VenueKeeper


def _at(value) -> str | None:
    return value.isoformat() if value else None


def export(person) -> dict:
    bookings = (
        Booking.objects.filter(requested_by=person).select_related("room__venue", "organisation").order_by("starts_at", "id")
    )
    kept = VenueKeeper.objects.filter(person=person).select_related("venue").order_by("since", "id")
    return {
        "room_bookings": [
            {
                "id": b.pk,
                "venue": b.room.venue.name,
                "room": b.room.name,
                "starts_at": _at(b.starts_at),
                "ends_at": _at(b.ends_at),
                "title": b.title,
                "purpose": b.description,
                "expected_attendees": b.expected_attendees,
                "organisation": b.organisation.name if b.organisation_id else None,
                "status": b.status,
                "decided_at": _at(b.decided_at),
                "decision_note": b.decision_note,
                "cancelled_at": _at(b.cancelled_at),
                "cancel_reason": b.cancel_reason,
                "created_at": _at(b.created_at),
            }
            for b in bookings
        ],
        "venues_kept": [{"venue": k.venue.name, "since": k.since.isoformat()} for k in kept],
    }


def erase(person) -> None:
    from .actions import booking_link, venue_staff

    now = timezone.now()
    reason = _("The person who asked for this room has deleted their account.")
    with transaction.atomic():
        for keeper in VenueKeeper.objects.filter(person=person).select_related("venue"):
            audit.record(actor=None, action="venue.keeper_erased", obj=keeper.venue, subject_id=person.pk)
        VenueKeeper.objects.filter(person=person).delete()
        own = Booking.objects.filter(
            requested_by=person, organisation__isnull=True, status__in=LIVE_STATUSES, ends_at__gt=now
        ).select_related("room__venue__place")
        notices = []
        for booking in own:
            changed = Booking.objects.filter(pk=booking.pk, status=booking.status).update(
                status=Status.CANCELLED, cancelled_at=now, cancel_reason=reason, version=F("version") + 1, updated_at=now
            )
            if not changed:
                continue
            audit.record(actor=None, action="booking.requester_erased", obj=booking, subject_id=person.pk)
            if booking.status == Status.APPROVED:
                notices.append(
                    Notice(
                        recipients=venue_staff(booking.room.venue),
                        subject=_("Room booking cancelled: %(title)s") % {"title": booking.title},
                        body=reason,
                        link=booking_link(booking),
                    )
                )
        notify_many(notices)
