"""State changes at a book corner. Each action runs in one transaction, re-checks its preconditions,
writes an audit entry and notifies through the outbox (sent only on commit). Refusals are
``ValidationError`` keyed by field; a copy someone else took first is ``CopyTaken`` (a ``Conflict``:
409 in the API); anything the actor may not do is ``PermissionDenied`` (404 on the pages and the API).

Lending (at the desk or by self-service) takes one row lock, the borrower's (``Person``), before counting
their loans, so two loans at once cannot both pass the limit of five; then it claims the copy by
compare-and-set (``available`` → ``on_loan``). Of two people borrowing one copy at the same moment one
gets the loan and the other ``CopyTaken``; the partial unique constraint ``books_one_open_loan_per_copy``
backs it. Returning locks the open loan. Renewing is a compare-and-set on the loan's due date.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import audit, concurrency
from core.concurrency import compare_and_set
from core.outbox import Notice, notify, notify_many
from people.models import Person
from places.models import Venue

from . import access, rules
from .models import TRANSITIONS, Book, Category, Copy, Donation, Loan, WaitlistEntry

MAX_COPIES_AT_ONCE = 50
MY_BOOKS_LINK = "/books/mine/"


class CopyTaken(concurrency.Conflict):
    message = gettext_lazy("Someone else borrowed this copy a moment ago.")


class CopyConflict(concurrency.Conflict):
    message = gettext_lazy("Someone else changed this copy a moment ago. Please look at it again.")


class LoanConflict(concurrency.Conflict):
    message = gettext_lazy("Someone else changed this loan a moment ago. Please look at it again.")


def book_link(book_id: int) -> str:
    return f"/books/book/{book_id}/"


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


# --- the catalogue ------------------------------------------------------------------------------


def clean_book_fields(
    *, isbn: str = "", title: str = "", author: str = "", publisher: str = "", year=None, category: str = "", notes: str = ""
) -> dict:
    """The fields of a catalogue entry, trimmed and checked (ISBN normalised to 13 digits). Raises one
    ``ValidationError`` naming every field that is wrong. The title may be empty here: an ISBN the
    catalogue already has needs none."""
    errors: dict[str, list[str]] = {}
    try:
        isbn = rules.normalise_isbn(isbn)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    fields = {
        "title": (title or "").strip(),
        "author": (author or "").strip(),
        "publisher": (publisher or "").strip(),
        "notes": (notes or "").strip(),
    }
    for name, limit in (("title", 200), ("author", 120), ("publisher", 120), ("notes", 2000)):
        if len(fields[name]) > limit:
            errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
    if year in ("", None):
        year = None
    else:
        try:
            year = int(year)
        except (TypeError, ValueError):
            year = -1
        if not 1000 <= year <= timezone.localdate().year + 1:
            errors["year"] = [_("Give the year it was published, four digits.")]
    category = category or ""
    if category not in Category.values and category != "":
        errors["category"] = [_("Choose a category from the list.")]
    if errors:
        raise ValidationError(errors)
    return {"isbn": isbn, "year": year, "category": category, **fields}


def _catalogue(actor: Person, venue: Venue, fields: dict, now: datetime) -> Book:
    """The entry for ``fields`` in the venue's catalogue: the one it has for the ISBN, or for a book
    without one the entry of the same title and author without one (its empty fields filled in); else a
    new one. Inside the caller's transaction."""
    if fields["isbn"]:
        same = Book.objects.filter(venue=venue, isbn=fields["isbn"])
    else:
        same = Book.objects.filter(venue=venue, isbn="", title=fields["title"], author=fields["author"])
    if fields["isbn"] or fields["title"]:
        book = same.select_for_update().order_by("id").first()
        if book is not None:
            missing = [
                f for f in ("title", "author", "publisher", "year", "category", "notes") if fields[f] and not getattr(book, f)
            ]
            for f in missing:
                setattr(book, f, fields[f])
            if missing:
                book.updated_at = now
                book.save(update_fields=[*missing, "updated_at"])
            return book
    if not fields["title"]:
        raise ValidationError({"title": _("Give the book's title.")})
    try:
        with transaction.atomic():
            book = Book.objects.create(
                venue=venue, path=venue.place.path, created_by=actor, created_at=now, updated_at=now, **fields
            )
    except IntegrityError:  # the same ISBN catalogued by someone else at this moment
        book = Book.objects.get(venue=venue, isbn=fields["isbn"])
    else:
        audit.record(actor=actor, action="book.catalogued", obj=book, isbn=book.isbn)
    return book


