"""The rules of tournaments and contests as plain functions: no models, no database. The actions and
pages call these; the tests check them with tables of cases and hypothesis properties.

Tournaments (table tennis, badminton):

- A game is played to 11 (table tennis) or 21 (badminton) points and won by two clear points: at 10–10
  (table tennis, "deuce") or 20–20 (badminton) play goes on until one side leads by two. Badminton has
  a cap: at 29–29 the next point wins, so no badminton game goes past 30 (BWF Laws of Badminton §7).
- A match is the best of 3 or 5 games; it ends as soon as one side has won the majority (2 or 3).
- A round robin is drawn by the circle method: one entrant stays put, the others rotate; with an odd
  number of entrants a "bye" joins, and whoever meets it rests that round. Everyone meets everyone
  else exactly once.
- Group standings (``standings``): first by matches won. Entrants level on wins are separated by
  comparing, among exactly those entrants and only the matches between them: (1) matches won, (2) the
  ratio of games won to games lost, (3) the ratio of points won to points lost. Whenever this splits
  the tie only in part, the entrants still level are compared again, from (1), using only the matches
  among themselves. Entrants still level after that are ordered by seed (seeded before unseeded, the
  lower seed number first), then by the order of entry. A walkover counts as a win and a loss but adds
  no games and no points; x/0 counts as infinitely good for x > 0, and 0/0 as 0.
- A single-elimination bracket has room for the next power of two; the empty places are byes and fall
  to the top seeds. Seeds are placed by the standard order (1 v 8, 4 v 5, 2 v 7, 3 v 6 for eight) so
  that seeds 1 and 2 can meet only in the final, seeds 1–4 only in the semi-finals, and so on. A bye
  only ever happens in the first round.
- From groups to the bracket (``group_bracket``): group winners take the top seeds in group order
  (group A's winner is seed 1); each runner-up is placed in the half of the bracket away from its own
  group's winner where the numbers allow it, so they meet a winner of another group first and their own
  group's winner at the earliest in the final.

Contests (e.g. the skit contest 小品大赛):

- A judge's score is 0 to 100 with at most one decimal.
- An act's score in a round drops the single highest and the single lowest judge's score and averages
  the rest; with fewer than three scores nothing is dropped (plain average). The average is rounded to
  two decimals (half up), and acts are ranked on that rounded score.
- Ranking shares places between equal scores: 1, 2, 2, 4. When a round sends the top N on, every act
  ranked N or better goes on, so a tie at the cut takes them all.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import TypeVar

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

T = TypeVar("T")


class Sport(models.TextChoices):
    TABLE_TENNIS = "table_tennis", gettext_lazy("table tennis")
    BADMINTON = "badminton", gettext_lazy("badminton")


@dataclass(frozen=True)
class GameRule:
    points: int  # a game is won at this many points, by two clear…
    cap: int | None  # …or, at the latest, at this many (badminton: at 29-all the next point wins)


GAME_RULES = {
    Sport.TABLE_TENNIS: GameRule(points=11, cap=None),
    Sport.BADMINTON: GameRule(points=21, cap=30),
}
BEST_OF = (3, 5)


class InvalidScore(ValueError):
    """A game or match score the sport's rules do not allow; ``str()`` is the translated reason."""


MAX_POINTS = 99  # no real game goes near it; keeps typing slips out of the record


