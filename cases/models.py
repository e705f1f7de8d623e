"""Neighbourhood problems (cases): categories, the case with its deadlines and escalation level, its
append-only timeline, "me too" supporters, photos, and the API keys of Open311 clients.

A case copies its place's path (``path``) like every row that belongs to a place, so "cases under
community X" is one indexed range scan.
"""

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import AppendOnly
from people.models import Organisation
from places.models import Place, Unit


class HandlerKind(models.TextChoices):
    """Who a category's cases go to by default (found for the case's compound and community)."""

    PROPERTY_COMPANY = "property_company", _("the compound's property company (its self-governing group where it has none)")
    SELF_GOVERNING = "self_governing", _("the compound's self-governing group")
    OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
    RESIDENTS_COMMITTEE = "residents_committee", _("residents' committee")
    MUTUAL_AID = "mutual_aid", _("neighbourhood mutual-aid association")


class RequestKind(models.TextChoices):
    INQUIRY = "inquiry", _("inquiry")
    HELP = "help", _("request for help")
    SUGGESTION = "suggestion", _("suggestion")
    COMPLAINT = "complaint", _("complaint")
    REPORT = "report", _("report")
    DISPUTE = "dispute", _("dispute")
    EMERGENCY = "emergency", _("emergency")


# Guangdong 12345 rules (粤府办 2022, DOMAIN-RULES §5.4): inquiry 2, help or suggestion 10, complaint or
# report 15 working days. Disputes follow complaints; emergencies are handed to 110/119/120 at once.
DEFAULT_RESOLUTION_DAYS = {
    RequestKind.INQUIRY: 2,
    RequestKind.HELP: 10,
    RequestKind.SUGGESTION: 10,
    RequestKind.COMPLAINT: 15,
    RequestKind.REPORT: 15,
    RequestKind.DISPUTE: 15,
    RequestKind.EMERGENCY: 1,
}


