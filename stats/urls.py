from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("<int:pk>/", views.community, name="community"),
    path("cases/", views.cases, name="cases"),
    path("cases/<int:pk>/", views.cases, name="cases-community"),
    path("events/", views.events, name="events"),
    path("events/<int:pk>/", views.events_community, name="events-community"),
]
