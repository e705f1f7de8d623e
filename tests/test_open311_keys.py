"""The Open311 API keys page (/cases/open311-keys/): sub-district administrators issue and revoke keys;
everybody else gets 404."""

import pytest

from cases import actions
from cases.models import Case, Open311Key

URL = "/cases/open311-keys/"


def report_with(client, world, raw: str):
    data = {"api_key": raw, "service_code": "clutter", "address_id": str(world.building.pk), "description": "纸箱"}
    return client.post("/open311/v2/requests.json", data)


def test_an_administrator_issues_a_key_shown_once_that_works(client, world):
    client.force_login(world.admin)
    response = client.post(URL, {"name": "12345 热线"})
    assert response.status_code == 200
    raw = response.context["new_key"]
    assert raw and raw in response.content.decode()
    key = Open311Key.objects.get()
    assert key.name == "12345 热线" and key.created_by == world.admin and key.key_hash != raw
    listing = client.get(URL)
    assert "12345 热线" in listing.content.decode() and raw not in listing.content.decode()
    client.logout()
    assert report_with(client, world, raw).status_code == 200


def test_an_administrator_revokes_a_key_and_it_stops_working(client, world):
    client.force_login(world.admin)
    raw = client.post(URL, {"name": "bridge"}).context["new_key"]
    key = Open311Key.objects.get()
    response = client.post(URL, {"revoke": key.pk})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert report_with(client, world, raw).status_code == 403
    assert not Case.objects.exists()


def test_a_key_needs_a_name(client, world):
    client.force_login(world.admin)
    response = client.post(URL, {"name": "  "}, follow=True)
    assert response.context["new_key"] is None
    assert not Open311Key.objects.exists()


@pytest.mark.parametrize("persona", ["community_staff", "outsider", "building_leader"])
def test_everybody_else_gets_404_and_changes_nothing(client, world, persona):
    key, _raw = actions.create_open311_key(actor=None, name="bridge")
    client.force_login(getattr(world, persona))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"name": "mine"}).status_code == 404
    assert client.post(URL, {"revoke": key.pk}).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None and Open311Key.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and "next=" in response["Location"]
