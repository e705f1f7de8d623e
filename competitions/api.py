"""JSON API for tournaments and contests (mounted at /api/competitions in config/api.py).

Every endpoint asks ``access`` exactly as the pages do: what the user may not see answers 404, a
refusal 400, a change someone else made first 409. The reads of published results need no sign-in
(like the pages); everything else needs a session or an API token. Persons appear by name only, and to
the public (and readers outside the sub-district) by surname only; never a mobile number.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from cases.api import Error
from core.masking import mask_name
from meetings.api import VersionIn
from people.api import AUTH
from people.models import Organisation, Person
from places.models import Place

from . import access, actions, queries
from .models import ContestEntry, ContestRound, Entrant, Match, Score, Tournament
from .schemas import (
    BracketRoundOut,
    ContestDetailOut,
    ContestIn,
    ContestOut,
    EntrantIn,
    EntrantOut,
    EntryIn,
    EntryOut,
    GroupOut,
    JudgeIn,
    MatchOut,
    RankOut,
    ResultIn,
    RoundIn,
    RoundOut,
    ScoreOut,
    ScoresIn,
    SeedIn,
    TableOut,
    TournamentDetailOut,
    TournamentIn,
    TournamentOut,
    WalkoverIn,
)

router = Router(tags=["competitions"], auth=AUTH)


def _anyone(request):
    """Published results are public: after the token and the session, let the anonymous in too."""
    return "anonymous"


PUBLIC = [*AUTH, _anyone]


# --- helpers -------------------------------------------------------------------------------------


def _place(pk: int, field: str) -> Place:
    place = Place.objects.filter(pk=pk).first()
    if place is None:
        raise ValidationError({field: _("There is no place #%(n)s.") % {"n": pk}})
    return place


def _organisation(pk: int) -> Organisation:
    org = Organisation.objects.filter(pk=pk).first()
    if org is None:
        raise ValidationError({"organiser_id": _("There is no organisation #%(n)s.") % {"n": pk}})
    return org


def _full(request, path: str, manager: bool = False) -> bool:
    return manager or access.shows_full_names(request.user, path)


def _match_out(m: Match, full: bool) -> dict:
    return {
        "id": m.pk,
        "stage": m.stage,
        "group": m.group.label if m.group_id and m.group else None,
        "round": m.round,
        "slot": m.slot,
        "entrant_a_id": m.entrant_a_id,
        "entrant_a": queries.label(m.entrant_a, full) or None,
        "entrant_b_id": m.entrant_b_id,
        "entrant_b": queries.label(m.entrant_b, full) or None,
        "games": m.games,
        "winner_id": m.winner_id,
        "status": m.status,
        "is_bye": m.is_bye,
        "played_at": m.played_at,
        "version": m.version,
    }


def _tournament_detail(request, t: Tournament) -> Tournament:
    t.can_manage = access.can_manage_tournament(request.user, t)
    champion = queries.champion(queries.bracket(t)) if t.has_bracket and t.status in ("finished", "published") else None
    t.champion_id = champion.pk if champion else None
    return t


def _resident(pk: int, community: Place, field: str) -> Person:
    """A player by id: a resident of the community they represent; anyone else reads like a missing id."""
    person = Person.objects.filter(pk=pk).first()
    if person is None or not actions.eligible(person, community):
        raise ValidationError({field: _("There is no resident #%(n)s of %(c)s.") % {"n": pk, "c": community.name}})
    return person


def _entrant(t: Tournament, entrant_id: int) -> Entrant:
    entrant = Entrant.objects.filter(tournament=t, pk=entrant_id).first()
    if entrant is None:
        raise Http404
    entrant.tournament = t
    return entrant


def _entrants_out(request, t: Tournament) -> list[dict]:
    full = _full(request, t.path, access.can_manage_tournament(request.user, t))
    return [
        {
            "id": e.pk,
            "kind": e.kind,
            "name": e.shown,
            "community_id": e.community_id,
            "community": e.community.name,
            "seed": e.seed,
            "group": e.group.label if e.group else None,
            "players": [p.name if full else mask_name(p.name) for p in e.players.all()],
        }
        for e in queries.entrants_of(t, full)
    ]


# --- tournaments -----------------------------------------------------------------------------------


@router.get("/tournaments", response=list[TournamentOut], auth=PUBLIC)
@paginate(LimitOffsetPagination)
def list_tournaments(request, year: int | None = None, status: str = "", sport: str = ""):
    """Tournaments you may see, latest first: published ones for anyone, those of your sub-district once
    out of draft, all you manage."""
    qs = access.tournaments_for(request.user).select_related("organiser", "scope")
    if year is not None:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if sport:
        qs = qs.filter(sport=sport)
    return qs.order_by("-year", "-id")


@router.post("/tournaments", response={201: TournamentDetailOut, 400: Error, 404: Error})
def create_tournament(request, payload: TournamentIn):
    """A draft tournament: staff covering the scope, or an officer of the organiser."""
    scope, organiser = _place(payload.scope_id, "scope_id"), _organisation(payload.organiser_id)
    if not access.can_organise(request.user, scope, organiser):
        raise Http404
    t = actions.create_tournament(
        actor=request.user,
        name=payload.name,
        sport=payload.sport,
        year=payload.year,
        organiser=organiser,
        scope=scope,
        format=payload.format,
        best_of=payload.best_of,
        group_count=payload.group_count,
        advance_per_group=payload.advance_per_group,
        location=payload.location,
        starts_on=payload.starts_on,
    )
    return Status(201, _tournament_detail(request, access.get_tournament_for(request.user, t.pk)))


@router.get("/tournaments/{int:tournament_id}", response={200: TournamentDetailOut, 404: Error}, auth=PUBLIC)
def get_tournament(request, tournament_id: int):
    return _tournament_detail(request, access.get_tournament_for(request.user, tournament_id))


@router.post(
    "/tournaments/{int:tournament_id}/registration", response={200: TournamentDetailOut, 400: Error, 404: Error, 409: Error}
)
def open_registration(request, tournament_id: int, payload: VersionIn):
    t = access.get_managed_tournament_for(request.user, tournament_id)
    actions.open_registration(actor=request.user, tournament=t, version=payload.version)
    return _tournament_detail(request, t)


@router.get("/tournaments/{int:tournament_id}/entrants", response={200: list[EntrantOut], 404: Error}, auth=PUBLIC)
def list_entrants(request, tournament_id: int):
    return _entrants_out(request, access.get_tournament_for(request.user, tournament_id))


@router.post("/tournaments/{int:tournament_id}/entrants", response={201: list[EntrantOut], 400: Error, 404: Error})
def add_entrant(request, tournament_id: int, payload: EntrantIn):
    """A player (``person_id``) or a team (``name``, ``player_ids``) representing a community; every player
    lives or owns a home there. Before the schedule is made."""
    t = access.get_managed_tournament_for(request.user, tournament_id)
    community = _place(payload.community_id, "community_id")
    person = _resident(payload.person_id, community, "person_id") if payload.person_id is not None else None
    players = [_resident(pk, community, "player_ids") for pk in payload.player_ids]
    actions.add_entrant(
        actor=request.user,
        tournament=t,
        community=community,
        name=payload.name,
        person=person,
        players=players,
        seed=payload.seed,
    )
    return Status(201, _entrants_out(request, t))


@router.put(
    "/tournaments/{int:tournament_id}/entrants/{int:entrant_id}/seed", response={200: list[EntrantOut], 400: Error, 404: Error}
)
def set_seed(request, tournament_id: int, entrant_id: int, payload: SeedIn):
    t = access.get_managed_tournament_for(request.user, tournament_id)
    actions.set_seed(actor=request.user, entrant=_entrant(t, entrant_id), seed=payload.seed)
    return _entrants_out(request, t)


@router.delete("/tournaments/{int:tournament_id}/entrants/{int:entrant_id}", response={204: None, 400: Error, 404: Error})
def remove_entrant(request, tournament_id: int, entrant_id: int):
    t = access.get_managed_tournament_for(request.user, tournament_id)
    actions.remove_entrant(actor=request.user, entrant=_entrant(t, entrant_id))
    return Status(204, None)


@router.post("/tournaments/{int:tournament_id}/draw", response={200: list[GroupOut], 400: Error, 404: Error, 409: Error})
def draw_groups(request, tournament_id: int, payload: VersionIn):
    """Deal the entrants into the groups by seed like a snake; the unseeded by lot. Again until the schedule is made."""
    t = access.get_managed_tournament_for(request.user, tournament_id)
    groups = actions.draw_groups(actor=request.user, tournament=t, version=payload.version)
    members = dict.fromkeys((g.pk for g in groups), ())
    for group_id, entrant_id in Entrant.objects.filter(tournament=t).values_list("group_id", "id").order_by("id"):
        members[group_id] = (*members.get(group_id, ()), entrant_id)
    return [{"id": g.pk, "label": g.label, "entrant_ids": list(members[g.pk])} for g in groups]


@router.post("/tournaments/{int:tournament_id}/schedule", response={200: TournamentDetailOut, 400: Error, 404: Error, 409: Error})
def generate_schedule(request, tournament_id: int, payload: VersionIn):
    """Make the matches and start play: the round robin in each group, or the bracket from the seeds."""
    t = access.get_managed_tournament_for(request.user, tournament_id)
    actions.generate_schedule(actor=request.user, tournament=t, version=payload.version)
    return _tournament_detail(request, t)


@router.post("/tournaments/{int:tournament_id}/publish", response={200: TournamentDetailOut, 400: Error, 404: Error, 409: Error})
def publish_tournament(request, tournament_id: int, payload: VersionIn):
    t = access.get_managed_tournament_for(request.user, tournament_id)
    actions.publish_tournament(actor=request.user, tournament=t, version=payload.version)
    return _tournament_detail(request, t)


@router.get("/tournaments/{int:tournament_id}/matches", response={200: list[MatchOut], 404: Error}, auth=PUBLIC)
def list_matches(request, tournament_id: int, stage: str = ""):
    t = access.get_tournament_for(request.user, tournament_id)
    full = _full(request, t.path, access.can_manage_tournament(request.user, t))
    qs = Match.objects.filter(tournament=t).select_related("entrant_a", "entrant_b", "group")
    if stage:
        qs = qs.filter(stage=stage)
    return [_match_out(m, full) for m in qs.order_by("stage", "group__number", "round", "slot")]


def _match(request, tournament_id: int, match_id: int, manage: bool = False) -> tuple[Tournament, Match]:
    fetch = access.get_managed_tournament_for if manage else access.get_tournament_for
    t = fetch(request.user, tournament_id)
    m = queries.get_match(t, match_id)
    if m is None:
        raise Http404
    return t, m


@router.get("/tournaments/{int:tournament_id}/matches/{int:match_id}", response={200: MatchOut, 404: Error}, auth=PUBLIC)
def get_match(request, tournament_id: int, match_id: int):
    t, m = _match(request, tournament_id, match_id)
    return _match_out(m, _full(request, t.path, access.can_manage_tournament(request.user, t)))


@router.post(
    "/tournaments/{int:tournament_id}/matches/{int:match_id}/result", response={200: MatchOut, 400: Error, 404: Error, 409: Error}
)
def record_result(request, tournament_id: int, match_id: int, payload: ResultIn):
    """Record (or correct) a match's games; checked under the sport's rules. Tables, the bracket and the
    next round follow. A ``version`` older than the match's answers 409."""
    t, m = _match(request, tournament_id, match_id, manage=True)
    actions.record_result(actor=request.user, match=m, games=payload.games, version=payload.version)
    return _match_out(queries.get_match(t, match_id), True)


