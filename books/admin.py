"""Back office for the book corners, through the same policy as the rest of the admin
(``people.admin.ScopedAdmin``): open to whoever ``policy.can_use_admin`` lets in, rows cut to the
community staff's and sub-district administrators' scope, changes checked again on save and audited.

Lending, returning, copies' status, donations and the waiting list move through their actions on the
desk pages, which keep the copies, loans and notifications in step; so here staff may only correct
wording: a book's title, author, publisher, year, category and notes, a copy's shelf, a donation's note.
Loans are read-only, borrowers shown by name only. Adding happens on the desk (codes, labels).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from core import audit
from people import policy
from people.admin import ScopedAdmin

from .models import Book, Copy, Donation, Loan


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return policy.can_use_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WordingAdmin(ScopedAdmin):
    """Changes only ``editable_fields`` of an existing row, written with ``update_fields``; adding and
    deleting are left to the actions (and superusers). (``deliberation.admin`` has the same; ``books``
    sits below it and does not import it.)"""

    editable_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        return [f for f in self.get_fields(request, obj) if f not in self.editable_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not self.editable_fields:
            return False  # nothing to correct: a view-only page
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            raise PermissionDenied
        if not request.user.is_superuser and not policy.can_manage_people(request.user, self.scope_path(obj)):
            raise PermissionDenied
        fields = [f for f in form.changed_data if f in self.editable_fields]
        if fields:
            obj.save(update_fields=fields)
            audit.record(actor=request.user, action="admin.changed", obj=obj, fields=fields)


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
