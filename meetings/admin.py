"""Back office for meetings, minutes and action items, through the same policy as the rest of the admin
(``people.admin.ScopedAdmin``): open to whoever ``policy.can_use_admin`` lets in, rows cut to the
community staff's and sub-district administrators' scope, changes checked again on save and audited.

Meetings, minutes and action items move through their actions on the site (notice, attendance, votes,
approval, publication, evidence), which keep the topics, problem reports and notifications in step;
so here their state is read-only and staff may only correct wording while it may still change: a
draft meeting's title and purpose, draft minutes' summary, an open action item's title, details and
due date. Only the edited fields are written, never a status the form was loaded with. Approved and
published minutes are fixed (corrected by amendments on the site); amendments are append-only.
Invitations, the agenda and attendance show read-only on their meeting. Evidence photos are not shown
here: they are served behind the access check on the action item's page.
"""

from datetime import timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import audit
from people import policy
from people.admin import LookUpAdmin, ReadOnlyInline, WordingAdmin

from .models import OPEN_ACTION_STATUSES, ActionItem, AgendaItem, Amendment, Attendance, Invitation, Meeting, Minutes, Status


class InvitationInline(ReadOnlyInline):
    model = Invitation
    fields = ["role", "organisation", "person"]


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = ["position", "title", "topic", "case", "decision", "votes_for", "votes_against", "votes_abstain", "carried"]


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ["person", "organisation", "entitled_to_vote", "signed_in_at"]


@admin.register(Meeting)
class MeetingAdmin(WordingAdmin):
    list_display = ["title", "community", "kind", "status", "starts_at", "organiser"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "purpose", "location"]
    list_select_related = ["community", "organiser"]
    date_hierarchy = "starts_at"
    fields = [
        "community",
        "kind",
        "title",
        "purpose",
        "organiser",
        "organising_organisation",
        "room",
        "location",
        "starts_at",
        "ends_at",
        "status",
        "notice_days",
        "notice_sent_at",
        "cancel_reason",
        "speech_seconds",
        "speeches_per_motion",
        "majority",
        "abstentions_count",
        "residents_meeting_kind",
        "eligible",
    ]
    inlines = [InvitationInline, AgendaItemInline, AttendanceInline]

    def editable_fields_for(self, obj) -> tuple[str, ...]:
        # Once the notice is out, invitees hold the title in their calendars: no quiet changes.
        return ("title", "purpose") if obj is not None and obj.status == Status.DRAFT else ()


class AmendmentInline(ReadOnlyInline):
    model = Amendment
    fields = ["at", "actor", "text"]


@admin.register(Minutes)
class MinutesAdmin(WordingAdmin):
    path_field = "meeting__path"
    list_display = ["meeting", "status", "approved_at", "published_at"]
    list_filter = ["status"]
    search_fields = ["meeting__title", "summary"]
    list_select_related = ["meeting"]
    fields = ["meeting", "status", "summary", "approved_at", "approved_by", "published_at", "published_by"]
    editable_fields = ("summary",)
    inlines = [AmendmentInline]

    def scope_path(self, obj) -> str:
        return obj.meeting.path

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_fixed:
            return False  # approved or published: corrected only by an amendment
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """Only while still a draft at the moment of saving (a compare on the status)."""
        if not request.user.is_superuser and not policy.can_manage_people(request.user, self.scope_path(obj)):
            raise PermissionDenied
        if "summary" not in form.changed_data:
            return
        updated = Minutes.objects.filter(pk=obj.pk, status=Minutes.Status.DRAFT).update(
            summary=obj.summary, updated_at=timezone.now()
        )
        if not updated:
            raise PermissionDenied
        audit.record(actor=request.user, action="admin.changed", obj=obj, fields=["summary"])


@admin.register(Amendment)
class AmendmentAdmin(LookUpAdmin):
    """Later corrections of approved or published minutes: append-only, to look up."""

    path_field = "minutes__meeting__path"
    list_display = ["minutes", "at", "actor"]
    search_fields = ["minutes__meeting__title", "text"]
    list_select_related = ["minutes__meeting", "actor"]
    date_hierarchy = "at"

    def scope_path(self, obj) -> str:
        return obj.minutes.meeting.path


class OverdueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("overdue")), ("week", _("due within a week"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=today)
        if self.value() == "week":
            return queryset.filter(status__in=OPEN_ACTION_STATUSES, due_on__gte=today, due_on__lte=today + timedelta(days=7))
        return queryset


@admin.register(ActionItem)
class ActionItemAdmin(WordingAdmin):
    list_display = ["title", "community", "owner_name", "due_on", "status", "meeting"]
    list_filter = ["status", OverdueFilter]
    search_fields = ["title", "details", "evidence"]
    list_select_related = ["community", "owner_organisation", "owner_person", "meeting"]
    date_hierarchy = "due_on"
    fields = [
        "community",
        "title",
        "details",
        "meeting",
        "agenda_item",
        "topic",
        "case",
        "owner_organisation",
        "owner_person",
        "due_on",
        "status",
        "evidence",
        "completed_at",
        "completed_by",
        "created_by",
        "created_at",
    ]

    def editable_fields_for(self, obj) -> tuple[str, ...]:
        return ("title", "details", "due_on") if obj is not None and obj.is_open else ()

    def also_written(self, obj, fields: list[str]) -> list[str]:
        """A new due date gets its own reminder and overdue report from the sweep."""
        if "due_on" not in fields:
            return []
        obj.reminded_at = obj.overdue_reported_at = None
        return ["reminded_at", "overdue_reported_at"]

    @admin.display(description=_("owner"))
    def owner_name(self, obj) -> str:
        return str(obj.owner or "")
