"""The steps of the demo generator that fill the homes: households, owners of every unit, care
information with its consent, and the few ID numbers."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.conf import settings

from places.models import Unit

from ..models import ConsentRecord, HouseholdMember, Ownership, SensitiveTag
from . import data as D
from .base import HALF, Area, Block, Folk, Generator, Rel


class Residents(Generator):
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
        self.ownerships.append(Ownership(unit=unit, person=folk.person, share=share, status=status, path=unit.path))

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