@router.post(
    "/tournaments/{int:tournament_id}/matches/{int:match_id}/walkover",
    response={200: MatchOut, 400: Error, 404: Error, 409: Error},
)
def record_walkover(request, tournament_id: int, match_id: int, payload: WalkoverIn):
    t, m = _match(request, tournament_id, match_id, manage=True)
    actions.record_walkover(actor=request.user, match=m, winner=payload.winner, version=payload.version)
    return _match_out(queries.get_match(t, match_id), True)


@router.get("/tournaments/{int:tournament_id}/standings", response={200: list[TableOut], 404: Error}, auth=PUBLIC)
def standings(request, tournament_id: int):
    """Each group's table with the tie-breaks applied (see the group tables page for the rules)."""
    t = access.get_tournament_for(request.user, tournament_id)
    full = _full(request, t.path, access.can_manage_tournament(request.user, t))
    return [
        {
            "group": table.group.label,
            "complete": table.complete,
            "lines": [
                {
                    "rank": line.rank,
                    "entrant_id": line.entrant,
                    "entrant": line.entrant_obj.shown,
                    "played": line.played,
                    "wins": line.wins,
                    "losses": line.losses,
                    "games_won": line.games_won,
                    "games_lost": line.games_lost,
                    "points_won": line.points_won,
                    "points_lost": line.points_lost,
                    "decided_by": line.decided_by,
                }
                for line in table.lines
            ],
        }
        for table in queries.group_tables(t, full)
    ]


