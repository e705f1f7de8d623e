"""Dataset scales (docs PERFORMANCE.md): importable before Django is set up."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    subdistricts: int
    communities: int  # in all, spread evenly over the sub-districts
    compounds: int
    buildings: int
    units: int
    people: int  # residents; staff and administrators come on top
    cases: int = 0  # problem reports (cases), over the last two years
    # Neighbourhood events and their registrations (issue 6); None: per unit (``generate_events.event_counts``).
    events: int | None = None
    registrations: int | None = None


SCALES = {
    "demo": Scale("demo", 1, 23, 60, 600, 20_000, 40_000, 500, events=5_000, registrations=200_000),
    "subdistrict": Scale("subdistrict", 1, 23, 500, 5_000, 200_000, 500_000, 1_000_000, events=50_000, registrations=2_000_000),
    "city": Scale("city", 10, 230, 5_000, 50_000, 2_000_000, 5_000_000, 10_000_000, events=500_000, registrations=20_000_000),
}


__all__ = ["SCALES", "Scale"]
