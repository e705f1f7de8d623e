"""JSON API for places, people (masked), organisations, roles, venues and join requests.

Every endpoint asks ``policy``, exactly as the pages do; invisible objects answer 404.
"""

import hashlib
from datetime import date, timedelta

from django.db import connection, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import HttpBearer, django_auth

from core import audit
from core.masking import mask_id_number, mask_mobile
from places.models import Place, Venue

from . import actions, policy, queries
from .models import ApiToken, JoinRequest, Person

router = Router(tags=["people"])


BEARER_SQL = """
    SELECT p.*, t.id AS token_id, (t.last_used_at IS NULL OR t.last_used_at < %s) AS token_stale
    FROM people_person p JOIN people_apitoken t ON t.person_id = p.id
    WHERE t.key_hash = %s AND p.is_active
"""


def _touch_token(token_id: int, now) -> None:
    """Record when a token was last used. On PostgreSQL without waiting for the disk: the request must not
    pay a second flush for a timestamp that is harmless to lose in a crash (the minute before it is kept)."""
    outside = not connection.in_atomic_block  # never loosen a caller's own transaction
    with transaction.atomic():
        if outside and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        token_hash = hashlib.sha256(token.encode()).hexdigest()
        now = timezone.now()
        # One raw query (every API call makes it: the ORM's join would cost more to build than to run):
        # the person, their token's id, and whether its "last used" is older than a minute (kept to the
        # minute: an UPDATE on every call would cost each API request a write).
        a_minute_ago = connection.ops.adapt_datetimefield_value(now - timedelta(minutes=1))
        person = next(iter(Person.objects.raw(BEARER_SQL, [a_minute_ago, token_hash])), None)
        if person is None:
            return None
        if person.token_stale:
            _touch_token(person.token_id, now)
        request.user = person
        return person


AUTH = [TokenAuth(), django_auth]


class PlaceOut(Schema):
    id: int
    kind: str
    name: str
    code: str
    parent_id: int | None
    depth: int
    management: str


class UnitOut(Schema):
    id: int
    label: str
    kind: str
    floor: int | None
    area: str | None = Field(None, description="Exclusive floor area in m², exact decimal as a string")
    area_source: str
    developer_holding: str

    @staticmethod
    def resolve_area(obj):
        return None if obj.area is None else str(obj.area)


class PersonOut(Schema):
    id: int
    name: str
    mobile_masked: str
    birth_year: int | None
    migratory: bool


class PersonDetailOut(PersonOut):
    id_number_masked: str
    homes: list[str]


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    place_id: int


class MemberOut(Schema):
    person_id: int
    name: str
    position: str


class RoleOut(Schema):
    id: int
    role: str
    person_id: int
    person_name: str
    place_id: int
    place_name: str


class RoomOut(Schema):
    id: int
    name: str
    function: str
    capacity: int | None
    opening_hours: str


class VenueOut(Schema):
    id: int
    name: str
    place_id: int
    location: str
    floor_area: str | None
    opened_on: date | None
    functions: list[str]
    rooms: list[RoomOut]

    @staticmethod
    def resolve_floor_area(obj):
        return None if obj.floor_area is None else str(obj.floor_area)

    @staticmethod
    def resolve_rooms(obj):
        return list(obj.rooms.all())


class JoinRequestIn(Schema):
    unit_id: int
    relation: str
    message: str = ""


class DecisionIn(Schema):
    approve: bool
    reason: str = ""


class JoinRequestOut(Schema):
    id: int
    person_id: int
    unit_id: int
    relation: str
    status: str
    reason: str


class MeOut(Schema):
    id: int
    name: str
    mobile: str | None
    roles: list[str]
    homes: list[str]


def _person_out(person: Person) -> dict:
    return {
        "id": person.pk,
        "name": person.name,
        "mobile_masked": mask_mobile(person.mobile),
        "birth_year": person.birth_year,
        "migratory": person.migratory,
    }


@router.get("/me", response=MeOut, auth=AUTH)
def me(request):
    homes = queries.home_labels([request.user.pk]).get(request.user.pk, [])
    return {
        "id": request.user.pk,
        "name": request.user.name,
        "mobile": request.user.mobile,
        "roles": sorted(policy.roles_of(request.user)),
        "homes": homes,
    }


@router.get("/places", response=list[PlaceOut], auth=AUTH)
@paginate(LimitOffsetPagination)
def list_places(request, parent_id: int | None = None, kind: str | None = None):
    qs = policy.places_for(request.user)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("path")


