"""JSON API for the shared book corners (mounted at /api/books in config/api.py): the corners and their
catalogues, books and copies, lending and returning (at the desk and by self-service with the code on
the label), renewals, the waiting list, "my books", donations.

Every endpoint asks ``access`` exactly as the pages do: a desk endpoint for a venue the user does not
run answers 404, like a missing one. A refusal answers 400 with the reasons by field, a copy someone
else borrowed first 409. Borrowers appear to venue staff by name with a masked mobile (each read
audited), to anyone else not at all.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from cases.api import Error
from core import audit
from core.masking import mask_mobile
from people.api import AUTH

from . import access, actions, queries, rules
from .models import Copy, Loan

router = Router(tags=["books"], auth=AUTH)


# --- schemas ------------------------------------------------------------------------------------


class CornerOut(Schema):
    id: int
    name: str
    place: str
    location: str
    opening_hours: str
    titles: int
    available: int = Field(..., description="Copies on the shelf")
    is_mine: bool = Field(False, description="In the community where you live or own a home")

    @staticmethod
    def resolve_place(obj):
        return obj.place.name

    @staticmethod
    def resolve_opening_hours(obj):
        return obj.room.opening_hours if obj.room else ""


class BookOut(Schema):
    id: int
    venue_id: int
    isbn: str = Field(..., description="13 digits, or empty for a book without one")
    title: str
    author: str
    publisher: str
    year: int | None
    category: str
    available: int = Field(..., description="Copies on the shelf")
    held: int = Field(..., description="Copies on the shelf or on loan")


class CopyOut(Schema):
    id: int
    book_id: int
    code: str | None = Field(..., description="Only for venue staff (and the copy you hold): the code borrows the copy")
    status: str
    shelf: str
    acquired_on: date
    due_on: date | None = Field(None, description="When a copy on loan is due back")
    version: int


class BookDetailOut(BookOut):
    notes: str
    copies: list[CopyOut]
    waiting: int = Field(..., description="People on the waiting list")
    you_are_waiting: bool
    can_run: bool = Field(..., description="Whether you are staff of this venue")


class BookIn(Schema):
    isbn: str = Field("", description="ISBN-10 or ISBN-13, hyphens allowed; stored as 13 digits")
    title: str = Field("", description="Required unless the catalogue has the ISBN already")
    author: str = ""
    publisher: str = ""
    year: int | None = None
    category: str = ""
    notes: str = ""


class NewBookIn(BookIn):
    copies: int = Field(1, description="How many copies to put on the shelf (each gets a code)")
    shelf: str = ""


class CopiesIn(Schema):
    count: int = 1
    shelf: str = ""
    acquired_on: date | None = None


class CopyStatusIn(Schema):
    status: str = Field(..., description="lost, withdrawn, or available (found again, or back in the collection)")
    note: str = ""
    version: int | None = Field(None, description="The version you saw; a newer one answers 409")


class CodeIn(Schema):
    code: str = Field(..., description="The six characters on the label (or the address its QR code holds)")


class LendIn(CodeIn):
    borrower_id: int


class LoanOut(Schema):
    id: int
    copy_id: int
    code: str
    book_id: int
    title: str
    venue_id: int
    venue: str
    lent_at: datetime
    due_on: date
    renewals: int
    returned_at: datetime | None
    self_service: bool
    overdue: bool

    @staticmethod
    def resolve_code(obj):
        return obj.copy.code

    @staticmethod
    def resolve_book_id(obj):
        return obj.copy.book_id

    @staticmethod
    def resolve_title(obj):
        return obj.copy.book.title

    @staticmethod
    def resolve_venue(obj):
        return obj.venue.name

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue()


class StaffLoanOut(LoanOut):
    borrower_id: int | None
    borrower: str | None = None
    borrower_mobile_masked: str = ""
    reminded_on: date | None

    @staticmethod
    def resolve_borrower(obj):
        return obj.borrower.name if obj.borrower_id else None

    @staticmethod
    def resolve_borrower_mobile_masked(obj):
        return mask_mobile(obj.borrower.mobile) if obj.borrower_id else ""


class BorrowerOut(Schema):
    id: int
    name: str
    mobile_masked: str
    homes: list[str]

    @staticmethod
    def resolve_id(obj):
        return obj.pk


class DonatedBookIn(Schema):
    isbn: str = ""
    title: str = ""
    author: str = ""
    copies: int = 1


class DonationIn(Schema):
    donor_id: int | None = Field(None, description="A resident of the venue's community")
    donor_name: str = Field("", description="Or the name of a donor who is not registered (both empty: anonymous)")
    note: str = ""
    shelf: str = ""
    books: list[DonatedBookIn]


class DonatedCopyOut(Schema):
    id: int
    code: str | None = Field(..., description="Only for venue staff")
    book_id: int
    title: str
    status: str

    @staticmethod
    def resolve_title(obj):
        return obj.book.title


class DonationOut(Schema):
    id: int
    venue_id: int
    venue: str
    donor: str = Field(..., description="The donor's name, the name typed, or 'anonymous'")
    received_at: datetime
    note: str
    copies: list[DonatedCopyOut]

    @staticmethod
    def resolve_venue(obj):
        return obj.venue.name

    @staticmethod
    def resolve_donor(obj):
        return obj.donor_label

    @staticmethod
    def resolve_copies(obj):
        return obj.copy_rows


# --- helpers ------------------------------------------------------------------------------------


def _book_detail(request, book) -> dict:
    data = queries.book_page(book, request.user)
    can_run = access.can_run(request.user, book.venue)
    copies = data["copies"]
    return {
        **{f: getattr(book, f) for f in ("id", "venue_id", "isbn", "title", "author", "publisher", "year", "category", "notes")},
        "available": data["available"],
        "held": data["held"],
        "copies": copies if can_run else [_without_code(c) for c in copies],
        "waiting": data["waiting"],
        "you_are_waiting": data["mine_waiting"] is not None,
        "can_run": can_run,
    }


def _without_code(copy):
    """Codes are read off the book on the shelf: the API does not hand them out, or a copy could be
    borrowed from home while someone else takes it from the shelf."""
    copy.code = None
    return copy


def _donation(request, donation):
    rows = queries.donation_copies(donation)
    if not access.can_run(request.user, donation.venue):
        rows = [_without_code(c) for c in rows]
    donation.copy_rows = rows
    return donation


def _loan(loan: Loan) -> Loan:
    return Loan.objects.select_related("copy__book", "venue", "borrower").get(pk=loan.pk)


def _audited(request, rows: list, action: str, person_field: str) -> list:
    """Rows of a staff list showing persons: one audited read per person shown."""
    ids = sorted({getattr(r, person_field) for r in rows if getattr(r, person_field)})
    audit.record_reads(actor=request.user, action=action, subject_ids=ids)
    return rows


# --- corners and catalogue ----------------------------------------------------------------------


@router.get("/corners", response=list[CornerOut])
def list_corners(request):
    """Every book corner, those of your community first."""
    return queries.corners(request.user)


@router.get("/corners/{int:venue_id}/books", response=list[BookOut])
@paginate(LimitOffsetPagination)
def list_books(request, venue_id: int, q: str = "", available: bool = False, category: str = ""):
    """The catalogue: ``q`` finds an ISBN (any form) or words of the title or author; ``available`` only
    books with a copy on the shelf."""
    return queries.catalogue(access.get_corner(venue_id), q, available, category)


@router.post("/corners/{int:venue_id}/books", response={201: BookDetailOut, 400: Error, 404: Error})
def create_book(request, venue_id: int, payload: NewBookIn):
    """Catalogue a book (or find the entry for its ISBN) and put copies on the shelf. Venue staff."""
    venue = access.get_desk_for(request.user, venue_id)
    data = payload.dict()
    count, shelf = data.pop("copies"), data.pop("shelf")
    with transaction.atomic():
        book = actions.catalogue_book(actor=request.user, venue=venue, **data)
        actions.add_copies(actor=request.user, book=book, count=count, shelf=shelf)
    return Status(201, _book_detail(request, book))


@router.get("/books/{int:book_id}", response={200: BookDetailOut, 404: Error})
def get_book(request, book_id: int):
    return _book_detail(request, access.get_book(book_id))


@router.put("/books/{int:book_id}", response={200: BookDetailOut, 400: Error, 404: Error})
def update_book(request, book_id: int, payload: BookIn):
    """Correct a catalogue entry. Venue staff."""
    book = access.get_book_for_staff(request.user, book_id)
    actions.update_book(actor=request.user, book=book, **payload.dict())
    return _book_detail(request, book)


@router.post("/books/{int:book_id}/copies", response={201: list[CopyOut], 400: Error, 404: Error})
def add_copies(request, book_id: int, payload: CopiesIn):
    """More copies of a catalogued book, each with its code. Venue staff."""
    book = access.get_book_for_staff(request.user, book_id)
    return Status(
        201,
        actions.add_copies(
            actor=request.user, book=book, count=payload.count, shelf=payload.shelf, acquired_on=payload.acquired_on
        ),
    )


@router.post("/books/{int:book_id}/waitlist", response={201: BookDetailOut, 400: Error, 404: Error})
def join_waitlist(request, book_id: int):
    """Wait for a book all of whose copies are on loan; you are told in the app when one is back."""
    book = access.get_book(book_id)
    actions.join_waitlist(person=request.user, book=book)
    return Status(201, _book_detail(request, book))


@router.delete("/books/{int:book_id}/waitlist", response={204: None, 404: Error})
def leave_waitlist(request, book_id: int):
    actions.leave_waitlist(person=request.user, book=access.get_book(book_id))
    return Status(204, None)


# --- copies -------------------------------------------------------------------------------------


@router.get("/copies/{code}", response={200: CopyOut, 404: Error})
def get_copy(request, code: str):
    """A copy by the code on its label: its book and whether it is on the shelf."""
    copy = Copy.objects.filter(code=rules.normalise_code(code) or "-").select_related("book__venue__place").first()
    if copy is None:
        raise Http404
    loan = Loan.objects.open().filter(copy=copy).only("due_on").first()
    copy.due_on = loan.due_on if loan else None
    return copy


@router.post("/copies/{int:copy_id}/status", response={200: CopyOut, 400: Error, 404: Error, 409: Error})
def set_copy_status(request, copy_id: int, payload: CopyStatusIn):
    """Mark a copy lost or withdrawn, or available again. A copy lost while on loan closes its loan."""
    copy = access.get_copy_for_staff(request.user, copy_id)
    actions.set_copy_status(actor=request.user, copy=copy, status=payload.status, note=payload.note, version=payload.version)
    copy.due_on = None
    return copy


# --- loans --------------------------------------------------------------------------------------


@router.get("/corners/{int:venue_id}/loans", response={200: list[StaffLoanOut], 404: Error})
def list_loans(request, venue_id: int, overdue: bool = False, returned: bool = False, limit: int = 50, offset: int = 0):
    """Loans of a venue for its staff: open ones by due date (``overdue=true``: only those past it), or
    with ``returned=true`` the returned ones, newest first. ``limit`` at most 100."""
    venue = access.get_desk_for(request.user, venue_id)
    if returned:
        qs = Loan.objects.filter(venue=venue, returned_at__isnull=False).select_related("copy__book", "borrower", "venue")
        qs = qs.order_by("-returned_at", "-id")
    else:
        qs = queries.staff_loans(venue).select_related("venue")
        if overdue:
            qs = qs.filter(due_on__lt=timezone.localdate())
    limit, offset = min(max(limit, 1), 100), max(offset, 0)
    return _audited(request, list(qs[offset : offset + limit]), "books.loans", "borrower_id")


@router.post("/loans", response={201: StaffLoanOut, 400: Error, 404: Error, 409: Error})
def lend(request, payload: LendIn):
    """At the desk: lend the copy with this code to a resident of the venue's community. Venue staff."""
    copy = actions.copy_by_code(payload.code)
    if not access.can_run(request.user, copy.book.venue):
        raise Http404
    borrower = queries.eligible_people(copy.book.venue).filter(pk=payload.borrower_id).first()
    if borrower is None:
        raise ValidationError({"borrower_id": _("There is no resident #%(n)s of this community.") % {"n": payload.borrower_id}})
    loan = _loan(actions.lend(actor=request.user, copy=copy, borrower=borrower))
    return Status(201, loan)


