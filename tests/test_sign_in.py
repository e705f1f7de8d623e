"""Sign-in with mobile number + password or a one-time SMS code, lockout after repeated failures,
and registration with a consent record."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.sms import MemoryBackend
from people import actions
from people.models import ConsentRecord, OneTimeCode, Person
from tests.conftest import PASSWORD

RESIDENT = "13800000001"
UNKNOWN = "13511112222"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _signed_in(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def _codes_sent_to(mobile: str) -> list[str]:
    return [re.search(r"\d{6}", text).group() for to, text in MemoryBackend.outbox if to == mobile]


def _require_axes():
    if not settings.AXES_ENABLED:
        pytest.skip("lockout is switched off (AXES_ENABLED=0)")


# --- mobile number + password -----------------------------------------------------------------


def test_a_resident_signs_in_with_mobile_and_password(client, world):
    assert client.get(reverse("people:login")).status_code == 200
    response = client.post(reverse("people:login"), {"mobile": RESIDENT, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _signed_in(client) == world.resident.pk


def test_the_mobile_number_may_be_typed_with_country_code_and_spaces(client, world):
    client.post(reverse("people:login"), {"mobile": "+86 138 0000 0001", "password": PASSWORD})
    assert _signed_in(client) == world.resident.pk


def test_sign_in_follows_a_safe_next_and_ignores_another_site(client, world):
    url = reverse("people:login")
    response = client.post(url + "?next=/me/data/", {"mobile": RESIDENT, "password": PASSWORD})
    assert response["Location"] == "/me/data/"
    client.logout()
    response = client.post(url + "?next=https://evil.example/", {"mobile": RESIDENT, "password": PASSWORD})
    assert response["Location"] == reverse("home")


def test_a_wrong_password_shows_a_message_and_signs_nobody_in(client, world):
    response = client.post(reverse("people:login"), {"mobile": RESIDENT, "password": "not-the-password"}, **EN)
    assert response.status_code == 200
    assert "Wrong mobile number or password." in response.content.decode()
    assert response.context["form"].non_field_errors()
    assert _signed_in(client) is None


def test_an_unknown_number_gets_the_same_message_as_a_wrong_password(client, world):
    response = client.post(reverse("people:login"), {"mobile": UNKNOWN, "password": "whatever-1"}, **EN)
    assert response.status_code == 200
    assert "Wrong mobile number or password." in response.content.decode()


def test_a_deactivated_person_cannot_sign_in(client, world):
    Person.objects.filter(pk=world.resident.pk).update(is_active=False)
    client.post(reverse("people:login"), {"mobile": RESIDENT, "password": PASSWORD})
    assert _signed_in(client) is None


def test_sign_in_answers_405_to_other_methods(client, db):
    assert client.put(reverse("people:login")).status_code == 405
    assert client.put(reverse("people:login-code")).status_code == 405


def test_sign_out_needs_post(client, world):
    client.force_login(world.resident)
    assert client.get(reverse("people:logout")).status_code == 405
    assert _signed_in(client) == world.resident.pk
    assert client.post(reverse("people:logout")).status_code == 302
    assert _signed_in(client) is None


# --- one-time codes by SMS --------------------------------------------------------------------


class Codes:
    """Asks for codes and signs in with them. Codes are sent on commit: the callbacks are run
    inside the test's transaction."""

    def __init__(self, client, capture):
        self.client, self.capture = client, capture

    def ask(self, mobile: str = RESIDENT, **extra):
        with self.capture(execute=True):
            return self.client.post(reverse("people:login-code"), {"mobile": mobile}, **extra)

    def send(self, mobile: str = RESIDENT) -> bool:
        with self.capture(execute=True):
            return actions.send_sign_in_code(mobile=mobile)

    def sign_in(self, code: str, mobile: str = RESIDENT, **extra):
        return self.client.post(reverse("people:login-code"), {"mobile": mobile, "code": code}, **extra)


@pytest.fixture
def codes(client, django_capture_on_commit_callbacks) -> Codes:
    return Codes(client, django_capture_on_commit_callbacks)


