"""Whether a room is free over a time, whatever holds it.

A venue's rooms are places; what holds a room lives in apps above this one: an approved booking (``venues``,
events hold their rooms through bookings) and a meeting (``meetings``). Each of those apps registers, when it
starts (``AppConfig.ready``), how to find what of its own holds a room over a time. Whoever puts something in
a room asks ``refuse_clash`` first, inside its transaction: it locks the room's row, so that two writers
taking the same room (a booking approved while a meeting is scheduled there) check one after the other,
and raises the refusal naming what holds the room.

Bookings are also kept apart by the database itself (``venues`` migration ``0002_no_double_booking``).
"""

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import Room

# kind → finder(room, starts_at, ends_at, exclude) → the refusal naming the holder, or None
Finder = Callable[[Room, datetime, datetime, int | None], ValidationError | None]
_FINDERS: dict[str, Finder] = {}


def register(kind: str, finder: Finder) -> None:
    """``finder`` answers for what of ``kind`` (``"booking"``, ``"meeting"``) holds a room; registered once."""
    _FINDERS[kind] = finder


def clash(
    room: Room, starts_at: datetime, ends_at: datetime, *, exclude: tuple[str, int] | None = None
) -> ValidationError | None:
    """The refusal naming what holds ``room`` over part of that time, or None when it is free.
    ``exclude``: the holder being changed, ``(kind, id)``, which does not clash with itself."""
    for kind, finder in _FINDERS.items():
        error = finder(room, starts_at, ends_at, exclude[1] if exclude and exclude[0] == kind else None)
        if error is not None:
            return error
    return None


def refuse_clash(room: Room, starts_at: datetime, ends_at: datetime, *, exclude: tuple[str, int] | None = None) -> None:
    """Lock the room's row for the rest of the caller's transaction, then raise ``clash``'s refusal if any."""
    Room.objects.select_for_update().filter(pk=room.pk).values_list("pk", flat=True).first()
    error = clash(room, starts_at, ends_at, exclude=exclude)
    if error is not None:
        raise error


def span_text(starts_at: datetime, ends_at: datetime) -> str:
    """``2026-03-02 14:00–16:00`` in local time (both dates when it runs past midnight): how a refusal names
    the time a room is taken."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"
