"""JSON API for roster spreadsheets: import dry run, commit, template and export.

The same rules as the pages: imports for managers only (``policy.can_import``), exports of places
the user may browse the people of; everything else answers 404.
"""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from . import policy, spreadsheets
from .api import AUTH

router = Router(tags=["spreadsheets"])


class RowErrorOut(Schema):
    sheet: str
    row: int
    column: str
    message: str


class SheetCountOut(Schema):
    kind: str
    title: str
    rows: int
    create: int
    update: int
    unchanged: int
    errors: int


class ImportReportOut(Schema):
    filename: str
    ok: bool
    committed: bool
    token: str | None
    sheets: list[SheetCountOut]
    errors: list[RowErrorOut]
    notices: list[RowErrorOut]


class DetailOut(Schema):
    detail: str


def _require_importer(request) -> None:
    if not policy.can_import(request.user):
        raise HttpError(404, "Not found")


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@router.post("/imports", response={200: ImportReportOut, 400: DetailOut}, auth=AUTH)
def import_dry_run(request, file: File[UploadedFile], kind: Form[str] = ""):
    """Check a roster without saving anything. When there is no error, the answer carries a
    token to commit the same file within 30 minutes."""
    _require_importer(request)
    if file.size > spreadsheets.MAX_UPLOAD_BYTES:
        limit = spreadsheets.MAX_UPLOAD_BYTES // (1024 * 1024)
        return Status(400, {"detail": _("The file is larger than %(max)s MB.") % {"max": limit}})
    try:
        report = spreadsheets.dry_run_upload(user=request.user, data=file.read(), filename=file.name or "", kind=kind)
    except ValidationError as exc:
        return Status(400, {"detail": " ".join(exc.messages)})
    return Status(200, report.as_dict())


@router.post("/imports/{token}/commit", response={200: ImportReportOut, 400: ImportReportOut}, auth=AUTH)
def import_commit(request, token: str):
    """Re-check and apply a checked roster, all or nothing. 400 with the problems if any appeared."""
    _require_importer(request)
    report = spreadsheets.commit_upload(user=request.user, token=token)
    if report is None:
        raise HttpError(404, "Not found")
    return Status(200 if report.committed else 400, report.as_dict())


@router.get("/imports/template.xlsx", auth=AUTH)
def import_template(request):
    _require_importer(request)
    return _attachment(spreadsheets.template_workbook(), spreadsheets.XLSX_TYPE, "linli-roster-template.xlsx")


@router.get("/exports/{place_id}", auth=AUTH, response={400: DetailOut})
def export_roster(request, place_id: int, fmt: str = "xlsx", sheet: str = ""):
    """The roster under a place as XLSX, or CSV (a zip of one file per sheet, or one ``sheet``)."""
    place = policy.get_place_for(request.user, place_id)
    if fmt not in {"xlsx", "csv"} or not policy.can_export_roster(request.user, place):
        raise HttpError(404, "Not found")
    try:
        export = spreadsheets.export_roster(user=request.user, place=place, fmt=fmt, sheet=sheet)
    except ValidationError as exc:
        return Status(400, {"detail": " ".join(exc.messages)})
    return _attachment(export.content, export.content_type, export.filename)
