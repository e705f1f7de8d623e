"""The page frame (templates/base.html): its fixed parts are rendered once per language and kept in process
memory as in production; the per-request parts (the forms' CSRF tokens, the page to come back to) never are."""

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

IN_PROCESS = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "frame": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "frame-test", "TIMEOUT": None},
}


@pytest.fixture
def frame_cache(settings):
    settings.CACHES = IN_PROCESS
    caches["frame"].clear()
    yield caches["frame"]
    caches["frame"].clear()


def _tokens(body: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)


def test_the_navigation_follows_the_language_of_each_request(client, world, frame_cache):
    client.force_login(world.resident)
    chinese = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    again = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "Problems" in english and "Neighbourhood life in figures" in english
    assert "Problems" not in chinese and "Problems" not in again
    assert "Sign out" in english
    assert len(frame_cache._cache) == 4  # navigation and footer, in each of the two languages


def test_a_visitor_and_a_signed_in_person_each_get_their_own_navigation(client, world, frame_cache):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    visitor = client.get(reverse("people:login"), **headers).content.decode()
    client.force_login(world.resident)
    signed_in = client.get(reverse("home"), **headers).content.decode()
    client.logout()
    visitor_again = client.get(reverse("people:login"), **headers).content.decode()

    for body in (visitor, visitor_again):
        assert reverse("people:my-data") not in body
        assert "Sign out" not in body
    assert reverse("people:my-data") in signed_in
    assert reverse("cases:index") in signed_in


def test_each_page_gets_fresh_form_tokens_and_its_own_return_address(client, world, frame_cache):
    client.force_login(world.community_staff)
    first = client.get(reverse("people:directory")).content.decode()
    second = client.get(reverse("people:directory") + "?q=li").content.decode()

    assert len(_tokens(first)) == 2 == len(_tokens(second))  # sign out, language
    assert set(_tokens(first)).isdisjoint(_tokens(second))  # masked afresh on each page
    assert 'name="next" type="hidden" value="/people/"' in first
    assert 'name="next" type="hidden" value="/people/?q=li"' in second


def test_signing_out_from_a_page_served_with_a_kept_frame_passes_the_csrf_check(world, frame_cache):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.resident)
    client.get(reverse("home"))  # the frame is kept from here on
    token = _tokens(client.get(reverse("home")).content.decode())[0]

    assert client.post(reverse("people:logout")).status_code == 403  # without the page's token
    assert client.post(reverse("people:logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.get(reverse("people:my-data")).status_code == 302  # signed out: sent to sign in
