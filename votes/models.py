"""Owners' joint decisions (业主共同决定) under Civil Code Arts 278–280, and the unanimous consent of
interested owners to turn a home into business premises (Art 279).

- ``Matter``: what the owners of a compound (物业管理区域), or of one building, decide; its kind is one
  of the nine items of Art 278(1), which sets the thresholds (``SPECIAL_ITEMS``).
- The electorate is frozen when voting opens (``Voter``, ``VoterUnit``, ``VoterMember``): who may vote,
  with which exclusive parts and area, counted as the SPC interpretation Arts 8–9 say (``votes.roll``).
- Every ballot is appended to a hash-chained log (``LogEntry``); ``Ballot`` holds each voter's ballot
  that counts now (the last one cast). For a secret ballot the choice is sealed and counted only in
  running totals per choice (``SecretCount``): staff see who voted, never how.
- ``PaperEntry``: paper ballots typed in twice by two people; ``ProxyAuthorisation``: a written proxy.
- ``SilentConsentClause``: the covenant clause a compound must record before deemed votes (视为同意)
  are shown, as a second tally.
- ``UseChange`` / ``UseChangeConsent``: Art 279.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnly
from places.models import Place, Unit


class Item(models.TextChoices):
    """Civil Code Art 278(1): the matters owners decide jointly, in the order of the article."""

    RULES = "rules", _("making or amending the owners' assembly rules")
    COVENANT = "covenant", _("making or amending the management covenant")
    COMMITTEE = "committee", _("electing or replacing owners' committee members")
    MANAGER = "manager", _("hiring or dismissing the property company or other manager")
    FUND_USE = "fund_use", _("using the maintenance fund")
    FUND_RAISE = "fund_raise", _("raising the maintenance fund")
    REBUILD = "rebuild", _("altering or rebuilding buildings and their facilities")
    COMMON_USE = "common_use", _("changing the use of common parts or using them for business")
    OTHER = "other", _("other major matters of common ownership and management")


# Civil Code Art 278(1): item numbers 1–9.
ITEM_NUMBER = {item: n for n, item in enumerate(Item, start=1)}
# Civil Code Art 278(2): items 6–8 need three quarters of participating area and headcount; the rest more than half.
SPECIAL_ITEMS = frozenset({Item.FUND_RAISE, Item.REBUILD, Item.COMMON_USE})

# 物业管理条例 Art 14: notice at least 15 days before the meeting or vote.
NOTICE_DAYS = 15
# 清远市住宅小区物业管理条例 Art 17 (a Guangdong rule; no Foshan rule found): the result within 7 days of counting.
PUBLISH_DAYS = 7
# Civil Code Art 280 with SPC interpretation Art 12: an owner may ask a court to revoke within one year.
REVOCATION_DAYS = 365

RULE_SET = "civil_code_2021"


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    NOTIFIED = "notified", _("notice published")
    OPEN = "open", _("voting open")
    CLOSED = "closed", _("voting closed")
    PUBLISHED = "published", _("result published")
    CANCELLED = "cancelled", _("cancelled")


TRANSITIONS = {
    Status.DRAFT: {Status.NOTIFIED, Status.CANCELLED},
    Status.NOTIFIED: {Status.OPEN, Status.CANCELLED},
    Status.OPEN: {Status.CLOSED},
    Status.CLOSED: {Status.PUBLISHED},
    Status.PUBLISHED: set(),
    Status.CANCELLED: set(),
}


class Choice(models.TextChoices):
    YES = "yes", _("agree")
    NO = "no", _("disagree")
    ABSTAIN = "abstain", _("abstain")


class Channel(models.TextChoices):
    ONLINE = "online", _("online, by the owner")
    PAPER = "paper", _("paper ballot, entered twice")
    PROXY = "proxy", _("by a proxy with written authorisation")


class Matter(models.Model):
    compound = models.ForeignKey(
        Place, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="+", limit_choices_to={"kind": "compound"}
    )
    # The compound, or one building in it for a building's own matter (e.g. its lobby, paid from its share of the fund).
    scope = models.ForeignKey(Place, verbose_name=_("owners of"), on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255, editable=False)
    item = models.CharField(_("kind of matter"), max_length=16, choices=Item.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=8000)
    topic = models.ForeignKey(
        "deliberation.Topic",
        verbose_name=_("consultation topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owner_votes",
    )
    secret = models.BooleanField(_("secret ballot"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    notice_sent_at = models.DateTimeField(_("notice published at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("result published at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason"), blank=True)
    rule_set = models.CharField(max_length=20, default=RULE_SET, editable=False)
    # Frozen when voting opens.
    silent_consent_clause = models.TextField(_("silent-consent clause"), blank=True)
    total_area = models.DecimalField(_("total exclusive area (m²)"), max_digits=14, decimal_places=2, null=True)
    total_heads = models.PositiveIntegerField(_("total owners (headcount)"), null=True)
    roll_digest = models.CharField(max_length=64, blank=True, editable=False)
    # The head of the ballot log (``LogEntry``): how many entries, and the last entry's hash.
    log_length = models.PositiveIntegerField(default=0, editable=False)
    log_head = models.CharField(max_length=64, blank=True, editable=False)
    # The result as published (``votes.rules.Tally.as_dict``), with the log head it was counted from.
    result = models.JSONField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("owners' vote")
        verbose_name_plural = _("owners' votes")
        ordering = ["-opens_at", "-id"]
        indexes = [
            models.Index(fields=["path", "status"], name="matter_path_status_idx", opclasses=["varchar_pattern_ops", ""]),
            models.Index(fields=["status", "closes_at"], name="matter_status_closes_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="matter_window_order"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def special(self) -> bool:
        return self.item in SPECIAL_ITEMS

    @property
    def item_number(self) -> int:
        return ITEM_NUMBER[Item(self.item)]

    @property
    def silent_consent(self) -> bool:
        return bool(self.silent_consent_clause)

    @property
    def publish_by(self):
        """The last day to publish the result: 7 days after voting closed (the closing day not counted, Civil Code Art 201)."""
        return timezone.localdate(self.closed_at or self.closes_at) + timedelta(days=PUBLISH_DAYS)

    @property
    def revocable_until(self):
        """Civil Code Art 280, SPC interpretation Art 12: one year from publication, when owners knew or should have known."""
        if not self.published_at:
            return None
        return timezone.localdate(self.published_at) + timedelta(days=REVOCATION_DAYS)


class MatterDocument(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(_("file"), upload_to="votes/documents/%Y/%m/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title


class Voter(models.Model):
    """One entry of the frozen electorate: the owners who cast one ballot together, with their exclusive
    parts in scope (``VoterUnit``), their area (summed) and their headcount (one). See ``votes.roll``."""

    class Kind(models.TextChoices):
        OWNERS = "owners", _("owner")
        DEVELOPER = "developer", _("developer (unsold or undelivered parts)")
        UNRECORDED = "unrecorded", _("owner not recorded")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="voters")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OWNERS)
    area = models.DecimalField(max_digits=14, decimal_places=2)
    heads = models.PositiveSmallIntegerField(default=1)
    label = models.CharField(max_length=200, blank=True)
    # The co-owner who casts the ballot for all (a sole owner is their own designee).
    designated = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Recorded by a manager from a signed designation: stands until the co-owners all name someone else.
    designated_in_writing = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class VoterUnit(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="+")
    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    area = models.DecimalField(max_digits=10, decimal_places=2)
    area_source = models.CharField(max_length=10, choices=Unit.AreaSource.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["matter", "unit"], name="voterunit_unique")]
        indexes = [models.Index(fields=["matter", "building"], name="voterunit_matter_building_idx")]


class VoterMember(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="+")
    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=24, blank=True)
    # Co-owners designate one of them: each names whom they want; when all name the same person, that is the designee.
    names = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "person"], name="votermember_unique")]
        indexes = [models.Index(fields=["person", "matter"], name="votermember_person_idx")]


class ProxyAuthorisation(models.Model):
    """A written authorisation (物业管理条例 Art 12: owners may appoint proxies), recorded by staff with its scan."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="proxies")
    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="proxies")
    proxy = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("proxy"), on_delete=models.PROTECT, related_name="+")
    document = models.FileField(_("written authorisation"), upload_to="votes/proxies/%Y/%m/")
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["voter"], condition=models.Q(revoked_at__isnull=True), name="proxy_one_active_per_voter"
            )
        ]


