"""Field-level protection for sensitive identifiers (PIPL Art 28, 51: encryption of sensitive data).

ID numbers are stored as a Fernet token (AES + HMAC) and a keyed hash for exact look-up and
uniqueness; the clear number never reaches the database.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet
from django.conf import settings


@cache
def _key_material() -> bytes:
    source = settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY
    return hashlib.sha256(("linli-field-key:" + source).encode()).digest()


@cache
def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key_material()))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def lookup_hash(value: str) -> str:
    return hmac.new(_key_material(), value.upper().encode(), hashlib.sha256).hexdigest()