def test_a_code_is_sent_through_the_sms_backend_and_signs_in_once(client, codes, world):
    response = codes.ask()
    assert response.status_code == 200
    assert response.context["sent"] is True
    [code] = _codes_sent_to(RESIDENT)
    assert OneTimeCode.objects.get().code_hash != code  # only a hash is kept
    response = codes.sign_in(code)
    assert response.status_code == 302
    assert _signed_in(client) == world.resident.pk

    client.logout()
    response = codes.sign_in(code, **EN)
    assert response.status_code == 200
    assert "The code is wrong or has expired." in response.content.decode()
    assert _signed_in(client) is None


def test_an_expired_code_is_refused(client, codes, world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    codes.ask()
    [code] = _codes_sent_to(RESIDENT)
    time_machine.shift(timedelta(seconds=settings.ONE_TIME_CODE_TTL_SECONDS + 1))
    codes.sign_in(code)
    assert _signed_in(client) is None


def test_a_code_still_works_just_before_it_expires(client, codes, world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    codes.ask()
    [code] = _codes_sent_to(RESIDENT)
    time_machine.shift(timedelta(seconds=settings.ONE_TIME_CODE_TTL_SECONDS - 1))
    codes.sign_in(code)
    assert _signed_in(client) == world.resident.pk


def test_a_code_is_void_after_the_maximum_number_of_wrong_guesses(codes, world):
    assert codes.send(RESIDENT)
    [code] = _codes_sent_to(RESIDENT)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(settings.ONE_TIME_CODE_MAX_ATTEMPTS):
        assert actions.check_sign_in_code(mobile=RESIDENT, code=wrong) is None
    assert actions.check_sign_in_code(mobile=RESIDENT, code=code) is None


def test_a_code_survives_fewer_wrong_guesses_than_the_maximum(codes, world):
    codes.send(RESIDENT)
    [code] = _codes_sent_to(RESIDENT)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(settings.ONE_TIME_CODE_MAX_ATTEMPTS - 1):
        actions.check_sign_in_code(mobile=RESIDENT, code=wrong)
    assert actions.check_sign_in_code(mobile=RESIDENT, code=code) == world.resident


def test_a_second_code_within_a_minute_is_refused_and_after_a_minute_replaces_the_first(client, codes, world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    codes.ask()
    response = codes.ask(**EN)
    assert response.status_code == 200
    assert "less than a minute ago" in response.content.decode()
    assert len(_codes_sent_to(RESIDENT)) == 1

    time_machine.shift(timedelta(seconds=61))
    codes.ask()
    _first, second = _codes_sent_to(RESIDENT)
    assert OneTimeCode.objects.filter(used_at__isnull=True).count() == 1  # the new code voids the old one
    codes.sign_in(second)
    assert _signed_in(client) == world.resident.pk


def test_an_unknown_number_gets_the_same_pages_and_no_message_is_sent(client, codes, world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)

    def visible(response) -> str:
        body = response.content.decode()
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
        return body.replace(UNKNOWN, RESIDENT)

    known, unknown = codes.ask(RESIDENT), codes.ask(UNKNOWN)
    assert visible(known) == visible(unknown)
    again_known, again_unknown = codes.ask(RESIDENT), codes.ask(UNKNOWN)
    assert visible(again_known) == visible(again_unknown)  # the resend throttle does not tell them apart
    assert [to for to, _text in MemoryBackend.outbox] == [RESIDENT]


def test_a_code_for_an_unknown_number_signs_nobody_in(codes, world):
    assert codes.send(UNKNOWN) is False
    assert MemoryBackend.outbox == []
    assert all(actions.check_sign_in_code(mobile=UNKNOWN, code=f"{n:06d}") is None for n in range(3))


def test_an_invalid_mobile_number_is_refused_before_any_code_is_sent(client, codes, world):
    response = codes.ask("12345")
    assert response.status_code == 200
    assert response.context["form"].errors["mobile"]
    assert not OneTimeCode.objects.exists()
    assert MemoryBackend.outbox == []


# --- lockout (django-axes) --------------------------------------------------------------------


def _fail_passwords(client, times: int, mobile: str = RESIDENT):
    response = None
    for _ in range(times):
        response = client.post(reverse("people:login"), {"mobile": mobile, "password": "not-the-password"})
    return response


def test_repeated_wrong_passwords_lock_the_number(client, world):
    _require_axes()
    assert _fail_passwords(client, settings.AXES_FAILURE_LIMIT - 1).status_code == 200
    response = _fail_passwords(client, 1)
    assert response.status_code == 429
    assert "people/locked_out.html" in [t.name for t in response.templates]
    # even the right password is refused while locked
    response = client.post(reverse("people:login"), {"mobile": RESIDENT, "password": PASSWORD})
    assert response.status_code == 429
    assert _signed_in(client) is None


def test_the_lock_is_per_number(client, world):
    _require_axes()
    _fail_passwords(client, settings.AXES_FAILURE_LIMIT)
    response = client.post(reverse("people:login"), {"mobile": "13800000002", "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client) == world.neighbour.pk


def test_the_lock_counts_the_number_however_it_is_typed(client, world):
    _require_axes()
    _fail_passwords(client, settings.AXES_FAILURE_LIMIT, mobile="+86 138-0000-0001")
    assert client.post(reverse("people:login"), {"mobile": RESIDENT, "password": PASSWORD}).status_code == 429


def test_wrong_codes_count_towards_the_lock(client, codes, world):
    _require_axes()
    codes.ask()
    [code] = _codes_sent_to(RESIDENT)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    statuses = [codes.sign_in(wrong).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429


def test_a_successful_sign_in_resets_the_count(client, world):
    _require_axes()
    _fail_passwords(client, settings.AXES_FAILURE_LIMIT - 1)
    client.post(reverse("people:login"), {"mobile": RESIDENT, "password": PASSWORD})
    client.logout()
    assert _fail_passwords(client, settings.AXES_FAILURE_LIMIT - 1).status_code == 200


def test_the_lock_lifts_after_the_cool_off(client, world, time_machine):
    _require_axes()
    time_machine.move_to(timezone.now(), tick=False)
    _fail_passwords(client, settings.AXES_FAILURE_LIMIT)
    time_machine.shift(timedelta(hours=settings.AXES_COOLOFF_TIME, seconds=1))
    response = client.post(reverse("people:login"), {"mobile": RESIDENT, "password": PASSWORD})
    assert response.status_code == 302


# --- registration -----------------------------------------------------------------------------

GOOD = {"name": "新住户", "mobile": "13500000001", "password": "a-long-password-1", "agree": "on"}


def test_registration_creates_the_account_records_consent_and_signs_in(client, db):
    response = client.post(reverse("people:register"), GOOD)
    assert response.status_code == 302
    person = Person.objects.get(mobile="13500000001")
    assert person.name == "新住户"
    assert person.check_password("a-long-password-1")
    assert ConsentRecord.objects.filter(person=person, purpose=ConsentRecord.Purpose.REGISTRY).exists()
    assert _signed_in(client) == person.pk


def test_registration_returns_to_the_join_page_it_came_from(client, world):
    url = reverse("people:join", args=[world.building.join_code])
    response = client.post(reverse("people:register") + f"?next={url}", GOOD)
    assert response["Location"] == url


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mobile", "12345"),
        ("mobile", "02012345678"),  # a landline
        ("mobile", "1380000000a"),
        ("mobile", ""),
        ("name", ""),
        ("password", "12345678"),  # numeric only
        ("password", "short"),
        ("agree", ""),  # no consent, no account
    ],
)
def test_registration_refuses_bad_input_and_creates_nothing(client, db, field, value):
    data = {**GOOD, field: value}
    if not value:
        del data[field]
    response = client.post(reverse("people:register"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'lang="zh-hans"' in response.content.decode()  # the default language
    assert not Person.objects.exists()
    assert not ConsentRecord.objects.exists()


def test_an_invalid_mobile_number_is_explained_in_english_on_request(client, db):
    response = client.post(reverse("people:register"), {**GOOD, "mobile": "12345"}, **EN)
    assert "is not a valid mainland mobile number" in response.content.decode()


def test_registration_refuses_a_number_already_registered(client, world):
    response = client.post(reverse("people:register"), {**GOOD, "mobile": RESIDENT})
    assert response.status_code == 200
    assert response.context["form"].errors["mobile"]
    assert Person.objects.filter(mobile=RESIDENT).count() == 1
    assert _signed_in(client) is None
