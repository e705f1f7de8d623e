"""Who may see and do what with tournaments and contests, built on the one access policy
(``people.policy``).

- Everyone signed in sees the tournaments and contests of their sub-district (where they live or own a
  unit, or where a role of theirs lies) once out of draft: the tables, the bracket, the entrants, the
  acts, and the ranking of each closed round.
- Published results are public: anyone, signed in or not, sees a published tournament or contest.
  Persons are shown to the public by surname only (``core.masking.mask_name``); team names,
  communities and scores in full.
- Managers: the organiser's officers (chair, secretary, or a role held for it:
  ``policy.organisations_of(user, officers_only=True)``), and community staff and sub-district
  administrators whose scope covers the tournament's or contest's scope. They see drafts, add
  entrants, make the draw, enter results, set up rounds, entries and judges, close rounds and publish.
- A judge of a contest sees it (out of draft), enters only their own scores, only while the round is
  open. Nobody sees another judge's scores before the round is closed, except managers.

Everything else answers 404: "missing" and "forbidden" look the same.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from people import policy
from places.models import SEGMENT_WIDTH, Place, under_paths_q

from .models import (
    COMMUNITY_KINDS,
    VISIBLE_STATUSES,
    Contest,
    ContestRound,
    ContestStatus,
    Judge,
    Status,
    Tournament,
)

MANAGER_ROLES = policy.MANAGER_ROLES  # community staff, sub-district administrators


def _root(path: str) -> str:
    """The sub-district a path lies in: the tree's top segment."""
    return path[: SEGMENT_WIDTH + 1]


def region_paths(user) -> list[str]:
    """The sub-districts of the user: where they live or own a unit, and where their roles lie. Kept on
    the user object for the request."""
    if not policy.signed_in(user):
        return []
    cached = user.__dict__.get("_competition_regions")
    if cached is None:
        homes = list(policy.home_places(user, [Place.Kind.SUBDISTRICT]))
        roots = {_root(p) for p in homes} | {_root(p) for p in policy.scope_paths(user)}
        cached = user.__dict__["_competition_regions"] = sorted(roots)
    return cached


def _officer_of(user) -> list[int]:
    return policy.organisations_of(user, officers_only=True) if policy.signed_in(user) else []


def _manages(user, path: str, organiser_id: int) -> bool:
    if not policy.signed_in(user):
        return False
    return policy.covers(user, path, MANAGER_ROLES) or organiser_id in _officer_of(user)


def _manager_q(user) -> Q:
    return policy.scope_q(user, "path", MANAGER_ROLES) | Q(organiser_id__in=_officer_of(user))


# --- creating ----------------------------------------------------------------------------------


def can_organise(user, scope: Place, organiser) -> bool:
    """Create a tournament or contest for ``scope`` organised by ``organiser``: staff covering the scope
    (any organisation on the scope's line: above it or within it), or an officer of the organiser for a
    scope within the organisation's place."""
    if not policy.signed_in(user) or organiser is None or scope is None:
        return False
    on_line = organiser.path.startswith(scope.path) or scope.path.startswith(organiser.path)
    if not on_line:
        return False
    if policy.covers(user, scope.path, MANAGER_ROLES):
        return True
    return organiser.pk in _officer_of(user) and scope.path.startswith(organiser.path)


def may_organise_anything(user) -> bool:
    """Whether to offer "new tournament / contest" at all."""
    return policy.signed_in(user) and (policy.has_role(user, MANAGER_ROLES) or bool(_officer_of(user)))


# --- tournaments -------------------------------------------------------------------------------


def can_manage_tournament(user, tournament: Tournament) -> bool:
    return _manages(user, tournament.path, tournament.organiser_id)


def tournaments_for(user) -> QuerySet[Tournament]:
    """Every tournament the user may see: published ones for anyone; out of draft in their sub-district;
    all they manage."""
    published = Q(status=Status.PUBLISHED)
    if not policy.signed_in(user):
        return Tournament.objects.filter(published)
    region = under_paths_q("path", region_paths(user)) & Q(status__in=VISIBLE_STATUSES)
    return Tournament.objects.filter(published | region | _manager_q(user))


