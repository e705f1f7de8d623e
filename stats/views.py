from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from places.models import Place

from . import case_figures, event_figures, figures

# The columns of the per-compound table on a community's page (the sub-district's shows every figure).
COMMUNITY_COLUMNS = ["compounds", "buildings", "units", "residents", "building_leaders", "venues", "property_companies"]


def _page(request, template: str, place: Place, columns: list[str]):
    return render(
        request,
        template,
        {
            "place": place,
            "figures": figures.labelled(figures.cached_figures_for(place)),
            "children": figures.cached_figures_by_child(place),
            "keys": columns,
            "labels": figures.LABELS,
        },
    )


def overview(request):
    root = Place.objects.filter(kind=Place.Kind.SUBDISTRICT).order_by("pk").first()
    if root is None:
        raise Http404
    return _page(request, "stats/overview.html", root, figures.KEYS)


def community(request, pk: int):
    place = get_object_or_404(Place, pk=pk, kind__in=[Place.Kind.COMMUNITY, Place.Kind.VILLAGE])
    return _page(request, "stats/community.html", place, COMMUNITY_COLUMNS)


def cases(request, pk: int | None = None):
    """Problem handling per community (or per compound, for a community): public figures, no personal data."""
    if pk is None:
        root = Place.objects.filter(kind=Place.Kind.SUBDISTRICT).order_by("pk").first()
        if root is None:
            raise Http404
    else:
        root = get_object_or_404(Place, pk=pk, kind__in=[Place.Kind.COMMUNITY, Place.Kind.VILLAGE])
    try:
        days = int(request.GET.get("days", 0)) or None
    except ValueError:
        days = None
    total, children = case_figures.cached_figures_by_child(root, days=days)
    return render(request, "stats/cases.html", {"place": root, "total": total, "children": children, "days": days})


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


def events(request):
    """Neighbourhood life in figures: one year, per community (public, no personal data)."""
    year = _year(request)
    total, rows = event_figures.cached_by_community(year)
    return render(
        request,
        "stats/events.html",
        {"year": year, "years": event_figures.years(), "total": total, "rows": rows, "labels": event_figures.LABELS},
    )


def events_community(request, pk: int):
    """One community's neighbourhood life, year by year."""
    place = get_object_or_404(Place, pk=pk, kind__in=[Place.Kind.COMMUNITY, Place.Kind.VILLAGE])
    return render(
        request,
        "stats/events_community.html",
        {"place": place, "rows": event_figures.cached_by_year(place), "labels": event_figures.LABELS},
    )
