"""Tournaments between communities (table tennis, badminton) and performance contests (the skit contest
小品大赛 and the like).

A tournament or contest belongs to a scope, a place (usually the sub-district), and copies its path
(``path``) like every row that belongs to a place; it is organised by an organisation (the sub-district
office, a residents' committee, a cultural association). Entrants and entries represent a community.

A tournament runs draft → registration → groups → knockout → finished → published; a format without
groups skips "groups", one without a bracket skips "knockout" (``TRANSITIONS``). Its matches hold their
game scores as ``[[a, b], …]`` (side A first); the rules of the game, the tables and the bracket are in
``competitions.rules``. A contest runs draft → running → finished → published; its rounds pending →
open → closed, judges score the acts of the open round, and closing it ranks them and sends the top N on.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from people.models import Organisation
from places.models import Place

from .rules import GAME_RULES, Sport

COMMUNITY_KINDS = (Place.Kind.COMMUNITY, Place.Kind.VILLAGE)


class Format(models.TextChoices):
    GROUPS_KNOCKOUT = "groups_knockout", _("round-robin groups, then a knockout bracket")
    KNOCKOUT = "knockout", _("knockout bracket only")
    ROUND_ROBIN = "round_robin", _("round robin only")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    REGISTRATION = "registration", _("registration")
    GROUPS = "groups", _("group stage")
    KNOCKOUT = "knockout", _("knockout stage")
    FINISHED = "finished", _("finished")
    PUBLISHED = "published", _("results published")


# The stages each format goes through, in order.
STAGES = {
    Format.GROUPS_KNOCKOUT: (
        Status.DRAFT,
        Status.REGISTRATION,
        Status.GROUPS,
        Status.KNOCKOUT,
        Status.FINISHED,
        Status.PUBLISHED,
    ),
    Format.KNOCKOUT: (Status.DRAFT, Status.REGISTRATION, Status.KNOCKOUT, Status.FINISHED, Status.PUBLISHED),
    Format.ROUND_ROBIN: (Status.DRAFT, Status.REGISTRATION, Status.GROUPS, Status.FINISHED, Status.PUBLISHED),
}
# Each status → the next one, per format: a tournament only ever moves one step forward.
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    fmt: {s: frozenset(stages[i + 1 : i + 2]) for i, s in enumerate(stages)} for fmt, stages in STAGES.items()
}
# Seen by everyone signed in in the sub-district (a draft only by those who manage it).
VISIBLE_STATUSES = frozenset(Status.values) - {Status.DRAFT}
# Results entered: the draw is made and matches are being played.
PLAYING_STATUSES = frozenset({Status.GROUPS, Status.KNOCKOUT})


class Tournament(models.Model):
    name = models.CharField(_("name"), max_length=120)
    sport = models.CharField(_("sport"), max_length=16, choices=Sport.choices)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    organiser = models.ForeignKey(Organisation, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+")
    scope = models.ForeignKey(Place, verbose_name=_("for"), on_delete=models.PROTECT, related_name="tournaments")
    path = models.CharField(max_length=255, editable=False)
    format = models.CharField(_("format"), max_length=16, choices=Format.choices, default=Format.GROUPS_KNOCKOUT)
    best_of = models.PositiveSmallIntegerField(_("best of (games)"), choices=[(3, "3"), (5, "5")], default=5)
    group_count = models.PositiveSmallIntegerField(
        _("groups"), default=1, validators=[MinValueValidator(1), MaxValueValidator(16)]
    )
    advance_per_group = models.PositiveSmallIntegerField(_("go through from each group"), choices=[(1, "1"), (2, "2")], default=2)
    location = models.CharField(_("where"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tournament")
        verbose_name_plural = _("tournaments")
        ordering = ["-year", "-id"]
        indexes = [
            models.Index(fields=["path", "status"], name="tournament_path_status_idx", opclasses=["varchar_pattern_ops", ""])
        ]
        constraints = [
            models.CheckConstraint(condition=Q(best_of__in=[3, 5]), name="tournament_best_of"),
            models.CheckConstraint(condition=Q(advance_per_group__in=[1, 2]), name="tournament_advance"),
            models.CheckConstraint(condition=Q(group_count__gte=1), name="tournament_groups"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.path:
            self.path = self.scope.path
        super().save(*args, **kwargs)

    @property
    def points(self) -> int:
        """A game is played to this many points."""
        return GAME_RULES[Sport(self.sport)].points

    @property
    def has_groups(self) -> bool:
        return self.format in (Format.GROUPS_KNOCKOUT, Format.ROUND_ROBIN)

    @property
    def has_bracket(self) -> bool:
        return self.format in (Format.GROUPS_KNOCKOUT, Format.KNOCKOUT)

    @property
    def is_playing(self) -> bool:
        return self.status in PLAYING_STATUSES

    @property
    def next_status(self) -> str | None:
        following = TRANSITIONS[self.format][self.status]
        return next(iter(following)) if following else None


class Entrant(models.Model):
    """A player (``person``) or a team (a name and its ``players``) representing a community."""

    class Kind(models.TextChoices):
        PERSON = "person", _("player")
        TEAM = "team", _("team")

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="entrants")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.TEAM)
    name = models.CharField(_("name"), max_length=80)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("player"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    players = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("players"), blank=True, related_name="+")
    community = models.ForeignKey(
        Place,
        verbose_name=_("representing"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind__in": COMMUNITY_KINDS},
    )
    seed = models.PositiveSmallIntegerField(_("seed"), null=True, blank=True, validators=[MinValueValidator(1)])
    group = models.ForeignKey(
        "Group", verbose_name=_("group"), null=True, blank=True, on_delete=models.SET_NULL, related_name="entrants"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("entrant")
        verbose_name_plural = _("entrants")
        ordering = ["tournament", F("seed").asc(nulls_last=True), "id"]
        constraints = [
            models.UniqueConstraint(fields=["tournament", "name"], name="entrant_name_once"),
            models.UniqueConstraint(fields=["tournament", "seed"], condition=Q(seed__isnull=False), name="entrant_seed_once"),
            models.UniqueConstraint(
                fields=["tournament", "person"], condition=Q(person__isnull=False), name="entrant_person_once"
            ),
            models.CheckConstraint(condition=~Q(kind="person") | Q(person__isnull=False), name="entrant_person_has_person"),
        ]

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="groups")
    number = models.PositiveSmallIntegerField(_("group"))

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["tournament", "number"]
        constraints = [models.UniqueConstraint(fields=["tournament", "number"], name="group_number_once")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """A, B, C… (AA after Z is never needed: at most 16 groups)."""
        return chr(ord("A") + self.number - 1)


class Match(models.Model):
    class Stage(models.TextChoices):
        GROUP = "group", _("group stage")
        KNOCKOUT = "knockout", _("knockout")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        PLAYED = "played", pgettext_lazy("match", "played")
        WALKOVER = "walkover", _("walkover")

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="matches")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="matches")
    round = models.PositiveSmallIntegerField(_("round"))
    slot = models.PositiveSmallIntegerField(_("match"))
    entrant_a = models.ForeignKey(Entrant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entrant_b = models.ForeignKey(Entrant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    games = models.JSONField(_("games"), default=list, blank=True)
    winner = models.ForeignKey(Entrant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    played_at = models.DateTimeField(_("played at"), null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["tournament", "stage", "group", "round", "slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["tournament", "round", "slot"], condition=Q(stage="knockout"), name="match_knockout_slot_once"
            ),
            models.UniqueConstraint(fields=["group", "round", "slot"], condition=Q(stage="group"), name="match_group_slot_once"),
            models.CheckConstraint(condition=~Q(stage="group") | Q(group__isnull=False), name="match_group_has_group"),
            models.CheckConstraint(
                condition=Q(entrant_a__isnull=True) | Q(entrant_b__isnull=True) | ~Q(entrant_a=F("entrant_b")),
                name="match_two_sides",
            ),
            models.CheckConstraint(
                condition=Q(winner__isnull=True) | Q(winner=F("entrant_a")) | Q(winner=F("entrant_b")),
                name="match_winner_plays",
            ),
            models.CheckConstraint(
                condition=Q(status="scheduled", winner__isnull=True) | (~Q(status="scheduled") & Q(winner__isnull=False)),
                name="match_decided_has_winner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entrant_a or '—'} v {self.entrant_b or '—'}"

    @property
    def is_bye(self) -> bool:
        """A first-round place in the bracket with one entrant only: they go through without playing."""
        return (
            self.stage == self.Stage.KNOCKOUT and (self.entrant_a_id is None) != (self.entrant_b_id is None) and self.round == 1
        )

    @property
    def is_decided(self) -> bool:
        return self.status != self.Status.SCHEDULED

    @property
    def score(self) -> str:
        """Games won by each side: "3–1"; "w/o" for a walkover."""
        if self.status == self.Status.WALKOVER:
            return "" if self.is_bye else "w/o"
        if not self.games:
            return ""
        return f"{self.won_a}–{self.won_b}"

    @property
    def won_a(self) -> int:
        return sum(1 for x, y in self.games if x > y)

    @property
    def won_b(self) -> int:
        return len(self.games) - self.won_a

    @property
    def games_text(self) -> str:
        return " ".join(f"{x}–{y}" for x, y in self.games)


# --- contests ----------------------------------------------------------------------------------


class ContestStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    RUNNING = "running", _("under way")
    FINISHED = "finished", _("finished")
    PUBLISHED = "published", _("results published")


CONTEST_TRANSITIONS: dict[str, frozenset[str]] = {
    ContestStatus.DRAFT: frozenset({ContestStatus.RUNNING}),
    ContestStatus.RUNNING: frozenset({ContestStatus.FINISHED}),
    ContestStatus.FINISHED: frozenset({ContestStatus.PUBLISHED}),
    ContestStatus.PUBLISHED: frozenset(),
}


class Contest(models.Model):
    name = models.CharField(_("name"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    organiser = models.ForeignKey(Organisation, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+")
    scope = models.ForeignKey(Place, verbose_name=_("for"), on_delete=models.PROTECT, related_name="contests")
    path = models.CharField(max_length=255, editable=False)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ContestStatus.choices, default=ContestStatus.DRAFT)
    judges = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Judge", related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["-year", "-id"]
        indexes = [models.Index(fields=["path", "status"], name="contest_path_status_idx", opclasses=["varchar_pattern_ops", ""])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.path:
            self.path = self.scope.path
        super().save(*args, **kwargs)


class Judge(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="judge_rows")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("judge")
        verbose_name_plural = _("judges")
        ordering = ["contest", "id"]
        constraints = [models.UniqueConstraint(fields=["contest", "person"], name="judge_once")]

    def __str__(self) -> str:
        return str(self.person)


class ContestRound(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("not started")
        OPEN = "open", _("open for scoring")
        CLOSED = "closed", _("closed")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rounds")
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveSmallIntegerField(_("order"))
    # How many acts go on to the next round; empty for the final.
    advance = models.PositiveSmallIntegerField(_("how many go on"), null=True, blank=True, validators=[MinValueValidator(1)])
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["contest", "position"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "position"], name="contest_round_position_once"),
            models.CheckConstraint(condition=Q(advance__isnull=True) | Q(advance__gte=1), name="contest_round_advance"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_final(self) -> bool:
        return self.advance is None


class ContestEntry(models.Model):
    """An act: its title, who performs it (as the organisers write it), and the community it represents."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries")
    title = models.CharField(_("act"), max_length=120)
    performers = models.CharField(_("performers"), max_length=300, blank=True)
    community = models.ForeignKey(
        Place,
        verbose_name=_("representing"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind__in": COMMUNITY_KINDS},
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["contest", "id"]
        constraints = [models.UniqueConstraint(fields=["contest", "title", "community"], name="contest_entry_once")]

    def __str__(self) -> str:
        return self.title


class Performance(models.Model):
    """An act in a round, in running order; once the round is closed, its score, place and whether it went on."""

    round = models.ForeignKey(ContestRound, on_delete=models.CASCADE, related_name="performances")
    entry = models.ForeignKey(ContestEntry, on_delete=models.CASCADE, related_name="performances")
    position = models.PositiveSmallIntegerField(_("running order"))
    final_score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("place"), null=True, blank=True)
    advanced = models.BooleanField(_("goes on"), default=False)

    class Meta:
        verbose_name = _("performance")
        verbose_name_plural = _("performances")
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "entry"], name="performance_once"),
            models.UniqueConstraint(fields=["round", "position"], name="performance_position_once"),
        ]


class Score(models.Model):
    round = models.ForeignKey(ContestRound, on_delete=models.CASCADE, related_name="scores")
    entry = models.ForeignKey(ContestEntry, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(
        _("score"), max_digits=4, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    entered_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["round", "entry", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "entry", "judge"], name="score_once_per_judge"),
            models.CheckConstraint(condition=Q(value__gte=0) & Q(value__lte=100), name="score_0_to_100"),
        ]
