"""Back office. Every admin page goes through the same policy and masking as the site:
querysets are cut to the user's scope, mobile numbers shown masked, ID numbers never."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from core import audit
from core.masking import mask_mobile
from core.models import AuditEntry
from places.models import Place, Room, Unit, Venue

from . import policy
from .models import ConsentRecord, JoinRequest, Membership, Organisation, Person, RoleAssignment


class ScopedAdmin(admin.ModelAdmin):
    """Rows limited to the places the user manages (community staff, sub-district admins).

    Changes are allowed only to objects whose place the user manages, checked again on save, so a
    raw id typed into a form cannot reach outside the user's scope.
    """

    path_field = "path"

    def scope_path(self, obj) -> str:
        return getattr(obj, "path", "") or ""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(policy.scope_q(request.user, self.path_field, policy.MANAGER_ROLES))

    def has_module_permission(self, request):
        return policy.can_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return policy.can_use_admin(request.user)

    def has_add_permission(self, request):
        return policy.can_use_admin(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return policy.can_use_admin(request.user)
        return request.user.is_superuser or policy.can_manage_people(request.user, self.scope_path(obj))

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser and not policy.can_manage_people(request.user, self.new_scope_path(obj)):
            raise PermissionDenied
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action="admin.changed" if change else "admin.added", obj=obj)

    def new_scope_path(self, obj) -> str:
        """The path the object will have once saved (its own path is computed on save)."""
        return self.scope_path(obj)


class LookUpAdmin(ScopedAdmin):
    """Rows to look up, never to change: append-only histories and rows only their actions may write."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
    deleting are left to the actions (and superusers)."""

    editable_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        return [f for f in self.get_fields(request, obj) if f not in self.editable_fields_for(obj)]

    def editable_fields_for(self, obj) -> tuple[str, ...]:
        return self.editable_fields

    def also_written(self, obj, fields: list[str]) -> list[str]:
        """Further fields that follow from the edited ones."""
        return []

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not self.editable_fields_for(obj):
            return False  # nothing left to correct: a view-only page
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            raise PermissionDenied
        if not request.user.is_superuser and not policy.can_manage_people(request.user, self.scope_path(obj)):
            raise PermissionDenied
        fields = [f for f in form.changed_data if f in self.editable_fields_for(obj)]
        if fields:
            obj.save(update_fields=fields + self.also_written(obj, fields))
            audit.record(actor=request.user, action="admin.changed", obj=obj, fields=fields)


@admin.register(Place)
class PlaceAdmin(ScopedAdmin):
    list_display = ["name", "kind", "parent", "management", "join_code"]
    list_filter = ["kind", "management"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]

    def new_scope_path(self, obj) -> str:
        return obj.path or (obj.parent.path if obj.parent_id else "")

    def get_readonly_fields(self, request, obj=None):
        # A place's path is copied onto its units, households and roles: moving it would strand them.
        return [*self.readonly_fields, "parent", "kind"] if obj is not None else self.readonly_fields


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ["label", "building", "kind", "area", "area_source", "developer_holding"]
    list_filter = ["kind", "area_source", "developer_holding"]
    search_fields = ["label", "building__name"]
    raw_id_fields = ["building"]
    list_select_related = ["building"]

    def new_scope_path(self, obj) -> str:
        return obj.building.path if obj.building_id else ""


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Venue)
class VenueAdmin(ScopedAdmin):
    path_field = "place__path"
    list_display = ["name", "place", "floor_area", "opened_on"]
    search_fields = ["name"]
    raw_id_fields = ["place"]
    inlines = [RoomInline]

    def scope_path(self, obj) -> str:
        return obj.place.path if obj.place_id else ""

    new_scope_path = scope_path


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ["name", "masked_mobile", "birth_year", "migratory", "is_active"]
    search_fields = ["name", "name_pinyin", "name_initials"]
    list_filter = ["migratory", "is_active"]
    fields = ["name", "birth_year", "migratory", "preferred_language", "is_active"]
    readonly_fields = []

    def get_queryset(self, request):
        if request.user.is_superuser:
            return Person.objects.all()
        return policy.people_for(request.user)

    def scope_path(self, obj) -> str:
        return next(iter(policy.person_paths(obj)), "")

    def has_add_permission(self, request):
        return request.user.is_superuser  # new people come through registration or a roster import

    @admin.display(description=_("mobile number"))
    def masked_mobile(self, obj):
        return mask_mobile(obj.mobile)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["person"]


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ["name", "kind", "place"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["place", "parent"]
    filter_horizontal = ["served_places"]
    inlines = [MembershipInline]

    def new_scope_path(self, obj) -> str:
        return obj.place.path if obj.place_id else ""


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdmin):
    list_display = ["person", "role", "place", "organisation", "granted_at", "ended_at"]
    list_filter = ["role"]
    raw_id_fields = ["person", "place", "organisation"]
    fields = ["person", "role", "place", "organisation", "ended_at"]

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return policy.can_use_admin(request.user)
        return request.user.is_superuser or policy.can_grant(request.user, obj.role, obj.place)

    def save_model(self, request, obj, form, change):
        """Granting a role goes through the same action and policy as everywhere else."""
        if not (request.user.is_superuser or policy.can_grant(request.user, obj.role, obj.place)):
            raise PermissionDenied
        obj.granted_by = obj.granted_by or request.user
        super(ScopedAdmin, self).save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action="role.assigned" if not change else "role.changed",
            obj=obj,
            subject_id=obj.person_id,
            role=obj.role,
            place=obj.place_id,
        )


@admin.register(JoinRequest)
class JoinRequestAdmin(ScopedAdmin):
    list_display = ["person", "unit", "relation", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["person", "unit", "building", "decided_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # decided on the join-requests page, through the action


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["person", "purpose", "notice_version", "granted_at", "withdrawn_at"]
    list_filter = ["purpose", "notice_version"]
    raw_id_fields = ["person"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
