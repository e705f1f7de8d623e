"""Demo consultation topics for ``manage.py seed_demo``: fifteen topics in 灯湖社区, in every state of
the procedure, written through the real actions (``raise_topic``, ``raise_topic_from_case``,
``endorse_topic``, ``decide_topic``, ``advance_topic``) with ``now=`` set to a moment in the past, in
the order the moments happened, like ``cases.demo``.

``seed_demo`` runs every app's demo in ``INSTALLED_APPS`` order (… cases, deliberation, meetings …), so
this runs after ``cases.demo`` (a report the reporter was unsatisfied with becomes a topic) and before
``meetings.demo``, which puts the topics named in ``FOR_MEETINGS`` (and the one from a problem report)
on its agendas and moves them on through the meetings. Those topics are left taken up (or before the
residents' meeting) with their last step before the meeting's first action; ``meetings.demo`` tolerates
their absence.

灯湖社区 gets its own threshold (``THRESHOLD_HOUSEHOLDS``), so that a few households' endorsements put
a proposal on the decision list.

What the demo sign-ins find:

- 林嘉慧 (resident, 中铁建水岸公馆 4栋): her proposal for an e-bike charging shelter, one household short
  of the threshold; a neighbour's proposal she endorsed, past the threshold and on the decision list;
  the community's topics in every state, the declined one with its reason.
- 梁志坚 (leader of 4栋): endorsed her proposal; takes part as a resident in the compound's topics.
- 何俊峰 (中铁建物业): takes part in the compound's topics, in person beside the company (property staff
  hold a role for the company but are not its members, so the company's participation alone would not
  show him the topic).
- 陈慧敏 (灯湖社区): the decision list, a declined topic, a topic from a problem report, topics taken up,
  in deliberation, with an outcome published for comments, being implemented, with feedback
  published, and closed.
- 冯国栋 (sub-district): all of it.

Notifications and outbox rows the actions wrote are moved to the moment of the action that wrote them
and the SMS and e-mail marked never sent (``History``, shared with ``meetings.demo``), as ``cases.demo``
does. Audit entries are left as written.
"""

import random
from collections import defaultdict
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from cases.demo import LAST_IDS, NOT_SENT
from cases.models import Case
from cases.models import Status as CaseStatus
from core.models import Notification, OutboxMessage
from people.demo import data as D
from people.models import HouseholdMember, Organisation, Person
from places.models import Place

from . import actions
from .actions import Invitee
from .models import COMMUNITY_KINDS, Endorsement, Format, Source, Stakeholder, Status, Topic, TopicStep

COMMUNITY = "灯湖社区"
THRESHOLD_HOUSEHOLDS = 5

# Topics meetings.demo puts on its agendas, found by title in 灯湖社区 (and the one from a problem report,
# found by its source).
PARKING = "中铁建水岸公馆地下车库车位规划与访客临时停车"
ELEVATOR = "翠湖华庭老楼加装电梯"
CHARGERS = "君悦广场地下车库安装新能源汽车充电桩"
GREENING = "尚景公馆小区绿化改造"
WALKWAY = "灯湖东路休闲步道和长者座椅微改造"
FOR_MEETINGS = {
    "joint": [PARKING],  # and the topic from a problem report: the multi-party joint meeting
    "council": [ELEVATOR, CHARGERS],  # the residents' deliberation meeting next week
    "draft": [GREENING],  # the draft joint meeting
    "residents_meeting": [WALKWAY],  # the residents' meeting (居民会议)
}
# The topic from a problem report is raised this many days ago, so it can go on the joint meeting.
FROM_REPORT_DAYS = 9