def can_view_tournament(user, tournament: Tournament) -> bool:
    if tournament.status == Status.PUBLISHED:
        return True
    if not policy.signed_in(user):
        return False
    if tournament.status in VISIBLE_STATUSES and _root(tournament.path) in region_paths(user):
        return True
    return can_manage_tournament(user, tournament)


def get_tournament_for(user, pk) -> Tournament:
    tournament = Tournament.objects.filter(pk=pk).select_related("organiser", "scope").first()
    if tournament is None or not can_view_tournament(user, tournament):
        raise Http404
    return tournament


def get_managed_tournament_for(user, pk) -> Tournament:
    """A tournament the user manages; anything else (visible or not) answers 404."""
    tournament = get_tournament_for(user, pk)
    if not can_manage_tournament(user, tournament):
        raise Http404
    return tournament


def shows_full_names(user, path: str) -> bool:
    """Persons by name to signed-in users of the sub-district (residents see each other by name); by
    surname only to the public."""
    return policy.signed_in(user) and (_root(path) in region_paths(user) or policy.covers(user, path))


# --- contests ----------------------------------------------------------------------------------


def is_judge(user, contest: Contest) -> bool:
    if not policy.signed_in(user):
        return False
    cache = user.__dict__.setdefault("_competition_judging", {})
    if contest.pk not in cache:
        cache[contest.pk] = Judge.objects.filter(contest=contest, person=user).exists()
    return cache[contest.pk]


def can_manage_contest(user, contest: Contest) -> bool:
    return _manages(user, contest.path, contest.organiser_id)


def contests_for(user) -> QuerySet[Contest]:
    published = Q(status=ContestStatus.PUBLISHED)
    if not policy.signed_in(user):
        return Contest.objects.filter(published)
    visible = ~Q(status=ContestStatus.DRAFT)
    region = under_paths_q("path", region_paths(user)) & visible
    judging = Q(pk__in=Judge.objects.filter(person=user).values("contest_id")) & visible
    return Contest.objects.filter(published | region | judging | _manager_q(user))


def can_view_contest(user, contest: Contest) -> bool:
    if contest.status == ContestStatus.PUBLISHED:
        return True
    if not policy.signed_in(user):
        return False
    if contest.status != ContestStatus.DRAFT and (_root(contest.path) in region_paths(user) or is_judge(user, contest)):
        return True
    return can_manage_contest(user, contest)


def get_contest_for(user, pk) -> Contest:
    contest = Contest.objects.filter(pk=pk).select_related("organiser", "scope").first()
    if contest is None or not can_view_contest(user, contest):
        raise Http404
    return contest


def get_managed_contest_for(user, pk) -> Contest:
    contest = get_contest_for(user, pk)
    if not can_manage_contest(user, contest):
        raise Http404
    return contest


def get_round_for(user, contest: Contest, pk) -> ContestRound:
    round_ = ContestRound.objects.filter(contest=contest, pk=pk).first()
    if round_ is None:
        raise Http404
    round_.contest = contest
    return round_


def can_score(user, round_: ContestRound) -> bool:
    """A judge of the contest, while the round is open."""
    return round_.status == ContestRound.Status.OPEN and is_judge(user, round_.contest)


def can_see_all_scores(user, round_: ContestRound) -> bool:
    """Every judge's scores: managers at any time; whoever sees the contest once the round is closed
    (a judge sees only their own before that)."""
    if can_manage_contest(user, round_.contest):
        return True
    return round_.status == ContestRound.Status.CLOSED and can_view_contest(user, round_.contest)


# --- choices for forms -------------------------------------------------------------------------


def scopes_for(user) -> QuerySet[Place]:
    """Places a user may hold a tournament or contest for: the sub-district and communities their staff
    roles cover, and the places of organisations they are an officer of."""
    from people.models import Organisation

    org_paths = list(Organisation.objects.filter(pk__in=_officer_of(user)).values_list("path", flat=True))
    kinds = [Place.Kind.SUBDISTRICT, *COMMUNITY_KINDS]
    return Place.objects.filter(kind__in=kinds).filter(
        policy.scope_q(user, "path", MANAGER_ROLES) | under_paths_q("path", org_paths)
    )
