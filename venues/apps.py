from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenuesConfig(AppConfig):
    name = "venues"
    verbose_name = _("Venue rooms and their bookings")

    def ready(self):
        from places import rooms

        from .actions import booking_clash

        rooms.register("booking", booking_clash)
