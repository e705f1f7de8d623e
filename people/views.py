"""Resident-facing pages: home, sign-in, registration, joining a building, my data."""

import json

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import audit
from core.pages import add_errors
from places.models import Place

from . import actions, policy, queries
from .forms import CodeRequestForm, CodeSignInForm, JoinForm, PasswordSignInForm, RegisterForm
from .models import ConsentRecord, JoinRequest, RoleAssignment


def home(request):
    if not request.user.is_authenticated:
        return render(request, "people/welcome.html")
    homes = queries.my_homes(request.user)
    blocks = []
    for hm in homes:
        building = hm.unit.building
        community = building.community()
        blocks.append(
            {
                "member": hm,
                "building": building,
                "leaders": queries.leaders_for(building),
                "community": community,
                "venues": queries.venues_in(community)[:10] if community else [],
                "organisations": queries.organisations_in(community)[:20] if community else [],
            }
        )
    pending = JoinRequest.objects.filter(person=request.user, status=JoinRequest.Status.PENDING).select_related("unit__building")
    return render(
        request,
        "people/home.html",
        {
            "blocks": blocks,
            "pending": pending,
            "is_staff_member": policy.is_staff_member(request.user),
            "can_import": policy.can_import(request.user),
            "staff_roles": sorted(policy.roles_of(request.user)),
        },
    )


@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = PasswordSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = authenticate(request, username=form.cleaned_data["mobile"], password=form.cleaned_data["password"])
        if person is None:
            form.add_error(None, _("Wrong mobile number or password."))
        else:
            login(request, person, backend="people.auth.MobilePasswordBackend")
            return redirect(request.GET.get("next") if _safe_next(request) else "home")
    return render(request, "people/sign_in.html", {"form": form, "code_form": CodeRequestForm()})


def _safe_next(request) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    nxt = request.GET.get("next")
    return bool(nxt) and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})


@require_http_methods(["GET", "POST"])
def sign_in_code(request):
    """Step 1 sends a code by SMS; step 2 checks it. Unknown numbers get the same answer."""
    if request.method == "POST" and "code" in request.POST:
        form = CodeSignInForm(request.POST)
        if form.is_valid():
            person = authenticate(request, username=form.cleaned_data["mobile"], code=form.cleaned_data["code"])
            if person is not None:
                login(request, person, backend="people.auth.OneTimeCodeBackend")
                return redirect("home")
            form.add_error("code", _("The code is wrong or has expired."))
        return render(request, "people/sign_in_code.html", {"form": form, "sent": True})
    request_form = CodeRequestForm(request.POST or None)
    if request.method == "POST" and request_form.is_valid():
        mobile = request_form.cleaned_data["mobile"]
        try:
            actions.send_sign_in_code(mobile=mobile)
        except ValidationError as exc:
            add_errors(request_form, exc)
        else:
            messages.info(request, _("If this number is registered, a code is on its way."))
            return render(request, "people/sign_in_code.html", {"form": CodeSignInForm(initial={"mobile": mobile}), "sent": True})
    return render(request, "people/sign_in_code.html", {"form": request_form, "sent": False})


def locked_out(request, credentials=None, *args, **kwargs):
    return render(request, "people/locked_out.html", status=429)


@require_POST
def sign_out(request):
    logout(request)
    return redirect("home")


@require_http_methods(["GET", "POST"])
def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = actions.register_resident(
                name=form.cleaned_data["name"], mobile=form.cleaned_data["mobile"], password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            login(request, person, backend="people.auth.MobilePasswordBackend")
            nxt = request.GET.get("next")
            return redirect(nxt if _safe_next(request) else "home")
    return render(request, "people/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
def join_building(request, code: str):
    """Where a building's QR code leads: ask to join one of its units."""
    building = get_object_or_404(Place, join_code=code.upper(), kind=Place.Kind.BUILDING)
    if not request.user.is_authenticated:
        return render(request, "people/join_building.html", {"building": building, "form": None})
    form = JoinForm(request.POST or None, building=building)
    if request.method == "POST" and form.is_valid():
        try:
            actions.request_to_join(
                person=request.user,
                unit=form.cleaned_data["unit"],
                relation=form.cleaned_data["relation"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your request has been sent to the building leader."))
            return redirect("home")
    return render(request, "people/join_building.html", {"building": building, "form": form})


@login_required
@require_POST
def withdraw_join(request, pk: int):
    jr = get_object_or_404(JoinRequest, pk=pk, person=request.user)
    actions.withdraw_join_request(person=request.user, request=jr)
    return redirect("home")


class TelRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]  # HttpResponseRedirect refuses any scheme but http(s) and ftp


@login_required
def call_leader(request, pk: int):
    """The call button on a resident's home page. Only residents of a building the leader serves
    (or staff over it) get the number; each call is audited."""
    ra = get_object_or_404(RoleAssignment.objects.active().select_related("person"), pk=pk, role__in=policy.LEADER_ROLES)
    if not policy.can_call_leader(request.user, ra) or not ra.person.mobile:
        raise Http404
    audit.record(actor=request.user, action="reveal.leader_call", obj=ra.person, subject_id=ra.person_id)
    return TelRedirect(f"tel:+86{ra.person.mobile}")


@login_required
def my_data(request):
    consents = ConsentRecord.objects.filter(person=request.user).order_by("-granted_at")
    active = {c.purpose for c in consents if c.withdrawn_at is None}
    purposes = [(value, label, value in active) for value, label in ConsentRecord.Purpose.choices]
    return render(
        request,
        "people/my_data.html",
        {"consents": consents, "purposes": purposes, "roles": request.user.roles.active().select_related("place")},
    )


@login_required
def my_data_export(request):
    data = actions.export_personal_data(person=request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="linli-my-data.json"'
    return response


@login_required
@require_POST
def my_consent(request):
    purpose = request.POST.get("purpose", "")
    if purpose not in ConsentRecord.Purpose.values:
        raise Http404
    if request.POST.get("grant") == "1":
        actions.record_consent(person=request.user, purpose=purpose)
        messages.success(request, _("Your consent has been recorded."))
    else:
        actions.withdraw_consent(person=request.user, purpose=purpose)
        messages.success(request, _("Your consent has been withdrawn."))
    return redirect("people:my-data")


@login_required
@require_http_methods(["GET", "POST"])
def my_data_erase(request):
    if request.method == "POST":
        if request.POST.get("confirm") != request.user.name:
            messages.error(request, _("Type your name exactly to confirm."))
            return redirect("people:my-data-erase")
        person = request.user
        logout(request)
        actions.erase_person(person=person)
        messages.success(request, _("Your data has been deleted. What the law requires us to keep is now anonymous."))
        return redirect("home")
    return render(request, "people/my_data_erase.html")
