"""Reading an uploaded file (an XLSX workbook, a CSV file or a zip of CSV files) into a Book of
Sheets: rows of cell texts keyed by column, with the problems of the file itself."""

import csv
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field

import openpyxl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from people import spreadsheets  # the limits, looked up when used: see spreadsheets/__init__.py

from .vocabulary import INSTRUCTION_SHEETS, ORDER, SHEETS, _header_index, _norm, _sheet_index

logger = logging.getLogger("linli.spreadsheets")


# --- reading a file --------------------------------------------------------------------------


@dataclass
class Sheet:
    kind: str
    title: str  # as the user named it: the sheet title, or the CSV file name
    headers: dict[str, str]  # column key → header text in the file
    rows: list[tuple[int, dict[str, str]]]  # (row number as the spreadsheet shows it, values)
    formulas: dict[int, str] = field(default_factory=dict)  # row number → column key of a formula cell
    problems: list[tuple[int, str]] = field(default_factory=list)  # (row, message): errors about the sheet itself
    notices: list[tuple[int, str]] = field(default_factory=list)  # (row, message): worth knowing, not errors


@dataclass
class Book:
    filename: str
    sheets: list[Sheet]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (sheet title, message)

    @property
    def row_count(self) -> int:
        return sum(len(s.rows) for s in self.sheets)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value).replace("\u3000", " ").replace("\xa0", " ").replace("\ufeff", "").replace("\u200b", "").strip()
    # Our CSV export protects text cells from spreadsheet formula injection with a leading quote.
    if text[:2] in {"'=", "'+", "'-", "'@"}:
        text = text[1:]
    return text


def _kind_of(name: str, index: dict[str, str]) -> str | None:
    stem = re.sub(r"\.(csv|txt|xlsx|xlsm)$", "", name.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    if _norm(stem) in index:
        return index[_norm(stem)]
    last = re.split(r"[-_ .]", stem)[-1]
    return index.get(_norm(last))


def _make_sheet(kind: str, title: str, rows, row_budget: list[int]) -> Sheet:
    """Rows are (row number, [cells], formula column indexes). The first non-empty row is the
    header; a second header row (the template's English one) is skipped."""
    spec = SHEETS[kind]
    index = _header_index(spec)
    sheet = Sheet(kind=kind, title=title, headers={}, rows=[])
    columns: dict[int, str] = {}
    header_row = None
    for number, cells, formula_cols in rows:
        texts = [_text(c) for c in cells[: spreadsheets.MAX_COLUMNS]]
        if not any(texts):
            continue
        if header_row is None:
            header_row = number
            for i, text in enumerate(texts):
                if not text:
                    continue
                key = index.get(_norm(text))
                if key is None:
                    sheet.notices.append((number, _("Unknown column “%(name)s”: it was ignored.") % {"name": text}))
                elif key in sheet.headers:
                    sheet.problems.append((number, _("Two columns mean “%(name)s”; keep only one.") % {"name": text}))
                else:
                    columns[i] = key
                    sheet.headers[key] = text
            for col in spec.columns:
                if col.required and col.key not in sheet.headers:
                    sheet.problems.append((number, _("Missing column “%(zh)s” (%(en)s).") % {"zh": col.zh, "en": col.en}))
            continue
        if number == header_row + 1 and all(index.get(_norm(t)) == columns.get(i) for i, t in enumerate(texts) if t):
            continue  # second header row
        row_budget[0] -= 1
        if row_budget[0] < 0:
            raise ValidationError(
                _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": f"{spreadsheets.MAX_ROWS:,}"}
            )
        sheet.rows.append((number, {key: texts[i] if i < len(texts) else "" for i, key in columns.items()}))
        if formula_cols:
            first = min(formula_cols)
            sheet.formulas[number] = columns.get(first, "")
    return sheet


def _decode_csv(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "gb18030"]  # Excel in China saves CSV as GBK, which GB18030 contains
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ValidationError(_("The CSV file is not text in UTF-8 or GBK. Save it again as “CSV UTF-8” or as an Excel workbook."))


def _csv_rows(text: str):
    first = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells, []
    except csv.Error as exc:
        raise ValidationError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def _xlsx_rows(ws):
    for number, cells in enumerate(ws.iter_rows(max_col=spreadsheets.MAX_COLUMNS), start=1):
        values = [c.value for c in cells]
        formulas = [i for i, c in enumerate(cells) if getattr(c, "data_type", None) == "f"]
        yield number, values, formulas


def _check_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("The file is damaged or not an Excel workbook.")) from exc
    if sum(i.file_size for i in infos) > spreadsheets.MAX_UNPACKED_BYTES or len(infos) > 1000:
        raise ValidationError(_("The workbook is too large once unpacked. Split it into smaller files."))
    if any(i.flag_bits & 0x1 for i in infos):
        raise ValidationError(_("The file is encrypted. Remove the password and save it again."))
    return archive


