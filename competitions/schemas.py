"""Request and response schemas of the competitions API (``competitions.api``)."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

# --- schemas: tournaments ------------------------------------------------------------------------


class TournamentOut(Schema):
    id: int
    name: str
    sport: str
    year: int
    organiser_id: int
    organiser: str
    scope_id: int
    scope: str
    format: str
    best_of: int
    points: int = Field(..., description="A game is played to this many points, won by two clear")
    group_count: int
    advance_per_group: int
    location: str
    starts_on: date | None
    status: str
    published_at: datetime | None
    version: int

    @staticmethod
    def resolve_organiser(obj):
        return obj.organiser.name

    @staticmethod
    def resolve_scope(obj):
        return obj.scope.name


class TournamentDetailOut(TournamentOut):
    next_status: str | None
    can_manage: bool
    champion_id: int | None = None


class TournamentIn(Schema):
    name: str
    sport: str = Field(..., description="table_tennis or badminton")
    year: int
    organiser_id: int
    scope_id: int = Field(..., description="The sub-district or a community")
    format: str = Field("groups_knockout", description="groups_knockout, knockout or round_robin")
    best_of: int = Field(5, description="3 or 5")
    group_count: int = 1
    advance_per_group: int = Field(2, description="1 or 2 go through from each group to the bracket")
    location: str = ""
    starts_on: date | None = None


class EntrantOut(Schema):
    id: int
    kind: str
    name: str
    community_id: int
    community: str
    seed: int | None
    group: str | None
    players: list[str]


class EntrantIn(Schema):
    community_id: int
    name: str = Field("", description="A team's name (a player entered alone is named after them)")
    person_id: int | None = Field(None, description="A player entered alone")
    player_ids: list[int] = Field(default_factory=list, description="A team's players")
    seed: int | None = None


class SeedIn(Schema):
    seed: int | None


class GroupOut(Schema):
    id: int
    label: str
    entrant_ids: list[int]


class MatchOut(Schema):
    id: int
    stage: str
    group: str | None
    round: int
    slot: int
    entrant_a_id: int | None
    entrant_a: str | None
    entrant_b_id: int | None
    entrant_b: str | None
    games: list[list[int]] = Field(..., description="Points per game, side A first")
    winner_id: int | None
    status: str
    is_bye: bool
    played_at: datetime | None
    version: int


class ResultIn(Schema):
    games: list[list[int]] = Field(..., description="[[a, b], …] in the order played, side A first")
    version: int | None = Field(None, description="The match's version you saw; a newer one answers 409")


class WalkoverIn(Schema):
    winner: str = Field(..., description="a or b: the side that goes through")
    version: int | None = None


class LineOut(Schema):
    rank: int
    entrant_id: int
    entrant: str
    played: int
    wins: int
    losses: int
    games_won: int
    games_lost: int
    points_won: int
    points_lost: int
    decided_by: str = Field(..., description="head_to_head, games, points or seed: what placed it among those level on wins")


class TableOut(Schema):
    group: str
    complete: bool
    lines: list[LineOut]


class BracketRoundOut(Schema):
    round: int
    label: str
    matches: list[MatchOut]


# --- schemas: contests ---------------------------------------------------------------------------


class ContestOut(Schema):
    id: int
    name: str
    year: int
    organiser_id: int
    organiser: str
    scope_id: int
    scope: str
    description: str
    status: str
    published_at: datetime | None
    version: int

    @staticmethod
    def resolve_organiser(obj):
        return obj.organiser.name

    @staticmethod
    def resolve_scope(obj):
        return obj.scope.name


class RoundOut(Schema):
    id: int
    name: str
    position: int
    advance: int | None = Field(None, description="How many go on; null for the final")
    status: str
    opened_at: datetime | None
    closed_at: datetime | None
    version: int


class ContestDetailOut(ContestOut):
    rounds: list[RoundOut]
    judges: list[str] = Field(..., description="By name to signed-in users of the sub-district")
    can_manage: bool
    is_judge: bool

    @staticmethod
    def resolve_rounds(obj):
        return obj.rounds_list

    @staticmethod
    def resolve_judges(obj):
        return obj.judge_names


class ContestIn(Schema):
    name: str
    year: int
    organiser_id: int
    scope_id: int
    description: str = ""


class RoundIn(Schema):
    name: str
    advance: int | None = Field(None, description="How many go on; leave out for the final")


class EntryOut(Schema):
    id: int
    title: str
    performers: str | None = Field(None, description="Only to signed-in users of the sub-district")
    community_id: int
    community: str


class EntryIn(Schema):
    title: str
    community_id: int
    performers: str = ""


class JudgeIn(Schema):
    person_id: int


class ScoreIn(Schema):
    entry_id: int
    value: Decimal = Field(..., description="0 to 100, at most one decimal")


class ScoresIn(Schema):
    scores: list[ScoreIn]


class ScoreOut(Schema):
    entry_id: int
    judge: int = Field(..., description="The judge's number (1, 2, …) in the contest's list of judges")
    value: Decimal
    mine: bool


class RankOut(Schema):
    rank: int | None
    entry_id: int
    title: str
    community: str
    score: Decimal | None
    advanced: bool
