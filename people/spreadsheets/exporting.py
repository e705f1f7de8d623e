"""Export of the roster under a place as an XLSX workbook, a zip of CSV files or one CSV file, in the
import's columns so the community can edit it and import it again."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass

import openpyxl
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell

from core import audit
from core.masking import mask_mobile
from people import spreadsheets  # the limits, looked up when used: see spreadsheets/__init__.py
from places.models import Place, Unit

from .. import policy
from ..models import HouseholdMember, Ownership, Person, RoleAssignment
from .vocabulary import BUILDINGS, COMMUNITY_KINDS, HOUSEHOLDS, ORDER, PEOPLE, ROLES, SHEETS, UNITS, choice_label

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
    full = policy.roster_shows_full_mobiles(user, place)
    rows = roster_rows(place, full_mobiles=full)
    if sheet:
        rows = {sheet: rows[sheet]}
    count = sum(len(r) for r in rows.values())
    if count > spreadsheets.MAX_ROWS:
        raise ValidationError(
            _("The roster has more than %(max)s rows: export one community or compound at a time.")
            % {"max": f"{spreadsheets.MAX_ROWS:,}"}
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
