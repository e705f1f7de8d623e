"""Reads for the case pages and the API: one query per list, whatever the page size."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from people.models import HouseholdMember, Ownership
from places.models import Place, Unit

from . import access
from .models import OPEN_STATUSES, Case, CaseEvent, Category, Location

LIST_FIELDS = (
    "id",
    "status",
    "level",
    "is_public",
    "is_emergency",
    "created_at",
    "resolve_by",
    "address",
    "supporter_count",
    "needs_meeting",
    "description",
    "category__name",
    "category__name_en",
    "category__code",
    "handler__name",
)


ACTIVE_CATEGORY_SQL = "SELECT * FROM cases_category WHERE code = %s AND active"


def active_category(code: str) -> Category | None:
    """The category reports may be filed under with this code (API, Open311), or None: one plain query, as
    every report asks it."""
    return next(iter(Category.objects.raw(ACTIVE_CATEGORY_SQL, [code])), None)


def list_rows(qs: QuerySet[Case]) -> QuerySet[Case]:
    """What a case list shows, joined in the same query."""
    return qs.select_related("category", "handler").only(*LIST_FIELDS)


def filter_inbox(qs: QuerySet[Case], *, status="open", category=None, place=None, overdue=False, needs_meeting=False):
    if status in ("", "open", None):
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        qs = qs.filter(status=status)
    if category is not None:
        qs = qs.filter(category=category)
    if place is not None:
        qs = qs.filter(path__startswith=place.path)
    if overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, resolve_by__lt=timezone.now())
    if needs_meeting:
        qs = qs.filter(needs_meeting=True)
    return qs


def building_open_cases(place: Place) -> QuerySet[Case]:
    """A building's open cases (newest first, through the partial index on open cases by place), or a
    compound's with those of its buildings."""
    where = {"place": place} if place.kind == Place.Kind.BUILDING else {"path__startswith": place.path}
    return list_rows(Case.objects.filter(**where, status__in=OPEN_STATUSES)).order_by("-id")


def similar_open_cases(category: Category, place: Place, *, now=None) -> QuerySet[Case]:
    """Matching open cases (same category, same place, last 48 hours): offered as "me too" before a
    resident files a duplicate."""
    now = now or timezone.now()
    return list_rows(
        Case.objects.filter(
            category=category, place=place, status__in=OPEN_STATUSES, created_at__gte=now - timedelta(hours=48), is_public=True
        )
    ).order_by("-id")[:5]


def timeline(case: Case, *, staff: bool) -> QuerySet[CaseEvent]:
    events = case.events.select_related("actor").order_by("id")
    return events if staff else events.filter(is_public=True)


@dataclass
class WhereChoice:
    value: str
    label: str
    place: Place
    unit: Unit | None
    location: str


def where_choices(person) -> list[WhereChoice]:
    """Where a resident can report: their home, each building of their compound, its public areas."""
    homes = list(HouseholdMember.objects.filter(person=person).select_related("unit__building").order_by("unit__building__path"))
    owned = list(Ownership.objects.filter(person=person).select_related("unit__building"))
    units = {m.unit.pk: m.unit for m in [*homes, *owned]}
    choices: list[WhereChoice] = []
    from django.utils.translation import gettext as _

    for unit in units.values():
        label = _("My home: %(building)s %(unit)s") % {"building": unit.building.name, "unit": unit.label}
        choices.append(WhereChoice(f"u{unit.pk}", label, unit.building, unit, Location.UNIT))
    areas = Place.objects.filter(path__in=access.home_area_paths(person)).order_by("path")
    for area in areas:
        buildings = Place.objects.filter(path__startswith=area.path, kind=Place.Kind.BUILDING).order_by("path")[:200]
        for b in buildings:
            choices.append(WhereChoice(f"b{b.pk}", b.name, b, None, Location.BUILDING))
        if area.kind == Place.Kind.COMPOUND:
            label = _("Public areas of %(compound)s") % {"compound": area.name}
            choices.append(WhereChoice(f"p{area.pk}", label, area, None, Location.PUBLIC))
    return choices


def staff_where_choices(user, place: Place) -> list[WhereChoice]:
    """Recording on someone's behalf from a building or compound page."""
    from django.utils.translation import gettext as _

    if not access.can_report_for_others(user, place):
        return []
    if place.kind == Place.Kind.BUILDING:
        units = Unit.objects.filter(building=place).order_by("label")
        return [WhereChoice(f"b{place.pk}", place.name, place, None, Location.BUILDING)] + [
            WhereChoice(f"u{u.pk}", f"{place.name} {u.label}", place, u, Location.UNIT) for u in units
        ]
    if place.kind == Place.Kind.COMPOUND:
        label = _("Public areas of %(compound)s") % {"compound": place.name}
        return [WhereChoice(f"p{place.pk}", label, place, None, Location.PUBLIC)]
    return []


def category_choices() -> list[tuple[int, str]]:
    """(id, name in the current language) of the active categories, cached for a minute."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    def load():
        return [(c.pk, c.display_name) for c in Category.objects.filter(active=True).only("pk", "name", "name_en")]

    return cache.get_or_set(f"linli:case-categories:{get_language()}", load, 60)