def catalogue_book(
    *,
    actor: Person,
    venue: Venue,
    title: str = "",
    isbn: str = "",
    author: str = "",
    publisher: str = "",
    year=None,
    category: str = "",
    notes: str = "",
    now: datetime | None = None,
) -> Book:
    """Add a title to the venue's catalogue, or find the entry it has for that ISBN. Venue staff only."""
    now = now or timezone.now()
    _require(access.can_run(actor, venue))
    fields = clean_book_fields(
        isbn=isbn, title=title, author=author, publisher=publisher, year=year, category=category, notes=notes
    )
    with transaction.atomic():
        return _catalogue(actor, venue, fields, now)


def update_book(*, actor: Person, book: Book, now: datetime | None = None, **values) -> Book:
    """Correct a catalogue entry (title, author, ISBN…). Venue staff only; another entry of the venue
    with the same ISBN is refused."""
    now = now or timezone.now()
    _require(access.can_run(actor, book.venue))
    fields = clean_book_fields(
        **{f: values.get(f, getattr(book, f)) for f in ("isbn", "title", "author", "publisher", "year", "category", "notes")}
    )
    if not fields["title"]:
        raise ValidationError({"title": _("Give the book's title.")})
    if fields["isbn"] and Book.objects.filter(venue_id=book.venue_id, isbn=fields["isbn"]).exclude(pk=book.pk).exists():
        raise ValidationError({"isbn": _("Another book in this catalogue has this ISBN.")})
    changed = [f for f, v in fields.items() if getattr(book, f) != v]
    if not changed:
        return book
    try:
        with transaction.atomic():
            for f in changed:
                setattr(book, f, fields[f])
            book.updated_at = now
            book.save(update_fields=[*changed, "updated_at"])
            audit.record(actor=actor, action="book.updated", obj=book, fields=changed)
    except IntegrityError as exc:
        raise ValidationError({"isbn": _("Another book in this catalogue has this ISBN.")}) from exc
    return book


def _new_copies(book: Book, count: int, *, shelf: str, acquired_on: date, donation: Donation | None, now: datetime) -> list[Copy]:
    """``count`` copies with fresh codes (a code already taken is drawn again)."""
    for _attempt in range(5):
        codes: set[str] = set()
        while len(codes) < count:
            codes.add(rules.new_copy_code())
        codes -= set(Copy.objects.filter(code__in=codes).values_list("code", flat=True))
        if len(codes) < count:
            continue
        copies = [
            Copy(book=book, code=code, shelf=shelf, acquired_on=acquired_on, donation=donation, updated_at=now)
            for code in sorted(codes)
        ]
        try:
            with transaction.atomic():
                return Copy.objects.bulk_create(copies)
        except IntegrityError:  # drawn by someone else at this moment
            continue
    raise CopyConflict


def _check_copies(count, shelf: str, field: str = "copies") -> tuple[int, str]:
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_COPIES_AT_ONCE:
        raise ValidationError({field: _("Between 1 and %(n)d copies at a time.") % {"n": MAX_COPIES_AT_ONCE}})
    shelf = (shelf or "").strip()
    if len(shelf) > 40:
        raise ValidationError({"shelf": _("At most %(n)d characters.") % {"n": 40}})
    return count, shelf


