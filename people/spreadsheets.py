"""Roster spreadsheets: import and export of buildings, units, people, households and role
assignments as an XLSX workbook (one sheet each) or CSV files (one file per kind), and the
template workbook.

Import is two steps. The dry run reads the file, applies every row inside a transaction that is
always rolled back, and reports per sheet what would be created, updated or left unchanged, and
every bad row with its reason. The commit re-reads the stored file and does the same inside one
transaction that is kept only when no row failed: nothing is ever half imported.

Identity rules: a place is found by its names (community / compound / street / lane / building,
or a path ``社区/小区/楼栋``); a unit by its building and number; a person by mobile number, else
by ID number, else (people without either, such as children) by name within their unit in the
households sheet. Rows that match existing records update them (blank cells leave a value as it
is); the same thing listed twice in one file is an error.
"""

import base64
import contextlib
import csv
import io
import json
import logging
import re
import secrets
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core import audit, crypto
from core.masking import mask_mobile
from places.models import Place, Unit

from . import actions, policy
from .models import ConsentRecord, HouseholdMember, Organisation, Ownership, Person, Role, RoleAssignment, pinyin_keys
from .validators import normalise_id_number, normalise_mobile

logger = logging.getLogger("linli.spreadsheets")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 20 * MAX_UPLOAD_BYTES  # an XLSX is a zip: refuse "zip bombs" before parsing
MAX_ROWS = 50_000
MAX_COLUMNS = 40
UPLOAD_TTL_SECONDS = 30 * 60
PREVIEW_ROWS = 10
SHOWN_ERRORS = 1000  # the preview page lists this many; the API returns them all
UPLOAD_DIR = "imports"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
BUILDINGS, UNITS, PEOPLE, HOUSEHOLDS, ROLES = "buildings", "units", "people", "households", "roles"
ORDER = [BUILDINGS, UNITS, PEOPLE, HOUSEHOLDS, ROLES]  # later sheets may use what earlier ones create
INSTRUCTION_SHEETS = {"说明", "instructions", "readme", "填写说明"}
COMMUNITY_KINDS = (Place.Kind.COMMUNITY, Place.Kind.VILLAGE)


# --- the file format -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    zh: str
    en: str
    label: object  # lazy, for pages
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()


_PLACE_COLUMNS = (
    Column("community", "社区", "community", ("社区名称", "社区/村", "村", "村居", "village")),
    Column("compound", "小区", "compound", ("小区名称", "楼盘")),
    Column("street", "街", "street", ("街名",)),
    Column("lane", "巷", "lane", ("巷名",)),
    Column("building", "楼栋", "building", ("楼栋名称", "楼号", "栋", "楼栋路径", "building path"), required=True),
)
_UNIT_COLUMN = Column("label", "房号", "unit", ("房间号", "门牌号", "unit number", "room number", "label"), required=True)
_NAME = Column("name", "姓名", "name", ("名字",))
_MOBILE = Column("mobile", "手机号", "mobile", ("手机", "手机号码", "联系电话", "电话", "mobile number", "phone"))

SHEETS = {
    BUILDINGS: SheetSpec(
        BUILDINGS,
        "楼栋",
        "buildings",
        gettext_lazy("Buildings"),
        (Column("community", "社区", "community", _PLACE_COLUMNS[0].aliases, required=True), *_PLACE_COLUMNS[1:]),
        ("楼栋表", "building"),
    ),
    UNITS: SheetSpec(
        UNITS,
        "房屋",
        "units",
        gettext_lazy("Units"),
        (
            *_PLACE_COLUMNS,
            _UNIT_COLUMN,
            Column("kind", "类型", "kind", ("房屋类型", "用途", "type")),
            Column("floor", "楼层", "floor", ("层",)),
            Column("area", "面积", "area", ("专有部分面积", "专有面积", "area m2")),
            Column("area_source", "面积来源", "area source", ("面积依据",)),
            Column("developer_holding", "开发商持有", "developer holding", ("开发商",)),
        ),
        ("房屋表", "房号", "unit"),
    ),
    PEOPLE: SheetSpec(
        PEOPLE,
        "人员",
        "people",
        gettext_lazy("People"),
        (
            Column("name", "姓名", "name", ("名字",), required=True),
            _MOBILE,
            Column("id_number", "身份证号", "ID number", ("身份证", "身份证号码", "证件号码", "id")),
            Column("birth_year", "出生年份", "birth year", ("出生年",)),
            Column("migratory", "候鸟", "migratory", ("候鸟人员", "是否候鸟")),
        ),
        ("人员表", "居民", "person", "persons"),
    ),
    HOUSEHOLDS: SheetSpec(
        HOUSEHOLDS,
        "住户",
        "households",
        gettext_lazy("Households"),
        (
            _NAME,
            _MOBILE,
            *_PLACE_COLUMNS,
            _UNIT_COLUMN,
            Column("relation", "关系", "relation", ("与房屋关系", "身份"), required=True),
            Column("share", "产权份额", "ownership share", ("份额", "share")),
            Column("status", "产权状态", "ownership status", ("status",)),
        ),
        ("住户表", "household"),
    ),
    ROLES: SheetSpec(
        ROLES,
        "角色",
        "roles",
        gettext_lazy("Role assignments"),
        (
            _NAME,
            Column("mobile", "手机号", "mobile", _MOBILE.aliases, required=True),
            Column("role", "角色", "role", ("职务",), required=True),
            Column("place", "地点", "place", ("负责区域", "范围"), required=True),
            Column("organisation", "组织", "organisation", ("所属组织", "物业公司", "organization", "company")),
        ),
        ("角色表", "role", "role assignments"),
    ),
}

