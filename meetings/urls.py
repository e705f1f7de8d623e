from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.meeting_new, name="new"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/photos/<int:photo_id>/", views.action_photo, name="action-photo"),
    path("board/<int:pk>/", views.board, name="board"),
    path("calendar/community/<int:pk>.ics", views.community_feed, name="feed-community"),
    path("calendar/<str:token>.ics", views.person_feed, name="feed-person"),
    path("<int:pk>/", views.meeting_detail, name="meeting"),
    path("<int:pk>/act/", views.meeting_act, name="act"),
    path("<int:pk>/agenda/", views.agenda_add, name="agenda-add"),
    path("<int:pk>/invite/", views.invite_person, name="invite"),
    path("<int:pk>/sign-in/", views.sign_in, name="sign-in"),
    path("<int:pk>/items/<int:item_id>/minute/", views.minute, name="minute"),
    path("<int:pk>/items/<int:item_id>/vote/", views.vote, name="vote"),
    path("<int:pk>/actions/new/", views.action_new, name="action-new"),
    path("<int:pk>/minutes/", views.minutes_act, name="minutes"),
    path("<int:pk>/chair/", views.chair, name="chair"),
    path("<int:pk>/notice.pdf", views.notice_pdf, name="notice-pdf"),
    path("<int:pk>/minutes.pdf", views.minutes_pdf, name="minutes-pdf"),
    path("<int:pk>/invite.ics", views.meeting_ics, name="ics"),
]