def add_copies(
    *,
    actor: Person,
    book: Book,
    count: int = 1,
    shelf: str = "",
    acquired_on: date | None = None,
    now: datetime | None = None,
) -> list[Copy]:
    """Put ``count`` new copies of a catalogued book on the shelf, each with its code. Venue staff only."""
    now = now or timezone.now()
    _require(access.can_run(actor, book.venue))
    count, shelf = _check_copies(count, shelf)
    acquired_on = acquired_on or timezone.localdate(now)
    if acquired_on > timezone.localdate(now):
        raise ValidationError({"acquired_on": _("This date is in the future.")})
    with transaction.atomic():
        copies = _new_copies(book, count, shelf=shelf, acquired_on=acquired_on, donation=None, now=now)
        audit.record(actor=actor, action="book.copies_added", obj=book, codes=[c.code for c in copies])
    return copies


# --- donations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DonatedBook:
    """One title of a donation: an ISBN (a title the catalogue has needs nothing else) or a title."""

    title: str = ""
    isbn: str = ""
    author: str = ""
    copies: int = 1


def record_donation(
    *,
    actor: Person,
    venue: Venue,
    items: Iterable[DonatedBook],
    donor: Person | None = None,
    donor_name: str = "",
    note: str = "",
    shelf: str = "",
    now: datetime | None = None,
) -> Donation:
    """Record books given to the corner: the donor (a resident of the community, or a name typed for
    someone not registered, or nobody: anonymous), the titles catalogued (or found by ISBN) and their
    copies on the shelf with codes. All or nothing: one wrong line saves none. Venue staff only; the
    donor is thanked in the app."""
    now = now or timezone.now()
    _require(access.can_run(actor, venue))
    donor_name = (donor_name or "").strip()
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if donor is not None and donor_name:
        errors["donor_name"] = [_("Choose a registered donor or type a name, not both.")]
    if donor is not None and not access.may_borrow(donor, venue):
        errors["donor"] = [_("Choose the donor among the residents of this community, or type their name.")]
    if len(donor_name) > 60:
        errors["donor_name"] = [_("At most %(n)d characters.") % {"n": 60}]
    if len(note) > 2000:
        errors["note"] = [_("At most %(n)d characters.") % {"n": 2000}]
    checked: list[tuple[dict, int]] = []
    item_errors: list[str] = []
    for n, item in enumerate(items, 1):
        try:
            fields = clean_book_fields(isbn=item.isbn, title=item.title, author=item.author)
            count, shelf = _check_copies(item.copies, shelf)
        except ValidationError as exc:
            item_errors += [_("Book %(n)d: %(e)s") % {"n": n, "e": m} for ms in exc.message_dict.values() for m in ms]
            continue
        if not fields["title"] and not Book.objects.filter(venue=venue, isbn=fields["isbn"]).exists():
            item_errors.append(_("Book %(n)d: give its title (this catalogue does not have the ISBN yet).") % {"n": n})
            continue
        checked.append((fields, count))
    if item_errors:
        errors["items"] = item_errors
    elif not checked:
        errors["items"] = [_("Add at least one book.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        donation = Donation.objects.create(
            venue=venue, path=venue.place.path, donor=donor, donor_name=donor_name, received_by=actor, received_at=now, note=note
        )
        total = 0
        for fields, count in checked:
            book = _catalogue(actor, venue, fields, now)
            total += len(_new_copies(book, count, shelf=shelf, acquired_on=timezone.localdate(now), donation=donation, now=now))
        audit.record(
            actor=actor, action="book.donation_recorded", obj=donation, subject_id=donor.pk if donor else None, copies=total
        )
        if donor is not None:
            subject = ngettext(
                "Thank you for the book you gave to %(venue)s",
                "Thank you for the %(n)d books you gave to %(venue)s",
                total,
            ) % {"n": total, "venue": venue.name}
            notify(recipients=[donor], subject=subject, link=MY_BOOKS_LINK)
    return donation


# --- lending ------------------------------------------------------------------------------------


def copy_by_code(code: str) -> Copy:
    """The copy with this code (typed, or the address of its QR code), else ``ValidationError`` on
    ``code``. Codes are on the shelf for anyone to read: finding a copy by its code needs no permission."""
    normalised = rules.normalise_code(code)
    if not normalised:
        raise ValidationError({"code": _("This is not a book code: check the six characters on the label.")})
    copy = Copy.objects.filter(code=normalised).select_related("book__venue__place").first()
    if copy is None:
        raise ValidationError({"code": _("No book has the code %(code)s.") % {"code": normalised}})
    return copy


def _not_available(copy: Copy, borrower: Person, field: str) -> ValidationError:
    if copy.status == Copy.Status.ON_LOAN:
        if Loan.objects.open().filter(copy=copy, borrower=borrower).exists():
            return ValidationError({field: _("You have borrowed this copy already.")})
        return ValidationError({field: _("This copy is on loan to someone else.")})
    return ValidationError(
        {
            field: _("This copy is marked %(status)s and is not lent. Please hand it to the staff.")
            % {"status": copy.get_status_display()}
        }
    )


def _lend(*, copy: Copy, borrower: Person, lent_by: Person | None, now: datetime | None, field: str) -> Loan:
    now = now or timezone.now()
    today = timezone.localdate(now)
    venue = copy.book.venue
    if not access.may_borrow(borrower, venue):
        if lent_by is None:
            raise ValidationError({field: _("This book corner lends to the residents and owners of its community.")})
        raise ValidationError(
            {"borrower": _("%(name)s does not live or own a home in this community.") % {"name": borrower.name}}
        )
    if copy.status != Copy.Status.AVAILABLE:
        raise _not_available(copy, borrower, field)
    with transaction.atomic():
        # The one lock: the borrower's row, so that two loans at once cannot both pass the limit.
        list(Person.objects.select_for_update().filter(pk=borrower.pk).values_list("pk", flat=True))
        counts = Loan.objects.filter(borrower=borrower, returned_at__isnull=True).aggregate(
            open=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today))
        )
        rules.check_borrowing(open_loans=counts["open"], overdue_loans=counts["overdue"])
        claimed = Copy.objects.filter(pk=copy.pk, status=Copy.Status.AVAILABLE).update(
            status=Copy.Status.ON_LOAN, version=F("version") + 1, updated_at=now
        )
        if claimed != 1:
            raise CopyTaken
        try:
            with transaction.atomic():
                loan = Loan.objects.create(
                    copy=copy, venue=venue, borrower=borrower, lent_by=lent_by, lent_at=now, due_on=rules.due_date(today)
                )
        except IntegrityError as exc:  # the constraint is the last word on one open loan per copy
            raise CopyTaken from exc
        copy.status, copy.version, copy.updated_at = Copy.Status.ON_LOAN, copy.version + 1, now
        WaitlistEntry.objects.filter(book_id=copy.book_id, person=borrower, closed_at__isnull=True).update(closed_at=now)
        audit.record(
            actor=lent_by or borrower,
            action="book.lent" if lent_by else "book.borrowed",
            obj=loan,
            subject_id=borrower.pk,
            copy=copy.code,
        )
        subject = _("Borrowed: %(title)s, due on %(date)s") % {"title": copy.book.title, "date": loan.due_on.isoformat()}
        notify(recipients=[borrower], subject=subject, body=venue.name, link=MY_BOOKS_LINK)
    return loan


