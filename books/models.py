"""The shared book corner (共享书屋) of a venue: its catalogue (``Book``), the copies on its shelves
(``Copy``, each with a short code on its label), loans, donations, and the waiting list for a title.

A book belongs to one venue's corner and copies the venue's place path (``path``), like every row that
belongs to a place. A copy's status changes only through ``books.actions``, by compare-and-set; the
database guarantees at most one open loan per copy (``books_one_open_loan_per_copy``).
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from places.models import Venue

from . import rules


class Category(models.TextChoices):
    LITERATURE = "literature", _("literature")
    CHILDREN = "children", _("children's books")
    HISTORY = "history", _("history and biography")
    SOCIETY = "society", _("society and politics")
    SCIENCE = "science", _("popular science")
    LIFE = "life", _("health and daily life")
    ARTS = "arts", _("arts")
    REFERENCE = "reference", _("reference")
    OTHER = "other", _("other")


class Book(models.Model):
    """A title in one venue's catalogue. The ISBN is stored as its 13 digits (ISBN-10 converted), or empty
    for the old and locally printed books that have none; one entry per ISBN per venue."""

    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="books")
    path = models.CharField(max_length=255, editable=False)
    isbn = models.CharField(_("ISBN"), max_length=13, blank=True)
    title = models.CharField(_("title"), max_length=200)
    author = models.CharField(_("author"), max_length=120, blank=True)
    publisher = models.CharField(_("publisher"), max_length=120, blank=True)
    year = models.PositiveSmallIntegerField(_("year published"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("book")
        verbose_name_plural = _("books")
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["venue", "title"], name="books_book_venue_title_idx"),
            models.Index(fields=["path"], name="books_book_path_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["venue", "isbn"], condition=~models.Q(isbn=""), name="books_isbn_once_per_venue"),
            models.CheckConstraint(
                condition=models.Q(isbn="") | models.Q(Exact(Length("isbn"), 13)), name="books_isbn_13_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(year__isnull=True) | models.Q(year__gte=1000, year__lte=2100), name="books_year_plausible"
            ),
            models.CheckConstraint(condition=~models.Q(title=""), name="books_book_has_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.path:
            self.path = self.venue.place.path
        super().save(*args, **kwargs)

    @property
    def isbn_display(self) -> str:
        return rules.format_isbn(self.isbn)


class Copy(models.Model):
    """One physical copy on the shelf, found by the code on its label (typed or scanned)."""

    class Status(models.TextChoices):
        AVAILABLE = "available", pgettext_lazy("book copy", "available")
        ON_LOAN = "on_loan", _("on loan")
        LOST = "lost", pgettext_lazy("book copy", "lost")
        WITHDRAWN = "withdrawn", _("withdrawn")

    book = models.ForeignKey(Book, verbose_name=_("book"), on_delete=models.CASCADE, related_name="copies")
    code = models.CharField(_("code"), max_length=rules.CODE_LENGTH, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    shelf = models.CharField(_("shelf"), max_length=40, blank=True)
    acquired_on = models.DateField(_("acquired on"), default=timezone.localdate)
    donation = models.ForeignKey(
        "Donation", verbose_name=_("donation"), null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("Why it was marked lost or withdrawn"))
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("copy")
        verbose_name_plural = _("copies")
        ordering = ["book", "id"]
        indexes = [models.Index(fields=["book", "status"], name="books_copy_book_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["available", "on_loan", "lost", "withdrawn"]), name="books_copy_status_known"
            ),
            models.CheckConstraint(condition=models.Q(Exact(Length("code"), rules.CODE_LENGTH)), name="books_copy_code_length"),
        ]

    def __str__(self) -> str:
        return f"{self.book.title} [{self.code}]" if self.book_id else self.code


# Which status changes staff make by hand (lending and returning are their own actions).
TRANSITIONS: dict[str, frozenset[str]] = {
    Copy.Status.AVAILABLE: frozenset({Copy.Status.LOST, Copy.Status.WITHDRAWN}),
    Copy.Status.ON_LOAN: frozenset({Copy.Status.LOST}),
    Copy.Status.LOST: frozenset({Copy.Status.AVAILABLE, Copy.Status.WITHDRAWN}),
    Copy.Status.WITHDRAWN: frozenset({Copy.Status.AVAILABLE}),
}
# Copies still part of the collection (shown as "copies" in the catalogue).
HELD_STATUSES = (Copy.Status.AVAILABLE, Copy.Status.ON_LOAN)


class LoanQuerySet(models.QuerySet):
    def open(self):
        return self.filter(returned_at__isnull=True)

    def overdue(self, today):
        return self.filter(returned_at__isnull=True, due_on__lt=today)


class Loan(models.Model):
    """A copy lent to a resident: at the desk (``lent_by``, ``returned_to``: the venue staff) or by
    self-service (both empty). ``returned_at`` closes it; a copy reported lost while on loan closes its
    loan too (``lost``)."""

    copy = models.ForeignKey(Copy, verbose_name=_("copy"), on_delete=models.PROTECT, related_name="loans")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="+", editable=False)
    # Empty only once the loan is closed and its borrower erased their account (history kept anonymously).
    borrower = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("borrower"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="book_loans",
    )
    lent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lent by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lent_at = models.DateTimeField(_("lent at"))
    due_on = models.DateField(_("due on"))
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("returned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lost = models.BooleanField(_("lost while on loan"), default=False)
    # The last overdue reminder (every seven days while overdue) and the one before the due date (once).
    reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)
    due_soon_reminded_on = models.DateField(_("reminded before the due date on"), null=True, blank=True)

    objects = LoanQuerySet.as_manager()

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-lent_at", "-id"]
        indexes = [
            # the reminder sweep and the overdue lists: open loans by due date
            models.Index(fields=["due_on"], name="books_loan_open_due_idx", condition=models.Q(returned_at__isnull=True)),
            models.Index(fields=["venue", "-lent_at"], name="books_loan_venue_lent_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["copy"], condition=models.Q(returned_at__isnull=True), name="books_one_open_loan_per_copy"
            ),
            models.CheckConstraint(
                condition=models.Q(returned_at__isnull=True) | models.Q(returned_at__gte=models.F("lent_at")),
                name="books_loan_returned_after_lent",
            ),
            models.CheckConstraint(
                condition=models.Q(borrower__isnull=False) | models.Q(returned_at__isnull=False),
                name="books_open_loan_has_borrower",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.copy} → {self.borrower or '—'}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None

    @property
    def self_service(self) -> bool:
        return self.lent_by_id is None

    def is_overdue(self, today=None) -> bool:
        return self.is_open and rules.is_overdue(self.due_on, today or timezone.localdate())


class Donation(models.Model):
    """Books given to a venue's corner, recorded by its staff: by a registered resident (``donor``), by
    someone named only (``donor_name``), or anonymously (both empty). The copies it brought point at it."""

    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="book_donations")
    path = models.CharField(max_length=255, editable=False)
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("donor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="book_donations",
    )
    donor_name = models.CharField(_("donor's name"), max_length=60, blank=True, help_text=_("For a donor not registered"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("received by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["venue", "-received_at"], name="books_donation_venue_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(donor__isnull=True) | models.Q(donor_name=""), name="books_donor_or_name"),
        ]

    def __str__(self) -> str:
        return f"{self.venue} · {self.received_at:%Y-%m-%d}"

    def save(self, *args, **kwargs) -> None:
        if not self.path:
            self.path = self.venue.place.path
        super().save(*args, **kwargs)

    @property
    def donor_label(self) -> str:
        if self.donor_id:
            return self.donor.name
        return self.donor_name or str(_("anonymous"))


class WaitlistEntry(models.Model):
    """A resident waiting for a title none of whose copies is on the shelf. Closed when they borrow a
    copy of it or leave the list; told (in the app) when a copy comes back."""

    book = models.ForeignKey(Book, verbose_name=_("book"), on_delete=models.CASCADE, related_name="waitlist")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="book_waitlist"
    )
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting list")
        ordering = ["book", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["book", "person"], condition=models.Q(closed_at__isnull=True), name="books_wait_once_per_book"
            ),
        ]
