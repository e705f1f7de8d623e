"""Demo owners' votes for ``manage.py seed_demo``, written through the real actions with ``now=`` set
to moments in the past (like ``meetings.demo``), in the compound of 林嘉慧's home (灯湖社区):

- 使用维修资金更换电梯主机 (Art 278 item 5, more than half): notice 19 days ago, voting open since two days
  ago for ten days; about half the owners have voted online, some changed their mind, two paper
  ballots were typed twice (one waits for its second typing). 林嘉慧 and her husband co-own their home:
  the written designation names her, so she casts their ballot.
- 外墙翻新改造 (item 7, three quarters, secret ballot): published eight days ago, approved; the
  compound's covenant allows silent consent, so the result shows the second tally.
- A draft in another compound of the community, for the staff to notice.
- A change of use (Civil Code Art 279): an owner in 林嘉慧's building asks to open a tutoring room at
  home; 林嘉慧 is asked for her consent, some neighbours already consented.

What the demo sign-ins find: 林嘉慧 votes in the open vote and answers the consent request; 陈慧敏
(community staff) manages all of them; everyone sees the published result.
"""

import random
from datetime import date, datetime, timedelta

from django.utils import timezone

from deliberation.demo import COMMUNITY, History, demo_persons, local_moment
from deliberation.models import COMMUNITY_KINDS
from people.models import Ownership
from places.models import Place, Unit

from . import actions
from .models import Item, Matter, Voter, VoterMember


def seed(rng: random.Random, now: datetime | None = None) -> dict[str, int]:
    """Write the demo votes; returns counts for seed_demo's table (empty when 灯湖社区 is missing)."""
    return VoteDemo(rng, now or timezone.now()).run()