def lend(*, actor: Person, copy: Copy, borrower: Person, now: datetime | None = None) -> Loan:
    """At the desk: venue staff lend a copy to a resident of the venue's community, for 30 days."""
    _require(access.can_run(actor, copy.book.venue))
    return _lend(copy=copy, borrower=borrower, lent_by=actor, now=now, field="code")


def borrow_by_code(*, person: Person, code: str, now: datetime | None = None) -> Loan:
    """Self-service: a signed-in resident types (or scans) the code on the copy's label to borrow it."""
    return _lend(copy=copy_by_code(code), borrower=person, lent_by=None, now=now, field="code")


def _anonymised(person: Person | None) -> bool:
    return person is not None and person.anonymised_at is not None


def _close(*, copy: Copy, returned_to: Person | None, borrower: Person | None, now: datetime, lost: bool = False) -> Loan:
    """Close the copy's open loan (locked): returned, or lost while on loan. ``borrower``: only theirs.
    The borrower link of an erased account is dropped now (``personal_data.erase`` left it while the
    book was out). Inside the caller's transaction."""
    loan = (
        Loan.objects.select_for_update(of=("self",))
        .filter(copy=copy, returned_at__isnull=True)
        .select_related("borrower")
        .first()
    )
    if loan is None or (borrower is not None and loan.borrower_id != borrower.pk):
        if borrower is not None:
            raise ValidationError(
                {"code": _("This copy is not on loan to you. Books borrowed by someone else go back at the desk.")}
            )
        raise ValidationError({"code": _("This copy is not on loan.")})
    changes = {"returned_at": now, "returned_to": returned_to, "lost": lost}
    if _anonymised(loan.borrower):
        changes["borrower"] = None
    Loan.objects.filter(pk=loan.pk).update(**changes)
    for name, value in changes.items():
        setattr(loan, name, value)
    return loan


