"""Consultation topics (议题) and their procedure, after the 2015 Opinion on urban and rural community
consultation (中办发〔2015〕41号, DOMAIN-RULES §4.1).

A topic is raised by a resident (others in the community endorse it, counted by household), by staff,
or from a problem report. The community party organisation and residents' committee decide which
topics go forward and who takes part; the topic then moves through notice, deliberation, outcome,
publication, implementation and feedback to closed, with a branch to a residents' meeting (居民会议)
when a formal decision is needed. Every status change is one ``TopicStep`` (append-only), so a
topic's page shows the whole path.

A topic copies its community's path (``path``) like every row that belongs to a place, so "topics
under community X" is one indexed range scan.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnly
from people.models import Organisation
from places.models import Place, Unit

# Until a community sets its own threshold, a resident's proposal goes on the decision list when
# this many households have endorsed it.
DEFAULT_THRESHOLD_HOUSEHOLDS = 20
DEFAULT_OUTCOME_NOTICE_DAYS = 7
COMMUNITY_KINDS = frozenset({Place.Kind.COMMUNITY, Place.Kind.VILLAGE})


class Source(models.TextChoices):
    RESIDENT = "resident", _("resident proposal")
    STAFF = "staff", _("raised by staff")
    PROBLEM_REPORT = "problem_report", _("from a problem report")


class Status(models.TextChoices):
    COLLECTING = "collecting", _("collecting opinions")
    DECIDED = "decided", _("taken up")
    DECLINED = "declined", _("not taken up")
    NOTICE_PUBLISHED = "notice_published", _("participants notified")
    DELIBERATING = "deliberating", _("in deliberation")
    RESIDENTS_MEETING = "residents_meeting", _("before the residents' meeting")
    OUTCOME_RECORDED = "outcome_recorded", _("outcome recorded")
    OUTCOME_PUBLISHED = "outcome_published", _("outcome published for comments")
    IMPLEMENTING = "implementing", _("being implemented")
    FEEDBACK_PUBLISHED = "feedback_published", _("feedback published")
    CLOSED = "closed", _("closed")


# The procedure (DOMAIN-RULES §4.1 "Platform state machine"). Every status change goes through
# ``actions.decide_topic`` (collecting → decided or declined) or ``actions.advance_topic`` (the rest),
# which check this table. A formal decision (居民会议, 城市居民委员会组织法 Art 10) may be needed
# during deliberation or once an outcome is on record; the meeting's decision is then the outcome.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.COLLECTING: frozenset({Status.DECIDED, Status.DECLINED}),
    Status.DECIDED: frozenset({Status.NOTICE_PUBLISHED}),
    Status.DECLINED: frozenset(),
    Status.NOTICE_PUBLISHED: frozenset({Status.DELIBERATING}),
    Status.DELIBERATING: frozenset({Status.OUTCOME_RECORDED, Status.RESIDENTS_MEETING}),
    Status.RESIDENTS_MEETING: frozenset({Status.OUTCOME_RECORDED}),
    Status.OUTCOME_RECORDED: frozenset({Status.OUTCOME_PUBLISHED, Status.RESIDENTS_MEETING}),
    Status.OUTCOME_PUBLISHED: frozenset({Status.IMPLEMENTING}),
    Status.IMPLEMENTING: frozenset({Status.FEEDBACK_PUBLISHED}),
    Status.FEEDBACK_PUBLISHED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
}
# Reached only by deciding (with participants, or with a reason).
DECISION_STATUSES = frozenset({Status.DECIDED, Status.DECLINED})
FINAL_STATUSES = frozenset({Status.DECLINED, Status.CLOSED})
# A step into these says what happened: the reason for the meeting, the outcome, the feedback.
NOTE_REQUIRED = frozenset({Status.RESIDENTS_MEETING, Status.OUTCOME_RECORDED, Status.FEEDBACK_PUBLISHED})


class Format(models.TextChoices):
    """Forms of consultation named by the 2015 Opinion."""

    RESIDENTS_MEETING = "residents_meeting", _("residents' meeting")
    REPRESENTATIVES_MEETING = "representatives_meeting", _("residents' representatives meeting")
    COUNCIL = "council", _("residents' council")
    BOARD = "board", _("residents' board")
    COMPOUND = "compound", _("compound consultation")
    OWNERS = "owners", _("owners' consultation")
    HEARING = "hearing", _("decision hearing")
    EVALUATION = "evaluation", _("democratic evaluation")
    ONLINE = "online", _("online discussion")
    OTHER = "other", _("other")


class TopicQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=FINAL_STATUSES)

    def on_decision_list(self):
        """Collecting topics that reached their community's threshold: the party organisation and the
        residents' committee decide on them."""
        return self.filter(status=Status.COLLECTING, threshold_reached_at__isnull=False)


