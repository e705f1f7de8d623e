"""One data row while it is checked, and the parsers that turn its cell texts into values."""

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..validators import normalise_id_number
from .reading import Sheet
from .report import RowError, SheetReport
from .vocabulary import CHOICES_OF, _norm

if TYPE_CHECKING:
    from .importing import _Run


class _Row:
    """One data row while it is checked: collects its errors, then records its outcome."""

    def __init__(self, run: "_Run", sheet: Sheet, report: SheetReport, number: int, values: dict[str, str]):
        self.run, self.sheet, self.report, self.number, self.values = run, sheet, report, number, values
        self.failed = False

    def text(self, key: str) -> str:
        return self.values.get(key, "")

    def fail(self, message: str, column: str = "") -> None:
        if not self.failed:
            self.report.counts["error"] += 1
        self.failed = True
        header = self.sheet.headers.get(column, "")
        self.run.report.errors.append(RowError(self.sheet.title, self.number, header, str(message)))

    def parse(self, key: str, parser, *, required: bool = False):
        text = self.text(key)
        if not text:
            if required:
                self.fail(_("This cell is empty."), key)
            return None
        try:
            return parser(text)
        except ValidationError as exc:
            self.fail(" ".join(exc.messages), key)
            return None

    def choice(self, key: str, *, required: bool = False):
        index = self.run.choice_index(key)

        def parser(text):
            if _norm(text) not in index:
                table, _c = CHOICES_OF[key]
                allowed = "、".join(zh for zh, _a in table.values())
                raise ValidationError(_("“%(value)s” is not one of: %(allowed)s.") % {"value": text, "allowed": allowed})
            return index[_norm(text)]

        return self.parse(key, parser, required=required)

    def done(self, action: str, summary: str) -> None:
        self.report.counts[action] += 1
        self.report.preview.append((self.number, action, summary))


# --- cell parsers ----------------------------------------------------------------------------


def _short(limit: int):
    def parser(text: str) -> str:
        if len(text) > limit:
            raise ValidationError(_("At most %(n)s characters.") % {"n": limit})
        return text

    return parser


def _area(text: str) -> Decimal:
    cleaned = re.sub(r"(m²|㎡|m2|平方米|平米)$", "", text.replace(",", "").replace("，", ""), flags=re.IGNORECASE).strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0:
        raise ValidationError(_("“%(value)s” is not a positive area in m².") % {"value": text})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("The area “%(value)s” has more than 2 decimals.") % {"value": text})
    if value >= Decimal("100000000"):
        raise ValidationError(_("The area “%(value)s” is too large.") % {"value": text})
    return value.quantize(Decimal("0.01"))


def _share(text: str) -> Decimal:
    cleaned = text.strip()
    try:
        if cleaned.endswith(("%", "％")):
            value = Fraction(Decimal(cleaned[:-1])) / 100
        else:
            value = Fraction(cleaned) if "/" in cleaned else Fraction(Decimal(cleaned))
    except (InvalidOperation, ValueError, ZeroDivisionError):
        value = None
    if value is None or not 0 < value <= 1:
        raise ValidationError(_("The share “%(value)s” must be more than 0 and at most 1 (e.g. 0.5 or 50%%).") % {"value": text})
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    if exact != exact.quantize(Decimal("0.0001")):
        raise ValidationError(_("The share “%(value)s” needs more than 4 decimals.") % {"value": text})
    return exact.quantize(Decimal("0.0001"))


def _integer(text: str, low: int, high: int, message: str) -> int:
    cleaned = re.sub(r"(层|楼|f|年)$", "", text.strip(), flags=re.IGNORECASE)
    try:
        value = int(cleaned)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValidationError(message % {"value": text})
    return value


def _floor(text: str) -> int:
    return _integer(text, -20, 300, _("“%(value)s” is not a floor number."))


def _birth_year(text: str) -> int:
    return _integer(text, 1900, timezone.localdate().year, _("“%(value)s” is not a birth year."))


def _id_number(text: str) -> str:
    if re.fullmatch(r"[\d.]+E\+?\d+", text, flags=re.IGNORECASE):
        raise ValidationError(
            _("Excel turned this ID number into a number and lost digits: format the column as text and type it again.")
        )
    return normalise_id_number(text)
