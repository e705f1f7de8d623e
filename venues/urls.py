from django.urls import path

from . import views

app_name = "venues"

# The people app serves /venues/ (the list of venues) and /venues/<id>/ (a venue's page) under the same
# prefix: nothing here may take "" or "<int:…>/".
urlpatterns = [
    path("bookings/", views.index, name="index"),
    path("mine/", views.my_bookings, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("bookings/<int:pk>/decide/", views.booking_decide, name="decide"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="cancel"),
    path("rooms/<int:pk>/hours/", views.room_hours, name="hours"),
    path("<int:venue_id>/week/", views.week, name="week"),
    path("<int:venue_id>/book/", views.booking_new, name="request"),
    path("<int:venue_id>/keepers/", views.keepers, name="keepers"),
    path("<int:venue_id>/keepers/<int:keeper_id>/remove/", views.keeper_remove, name="keeper-remove"),
]
