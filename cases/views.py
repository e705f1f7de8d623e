"""Pages for neighbourhood problems: report, my reports, my compound's public problems, the staff
inbox, a building's open problems, the case page with its timeline and actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit
from core.pages import add_errors, keep_version, page_number, run_action
from people import policy
from people.queries import page_of

from . import access, actions, queries
from .forms import ActionForm, AssignForm, CommentForm, InboxFilterForm, OnBehalfForm, RatingForm, ReportForm
from .models import Case, Category
from .photos import clean_photos

PAGE_SIZE = 20


@login_required
def index(request):
    """Staff land on their inbox; residents on their own reports."""
    if access.works_on_cases(request.user):
        return redirect("cases:inbox")
    return redirect("cases:mine")


# --- reporting -------------------------------------------------------------------------------


def _report_context(request):
    """Where the user may report and which categories apply there. A staff member recording for
    someone comes from a building or compound page (``?place=``)."""
    place_id = request.GET.get("place") or request.POST.get("for_place")
    if place_id:
        place = policy.get_place_for(request.user, place_id)
        choices = queries.staff_where_choices(request.user, place)
        if not choices:
            raise Http404
        return choices, place
    return queries.where_choices(request.user), None


@login_required
def case_new(request):
    choices, for_place = _report_context(request)
    if not choices:
        return render(request, "cases/case_new.html", {"no_home": True})
    by_value = {c.value: c for c in choices}
    categories = actions.categories_for(choices[0].place)
    form = ReportForm(
        request.POST or None, request.FILES or None, categories=categories, places=[(c.value, c.label) for c in choices]
    )
    behalf = OnBehalfForm(request.POST or None) if for_place else None
    if request.method == "POST" and form.is_valid() and (behalf is None or behalf.is_valid()):
        where = by_value[form.cleaned_data["where"]]
        category = form.cleaned_data["category"]
        details = {a["code"]: request.POST.get(f"attr_{a['code']}", "").strip() for a in category.attributes}
        try:
            photos = clean_photos(form.cleaned_data["photos"])
            extra = {}
            if behalf is not None:
                extra = {
                    "reporter": None,
                    "recorded_by": request.user,
                    "channel": behalf.cleaned_data["channel"],
                    "contact_name": behalf.cleaned_data["contact_name"],
                    "contact_phone": behalf.cleaned_data["contact_phone"],
                }
            case = actions.submit_case(
                **{"reporter": request.user, **extra},
                category=category,
                place=where.place,
                unit=where.unit,
                location=where.location,
                description=form.cleaned_data["description"],
                photos=photos,
                details={k: v for k, v in details.items() if v},
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if case.is_emergency:
                messages.warning(
                    request, _("Emergency reported to community staff. If anyone is in danger, call 110 / 119 / 120 now.")
                )
            else:
                messages.success(
                    request,
                    _("Thank you. Your report no. %(n)s has been sent to %(who)s.")
                    % {
                        "n": case.pk,
                        "who": case.handler.name if case.handler else _("community staff"),
                    },
                )
            return redirect("cases:case", pk=case.pk)
    return render(
        request,
        "cases/case_new.html",
        {"form": form, "behalf": behalf, "for_place": for_place, "categories": categories},
    )


@login_required
def report_hints(request):
    """htmx: when the category or place changes, show 110/119/120 for emergencies, the category's
    extra questions, and matching open cases to "me too" instead of filing a duplicate."""
    choices, _for_place = _report_context(request)
    where = {c.value: c for c in choices}.get(request.GET.get("where", ""))
    category = Category.objects.filter(pk=request.GET.get("category") or 0, active=True).first()
    similar = []
    if category is not None and where is not None:
        similar = [c for c in queries.similar_open_cases(category, where.place) if c.reporter_id != request.user.pk]
    return render(request, "cases/_report_hints.html", {"category": category, "similar": similar})


# --- lists -----------------------------------------------------------------------------------


@login_required
def mine(request):
    page = page_number(request)
    rows, has_next = page_of(queries.list_rows(access.my_cases(request.user)).order_by("-id"), page, PAGE_SIZE)
    return render(request, "cases/case_list.html", {"title": _("My reports"), "cases": rows, "page": page, "has_next": has_next})


@login_required
def neighbourhood(request):
    page = page_number(request)
    qs = queries.list_rows(access.public_cases_for(request.user)).order_by("-id")
    rows, has_next = page_of(qs, page, PAGE_SIZE)
    return render(
        request,
        "cases/case_list.html",
        {"title": _("Problems in my compound"), "cases": rows, "page": page, "has_next": has_next, "neighbourhood": True},
    )


@login_required
def inbox(request):
    if not access.works_on_cases(request.user):
        raise Http404
    form = InboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    place = None
    if filters.get("building"):
        place = policy.get_place_for(request.user, filters["building"])
    qs = queries.filter_inbox(
        access.cases_for(request.user),
        status=filters.get("status") or "open",
        category=filters.get("category"),
        place=place,
        overdue=filters.get("overdue", False),
        needs_meeting=filters.get("needs_meeting", False),
    )
    page = page_number(request)
    rows, has_next = page_of(queries.list_rows(qs).order_by("-id"), page, PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    # The filter's selects are written by the template from plain lists (form widgets cost a few ms a
    # page, make bench); the hand-over list is fetched only when opened.
    return render(
        request,
        "cases/inbox.html",
        {
            "form": form,
            "status": form.data.get("status", "open"),
            "status_choices": InboxFilterForm.base_fields["status"].choices,
            "category": form.data.get("category", ""),
            "categories": queries.category_choices(),
            "cases": rows,
            "page": page,
            "has_next": has_next,
            "place": place,
            "can_assign": access.can_hand_over(request.user),
            "query": query.urlencode(),
        },
    )


@login_required
def assign_form(request):
    """htmx: the hand-over form of the inbox, loaded when opened."""
    if not access.can_hand_over(request.user):
        raise Http404
    form = AssignForm(handlers=access.assignable_handlers(request.user))
    return render(request, "cases/_assign_form.html", {"assign_form": form, "next": request.GET.get("next", "")})


@login_required
@require_POST
def bulk_assign(request):
    form = AssignForm(request.POST, handlers=access.assignable_handlers(request.user))
    ids = [int(i) for i in request.POST.getlist("cases") if i.isdigit()]
    if not form.is_valid() or not ids:
        messages.error(request, _("Choose the cases and the organisation to hand them to."))
        return redirect(request.POST.get("next") or "cases:inbox")
    cases = list(access.cases_for(request.user).filter(pk__in=ids).select_related("handler"))
    try:
        n = actions.assign_cases(actor=request.user, cases=cases, handler=form.cleaned_data["handler"])
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, _("%(n)d case(s) handed to %(org)s.") % {"n": n, "org": form.cleaned_data["handler"].name})
    return redirect(request.POST.get("next") or "cases:inbox")


@login_required
def building(request, pk: int):
    """A building's (or compound's) open problems, for leaders and staff over it."""
    place = policy.get_place_for(request.user, pk)
    qs = access.open_cases_at(request.user, place)
    page = page_number(request)
    rows, has_next = page_of(qs, page, PAGE_SIZE)
    return render(request, "cases/building.html", {"place": place, "cases": rows, "page": page, "has_next": has_next})


# --- one case --------------------------------------------------------------------------------


def _case_context(request, case: Case, **forms) -> dict:
    staff = access.is_case_staff(request.user, case)
    show_reporter = access.can_see_reporter(request.user, case)
    if staff and (case.reporter_id or case.contact_phone) and not access.is_reporter(request.user, case):
        audit.record(actor=request.user, action="read.case_reporter", obj=case, subject_id=case.reporter_id)
    verbs = access.allowed_actions(request.user, case)
    return {
        "case": case,
        "staff": staff,
        "show_reporter": show_reporter,
        "events": queries.timeline(case, staff=staff),
        "photos": list(case.photos.all()),
        "verbs": [v for v in ("accept", "start", "resolve", "reject", "merge", "confirm", "reopen") if v in verbs],
        "action_form": forms.get("action_form") or ActionForm(initial={"version": case.version}),
        "comment_form": forms.get("comment_form") or (CommentForm() if access.can_comment(request.user, case) else None),
        "rating_form": forms.get("rating_form") or (RatingForm() if access.can_rate(request.user, case) else None),
        "can_support": access.can_support(request.user, case),
        "supported": case.supporters.filter(person=request.user).exists(),
        "assign_form": AssignForm(handlers=access.assignable_handlers(request.user))
        if access.can_assign(request.user, case)
        else None,
    }


@login_required
def case_detail(request, pk: int):
    case = access.get_case_for(request.user, pk)
    return render(request, "cases/case_detail.html", _case_context(request, case))


@login_required
@require_POST
def case_act(request, pk: int):
    case = access.get_case_for(request.user, pk)
    form = ActionForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        target = None
        if data["action"] == "merge" and data.get("merge_into"):
            target = access.cases_for(request.user).filter(pk=data["merge_into"]).first()
        outcome = run_action(
            form,
            lambda: actions.transition_case(
                actor=request.user,
                case=case,
                action=data["action"],
                note=data["note"],
                version=data["version"],
                merge_into=target,
            ),
        )
        if outcome is None:
            messages.success(
                request, _("Case no. %(n)s is now %(status)s.") % {"n": case.pk, "status": case.get_status_display()}
            )
            return redirect("cases:case", pk=case.pk)
        status = 409 if outcome == "conflict" else 400
        case = access.get_case_for(request.user, pk)
        keep_version(form, case.version)
    return render(request, "cases/case_detail.html", _case_context(request, case, action_form=form), status=status)


@login_required
@require_POST
def case_comment(request, pk: int):
    case = access.get_case_for(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            actions.comment_on_case(
                actor=request.user, case=case, note=form.cleaned_data["note"], public=not form.cleaned_data["internal"]
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return redirect("cases:case", pk=case.pk)
    return render(request, "cases/case_detail.html", _case_context(request, case, comment_form=form), status=400)


@login_required
@require_POST
def case_rate(request, pk: int):
    case = access.get_case_for(request.user, pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            actions.rate_case(person=request.user, case=case, rating=form.cleaned_data["rating"], note=form.cleaned_data["note"])
        except PermissionDenied as exc:
            raise Http404 from exc
        except (ValidationError, actions.Conflict) as exc:
            form.add_error(None, exc.message if isinstance(exc, actions.Conflict) else exc)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect("cases:case", pk=case.pk)
    return render(request, "cases/case_detail.html", _case_context(request, case, rating_form=form), status=400)


@login_required
@require_POST
def case_support(request, pk: int):
    case = access.get_case_for(request.user, pk)
    try:
        added = actions.support_case(person=request.user, case=case)
    except PermissionDenied as exc:
        raise Http404 from exc
    if added:
        messages.success(request, _("Added: you have this problem too. You will see its progress here."))
    return redirect("cases:case", pk=case.pk)


@login_required
@require_POST
def case_assign(request, pk: int):
    case = access.get_case_for(request.user, pk)
    form = AssignForm(request.POST, handlers=access.assignable_handlers(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose the organisation to hand the case to."))
        return redirect("cases:case", pk=case.pk)
    try:
        actions.assign_cases(actor=request.user, cases=[case], handler=form.cleaned_data["handler"])
    except PermissionDenied as exc:
        raise Http404 from exc
    return redirect("cases:case", pk=case.pk)


@login_required
def case_photo(request, pk: int, photo_id: int):
    """Photos are personal data of a kind (faces, doors): served only to those who may see the case."""
    case = access.get_case_for(request.user, pk)
    photo = case.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
