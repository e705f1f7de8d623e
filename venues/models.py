"""Venue rooms and their bookings: when each room is open, who keeps each venue, and who has the room when.

A room's opening hours are spans per weekday (several a day allowed); a room without any is bookable at
any time. A booking is requested by a resident or an organisation's officer, approved or declined by
the venue's staff (community staff over the venue, and the keepers they appoint), and may be cancelled
with a reason while it is requested or approved. Venue staff book directly (approved at once).

No two approved bookings of one room overlap, and the database guarantees it: an exclusion constraint
on PostgreSQL, triggers on SQLite (migration ``0002_no_double_booking``). Bookings copy their venue's
place path (``path``) so the staff's queue is one indexed scope filter, like every row that belongs to
a place.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from people.models import Organisation
from places.models import Room, Venue

# The name the database's refusal carries (the exclusion constraint on PostgreSQL, the triggers'
# message on SQLite), so an action can tell a double booking from any other integrity error.
NO_OVERLAP = "venues_booking_no_overlap"


class Weekday(models.IntegerChoices):
    """Python's ``date.weekday()``: Monday is 0."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """One span a room is open on a weekday, e.g. Tuesday 09:00–12:00. A day may have several spans."""

    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["room", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes__gt=models.F("opens")), name="opening_hours_closes_after_opens"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="opening_hours_weekday"),
            models.UniqueConstraint(fields=["room", "weekday", "opens"], name="opening_hours_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class VenueKeeper(models.Model):
    """A person community staff appointed to run a venue: they approve and decline its bookings."""

    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="keepers")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="venues_kept"
    )
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("appointed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    since = models.DateField(_("since"), default=timezone.localdate)

    class Meta:
        verbose_name = _("venue keeper")
        verbose_name_plural = _("venue keepers")
        ordering = ["venue", "since", "id"]
        constraints = [models.UniqueConstraint(fields=["venue", "person"], name="venue_keeper_once")]

    def __str__(self) -> str:
        return f"{self.venue} · {self.person}"


class Status(models.TextChoices):
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", pgettext_lazy("booking", "approved")
    DECLINED = "declined", _("declined")
    CANCELLED = "cancelled", _("cancelled")


TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REQUESTED: frozenset({Status.APPROVED, Status.DECLINED, Status.CANCELLED}),
    Status.APPROVED: frozenset({Status.CANCELLED}),
    Status.DECLINED: frozenset(),
    Status.CANCELLED: frozenset(),
}
# Bookings that still hold (or ask for) the room.
LIVE_STATUSES = (Status.REQUESTED, Status.APPROVED)


class Booking(models.Model):
    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="bookings")
    path = models.CharField(max_length=255, editable=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("purpose"), max_length=2000, blank=True)
    expected_attendees = models.PositiveIntegerField(_("expected attendees"), null=True, blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("for the organisation"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="venue_bookings"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=1000, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), max_length=1000, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["starts_at", "id"]
        indexes = [
            # the week view and the clash check: a room's bookings by time
            models.Index(fields=["room", "starts_at"], name="booking_room_start_idx"),
            # the staff's queue: pending requests under their scope
            models.Index(fields=["path", "status"], name="booking_path_status_idx", opclasses=["varchar_pattern_ops", ""]),
            models.Index(fields=["requested_by", "-starts_at"], name="booking_requester_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_start"),
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="booking_status_valid"),
            models.CheckConstraint(
                condition=models.Q(expected_attendees__isnull=True) | models.Q(expected_attendees__gte=1),
                name="booking_attendees_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | ~models.Q(cancel_reason=""), name="booking_cancelled_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.path:
            self.path = self.room.venue.place.path
        super().save(*args, **kwargs)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def next_statuses(self) -> list[str]:
        return [s for s in Status.values if s in TRANSITIONS[self.status]]
