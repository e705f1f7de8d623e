"""Pages of the shared book corner: the corners, a corner's catalogue with self-service borrowing and
returning by the code on the label, a book, a copy (what its QR code opens), "my books", and the staff
desk (lend, take back, loans and overdue books, cataloguing, copies, donations, printable labels)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit
from core.concurrency import Conflict
from core.pages import page_number, run_action
from people.queries import page_of
from places.qr import qr_svg

from . import access, actions, queries, rules
from .forms import (
    BookForm,
    CodeForm,
    CopiesForm,
    CopyStatusForm,
    DonatedBookFormSet,
    DonationForm,
    LendForm,
    NewBookForm,
)
from .models import TRANSITIONS, Category, Copy, Loan

PAGE_SIZE = queries.PAGE_SIZE


def _status(form) -> int:
    return 400 if form.errors else 200


def _next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _first_error(exc: Exception) -> str:
    if isinstance(exc, Conflict):
        return str(exc.message)
    if hasattr(exc, "error_dict"):
        return " ".join(m for ms in exc.message_dict.values() for m in ms)
    return " ".join(exc.messages)


# --- public: corners, catalogue, books --------------------------------------------------------


def index(request):
    return render(request, "books/index.html", {"corners": queries.corners(request.user)})


def catalogue(request, venue_id: int):
    venue = access.get_corner(venue_id)
    q = request.GET.get("q", "")[:100]
    available = request.GET.get("available") == "1"
    category = request.GET.get("category", "")
    page = page_number(request)
    books, has_next = page_of(queries.catalogue(venue, q, available, category), page, PAGE_SIZE)
    context = {
        "venue": venue,
        "room": queries.corner_room(venue),
        "books": books,
        "q": q,
        "available": available,
        "category": category,
        "categories": Category.choices,
        "page": page,
        "has_next": has_next,
        "may_borrow": access.may_borrow(request.user, venue),
        "can_run": access.can_run(request.user, venue),
        "code_form": CodeForm(),
    }
    return render(request, "books/catalogue.html", context)


def book_detail(request, pk: int):
    book = access.get_book(pk)
    can_run = access.can_run(request.user, book.venue)
    data = queries.book_page(book, request.user)
    if can_run:
        for copy in data["copies"]:
            copy.targets = [(s, label) for s, label in Copy.Status.choices if s in TRANSITIONS[copy.status]]
    data.update(
        book=book,
        venue=book.venue,
        can_run=can_run,
        may_borrow=access.may_borrow(request.user, book.venue),
        copies_form=CopiesForm(),
        code_form=CodeForm(),
    )
    return render(request, "books/book_detail.html", data)


def copy_detail(request, code: str):
    """What the QR code on a label opens: the book, whether this copy is on the shelf, and for a
    signed-in resident the button to borrow it (or to return it, if it is theirs)."""
    copy = Copy.objects.filter(code=rules.normalise_code(code) or "-").select_related("book__venue__place").first()
    if copy is None:
        raise Http404
    loan = Loan.objects.open().filter(copy=copy).only("id", "borrower_id", "due_on").first()
    context = {
        "copy": copy,
        "book": copy.book,
        "venue": copy.book.venue,
        "due_on": loan.due_on if loan else None,
        "mine": loan is not None and loan.borrower_id == request.user.pk,
        "may_borrow": access.may_borrow(request.user, copy.book.venue),
        "can_run": access.can_run(request.user, copy.book.venue),
    }
    if context["can_run"]:
        context["targets"] = [(s, label) for s, label in Copy.Status.choices if s in TRANSITIONS[copy.status]]
    return render(request, "books/copy_detail.html", context)


def find_copy(request):
    """The desk's "look up a code": to the copy's page (its book, status, and what staff may mark)."""
    code = rules.normalise_code(request.GET.get("code", ""))
    if not code or not Copy.objects.filter(code=code).exists():
        messages.error(request, _("No book has this code: check the six characters on the label."))
        return redirect(_next(request, "books:index"))
    return redirect("books:copy", code=code)


@login_required
@require_POST
def self_service(request):
    """Borrow or return by the code on the label (typed, scanned, or the QR code's page)."""
    form = CodeForm(request.POST)
    op = request.POST.get("op")
    if op not in ("borrow", "return"):
        raise Http404
    back = _next(request, "books:mine")
    if not form.is_valid():
        messages.error(request, _("Type the code on the label."))
        return redirect(back)
    try:
        if op == "borrow":
            loan = actions.borrow_by_code(person=request.user, code=form.cleaned_data["code"])
            messages.success(
                request,
                _("Borrowed: %(title)s. Please return it by %(date)s.") % {"title": loan.copy.book.title, "date": loan.due_on},
            )
        else:
            loan = actions.return_by_code(person=request.user, code=form.cleaned_data["code"])
            messages.success(
                request, _("Returned: %(title)s. Please put it back on the shelf.") % {"title": loan.copy.book.title}
            )
    except (ValidationError, Conflict) as exc:
        messages.error(request, _first_error(exc))
    return redirect(back)


@login_required
@require_POST
def waitlist(request, pk: int):
    book = access.get_book(pk)
    try:
        if request.POST.get("op") == "leave":
            actions.leave_waitlist(person=request.user, book=book)
            messages.success(request, _("You have left the waiting list."))
        else:
            actions.join_waitlist(person=request.user, book=book)
            messages.success(request, _("You are on the waiting list. We will tell you when a copy is back."))
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    return redirect("books:book", pk=book.pk)


# --- my books -----------------------------------------------------------------------------------


@login_required
def my_books(request):
    open_loans, returned = queries.my_loans(request.user)
    today = timezone.localdate()
    for loan in open_loans:
        loan.overdue = loan.is_overdue(today)
    context = {
        "open_loans": open_loans,
        "returned": returned,
        "donations": queries.my_donations(request.user),
        "waiting": queries.my_waiting(request.user),
        "code_form": CodeForm(),
    }
    return render(request, "books/my_books.html", context)


@login_required
@require_POST
def renew(request, pk: int):
    loan = access.get_loan_for(request.user, pk)
    try:
        actions.renew_loan(actor=request.user, loan=loan)
        messages.success(
            request, _("Renewed: %(title)s, now due on %(date)s.") % {"title": loan.copy.book.title, "date": loan.due_on}
        )
    except (ValidationError, Conflict) as exc:
        messages.error(request, _first_error(exc))
    except PermissionDenied as exc:
        raise Http404 from exc
    return redirect(_next(request, "books:mine"))


# --- the desk -----------------------------------------------------------------------------------


def _borrowers(request, venue) -> list:
    rows = queries.find_borrowers(venue, request.GET.get("q") or request.POST.get("q", ""))
    audit.record_reads(actor=request.user, action="books.borrower_search", subject_ids=[r.pk for r in rows], venue=venue.pk)
    return rows


def _desk_context(request, venue, lend_form=None, return_form=None) -> dict:
    today = timezone.localdate()
    overdue = list(queries.staff_loans(venue).filter(due_on__lt=today)[:50])
    recent = queries.recent_loans(venue)
    subjects = {loan.borrower_id for loan in overdue + recent if loan.borrower_id}
    audit.record_reads(actor=request.user, action="books.desk", subject_ids=sorted(subjects), venue=venue.pk)
    return {
        "venue": venue,
        "counts": queries.desk_counts(venue, today),
        "overdue": overdue,
        "recent": recent,
        "today": today,
        "q": request.GET.get("q") or request.POST.get("q", ""),
        "candidates": _borrowers(request, venue),
        "lend_form": lend_form or LendForm(),
        "return_form": return_form or CodeForm(),
    }


@login_required
def desk(request, venue_id: int):
    venue = access.get_desk_for(request.user, venue_id)
    lend_form = return_form = None
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "lend":
            lend_form = LendForm(request.POST)
            if lend_form.is_valid() and not run_action(lend_form, lambda: _lend(request, venue, lend_form.cleaned_data)):
                return redirect("books:desk", venue_id=venue.pk)
        elif op == "return":
            return_form = CodeForm(request.POST)
            if return_form.is_valid() and not run_action(return_form, lambda: _take_back(request, return_form.cleaned_data)):
                return redirect("books:desk", venue_id=venue.pk)
        else:
            raise Http404
    context = _desk_context(request, venue, lend_form, return_form)
    failed = (lend_form and lend_form.errors) or (return_form and return_form.errors)
    return render(request, "books/desk.html", context, status=400 if failed else 200)


def _lend(request, venue, data) -> None:
    copy = actions.copy_by_code(data["code"])
    if copy.book.venue_id != venue.pk:
        raise ValidationError({"code": _("This copy belongs to %(venue)s.") % {"venue": copy.book.venue.name}})
    borrower = queries.eligible_people(venue).filter(pk=data["borrower"]).first()
    if borrower is None:
        raise ValidationError({"borrower": _("Find the borrower among the residents of this community.")})
    loan = actions.lend(actor=request.user, copy=copy, borrower=borrower)
    messages.success(
        request,
        _("Lent %(title)s to %(name)s, due on %(date)s.")
        % {"title": copy.book.title, "name": borrower.name, "date": loan.due_on},
    )


def _take_back(request, data) -> None:
    copy = actions.copy_by_code(data["code"])
    loan = actions.return_copy(actor=request.user, copy=copy)
    late = loan.due_on < timezone.localdate()
    text = _("Returned: %(title)s (%(code)s).") % {"title": copy.book.title, "code": copy.code}
    messages.success(request, text + (" " + _("It was overdue.") if late else ""))


@login_required
def desk_borrowers(request, venue_id: int):
    """The borrower search of the lend form (htmx)."""
    venue = access.get_desk_for(request.user, venue_id)
    return render(request, "books/_borrowers.html", {"candidates": _borrowers(request, venue), "q": request.GET.get("q", "")})


@login_required
def desk_loans(request, venue_id: int):
    venue = access.get_desk_for(request.user, venue_id)
    today = timezone.localdate()
    overdue_only = request.GET.get("show") == "overdue"
    qs = queries.staff_loans(venue)
    if overdue_only:
        qs = qs.filter(due_on__lt=today)
    page = page_number(request)
    loans, has_next = page_of(qs, page, PAGE_SIZE)
    audit.record_reads(
        actor=request.user,
        action="books.loans",
        subject_ids=sorted({x.borrower_id for x in loans if x.borrower_id}),
        venue=venue.pk,
    )
    context = {"venue": venue, "loans": loans, "today": today, "overdue_only": overdue_only, "page": page, "has_next": has_next}
    return render(request, "books/loan_list.html", context)


@login_required
@require_POST
def desk_loan_return(request, pk: int):
    """The "returned" button on a loan of the desk's list."""
    loan = access.get_loan_for(request.user, pk)
    if not access.can_run(request.user, loan.venue):
        raise Http404
    try:
        actions.return_copy(actor=request.user, copy=loan.copy)
        messages.success(request, _("Returned: %(title)s (%(code)s).") % {"title": loan.copy.book.title, "code": loan.copy.code})
    except (ValidationError, Conflict) as exc:
        messages.error(request, _first_error(exc))
    return redirect(_next(request, f"/books/desk/{loan.venue_id}/loans/"))


# --- cataloguing, copies, labels ------------------------------------------------------------------


@login_required
def book_new(request, venue_id: int):
    venue = access.get_desk_for(request.user, venue_id)
    form = NewBookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = {}

        def apply():
            with transaction.atomic():  # no catalogue entry without its copies
                book = actions.catalogue_book(actor=request.user, venue=venue, **{f: data[f] for f in BookForm.base_fields})
                created["copies"] = actions.add_copies(actor=request.user, book=book, count=data["copies"], shelf=data["shelf"])
            created["book"] = book

        if run_action(form, apply) is None:
            messages.success(request, _("%(n)d copies added. Print their labels.") % {"n": len(created["copies"])})
            return redirect("books:book", pk=created["book"].pk)
    return render(request, "books/book_form.html", {"form": form, "venue": venue}, status=_status(form))


@login_required
def book_edit(request, pk: int):
    book = access.get_book_for_staff(request.user, pk)
    initial = {f: getattr(book, f) for f in BookForm.base_fields}
    form = BookForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_action(form, lambda: actions.update_book(actor=request.user, book=book, **form.cleaned_data)) is None
    ):
        messages.success(request, _("Saved."))
        return redirect("books:book", pk=book.pk)
    return render(request, "books/book_form.html", {"form": form, "venue": book.venue, "book": book}, status=_status(form))


