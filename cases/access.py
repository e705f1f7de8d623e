"""Who may see and do what with cases, built on the one access policy (``people.policy``).

- Leaders (building, lane, street), community staff and sub-district administrators: every case in
  their scope. Leaders respond, accept, work on and resolve (persuasion on the spot); community staff
  and administrators also reject, merge and assign.
- Property staff: the cases handled by their company, inside the compounds it serves.
- Owners' committee members: the cases handled by their owners' committee, inside their scope.
- The reporter: their own case (confirm, reopen within 7 days, rate, comment).
- Neighbours (residents and owners in the same compound): public cases, never who reported them.

Everything else answers 404.
"""

from functools import cached_property

from django.db.models import Q, QuerySet
from django.http import Http404

from people import policy
from people.models import Organisation, Role
from places.models import Place, under_paths_q

from .models import Case, Status

LEADER_ROLES = policy.LEADER_ROLES
# Everyone who works on every case in their scope.
OVERSIGHT_ROLES = LEADER_ROLES | {Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN}
MANAGER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN})
# Who may record a case on someone's behalf (a phone call, a word in the lobby).
RECORDER_ROLES = OVERSIGHT_ROLES
REOPEN_DAYS = 7

# Staff verbs and the status each leads to; who may use them is decided by ``allowed_actions``.
ACTION_STATUS = {
    "accept": Status.ACCEPTED,
    "start": Status.IN_PROGRESS,
    "resolve": Status.RESOLVED,
    "reject": Status.REJECTED,
    "merge": Status.MERGED,
    "confirm": Status.CONFIRMED,
    "reopen": Status.REOPENED,
}
HANDLER_ACTIONS = frozenset({"accept", "start", "resolve"})
MANAGER_ACTIONS = HANDLER_ACTIONS | {"reject", "merge"}
REPORTER_ACTIONS = frozenset({"confirm", "reopen"})


class _Grants:
    """The organisations a user works for on cases, loaded once per request."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def rows(self) -> list[tuple[str, int | None, str]]:
        kinds = (Role.PROPERTY_STAFF, Role.OWNERS_COMMITTEE)
        return [(role, org, path) for role, path, org in policy.role_rows(self.user) if role in kinds]

    @cached_property
    def company_ids(self) -> list[int]:
        return [org for role, org, _ in self.rows if role == Role.PROPERTY_STAFF and org]


def _grants(user) -> _Grants:
    grants = getattr(user, "_linli_case_grants", None)
    if grants is None:
        grants = _Grants(user)
        if getattr(user, "is_authenticated", False):
            user._linli_case_grants = grants
    return grants


def staff_q(user) -> Q:
    """Cases a user works on (not those they only see as reporter or neighbour)."""
    q = policy.scope_q(user, "path", OVERSIGHT_ROLES)
    company_ids = _grants(user).company_ids
    if company_ids:
        q |= policy.scope_q(user, "path", {Role.PROPERTY_STAFF}) & Q(handler_id__in=company_ids)
    if policy.has_role(user, {Role.OWNERS_COMMITTEE}):
        q |= policy.scope_q(user, "path", {Role.OWNERS_COMMITTEE}) & Q(handler__kind=Organisation.Kind.OWNERS_COMMITTEE)
    return q


def cases_for(user) -> QuerySet[Case]:
    """The staff inbox: every case the user works on."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return Case.objects.filter(staff_q(user))


def works_on_cases(user) -> bool:
    """Has the staff inbox: any role over places (leaders, staff, property staff, committees)."""
    return policy.has_role(user)


def can_hand_over(user) -> bool:
    """May hand cases to another organisation (community staff, sub-district administrators)."""
    return policy.has_role(user, MANAGER_ROLES)


def open_cases_at(user, place: Place) -> QuerySet[Case]:
    """A building's (or compound's) open cases for those working over it: all of them for leaders and staff
    who cover the place, their company's for property staff. 404 for anyone else."""
    from .queries import building_open_cases

    if policy.covers(user, place.path, OVERSIGHT_ROLES):
        return building_open_cases(place)
    if policy.covers(user, place.path, {Role.PROPERTY_STAFF}):
        return building_open_cases(place).filter(staff_q(user))
    raise Http404


def can_use_unit(user, unit) -> bool:
    """Report a problem in this home: someone living in it, or a role over it."""
    return policy.covers(user, unit.path) or unit.households.filter(person=user).exists()


def is_case_staff(user, case: Case) -> bool:
    if policy.covers(user, case.path, OVERSIGHT_ROLES):
        return True
    if case.handler_id and case.handler_id in _grants(user).company_ids:
        return policy.covers(user, case.path, {Role.PROPERTY_STAFF})
    if case.handler_id and policy.covers(user, case.path, {Role.OWNERS_COMMITTEE}):
        return case.handler.kind == Organisation.Kind.OWNERS_COMMITTEE
    return False


def is_reporter(user, case: Case) -> bool:
    return getattr(user, "is_authenticated", False) and case.reporter_id == user.pk


