"""A person's loans, donations and places on waiting lists at book corners, in their data download
(PIPL Art 45), and what erasure does to them (Art 47). Found by ``people.actions.export_personal_data``
/ ``erase_person`` without people importing this app.

Erasure keeps the book corners' history but not who it was about:

- Returned loans stay (which copy, when, how long: the corner's lending figures) without the borrower.
- An open loan does not block erasure: the right to deletion does not wait on a book worth a few yuan,
  and the erasure page has no way to refuse. The loan stays open, pointing at the anonymised account
  (no name, number or contact any more), so the copy still shows as on loan and nobody else can borrow
  it by mistake; the community's staff are told which copy is out. When the copy comes back (at the
  desk) or is marked lost, the loan closes and the link to the account is dropped
  (``actions._close``). No reminder reaches an erased account (``notify`` skips inactive persons).
- Donations stay, as anonymous donations (the copies keep their origin).
- Waiting-list entries are deleted.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from core.outbox import Notice, notify_many
from venues.actions import venue_staff

from .models import Copy, Donation, Loan, WaitlistEntry


def _at(value) -> str | None:
    return value.isoformat() if value else None


def export(person) -> dict:
    loans = Loan.objects.filter(borrower=person).select_related("copy__book", "venue").order_by("lent_at", "id")
    donations = Donation.objects.filter(donor=person).select_related("venue").order_by("received_at", "id")
    copies: dict[int, list[dict]] = {}
    for copy in Copy.objects.filter(donation__donor=person).select_related("book").order_by("id"):
        copies.setdefault(copy.donation_id, []).append({"title": copy.book.title, "isbn": copy.book.isbn, "code": copy.code})
    waiting = WaitlistEntry.objects.filter(person=person).select_related("book__venue").order_by("created_at", "id")
    return {
        "book_loans": [
            {
                "title": loan.copy.book.title,
                "isbn": loan.copy.book.isbn,
                "code": loan.copy.code,
                "venue": loan.venue.name,
                "lent_at": _at(loan.lent_at),
                "due_on": loan.due_on.isoformat(),
                "renewals": loan.renewals,
                "returned_at": _at(loan.returned_at),
                "self_service": loan.self_service,
                "lost": loan.lost,
            }
            for loan in loans
        ],
        "book_donations": [
            {"venue": d.venue.name, "received_at": _at(d.received_at), "note": d.note, "books": copies.get(d.pk, [])}
            for d in donations
        ],
        "book_waiting_list": [
            {"title": w.book.title, "venue": w.book.venue.name, "since": _at(w.created_at), "closed_at": _at(w.closed_at)}
            for w in waiting
        ],
    }


def erase(person) -> None:
    with transaction.atomic():
        Loan.objects.filter(borrower=person, returned_at__isnull=False).update(borrower=None)
        Donation.objects.filter(donor=person).update(donor=None)
        WaitlistEntry.objects.filter(person=person).delete()
        still_out = list(
            Loan.objects.filter(borrower=person, returned_at__isnull=True)
            .select_related("copy__book", "venue__place")
            .order_by("id")
        )
        notices = []
        for loan in still_out:
            audit.record(actor=None, action="book.borrower_erased", obj=loan, subject_id=person.pk, copy=loan.copy.code)
            subject = _("A borrower erased their account while %(title)s (%(code)s) is on loan, due on %(date)s") % {
                "title": loan.copy.book.title,
                "code": loan.copy.code,
                "date": loan.due_on.isoformat(),
            }
            notices.append(
                Notice(
                    recipients=venue_staff(loan.venue),
                    subject=subject,
                    link=f"/books/desk/{loan.venue_id}/loans/",
                )
            )
        notify_many(notices)