# Choice columns: the stored value → the Chinese label written in exports, plus other spellings.
UNIT_KINDS = {
    "home": ("住宅", ("住房", "住家")),
    "shop": ("商铺", ("商业", "铺位", "店铺")),
    "parking": ("车位", ("停车位",)),
    "storage": ("储藏室", ("杂物房", "储物间")),
}
AREA_SOURCES = {
    "register": ("不动产登记", ("登记", "产权登记", "不动产登记簿", "产权证")),
    "survey": ("实测", ("测绘", "实测面积")),
    "contract": ("合同", ("购房合同", "买卖合同", "合同面积")),
}
HOLDINGS = {"": ("否", ("无", "不是")), "unsold": ("未售", ("开发商未售",)), "undelivered": ("已售未交付", ("未交付",))}
RELATIONS = {
    "owner": ("业主", ("产权人", "房主")),
    "co_owner": ("共有人", ("共同业主",)),
    "tenant": ("租户", ("租客", "承租人")),
    "family": ("家属", ("家庭成员", "亲属")),
}
STATUSES = {"registered": ("已登记", ("登记业主", "已办证")), "occupied_unregistered": ("已入住未登记", ("未登记", "未办证"))}
ROLE_NAMES = {
    Role.BUILDING_LEADER: ("楼长", ()),
    Role.LANE_LEADER: ("巷长", ()),
    Role.STREET_LEADER: ("街长", ()),
    Role.COMMUNITY_STAFF: ("社区工作人员", ("社工", "社区干部")),
    Role.SUBDISTRICT_ADMIN: ("街道管理员", ()),
    Role.PROPERTY_STAFF: ("物业人员", ("物业", "物业工作人员")),
    Role.OWNERS_COMMITTEE: ("业委会委员", ("业委会成员", "业委会")),
    Role.MEDIATOR: ("调解员", ("人民调解员",)),
    Role.VOLUNTEER: ("志愿者", ()),
}
BOOLEANS = {True: ("是", ("y", "yes", "true", "1", "√", "✓", "候鸟")), False: ("否", ("n", "no", "false", "0", "×"))}
CHOICES_OF = {  # column key → (table, model choices for English labels)
    "kind": (UNIT_KINDS, Unit.Kind),
    "area_source": (AREA_SOURCES, Unit.AreaSource),
    "developer_holding": (HOLDINGS, Unit.DeveloperHolding),
    "relation": (RELATIONS, HouseholdMember.Relation),
    "status": (STATUSES, Ownership.Status),
    "role": (ROLE_NAMES, Role),
    "migratory": (BOOLEANS, None),
}

EXAMPLES = {
    BUILDINGS: {"community": "示例社区", "compound": "示例小区", "building": "1栋"},
    UNITS: {
        "community": "示例社区",
        "compound": "示例小区",
        "building": "1栋",
        "label": "101",
        "kind": "住宅",
        "floor": "1",
        "area": "89.35",
        "area_source": "不动产登记",
        "developer_holding": "否",
    },
    PEOPLE: {
        "name": "张示例",
        "mobile": "13800000000",
        "id_number": "11010519491231002X",
        "birth_year": "1949",
        "migratory": "否",
    },
    HOUSEHOLDS: {
        "name": "张示例",
        "mobile": "13800000000",
        "community": "示例社区",
        "compound": "示例小区",
        "building": "1栋",
        "label": "101",
        "relation": "业主",
        "share": "1",
        "status": "已登记",
    },
    ROLES: {"name": "张示例", "mobile": "13800000000", "role": "楼长", "place": "示例社区/示例小区/1栋"},
}


def _norm(text) -> str:
    """Spelling-insensitive key: no brackets or units, spaces, dashes, underscores; lower case."""
    text = re.sub(r"[（(【\[].*?[)）】\]]", "", str(text))
    return re.sub(r"[\s_\-*:：·.、/／]+", "", text).lower()


def _header_index(spec: SheetSpec) -> dict[str, str]:
    index = {}
    for col in spec.columns:
        for name in (col.key, col.zh, col.en, *col.aliases):
            index.setdefault(_norm(name), col.key)
    return index


def _sheet_index() -> dict[str, str]:
    return {_norm(n): kind for kind, spec in SHEETS.items() for n in (kind, spec.zh, spec.en, *spec.aliases)}


def _choice_index(key: str) -> dict[str, object]:
    table, choices = CHOICES_OF[key]
    index: dict[str, object] = {}
    for value, (zh, aliases) in table.items():
        for name in (zh, *aliases):
            index[_norm(name)] = value
        if isinstance(value, str) and value:
            index[_norm(value)] = value
    if choices is not None:
        for value, label in choices.choices:
            index.setdefault(_norm(str(label)), value)  # in the current language
            with translation.override("en"):
                index.setdefault(_norm(str(label)), value)
    return index


def choice_label(key: str, value) -> str:
    """The Chinese label of a stored choice value, as written in exports and the template."""
    table, _choices = CHOICES_OF[key]
    return table[value][0] if value in table else str(value or "")


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
        texts = [_text(c) for c in cells[:MAX_COLUMNS]]
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
                _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": f"{MAX_ROWS:,}"}
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
    for number, cells in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), start=1):
        values = [c.value for c in cells]
        formulas = [i for i, c in enumerate(cells) if getattr(c, "data_type", None) == "f"]
        yield number, values, formulas


def _check_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("The file is damaged or not an Excel workbook.")) from exc
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES or len(infos) > 1000:
        raise ValidationError(_("The workbook is too large once unpacked. Split it into smaller files."))
    if any(i.flag_bits & 0x1 for i in infos):
        raise ValidationError(_("The file is encrypted. Remove the password and save it again."))
    return archive


