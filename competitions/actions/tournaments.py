"""Tournaments: setting up, the draw, the schedule, results and corrections, publication (the locks are
described in the package's docstring)."""

import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.concurrency import compare_and_set
from core.outbox import Notice, notify_many
from people import policy
from people.models import Organisation, Person
from places.models import Place

from .. import access, queries, rules
from ..models import (
    COMMUNITY_KINDS,
    PLAYING_STATUSES,
    TRANSITIONS,
    Entrant,
    Format,
    Group,
    Match,
    Status,
    Tournament,
)
from ..rules import InvalidScore, Sport
from .common import (
    MAX_ENTRANTS,
    Conflict,
    MatchConflict,
    check_header,
    require,
    tournament_link,
    trimmed,
)

# --- tournaments: setting up ---------------------------------------------------------------------


def create_tournament(
    *,
    actor: Person,
    name: str,
    sport: str,
    year: int,
    organiser: Organisation,
    scope: Place,
    format: str = Format.GROUPS_KNOCKOUT,
    best_of: int = 5,
    group_count: int = 1,
    advance_per_group: int = 2,
    location: str = "",
    starts_on: date | None = None,
    now: datetime | None = None,
) -> Tournament:
    """A draft tournament. Staff covering the scope, or an officer of the organiser for a scope within its
    place (``access.can_organise``)."""
    now = now or timezone.now()
    # Asked first, so a stranger learns nothing from the form's refusals; a missing scope or organiser is
    # refused by ``check_header`` below.
    if scope is not None and organiser is not None:
        require(access.can_organise(actor, scope, organiser))
    name = trimmed(name, 120)
    errors: dict[str, str] = {}
    check_header(errors, name=name, year=year, organiser=organiser, scope=scope)
    if sport not in Sport.values:
        errors["sport"] = _("Choose table tennis or badminton.")
    if format not in Format.values:
        errors["format"] = _("Choose the format.")
    if best_of not in rules.BEST_OF:
        errors["best_of"] = _("A match is the best of 3 or 5 games.")
    if format == Format.KNOCKOUT:
        group_count = 1
    elif not isinstance(group_count, int) or not 1 <= group_count <= 16:
        errors["group_count"] = _("Between 1 and 16 groups.")
    if advance_per_group not in (1, 2):
        errors["advance_per_group"] = _("One or two go through from each group.")
    elif format == Format.GROUPS_KNOCKOUT and group_count == 1 and advance_per_group == 1:
        errors["advance_per_group"] = _("With one group, two must go through to make a final.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        tournament = Tournament.objects.create(
            name=name,
            sport=sport,
            year=year,
            organiser=organiser,
            scope=scope,
            path=scope.path,
            format=format,
            best_of=best_of,
            group_count=group_count,
            advance_per_group=advance_per_group,
            location=trimmed(location, 200),
            starts_on=starts_on,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        audit.record(actor=actor, action="tournament.created", obj=tournament)
    return tournament


def open_registration(*, actor: Person, tournament: Tournament, version: int | None = None, now=None) -> Tournament:
    """Draft → registration: the tournament shows in the sub-district; entrants are still added by its managers."""
    require(access.can_manage_tournament(actor, tournament))
    with transaction.atomic():
        _lock(tournament)
        if tournament.status != Status.DRAFT:
            raise ValidationError(_("Registration is already open."))
        compare_and_set(tournament, version, conflict=Conflict, status=Status.REGISTRATION, updated_at=now or timezone.now())
        audit.record(actor=actor, action="tournament.registration_opened", obj=tournament)
    return tournament


def _lock(tournament: Tournament) -> Tournament:
    """The tournament's row, locked, as it is now (the caller's copy may be stale)."""
    fresh = Tournament.objects.select_for_update().get(pk=tournament.pk)
    tournament.status, tournament.version = fresh.status, fresh.version
    return fresh


def _setting_up(tournament: Tournament) -> None:
    if tournament.status not in (Status.DRAFT, Status.REGISTRATION):
        raise ValidationError(_("The draw is made: entrants can no longer change."))


def eligible(person: Person, community: Place) -> bool:
    """Players represent the community they live or own a home in."""
    return person.is_active and person.anonymised_at is None and policy.lives_or_owns_under(person, community.path)


def add_entrant(
    *,
    actor: Person,
    tournament: Tournament,
    community: Place,
    name: str = "",
    person: Person | None = None,
    players: Iterable[Person] = (),
    seed: int | None = None,
) -> Entrant:
    """A player (``person``) or a team (``name`` and at least one of its ``players``) representing a
    community within the tournament's scope; every player lives or owns a home in that community and
    plays for one entrant only. Before the schedule is made; adding one clears a draw already made."""
    require(access.can_manage_tournament(actor, tournament))
    _setting_up(tournament)
    players = list(dict.fromkeys(players))
    name = trimmed(name, 80)
    errors: dict[str, str] = {}
    if community is None or community.kind not in COMMUNITY_KINDS or not community.path.startswith(tournament.path):
        errors["community"] = _("Choose a community taking part in this tournament.")
    if person is not None:
        players = [person]
        name = name or person.name
    else:
        if not name:
            errors["name"] = _("Give the team a name.")
        if not players:
            errors["players"] = _("Name the team's players.")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 1 <= seed <= MAX_ENTRANTS):
        errors["seed"] = _("A seed is a number from 1.")
    if errors:
        raise ValidationError(errors)
    if any(not eligible(p, community) for p in players):
        # no name in the refusal: whoever typed a number or an id learns nothing about who it is
        field = "person" if person is not None else "players"
        raise ValidationError({field: _("Every player must live or own a home in %(c)s.") % {"c": community.name}})
    with transaction.atomic():
        _setting_up(_lock(tournament))
        entrants = Entrant.objects.filter(tournament=tournament)
        if entrants.count() >= MAX_ENTRANTS:
            raise ValidationError(_("A tournament has at most %(n)d entrants.") % {"n": MAX_ENTRANTS})
        if entrants.filter(name=name).exists():
            raise ValidationError({"name": _("There is already an entrant called %(name)s.") % {"name": name}})
        if seed is not None and entrants.filter(seed=seed).exists():
            raise ValidationError({"seed": _("Seed %(n)d is taken.") % {"n": seed}})
        taken = set(
            Entrant.players.through.objects.filter(entrant__tournament=tournament, person__in=players).values_list(
                "person_id", flat=True
            )
        )
        if taken:
            who = ", ".join(p.name for p in players if p.pk in taken)
            raise ValidationError({"players": _("%(who)s already plays for another entrant.") % {"who": who}})
        try:
            with transaction.atomic():
                entrant = Entrant.objects.create(
                    tournament=tournament,
                    kind=Entrant.Kind.PERSON if person is not None else Entrant.Kind.TEAM,
                    name=name,
                    person=person,
                    community=community,
                    seed=seed,
                )
        except IntegrityError as exc:  # the constraints back the checks above
            raise ValidationError(_("This entrant is already registered.")) from exc
        entrant.players.set(players)
        _clear_draw(tournament)
        audit.record(actor=actor, action="tournament.entrant_added", obj=tournament, entrant=entrant.pk)
    return entrant