def read_upload(data: bytes, filename: str, kind: str = "") -> Book:
    """Parse an uploaded XLSX workbook, a CSV file (of the given kind, or the kind its name
    says), or a zip of CSV files as our CSV export makes. Raises ValidationError, with a message
    for the user, for anything that is not a readable roster."""
    if len(data) > spreadsheets.MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than %(max)s MB.") % {"max": spreadsheets.MAX_UPLOAD_BYTES // (1024 * 1024)})
    if not data.strip():
        raise ValidationError(_("The file is empty."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError(
            _(
                "This file is encrypted or in the old Excel 97–2003 (.xls) format. Remove any password and save it as an "
                "Excel workbook (.xlsx) or as CSV."
            )
        )
    sheet_index = _sheet_index()
    budget = [spreadsheets.MAX_ROWS]
    book = Book(filename=filename, sheets=[])
    if data.startswith(b"PK"):
        archive = _check_zip(data)
        names = archive.namelist()
        if "xl/workbook.xml" not in names:
            csv_names = [n for n in names if n.lower().endswith(".csv") and not n.startswith("__MACOSX")]
            if not csv_names:
                raise ValidationError(_("The file is not an Excel workbook (.xlsx) or a CSV file."))
            for name in csv_names:
                found = _kind_of(name, sheet_index)
                if found is None:
                    book.problems.append(
                        (name, _("Unknown file “%(name)s” in the zip: name it after a sheet, e.g. units.csv.") % {"name": name})
                    )
                    continue
                book.sheets.append(_make_sheet(found, name, _csv_rows(_decode_csv(archive.read(name))), budget))
        else:
            try:
                wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            except Exception as exc:  # openpyxl raises many kinds for a damaged file
                logger.info("unreadable workbook %s: %r", filename, exc)
                raise ValidationError(_("The file is damaged or not an Excel workbook.")) from exc
            try:
                for ws in wb.worksheets:
                    found = sheet_index.get(_norm(ws.title))
                    if found is None:
                        if _norm(ws.title) not in INSTRUCTION_SHEETS:
                            book.problems.append(
                                (
                                    ws.title,
                                    _(
                                        "Unknown sheet “%(name)s”: name it 楼栋, 房屋, 人员, 住户 or 角色 "
                                        "(buildings, units, people, households, roles)."
                                    )
                                    % {"name": ws.title},
                                )
                            )
                        continue
                    book.sheets.append(_make_sheet(found, ws.title, _xlsx_rows(ws), budget))
            finally:
                wb.close()
    else:
        text = _decode_csv(data)
        kind = kind or _kind_of(filename, sheet_index) or ""
        if kind not in SHEETS:
            raise ValidationError(_("Say what the CSV file contains (buildings, units, people, households or roles)."))
        book.sheets.append(_make_sheet(kind, filename, _csv_rows(text), budget))
    seen: dict[str, str] = {}
    for sheet in book.sheets:
        if sheet.kind in seen:
            book.problems.append(
                (
                    sheet.title,
                    _("Sheets “%(a)s” and “%(b)s” hold the same kind of rows; merge them.")
                    % {"a": seen[sheet.kind], "b": sheet.title},
                )
            )
        seen[sheet.kind] = sheet.title
    if not book.sheets and not book.problems:
        raise ValidationError(_("The file has no sheet to import."))
    book.sheets.sort(key=lambda s: ORDER.index(s.kind))
    return book