@router.get("/places/{place_id}", response=PlaceOut, auth=AUTH)
def get_place(request, place_id: int):
    return policy.get_place_for(request.user, place_id)


@router.get("/places/{place_id}/units", response=list[UnitOut], auth=AUTH)
@paginate(LimitOffsetPagination)
def list_units(request, place_id: int):
    place = policy.get_place_for(request.user, place_id)
    return policy.units_for(request.user).filter(path__startswith=place.path).order_by("path", "label")


class PeoplePage(Schema):
    items: list[PersonOut]
    has_next: bool


@router.get("/people", response=PeoplePage, auth=AUTH)
def list_people(request, q: str = "", limit: int = 50, offset: int = 0):
    """The directory, masked. No total count (see ``queries.directory_page``)."""
    if not policy.has_role(request.user, policy.DIRECTORY_ROLES):
        raise HttpError(404, "Not found")
    limit = min(max(limit, 1), 200)
    qs = queries.search_people(policy.people_for(request.user), q).order_by("name_pinyin", "id")
    rows = list(qs[max(offset, 0) : max(offset, 0) + limit + 1])
    people = rows[:limit]
    audit.record_reads(actor=request.user, action="read.api.people", subject_ids=[p.pk for p in people])
    return {"items": [_person_out(p) for p in people], "has_next": len(rows) > limit}


@router.get("/people/{person_id}", response=PersonDetailOut, auth=AUTH)
def get_person(request, person_id: int):
    person = policy.get_person_for(request.user, person_id)
    audit.record(actor=request.user, action="read.api.person", obj=person, subject_id=person.pk)
    data = _person_out(person)
    data["id_number_masked"] = (
        mask_id_number(person.id_number, policy.id_mask_for(request.user, person)) if person.id_number_token else ""
    )
    data["homes"] = queries.home_labels([person.pk]).get(person.pk, [])
    return data


@router.get("/organisations", response=list[OrganisationOut], auth=AUTH)
@paginate(LimitOffsetPagination)
def list_organisations(request, kind: str | None = None, place_id: int | None = None):
    qs = policy.organisations_for(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    if place_id:
        place = get_object_or_404(Place, pk=place_id)
        qs = qs.filter(path__startswith=place.path)
    return qs.order_by("kind", "name")


@router.get("/organisations/{org_id}/members", response=list[MemberOut], auth=AUTH)
def list_members(request, org_id: int):
    org = policy.get_organisation_for(request.user, org_id)
    if not policy.can_view_members(request.user, org):
        raise HttpError(404, "Not found")
    return [
        {"person_id": m.person_id, "name": m.person.name, "position": m.position}
        for m in org.memberships.select_related("person").order_by("position")
    ]


@router.get("/roles", response=list[RoleOut], auth=AUTH)
@paginate(LimitOffsetPagination)
def list_roles(request, role: str | None = None):
    qs = policy.roles_visible_to(request.user).select_related("person", "place").order_by("path", "role")
    if role:
        qs = qs.filter(role=role)
    return [
        {
            "id": ra.pk,
            "role": ra.role,
            "person_id": ra.person_id,
            "person_name": ra.person.name,
            "place_id": ra.place_id,
            "place_name": ra.place.name,
        }
        for ra in qs
    ]


@router.get("/venues", response=list[VenueOut])
def list_venues(request):
    return Venue.objects.prefetch_related("rooms").order_by("name")


@router.get("/venues/{int:venue_id}", response=VenueOut)
def get_venue(request, venue_id: int):
    return get_object_or_404(Venue.objects.prefetch_related("rooms"), pk=venue_id)


@router.post("/join-requests", response={201: JoinRequestOut}, auth=AUTH)
def create_join_request(request, payload: JoinRequestIn):
    from places.models import Unit

    unit = get_object_or_404(Unit, pk=payload.unit_id)
    jr = actions.request_to_join(person=request.user, unit=unit, relation=payload.relation, message=payload.message)
    return Status(201, jr)


@router.get("/join-requests", response=list[JoinRequestOut], auth=AUTH)
def list_join_requests(request, status: str = JoinRequest.Status.PENDING):
    return list(policy.join_requests_for(request.user).filter(status=status).order_by("created_at")[:200])


@router.post("/join-requests/{jr_id}/decision", response=JoinRequestOut, auth=AUTH)
def decide_join_request(request, jr_id: int, payload: DecisionIn):
    jr = policy.get_join_request_for(request.user, jr_id)
    if not policy.can_decide_join(request.user, jr):
        raise HttpError(404, "Not found")
    return actions.decide_join_request(actor=request.user, request=jr, approve=payload.approve, reason=payload.reason)
