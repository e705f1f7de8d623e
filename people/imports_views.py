from django.http import Http404


def import_upload(request):
    raise Http404


def import_commit(request, token):
    raise Http404


def import_template(request):
    raise Http404


def export_roster(request, pk, fmt):
    raise Http404
