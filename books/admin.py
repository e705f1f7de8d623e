"""Back office for the book corners, through the same policy as the rest of the admin
(``people.admin.ScopedAdmin``): open to whoever ``policy.can_use_admin`` lets in, rows cut to the
community staff's and sub-district administrators' scope, changes checked again on save and audited.

Lending, returning, copies' status, donations and the waiting list move through their actions on the
desk pages, which keep the copies, loans and notifications in step; so here staff may only correct
wording: a book's title, author, publisher, year, category and notes, a copy's shelf, a donation's note.
Loans are read-only, borrowers shown by name only. Adding happens on the desk (codes, labels).
"""

from django.contrib import admin

from people.admin import ReadOnlyInline, WordingAdmin

from .models import Book, Copy, Donation, Loan


class CopyInline(ReadOnlyInline):
    model = Copy
    fields = ["code", "status", "shelf", "acquired_on", "donation"]


@admin.register(Book)
class BookAdmin(WordingAdmin):
    list_display = ["title", "author", "isbn", "venue", "category"]
    list_filter = ["category"]
    search_fields = ["title", "author", "isbn"]
    list_select_related = ["venue"]
    fields = ["venue", "isbn", "title", "author", "publisher", "year", "category", "notes", "created_at"]
    editable_fields = ("title", "author", "publisher", "year", "category", "notes")
    inlines = [CopyInline]


@admin.register(Copy)
class CopyAdmin(WordingAdmin):
    path_field = "book__path"
    list_display = ["code", "book", "status", "shelf", "acquired_on"]
    list_filter = ["status"]
    search_fields = ["code", "book__title"]
    list_select_related = ["book"]
    fields = ["book", "code", "status", "shelf", "acquired_on", "donation", "note"]
    editable_fields = ("shelf",)

    def scope_path(self, obj) -> str:
        return obj.book.path


@admin.register(Loan)
class LoanAdmin(WordingAdmin):
    path_field = "copy__book__path"
    list_display = ["copy", "borrower", "lent_at", "due_on", "renewals", "returned_at"]
    list_filter = ["renewals", "lost"]
    search_fields = ["copy__code", "copy__book__title"]
    list_select_related = ["copy__book", "borrower"]
    date_hierarchy = "lent_at"
    fields = [
        "copy",
        "borrower",
        "lent_by",
        "lent_at",
        "due_on",
        "renewals",
        "returned_at",
        "returned_to",
        "lost",
        "reminded_on",
        "due_soon_reminded_on",
    ]

    def scope_path(self, obj) -> str:
        return obj.copy.book.path


@admin.register(Donation)
class DonationAdmin(WordingAdmin):
    list_display = ["venue", "received_at", "donor", "donor_name"]
    search_fields = ["donor_name", "note"]
    list_select_related = ["venue", "donor"]
    date_hierarchy = "received_at"
    fields = ["venue", "donor", "donor_name", "received_by", "received_at", "note"]
    editable_fields = ("note",)