def read_upload(data: bytes, filename: str, kind: str = "") -> Book:
    """Parse an uploaded XLSX workbook, a CSV file (of the given kind, or the kind its name
    says), or a zip of CSV files as our CSV export makes. Raises ValidationError, with a message
    for the user, for anything that is not a readable roster."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than %(max)s MB.") % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)})
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
    budget = [MAX_ROWS]
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


# --- the report ------------------------------------------------------------------------------


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class SheetReport:
    kind: str
    title: str
    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    preview: list[tuple[int, str, str]] = field(default_factory=list)  # (row, action, summary)

    @property
    def label(self) -> str:
        return str(SHEETS[self.kind].label)

    @property
    def first_rows(self) -> list[tuple[int, str, str]]:
        return sorted(self.preview)[:PREVIEW_ROWS]


@dataclass
class ImportReport:
    filename: str
    sheets: list[SheetReport]
    errors: list[RowError] = field(default_factory=list)
    notices: list[RowError] = field(default_factory=list)
    committed: bool = False
    token: str = ""
    extra: Counter = field(default_factory=Counter)  # people and places created along the way

    @property
    def ok(self) -> bool:
        return not self.errors and any(s.rows for s in self.sheets)

    @property
    def shown_errors(self) -> list[RowError]:
        return self.errors[:SHOWN_ERRORS]

    @property
    def hidden_errors(self) -> int:
        return max(len(self.errors) - SHOWN_ERRORS, 0)

    def totals(self) -> dict[str, int]:
        return {a: sum(s.counts[a] for s in self.sheets) for a in (CREATE, UPDATE, UNCHANGED)}

    def as_dict(self) -> dict:
        return {
            "filename": self.filename,
            "ok": self.ok,
            "committed": self.committed,
            "token": self.token or None,
            "sheets": [
                {
                    "kind": s.kind,
                    "title": s.title,
                    "rows": s.rows,
                    "create": s.counts[CREATE],
                    "update": s.counts[UPDATE],
                    "unchanged": s.counts[UNCHANGED],
                    "errors": s.counts["error"],
                }
                for s in self.sheets
            ],
            "errors": [e.__dict__ for e in self.errors],
            "notices": [e.__dict__ for e in self.notices],
        }


class _Rollback(Exception):
    pass


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


# --- the import ------------------------------------------------------------------------------


@dataclass
class _Pending:
    """A people-sheet row without mobile or ID number: placed by the households sheet."""

    row: int
    name: str
    birth_year: int | None
    migratory: bool | None
    person: Person | None = None
    row_obj: _Row | None = None


class _Run:
    def __init__(self, user, report: ImportReport, book: Book):
        self.user, self.report, self.book = user, report, book
        self.by_mobile: dict[str, Person] = {}
        self.by_id_hash: dict[str, Person] = {}
        self.mobiles: dict[str, str | None] = {}  # cell text → normalised (None when invalid)
        self.named: dict[str, list[Person]] = {}  # people-sheet persons by name
        self.pending: dict[str, _Pending] = {}
        self.new_people: list[Person] = []
        # New rows are inserted in batches (bulk_create skips save(): paths and pinyin are set here).
        self.batch: dict[type, list] = {Person: [], Unit: [], HouseholdMember: [], Ownership: []}
        self.places: dict[tuple, tuple[Place | None, str, str]] = {}
        self.units: dict[int, dict[str, Unit]] = {}
        self.members: dict[int, dict[tuple[int, int], HouseholdMember]] = {}
        self.by_unit_name: dict[int, dict[tuple[int, str], list[Person]]] = {}
        self.ownerships: dict[int, dict[tuple[int, int], Ownership]] = {}
        self.owned_units: dict[int, tuple[Sheet, SheetReport, int, str]] = {}
        self.seen: dict[tuple, int] = {}
        self._choices: dict[str, dict] = {}

    def choice_index(self, key: str) -> dict:
        if key not in self._choices:
            self._choices[key] = _choice_index(key)
        return self._choices[key]

    def may_manage(self, path: str) -> bool:
        return policy.can_manage_people(self.user, path)

    def duplicate(self, row: _Row, key: tuple, message: str, column: str) -> bool:
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            row.fail(message % {"row": first}, column)
            return True
        return False

    # people look-ups ------------------------------------------------------------------------
    def mobile(self, text: str) -> str:
        if text not in self.mobiles:
            try:
                self.mobiles[text] = normalise_mobile(text)
            except ValidationError:
                self.mobiles[text] = None
        value = self.mobiles[text]
        if value is None:
            if "*" in text:
                raise ValidationError(
                    _("“%(value)s” is a masked mobile number: import a roster exported with full numbers.") % {"value": text}
                )
            raise ValidationError(_("“%(value)s” is not a valid mainland mobile number.") % {"value": text})
        return value

    def prefetch_people(self) -> None:
        mobiles, hashes = set(), set()
        for sheet in self.book.sheets:
            for _number, values in sheet.rows:
                if values.get("mobile"):
                    with contextlib.suppress(ValidationError):
                        mobiles.add(self.mobile(values["mobile"]))
                if values.get("id_number"):
                    with contextlib.suppress(ValidationError):
                        hashes.add(crypto.lookup_hash(normalise_id_number(values["id_number"])))
        for field_name, wanted, target in (("mobile", mobiles, self.by_mobile), ("id_number_hash", hashes, self.by_id_hash)):
            wanted = sorted(wanted)
            for i in range(0, len(wanted), 500):
                for person in Person.objects.filter(**{f"{field_name}__in": wanted[i : i + 500]}):
                    target[getattr(person, field_name)] = person

    def may_edit_person(self, person: Person) -> bool:
        paths = policy.person_paths(person)
        return not paths or any(self.may_manage(p) for p in paths)

    def create_person(
        self,
        *,
        name: str,
        mobile: str | None = None,
        id_number: str | None = None,
        birth_year: int | None = None,
        migratory: bool | None = None,
        later: bool = False,
    ) -> Person:
        """A new person who does not sign in yet; ``later`` waits for the batch insert at the end of
        the sheet (only for persons no later row of the same sheet needs a primary key for)."""
        person = Person(name=name, mobile=mobile or None, birth_year=birth_year, migratory=bool(migratory))
        person.set_unusable_password()
        person.set_id_number(id_number)
        if later:
            person.name_pinyin, person.name_initials = pinyin_keys(name)
            self.batch[Person].append(person)
        else:
            person.save()
        self.new_people.append(person)
        if person.mobile:
            self.by_mobile[person.mobile] = person
        if person.id_number_hash:
            self.by_id_hash[person.id_number_hash] = person
        return person

    # place look-ups -------------------------------------------------------------------------
    def pick(self, kinds, name: str, under: Place | None, *, direct: bool = False) -> Place | str | None:
        """The one place of these kinds with this name under ``under``; "many" if ambiguous."""
        qs = Place.objects.filter(kind__in=kinds, name=name)
        if under is not None:
            qs = qs.filter(parent=under) if direct else qs.filter(path__startswith=under.path)
        found = list(qs[:20])
        if len(found) > 1:
            found = [p for p in found if self.may_manage(p.path)] or found
        return found[0] if len(found) == 1 else ("many" if found else None)

    def _walk(self, levels: list[tuple[str, tuple, str]], *, direct: bool = False) -> tuple[Place | None, str, str]:
        unknown = {
            "community": _("Unknown community “%(name)s”."),
            "compound": _("Unknown compound “%(name)s”."),
            "street": _("Unknown street “%(name)s”."),
            "lane": _("Unknown lane “%(name)s”."),
            "building": _("Unknown building “%(name)s”."),
            "place": _("Unknown place “%(name)s”."),
        }
        under = None
        for column, kinds, name in levels:
            if not name:
                continue
            found = self.pick(kinds, name, under, direct=direct and under is not None)
            if found is None:
                return None, unknown[column] % {"name": name}, column
            if found == "many":
                return (
                    None,
                    _(
                        "There are several places called “%(name)s”: "
                        "fill in the community and compound columns to tell them apart."
                    )
                    % {"name": name},
                    column,
                )
            under = found
        return under, "", ""

    def locate_building(self, row: _Row) -> Place | None:
        text = row.text("building")
        if not text:
            row.fail(_("This cell is empty."), "building")
            return None
        if "/" in text or "／" in text:
            place = self.locate_path(row, "building")
            if place is not None and place.kind != Place.Kind.BUILDING:
                row.fail(_("“%(name)s” is not a building.") % {"name": text}, "building")
                return None
            return place
        names = tuple(row.text(k) for k in ("community", "compound", "street", "lane"))
        key = ("building", names, text)
        if key not in self.places:
            levels = [
                ("community", COMMUNITY_KINDS, names[0]),
                ("compound", (Place.Kind.COMPOUND,), names[1]),
                ("street", (Place.Kind.STREET,), names[2]),
                ("lane", (Place.Kind.LANE,), names[3]),
                ("building", (Place.Kind.BUILDING,), text),
            ]
            self.places[key] = self._walk(levels)
        place, message, column = self.places[key]
        if place is None:
            row.fail(message, column)
        return place

    def locate_path(self, row: _Row, column: str) -> Place | None:
        """A place written as names from the community (or sub-district) down: 灯湖社区/水岸公馆/1栋."""
        parts = tuple(p.strip() for p in re.split(r"[/／]", row.text(column)) if p.strip())
        key = ("path", parts)
        if key not in self.places:
            top = (Place.Kind.SUBDISTRICT, *COMMUNITY_KINDS)
            all_kinds = tuple(Place.Kind.values)
            levels = [("place", top if i == 0 else all_kinds, name) for i, name in enumerate(parts)]
            place, message, _col = self._walk(levels, direct=True) if parts else (None, _("This cell is empty."), "")
            self.places[key] = (place, message, column)
        place, message, column = self.places[key]
        if place is None:
            row.fail(message, column)
        return place

    def unit_index(self, building: Place) -> dict[str, Unit]:
        if building.pk not in self.units:
            units = {}
            for unit in Unit.objects.filter(building=building):
                unit.building = building
                units[unit.label] = unit
            self.units[building.pk] = units
        return self.units[building.pk]

    def load_members(self, building: Place) -> None:
        if building.pk in self.members:
            return
        members, by_name = {}, {}
        for hm in HouseholdMember.objects.filter(unit__building=building).select_related("person"):
            members[(hm.unit_id, hm.person_id)] = hm
            by_name.setdefault((hm.unit_id, hm.person.name), []).append(hm.person)
        self.members[building.pk], self.by_unit_name[building.pk] = members, by_name
        self.ownerships[building.pk] = {(o.unit_id, o.person_id): o for o in Ownership.objects.filter(unit__building=building)}

    # sheets ---------------------------------------------------------------------------------
    def buildings_row(self, row: _Row) -> None:
        names = {k: row.parse(k, _short(100)) or "" for k in ("community", "compound", "street", "lane", "building")}
        if not names["community"]:
            row.fail(_("This cell is empty."), "community")
        if not names["building"]:
            row.fail(_("This cell is empty."), "building")
        if row.failed:
            return
        key = ("parent", names["community"], names["compound"])
        if key not in self.places:
            self.places[key] = self._walk(
                [("community", COMMUNITY_KINDS, names["community"]), ("compound", (Place.Kind.COMPOUND,), names["compound"])],
                direct=True,
            )
        parent, message, column = self.places[key]
        if parent is None:
            return row.fail(message, column)
        if not self.may_manage(parent.path):
            return row.fail(
                _("“%(name)s” is outside your area.") % {"name": parent.name}, "compound" if names["compound"] else "community"
            )
        for kind in ("street", "lane"):
            if names[kind]:
                found = Place.objects.filter(parent=parent, kind=kind, name=names[kind]).first()
                if found is None:
                    found = Place.objects.create(parent=parent, kind=kind, name=names[kind])
                    self.report.extra["places_created"] += 1
                parent = found
        if self.duplicate(
            row, ("building", parent.pk, names["building"]), _("Row %(row)s already lists this building."), "building"
        ):
            return
        summary = "/".join(v for v in names.values() if v)
        if Place.objects.filter(parent=parent, kind=Place.Kind.BUILDING, name=names["building"]).exists():
            return row.done(UNCHANGED, summary)
        Place.objects.create(parent=parent, kind=Place.Kind.BUILDING, name=names["building"])
        row.done(CREATE, summary)

    def units_row(self, row: _Row) -> None:
        building = self.locate_building(row)
        label = row.parse("label", _short(40), required=True)
        values = {
            "kind": row.choice("kind"),
            "floor": row.parse("floor", _floor),
            "area": row.parse("area", _area),
            "area_source": row.choice("area_source"),
            "developer_holding": row.choice("developer_holding"),
        }
        if row.failed or building is None:
            return
        if not self.may_manage(building.path):
            return row.fail(_("“%(name)s” is outside your area.") % {"name": building.name}, "building")
        if self.duplicate(row, ("unit", building.pk, label), _("Duplicate unit: row %(row)s already lists this unit."), "label"):
            return
        unit = self.unit_index(building).get(label)
        source = values["area_source"] or (unit.area_source if unit else "")
        if (values["area"] is not None or (unit and unit.area is not None)) and not source:
            return row.fail(_("Give the area source (不动产登记, 实测 or 合同) with the area."), "area_source")
        summary = f"{building.name} {label}" + (f" · {values['area']} m²" if values["area"] is not None else "")
        if unit is None:
            fields = {k: v for k, v in values.items() if v is not None}
            unit = Unit(building=building, label=label, path=building.path, **fields)
            self.batch[Unit].append(unit)
            self.units[building.pk][label] = unit
            return row.done(CREATE, summary)
        changed = [k for k, v in values.items() if v is not None and getattr(unit, k) != v]
        for k in changed:
            setattr(unit, k, values[k])
        if changed:
            unit.save(update_fields=changed)
        row.done(UPDATE if changed else UNCHANGED, summary)

    def people_row(self, row: _Row) -> None:
        name = row.parse("name", _short(60), required=True)
        mobile = row.parse("mobile", self.mobile)
        id_number = row.parse("id_number", _id_number)
        birth_year = row.parse("birth_year", _birth_year)
        migratory = row.choice("migratory")
        if row.failed:
            return
        id_hash = crypto.lookup_hash(id_number) if id_number else None
        if mobile and self.duplicate(row, ("mobile", mobile), _("Row %(row)s already lists this mobile number."), "mobile"):
            return
        if id_hash and self.duplicate(row, ("id", id_hash), _("Row %(row)s already lists this ID number."), "id_number"):
            return
        if not mobile and not id_hash:
            if name in self.pending:
                return row.fail(
                    _(
                        "Row %(row)s already lists a “%(name)s” without mobile or ID number: give them a mobile or ID number "
                        "to tell them apart."
                    )
                    % {"row": self.pending[name].row, "name": name},
                    "name",
                )
            self.pending[name] = _Pending(row.number, name, birth_year, migratory, row_obj=row)
            return
        by_mobile = self.by_mobile.get(mobile) if mobile else None
        by_id = self.by_id_hash.get(id_hash) if id_hash else None
        if by_mobile and by_id and by_mobile.pk != by_id.pk:
            return row.fail(_("The mobile number and the ID number belong to two different people."), "id_number")
        person = by_mobile or by_id
        summary = f"{name} · {mask_mobile(mobile)}" if mobile else name
        if person is None:
            person = self.create_person(
                name=name, mobile=mobile, id_number=id_number, birth_year=birth_year, migratory=migratory, later=True
            )
            self.named.setdefault(name, []).append(person)
            return row.done(CREATE, summary)
        if person.name != name:
            column = "mobile" if by_mobile else "id_number"
            return row.fail(_("This number is registered to a person with a different name."), column)
        changes = {}
        if id_hash and person.id_number_hash != id_hash:
            if person.id_number_hash:
                return row.fail(_("A different ID number is on record for this person."), "id_number")
            changes["id_number"] = id_number
        if mobile and person.mobile != mobile:
            if person.mobile:
                return row.fail(_("This person is on record with a different mobile number."), "mobile")
            changes["mobile"] = mobile
        if birth_year is not None and person.birth_year != birth_year:
            changes["birth_year"] = birth_year
        if migratory is not None and person.migratory != migratory:
            changes["migratory"] = migratory
        if changes and not self.may_edit_person(person):
            return row.fail(_("This person lives outside your area: their details cannot be changed here."), "name")
        self.update_person(person, changes)
        self.named.setdefault(name, []).append(person)
        row.done(UPDATE if changes else UNCHANGED, summary)

    def update_person(self, person: Person, changes: dict) -> None:
        if not changes:
            return
        if "id_number" in changes:
            person.set_id_number(changes.pop("id_number"))
            changes.update(id_number_token=person.id_number_token, id_number_hash=person.id_number_hash)
        for k, v in changes.items():
            setattr(person, k, v)
        person.save(update_fields=list(changes))
        if person.mobile:
            self.by_mobile[person.mobile] = person

    def bind_pending(self, row: _Row, pending: _Pending, person: Person | None) -> Person | None:
        """Give a name-only people-sheet row its person: an existing household member, or new."""
        if pending.person is not None:
            if person is not None and person.pk != pending.person.pk:
                row.fail(
                    _(
                        "Several people called “%(name)s” have no mobile or ID number: "
                        "give each a mobile or ID number in the people sheet."
                    )
                    % {"name": pending.name},
                    "name",
                )
                return None
            return pending.person
        people_row: _Row = pending.row_obj
        if person is None:
            person = self.create_person(name=pending.name, birth_year=pending.birth_year, migratory=pending.migratory)
            people_row.done(CREATE, pending.name)
        else:
            changes = {
                k: v
                for k, v in (("birth_year", pending.birth_year), ("migratory", pending.migratory))
                if v is not None and getattr(person, k) != v
            }
            self.update_person(person, changes)
            people_row.done(UPDATE if changes else UNCHANGED, pending.name)
        pending.person = person
        return person

    def households_row(self, row: _Row) -> None:
        building = self.locate_building(row)
        label = row.parse("label", _short(40), required=True)
        relation = row.choice("relation", required=True)
        share = row.parse("share", _share)
        status = row.choice("status")
        mobile = row.parse("mobile", self.mobile)
        name = row.parse("name", _short(60))
        if not mobile and not name and not row.failed:
            row.fail(_("Give the person's mobile number or name."), "name")
        if row.failed or building is None:
            return
        unit = self.unit_index(building).get(label)
        if unit is None:
            return row.fail(
                _("Unknown unit “%(label)s” in “%(building)s”.") % {"label": label, "building": building.name}, "label"
            )
        if not self.may_manage(unit.path):
            return row.fail(_("“%(name)s” is outside your area.") % {"name": building.name}, "building")
        owner = relation in (HouseholdMember.Relation.OWNER, HouseholdMember.Relation.CO_OWNER)
        if (share is not None or status) and not owner:
            return row.fail(
                _("Only owners and co-owners have an ownership share and status."), "share" if share is not None else "status"
            )
        self.load_members(building)
        members, ownerships = self.members[building.pk], self.ownerships[building.pk]
        if mobile:
            person = self.by_mobile.get(mobile)
            if person is None:
                return row.fail(_("No one has this mobile number: add the person to the people sheet."), "mobile")
            if name and person.name != name:
                return row.fail(_("The name does not match the person with this mobile number."), "name")
        else:
            existing = self.by_unit_name[building.pk].get((unit.pk, name), [])
            if len(existing) > 1:
                return row.fail(
                    _("Several members of this household are called “%(name)s”: give the mobile number.") % {"name": name}, "name"
                )
            pending = self.pending.get(name)
            if pending is not None:
                person = self.bind_pending(row, pending, existing[0] if existing else None)
                if person is None:
                    return
            elif existing:
                person = existing[0]
            elif len(self.named.get(name, [])) == 1:
                person = self.named[name][0]
            else:
                person = self.create_person(name=name)
        if self.duplicate(row, ("member", unit.pk, person.pk), _("Row %(row)s already lists this person in this unit."), "name"):
            return
        ownership = ownerships.get((unit.pk, person.pk))
        member = members.get((unit.pk, person.pk))
        # A new owner gets an ownership record; for a known member, blank share and status change nothing.
        new_ownership = owner and ownership is None and (member is None or share is not None or bool(status))
        if new_ownership and share is None and relation == HouseholdMember.Relation.CO_OWNER:
            return row.fail(_("Give the co-owner's ownership share."), "share")
        summary = f"{person.name} → {building.name} {label} · {HouseholdMember.Relation(relation).label}"
        action = UNCHANGED
        if member is None:
            member = HouseholdMember(unit=unit, person=person, relation=relation, path=unit.path)
            self.batch[HouseholdMember].append(member)
            members[(unit.pk, person.pk)] = member
            self.by_unit_name[building.pk].setdefault((unit.pk, person.name), []).append(person)
            action = CREATE
        elif member.relation != relation:
            member.relation = relation
            member.save(update_fields=["relation"])
            action = UPDATE
        if owner:
            if new_ownership:
                ownership = Ownership(
                    unit=unit, person=person, share=share or Decimal(1), status=status or Ownership.Status.REGISTERED
                )
                ownerships[(unit.pk, person.pk)] = ownership
                self.batch[Ownership].append(ownership)
                action = action if action == CREATE else UPDATE
            elif ownership is not None:
                changed = [k for k, v in (("share", share), ("status", status)) if v and getattr(ownership, k) != v]
                for k in changed:
                    setattr(ownership, k, share if k == "share" else status)
                if changed:
                    ownership.save(update_fields=changed)
                    action = action if action == CREATE else UPDATE
            self.owned_units[unit.pk] = (row.sheet, row.report, row.number, f"{building.name} {label}")
        row.done(action, summary)

    def roles_row(self, row: _Row) -> None:
        mobile = row.parse("mobile", self.mobile, required=True)
        name = row.parse("name", _short(60))
        role = row.choice("role", required=True)
        place = self.locate_path(row, "place") if row.text("place") else None
        if not row.text("place"):
            row.fail(_("This cell is empty."), "place")
        org_name = row.parse("organisation", _short(120))
        if row.failed or place is None:
            return
        person = self.by_mobile.get(mobile)
        if person is None:
            return row.fail(_("No one has this mobile number: add the person to the people sheet."), "mobile")
        if name and person.name != name:
            return row.fail(_("The name does not match the person with this mobile number."), "name")
        organisation = None
        if org_name:
            orgs = Organisation.objects.filter(name=org_name)
            if role == Role.PROPERTY_STAFF:
                orgs = orgs.filter(kind=Organisation.Kind.PROPERTY_COMPANY)
            organisation = orgs.first()
            if organisation is None:
                return row.fail(_("Unknown organisation “%(name)s”.") % {"name": org_name}, "organisation")
        if role == Role.PROPERTY_STAFF and organisation is None:
            return row.fail(_("Property staff must belong to a property company: fill in the organisation."), "organisation")
        if self.duplicate(row, ("role", person.pk, role, place.pk), _("Row %(row)s already lists this role."), "role"):
            return
        summary = f"{person.name} · {Role(role).label} · {place.name}"
        if RoleAssignment.objects.active().filter(person=person, role=role, place=place).exists():
            return row.done(UNCHANGED, summary)  # already held: nothing to grant
        if not policy.can_grant(self.user, role, place):
            return row.fail(
                _("You may not grant the role “%(role)s” at “%(place)s”.") % {"role": Role(role).label, "place": place.name},
                "role",
            )
        actions.assign_role(actor=self.user, person=person, role=role, place=place, organisation=organisation)
        row.done(CREATE, summary)

    def check_shares(self) -> None:
        """Owners' shares of one unit add up to at most 1 (checked once all rows are in)."""
        if not self.owned_units:
            return
        totals = (
            Ownership.objects.filter(unit_id__in=list(self.owned_units))
            .values("unit_id")
            .annotate(total=Sum("share"))
            .filter(total__gt=1)
        )
        for t in totals:
            sheet, _report, number, unit_name = self.owned_units[t["unit_id"]]
            self.report.errors.append(
                RowError(
                    sheet.title,
                    number,
                    sheet.headers.get("share", ""),
                    _("The owners' shares of %(unit)s add up to %(total)s, more than 1.")
                    % {"unit": unit_name, "total": format(t["total"].normalize(), "f")},
                )
            )

    def finish_people(self) -> None:
        for pending in self.pending.values():
            if pending.person is None:
                pending.row_obj.fail(
                    _(
                        "“%(name)s” has no mobile or ID number, "
                        "so they must also be listed in the households sheet with their unit."
                    )
                    % {"name": pending.name},
                    "name",
                )

    def run(self) -> None:
        for title, message in self.book.problems:
            self.report.errors.append(RowError(title, 0, "", message))
        self.prefetch_people()
        handlers = {
            BUILDINGS: self.buildings_row,
            UNITS: self.units_row,
            PEOPLE: self.people_row,
            HOUSEHOLDS: self.households_row,
            ROLES: self.roles_row,
        }
        for sheet, sheet_report in zip(self.book.sheets, self.report.sheets, strict=True):
            self.report.errors += [RowError(sheet.title, number, "", message) for number, message in sheet.problems]
            self.report.notices += [RowError(sheet.title, number, "", message) for number, message in sheet.notices]
            missing = [c for c in SHEETS[sheet.kind].columns if c.required and c.key not in sheet.headers]
            if missing:
                continue
            example = EXAMPLES[sheet.kind]
            self.places = {}
            for number, values in sheet.rows:
                row = _Row(self, sheet, sheet_report, number, values)
                sheet_report.rows += 1
                if number in sheet.formulas:
                    row.fail(
                        _("This row contains a formula: paste the values only (Paste Special → Values)."), sheet.formulas[number]
                    )
                    continue
                if all(values.get(k, "") == v for k, v in example.items()):
                    row.fail(_("This is the template's example row: delete it before importing."), "")
                    continue
                handlers[sheet.kind](row)
            self.flush()
            if sheet.kind == HOUSEHOLDS:
                self.check_shares()
        self.finish_people()
        self.record_consents()

    def flush(self) -> None:
        for model, objects in self.batch.items():
            model.objects.bulk_create(objects, batch_size=500)
            objects.clear()

    def record_consents(self) -> None:
        """The registry consent of the people this import creates, as collected on paper by the community
        (channel "import"). People already on record keep the consent they gave themselves."""
        now = timezone.now()
        ConsentRecord.objects.bulk_create(
            [
                ConsentRecord(
                    person=person,
                    purpose=ConsentRecord.Purpose.REGISTRY,
                    channel=ConsentRecord.Channel.IMPORT,
                    notice_version=settings.PRIVACY_NOTICE_VERSION,
                    granted_at=now,
                )
                for person in self.new_people
            ],
            batch_size=500,
        )
        self.report.extra["people_created"] = len(self.new_people)


