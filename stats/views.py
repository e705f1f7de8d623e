from django.http import Http404
from django.shortcuts import get_object_or_404, render

from places.models import Place

from . import figures


def _root() -> Place:
    root = Place.objects.filter(kind=Place.Kind.SUBDISTRICT).order_by("pk").first()
    if root is None:
        raise Http404
    return root


def overview(request):
    root = _root()
    return render(
        request,
        "stats/overview.html",
        {
            "place": root,
            "figures": figures.labelled(figures.cached_figures_for(root)),
            "children": figures.cached_figures_by_child(root),
            "keys": figures.KEYS,
            "labels": figures.LABELS,
        },
    )


def community(request, pk: int):
    place = get_object_or_404(Place, pk=pk, kind__in=[Place.Kind.COMMUNITY, Place.Kind.VILLAGE])
    return render(
        request,
        "stats/community.html",
        {
            "place": place,
            "figures": figures.labelled(figures.cached_figures_for(place)),
            "children": figures.cached_figures_by_child(place),
            "keys": ["compounds", "buildings", "units", "residents", "building_leaders", "venues", "property_companies"],
            "labels": figures.LABELS,
        },
    )
