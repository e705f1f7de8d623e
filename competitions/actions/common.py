"""What the tournament and contest actions share: refusals, conflicts, links, the header checks."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import concurrency
from places.models import Place

from ..models import (
    COMMUNITY_KINDS,
    Contest,
    Tournament,
)

SCOPE_KINDS = (Place.Kind.SUBDISTRICT, *COMMUNITY_KINDS)
MAX_ENTRANTS = 128


class Conflict(concurrency.Conflict):
    message = gettext_lazy("Someone else changed this tournament a moment ago. Please look at it again.")


class MatchConflict(concurrency.Conflict):
    message = gettext_lazy("Someone else entered a result for this match a moment ago. Please look at it again.")


class ContestConflict(concurrency.Conflict):
    message = gettext_lazy("Someone else changed this contest a moment ago. Please look at it again.")


def tournament_link(tournament: Tournament) -> str:
    return f"/competitions/tournaments/{tournament.pk}/"


def contest_link(contest: Contest) -> str:
    return f"/competitions/contests/{contest.pk}/"


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


def trimmed(value, limit: int) -> str:
    return (value or "").strip()[:limit]


def check_header(errors: dict, *, name: str, year, organiser, scope) -> None:
    if not name:
        errors["name"] = _("Give it a name.")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        errors["year"] = _("Give the year (2000–2100).")
    if organiser is None:
        errors["organiser"] = _("Choose the organiser.")
    if scope is None or scope.kind not in SCOPE_KINDS:
        errors["scope"] = _("Choose the sub-district or a community.")
