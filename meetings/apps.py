from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings, minutes and action items")

    def ready(self):
        from places import rooms

        from .actions import meeting_clash

        rooms.register("meeting", meeting_clash)