@login_required
@require_POST
def copies_add(request, pk: int):
    book = access.get_book_for_staff(request.user, pk)
    form = CopiesForm(request.POST)
    if form.is_valid():
        try:
            copies = actions.add_copies(
                actor=request.user, book=book, count=form.cleaned_data["count"], shelf=form.cleaned_data["shelf"]
            )
            messages.success(request, _("%(n)d copies added. Print their labels.") % {"n": len(copies)})
        except ValidationError as exc:
            messages.error(request, _first_error(exc))
    else:
        messages.error(request, _("Between 1 and %(n)d copies at a time.") % {"n": actions.MAX_COPIES_AT_ONCE})
    return redirect("books:book", pk=book.pk)


@login_required
@require_POST
def copy_status(request, pk: int):
    copy = access.get_copy_for_staff(request.user, pk)
    form = CopyStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to mark the copy as."))
    else:
        data = form.cleaned_data
        try:
            actions.set_copy_status(
                actor=request.user, copy=copy, status=data["status"], note=data["note"], version=data["version"]
            )
            messages.success(request, _("%(code)s is now %(status)s.") % {"code": copy.code, "status": copy.get_status_display()})
        except (ValidationError, Conflict) as exc:
            messages.error(request, _first_error(exc))
    return redirect("books:book", pk=copy.book_id)