def remove_entrant(*, actor: Person, entrant: Entrant) -> None:
    """Before the schedule is made; clears a draw already made."""
    tournament = entrant.tournament
    require(access.can_manage_tournament(actor, tournament))
    _setting_up(tournament)
    with transaction.atomic():
        _setting_up(_lock(tournament))
        Entrant.objects.filter(pk=entrant.pk).delete()
        _clear_draw(tournament)
        audit.record(actor=actor, action="tournament.entrant_removed", obj=tournament, entrant=entrant.pk, name=entrant.name)


def set_seed(*, actor: Person, entrant: Entrant, seed: int | None) -> Entrant:
    tournament = entrant.tournament
    require(access.can_manage_tournament(actor, tournament))
    _setting_up(tournament)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 1 <= seed <= MAX_ENTRANTS):
        raise ValidationError({"seed": _("A seed is a number from 1.")})
    with transaction.atomic():
        _setting_up(_lock(tournament))
        if seed is not None and Entrant.objects.filter(tournament=tournament, seed=seed).exclude(pk=entrant.pk).exists():
            raise ValidationError({"seed": _("Seed %(n)d is taken.") % {"n": seed}})
        Entrant.objects.filter(pk=entrant.pk).update(seed=seed)
        entrant.seed = seed
        _clear_draw(tournament)
        audit.record(actor=actor, action="tournament.seeded", obj=tournament, entrant=entrant.pk, seed=seed)
    return entrant


def _clear_draw(tournament: Tournament) -> None:
    """Entrants or seeds changed: a draw made before no longer fits."""
    if Group.objects.filter(tournament=tournament).exists():
        Entrant.objects.filter(tournament=tournament).update(group=None)
        Group.objects.filter(tournament=tournament).delete()


