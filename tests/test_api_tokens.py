from django.urls import reverse

from people.models import ApiToken


def test_a_person_creates_a_token_and_uses_it_once_shown(client, world):
    client.force_login(world.community_staff)
    response = client.post(reverse("people:my-tokens"), {"name": "roster sync"})
    key = response.context["new_key"]
    assert key and key in response.content.decode()
    assert ApiToken.objects.get(person=world.community_staff).key_hash != key
    client.logout()
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert me.status_code == 200
    assert me.json()["name"] == world.community_staff.name


def test_a_revoked_token_no_longer_works(client, world):
    client.force_login(world.resident)
    key = client.post(reverse("people:my-tokens"), {"name": "phone"}).context["new_key"]
    token = ApiToken.objects.get(person=world.resident)
    client.post(reverse("people:my-token-revoke", args=[token.pk]))
    client.logout()
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_nobody_revokes_another_persons_token(client, world):
    client.force_login(world.resident)
    client.post(reverse("people:my-tokens"), {"name": "phone"})
    token = ApiToken.objects.get(person=world.resident)
    client.force_login(world.outsider)
    assert client.post(reverse("people:my-token-revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_last_use_is_kept_to_the_minute(client, world):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    client.force_login(world.resident)
    key = client.post(reverse("people:my-tokens"), {"name": "phone"}).context["new_key"]
    client.logout()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    first = ApiToken.objects.get(person=world.resident).last_used_at
    assert first == start
    with time_machine.travel(start + timedelta(seconds=50), tick=False):
        client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert ApiToken.objects.get(person=world.resident).last_used_at == first  # not written on every call
    with time_machine.travel(start + timedelta(seconds=70), tick=False):
        client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert ApiToken.objects.get(person=world.resident).last_used_at == start + timedelta(seconds=70)
