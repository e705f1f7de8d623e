"""JSON API for cases: categories, lists with filters, create, transition, comment, me too, rating,
assignment. Every endpoint asks ``access`` exactly as the pages do; invisible cases answer 404, and a
change someone else made first answers 409."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from core import audit
from core.db import by_pk
from core.masking import mask_mobile
from people import policy
from people.api import AUTH
from people.models import Organisation
from places.models import Place, Unit

from . import access, actions, queries
from .models import Case, Category, Channel, Location

router = Router(tags=["cases"], auth=AUTH)


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    request_kind: str
    handler_kind: str
    response_hours: int
    resolution_working_days: int
    is_public: bool
    is_emergency: bool
    attributes: list[dict]


class CaseOut(Schema):
    id: int
    status: str
    category: str
    request_kind: str
    address: str
    place_id: int
    description: str
    level: int
    handler: str | None = None
    is_public: bool
    is_emergency: bool
    is_overdue: bool
    needs_meeting: bool
    supporter_count: int
    version: int
    created_at: datetime
    updated_at: datetime
    respond_by: datetime
    resolve_by: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    rating: str

    @staticmethod
    def resolve_category(obj):
        return obj.category.code

    @staticmethod
    def resolve_handler(obj):
        return obj.handler.name if obj.handler_id else None


class EventOut(Schema):
    at: datetime
    kind: str
    from_status: str
    to_status: str
    level: int | None
    note: str
    is_public: bool


class CaseDetailOut(CaseOut):
    reporter: str | None = Field(None, description="Name and masked mobile; only for the reporter and staff on the case")
    timeline: list[EventOut]

    @staticmethod
    def resolve_reporter(obj):
        return getattr(obj, "reporter_text", None)


class CaseIn(Schema):
    category: str = Field(..., description="Category code")
    place_id: int = Field(..., description="A building or compound")
    unit_id: int | None = Field(None, description="The reporter's home, when the problem is there")
    description: str
    details: dict[str, str] = Field(default_factory=dict, description="Answers to the category's extra questions")


class TransitionIn(Schema):
    action: str = Field(..., description="accept, start, resolve, reject, merge, confirm or reopen")
    note: str = ""
    version: int | None = Field(None, description="The version you saw; a newer one answers 409")
    merge_into: int | None = None


class CommentIn(Schema):
    note: str
    public: bool = True


class RatingIn(Schema):
    rating: str = Field(..., description="satisfied, basic or unsatisfied")
    note: str = ""


class AssignIn(Schema):
    case_ids: list[int]
    handler_id: int


class Error(Schema):
    detail: str | dict


def _detail(request, case: Case) -> Case:
    """The case with its timeline (public lines only, unless the user works on it) and, for the
    reporter and the staff on the case, who reported it (mobile masked; staff reads audited)."""
    staff = access.is_case_staff(request.user, case)
    new = getattr(case, "new_timeline", None)  # just reported: the one line there is
    case.timeline = new if new is not None else list(queries.timeline(case, staff=staff))
    if access.can_see_reporter(request.user, case):
        if case.reporter_id:
            case.reporter_text = f"{case.reporter.name} {mask_mobile(case.reporter.mobile)}"
        elif case.contact_name or case.contact_phone:
            case.reporter_text = f"{case.contact_name} {mask_mobile(case.contact_phone)}".strip()
        if staff and not access.is_reporter(request.user, case):
            audit.record(actor=request.user, action="read.case_reporter", obj=case, subject_id=case.reporter_id, via="api")
    return case


@router.get("/categories", response=list[CategoryOut], auth=None)
def list_categories(request):
    return Category.objects.filter(active=True)


@router.get("/", response=list[CaseOut])
@paginate(LimitOffsetPagination)
def list_cases(
    request,
    scope: str = "inbox",
    status: str = "open",
    category: str = "",
    place_id: int | None = None,
    overdue: bool = False,
):
    """``scope``: inbox (cases you work on), mine (your reports) or neighbourhood (public cases in your compound)."""
    base = {"mine": access.my_cases, "neighbourhood": access.public_cases_for}.get(scope, access.cases_for)(request.user)
    place = policy.get_place_for(request.user, place_id) if place_id else None
    cat = Category.objects.filter(code=category).first() if category else None
    if category and cat is None:
        return Case.objects.none()
    qs = queries.filter_inbox(base, status=status, category=cat, place=place, overdue=overdue)
    return qs.select_related("category", "handler").order_by("-id")


@router.post("/", response={201: CaseDetailOut, 400: Error, 404: Error})
def create_case(request, payload: CaseIn):
    category = queries.active_category(payload.category)
    if category is None:
        raise ValidationError({"category": "Unknown category."})
    place = by_pk(Place, payload.place_id)
    if place is None:
        raise Http404
    unit = None
    if payload.unit_id:
        unit = get_object_or_404(Unit, pk=payload.unit_id, building=place)
        if not access.can_use_unit(request.user, unit):
            raise Http404
    case = actions.submit_case(
        reporter=request.user,
        category=category,
        place=place,
        unit=unit,
        location=Location.UNIT if unit else (Location.PUBLIC if place.kind == Place.Kind.COMPOUND else Location.BUILDING),
        description=payload.description,
        details=payload.details,
        channel=Channel.API,
    )
    return Status(201, _detail(request, case))


@router.post("/assign", response={200: dict, 400: Error, 404: Error})
def assign(request, payload: AssignIn):
    handler = Organisation.objects.filter(pk=payload.handler_id).first()
    cases = list(access.cases_for(request.user).filter(pk__in=payload.case_ids))
    if handler is None or len(cases) != len(set(payload.case_ids)):
        raise Http404
    try:
        n = actions.assign_cases(actor=request.user, cases=cases, handler=handler)
    except PermissionDenied as exc:
        raise Http404 from exc
    return {"assigned": n}


@router.get("/{case_id}", response=CaseDetailOut)
def get_case(request, case_id: int):
    return _detail(request, access.get_case_for(request.user, case_id))


@router.post("/{case_id}/transition", response={200: CaseDetailOut, 400: Error, 404: Error, 409: Error})
def transition(request, case_id: int, payload: TransitionIn):
    case = access.get_case_for(request.user, case_id)
    target = None
    if payload.merge_into:
        target = access.cases_for(request.user).filter(pk=payload.merge_into).first()
    actions.transition_case(
        actor=request.user, case=case, action=payload.action, note=payload.note, version=payload.version, merge_into=target
    )
    return _detail(request, case)


@router.post("/{case_id}/comments", response={201: EventOut, 400: Error, 404: Error})
def comment(request, case_id: int, payload: CommentIn):
    case = access.get_case_for(request.user, case_id)
    return Status(201, actions.comment_on_case(actor=request.user, case=case, note=payload.note, public=payload.public))


@router.post("/{case_id}/support", response={200: dict, 404: Error})
def support(request, case_id: int):
    case = access.get_case_for(request.user, case_id)
    added = actions.support_case(person=request.user, case=case)
    return {"added": added, "supporter_count": case.supporter_count}


@router.post("/{case_id}/rating", response={200: CaseDetailOut, 400: Error, 404: Error, 409: Error})
def rate(request, case_id: int, payload: RatingIn):
    case = access.get_case_for(request.user, case_id)
    actions.rate_case(person=request.user, case=case, rating=payload.rating, note=payload.note)
    return _detail(request, case)
