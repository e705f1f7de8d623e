"""Back office for owners' votes, through the same policy as the rest of the admin
(``people.admin.ScopedAdmin``): rows cut to the managers' scope, changes audited.

A vote moves only through its actions on the site (notice, opening, ballots, closing, publication),
which keep the frozen electorate, the hash-chained log and the notices in step. So here everything is
read-only except a draft's wording. The log, the roll and the ballots are never edited here: the
ballot log is append-only, and ``verify_vote`` would show any change made behind the site's back.
Secret choices are not shown anywhere in the admin.
"""

from django.contrib import admin

from people.admin import ReadOnlyInline, WordingAdmin

from .models import Matter, MatterDocument, SilentConsentClause, Status, UseChange


class DocumentInline(ReadOnlyInline):
    model = MatterDocument
    fields = ["title", "file", "uploaded_by", "uploaded_at"]


@admin.register(Matter)
class MatterAdmin(WordingAdmin):
    list_display = ["title", "compound", "item", "status", "opens_at", "closes_at", "secret"]
    list_filter = ["item", "status", "secret"]
    search_fields = ["title", "description"]
    list_select_related = ["compound"]
    date_hierarchy = "opens_at"
    fields = [
        "compound",
        "scope",
        "item",
        "title",
        "description",
        "secret",
        "status",
        "opens_at",
        "closes_at",
        "notice_sent_at",
        "opened_at",
        "closed_at",
        "published_at",
        "total_area",
        "total_heads",
        "log_length",
        "log_head",
    ]
    inlines = [DocumentInline]

    def editable_fields_for(self, obj) -> tuple[str, ...]:
        return ("title", "description") if obj is not None and obj.status == Status.DRAFT else ()


@admin.register(SilentConsentClause)
class SilentConsentClauseAdmin(WordingAdmin):
    path_field = "compound__path"
    list_display = ["compound", "adopted_on", "recorded_by", "recorded_at"]
    fields = ["compound", "clause", "adopted_on", "recorded_by", "recorded_at"]
    readonly_fields = fields

    def scope_path(self, obj) -> str:
        return obj.compound.path


@admin.register(UseChange)
class UseChangeAdmin(WordingAdmin):
    list_display = ["unit", "applicant", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["unit", "applicant"]
    fields = ["unit", "applicant", "purpose", "status", "created_at", "decided_at"]
