"""Demo problem reports for ``manage.py seed_demo``: a few hundred cases over the last 60 days.

``seed_demo`` calls ``seed(rng, now)`` after the people generator, in the same transaction. Every case
goes through the real actions (``submit_case``, ``transition_case``, ``comment_on_case``,
``support_case``, ``rate_case``) with ``now=`` set to a moment in the past, in the order the moments
happened, and the escalation sweep (``escalate_due_cases``) runs every three hours of that history in
between. So routing, deadlines, first-response and resolution times, escalation steps, "me too"
counts and the joint-meeting flag are what the application computed, not made up.

What the demo sign-ins find (中铁建水岸公馆, 灯湖社区):

- 林嘉慧 (resident, 4栋): four reports of her own: one resolved and waiting for her rating, one in
  progress, one rated long ago, one just reported; neighbours' public reports she can "me too".
- 梁志坚 (leader of 4栋): open cases in his building, one of them long overdue (escalated).
- 何俊峰 (中铁建物业): the company's cases in the compound.
- 陈慧敏 (灯湖社区): cases escalated to the community, one emergency, cases for the joint meeting.

Only what an action cannot backdate is backdated afterwards: ``support_case`` takes no ``now`` (its
``Supporter`` row and timeline entry are moved to their moment), and notifications and outbox rows
get their ``created_at`` from ``auto_now_add`` (moved to the moment of the action that wrote them).
Audit entries are left as written: the audit log is append-only and records when seeding wrote them.

The SMS the history queued (an emergency, resolved and rejected reports, escalations) were never
sent and never will be: the numbers are made up and the moments are past. They stay in the outbox as
``failed`` with the reason, so the delivery task the commit triggers skips them (no console flood)
and nobody mistakes them for messages that reached a phone.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import import_module

from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone

from core.models import Notification, OutboxMessage
from people.demo import data as D
from people.models import HouseholdMember, Organisation, Person, Role, RoleAssignment
from places.models import Place, Unit, ancestor_paths

from . import actions
from .models import OPEN_STATUSES, Case, CaseEvent, Category, Channel, Level, Location, Rating, Supporter

WINDOW_DAYS = 60
SWEEP_EVERY = timedelta(hours=3)
# Random cases: in 中铁建水岸公馆 (besides the hand-made ones), elsewhere in 灯湖社区, and in this many
# other compounds and villages of the sub-district.
ZTJ_CASES = 30
DENGHU_CASES = 50
OTHER_CASES = 200
OTHER_AREAS = 70
MERGED_DUPLICATES = 8
NOT_SENT = "not sent: demo history written by seed_demo (made-up numbers, past moments)"

# How often each category is reported (the article's seven first).
CATEGORY_WEIGHTS = {
    "littering": 12,
    "thrown-from-height": 4,
    "ebike-in-corridor": 8,
    "clutter": 9,
    "pets": 8,
    "noise": 9,
    "water-pipes": 7,
    "facilities": 14,
    "greening": 4,
    "fire-safety": 4,
    "security": 4,
    "dispute": 4,
    "inquiry": 5,
    "other": 4,
}
# Categories about a public area, reported at the compound rather than a building now and then.
COMPOUND_LEVEL = {"littering", "pets", "greening", "security", "facilities", "other", "clutter"}
# Categories about one's own home: reported with the unit now and then.
AT_HOME = {"water-pipes", "noise", "dispute"}

DESCRIPTIONS = {
    "littering": [
        "{b}楼下垃圾桶旁边经常有人乱扔垃圾袋，天气热很臭，希望加强清运和提醒。",
        "{b}{f}楼楼梯间有人随手扔外卖盒和烟头，好几天没人清理。",
        "小区中心花园草地上很多饮料瓶和纸巾，周末尤其严重。",
        "垃圾分类点的厨余垃圾桶满了溢出来，招了很多苍蝇。",
    ],
    "thrown-from-height": [
        "今天早上{b}楼下发现从高处扔下的一袋垃圾，差点砸到小孩，请查一下监控。",
        "{b}有住户从窗口往下倒水、扔烟头，楼下晾的衣服被弄脏了。",
        "{b}楼下停的车被高处掉下的花盆砸坏了挡风玻璃。",
    ],
    "ebike-in-corridor": [
        "{b}{f}楼有人把电动车推上楼，在楼道里拉线充电，很危险。",
        "{b}电梯里经常有电动车，电梯口还有飞线充电，请尽快处理。",
        "{b}一楼大堂晚上停满电动车，有人从窗口拉插线板充电。",
    ],
    "clutter": [
        "{b}{f}楼消防通道堆满纸箱和旧家具，已经影响通行。",
        "{b}一楼大堂被人长期放了几辆旧自行车和杂物，希望清理。",
        "{b}{f}楼走廊有住户放了鞋柜和花盆，推婴儿车过不去。",
    ],
    "pets": [
        "{b}附近草地上狗粪很多，养狗的邻居不清理，小孩没法玩。",
        "有邻居遛狗不拴绳，在{b}门口吓到老人。",
        "{b}{f}楼有住户养了几只狗，白天一直叫，楼道也有异味。",
    ],
    "noise": [
        "{b}{f}楼晚上十一点后还在装修敲打，影响休息。",
        "楼上住户每天深夜拖动家具、小孩跑跳，沟通过没有改善。",
        "{b}楼下广场舞音响开得太大，晚上九点半以后还没停。",
    ],
    "water-pipes": [
        "家里厨房水管接口漏水，楼下邻居天花板都湿了。",
        "{b}{f}楼管道井里的供水管爆裂，楼道都是水。",
        "{b}外墙水管老化渗水，墙面长期潮湿发霉。",
    ],
    "facilities": [
        "{b}{f}楼楼道灯坏了一个多星期，晚上很黑，老人上下楼不安全。",
        "{b}电梯经常停在半层，按钮失灵，请尽快检修。",
        "小区健身器材有一个螺丝松了，摇晃得厉害，怕伤到人。",
        "{b}单元门门禁坏了，门一直关不上。",
        "{b}信报箱损坏，信件经常丢失。",
    ],
    "greening": [
        "{b}旁边的树枝长得太密，挡住了二楼窗户，也招蚊虫，建议修剪。",
        "中心花园的草坪有几块枯死了，建议补种。",
        "建议在{b}门口空地种几棵树，夏天太晒了。",
    ],
    "fire-safety": [
        "{b}{f}楼消防栓箱的门锁坏了，里面的水带不见了。",
        "{b}楼道的灭火器过期了，压力表指针在红区。",
        "地下车库的消防通道被车堵住，好几天了。",
    ],
    "security": [
        "最近{b}楼下有陌生人晚上徘徊，有几户快递被拿走。",
        "小区后门门禁常开，外人随便进出。",
        "{b}楼下的监控摄像头坏了，晚上看不到。",
    ],
    "dispute": [
        "楼上邻居空调外机滴水，正好滴在我家阳台上，沟通不了，请帮忙调解。",
        "邻居在{b}{f}楼公共走廊装了鞋柜占地方，协商没有结果。",
        "楼上卫生间渗水到我家，对方不肯维修，请社区帮忙调解。",
    ],
    "inquiry": [
        "想咨询一下老旧小区加装电梯的补贴政策和申请流程。",
        "请问新生儿入户需要到社区开什么证明？",
        "长者饭堂怎么报名？家里老人八十岁了。",
        "请问居住证到期了在哪里续签？",
    ],
    "other": [
        "小区门口的共享单车乱停，挡住了人行道。",
        "{b}附近的路面有个坑，下雨天积水，骑车容易摔。",
        "小区里有流浪猫受伤了，有没有志愿者可以帮忙？",
    ],
}
RESOLUTIONS = {
    "littering": ["已安排保洁清理，增加了清运频次，并在垃圾点张贴了提醒。", "已清理，垃圾点加装了监控提示牌。"],
    "thrown-from-height": ["已调取监控找到相关住户并上门劝导，楼内张贴了禁止高空抛物的告示。"],
    "ebike-in-corridor": ["已上门劝导车主把电动车停到集中充电棚，飞线已拆除。", "已联合社区上门宣传，电动车已移走。"],
    "clutter": ["已通知相关住户，杂物已清理，消防通道恢复畅通。", "住户已自行搬走杂物，我们会定期巡查。"],
    "pets": ["互助会志愿者已上门沟通，养犬户承诺拴绳遛狗并及时清理。", "已在草地旁加装宠物便便箱和提示牌。"],
    "noise": ["已联系相关住户，约定晚上十点后不再施工。", "已上门沟通，对方表示会注意减少噪音。"],
    "water-pipes": ["维修师傅已更换老化管段，恢复供水，请留意是否还有渗漏。", "已关阀抢修，漏点已处理好。"],
    "facilities": ["已维修完毕，经测试可以正常使用。", "已更换新配件，恢复正常。"],
    "greening": ["已安排园林工人修剪。", "已补种草皮，请大家爱护。"],
    "fire-safety": ["已更换灭火器，补齐消防器材，并做了巡查登记。", "已清理消防通道，张贴了禁止停车标识。"],
    "security": ["已加强夜间巡逻，门禁已修复，并提醒住户注意。"],
    "dispute": ["社区调解员组织双方面谈，已达成一致。", "双方在居民议事厅协商，约定了维修费用分担。"],
    "inquiry": ["已电话答复，并把政策文件发给了居民。", "已答复：带户口本和出生证明到社区服务中心办理。"],
    "other": ["已联系相关单位处理完毕。", "已转交相关部门并处理。"],
}
ACCEPT_NOTES = ["", "", "收到，马上安排。", "收到，今天安排人去现场看。"]
PROGRESS = ["师傅已经看过现场，需要订配件，预计三天内处理。", "已经通知相关住户，正在跟进。", "已上报社区，正在协调。"]
INTERNAL = ["涉及住户较难沟通，需要社区协助。", "已拍照存档。", "需要业主委员会同意动用维修资金。"]
FOLLOW_UPS = ["请问什么时候能处理？", "问题还在，麻烦再看一下。", "今天又出现了，拍了照片。"]
REJECT_REASONS = [
    "经核实不属于物业服务范围，已告知居民向相关部门反映。",
    "现场查看未发现所述问题。",
    "属于业主家中私人设施，请自行联系维修。",
]
REOPEN_REASONS = ["处理后没几天又出现了同样的问题。", "只是暂时处理，问题没有根本解决。"]
RATING_NOTES = {
    Rating.SATISFIED: ["处理很及时，谢谢！", "", "师傅很负责。"],
    Rating.BASIC: ["解决了，但是慢了一点。", ""],
    Rating.UNSATISFIED: ["拖了很久才处理，而且没有彻底解决。", "处理态度不好，问题还在。"],
}
LAST_IDS = f"""SELECT (SELECT MAX(id) FROM {Notification._meta.db_table}),
    (SELECT MAX(id) FROM {OutboxMessage._meta.db_table})"""  # noqa: S608 (table names, no input)
MERGE_NOTE = "与已有的报告重复，已合并。"


@dataclass
class Step:
    at: datetime
    kind: str  # transition, comment, support, rate
    who: object  # "handler", "rejecter", "manager", "reporter", or a Person
    action: str = ""
    note: str = ""
    public: bool = True
    rating: str = ""
    target: "Plan | None" = None


@dataclass(eq=False)
class Plan:
    place: Place
    area: Place
    category: Category | None  # None: its category is switched off; the plan never runs
    reporter: int  # person id
    created: datetime
    description: str
    location: str = Location.BUILDING
    unit: int | None = None
    details: dict = field(default_factory=dict)
    channel: str = Channel.APP
    recorded: bool = False  # on the phone or in person, recorded by a leader or community staff
    steps: list[Step] = field(default_factory=list)
    key: int = 0  # its place in the plan: picks, deterministically, who of several acts on it
    case_id: int | None = None

    def first_close(self) -> datetime | None:
        closing = [s.at for s in self.steps if s.action in ("resolve", "reject", "merge")]
        return min(closing) if closing else None


def seed(rng: random.Random, now: datetime | None = None) -> dict[str, int]:
    """Write the demo cases; returns counts for seed_demo's table."""
    return CaseDemo(rng, now or timezone.now()).run()