def run_import(*, user, book: Book, commit: bool) -> ImportReport:
    """Check every row of the book by applying it inside a transaction. The transaction is kept
    only for a commit without any error; a dry run always rolls back. Nothing is half imported."""
    report = ImportReport(filename=book.filename, sheets=[SheetReport(s.kind, s.title) for s in book.sheets])
    try:
        with transaction.atomic():
            _Run(user, report, book).run()
            if not (commit and report.ok):
                raise _Rollback
            audit.record(
                actor=user,
                action="import.committed",
                filename=book.filename,
                counts={s.kind: {a: s.counts[a] for a in (CREATE, UPDATE, UNCHANGED)} for s in report.sheets},
                **dict(report.extra),
            )
            report.committed = True
    except _Rollback:
        pass
    except DatabaseError:
        logger.exception("roster import failed in the database")
        report.committed = False
        report.errors.append(
            RowError(
                "",
                0,
                "",
                _(
                    "The roster could not be saved because the data changed at the same time. "
                    "Nothing was imported; please try again."
                ),
            )
        )
    return report


# --- the stored upload between dry run and commit --------------------------------------------


@dataclass
class StoredUpload:
    filename: str
    kind: str
    data: bytes


def store_upload(*, user, data: bytes, filename: str, kind: str) -> str:
    """Keep the uploaded file for the commit step, encrypted (it holds personal data), for 30 minutes."""
    _purge_uploads()
    token = secrets.token_urlsafe(24)
    payload = json.dumps(
        {"user": user.pk, "filename": filename, "kind": kind, "at": time.time(), "data": base64.b64encode(data).decode()}
    )
    default_storage.save(f"{UPLOAD_DIR}/{token}.bin", ContentFile(crypto.encrypt(payload).encode()))
    return token


