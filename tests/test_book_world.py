"""The book corners of the test world (``book_world``, shared by the other ``test_book_*`` files), and who
may borrow where: residents and owners of the venue's community, nobody else."""

import pytest

from books import access, actions
from books.models import Book, Copy
from places.models import Room, Venue


def corner(place, name: str) -> Venue:
    venue = Venue.objects.create(name=name, place=place, functions=["party_building", "book_corner"])
    Room.objects.create(venue=venue, name="共享书屋", function="book_corner", capacity=30, opening_hours="每日 9:00–21:00")
    Room.objects.create(venue=venue, name="党员活动室", function="party_building", capacity=30)
    return venue


def shelve(staff, venue, title: str, copies: int = 1, isbn: str = "", **fields) -> Book:
    book = actions.catalogue_book(actor=staff, venue=venue, title=title, isbn=isbn, **fields)
    actions.add_copies(actor=staff, book=book, count=copies)
    return book


def copy_of(book: Book, n: int = 0) -> Copy:
    return list(book.copies.order_by("id"))[n]


@pytest.fixture(name="book_world")
def book_world_fixture(world):
    """灯湖社区's corner at 中铁建水岸公馆 (《活着》 ×2, 《三体》 ×1), 桂一社区's corner at 桂南小区 (《围城》),
    and a venue of 灯湖社区 without a book corner."""
    w = world
    w.venue = corner(w.compound, "中铁建水岸公馆“创熟”加油站")
    w.other_venue = corner(w.other_compound, "桂南小区党建阵地")
    w.plain_venue = Venue.objects.create(name="灯湖社区党群服务中心", place=w.community, functions=["party_building"])
    Room.objects.create(venue=w.plain_venue, name="活动室", function="activity_room")
    w.huozhe = shelve(w.community_staff, w.venue, "活着", 2, isbn="978-7-5063-6543-7", author="余华")
    w.santi = shelve(w.community_staff, w.venue, "三体", 1, isbn="9787536692930", author="刘慈欣")
    w.weicheng = shelve(w.other_staff, w.other_venue, "围城", 1, author="钱锺书")
    return w


@pytest.fixture(name="english")
def english_fixture(client):
    """Messages compared as English text: the actions and the pages (Accept-Language) speak English,
    whatever the default language and its translations."""
    from django.utils import translation

    translation.activate("en")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    yield
    translation.activate("zh-hans")


def fresh(obj):
    obj.refresh_from_db()
    return obj


def test_only_venues_with_a_book_corner_room_are_book_corners(book_world):
    w = book_world
    assert set(access.corner_venues()) == {w.venue, w.other_venue}
    assert access.community_path(w.venue) == w.community.path
    assert access.community_path(w.other_venue) == w.other_community.path


@pytest.mark.parametrize(
    ("persona", "here", "there"),
    [
        ("resident", True, False),  # lives and owns in 1栋 101
        ("neighbour", True, False),  # tenant in 1栋 102
        ("b2_resident", True, False),
        ("building_leader", True, False),  # lives in 1栋 102
        ("community_staff", False, False),  # staff of the community, lives elsewhere
        ("admin", False, False),
        ("property_staff", False, False),
        ("volunteer", False, False),
        ("outsider", False, True),  # lives in 桂一社区
        ("other_staff", False, False),
    ],
)
def test_who_may_borrow_where(book_world, persona, here, there):
    person = getattr(book_world, persona)
    assert access.may_borrow(person, book_world.venue) is here
    assert access.may_borrow(person, book_world.other_venue) is there


def test_an_owner_living_elsewhere_may_borrow_in_the_community_of_their_home(book_world):
    from people.models import Ownership

    w = book_world
    Ownership.objects.create(unit=w.unit_b2, person=w.outsider)
    assert access.may_borrow(w.outsider, w.venue)
