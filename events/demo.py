"""Demo clubs and events for ``manage.py seed_demo``, written through the real actions (``make_club``,
``ask_to_join``, ``decide_join_request``, ``create_event``, ``sign_up``, ``check_in``, ``cancel_event``,
``record_encounters``, ``set_opt_in``) with ``now=`` set to the moment each thing happened.

- Club pages for every cultural association and community self-organisation the people builder made
  (舞蹈队, 合唱队, 书画协会, 醒狮队, 粤曲社, 羽毛球队 …): their members, chairs, secretaries and backbone
  members are the builder's ``Membership`` rows, drawn from the residents of their community.
- About thirty events, most in 灯湖社区: the 邻里节 (opening banquet, family fair, the dance team's
  show), the badminton team's Wednesday evenings (members only), a calligraphy class, a clean-up day in
  中铁建水岸公馆 with volunteer roles, a health talk; past ones with check-ins and the encounters they
  made, coming ones with sign-ups, one full with a waiting list, a draft and a cancelled one; and a few
  in 桂一社区, 花苑社区 and 江滨社区.
- What the demo sign-ins find: 林嘉慧 joins the badminton team (her request approved by its chair), has
  a seat (with her code and QR code) at the food-sharing evening and waits for the second calligraphy
  class, attended past events, and has opted in to meet neighbours, as has a teammate from her compound,
  so her neighbours page shows him; 梁志坚 volunteers at the coming clean-up (and may check people in);
  陈慧敏 organises 灯湖社区's events (a draft among them) and decides join requests; 何俊峰 organises the
  property company's fire drill; 冯国栋 the sub-district's closing ceremony.

Rooms are given as places in words (``location``): booking a room goes through the venues app, whose
actions the event actions call for a room.
"""

import random
from datetime import datetime, timedelta

from django.utils import timezone

from deliberation.demo import COMMUNITY, History, demo_persons, local_moment
from people.demo import data as D
from people.models import HouseholdMember, Membership, Organisation, Person, Role, RoleAssignment
from places.models import Place

from . import actions
from .models import Club, ClubJoinRequest, Encounter, Event, Registration, RegistrationStatus

# Club activity and usual meeting time by the name's ending (the builder names clubs "<community><kind>").
CLUB_KINDS = {
    "舞蹈队": ("dance", "每周二、四 19:30，社区文化广场"),
    "合唱队": ("choir", "每周三 9:30，党群服务中心"),
    "书画协会": ("calligraphy", "每周六 14:30，共享书屋"),
    "醒狮队": ("lion_dance", "每周日 8:00，村口祠堂前"),
    "粤曲社": ("opera", "每周五 15:00，长者活动室"),
    "羽毛球队": ("badminton", "每周三 19:30，社区体育馆"),
    "乒乓球队": ("table_tennis", "每周二、六 19:00"),
    "篮球队": ("other", "每周日 17:00"),
    "跑步团": ("running", "每周六 6:30，千灯湖畔"),
    "读书会": ("reading", "每月第二个周日 15:00"),
    "青年志愿服务队": ("volunteering", "每月一次志愿服务日"),
    "环保志愿小队": ("volunteering", "每月最后一个周六上午"),
    "亲子成长营": ("other", "每月两次，周末"),
    "长者互助小组": ("volunteering", "每周四上午"),
    "文明养犬小组": ("other", "不定期"),
    "园艺小组": ("other", "每周六 8:30"),
}
OTHER_COMMUNITIES = ["桂一社区", "花苑社区", "江滨社区"]
ZTJ = D.DEMO_BUILDING[0]


def seed(rng: random.Random, now: datetime | None = None) -> dict[str, int]:
    """Write the demo clubs and events; returns counts for seed_demo's table (empty when 灯湖社区 is missing)."""
    return EventDemo(rng, now or timezone.now()).run()


