"""Roster spreadsheets: upload with a dry-run preview, commit, template download, export.

Import pages are for managers only (``policy.can_import``); everyone else gets 404. Export is for
anyone who may browse the place's people; full mobile numbers only for its managers."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import policy, spreadsheets


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (XLSX or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.zip"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("For a CSV file: what it contains"),
        choices=[("", gettext_lazy("(from the file name)")), *spreadsheets.sheet_choices()],
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > spreadsheets.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(max)s MB.") % {"max": spreadsheets.MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


def _require_importer(request) -> None:
    if not policy.can_import(request.user):
        raise Http404


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = spreadsheets.dry_run_upload(
                user=request.user, data=upload.read(), filename=upload.name, kind=form.cleaned_data["kind"]
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return render(request, "people/import_preview.html", {"report": report})
    return render(request, "people/import_upload.html", {"form": form, "sheets": spreadsheets.sheet_help()})


@login_required
@require_POST
def import_commit(request, token):
    _require_importer(request)
    report = spreadsheets.commit_upload(user=request.user, token=token)
    if report is None:
        messages.error(request, _("This upload has expired or was already imported. Please upload the file again."))
        return redirect("people:import")
    if not report.committed:
        return render(request, "people/import_preview.html", {"report": report, "failed_commit": True})
    totals = report.totals()
    messages.success(
        request,
        _("The roster was imported: %(create)s created, %(update)s updated, %(unchanged)s unchanged.") % totals,
    )
    return redirect("people:import")


@login_required
@require_GET
def import_template(request):
    _require_importer(request)
    return _attachment(spreadsheets.template_workbook(), spreadsheets.XLSX_TYPE, "linli-roster-template.xlsx")


@login_required
@require_GET
def export_roster(request, pk, fmt):
    place = policy.get_place_for(request.user, pk)
    if fmt not in {"xlsx", "csv"} or not policy.can_export_roster(request.user, place):
        raise Http404
    try:
        export = spreadsheets.export_roster(user=request.user, place=place, fmt=fmt, sheet=request.GET.get("sheet", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("people:place", pk=place.pk)
    return _attachment(export.content, export.content_type, export.filename)