class LogEntry(AppendOnly):
    """The ballot log: one row per event, chained by hashes (``votes.ledger``). Never updated."""

    class Kind(models.TextChoices):
        OPEN = "open", _("voting opened")
        BALLOT = "ballot", _("ballot cast")
        CLOSE = "close", _("voting closed")

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="log")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField()
    voter = models.ForeignKey(Voter, null=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    # Open ballot: the choice. Secret ballot: blank, and the choice sealed (encrypted) in ``sealed``.
    choice = models.CharField(max_length=8, choices=Choice.choices, blank=True)
    sealed = models.TextField(blank=True)
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    proxy = models.ForeignKey(ProxyAuthorisation, null=True, on_delete=models.PROTECT, related_name="+")
    # OPEN: the roll digest; CLOSE: the log head it closes.
    detail = models.CharField(max_length=200, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ballot log entry")
        verbose_name_plural = _("ballot log")
        ordering = ["matter", "seq"]
        constraints = [models.UniqueConstraint(fields=["matter", "seq"], name="logentry_unique_seq")]


class Ballot(models.Model):
    """The ballot that counts now for a voter: the last one cast (all are kept in the log)."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="ballots")
    voter = models.OneToOneField(Voter, on_delete=models.CASCADE, related_name="ballot")
    choice = models.CharField(max_length=8, choices=Choice.choices, blank=True)  # blank for a secret ballot
    receipt = models.TextField(blank=True)  # secret ballot: the choice, sealed (only the owner's own page unseals it)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    seq = models.PositiveIntegerField()
    cast_at = models.DateTimeField()
    times = models.PositiveSmallIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["matter", "choice"], name="ballot_matter_choice_idx")]


class SecretCount(models.Model):
    """A secret ballot's running count for one choice: the area and headcount of the ballots counting now
    for it. Nothing is kept per ballot (a ballot's area would point back to its voter); the log keeps each
    ballot sealed, and ``verify_vote`` recounts the log against these three rows."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(max_length=8, choices=Choice.choices)
    area = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    heads = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["matter", "choice"], name="secretcount_unique")]


class PaperEntry(models.Model):
    """One typing of a paper ballot. Two people type each sheet; matching entries cast it, a mismatch is
    flagged until a third person's entry matches one of them."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the second entry")
        MATCHED = "matched", _("matched, counted")
        MISMATCH = "mismatch", _("mismatch: needs a third entry")
        SET_ASIDE = "set_aside", _("set aside")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="paper_entries")
    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="paper_entries")
    sheet = models.CharField(_("sheet number"), max_length=30)
    choice = models.CharField(max_length=8, choices=Choice.choices, blank=True)
    sealed = models.TextField(blank=True)  # secret ballot
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)

    class Meta:
        ordering = ["entered_at", "id"]
        indexes = [models.Index(fields=["matter", "status"], name="paperentry_matter_status_idx")]


class SilentConsentClause(models.Model):
    """The management-covenant clause that lets a compound count owners who did not vote as agreeing
    (Civil Code Art 140: silence counts only where agreed). Off unless recorded; shown as a second tally."""

    compound = models.OneToOneField(Place, on_delete=models.CASCADE, related_name="silent_consent_clause")
    clause = models.TextField(_("clause of the management covenant"), max_length=2000)
    adopted_on = models.DateField(_("adopted on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("silent-consent clause")
        verbose_name_plural = _("silent-consent clauses")


class UseChange(models.Model):
    """Civil Code Art 279: turning a home into business premises needs the consent of every interested
    owner; not a vote, so majority consent is no defence (SPC interpretation Art 10)."""

    class Status(models.TextChoices):
        COLLECTING = "collecting", _("collecting consent")
        APPROVED = "approved", _("every interested owner consented")
        REFUSED = "refused", _("an interested owner refused")
        WITHDRAWN = "withdrawn", _("withdrawn")

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255, editable=False)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purpose = models.TextField(_("intended business use"), max_length=2000)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.COLLECTING)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Other homes, shops and spaces in the building whose owner is not a recorded person (not recorded, or
    # still the developer's): their consent cannot be asked in the app, so a manager records it from paper.
    unrecorded_parts = models.PositiveIntegerField(default=0)
    paper_consents = models.FileField(
        _("signed consents of the owners not recorded"), upload_to="votes/consents/%Y/%m/", blank=True
    )
    paper_consents_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("change of use")
        verbose_name_plural = _("changes of use")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["path"], name="usechange_path_idx", opclasses=["varchar_pattern_ops"])]


class UseChangeConsent(models.Model):
    class Basis(models.TextChoices):
        # SPC interpretation Art 11: owners in the same building are interested; others must show an adverse effect.
        SAME_BUILDING = "same_building", _("owner in the same building")
        AFFECTED = "affected", _("owner elsewhere who showed an adverse effect")

    class Answer(models.TextChoices):
        PENDING = "", _("not answered yet")
        CONSENT = "consent", _("consents")
        REFUSE = "refuse", _("refuses")

    request = models.ForeignKey(UseChange, on_delete=models.CASCADE, related_name="consents")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(max_length=14, choices=Basis.choices, default=Basis.SAME_BUILDING)
    answer = models.CharField(max_length=8, choices=Answer.choices, blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "person"], name="usechangeconsent_unique")]
        indexes = [models.Index(fields=["person", "answer"], name="usechangeconsent_person_idx")]
