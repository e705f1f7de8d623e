from django.urls import path

from . import views

app_name = "votes"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.matter_new, name="new"),
    path("board/<int:community_id>/", views.board, name="board"),
    path("compounds/<int:place_id>/silent-consent/", views.silent_consent, name="silent-consent"),
    path("use-changes/", views.use_change_list, name="use-changes"),
    path("use-changes/new/", views.use_change_new, name="use-change-new"),
    path("use-changes/<int:pk>/", views.use_change_detail, name="use-change"),
    path("use-changes/<int:pk>/answer/", views.use_change_answer, name="use-change-answer"),
    path("use-changes/<int:pk>/add/", views.use_change_add, name="use-change-add"),
    path("use-changes/<int:pk>/withdraw/", views.use_change_withdraw, name="use-change-withdraw"),
    path("use-changes/<int:pk>/paper/", views.use_change_paper, name="use-change-paper"),
    path("<int:pk>/", views.matter_detail, name="matter"),
    path("<int:pk>/cast/", views.cast, name="cast"),
    path("<int:pk>/designate/", views.designate, name="designate"),
    path("<int:pk>/documents/<int:doc_id>/", views.document, name="document"),
    path("<int:pk>/result.pdf", views.result_pdf, name="result-pdf"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/manage/step/", views.step, name="step"),
    path("<int:pk>/manage/edit/", views.edit, name="edit"),
    path("<int:pk>/manage/documents/", views.add_document, name="add-document"),
    path("<int:pk>/manage/paper/", views.paper, name="paper"),
    path("<int:pk>/manage/paper/<int:entry_id>/set-aside/", views.paper_set_aside, name="paper-set-aside"),
    path("<int:pk>/manage/proxy/", views.proxy, name="proxy"),
    path("<int:pk>/manage/proxies/<int:proxy_id>/", views.proxy_document, name="proxy-document"),
    path("<int:pk>/manage/designate/", views.manage_designate, name="manage-designate"),
]