def _tell_waiting(book: Book, venue: Venue, now: datetime) -> None:
    entries = list(
        WaitlistEntry.objects.filter(book=book, closed_at__isnull=True).select_related("person").order_by("created_at", "id")
    )
    if not entries:
        return
    WaitlistEntry.objects.filter(pk__in=[e.pk for e in entries]).update(notified_at=now)
    subject = _("A copy of %(title)s is back at %(venue)s") % {"title": book.title, "venue": venue.name}
    notify(recipients=[e.person for e in entries], subject=subject, link=book_link(book.pk))


def _return(*, copy: Copy, returned_to: Person | None, borrower: Person | None, actor: Person, now: datetime | None) -> Loan:
    now = now or timezone.now()
    with transaction.atomic():
        loan = _close(copy=copy, returned_to=returned_to, borrower=borrower, now=now)
        Copy.objects.filter(pk=copy.pk, status=Copy.Status.ON_LOAN).update(
            status=Copy.Status.AVAILABLE, version=F("version") + 1, updated_at=now
        )
        copy.status, copy.updated_at = Copy.Status.AVAILABLE, now
        audit.record(
            actor=actor,
            action="book.returned",
            obj=loan,
            subject_id=loan.borrower_id,
            copy=copy.code,
            overdue=rules.is_overdue(loan.due_on, timezone.localdate(now)),
        )
        if returned_to is not None and loan.borrower is not None:
            notify(recipients=[loan.borrower], subject=_("Returned: %(title)s. Thank you.") % {"title": copy.book.title})
        _tell_waiting(copy.book, copy.book.venue, now)
    return loan


def return_copy(*, actor: Person, copy: Copy, now: datetime | None = None) -> Loan:
    """At the desk: venue staff take a copy back (whoever borrowed it)."""
    _require(access.can_run(actor, copy.book.venue))
    return _return(copy=copy, returned_to=actor, borrower=None, actor=actor, now=now)


def return_by_code(*, person: Person, code: str, now: datetime | None = None) -> Loan:
    """Self-service: the borrower types the code again when putting the book back on the shelf."""
    return _return(copy=copy_by_code(code), returned_to=None, borrower=person, actor=person, now=now)