def seed_order(entrants: Sequence[Entrant], rng: random.Random | None = None) -> list[Entrant]:
    """Seeded entrants by seed, then the unseeded in an order drawn by lot."""
    seeded = sorted((e for e in entrants if e.seed is not None), key=lambda e: e.seed)
    unseeded = sorted((e for e in entrants if e.seed is None), key=lambda e: e.pk)
    (rng or random.SystemRandom()).shuffle(unseeded)
    return seeded + unseeded


def draw_groups(
    *, actor: Person, tournament: Tournament, version: int | None = None, rng: random.Random | None = None
) -> list[Group]:
    """Deal the entrants into the groups by seed, like a snake (1→A, 2→B, … then back), the unseeded by
    lot. May be drawn again until the schedule is made."""
    require(access.can_manage_tournament(actor, tournament))
    if not tournament.has_groups:
        raise ValidationError(_("This tournament has no groups: generate the bracket."))
    if tournament.status != Status.REGISTRATION:
        raise ValidationError(_("Groups are drawn during registration."))
    with transaction.atomic():
        _lock(tournament)
        if tournament.status != Status.REGISTRATION:
            raise ValidationError(_("Groups are drawn during registration."))
        entrants = list(Entrant.objects.filter(tournament=tournament))
        g = tournament.group_count
        if len(entrants) < 2 * g:
            raise ValidationError(
                _("%(n)d entrants are too few for %(g)d groups: each group needs at least two.") % {"n": len(entrants), "g": g}
            )
        compare_and_set(tournament, version, conflict=Conflict)
        Entrant.objects.filter(tournament=tournament).update(group=None)
        Group.objects.filter(tournament=tournament).delete()
        groups = Group.objects.bulk_create([Group(tournament=tournament, number=n) for n in range(1, g + 1)])
        for group, members in zip(groups, rules.snake_groups(seed_order(entrants, rng), g), strict=True):
            Entrant.objects.filter(pk__in=[e.pk for e in members]).update(group=group)
        audit.record(actor=actor, action="tournament.groups_drawn", obj=tournament, groups=g)
    return groups


def generate_schedule(
    *, actor: Person, tournament: Tournament, version: int | None = None, rng: random.Random | None = None, now=None
) -> Tournament:
    """Make the matches and start play: a round robin in every group (the group stage), or, for a
    knockout-only tournament, the bracket from the seeds (byes to the top seeds). Every player is told."""
    require(access.can_manage_tournament(actor, tournament))
    now = now or timezone.now()
    with transaction.atomic():
        _lock(tournament)
        if tournament.status != Status.REGISTRATION:
            raise ValidationError(_("The schedule is made once, at the end of registration."))
        entrants = list(Entrant.objects.filter(tournament=tournament))
        if len(entrants) < 2:
            raise ValidationError(_("At least two entrants are needed."))
        if tournament.has_groups:
            if any(e.group_id is None for e in entrants) or not Group.objects.filter(tournament=tournament).exists():
                raise ValidationError(_("Draw the groups first."))
            _group_matches(tournament, entrants)
            to = Status.GROUPS
        else:
            _build_bracket(tournament, rules.first_round(seed_order(entrants, rng)), now)
            to = Status.KNOCKOUT
        compare_and_set(tournament, version, conflict=Conflict, status=to, updated_at=now)
        audit.record(actor=actor, action="tournament.scheduled", obj=tournament, matches=tournament.matches.count())
        _tell_players(tournament, _("The draw is out: %(t)s") % {"t": tournament.name})
    return tournament


def _group_matches(tournament: Tournament, entrants: list[Entrant]) -> None:
    by_group: dict[int, list[Entrant]] = {}
    for e in sorted(entrants, key=lambda e: (e.seed is None, e.seed or 0, e.pk)):
        by_group.setdefault(e.group_id, []).append(e)
    matches = []
    for group_id, members in by_group.items():
        for number, pairs in enumerate(rules.round_robin(members), 1):
            slot = 0
            for a, b in pairs:
                if b is None:
                    continue  # rests this round
                slot += 1
                matches.append(
                    Match(
                        tournament=tournament,
                        stage=Match.Stage.GROUP,
                        group_id=group_id,
                        round=number,
                        slot=slot,
                        entrant_a=a,
                        entrant_b=b,
                    )
                )
    Match.objects.bulk_create(matches)


