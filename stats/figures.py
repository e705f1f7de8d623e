"""The figures the sub-district wants to see, computed from the data, never typed in.

``figures_for(place)`` gives one column of figures for a place (the sub-district, a community);
``figures_by_child(place)`` gives the same figures for each child of a place with one grouped
query per figure, so the sub-district page costs the same whatever the number of communities.
"""

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from people.models import HouseholdMember, Membership, Organisation, Role, RoleAssignment
from places.models import SEGMENT_WIDTH, Place, Unit, Venue

OrgKind = Organisation.Kind


def _figure_querysets() -> dict[str, tuple[QuerySet, str, str]]:
    """key → (queryset, path field, what to count distinctly)."""
    party_kinds = [OrgKind.PARTY_BRANCH, OrgKind.PARTY_GROUP]
    return {
        "communities": (Place.objects.filter(kind=Place.Kind.COMMUNITY), "path", "pk"),
        "villages": (Place.objects.filter(kind=Place.Kind.VILLAGE), "path", "pk"),
        "compounds": (Place.objects.filter(kind=Place.Kind.COMPOUND), "path", "pk"),
        "compounds_without_property": (
            Place.objects.filter(kind=Place.Kind.COMPOUND).exclude(management=Place.Management.PROPERTY_COMPANY),
            "path",
            "pk",
        ),
        "buildings": (Place.objects.filter(kind=Place.Kind.BUILDING), "path", "pk"),
        "units": (Unit.objects.all(), "path", "pk"),
        "residents": (HouseholdMember.objects.all(), "path", "person"),
        "households": (HouseholdMember.objects.all(), "path", "unit"),
        "venues": (Venue.objects.all(), "place__path", "pk"),
        "building_leaders": (RoleAssignment.objects.active().filter(role=Role.BUILDING_LEADER), "path", "person"),
        "lane_leaders": (RoleAssignment.objects.active().filter(role=Role.LANE_LEADER), "path", "person"),
        "street_leaders": (RoleAssignment.objects.active().filter(role=Role.STREET_LEADER), "path", "person"),
        "party_members": (Membership.objects.filter(organisation__kind__in=party_kinds), "organisation__path", "person"),
        "mutual_aid_associations": (Organisation.objects.filter(kind=OrgKind.MUTUAL_AID), "path", "pk"),
        "self_governing_groups": (Organisation.objects.filter(kind=OrgKind.SELF_GOVERNING), "path", "pk"),
        "cultural_associations": (Organisation.objects.filter(kind=OrgKind.CULTURAL), "path", "pk"),
        "self_organisations": (Organisation.objects.filter(kind__in=[OrgKind.CULTURAL, OrgKind.SELF_ORGANISATION]), "path", "pk"),
        # A company counts where it serves a compound, wherever it is registered.
        "property_companies": (Organisation.objects.filter(kind=OrgKind.PROPERTY_COMPANY), "served_places__path", "pk"),
    }


LABELS = {
    "communities": _("Urban communities"),
    "villages": _("Villages"),
    "compounds": _("Compounds"),
    "compounds_without_property": _("Compounds without a property company"),
    "buildings": _("Buildings"),
    "units": _("Units"),
    "residents": _("Registered residents"),
    "households": _("Households"),
    "venues": _("Party-building positions"),
    "building_leaders": _("Building leaders"),
    "lane_leaders": _("Lane leaders"),
    "street_leaders": _("Street leaders"),
    "party_members": _("Compound party members"),
    "mutual_aid_associations": _("Volunteer mutual-aid associations"),
    "self_governing_groups": _("Self-governing groups"),
    "cultural_associations": _("Cultural associations"),
    "self_organisations": _("Self-organisations (all)"),
    "property_companies": _("Property companies"),
}
KEYS = list(LABELS)


def figures_for(place: Place) -> dict[str, int]:
    result = {}
    for key, (qs, path_field, distinct) in _figure_querysets().items():
        filtered = qs.filter(**{f"{path_field}__startswith": place.path})
        result[key] = filtered.aggregate(n=Count(distinct, distinct=True))["n"]
    return result


def figures_by_child(place: Place) -> list[tuple[Place, dict[str, int]]]:
    """Figures for each child (e.g. each community of the sub-district), one grouped query per figure."""
    children = list(place.children.order_by("kind", "name"))
    prefix_len = len(place.path) + SEGMENT_WIDTH + 1
    table: dict[str, dict[str, int]] = {c.path: dict.fromkeys(KEYS, 0) for c in children}
    for key, (qs, path_field, distinct) in _figure_querysets().items():
        rows = (
            qs.filter(**{f"{path_field}__startswith": place.path})
            .annotate(prefix=Substr(path_field, 1, prefix_len))
            .values("prefix")
            .annotate(n=Count(distinct, distinct=True))
            .order_by()
        )
        for row in rows:
            if row["prefix"] in table:
                table[row["prefix"]][key] = row["n"]
    return [(c, table[c.path]) for c in children]


def labelled(figures: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(key, str(LABELS[key]), figures[key]) for key in KEYS]


# Counting every resident of a sub-district takes longer than a page should; the figures change
# slowly, so pages read them through the cache (Redis in production) for a couple of minutes.
CACHE_SECONDS = 120


def cached_figures_for(place: Place) -> dict[str, int]:
    return cache.get_or_set(f"stats:figures:{place.pk}", lambda: figures_for(place), CACHE_SECONDS)


def cached_figures_by_child(place: Place) -> list[tuple[Place, dict[str, int]]]:
    rows = cache.get_or_set(
        f"stats:children:{place.pk}",
        lambda: [(child.pk, figs) for child, figs in figures_by_child(place)],
        CACHE_SECONDS,
    )
    children = place.children.in_bulk([pk for pk, _ in rows])
    return [(children[pk], figs) for pk, figs in rows if pk in children]