@login_required
def labels(request, venue_id: int):
    """Printable labels: the code large, the title, and a QR code opening the copy's page."""
    venue = access.get_desk_for(request.user, venue_id)
    copies = queries.label_copies(
        venue,
        book_id=request.GET.get("book") or None,
        donation_id=request.GET.get("donation") or None,
        codes=[c for c in request.GET.get("codes", "").replace(",", " ").split() if c][:300],
    )
    for copy in copies:
        url = request.build_absolute_uri(f"/books/c/{copy.code}/")
        copy.qr = qr_svg(url, scale=3).decode().split("?>", 1)[-1]
    return render(request, "books/labels.html", {"venue": venue, "copies": copies})


# --- donations ----------------------------------------------------------------------------------


@login_required
def donation_list(request, venue_id: int):
    venue = access.get_desk_for(request.user, venue_id)
    page = page_number(request)
    donations, has_next = page_of(queries.venue_donations(venue), page, PAGE_SIZE)
    audit.record_reads(
        actor=request.user,
        action="books.donations",
        subject_ids=sorted({d.donor_id for d in donations if d.donor_id}),
        venue=venue.pk,
    )
    return render(
        request, "books/donation_list.html", {"venue": venue, "donations": donations, "page": page, "has_next": has_next}
    )


@login_required
def donation_new(request, venue_id: int):
    venue = access.get_desk_for(request.user, venue_id)
    form = DonationForm(request.POST or None)
    books = DonatedBookFormSet(request.POST or None, prefix="books")
    if request.method == "POST" and form.is_valid() and books.is_valid():
        data = form.cleaned_data
        items = [
            actions.DonatedBook(isbn=b["isbn"], title=b["title"], author=b["author"], copies=b["copies"] or 1)
            for b in (f.cleaned_data for f in books.forms)
            if b.get("isbn") or b.get("title") or b.get("author")
        ]
        donor = queries.eligible_people(venue).filter(pk=data["donor"]).first() if data["donor"] else None
        done = {}

        def apply():
            if data["donor"] and donor is None:
                raise ValidationError(
                    {"donor_name": _("Choose the donor among the residents of this community, or type their name.")}
                )
            done["donation"] = actions.record_donation(
                actor=request.user,
                venue=venue,
                items=items,
                donor=donor,
                donor_name=data["donor_name"],
                note=data["note"],
                shelf=data["shelf"],
            )

        if run_action(form, apply) is None:
            messages.success(request, _("Donation recorded. Print the labels of its copies."))
            return redirect("books:donation", pk=done["donation"].pk)
    context = {
        "venue": venue,
        "form": form,
        "books": books,
        "q": request.GET.get("q", ""),
        "candidates": _borrowers(request, venue),
    }
    failed = form.errors or any(f.errors for f in books.forms) or books.non_form_errors()
    return render(request, "books/donation_form.html", context, status=400 if failed else 200)


@login_required
def donation_detail(request, pk: int):
    donation = access.get_donation_for(request.user, pk)
    can_run = access.can_run(request.user, donation.venue)
    if can_run and donation.donor_id and donation.donor_id != request.user.pk:
        audit.record_reads(actor=request.user, action="books.donation", subject_ids=[donation.donor_id], donation=donation.pk)
    context = {"donation": donation, "copies": queries.donation_copies(donation), "can_run": can_run}
    return render(request, "books/donation_detail.html", context)
