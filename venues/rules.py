"""Pure computations for bookings: the limits, whether a time fits a room's opening hours, and opening
hours read from and written as text ("09:00-12:00, 14:30-21:30"). No database here."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

MAX_LENGTH = timedelta(hours=12)
MAX_AHEAD = timedelta(days=180)


@dataclass(frozen=True, order=True)
class Span:
    """A room open on ``weekday`` (Monday is 0) from ``opens`` to ``closes``, the same day."""

    weekday: int
    opens: time
    closes: time


def by_day(spans: Iterable) -> dict[int, list[tuple[time, time]]]:
    """Weekday → the day's spans, sorted, touching or overlapping ones merged (09:00–12:00 and 12:00–18:00
    make one 09:00–18:00: a booking may run across the join)."""
    days: dict[int, list[tuple[time, time]]] = {}
    for span in sorted(spans, key=lambda s: (s.weekday, s.opens)):
        day = days.setdefault(span.weekday, [])
        if day and span.opens <= day[-1][1]:
            day[-1] = (day[-1][0], max(day[-1][1], span.closes))
        else:
            day.append((span.opens, span.closes))
    return days


def fits(spans: Iterable, starts_at: datetime, ends_at: datetime) -> bool:
    """Whether the booking lies inside one (merged) span of its day, in local time. A room with no spans
    is open at any time; with spans, a booking never runs past midnight."""
    spans = list(spans)
    if not spans:
        return True
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if end.date() != start.date():
        return False
    return any(opens <= start.time() and end.time() <= closes for opens, closes in by_day(spans).get(start.weekday(), []))


def day_text(day_spans: list[tuple[time, time]]) -> str:
    return ", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in day_spans)


def time_errors(
    *, starts_at: datetime, ends_at: datetime, now: datetime, spans: Iterable, weekday_names: dict[int, str]
) -> dict[str, str]:
    """What is wrong with a booking's time, by field: end not after start, in the past, longer than 12
    hours, more than 180 days ahead, outside the room's opening hours. Empty when nothing is."""
    if ends_at <= starts_at:
        return {"ends_at": _("The booking must end after it starts.")}
    if starts_at < now:
        return {"starts_at": _("A booking cannot start in the past.")}
    errors: dict[str, str] = {}
    if ends_at - starts_at > MAX_LENGTH:
        errors["ends_at"] = _("A booking lasts at most %(n)d hours.") % {"n": int(MAX_LENGTH.total_seconds() // 3600)}
    if starts_at > now + MAX_AHEAD:
        errors["starts_at"] = _("Rooms can be booked at most %(n)d days ahead.") % {"n": MAX_AHEAD.days}
    spans = list(spans)
    if "ends_at" not in errors and not fits(spans, starts_at, ends_at):
        start = timezone.localtime(starts_at)
        today = by_day(spans).get(start.weekday(), [])
        name = weekday_names.get(start.weekday(), "")
        if not today:
            errors["starts_at"] = _("The room is closed on %(day)s.") % {"day": name}
        else:
            errors["starts_at"] = _("That is outside the room's opening hours. On %(day)s it is open %(hours)s.") % {
                "day": name,
                "hours": day_text(today),
            }
    return errors


def capacity_error(capacity: int | None, attendees: int | None) -> str:
    if capacity and attendees and attendees > capacity:
        return _("The room holds at most %(n)d people.") % {"n": capacity}
    return ""


# --- opening hours as text ------------------------------------------------------------------------

_TIME = r"(\d{1,2})\s*[:：.]\s*(\d{2})"
_SPAN = re.compile(rf"^{_TIME}\s*(?:-|–|—|~|～|至|到)\s*{_TIME}$")
_SEPARATORS = re.compile(r"[,，、;；\s]+(?=\d)")


def parse_day(text: str) -> list[tuple[time, time]]:
    """``"09:00-12:00, 14:30-21:30"`` → the spans of one day, sorted; an empty text is a closed day.
    Raises ``ValueError`` with a translated message for anything else, or for spans that overlap."""
    text = (text or "").strip()
    if not text:
        return []
    spans = []
    for part in _SEPARATORS.split(text):
        match = _SPAN.match(part.strip())
        if not match:
            raise ValueError(_("Write the hours like 09:00-12:00, 14:30-21:30 (“%(part)s” is not).") % {"part": part})
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            opens, closes = time(h1, m1), time(h2, m2)
        except ValueError as exc:
            raise ValueError(_("%(part)s is not a time of day.") % {"part": part}) from exc
        spans.append((opens, closes))
    return check_day(spans)


def check_day(spans: list[tuple[time, time]]) -> list[tuple[time, time]]:
    """The day's spans sorted; ``ValueError`` when one closes before it opens or two overlap."""
    spans = sorted(spans)
    for opens, closes in spans:
        if closes <= opens:
            raise ValueError(_("%(o)s–%(c)s closes before it opens.") % {"o": f"{opens:%H:%M}", "c": f"{closes:%H:%M}"})
    for (_o1, c1), (o2, c2) in zip(spans, spans[1:], strict=False):
        if o2 < c1:
            raise ValueError(_("%(a)s and %(b)s overlap.") % {"a": f"{_o1:%H:%M}–{c1:%H:%M}", "b": f"{o2:%H:%M}–{c2:%H:%M}"})
    return spans