def renew_loan(*, actor: Person, loan: Loan, now: datetime | None = None) -> Loan:
    """Thirty more days, once, before the due date has passed and while nobody waits for the book. The
    borrower or the venue's staff."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    _require(loan.borrower_id == actor.pk or access.can_run(actor, loan.venue))
    if not loan.is_open:
        raise ValidationError({"loan": _("This book has been returned.")})
    waiting = (
        WaitlistEntry.objects.filter(book_id=loan.copy.book_id, closed_at__isnull=True)
        .exclude(person_id=loan.borrower_id)
        .count()
    )
    rules.check_renewal(due_on=loan.due_on, today=today, renewals=loan.renewals, waiting=waiting)
    due_on = rules.renewed_due_date(loan.due_on)
    with transaction.atomic():
        renewed = Loan.objects.filter(pk=loan.pk, returned_at__isnull=True, renewals=loan.renewals, due_on=loan.due_on).update(
            due_on=due_on, renewals=F("renewals") + 1, due_soon_reminded_on=None
        )
        if renewed != 1:
            raise LoanConflict
        loan.due_on, loan.renewals, loan.due_soon_reminded_on = due_on, loan.renewals + 1, None
        audit.record(actor=actor, action="book.renewed", obj=loan, subject_id=loan.borrower_id, due_on=due_on.isoformat())
        if actor.pk != loan.borrower_id:
            subject = _("Renewed: %(title)s, now due on %(date)s") % {"title": loan.copy.book.title, "date": due_on.isoformat()}
            notify(recipients=[loan.borrower], subject=subject, link=MY_BOOKS_LINK)
    return loan


def set_copy_status(
    *, actor: Person, copy: Copy, status: str, note: str = "", version: int | None = None, now: datetime | None = None
) -> Copy:
    """Mark a copy lost or withdrawn, or back on the shelf (found, or put back in the collection). A copy
    lost while on loan closes its loan. Venue staff only; compare-and-set on the copy."""
    now = now or timezone.now()
    _require(access.can_run(actor, copy.book.venue))
    note = (note or "").strip()
    if status not in TRANSITIONS.get(copy.status, frozenset()):
        labels = dict(Copy.Status.choices)
        raise ValidationError(
            {
                "status": _("A copy that is %(status)s cannot be marked %(target)s.")
                % {"status": copy.get_status_display(), "target": labels.get(status, status)}
            }
        )
    if len(note) > 200:
        raise ValidationError({"note": _("At most %(n)d characters.") % {"n": 200}})
    was_on_loan = copy.status == Copy.Status.ON_LOAN
    with transaction.atomic():
        compare_and_set(copy, version, conflict=CopyConflict, status=status, note=note, updated_at=now)
        audit.record(actor=actor, action=f"book.copy_{status}", obj=copy, note=note)
        if was_on_loan:
            loan = _close(copy=copy, returned_to=actor, borrower=None, now=now, lost=True)
            if loan.borrower is not None:
                subject = _("Marked lost: %(title)s. Your loan is closed.") % {"title": copy.book.title}
                notify(recipients=[loan.borrower], subject=subject, body=note, link=MY_BOOKS_LINK)
        if status == Copy.Status.AVAILABLE:
            _tell_waiting(copy.book, copy.book.venue, now)
    return copy


# --- the waiting list ---------------------------------------------------------------------------


def join_waitlist(*, person: Person, book: Book, now: datetime | None = None) -> WaitlistEntry:
    """Wait for a title none of whose copies is on the shelf; told in the app when one comes back.
    Residents who may borrow here; joining twice keeps the first place."""
    now = now or timezone.now()
    if not access.may_borrow(person, book.venue):
        raise ValidationError({"book": _("This book corner lends to the residents and owners of its community.")})
    if book.copies.filter(status=Copy.Status.AVAILABLE).exists():
        raise ValidationError({"book": _("A copy is on the shelf: borrow it.")})
    if not book.copies.filter(status=Copy.Status.ON_LOAN).exists():
        raise ValidationError({"book": _("No copy of this book is lent any more.")})
    if Loan.objects.open().filter(copy__book=book, borrower=person).exists():
        raise ValidationError({"book": _("You have borrowed this book already.")})
    existing = WaitlistEntry.objects.filter(book=book, person=person, closed_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(book=book, person=person, created_at=now)
            audit.record(actor=person, action="book.waiting", obj=book)
    except IntegrityError:  # joined twice at once
        entry = WaitlistEntry.objects.get(book=book, person=person, closed_at__isnull=True)
    return entry


def leave_waitlist(*, person: Person, book: Book, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    with transaction.atomic():
        left = WaitlistEntry.objects.filter(book=book, person=person, closed_at__isnull=True).update(closed_at=now)
        if left:
            audit.record(actor=person, action="book.waiting_left", obj=book)
    return bool(left)


# --- reminders ----------------------------------------------------------------------------------


def remind_overdue_loans(*, now: datetime | None = None, batch: int = 1000) -> dict[str, int]:
    """Tell borrowers, in the app and by SMS: once two days before the due date, and every seven days
    while a book is overdue. Idempotent: each reminder is recorded on the loan in the transaction that
    sends it (``due_soon_reminded_on``, ``reminded_on``), so running it again the same day (or twice
    at once: the rows are locked, the other run skips them) sends nothing new. One message per borrower
    and venue, however many books. Uses the partial index ``books_loan_open_due_idx``."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"due_soon": 0, "overdue": 0}
    open_loans = Loan.objects.filter(returned_at__isnull=True, borrower__isnull=False)
    due_soon = open_loans.filter(
        due_soon_reminded_on__isnull=True, due_on__gte=today, due_on__lte=today + timedelta(days=rules.REMIND_BEFORE_DAYS)
    )
    overdue = open_loans.filter(due_on__lt=today).filter(
        Q(reminded_on__isnull=True) | Q(reminded_on__lte=rules.overdue_reminder_cutoff(today))
    )
    for kind, rows, field in (("due_soon", due_soon, "due_soon_reminded_on"), ("overdue", overdue, "reminded_on")):
        while True:
            with transaction.atomic():
                loans = list(
                    rows.select_for_update(skip_locked=True, of=("self",))
                    .select_related("borrower", "copy__book", "venue")
                    .order_by("due_on", "id")[:batch]
                )
                if not loans:
                    break
                Loan.objects.filter(pk__in=[loan.pk for loan in loans]).update(**{field: today})
                notify_many(_reminders(kind, loans, today))
                counts[kind] += len(loans)
            if len(loans) < batch:
                break
    return counts


