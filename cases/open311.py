"""Open311 GeoReport v2 server (http://wiki.open311.org/GeoReport_v2/) under ``/open311/v2/``.

Endpoints, each as ``.json`` or ``.xml``: ``services`` (the categories), ``services/{code}`` (a
category's extra questions as a service definition), ``requests`` (GET: search; POST: report, with an
API key), ``requests/{id}`` and ``tokens/{token}``. ``jurisdiction_id`` is accepted everywhere and must
be ``settings.OPEN311_JURISDICTION`` when given. Errors use the standard's error list.

Linli has no coordinates: a request's location is a place, written as its full name
(``address``, e.g. "桂城街道 灯湖社区 中铁建水岸公馆 4栋") and its id (``address_id``). Responses
never carry personal data: no reporter and no contact details.
"""

import functools
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core import audit
from places.models import Place

from . import access, actions, queries
from .models import OPEN_STATUSES, Case, CaseEvent, Category, Channel, Open311Key

MAX_REQUESTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
# XML names of the items of a list (the standard's element names).
XML_ITEM = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute", "values": "value"}
OPEN, CLOSED = "open", "closed"


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- output ----------------------------------------------------------------------------------


def _xml_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        for item in value:
            _xml_fill(ET.SubElement(element, XML_ITEM[element.tag]), item)
    else:
        element.text = _xml_text(value)


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """``data`` (a list of items or one object) as JSON, or as XML under ``root``."""
    if fmt == "xml":
        element = ET.Element(root)
        _xml_fill(element, data)
        body = ('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")).encode()
        return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    body = json.dumps(data, ensure_ascii=False)
    return HttpResponse(body, content_type="application/json; charset=utf-8", status=status)


def render_error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": description}], status=status)


def _datetime(value: datetime | None) -> str | None:
    """W3C date-time with the offset (2026-03-01T09:30:00+08:00), as the standard asks."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# --- the common part of every endpoint -------------------------------------------------------


def _param(request, name: str) -> str:
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None:
        value = request.GET.get(name, "")
    return value.strip()


def endpoint(*methods: str):
    """Format, language, jurisdiction and the standard's errors for an Open311 view."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            locale = _param(request, "locale").lower()
            language = "en" if locale.startswith("en") else settings.LANGUAGE_CODE
            with translation.override(language):
                try:
                    if request.method not in allowed:
                        response = render_error(fmt, 405, _("Method not allowed."))
                        response["Allow"] = ", ".join(sorted(allowed))
                        return response
                    jurisdiction = _param(request, "jurisdiction_id")
                    if jurisdiction and jurisdiction != settings.OPEN311_JURISDICTION:
                        raise Open311Error(404, _("Unknown jurisdiction_id: %(j)s") % {"j": jurisdiction})
                    return view(request, fmt, **kwargs)
                except Open311Error as error:
                    return render_error(fmt, error.status, error.description)

        return wrapper

    return decorate


def _api_key(request, *, required: bool) -> Open311Key | None:
    """The client's key: required to post; optional to read (a valid key shows every case).
    A key that is given but unknown or revoked is refused either way."""
    raw = _param(request, "api_key")
    if not raw:
        if required:
            raise Open311Error(403, _("An api_key is required."))
        return None
    key = actions.check_open311_key(raw)
    if key is None:
        raise Open311Error(403, _("Invalid api_key."))
    return key


# --- services --------------------------------------------------------------------------------


def _service_name(category: Category) -> str:
    if translation.get_language() == "en" and category.name_en:
        return category.name_en
    return category.name


def _service_notice(category: Category) -> str:
    if category.is_emergency:
        return _("In an emergency call 110 (police), 119 (fire) or 120 (ambulance) first.")
    return _("First response within %(hours)d hours; resolution within %(days)d working days.") % {
        "hours": category.response_hours,
        "days": category.resolution_working_days,
    }


@endpoint("GET")
def services(request, fmt: str):
    items = [
        {
            "service_code": c.code,
            "service_name": _service_name(c),
            "description": c.description,
            "metadata": bool(c.attributes),
            "type": "realtime",
            "keywords": "",
            "group": str(c.get_request_kind_display()),
        }
        for c in Category.objects.filter(active=True)
    ]
    return render(fmt, "services", items)


def _attribute(question: dict, order: int) -> dict:
    return {
        "variable": True,
        "code": question["code"],
        "datatype": question.get("datatype") or "string",
        "required": bool(question.get("required")),
        "datatype_description": question.get("datatype_description", ""),
        "order": question.get("order", order),
        "description": question.get("description", ""),
        "values": [{"key": str(v["key"]), "name": v.get("name", "")} for v in question.get("values") or []],
    }


@endpoint("GET")
def service_definition(request, fmt: str, service_code: str):
    category = queries.active_category(service_code)
    if category is None:
        raise Open311Error(404, _("Unknown service_code: %(code)s") % {"code": service_code})
    definition = {
        "service_code": category.code,
        "attributes": [_attribute(q, i) for i, q in enumerate(category.attributes, start=1)],
    }
    return render(fmt, "service_definition", definition)


# --- requests --------------------------------------------------------------------------------


def visible_cases(key: Open311Key | None) -> QuerySet[Case]:
    """Without a key, what any neighbour may see of a case: public ones, not turned down (as in
    ``access.public_cases_for``); with a key, every case. Never who reported it."""
    cases = access.open311_cases(key)
    latest_note = (
        CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.Kind.TRANSITION, is_public=True)
        .order_by("-at", "-id")
        .values("note")[:1]
    )
    return cases.select_related("category", "handler").annotate(status_notes=Subquery(latest_note))


