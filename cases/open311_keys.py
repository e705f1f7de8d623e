"""The Open311 API keys page for sub-district administrators: issue a key (shown once), revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import access, actions
from .models import Open311Key


@login_required
@require_http_methods(["GET", "POST"])
def keys_page(request):
    if not access.can_issue_open311_keys(request.user):
        raise Http404
    new_key = None
    if request.method == "POST":
        revoke = request.POST.get("revoke", "")
        if revoke:
            if not revoke.isdigit():
                raise Http404
            key = get_object_or_404(Open311Key, pk=int(revoke))
            actions.revoke_open311_key(actor=request.user, key=key)
            messages.success(request, _("The key “%(name)s” has been revoked.") % {"name": key.name})
            return redirect(request.path)
        try:
            _key, new_key = actions.create_open311_key(actor=request.user, name=request.POST.get("name", "")[:80])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    keys = Open311Key.objects.select_related("created_by")
    return render(request, "cases/open311_keys.html", {"keys": keys, "new_key": new_key})
