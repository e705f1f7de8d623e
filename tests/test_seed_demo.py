"""``manage.py seed_demo`` builds the article's sub-district: the figures computed from it, the venue the
article describes, and demo sign-ins that work.

Seeding takes several seconds, so one test seeds once and checks everything that needs the data.
"""

import io
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from cases import access as case_access
from cases.demo import CaseDemo
from cases.models import Case, CaseEvent, Category, Level, Rating, Status, Supporter
from core.models import AuditEntry, Notification, OutboxMessage
from people.demo import data as demo_data
from people.models import (
    ConsentRecord,
    HouseholdMember,
    Membership,
    Organisation,
    Ownership,
    Person,
    Role,
    RoleAssignment,
    SensitiveTag,
    pinyin_keys,
)
from people.validators import normalise_id_number, normalise_mobile
from places.models import Place, Room, Unit, Venue, path_segment
from stats.figures import figures_for

COUNTED = [
    Place,
    Unit,
    Person,
    HouseholdMember,
    Ownership,
    Organisation,
    Membership,
    RoleAssignment,
    Venue,
    Room,
    SensitiveTag,
    ConsentRecord,
]


def test_demo_constants_are_consistent():
    mobiles = [a["mobile"] for a in demo_data.DEMO_ACCOUNTS]
    assert len(set(mobiles)) == len(mobiles) == 5
    assert all(normalise_mobile(m) == m for m in mobiles)
    assert len(demo_data.COMMUNITIES) == demo_data.ARTICLE_FIGURES["communities"]
    assert all(c.name.endswith("社区") for c in demo_data.COMMUNITIES)
    assert sum(c.self_governing for c in demo_data.COMMUNITIES) == demo_data.ARTICLE_FIGURES["self_governing_groups"]
    assert len(demo_data.ARTICLE_VENUES) == 15
    # Every prefix the generator draws from is a mobile range the validator accepts.
    rng = random.Random(0)
    for prefix in demo_data.MOBILE_PREFIXES:
        number = prefix + f"{rng.randrange(10**8):08d}"
        assert normalise_mobile(number) == number


def _row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def _check_demo_cases(printed: str) -> None:
    """``cases.demo`` (found by seed_demo, not imported by people): a lived-in history of problem reports."""
    now = timezone.now()
    persons = {a["key"]: Person.objects.get(mobile=a["mobile"]) for a in demo_data.DEMO_ACCOUNTS}
    total = Case.objects.count()
    assert 250 <= total <= 400
    assert f"  {'cases':<20} {total:>7,}" in printed  # seed_demo's table shows the counts cases.demo returned
    assert Category.objects.filter(cases__isnull=False).distinct().count() >= 12
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"submitted", "accepted", "in_progress", "resolved", "confirmed", "rejected", "merged"} <= statuses
    assert Case.objects.filter(is_emergency=True).count() == 1
    # Over the last 60 days, every timeline in order from its report, nothing in the future.
    assert not Case.objects.filter(Q(created_at__lt=now - timedelta(days=61)) | Q(created_at__gt=now)).exists()
    assert not CaseEvent.objects.filter(at__gt=now).exists()
    assert not Notification.objects.filter(created_at__gt=now).exists()
    for case in Case.objects.order_by("?")[:60].prefetch_related("events"):
        moments = [e.at for e in case.events.all()]
        assert moments == sorted(moments) and moments[0] == case.created_at, case.pk
    assert not Case.objects.annotate(n=Count("supporters")).exclude(n=F("supporter_count")).exists()
    assert Supporter.objects.exists() and CaseEvent.objects.filter(kind=CaseEvent.Kind.ESCALATED).exists()
    # Figures mean something: most first responses in time, some overdue, ratings given.
    open_cases = Case.objects.open()
    assert 0.05 <= open_cases.overdue(now).count() / open_cases.count() <= 0.6
    responded = Case.objects.filter(responded_at__isnull=False)
    assert responded.filter(responded_at__lte=F("first_response_due")).count() / responded.count() >= 0.6
    assert Case.objects.exclude(rating="").count() >= 60

    # The resident: 2–4 reports of her own, one resolved waiting for her rating, one in progress;
    # neighbours' open public reports in her compound she can "me too".
    resident = persons["resident"]
    mine = list(case_access.my_cases(resident))
    assert 2 <= len(mine) <= 4
    assert any(c.status == Status.RESOLVED and case_access.can_rate(resident, c) for c in mine)
    assert any(c.status == Status.IN_PROGRESS for c in mine)
    assert any(case_access.can_support(resident, c) for c in case_access.public_cases_for(resident).open())
    # The building leader: open cases in his building, one overdue.
    building = persons["building_leader"].households.get().unit.building
    in_building = Case.objects.open().filter(place=building)
    assert in_building.count() >= 3 and in_building.overdue(now).exists()
    # Property staff: their company's cases.
    inbox = case_access.cases_for(persons["property_staff"])
    assert inbox.count() >= 10
    assert set(inbox.values_list("handler__name", flat=True)) == {demo_data.DEMO_COMPANY}
    # Community staff: cases escalated to them, and some for the joint meeting (unsatisfied, reopened).
    community = case_access.cases_for(persons["community_staff"])
    assert community.open().filter(level__gte=Level.COMMUNITY).exists()
    assert community.filter(needs_meeting=True, rating=Rating.UNSATISFIED).exists()
    assert community.filter(needs_meeting=True, events__to_status=Status.REOPENED).exists()
    # The SMS this history queued were never sent, and the delivery task will not send them.
    assert OutboxMessage.objects.exists()
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxMessage.Status.FAILED}

    # The same seed plans the same cases (given the same moment).
    signatures = []
    for _ in range(2):
        generator = CaseDemo(random.Random(2021), now)
        generator.load()
        generator.plan()
        signatures.append(
            [
                (p.place.pk, p.category.code, p.reporter, p.created, [(s.at, s.kind, s.action) for s in p.steps])
                for p in generator.plans
            ]
        )
    assert signatures[0] == signatures[1]


