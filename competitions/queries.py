"""Reads for the tournament and contest pages and the API: a fixed number of queries per page, whatever
the number of entrants, matches, acts or scores. The tables and the bracket are computed here from the
matches (``competitions.rules``), never stored, so a corrected result shows everywhere at once.

Names: persons appear by name to signed-in users of the sub-district, by surname only to the public
(``full_names=False``); team names, communities and scores always in full.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.masking import mask_name
from people import policy
from people.models import Organisation, Person
from places.models import Place

from . import rules
from .models import (
    COMMUNITY_KINDS,
    Contest,
    ContestEntry,
    ContestRound,
    Entrant,
    Group,
    Judge,
    Match,
    Performance,
    Score,
    Tournament,
)

# --- lists -------------------------------------------------------------------------------------


def tournament_list(qs):
    return qs.select_related("organiser", "scope").annotate(entrant_count=Count("entrants")).order_by("-year", "-id")


def contest_list(qs):
    return qs.select_related("organiser", "scope").annotate(entry_count=Count("entries")).order_by("-year", "-id")


# --- tournaments -------------------------------------------------------------------------------


def label(entrant: Entrant | None, full_names: bool) -> str:
    if entrant is None:
        return ""
    if entrant.kind == Entrant.Kind.PERSON and not full_names:
        return mask_name(entrant.name)
    return entrant.name


def entrants_of(tournament: Tournament, full_names: bool = True) -> list[Entrant]:
    """The entrants with their community, group and players (two queries); ``shown`` and ``roster`` are
    the names as this reader may see them."""
    players = Prefetch("players", queryset=Person.objects.only("id", "name").order_by("name", "id"))
    entrants = list(Entrant.objects.filter(tournament=tournament).select_related("community", "group").prefetch_related(players))
    for e in entrants:
        e.shown = label(e, full_names)
        names = [p.name if full_names else mask_name(p.name) for p in e.players.all()]
        e.roster = "、".join(names) if e.kind == Entrant.Kind.TEAM else ""
    return entrants


@dataclass
class GroupTable:
    group: Group
    lines: list[rules.Line]
    matches: list[Match]
    played: int = 0

    @property
    def complete(self) -> bool:
        return self.played == len(self.matches)


def _result(m: Match) -> rules.Result:
    return rules.Result(
        a=m.entrant_a_id,
        b=m.entrant_b_id,
        winner=m.winner_id,
        games=tuple((a, b) for a, b in m.games),
        walkover=m.status == Match.Status.WALKOVER,
    )


def group_tables(tournament: Tournament, full_names: bool = True) -> list[GroupTable]:
    """Each group's table (``rules.standings``) and its matches, in three queries. Each line carries the
    entrant (``entrant_obj``); each match its two entrants."""
    groups = list(Group.objects.filter(tournament=tournament).order_by("number"))
    entrants = {e.pk: e for e in Entrant.objects.filter(tournament=tournament, group__isnull=False).select_related("community")}
    for e in entrants.values():
        e.shown = label(e, full_names)
    matches = list(Match.objects.filter(tournament=tournament, stage=Match.Stage.GROUP).order_by("group_id", "round", "slot"))
    names = tie_break_names()
    tables = []
    for group in groups:
        members = sorted((e for e in entrants.values() if e.group_id == group.pk), key=lambda e: e.pk)
        mine = [m for m in matches if m.group_id == group.pk]
        for m in mine:
            m.a, m.b = entrants.get(m.entrant_a_id), entrants.get(m.entrant_b_id)
            m.a_shown, m.b_shown = label(m.a, full_names), label(m.b, full_names)
        decided = [m for m in mine if m.is_decided]
        lines = rules.standings([(e.pk, e.seed) for e in members], [_result(m) for m in decided])
        for line in lines:
            line.entrant_obj = entrants[line.entrant]
            line.decided_label = names.get(line.decided_by, "")
        tables.append(GroupTable(group=group, lines=lines, matches=mine, played=len(decided)))
    return tables


def tie_break_names() -> dict[str, str]:
    return {
        rules.HEAD_TO_HEAD: _("head-to-head wins"),
        rules.GAME_RATIO: _("game ratio"),
        rules.POINT_RATIO: _("point ratio"),
        rules.SEED: _("seed"),
    }


def round_label(number: int, rounds: int) -> str:
    """Final, semi-finals, quarter-finals, round of 16…"""
    left = rounds - number
    if left == 0:
        return _("Final")
    if left == 1:
        return _("Semi-finals")
    if left == 2:
        return _("Quarter-finals")
    size = 2 ** (left + 1)
    return ngettext("Round of %(n)d", "Round of %(n)d", size) % {"n": size}


@dataclass
class BracketRound:
    number: int
    label: str
    matches: list[Match] = field(default_factory=list)


def bracket(tournament: Tournament, full_names: bool = True) -> list[BracketRound]:
    """The knockout matches round by round, each with its entrants (one query)."""
    matches = list(
        Match.objects.filter(tournament=tournament, stage=Match.Stage.KNOCKOUT)
        .select_related("entrant_a__community", "entrant_b__community")
        .order_by("round", "slot")
    )
    if not matches:
        return []
    rounds = max(m.round for m in matches)
    out = {n: BracketRound(number=n, label=round_label(n, rounds)) for n in range(1, rounds + 1)}
    for m in matches:
        m.a, m.b = m.entrant_a, m.entrant_b
        m.a_shown, m.b_shown = label(m.a, full_names), label(m.b, full_names)
        for entrant in (m.a, m.b):
            if entrant is not None:
                entrant.shown = label(entrant, full_names)
        out[m.round].matches.append(m)
    return list(out.values())


def champion(rounds: list[BracketRound]) -> Entrant | None:
    if not rounds or len(rounds[-1].matches) != 1:
        return None
    final = rounds[-1].matches[0]
    if not final.is_decided:
        return None
    return final.a if final.winner_id == final.entrant_a_id else final.b


def knockout_started(tournament: Tournament) -> bool:
    """A knockout match has a result (byes do not count): from then on the group results are fixed."""
    return (
        Match.objects.filter(tournament=tournament, stage=Match.Stage.KNOCKOUT, entrant_a__isnull=False, entrant_b__isnull=False)
        .exclude(status=Match.Status.SCHEDULED)
        .exists()
    )


def get_match(tournament: Tournament, pk) -> Match | None:
    m = (
        Match.objects.filter(tournament=tournament, pk=pk)
        .select_related("entrant_a__community", "entrant_b__community", "group", "entered_by")
        .first()
    )
    if m is not None:
        m.tournament = tournament
        m.a, m.b = m.entrant_a, m.entrant_b
        m.a_shown, m.b_shown = label(m.a, True), label(m.b, True)
    return m


def communities_under(place: Place) -> list[Place]:
    return list(Place.objects.filter(path__startswith=place.path, kind__in=COMMUNITY_KINDS).order_by("name"))


ORGANISER_KINDS = (
    Organisation.Kind.SUBDISTRICT_OFFICE,
    Organisation.Kind.RESIDENTS_COMMITTEE,
    Organisation.Kind.PARTY_COMMITTEE,
    Organisation.Kind.CULTURAL,
    Organisation.Kind.SELF_ORGANISATION,
    Organisation.Kind.MUTUAL_AID,
)


def organisers_for(user, scope_paths: list[str], officer_of: list[int]) -> list[Organisation]:
    """Organisations a user may name as organiser: those they are an officer of, and those of the kinds
    that hold such events within (or above) the places their staff roles cover."""
    from places.models import ancestor_paths, under_paths_q

    above = {a for p in scope_paths for a in ancestor_paths(p)}
    q = Q(pk__in=officer_of) | ((under_paths_q("path", scope_paths) | Q(path__in=above)) & Q(kind__in=ORGANISER_KINDS))
    return list(Organisation.objects.filter(q).order_by("kind", "name")[:500])


# --- contests ----------------------------------------------------------------------------------


@dataclass
class Row:
    """An act in a round as a reader sees it."""

    performance: Performance
    entry: ContestEntry
    scores: list[Decimal | None]  # by judge, in the judges' order; None: not scored (or not shown)
    dropped: tuple[int, int] | None = None
    score: Decimal | None = None  # the final score (closed round) or the standing so far (managers)
    rank: int | None = None
    advanced: bool = False
    mine: Decimal | None = None  # the reading judge's own score


@dataclass
class RoundView:
    round: ContestRound
    rows: list[Row]
    shows_scores: bool
    shows_ranking: bool
    scored: int = 0
    expected: int = 0


def contest_page(contest: Contest, user, *, manager: bool, judge: bool) -> dict:
    """Rounds, acts, judges and the scores this reader may see, in five queries. Before a round is
    closed only managers see its scores (and the standing so far); a judge sees their own."""
    rounds = list(ContestRound.objects.filter(contest=contest).order_by("position"))
    entries = {e.pk: e for e in ContestEntry.objects.filter(contest=contest).select_related("community").order_by("id")}
    judges = list(Judge.objects.filter(contest=contest).select_related("person").order_by("id"))
    performances = list(Performance.objects.filter(round__contest=contest).order_by("round__position", "position"))
    closed = [r.pk for r in rounds if r.status == ContestRound.Status.CLOSED]
    visible = Q(round_id__in=closed)
    if manager:
        visible = Q()
    elif judge:
        visible |= Q(judge=user)
    scores = list(
        Score.objects.filter(round__contest=contest).filter(visible).values_list("round_id", "entry_id", "judge_id", "value")
    )
    sheet = {(r, e, j): v for r, e, j, v in scores}
    order = [j.person_id for j in judges]
    views = []
    for r in rounds:
        is_closed = r.status == ContestRound.Status.CLOSED
        shows_scores = manager or is_closed
        rows = []
        scored = 0
        for p in (p for p in performances if p.round_id == r.pk):
            values = [sheet.get((r.pk, p.entry_id, j)) for j in order]
            scored += sum(v is not None for v in values)
            row = Row(performance=p, entry=entries[p.entry_id], scores=values if shows_scores else [])
            if judge and policy.signed_in(user):
                row.mine = sheet.get((r.pk, p.entry_id, user.pk))
            given = [v for v in values if v is not None]
            if is_closed:
                row.score, row.rank, row.advanced = p.final_score, p.rank, p.advanced
                present = [i for i, v in enumerate(values) if v is not None]
                skip = rules.dropped([values[i] for i in present])
                row.dropped = tuple(present[i] for i in skip) if skip else None
            elif manager and given:
                row.score = rules.final_score(given)
            rows.append(row)
        if manager and not is_closed:
            places = {r.key: r.rank for r in rules.rank([(row.entry.pk, row.score) for row in rows])}
            for row in rows:
                row.rank = places[row.entry.pk]
        if is_closed or manager:
            rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.performance.position))
        views.append(
            RoundView(
                round=r,
                rows=rows,
                shows_scores=shows_scores,
                shows_ranking=is_closed or manager,
                scored=scored if manager else 0,
                expected=len(rows) * len(judges),
            )
        )
    return {"rounds": views, "entries": list(entries.values()), "judges": judges}


def judge_sheet(round_: ContestRound, judge) -> list[tuple[Performance, ContestEntry, Decimal | None]]:
    """A judge's scoring page: the acts of the round in running order with the judge's own score (two queries)."""
    performances = list(Performance.objects.filter(round=round_).select_related("entry__community").order_by("position"))
    mine = dict(Score.objects.filter(round=round_, judge=judge).values_list("entry_id", "value"))
    return [(p, p.entry, mine.get(p.entry_id)) for p in performances]


def final_ranking(contest: Contest) -> list[Row]:
    """The last closed round's ranking (the contest's result once the final is closed)."""
    last = ContestRound.objects.filter(contest=contest, status=ContestRound.Status.CLOSED).order_by("-position").first()
    if last is None:
        return []
    performances = Performance.objects.filter(round=last).select_related("entry__community").order_by("rank", "position")
    return [
        Row(performance=p, entry=p.entry, scores=[], score=p.final_score, rank=p.rank, advanced=p.advanced) for p in performances
    ]
