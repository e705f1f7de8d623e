from django.urls import path

from . import views

app_name = "competitions"

urlpatterns = [
    path("", views.index, name="index"),
    path("tournaments/new/", views.tournament_new, name="tournament-new"),
    path("tournaments/<int:pk>/", views.tournament_detail, name="tournament"),
    path("tournaments/<int:pk>/act/", views.tournament_act, name="tournament-act"),
    path("tournaments/<int:pk>/entrants/", views.entrant_add, name="entrant-add"),
    path("tournaments/<int:pk>/entrants/<int:entrant_id>/", views.entrant_change, name="entrant-change"),
    path("tournaments/<int:pk>/groups/", views.groups, name="groups"),
    path("tournaments/<int:pk>/bracket/", views.bracket, name="bracket"),
    path("tournaments/<int:pk>/matches/<int:match_id>/", views.match_result, name="match-result"),
    path("contests/new/", views.contest_new, name="contest-new"),
    path("contests/<int:pk>/", views.contest_detail, name="contest"),
    path("contests/<int:pk>/act/", views.contest_act, name="contest-act"),
    path("contests/<int:pk>/rounds/<int:round_id>/score/", views.score, name="score"),
    path("contests/<int:pk>/results/", views.results, name="results"),
]