def load_upload(*, user, token: str) -> StoredUpload | None:
    """The user's own stored upload, or None when unknown, someone else's or expired."""
    name = f"{UPLOAD_DIR}/{token}.bin"
    if not TOKEN_RE.match(token or "") or not default_storage.exists(name):
        return None
    try:
        with default_storage.open(name) as fh:
            payload = json.loads(crypto.decrypt(fh.read().decode()))
    except Exception:  # a damaged or foreign file is treated as missing
        logger.warning("unreadable stored import %s", token)
        return None
    if payload["user"] != user.pk or time.time() - payload["at"] > UPLOAD_TTL_SECONDS:
        return None
    return StoredUpload(payload["filename"], payload["kind"], base64.b64decode(payload["data"]))


def discard_upload(token: str) -> None:
    if TOKEN_RE.match(token or ""):
        default_storage.delete(f"{UPLOAD_DIR}/{token}.bin")


def _purge_uploads() -> None:
    try:
        _dirs, files = default_storage.listdir(UPLOAD_DIR)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    cutoff = timezone.now().timestamp() - UPLOAD_TTL_SECONDS
    for name in files:
        path = f"{UPLOAD_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path).timestamp() < cutoff:
                default_storage.delete(path)
        except (OSError, NotImplementedError):
            continue


