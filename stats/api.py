from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from places.models import Place

from . import figures

router = Router(tags=["stats"])


class FiguresOut(Schema):
    place_id: int
    place_name: str
    figures: dict[str, int]
    labels: dict[str, str]


def _out(place: Place) -> dict:
    return {
        "place_id": place.pk,
        "place_name": place.name,
        "figures": figures.cached_figures_for(place),
        "labels": {k: str(v) for k, v in figures.LABELS.items()},
    }


@router.get("/", response=FiguresOut)
def subdistrict(request):
    return _out(get_object_or_404(Place.objects.order_by("pk"), kind=Place.Kind.SUBDISTRICT))


@router.get("/{place_id}", response=FiguresOut)
def community(request, place_id: int):
    return _out(get_object_or_404(Place, pk=place_id, kind__in=[Place.Kind.COMMUNITY, Place.Kind.VILLAGE]))
