"""Demo room bookings for ``manage.py seed_demo``: opening hours for every demo room, two keepers and about
a dozen bookings in the coming three weeks at 灯湖社区's venue (中铁建水岸公馆“创熟”加油站), written
through the real actions (``appoint_keeper``, ``hold_room``, ``request_booking``, ``approve_booking``,
``decline_booking``, ``cancel_booking``).

- Opening hours: the people demo gives each room one of three hand-written patterns
  (``people.demo.data.OPENING_HOURS``); here they become structured spans (``HOURS``).
- Keepers: 何俊峰 (中铁建物业, whose company fitted out the venue) and the chair of the compound's
  mutual-aid association, both appointed by 陈慧敏 (community staff).
- Bookings: community activities held by staff; requests from the officers of the community's clubs
  and associations, most approved by the keeper, some still waiting, two declined, one cancelled; and
  the demo resident 林嘉慧's own neighbours' tea in the deliberation hall (approved) and a request of
  hers still waiting.

A slot that is taken (a meeting of ``meetings.demo`` in the same room) moves to the next day.

What the demo sign-ins find: 林嘉慧 sees her bookings under "My bookings" and the venue's week; 何俊峰
and 陈慧敏 see the requests to decide; 陈慧敏 manages the keepers.
"""

import random
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from deliberation.demo import COMMUNITY, demo_persons
from people.models import Membership, Organisation, Person
from places.models import Place, Room, Venue

from . import actions
from .models import Booking, OpeningHours, VenueKeeper

VENUE = "中铁建水岸公馆“创熟”加油站"
MUTUAL_AID = "中铁建水岸公馆街坊志愿互助会"

_EVERY_DAY = range(7)
HOURS = {
    "周二至周日 9:00–21:00": [(d, time(9), time(21)) for d in range(1, 7)],
    "每日 8:30–12:00，14:30–21:30": [
        (d, o, c) for d in _EVERY_DAY for o, c in ((time(8, 30), time(12)), (time(14, 30), time(21, 30)))
    ],
    "周一至周五 9:00–18:00，周末 9:00–21:00": [(d, time(9), time(18) if d < 5 else time(21)) for d in _EVERY_DAY],
}

# (who, room, title, purpose, days ahead, start, hours, people, outcome); who is a demo key or an organisation.
BOOKINGS = [
    ("staff", "党员活动室", "党员学习日：主题党课", "第一、第二党支部联合学习。", 3, time(19), 2, 35, "held"),
    (
        "灯湖社区长者互助小组",
        "活动室",
        "长者智能手机课堂",
        "青年志愿者教长者用手机挂号、缴费和视频通话。",
        4,
        time(9, 30),
        2,
        25,
        "approved",
    ),
    ("灯湖社区舞蹈队", "活动室", "舞蹈队排练", "为邻里节演出排练。", 5, time(19), 2, 20, "approved"),
    ("灯湖社区读书会", "共享书屋", "读书会：《乡土中国》分享", "每月一次，欢迎街坊旁听。", 6, time(15), 2, 18, "approved"),
    ("灯湖社区亲子成长营", "共享书屋", "亲子绘本共读", "3至8岁儿童及家长。", 8, time(9), 2, 24, "approved"),
    (
        "灯湖社区青年志愿服务队",
        "青年之家",
        "青年志愿服务队月度例会",
        "总结本月服务，安排下月长者探访。",
        9,
        time(19),
        2,
        16,
        "approved",
    ),
    (MUTUAL_AID, "街坊会办公室", "街坊志愿互助会例会", "商议楼道清洁轮值和互助积分。", 10, time(19, 30), 1, 10, "requested"),
    ("resident", "居民议事厅", "4栋邻里茶话会", "4栋街坊认识新邻居，聊聊楼道停放电动车的事。", 7, time(15), 2, 30, "approved"),
    ("resident", "活动室", "4栋长者生日会", "为4栋三位八十岁长者过生日。", 13, time(15), 2, 40, "requested"),
    ("灯湖社区合唱队", "活动室", "合唱队排练", "准备元旦晚会曲目。", 12, time(19), 2, 30, "requested"),
    ("灯湖社区书画协会", "青年之家", "书法兴趣班", "面向青少年的公益书法课。", 15, time(9, 30), 2, 20, "requested"),
    ("灯湖社区羽毛球队", "活动室", "羽毛球队聚餐", "赛后聚餐。", 11, time(18), 3, 40, "declined"),
    ("灯湖社区环保志愿小队", "共享书屋", "旧物交换日", "闲置图书和玩具交换。", 16, time(9, 30), 2, 30, "cancelled"),
    ("staff", "居民议事厅", "垃圾分类宣讲会", "社区环卫专干讲解新的分类投放时间。", 18, time(19, 30), 1.5, 50, "held"),
]
DECLINE_NOTE = "活动室不提供餐饮，聚餐请另找场地；排练和比赛欢迎再来申请。"
CANCEL_REASON = "天气预报有台风，改期另行通知。"