def _build_bracket(tournament: Tournament, pairs: list[tuple[Entrant, Entrant | None]], now: datetime) -> None:
    """Every match of the bracket, round by round; byes decided at once and their entrants moved on."""
    matches = []
    for slot, (a, b) in enumerate(pairs, 1):
        bye = b is None
        matches.append(
            Match(
                tournament=tournament,
                stage=Match.Stage.KNOCKOUT,
                round=1,
                slot=slot,
                entrant_a=a,
                entrant_b=b,
                status=Match.Status.WALKOVER if bye else Match.Status.SCHEDULED,
                winner=a if bye else None,
                updated_at=now,
            )
        )
    count, number = len(pairs) // 2, 2
    while count >= 1:
        matches += [
            Match(tournament=tournament, stage=Match.Stage.KNOCKOUT, round=number, slot=s, updated_at=now)
            for s in range(1, count + 1)
        ]
        count, number = count // 2, number + 1
    Match.objects.bulk_create(matches)
    for slot, (a, b) in enumerate(pairs, 1):
        if b is None and len(pairs) > 1:
            _move_on(tournament, 1, slot, a)


def _move_on(tournament: Tournament, round_: int, slot: int, winner: Entrant | None) -> None:
    next_slot, side = rules.next_slot(slot)
    Match.objects.filter(tournament=tournament, stage=Match.Stage.KNOCKOUT, round=round_ + 1, slot=next_slot).update(
        **{f"entrant_{side}": winner}
    )


def _tell_players(tournament: Tournament, subject: str) -> None:
    players = Person.objects.filter(
        pk__in=Entrant.players.through.objects.filter(entrant__tournament=tournament).values("person_id"), is_active=True
    )
    notify_many([Notice(recipients=players, subject=subject, link=tournament_link(tournament))])


# --- tournaments: results ------------------------------------------------------------------------


def record_result(
    *, actor: Person, match: Match, games: Sequence[Sequence[int]], version: int | None = None, now: datetime | None = None
) -> Match:
    """A played match's games (``[[a, b], …]``, side A first), checked under the sport's rules; or a
    correction of it. Compare-and-set on the match's ``version`` (the one the user saw)."""
    tournament = match.tournament
    require(access.can_manage_tournament(actor, tournament))
    try:
        result = rules.match_result(tournament.sport, tournament.best_of, games)
    except InvalidScore as exc:
        raise ValidationError({"games": str(exc)}) from exc
    games = [[int(a), int(b)] for a, b in games]
    return _decide(actor, match, result.winner, games, Match.Status.PLAYED, version, now)


def record_walkover(
    *, actor: Person, match: Match, winner: str, version: int | None = None, now: datetime | None = None
) -> Match:
    """The other side did not play: ``winner`` ("a" or "b") goes through without games."""
    require(access.can_manage_tournament(actor, match.tournament))
    if winner not in ("a", "b"):
        raise ValidationError({"winner": _("Say which side goes through.")})
    return _decide(actor, match, winner, [], Match.Status.WALKOVER, version, now)


def _decide(actor, match: Match, side: str, games: list, status: str, version: int | None, now: datetime | None) -> Match:
    now = now or timezone.now()
    with transaction.atomic():
        tournament = _lock(match.tournament)
        current = Match.objects.filter(pk=match.pk).first()
        if current is None:
            raise ValidationError(_("This match no longer exists: the bracket was drawn again."))
        if tournament.status == Status.PUBLISHED:
            raise ValidationError(_("The results are published and final."))
        if tournament.status not in (*PLAYING_STATUSES, Status.FINISHED):
            raise ValidationError(_("Matches are played once the schedule is made."))
        if current.entrant_a_id is None or current.entrant_b_id is None:
            raise ValidationError(_("Both sides of this match are not known yet."))
        winner_id = current.entrant_a_id if side == "a" else current.entrant_b_id
        changed_winner = current.is_decided and current.winner_id != winner_id
        if current.stage == Match.Stage.GROUP and queries.knockout_started(tournament):
            raise ValidationError(_("The knockout stage has begun: group results can no longer change."))
        if current.stage == Match.Stage.KNOCKOUT and changed_winner and _next_match_played(current):
            raise ValidationError(_("The next round has been played: this winner can no longer change."))
        # compare-and-set on what the user saw (``version``), against the row as it is now
        match.status = current.status
        compare_and_set(
            match,
            version if version is not None else current.version,
            conflict=MatchConflict,
            status=status,
            games=games,
            winner_id=winner_id,
            played_at=now,
            entered_by=actor,
            updated_at=now,
        )
        match.entrant_a_id, match.entrant_b_id = current.entrant_a_id, current.entrant_b_id
        audit.record(
            actor=actor,
            action="tournament.result_corrected" if current.is_decided else "tournament.result_recorded",
            obj=tournament,
            match=match.pk,
            games=games,
            winner=winner_id,
            walkover=status == Match.Status.WALKOVER,
        )
        if current.stage == Match.Stage.GROUP:
            _after_group_result(actor, tournament, now)
        else:
            _after_knockout_result(actor, tournament, current, winner_id, now)
    return match