def dry_run_upload(*, user, data: bytes, filename: str, kind: str = "") -> ImportReport:
    """Read and check an upload; when it is clean, keep it and put its token in the report.
    Raises ValidationError for a file that cannot be read at all."""
    book = read_upload(data, filename, kind)
    report = run_import(user=user, book=book, commit=False)
    if report.ok:
        report.token = store_upload(user=user, data=data, filename=filename, kind=kind)
    return report


def commit_upload(*, user, token: str) -> ImportReport | None:
    """Re-check and apply a stored upload; None when the token is unknown or expired."""
    stored = load_upload(user=user, token=token)
    if stored is None:
        return None
    report = run_import(user=user, book=read_upload(stored.data, stored.filename, stored.kind), commit=True)
    if report.committed:
        discard_upload(token)
    else:
        report.token = token
    return report


# --- export ----------------------------------------------------------------------------------


@dataclass
class Export:
    content: bytes
    content_type: str
    filename: str
    rows: int


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _location(place: Place, places: dict[int, Place]) -> dict[str, str]:
    """Community / compound / street / lane / building names of a building, from its path."""
    names = {"community": "", "compound": "", "street": "", "lane": "", "building": place.name}
    for pk in place.ancestor_ids[:-1]:
        p = places.get(pk)
        if p is None:
            continue
        key = "community" if p.kind in COMMUNITY_KINDS else p.kind
        if key in names:
            names[key] = p.name
    return names


