"""The scenarios ``make bench`` can run, by name.

A scenario is a URL (or a few, taken in turn) hit by every simulated user, as one persona of the
generated dataset (or anonymously), with an optional check of each response and of the outcome.

To add one, in this module (or in a module imported here)::

    register(Scenario(
        name="inbox",
        description="building leader: the inbox",
        persona="building_leader",
        urls=lambda ds: ["/inbox/"],
        expect="<ul",                    # every response must contain it (else counted as an error)
        row_marker='<li class="case"',   # counted in the probe: rows shown on the page
        check=my_check,                  # optional: (dataset, result) -> (ok, message), after the load
    ))

``ds`` is the :class:`Dataset`: the facts the generator kept (persona ids, their places, counts).
Personas: ``community_staff`` (of the largest community), ``subdistrict_admin`` (the first
sub-district), ``building_leader`` and ``resident`` (the biggest building of that community).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

PAGE_P95_MS = 50.0
PAGE_FLOOR_RATIO = 0.30


@dataclass(frozen=True)
class Dataset:
    meta: dict

    def persona(self, name: str) -> dict:
        return self.meta["personas"][name]

    def place_of(self, persona: str) -> int:
        return self.persona(persona)["place_id"]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    urls: Callable[[Dataset], list[str]]
    persona: str | None = None  # None: anonymous
    expect: str | None = None  # substring every response must contain
    row_marker: str | None = None  # counted once in the probe: rows on the page
    # URLs measured only by the probe (SQL queries), e.g. a partial last page, to show the count
    # does not grow with the rows shown.
    probe_urls: Callable[[Dataset], list[str]] = field(default=lambda ds: [])
    check: Callable[[Dataset, dict], tuple[bool, str]] | None = None
    target_p95_ms: float | None = None
    target_floor_ratio: float | None = None
    floor: bool = False  # the reference scenario


REGISTRY: dict[str, Scenario] = {}
FLOOR = "floor"


def register(scenario: Scenario) -> Scenario:
    if scenario.name in REGISTRY:
        raise ValueError(f"scenario {scenario.name!r} is already registered")
    REGISTRY[scenario.name] = scenario
    return scenario


def page(**kwargs) -> Scenario:
    """A page scenario with the general targets (PERFORMANCE.md; this issue's bar: 30% of the floor)."""
    kwargs.setdefault("target_p95_ms", PAGE_P95_MS)
    kwargs.setdefault("target_floor_ratio", PAGE_FLOOR_RATIO)
    return register(Scenario(**kwargs))


register(
    Scenario(
        name=FLOOR,
        description="one indexed SELECT of 20 rows, tiny template (the reference)",
        urls=lambda ds: ["/bench/floor/"],
        expect="<li>",
        row_marker="<li>",
        floor=True,
    )
)

page(
    name="directory",
    description="community staff: people directory, first page",
    persona="community_staff",
    urls=lambda ds: ["/people/"],
    expect='class="card-list"',
    row_marker='<li><a href="/people/',
    probe_urls=lambda ds: ["/people/?q=zzzzzz", "/people/?page=2"],
)

page(
    name="directory_search",
    description="community staff: people directory, ?q=zh, page 5",
    persona="community_staff",
    urls=lambda ds: ["/people/?q=zh&page=5"],
    expect='class="card-list"',
    row_marker='<li><a href="/people/',
)

page(
    name="buildings",
    description="community staff: the community's buildings with unit counts and leaders",
    persona="community_staff",
    urls=lambda ds: [f"/places/{ds.place_of('community_staff')}/buildings/"],
    expect="<tbody>",
    row_marker='<tr><td><a href="/places/',
    probe_urls=lambda ds: [f"/places/{ds.place_of('community_staff')}/buildings/?page=1000"],
)

page(
    name="directory_admin",
    description="sub-district admin: people directory over the whole sub-district",
    persona="subdistrict_admin",
    urls=lambda ds: ["/people/"],
    expect='class="card-list"',
    row_marker='<li><a href="/people/',
)


def select(names: list[str] | None) -> list[Scenario]:
    """The scenarios to run, in the order given (all when none), the floor always first."""
    if not names:
        chosen = list(REGISTRY.values())
    else:
        unknown = [n for n in names if n not in REGISTRY]
        if unknown:
            raise SystemExit(f"Unknown scenario(s): {', '.join(unknown)}. Known: {', '.join(REGISTRY)}")
        chosen = [REGISTRY[n] for n in dict.fromkeys(names)]
    floor = REGISTRY[FLOOR]
    return [floor] + [s for s in chosen if s is not floor]
