"""The steps of the demo generator that build the place tree (inserted at once, as later rows need the
paths), the units of each building and the venues with their rooms."""

from collections import defaultdict
from decimal import Decimal

from places.models import Place, Room, Unit, Venue, new_join_code, path_segment

from . import data as D
from .base import BATCH, Area, Block, Generator, Kind

URBAN_BUILDINGS = 1345  # 1,333 with a building leader (the article) and a few still without one


class Places(Generator):
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