class History:
    """Notifications and outbox rows written by the actions, moved to the moment of the action that
    wrote them (``stamp`` after each action); notifications older than three days read, the SMS and
    e-mail never sent (the numbers are made up, the moments past). The same as ``cases.demo`` does."""

    def __init__(self, now: datetime):
        self.now = now
        self.mark = self.last_ids()
        self.stamps: list[tuple[int, int, datetime]] = []

    @staticmethod
    def last_ids() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(LAST_IDS)
            notification, outbox = cursor.fetchone()
        return notification or 0, outbox or 0

    def stamp(self, at: datetime) -> None:
        self.stamps.append((*self.last_ids(), at))

    def finish(self) -> None:
        notification_from, outbox_from = self.mark
        read_before = self.now - timedelta(days=3)
        adapt = connection.ops.adapt_datetimefield_value
        notifications, outbox = [], []
        for notification_to, outbox_to, at in self.stamps:
            if notification_to > notification_from:
                read_at = at + timedelta(hours=2) if at < read_before else None
                notifications.append((adapt(at), adapt(read_at), notification_from, notification_to))
            if outbox_to > outbox_from:
                outbox.append((adapt(at), outbox_from, outbox_to))
            notification_from, outbox_from = max(notification_from, notification_to), max(outbox_from, outbox_to)
        with connection.cursor() as cursor:
            table = Notification._meta.db_table
            cursor.executemany(f"UPDATE {table} SET created_at = %s, read_at = %s WHERE id > %s AND id <= %s", notifications)  # noqa: S608
            table = OutboxMessage._meta.db_table
            cursor.executemany(f"UPDATE {table} SET created_at = %s WHERE id > %s AND id <= %s", outbox)  # noqa: S608
        OutboxMessage.objects.filter(id__gt=self.mark[1], status=OutboxMessage.Status.PENDING).update(
            status=OutboxMessage.Status.FAILED, last_error=NOT_SENT
        )


def local_moment(now: datetime, days_ago: float, hour: int, minute: int = 0) -> datetime:
    """The local time ``hour:minute`` on the day ``days_ago`` days before ``now`` (negative: ahead)."""
    day = timezone.localtime(now - timedelta(days=days_ago))
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def demo_persons() -> dict[str, Person | None]:
    return {a["key"]: Person.objects.filter(mobile=a["mobile"]).first() for a in D.DEMO_ACCOUNTS}


def seed(rng: random.Random, now: datetime | None = None) -> dict[str, int]:
    """Write the demo topics; returns counts for seed_demo's table (empty when 灯湖社区 is missing)."""
    return TopicDemo(rng, now or timezone.now()).run()