class Category(models.Model):
    """A kind of problem. Categories without a place apply everywhere; a community may add its own."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Also the Open311 service code."))
    name = models.CharField(pgettext_lazy("category", "name"), max_length=60)
    name_en = models.CharField(_("name in English"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    place = models.ForeignKey(
        Place,
        verbose_name=_("only in"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="case_categories",
        help_text=_("Leave empty for the whole sub-district."),
    )
    handler_kind = models.CharField(_("handled by"), max_length=24, choices=HandlerKind.choices)
    request_kind = models.CharField(_("kind of request"), max_length=12, choices=RequestKind.choices)
    response_hours = models.PositiveSmallIntegerField(
        _("first response within (hours)"),
        default=24,
        validators=[MinValueValidator(1)],
        help_text=_("The building leader's first response."),
    )
    resolution_days = models.PositiveSmallIntegerField(
        _("resolution within (working days)"),
        null=True,
        blank=True,
        help_text=_("Empty: the Guangdong 12345 default for the kind of request."),
    )
    is_public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("Public cases are visible to neighbours in the compound (never who reported them)."),
    )
    # Extra questions (Open311 service definition attributes): a list of
    # {"code", "description", "datatype": string|number|singlevaluelist|text, "required", "values": [{"key","name"}]}.
    attributes = models.JSONField(_("extra questions"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("problem category")
        verbose_name_plural = _("problem categories")
        ordering = ["order", "code"]
        # a zero-hour response deadline would climb the chain twice in one sweep
        constraints = [models.CheckConstraint(condition=models.Q(response_hours__gte=1), name="category_response_hours_min")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def is_emergency(self) -> bool:
        return self.request_kind == RequestKind.EMERGENCY

    @property
    def resolution_working_days(self) -> int:
        return self.resolution_days or DEFAULT_RESOLUTION_DAYS[self.request_kind]


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    ACCEPTED = "accepted", _("accepted")
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved")
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")
    MERGED = "merged", _("merged")
    REOPENED = "reopened", _("reopened")


OPEN_STATUSES = frozenset({Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED})
# Cases still waiting for work (the escalation clock runs); resolved ones wait only for the reporter.
CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.CONFIRMED, Status.REJECTED, Status.MERGED})


# The workflow. Every status change goes through ``actions.transition_case``, which checks this table.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SUBMITTED: frozenset({Status.ACCEPTED, Status.REJECTED, Status.MERGED}),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED, Status.MERGED}),
    Status.IN_PROGRESS: frozenset({Status.RESOLVED, Status.MERGED}),
    Status.REOPENED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.MERGED}),
    Status.RESOLVED: frozenset({Status.CONFIRMED, Status.REOPENED}),
    Status.CONFIRMED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.MERGED: frozenset(),
}


class Level(models.IntegerChoices):
    """The 三长制 chain a case climbs when a deadline passes (DOMAIN-RULES §5.3)."""

    BUILDING = 0, _("building leader")
    LANE_STREET = 1, _("lane or street leader")
    COMMUNITY = 2, _("community staff")
    SUBDISTRICT = 3, _("sub-district")


class Channel(models.TextChoices):
    APP = "app", _("app")
    PHONE = "phone", _("phone call")
    IN_PERSON = "in_person", _("in person")
    OPEN311 = "open311", _("Open311 client")
    API = "api", _("API")


class Location(models.TextChoices):
    UNIT = "unit", _("my home")
    BUILDING = "building", _("a building")
    PUBLIC = "public", _("a public area of the compound")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASIC = "basic", _("basically satisfied")
    UNSATISFIED = "unsatisfied", _("unsatisfied")


def new_token() -> str:
    return secrets.token_hex(8)


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now=None):
        return self.open().filter(resolve_by__lt=now or timezone.now())

    def due_for_escalation(self, now=None):
        return self.filter(escalate_at__lte=now or timezone.now(), status__in=OPEN_STATUSES)


class Case(models.Model):
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases")
    request_kind = models.CharField(_("kind of request"), max_length=12, choices=RequestKind.choices)
    # Where: a building, or a compound (its public areas); ``unit`` when it is in the reporter's home.
    place = models.ForeignKey(Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="cases")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    location = models.CharField(_("where"), max_length=10, choices=Location.choices, default=Location.BUILDING)
    path = models.CharField(max_length=255, editable=False)
    # The path of the compound the place is in (the community's, in villages without compounds):
    # neighbours there see the case when it is public.
    area_path = models.CharField(max_length=255, editable=False)
    # The place's full name (桂城街道 灯湖社区 中铁建水岸公馆 4栋), as Open311 clients read and write it.
    address = models.CharField(_("address"), max_length=255, editable=False)
    description = models.TextField(_("description"), max_length=2000)
    details = models.JSONField(_("answers to extra questions"), default=dict, blank=True)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    # Reported on someone's behalf (phone call, in person) or by an Open311 client: who to call back.
    contact_name = models.CharField(_("contact name"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.APP)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    handler = models.ForeignKey(
        Organisation, verbose_name=_("handled by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    level = models.PositiveSmallIntegerField(_("escalation level"), choices=Level.choices, default=Level.BUILDING)
    # Bumped by every change: two people acting on one case at once, one wins (compare-and-set).
    version = models.PositiveIntegerField(default=1)
    is_public = models.BooleanField(_("public"), default=True)
    is_emergency = models.BooleanField(_("emergency"), default=False)

    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # The first-response deadline as set when reported (for the response rate); ``respond_by`` moves
    # with each escalation step (the new level's own deadline).
    first_response_due = models.DateTimeField(_("first response due (as reported)"))
    respond_by = models.DateTimeField(_("first response due"))
    resolve_by = models.DateTimeField(_("resolution due"))
    # When the sweep next looks at this case (the earlier of the pending deadlines); null when nothing is due.
    escalate_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    rating_note = models.CharField(_("comment on the outcome"), max_length=300, blank=True)
    # Unsatisfied or reopened: goes on the next joint meeting's agenda.
    needs_meeting = models.BooleanField(_("for the next joint meeting"), default=False)
    # PROTECT: a merged case must keep its target (``case_merged_has_target``).
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases"
    )
    supporter_count = models.PositiveIntegerField(_("me too"), default=0)
    # Open311: what a client that posted the request can look up (tokens/{token}).
    token = models.CharField(max_length=16, unique=True, default=new_token, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["path", "status"], name="case_path_status_idx", opclasses=["varchar_pattern_ops", ""]),
            models.Index(fields=["place", "status"], name="case_place_status_idx"),
            # a building's open problems, newest first, without sorting the building's history
            models.Index(
                fields=["place", "-id"],
                name="case_place_open_idx",
                condition=models.Q(status__in=["submitted", "accepted", "in_progress", "reopened"]),
            ),
            models.Index(fields=["area_path", "is_public", "status"], name="case_area_public_idx"),
            models.Index(fields=["reporter", "status"], name="case_reporter_idx"),
            models.Index(fields=["handler", "status"], name="case_handler_idx"),
            models.Index(
                fields=["escalate_at"],
                name="case_escalation_due_idx",
                condition=models.Q(escalate_at__isnull=False),
            ),
            models.Index(fields=["updated_at"], name="case_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="merged") | models.Q(merged_into__isnull=False), name="case_merged_has_target"
            ),
            models.CheckConstraint(condition=models.Q(level__lte=3), name="case_level_range"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.resolve_by < timezone.now()


class CaseEvent(AppendOnly):
    """One line of a case's timeline: a status change, a comment, an escalation step, a "me too".

    Append-only. Internal lines (``is_public`` false) are seen by staff only.
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("reported")
        TRANSITION = "transition", _("status change")
        COMMENT = "comment", _("comment")
        ESCALATED = "escalated", _("escalated")
        ASSIGNED = "assigned", _("assigned")
        SUPPORTED = "supported", _("me too")
        MERGED_IN = "merged_in", _("duplicate merged in")
        RATED = "rated", _("rated")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True, choices=Level.choices)
    note = models.TextField(_("note"), blank=True)
    is_public = models.BooleanField(_("public"), default=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"#{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Supporter(models.Model):
    """A neighbour who has the same problem ("me too") instead of reporting a duplicate."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supporters")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="supporter_once")]


def photo_path(instance, filename: str) -> str:
    return f"cases/{timezone.now():%Y/%m}/{secrets.token_hex(12)}.{filename.rsplit('.', 1)[-1].lower()}"


class Photo(models.Model):
    """A photo of the problem, re-encoded on upload (no EXIF, so no location). Served only through
    the case's access check, never as a public file."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=photo_path)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Open311Key(models.Model):
    """An API key of an Open311 client (a partner system, e.g. a 12345 hotline bridge).
    Only its hash is stored; the key is shown once."""

    name = models.CharField(_("name"), max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name
