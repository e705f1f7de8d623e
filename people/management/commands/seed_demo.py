"""``manage.py seed_demo``: a Guicheng sub-district to try Linli with.

23 urban communities and four village-derived ones, ~195 compounds, ~1,400 buildings, ~20,000 units and
~40,000 people, with the organisations and roles in the proportions of the 2021 珠江时报 article, so that
``stats.figures.figures_for(桂城街道)`` computes the article's figures from the data. Fixed demo sign-ins
(people.demo_data.DEMO_ACCOUNTS) are printed at the end.

Speed: everything is generated in memory from one ``random.Random(seed)`` and written with
``bulk_create`` in one transaction. ``bulk_create`` skips ``save()``, so what the models' ``save()``
would compute (place paths, copied paths, pinyin keys, join codes) is set here explicitly.
"""

import random
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.models import AuditEntry
from people import demo_data as D
from people.models import (
    ConsentRecord,
    HouseholdMember,
    Membership,
    Organisation,
    Ownership,
    PartyGroupLiaison,
    Person,
    Role,
    RoleAssignment,
    SensitiveTag,
    pinyin_keys,
)
from people.validators import ID_CHECK, ID_WEIGHTS
from places.models import Place, Room, Unit, Venue, new_join_code, path_segment

TZ = ZoneInfo(settings.TIME_ZONE)
BATCH = 2000
URBAN_BUILDINGS = 1345  # 1,333 with a building leader (the article) and a few still without one
HALF = Decimal("0.5")
Kind = Place.Kind
OrgKind = Organisation.Kind
Rel = HouseholdMember.Relation
Pos = Membership.Position


@dataclass(eq=False)
class Area:
    """A compound, or a village street: where households, leaders and clubs are drawn from."""

    place: Place
    community: Place
    built: int
    urban: bool
    migratory: float = 0.03
    household_size: float | None = None
    spec: D.CompoundSpec | None = None
    blocks: list["Block"] = field(default_factory=list)
    folks: list["Folk"] = field(default_factory=list)
    owner_heads: list["Folk"] = field(default_factory=list)


@dataclass(eq=False)
class Block:
    """A building being generated."""

    place: Place
    area: Area
    floors: int
    per_floor: int
    lane: Place | None = None
    shops: int = 0
    storage: int = 0
    skip_floors: tuple[int, ...] = ()
    home_cap: int | None = None
    units: list[Unit] = field(default_factory=list)
    folks: list["Folk"] = field(default_factory=list)


@dataclass(eq=False)
class Folk:
    """A person being generated, with what the generator needs to know but the model does not store."""

    person: Person
    male: bool
    age: int
    unit: Unit | None = None
    block: Block | None = None
    relation: str = ""