@router.post("/loans/return", response={200: StaffLoanOut, 400: Error, 404: Error})
def take_back(request, payload: CodeIn):
    """At the desk: the copy with this code is back, whoever borrowed it. Venue staff."""
    copy = actions.copy_by_code(payload.code)
    if not access.can_run(request.user, copy.book.venue):
        raise Http404
    return _loan(actions.return_copy(actor=request.user, copy=copy))


@router.post("/loans/{int:loan_id}/renew", response={200: LoanOut, 400: Error, 404: Error, 409: Error})
def renew(request, loan_id: int):
    """Thirty more days, once, before the due date and while nobody waits. The borrower or venue staff."""
    loan = access.get_loan_for(request.user, loan_id)
    return _loan(actions.renew_loan(actor=request.user, loan=loan))


@router.post("/self/borrow", response={201: LoanOut, 400: Error, 409: Error})
def self_borrow(request, payload: CodeIn):
    """Self-service: borrow the copy whose code you typed or scanned."""
    return Status(201, _loan(actions.borrow_by_code(person=request.user, code=payload.code)))


@router.post("/self/return", response={200: LoanOut, 400: Error})
def self_return(request, payload: CodeIn):
    """Self-service: return a copy you borrowed by typing its code again."""
    return _loan(actions.return_by_code(person=request.user, code=payload.code))


