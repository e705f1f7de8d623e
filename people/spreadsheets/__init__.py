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

The package: ``vocabulary`` (sheets, columns, choice values), ``reading`` (files into sheets),
``cells`` (one row and its cell parsers), ``matching`` (finding places and people), ``importing``
(the import itself), ``report``, ``uploads`` (dry run, stored file, commit), ``exporting`` and
``template``. Callers import from ``people.spreadsheets``.
"""

from .exporting import XLSX_TYPE, Export, export_roster, roster_rows
from .importing import run_import
from .reading import Book, Sheet, read_upload
from .report import ImportReport, RowError, SheetReport
from .template import template_workbook
from .uploads import (
    TOKEN_RE,
    UPLOAD_DIR,
    StoredUpload,
    commit_upload,
    discard_upload,
    dry_run_upload,
    load_upload,
    store_upload,
)
from .vocabulary import (
    AREA_SOURCES,
    BOOLEANS,
    BUILDINGS,
    CHOICES_OF,
    COMMUNITY_KINDS,
    CREATE,
    EXAMPLES,
    HOLDINGS,
    HOUSEHOLDS,
    INSTRUCTION_SHEETS,
    ORDER,
    PEOPLE,
    RELATIONS,
    ROLE_NAMES,
    ROLES,
    SHEETS,
    STATUSES,
    UNCHANGED,
    UNIT_KINDS,
    UNITS,
    UPDATE,
    Column,
    SheetSpec,
    choice_label,
    sheet_choices,
    sheet_help,
)

# The limits live here and the modules look them up here when they use them (``spreadsheets.MAX_ROWS``),
# so that changing one (as the tests do with monkeypatch) changes it for reading, export and the template alike.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 20 * MAX_UPLOAD_BYTES  # an XLSX is a zip: refuse "zip bombs" before parsing
MAX_ROWS = 50_000
MAX_COLUMNS = 40
UPLOAD_TTL_SECONDS = 30 * 60
PREVIEW_ROWS = 10
SHOWN_ERRORS = 1000  # the preview page lists this many; the API returns them all

__all__ = [
    "AREA_SOURCES",
    "BOOLEANS",
    "BUILDINGS",
    "CHOICES_OF",
    "COMMUNITY_KINDS",
    "CREATE",
    "EXAMPLES",
    "HOLDINGS",
    "HOUSEHOLDS",
    "INSTRUCTION_SHEETS",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "MAX_UPLOAD_BYTES",
    "ORDER",
    "PEOPLE",
    "PREVIEW_ROWS",
    "RELATIONS",
    "ROLES",
    "ROLE_NAMES",
    "SHEETS",
    "SHOWN_ERRORS",
    "STATUSES",
    "TOKEN_RE",
    "UNCHANGED",
    "UNITS",
    "UNIT_KINDS",
    "UPDATE",
    "UPLOAD_DIR",
    "UPLOAD_TTL_SECONDS",
    "XLSX_TYPE",
    "Book",
    "Column",
    "Export",
    "ImportReport",
    "RowError",
    "Sheet",
    "SheetReport",
    "SheetSpec",
    "StoredUpload",
    "choice_label",
    "commit_upload",
    "discard_upload",
    "dry_run_upload",
    "export_roster",
    "load_upload",
    "read_upload",
    "roster_rows",
    "run_import",
    "sheet_choices",
    "sheet_help",
    "store_upload",
    "template_workbook",
]