class DemoBuilder:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.levels: dict[int, list[Place]] = defaultdict(list)
        self.level_of: dict[int, int] = {}
        self.areas: list[Area] = []
        self.compounds: dict[str, Area] = {}
        self.communities: dict[str, Place] = {}
        self.units: list[Unit] = []
        self.folks: list[Folk] = []
        self.members: list[HouseholdMember] = []
        self.ownerships: list[Ownership] = []
        self.orgs: dict[int, list[Organisation]] = defaultdict(list)
        self.memberships: list[Membership] = []
        self.roles: list[RoleAssignment] = []
        self.served: list[tuple[Organisation, Place]] = []
        self.liaisons: list[PartyGroupLiaison] = []
        self.venues: list[Venue] = []
        self.rooms: list[Room] = []
        self.tags: list[SensitiveTag] = []
        self.consents: list[ConsentRecord] = []
        self.mobiles = {a["mobile"] for a in D.DEMO_ACCOUNTS}
        self.join_codes: set[str] = set()
        self.id_numbers: set[str] = set()
        self.pinyin_cache: dict[str, tuple[str, str]] = {}
        self.demo: dict[str, Folk] = {}
        self.leader_of: dict[int, Folk] = {}  # id(block) → building leader
        surnames, weights = zip(*D.SURNAMES, strict=True)
        self.surnames, self.surname_cum = list(surnames), list(accumulate(weights))
        # PBKDF2 is slow on purpose: hash the shared demo password once for the five accounts.
        self.demo_password = make_password(D.DEMO_PASSWORD)

    # --- small generators --------------------------------------------------------------------

    def decimal(self, low: int, high: int) -> Decimal:
        """An exact area in m² with two decimals, between low and high (whole m²)."""
        cents = self.rng.randint(low * 100, high * 100)
        return Decimal(f"{cents // 100}.{cents % 100:02d}")

    def day(self, first_year: int, last_year: int = D.REFERENCE_YEAR - 1) -> date:
        first = date(min(first_year, last_year), 1, 1)
        span = (date(last_year, 12, 31) - first).days
        return first + timedelta(days=self.rng.randint(0, span))

    def moment(self, first_year: int, last_year: int = D.REFERENCE_YEAR - 1) -> datetime:
        d = self.day(first_year, last_year)
        return datetime(d.year, d.month, d.day, 9 + self.rng.randrange(9), self.rng.randrange(60), tzinfo=TZ)

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(D.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def name(self, male: bool, birth_year: int, surname: str | None = None) -> str:
        rng = self.rng
        surname = surname or rng.choices(self.surnames, cum_weights=self.surname_cum)[0]
        generation = "old" if birth_year < 1965 else "mid" if birth_year < 2000 else "young"
        chars = D.GIVEN_CHARS[(generation, male)]
        first = rng.choice(chars)
        if rng.random() < (0.35 if generation == "old" else 0.15):
            return surname + first
        second = rng.choice(chars)
        while second == first:
            second = rng.choice(chars)
        return surname + first + second

    def id_number(self, birth_year: int, male: bool) -> str:
        """A number with a valid GB 11643 check digit; odd 17th digit for men."""
        while True:
            born = date(birth_year, 1, 1) + timedelta(days=self.rng.randrange(365))
            sex_digit = self.rng.choice("13579" if male else "02468")
            body = f"{self.rng.choice(D.ID_REGIONS)}{born:%Y%m%d}{self.rng.randrange(100):02d}{sex_digit}"
            number = body + ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def person(
        self,
        male: bool,
        age: int,
        *,
        surname: str | None = None,
        name: str = "",
        mobile: str | None = "auto",
        migratory: bool = False,
    ) -> Folk:
        birth_year = D.REFERENCE_YEAR - age
        name = name or self.name(male, birth_year, surname)
        if mobile == "auto":
            # Children and some of the very old have no phone of their own.
            chance = 0.03 if age < 14 else 0.6 if age < 18 else 0.97 if age <= 70 else 0.75 if age <= 80 else 0.45
            mobile = self.mobile() if self.rng.random() < chance else None
        keys = self.pinyin_cache.get(name)
        if keys is None:
            keys = self.pinyin_cache[name] = pinyin_keys(name)
        p = Person(
            name=name, name_pinyin=keys[0], name_initials=keys[1], mobile=mobile, birth_year=birth_year, migratory=migratory
        )
        p.set_unusable_password()
        folk = Folk(p, male, age)
        self.folks.append(folk)
        return folk

    def surname_of(self, folk: Folk) -> str:
        name = folk.person.name
        return name[:2] if name[:2] in {"欧阳", "司徒"} else name[0]

    # --- the place tree ----------------------------------------------------------------------

    def place(self, kind: str, name: str, parent: Place | None, **extra) -> Place:
        p = Place(kind=kind, name=name, parent=parent, **extra)
        level = 0 if parent is None else self.level_of[id(parent)] + 1
        self.level_of[id(p)] = level
        self.levels[level].append(p)
        if kind == Kind.BUILDING:
            # Join codes are secrets (they let anyone ask to join), so they come from `secrets`, not the seed.
            code = new_join_code()
            while code in self.join_codes:
                code = new_join_code()
            self.join_codes.add(code)
            p.join_code = code
        return p

    def build_places(self) -> None:
        rng = self.rng
        self.subdistrict = self.place(
            Kind.SUBDISTRICT, D.SUBDISTRICT["name"], None, code=D.SUBDISTRICT["code"], address=D.SUBDISTRICT["address"]
        )
        named = defaultdict(list)
        for spec in D.NAMED_COMPOUNDS:
            named[spec.community].append(spec)
        used_names = {spec.name for spec in D.NAMED_COMPOUNDS}
        generated: list[Area] = []
        for cs in D.COMMUNITIES:
            community = self.communities[cs.name] = self.place(Kind.COMMUNITY, cs.name, self.subdistrict, code=cs.code)
            specs = named[cs.name]
            n_self = cs.self_governing - sum(s.management == D.SELF_GOVERNING for s in specs)
            n_property = cs.compounds - cs.self_governing - sum(s.management == D.PROPERTY for s in specs)
            assert n_self >= 0 and n_property >= 0, cs.name
            for spec in specs:
                area = self.compound(community, spec.name, spec.management, spec.built, spec)
                area.migratory = spec.migratory if spec.migratory is not None else area.migratory
                area.household_size = spec.household_size
            for management, count in ((D.SELF_GOVERNING, n_self), (D.PROPERTY, n_property)):
                for _ in range(count):
                    old = management == D.SELF_GOVERNING
                    built = rng.randint(1982, 2000) if old else rng.randint(1995, 2020)
                    generated.append(self.compound(community, self.compound_name(old, used_names), management, built, None))
        self.size_buildings(generated)
        for area in self.areas:
            self.add_blocks(area)
        for vs in D.VILLAGES:
            village = self.communities[vs.name] = self.place(Kind.VILLAGE, vs.name, self.subdistrict, code=vs.code)
            for street_name in vs.streets:
                street = self.place(Kind.STREET, vs.stem + street_name, village)
                area = Area(street, village, rng.randint(1985, 2012), urban=False, migratory=0.02)
                self.areas.append(area)
                for li in range(rng.randint(2, 3)):
                    lane = self.place(Kind.LANE, f"{street.name}{D.LANE_NUMERALS[li]}巷", street)
                    for n in range(1, rng.randint(2, 4) + 1):
                        building = self.place(Kind.BUILDING, f"{lane.name}{n}号", lane)
                        # Self-built village houses: a shop on the ground floor along the main street, rooms let by floor.
                        shops = 1 if street_name == "大街" and rng.random() < 0.6 else 0
                        area.blocks.append(
                            Block(building, area, rng.randint(3, 5), rng.choice([1, 2, 2]), lane=lane, shops=shops)
                        )

    def compound(self, community: Place, name: str, management: str, built: int, spec: D.CompoundSpec | None) -> Area:
        address = f"{self.rng.choice(D.ROADS)}{self.rng.randint(1, 120) * 2 - 1}号"
        place = self.place(Kind.COMPOUND, name, community, management=management, address=address)
        area = Area(place, community, built, urban=True, spec=spec, migratory=0.10 if built >= 2010 else 0.03)
        self.areas.append(area)
        self.compounds[name] = area
        return area

    def compound_name(self, old: bool, used: set[str]) -> str:
        rng = self.rng
        while True:
            if old:
                name = (
                    rng.choice(D.DORMITORY_UNITS) + "宿舍"
                    if rng.random() < 0.45
                    else rng.choice(D.OLD_STEMS) + rng.choice(D.OLD_SUFFIXES)
                )
            else:
                name = rng.choice(D.ESTATE_STEMS) + rng.choice(D.ESTATE_SUFFIXES)
            if name not in used:
                used.add(name)
                return name

    def size_buildings(self, generated: list[Area]) -> None:
        """Give each compound a building count so the urban total is exactly URBAN_BUILDINGS."""
        rng = self.rng
        self.n_buildings = {}
        for area in self.areas:
            if area.spec and area.spec.buildings:
                self.n_buildings[id(area)] = area.spec.buildings
            elif area.built < 2001:
                self.n_buildings[id(area)] = rng.randint(3, 10)
            elif area.built < 2010:
                self.n_buildings[id(area)] = rng.randint(5, 12)
            else:
                self.n_buildings[id(area)] = rng.randint(3, 7)
        total = sum(self.n_buildings.values())
        while total != URBAN_BUILDINGS:
            area = rng.choice(generated)
            step = 1 if total < URBAN_BUILDINGS else -1
            if 2 <= self.n_buildings[id(area)] + step <= 16:
                self.n_buildings[id(area)] += step
                total += step

    def add_blocks(self, area: Area) -> None:
        rng, spec = self.rng, area.spec
        n = self.n_buildings[id(area)]
        # Walk-ups before 2001 (5–7 storeys, often ground-floor storage rooms), mid-rise to 2009, taller after.
        # Demo scale: real towers have more floors; ~20,000 units keep seeding and the demo quick.
        if area.built < 2001:
            floors, per_floor = rng.choice([5, 6, 6, 6]), 2
        elif area.built < 2010:
            floors, per_floor = rng.randint(5, 7), 2
        else:
            floors, per_floor = rng.randint(7, 10), 2
        floors = spec.floors if spec and spec.floors else floors
        per_floor = spec.per_floor if spec and spec.per_floor else per_floor
        caps = [None] * n
        if spec and spec.homes:
            # A source gives the exact number of homes: take the surplus off the last buildings.
            caps = [floors * per_floor] * n
            surplus, i = sum(caps) - spec.homes, n - 1
            while surplus > 0:
                cut = min(surplus, caps[i] - 1)
                caps[i] -= cut
                surplus -= cut
                i -= 1
        has_shops = rng.random() < (0.2 if area.built < 2001 else 0.4)
        for i in range(n):
            name = f"{i + 1}栋"
            block = Block(self.place(Kind.BUILDING, name, area.place), area, floors, per_floor, home_cap=caps[i])
            if i == 0 and has_shops:
                block.shops = rng.randint(2, 6)
            if area.built < 2001:
                block.storage = rng.choice([0, 0, 1, 2, 3])
            if (area.place.name, name) == D.DEMO_BUILDING:
                block.skip_floors = (2,)  # 4栋 floor 2 was planned as community rooms: the “创熟”加油站
            area.blocks.append(block)

    def insert_places(self) -> None:
        """Insert level by level; a path needs the new id, so it is set just after and written back."""
        for level in sorted(self.levels):
            rows = self.levels[level]
            Place.objects.bulk_create(rows, batch_size=BATCH)
            for p in rows:
                p.path = (p.parent.path if p.parent is not None else "") + path_segment(p.pk)
                p.depth = p.path.count(".") - 1
            Place.objects.bulk_update(rows, ["path", "depth"], batch_size=500)

    # --- units -------------------------------------------------------------------------------

    def area_source(self, built: int) -> str:
        r = self.rng.random()
        # Newer compounds: many certificates still pending, so more survey and sale-contract areas.
        register, survey = (0.6, 0.85) if built >= 2016 else (0.92, 0.99)
        return Unit.AreaSource.REGISTER if r < register else Unit.AreaSource.SURVEY if r < survey else Unit.AreaSource.CONTRACT

    def new_unit(self, block: Block, kind: str, label: str, floor: int, low: int, high: int, **extra) -> Unit:
        u = Unit(
            building=block.place,
            path=block.place.path,
            kind=kind,
            label=label,
            floor=floor,
            area=self.decimal(low, high),
            area_source=self.area_source(block.area.built),
            **extra,
        )
        block.units.append(u)
        self.units.append(u)
        return u

    def build_units(self) -> None:
        rng = self.rng
        demo_labels = (D.DEMO_RESIDENT_UNIT, D.DEMO_LEADER_UNIT)
        for area in self.areas:
            new = area.built >= 2016
            home_range = (60, 95) if area.built < 2001 else (75, 130) if area.built < 2010 else (80, 140)
            if not area.urban:
                home_range = (60, 120)
            compound_homes = 0
            for block in area.blocks:
                demo_block = (area.place.name, block.place.name) == D.DEMO_BUILDING
                for s in range(block.shops):
                    held = Unit.DeveloperHolding.UNSOLD if new and rng.random() < 0.2 else ""
                    self.new_unit(block, Unit.Kind.SHOP, f"商铺{s + 1}", 1, 25, 180, developer_holding=held)
                homes = 0
                for floor in range(2 if block.shops else 1, block.floors + 1):
                    if floor in block.skip_floors:
                        continue
                    for r in range(1, block.per_floor + 1):
                        if block.home_cap is not None and homes >= block.home_cap:
                            break
                        label = f"{floor}{r:02d}"
                        held = ""
                        if new and rng.random() < 0.03 and not (demo_block and label in demo_labels):
                            held = rng.choice([Unit.DeveloperHolding.UNSOLD, Unit.DeveloperHolding.UNDELIVERED])
                        u = self.new_unit(
                            block, Unit.Kind.HOME, label, floor, *home_range, room=f"{r:02d}", developer_holding=held
                        )
                        if held == Unit.DeveloperHolding.UNDELIVERED:
                            u.area_source = Unit.AreaSource.CONTRACT  # sold, not delivered: only the contract knows
                        if demo_block and label in demo_labels:
                            u.area_source = Unit.AreaSource.REGISTER
                        homes += 1
                compound_homes += homes
                for s in range(block.storage):
                    self.new_unit(block, Unit.Kind.STORAGE, f"杂物房{s + 1}", 1, 4, 15)
            if area.urban and area.built >= 2001:
                # Underground parking, numbered across the compound, attached to the buildings in turn.
                share = rng.uniform(0.15, 0.3) if area.built >= 2010 else rng.uniform(0.05, 0.15)
                unsold = 0.35 if new else 0.15
                for n in range(round(compound_homes * share)):
                    held = Unit.DeveloperHolding.UNSOLD if rng.random() < unsold else ""
                    self.new_unit(
                        area.blocks[n % len(area.blocks)],
                        Unit.Kind.PARKING,
                        f"车位{n + 1:03d}",
                        -1,
                        11,
                        16,
                        developer_holding=held,
                    )

    # --- households, owners ------------------------------------------------------------------

    def live(self, folk: Folk, unit: Unit, block: Block, relation: str, since: date) -> Folk:
        folk.unit, folk.block, folk.relation = unit, block, relation
        block.folks.append(folk)
        block.area.folks.append(folk)
        self.members.append(HouseholdMember(unit=unit, person=folk.person, relation=relation, path=unit.path, since=since))
        return folk

    def own(self, folk: Folk, unit: Unit, share: Decimal = Decimal(1), status: str | None = None) -> None:
        if status is None:
            # No certificate yet (area known from the sale contract): bought and occupied, not registered.
            unregistered = unit.area_source == Unit.AreaSource.CONTRACT or self.rng.random() < 0.01
            status = Ownership.Status.OCCUPIED_UNREGISTERED if unregistered else Ownership.Status.REGISTERED
        self.ownerships.append(Ownership(unit=unit, person=folk.person, share=share, status=status))

    def build_households(self) -> None:
        rng = self.rng
        self.rented_or_vacant: list[tuple[Unit, Block]] = []
        self.other_units: list[tuple[Unit, Block]] = []
        for area in self.areas:
            p_rent = 0.29 if area.urban else 0.65
            # Where a source gives the household size (桂南小区: ~700 residents in 209 homes), every home is lived in.
            p_vacant = 0.0 if area.household_size else 0.04
            if area.household_size:
                p_rent = 0.15
            for block in area.blocks:
                demo_block = (area.place.name, block.place.name) == D.DEMO_BUILDING
                for unit in block.units:
                    if unit.developer_holding:
                        continue
                    if unit.kind != Unit.Kind.HOME:
                        self.other_units.append((unit, block))
                        continue
                    if demo_block and unit.label == D.DEMO_RESIDENT_UNIT:
                        self.demo_resident_household(unit, block)
                        continue
                    if demo_block and unit.label == D.DEMO_LEADER_UNIT:
                        self.demo_leader_household(unit, block)
                        continue
                    r = rng.random()
                    if r < p_vacant:
                        self.rented_or_vacant.append((unit, block))  # vacant
                    elif r < p_vacant + p_rent:
                        self.tenant_household(unit, block)
                        self.rented_or_vacant.append((unit, block))
                    else:
                        self.owner_household(unit, block)

    def household_since(self, area: Area, head_age: int) -> date:
        return self.day(max(area.built, D.REFERENCE_YEAR - head_age + 22, 1985))

    def owner_household(self, unit: Unit, block: Block) -> None:
        rng, area = self.rng, block.area
        if area.household_size and area.household_size > 3:
            size = rng.choices([1, 2, 3, 4, 5], weights=[2, 12, 33, 33, 20])[0]
        else:
            size = rng.choices([1, 2, 3, 4, 5], weights=[24, 37, 25, 11, 3])[0]
        migratory = rng.random() < area.migratory
        age = rng.randint(28, 88) if size == 1 else rng.randint(28, 80)
        male = rng.random() < 0.55
        head = self.person(male, age, migratory=migratory)
        since = self.household_since(area, age)
        family = [head]
        spouse = None
        if size >= 2:
            spouse = self.person(not male, max(22, age + rng.randint(-6, 6)), migratory=migratory)
            family.append(spouse)
        father = head if male else spouse
        surname = self.surname_of(father) if father else None
        for _ in range(size - len(family)):
            if age < 58:
                child_age = rng.randint(0, max(0, age - 24))
            elif rng.random() < 0.2 and age < 70:
                family.append(self.person(rng.random() < 0.4, min(99, age + rng.randint(24, 32))))  # an elderly parent
                continue
            else:
                child_age = rng.randint(max(0, age - 38), max(1, age - 24))
            # Children of a 候鸟 family go back and forth with their parents.
            family.append(self.person(rng.random() < 0.5, child_age, surname=surname, migratory=migratory))
        co_owned = spouse is not None and rng.random() < 0.3
        self.live(head, unit, block, Rel.OWNER, since)
        self.own(head, unit, HALF if co_owned else Decimal(1))
        for folk in family[1:]:
            self.live(folk, unit, block, Rel.CO_OWNER if co_owned and folk is spouse else Rel.FAMILY, since)
        if co_owned:
            self.own(spouse, unit, HALF)
        area.owner_heads.append(head)

    def tenant_household(self, unit: Unit, block: Block) -> None:
        rng, area = self.rng, block.area
        weights = [10, 25, 35, 30] if area.household_size else [38, 35, 18, 9]
        size = rng.choices([1, 2, 3, 4], weights=weights)[0]
        migratory = rng.random() < area.migratory
        age = rng.randint(20, 55)
        male = rng.random() < 0.6
        head = self.person(male, age, migratory=migratory)
        since = self.day(max(area.built, D.REFERENCE_YEAR - 8))
        self.live(head, unit, block, Rel.TENANT, since)
        surname = self.surname_of(head) if male else None
        for i in range(size - 1):
            if i == 0 and age >= 24:
                folk = self.person(not male, max(20, age + rng.randint(-5, 5)), migratory=migratory)
            else:
                folk = self.person(rng.random() < 0.5, rng.randint(0, max(0, age - 22)), surname=surname, migratory=migratory)
            self.live(folk, unit, block, Rel.TENANT, since)

    def demo_resident_household(self, unit: Unit, block: Block) -> None:
        """林嘉慧 and her husband co-own 4栋1202 half each; both work in Guangzhou (候鸟); their son has no phone."""
        account = D.DEMO_BY_KEY["resident"]
        since = date(2018, 6, 16)
        me = self.person(False, 34, name=account["name"], mobile=account["mobile"], migratory=True)
        me.person.password = self.demo_password
        husband = self.person(True, 36, migratory=True)
        son = self.person(True, 6, surname=self.surname_of(husband), mobile=None, migratory=True)
        self.live(me, unit, block, Rel.OWNER, since)
        self.live(husband, unit, block, Rel.CO_OWNER, since)
        self.live(son, unit, block, Rel.FAMILY, since)
        self.own(me, unit, HALF, Ownership.Status.REGISTERED)
        self.own(husband, unit, HALF, Ownership.Status.REGISTERED)
        me.person.set_id_number(self.id_number(me.person.birth_year, False))
        block.area.owner_heads.append(me)
        self.demo["resident"] = me

    def demo_leader_household(self, unit: Unit, block: Block) -> None:
        account = D.DEMO_BY_KEY["building_leader"]
        since = date(2018, 5, 1)
        leader = self.person(True, 52, name=account["name"], mobile=account["mobile"])
        leader.person.password = self.demo_password
        self.live(leader, unit, block, Rel.OWNER, since)
        self.live(self.person(False, 50), unit, block, Rel.FAMILY, since)
        self.live(self.person(False, 78, mobile=None), unit, block, Rel.FAMILY, since)  # his mother keeps her own surname
        self.own(leader, unit, Decimal(1), Ownership.Status.REGISTERED)
        block.area.owner_heads.append(leader)
        self.demo["building_leader"] = leader

    def build_other_owners(self) -> None:
        """Owners of let and empty homes, shops, parking spaces and storage rooms: residents owning several
        units in their own compound or community, or owners living elsewhere."""
        rng = self.rng
        heads_by_community = defaultdict(list)
        for area in self.areas:
            heads_by_community[id(area.community)].extend(area.owner_heads)

        def outside_owner() -> Folk:
            return self.person(rng.random() < 0.5, rng.randint(32, 78))

        for unit, block in self.rented_or_vacant:
            heads = heads_by_community[id(block.area.community)]
            owner = rng.choice(heads) if heads and rng.random() < 0.55 else outside_owner()
            self.own(owner, unit)
        for unit, block in self.other_units:
            heads = block.area.owner_heads
            if unit.kind == Unit.Kind.STORAGE:
                in_building = [f for f in block.folks if f.relation == Rel.OWNER]
                owner = rng.choice(in_building) if in_building else outside_owner()
            elif unit.kind == Unit.Kind.PARKING:
                owner = rng.choice(heads) if heads and rng.random() < 0.95 else outside_owner()
            else:
                owner = rng.choice(heads) if heads and rng.random() < 0.3 else outside_owner()
            self.own(owner, unit)

    # --- organisations and roles -------------------------------------------------------------

    def org(
        self,
        kind: str,
        name: str,
        place: Place,
        *,
        parent: Organisation | None = None,
        founded: date | None = None,
        description: str = "",
    ) -> Organisation:
        o = Organisation(
            kind=kind, name=name, place=place, path=place.path, parent=parent, founded_on=founded, description=description
        )
        level = 0 if parent is None else self.org_level[id(parent)] + 1
        self.org_level[id(o)] = level
        self.orgs[level].append(o)
        return o

    def join(
        self,
        org: Organisation,
        folks: list[Folk],
        lead: tuple[str, ...] = (Pos.CHAIR, Pos.SECRETARY),
        backbone: int = 2,
        since_from: int = 2012,
    ) -> None:
        """Members in order: the first take the lead positions, the next few are backbone members."""
        for i, folk in enumerate(folks):
            if i < len(lead):
                position = lead[i]
            elif i < len(lead) + backbone:
                position = Pos.BACKBONE
            else:
                position = Pos.MEMBER
            self.memberships.append(
                Membership(organisation=org, person=folk.person, position=position, since=self.day(since_from))
            )

    def grant(
        self, folk: Folk, role: str, place: Place, org: Organisation | None = None, since_from: int = 2012
    ) -> RoleAssignment:
        ra = RoleAssignment(
            person=folk.person, role=role, place=place, path=place.path, organisation=org, granted_at=self.moment(since_from)
        )
        self.roles.append(ra)
        return ra

    def pick(
        self,
        folks: list[Folk],
        n: int,
        ages: tuple[int, int] = (18, 80),
        need_mobile: bool = True,
        exclude: set[int] | None = None,
    ) -> list[Folk]:
        pool = [
            f
            for f in folks
            if ages[0] <= f.age <= ages[1] and (f.person.mobile or not need_mobile) and (exclude is None or id(f) not in exclude)
        ]
        return self.rng.sample(pool, min(n, len(pool)))

    def staff_person(self, male: bool | None = None, **kw) -> Folk:
        """Staff work here but need not live here: persons without a household."""
        male = self.rng.random() < 0.45 if male is None else male
        return self.person(male, self.rng.randint(25, 55), **kw)

    def build_organisations(self) -> None:
        rng = self.rng
        self.org_level: dict[int, int] = {}
        sub = self.subdistrict
        urban = [a for a in self.areas if a.urban]
        residents = [f for a in self.areas for f in a.folks]
        by_community = defaultdict(list)
        for a in self.areas:
            by_community[id(a.community)].extend(a.folks)

        # Sub-district office and its administrator (the demo account, also allowed into /admin/).
        office = self.org(OrgKind.SUBDISTRICT_OFFICE, D.SUBDISTRICT_OFFICE, sub, founded=date(1985, 1, 1))
        admin_account = D.DEMO_BY_KEY["subdistrict_admin"]
        admin = self.staff_person(True, name=admin_account["name"], mobile=admin_account["mobile"])
        admin.person.password, admin.person.is_staff = self.demo_password, True
        self.demo["subdistrict_admin"] = admin
        self.join(office, [admin], lead=(), backbone=0)
        self.grant(admin, Role.SUBDISTRICT_ADMIN, sub, office, since_from=2019)

        # The property-dispute mediation committee (苏志敏创熟调解工作室), sub-district wide.
        mediation = self.org(
            OrgKind.MEDIATION, D.MEDIATION_COMMITTEE, sub, founded=date(2015, 6, 1), description=D.MEDIATION_DESCRIPTION
        )
        mediators = self.pick(residents, 9, ages=(40, 70))
        self.join(mediation, mediators, backbone=3, since_from=2015)
        for folk in mediators:
            self.grant(folk, Role.MEDIATOR, sub, mediation, since_from=2015)
        self.id_holders = list(mediators)

        # Each community and village: party committee, residents' committee, and its staff.
        self.committees: dict[int, tuple[Organisation, Organisation]] = {}
        self.community_staff: dict[int, list[Folk]] = {}
        for name, community in self.communities.items():
            village = community.kind == Kind.VILLAGE
            party = self.org(OrgKind.PARTY_COMMITTEE, f"{name}党委", community, founded=date(2000 + rng.randrange(10), 7, 1))
            rc_name = f"{name}村民委员会" if name.endswith("村") else f"{name}居民委员会"
            rc = self.org(OrgKind.RESIDENTS_COMMITTEE, rc_name, community, founded=date(1990 + rng.randrange(15), 3, 1))
            self.committees[id(community)] = (party, rc)
            staff = [self.staff_person() for _ in range(rng.randint(2, 3) if village else rng.randint(4, 6))]
            if name == "灯湖社区":
                account = D.DEMO_BY_KEY["community_staff"]
                demo_staff = self.staff_person(False, name=account["name"], mobile=account["mobile"])
                demo_staff.person.password = self.demo_password
                self.demo["community_staff"] = demo_staff
                staff.append(demo_staff)
            self.community_staff[id(community)] = staff
            self.join(rc, staff, backbone=1, since_from=2015)
            self.join(party, staff[:3], lead=(Pos.SECRETARY,), backbone=2, since_from=2015)
            for folk in staff:
                self.grant(folk, Role.COMMUNITY_STAFF, community, rc, since_from=2015)
            self.id_holders.extend(staff)

        self.build_party(urban)
        self.build_groups(urban, by_community)
        self.build_companies(urban)

    def build_party(self, urban: list[Area]) -> None:
        """828 compound party members in community branches, and a 户联系党小组 in compounds with several."""
        rng = self.rng
        leader = self.demo["building_leader"]
        eligible = [f for a in urban for f in a.folks if 23 <= f.age <= 85 and f is not leader]
        members = [leader, *rng.sample(eligible, D.ARTICLE_FIGURES["party_members"] - 1)]
        by_area = defaultdict(list)
        for folk in members:
            by_area[id(folk.block.area)].append(folk)
        numerals = "一二三四五六"
        for cs in D.COMMUNITIES:
            community = self.communities[cs.name]
            party, _ = self.committees[id(community)]
            areas = sorted((a for a in urban if a.community is community), key=lambda a: a.place.name)
            n_branches = max(1, round(len(areas) / 4))
            for b in range(n_branches):
                branch = self.org(
                    OrgKind.PARTY_BRANCH,
                    f"{cs.name}第{numerals[b]}党支部",
                    community,
                    parent=party,
                    founded=date(2005 + rng.randrange(10), 7, 1),
                )
                branch_areas = areas[b::n_branches]
                self.join(
                    branch, [f for a in branch_areas for f in by_area[id(a)]], lead=(Pos.SECRETARY,), backbone=2, since_from=1990
                )
                for area in branch_areas:
                    area_members = by_area[id(area)]
                    if len(area_members) < 3:
                        continue
                    group = self.org(
                        OrgKind.PARTY_GROUP,
                        f"{area.place.name}户联系党小组",
                        area.place,
                        parent=branch,
                        founded=date(2021, 1, 1) + timedelta(days=rng.randrange(600)),
                    )
                    self.join(group, area_members, lead=(Pos.CHAIR,), backbone=1, since_from=2021)
                    if area.place.name == D.DEMO_BUILDING[0] or rng.random() < 0.4:
                        homes = list({id(f.unit): f.unit for f in area.folks}.values())
                        for unit in rng.sample(homes, min(len(homes), rng.randint(10, 30))):
                            self.liaisons.append(PartyGroupLiaison(organisation=group, unit=unit))

    def build_groups(self, urban: list[Area], by_community: dict[int, list[Folk]]) -> None:
        rng = self.rng
        self.leaders_and_groups(urban)
        # 36 街坊志愿互助会: 35 in compounds (the ones the article names first), 1 for the whole of 怡海社区.
        wanted = [D.DEMO_BUILDING[0], "利海尖东半岛花园", "鹿璟村"]
        others = [a for a in urban if a.place.name not in wanted and len(a.folks) >= 40]
        chosen = [self.compounds[n] for n in wanted] + rng.sample(
            others, D.ARTICLE_FIGURES["mutual_aid_associations"] - 1 - len(wanted)
        )
        targets = [(a.place, a.place.name, a.folks) for a in chosen]
        yh = self.communities[D.COMMUNITY_MUTUAL_AID]
        targets.append((yh, D.COMMUNITY_MUTUAL_AID, by_community[id(yh)]))
        for place, name, folks in targets:
            org = self.org(OrgKind.MUTUAL_AID, f"{name}街坊志愿互助会", place, founded=self.day(2012, 2020))
            members = self.pick(folks, rng.randint(8, 20), ages=(20, 72))
            self.join(org, members, backbone=3, since_from=2015)
            for folk in members:
                self.grant(folk, Role.VOLUNTEER, place, org, since_from=2015)

        # Clubs: cultural associations and other self-organisations at community level.
        cultural = {cs.name: list(D.CULTURAL_BASE) for cs in D.COMMUNITIES}
        self_orgs = {cs.name: list(D.SELF_ORG_BASE) for cs in D.COMMUNITIES}
        for extras, table in ((D.CULTURAL_EXTRA, cultural), (D.SELF_ORG_EXTRA, self_orgs)):
            for kind_name in extras:
                choices = [c for c in table if kind_name not in table[c]]
                table[rng.choice(choices)].append(kind_name)
        self.clubs: dict[tuple[str, str], Organisation] = {}
        for org_kind, table in ((OrgKind.CULTURAL, cultural), (OrgKind.SELF_ORGANISATION, self_orgs)):
            for cname, kinds in table.items():
                community = self.communities[cname]
                for kind_name in kinds:
                    org = self.org(org_kind, f"{cname}{kind_name}", community, founded=self.day(2011, 2022))
                    self.clubs[(cname, kind_name)] = org
                    members = self.pick(
                        by_community[id(community)],
                        rng.randint(8, 25),
                        ages=D.CLUB_AGES.get(kind_name, (18, 80)),
                        need_mobile=False,
                    )
                    self.join(org, members, backbone=rng.randint(2, 4), since_from=2011)
        # The 中铁建党员志愿服务队 (灯湖社区): the compound's party members and a few neighbours.
        ztj = self.compounds[D.DEMO_BUILDING[0]]
        org = self.org(OrgKind.SELF_ORGANISATION, D.ZTJ_VOLUNTEERS, ztj.place, founded=date(2019, 10, 1))
        party_here = [
            m for m in self.memberships if m.organisation.kind == OrgKind.PARTY_GROUP and m.organisation.place is ztj.place
        ]
        folks_by_person = {id(f.person): f for f in ztj.folks}
        volunteers = [folks_by_person[id(m.person)] for m in party_here]
        taken = {id(f) for f in volunteers}
        volunteers += self.pick(ztj.folks, 8, ages=(20, 65), exclude=taken)
        self.join(org, volunteers, backbone=2, since_from=2019)

        # Owners' committees in some property-managed compounds; members own units there.
        oc_areas = [a for a in urban if a.spec and a.spec.owners_committee]
        more = [
            a
            for a in urban
            if a.place.management == D.PROPERTY and a.built <= 2012 and a not in oc_areas and len(a.owner_heads) >= 20
        ]
        oc_areas += rng.sample(more, 10)
        for area in oc_areas:
            org = self.org(
                OrgKind.OWNERS_COMMITTEE,
                f"{area.place.name}业主委员会",
                area.place,
                founded=self.day(max(area.built + 3, 2008), 2022),
            )
            owners = [f for f in area.folks if f.relation in (Rel.OWNER, Rel.CO_OWNER)]
            members = self.pick(owners, rng.randint(5, 7), ages=(30, 75))
            self.join(org, members, backbone=1, since_from=2016)
            for folk in members:
                self.grant(folk, Role.OWNERS_COMMITTEE, area.place, org, since_from=2016)
            self.id_holders.extend(members)
            if area.place.name == "御景苑" and members:
                # The article's 御景苑 owners' committee member who plays in 同德's badminton and table-tennis teams.
                player = members[-1]
                for sport in ("羽毛球队", "乒乓球队"):
                    club = self.clubs[("同德社区", sport)]
                    if not any(m.organisation is club and m.person is player.person for m in self.memberships):
                        self.memberships.append(
                            Membership(organisation=club, person=player.person, position=Pos.MEMBER, since=date(2012, 5, 1))
                        )

    def leaders_and_groups(self, urban: list[Area]) -> None:
        """1,333 building leaders (one per building, living in it); self-governing groups; lane and street leaders."""
        rng = self.rng
        target = D.ARTICLE_FIGURES["building_leaders"]
        demo_block = next(b for b in self.compounds[D.DEMO_BUILDING[0]].blocks if b.place.name == D.DEMO_BUILDING[1])
        blocks = [b for a in urban for b in a.blocks if b is not demo_block]
        rng.shuffle(blocks)
        self.leader_of[id(demo_block)] = self.demo["building_leader"]
        self.grant(self.demo["building_leader"], Role.BUILDING_LEADER, demo_block.place, since_from=2019)
        for block in blocks:
            if len(self.leader_of) == target:
                break
            candidates = [f for f in block.folks if 28 <= f.age <= 72 and f.person.mobile and not f.person.migratory]
            candidates = candidates or [f for f in block.folks if f.age >= 20 and f.person.mobile]
            if not candidates:
                continue
            owners = [f for f in candidates if f.relation in (Rel.OWNER, Rel.CO_OWNER)]
            leader = rng.choice(owners or candidates)
            self.leader_of[id(block)] = leader
            self.grant(leader, Role.BUILDING_LEADER, block.place, since_from=max(2011, block.area.built))
        assert len(self.leader_of) == target, len(self.leader_of)

        # 72 self-governing groups, one per compound without a property company; its building leaders sit in it.
        for area in urban:
            if area.place.management != D.SELF_GOVERNING:
                continue
            org = self.org(OrgKind.SELF_GOVERNING, f"{area.place.name}自治小组", area.place, founded=self.day(2011, 2020))
            leaders = [self.leader_of[id(b)] for b in area.blocks if id(b) in self.leader_of]
            chair = self.pick([f for f in area.folks if f.relation == Rel.OWNER], 1, ages=(45, 75)) or leaders[:1]
            rest = [f for f in leaders if f not in chair][: rng.randint(2, 6)]
            self.join(org, chair + rest, lead=(Pos.CHAIR,), backbone=2, since_from=2011)

        # Villages: a leader for each lane (巷长) and each street (街长), living there.
        for area in self.areas:
            if area.urban:
                continue
            taken: set[int] = set()
            lanes = defaultdict(list)
            for block in area.blocks:
                lanes[id(block.lane)].append(block)
            for lane_blocks in lanes.values():
                folks = [f for b in lane_blocks for f in b.folks]
                for folk in self.pick(folks, 1, ages=(30, 70)):
                    taken.add(id(folk))
                    self.grant(folk, Role.LANE_LEADER, lane_blocks[0].lane, since_from=2016)
            for folk in self.pick(area.folks, 1, ages=(35, 70), exclude=taken):
                self.grant(folk, Role.STREET_LEADER, area.place, since_from=2016)

    def build_companies(self, urban: list[Area]) -> None:
        """102 property companies for the property-managed compounds; some serve several."""
        rng = self.rng
        n = D.ARTICLE_FIGURES["property_companies"]
        stems = [a + b for a in D.COMPANY_STEM_FIRST for b in D.COMPANY_STEM_SECOND if a != b]
        names = [
            pattern.format(stem)
            for stem, pattern in zip(rng.sample(stems, n - 1), rng.choices(D.COMPANY_PATTERNS, k=n - 1), strict=True)
        ]
        companies = [self.org(OrgKind.PROPERTY_COMPANY, D.DEMO_COMPANY, self.subdistrict, founded=date(2003, 1, 1))]
        companies += [self.org(OrgKind.PROPERTY_COMPANY, name, self.subdistrict, founded=self.day(1993, 2015)) for name in names]
        ztj = self.compounds[D.DEMO_BUILDING[0]]
        served = [a for a in urban if a.place.management == D.PROPERTY and a is not ztj]
        rng.shuffle(served)
        assignment = {id(companies[0]): [ztj]}
        for company, area in zip(companies[1:], served, strict=False):
            assignment[id(company)] = [area]
        for area in served[n - 1 :]:
            assignment[id(rng.choice(companies[1:]))].append(area)
        for company in companies:
            for area in assignment[id(company)]:
                self.served.append((company, area.place))
        # Property staff: the demo account and two colleagues for 中铁建物业, one or two for 24 others.
        account = D.DEMO_BY_KEY["property_staff"]
        demo_staff = self.staff_person(True, name=account["name"], mobile=account["mobile"])
        demo_staff.person.password = self.demo_password
        self.demo["property_staff"] = demo_staff
        for folk in [demo_staff, self.staff_person(), self.staff_person()]:
            self.grant(folk, Role.PROPERTY_STAFF, ztj.place, companies[0], since_from=2019)
        for company in rng.sample(companies[1:], 24):
            for _ in range(rng.randint(1, 2)):
                self.grant(self.staff_person(), Role.PROPERTY_STAFF, assignment[id(company)][0].place, company, since_from=2016)

    # --- venues ------------------------------------------------------------------------------

    def build_venues(self) -> None:
        rng = self.rng
        specs = list(D.ARTICLE_VENUES) + list(D.EXTRA_VENUES)
        with_venue = {s.community for s in specs}
        used = {s.compound for s in specs}
        free = [a for a in self.areas if a.urban and a.place.management == D.PROPERTY and a.place.name not in used]
        communities = [cs.name for cs in D.COMMUNITIES if cs.name not in with_venue]
        rng.shuffle(communities)
        optional = ["deliberation_hall", "book_corner", "activity_room", "neighbourhood_association", "youth"]
        for cname in communities[: D.VENUE_TOTAL - len(specs)]:
            area = rng.choice([a for a in free if a.community.name == cname])
            station = rng.random() < 0.4
            functions = ("party_building", *rng.sample(optional, rng.randint(1, 3)))
            room_names = {
                "party_building": "党员活动室",
                "deliberation_hall": "居民议事厅",
                "book_corner": "共享书屋",
                "activity_room": "活动室",
                "neighbourhood_association": "街坊会议事室",
                "youth": "青年之家",
            }
            rooms = tuple((room_names[f], f, rng.choice([20, 30, 40, 60])) for f in functions)
            name = f"{area.place.name}“创熟”加油站" if station else f"{area.place.name}党建阵地"
            specs.append(
                D.VenueSpec(
                    name,
                    cname,
                    area.place.name,
                    rng.choice(["会所一楼", "1栋首层", "架空层"]),
                    rng.choice([60, 80, 100, 150]),
                    self.day(2018, 2020),
                    functions,
                    rooms,
                )
            )
        for spec in specs:
            place = self.compounds[spec.compound].place if spec.compound else self.communities[spec.community]
            assert spec.compound == "" or self.compounds[spec.compound].community.name == spec.community, spec.name
            venue = Venue(
                name=spec.name,
                place=place,
                location=spec.location,
                floor_area=Decimal(spec.floor_area),
                opened_on=spec.opened_on,
                functions=list(spec.functions),
                description=spec.description,
            )
            self.venues.append(venue)
            for room_name, function, capacity in spec.rooms:
                self.rooms.append(
                    Room(
                        venue=venue,
                        name=room_name,
                        function=function,
                        capacity=capacity,
                        opening_hours=rng.choice(D.OPENING_HOURS),
                    )
                )

    # --- care information, ID numbers, consent -----------------------------------------------

    def build_sensitive(self) -> None:
        """Care tags rest on a separate consent (PIPL Art 29), recorded on paper when the leader visits."""
        rng = self.rng
        residents = [f for a in self.areas for f in a.folks]
        households = defaultdict(list)
        for f in residents:
            households[id(f.unit)].append(f)
        alone = [f for f in residents if f.age >= 75 and len(households[id(f.unit)]) == 1]
        tagged = [(f, SensitiveTag.Kind.ELDERLY_ALONE) for f in rng.sample(alone, min(160, len(alone)))]
        tagged += [(f, SensitiveTag.Kind.DISABILITY) for f in rng.sample(residents, 80)]
        tagged += [(f, SensitiveTag.Kind.HEALTH) for f in rng.sample([f for f in residents if f.age >= 60], 90)]
        seen: set[tuple[int, str]] = set()
        consented: set[int] = set()
        for folk, kind in tagged:
            if (id(folk), kind) in seen:
                continue
            seen.add((id(folk), kind))
            leader = self.leader_of.get(id(folk.block))
            self.tags.append(
                SensitiveTag(
                    person=folk.person,
                    unit=folk.unit,
                    path=folk.unit.path,
                    kind=kind,
                    note=rng.choice(D.SENSITIVE_NOTES[kind]),
                    basis=SensitiveTag.Basis.CONSENT,
                    created_by=leader.person if leader else None,
                )
            )
            if id(folk) not in consented:
                consented.add(id(folk))
                self.consents.append(
                    ConsentRecord(
                        person=folk.person,
                        purpose=ConsentRecord.Purpose.SENSITIVE,
                        notice_version=settings.PRIVACY_NOTICE_VERSION,
                        channel=ConsentRecord.Channel.PAPER,
                        granted_at=self.moment(2024),
                    )
                )

    def build_id_numbers(self) -> None:
        """ID numbers only for a few hundred persons: staff, mediators, owners' committee members (whose
        identity owners' decisions rely on) and some owners. Encrypted by Person.set_id_number."""
        rng = self.rng
        holders = {id(f): f for f in self.id_holders}
        owners = [f for a in self.areas for f in a.owner_heads if f.age >= 18]
        for folk in rng.sample(owners, 300 - min(len(holders), 300)):
            holders.setdefault(id(folk), folk)
        for folk in holders.values():
            if folk.age >= 16 and not folk.person.id_number_token:
                folk.person.set_id_number(self.id_number(folk.person.birth_year, folk.male))

    # --- everything ----------------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        self.build_places()
        self.insert_places()
        self.build_units()
        self.build_households()
        self.build_other_owners()
        self.build_organisations()
        self.build_venues()
        self.build_sensitive()
        self.build_id_numbers()
        now = datetime.now(tz=TZ)
        for folk in self.folks:
            self.consents.append(
                ConsentRecord(
                    person=folk.person,
                    purpose=ConsentRecord.Purpose.REGISTRY,
                    notice_version=settings.PRIVACY_NOTICE_VERSION,
                    channel=ConsentRecord.Channel.IMPORT,
                    granted_at=now,
                )
            )
        return self.write()

    def write(self) -> dict[str, int]:
        """Insert in dependency order. Django fills each foreign key from its (now saved) object."""
        Unit.objects.bulk_create(self.units, batch_size=BATCH)
        people = [f.person for f in self.folks]
        Person.objects.bulk_create(people, batch_size=BATCH)
        HouseholdMember.objects.bulk_create(self.members, batch_size=BATCH)
        Ownership.objects.bulk_create(self.ownerships, batch_size=BATCH)
        ConsentRecord.objects.bulk_create(self.consents, batch_size=BATCH)
        for level in sorted(self.orgs):
            Organisation.objects.bulk_create(self.orgs[level], batch_size=BATCH)
        Through = Organisation.served_places.through
        Through.objects.bulk_create([Through(organisation=o, place=p) for o, p in self.served], batch_size=BATCH)
        Membership.objects.bulk_create(self.memberships, batch_size=BATCH)
        PartyGroupLiaison.objects.bulk_create(self.liaisons, batch_size=BATCH)
        RoleAssignment.objects.bulk_create(self.roles, batch_size=BATCH)
        Venue.objects.bulk_create(self.venues, batch_size=BATCH)
        Room.objects.bulk_create(self.rooms, batch_size=BATCH)
        SensitiveTag.objects.bulk_create(self.tags, batch_size=BATCH)
        counts = {
            "places": sum(len(v) for v in self.levels.values()),
            "buildings": sum(len(a.blocks) for a in self.areas),
            "units": len(self.units),
            "persons": len(people),
            "household members": len(self.members),
            "ownerships": len(self.ownerships),
            "organisations": sum(len(v) for v in self.orgs.values()),
            "memberships": len(self.memberships),
            "role assignments": len(self.roles),
            "venues": len(self.venues),
            "rooms": len(self.rooms),
            "sensitive tags": len(self.tags),
            "consent records": len(self.consents),
            "ID numbers": sum(1 for p in people if p.id_number_token),
        }
        AuditEntry.objects.create(
            actor=None, action="demo.seeded", object_type="places.place", object_id=str(self.subdistrict.pk), detail=counts
        )
        return counts


class Command(BaseCommand):
    help = "Fill an empty database with a demo Guicheng sub-district (桂城街道) and print the demo sign-ins."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing (but print the sign-ins) if any place exists.")
        parser.add_argument(
            "--seed", type=int, default=2021, help="Random seed: the same seed gives the same data (default 2021)."
        )

    def handle(self, *args, if_empty: bool = False, seed: int = 2021, **options):
        if Place.objects.exists():
            if not if_empty:
                raise CommandError("The database already has places. seed_demo only fills an empty database (or use --if-empty).")
            self.stdout.write("The database already has places: nothing seeded.")
        else:
            started = time.monotonic()
            with transaction.atomic():
                counts = DemoBuilder(seed).build()
            self.stdout.write(self.style.SUCCESS(f"Seeded 桂城街道 (seed {seed}) in {time.monotonic() - started:.1f} s:"))
            for label, n in counts.items():
                self.stdout.write(f"  {label:<20} {n:>7,}")
        self.print_sign_ins()

    def print_sign_ins(self) -> None:
        existing = set(Person.objects.filter(mobile__in=[a["mobile"] for a in D.DEMO_ACCOUNTS]).values_list("mobile", flat=True))
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins (password: {D.DEMO_PASSWORD})")
        rows = [("Role", "Name", "Mobile")] + [(a["role"], a["name"], a["mobile"]) for a in D.DEMO_ACCOUNTS]
        widths = [max(display_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            note = "" if row[2] in existing or row[0] == "Role" else "  (not in this database)"
            cells = [text + " " * (width - display_width(text)) for text, width in zip(row, widths, strict=True)]
            self.stdout.write("  " + "  ".join(cells).rstrip() + note)


def display_width(text: str) -> int:
    """Terminal columns: Chinese characters take two, so the table lines up."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
