from django.urls import path

from . import views

app_name = "deliberation"

urlpatterns = [
    path("", views.index, name="index"),
    path("communities/<int:pk>/", views.community, name="community"),
    path("communities/<int:pk>/new/", views.topic_new, name="topic-new"),
    path("communities/<int:pk>/settings/", views.settings_page, name="settings"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    path("topics/<int:pk>/endorse/", views.endorse, name="endorse"),
    path("topics/<int:pk>/decide/", views.decide, name="decide"),
    path("topics/<int:pk>/advance/", views.advance, name="advance"),
    path("from-case/<int:case_id>/", views.raise_from_case, name="raise-from-case"),
]