@router.get("/tournaments/{int:tournament_id}/bracket", response={200: list[BracketRoundOut], 404: Error}, auth=PUBLIC)
def bracket(request, tournament_id: int):
    """The knockout matches round by round (empty until the bracket is drawn)."""
    t = access.get_tournament_for(request.user, tournament_id)
    full = _full(request, t.path, access.can_manage_tournament(request.user, t))
    return [
        {"round": r.number, "label": r.label, "matches": [_match_out(m, full) for m in r.matches]}
        for r in queries.bracket(t, full)
    ]


# --- contests -------------------------------------------------------------------------------------


def _contest_detail(request, contest):
    user = request.user
    contest.can_manage = access.can_manage_contest(user, contest)
    contest.is_judge = access.is_judge(user, contest)
    full = _full(request, contest.path, contest.can_manage or contest.is_judge)
    contest.rounds_list = list(contest.rounds.order_by("position"))
    judges = contest.judge_rows.select_related("person").order_by("id")
    contest.judge_names = [j.person.name if full else mask_name(j.person.name) for j in judges]
    return contest


def _round(request, contest_id: int, round_id: int, manage: bool = False):
    fetch = access.get_managed_contest_for if manage else access.get_contest_for
    contest = fetch(request.user, contest_id)
    return contest, access.get_round_for(request.user, contest, round_id)


