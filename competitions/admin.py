"""Back office for tournaments and contests, through the same policy as the rest of the admin
(``people.admin.ScopedAdmin``): rows cut to the community staff's and sub-district administrators'
scope, changes checked again on save and audited.

The state (status, draw, results, scores, rankings) moves only through the actions on the site, which
keep the tables, the bracket and the rounds in step; here staff may only correct wording: a
tournament's or contest's name and description, where a tournament is played, an act's title and
performers. Matches and scores are view-only.
"""

from django.contrib import admin

from people.admin import ReadOnlyInline, WordingAdmin

from .models import Contest, ContestEntry, ContestRound, Entrant, Judge, Match, Score, Tournament


class EntrantInline(ReadOnlyInline):
    model = Entrant
    fields = ["name", "kind", "community", "seed", "group"]


@admin.register(Tournament)
class TournamentAdmin(WordingAdmin):
    list_display = ["name", "sport", "year", "status", "organiser", "scope"]
    list_filter = ["sport", "status", "year"]
    search_fields = ["name", "location"]
    list_select_related = ["organiser", "scope"]
    fields = [
        "name",
        "sport",
        "year",
        "organiser",
        "scope",
        "format",
        "best_of",
        "group_count",
        "advance_per_group",
        "location",
        "starts_on",
        "status",
        "published_at",
    ]
    editable_fields = ("name", "location", "starts_on")
    inlines = [EntrantInline]


@admin.register(Match)
class MatchAdmin(WordingAdmin):
    path_field = "tournament__path"
    list_display = ["__str__", "tournament", "stage", "round", "slot", "status", "played_at"]
    list_filter = ["stage", "status"]
    list_select_related = ["tournament", "entrant_a", "entrant_b"]
    fields = [
        "tournament",
        "stage",
        "group",
        "round",
        "slot",
        "entrant_a",
        "entrant_b",
        "games",
        "winner",
        "status",
        "played_at",
        "entered_by",
    ]

    def scope_path(self, obj) -> str:
        return obj.tournament.path


class RoundInline(ReadOnlyInline):
    model = ContestRound
    fields = ["position", "name", "advance", "status", "opened_at", "closed_at"]


class EntryInline(ReadOnlyInline):
    model = ContestEntry
    fields = ["title", "performers", "community"]


class JudgeInline(ReadOnlyInline):
    model = Judge
    fields = ["person", "added_at"]


@admin.register(Contest)
class ContestAdmin(WordingAdmin):
    list_display = ["name", "year", "status", "organiser", "scope"]
    list_filter = ["status", "year"]
    search_fields = ["name", "description"]
    list_select_related = ["organiser", "scope"]
    fields = ["name", "year", "organiser", "scope", "description", "status", "published_at"]
    editable_fields = ("name", "description")
    inlines = [RoundInline, EntryInline, JudgeInline]


@admin.register(ContestEntry)
class ContestEntryAdmin(WordingAdmin):
    path_field = "contest__path"
    list_display = ["title", "contest", "community"]
    search_fields = ["title", "performers"]
    list_select_related = ["contest", "community"]
    fields = ["contest", "title", "performers", "community"]
    editable_fields = ("title", "performers")

    def scope_path(self, obj) -> str:
        return obj.contest.path


@admin.register(Score)
class ScoreAdmin(WordingAdmin):
    path_field = "round__contest__path"
    list_display = ["round", "entry", "judge", "value", "updated_at"]
    list_select_related = ["round", "entry", "judge"]
    fields = ["round", "entry", "judge", "value", "entered_at", "updated_at"]

    def scope_path(self, obj) -> str:
        return obj.round.contest.path
