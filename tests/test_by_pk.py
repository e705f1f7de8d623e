"""``core.db.by_pk``: one row by its key, from a statement written once per model; what is not a key finds
nothing, so a place given in a query string as ``?place=abc`` is a 404, not a server error."""

import pytest
from django.urls import reverse

from core.db import by_pk
from places.models import Place


def test_a_row_by_its_key_is_the_same_as_the_orms(world):
    place = by_pk(Place, world.building.pk)
    assert place == world.building
    assert (place.name, place.path, place.kind, place.parent_id) == (
        world.building.name,
        world.building.path,
        world.building.kind,
        world.building.parent_id,
    )
    assert by_pk(Place, str(world.building.pk)) == world.building  # a key from a URL or a form


@pytest.mark.parametrize("key", [10**12, "abc", "", None, "1.5"])
def test_a_missing_or_malformed_key_finds_nothing(world, key):
    assert by_pk(Place, key) is None


@pytest.mark.parametrize("place", ["abc", "99999999"])
def test_reporting_for_a_place_that_is_not_one_is_not_found(client, world, place):
    client.force_login(world.community_staff)
    assert client.get(reverse("cases:case-new") + f"?place={place}").status_code == 404


def test_the_inbox_filtered_by_a_place_that_is_not_one(client, world):
    client.force_login(world.community_staff)
    assert client.get(reverse("cases:inbox") + "?building=abc").status_code == 200  # the form drops it
    assert client.get(reverse("cases:inbox") + "?building=99999999").status_code == 404
    assert client.get(reverse("cases:inbox") + f"?building={world.building.pk}").status_code == 200