@router.get("/contests", response=list[ContestOut], auth=PUBLIC)
@paginate(LimitOffsetPagination)
def list_contests(request, year: int | None = None, status: str = ""):
    qs = access.contests_for(request.user).select_related("organiser", "scope")
    if year is not None:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-year", "-id")


@router.post("/contests", response={201: ContestDetailOut, 400: Error, 404: Error})
def create_contest(request, payload: ContestIn):
    scope, organiser = _place(payload.scope_id, "scope_id"), _organisation(payload.organiser_id)
    if not access.can_organise(request.user, scope, organiser):
        raise Http404
    contest = actions.create_contest(
        actor=request.user,
        name=payload.name,
        year=payload.year,
        organiser=organiser,
        scope=scope,
        description=payload.description,
    )
    return Status(201, _contest_detail(request, access.get_contest_for(request.user, contest.pk)))


@router.get("/contests/{int:contest_id}", response={200: ContestDetailOut, 404: Error}, auth=PUBLIC)
def get_contest(request, contest_id: int):
    return _contest_detail(request, access.get_contest_for(request.user, contest_id))


@router.post("/contests/{int:contest_id}/publish", response={200: ContestDetailOut, 400: Error, 404: Error, 409: Error})
def publish_contest(request, contest_id: int, payload: VersionIn):
    contest = access.get_managed_contest_for(request.user, contest_id)
    actions.publish_contest(actor=request.user, contest=contest, version=payload.version)
    return _contest_detail(request, contest)


@router.post("/contests/{int:contest_id}/rounds", response={201: RoundOut, 400: Error, 404: Error})
def add_round(request, contest_id: int, payload: RoundIn):
    """A round after the last: a preliminary sends the top ``advance`` on; the final (no ``advance``) is last."""
    contest = access.get_managed_contest_for(request.user, contest_id)
    return Status(201, actions.add_round(actor=request.user, contest=contest, name=payload.name, advance=payload.advance))


@router.post(
    "/contests/{int:contest_id}/rounds/{int:round_id}/open", response={200: RoundOut, 400: Error, 404: Error, 409: Error}
)
def open_round(request, contest_id: int, round_id: int, payload: VersionIn):
    """Open for scoring; the acts are drawn into a running order; the judges are told."""
    _contest, round_ = _round(request, contest_id, round_id, manage=True)
    return actions.open_round(actor=request.user, round_=round_, version=payload.version)


@router.post(
    "/contests/{int:contest_id}/rounds/{int:round_id}/close", response={200: RoundOut, 400: Error, 404: Error, 409: Error}
)
def close_round(request, contest_id: int, round_id: int, payload: VersionIn):
    """Close once every judge scored every act: rank the acts and send the top ``advance`` on."""
    _contest, round_ = _round(request, contest_id, round_id, manage=True)
    return actions.close_round(actor=request.user, round_=round_, version=payload.version)


@router.get("/contests/{int:contest_id}/entries", response={200: list[EntryOut], 404: Error}, auth=PUBLIC)
def list_entries(request, contest_id: int):
    contest = access.get_contest_for(request.user, contest_id)
    full = _full(
        request, contest.path, access.can_manage_contest(request.user, contest) or access.is_judge(request.user, contest)
    )
    return [
        {
            "id": e.pk,
            "title": e.title,
            "performers": e.performers if full else None,
            "community_id": e.community_id,
            "community": e.community.name,
        }
        for e in ContestEntry.objects.filter(contest=contest).select_related("community").order_by("id")
    ]


@router.post("/contests/{int:contest_id}/entries", response={201: EntryOut, 400: Error, 404: Error})
def add_entry(request, contest_id: int, payload: EntryIn):
    contest = access.get_managed_contest_for(request.user, contest_id)
    entry = actions.add_entry(
        actor=request.user,
        contest=contest,
        title=payload.title,
        community=_place(payload.community_id, "community_id"),
        performers=payload.performers,
    )
    return Status(
        201,
        {
            "id": entry.pk,
            "title": entry.title,
            "performers": entry.performers,
            "community_id": entry.community_id,
            "community": entry.community.name,
        },
    )


