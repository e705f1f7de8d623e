"""What every step of the demo generator shares: one ``random.Random(seed)``, the rows collected so far,
the records of areas, buildings and persons being generated, and the small generators (names, mobiles,
ID numbers, dates, persons)."""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password

from places.models import Place, Room, Unit, Venue

from ..models import (
    ConsentRecord,
    HouseholdMember,
    Membership,
    Organisation,
    Ownership,
    PartyGroupLiaison,
    Person,
    RoleAssignment,
    SensitiveTag,
    pinyin_keys,
)
from ..validators import ID_CHECK, ID_WEIGHTS
from . import data as D

TZ = ZoneInfo(settings.TIME_ZONE)
BATCH = 2000
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


class Generator:
    """The generator's state and its small generators; the steps that use them are in ``places``,
    ``residents`` and ``organisations``, and ``DemoBuilder`` puts them together."""

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
