"""Every page renders for the personas who may see it."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_resident_home_shows_building_leader(client, world, lang):
    client.force_login(world.resident)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    body = response.content.decode()
    assert "陈楼长" in body
    assert "139****0001" in body
    assert "13900000001" not in body


def test_staff_pages_render(client, world):
    client.force_login(world.community_staff)
    for url in [
        reverse("people:places"),
        reverse("people:place", args=[world.community.pk]),
        reverse("people:place", args=[world.building.pk]),
        reverse("people:place-buildings", args=[world.community.pk]),
        reverse("people:building-qr", args=[world.building.pk]),
        reverse("people:directory"),
        reverse("people:person", args=[world.resident.pk]),
        reverse("people:join-requests"),
        reverse("people:organisations"),
        reverse("people:organisation", args=[world.company.pk]),
        reverse("people:venues"),
        reverse("people:my-data"),
    ]:
        assert client.get(url).status_code == 200, url


def test_stats_and_api_render(client, world):
    assert client.get(reverse("stats:overview")).status_code == 200
    assert client.get(reverse("stats:community", args=[world.community.pk])).status_code == 200
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/stats/").json()["figures"]["communities"] == 2
