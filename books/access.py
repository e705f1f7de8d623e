"""Who may see and do what at a book corner, built on the one access policy.

- Anyone may browse a venue's catalogue and a book's page (which copies are on the shelf, when the others
  are due back): a public venue's bookshelf, no personal data. Borrowers never appear there.
- Venue staff (``venues.access.can_run_venue``, the one answer to "is this person venue staff here"):
  the desk (lend, take back, renew, the overdue list with borrowers by name and masked mobile),
  cataloguing, copies and their labels, donations, marking copies lost or withdrawn.
- Residents who live or own a home under the venue's community (``people.policy.lives_or_owns_under``)
  borrow, by the code on the label (self-service) or at the desk; they return and renew their own loans.
- A borrower sees their loans, a donor their donations ("my books").

Everything else answers 404.
"""

from django.http import Http404

from people import policy
from places.models import Place, Venue
from venues.access import can_run_venue

from .models import Book, Copy, Donation, Loan

BOOK_CORNER = Venue.Function.BOOK_CORNER


def corner_venues():
    """Venues with a book corner: a 共享书屋 room."""
    return Venue.objects.filter(rooms__function=BOOK_CORNER).distinct()


def get_corner(pk) -> Venue:
    """A venue's book corner, public; 404 for a venue without one."""
    venue = corner_venues().filter(pk=pk).select_related("place").first()
    if venue is None:
        raise Http404
    return venue


def can_run(user, venue: Venue) -> bool:
    return policy.signed_in(user) and can_run_venue(user, venue)


def get_desk_for(user, pk) -> Venue:
    """A book corner the user runs (its desk); 404 otherwise."""
    venue = get_corner(pk)
    if not can_run(user, venue):
        raise Http404
    return venue


def community_path(venue: Venue) -> str:
    """The path of the community (or village) the venue serves; the venue's own place when it stands
    above any community. One query, remembered on the venue."""
    cached = getattr(venue, "_books_community_path", None)
    if cached is None:
        community = Place.objects.communities().filter(pk__in=venue.place.ancestor_ids).only("path").first()
        cached = venue._books_community_path = community.path if community else venue.place.path
    return cached


def may_borrow(person, venue: Venue) -> bool:
    """Residents and owners under the venue's community, with an active account."""
    if not policy.signed_in(person) or not person.is_active or person.anonymised_at is not None:
        return False
    return policy.lives_or_owns_under(person, community_path(venue))


def get_book(pk) -> Book:
    book = Book.objects.filter(pk=pk).select_related("venue__place").first()
    if book is None:
        raise Http404
    return book


def get_book_for_staff(user, pk) -> Book:
    book = get_book(pk)
    if not can_run(user, book.venue):
        raise Http404
    return book


def get_copy_for_staff(user, pk) -> Copy:
    copy = Copy.objects.filter(pk=pk).select_related("book__venue__place").first()
    if copy is None or not can_run(user, copy.book.venue):
        raise Http404
    return copy


def can_act_on_loan(user, loan: Loan) -> bool:
    """The borrower, and the staff of the loan's venue."""
    if not policy.signed_in(user):
        return False
    return loan.borrower_id == user.pk or can_run(user, loan.venue)


def get_loan_for(user, pk) -> Loan:
    loan = Loan.objects.filter(pk=pk).select_related("copy__book", "venue__place", "borrower").first()
    if loan is None or not can_act_on_loan(user, loan):
        raise Http404
    return loan


def get_donation_for(user, pk) -> Donation:
    donation = Donation.objects.filter(pk=pk).select_related("venue__place", "donor", "received_by").first()
    if donation is None or not policy.signed_in(user):
        raise Http404
    if donation.donor_id != user.pk and not can_run(user, donation.venue):
        raise Http404
    return donation
