"""Demo tournaments and contests for ``manage.py seed_demo``, written through the real actions
(``create_tournament``, ``add_entrant``, ``draw_groups``, ``generate_schedule``, ``record_result``;
``create_contest``, ``add_round``, ``add_entry``, ``add_judge``, ``open_round``, ``enter_scores``,
``close_round``) with ``now=`` set to moments in the past.

- 2026年桂城街道乒乓球赛 (organised by 桂城街道办事处 for the sub-district): twelve community teams, each
  with three players from its community's 乒乓球队 (灯湖社区's with the demo resident 林嘉慧), four groups
  of three, the top two of each through. The groups are played, the quarter-finals too, one semi-final
  was played this morning; the other semi-final and the final are still to come, so the bracket page
  refreshes itself.
- 2026年桂城街道“邻里情”小品大赛: ten acts from ten communities, five judges (林嘉慧 among them). The
  preliminary round is closed (the top six went on); the final is open, and four of the five judges
  have scored: 林嘉慧 has not, so she can try the scoring page.

冯国栋 (the sub-district administrator) runs both. Notifications the actions wrote are moved to the
moment of the action that wrote them.
"""

import random
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from core.models import Notification
from people.demo import data as D
from people.models import HouseholdMember, Membership, Organisation, Person
from places.models import Place

from . import actions
from .models import ContestEntry, ContestRound, Entrant, Format, Match, Score, Tournament
from .rules import Sport

YEAR = 2026
TEAMS = [
    "灯湖社区",
    "桂一社区",
    "桂二社区",
    "叠二社区",
    "花苑社区",
    "育才社区",
    "桂雅社区",
    "桂园社区",
    "南桂社区",
    "大圩社区",
    "江滨社区",
    "怡海社区",
]
ACTS = [
    ("灯湖社区", "楼长的一天", "灯湖社区居民演出队"),
    ("桂一社区", "加装电梯", "桂一社区长者互助小组"),
    ("桂二社区", "停车位风波", "桂二社区青年志愿服务队"),
    ("叠二社区", "垃圾分类我先行", "叠二社区环保志愿小队"),
    ("花苑社区", "广佛候鸟", "花苑社区合唱队"),
    ("育才社区", "邻里守望", "育才社区读书会"),
    ("桂雅社区", "调解室里的笑声", "桂雅社区舞蹈队"),
    ("桂园社区", "老街新颜", "桂园社区书画协会"),
    ("南桂社区", "阿婆的智能手机", "南桂社区亲子成长营"),
    ("大圩社区", "创熟加油站", "大圩社区居民演出队"),
]
JUDGES = 5
PRELIMINARY_ADVANCE = 6


def seed(rng: random.Random, now: datetime | None = None) -> dict[str, int]:
    """Write the demo tournament and contest; returns counts for seed_demo's table (empty without the
    sub-district, its office or the demo administrator)."""
    return CompetitionDemo(rng, now or timezone.now()).run()


def local(now: datetime, days_ago: float, hour: int, minute: int = 0) -> datetime:
    day = timezone.localtime(now - timedelta(days=days_ago))
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


