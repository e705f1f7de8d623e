from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from core import views as core_views
from people import views as people_views
from places import views as places_views

from .api import api

urlpatterns = [
    path("", people_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("stats/", include("stats.urls")),
    path("cases/", include("cases.urls")),
    path("deliberation/", include("deliberation.urls")),
    path("meetings/", include("meetings.urls")),
    path("votes/", include("votes.urls")),
    path("venues/", include("venues.urls")),
    path("books/", include("books.urls")),
    path("events/", include("events.urls")),
    path("competitions/", include("competitions.urls")),
    path("open311/v2/", include("cases.open311_urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("notifications/", core_views.notifications, name="notifications"),
    path("", include("people.urls")),
]

if settings.BENCH_FLOOR:
    urlpatterns.append(path("bench/floor/", places_views.floor, name="bench-floor"))