@router.delete("/contests/{int:contest_id}/entries/{int:entry_id}", response={204: None, 400: Error, 404: Error})
def remove_entry(request, contest_id: int, entry_id: int):
    contest = access.get_managed_contest_for(request.user, contest_id)
    entry = ContestEntry.objects.filter(contest=contest, pk=entry_id).first()
    if entry is None:
        raise Http404
    entry.contest = contest
    actions.remove_entry(actor=request.user, entry=entry)
    return Status(204, None)


@router.post("/contests/{int:contest_id}/judges", response={201: ContestDetailOut, 400: Error, 404: Error})
def add_judge(request, contest_id: int, payload: JudgeIn):
    """Name a judge: someone you may name, or someone living in the contest's scope."""
    contest = access.get_managed_contest_for(request.user, contest_id)
    person = Person.objects.filter(pk=payload.person_id).first()
    if person is None or not actions.may_judge(request.user, contest, person):
        raise ValidationError(
            {"person_id": _("There is no person #%(n)s among the people you may name.") % {"n": payload.person_id}}
        )
    actions.add_judge(actor=request.user, contest=contest, person=person)
    return Status(201, _contest_detail(request, contest))


@router.delete("/contests/{int:contest_id}/judges/{int:person_id}", response={204: None, 400: Error, 404: Error})
def remove_judge(request, contest_id: int, person_id: int):
    contest = access.get_managed_contest_for(request.user, contest_id)
    person = contest.judges.filter(pk=person_id).first()
    if person is None:
        raise Http404
    actions.remove_judge(actor=request.user, contest=contest, person=person)
    return Status(204, None)


def _scores_out(request, contest, round_: ContestRound) -> list[dict]:
    order = {pk: n for n, pk in enumerate(contest.judge_rows.order_by("id").values_list("person_id", flat=True), 1)}
    qs = Score.objects.filter(round=round_)
    if not access.can_see_all_scores(request.user, round_):
        if not access.is_judge(request.user, contest):
            raise Http404
        qs = qs.filter(judge=request.user)
    me = getattr(request.user, "pk", None)
    return [
        {"entry_id": e, "judge": order.get(j, 0), "value": v, "mine": j == me}
        for e, j, v in qs.order_by("entry_id", "judge_id").values_list("entry_id", "judge_id", "value")
    ]


@router.get("/contests/{int:contest_id}/rounds/{int:round_id}/scores", response={200: list[ScoreOut], 404: Error}, auth=PUBLIC)
def list_scores(request, contest_id: int, round_id: int):
    """Every judge's scores once the round is closed (managers: at any time); a judge sees their own before."""
    contest, round_ = _round(request, contest_id, round_id)
    return _scores_out(request, contest, round_)


@router.put("/contests/{int:contest_id}/rounds/{int:round_id}/scores", response={200: list[ScoreOut], 400: Error, 404: Error})
def enter_scores(request, contest_id: int, round_id: int, payload: ScoresIn):
    """A judge's own scores for acts of the open round, all or none (entering one again corrects it)."""
    contest, round_ = _round(request, contest_id, round_id)
    if not access.is_judge(request.user, contest):
        raise Http404
    actions.enter_scores(actor=request.user, round_=round_, values={s.entry_id: s.value for s in payload.scores})
    return _scores_out(request, contest, round_)


@router.get("/contests/{int:contest_id}/ranking", response={200: list[RankOut], 404: Error}, auth=PUBLIC)
def ranking(request, contest_id: int, round_id: int | None = None):
    """The ranking of a round (default: the last closed one, the result once the final is closed): for a
    closed round to whoever sees the contest; managers also get the standing so far of an open one."""
    contest = access.get_contest_for(request.user, contest_id)
    manager = access.can_manage_contest(request.user, contest)
    page = queries.contest_page(contest, request.user, manager=manager, judge=False)
    views = page["rounds"]
    if round_id is not None:
        view = next((v for v in views if v.round.pk == round_id), None)
    else:
        view = next((v for v in reversed(views) if v.round.status == ContestRound.Status.CLOSED), None)
    if view is None or not view.shows_ranking:
        raise Http404
    return [
        {
            "rank": row.rank,
            "entry_id": row.entry.pk,
            "title": row.entry.title,
            "community": row.entry.community.name,
            "score": row.score,
            "advanced": row.advanced,
        }
        for row in view.rows
    ]