class CompetitionDemo:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now

    def load(self) -> bool:
        self.subdistrict = Place.objects.filter(kind=Place.Kind.SUBDISTRICT, name=D.SUBDISTRICT["name"]).first()
        self.office = Organisation.objects.filter(kind=Organisation.Kind.SUBDISTRICT_OFFICE, name=D.SUBDISTRICT_OFFICE).first()
        self.admin = Person.objects.filter(mobile=D.DEMO_BY_KEY["subdistrict_admin"]["mobile"]).first()
        self.resident = Person.objects.filter(mobile=D.DEMO_BY_KEY["resident"]["mobile"]).first()
        if self.subdistrict is None or self.office is None or self.admin is None:
            return False
        self.communities = {
            p.name: p for p in Place.objects.filter(path__startswith=self.subdistrict.path, kind=Place.Kind.COMMUNITY)
        }
        self.mark = Notification.objects.aggregate(n=Max("id"))["n"] or 0
        return True

    def stamp(self, at: datetime) -> None:
        """Notifications written since the last stamp carry the moment of the action that wrote them."""
        last = Notification.objects.aggregate(n=Max("id"))["n"] or 0
        if last > self.mark:
            read = at + timedelta(hours=3) if at < self.now - timedelta(days=2) else None
            Notification.objects.filter(id__gt=self.mark, id__lte=last).update(created_at=at, read_at=read)
            self.mark = last

    def run(self) -> dict[str, int]:
        if not self.load():
            return {}
        tournament = self.tournament()
        contest = self.contest()
        return {
            "tournaments": 1 if tournament else 0,
            "matches played": Match.objects.filter(tournament=tournament).exclude(status=Match.Status.SCHEDULED).count()
            if tournament
            else 0,
            "contests": 1 if contest else 0,
            "judges' scores": Score.objects.filter(round__contest=contest).count() if contest else 0,
        }

    # --- the table-tennis tournament -----------------------------------------------------------------

    def players_of(self, community: Place, n: int) -> list[Person]:
        """``n`` members of the community's 乒乓球队 who live there (others of the community if too few)."""
        lives_here = HouseholdMember.objects.filter(path__startswith=community.path, person__is_active=True)
        club = (
            Membership.objects.filter(organisation__name=f"{community.name}乒乓球队", person__in=lives_here.values("person_id"))
            .order_by("position", "id")
            .values_list("person_id", flat=True)
        )
        ids = list(dict.fromkeys(club))
        if len(ids) < n:
            ids += [pk for pk in lives_here.order_by("id").values_list("person_id", flat=True)[: 4 * n] if pk not in ids]
        demo = {p["mobile"] for p in D.DEMO_ACCOUNTS}
        people = [p for p in Person.objects.in_bulk(ids).values() if p.mobile not in demo]
        people.sort(key=lambda p: ids.index(p.pk))
        return people[:n]

    def game(self, strength_a: float, strength_b: float) -> list[int]:
        """One game to 11: the stronger side wins more often; now and then a deuce."""
        a_wins = self.rng.random() < strength_a / (strength_a + strength_b)
        if self.rng.random() < 0.15:
            extra = self.rng.randint(0, 3)
            win, lose = 12 + extra, 10 + extra
        else:
            win, lose = 11, self.rng.randint(2, 9)
        return [win, lose] if a_wins else [lose, win]

    def match_games(self, best_of: int, strength_a: float, strength_b: float) -> list[list[int]]:
        need, games = best_of // 2 + 1, []
        while True:
            games.append(self.game(strength_a, strength_b))
            won_a = sum(1 for a, b in games if a > b)
            if won_a == need or len(games) - won_a == need:
                return games

    def tournament(self) -> Tournament | None:
        teams = [self.communities[name] for name in TEAMS if name in self.communities]
        if len(teams) < 8:
            return None
        admin = self.admin
        created = local(self.now, 40, 10)
        t = actions.create_tournament(
            actor=admin,
            name=f"{YEAR}年桂城街道乒乓球赛",
            sport=Sport.TABLE_TENNIS,
            year=YEAR,
            organiser=self.office,
            scope=self.subdistrict,
            format=Format.GROUPS_KNOCKOUT,
            best_of=5,
            group_count=4,
            advance_per_group=2,
            location="桂城街道文体活动中心乒乓球馆",
            starts_on=timezone.localtime(local(self.now, 14, 9)).date(),
            now=created,
        )
        actions.open_registration(actor=admin, tournament=t, now=created + timedelta(hours=1))
        self.stamp(created)
        strengths = {c.pk: self.rng.uniform(3, 10) for c in teams}
        top = sorted(teams, key=lambda c: -strengths[c.pk])[:4]
        for community in teams:
            players = self.players_of(community, 3)
            if community.name == "灯湖社区" and self.resident is not None:
                players = [self.resident, *players[:2]]
            if len(players) < 2:
                continue
            seed_no = top.index(community) + 1 if community in top else None
            actions.add_entrant(
                actor=admin, tournament=t, community=community, name=f"{community.name}队", players=players, seed=seed_no
            )
        Entrant.objects.filter(tournament=t).update(created_at=local(self.now, 25, 16))
        actions.draw_groups(actor=admin, tournament=t, rng=self.rng)
        actions.generate_schedule(actor=admin, tournament=t, rng=self.rng, now=local(self.now, 16, 15))
        self.stamp(local(self.now, 16, 15))
        strength = {e.pk: strengths[e.community_id] for e in Entrant.objects.filter(tournament=t)}

        def play(match: Match, at: datetime) -> None:
            match.tournament = t
            games = self.match_games(t.best_of, strength[match.entrant_a_id], strength[match.entrant_b_id])
            actions.record_result(actor=admin, match=match, games=games, now=at)
            self.stamp(at)

        # the groups: one round a day, from 14 days ago, tables side by side from 9:00
        group_matches = list(
            Match.objects.filter(tournament=t, stage=Match.Stage.GROUP).order_by("round", "group__number", "slot")
        )
        for n, match in enumerate(group_matches):
            play(match, local(self.now, 15 - match.round, 9) + timedelta(minutes=25 * (n % 6)))
        # the quarter-finals three days ago, one semi-final this morning
        t.refresh_from_db()
        for match in Match.objects.filter(tournament=t, stage=Match.Stage.KNOCKOUT, round=1).order_by("slot"):
            if match.entrant_a_id and match.entrant_b_id:
                play(match, local(self.now, 3, 14) + timedelta(minutes=40 * (match.slot - 1)))
        semi = Match.objects.filter(tournament=t, stage=Match.Stage.KNOCKOUT, round=2, slot=1).first()
        if semi is not None and semi.entrant_a_id and semi.entrant_b_id:
            play(semi, min(local(self.now, 0, 9, 30), self.now - timedelta(minutes=30)))
        return t

    # --- the skit contest ----------------------------------------------------------------------

    def judges(self) -> list[Person]:
        """Four adults from different communities (not demo sign-ins), and the demo resident."""
        demo = {p["mobile"] for p in D.DEMO_ACCOUNTS}
        names = [n for n in ("桂三社区", "江南名居社区", "翠颐社区", "东二社区", "桂花社区") if n in self.communities]
        chosen = []
        for name in names:
            row = (
                HouseholdMember.objects.filter(
                    path__startswith=self.communities[name].path,
                    person__is_active=True,
                    person__birth_year__lte=D.REFERENCE_YEAR - 30,
                    person__birth_year__gte=D.REFERENCE_YEAR - 65,
                )
                .exclude(person__mobile__in=demo)
                .order_by("id")
                .select_related("person")
                .first()
            )
            if row is not None and row.person not in chosen:
                chosen.append(row.person)
            if len(chosen) == JUDGES - 1:
                break
        if self.resident is not None:
            chosen.append(self.resident)
        return chosen

    def scores_for(self, quality: float, judge_bias: float) -> str:
        value = max(60.0, min(99.5, quality + judge_bias + self.rng.uniform(-3, 3)))
        return f"{round(value * 2) / 2:.1f}"  # judges score in halves

    def contest(self):
        acts = [(self.communities[c], title, who) for c, title, who in ACTS if c in self.communities]
        judges = self.judges()
        if len(acts) < PRELIMINARY_ADVANCE + 1 or len(judges) < 3:
            return None
        admin = self.admin
        created = local(self.now, 30, 10)
        contest = actions.create_contest(
            actor=admin,
            name=f"{YEAR}年桂城街道“邻里情”小品大赛",
            year=YEAR,
            organiser=self.office,
            scope=self.subdistrict,
            description="以邻里生活为题材的小品比赛，各社区选送节目。初赛评出六个节目进入决赛，决赛现场评分，"
            "去掉一个最高分和一个最低分后取平均分排名。",
            now=created,
        )
        preliminary = actions.add_round(actor=admin, contest=contest, name="初赛", advance=PRELIMINARY_ADVANCE)
        final = actions.add_round(actor=admin, contest=contest, name="决赛")
        for community, title, performers in acts:
            actions.add_entry(actor=admin, contest=contest, title=f"《{title}》", community=community, performers=performers)
        for person in judges:
            actions.add_judge(actor=admin, contest=contest, person=person)
        self.stamp(created)
        quality = {e.pk: self.rng.uniform(72, 94) for e in ContestEntry.objects.filter(contest=contest)}
        bias = {p.pk: self.rng.uniform(-4, 4) for p in judges}

        def score_round(round_: ContestRound, at: datetime, skip: set[int]) -> None:
            entries = list(ContestEntry.objects.filter(performances__round=round_).order_by("performances__position"))
            for n, judge in enumerate(judges):
                if judge.pk in skip:
                    continue
                values = {e.pk: self.scores_for(quality[e.pk], bias[judge.pk]) for e in entries}
                actions.enter_scores(actor=judge, round_=round_, values=values, now=at + timedelta(minutes=3 * n))

        opened = local(self.now, 14, 19)
        preliminary.contest = contest
        actions.open_round(actor=admin, round_=preliminary, rng=self.rng, now=opened)
        self.stamp(opened)
        score_round(preliminary, opened + timedelta(hours=2), set())
        actions.close_round(actor=admin, round_=preliminary, now=opened + timedelta(hours=2, minutes=30))
        self.stamp(opened + timedelta(hours=2, minutes=30))
        final_opened = min(local(self.now, 0, 19), self.now - timedelta(hours=1))
        final.contest = contest
        actions.open_round(actor=admin, round_=final, rng=self.rng, now=final_opened)
        self.stamp(final_opened)
        waiting = {self.resident.pk} if self.resident is not None else {judges[-1].pk}
        score_round(final, final_opened + timedelta(minutes=40), waiting)
        return contest
