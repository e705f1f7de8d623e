"""Read-side queries for people pages: each returns a queryset shaped for its page."""

from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from core.masking import MOBILE_TAIL, mask_mobile
from places.models import Place, Unit, Venue

from . import policy
from .models import HouseholdMember, Organisation, Ownership, Person, Role, RoleAssignment
from .templatetags.people_links import row_url

PAGE_SIZE = 20


def leaders_for(building: Place) -> QuerySet[RoleAssignment]:
    """The building's own leader first, then lane and street leaders above it."""
    order = {Role.BUILDING_LEADER: 0, Role.LANE_LEADER: 1, Role.STREET_LEADER: 2}
    qs = (
        RoleAssignment.objects.active()
        .filter(role__in=list(order), place_id__in=building.ancestor_ids)
        .select_related("person", "place")
    )
    return sorted(qs, key=lambda ra: (order[ra.role], ra.pk))


def my_homes(person: Person) -> list[HouseholdMember]:
    return list(
        HouseholdMember.objects.filter(person=person)
        .select_related("unit__building")
        .order_by("unit__building__name", "unit__label")
    )


def venues_in(place: Place) -> QuerySet[Venue]:
    return Venue.objects.filter(place__path__startswith=place.path).select_related("place").order_by("name")


def organisations_in(place: Place) -> QuerySet[Organisation]:
    return Organisation.objects.filter(path__startswith=place.path).select_related("place").order_by("kind", "name")


def search_people(qs: QuerySet[Person], q: str) -> QuerySet[Person]:
    q = (q or "").strip()
    if not q:
        return qs
    if q.isascii():
        q = q.lower().replace(" ", "")
        if q.isdigit():  # staff see the last digits of a masked number, and search by no more:
            # a longer match would confirm a full number without the audited reveal
            return qs.filter(mobile__endswith=q) if len(q) <= MOBILE_TAIL else qs.none()
        # Initials and full pinyin start with the same letter: the range on that letter lets the
        # name_pinyin index be walked in order from it instead of from "a" (10 s → 27 ms at city scale).
        first = q[0]
        return qs.filter(name_pinyin__gte=first, name_pinyin__lt=chr(ord(first) + 1)).filter(
            Q(name_initials__startswith=q) | Q(name_pinyin__startswith=q)
        )
    return qs.filter(name__startswith=q) if len(q) == 1 else qs.filter(name__contains=q)


def page_of(qs, page: int, size: int) -> tuple[list, bool]:
    """Rows of page ``page`` (from 1) and whether another page follows: one query, no COUNT(*)."""
    offset = (max(page, 1) - 1) * size
    rows = list(qs[offset : offset + size + 1])
    return rows[:size], len(rows) > size


def home_labels(person_ids: list[int]) -> dict[int, list[str]]:
    """ "Building unit" labels of each person's homes. Plain tuples: building model instances for a
    one-line label cost more than the query."""
    homes: dict[int, list[str]] = {}
    rows = (
        HouseholdMember.objects.filter(person__in=person_ids)
        .order_by("unit__building__name", "unit__label")
        .values_list("person_id", "unit__building__name", "unit__label")
    )
    for person_id, building, label in rows:
        homes.setdefault(person_id, []).append(f"{building} {label}")
    return homes


@dataclass(slots=True)
class DirectoryRow:
    """One person on a directory page: what the page shows, nothing more (the mobile only masked)."""

    pk: int
    name: str
    mobile: str | None
    migratory: bool
    homes: list[str]

    @property
    def url(self) -> str:
        return row_url(self.pk, "people:person")

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def migratory_note(self) -> str:
        return f" · {gettext('migratory')}" if self.migratory else ""

    @property
    def home_list(self) -> str:
        return ", ".join(self.homes)


def directory_page(user, q: str, page: int) -> tuple[list[DirectoryRow], bool]:
    """One page of the people directory, ordered by pinyin, with each person's homes, in one statement.

    No total count: counting every person in a sub-district on each page view would cost more than the
    page itself. Plain rows, and the homes joined onto the page's people in the same statement: person
    instances and a second query for the homes cost more than the page's own SQL (make bench).
    """
    statement = _directory_statement(policy.directory_paths(user), q, max(page, 1))
    if statement is None:  # e.g. a search that can match nobody
        return [], False
    page_sql, params = statement
    homes, units, places = HouseholdMember._meta.db_table, Unit._meta.db_table, Place._meta.db_table
    sql = (
        f"WITH p (id, name, mobile, migratory, pinyin) AS ({page_sql}) "  # noqa: S608 (the ORM's SQL, its params)
        f"SELECT p.id, p.name, p.mobile, p.migratory, b.name, u.label FROM p "
        f"LEFT JOIN {homes} hm ON hm.person_id = p.id LEFT JOIN {units} u ON u.id = hm.unit_id "
        f"LEFT JOIN {places} b ON b.id = u.building_id "
        f"ORDER BY p.pinyin, p.id, b.name, u.label"
    )
    rows: dict[int, DirectoryRow] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, name, mobile, migratory, building, label in cursor.fetchall():
            row = rows.get(pk)
            if row is None:
                row = rows[pk] = DirectoryRow(pk, name, mobile, bool(migratory), [])
            if building is not None:
                row.homes.append(f"{building} {label}")
    shown = list(rows.values())
    return shown[:PAGE_SIZE], len(shown) > PAGE_SIZE


