"""What an import did or would do: per sheet the rows created, updated and left unchanged, and every
bad row with its reason."""

from collections import Counter
from dataclasses import dataclass, field

from people import spreadsheets  # the limits, looked up when used: see spreadsheets/__init__.py

from .vocabulary import CREATE, SHEETS, UNCHANGED, UPDATE

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
        return sorted(self.preview)[: spreadsheets.PREVIEW_ROWS]


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
        return self.errors[: spreadsheets.SHOWN_ERRORS]

    @property
    def hidden_errors(self) -> int:
        return max(len(self.errors) - spreadsheets.SHOWN_ERRORS, 0)

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
