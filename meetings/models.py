"""Meetings (联席会议, 居民议事会, owners' committee meetings, 居民会议), their agenda, attendance and
minutes, and the action items their decisions create.

A meeting belongs to a community and copies its path (``path``), like every row that belongs to a
place. Its rules (speaking time, speeches per motion, majority) are set per meeting
(DOMAIN-RULES §4.3) and applied by ``deliberation.rules``. Minutes are drafted, approved, then
published; published minutes are never edited, only amended by a later record (``Amendment``).
Decisions create ``ActionItem`` rows with an owner and a due date; the periodic sweep reminds owners
before the due date and reports overdue items to the organiser.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import AppendOnly
from deliberation.models import COMMUNITY_KINDS, StakeholderSeat, Topic, seat_constraints
from deliberation.rules import MajorityRule, ResidentsMeetingKind, RuleSet, tally
from people.models import Organisation
from places.models import Place, Room


class Kind(models.TextChoices):
    JOINT = "joint", _("multi-party joint meeting")
    COUNCIL = "council", _("residents' deliberation meeting")
    OWNERS_COMMITTEE = "owners_committee", _("owners' committee meeting")
    RESIDENTS_MEETING = "residents_meeting", _("residents' meeting")


# How many days ahead the notice must go out, by kind. The owners' committee meeting's 7 days follows
# common local rules (DOMAIN-RULES §3, [U]); joint and deliberation meetings use three days so that
# participants have the material in advance (2015 Opinion: "notify participants in advance").
NOTICE_DAYS = {Kind.JOINT: 3, Kind.COUNCIL: 3, Kind.OWNERS_COMMITTEE: 7, Kind.RESIDENTS_MEETING: 7}


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    NOTIFIED = "notified", _("notice sent")
    IN_SESSION = "in_session", _("in session")
    ENDED = "ended", _("ended")
    CANCELLED = "cancelled", _("cancelled")


TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.NOTIFIED, Status.CANCELLED}),
    Status.NOTIFIED: frozenset({Status.IN_SESSION, Status.CANCELLED}),
    Status.IN_SESSION: frozenset({Status.ENDED}),
    Status.ENDED: frozenset(),
    Status.CANCELLED: frozenset(),
}
# Meetings residents of the community may see (a notice once sent is public material).
PUBLIC_STATUSES = frozenset({Status.NOTIFIED, Status.IN_SESSION, Status.ENDED, Status.CANCELLED})


class Meeting(models.Model):
    community = models.ForeignKey(
        Place,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="meetings",
        limit_choices_to={"kind__in": sorted(COMMUNITY_KINDS)},
    )
    path = models.CharField(max_length=255, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    purpose = models.TextField(_("purpose"), max_length=4000, blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("organiser"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organising_organisation = models.ForeignKey(
        Organisation, verbose_name=_("convened by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    room = models.ForeignKey(Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    location = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    notice_days = models.PositiveSmallIntegerField(_("notice (days ahead)"), default=3)
    notice_sent_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    # The rule set (DOMAIN-RULES §4.3), defaulting to the 袁天鹏 example values.
    speech_seconds = models.PositiveSmallIntegerField(
        _("speaking time (seconds)"), default=120, validators=[MinValueValidator(10), MaxValueValidator(3600)]
    )
    speeches_per_motion = models.PositiveSmallIntegerField(
        _("speeches per person per motion"), default=2, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    majority = models.CharField(_("majority rule"), max_length=20, choices=MajorityRule.choices, default=MajorityRule.SIMPLE)
    abstentions_count = models.BooleanField(_("abstentions count in the base"), default=False)
    # 居民会议 (组织法 Art 9): who attends and how many are entitled, for the quorum.
    residents_meeting_kind = models.CharField(_("attended by"), max_length=32, choices=ResidentsMeetingKind.choices, blank=True)
    eligible = models.PositiveIntegerField(_("entitled to attend"), null=True, blank=True)

    # The chair's speaking queue (``deliberation.rules.SpeakingQueue.to_dict``), changed under the row lock.
    speaking_queue = models.JSONField(default=dict, blank=True)
    # iCalendar: UID stays, SEQUENCE grows with every change a calendar must pick up.
    uid = models.CharField(max_length=64, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["path", "starts_at"], name="meeting_path_start_idx", opclasses=["varchar_pattern_ops", ""]),
            models.Index(fields=["community", "-starts_at"], name="meeting_community_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"),
            models.CheckConstraint(
                condition=~models.Q(kind="residents_meeting") | ~models.Q(residents_meeting_kind=""),
                name="meeting_residents_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.uid:
            self.uid = f"{secrets.token_hex(12)}@linli"
        if not self.path:
            self.path = self.community.path
        super().save(*args, **kwargs)

    @property
    def rule_set(self) -> RuleSet:
        return RuleSet(
            speech_seconds=self.speech_seconds,
            speeches_per_motion=self.speeches_per_motion,
            majority=self.majority,
            abstentions_count=self.abstentions_count,
        )

    @property
    def where(self) -> str:
        return str(self.room) if self.room_id else self.location

    @property
    def next_statuses(self) -> list[str]:
        return [s for s in Status.values if s in TRANSITIONS[self.status]]


class Invitation(StakeholderSeat):
    """An organisation or a person invited to a meeting, in a stakeholder role. Experts advise but do
    not vote."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["meeting", "id"]
        constraints = seat_constraints("meeting", "invitation")

    @property
    def votes(self) -> bool:
        return self.may_deliberate


