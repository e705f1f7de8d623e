"""Reads for the book corner pages and the API: a constant number of queries per page, whatever the
number of books, copies or loans shown."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from core.masking import mask_mobile
from people.models import HouseholdMember, Ownership, Person
from people.queries import home_labels, search_people
from people.validators import normalise_mobile
from places.models import Place, Room, Venue

from . import access, rules
from .models import HELD_STATUSES, Book, Copy, Donation, Loan, WaitlistEntry

PAGE_SIZE = 20


def corners(user=None) -> list[Venue]:
    """Every book corner with its room (opening hours) and how many titles and copies on the shelf it
    has; those of the user's community first."""
    rooms = Room.objects.filter(function=access.BOOK_CORNER).order_by("id")
    venues = list(
        access.corner_venues()
        .select_related("place")
        .prefetch_related(Prefetch("rooms", queryset=rooms, to_attr="corner_rooms"))
        .annotate(
            titles=Count("books", distinct=True),
            available=Count("books__copies", filter=Q(books__copies__status=Copy.Status.AVAILABLE), distinct=True),
        )
        .order_by("name")
    )
    for v in venues:
        v.room = v.corner_rooms[0] if v.corner_rooms else None
    if getattr(user, "is_authenticated", False):
        homes = set(HouseholdMember.objects.filter(person=user).values_list("path", flat=True))
        homes |= set(Ownership.objects.filter(person=user).values_list("path", flat=True))
        paths = [v.place.path for v in venues]
        communities = _community_paths(paths)
        for v in venues:
            community = communities.get(v.place.path, v.place.path)
            v.is_mine = any(h.startswith(community) for h in homes)
        venues.sort(key=lambda v: not v.is_mine)
    return venues


def _community_paths(place_paths: list[str]) -> dict[str, str]:
    """Place path → the path of the community (or village) above it, in one query."""
    ids = {int(seg) for p in place_paths for seg in p.split(".") if seg}
    found = list(Place.objects.communities().filter(pk__in=ids).values_list("path", flat=True))
    return {p: next((c for c in found if p.startswith(c)), p) for p in place_paths}


def corner_room(venue: Venue) -> Room | None:
    return Room.objects.filter(venue=venue, function=access.BOOK_CORNER).order_by("id").first()


def catalogue(venue: Venue, q: str = "", available_only: bool = False, category: str = "") -> QuerySet[Book]:
    """The venue's books with ``available`` (on the shelf) and ``held`` (on the shelf or on loan) copy
    counts; ``q`` finds an ISBN (any form), or words in the title or author."""
    qs = Book.objects.filter(venue=venue).annotate(
        available=Count("copies", filter=Q(copies__status=Copy.Status.AVAILABLE)),
        held=Count("copies", filter=Q(copies__status__in=HELD_STATUSES)),
    )
    q = (q or "").strip()
    if q:
        isbn = rules.looks_like_isbn(q)
        if isbn:
            qs = qs.filter(isbn=isbn)
        elif q.replace("-", "").isdigit():
            qs = qs.filter(isbn__contains=q.replace("-", ""))
        else:
            qs = qs.filter(Q(title__icontains=q) | Q(author__icontains=q))
    if category:
        qs = qs.filter(category=category)
    if available_only:
        qs = qs.filter(available__gt=0)
    return qs.order_by("title", "id")


def _open_due() -> Subquery:
    return Subquery(Loan.objects.filter(copy=OuterRef("pk"), returned_at__isnull=True).values("due_on")[:1])


def book_page(book: Book, user) -> dict:
    """A book's copies (with the due date of those on loan, never the borrower), its waiting list's
    length, and the user's own place in it and loan of it."""
    copies = list(Copy.objects.filter(book=book).annotate(due_on=_open_due()).order_by("status", "code"))
    waiting = WaitlistEntry.objects.filter(book=book, closed_at__isnull=True)
    mine_waiting = mine_loan = None
    if getattr(user, "is_authenticated", False):
        mine_waiting = waiting.filter(person=user).first()
        mine_loan = Loan.objects.open().filter(copy__book=book, borrower=user).select_related("copy").first()
    return {
        "copies": copies,
        "available": sum(1 for c in copies if c.status == Copy.Status.AVAILABLE),
        "held": sum(1 for c in copies if c.status in HELD_STATUSES),
        "waiting": waiting.count(),
        "mine_waiting": mine_waiting,
        "mine_loan": mine_loan,
    }