def _next_match_played(match: Match) -> bool:
    next_slot, _side = rules.next_slot(match.slot)
    return (
        Match.objects.filter(tournament_id=match.tournament_id, stage=Match.Stage.KNOCKOUT, round=match.round + 1, slot=next_slot)
        .exclude(status=Match.Status.SCHEDULED)
        .exists()
    )


def _after_group_result(actor: Person, tournament: Tournament, now: datetime) -> None:
    """The last group match played ends the group stage: the bracket is drawn from the tables (or, round
    robin only, the tournament is finished). A corrected group result before any knockout match is
    played draws the bracket again."""
    if Match.objects.filter(tournament=tournament, stage=Match.Stage.GROUP, status=Match.Status.SCHEDULED).exists():
        return
    if not tournament.has_bracket:
        if tournament.status == Status.GROUPS:
            compare_and_set(tournament, None, conflict=Conflict, status=Status.FINISHED, updated_at=now)
            audit.record(actor=actor, action="tournament.finished", obj=tournament)
            _tell_players(tournament, _("Final tables: %(t)s") % {"t": tournament.name})
        return
    tables = queries.group_tables(tournament)
    ranked = [[line.entrant_obj for line in table.lines] for table in tables]
    pairs = rules.group_bracket(ranked, tournament.advance_per_group)
    existing = list(
        Match.objects.filter(tournament=tournament, stage=Match.Stage.KNOCKOUT, round=1)
        .order_by("slot")
        .values_list("entrant_a_id", "entrant_b_id")
    )
    wanted = [(a.pk, b.pk if b else None) for a, b in pairs]
    if existing == wanted:
        return  # a correction that changed nobody's place
    Match.objects.filter(tournament=tournament, stage=Match.Stage.KNOCKOUT).delete()
    _build_bracket(tournament, pairs, now)
    if tournament.status == Status.GROUPS:
        compare_and_set(tournament, None, conflict=Conflict, status=Status.KNOCKOUT, updated_at=now)
        audit.record(actor=actor, action="tournament.knockout_drawn", obj=tournament)
        _tell_players(tournament, _("The knockout bracket is drawn: %(t)s") % {"t": tournament.name})
    else:
        audit.record(actor=actor, action="tournament.knockout_redrawn", obj=tournament)


def _after_knockout_result(actor: Person, tournament: Tournament, match: Match, winner_id: int, now: datetime) -> None:
    last_round = Match.objects.filter(tournament=tournament, stage=Match.Stage.KNOCKOUT).aggregate(n=Max("round"))["n"]
    if match.round < last_round:
        _move_on(tournament, match.round, match.slot, Entrant(pk=winner_id))
        return
    if tournament.status == Status.KNOCKOUT:
        compare_and_set(tournament, None, conflict=Conflict, status=Status.FINISHED, updated_at=now)
        audit.record(actor=actor, action="tournament.finished", obj=tournament, champion=winner_id)


def publish_tournament(*, actor: Person, tournament: Tournament, version: int | None = None, now=None) -> Tournament:
    """Finished → published: the results become public and final. The players are told."""
    require(access.can_manage_tournament(actor, tournament))
    now = now or timezone.now()
    with transaction.atomic():
        _lock(tournament)
        if Status.PUBLISHED not in TRANSITIONS[tournament.format][tournament.status]:
            raise ValidationError(_("Results are published once the tournament is finished."))
        compare_and_set(tournament, version, conflict=Conflict, status=Status.PUBLISHED, published_at=now, updated_at=now)
        audit.record(actor=actor, action="tournament.published", obj=tournament)
        _tell_players(tournament, _("Results published: %(t)s") % {"t": tournament.name})
    return tournament