class Attendance(models.Model):
    """A person signed in at a meeting, by themselves from a phone or by the secretary."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("representing"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entitled_to_vote = models.BooleanField(_("entitled to vote"), default=True)
    signed_in_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "signed_in_at", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once")]


class AgendaItem(models.Model):
    """One item of business: from a topic, a problem report, or on its own; with its minute (the
    discussion summary and the decision) and, where a vote is taken, the counts and the result under
    the meeting's majority rule."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("problem report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    discussion = models.TextField(_("discussion"), blank=True)
    decision = models.TextField(_("decision"), blank=True)
    # A vote among attendees entitled to vote; None when no vote was taken.
    votes_for = models.PositiveIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("against"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(_("abstain"), null=True, blank=True)
    votes_present = models.PositiveIntegerField(_("present and entitled to vote"), null=True, blank=True)
    majority = models.CharField(_("majority rule"), max_length=20, choices=MajorityRule.choices, blank=True)
    carried = models.BooleanField(_("carried"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    voted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "position"], name="agenda_position_once")]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def voted(self) -> bool:
        return self.carried is not None

    @property
    def result_text(self) -> str:
        """The vote's result explained in the reader's language, worked out again from the stored counts
        under the rule the vote was taken by (``result`` keeps the words of the one who recorded it)."""
        if not self.voted:
            return ""
        rules = RuleSet(majority=self.majority or MajorityRule.SIMPLE, abstentions_count=self.meeting.abstentions_count)
        counts = {"yes": self.votes_for, "no": self.votes_against, "abstain": self.votes_abstain, "present": self.votes_present}
        return tally(rules, **counts).reason


class Minutes(models.Model):
    """The meeting's record: drafted by the secretary, approved, then published. Published minutes are
    fixed; corrections are ``Amendment`` rows."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", pgettext_lazy("minutes", "approved")
        PUBLISHED = "published", _("published")

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField(_("summary"), blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return str(self.meeting)

    @property
    def is_fixed(self) -> bool:
        return self.status != self.Status.DRAFT


class Amendment(AppendOnly):
    """A later correction of published minutes; the published text itself never changes."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="amendments")
    text = models.TextField(_("amendment"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["minutes", "id"]


class ActionItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_ACTION_STATUSES)


class ActionItem(models.Model):
    """Work a decision gave to an owner (an organisation or a person), with a due date and evidence of
    completion. Linked to the meeting and agenda item it came from, and to the topic or problem report
    it serves."""

    class Status(models.TextChoices):
        OPEN = "open", _("to do")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    community = models.ForeignKey(Place, verbose_name=_("community"), on_delete=models.PROTECT, related_name="action_items")
    path = models.CharField(max_length=255, editable=False)
    title = models.CharField(_("title"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items")
    agenda_item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items")
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("problem report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    owner_organisation = models.ForeignKey(
        Organisation, verbose_name=_("owner (organisation)"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (person)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    evidence = models.TextField(_("evidence of completion"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_reported_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["path", "status"], name="action_path_status_idx", opclasses=["varchar_pattern_ops", ""]),
            # The sweep: open items not yet reported overdue, by due date.
            models.Index(
                fields=["due_on"],
                name="action_overdue_idx",
                condition=models.Q(status__in=["open", "in_progress"], overdue_reported_at__isnull=True),
            ),
            models.Index(
                fields=["due_on"],
                name="action_remind_idx",
                condition=models.Q(status__in=["open", "in_progress"], reminded_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner_organisation__isnull=False) | models.Q(owner_person__isnull=False),
                name="action_has_owner",
            ),
            models.CheckConstraint(condition=~models.Q(status="done") | ~models.Q(evidence=""), name="action_done_has_evidence"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.path:
            self.path = self.community.path
        super().save(*args, **kwargs)

    @property
    def owner(self):
        return self.owner_organisation or self.owner_person

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())


OPEN_ACTION_STATUSES = (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)
ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    ActionItem.Status.OPEN: frozenset({ActionItem.Status.IN_PROGRESS, ActionItem.Status.DONE, ActionItem.Status.CANCELLED}),
    ActionItem.Status.IN_PROGRESS: frozenset({ActionItem.Status.DONE, ActionItem.Status.CANCELLED}),
    ActionItem.Status.DONE: frozenset(),
    ActionItem.Status.CANCELLED: frozenset(),
}


def evidence_photo_path(instance, filename: str) -> str:
    return f"actions/{timezone.now():%Y/%m}/{secrets.token_hex(12)}.{filename.rsplit('.', 1)[-1].lower()}"


class EvidencePhoto(models.Model):
    """A photo showing the work done, re-encoded on upload like a problem report's (``cases.photos``)."""

    action_item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=evidence_photo_path)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["action_item", "id"]
