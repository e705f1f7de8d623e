"""Demo meetings for ``manage.py seed_demo``: six meetings, mostly in 灯湖社区, written through the real
actions (``create_meeting``, ``send_notice``, ``start_meeting``, ``sign_in``, ``record_minute``,
``record_vote``, ``approve_minutes``, ``publish_minutes``, ``amend_minutes``, ``create_action_item``,
``update_action_item``, ``cancel_meeting``) with ``now=`` set to a moment in the past, like
``cases.demo``. A meeting whose notice went out was created early enough for the notice lead time
(``NOTICE_DAYS``) the actions insist on.

``seed_demo`` runs this last of the three (``INSTALLED_APPS`` order: cases, deliberation, meetings), so
the topics ``deliberation.demo`` left taken up (``deliberation.demo.FOR_MEETINGS``) go on the agendas and
follow the meetings: the notice moves them to "participants notified", the opening to "in
deliberation", the published minutes record the outcome. A topic that is missing (or not where the
meeting needs it) is simply left off; a meeting then gets a plain agenda item instead.

The meetings:

- 中铁建水岸公馆多方联席会议 (ended four days ago): the community party committee and residents'
  committee, 中铁建物业, the owners' committee (if 灯湖社区 had one), the mutual-aid association and
  residents; attendance, minutes per item, a carried vote, approved and published minutes, a later
  amendment, and action items: one done with evidence, which resolves the problem report on the
  agenda; one in progress; one overdue; one open.
- 灯湖社区居民议事会 (notice sent, meets next week): two taken-up topics and other business.
- 尚景公馆绿化改造协商会 (draft).
- 嘉园雅苑居民议事会 (notice sent, then cancelled with the reason).
- An owners' committee meeting (ended, minutes approved, not yet published): in 灯湖社区 if it has an
  owners' committee, else 御景苑业主委员会 in 同德社区 (organised by that community's staff).
- 灯湖社区居民会议 (居民会议 of residents' group representatives, 42 entitled, 29 present: quorate),
  whose carried decision sends its topic on to implementation.

What the demo sign-ins find: 陈慧敏 organises them all in 灯湖社区 and follows the action items;
林嘉慧 is invited to next week's meeting and attended the residents' meeting; 梁志坚 attended the joint
meeting and owns its overdue item; 何俊峰 attended it and owns the done and the in-progress items;
冯国栋 sees everything, the owners' committee meeting in 同德社区 too.

What an action cannot backdate is moved afterwards: a vote's ``voted_at`` and the minutes'
``updated_at``. Notifications and outbox rows go to their moments and the SMS and e-mail are marked
never sent (``deliberation.demo.History``).
"""

import random
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from cases.models import Case, Level
from cases.models import Status as CaseStatus
from deliberation import actions as topic_actions
from deliberation.demo import COMMUNITY, ELEVATOR, FOR_MEETINGS, History, demo_persons, local_moment
from deliberation.models import COMMUNITY_KINDS, Source, Stakeholder, Topic
from deliberation.models import Status as TopicStatus
from deliberation.rules import ResidentsMeetingKind
from people.demo import data as D
from people.models import HouseholdMember, Membership, Organisation, Person, Role, RoleAssignment
from places.models import Place, Room, ancestor_paths

from . import actions
from .actions import Invitee
from .models import ActionItem, AgendaItem, Attendance, Kind, Meeting, Minutes

RESIDENTS_MEETING_ELIGIBLE = 42  # representatives of 灯湖社区's residents' groups
RESIDENTS_MEETING_PRESENT = 29
OWNERS_COMMITTEE_FALLBACK = "御景苑业主委员会"


def seed(rng: random.Random, now: datetime | None = None) -> dict[str, int]:
    """Write the demo meetings; returns counts for seed_demo's table (empty when 灯湖社区 is missing)."""
    return MeetingDemo(rng, now or timezone.now()).run()


