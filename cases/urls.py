from django.urls import path

from . import open311_keys, views

app_name = "cases"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.case_new, name="case-new"),
    path("new/hints/", views.report_hints, name="report-hints"),
    path("mine/", views.mine, name="mine"),
    path("neighbourhood/", views.neighbourhood, name="neighbourhood"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/assign/", views.bulk_assign, name="bulk-assign"),
    path("inbox/assign/form/", views.assign_form, name="assign-form"),
    path("place/<int:pk>/", views.building, name="building"),
    path("open311-keys/", open311_keys.keys_page, name="open311-keys"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/act/", views.case_act, name="case-act"),
    path("<int:pk>/comment/", views.case_comment, name="case-comment"),
    path("<int:pk>/rate/", views.case_rate, name="case-rate"),
    path("<int:pk>/support/", views.case_support, name="case-support"),
    path("<int:pk>/assign/", views.case_assign, name="case-assign"),
    path("<int:pk>/photos/<int:photo_id>/", views.case_photo, name="case-photo"),
]
