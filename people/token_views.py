"""Personal API tokens: created here, shown once, revocable."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import audit

from . import actions
from .models import ApiToken


@login_required
@require_http_methods(["GET", "POST"])
def my_tokens(request):
    new_key = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()[:60]
        if not name:
            messages.error(request, _("Please name the token, e.g. the app that will use it."))
        else:
            new_key = actions.create_api_token(person=request.user, name=name)
    tokens = ApiToken.objects.filter(person=request.user).order_by("-created_at")
    return render(request, "people/my_tokens.html", {"tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def revoke_token(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, person=request.user)
    token.delete()
    audit.record(actor=request.user, action="api_token.revoked", obj=request.user, subject_id=request.user.pk)
    messages.success(request, _("The token has been revoked."))
    return redirect("people:my-tokens")
