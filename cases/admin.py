"""Back office for problem categories: community staff configure their community's own categories,
sub-district administrators every category. (Cases themselves are worked from the inbox, not here.)"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from core import audit, workdays
from core.models import CalendarDay
from people import policy

from . import access
from .models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "name_en",
        "request_kind",
        "handler_kind",
        "response_hours",
        "resolution_days",
        "is_public",
        "place",
        "active",
    ]
    list_filter = ["request_kind", "handler_kind", "is_public", "active"]
    list_editable = []
    search_fields = ["code", "name", "name_en"]
    raw_id_fields = ["place"]
    ordering = ["order", "code"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("place")
        if request.user.is_superuser:
            return qs
        return qs.filter(Q(place__isnull=True) | policy.scope_q(request.user, "place__path", access.MANAGER_ROLES))

    def has_module_permission(self, request):
        return policy.can_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return policy.can_use_admin(request.user)

    def has_add_permission(self, request):
        return policy.can_use_admin(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return policy.can_use_admin(request.user)
        return access.can_manage_categories(request.user, obj.place)

    def has_delete_permission(self, request, obj=None):
        return False  # cases keep their category; switch it off with "active" instead

    def save_model(self, request, obj, form, change):
        if not access.can_manage_categories(request.user, obj.place):
            raise PermissionDenied
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action="admin.changed" if change else "admin.added", obj=obj)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Public holidays and adjusted working days: added by administrators when the State Council
    publishes next year's arrangement."""

    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"

    def has_module_permission(self, request):
        return policy.can_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return policy.can_use_admin(request.user)

    def has_add_permission(self, request):
        return access.can_manage_categories(request.user)

    def has_change_permission(self, request, obj=None):
        return access.can_manage_categories(request.user)

    def has_delete_permission(self, request, obj=None):
        return access.can_manage_categories(request.user)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        workdays.forget()
        audit.record(actor=request.user, action="admin.changed" if change else "admin.added", obj=obj)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        workdays.forget()