@router.get("/my/loans", response=list[LoanOut])
@paginate(LimitOffsetPagination)
def my_loans(request, returned: bool = False):
    """Your loans: the open ones, soonest due first (``returned=true``: the returned ones, newest first)."""
    qs = Loan.objects.filter(borrower=request.user).select_related("copy__book", "venue")
    if returned:
        return qs.filter(returned_at__isnull=False).order_by("-returned_at", "-id")
    return qs.filter(returned_at__isnull=True).order_by("due_on", "id")


# --- donations ----------------------------------------------------------------------------------


@router.get("/my/donations", response=list[DonationOut])
def my_donations(request):
    return [_donation(request, d) for d in queries.my_donations(request.user)]


@router.get("/corners/{int:venue_id}/borrowers", response={200: list[BorrowerOut], 404: Error})
def find_borrowers(request, venue_id: int, q: str):
    """Residents of the venue's community by full mobile number, its last four digits, or name (pinyin
    too); mobiles masked. Venue staff; each result is an audited read."""
    venue = access.get_desk_for(request.user, venue_id)
    rows = queries.find_borrowers(venue, q)
    audit.record_reads(actor=request.user, action="books.borrower_search", subject_ids=[r.pk for r in rows], venue=venue.pk)
    return rows


@router.get("/corners/{int:venue_id}/donations", response={200: list[DonationOut], 404: Error})
def list_donations(request, venue_id: int, limit: int = 50, offset: int = 0):
    """A venue's donations, newest first, with their copies. Venue staff. ``limit`` at most 100."""
    venue = access.get_desk_for(request.user, venue_id)
    limit, offset = min(max(limit, 1), 100), max(offset, 0)
    rows = list(queries.venue_donations(venue).select_related("venue")[offset : offset + limit])
    return [_donation(request, d) for d in _audited(request, rows, "books.donations", "donor_id")]


@router.post("/corners/{int:venue_id}/donations", response={201: DonationOut, 400: Error, 404: Error})
def record_donation(request, venue_id: int, payload: DonationIn):
    """Record a donation: the donor and one line per title (ISBN or title, and copies). Venue staff."""
    venue = access.get_desk_for(request.user, venue_id)
    donor = None
    if payload.donor_id is not None:
        donor = queries.eligible_people(venue).filter(pk=payload.donor_id).first()
        if donor is None:
            raise ValidationError({"donor_id": _("There is no resident #%(n)s of this community.") % {"n": payload.donor_id}})
    donation = actions.record_donation(
        actor=request.user,
        venue=venue,
        items=[actions.DonatedBook(isbn=b.isbn, title=b.title, author=b.author, copies=b.copies) for b in payload.books],
        donor=donor,
        donor_name=payload.donor_name,
        note=payload.note,
        shelf=payload.shelf,
    )
    return Status(201, _donation(request, access.get_donation_for(request.user, donation.pk)))


@router.get("/donations/{int:donation_id}", response={200: DonationOut, 404: Error})
def get_donation(request, donation_id: int):
    """A donation: for its donor and the venue's staff."""
    return _donation(request, access.get_donation_for(request.user, donation_id))
