"""Staff pages: places, the people directory, person details, join-request approvals,
organisations and venues. Every page asks ``policy`` and answers 404 outside the user's scope."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit
from core.masking import mask_id_number
from core.pages import page_number
from places.models import Place, Venue
from places.qr import qr_svg

from . import actions, policy, queries
from .forms import DecisionForm, DirectorySearchForm, RevealForm, SensitiveTagForm
from .models import JoinRequest, Organisation


def _require_staff(request) -> None:
    if not policy.is_staff_member(request.user):
        raise Http404


@login_required
def places_index(request):
    _require_staff(request)
    roots = Place.objects.filter(path__in=policy.scope_paths(request.user, policy.PLACE_ROLES)).order_by("path")
    return render(request, "people/places_index.html", {"roots": roots})


@login_required
def place_detail(request, pk: int):
    place = policy.get_place_for(request.user, pk)
    context = {
        "place": place,
        "ancestors": [a for a in place.ancestors() if policy.covers(request.user, a.path, policy.PLACE_ROLES)],
    }
    if place.kind == Place.Kind.BUILDING:
        context["units"] = queries.units_of(place)
        context["leaders"] = queries.leaders_for(place)
        context["join_url"] = request.build_absolute_uri(reverse("people:join", args=[place.join_code]))
    else:
        context["children"] = queries.children_with_counts(place)
        context["venues"] = queries.venues_in(place)[:50]
    return render(request, "people/place_detail.html", context)


@login_required
def place_buildings(request, pk: int):
    """Every building under a community or compound, with unit counts and leaders, paginated."""
    place = policy.get_place_for(request.user, pk)
    page = page_number(request)
    buildings, has_next = queries.buildings_page(place, page, 50)
    return render(
        request,
        "people/place_buildings.html",
        {
            "place": place,
            "buildings": buildings,
            "page": page,
            "has_next": has_next,
        },
    )


@login_required
def building_qr(request, pk: int):
    building = policy.get_place_for(request.user, pk)
    if building.kind != Place.Kind.BUILDING:
        raise Http404
    url = request.build_absolute_uri(reverse("people:join", args=[building.join_code]))
    return HttpResponse(qr_svg(url), content_type="image/svg+xml")


@login_required
def directory(request):
    if not policy.has_role(request.user, policy.DIRECTORY_ROLES):
        raise Http404
    form = DirectorySearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    page = page_number(request)
    people, has_next = queries.directory_page(request.user, q, page)
    audit.record_reads(actor=request.user, action="read.directory", subject_ids=[p.pk for p in people])
    template = "people/_directory_rows.html" if request.headers.get("HX-Request") else "people/directory.html"
    return render(request, template, {"form": form, "people": people, "page": page, "has_next": has_next, "q": q})


@login_required
def person_detail(request, pk: int):
    person = policy.get_person_for(request.user, pk)
    homes = queries.my_homes(person)
    tags = [t for t in person.sensitive_tags.select_related("unit__building") if policy.can_view_sensitive(request.user, t.path)]
    audit.record(actor=request.user, action="read.person", obj=person, subject_id=person.pk)
    if tags:
        audit.record(
            actor=request.user, action="read.sensitive_tags", obj=person, subject_id=person.pk, tags=[t.pk for t in tags]
        )
    can_tag = any(policy.can_view_sensitive(request.user, hm.path) for hm in homes)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "homes": homes,
            "ownerships": person.ownerships.select_related("unit__building"),
            "memberships": person.memberships.select_related("organisation"),
            "roles": person.roles.active().select_related("place"),
            "id_masked": mask_id_number(person.id_number, policy.id_mask_for(request.user, person))
            if person.id_number_token
            else "",
            "tags": tags,
            "tag_form": SensitiveTagForm(person=person) if can_tag else None,
            "can_reveal_mobile": policy.can_reveal(request.user, person, "mobile"),
            "can_reveal_id": policy.can_reveal(request.user, person, "id_number") and bool(person.id_number_token),
            "reveal_form": RevealForm(),
        },
    )


@login_required
@require_POST
def reveal(request, pk: int):
    person = policy.get_person_for(request.user, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say why you need the full number."))
        return redirect("people:person", pk=pk)
    try:
        value = actions.reveal(
            actor=request.user, person=person, field=form.cleaned_data["field"], reason=form.cleaned_data["reason"]
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    return render(request, "people/revealed.html", {"person": person, "value": value, "field": form.cleaned_data["field"]})


@login_required
@require_POST
def add_tag(request, pk: int):
    person = policy.get_person_for(request.user, pk)
    form = SensitiveTagForm(request.POST, person=person)
    if form.is_valid():
        try:
            actions.add_sensitive_tag(actor=request.user, person=person, **form.cleaned_data)
            messages.success(request, _("Care information saved."))
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Please correct the form."))
    return redirect("people:person", pk=pk)


@login_required
def join_requests(request):
    if not policy.has_role(request.user, policy.JOIN_DECIDER_ROLES):
        raise Http404
    pending = (
        policy.join_requests_for(request.user)
        .filter(status=JoinRequest.Status.PENDING)
        .select_related("person", "unit__building")
        .order_by("created_at")[:100]
    )
    return render(request, "people/join_requests.html", {"pending": pending, "form": DecisionForm()})


@login_required
@require_POST
def decide_join(request, pk: int):
    jr = policy.get_join_request_for(request.user, pk)
    if not policy.can_decide_join(request.user, jr):
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("people:join-requests")
    try:
        actions.decide_join_request(
            actor=request.user, request=jr, approve=form.cleaned_data["decision"] == "approve", reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Decision recorded."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("people:join-requests")


@login_required
def organisations(request):
    kind = request.GET.get("kind", "")
    qs = policy.organisations_for(request.user).select_related("place")
    if kind in Organisation.Kind.values:
        qs = qs.filter(kind=kind)
    place_id = request.GET.get("place")
    if place_id and place_id.isdigit():
        place = get_object_or_404(Place, pk=place_id)
        qs = qs.filter(path__startswith=place.path)
    page = page_number(request)
    rows, has_next = queries.page_of(qs.order_by("kind", "name"), page, 50)
    return render(
        request,
        "people/organisations.html",
        {
            "organisations": rows,
            "has_next": has_next,
            "page": page,
            "kind": kind,
            "kinds": Organisation.Kind.choices,
        },
    )


@login_required
def organisation_detail(request, pk: int):
    org = policy.get_organisation_for(request.user, pk)
    members = None
    if policy.can_view_members(request.user, org):
        members = org.memberships.select_related("person").order_by("position", "person__name_pinyin")
    return render(
        request,
        "people/organisation_detail.html",
        {
            "org": org,
            "members": members,
            "served": org.served_places.all()[:100],
        },
    )


def venues(request):
    rows = Venue.objects.select_related("place").prefetch_related("rooms").order_by("name")
    return render(request, "people/venues.html", {"venues": rows})


def venue_detail(request, pk: int):
    venue = get_object_or_404(Venue.objects.select_related("place"), pk=pk)
    return render(request, "people/venue_detail.html", {"venue": venue, "rooms": venue.rooms.all()})