def _path_text(place: Place, places: dict[int, Place]) -> str:
    chain = [places[pk] for pk in place.ancestor_ids if pk in places]
    start = next((i for i, p in enumerate(chain) if p.kind in COMMUNITY_KINDS), 0)
    return "/".join(p.name for p in chain[start:])


def roster_rows(place: Place, *, full_mobiles: bool) -> dict[str, list[list]]:
    """The rows of each sheet for everything under ``place``, in the import's column order.
    ID numbers are never exported; mobiles are masked unless ``full_mobiles``."""
    show = (lambda m: m or "") if full_mobiles else mask_mobile
    places = {p.pk: p for p in Place.objects.filter(pk__in=place.ancestor_ids)}
    places.update((p.pk, p) for p in Place.objects.filter(path__startswith=place.path))
    buildings = sorted(
        (p for p in places.values() if p.kind == Place.Kind.BUILDING and p.path.startswith(place.path)), key=lambda p: p.path
    )
    loc = {b.pk: _location(b, places) for b in buildings}
    place_cols = ["community", "compound", "street", "lane", "building"]

    def where(building_id: int) -> list[str]:
        return [loc[building_id][k] for k in place_cols]

    rows: dict[str, list[list]] = {kind: [] for kind in ORDER}
    rows[BUILDINGS] = [where(b.pk) for b in buildings]
    for u in Unit.objects.filter(path__startswith=place.path).order_by("path", "building_id", "label").iterator(chunk_size=2000):
        rows[UNITS].append(
            [
                *where(u.building_id),
                u.label,
                choice_label("kind", u.kind),
                u.floor,
                u.area,
                choice_label("area_source", u.area_source) if u.area_source else "",
                choice_label("developer_holding", u.developer_holding),
            ]
        )
    people = (
        Person.objects.filter(households__path__startswith=place.path, anonymised_at__isnull=True)
        .distinct()
        .order_by("name_pinyin", "id")
    )
    for p in people.iterator(chunk_size=2000):
        rows[PEOPLE].append([p.name, show(p.mobile), "", p.birth_year, choice_label("migratory", p.migratory)])
    ownerships = {(o.unit_id, o.person_id): o for o in Ownership.objects.filter(unit__path__startswith=place.path)}
    members = (
        HouseholdMember.objects.filter(path__startswith=place.path, person__anonymised_at__isnull=True)
        .select_related("person", "unit")
        .order_by("path", "unit__building_id", "unit__label", "id")
    )
    for hm in members.iterator(chunk_size=2000):
        o = ownerships.get((hm.unit_id, hm.person_id))
        owner = hm.relation in (HouseholdMember.Relation.OWNER, HouseholdMember.Relation.CO_OWNER)
        rows[HOUSEHOLDS].append(
            [
                hm.person.name,
                show(hm.person.mobile),
                *where(hm.unit.building_id),
                hm.unit.label,
                choice_label("relation", hm.relation),
                format(o.share.normalize(), "f") if o and owner else "",
                choice_label("status", o.status) if o and owner else "",
            ]
        )
    roles = (
        RoleAssignment.objects.active()
        .filter(path__startswith=place.path)
        .select_related("person", "place", "organisation")
        .order_by("path", "role", "id")
    )
    for ra in roles:
        rows[ROLES].append(
            [
                ra.person.name,
                show(ra.person.mobile),
                choice_label("role", ra.role),
                _path_text(ra.place, places),
                ra.organisation.name if ra.organisation else "",
            ]
        )
    return rows


