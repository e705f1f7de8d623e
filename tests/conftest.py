"""Personas, defined once, set up through the real actions where an action exists.

The world: Guicheng sub-district → 灯湖社区 (community) → 水岸公馆 (compound, property company)
→ building 1 (units 101, 102) and building 2 (unit 201); and 桂一社区 → 桂南小区 (self-governing)
→ building 9 (unit 901), home of the outsider.
"""

import functools
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password

from core.sms import MemoryBackend
from people.models import HouseholdMember, Organisation, Ownership, Person, Role, RoleAssignment
from places.models import Place, Unit

PASSWORD = "neighbour-2026"


@pytest.fixture(autouse=True)
def _memory_sms(settings):
    settings.SMS_BACKEND = "core.sms.MemoryBackend"
    MemoryBackend.outbox.clear()
    yield
    MemoryBackend.outbox.clear()


DB_FIXTURES = {"db", "transactional_db", "live_server", "world", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Data the migrations write (problem categories, the holiday calendar) is wiped by the flush after
    each transactional test; put it back before any test that uses the database."""
    if not (DB_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db")):
        return
    request.getfixturevalue("_django_db_helper")
    from importlib import import_module

    from django.apps import apps

    from cases.models import Category
    from core import workdays
    from core.models import CalendarDay

    if not Category.objects.exists():
        import_module("cases.migrations.0002_seed_categories").seed(apps, None)
    if not CalendarDay.objects.exists():
        import_module("core.migrations.0005_seed_calendar").seed(apps, None)
        workdays.forget()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploaded photos go to a temporary folder, not the checkout's media/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@functools.cache
def _password_hash() -> str:
    """PASSWORD hashed once with the real hasher: hashing it for every persona of every test would
    cost a third of a second each."""
    return make_password(PASSWORD)


def make_person(name: str, mobile: str | None, **extra) -> Person:
    person = Person.objects.create_user(mobile=mobile, password=None, name=name, **extra)
    if mobile:
        person.password = _password_hash()
        person.save(update_fields=["password"])
    return person


def live_in(person: Person, unit: Unit, relation=HouseholdMember.Relation.OWNER) -> HouseholdMember:
    return HouseholdMember.objects.create(unit=unit, person=person, relation=relation)


def grant(person: Person, role: str, place: Place, organisation=None) -> RoleAssignment:
    return RoleAssignment.objects.create(person=person, role=role, place=place, organisation=organisation)


class World:
    pass


@pytest.fixture
def world(db) -> World:
    w = World()
    w.subdistrict = Place.objects.create(kind=Place.Kind.SUBDISTRICT, name="桂城街道", code="440605011")
    w.community = Place.objects.create(kind=Place.Kind.COMMUNITY, name="灯湖社区", parent=w.subdistrict)
    w.compound = Place.objects.create(
        kind=Place.Kind.COMPOUND, name="中铁建水岸公馆", parent=w.community, management=Place.Management.PROPERTY_COMPANY
    )
    w.building = Place.objects.create(kind=Place.Kind.BUILDING, name="1栋", parent=w.compound)
    w.building2 = Place.objects.create(kind=Place.Kind.BUILDING, name="2栋", parent=w.compound)
    w.unit = Unit.objects.create(building=w.building, label="101", floor=1, area=Decimal("89.35"), area_source="register")
    w.unit2 = Unit.objects.create(building=w.building, label="102", floor=1, area=Decimal("76.10"), area_source="survey")
    w.unit_b2 = Unit.objects.create(building=w.building2, label="201", floor=2, area=Decimal("120.00"), area_source="contract")
    w.other_community = Place.objects.create(kind=Place.Kind.COMMUNITY, name="桂一社区", parent=w.subdistrict)
    w.other_compound = Place.objects.create(
        kind=Place.Kind.COMPOUND, name="桂南小区", parent=w.other_community, management=Place.Management.SELF_GOVERNING
    )
    w.other_building = Place.objects.create(kind=Place.Kind.BUILDING, name="9栋", parent=w.other_compound)
    w.other_unit = Unit.objects.create(building=w.other_building, label="901", area=Decimal("65.00"), area_source="register")

    w.company = Organisation.objects.create(kind=Organisation.Kind.PROPERTY_COMPANY, name="中铁建物业", place=w.subdistrict)
    w.company.served_places.add(w.compound)

    w.resident = make_person("李居民", "13800000001")
    live_in(w.resident, w.unit)
    Ownership.objects.create(unit=w.unit, person=w.resident)
    w.neighbour = make_person("王邻居", "13800000002")
    live_in(w.neighbour, w.unit2, HouseholdMember.Relation.TENANT)
    w.b2_resident = make_person("赵二栋", "13800000003")
    live_in(w.b2_resident, w.unit_b2)

    w.building_leader = make_person("陈楼长", "13900000001")
    live_in(w.building_leader, w.unit2, HouseholdMember.Relation.FAMILY)
    grant(w.building_leader, Role.BUILDING_LEADER, w.building)
    w.community_staff = make_person("刘社工", "13900000002")
    grant(w.community_staff, Role.COMMUNITY_STAFF, w.community)
    w.admin = make_person("黄街道", "13900000003")
    grant(w.admin, Role.SUBDISTRICT_ADMIN, w.subdistrict)
    w.property_staff = make_person("周物业", "13900000004")
    grant(w.property_staff, Role.PROPERTY_STAFF, w.compound, organisation=w.company)
    w.volunteer = make_person("吴志愿", "13900000005")
    grant(w.volunteer, Role.VOLUNTEER, w.compound)
    w.outsider = make_person("郑外人", "13700000009")
    live_in(w.outsider, w.other_unit)
    w.other_staff = make_person("孙社工", "13900000006")
    grant(w.other_staff, Role.COMMUNITY_STAFF, w.other_community)
    return w


@pytest.fixture
def electorate(world) -> World:
    """The world's compound as owners' electorate (89.35 + 76.10 + 120.00 m²): the resident owns 1栋 101
    alone, a couple (``wife``, ``husband``) owns 1栋 102 half each, 2栋 201 is unsold (the developer's)."""
    world.unit_b2.developer_holding = "unsold"
    world.unit_b2.save()
    world.wife = make_person("钱太太", "13800000011")
    world.husband = make_person("钱先生", "13800000012")
    Ownership.objects.create(unit=world.unit2, person=world.wife, share=Decimal("0.5"))
    Ownership.objects.create(unit=world.unit2, person=world.husband, share=Decimal("0.5"))
    return world


@pytest.fixture
def resident_client(client, world):
    client.force_login(world.resident)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached figures must not leak from one test's data into another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request made in English (language cookie)
    leaves English active in the thread, which would otherwise leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
