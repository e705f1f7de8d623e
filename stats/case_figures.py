"""How well problems are handled, per community: the three measures of the 接诉即办 rules (Beijing
条例 2021 Art 32: response rate, resolution rate, satisfaction rate), response and resolution times
(median and 90th percentile) and the share overdue. Computed from the cases, grouped by community in
one query (plus one for the times); cached briefly like the other figures.

Definitions (shown on the page):
- response rate: cases first answered by their first-response deadline, of those whose deadline has
  passed or which were answered;
- resolution rate: cases resolved (resolved or confirmed), of all cases except duplicates;
- satisfaction rate: "satisfied" and "basically satisfied", of the rated cases;
- overdue: cases still open after their resolution deadline, or resolved after it, of all cases
  except duplicates.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from statistics import quantiles

from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q
from django.db.models.functions import Substr
from django.utils import timezone

from cases.models import OPEN_STATUSES, Case, Rating, Status
from places.models import SEGMENT_WIDTH, Place


class _PercentileSeconds(Aggregate):
    """PostgreSQL's ``percentile_cont`` over a duration, in seconds."""

    function = "percentile_cont"
    template = "percentile_cont(%(fraction)s) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (%(expressions)s)))"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=fraction, **extra)


@dataclass
class CaseFigures:
    place: Place | None
    total: int = 0
    response_due: int = 0
    responded_in_time: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    overdue: int = 0
    open: int = 0
    response_hours: dict[str, float | None] = field(default_factory=dict)  # median, p90
    resolution_days: dict[str, float | None] = field(default_factory=dict)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def response_rate(self):
        return self._rate(self.responded_in_time, self.response_due)

    @property
    def resolution_rate(self):
        return self._rate(self.resolved, self.total)

    @property
    def satisfaction_rate(self):
        return self._rate(self.satisfied, self.rated)

    @property
    def overdue_share(self):
        return self._rate(self.overdue, self.total)

    def as_dict(self) -> dict:
        return {
            "place_id": self.place.pk if self.place else None,
            "place_name": self.place.name if self.place else "",
            "cases": self.total,
            "open": self.open,
            "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "overdue_share": self.overdue_share,
            "response_hours_median": self.response_hours.get("median"),
            "response_hours_p90": self.response_hours.get("p90"),
            "resolution_days_median": self.resolution_days.get("median"),
            "resolution_days_p90": self.resolution_days.get("p90"),
        }


def _counts(now) -> dict:
    return dict(
        total=Count("id"),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        response_due=Count("id", filter=Q(first_response_due__lte=now) | Q(responded_at__isnull=False)),
        responded_in_time=Count("id", filter=Q(responded_at__isnull=False, responded_at__lte=F("first_response_due"))),
        resolved=Count("id", filter=Q(resolved_at__isnull=False, status__in=[Status.RESOLVED, Status.CONFIRMED])),
        rated=Count("id", filter=~Q(rating="")),
        satisfied=Count("id", filter=Q(rating__in=[Rating.SATISFIED, Rating.BASIC])),
        overdue=Count(
            "id",
            filter=Q(status__in=OPEN_STATUSES, resolve_by__lt=now)
            | Q(resolved_at__isnull=False, resolved_at__gt=F("resolve_by")),
        ),
    )


def _times_postgres(qs, key) -> dict[str, dict[str, dict]]:
    rows = qs.values(key).annotate(
        resp_median=_PercentileSeconds(F("responded_at") - F("created_at"), 0.5, filter=Q(responded_at__isnull=False)),
        resp_p90=_PercentileSeconds(F("responded_at") - F("created_at"), 0.9, filter=Q(responded_at__isnull=False)),
        res_median=_PercentileSeconds(F("resolved_at") - F("created_at"), 0.5, filter=Q(resolved_at__isnull=False)),
        res_p90=_PercentileSeconds(F("resolved_at") - F("created_at"), 0.9, filter=Q(resolved_at__isnull=False)),
    )
    return {
        r[key]: {
            "response": {"median": r["resp_median"], "p90": r["resp_p90"]},
            "resolution": {"median": r["res_median"], "p90": r["res_p90"]},
        }
        for r in rows
    }


def _percentiles(seconds: list[float]) -> dict[str, float | None]:
    if not seconds:
        return {"median": None, "p90": None}
    if len(seconds) == 1:
        return {"median": seconds[0], "p90": seconds[0]}
    cuts = quantiles(seconds, n=10, method="inclusive")
    return {"median": cuts[4], "p90": cuts[8]}


def _times_python(qs, key) -> dict[str, dict[str, dict]]:
    """The embedded database has no percentile function: the same figures computed here."""
    response: dict[str, list[float]] = {}
    resolution: dict[str, list[float]] = {}
    for k, created, responded, resolved in qs.values_list(key, "created_at", "responded_at", "resolved_at").iterator():
        if responded:
            response.setdefault(k, []).append((responded - created).total_seconds())
        if resolved:
            resolution.setdefault(k, []).append((resolved - created).total_seconds())
    keys = set(response) | set(resolution)
    return {k: {"response": _percentiles(response.get(k, [])), "resolution": _percentiles(resolution.get(k, []))} for k in keys}


def _scale(values: dict, unit: float) -> dict[str, float | None]:
    return {name: (round(v / unit, 1) if v is not None else None) for name, v in values.items()}


def figures_by_child(root: Place, *, days: int | None = None) -> tuple[CaseFigures, list[CaseFigures]]:
    """Figures for ``root`` (a sub-district or community) and for each of its children."""
    now = timezone.now()
    qs = Case.objects.filter(path__startswith=root.path).exclude(status=Status.MERGED)
    if days:
        qs = qs.filter(created_at__gte=now - timedelta(days=days))
    width = len(root.path) + SEGMENT_WIDTH + 1
    key = Substr("path", 1, width)
    counts = {r.pop("key"): r for r in qs.values(key=key).annotate(**_counts(now))}
    times_of = _times_postgres if connection.vendor == "postgresql" else _times_python
    times = times_of(qs.annotate(key=key), "key")
    children = Place.objects.filter(parent=root).order_by("code", "name")
    result = []
    total = CaseFigures(root, response_hours={"median": None, "p90": None}, resolution_days={"median": None, "p90": None})
    for child in children:
        c = counts.get(child.path, {})
        t = times.get(child.path, {"response": {"median": None, "p90": None}, "resolution": {"median": None, "p90": None}})
        fig = CaseFigures(child, **c, response_hours=_scale(t["response"], 3600), resolution_days=_scale(t["resolution"], 86400))
        result.append(fig)
        for name in ("total", "response_due", "responded_in_time", "resolved", "rated", "satisfied", "overdue", "open"):
            setattr(total, name, getattr(total, name) + getattr(fig, name))
    whole = (_times_postgres if connection.vendor == "postgresql" else _times_python)(
        qs.annotate(key=Substr("path", 1, len(root.path))), "key"
    )
    if root.path in whole:
        total.response_hours = _scale(whole[root.path]["response"], 3600)
        total.resolution_days = _scale(whole[root.path]["resolution"], 86400)
    return total, result


def cached_figures_by_child(root: Place, *, days: int | None = None):
    return cache.get_or_set(f"linli:case-figures:{root.pk}:{days}", lambda: figures_by_child(root, days=days), 120)