def my_loans(person) -> tuple[list[Loan], list[Loan]]:
    """The person's open loans (soonest due first) and their last 50 returned ones."""
    rows = Loan.objects.filter(borrower=person).select_related("copy__book", "venue")
    return list(rows.open().order_by("due_on", "id")), list(rows.filter(returned_at__isnull=False).order_by("-returned_at")[:50])


def my_donations(person) -> list[Donation]:
    copies = Copy.objects.select_related("book").order_by("book__title", "id")
    return list(
        Donation.objects.filter(donor=person)
        .select_related("venue")
        .prefetch_related(Prefetch("copies", queryset=copies))
        .order_by("-received_at", "-id")
    )


def my_waiting(person) -> list[WaitlistEntry]:
    return list(
        WaitlistEntry.objects.filter(person=person, closed_at__isnull=True).select_related("book__venue").order_by("created_at")
    )


def staff_loans(venue: Venue) -> QuerySet[Loan]:
    """Open loans of the venue, overdue (oldest due date) first, with the borrower for the staff."""
    return Loan.objects.open().filter(venue=venue).select_related("copy__book", "borrower").order_by("due_on", "id")


def recent_loans(venue: Venue, limit: int = 15) -> list[Loan]:
    return list(Loan.objects.filter(venue=venue).select_related("copy__book", "borrower").order_by("-lent_at", "-id")[:limit])


def desk_counts(venue: Venue, today) -> dict[str, int]:
    loans = Loan.objects.filter(venue=venue, returned_at__isnull=True).aggregate(
        on_loan=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today))
    )
    copies = Copy.objects.filter(book__venue=venue).aggregate(
        available=Count("id", filter=Q(status=Copy.Status.AVAILABLE)), titles=Count("book", distinct=True)
    )
    return {**loans, **copies}


def eligible_people(venue: Venue) -> QuerySet[Person]:
    """Who may borrow at the venue: active residents and owners under its community."""
    path = access.community_path(venue)
    lives = HouseholdMember.objects.filter(path__startswith=path, person=OuterRef("pk"))
    owns = Ownership.objects.filter(path__startswith=path, person=OuterRef("pk"))
    return Person.objects.filter(Exists(lives) | Exists(owns), is_active=True, anonymised_at__isnull=True)


@dataclass(slots=True)
class BorrowerRow:
    """A resident the desk may lend to: name, masked mobile and homes (to tell namesakes apart)."""

    pk: int
    name: str
    mobile_masked: str
    homes: list[str]


def find_borrowers(venue: Venue, q: str, limit: int = 20) -> list[BorrowerRow]:
    """Residents of the venue's community matching ``q``: a full mobile number (told at the desk), its
    last four digits, a name or its pinyin (initials). Mobiles masked. Three queries."""
    q = (q or "").strip()
    if not q:
        return []
    people = eligible_people(venue)
    digits = q.replace(" ", "").replace("-", "")
    if digits.lstrip("+").isdigit() and len(digits) >= 11:
        try:
            people = people.filter(mobile=normalise_mobile(digits))
        except ValidationError:
            return []
    else:
        people = search_people(people, q)
    rows = list(people.only("id", "name", "mobile").order_by("name_pinyin", "id")[:limit])
    homes = home_labels([p.pk for p in rows])
    return [BorrowerRow(p.pk, p.name, mask_mobile(p.mobile), homes.get(p.pk, [])) for p in rows]


def venue_donations(venue: Venue) -> QuerySet[Donation]:
    return (
        Donation.objects.filter(venue=venue)
        .select_related("donor", "received_by")
        .annotate(copy_count=Count("copies"))
        .order_by("-received_at", "-id")
    )


def donation_copies(donation: Donation) -> list[Copy]:
    return list(donation.copies.select_related("book").order_by("book__title", "id"))


def label_copies(venue: Venue, *, book_id=None, donation_id=None, codes=()) -> list[Copy]:
    """Copies to print labels for: of one book, one donation, or the codes listed; only the venue's."""
    qs = Copy.objects.filter(book__venue=venue).select_related("book")
    if book_id:
        qs = qs.filter(book_id=book_id)
    elif donation_id:
        qs = qs.filter(donation_id=donation_id)
    elif codes:
        qs = qs.filter(code__in=[c for c in (rules.normalise_code(c) for c in codes) if c])
    else:
        today = timezone.localdate()
        qs = qs.filter(acquired_on=today)  # today's new copies
    return list(qs.exclude(status=Copy.Status.WITHDRAWN).order_by("book__title", "code")[:300])