def _whole(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidScore(_("A game score is two whole numbers of points."))
    if value < 0:
        raise InvalidScore(_("Points cannot be negative."))
    if value > MAX_POINTS:
        raise InvalidScore(_("%(n)d points in a game is not possible here.") % {"n": value})
    return value


def check_game(sport: str, a: int, b: int) -> None:
    """Raise ``InvalidScore`` unless ``a``–``b`` is a finished game under the sport's rules."""
    rule = GAME_RULES[Sport(sport)]
    a, b = _whole(a), _whole(b)
    high, low = max(a, b), min(a, b)
    target = rule.points
    if high < target:
        raise InvalidScore(_("%(a)d–%(b)d is not finished: a game is won at %(n)d points.") % {"a": a, "b": b, "n": target})
    if rule.cap is not None and high > rule.cap:
        raise InvalidScore(_("A game ends at %(cap)d points at the latest.") % {"cap": rule.cap})
    if high == target:
        if low > target - 2:
            raise InvalidScore(
                _("%(a)d–%(b)d: from %(d)d-all a game goes on until one side leads by two points.")
                % {"a": a, "b": b, "d": target - 1}
            )
        return
    if rule.cap is not None and high == rule.cap and low == rule.cap - 1:
        return  # at 29-all the next point wins
    if high - low != 2:
        raise InvalidScore(
            _("%(a)d–%(b)d: past %(n)d points a game is won by exactly two points.") % {"a": a, "b": b, "n": target}
        )


@dataclass(frozen=True)
class MatchResult:
    winner: str  # "a" or "b"
    games_a: int
    games_b: int
    points_a: int
    points_b: int


def games_to_win(best_of: int) -> int:
    return best_of // 2 + 1


def match_result(sport: str, best_of: int, games: Sequence[Sequence[int]]) -> MatchResult:
    """The result of a match from its games (``[[a, b], …]``, side A's points first). Raises
    ``InvalidScore`` for a game the rules do not allow, a match not yet decided, or games played after
    it was decided."""
    if best_of not in BEST_OF:
        raise InvalidScore(_("A match is the best of 3 or 5 games."))
    if isinstance(games, str | bytes) or not isinstance(games, Sequence) or not games:
        raise InvalidScore(_("Enter the score of each game."))
    need = games_to_win(best_of)
    won = {"a": 0, "b": 0}
    points = {"a": 0, "b": 0}
    for number, game in enumerate(games, 1):
        if max(won.values()) == need:
            raise InvalidScore(_("The match was decided after game %(n)d; remove the games after it.") % {"n": number - 1})
        if isinstance(game, str | bytes) or not isinstance(game, Sequence) or len(game) != 2:
            raise InvalidScore(_("Game %(n)d: give the points of both sides.") % {"n": number})
        a, b = game
        try:
            check_game(sport, a, b)
        except InvalidScore as exc:
            raise InvalidScore(_("Game %(n)d: %(reason)s") % {"n": number, "reason": exc}) from exc
        won["a" if a > b else "b"] += 1
        points["a"] += a
        points["b"] += b
    if max(won.values()) < need:
        raise InvalidScore(
            _("Not decided yet: %(a)d–%(b)d in games, and the best of %(n)d needs %(k)d won.")
            % {"a": won["a"], "b": won["b"], "n": best_of, "k": need}
        )
    return MatchResult(
        winner="a" if won["a"] == need else "b",
        games_a=won["a"],
        games_b=won["b"],
        points_a=points["a"],
        points_b=points["b"],
    )


# --- round robin ------------------------------------------------------------------------------


def round_robin(entrants: Sequence[T]) -> list[list[tuple[T, T | None]]]:
    """Rounds of pairings by the circle method. With an odd number of entrants each round has one
    pairing ``(entrant, None)``: that entrant rests (a bye). Everyone meets everyone else exactly once,
    in ``n - 1`` rounds (``n`` rounds when ``n`` is odd)."""
    items: list[T | None] = list(entrants)
    if len(items) < 2:
        return []
    if len(items) % 2:
        items.append(None)
    n = len(items)
    fixed, rest = items[0], items[1:]
    rounds = []
    for number in range(n - 1):
        line = [fixed, *rest]
        pairs = []
        for i in range(n // 2):
            a, b = line[i], line[n - 1 - i]
            if i == 0 and number % 2:  # the fixed entrant alternates sides
                a, b = b, a
            if a is None:
                a, b = b, a
            pairs.append((a, b))
        rounds.append(pairs)
        rest = [rest[-1], *rest[:-1]]
    return rounds


# --- group draw ---------------------------------------------------------------------------------


def snake_groups(entrants: Sequence[T], group_count: int) -> list[list[T]]:
    """Deal entrants (best seed first) into groups like a snake: 1→A, 2→B, …, then back from the last
    group, so every group gets one of the top seeds and the strength evens out."""
    if group_count < 1:
        raise ValueError("at least one group")
    groups: list[list[T]] = [[] for _ in range(group_count)]
    for i, entrant in enumerate(entrants):
        row, col = divmod(i, group_count)
        groups[col if row % 2 == 0 else group_count - 1 - col].append(entrant)
    return groups


# --- standings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """A decided match, as the standings see it: ``games`` from A's side; empty for a walkover."""

    a: Hashable
    b: Hashable
    winner: Hashable
    games: tuple[tuple[int, int], ...] = ()
    walkover: bool = False


@dataclass
class Line:
    entrant: Hashable
    seed: int | None
    played: int = 0
    wins: int = 0
    losses: int = 0
    games_won: int = 0
    games_lost: int = 0
    points_won: int = 0
    points_lost: int = 0
    rank: int = 0
    # which rule put it where it is among the entrants level with it on wins ("" if nobody was level)
    decided_by: str = ""

    def add(self, result: Result) -> None:
        mine = result.a == self.entrant
        self.played += 1
        if result.winner == self.entrant:
            self.wins += 1
        else:
            self.losses += 1
        for a, b in result.games:
            won, lost = (a, b) if mine else (b, a)
            self.points_won += won
            self.points_lost += lost
            if won > lost:
                self.games_won += 1
            else:
                self.games_lost += 1


# What separated entrants level on wins, for the page.
HEAD_TO_HEAD, GAME_RATIO, POINT_RATIO, SEED = "head_to_head", "games", "points", "seed"
TIE_BREAKS = (HEAD_TO_HEAD, GAME_RATIO, POINT_RATIO)


def ratio(won: int, lost: int) -> Fraction | float:
    if lost:
        return Fraction(won, lost)
    return math.inf if won else Fraction(0)


def standings(entrants: Sequence[tuple[Hashable, int | None]], results: Iterable[Result]) -> list[Line]:
    """The group table: ``entrants`` as ``(key, seed)`` in order of entry, ``results`` the decided
    matches among them. Lines come back in rank order, ranks 1…n (no shared ranks: the tie-breaks, down
    to the seed and the order of entry, always separate). See the module docstring for the rules."""
    results = list(results)
    order = {key: n for n, (key, _seed) in enumerate(entrants)}
    lines = {key: Line(entrant=key, seed=seed) for key, seed in entrants}
    for r in results:
        if r.a not in lines or r.b not in lines or r.winner not in (r.a, r.b):
            raise ValueError(f"result {r!r} is not between entrants of this table")
        lines[r.a].add(r)
        lines[r.b].add(r)

    def by_seed(keys: list[Hashable]) -> list[Hashable]:
        return sorted(keys, key=lambda k: (lines[k].seed is None, lines[k].seed or 0, order[k]))

    def resolve(keys: list[Hashable]) -> list[Hashable]:
        """Order entrants level on wins, using only the matches among exactly them."""
        if len(keys) == 1:
            return keys
        members = set(keys)
        mini = {k: Line(entrant=k, seed=None) for k in keys}
        for r in results:
            if r.a in members and r.b in members:
                mini[r.a].add(r)
                mini[r.b].add(r)

        def criteria(k):
            m = mini[k]
            return (m.wins, ratio(m.games_won, m.games_lost), ratio(m.points_won, m.points_lost))

        values = {k: criteria(k) for k in keys}
        distinct = sorted(set(values.values()), reverse=True)
        if len(distinct) == 1:
            for k in keys:
                lines[k].decided_by = SEED
            return by_seed(keys)
        # the first criterion on which the level entrants differ (a part still level is resolved again)
        step = next(TIE_BREAKS[i] for i in range(3) if len({v[i] for v in values.values()}) > 1)
        ordered: list[Hashable] = []
        for value in distinct:
            part = [k for k in keys if values[k] == value]
            for k in part:
                lines[k].decided_by = step
            ordered += resolve(part) if len(part) > 1 else part
        return ordered

    ranked: list[Hashable] = []
    for wins in sorted({line.wins for line in lines.values()}, reverse=True):
        level = [k for k, _s in entrants if lines[k].wins == wins]
        ranked += resolve(level)
    out = [lines[k] for k in ranked]
    for n, line in enumerate(out, 1):
        line.rank = n
    return out


# --- single-elimination bracket -------------------------------------------------------------------


def bracket_size(n: int) -> int:
    """Places in a bracket for ``n`` entrants: the next power of two."""
    if n < 2:
        raise ValueError("a bracket needs at least two entrants")
    return 1 << (n - 1).bit_length()


def seed_order(size: int) -> list[int]:
    """Seed numbers down the bracket's lines: [1, 8, 4, 5, 2, 7, 3, 6] for eight. Seed k meets seed
    ``size + 1 - k`` first; 1 and 2 are in opposite halves, 1–4 in different quarters."""
    if size < 1 or size & (size - 1):
        raise ValueError("the size of a bracket is a power of two")
    order = [1]
    while len(order) < size:
        m = 2 * len(order)
        order = [x for s in order for x in (s, m + 1 - s)]
    return order


def first_round(entrants: Sequence[T]) -> list[tuple[T, T | None]]:
    """The first round's pairings for entrants in seed order (best first). Byes (``None``, always the
    second of a pair) fall to the top seeds."""
    size = bracket_size(len(entrants))
    line = [entrants[s - 1] if s <= len(entrants) else None for s in seed_order(size)]
    return [(line[i], line[i + 1]) for i in range(0, size, 2)]


def next_slot(slot: int) -> tuple[int, str]:
    """Where the winner of a match (slots from 1) plays next: the next round's slot, and side a or b."""
    return (slot + 1) // 2, "a" if slot % 2 else "b"


def next_round(winners: Sequence[T]) -> list[tuple[T | None, T | None]]:
    """The next round's pairings from the winners of a round, in slot order (``None``: not decided yet)."""
    if len(winners) % 2:
        raise ValueError("an even number of matches per round")
    return [(winners[i], winners[i + 1]) for i in range(0, len(winners), 2)]


def group_bracket(groups: Sequence[Sequence[T]], per_group: int) -> list[tuple[T, T | None]]:
    """The first round of the bracket from the group tables (each a list in rank order): the top
    ``per_group`` (1 or 2) of every group go through. Winners take seeds 1…g in group order; runners-up
    are placed, where the numbers allow, in the half away from their own group's winner (see the module
    docstring)."""
    if per_group not in (1, 2):
        raise ValueError("one or two go through from each group")
    if any(len(g) < per_group for g in groups):
        raise ValueError("a group has fewer entrants than go through")
    winners = [g[0] for g in groups]
    if per_group == 1:
        return first_round(winners)
    g = len(groups)
    if g == 1:
        return [(groups[0][0], groups[0][1])]
    size = bracket_size(2 * g)
    order = seed_order(size)
    position = {seed: i for i, seed in enumerate(order)}
    line: list[T | None] = [None] * size
    for i in range(g):
        line[position[i + 1]] = winners[i]
    winner_at = [position[i + 1] for i in range(g)]
    free = [position[s] for s in range(g + 1, 2 * g + 1)]
    half = size // 2

    def cost(group: int, place: int) -> int:
        if place ^ 1 == winner_at[group]:
            return 100  # would meet its own group's winner at once
        return 1 if (place < half) == (winner_at[group] < half) else 0

    best: tuple[int, list[int]] = (10**9, [])
    budget = [50_000]  # placements tried at most: the first, greedy, descent is always complete

    def search(group: int, taken: list[int], total: int) -> None:
        nonlocal best
        budget[0] -= 1
        if total >= best[0] or (budget[0] < 0 and best[1]):
            return
        if group == g:
            best = (total, list(taken))
            return
        for place in sorted((p for p in free if p not in taken), key=lambda p: (cost(group, p), p)):
            taken.append(place)
            search(group + 1, taken, total + cost(group, place))
            taken.pop()
            if best[0] == 0:
                return

    search(0, [], 0)
    for i, place in enumerate(best[1]):
        line[place] = groups[i][1]
    return [(line[i], line[i + 1]) for i in range(0, size, 2)]


# --- contests -----------------------------------------------------------------------------------

SCORE_MIN, SCORE_MAX = Decimal(0), Decimal(100)
TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


def check_score(value) -> Decimal:
    """A judge's score as a Decimal: 0 to 100 with at most one decimal. Raises ``InvalidScore``."""
    try:
        score = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise InvalidScore(_("A score is a number from 0 to 100.")) from exc
    if not score.is_finite() or not SCORE_MIN <= score <= SCORE_MAX:
        raise InvalidScore(_("A score is a number from 0 to 100."))
    if score != score.quantize(TENTH):
        raise InvalidScore(_("A score has at most one decimal (e.g. 92.5)."))
    return score.quantize(TENTH)


def dropped(scores: Sequence[Decimal]) -> tuple[int, int] | None:
    """Which two scores (indices into ``scores``) are dropped: the highest and the lowest, one each
    even when several are equal; ``None`` with fewer than three."""
    if len(scores) < 3:
        return None
    low = min(range(len(scores)), key=lambda i: (scores[i], i))
    high = max(range(len(scores)), key=lambda i: (scores[i], i))  # the last of equals: never the same as low
    return low, high


def final_score(scores: Sequence[Decimal]) -> Decimal | None:
    """Drop the highest and the lowest score and average the rest (fewer than three: the plain
    average), rounded to two decimals, half up. ``None`` without scores."""
    if not scores:
        return None
    skip = dropped(scores) or ()
    kept = [s for i, s in enumerate(scores) if i not in skip]
    return (sum(kept, Decimal(0)) / len(kept)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass
class Ranked:
    key: Hashable
    score: Decimal | None
    rank: int | None = None
    extra: dict = field(default_factory=dict)


def rank(items: Sequence[tuple[Hashable, Decimal | None]]) -> list[Ranked]:
    """Rank by score, highest first; equal scores share a place (1, 2, 2, 4). Items without a score come
    last, unranked. Equal scores keep the order given."""
    scored = sorted((i for i in items if i[1] is not None), key=lambda i: -i[1])
    out: list[Ranked] = []
    for n, (key, score) in enumerate(scored, 1):
        shared = out[-1].rank if out and out[-1].score == score else n
        out.append(Ranked(key=key, score=score, rank=shared))
    out += [Ranked(key=key, score=None) for key, score in items if score is None]
    return out


def advancing(ranked: Sequence[Ranked], places: int) -> list[Hashable]:
    """Who goes on when the top ``places`` advance: everyone ranked ``places`` or better (a tie at the
    cut takes all the tied)."""
    return [r.key for r in ranked if r.rank is not None and r.rank <= places]
