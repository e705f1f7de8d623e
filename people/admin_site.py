from django.contrib import admin

from . import policy


class PolicyAdminSite(admin.AdminSite):
    """The back office: open to community staff and sub-district administrators (and superusers),
    as decided by the access policy, not by Django's is_staff flag alone."""

    site_header = "Linli 邻里"
    site_title = "Linli"

    def has_permission(self, request):
        return policy.can_use_admin(request.user)