def _sign_in(client, account) -> str:
    client.logout()
    response = client.post(reverse("people:login"), {"mobile": account["mobile"], "password": demo_data.DEMO_PASSWORD})
    assert response.status_code == 302, account
    return client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_seed_demo_builds_the_article_subdistrict(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    for account in demo_data.DEMO_ACCOUNTS:
        assert account["mobile"] in printed and account["name"] in printed
    assert demo_data.DEMO_PASSWORD in printed

    # The article's figures, computed from the data.
    subdistrict = Place.objects.get(kind=Place.Kind.SUBDISTRICT)
    assert (subdistrict.name, subdistrict.code) == ("桂城街道", "440605011")
    figures = figures_for(subdistrict)
    assert {key: figures[key] for key in demo_data.ARTICLE_FIGURES} == demo_data.ARTICLE_FIGURES
    assert figures["villages"] >= 3
    assert 1350 <= figures["buildings"] <= 1450
    assert 18_000 <= figures["units"] <= 23_000
    assert 36_000 <= Person.objects.count() <= 46_000
    assert Place.objects.get(name="灯湖社区").code == "440605011020"

    # Compounds: each self-governing one has exactly one self-governing group; each with a property
    # company is served by exactly one of the companies.
    compounds = Place.objects.filter(kind=Place.Kind.COMPOUND)
    self_governing = compounds.filter(management=Place.Management.SELF_GOVERNING)
    assert self_governing.count() == 72
    groups = Organisation.objects.filter(kind=Organisation.Kind.SELF_GOVERNING)
    assert sorted(groups.values_list("place_id", flat=True)) == sorted(self_governing.values_list("pk", flat=True))
    served = compounds.filter(management=Place.Management.PROPERTY_COMPANY).annotate(n=Count("serving_organisations"))
    assert set(served.values_list("n", flat=True)) == {1}
    ztj = compounds.get(name="中铁建水岸公馆", parent__name="灯湖社区")
    assert ztj.serving_organisations.get().name == demo_data.DEMO_COMPANY
    guinan = compounds.get(name="桂南小区")
    assert (guinan.parent.name, guinan.management) == ("桂一社区", Place.Management.SELF_GOVERNING)
    assert Unit.objects.filter(path__startswith=guinan.path, kind=Unit.Kind.HOME).count() == 209
    assert compounds.get(name="御景苑").parent.name == "同德社区"

    # Migratory residents: most of 中铁建水岸公馆.
    ztj_people = Person.objects.filter(households__path__startswith=ztj.path)
    assert 0.6 <= ztj_people.filter(migratory=True).count() / ztj_people.count() <= 0.8

    # The 中铁建水岸公馆“创熟”加油站 as the article describes it.
    venue = Venue.objects.get(name="中铁建水岸公馆“创熟”加油站")
    assert venue.place == ztj
    assert venue.location == "4栋二层（原规划为社区用房）"
    assert venue.floor_area == Decimal("800")
    assert venue.opened_on == date(2021, 1, 28)
    assert venue.functions == ["party_building", "deliberation_hall", "youth", "neighbourhood_association", "book_corner"]
    assert {"居民议事厅", "共享书屋", "活动室"} <= set(venue.rooms.values_list("name", flat=True))
    assert Venue.objects.get(name="鹿璟村“创熟”加油站").place.parent.name == "花苑社区"
    assert not Venue.objects.filter(rooms__isnull=True).exists()

    # What bulk_create skipped save() for is set: paths, depths, join codes, pinyin.
    for place in Place.objects.select_related("parent"):
        assert place.path == (place.parent.path if place.parent else "") + path_segment(place.pk)
        assert place.depth == place.path.count(".") - 1
    assert not Place.objects.filter(kind=Place.Kind.BUILDING, join_code__isnull=True).exists()
    assert not Unit.objects.exclude(path=F("building__path")).exists()
    assert not HouseholdMember.objects.exclude(path=F("unit__path")).exists()
    assert not RoleAssignment.objects.exclude(path=F("place__path")).exists()
    assert not Organisation.objects.exclude(path=F("place__path")).exists()
    assert not SensitiveTag.objects.exclude(path=F("unit__path")).exists()
    for person in Person.objects.order_by("?")[:300]:
        assert (person.name_pinyin, person.name_initials) == pinyin_keys(person.name)
        assert person.mobile is None or normalise_mobile(person.mobile) == person.mobile

    # Units, ownership: exact areas with a source; every unit not held by the developer is fully owned.
    assert not Unit.objects.filter(Q(area__isnull=True) | Q(area_source="")).exists()
    homes = Unit.objects.filter(kind=Unit.Kind.HOME)
    assert homes.filter(area__lt=60).count() == homes.filter(area__gt=140).count() == 0
    assert Unit.objects.exclude(developer_holding="").exists()
    assert not Unit.objects.exclude(developer_holding="").filter(ownerships__isnull=False).exists()
    shares = Unit.objects.filter(developer_holding="").annotate(total=Sum("ownerships__share"))
    assert set(shares.values_list("total", flat=True)) == {Decimal("1")}
    assert Ownership.objects.filter(share=Decimal("0.5")).exists()
    assert Ownership.objects.filter(status=Ownership.Status.OCCUPIED_UNREGISTERED).exists()
    assert Person.objects.annotate(n=Count("ownerships")).filter(n__gt=1).exists()
    tenants = HouseholdMember.objects.filter(relation=HouseholdMember.Relation.TENANT).count()
    assert 0.2 <= tenants / HouseholdMember.objects.count() <= 0.3

    # Building leaders live in their building; every building has at most one.
    leaders = RoleAssignment.objects.filter(role=Role.BUILDING_LEADER)
    assert not leaders.exclude(person__households__unit__building=F("place")).exists()
    assert leaders.values("place").distinct().count() == 1333
    assert RoleAssignment.objects.filter(role=Role.LANE_LEADER).exists()
    assert RoleAssignment.objects.filter(role=Role.STREET_LEADER).exists()
    assert Organisation.objects.filter(kind=Organisation.Kind.MEDIATION, place=subdistrict).exists()

    # ID numbers: a few hundred, encrypted, with valid check digits matching the birth year.
    with_id = Person.objects.exclude(id_number_token="")
    assert 200 <= with_id.count() <= 400
    for person in with_id[:50]:
        number = person.id_number
        assert normalise_id_number(number) == number
        assert int(number[6:10]) == person.birth_year

    # Care information rests on a separate consent; everyone has the registry consent.
    assert SensitiveTag.objects.exists()
    assert not SensitiveTag.objects.exclude(person__consents__purpose=ConsentRecord.Purpose.SENSITIVE).exists()
    registry = ConsentRecord.objects.filter(purpose=ConsentRecord.Purpose.REGISTRY, channel=ConsentRecord.Channel.IMPORT)
    assert registry.count() == Person.objects.count()
    assert AuditEntry.objects.filter(action="demo.seeded").count() == 1

    # Every demo account signs in with the shared password and sees its name.
    for account in demo_data.DEMO_ACCOUNTS:
        assert account["name"] in _sign_in(client, account)
    # The resident's home page names her building leader, who is also a demo sign-in.
    resident, leader = demo_data.DEMO_BY_KEY["resident"], demo_data.DEMO_BY_KEY["building_leader"]
    building = Place.objects.get(name=demo_data.DEMO_BUILDING[1], parent=ztj)
    assert HouseholdMember.objects.filter(person__mobile=resident["mobile"], unit__building=building).exists()
    assert RoleAssignment.objects.filter(person__mobile=leader["mobile"], role=Role.BUILDING_LEADER, place=building).exists()
    assert leader["name"] in _sign_in(client, resident)
    # Property staff act for 中铁建物业; the administrator may open the admin.
    staff = RoleAssignment.objects.get(person__mobile=demo_data.DEMO_BY_KEY["property_staff"]["mobile"])
    assert (staff.role, staff.organisation.name, staff.place) == (Role.PROPERTY_STAFF, demo_data.DEMO_COMPANY, ztj)
    assert RoleAssignment.objects.filter(
        person__mobile=demo_data.DEMO_BY_KEY["community_staff"]["mobile"], role=Role.COMMUNITY_STAFF, place__name="灯湖社区"
    ).exists()
    _sign_in(client, demo_data.DEMO_BY_KEY["subdistrict_admin"])
    assert client.get("/admin/").status_code == 200

    # The public figures page shows the computed figure.
    assert "<b>1333</b>" in client.get(reverse("stats:overview")).content.decode()

    _check_demo_cases(printed)

    # A second run with --if-empty adds nothing, but still prints the sign-ins.
    before = _row_counts()
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert _row_counts() == before
    assert all(a["mobile"] in out.getvalue() for a in demo_data.DEMO_ACCOUNTS)
