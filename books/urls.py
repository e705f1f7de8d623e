from django.urls import path

from . import views

app_name = "books"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.my_books, name="mine"),
    path("self-service/", views.self_service, name="self-service"),
    path("corners/<int:venue_id>/", views.catalogue, name="catalogue"),
    path("book/<int:pk>/", views.book_detail, name="book"),
    path("book/<int:pk>/waitlist/", views.waitlist, name="waitlist"),
    path("book/<int:pk>/edit/", views.book_edit, name="book-edit"),
    path("book/<int:pk>/copies/", views.copies_add, name="copies-add"),
    path("c/<str:code>/", views.copy_detail, name="copy"),
    path("find/", views.find_copy, name="copy-find"),
    path("copies/<int:pk>/status/", views.copy_status, name="copy-status"),
    path("loans/<int:pk>/renew/", views.renew, name="renew"),
    path("loans/<int:pk>/return/", views.desk_loan_return, name="loan-return"),
    path("desk/<int:venue_id>/", views.desk, name="desk"),
    path("desk/<int:venue_id>/borrowers/", views.desk_borrowers, name="desk-borrowers"),
    path("desk/<int:venue_id>/loans/", views.desk_loans, name="desk-loans"),
    path("desk/<int:venue_id>/books/new/", views.book_new, name="book-new"),
    path("desk/<int:venue_id>/labels/", views.labels, name="labels"),
    path("desk/<int:venue_id>/donations/", views.donation_list, name="donations"),
    path("desk/<int:venue_id>/donations/new/", views.donation_new, name="donation-new"),
    path("donations/<int:pk>/", views.donation_detail, name="donation"),
]
