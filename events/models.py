"""Neighbourhood life: clubs that take members, events residents sign up for, and who met whom.

- A ``Club`` is an organisation (a cultural association or a community self-organisation) that takes
  members: residents ask to join (``ClubJoinRequest``), the club's leaders (its chairs and secretaries)
  decide. Members are ``people.Membership`` rows, so backbone members and officers are the ones the
  rest of Linli already knows.
- An ``Event`` belongs to an organiser organisation, optionally a club, and one community; it is open
  to the residents of a compound, a community or the whole sub-district, or to a club's members. It
  has seats (``capacity``) and optional volunteer roles with their own seats (``VolunteerRole``).
- A ``Registration`` is one person's place: confirmed, waitlisted or cancelled. Seats are counted on
  the event (or the role) row, which every sign-up and cancellation changes in one statement under the
  row's lock; ``ticket`` is the arrival order, so the waiting list is promoted first come, first
  served. A partial unique index allows one live registration per person and event.
- ``Encounter`` records that two people attended the same event (checked in), for a familiarity measure;
  ``NeighbourOptIn`` is a resident's consent to be shown to neighbours who opted in too.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.models import Organisation
from places.models import Place, Room

# Short codes people read aloud or type at the door: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Club(models.Model):
    class Activity(models.TextChoices):
        DANCE = "dance", _("dance")
        CHOIR = "choir", _("choir")
        CALLIGRAPHY = "calligraphy", _("calligraphy and painting")
        OPERA = "opera", _("Cantonese opera")
        LION_DANCE = "lion_dance", _("lion dance")
        BADMINTON = "badminton", _("badminton")
        TABLE_TENNIS = "table_tennis", _("table tennis")
        RUNNING = "running", _("walking and running")
        READING = "reading", _("reading")
        VOLUNTEERING = "volunteering", _("volunteering")
        OTHER = "other", _("other")

    organisation = models.OneToOneField(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="club"
    )
    activity = models.CharField(_("activity"), max_length=16, choices=Activity.choices, default=Activity.OTHER)
    path = models.CharField(max_length=255, editable=False)
    schedule = models.CharField(_("usually meets"), max_length=120, blank=True, help_text=_("e.g. Tuesday and Thursday, 19:30"))
    accepting = models.BooleanField(_("takes new members"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("club")
        verbose_name_plural = _("clubs")
        indexes = [models.Index(fields=["path"], name="club_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.organisation.name

    def save(self, *args, **kwargs) -> None:
        self.path = self.organisation.path
        super().save(*args, **kwargs)


class JoinStatus(models.TextChoices):
    PENDING = "pending", _("waiting for a decision")
    APPROVED = "approved", _("approved")
    DECLINED = "declined", _("declined")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ClubJoinRequest(models.Model):
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="join_requests")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="club_join_requests")
    message = models.CharField(_("message"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=JoinStatus.choices, default=JoinStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("request to join a club")
        verbose_name_plural = _("requests to join a club")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["club", "person"], condition=Q(status="pending"), name="club_join_one_pending")
        ]


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    CANCELLED = "cancelled", _("cancelled")


class Event(models.Model):
    class Kind(models.TextChoices):
        FESTIVAL = "festival", _("neighbourhood festival")
        CULTURE = "culture", _("culture and arts")
        SPORT = "sport", _("sport")
        LEARNING = "learning", _("talk or class")
        CARE = "care", _("care and mutual aid")
        VOLUNTEERING = "volunteering", _("volunteering")
        OTHER = "other", _("other")

    class Audience(models.TextChoices):
        COMPOUND = "compound", _("residents of a compound")
        COMMUNITY = "community", _("residents of a community")
        SUBDISTRICT = "subdistrict", _("everyone in the sub-district")
        CLUB = "club", _("the club's members")

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.FESTIVAL)
    organiser = models.ForeignKey(Organisation, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="events")
    club = models.ForeignKey(Club, verbose_name=_("club"), null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    # The community whose activity this is (its figures); the audience place is inside it or above it.
    community = models.ForeignKey(Place, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(_("open to"), max_length=12, choices=Audience.choices, default=Audience.COMMUNITY)
    audience_place = models.ForeignKey(Place, verbose_name=_("open to residents of"), on_delete=models.PROTECT, related_name="+")
    # A copy of the audience place's path: "events open to me" is an equality test on my homes' ancestors.
    path = models.CharField(max_length=255, editable=False)
    room = models.ForeignKey(Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(
        "venues.Booking", verbose_name=_("room booking"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    location = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    signup_opens_at = models.DateTimeField(_("sign-up opens"))
    signup_closes_at = models.DateTimeField(_("sign-up closes"))
    capacity = models.PositiveIntegerField(_("seats"))
    # Counters changed only in one statement under the row's lock (see ``actions.sign_up``).
    confirmed = models.PositiveIntegerField(default=0, editable=False)
    waitlisted = models.PositiveIntegerField(default=0, editable=False)
    next_ticket = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    encounters_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uid = models.CharField(max_length=64, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["path", "starts_at"], name="event_path_start_idx"),
            models.Index(fields=["club", "starts_at"], name="event_club_start_idx"),
            models.Index(fields=["community", "starts_at"], name="event_community_start_idx"),
            models.Index(fields=["organiser", "starts_at"], name="event_organiser_start_idx"),
            models.Index(fields=["starts_at"], name="event_due_idx", condition=Q(status="published")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(condition=Q(signup_closes_at__gt=F("signup_opens_at")), name="event_signup_window"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_has_seats"),
            models.CheckConstraint(condition=~Q(audience="club") | Q(club__isnull=False), name="event_club_audience"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.uid:
            self.uid = f"{secrets.token_hex(12)}@linli-events"
        self.path = self.audience_place.path
        super().save(*args, **kwargs)

    @property
    def where(self) -> str:
        return str(self.room) if self.room_id else self.location

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.confirmed, 0)

    def signup_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == Status.PUBLISHED and self.signup_opens_at <= now < min(self.signup_closes_at, self.starts_at)


class VolunteerRole(models.Model):
    """Volunteers sign up for a role (stewards, photographers, …), each with its own seats and waiting list."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(_("role"), max_length=60)
    description = models.CharField(_("what it involves"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("places"))
    confirmed = models.PositiveIntegerField(default=0, editable=False)
    waitlisted = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("volunteer role")
        verbose_name_plural = _("volunteer roles")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="volunteer_role_unique"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="volunteer_role_has_places"),
        ]

    def __str__(self) -> str:
        return self.name


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    WAITLISTED = "waitlisted", _("on the waiting list")
    CANCELLED = "cancelled", _("cancelled")


LIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


class Registration(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations")
    role = models.ForeignKey(VolunteerRole, null=True, blank=True, on_delete=models.CASCADE, related_name="registrations")
    status = models.CharField(_("status"), max_length=10, choices=RegistrationStatus.choices)
    # Arrival order within the event: the waiting list is promoted by it.
    ticket = models.PositiveIntegerField()
    code = models.CharField(_("check-in code"), max_length=CODE_LENGTH, unique=True, default=new_code)
    created_at = models.DateTimeField(default=timezone.now)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["ticket"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person"], condition=Q(status__in=["confirmed", "waitlisted"]), name="registration_one_live"
            ),
            models.UniqueConstraint(fields=["event", "ticket"], name="registration_ticket_unique"),
        ]
        indexes = [
            models.Index(fields=["event", "status", "ticket"], name="registration_queue_idx"),
            models.Index(fields=["person", "-created_at"], name="registration_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.person} · {self.get_status_display()}"


class NeighbourOptIn(models.Model):
    """A resident agrees to be shown to neighbours who share a club or an event with them (and who agreed too)."""

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="neighbour_opt_in")
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agreement to meet neighbours")
        verbose_name_plural = _("agreements to meet neighbours")


class Encounter(models.Model):
    """Two people (lower id first) attended the same event: when they first did, where, and how often since."""

    person_a = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_event = models.ForeignKey(Event, null=True, on_delete=models.SET_NULL, related_name="+")
    community = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    times = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("encounter")
        verbose_name_plural = _("encounters")
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="encounter_pair_unique"),
            models.CheckConstraint(condition=Q(person_a__lt=F("person_b")), name="encounter_pair_ordered"),
        ]
        indexes = [
            models.Index(fields=["person_b"], name="encounter_b_idx"),
            models.Index(fields=["community", "first_at"], name="encounter_community_idx"),
        ]
