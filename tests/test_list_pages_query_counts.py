"""List pages cost the same number of queries whatever the number of rows they show."""

import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people.models import HouseholdMember, Role
from places.models import Place, Unit
from tests.conftest import grant, live_in, make_person

CEILING = 15  # sessions, role scope, the page's own queries, the audit insert
_mobiles = itertools.count(13600000100)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _add_people(world, n: int) -> None:
    for _ in range(n):
        i = next(_mobiles)
        person = make_person(f"住户{i}", str(i))
        live_in(person, world.unit_b2, HouseholdMember.Relation.FAMILY)


def _add_buildings(world, n: int) -> None:
    for _ in range(n):
        i = next(_mobiles)
        building = Place.objects.create(kind=Place.Kind.BUILDING, name=f"{i}栋", parent=world.compound)
        for label in ("101", "102"):
            Unit.objects.create(building=building, label=label, area=Decimal("80.00"), area_source="register")
        grant(make_person(f"楼长{i}", str(i)), Role.BUILDING_LEADER, building)


def _add_units(world, n: int) -> None:
    for _ in range(n):
        i = next(_mobiles)
        unit = Unit.objects.create(building=world.building, label=f"U{i}", area=Decimal("66.60"), area_source="survey")
        live_in(make_person(f"住户{i}", None), unit)


@pytest.mark.parametrize(
    ("page", "grow"),
    [
        ("directory", _add_people),
        ("buildings", _add_buildings),
        ("building", _add_units),
        ("compound", _add_buildings),
    ],
)
def test_a_list_page_does_not_add_queries_per_row(client, world, django_assert_max_num_queries, page, grow):
    url = {
        "directory": reverse("people:directory"),
        "buildings": reverse("people:place-buildings", args=[world.community.pk]),
        "building": reverse("people:place", args=[world.building.pk]),
        "compound": reverse("people:place", args=[world.compound.pk]),
    }[page]
    client.force_login(world.community_staff)
    grow(world, 5)
    few = _queries(client, url)
    grow(world, 35)
    with django_assert_max_num_queries(CEILING):
        many = _queries(client, url)
    assert many == few


def test_the_directory_shows_a_full_page_when_there_are_many(client, world):
    _add_people(world, 40)
    client.force_login(world.community_staff)
    response = client.get(reverse("people:directory"))
    assert len(response.context["people"]) == 20
    assert response.context["has_next"] is True


def test_the_building_list_shows_each_buildings_leader_and_unit_count(client, world):
    _add_buildings(world, 3)
    client.force_login(world.community_staff)
    buildings = client.get(reverse("people:place-buildings", args=[world.community.pk])).context["buildings"]
    by_name = {b.name: b for b in buildings}
    assert by_name["1栋"].unit_count == 2
    assert by_name["1栋"].leaders == ["陈楼长"]
    assert len(by_name) == 5


@pytest.mark.parametrize(("page", "expected"), [("directory", 3), ("buildings", 4), ("directory_nobody", 2)])
def test_the_benchmarked_list_pages_cost_a_fixed_number_of_queries(client, world, page, expected):
    """The session (read from the database unless Redis caches it), the signed-in user with their role scope
    (one statement), then the page: the directory's people with their homes
    in one statement, and the audit insert of the people shown; the building list's place, its buildings
    with unit counts, and their leaders (make bench measures both pages)."""
    url = {
        "directory": reverse("people:directory"),
        "buildings": reverse("people:place-buildings", args=[world.community.pk]),
        "directory_nobody": reverse("people:directory") + "?q=zzzz",
    }[page]
    client.force_login(world.community_staff)
    _add_people(world, 3)
    _add_buildings(world, 3)
    _queries(client, url)  # with Redis, the session is in the cache from then on
    from django.conf import settings

    session_read = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
    assert _queries(client, url) == expected + session_read
