from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from places.models import Place

from . import case_figures, event_figures, figures

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


class EventFiguresOut(Schema):
    place_id: int | None
    place_name: str
    year: int | None
    activities: int
    participations: int
    participants: int
    repeat_participants: int
    repeat_rate: float | None
    volunteers: int
    new_acquaintances: int


class EventFiguresPage(Schema):
    year: int
    total: EventFiguresOut
    communities: list[EventFiguresOut]


@router.get("/events/", response=EventFiguresPage)
def event_figures_by_community(request, year: int | None = None):
    """Neighbourhood life in one year (default: this year), for the sub-district and per community:
    activities held, participations (check-ins), distinct participants, the share who came to two or
    more, volunteers, and new acquaintances (pairs who first attended an activity together)."""
    year = year or timezone.localdate().year
    total, rows = event_figures.cached_by_community(year)
    return {"year": year, "total": total.as_dict(), "communities": [r.as_dict() for r in rows]}


@router.get("/events/{place_id}", response=list[EventFiguresOut])
def event_figures_by_year(request, place_id: int):
    """One community's neighbourhood life, year by year (latest first)."""
    place = get_object_or_404(Place, pk=place_id, kind__in=[Place.Kind.COMMUNITY, Place.Kind.VILLAGE])
    return [r.as_dict() for r in event_figures.cached_by_year(place)]


@router.get("/{place_id}", response=FiguresOut)
def community(request, place_id: int):
    return _out(get_object_or_404(Place, pk=place_id, kind__in=[Place.Kind.COMMUNITY, Place.Kind.VILLAGE]))


class CaseFiguresOut(Schema):
    place_id: int | None
    place_name: str
    cases: int
    open: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    overdue_share: float | None
    response_hours_median: float | None
    response_hours_p90: float | None
    resolution_days_median: float | None
    resolution_days_p90: float | None


class CaseFiguresPage(Schema):
    total: CaseFiguresOut
    children: list[CaseFiguresOut]


@router.get("/cases/{place_id}", response=CaseFiguresPage)
def case_figures_for(request, place_id: int, days: int | None = None):
    """How problems are handled under a sub-district or community, per child place (the three
    接诉即办 measures, response and resolution times, share overdue)."""
    place = get_object_or_404(Place, pk=place_id, kind__in=[Place.Kind.SUBDISTRICT, Place.Kind.COMMUNITY, Place.Kind.VILLAGE])
    total, children = case_figures.cached_figures_by_child(place, days=days)
    return {"total": total.as_dict(), "children": [c.as_dict() for c in children]}