def _safe(value):
    """Text that a spreadsheet would run as a formula is written with a leading quote (CSV)."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return "" if value is None else value


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    for kind, rows in sheets.items():
        spec = SHEETS[kind]
        ws = wb.create_sheet(spec.zh)
        ws.append([c.zh for c in spec.columns])
        for values in rows:
            cells = []
            for v in values:
                cell = WriteOnlyCell(ws, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"  # never a formula, whatever the text
                cells.append(cell)
            ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv(kind: str, rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.zh for c in SHEETS[kind].columns])
    writer.writerows([[_safe(v) for v in values] for values in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def export_roster(*, user, place: Place, fmt: str, sheet: str = "") -> Export:
    """Export the roster under ``place`` (the caller checked the user may see it). Full mobile
    numbers only for managers of the place, so the community can re-import it; never ID numbers.
    CSV is a zip of one file per sheet, or a single file with ``sheet``. Audited."""
    if fmt not in {"xlsx", "csv"} or (sheet and sheet not in SHEETS):
        raise ValidationError(_("Unknown export format."))
    full = policy.can_manage_people(user, place.path)
    rows = roster_rows(place, full_mobiles=full)
    if sheet:
        rows = {sheet: rows[sheet]}
    count = sum(len(r) for r in rows.values())
    if count > MAX_ROWS:
        raise ValidationError(
            _("The roster has more than %(max)s rows: export one community or compound at a time.") % {"max": f"{MAX_ROWS:,}"}
        )
    safe_name = re.sub(r'[\\/:*?"<>|\s]+', "-", place.name)
    stem = f"linli-{safe_name}-{timezone.localdate():%Y%m%d}"
    if fmt == "xlsx":
        export = Export(_xlsx(rows), XLSX_TYPE, f"{stem}.xlsx", count)
    elif sheet:
        export = Export(_csv(sheet, rows[sheet]), "text/csv; charset=utf-8", f"{stem}-{sheet}.csv", count)
    else:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for kind, kind_rows in rows.items():
                archive.writestr(f"{kind}.csv", _csv(kind, kind_rows))
        export = Export(out.getvalue(), "application/zip", f"{stem}-csv.zip", count)
    audit.record(
        actor=user,
        action="export.roster",
        obj=place,
        place=place.pk,
        place_name=place.name,
        format=fmt,
        sheet=sheet or "all",
        rows=count,
        full_mobiles=full,
    )
    return export


# --- the template workbook -------------------------------------------------------------------


def template_workbook() -> bytes:
    """Five sheets with Chinese headers, an English second header row, one example row each,
    drop-down lists for the choice columns, and text format where Excel would mangle numbers."""
    wb = openpyxl.Workbook()
    guide = wb.active
    guide.title = "说明"
    for line in (
        "邻里 Linli · 名册导入模板 / roster import template",
        "按顺序填写：楼栋 → 房屋 → 人员 → 住户 → 角色；不需要的工作表可以删除。",
        "Fill in order: buildings → units → people → households → roles; delete sheets you do not need.",
        "第2行是英文表头，可保留；第3行是示例，导入前请删除。",
        "Row 2 is the English header (may stay); row 3 is an example: delete it before importing.",
        "楼栋也可写成路径：社区/小区/楼栋。面积单位为平方米，最多两位小数；有面积时必须填写面积来源。",
        "A building may also be written as a path: community/compound/building. Area in m², at most 2 decimals, with its source.",
        "没有手机号和身份证号的人员（如儿童）须同时列在住户表中，以姓名和房号识别。",
        "People without mobile or ID number (e.g. children) must also be listed in the households sheet, by name and unit.",
        "身份证号只用于核对和加密保存，导出时不会包含。",
        "ID numbers are checked and stored encrypted; exports never contain them.",
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    header_font, hint_font = Font(bold=True), Font(italic=True, color="777777")
    text_columns = {"mobile", "id_number", "label", "building"}
    for kind in ORDER:
        spec = SHEETS[kind]
        ws = wb.create_sheet(spec.zh)
        ws.append([c.zh + ("*" if c.required else "") for c in spec.columns])
        ws.append([c.en for c in spec.columns])
        ws.append([EXAMPLES[kind].get(c.key, "") for c in spec.columns])
        ws.freeze_panes = "A3"
        for i, col in enumerate(spec.columns, start=1):
            letter = get_column_letter(i)
            ws.cell(1, i).font, ws.cell(2, i).font = header_font, hint_font
            ws.column_dimensions[letter].width = max(10, len(col.en) + 4)
            if col.key in text_columns:  # or Excel turns 0101 into 101 and ID numbers into 1.1E+17
                ws.cell(3, i).number_format = "@"
                ws.column_dimensions[letter].number_format = "@"
            if col.key in CHOICES_OF:
                table, _c = CHOICES_OF[col.key]
                options = ",".join(zh for zh, _a in table.values())
                dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=not col.required)
                dv.error = _("Choose a value from the list.")
                dv.add(f"{letter}3:{letter}{MAX_ROWS + 2}")
                ws.add_data_validation(dv)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_help() -> list[dict]:
    """Sheets and their columns, for the upload page."""
    return [
        {
            "kind": kind,
            "label": SHEETS[kind].label,
            "zh": SHEETS[kind].zh,
            "columns": [(c.zh, c.en, c.required) for c in SHEETS[kind].columns],
        }
        for kind in ORDER
    ]


def sheet_choices() -> list[tuple[str, object]]:
    return [(kind, SHEETS[kind].label) for kind in ORDER]
