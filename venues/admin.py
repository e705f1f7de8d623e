"""Back office for venue rooms, through the same policy as the rest of the admin (``people.admin.ScopedAdmin``):
open to whoever ``policy.can_use_admin`` lets in, rows cut to the community staff's and sub-district
administrators' scope.

Everything here is to look up. Bookings move through their actions on the site (request, approve,
decline, cancel), which check the room is free, keep the version for compare-and-set and tell the
people concerned; opening hours are set on the room's page (spans of a day must not overlap); keepers
are appointed and removed on the venue's keepers page (each audited and the person told).
"""

from django.contrib import admin

from people.admin import LookUpAdmin

from .models import Booking, OpeningHours, VenueKeeper


@admin.register(Booking)
class BookingAdmin(LookUpAdmin):
    list_display = ["title", "room", "starts_at", "ends_at", "status", "organisation", "requested_by"]
    list_filter = ["status"]
    search_fields = ["title", "description", "room__name", "room__venue__name"]
    list_select_related = ["room__venue", "organisation", "requested_by"]
    date_hierarchy = "starts_at"
    fields = [
        "room",
        "starts_at",
        "ends_at",
        "title",
        "description",
        "expected_attendees",
        "organisation",
        "requested_by",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
        "cancelled_by",
        "cancelled_at",
        "cancel_reason",
        "created_at",
    ]


@admin.register(VenueKeeper)
class VenueKeeperAdmin(LookUpAdmin):
    path_field = "venue__place__path"
    list_display = ["venue", "person", "since", "appointed_by"]
    search_fields = ["venue__name", "person__name"]
    list_select_related = ["venue", "person", "appointed_by"]

    def scope_path(self, obj) -> str:
        return obj.venue.place.path


@admin.register(OpeningHours)
class OpeningHoursAdmin(LookUpAdmin):
    path_field = "room__venue__place__path"
    list_display = ["room", "weekday", "opens", "closes"]
    list_filter = ["weekday"]
    search_fields = ["room__name", "room__venue__name"]
    list_select_related = ["room__venue"]

    def scope_path(self, obj) -> str:
        return obj.room.venue.place.path