def serialise_case(case: Case) -> dict:
    return {
        "service_request_id": str(case.pk),
        "status": OPEN if case.status in OPEN_STATUSES else CLOSED,
        "status_notes": case.status_notes or "",
        "service_name": _service_name(case.category),
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": case.handler.name if case.handler_id else "",
        "service_notice": _service_notice(case.category),
        "requested_datetime": _datetime(case.created_at),
        "updated_datetime": _datetime(case.updated_at),
        "expected_datetime": _datetime(case.resolve_by),
        "address": case.address,
        "address_id": str(case.place_id),
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": "",
    }


def _parse_datetime(name: str, value: str) -> datetime:
    # "+08:00" sent unencoded in a query string arrives as " 08:00"
    value = re.sub(r" (\d{2}:?\d{2})$", r"+\1", value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Open311Error(400, _("%(name)s is not an ISO 8601 date-time: %(value)s") % {"name": name, "value": value}) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _search(request, key: Open311Key | None) -> QuerySet[Case]:
    cases = visible_cases(key)
    ids = _split(_param(request, "service_request_id"))
    if ids:  # overrides every other filter
        return cases.filter(pk__in=[int(i) for i in ids if i.isdigit() and len(i) < 19])
    codes = _split(_param(request, "service_code"))
    if codes:
        cases = cases.filter(category__code__in=codes)
    statuses = set(_split(_param(request, "status").lower()))
    if statuses - {OPEN, CLOSED}:
        raise Open311Error(400, _("status must be open or closed."))
    if statuses == {OPEN}:
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif statuses == {CLOSED}:
        cases = cases.exclude(status__in=OPEN_STATUSES)
    start, end = _param(request, "start_date"), _param(request, "end_date")
    start_at = _parse_datetime("start_date", start) if start else None
    end_at = _parse_datetime("end_date", end) if end else None
    if start_at is None:
        # the standard's default: the last 90 days (before end_date when one is given)
        start_at = (end_at or timezone.now()) - DEFAULT_WINDOW
    cases = cases.filter(created_at__gte=start_at)
    if end_at is not None:
        cases = cases.filter(created_at__lte=end_at)
    return cases


@endpoint("GET", "POST")
def requests(request, fmt: str):
    if request.method == "POST":
        return _post_request(request, fmt)
    key = _api_key(request, required=False)
    cases = _search(request, key).order_by("-created_at", "-id")[:MAX_REQUESTS]
    return render(fmt, "service_requests", [serialise_case(c) for c in cases])


@endpoint("GET")
def request_detail(request, fmt: str, request_id: str):
    key = _api_key(request, required=False)
    case = visible_cases(key).filter(pk=int(request_id)).first() if request_id.isdigit() and len(request_id) < 19 else None
    if case is None:
        raise Open311Error(404, _("No service request %(id)s.") % {"id": request_id})
    return render(fmt, "service_requests", [serialise_case(case)])


@endpoint("GET")
def token_detail(request, fmt: str, token: str):
    case = Case.objects.filter(token=token).only("pk", "token").first()
    if case is None:
        raise Open311Error(404, _("Unknown token: %(token)s") % {"token": token})
    return render(fmt, "service_requests", [{"service_request_id": str(case.pk), "token": case.token}])


# --- reporting -------------------------------------------------------------------------------


def place_by_full_name(text: str) -> Place | None:
    """The place whose full name (its ancestors' names and its own, separated by spaces) is ``text``:
    walk the tree from the root one name at a time (one query per level). Any whitespace separates."""
    words = text.split()

    def walk(parent: Place | None, i: int) -> Place | None:
        if i == len(words):
            return parent
        names = {" ".join(words[i:j]) for j in range(i + 1, len(words) + 1)}
        children = Place.objects.filter(parent=parent, name__in=names)
        for child in sorted(children, key=lambda c: (-len(c.name.split()), c.pk)):
            found = walk(child, i + len(child.name.split()))
            if found is not None:
                return found
        return None

    return walk(None, 0) if words else None


def _place_by_id(value: str) -> Place | None:
    """``address_id``: a place id (as Linli writes it), else a place's statistical code if only one has it."""
    if value.isdigit() and len(value) < 19:
        place = Place.objects.filter(pk=int(value)).first()
        if place is not None:
            return place
    found = list(Place.objects.filter(code=value)[:2])
    return found[0] if len(found) == 1 else None


def _place(request) -> Place:
    address_id, address = _param(request, "address_id"), _param(request, "address_string")
    if address_id:
        place = _place_by_id(address_id)
        if place is None:
            raise Open311Error(400, _("No place with address_id %(id)s.") % {"id": address_id})
        return place
    if address:
        place = place_by_full_name(address)
        if place is None:
            raise Open311Error(400, _("No place is called “%(address)s”.") % {"address": address})
        return place
    if _param(request, "lat") or _param(request, "long"):
        raise Open311Error(
            400,
            _(
                "Locations are places, not coordinates: give address_string (the place's full name, "
                "e.g. “%(example)s”) or address_id."
            )
            % {"example": "桂城街道 灯湖社区 中铁建水岸公馆 4栋"},
        )
    raise Open311Error(400, _("Give the location as address_string or address_id."))


ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def _details(request, category: Category) -> dict:
    """``attribute[code]=value`` (``attribute[code][]`` for several) checked against the category's questions."""
    posted: dict[str, list[str]] = {}
    for name in request.POST:
        match = ATTRIBUTE_KEY.match(name)
        if match:
            posted.setdefault(match.group(1), []).extend(v.strip() for v in request.POST.getlist(name) if v.strip())
    details: dict = {}
    for question in category.attributes:
        code = question["code"]
        values = posted.get(code)
        if not values:
            continue
        datatype = question.get("datatype") or "string"
        keys = {str(v["key"]) for v in question.get("values") or []}
        if datatype in ("singlevaluelist", "multivaluelist") and any(v not in keys for v in values):
            raise Open311Error(
                400, _("attribute[%(code)s] must be one of: %(keys)s") % {"code": code, "keys": ", ".join(sorted(keys))}
            )
        if datatype == "number":
            try:
                float(values[0])
            except ValueError:
                raise Open311Error(400, _("attribute[%(code)s] must be a number.") % {"code": code}) from None
        details[code] = values if datatype == "multivaluelist" else values[0][:500]
    return details


def _contact_name(request) -> str:
    first, last, email = _param(request, "first_name"), _param(request, "last_name"), _param(request, "email")
    if re.search(r"[\u3400-\u9fff]", first + last):
        name = last + first  # 李 + 明 = 李明
    else:
        name = " ".join(p for p in (first, last) if p)
    if email:
        name = f"{name} <{email}>" if name else email
    return name[:60]


def _post_request(request, fmt: str) -> HttpResponse:
    key = _api_key(request, required=True)
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = queries.active_category(code)
    if category is None:
        raise Open311Error(400, _("Unknown service_code: %(code)s") % {"code": code})
    place = _place(request)
    details = _details(request, category)
    description = _param(request, "description") or category.name
    if len(description) > 2000:
        raise Open311Error(400, _("The description is too long (at most 2000 characters)."))
    try:
        case = actions.submit_case(
            reporter=None,
            category=category,
            place=place,
            description=description,
            channel=Channel.OPEN311,
            contact_name=_contact_name(request),
            contact_phone=_param(request, "phone")[:20],
            details=details,
        )
    except ValidationError as error:
        raise Open311Error(400, " ".join(error.messages)) from None
    except PermissionDenied:
        raise Open311Error(403, _("This client may not report here.")) from None
    # which client posted it: the trail to follow if a client misbehaves
    audit.record(actor=None, action="open311.request_posted", obj=case, key_id=key.pk, key_name=key.name)
    created = {
        "service_request_id": str(case.pk),
        "token": case.token,
        "service_notice": _service_notice(category),
        "account_id": None,
    }
    return render(fmt, "service_requests", [created])
