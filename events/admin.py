"""Back office for clubs, events and sign-ups, through the same policy as the rest of the admin
(``people.admin.ScopedAdmin``): open to whoever ``policy.can_use_admin`` lets in, rows cut to the
community staff's and sub-district administrators' scope, changes checked again on save and audited.

Events, registrations and join requests move through their actions on the site (publish, sign-up and
the waiting list, cancel with a reason that is sent to everyone, check-in, decisions), which keep the
seat counters, the calendars and the notifications in step. So here their state is read-only, and staff
may only correct wording: an event's title and description while it is not over or cancelled (its
registrants' calendars pick the change up at the next SEQUENCE, so it is raised), a club's schedule and
whether it takes members. Registrations show the person's name only (no mobile number).
"""

from django.contrib import admin
from django.db.models import F
from django.utils import timezone

from people.admin import LookUpAdmin, ReadOnlyInline, WordingAdmin

from .models import Club, ClubJoinRequest, Encounter, Event, Registration, Status, VolunteerRole


class VolunteerRoleInline(ReadOnlyInline):
    model = VolunteerRole
    fields = ["name", "description", "capacity", "confirmed", "waitlisted"]


@admin.register(Event)
class EventAdmin(WordingAdmin):
    path_field = "community__path"
    list_display = ["title", "community", "organiser", "kind", "status", "starts_at", "capacity", "confirmed", "waitlisted"]
    list_filter = ["status", "kind", "audience"]
    search_fields = ["title", "description", "location"]
    list_select_related = ["community", "organiser"]
    date_hierarchy = "starts_at"
    fields = [
        "title",
        "description",
        "kind",
        "organiser",
        "club",
        "community",
        "audience",
        "audience_place",
        "room",
        "location",
        "starts_at",
        "ends_at",
        "signup_opens_at",
        "signup_closes_at",
        "capacity",
        "confirmed",
        "waitlisted",
        "status",
        "cancel_reason",
        "created_by",
        "created_at",
    ]
    inlines = [VolunteerRoleInline]

    def scope_path(self, obj) -> str:
        return obj.community.path

    def editable_fields_for(self, obj) -> tuple[str, ...]:
        if obj is None or obj.status == Status.CANCELLED or obj.ends_at <= timezone.now():
            return ()
        return ("title", "description")

    def also_written(self, obj, fields: list[str]) -> list[str]:
        """Calendars pick up a new title at a higher SEQUENCE; the version makes open forms answer 409."""
        obj.sequence = F("sequence") + 1
        obj.version = F("version") + 1
        obj.updated_at = timezone.now()
        return ["sequence", "version", "updated_at"]


@admin.register(Club)
class ClubAdmin(WordingAdmin):
    list_display = ["__str__", "activity", "schedule", "accepting"]
    list_filter = ["activity", "accepting"]
    search_fields = ["organisation__name", "schedule"]
    list_select_related = ["organisation"]
    fields = ["organisation", "activity", "schedule", "accepting", "created_at"]
    editable_fields = ("activity", "schedule", "accepting")


@admin.register(ClubJoinRequest)
class ClubJoinRequestAdmin(LookUpAdmin):
    path_field = "club__path"
    list_display = ["club", "person", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["club__organisation__name", "person__name"]
    list_select_related = ["club__organisation", "person"]
    fields = ["club", "person", "message", "status", "decided_by", "decided_at", "reason", "created_at"]

    def scope_path(self, obj) -> str:
        return obj.club.path


@admin.register(Registration)
class RegistrationAdmin(LookUpAdmin):
    path_field = "event__community__path"
    list_display = ["event", "person", "role", "status", "ticket", "created_at", "checked_in_at"]
    list_filter = ["status"]
    search_fields = ["event__title", "person__name"]
    list_select_related = ["event", "person", "role"]
    date_hierarchy = "created_at"
    fields = ["event", "person", "role", "status", "ticket", "created_at", "promoted_at", "cancelled_at", "checked_in_at"]

    def scope_path(self, obj) -> str:
        return obj.event.community.path


@admin.register(Encounter)
class EncounterAdmin(LookUpAdmin):
    path_field = "community__path"
    list_display = ["community", "first_event", "first_at", "last_at", "times"]
    list_select_related = ["community", "first_event"]
    date_hierarchy = "first_at"
    fields = ["community", "first_event", "first_at", "last_at", "times"]

    def scope_path(self, obj) -> str:
        return obj.community.path