class Topic(models.Model):
    community = models.ForeignKey(
        Place,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="topics",
        limit_choices_to={"kind__in": sorted(COMMUNITY_KINDS)},
    )
    path = models.CharField(max_length=255, editable=False)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("problem report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="topics",
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.COLLECTING)
    # Bumped by every status change: of two staff acting on one topic at once, one wins (compare-and-set).
    version = models.PositiveIntegerField(default=1)

    # Distinct households (units) among the endorsers, kept by ``actions.endorse_topic`` under the topic's lock.
    endorsed_households = models.PositiveIntegerField(_("households endorsing"), default=0)
    threshold_reached_at = models.DateTimeField(_("threshold reached at"), null=True, blank=True)

    # The decision (collecting → decided / declined).
    format = models.CharField(_("form of consultation"), max_length=24, choices=Format.choices, blank=True)
    planned_for = models.DateTimeField(_("planned for"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(_("outcome"), blank=True)
    # The outcome's notice period (公示): comments until then; implementation starts after it.
    outcome_published_at = models.DateTimeField(_("outcome published at"), null=True, blank=True)
    comments_until = models.DateTimeField(_("comments until"), null=True, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)

    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["path", "status"], name="topic_path_status_idx", opclasses=["varchar_pattern_ops", ""]),
            models.Index(fields=["community", "status"], name="topic_community_status_idx"),
            models.Index(fields=["community", "-id"], name="topic_community_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="declined") | ~models.Q(decision_reason=""), name="topic_declined_has_reason"
            ),
            models.CheckConstraint(
                condition=~models.Q(source="problem_report") | models.Q(case__isnull=False), name="topic_report_has_case"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_STATUSES

    @property
    def next_statuses(self) -> list[str]:
        """What the procedure allows next, in the order of the table's statuses."""
        allowed = TRANSITIONS[self.status]
        return [s for s in Status.values if s in allowed]


class TopicStep(AppendOnly):
    """One step of a topic's path: who moved it, when, from which status to which, and why.

    Append-only: the first row (from nothing to collecting) is the raising of the topic.
    """

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("topic step")
        verbose_name_plural = _("topic steps")
        ordering = ["topic", "id"]

    def __str__(self) -> str:
        return f"#{self.topic_id} {self.from_status or '-'} → {self.to_status}"


class Endorsement(models.Model):
    """A resident's support for a proposal. Counted by household: ``unit`` is the endorser's home in
    the community (or the unit they own there), so two people of one household count once."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="endorsements")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        constraints = [models.UniqueConstraint(fields=["topic", "person"], name="endorsement_once")]
        indexes = [models.Index(fields=["topic", "unit"], name="endorsement_topic_unit_idx")]


class Stakeholder(models.TextChoices):
    """The parties to a matter (一事一议一主体). Experts advise but do not deliberate."""

    RESIDENT = "resident", _("resident")
    OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
    PROPERTY_COMPANY = "property_company", _("property company")
    SOCIAL_ORGANISATION = "social_organisation", _("social organisation or association")
    RESIDENTS_COMMITTEE = "residents_committee", _("residents' committee")
    EXPERT = "expert", _("expert (advises, does not deliberate)")


# Which kinds of organisation may take part in each role; residents take part in person, experts either way.
STAKEHOLDER_ORGANISATIONS: dict[str, frozenset[str]] = {
    Stakeholder.RESIDENT: frozenset(),
    Stakeholder.OWNERS_COMMITTEE: frozenset({Organisation.Kind.OWNERS_COMMITTEE}),
    Stakeholder.PROPERTY_COMPANY: frozenset({Organisation.Kind.PROPERTY_COMPANY, Organisation.Kind.SELF_GOVERNING}),
    Stakeholder.SOCIAL_ORGANISATION: frozenset(
        {
            Organisation.Kind.MUTUAL_AID,
            Organisation.Kind.CULTURAL,
            Organisation.Kind.SELF_ORGANISATION,
            Organisation.Kind.SELF_GOVERNING,
            Organisation.Kind.MEDIATION,
        }
    ),
    Stakeholder.RESIDENTS_COMMITTEE: frozenset(
        {Organisation.Kind.RESIDENTS_COMMITTEE, Organisation.Kind.PARTY_COMMITTEE, Organisation.Kind.PARTY_BRANCH}
    ),
    Stakeholder.EXPERT: frozenset(Organisation.Kind.values),
}


class StakeholderSeat(models.Model):
    """An organisation or a person taking part in a stakeholder role: a topic's participant, a meeting's
    invitee (``meetings.Invitation``)."""

    role = models.CharField(_("taking part as"), max_length=20, choices=Stakeholder.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.organisation or self.person} ({self.get_role_display()})"

    @property
    def may_deliberate(self) -> bool:
        """Experts may be invited but do not themselves deliberate (or vote) unless they are stakeholders,
        in which case they take part in that role instead."""
        return self.role != Stakeholder.EXPERT


def seat_constraints(owner: str, prefix: str) -> list:
    """A seat is an organisation or a person (not both), each at most once per ``owner`` (topic, meeting)."""
    return [
        models.CheckConstraint(
            condition=models.Q(organisation__isnull=True, person__isnull=False)
            | models.Q(organisation__isnull=False, person__isnull=True),
            name=f"{prefix}_org_or_person",
        ),
        models.UniqueConstraint(
            fields=[owner, "organisation"], condition=models.Q(organisation__isnull=False), name=f"{prefix}_org_once"
        ),
        models.UniqueConstraint(fields=[owner, "person"], condition=models.Q(person__isnull=False), name=f"{prefix}_person_once"),
    ]


class TopicParticipant(StakeholderSeat):
    """Who takes part in a topic once it is taken up."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="participants")

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["topic", "id"]
        constraints = seat_constraints("topic", "participant")


class DeliberationSettings(models.Model):
    """A community's own rules: when a resident's proposal goes on the decision list (a number of
    households, or a share of the community's households in per mille, counted exactly), and how long
    an outcome stays published for comments."""

    community = models.OneToOneField(
        Place, verbose_name=_("community"), on_delete=models.CASCADE, related_name="deliberation_settings"
    )
    threshold_households = models.PositiveIntegerField(
        _("threshold (households)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    threshold_per_mille = models.PositiveSmallIntegerField(
        _("threshold (‰ of the community's households)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    outcome_notice_days = models.PositiveSmallIntegerField(
        _("outcome published for (days)"), default=DEFAULT_OUTCOME_NOTICE_DAYS, validators=[MinValueValidator(1)]
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consultation settings")
        verbose_name_plural = _("consultation settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold_households__isnull=True) | models.Q(threshold_per_mille__isnull=True),
                name="deliberation_one_threshold",
            ),
            models.CheckConstraint(
                condition=models.Q(threshold_households__isnull=True) | models.Q(threshold_households__gte=1),
                name="deliberation_households_min",
            ),
            models.CheckConstraint(
                condition=models.Q(threshold_per_mille__isnull=True)
                | models.Q(threshold_per_mille__gte=1, threshold_per_mille__lte=1000),
                name="deliberation_per_mille_range",
            ),
            models.CheckConstraint(condition=models.Q(outcome_notice_days__gte=1), name="deliberation_notice_days_min"),
        ]

    def __str__(self) -> str:
        return str(self.community)

    def households_needed(self, community_households: int) -> int:
        """The smallest number of endorsing households that reaches the threshold (at least one).
        A share is rounded up in integers: 2 of 3 households is 666.67‰, short of 667‰."""
        if self.threshold_per_mille is not None:
            return max(1, -(-self.threshold_per_mille * community_households // 1000))
        return self.threshold_households or DEFAULT_THRESHOLD_HOUSEHOLDS

    def is_reached(self, endorsing: int, community_households: int) -> bool:
        return endorsing >= self.households_needed(community_households)