class EventDemo:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now

    def at(self, days_ago: float, hour: int, minute: int = 0) -> datetime:
        return local_moment(self.now, days_ago, hour, minute)

    # --- the world as seeded before ----------------------------------------------------------------

    def load(self) -> bool:
        self.community = Place.objects.filter(name=COMMUNITY, kind=Place.Kind.COMMUNITY).first()
        persons = demo_persons()
        if self.community is None or persons["community_staff"] is None or persons["subdistrict_admin"] is None:
            return False
        self.persons = persons
        self.staff = persons["community_staff"]
        self.admin = persons["subdistrict_admin"]
        self.demo_ids = {p.pk for p in persons.values() if p is not None}
        self.compound = Place.objects.filter(name=ZTJ, parent=self.community).first()
        self.orgs = {o.name: o for o in Organisation.objects.filter(path__startswith=self.community.path)}
        self.history = History(self.now)
        return True

    def residents(self, place: Place, *, n: int, exclude=(), club: Club | None = None) -> list[Person]:
        """``n`` residents living under ``place`` (members of ``club`` only, when given), demo sign-ins excluded."""
        qs = Person.objects.filter(is_active=True, anonymised_at__isnull=True)
        if club is not None:
            qs = qs.filter(memberships__organisation_id=club.organisation_id)
        else:  # grown-ups with a phone sign themselves up
            lives = HouseholdMember.objects.filter(path__startswith=place.path).values("person_id")
            qs = qs.filter(pk__in=lives, mobile__isnull=False, birth_year__lte=timezone.localdate(self.now).year - 16)
        ids = sorted(set(qs.exclude(pk__in=self.demo_ids | set(exclude)).values_list("pk", flat=True)))
        chosen = self.rng.sample(ids, min(n, len(ids)))
        by_pk = Person.objects.in_bulk(chosen)
        return [by_pk[pk] for pk in chosen]

    def club(self, name: str) -> Club | None:
        return Club.objects.filter(organisation__name=name).select_related("organisation").first()

    def staff_of(self, community: Place) -> Person:
        ra = RoleAssignment.objects.active().filter(role=Role.COMMUNITY_STAFF, place=community).select_related("person")
        found = ra.order_by("id").first()
        return found.person if found else self.admin

    # --- clubs ---------------------------------------------------------------------------------------

    def make_clubs(self) -> int:
        kinds = [Organisation.Kind.CULTURAL, Organisation.Kind.SELF_ORGANISATION]
        made = 0
        for org in Organisation.objects.filter(kind__in=kinds, club__isnull=True).order_by("id"):
            activity, schedule = next(((a, s) for end, (a, s) in CLUB_KINDS.items() if org.name.endswith(end)), ("other", ""))
            if org.name == D.ZTJ_VOLUNTEERS:
                activity, schedule = "volunteering", "每月第一个周六上午"
            actions.make_club(org, by=self.admin, activity=activity, schedule=schedule)
            made += 1
        return made

    def join_requests(self) -> None:
        """林嘉慧 joins the badminton team (its chair approves), with a teammate from her compound; two
        residents wait for the dance team's leaders."""
        resident = self.persons["resident"]
        badminton = self.club(f"{COMMUNITY}羽毛球队")
        if resident is not None and badminton is not None:
            chair = Membership.objects.filter(organisation_id=badminton.organisation_id, position="chair").first()
            if chair is not None:
                if not Membership.objects.filter(organisation_id=badminton.organisation_id, person=resident).exists():
                    request = actions.ask_to_join(badminton, resident, message="上班族，周三晚上有空，想一起打球。")
                    actions.decide_join_request(request, by=chair.person, approve=True)
                self.teammate = self.teammate_in_compound(badminton, chair.person)
        dance = self.club(f"{COMMUNITY}舞蹈队")
        if dance is not None:
            for person in self.residents(self.community, n=2):
                if not Membership.objects.filter(organisation_id=dance.organisation_id, person=person).exists():
                    actions.ask_to_join(dance, person, message="退休了，想跟大家一起跳广场舞。")

    def teammate_in_compound(self, club: Club, chair: Person) -> Person | None:
        """A member of the club living in 中铁建水岸公馆 (someone joins through the chair if nobody does)."""
        if self.compound is None:
            return None
        members = Membership.objects.filter(organisation_id=club.organisation_id).values("person_id")
        here = HouseholdMember.objects.filter(path__startswith=self.compound.path, person_id__in=members)
        found = here.exclude(person_id__in=self.demo_ids).order_by("id").first()
        if found is not None:
            return found.person
        newcomer = self.residents(self.compound, n=1)
        if not newcomer:
            return None
        request = actions.ask_to_join(club, newcomer[0], message="我住水岸公馆，也想打球。")
        actions.decide_join_request(request, by=chair, approve=True)
        return newcomer[0]

    # --- events ---------------------------------------------------------------------------------------

    def event(
        self, title: str, organiser: str | Organisation, starts: datetime, hours: float, *, by=None, **extra
    ) -> Event | None:
        organiser = self.orgs.get(organiser) if isinstance(organiser, str) else organiser
        if organiser is None:
            return None
        created = extra.pop("created", min(starts - timedelta(days=14), self.now - timedelta(hours=1)))
        event = actions.create_event(
            by=by or self.staff,
            organiser=organiser,
            community=extra.pop("community", self.community),
            title=title,
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours),
            now=created,
            publish=extra.pop("publish", True),
            **extra,
        )
        self.history.stamp(created)
        self.events.append(event)
        return event

    def sign_up(
        self, event: Event | None, people: list[Person], *, role=None, attended: float = 0.0, by=None
    ) -> list[Registration]:
        """Sign ``people`` up in turn between the event's creation and its start; for an event over, check
        in about ``attended`` of the confirmed (a few minutes before or after the start)."""
        if event is None:
            return []
        opens = max(event.signup_opens_at, event.created_at)
        closes = min(event.signup_closes_at, event.starts_at, self.now)
        span = max((closes - opens).total_seconds(), 60)
        regs = []
        for i, person in enumerate(people):
            moment = opens + timedelta(seconds=span * (i + 1) / (len(people) + 1))
            regs.append(actions.sign_up(event, person, role=role, now=moment))
        if event.ends_at <= self.now:
            door = by or self.staff
            for reg in regs:
                came = reg.person_id in self.always or self.rng.random() < attended
                if reg.status == RegistrationStatus.CONFIRMED and attended and came:
                    arrived = event.starts_at + timedelta(minutes=self.rng.randint(-20, 25))
                    actions.check_in(code=reg.code, by=door, event=event, now=arrived)
        return regs

    def denghu(self) -> None:
        community, compound = self.community, self.compound
        resident, leader = self.persons["resident"], self.persons["building_leader"]
        rc = f"{COMMUNITY}居民委员会"
        teammate = getattr(self, "teammate", None)
        regulars = self.residents(community, n=40)
        you = [p for p in (resident, teammate) if p is not None]

        # The 邻里节 two months ago.
        opening = self.event(
            "邻里节·开幕式暨百家宴",
            rc,
            self.at(60, 17, 30),
            3,
            kind="festival",
            capacity=120,
            location="灯湖社区文化广场",
            description="邻里节开幕，各家带一道拿手菜，一起吃百家宴。",
            roles=[("摆台志愿者", 6, "16:00 到场摆桌椅"), ("摄影", 2, "")],
        )
        self.sign_up(opening, you + regulars[:28], attended=0.85)
        if opening is not None:
            self.sign_up(opening, regulars[28:33], role=opening.roles.get(name="摆台志愿者"), attended=1)
        fair = self.event(
            "邻里节·亲子游园会",
            f"{COMMUNITY}亲子成长营",
            self.at(58, 9),
            3,
            kind="festival",
            capacity=60,
            location="灯湖社区文化广场",
        )
        self.sign_up(fair, you[:1] + regulars[5:25], attended=0.8)
        dance = self.club(f"{COMMUNITY}舞蹈队")
        show = self.event(
            "邻里节·舞蹈队专场演出",
            f"{COMMUNITY}舞蹈队",
            self.at(55, 19, 30),
            2,
            kind="culture",
            club=dance,
            capacity=80,
            location="灯湖社区文化广场",
        )
        self.sign_up(show, regulars[10:40], attended=0.75)

        # The badminton team's Wednesday evenings: members only.
        badminton = self.club(f"{COMMUNITY}羽毛球队")
        if badminton is not None:
            players = self.residents(community, n=10, club=badminton)
            for days in (21, 14, 7, -2):
                evening = self.event(
                    "羽毛球队周三夜赛",
                    badminton.organisation,
                    self.at(days, 19, 30),
                    2,
                    kind="sport",
                    club=badminton,
                    audience="club",
                    capacity=16,
                    location="灯湖社区体育馆 3 号场",
                    description="双打轮转，自带球拍；球由球队提供。",
                )
                self.sign_up(evening, (you if days != 14 else you[1:]) + players[: 6 + days % 4], attended=0.9)

        lesson = self.event(
            "书法体验课（第一期）",
            f"{COMMUNITY}书画协会",
            self.at(30, 14, 30),
            2,
            kind="learning",
            capacity=15,
            location="中铁建水岸公馆“创熟”加油站 共享书屋",
            description="毛笔、宣纸和墨由书画协会提供，零基础也可以来。",
        )
        self.sign_up(lesson, regulars[:14], attended=0.8)
        if compound is not None:
            cleanup = self.event(
                "水岸公馆环境清洁日",
                D.ZTJ_VOLUNTEERS,
                self.at(20, 8, 30),
                3,
                kind="volunteering",
                audience="compound",
                audience_place=compound,
                capacity=40,
                location="中铁建水岸公馆 4 栋楼下集合",
                roles=[("清扫组", 8, "清理绿化带和楼道杂物"), ("垃圾分类宣传", 4, "在分类点讲解"), ("后勤", 2, "茶水和工具")],
            )
            neighbours = self.residents(compound, n=25)
            self.sign_up(cleanup, you + neighbours[:10], attended=0.9)
            if cleanup is not None:
                for role, people in zip(
                    cleanup.roles.order_by("id"), (neighbours[10:17], neighbours[17:21], neighbours[21:23]), strict=False
                ):
                    self.sign_up(cleanup, people, role=role, attended=0.9)
        talk = self.event(
            "长者健康讲座：夏季防暑与慢病管理",
            rc,
            self.at(12, 9, 30),
            1.5,
            kind="care",
            capacity=50,
            location="灯湖社区党群服务中心 多功能厅",
        )
        self.sign_up(talk, regulars[20:38], attended=0.7)

        # Coming up.
        created = self.now - timedelta(days=3)
        food = self.event(
            "邻里节·美食分享会",
            rc,
            self.at(-5, 18),
            2.5,
            created=created,
            kind="festival",
            capacity=12,
            location="中铁建水岸公馆“创熟”加油站 活动室",
            description="每家带一道家乡菜，12 个名额，满了可以排候补。",
        )
        self.sign_up(food, you[:1] + regulars[:14])  # full: the last three wait
        second = self.event(
            "书法体验课（第二期）",
            f"{COMMUNITY}书画协会",
            self.at(-9, 14, 30),
            2,
            created=created,
            kind="learning",
            capacity=8,
            location="中铁建水岸公馆“创熟”加油站 共享书屋",
        )
        self.sign_up(second, regulars[14:22] + you[:1])  # she waits, first in line
        if compound is not None:
            drill_by = self.persons["property_staff"]
            company = Organisation.objects.filter(kind=Organisation.Kind.PROPERTY_COMPANY, name=D.DEMO_COMPANY).first()
            if drill_by is not None and company is not None:
                drill = self.event(
                    "物业开放日·消防安全演练",
                    company,
                    self.at(-6, 10),
                    2,
                    by=drill_by,
                    created=created,
                    kind="learning",
                    audience="compound",
                    audience_place=compound,
                    capacity=60,
                    location="中铁建水岸公馆 中心花园",
                    description="灭火器使用、楼道疏散演练，物业工程部讲解。",
                )
                self.sign_up(drill, self.residents(compound, n=18))
            cleanup = self.event(
                "水岸公馆环境清洁日（下期）",
                D.ZTJ_VOLUNTEERS,
                self.at(-12, 8, 30),
                3,
                created=created,
                kind="volunteering",
                audience="compound",
                audience_place=compound,
                capacity=40,
                location="中铁建水岸公馆 4 栋楼下集合",
                roles=[("引导员", 3, "在集合点引导、签到"), ("清扫组", 8, "")],
            )
            if cleanup is not None and leader is not None:
                self.sign_up(cleanup, [leader], role=cleanup.roles.get(name="引导员"))
                self.sign_up(cleanup, self.residents(compound, n=9))
        concert = self.event(
            "合唱队社区音乐会",
            f"{COMMUNITY}合唱队",
            self.at(-20, 19, 30),
            2,
            created=created,
            kind="culture",
            club=self.club(f"{COMMUNITY}合唱队"),
            capacity=150,
            location="灯湖社区文化广场",
        )
        self.sign_up(concert, regulars[:20])
        self.event(
            "邻里节·跳蚤市场",
            rc,
            self.at(-26, 9),
            4,
            created=self.now - timedelta(hours=2),
            kind="festival",
            capacity=200,
            location="灯湖社区文化广场",
            publish=False,
            description="草稿：摊位数量待物业确认。",
        )
        film = self.event(
            "户外电影之夜",
            rc,
            self.at(-3, 19, 30),
            2.5,
            created=created,
            kind="culture",
            capacity=100,
            location="灯湖社区文化广场",
        )
        if film is not None:
            self.sign_up(film, regulars[25:35])
            cancelled_at = self.now - timedelta(hours=6)
            actions.cancel_event(film, by=self.staff, reason="天气预报有雷雨，改期另行通知。", now=cancelled_at)
            self.history.stamp(cancelled_at)
        office = Organisation.objects.filter(kind=Organisation.Kind.SUBDISTRICT_OFFICE).first()
        if office is not None:
            closing = self.event(
                "桂城街道邻里节·闭幕式",
                office,
                self.at(-15, 19),
                2,
                by=self.admin,
                created=created,
                kind="festival",
                audience="subdistrict",
                capacity=500,
                location="千灯湖公园 礼乐广场",
            )
            self.sign_up(closing, regulars[:12])

    def elsewhere(self) -> None:
        for name in OTHER_COMMUNITIES:
            community = Place.objects.filter(name=name, kind=Place.Kind.COMMUNITY).first()
            if community is None:
                continue
            rc = Organisation.objects.filter(kind=Organisation.Kind.RESIDENTS_COMMITTEE, place=community).first()
            if rc is None:
                continue
            staff = self.staff_of(community)
            people = self.residents(community, n=30)
            past = self.event(
                f"{name}邻里节·百家宴",
                rc,
                self.at(45, 17, 30),
                3,
                by=staff,
                community=community,
                capacity=80,
                location=f"{name}文化广场",
            )
            self.sign_up(past, people[:20], attended=0.8, by=staff)
            club = Club.objects.filter(organisation__name=f"{name}舞蹈队").select_related("organisation").first()
            if club is not None:
                show = self.event(
                    f"{name}舞蹈队汇报演出",
                    club.organisation,
                    self.at(15, 19, 30),
                    2,
                    by=staff,
                    community=community,
                    club=club,
                    kind="culture",
                    capacity=60,
                    location=f"{name}文化广场",
                )
                self.sign_up(show, people[10:28], attended=0.7, by=staff)
            coming = self.event(
                f"{name}长者义诊",
                rc,
                self.at(-8, 9),
                3,
                by=staff,
                community=community,
                created=self.now - timedelta(days=2),
                kind="care",
                capacity=40,
                location=f"{name}党群服务中心",
            )
            self.sign_up(coming, people[:10])

    def opt_in(self) -> int:
        """林嘉慧 and her badminton teammate from 中铁建水岸公馆 both agreed to meet neighbours."""
        people = [p for p in (self.persons["resident"], getattr(self, "teammate", None)) if p is not None]
        for person in people:
            actions.set_opt_in(person, True)
        return len(people)

    def run(self) -> dict[str, int]:
        if not self.load():
            return {}
        self.events: list[Event] = []
        clubs = self.make_clubs()
        self.join_requests()
        self.history.stamp(self.now - timedelta(days=2))
        # Fresh objects: what a person's clubs are is remembered on the object for a request.
        self.persons = demo_persons()
        teammate = getattr(self, "teammate", None)
        self.teammate = Person.objects.get(pk=teammate.pk) if teammate is not None else None
        if self.teammate is not None:
            self.demo_ids.add(self.teammate.pk)  # signed up by name where wanted, never drawn again
        self.always = {p.pk for p in (self.persons["resident"], self.teammate) if p is not None}
        self.denghu()
        self.elsewhere()
        actions.record_encounters(now=self.now)
        opted = self.opt_in()
        self.history.finish()
        ids = [e.pk for e in self.events]
        regs = Registration.objects.filter(event_id__in=ids)
        return {
            "clubs": clubs,
            "club requests": ClubJoinRequest.objects.count(),
            "events": len(ids),
            "registrations": regs.count(),
            "check-ins": regs.filter(checked_in_at__isnull=False).count(),
            "encounters": Encounter.objects.count(),
            "neighbour opt-ins": opted,
        }
