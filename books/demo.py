"""Demo book corners for ``manage.py seed_demo``: the 共享书屋 of every demo venue that has one, written
through the real actions (``record_donation``, ``catalogue_book``, ``add_copies``, ``lend``,
``borrow_by_code``, ``renew_loan``, ``return_copy``, ``join_waitlist``) with ``now=`` set to moments in
the past, like the other apps' demos.

- 中铁建水岸公馆“创熟”加油站 (灯湖社区, where the demo resident lives) has all 40 titles below, one to
  three copies each; every other venue with a book corner has 12–18 of them.
- 林嘉慧 (the demo resident) gave three children's books twenty days ago (recorded by 陈慧敏); a neighbour
  who is not registered (张伯) gave two more two months ago. 林嘉慧 has 《三体》 (self-service, twelve
  days ago; a neighbour waits for it, so it cannot be renewed) and 《人世间》 (due in two days), and has
  returned 《活着》. 梁志坚 (the building leader) renewed 《万历十五年》 once. Four other residents of 灯湖社区
  have books out, one of them overdue by two weeks (the desk's overdue list, the reminder task's work).

The ISBNs look real (Chinese publishers' prefixes, valid check digits) but are made up: they are not
these books' numbers. Titles and authors are real books a community book corner would hold.
"""

import random
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from core.models import Notification
from people.demo import data as D
from people.models import HouseholdMember, Person, Role, RoleAssignment
from places.models import Venue, ancestor_paths

from . import access, actions
from .models import Book, Copy, Donation, Loan

MAIN_VENUE = "中铁建水岸公馆“创熟”加油站"
OTHER_TITLES = (12, 18)

# (ISBN-13, title, author, publisher, year, category)
BOOKS = [
    ("9787506368438", "活着", "余华", "作家出版社", 2012, "literature"),
    ("9787530207796", "平凡的世界", "路遥", "北京十月文艺出版社", 2017, "literature"),
    ("9787021544713", "围城", "钱锺书", "人民文学出版社", 1991, "literature"),
    ("9787022201844", "白鹿原", "陈忠实", "人民文学出版社", 2012, "literature"),
    ("9787536608719", "三体", "刘慈欣", "重庆出版社", 2008, "literature"),
    ("9787023974853", "红楼梦", "曹雪芹 著，无名氏 续", "人民文学出版社", 2008, "literature"),
    ("9787025613378", "骆驼祥子", "老舍", "人民文学出版社", 2000, "literature"),
    ("9787530277188", "边城", "沈从文", "北京十月文艺出版社", 2009, "literature"),
    ("9787532137749", "繁花", "金宇澄", "上海文艺出版社", 2013, "literature"),
    ("9787515324005", "人世间", "梁晓声", "中国青年出版社", 2017, "literature"),
    ("9787530283325", "额尔古纳河右岸", "迟子建", "北京十月文艺出版社", 2010, "literature"),
    ("9787023669544", "朝花夕拾", "鲁迅", "人民文学出版社", 2006, "literature"),
    ("9787540404116", "长安的荔枝", "马伯庸", "湖南文艺出版社", 2022, "literature"),
    ("9787532729739", "傅雷家书", "傅雷 著，傅敏 编", "上海译文出版社", 2018, "literature"),
    ("9787521792669", "人类简史：从动物到上帝", "尤瓦尔·赫拉利 著，林俊宏 译", "中信出版社", 2017, "history"),
    ("9787108462626", "万历十五年", "黄仁宇", "生活·读书·新知三联书店", 1997, "history"),
    ("9787559697417", "明朝那些事儿（第一部）", "当年明月", "北京联合出版公司", 2017, "history"),
    ("9787540450786", "苏东坡传", "林语堂 著，张振玉 译", "湖南文艺出版社", 2018, "history"),
    ("9787218451183", "岭南古村落", "广东人民出版社 编", "广东人民出版社", 2016, "history"),
    ("9787100165914", "乡土中国", "费孝通", "商务印书馆", 2015, "society"),
    ("9787218126258", "邻里的温度：社区营造案例集", "广东人民出版社 编", "广东人民出版社", 2021, "society"),
    ("9787540432119", "时间简史（插图版）", "史蒂芬·霍金 著，许明贤 吴忠超 译", "湖南文艺出版社", 2019, "science"),
    ("9787535405586", "昆虫记", "让-亨利·法布尔 著，陈筱卿 译", "长江文艺出版社", 2016, "science"),
    ("9787532408405", "十万个为什么（第六版）·动物", "韩启德 主编", "少年儿童出版社", 2013, "children"),
    ("9787532789627", "小王子", "安托万·德·圣埃克苏佩里 著，马振骋 译", "上海译文出版社", 2018, "children"),
    ("9787544210065", "窗边的小豆豆", "黑柳彻子 著，赵玉皎 译", "南海出版公司", 2018, "children"),
    ("9787501650965", "草房子", "曹文轩", "天天出版社", 2016, "children"),
    ("9787532787586", "夏洛的网", "E.B.怀特 著，任溶溶 译", "上海译文出版社", 2014, "children"),
    ("9787532434985", "没头脑和不高兴", "任溶溶", "少年儿童出版社", 2015, "children"),
    ("9787558345265", "西游记（青少版）", "吴承恩 著", "新世纪出版社", 2019, "children"),
    ("9787218958620", "舌尖上的广东：岭南家常菜", "广东人民出版社 编", "广东人民出版社", 2019, "life"),
    ("9787110851234", "老年人健康生活一本通", "中国老年学和老年医学学会 编", "科学普及出版社", 2020, "life"),
    ("9787115097828", "长辈学用智能手机（大字版）", "人民邮电出版社 编", "人民邮电出版社", 2021, "life"),
    ("9787218973586", "岭南中医四季养生", "广东省中医院 编", "广东人民出版社", 2018, "life"),
    ("9787539682051", "谈美", "朱光潜", "安徽文艺出版社", 2017, "arts"),
    ("9787521782424", "蒋勋说宋词", "蒋勋", "中信出版社", 2017, "arts"),
    ("9787536053052", "粤剧粤曲欣赏", "花城出版社 编", "花城出版社", 2015, "arts"),
    ("9787100403696", "新华字典（第12版）", "中国社会科学院语言研究所 编", "商务印书馆", 2020, "reference"),
    ("9787519714260", "中华人民共和国民法典（大字本）", "法律出版社 编", "法律出版社", 2020, "reference"),
    ("9787101870350", "古文观止", "吴楚材 吴调侯 选编", "中华书局", 2016, "literature"),
]
DONATED_BY_RESIDENT = ["小王子", "窗边的小豆豆", "草房子"]
DONATED_BY_NAME = ("张伯", ["十万个为什么（第六版）·动物", "古文观止"])


