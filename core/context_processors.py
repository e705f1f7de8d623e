"""What every page's frame (templates/base.html) needs, worked out once per process rather than per page."""

from functools import lru_cache

from django.urls import get_script_prefix, reverse

# The pages the navigation and the footer link to (url names).
SITE_PAGES = (
    "home",
    "set_language",
    "notifications",
    "people:login",
    "people:logout",
    "people:my-data",
    "people:venues",
    "cases:index",
    "deliberation:index",
    "meetings:index",
    "votes:index",
    "events:index",
    "events:clubs",
    "venues:index",
    "books:index",
    "competitions:index",
    "stats:overview",
    "stats:cases",
    "stats:events",
)


@lru_cache(maxsize=8)
def _site_urls(prefix: str) -> dict[str, str]:
    return {name.replace(":", "_").replace("-", "_"): reverse(name) for name in SITE_PAGES}


def site_urls(request) -> dict:
    """``{{ site.cases_index }}`` and so on: the frame's links, reversed once per script prefix (the frame
    is on every page, and nineteen ``{% url %}`` tags cost a list page a fifth of its time)."""
    return {"site": _site_urls(get_script_prefix())}