class TopicDemo:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.topics: list[Topic] = []

    # --- the world as seeded before ----------------------------------------------------------

    def load(self) -> bool:
        self.community = Place.objects.filter(name=COMMUNITY, kind__in=sorted(COMMUNITY_KINDS)).first()
        demo = demo_persons()
        if self.community is None or demo["community_staff"] is None:
            return False
        self.staff = demo["community_staff"]
        self.resident = demo["resident"]
        self.leader = demo["building_leader"]
        self.company_staff = demo["property_staff"]
        demo_ids = {p.pk for p in demo.values() if p is not None}
        self.compounds = {p.name: p for p in Place.objects.filter(parent=self.community, kind=Place.Kind.COMPOUND).order_by("id")}

        # Households per compound and per building: one adult with a mobile number per home, the demo
        # sign-ins' homes left out (so their endorsements count where the docstring says).
        adult = D.REFERENCE_YEAR - 18
        rows = (
            HouseholdMember.objects.filter(
                path__startswith=self.community.path,
                person__is_active=True,
                person__birth_year__lte=adult,
                person__mobile__isnull=False,
            )
            .order_by("id")
            .values_list("unit__building__parent_id", "unit__building_id", "unit_id", "person_id")
        )
        self.demo_units = set(HouseholdMember.objects.filter(person_id__in=demo_ids).values_list("unit_id", flat=True))
        seen: set[int] = set()
        self.unit_of: dict[int, int] = {}
        self.by_compound: dict[int, list[tuple[int, int]]] = defaultdict(list)  # compound → (unit, person)
        self.by_building: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for compound_id, building_id, unit_id, person_id in rows:
            if unit_id in seen or unit_id in self.demo_units or person_id in demo_ids:
                continue
            seen.add(unit_id)
            self.unit_of[person_id] = unit_id
            self.by_compound[compound_id].append((unit_id, person_id))
            self.by_building[building_id].append((unit_id, person_id))
        self.used_units: dict[int, set[int]] = defaultdict(set)  # topic → units already endorsing
        self.people: dict[int, Person] = {p.pk: p for p in demo.values() if p is not None}

        orgs = Organisation.objects.filter(path__startswith=self.community.path).order_by("id")
        self.orgs = {o.name: o for o in orgs}
        self.rc = next((o for o in orgs if o.kind == Organisation.Kind.RESIDENTS_COMMITTEE), None)
        self.party = next((o for o in orgs if o.kind == Organisation.Kind.PARTY_COMMITTEE), None)
        self.owners_committee = next((o for o in orgs if o.kind == Organisation.Kind.OWNERS_COMMITTEE), None)
        self.companies = {}
        for compound in self.compounds.values():
            self.companies[compound.name] = (
                Organisation.objects.filter(kind=Organisation.Kind.PROPERTY_COMPANY, served_places=compound)
                .order_by("id")
                .first()
            )
        self.history = History(self.now)
        return True

    def person(self, pk: int) -> Person:
        if pk not in self.people:
            self.people[pk] = Person.objects.get(pk=pk)
        return self.people[pk]

    def at(self, days_ago: float, hour: int, minute: int | None = None) -> datetime:
        return local_moment(self.now, days_ago, hour, self.rng.randrange(60) if minute is None else minute)

    def neighbours(self, pool: list[tuple[int, int]], n: int, topic: Topic | None = None) -> list[Person]:
        """``n`` persons of different households from ``pool``, none of them already endorsing ``topic``."""
        used = self.used_units[topic.pk] if topic is not None else set()
        free = [row for row in pool if row[0] not in used]
        chosen = self.rng.sample(free, min(n, len(free)))
        for unit_id, _person in chosen:
            used.add(unit_id)
        return [self.person(p) for _unit, p in chosen]

    def pool(self, compound: str) -> list[tuple[int, int]]:
        place = self.compounds.get(compound)
        return self.by_compound.get(place.pk, []) if place else []

    # --- the actions, stamped ----------------------------------------------------------------

    def raise_(self, proposer: Person, title: str, description: str, at: datetime, source: str = Source.RESIDENT) -> Topic:
        topic = actions.raise_topic(
            proposer=proposer, community=self.community, title=title, description=description, source=source, now=at
        )
        self.history.stamp(at)
        self.topics.append(topic)
        if proposer.pk in self.unit_of:  # proposing is endorsing: the proposer's household counts already
            self.used_units[topic.pk].add(self.unit_of[proposer.pk])
        return topic

    def endorse(self, topic: Topic, people: list[Person], start: datetime, end: datetime) -> None:
        span = (end - start).total_seconds()
        moments = sorted(start + timedelta(seconds=span * self.rng.random()) for _ in people)
        for person, at in zip(people, moments, strict=True):
            actions.endorse_topic(person=person, topic=topic, now=at)
            self.history.stamp(at)

    def decide(self, topic: Topic, at: datetime, participants: list[Invitee], form: str, planned_for=None) -> None:
        participants = [p for p in participants if p.organisation is not None or p.person is not None]
        actions.decide_topic(
            actor=self.staff, topic=topic, take_up=True, participants=participants, format=form, planned_for=planned_for, now=at
        )
        self.history.stamp(at)

    def decline(self, topic: Topic, at: datetime, reason: str) -> None:
        actions.decide_topic(actor=self.staff, topic=topic, take_up=False, reason=reason, now=at)
        self.history.stamp(at)

    def advance(self, topic: Topic, steps: list[tuple[datetime, str, str]]) -> None:
        for at, status, note in steps:
            actions.advance_topic(actor=self.staff, topic=topic, to_status=status, note=note, now=at)
            self.history.stamp(at)

    def org(self, name: str | None) -> Organisation | None:
        return self.orgs.get(name) if name else None

    def resident_invitees(self, people: list[Person]) -> list[Invitee]:
        return [Invitee(role=Stakeholder.RESIDENT, person=p) for p in people if p is not None]

    # --- the topics --------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        if not self.load():
            return {}
        actions.configure_deliberation(actor=self.staff, community=self.community, threshold_households=THRESHOLD_HOUSEHOLDS)
        ztj_name = D.DEMO_BUILDING[0]
        ztj_company = self.org(D.DEMO_COMPANY) or Organisation.objects.filter(name=D.DEMO_COMPANY).first()
        rc = [Invitee(role=Stakeholder.RESIDENTS_COMMITTEE, organisation=self.rc)] if self.rc else []
        ztj_party = [Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=ztj_company)] if ztj_company else []
        if self.company_staff is not None:
            ztj_party.append(Invitee(role=Stakeholder.PROPERTY_COMPANY, person=self.company_staff))
        owners = [Invitee(role=Stakeholder.OWNERS_COMMITTEE, organisation=self.owners_committee)] if self.owners_committee else []
        mutual_aid = self.org(f"{ztj_name}街坊志愿互助会")
        ztj_pool = self.pool(ztj_name)

        def company(compound: str) -> list[Invitee]:
            found = self.companies.get(compound)
            return [Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=found)] if found else []

        def social(name: str) -> list[Invitee]:
            found = self.org(name)
            return [Invitee(role=Stakeholder.SOCIAL_ORGANISATION, organisation=found)] if found else []

        # 1. Closed with feedback: a burst pipe in 嘉园雅苑 and the compound's water mains (staff topic).
        jy = "嘉园雅苑"
        topic = self.raise_(
            self.staff,
            "嘉园雅苑1栋水管爆裂后的供水管网改造",
            "嘉园雅苑1栋地下供水主管爆裂，全栋停水近两天。物业检查发现小区供水管网多处老化锈蚀，局部维修只能应急。"
            "需要协商：是否申请使用专项维修资金更换供水主管，施工期间的临时供水安排，以及费用明细的公示办法。",
            self.at(150, 10),
            source=Source.STAFF,
        )
        self.decide(
            topic, self.at(148, 15), rc + company(jy) + self.resident_invitees(self.neighbours(self.pool(jy), 2)), Format.COMPOUND
        )
        self.advance(
            topic,
            [
                (self.at(147, 9), Status.NOTICE_PUBLISHED, "协商会议通知已发给物业、居委会和住户代表，材料已在小区公告栏张贴。"),
                (self.at(144, 19), Status.DELIBERATING, ""),
                (
                    self.at(144, 21),
                    Status.OUTCOME_RECORDED,
                    "同意申请使用专项维修资金更换1栋至4栋供水主管；施工分楼栋进行，每栋停水不超过8小时，提前3天公告；"
                    "费用明细在小区公告栏和平台公示。",
                ),
                (self.at(143, 10), Status.OUTCOME_PUBLISHED, ""),
                (self.at(135, 10), Status.IMPLEMENTING, "施工单位已进场，先施工1栋。"),
                (
                    self.at(82, 16),
                    Status.FEEDBACK_PUBLISHED,
                    "四栋楼的供水主管已全部更换（约380米），每次停水均未超过8小时。维修资金使用明细已公示，"
                    "验收报告存档于社区。完工后未再发生爆管。",
                ),
                (self.at(75, 10), Status.CLOSED, ""),
            ],
        )

        # 2. Feedback published: shared bikes piling up at the gates along 灯湖东路 (staff topic).
        topic = self.raise_(
            self.staff,
            "灯湖东路沿线小区门口共享单车乱停整治",
            "灯湖东路沿线几个小区门口共享单车堆放严重，占用人行道和盲道，居民多次反映。拟与共享单车企业、"
            "城管中队和各小区物业协商：划定停放区、定时调度清运、违规停放的处理办法。",
            self.at(100, 9),
            source=Source.STAFF,
        )
        gates = rc + company(ztj_name)[:1] + company("颐和名苑") + company("君悦广场")
        self.decide(topic, self.at(97, 16), gates, Format.HEARING)
        self.advance(
            topic,
            [
                (self.at(96, 10), Status.NOTICE_PUBLISHED, ""),
                (self.at(90, 15), Status.DELIBERATING, ""),
                (
                    self.at(88, 17),
                    Status.OUTCOME_RECORDED,
                    "在灯湖东路沿线划定6处共享单车停放区，企业每天早晚两次调度清运；各小区物业每天巡查门口，"
                    "乱停车辆拍照推送企业，2小时内清走。",
                ),
                (self.at(87, 10), Status.OUTCOME_PUBLISHED, ""),
                (self.at(78, 9), Status.IMPLEMENTING, ""),
                (
                    self.at(3, 11),
                    Status.FEEDBACK_PUBLISHED,
                    "6处停放区已划线启用，企业按约定每天调度两次。近一个月居民反映同类问题由每周十余次降至两次，请大家继续监督。",
                ),
            ],
        )

        # 3. The residents' meeting's topic (meetings.demo holds the meeting): a walkway on 灯湖东路.
        topic = self.raise_(
            self.staff,
            WALKWAY,
            "使用社区民生微实事资金，改造灯湖东路沿线的人行步道：铺设防滑透水砖，每隔50米增设带靠背和扶手的长者座椅，"
            "并补种行道树。项目涉及全体居民，需听取各居民小组的意见。",
            self.at(80, 10),
            source=Source.STAFF,
        )
        self.decide(
            topic,
            self.at(76, 15),
            rc + social("灯湖社区长者互助小组") + social("灯湖社区环保志愿小队"),
            Format.REPRESENTATIVES_MEETING,
        )
        self.advance(
            topic,
            [
                (self.at(75, 10), Status.NOTICE_PUBLISHED, ""),
                (self.at(66, 19), Status.DELIBERATING, ""),
                (
                    self.at(52, 10),
                    Status.RESIDENTS_MEETING,
                    "项目使用社区民生微实事资金，涉及全体居民利益，须提请居民会议讨论决定（城市居民委员会组织法第十条）。",
                ),
            ],
        )

        # 4. Being implemented: motion-sensor lights in 嘉园雅苑's stairwells (a resident's proposal).
        jy_pool = self.pool(jy)
        proposer = self.neighbours(jy_pool, 1)
        if proposer:
            topic = self.raise_(
                proposer[0],
                "嘉园雅苑楼道声控灯更换为感应LED灯",
                "楼道里的老式声控灯经常不亮，要大声跺脚才亮，老人晚上上下楼很不安全。建议全部更换为人体感应LED灯，"
                "并在每层楼梯口加装夜间常亮的低亮度指示灯。",
                self.at(75, 20),
            )
            self.endorse(topic, self.neighbours(jy_pool, 6, topic), self.at(74, 8), self.at(68, 21))
            self.decide(topic, self.at(66, 10), rc + company(jy) + self.resident_invitees(proposer), Format.COMPOUND)
            self.advance(
                topic,
                [
                    (self.at(65, 10), Status.NOTICE_PUBLISHED, ""),
                    (self.at(60, 19), Status.DELIBERATING, ""),
                    (
                        self.at(60, 21),
                        Status.OUTCOME_RECORDED,
                        "物业负责更换全部楼道灯具，费用从公共收益中列支；每层楼梯口加装夜间指示灯；完工后一个月内回访住户。",
                    ),
                    (self.at(59, 10), Status.OUTCOME_PUBLISHED, ""),
                    (self.at(50, 9), Status.IMPLEMENTING, "1栋、2栋已更换完毕，3栋、4栋下月施工。"),
                ],
            )

        # 5. Declined, with the reason: a car park on the central garden of 君悦广场.
        jy_name = "君悦广场"
        jy_pool2 = self.pool(jy_name)
        proposer = self.neighbours(jy_pool2, 1)
        if proposer:
            topic = self.raise_(
                proposer[0],
                "君悦广场中心花园部分改建为收费停车位",
                "小区车位严重不足，晚上很多车停在消防通道上。建议把中心花园靠近北门的一半草地改成20个左右的收费停车位，"
                "收入用于小区公共设施维修。",
                self.at(45, 21),
            )
            self.endorse(topic, self.neighbours(jy_pool2, 2, topic), self.at(44, 8), self.at(40, 21))
            self.decline(
                topic,
                self.at(38, 15),
                "中心花园是小区业主共有的绿地，改变用途须由业主依法共同决定（民法典第二百七十八条），也不符合小区规划，"
                "社区不作为协商议题立项。已请物业研究地下车库错峰共享停车和消防通道违停整治，并在联席会议上通报。",
            )

        # 6. In deliberation (online): a dog-keeping convention for 君悦广场.
        proposer = self.neighbours(jy_pool2, 1)
        if proposer:
            topic = self.raise_(
                proposer[0],
                "君悦广场文明养犬公约",
                "小区养狗的住户越来越多，遛狗不拴绳、狗粪不清理、夜间犬吠的问题反映了很多次。建议住户一起制定小区文明养犬公约："
                "遛狗必须拴绳，电梯内抱犬或使用短绳，设置宠物便便箱，并明确违反公约时的劝导办法。",
                self.at(35, 20),
            )
            self.endorse(topic, self.neighbours(jy_pool2, 5, topic), self.at(34, 8), self.at(27, 21))
            self.decide(
                topic,
                self.at(24, 10),
                rc + company(jy_name) + social("灯湖社区文明养犬小组") + self.resident_invitees(proposer),
                Format.ONLINE,
            )
            self.advance(topic, [(self.at(23, 10), Status.NOTICE_PUBLISHED, ""), (self.at(21, 9), Status.DELIBERATING, "")])

        # 7. Outcome published for comments: longer opening hours of the shared book corner (ztj venue).
        proposer = self.neighbours(ztj_pool, 1)
        if proposer:
            topic = self.raise_(
                proposer[0],
                "共享书屋周末和晚间延长开放时间",
                "中铁建水岸公馆“创熟”加油站的共享书屋现在只在工作日白天开放，上班族和学生基本用不上。建议周末全天开放、"
                "工作日晚上开放到21:00，由青年志愿服务队和街坊互助会的志愿者轮流值班。",
                self.at(28, 21),
            )
            self.endorse(topic, self.neighbours(ztj_pool, 5, topic), self.at(27, 8), self.at(22, 21))
            self.decide(
                topic,
                self.at(20, 10),
                rc
                + social("灯湖社区青年志愿服务队")
                + ([Invitee(Stakeholder.SOCIAL_ORGANISATION, mutual_aid)] if mutual_aid else []),
                Format.ONLINE,
            )
            self.advance(
                topic,
                [
                    (self.at(19, 10), Status.NOTICE_PUBLISHED, ""),
                    (self.at(18, 9), Status.DELIBERATING, ""),
                    (
                        self.at(4, 17),
                        Status.OUTCOME_RECORDED,
                        "共享书屋周六、周日9:00–21:00开放，工作日延长至21:00；志愿者按月排班，由青年志愿服务队协调，"
                        "试行三个月后评估。",
                    ),
                    (local_moment(self.now, 2, 10, 0), Status.OUTCOME_PUBLISHED, ""),
                ],
            )

        # 8. For the joint meeting: parking in ztj's underground car park (staff topic).
        topic = self.raise_(
            self.staff,
            PARKING,
            "小区地下车库约120个车位尚未售出或出租，访客车辆又经常占用消防通道和人行道。拟协商：未售车位的出租办法"
            "和价格公示，划定访客临时车位，消防通道违停的处理流程。",
            self.at(14, 10),
            source=Source.STAFF,
        )
        joint = rc + ([Invitee(Stakeholder.RESIDENTS_COMMITTEE, self.party)] if self.party else []) + ztj_party + owners
        joint += ([Invitee(Stakeholder.SOCIAL_ORGANISATION, mutual_aid)] if mutual_aid else []) + self.resident_invitees(
            [self.leader]
        )
        self.decide(topic, self.at(12, 16), joint, Format.COMPOUND, planned_for=local_moment(self.now, 4, 19, 30))

        # 9. From a problem report the reporter was unsatisfied with (flagged for the joint meeting).
        self.from_report(joint)

        # 10. For the residents' deliberation meeting next week: a lift for an old block of 翠湖华庭.
        ch = "翠湖华庭"
        place = self.compounds.get(ch)
        blocks = sorted(
            (b for b in Place.objects.filter(parent=place, kind=Place.Kind.BUILDING) if self.by_building.get(b.pk))
            if place
            else [],
            key=lambda b: (-len(self.by_building[b.pk]), b.pk),
        )
        if blocks:
            block = blocks[0]
            proposer = self.neighbours(self.by_building[block.pk], 1)
            topic = self.raise_(
                proposer[0],
                ELEVATOR,
                f"{block.name}是没有电梯的老楼，楼里住了十几位七十岁以上的老人，上下楼非常困难。希望社区牵头协调加装电梯："
                "征求全体业主意见，申请既有住宅加装电梯财政补贴，商量各楼层的出资比例和低层住户的补偿。",
                self.at(30, 20),
            )
            same_block = self.neighbours(self.by_building[block.pk], 4, topic)
            others = self.neighbours(self.pool(ch), 3, topic)
            self.endorse(topic, same_block + others, self.at(29, 8), self.at(15, 21))
            self.decide(
                topic,
                self.at(10, 15),
                rc + company(ch) + self.resident_invitees(proposer + same_block[:2]),
                Format.OWNERS,
                planned_for=local_moment(self.now, -6, 19, 30),
            )

        # 11. Also for next week: chargers for electric cars in 君悦广场.
        proposer = self.neighbours(jy_pool2, 1)
        if proposer:
            topic = self.raise_(
                proposer[0],
                CHARGERS,
                "小区里开新能源车的业主越来越多，但地下车库没有一个公共充电桩，申请私人充电桩也因为电力容量不够被物业拒绝。"
                "建议物业向供电部门申请增容，在地下车库统一安装一批公共充电桩，并制定充电区的消防安全管理办法。",
                self.at(25, 21),
            )
            self.endorse(topic, self.neighbours(jy_pool2, 5, topic), self.at(24, 8), self.at(12, 21))
            self.decide(
                topic,
                self.at(8, 10),
                rc + company(jy_name) + self.resident_invitees(proposer),
                Format.COMPOUND,
                planned_for=local_moment(self.now, -6, 19, 30),
            )

        # 12. Taken up, its meeting still a draft: greening in 尚景公馆 (staff topic).
        sj = "尚景公馆"
        topic = self.raise_(
            self.staff,
            GREENING,
            "小区建成多年，中心花园的草坪大片枯死，部分树木遮挡低层住户采光，雨天步道积水。拟结合社区微改造协商绿化改造方案："
            "补种草皮和灌木，修剪遮光树木，改造步道排水，并听取低层住户和养宠住户的意见。",
            self.at(6, 10),
            source=Source.STAFF,
        )
        self.decide(topic, self.at(5, 16), rc + company(sj) + social("灯湖社区环保志愿小队"), Format.COMPOUND)

        # 13. On the decision list: moving the sorting point away from the windows of ztj's 2栋 and 3栋.
        ztj = self.compounds.get(ztj_name)
        near_blocks = Place.objects.filter(parent=ztj, name__in=["2栋", "3栋"]) if ztj else []
        near = [r for b in near_blocks for r in self.by_building[b.pk]]
        proposer = self.neighbours(near or ztj_pool, 1)
        if proposer:
            topic = self.raise_(
                proposer[0],
                "2栋与3栋之间的垃圾分类投放点移位并加装洗手池",
                "现在的垃圾分类投放点紧贴2栋和3栋低层住户的窗户，夏天异味和蚊蝇很严重，晚上清运的噪音也影响休息。"
                "建议把投放点移到靠近小区东门的绿化带旁，加装洗手池和照明，定时定点投放时间调整为早7:00–9:00、晚18:30–21:00。",
                self.at(11, 21),
            )
            endorsers = [self.resident] if self.resident is not None else []
            endorsers += self.neighbours(ztj_pool, 6 - len(endorsers), topic)
            self.endorse(topic, endorsers, self.at(10, 8), self.at(3, 21))

        # 14. One household short of the threshold: 林嘉慧's e-bike charging shelter.
        if self.resident is not None:
            topic = self.raise_(
                self.resident,
                "中铁建水岸公馆增设电动自行车集中充电棚",
                "小区电动自行车越来越多，不少邻居把车推进电梯、在楼道飞线充电，消防隐患很大。建议在5栋和6栋之间的空地"
                "建设带智能充电桩的集中充电棚，扫码计费，由物业统一管理；同时在各楼栋大堂张贴禁止电动车进电梯的提示。",
                self.at(16, 20),
            )
            endorsers = ([self.leader] if self.leader is not None else []) + self.neighbours(ztj_pool, 2, topic)
            self.endorse(topic, endorsers[: THRESHOLD_HOUSEHOLDS - 2], self.at(15, 8), self.at(2, 21))

        # 15. Just raised, a few endorsements: benches in 颐和名苑's garden.
        yh_pool = self.pool("颐和名苑")
        proposer = self.neighbours(yh_pool, 1)
        if proposer:
            topic = self.raise_(
                proposer[0],
                "颐和名苑中心花园增设长者休息座椅和扶手",
                "小区老人多，每天早晚在中心花园散步，但花园里只有两张石凳，没有靠背和扶手，老人走累了没地方坐。"
                "建议沿步道增设6至8张带靠背和扶手的休息座椅，并在台阶处加装扶手。",
                self.at(4, 20),
            )
            self.endorse(topic, self.neighbours(yh_pool, 1, topic), self.at(3, 8), self.at(2, 21))

        self.history.finish()
        ids = [t.pk for t in self.topics]
        return {
            "topics": len(ids),
            "topic steps": TopicStep.objects.filter(topic_id__in=ids).count(),
            "endorsements": Endorsement.objects.filter(topic_id__in=ids).count(),
        }

    def from_report(self, participants: list[Invitee]) -> Topic | None:
        """A report in 灯湖社区 the reporter rated unsatisfied (confirmed, flagged ``needs_meeting``) becomes
        a topic for the joint meeting; the report's history is over before the topic is raised. One in
        the demo compound first."""
        raised = self.at(FROM_REPORT_DAYS, 10)
        candidates = (
            Case.objects.filter(path__startswith=self.community.path, needs_meeting=True, status=CaseStatus.CONFIRMED)
            .annotate(last=Max("events__at"))
            .filter(last__lt=raised - timedelta(hours=1))
            .select_related("category", "place", "reporter")
            .order_by("id")
        )
        ztj = self.compounds.get(D.DEMO_BUILDING[0])
        ranked = sorted(candidates, key=lambda c: (not (ztj and c.path.startswith(ztj.path)), c.pk))
        case = next((c for c in ranked if actions.case_grounds(c)), None)
        if case is None:
            return None
        where = case.place.name if case.place.kind == Place.Kind.COMPOUND else f"{case.place.parent.name}{case.place.name}"
        topic = actions.raise_topic_from_case(
            actor=self.staff,
            case=case,
            title=f"{where}：{case.category.name}问题反复发生的处理",
            description=f"{case.description}\n\n反映人对处理结果不满意。需要物业、楼长和住户代表一起商量解决办法，形成可执行的决定。",
            now=raised,
        )
        self.history.stamp(raised)
        self.topics.append(topic)
        invitees = list(participants)
        if case.reporter is not None and case.reporter.is_active and all(i.person != case.reporter for i in invitees):
            invitees.append(Invitee(role=Stakeholder.RESIDENT, person=case.reporter))
        self.decide(topic, raised + timedelta(hours=5), invitees, Format.COMPOUND, planned_for=local_moment(self.now, 4, 19, 30))
        return topic
