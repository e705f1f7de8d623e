"""The steps of the demo generator that found the organisations (offices, committees, party branches and
groups, mutual-aid associations, clubs, owners' committees, property companies), with their members and
the roles they grant."""

from collections import defaultdict
from datetime import date, timedelta

from places.models import Place

from ..models import Membership, Organisation, PartyGroupLiaison, Role, RoleAssignment
from . import data as D
from .base import Area, Folk, Generator, Kind, OrgKind, Pos, Rel


class Organisations(Generator):
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