@lru_cache(maxsize=512)
def _directory_statement(paths: tuple[str, ...], q: str, page: int) -> tuple[str, tuple] | None:
    """The page's SQL for a scope, a search and a page number, compiled once per process: building and
    compiling the queryset was a tenth of the directory's CPU (make bench). The statement depends on
    nothing else (no time, no user beyond the scope)."""
    people = (
        search_people(policy.people_under(paths), q)
        .order_by("name_pinyin", "id")
        .values_list("id", "name", "mobile", "migratory", "name_pinyin")
    )
    offset = (page - 1) * PAGE_SIZE
    try:
        sql, params = people[offset : offset + PAGE_SIZE + 1].query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def children_with_counts(place: Place) -> QuerySet[Place]:
    return place.children.annotate(
        child_count=Count("children", distinct=True), unit_count=Count("units", distinct=True)
    ).order_by("kind", "name")


@dataclass(slots=True)
class BuildingRow:
    """One building on a building list: its unit count and its leaders' names."""

    pk: int
    name: str
    unit_count: int
    leaders: list[str]

    @property
    def url(self) -> str:
        return row_url(self.pk, "people:place")

    @property
    def leader_names(self) -> str:
        return ", ".join(self.leaders) or "—"


def buildings_page(place: Place, page: int, size: int) -> tuple[list[BuildingRow], bool]:
    """One page of the buildings under a place, with unit counts and leaders: two queries of plain rows
    (building, role and person instances for 50 rows cost more than both queries, make bench). The leaders
    are a second query on the page's ids: joined onto the page, PostgreSQL hashes every leader instead."""
    sql, params = _buildings_statement(place.path, max(page, 1), size)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    buildings = {pk: BuildingRow(pk, name, unit_count, []) for pk, name, unit_count in rows[:size]}
    if buildings:
        # The page's own ids, written into the statement (integers from the query above): fifty bound
        # parameters cost more to build and bind than the lookup itself (make bench).
        ids = ",".join(str(int(pk)) for pk in buildings)
        sql = (
            f"SELECT ra.place_id, pe.name FROM {RoleAssignment._meta.db_table} ra "  # noqa: S608 (integers only)
            f"JOIN {Person._meta.db_table} pe ON pe.id = ra.person_id "
            f"WHERE ra.place_id IN ({ids}) AND ra.role = %s AND ra.ended_at IS NULL ORDER BY ra.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [Role.BUILDING_LEADER.value])
            for place_id, name in cursor.fetchall():
                buildings[place_id].leaders.append(name)
    return list(buildings.values()), len(rows) > size


@lru_cache(maxsize=512)
def _buildings_statement(path: str, page: int, size: int) -> tuple[str, tuple]:
    """The SQL of a page of buildings (one more row than ``size``, to tell whether another page follows),
    compiled once per process like the directory's: compiling the queryset cost more than running it."""
    units_per_building = (
        Unit.objects.filter(building=OuterRef("pk")).order_by().values("building").annotate(n=Count("*")).values("n")
    )
    qs = (
        Place.objects.filter(kind=Place.Kind.BUILDING, path__startswith=path)
        # A correlated count runs only for the rows of the page, not for every unit of the community.
        .annotate(unit_count=Coalesce(Subquery(units_per_building), 0))
        .order_by("path")
        .values_list("id", "name", "unit_count")
    )
    offset = (page - 1) * size
    sql, params = qs[offset : offset + size + 1].query.sql_with_params()
    return sql, tuple(params)


def units_of(building: Place) -> QuerySet[Unit]:
    """A building's units with their resident count and owners (owners may live elsewhere)."""
    owners = Ownership.objects.select_related("person").only("id", "unit_id", "share", "person__id", "person__name")
    return (
        building.units.annotate(member_count=Count("members"))
        .prefetch_related(Prefetch("ownerships", queryset=owners.order_by("person__name_pinyin")))
        .order_by("label")
    )
