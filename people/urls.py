from django.urls import path

from . import imports_views, staff_views, token_views, views

app_name = "people"

urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/code/", views.sign_in_code, name="login-code"),
    path("sign-out/", views.sign_out, name="logout"),
    path("register/", views.register, name="register"),
    path("join/<str:code>/", views.join_building, name="join"),
    path("join-requests/<int:pk>/withdraw/", views.withdraw_join, name="join-withdraw"),
    path("leaders/<int:pk>/call/", views.call_leader, name="call-leader"),
    path("me/data/", views.my_data, name="my-data"),
    path("me/data/export.json", views.my_data_export, name="my-data-export"),
    path("me/data/consent/", views.my_consent, name="my-consent"),
    path("me/data/erase/", views.my_data_erase, name="my-data-erase"),
    path("me/tokens/", token_views.my_tokens, name="my-tokens"),
    path("me/tokens/<int:pk>/revoke/", token_views.revoke_token, name="my-token-revoke"),
    # staff
    path("places/", staff_views.places_index, name="places"),
    path("places/<int:pk>/", staff_views.place_detail, name="place"),
    path("places/<int:pk>/buildings/", staff_views.place_buildings, name="place-buildings"),
    path("places/<int:pk>/qr.svg", staff_views.building_qr, name="building-qr"),
    path("people/", staff_views.directory, name="directory"),
    path("people/<int:pk>/", staff_views.person_detail, name="person"),
    path("people/<int:pk>/reveal/", staff_views.reveal, name="reveal"),
    path("people/<int:pk>/tags/", staff_views.add_tag, name="add-tag"),
    path("join-requests/", staff_views.join_requests, name="join-requests"),
    path("join-requests/<int:pk>/decide/", staff_views.decide_join, name="join-decide"),
    path("organisations/", staff_views.organisations, name="organisations"),
    path("organisations/<int:pk>/", staff_views.organisation_detail, name="organisation"),
    path("venues/", staff_views.venues, name="venues"),
    path("venues/<int:pk>/", staff_views.venue_detail, name="venue"),
    # spreadsheets
    path("import/", imports_views.import_upload, name="import"),
    path("import/<str:token>/commit/", imports_views.import_commit, name="import-commit"),
    path("import/template.xlsx", imports_views.import_template, name="import-template"),
    path("export/<int:pk>/<str:fmt>/", imports_views.export_roster, name="export"),
]