def seed(rng: random.Random, now: datetime | None = None) -> dict[str, int]:
    """Write the demo opening hours, keepers and bookings; returns counts for seed_demo's table."""
    return VenueDemo(rng, now or timezone.now()).run()


class VenueDemo:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now

    def run(self) -> dict[str, int]:
        spans = self.opening_hours()
        community = Place.objects.communities().filter(name=COMMUNITY).first()
        venue = Venue.objects.filter(name=VENUE).select_related("place").first()
        demo = demo_persons()
        if community is None or venue is None or demo["community_staff"] is None:
            return {"opening hours": spans}
        self.venue = venue
        self.staff = demo["community_staff"]
        self.resident = demo["resident"]
        self.rooms = {r.name: r for r in Room.objects.filter(venue=venue).select_related("venue__place")}
        keepers = self.keepers(demo["property_staff"])
        bookings = self.bookings(community, keepers[0] if keepers else self.staff)
        return {"opening hours": spans, "venue keepers": len(keepers), "venue bookings": bookings}

    def opening_hours(self) -> int:
        """Every room whose hand-written hours follow one of the demo's patterns gets them as spans."""
        rows = [
            OpeningHours(room_id=room_id, weekday=d, opens=o, closes=c)
            for room_id, text in Room.objects.values_list("id", "opening_hours")
            for d, o, c in HOURS.get(text, [])
        ]
        OpeningHours.objects.bulk_create(rows)
        return len(rows)

    def keepers(self, company_staff: Person | None) -> list[VenueKeeper]:
        chair = (
            Membership.objects.filter(organisation__name=MUTUAL_AID, position=Membership.Position.CHAIR)
            .select_related("person")
            .first()
        )
        found = []
        for person in (company_staff, chair.person if chair else None):
            if person is None:
                continue
            try:
                found.append(actions.appoint_keeper(venue=self.venue, person=person, by=self.staff))
            except ValidationError:
                continue
        return found

    def _officer(self, organisation: Organisation) -> Person | None:
        m = (
            Membership.objects.filter(
                organisation=organisation, position__in=[Membership.Position.CHAIR, Membership.Position.SECRETARY]
            )
            .exclude(person__venues_kept__venue=self.venue)  # a keeper's own booking would be approved at once
            .select_related("person")
            .order_by("position", "id")
            .first()
        )
        return m.person if m else None

    def _slot(self, days: int, start: time, hours: float) -> tuple[datetime, datetime]:
        day = timezone.localdate(self.now) + timedelta(days=days)
        begin = timezone.make_aware(datetime.combine(day, start))
        return begin, begin + timedelta(hours=hours)

    def bookings(self, community: Place, keeper) -> int:
        keeper_person = keeper.person if isinstance(keeper, VenueKeeper) else keeper
        orgs = {o.name: o for o in Organisation.objects.filter(path__startswith=community.path)}
        made = 0
        for who, room_name, title, purpose, days, start, hours, people, outcome in BOOKINGS:
            room = self.rooms.get(room_name)
            if room is None:
                continue
            organisation = orgs.get(who)
            by = {"staff": self.staff, "resident": self.resident}.get(who) or (
                self._officer(organisation) if organisation else None
            )
            if by is None:
                continue
            booking = None
            for shift in range(7):  # a slot taken by a demo meeting moves to the next day
                starts_at, ends_at = self._slot(days + shift, start, hours)
                try:
                    if outcome == "held":
                        booking = actions.hold_room(
                            room=room, starts_at=starts_at, ends_at=ends_at, title=title, by=by, description=purpose, now=self.now
                        )
                    else:
                        booking = actions.request_booking(
                            room=room,
                            starts_at=starts_at,
                            ends_at=ends_at,
                            title=title,
                            by=by,
                            expected=min(people + self.rng.randint(-3, 3), room.capacity or people),
                            description=purpose,
                            organisation=organisation,
                            now=self.now,
                        )
                    break
                except ValidationError:
                    continue
            if booking is None:
                continue
            self._decide(booking, outcome, keeper_person, by)
            made += 1
        return made

    def _decide(self, booking: Booking, outcome: str, keeper: Person, requester: Person) -> None:
        try:
            if outcome in ("approved", "cancelled"):
                actions.approve_booking(booking, by=keeper, note="欢迎使用，用后请复原桌椅。", now=self.now)
            if outcome == "cancelled":
                actions.cancel_booking(booking, requester, CANCEL_REASON, now=self.now)
            if outcome == "declined":
                actions.decline_booking(booking, by=keeper, note=DECLINE_NOTE, now=self.now)
        except ValidationError:
            pass  # left as requested
