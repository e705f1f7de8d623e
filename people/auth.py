"""Sign-in backends: mobile number + password, and mobile number + one-time SMS code.

Both are called through ``django.contrib.auth.authenticate(request, username=mobile, ...)`` so that
django-axes counts every failure, whichever way the person tried, and locks the number out.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from .models import Person
from .policy import signed_in_person
from .validators import normalise_mobile


def _mobile(username) -> str | None:
    try:
        return normalise_mobile(username)
    except ValidationError:
        return None


class PersonBackend(ModelBackend):
    """Loads a session's person together with their active roles (``policy.signed_in_person``)."""

    def get_user(self, user_id):
        try:
            person = signed_in_person(int(user_id))
        except (TypeError, ValueError):  # a session written by something else
            return None
        return person if person is not None and self.user_can_authenticate(person) else None


class MobilePasswordBackend(PersonBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        mobile = _mobile(username)
        if mobile is None or password is None:
            return None
        person = Person.objects.filter(mobile=mobile).first()
        if person is None:
            Person().set_password(password)  # same work as a real check: no timing oracle
            return None
        if person.check_password(password) and self.user_can_authenticate(person):
            return person
        return None


class OneTimeCodeBackend(PersonBackend):
    def authenticate(self, request, username=None, code=None, **kwargs):
        from .actions import check_sign_in_code

        mobile = _mobile(username)
        if mobile is None or code is None:
            return None
        person = check_sign_in_code(mobile=mobile, code=code)
        if person is not None and self.user_can_authenticate(person):
            return person
        return None