class VoteDemo:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now

    def at(self, days_ago: float, hour: int, minute: int = 0) -> datetime:
        return local_moment(self.now, days_ago, hour, minute)

    def load(self) -> bool:
        community = Place.objects.filter(name=COMMUNITY, kind__in=sorted(COMMUNITY_KINDS)).first()
        demo = demo_persons()
        self.staff, self.resident = demo["community_staff"], demo["resident"]
        self.admin = demo["subdistrict_admin"]
        if community is None or self.staff is None or self.resident is None:
            return False
        home = Ownership.objects.filter(person=self.resident).select_related("unit", "unit__building").first()
        if home is None:
            return False
        self.home = home.unit
        building = home.unit.building
        self.compound = Place.objects.filter(pk__in=building.ancestor_ids, kind=Place.Kind.COMPOUND).first()
        others = Place.objects.filter(parent=community, kind=Place.Kind.COMPOUND).exclude(pk=getattr(self.compound, "pk", None))
        self.other_compound = others.order_by("id").first()
        self.history = History(self.now)
        return self.compound is not None

    def run(self) -> dict[str, int]:
        if not self.load():
            return {}
        actions.record_silent_consent(
            self.compound,
            by=self.staff,
            clause="第二十三条 业主在规定期限内未表决的，视为同意多数表决意见。",
            adopted_on=date(2019, 5, 18),
        )
        published = self.published_vote()
        open_vote = self.open_vote()
        drafts = self.draft_vote()
        changes = self.use_change()
        self.history.finish()
        ballots = sum(Voter.objects.filter(matter=m, ballot__isnull=False).count() for m in (published, open_vote))
        return {"owners' votes": 2 + drafts, "ballots": ballots, "changes of use": changes}

    def _designate_co_owners(self, matter: Matter) -> None:
        """The written designations the committee holds: the first co-owner named (林嘉慧 for her home)."""
        for voter in Voter.objects.filter(matter=matter, designated__isnull=True, kind=Voter.Kind.OWNERS):
            members = list(VoterMember.objects.filter(voter=voter).select_related("person").order_by("id"))
            chosen = next((m.person for m in members if m.person_id == self.resident.pk), members[0].person)
            actions.designate(matter, voter=voter, person=chosen, by=self.staff)

    def _cast(self, matter: Matter, share: float, choices: tuple, start: datetime, hours: float) -> None:
        voters = list(
            Voter.objects.filter(matter=matter, designated__isnull=False).exclude(designated=self.resident).order_by("id")
        )
        for voter in voters:
            if self.rng.random() >= share:
                continue
            when = start + timedelta(hours=self.rng.uniform(0, hours))
            choice = self.rng.choices(("yes", "no", "abstain"), weights=choices)[0]
            actions.cast_ballot(matter, voter=voter, choice=choice, by=voter.designated, now=when)
            if self.rng.random() < 0.05:  # changed their mind
                actions.cast_ballot(matter, voter=voter, choice="yes", by=voter.designated, now=when + timedelta(hours=5))

    def published_vote(self) -> Matter:
        created = self.at(52, 10)
        matter = actions.create_matter(
            by=self.staff,
            scope=self.compound,
            item=Item.REBUILD,
            title="外墙翻新改造",
            description="外墙瓷砖空鼓脱落，拟整体翻新为真石漆外墙，费用按专有部分面积分摊。施工方案与预算见附件。",
            opens_at=self.at(33, 9),
            closes_at=self.at(12, 20),
            secret=True,
        )
        Matter.objects.filter(pk=matter.pk).update(created_at=created)
        actions.send_notice(matter, by=self.staff, version=None, now=self.at(50, 16))
        self.history.stamp(self.at(50, 16))
        matter = actions.open_voting(matter, now=self.at(33, 9))
        self._designate_co_owners(matter)
        self._cast(matter, 0.84, (88, 7, 5), self.at(33, 9), 20 * 24)
        matter = actions.close_voting(matter, now=self.at(12, 20))
        matter = actions.publish_result(matter, by=self.staff, version=None, now=self.at(8, 10))
        self.history.stamp(self.at(8, 10))
        return matter

    def open_vote(self) -> Matter:
        matter = actions.create_matter(
            by=self.staff,
            scope=self.compound,
            item=Item.FUND_USE,
            title="使用维修资金更换电梯主机",
            description="1至6栋电梯主机运行超过15年，年检多次整改。拟使用专项维修资金约186万元更换主机，报价三家，详见附件。",
            opens_at=self.at(2, 9),
            closes_at=self.at(-8, 20),
        )
        actions.send_notice(matter, by=self.staff, version=None, now=self.at(19, 15))
        self.history.stamp(self.at(19, 15))
        matter = actions.open_voting(matter, now=self.at(2, 9))
        self._designate_co_owners(matter)
        self._cast(matter, 0.5, (70, 20, 10), self.at(2, 9), 40)
        unvoted = list(
            Voter.objects.filter(matter=matter, ballot__isnull=True).exclude(designated=self.resident).order_by("id")[:2]
        )
        if self.admin is not None and len(unvoted) == 2:
            when = self.at(1, 10)
            actions.enter_paper_ballot(matter, voter=unvoted[0], sheet="0001", choice="yes", by=self.staff, now=when)
            actions.enter_paper_ballot(matter, voter=unvoted[0], sheet="0001", choice="yes", by=self.admin, now=when)
            actions.enter_paper_ballot(matter, voter=unvoted[1], sheet="0002", choice="no", by=self.staff, now=when)
        return matter

    def draft_vote(self) -> int:
        if self.other_compound is None:
            return 0
        actions.create_matter(
            by=self.staff,
            scope=self.other_compound,
            item=Item.MANAGER,
            title="续聘物业服务企业",
            description="现物业服务合同将于明年3月到期，拟续聘三年，服务标准与收费不变。",
            opens_at=self.at(-20, 9),
            closes_at=self.at(-34, 20),
        )
        return 1

    def use_change(self) -> int:
        unit = (
            Unit.objects.filter(building_id=self.home.building_id, kind=Unit.Kind.HOME, ownerships__isnull=False)
            .exclude(pk=self.home.pk)
            .order_by("id")
            .first()
        )
        if unit is None:
            return 0
        applicant = Ownership.objects.filter(unit=unit).select_related("person").first().person
        request = actions.request_use_change(
            unit=unit, by=applicant, purpose="在家中开设小学生托管辅导室，每日16:00–19:00，不超过8名学生。"
        )
        self.history.stamp(self.at(3, 11))
        for consent in request.consents.exclude(person=self.resident).order_by("id")[:3]:
            actions.answer_use_change(request, by=consent.person, answer="consent")
        return 1