def _unique(invitees: list[Invitee]) -> list[Invitee]:
    """Each organisation and person once, the first role named winning; missing ones dropped."""
    seen, out = set(), []
    for i in invitees:
        if i.organisation is None and i.person is None:
            continue
        key = ("o", i.organisation.pk) if i.organisation is not None else ("p", i.person.pk)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


class MeetingDemo:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.meetings: list[Meeting] = []

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
        self.demo_ids = {p.pk for p in demo.values() if p is not None}
        self.compounds = {p.name: p for p in Place.objects.filter(parent=self.community, kind=Place.Kind.COMPOUND)}
        orgs = list(Organisation.objects.filter(path__startswith=self.community.path).order_by("id"))
        self.orgs = {o.name: o for o in orgs}
        self.rc = next(
            (o for o in orgs if o.kind == Organisation.Kind.RESIDENTS_COMMITTEE and o.path == self.community.path), None
        )
        self.party = next(
            (o for o in orgs if o.kind == Organisation.Kind.PARTY_COMMITTEE and o.path == self.community.path), None
        )
        self.owners_committee = next((o for o in orgs if o.kind == Organisation.Kind.OWNERS_COMMITTEE), None)
        self.company = Organisation.objects.filter(kind=Organisation.Kind.PROPERTY_COMPANY, name=D.DEMO_COMPANY).first()
        rooms = Room.objects.filter(venue__place__path__startswith=self.community.path).select_related("venue").order_by("id")
        self.rooms = {r.name: r for r in rooms}
        topics = Topic.objects.filter(community=self.community).select_related("community", "case", "proposer")
        self.topics = {t.title: t for t in topics.order_by("id")}
        self.from_report = topics.filter(source=Source.PROBLEM_REPORT).order_by("id").first()
        self.history = History(self.now)
        return True

    def at(self, days_ago: float, hour: int, minute: int = 0) -> datetime:
        return local_moment(self.now, days_ago, hour, minute)

    def topic(self, title: str, before: datetime, statuses=(TopicStatus.DECIDED,)) -> Topic | None:
        """A topic of the deliberation demo, if it is where the meeting needs it and was last moved before."""
        topic = self.topics.get(title) if isinstance(title, str) else title
        if topic is not None:
            topic.refresh_from_db()
        if topic is None or topic.status not in statuses or topic.updated_at >= before:
            return None
        return topic

    def officers(self, org: Organisation | None) -> list[Person]:
        if org is None:
            return []
        rows = Membership.objects.filter(
            organisation=org, position__in=[Membership.Position.CHAIR, Membership.Position.SECRETARY]
        )
        return [m.person for m in rows.select_related("person").order_by("position", "id")]

    def company_of(self, compound: str) -> Organisation | None:
        place = self.compounds.get(compound)
        if place is None:
            return None
        return Organisation.objects.filter(kind=Organisation.Kind.PROPERTY_COMPANY, served_places=place).order_by("id").first()

    def residents_of(self, path: str, n: int) -> list[Person]:
        """``n`` adults of different households under ``path``, not demo sign-ins."""
        rows = (
            HouseholdMember.objects.filter(
                path__startswith=path, person__is_active=True, person__birth_year__lte=D.REFERENCE_YEAR - 18
            )
            .exclude(person_id__in=self.demo_ids)
            .order_by("id")
            .values_list("unit_id", "person_id")
        )
        by_unit: dict[int, int] = {}
        for unit_id, person_id in rows:
            by_unit.setdefault(unit_id, person_id)
        chosen = self.rng.sample(sorted(by_unit.values()), min(n, len(by_unit)))
        found = Person.objects.in_bulk(chosen)
        return [found[pk] for pk in chosen]

    # --- the actions, stamped ----------------------------------------------------------------

    def stamp(self, at: datetime) -> None:
        self.history.stamp(at)

    def create(self, at: datetime, **kwargs) -> Meeting:
        kwargs.setdefault("organising_organisation", self.rc)
        kwargs.setdefault("community", self.community)
        meeting = actions.create_meeting(actor=kwargs.pop("actor", self.staff), now=at, **kwargs)
        self.stamp(at)
        self.meetings.append(meeting)
        return meeting

    def notice(self, meeting: Meeting, at: datetime, actor: Person | None = None) -> None:
        actions.send_notice(actor=actor or self.staff, meeting=meeting, now=at)
        self.stamp(at)

    def hold(self, meeting: Meeting, attendees: list[Person], actor: Person | None = None) -> list[AgendaItem]:
        """Sign the attendees in during the half hour before the start, then open the meeting."""
        actor = actor or self.staff
        start = meeting.starts_at
        seen: set[int] = set()
        people = [p for p in attendees if p is not None and not (p.pk in seen or seen.add(p.pk))]
        for n, person in enumerate(people):
            at = start - timedelta(minutes=30) + timedelta(seconds=(25 * 60) * n // max(1, len(people)))
            actions.sign_in(actor=actor, meeting=meeting, person=person, now=at)
        actions.start_meeting(actor=actor, meeting=meeting, now=start)
        self.stamp(start)
        return list(meeting.agenda.select_related("topic", "case", "meeting").order_by("position"))

    def minute(self, item: AgendaItem, discussion: str, decision: str, at: datetime, actor: Person | None = None) -> None:
        actions.record_minute(actor=actor or self.staff, item=item, discussion=discussion, decision=decision)
        self.stamp(at)

    def vote(self, item: AgendaItem, at: datetime, against: int = 0, abstain: int = 0, actor: Person | None = None) -> None:
        present = item.meeting.attendances.filter(entitled_to_vote=True).count()
        actions.record_vote(
            actor=actor or self.staff,
            item=item,
            votes_for=max(0, present - against - abstain),
            votes_against=against,
            votes_abstain=abstain,
        )
        AgendaItem.objects.filter(pk=item.pk).update(voted_at=at)  # record_vote stamps the real time
        self.stamp(at)

    def close(self, meeting: Meeting, summary: str, actor: Person | None = None) -> None:
        actor = actor or self.staff
        actions.record_summary(actor=actor, meeting=meeting, summary=summary)
        actions.end_meeting(actor=actor, meeting=meeting, now=meeting.ends_at)
        self.stamp(meeting.ends_at)

    def approve(self, meeting: Meeting, approved: datetime, published: datetime | None = None, actor=None) -> None:
        actor = actor or self.staff
        actions.approve_minutes(actor=actor, meeting=meeting, now=approved)
        self.stamp(approved)
        last = approved
        if published is not None:
            actions.publish_minutes(actor=actor, meeting=meeting, now=published)
            self.stamp(published)
            last = published
        Minutes.objects.filter(meeting=meeting).update(updated_at=last)

    def action_item(self, at: datetime, **kwargs) -> ActionItem:
        item = actions.create_action_item(actor=self.staff, now=at, **kwargs)
        self.stamp(at)
        return item

    def progress(self, item: ActionItem, status: str, at: datetime, actor: Person, evidence: str = "") -> None:
        actions.update_action_item(actor=actor, item=item, status=status, evidence=evidence, now=at)
        self.stamp(at)

    def advance(self, topic: Topic | None, steps: list[tuple[datetime, str, str]]) -> None:
        if topic is None:
            return
        topic.refresh_from_db()
        for at, status, note in steps:
            topic_actions.advance_topic(actor=self.staff, topic=topic, to_status=status, note=note, now=at)
            self.stamp(at)

    # --- the meetings ------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        if not self.load():
            return {}
        self.residents_meeting()
        self.owners_committee_meeting()
        self.cancelled()
        self.joint()
        self.council()
        self.draft()
        self.history.finish()
        ids = [m.pk for m in self.meetings]
        return {
            "meetings": len(ids),
            "attendance": Attendance.objects.filter(meeting_id__in=ids).count(),
            "action items": ActionItem.objects.filter(meeting_id__in=ids).count(),
        }

    def residents_meeting(self) -> None:
        """居民会议 of residents' group representatives: the walkway funded by the community's 微实事 money."""
        created = self.at(47, 10)
        topic = self.topic(FOR_MEETINGS["residents_meeting"][0], created, (TopicStatus.RESIDENTS_MEETING,))
        starts = self.at(38, 19, 30)
        meeting = self.create(
            created,
            kind=Kind.RESIDENTS_MEETING,
            title="灯湖社区居民会议：灯湖东路休闲步道微改造",
            purpose="讨论决定使用社区民生微实事资金改造灯湖东路休闲步道、增设长者座椅的方案。",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            room=self.rooms.get("活动室"),
            location="" if self.rooms.get("活动室") else "灯湖社区党群服务中心",
            topics=[topic] if topic else [],
            residents_meeting_kind=ResidentsMeetingKind.GROUP_REPRESENTATIVES,
            eligible=RESIDENTS_MEETING_ELIGIBLE,
        )
        if topic is None:
            actions.add_agenda_item(actor=self.staff, meeting=meeting, title=FOR_MEETINGS["residents_meeting"][0])
        self.notice(meeting, created + timedelta(hours=1))
        named = [p for p in (self.resident, self.leader) if p is not None]
        people = named + self.residents_of(self.community.path, RESIDENTS_MEETING_PRESENT - len(named))
        (item,) = self.hold(meeting, people)[:1]
        self.minute(
            item,
            "居委会介绍了步道改造方案和预算：防滑透水砖约1.2公里，长者座椅24张，补种行道树60棵。各居民小组代表发言，"
            "建议座椅间距不超过50米，施工分段进行、避开早晚高峰。",
            "同意按方案实施灯湖东路休闲步道微改造，施工分三段进行，每周在平台公示进度；座椅间距不超过50米。",
            starts + timedelta(minutes=70),
        )
        self.vote(item, starts + timedelta(minutes=80), against=1, abstain=3)
        self.close(
            meeting,
            f"应到居民小组代表{RESIDENTS_MEETING_ELIGIBLE}人，实到{len(people)}人，超过半数，会议有效。"
            "会议表决通过了灯湖东路休闲步道微改造方案。",
        )
        done = meeting.ends_at + timedelta(minutes=10)
        work = (
            self.action_item(
                done,
                agenda_item=item,
                title="组织步道改造施工，每周在平台公示进度",
                owner_organisation=self.rc,
                due_on=timezone.localdate(self.now) + timedelta(days=20),
            )
            if self.rc
            else None
        )
        self.approve(meeting, self.at(37, 10), self.at(36, 10))
        topic = self.topic(topic, self.at(36, 11), (TopicStatus.OUTCOME_RECORDED,)) if topic else None
        self.advance(
            topic,
            [
                (self.at(36, 11), TopicStatus.OUTCOME_PUBLISHED, ""),
                (self.at(27, 10), TopicStatus.IMPLEMENTING, "第一段（灯湖东路北段）已开工。"),
            ],
        )
        if work is not None:
            self.progress(work, ActionItem.Status.IN_PROGRESS, self.at(27, 11), self.staff)

    def owners_committee_meeting(self) -> None:
        """An owners' committee meeting: 灯湖社区's owners' committee, or 御景苑's (named in the article)."""
        oc = self.owners_committee
        if oc is None:
            ocs = Organisation.objects.filter(kind=Organisation.Kind.OWNERS_COMMITTEE).select_related("place").order_by("id")
            oc = ocs.filter(name=OWNERS_COMMITTEE_FALLBACK).first() or ocs.first()
        if oc is None:
            return
        community = Place.objects.communities().filter(path__in=ancestor_paths(oc.path)).order_by("-depth").first()
        if community is None:
            return
        organiser = self.staff
        if community.pk != self.community.pk:
            grant = (
                RoleAssignment.objects.active()
                .filter(role=Role.COMMUNITY_STAFF, path=community.path)
                .select_related("person")
                .order_by("id")
                .first()
            )
            if grant is None:
                return
            organiser = grant.person
        rc = Organisation.objects.filter(kind=Organisation.Kind.RESIDENTS_COMMITTEE, path=community.path).first()
        company = Organisation.objects.filter(kind=Organisation.Kind.PROPERTY_COMPANY, served_places=oc.place_id).first()
        rooms = Room.objects.filter(venue__place=oc.place).order_by("id")
        room = rooms.filter(name="居民议事厅").first() or rooms.first()
        created = self.at(20, 10)
        starts = self.at(9, 19, 30)
        invitees = [Invitee(Stakeholder.OWNERS_COMMITTEE, oc)]
        invitees += [Invitee(Stakeholder.PROPERTY_COMPANY, company)] if company else []
        invitees += [Invitee(Stakeholder.RESIDENTS_COMMITTEE, rc)] if rc else []
        meeting = self.create(
            created,
            actor=organiser,
            community=community,
            kind=Kind.OWNERS_COMMITTEE,
            title=f"{oc.name}例会",
            purpose="审议物业服务费收支公示，商量消防通道划线和违停处理。",
            starts_at=starts,
            ends_at=starts + timedelta(minutes=90),
            room=room,
            location="" if room else f"{oc.place.name}会所",
            organising_organisation=oc,
            invitees=invitees,
        )
        for title in ("审议物业服务费收支情况公示", "消防通道划线及违停处理办法"):
            actions.add_agenda_item(actor=organiser, meeting=meeting, title=title)
        self.notice(meeting, created + timedelta(hours=1), actor=organiser)
        members = [m.person for m in Membership.objects.filter(organisation=oc).select_related("person").order_by("id")]
        fees, lanes = self.hold(meeting, members, actor=organiser)[:2]
        self.minute(
            fees,
            "物业报告了上半年物业服务费收支和公共收益情况，委员对绿化养护支出提出疑问，物业作了说明。",
            "同意物业服务费收支情况按报告在小区公告栏和平台公示15天，绿化养护合同下次会议前提供给委员查阅。",
            starts + timedelta(minutes=40),
            actor=organiser,
        )
        self.vote(fees, starts + timedelta(minutes=45), abstain=1 if len(members) > 2 else 0, actor=organiser)
        self.minute(
            lanes,
            "委员反映消防通道夜间违停严重。",
            "由物业在两周内完成消防通道黄色网格线划设，违停车辆先贴提示单，屡次违停的报交警处理。",
            starts + timedelta(minutes=80),
            actor=organiser,
        )
        self.close(meeting, f"委员{len(members)}人出席，物业和居委会列席。会议审议两项议题，形成两项决定。", actor=organiser)
        self.approve(meeting, self.at(8, 10), actor=organiser)

    def cancelled(self) -> None:
        """A residents' deliberation meeting in 嘉园雅苑, notified and then called off."""
        compound = self.compounds.get("嘉园雅苑")
        created = self.at(16, 10)
        starts = self.at(11, 19, 30)
        company = self.company_of("嘉园雅苑")
        invitees = [Invitee(Stakeholder.RESIDENTS_COMMITTEE, self.rc)] if self.rc else []
        invitees += [Invitee(Stakeholder.PROPERTY_COMPANY, company)] if company else []
        invitees += [Invitee(Stakeholder.RESIDENT, person=p) for p in self.residents_of(compound.path, 3)] if compound else []
        meeting = self.create(
            created,
            kind=Kind.COUNCIL,
            title="嘉园雅苑居民议事会：楼道堆物和电动车停放",
            purpose="商量楼道和消防通道堆放杂物的清理办法，以及电动车集中停放充电的安排。",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            location="嘉园雅苑会所一楼",
            invitees=_unique(invitees),
        )
        for title in ("楼道及消防通道堆放杂物的清理办法", "电动车集中停放和充电安排"):
            actions.add_agenda_item(actor=self.staff, meeting=meeting, title=title)
        self.notice(meeting, created + timedelta(hours=1))
        at = self.at(12, 15)
        actions.cancel_meeting(actor=self.staff, meeting=meeting, reason="受台风橙色预警影响，会议取消，改期另行通知。", now=at)
        self.stamp(at)

    def joint(self) -> None:
        """The multi-party joint meeting of 中铁建水岸公馆, four days ago, with everything after it."""
        created = self.at(8, 9, 30)
        noise = self.topic(self.from_report, created) if self.from_report else None
        parking = self.topic(FOR_MEETINGS["joint"][0], created)
        case = self.case_for_joint(created)
        reporter = noise.case.reporter if noise is not None and noise.case_id and noise.case.reporter_id else None
        mutual_aid = self.orgs.get(f"{D.DEMO_BUILDING[0]}街坊志愿互助会")
        invitees = [
            Invitee(Stakeholder.RESIDENTS_COMMITTEE, self.party),
            Invitee(Stakeholder.RESIDENTS_COMMITTEE, self.rc),
            Invitee(Stakeholder.PROPERTY_COMPANY, self.company),
            # Property staff act for the company by their role, not as its members: invited in person.
            Invitee(Stakeholder.PROPERTY_COMPANY, person=self.company_staff),
            Invitee(Stakeholder.OWNERS_COMMITTEE, self.owners_committee),
            Invitee(Stakeholder.SOCIAL_ORGANISATION, mutual_aid),
            Invitee(Stakeholder.RESIDENT, person=self.leader),
            Invitee(Stakeholder.RESIDENT, person=reporter if reporter and reporter.is_active else None),
        ]
        starts = self.at(4, 19, 30)
        meeting = self.create(
            created,
            kind=Kind.JOINT,
            title="中铁建水岸公馆多方联席会议",
            purpose="社区党委、居委会、物业、业主和居民代表共同商议小区近期的突出问题：反复发生的问题报告、地下车库车位规划。",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            room=self.rooms.get("居民议事厅"),
            location="" if self.rooms.get("居民议事厅") else "灯湖社区党群服务中心",
            invitees=_unique(invitees),
            topics=[t for t in (noise, parking) if t is not None],
            speech_seconds=180,
        )
        if case is not None:
            # Its own wording (``create_meeting(cases=...)`` would title it with the report's number and text).
            title = f"问题报告#{case.pk}（{case.category.name}）的处理方案"
            actions.add_agenda_item(actor=self.staff, meeting=meeting, case=case, title=title)
        elif noise is None and parking is None:
            actions.add_agenda_item(actor=self.staff, meeting=meeting, title="小区近期突出问题通报")
        self.notice(meeting, created + timedelta(hours=1))
        attendees = [
            self.staff,
            *self.officers(self.rc),
            self.company_staff,
            self.leader,
            reporter,
            *self.officers(mutual_aid)[:1],
        ]
        items = self.hold(meeting, attendees)
        by = {("topic", i.topic_id) if i.topic_id else ("case", i.case_id) if i.case_id else ("other", i.pk): i for i in items}
        noise_item = by.get(("topic", noise.pk)) if noise else None
        parking_item = by.get(("topic", parking.pk)) if parking else None
        case_item = by.get(("case", case.pk)) if case else None
        minute_at = starts + timedelta(minutes=30)
        if noise_item:
            self.minute(
                noise_item,
                "物业通报了处理经过；楼长和反映人认为问题处理后又反复出现，需要明确规则、落实责任。",
                "物业加强巡查，违规的首次劝导、再次书面告知并报社区；楼长在各楼栋张贴告示并逐户告知；"
                "一个月后由居委会回访住户评估效果。",
                minute_at,
            )
        if parking_item:
            self.minute(
                parking_item,
                "物业介绍了未售车位和访客停车的现状；居民代表提出访客车位应靠近出入口，出租价格要先公示。",
                "同意划定12个访客临时车位，试行三个月；未售车位出租价格公示7天后执行；消防通道违停先贴提示单，"
                "24小时内未挪车的由物业报交警处理。",
                minute_at + timedelta(minutes=30),
            )
            self.vote(parking_item, minute_at + timedelta(minutes=40), abstain=1)
        if case_item:
            self.minute(
                case_item,
                "反映人：处理后没几天又出现同样的问题。物业：原有部件老化严重，局部修补无法根治，需要整段更换。",
                "由中铁建物业三天内彻底维修，完工后回访反映人并在平台反馈。",
                minute_at + timedelta(minutes=60),
            )
        self.close(
            meeting,
            "会议由灯湖社区居民委员会召集，社区党委、居委会、中铁建物业、街坊志愿互助会和居民代表出席。"
            "会议就反复发生的问题报告和地下车库车位规划进行协商，形成决定，车位规划方案经表决通过。",
        )

        # The decisions' work, given out as the meeting closed.
        after = meeting.ends_at + timedelta(minutes=10)
        today = timezone.localdate(self.now)
        done = progress = None
        if case_item and self.company_staff:
            done = self.action_item(
                after,
                agenda_item=case_item,
                title=f"彻底处理报告#{case.pk}（{case.category.name}）并回访反映人",
                owner_person=self.company_staff,
                due_on=today + timedelta(days=3),
            )
        if parking_item and self.company_staff:
            progress = self.action_item(
                after,
                agenda_item=parking_item,
                title="划定12个访客临时车位，公示未售车位出租方案",
                owner_person=self.company_staff,
                due_on=today + timedelta(days=10),
            )
        if noise_item:
            self.action_item(  # left open: overdue since yesterday
                after,
                agenda_item=noise_item,
                title="在各楼栋大堂张贴告示并逐户告知",
                owner_person=self.leader,
                owner_organisation=None if self.leader else self.rc,
                due_on=today - timedelta(days=1),
            )
            if self.rc:
                self.action_item(
                    after,
                    agenda_item=noise_item,
                    title="一个月后回访住户，评估整改效果",
                    owner_organisation=self.rc,
                    due_on=today + timedelta(days=26),
                )
        self.approve(meeting, self.at(3, 10), self.at(3, 10, 30))
        self.advance(
            self.topic(noise, self.at(3, 11), (TopicStatus.OUTCOME_RECORDED,)) if noise else None,
            [(self.at(3, 11), TopicStatus.OUTCOME_PUBLISHED, "")],
        )
        at = self.at(2, 10)
        actions.amend_minutes(
            actor=self.staff,
            meeting=meeting,
            text="补充第二项决定：访客临时车位试行期满后，由联席会议根据使用情况评估是否继续，评估结果在平台公示。"
            if parking_item
            else "更正：出席人员名单中漏记街坊志愿互助会代表一人。",
            now=at,
        )
        self.stamp(at)
        if progress is not None:
            self.progress(progress, ActionItem.Status.IN_PROGRESS, self.at(2, 15), self.company_staff)
        if done is not None:
            # Finished after the report's last word so far (its timeline stays in order), before now.
            last = case.events.aggregate(last=Max("at"))["last"] or case.created_at
            at = max(self.at(1, 16, 20), last + timedelta(minutes=30))
            if at < self.now - timedelta(minutes=1):
                self.progress(
                    done,
                    ActionItem.Status.DONE,
                    at,
                    self.company_staff,
                    evidence="已整段更换老化部件，观察三天未再出现问题；已上门回访反映人，反映人认可处理结果。现场照片已存档。",
                )

    def case_for_joint(self, before: datetime) -> Case | None:
        """An open report in 灯湖社区 the joint meeting takes up: one the reporter reopened first, in the
        demo compound first. Not one of the demo sign-ins' own, nor in their building, nor one escalated
        to the community (those stay for the sign-ins to find)."""
        qs = Case.objects.filter(
            path__startswith=self.community.path,
            status__in=[CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED],
            created_at__lt=before,
            level__lt=Level.COMMUNITY,
        ).exclude(reporter_id__in=self.demo_ids)
        homes = HouseholdMember.objects.filter(person_id__in=self.demo_ids).values_list("unit__building_id", flat=True)
        qs = qs.exclude(place_id__in=list(homes)).select_related("category", "place")
        ztj = self.compounds.get(D.DEMO_BUILDING[0])
        ranked = sorted(qs, key=lambda c: (not c.needs_meeting, not (ztj and c.path.startswith(ztj.path)), c.pk))
        return ranked[0] if ranked else None

    def council(self) -> None:
        """灯湖社区居民议事会, next week: its notice went out yesterday."""
        created = self.now - timedelta(hours=22)
        elevator = self.topic(ELEVATOR, created)
        chargers = self.topic(FOR_MEETINGS["council"][1], created)
        topics = [t for t in (elevator, chargers) if t is not None]
        invitees = [
            Invitee(Stakeholder.RESIDENTS_COMMITTEE, self.rc),
            Invitee(Stakeholder.RESIDENT, person=self.resident),
            Invitee(Stakeholder.RESIDENT, person=self.leader),
            *[Invitee(Stakeholder.RESIDENT, person=t.proposer) for t in topics if t.proposer and t.proposer.is_active],
            Invitee(Stakeholder.PROPERTY_COMPANY, self.company_of("翠湖华庭")),
            Invitee(Stakeholder.PROPERTY_COMPANY, self.company_of("君悦广场")),
            Invitee(Stakeholder.SOCIAL_ORGANISATION, self.orgs.get("灯湖社区长者互助小组")),
        ]
        starts = local_moment(self.now, -6, 19, 30)
        meeting = self.create(
            created,
            kind=Kind.COUNCIL,
            title="灯湖社区居民议事会：老楼加装电梯和新能源车充电桩",
            purpose="听取住户、物业和居委会的意见，商量翠湖华庭老楼加装电梯和君悦广场安装公共充电桩的办法。",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            room=self.rooms.get("居民议事厅"),
            location="" if self.rooms.get("居民议事厅") else "灯湖社区党群服务中心",
            invitees=_unique(invitees),
            topics=topics,
        )
        actions.add_agenda_item(actor=self.staff, meeting=meeting, title="其他事项：共享书屋志愿者招募")
        self.notice(meeting, self.now - timedelta(hours=20))

    def draft(self) -> None:
        """A joint meeting on 尚景公馆's greening, still a draft."""
        created = self.now - timedelta(hours=3)
        greening = self.topic(FOR_MEETINGS["draft"][0], created)
        invitees = [
            Invitee(Stakeholder.RESIDENTS_COMMITTEE, self.rc),
            Invitee(Stakeholder.PROPERTY_COMPANY, self.company_of("尚景公馆")),
            Invitee(Stakeholder.SOCIAL_ORGANISATION, self.orgs.get("灯湖社区环保志愿小队")),
        ]
        starts = local_moment(self.now, -14, 19, 30)
        meeting = self.create(
            created,
            kind=Kind.JOINT,
            title="尚景公馆绿化改造协商会",
            purpose="商量中心花园绿化改造方案：补种草皮、修剪遮光树木、步道排水改造。",
            starts_at=starts,
            ends_at=starts + timedelta(minutes=90),
            location="尚景公馆会所二楼",
            invitees=_unique(invitees),
            topics=[greening] if greening else [],
        )
        if greening is None:
            actions.add_agenda_item(actor=self.staff, meeting=meeting, title="中心花园绿化改造方案")
