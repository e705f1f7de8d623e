"""Validation of mainland mobile numbers and resident ID numbers (GB 11643-1999)."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def normalise_mobile(value: str) -> str:
    """Return the 11-digit national form of a mainland mobile number, or raise ValidationError."""
    raw = re.sub(r"[\s\-()]", "", str(value or ""))
    if raw.startswith("0086"):
        raw = "+86" + raw[4:]
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        parsed = None
    if (
        parsed is None
        or parsed.country_code != 86
        or not phonenumbers.is_valid_number(parsed)
        or phonenumbers.number_type(parsed)
        not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    ):
        raise ValidationError(
            _("“%(value)s” is not a valid mainland mobile number."), code="invalid_mobile", params={"value": value}
        )
    return str(parsed.national_number)


def validate_mobile(value: str) -> None:
    normalise_mobile(value)


def normalise_id_number(value: str) -> str:
    """18-character resident ID number with a valid check digit (GB 11643-1999)."""
    number = str(value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(_("An ID number has 17 digits followed by a digit or X."), code="invalid_id")
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != number[17]:
        raise ValidationError(_("The ID number's check digit is wrong."), code="invalid_id_check")
    return number