def seed(rng: random.Random, now: datetime | None = None) -> dict[str, int]:
    """Write the demo book corners; returns counts for seed_demo's table (empty when the venue is missing)."""
    return BookDemo(rng, now or timezone.now()).run()


class BookDemo:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.by_title = {row[1]: row for row in BOOKS}
        self.stamps: list[tuple[int, datetime]] = []
        self.mark = self._last_notification()

    # --- the world as seeded before ----------------------------------------------------------

    def _staff_for(self, venue: Venue) -> Person | None:
        """Someone who runs the venue: its community's staff, else the sub-district administrator."""
        assignments = (
            RoleAssignment.objects.active()
            .filter(role__in=[Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN], path__in=ancestor_paths(venue.place.path))
            .select_related("person")
            .order_by("-path", "id")
        )
        return next((a.person for a in assignments if access.can_run(a.person, venue)), None)

    def _residents(self, venue: Venue, exclude: set[int], n: int) -> list[Person]:
        adult = D.REFERENCE_YEAR - 18
        ids = list(
            HouseholdMember.objects.filter(
                path__startswith=access.community_path(venue),
                person__is_active=True,
                person__mobile__isnull=False,
                person__birth_year__lte=adult,
            )
            .exclude(person_id__in=exclude)
            .order_by("id")
            .values_list("person_id", flat=True)
            .distinct()[:400]
        )
        chosen = self.rng.sample(sorted(set(ids)), min(n, len(set(ids))))
        return list(Person.objects.filter(pk__in=chosen).order_by("id"))

    # --- notifications at the moment of their action -----------------------------------------

    @staticmethod
    def _last_notification() -> int:
        return Notification.objects.aggregate(n=Max("id"))["n"] or 0

    def stamp(self, at: datetime) -> None:
        self.stamps.append((self._last_notification(), at))

    def finish(self) -> None:
        """Move the notifications the actions wrote to the moment of their action; older than three
        days: read."""
        adapt = connection.ops.adapt_datetimefield_value
        rows, start = [], self.mark
        for end, at in self.stamps:
            if end > start:
                read_at = at + timedelta(hours=3) if at < self.now - timedelta(days=3) else None
                rows.append((adapt(at), adapt(read_at), start, end))
                start = end
        with connection.cursor() as cursor:
            table = Notification._meta.db_table
            cursor.executemany(f"UPDATE {table} SET created_at = %s, read_at = %s WHERE id > %s AND id <= %s", rows)  # noqa: S608

    def ago(self, days: float, hour: int = 10) -> datetime:
        moment = timezone.localtime(self.now - timedelta(days=days))
        return moment.replace(hour=hour, minute=self.rng.randrange(60), second=0, microsecond=0)

    # --- the corners ---------------------------------------------------------------------------

    def catalogue(self, staff: Person, venue: Venue, titles: list[str], at: datetime, copies=(1, 3)) -> dict[str, Book]:
        books = {}
        for title in titles:
            isbn, _title, author, publisher, year, category = self.by_title[title]
            book = actions.catalogue_book(
                actor=staff,
                venue=venue,
                isbn=isbn,
                title=title,
                author=author,
                publisher=publisher,
                year=year,
                category=category,
                now=at,
            )
            if not book.copies.exists():
                shelf = f"{'ABCDEF'[list(self.by_title).index(title) % 6]}{self.rng.randint(1, 4)}"
                actions.add_copies(
                    actor=staff, book=book, count=self.rng.randint(*copies), shelf=shelf, acquired_on=at.date(), now=at
                )
            books[title] = book
        return books

    def run(self) -> dict[str, int]:
        venues = list(access.corner_venues().select_related("place").order_by("id"))
        main = next((v for v in venues if v.name == MAIN_VENUE), None)
        if main is None:
            return {}
        demo = {a["key"]: Person.objects.filter(mobile=a["mobile"]).first() for a in D.DEMO_ACCOUNTS}
        for venue in venues:
            staff = self._staff_for(venue)
            if staff is None:
                continue
            if venue.pk == main.pk:
                self.main_corner(venue, staff, demo)
            else:
                n = self.rng.randint(*OTHER_TITLES)
                self.catalogue(staff, venue, self.rng.sample(list(self.by_title), n), self.ago(self.rng.randint(90, 400)), (1, 2))
        self.finish()
        return {
            "book corners": Book.objects.values("venue").distinct().count(),
            "book titles": Book.objects.count(),
            "book copies": Copy.objects.count(),
            "book loans": Loan.objects.count(),
            "book donations": Donation.objects.count(),
        }

    def main_corner(self, venue: Venue, staff: Person, demo: dict) -> None:
        resident, leader = demo["resident"], demo["building_leader"]
        opened = self.ago(300)
        name, given = DONATED_BY_NAME
        actions.record_donation(
            actor=staff,
            venue=venue,
            donor_name=name,
            note="住在4栋的老街坊，孙子长大了，把书送来书屋。",
            items=[actions.DonatedBook(isbn=self.by_title[t][0], title=t, author=self.by_title[t][2]) for t in given],
            shelf="F1",
            now=self.ago(60, 16),
        )
        self.stamp(self.ago(60, 16))
        rest = [t for t in self.by_title if t not in DONATED_BY_RESIDENT and t not in given]
        books = self.catalogue(staff, venue, rest, opened)
        # One copy of 《三体》 only: the resident has it and a neighbour waits for it.
        books["三体"].copies.exclude(pk=books["三体"].copies.order_by("id").first().pk).delete()
        if resident is not None and access.may_borrow(resident, venue):
            at = self.ago(20, 15)
            actions.record_donation(
                actor=staff,
                venue=venue,
                donor=resident,
                note="孩子读过的童书，品相很好。",
                items=[
                    actions.DonatedBook(isbn=self.by_title[t][0], title=t, author=self.by_title[t][2])
                    for t in DONATED_BY_RESIDENT
                ],
                shelf="F2",
                now=at,
            )
            self.stamp(at)
            self.lend(staff, books["活着"], resident, 50)
            self.give_back(staff, books["活着"], 35)
            self.lend(staff, books["人世间"], resident, 28)
            at = self.ago(12, 19)
            actions.borrow_by_code(person=resident, code=self.free_copy(books["三体"]).code, now=at)
            self.stamp(at)
        if leader is not None and access.may_borrow(leader, venue):
            loan = self.lend(staff, books["万历十五年"], leader, 40)
            at = self.ago(16, 20)
            actions.renew_loan(actor=leader, loan=loan, now=at)
            self.stamp(at)
        others = self._residents(venue, {p.pk for p in demo.values() if p is not None}, 4)
        plan = [("明朝那些事儿（第一部）", 44), ("平凡的世界", 21), ("舌尖上的广东：岭南家常菜", 9), ("昆虫记", 3)]
        for person, (title, days) in zip(others, plan, strict=False):
            self.lend(staff, books[title], person, days)
        if others:
            at = self.ago(5, 21)
            actions.join_waitlist(person=others[-1], book=books["三体"], now=at)

    def free_copy(self, book: Book) -> Copy:
        return book.copies.filter(status=Copy.Status.AVAILABLE).order_by("id").first()

    def lend(self, staff: Person, book: Book, person: Person, days_ago: int) -> Loan:
        at = self.ago(days_ago, 17)
        loan = actions.lend(actor=staff, copy=self.free_copy(book), borrower=person, now=at)
        self.stamp(at)
        return loan

    def give_back(self, staff: Person, book: Book, days_ago: int) -> None:
        at = self.ago(days_ago, 18)
        copy = Copy.objects.get(book=book, status=Copy.Status.ON_LOAN, loans__returned_at__isnull=True)
        actions.return_copy(actor=staff, copy=copy, now=at)
        self.stamp(at)
