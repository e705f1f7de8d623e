from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.event_new, name="new"),
    path("community/<int:pk>/", views.community, name="community"),
    path("calendar/community/<int:pk>.ics", views.feed_community, name="feed-community"),
    path("calendar/<str:token>.ics", views.feed_person, name="feed-person"),
    path("check-in/<str:code>/", views.check_in, name="check-in"),
    path("neighbours/", views.neighbours, name="neighbours"),
    path("clubs/", views.clubs, name="clubs"),
    path("clubs/new/", views.club_new, name="club-new"),
    path("clubs/<int:pk>/", views.club_detail, name="club"),
    path("clubs/<int:pk>/join/", views.club_join, name="club-join"),
    path("clubs/<int:pk>/leave/", views.club_leave, name="club-leave"),
    path("clubs/<int:pk>/position/", views.club_position, name="club-position"),
    path("clubs/requests/<int:pk>/decide/", views.club_decide, name="club-decide"),
    path("clubs/requests/<int:pk>/withdraw/", views.club_withdraw, name="club-withdraw"),
    path("<int:pk>/", views.event_detail, name="event"),
    path("<int:pk>/edit/", views.event_edit, name="edit"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/sign-up/", views.sign_up, name="sign-up"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/registrations/", views.registrations, name="registrations"),
    path("<int:pk>/registrations.csv", views.registrations_csv, name="registrations-csv"),
    path("<int:pk>/registrations/<int:reg_id>/cancel/", views.registration_cancel, name="registration-cancel"),
    path("<int:pk>/check-in/", views.desk, name="desk"),
]
