"""The book corner's rules as plain computations: ISBNs, copy codes, loan periods, borrowing limits,
renewals and when to remind. No database here; ``actions`` applies them inside its transactions and the
tests check them as tables.

Day counting follows the Civil Code (Art 201): a period starts the day after the loan, so a book lent on
1 March for 30 days is due on 31 March and overdue from 1 April.
"""

import secrets
import unicodedata
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

LOAN_DAYS = 30
RENEWAL_DAYS = 30
MAX_RENEWALS = 1
MAX_OPEN_LOANS = 5
# Reminders: once two days before the due date, then every seven days while overdue.
REMIND_BEFORE_DAYS = 2
OVERDUE_REMINDER_EVERY_DAYS = 7

# --- ISBN ---------------------------------------------------------------------------------------


def _isbn13_check(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def _isbn10_valid(isbn10: str) -> bool:
    total = 0
    for i, ch in enumerate(isbn10):
        value = 10 if ch == "X" else int(ch)
        total += (10 - i) * value
    return total % 11 == 0


def normalise_isbn(raw: str) -> str:
    """An ISBN as typed, scanned or printed (with hyphens, spaces, full-width digits, an "ISBN" prefix;
    ISBN-10 or ISBN-13) → its 13 digits; "" for nothing typed. Raises ``ValidationError`` (keyed
    ``isbn``) for anything that is not an ISBN with a correct check digit."""
    text = unicodedata.normalize("NFKC", raw or "").upper().strip()
    if not text:
        return ""
    for prefix in ("ISBN-13", "ISBN-10", "ISBN13", "ISBN10", "ISBN"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    text = text.lstrip(":：").replace("-", "").replace(" ", "").replace("‐", "")
    if len(text) == 10 and text[:9].isdigit() and (text[9].isdigit() or text[9] == "X"):
        if not _isbn10_valid(text):
            raise ValidationError({"isbn": _("The check digit of this ISBN is wrong: compare it with the book.")})
        first12 = "978" + text[:9]
        return first12 + _isbn13_check(first12)
    if len(text) == 13 and text.isdigit():
        if not text.startswith(("978", "979")):
            raise ValidationError({"isbn": _("An ISBN-13 starts with 978 or 979.")})
        if _isbn13_check(text[:12]) != text[12]:
            raise ValidationError({"isbn": _("The check digit of this ISBN is wrong: compare it with the book.")})
        return text
    raise ValidationError({"isbn": _("An ISBN has 10 or 13 digits (the last of an ISBN-10 may be X).")})


def looks_like_isbn(text: str) -> str:
    """The 13-digit ISBN when ``text`` is a valid ISBN, else "" (for search boxes: no error)."""
    try:
        return normalise_isbn(text)
    except ValidationError:
        return ""


def format_isbn(isbn13: str) -> str:
    """978-7-5063-6543-7 needs the registration-group ranges; the prefix and the check digit set apart
    (978-750636543-7) are enough to read it aloud."""
    if len(isbn13) != 13:
        return isbn13
    return f"{isbn13[:3]}-{isbn13[3:12]}-{isbn13[12]}"


# --- copy codes ---------------------------------------------------------------------------------

# Read off a label and typed on a phone: no 0/O, 1/I/L. The last character is a check character: the
# characters' values weighted by their position (1…6) sum to 0 modulo 31, a prime, so any one mistyped
# character and any two swapped characters are refused instead of borrowing another book.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def _weighted_sum(text: str) -> int:
    return sum(position * CODE_ALPHABET.index(ch) for position, ch in enumerate(text, 1)) % len(CODE_ALPHABET)


def code_check_character(payload: str) -> str:
    """The character that completes ``payload`` (five characters) to a valid code."""
    n = len(CODE_ALPHABET)
    return CODE_ALPHABET[(-_weighted_sum(payload) * pow(CODE_LENGTH, -1, n)) % n]


def new_copy_code() -> str:
    payload = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH - 1))
    return payload + code_check_character(payload)


def normalise_code(raw: str) -> str:
    """A copy code as typed or scanned (lower case, spaces, a hyphen, or the whole address its QR code
    holds) → the code; "" when it cannot be one of ours (wrong characters, length or check)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if "/" in text:  # a scanner types the QR code's address: the code is its last part
        text = [part for part in text.split("/") if part][-1] if text.strip("/") else ""
    text = text.upper().replace(" ", "").replace("-", "")
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text):
        return ""
    if _weighted_sum(text) != 0:
        return ""
    return text


# --- loans --------------------------------------------------------------------------------------


def due_date(lent_on: date) -> date:
    return lent_on + timedelta(days=LOAN_DAYS)


def renewed_due_date(due_on: date) -> date:
    """A renewal adds 30 days to the due date (renewing early loses no days)."""
    return due_on + timedelta(days=RENEWAL_DAYS)


def is_overdue(due_on: date, today: date) -> bool:
    return today > due_on


def check_borrowing(*, open_loans: int, overdue_loans: int) -> None:
    """May a person with these loans borrow one more book? Raises ``ValidationError`` (keyed
    ``borrower``) with the reason."""
    if overdue_loans:
        raise ValidationError(
            {
                "borrower": ngettext(
                    "There is an overdue book to return first.",
                    "There are %(n)d overdue books to return first.",
                    overdue_loans,
                )
                % {"n": overdue_loans}
            }
        )
    if open_loans >= MAX_OPEN_LOANS:
        raise ValidationError(
            {"borrower": _("At most %(n)d books may be on loan at once: return one first.") % {"n": MAX_OPEN_LOANS}}
        )


def check_renewal(*, due_on: date, today: date, renewals: int, waiting: int) -> None:
    """One renewal, before the due date has passed, and only when nobody is waiting for the book.
    Raises ``ValidationError`` (keyed ``loan``)."""
    if is_overdue(due_on, today):
        raise ValidationError({"loan": _("An overdue book cannot be renewed: please return it.")})
    if renewals >= MAX_RENEWALS:
        raise ValidationError({"loan": _("This loan has already been renewed once.")})
    if waiting:
        raise ValidationError({"loan": _("Someone is waiting for this book, so it cannot be renewed.")})


def reminder_due(*, due_on: date, today: date, due_soon_reminded_on: date | None, reminded_on: date | None) -> str:
    """Which reminder an open loan needs today: "overdue" (once every seven days while overdue),
    "due_soon" (once, at most two days before the due date) or ""."""
    if is_overdue(due_on, today):
        if reminded_on is None or (today - reminded_on).days >= OVERDUE_REMINDER_EVERY_DAYS:
            return "overdue"
        return ""
    if due_soon_reminded_on is None and (due_on - today).days <= REMIND_BEFORE_DAYS:
        return "due_soon"
    return ""


def overdue_reminder_cutoff(today: date) -> date:
    """An overdue loan last reminded on or before this day is reminded again today."""
    return today - timedelta(days=OVERDUE_REMINDER_EVERY_DAYS)