def _reminders(kind: str, loans: list[Loan], today: date) -> list[Notice]:
    grouped: dict[tuple[int, int], list[Loan]] = defaultdict(list)
    for loan in loans:
        grouped[(loan.borrower_id, loan.venue_id)].append(loan)
    notices = []
    for group in grouped.values():
        borrower, venue = group[0].borrower, group[0].venue
        titles = "、".join(f"《{loan.copy.book.title}》" for loan in group)
        first_due = min(loan.due_on for loan in group)
        with translation.override(borrower.preferred_language or settings.LANGUAGE_CODE):
            if kind == "due_soon":
                subject = _("Due on %(date)s at %(venue)s: %(titles)s") % {
                    "date": first_due.isoformat(),
                    "venue": venue.name,
                    "titles": titles,
                }
                body = _("Return or renew them on Linli (My books).")
            else:
                subject = ngettext(
                    "Overdue since %(date)s, please return it to %(venue)s: %(titles)s",
                    "Overdue since %(date)s, please return them to %(venue)s: %(titles)s",
                    len(group),
                ) % {"date": first_due.isoformat(), "venue": venue.name, "titles": titles}
                body = _("Other residents may be waiting for it.")
        notices.append(Notice(recipients=[borrower], subject=subject, body=body, link=MY_BOOKS_LINK, sms=True))
    return notices