def home_area_paths(person) -> list[str]:
    """The compounds (or, in villages, communities) where a person lives or owns a unit."""
    kinds = {Place.Kind.COMPOUND, Place.Kind.COMMUNITY, Place.Kind.VILLAGE}
    # the deepest above each home: the compound when there is one, else the community or village
    return sorted({above[-1] for above in policy.home_places(person, kinds).values() if above})


def can_view_case(user, case: Case) -> bool:
    if is_reporter(user, case) or is_case_staff(user, case):
        return True
    return case.is_public and case.status != Status.REJECTED and case.area_path in home_area_paths(user)


def get_case_for(user, pk) -> Case:
    case = Case.objects.filter(pk=pk).select_related("category", "place", "handler", "reporter", "unit", "merged_into").first()
    if case is None or not can_view_case(user, case):
        raise Http404
    return case


def public_cases_for(user) -> QuerySet[Case]:
    """Public cases in the compounds where the user lives or owns."""
    paths = home_area_paths(user)
    return Case.objects.filter(area_path__in=paths, is_public=True).exclude(status=Status.REJECTED)


def open311_cases(key) -> QuerySet[Case]:
    """What an Open311 client sees: without a key, what a neighbour may see (public cases, not turned
    down); with a key issued by an administrator, every case. Never who reported it (the Open311
    serialiser has no personal fields)."""
    if key is None:
        return Case.objects.filter(is_public=True).exclude(status=Status.REJECTED)
    return Case.objects.all()


def my_cases(user) -> QuerySet[Case]:
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return Case.objects.filter(reporter=user)


def can_see_reporter(user, case: Case) -> bool:
    """Reporter identity is hidden from neighbours; staff working on the case see it (masked phone)."""
    return is_reporter(user, case) or is_case_staff(user, case)


def allowed_actions(user, case: Case, *, now=None) -> set[str]:
    """Verbs the user may apply now: the workflow table intersected with their part in the case."""
    from django.utils import timezone

    from .models import TRANSITIONS

    possible = {verb for verb, status in ACTION_STATUS.items() if status in TRANSITIONS[case.status]}
    verbs: set[str] = set()
    if policy.covers(user, case.path, MANAGER_ROLES):
        verbs |= MANAGER_ACTIONS
    elif is_case_staff(user, case):
        verbs |= HANDLER_ACTIONS
        # the handling organisation may turn a case down (with a reason); managers re-route it
        if case.handler_id and case.handler_id in _grants(user).company_ids:
            verbs.add("reject")
    if is_reporter(user, case):
        verbs.add("confirm")
        now = now or timezone.now()
        if case.resolved_at and (now - case.resolved_at).days < REOPEN_DAYS:
            verbs.add("reopen")
    return possible & verbs


def can_comment(user, case: Case) -> bool:
    return is_reporter(user, case) or is_case_staff(user, case)


def can_support(user, case: Case) -> bool:
    """Me too: a neighbour (not the reporter) on an open public case."""
    return case.is_open and case.is_public and not is_reporter(user, case) and case.area_path in home_area_paths(user)


def can_rate(user, case: Case) -> bool:
    return is_reporter(user, case) and case.status in {Status.RESOLVED, Status.CONFIRMED} and not case.rating


def can_assign(user, case: Case) -> bool:
    return policy.covers(user, case.path, MANAGER_ROLES)


def can_report_at(user, place: Place, area: Place | None = None) -> bool:
    """A resident reports in the compound where they live or own; staff anywhere in their scope.

    With the place's ``area`` (its compound, or community in a village) known, residence is one EXISTS
    query, asked first: most reports come from residents (make bench, intake).
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if area is not None:
        if policy.lives_or_owns_under(user, area.path):
            return True
    elif any(place.path.startswith(a) for a in home_area_paths(user)):
        return True
    return policy.covers(user, place.path, RECORDER_ROLES)


def can_report_for_others(user, place: Place) -> bool:
    return policy.covers(user, place.path, RECORDER_ROLES)


def can_manage_categories(user, place: Place | None = None) -> bool:
    if place is None:
        return policy.has_role(user, {Role.SUBDISTRICT_ADMIN}) or getattr(user, "is_superuser", False)
    return policy.covers(user, place.path, MANAGER_ROLES)


def can_issue_open311_keys(user) -> bool:
    return getattr(user, "is_superuser", False) or policy.has_role(user, {Role.SUBDISTRICT_ADMIN})


def assignable_handlers(user) -> QuerySet[Organisation]:
    """Organisations a manager may hand cases to: those inside their scope or serving it."""
    paths = policy.scope_paths(user, MANAGER_ROLES)
    kinds = [
        Organisation.Kind.PROPERTY_COMPANY,
        Organisation.Kind.SELF_GOVERNING,
        Organisation.Kind.OWNERS_COMMITTEE,
        Organisation.Kind.RESIDENTS_COMMITTEE,
        Organisation.Kind.MUTUAL_AID,
    ]
    in_scope = under_paths_q("path", paths)
    serving = Q(served_places__in=Place.objects.filter(under_paths_q("path", paths)))
    return Organisation.objects.filter(kind__in=kinds).filter(in_scope | serving).distinct().order_by("kind", "name")
