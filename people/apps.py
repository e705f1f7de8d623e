from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("People and organisations")
    default = True


class LinliAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "people.admin_site.PolicyAdminSite"