class CaseDemo:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.start = now - timedelta(days=WINDOW_DAYS)
        self.plans: list[Plan] = []
        self.stamps: list[tuple[int, int, datetime]] = []  # (notification id, outbox id, moment) after each step
        self.cases: dict[int, Case] = {}  # read once, kept up to date by the actions and after each sweep
        self.supported: list[tuple[int, int, datetime]] = []  # (case, person, moment)

    # --- the world as seeded by people.demo --------------------------------------------------

    def load(self) -> None:
        if not Category.objects.exists():
            # ``manage.py flush`` (and a transactional test) empties what migrations wrote: the defaults back.
            import_module("cases.migrations.0002_seed_categories").seed(django_apps, None)
        self.categories = {c.code: c for c in Category.objects.filter(active=True, place__isnull=True)}
        self.places = {p.pk: p for p in Place.objects.all()}
        self.area_of: dict[int, Place] = {}
        for p in self.places.values():
            if p.kind in (Place.Kind.BUILDING, Place.Kind.COMPOUND, Place.Kind.LANE, Place.Kind.STREET):
                chain = [self.places[i] for i in p.ancestor_ids]
                compounds = [a for a in chain if a.kind == Place.Kind.COMPOUND]
                communities = [a for a in chain if a.kind in (Place.Kind.COMMUNITY, Place.Kind.VILLAGE)]
                if compounds or communities:
                    self.area_of[p.pk] = (compounds or communities)[-1]
        self.buildings_in: dict[int, list[Place]] = defaultdict(list)
        for p in self.places.values():
            if p.kind == Place.Kind.BUILDING and p.pk in self.area_of:
                self.buildings_in[self.area_of[p.pk].pk].append(p)

        # Adults with a mobile number, per building: who reports and who says "me too".
        adult = D.REFERENCE_YEAR - 18
        rows = HouseholdMember.objects.filter(person__is_active=True, person__birth_year__lte=adult).values_list(
            "unit__building_id", "unit_id", "person_id", "person__mobile"
        )
        self.residents: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)  # building → (person, unit, has mobile)
        for building_id, unit_id, person_id, mobile in rows.order_by("id"):
            self.residents[building_id].append((person_id, unit_id, bool(mobile)))

        self.people: dict[int, Person] = {}
        self.demo = {a["key"]: Person.objects.get(mobile=a["mobile"]) for a in D.DEMO_ACCOUNTS}
        for person in self.demo.values():
            self.people[person.pk] = person

        # Who acts: leaders by the place they lead, community staff by community, property staff by company.
        self.leaders: dict[str, list[int]] = defaultdict(list)
        self.staff: dict[str, list[int]] = defaultdict(list)
        self.company_staff: list[tuple[int, str, int]] = []
        self.admins: list[int] = []
        grants = RoleAssignment.objects.active().order_by("id").values_list("role", "path", "organisation_id", "person_id")
        for role, path, org_id, person_id in grants:
            if role in (Role.BUILDING_LEADER, Role.LANE_LEADER, Role.STREET_LEADER):
                self.leaders[path].append(person_id)
            elif role == Role.COMMUNITY_STAFF:
                self.staff[path].append(person_id)
            elif role == Role.PROPERTY_STAFF and org_id:
                self.company_staff.append((org_id, path, person_id))
            elif role == Role.SUBDISTRICT_ADMIN:
                self.admins.append(person_id)
        self.companies = set(Organisation.objects.filter(kind=Organisation.Kind.PROPERTY_COMPANY).values_list("pk", flat=True))
        self.demo_ids = {p.pk for p in self.demo.values()}
        self.home_unit = self.demo["resident"].households.get().unit_id
        self.home_building = self.places[Unit.objects.get(pk=self.home_unit).building_id]
        self.ztj = self.places[self.home_building.parent_id]
        self.denghu = self.places[self.ztj.parent_id]

    def person(self, pk: int) -> Person:
        # One instance per person: the access policy keeps what it loaded on the instance.
        if pk not in self.people:
            self.people[pk] = Person.objects.get(pk=pk)
        return self.people[pk]

    def preload(self, pks) -> None:
        missing = [pk for pk in set(pks) if pk not in self.people]
        self.people.update(Person.objects.in_bulk(missing))

    # --- small generators --------------------------------------------------------------------

    def moment(self, days_ago: float, hour: int | None = None, minute: int | None = None) -> datetime:
        """A local time ``days_ago`` days before now, at ``hour`` (else during the waking day)."""
        day = timezone.localtime(self.now - timedelta(days=days_ago))
        hour = self.rng.randint(7, 21) if hour is None else hour
        minute = self.rng.randrange(60) if minute is None else minute
        return day.replace(hour=hour, minute=minute, second=0, microsecond=0)

    def office(self, t: datetime) -> datetime:
        """Staff answer between 8:00 and 21:00: a moment outside that moves to the next morning."""
        local = timezone.localtime(t)
        if local.hour < 8:
            return local.replace(hour=8, minute=self.rng.randrange(5, 55))
        if local.hour >= 21:
            return (local + timedelta(days=1)).replace(hour=8, minute=self.rng.randrange(5, 55))
        return local

    def text(self, template: str, building: Place | None) -> str:
        name = building.name if building is not None and building.kind == Place.Kind.BUILDING else ""
        return template.format(b=name, f=self.rng.randint(2, 18))

    def random_category(self) -> Category:
        codes = [c for c in CATEGORY_WEIGHTS if c in self.categories]
        codes += sorted(c for c in self.categories if c not in CATEGORY_WEIGHTS and c != "emergency")
        weights = [CATEGORY_WEIGHTS.get(c, 2) for c in codes]
        return self.categories[self.rng.choices(codes, weights)[0]] if codes else None

    def details_for(self, category: Category) -> dict:
        answers = {}
        for question in category.attributes:
            values = [v["key"] for v in question.get("values", [])]
            if values:
                answers[question["code"]] = self.rng.choice(values)
            elif question.get("datatype") == "number":
                answers[question["code"]] = str(self.rng.randint(1, 18))
        return answers

    # --- planning ----------------------------------------------------------------------------

    def plan(self) -> None:
        self.plan_demo_accounts()
        ztj_buildings = self.buildings_in[self.ztj.pk]
        for _ in range(ZTJ_CASES):
            self.random_plan(self.ztj, ztj_buildings)
        denghu_areas = sorted(
            (a for a in {self.area_of[b[0].pk] for b in self.buildings_in.values() if b} if a.path.startswith(self.denghu.path)),
            key=lambda a: a.pk,
        )
        denghu_areas = [a for a in denghu_areas if a.pk != self.ztj.pk]
        for _ in range(DENGHU_CASES):
            area = self.rng.choice(denghu_areas)
            self.random_plan(area, self.buildings_in[area.pk])
        others = sorted(
            (self.places[pk] for pk, b in self.buildings_in.items() if not self.places[pk].path.startswith(self.denghu.path)),
            key=lambda a: a.pk,
        )
        chosen = self.rng.sample(others, min(OTHER_AREAS, len(others)))
        weights = [len(self.buildings_in[a.pk]) ** 0.5 for a in chosen]
        for _ in range(OTHER_CASES):
            area = self.rng.choices(chosen, weights)[0]
            self.random_plan(area, self.buildings_in[area.pk])
        self.plan_duplicates()

    def random_plan(self, area: Place, buildings: list[Place]) -> Plan | None:
        rng = self.rng
        category = self.random_category()
        if category is None:
            return None
        building = rng.choice(buildings)
        # The demo sign-ins report only their hand-made cases (so "my reports" stays what the docstring says).
        people = [r for r in self.residents.get(building.pk, []) if r[2] and r[0] not in self.demo_ids]
        if not people:
            return None
        person_id, unit_id, _ = rng.choice(people)
        place, location, unit = building, Location.BUILDING, None
        if category.code in COMPOUND_LEVEL and area.kind == Place.Kind.COMPOUND and rng.random() < 0.3:
            place, location = area, Location.PUBLIC
        elif category.code in AT_HOME and rng.random() < 0.5:
            location, unit = Location.UNIT, unit_id
        created = min(self.moment(WINDOW_DAYS * rng.random() ** 0.9), self.now - timedelta(minutes=rng.randint(20, 600)))
        plan = Plan(
            place=place,
            area=area,
            category=category,
            reporter=person_id,
            created=created,
            description=self.text(rng.choice(DESCRIPTIONS.get(category.code, DESCRIPTIONS["other"])), place),
            location=location,
            unit=unit,
            details=self.details_for(category),
        )
        if rng.random() < 0.08:
            # Told to the building leader (or community staff) on the phone or in the lobby, who recorded it.
            plan.channel = rng.choice([Channel.PHONE, Channel.IN_PERSON])
            plan.recorded = True
        fate = rng.choices(["normal", "rejected", "stalled"], [90, 5, 5])[0]
        plan.steps = self.lifecycle(plan, fate)
        if category.is_public and (fate == "stalled" or created > self.now - timedelta(days=25)):
            # "Me too" where neighbours look: recent cases and those still open (each one costs an action).
            plan.steps += self.supports(plan, rng.choice([0, 0, 0, 1, 1, 2, 2, 3, 5, 7]))
        self.add(plan)
        return plan

    def add(self, plan: Plan) -> None:
        plan.key = len(self.plans)
        self.plans.append(plan)

    def lifecycle(self, plan: Plan, fate: str) -> list[Step]:
        """Accept, maybe start, comment, resolve; then the reporter rates, confirms, reopens or says nothing."""
        rng, cat = self.rng, plan.category
        steps: list[Step] = []
        t = plan.created

        def add(at, *args, **kwargs) -> datetime:
            at = max(at, (steps[-1].at if steps else plan.created) + timedelta(minutes=1))
            steps.append(Step(at, *args, **kwargs))
            return at

        if fate == "rejected":
            add(
                self.office(t + timedelta(hours=rng.uniform(1, cat.response_hours))),
                "transition",
                "rejecter",
                "reject",
                rng.choice(REJECT_REASONS),
            )
            return steps
        missed = rng.random() < 0.12
        factor = rng.uniform(1.2, 3) if missed else rng.uniform(0.05, 0.8)
        t = add(
            self.office(t + timedelta(hours=cat.response_hours * factor)),
            "transition",
            "handler",
            "accept",
            rng.choice(ACCEPT_NOTES),
        )
        working = cat.resolution_working_days
        late = rng.random() < 0.2
        span = timedelta(days=working * 1.4 * (rng.uniform(1.05, 1.8) if late else rng.uniform(0.1, 0.9)))
        if fate == "stalled":
            span = timedelta(days=WINDOW_DAYS * 2)
        if rng.random() < (0.6 if working >= 10 else 0.25):
            add(self.office(t + span * rng.uniform(0.05, 0.3)), "transition", "handler", "start")
        if rng.random() < 0.4:
            add(self.office(t + span * rng.uniform(0.3, 0.7)), "comment", "handler", note=rng.choice(PROGRESS))
        if rng.random() < 0.1:
            add(self.office(t + span * rng.uniform(0.3, 0.8)), "comment", "handler", note=rng.choice(INTERNAL), public=False)
        if late and rng.random() < 0.5:
            add(t + span * rng.uniform(0.6, 0.9), "comment", "reporter", note=rng.choice(FOLLOW_UPS))
        if fate == "stalled":
            return steps
        resolved = add(
            self.office(t + span), "transition", "handler", "resolve", rng.choice(RESOLUTIONS.get(cat.code, RESOLUTIONS["other"]))
        )
        reaction = rng.random()
        after = resolved + timedelta(days=rng.uniform(0.2, 4))
        if reaction < 0.62:
            rating = rng.choices([Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED], [60, 27, 13])[0]
            add(after, "rate", "reporter", rating=rating, note=rng.choice(RATING_NOTES[rating]))
        elif reaction < 0.72:
            add(after, "transition", "reporter", "confirm")
        elif reaction < 0.79:
            add(after, "transition", "reporter", "reopen", rng.choice(REOPEN_REASONS))
            t = add(self.office(after + timedelta(days=rng.uniform(0.3, 2))), "transition", "handler", "start")
            t = add(
                self.office(t + timedelta(days=rng.uniform(1, 6))),
                "transition",
                "handler",
                "resolve",
                rng.choice(RESOLUTIONS.get(cat.code, RESOLUTIONS["other"])),
            )
            if rng.random() < 0.6:
                rating = rng.choice([Rating.BASIC, Rating.UNSATISFIED])
                add(
                    t + timedelta(days=rng.uniform(0.2, 3)),
                    "rate",
                    "reporter",
                    rating=rating,
                    note=rng.choice(RATING_NOTES[rating]),
                )
        return steps

    def supports(self, plan: Plan, n: int) -> list[Step]:
        """Neighbours in the same compound say "me too" while the case is open."""
        if not n:
            return []
        end = min(plan.first_close() or self.now, self.now)
        if end <= plan.created:
            return []
        buildings = (
            [plan.place]
            if plan.place.kind == Place.Kind.BUILDING and self.rng.random() < 0.6
            else self.buildings_in[plan.area.pk]
        )
        neighbours = sorted({r[0] for b in buildings for r in self.residents.get(b.pk, []) if r[2] and r[0] != plan.reporter})
        chosen = self.rng.sample(neighbours, min(n, len(neighbours)))
        span = (end - plan.created).total_seconds()
        return [Step(plan.created + timedelta(seconds=span * self.rng.uniform(0.02, 0.98)), "support", pk) for pk in chosen]

    def plan_duplicates(self) -> None:
        """A few neighbours report what was already reported; community staff merge the duplicate."""
        candidates = [
            p
            for p in self.plans
            if p.category is not None
            and p.category.is_public
            and p.location == Location.BUILDING
            and p.place.kind == Place.Kind.BUILDING
            and p.created < self.now - timedelta(days=2)
        ]
        for target in self.rng.sample(candidates, min(MERGED_DUPLICATES, len(candidates))):
            created = target.created + timedelta(hours=self.rng.uniform(2, 30))
            merged = self.office(created + timedelta(hours=self.rng.uniform(1, 10)))
            close = target.first_close()
            if merged >= self.now or (close is not None and merged >= close - timedelta(minutes=5)):
                continue
            reporters = [
                r[0]
                for r in self.residents.get(target.place.pk, [])
                if r[2] and r[0] != target.reporter and r[0] not in self.demo_ids
            ]
            if not reporters:
                continue
            dup = Plan(
                place=target.place,
                area=target.area,
                category=target.category,
                reporter=self.rng.choice(reporters),
                created=created,
                description=self.text(
                    self.rng.choice(DESCRIPTIONS.get(target.category.code, DESCRIPTIONS["other"])), target.place
                ),
                details=self.details_for(target.category),
            )
            dup.steps = [Step(merged, "transition", "manager", "merge", MERGE_NOTE, target=target)]
            self.add(dup)

    def plan_demo_accounts(self) -> None:
        """The cases the demo sign-ins should find, at fixed distances from now."""
        rng, demo, home = self.rng, self.demo, self.home_building
        ztj = self.ztj
        me = demo["resident"].pk
        my_unit = self.home_unit
        leader, company, community = demo["building_leader"], demo["property_staff"], demo["community_staff"]
        buildings = {b.name: b for b in self.buildings_in[ztj.pk]}
        neighbours = sorted({r[0] for r in self.residents[home.pk] if r[2] and r[0] not in (me, leader.pk)})
        elsewhere = sorted({r[0] for b in buildings.values() if b != home for r in self.residents[b.pk] if r[2]})

        def add(place, code, reporter, days_ago, hour, description, steps, **extra) -> Plan:
            category = self.categories.get(code)
            if category is None:  # switched off by an administrator: plan it anyway, never run it
                return Plan(place=place, area=ztj, category=None, reporter=reporter, created=self.now, description="")
            created = self.moment(days_ago, hour)
            plan = Plan(
                place=place,
                area=ztj,
                category=category,
                reporter=reporter,
                created=created,
                description=description,
                details=self.details_for(category),
                **extra,
            )
            plan.steps = [Step(created + timedelta(hours=h), kind, who, **kw) for h, kind, who, kw in steps]
            self.add(plan)
            return plan

        # 林嘉慧: resolved two days ago, waiting for her rating (she may still reopen it).
        add(
            home,
            "facilities",
            me,
            9,
            20,
            "4栋12楼楼道灯坏了一个多星期，晚上很黑，老人上下楼不安全。",
            [
                (13, "transition", leader, {"action": "accept", "note": "收到，已转物业。"}),
                (37, "comment", company, {"note": "已订灯具，到货后安排更换。"}),
                (38, "transition", company, {"action": "start"}),
                (
                    7 * 24 - 4,
                    "transition",
                    company,
                    {"action": "resolve", "note": "已更换12楼和13楼的楼道灯，并检查了整栋的线路。"},
                ),
            ],
        )
        # 林嘉慧: a leak at home, in progress.
        add(
            home,
            "water-pipes",
            me,
            4,
            7,
            "家里厨房水管接口漏水，楼下邻居天花板都湿了。",
            [
                (1.5, "transition", company, {"action": "accept", "note": "维修师傅上午过来。"}),
                (4, "transition", company, {"action": "start"}),
                (6, "comment", company, {"note": "已临时关阀止漏，需要更换一段老化水管，配件明天到。"}),
                (30, "comment", "reporter", {"note": "楼下邻居问什么时候能修好天花板。"}),
            ],
            location=Location.UNIT,
            unit=my_unit,
        )
        # 林嘉慧: an old one, done and rated.
        add(
            home,
            "clutter",
            me,
            41,
            19,
            "4栋12楼消防通道堆满纸箱和旧家具，已经影响通行。",
            [
                (14, "transition", leader, {"action": "accept"}),
                (38, "transition", leader, {"action": "resolve", "note": "已上门劝说，住户当天把杂物搬走了。"}),
                (60, "rate", "reporter", {"rating": Rating.SATISFIED, "note": "楼长很负责，谢谢！"}),
            ],
        )
        # 林嘉慧: a suggestion for the whole compound, reported yesterday; neighbours agree.
        suggestion = add(
            ztj, "greening", me, 1, 9, "建议在4栋门口空地种几棵树，夏天太晒了，老人没地方乘凉。", [], location=Location.PUBLIC
        )
        suggestion.steps = self.supports(suggestion, 4)

        # 梁志坚's building: an e-bike case overdue for weeks (climbed the chain), and fresh ones.
        overdue = add(
            home,
            "ebike-in-corridor",
            rng.choice(neighbours),
            35,
            10,
            "4栋电梯里经常有电动车，9楼电梯口还有飞线充电，请尽快处理。",
            [
                (3, "transition", leader, {"action": "accept", "note": "收到，今晚上门劝导。"}),
                (26, "transition", leader, {"action": "start"}),
                (10 * 24, "comment", leader, {"note": "已多次上门劝导，车主仍未整改，已请社区和物业一起处理。"}),
                (20 * 24, "comment", "reporter", {"note": "问题还在，电梯里还是有电动车。"}),
            ],
        )
        overdue.steps += self.supports(overdue, 5)
        fresh = add(
            home,
            "littering",
            rng.choice(neighbours),
            0.6,
            8,
            "4栋楼下垃圾桶旁边经常有人乱扔垃圾袋，天气热很臭，希望加强清运和提醒。",
            [],
        )
        fresh.steps = self.supports(fresh, 2)
        add(
            home,
            "pets",
            rng.choice(neighbours),
            3,
            18,
            "有邻居遛狗不拴绳，在4栋门口吓到老人。",
            [
                (2, "transition", leader, {"action": "accept", "note": "收到，会请互助会的志愿者一起上门沟通。"}),
            ],
        )
        # 陈慧敏: nobody answered a fire hazard at night, so it went to the community, who took it up.
        b6 = buildings.get("6栋", home)
        b6_people = [r[0] for r in self.residents[b6.pk] if r[2]] or neighbours
        # (First response due 4 h after the report; the sweep runs every 3 h: escalated once by +7 h, at
        # the earliest again at +8 h; community staff take it up in between, so it stays with them.)
        add(
            b6,
            "fire-safety",
            rng.choice(b6_people),
            5,
            13,
            "6栋15楼楼道的灭火器过期了，压力表指针在红区，消防栓箱的门也坏了。",
            [
                (7.5, "transition", community, {"action": "accept", "note": "已联系物业和消防站，马上上门检查。"}),
                (7.6, "transition", community, {"action": "start"}),
            ],
        )
        # An emergency, two days ago: handed to 119 at once, resolved the same night.
        b3 = buildings.get("3栋", home)
        b3_people = [r[0] for r in self.residents[b3.pk] if r[2]] or elsewhere
        add(
            b3,
            "emergency",
            rng.choice(b3_people),
            2,
            21,
            "3栋地下车库电动车充电处冒烟起火，有浓烟，请马上处理！",
            [
                (0.15, "transition", community, {"action": "accept", "note": "已拨打119，物业正组织疏散。"}),
                (0.2, "transition", community, {"action": "start"}),
                (
                    2.3,
                    "transition",
                    community,
                    {"action": "resolve", "note": "明火已扑灭，无人员受伤；充电线路停用待检，物业已清理现场。"},
                ),
                (14, "rate", "reporter", {"rating": Rating.SATISFIED, "note": "消防和物业来得很快。"}),
            ],
        )
        # For the joint meeting: rated unsatisfied, and reopened by the reporter.
        b2 = buildings.get("2栋", home)
        b2_people = [r[0] for r in self.residents[b2.pk] if r[2]] or elsewhere
        add(
            b2,
            "noise",
            rng.choice(b2_people),
            16,
            22,
            "2栋9楼晚上十一点后还在装修敲打，影响休息。",
            [
                (11, "transition", community, {"action": "accept"}),
                (35, "transition", community, {"action": "resolve", "note": "已联系相关住户，约定晚上十点后不再施工。"}),
                (6 * 24, "rate", "reporter", {"rating": Rating.UNSATISFIED, "note": "第二天晚上还是照样敲，没人管。"}),
            ],
        )
        add(
            b2,
            "water-pipes",
            rng.choice(b2_people),
            12,
            9,
            "2栋外墙水管老化渗水，墙面长期潮湿发霉。",
            [
                (3, "transition", company, {"action": "accept"}),
                (26, "transition", company, {"action": "start"}),
                (5 * 24, "transition", company, {"action": "resolve", "note": "已关阀抢修，漏点已处理好。"}),
                (8 * 24, "transition", "reporter", {"action": "reopen", "note": "处理后没几天又开始渗水了。"}),
                (9 * 24, "transition", company, {"action": "start"}),
            ],
        )

    # --- running the history -----------------------------------------------------------------

    def actor(self, who, plan: Plan, case: Case) -> Person:
        if isinstance(who, Person):
            return who
        if isinstance(who, int):
            return self.person(who)
        if who == "reporter":
            return self.person(plan.reporter)
        key = plan.key
        if who == "handler" and case.handler_id in self.companies:
            staff = [p for org, path, p in self.company_staff if org == case.handler_id and case.path.startswith(path)]
            if staff:
                return self.pick(staff, key)
        if who == "rejecter":
            staff = [p for org, path, p in self.company_staff if org == case.handler_id and case.path.startswith(path)]
            return self.pick(staff, key) if staff else self.manager(case, key)
        if who == "handler" and case.level < Level.COMMUNITY:
            leaders = [p for path in ancestor_paths(case.path) for p in self.leaders.get(path, [])]
            if leaders:
                return self.pick(leaders, key)
        return self.manager(case, key)

    def manager(self, case_or_path, key: int) -> Person:
        path = case_or_path if isinstance(case_or_path, str) else case_or_path.path
        staff = [p for a in ancestor_paths(path) for p in self.staff.get(a, [])]
        return self.pick(staff or self.admins, key)

    def pick(self, pks: list[int], key: int) -> Person:
        """One of them, the demo account three times in four when it is among them (so its name shows)."""
        demo = [pk for pk in pks if pk in self.demo_ids]
        if demo and key % 4:
            return self.person(demo[0])
        return self.person(pks[key % len(pks)])

    def recorder(self, plan: Plan) -> Person:
        leaders = [p for path in ancestor_paths(plan.place.path) for p in self.leaders.get(path, [])]
        return self.pick(leaders, plan.key) if leaders else self.manager(plan.place.path, plan.key)

    def run(self) -> dict[str, int]:
        self.load()
        self.plan()
        timeline: list[tuple[datetime, int, int, Plan, Step | None]] = []
        for i, plan in enumerate(self.plans):
            if plan.created >= self.now or plan.category is None:
                continue
            timeline.append((plan.created, i, -1, plan, None))
            for j, step in enumerate(sorted(plan.steps, key=lambda s: s.at)):
                if step.at < self.now:
                    timeline.append((step.at, i, j, plan, step))
        timeline.sort(key=lambda row: row[:3])
        self.preload([p.reporter for p in self.plans] + [s.who for p in self.plans for s in p.steps if isinstance(s.who, int)])
        self.mark = self.last_ids()
        sweep = self.start
        cases = 0
        for at, _, _, plan, step in timeline:
            while sweep <= at:
                self.sweep(sweep)
                sweep += SWEEP_EVERY
            if step is None:
                self.submit(plan)
                cases += 1
            elif plan.case_id is not None:
                self.apply(plan, step)
            if step is None or step.kind in ("transition", "comment"):
                self.stamp(at)  # the steps that notify (a "me too" or a rating tells nobody)
        self.sweep(self.now)
        self.backdate_supporters()
        self.backdate_messages()
        ids = [p.case_id for p in self.plans if p.case_id]
        return {
            "cases": cases,
            "case events": CaseEvent.objects.filter(case_id__in=ids).count(),
            "me-too supporters": Supporter.objects.filter(case_id__in=ids).count(),
        }

    def sweep(self, at: datetime) -> None:
        """The escalation sweep as beat would have run it at ``at``. Most runs find nothing due: a
        cheap look first, since this runs about 500 times."""
        due = Case.objects.filter(escalate_at__lte=at, status__in=OPEN_STATUSES).values_list("id", flat=True)[:1]
        if not due.exists():
            return
        if actions.escalate_due_cases(now=at):
            self.stamp(at)
            # The sweep moved levels, deadlines and versions in the database: bring the cases in hand up to date.
            fields = ["level", "respond_by", "escalate_at", "version", "updated_at"]
            open_ids = [pk for pk, case in self.cases.items() if case.is_open]
            for pk, *values in Case.objects.filter(pk__in=open_ids).values_list("pk", *fields):
                for name, value in zip(fields, values, strict=True):
                    setattr(self.cases[pk], name, value)

    def case(self, plan: Plan) -> Case:
        case = self.cases.get(plan.case_id)
        if case is None:
            case = self.cases[plan.case_id] = Case.objects.select_related("category", "handler", "reporter").get(pk=plan.case_id)
        return case

    def submit(self, plan: Plan) -> None:
        recorded_by = self.recorder(plan) if plan.recorded else None
        unit = Unit.objects.get(pk=plan.unit) if plan.unit else None
        reporter = self.person(plan.reporter)
        case = actions.submit_case(
            reporter=reporter,
            category=plan.category,
            place=plan.place,
            description=plan.description,
            location=plan.location,
            unit=unit,
            channel=plan.channel,
            recorded_by=recorded_by,
            contact_name=reporter.name if recorded_by else "",
            contact_phone=(reporter.mobile or "") if recorded_by else "",
            details=plan.details,
            now=plan.created,
        )
        plan.case_id = case.pk
        self.cases[case.pk] = case

    def apply(self, plan: Plan, step: Step) -> None:
        case = self.case(plan)
        if step.kind == "support":
            if case.is_open and actions.support_case(person=self.person(step.who), case=case):
                self.supported.append((case.pk, step.who, step.at))
            return
        actor = self.actor(step.who, plan, case)
        if step.kind == "transition":
            merge_into = None
            if step.target is not None:
                merge_into = self.case(step.target)
            actions.transition_case(
                actor=actor, case=case, action=step.action, note=step.note, merge_into=merge_into, now=step.at
            )
        elif step.kind == "comment":
            actions.comment_on_case(actor=actor, case=case, note=step.note, public=step.public, now=step.at)
        elif step.kind == "rate":
            actions.rate_case(person=actor, case=case, rating=step.rating, note=step.note, now=step.at)

    # --- notifications and outbox at their moments --------------------------------------------

    def backdate_supporters(self) -> None:
        """``support_case`` takes no ``now``: move each "me too" and its timeline entry to its moment."""
        at = {(case_id, person_id): moment for case_id, person_id, moment in self.supported}
        rows = list(Supporter.objects.filter(case_id__in={c for c, _, _ in self.supported}))
        for row in rows:
            row.at = at.get((row.case_id, row.person_id), row.at)
        Supporter.objects.bulk_update(rows, ["at"], batch_size=500)
        events = list(CaseEvent.objects.filter(case_id__in={c for c, _, _ in self.supported}, kind=CaseEvent.Kind.SUPPORTED))
        for event in events:
            event.at = at.get((event.case_id, event.actor_id), event.at)
        # Timeline entries refuse save() once written; bulk_update is a plain UPDATE.
        CaseEvent.objects.bulk_update(events, ["at"], batch_size=500)

    def last_ids(self) -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(LAST_IDS)
            notification, outbox = cursor.fetchone()
        return notification or 0, outbox or 0

    def stamp(self, at: datetime) -> None:
        self.stamps.append((*self.last_ids(), at))

    def backdate_messages(self) -> None:
        """Move each notification and outbox row to the moment of the action that wrote it; mark
        notifications older than three days as read, and the outbox rows as never sent (see the module doc)."""
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
            notification_from, outbox_from = notification_to, outbox_to
        # Thousands of ranges: one executemany each rather than an UPDATE statement built per range.
        with connection.cursor() as cursor:
            table = Notification._meta.db_table
            cursor.executemany(f"UPDATE {table} SET created_at = %s, read_at = %s WHERE id > %s AND id <= %s", notifications)  # noqa: S608
            table = OutboxMessage._meta.db_table
            cursor.executemany(f"UPDATE {table} SET created_at = %s WHERE id > %s AND id <= %s", outbox)  # noqa: S608
        OutboxMessage.objects.filter(id__gt=self.mark[1], status=OutboxMessage.Status.PENDING).update(
            status=OutboxMessage.Status.FAILED, last_error=NOT_SENT
        )
