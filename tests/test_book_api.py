"""The book corner's JSON API (/api/books): the same access and actions as the pages; refusals 400 by
field, invisible things 404, a copy someone else took first 409; borrowers masked and audited."""

import pytest
from django.utils import timezone

from books import actions
from books.models import Book, Copy, Donation, Loan
from core.models import AuditEntry
from tests.test_book_world import book_world_fixture, copy_of, english_fixture, fresh  # noqa: F401

pytestmark = pytest.mark.usefixtures("english")

API = "/api/books"


def post(client, url: str, body: dict | None = None):
    return client.post(API + url, body or {}, content_type="application/json")


def as_(client, person):
    client.force_login(person)
    return client


def test_the_api_needs_a_signed_in_user_and_is_in_the_schema(client, book_world):
    assert client.get(API + "/corners").status_code == 401
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ["/api/books/corners", "/api/books/self/borrow", "/api/books/loans", "/api/books/my/loans"]:
        assert path in paths, path


def test_corners_and_the_catalogue(client, book_world):
    w = book_world
    as_(client, w.resident)
    corners = client.get(API + "/corners").json()
    assert [c["name"] for c in corners][0] == w.venue.name and corners[0]["is_mine"] is True
    assert {c["name"] for c in corners} == {w.venue.name, w.other_venue.name}
    found = client.get(API + f"/corners/{w.venue.pk}/books", {"q": "7-5063-6543-X"}).json()
    assert [b["title"] for b in found["items"]] == ["活着"] and found["items"][0]["available"] == 2
    assert client.get(API + f"/corners/{w.venue.pk}/books", {"q": "刘慈"}).json()["count"] == 1
    actions.borrow_by_code(person=w.neighbour, code=copy_of(w.santi).code)
    on_shelf = client.get(API + f"/corners/{w.venue.pk}/books", {"available": "true"}).json()
    assert [b["title"] for b in on_shelf["items"]] == ["活着"]
    assert client.get(API + f"/corners/{w.plain_venue.pk}/books").status_code == 404


def test_codes_are_for_the_staff_only(client, book_world):
    w = book_world
    detail = as_(client, w.resident).get(API + f"/books/{w.huozhe.pk}").json()
    assert [c["code"] for c in detail["copies"]] == [None, None] and detail["can_run"] is False
    detail = as_(client, w.community_staff).get(API + f"/books/{w.huozhe.pk}").json()
    assert {c["code"] for c in detail["copies"]} == set(w.huozhe.copies.values_list("code", flat=True))


def test_staff_catalogue_books_with_copies_all_or_nothing(client, book_world):
    w = book_world
    as_(client, w.community_staff)
    response = post(client, f"/corners/{w.venue.pk}/books", {"isbn": "978-7-02-008543-9", "title": "白鹿原", "copies": 3})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["isbn"] == "9787020085439" and len(body["copies"]) == 3 and all(c["code"] for c in body["copies"])
    response = post(client, f"/corners/{w.venue.pk}/books", {"isbn": "978-7-02-008543-0", "title": "坏号"})
    assert response.status_code == 400 and "isbn" in response.json()["detail"]
    response = post(client, f"/corners/{w.venue.pk}/books", {"title": "边城", "copies": 99})
    assert response.status_code == 400 and "copies" in response.json()["detail"]
    assert not Book.objects.filter(title__in=["坏号", "边城"]).exists()  # no entry without its copies
    as_(client, w.resident)
    assert post(client, f"/corners/{w.venue.pk}/books", {"title": "我的书"}).status_code == 404
    assert post(client, f"/books/{w.huozhe.pk}/copies", {"count": 1}).status_code == 404
    assert client.put(API + f"/books/{w.huozhe.pk}", {"title": "改"}, content_type="application/json").status_code == 404


def test_lending_and_taking_back_at_the_desk(client, book_world):
    w = book_world
    code = copy_of(w.huozhe).code
    as_(client, w.community_staff)
    response = post(client, "/loans", {"code": code, "borrower_id": w.resident.pk})
    assert response.status_code == 201, response.content
    loan = response.json()
    assert loan["borrower"] == w.resident.name and loan["borrower_mobile_masked"] == "138****0001"
    assert "13800000001" not in response.content.decode()
    assert loan["due_on"] == (timezone.localdate() + timezone.timedelta(days=30)).isoformat()
    refused = post(client, "/loans", {"code": code, "borrower_id": w.neighbour.pk})
    assert refused.status_code == 400 and "on loan" in refused.json()["detail"]["code"][0]
    outsider = post(client, "/loans", {"code": copy_of(w.huozhe, 1).code, "borrower_id": w.outsider.pk})
    assert outsider.status_code == 400 and "borrower_id" in outsider.json()["detail"]
    assert post(client, "/loans", {"code": "nonsense", "borrower_id": w.resident.pk}).status_code == 400
    back = post(client, "/loans/return", {"code": code.lower()})
    assert back.status_code == 200 and back.json()["returned_at"]
    assert post(client, "/loans/return", {"code": code}).status_code == 400  # not on loan any more
    as_(client, w.other_staff)  # not their venue: as if the copy did not exist
    assert post(client, "/loans", {"code": code, "borrower_id": w.resident.pk}).status_code == 404


def test_self_service_and_my_loans(client, book_world):
    w = book_world
    code = copy_of(w.santi).code
    as_(client, w.resident)
    response = post(client, "/self/borrow", {"code": code})
    assert response.status_code == 201 and response.json()["self_service"] is True
    loan_id = response.json()["id"]
    mine = client.get(API + "/my/loans").json()
    assert [x["title"] for x in mine["items"]] == ["三体"] and mine["items"][0]["code"] == code
    assert post(client, f"/loans/{loan_id}/renew").json()["renewals"] == 1
    assert post(client, f"/loans/{loan_id}/renew").status_code == 400
    as_(client, w.neighbour)
    assert post(client, "/self/borrow", {"code": code}).status_code == 400
    assert post(client, "/self/return", {"code": code}).status_code == 400
    assert post(client, f"/loans/{loan_id}/renew").status_code == 404
    assert post(client, f"/books/{w.santi.pk}/waitlist").status_code == 201
    assert client.delete(API + f"/books/{w.santi.pk}/waitlist").status_code == 204
    as_(client, w.resident)
    assert post(client, "/self/return", {"code": code}).status_code == 200
    assert client.get(API + "/my/loans", {"returned": "true"}).json()["count"] == 1
    assert client.get(API + "/my/loans").json()["count"] == 0


def test_a_copy_taken_a_moment_before_answers_409(client, book_world, monkeypatch):
    w = book_world
    stale = copy_of(w.santi)  # read as available …
    actions.borrow_by_code(person=w.neighbour, code=stale.code)  # … then someone else borrows it
    monkeypatch.setattr(actions, "copy_by_code", lambda code: stale)
    response = post(as_(client, w.resident), "/self/borrow", {"code": stale.code})
    assert response.status_code == 409 and "Someone else borrowed" in response.json()["detail"]
    assert Loan.objects.count() == 1


def test_copy_status_with_version(client, book_world):
    w = book_world
    copy = copy_of(w.huozhe)
    as_(client, w.community_staff)
    response = post(client, f"/copies/{copy.pk}/status", {"status": "withdrawn", "note": "破损", "version": copy.version})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    stale = post(client, f"/copies/{copy.pk}/status", {"status": "available", "version": copy.version})
    assert stale.status_code == 409
    assert post(client, f"/copies/{copy.pk}/status", {"status": "lost"}).status_code == 400  # withdrawn → lost
    assert fresh(copy).status == Copy.Status.WITHDRAWN
    as_(client, w.resident)
    assert post(client, f"/copies/{copy.pk}/status", {"status": "available"}).status_code == 404
    assert client.get(API + f"/copies/{copy.code}").json()["status"] == "withdrawn"
    assert client.get(API + "/copies/ZZZZZZ").status_code == 404


def test_staff_lists_of_loans_and_borrowers_are_masked_and_audited(client, book_world):
    w = book_world
    actions.lend(actor=w.community_staff, copy=copy_of(w.huozhe), borrower=w.neighbour)
    as_(client, w.community_staff)
    loans = client.get(API + f"/corners/{w.venue.pk}/loans").json()
    assert [(x["borrower"], x["borrower_mobile_masked"]) for x in loans] == [(w.neighbour.name, "138****0002")]
    assert AuditEntry.objects.filter(action="books.loans", subject_id=w.neighbour.pk, actor=w.community_staff).exists()
    found = client.get(API + f"/corners/{w.venue.pk}/borrowers", {"q": "13800000001"}).json()
    assert [(p["id"], p["name"], p["mobile_masked"]) for p in found] == [(w.resident.pk, w.resident.name, "138****0001")]
    assert found[0]["homes"] == ["1栋 101"]
    assert client.get(API + f"/corners/{w.venue.pk}/borrowers", {"q": "13700000009"}).json() == []  # other community
    assert client.get(API + f"/corners/{w.venue.pk}/borrowers", {"q": "800000"}).json() == []  # no partial numbers
    assert AuditEntry.objects.filter(action="books.borrower_search", subject_id=w.resident.pk).exists()
    as_(client, w.resident)
    assert client.get(API + f"/corners/{w.venue.pk}/loans").status_code == 404
    assert client.get(API + f"/corners/{w.venue.pk}/borrowers", {"q": "王"}).status_code == 404


def test_donations(client, book_world):
    w = book_world
    as_(client, w.community_staff)
    body = {
        "donor_id": w.resident.pk,
        "note": "搬家前整理出来的",
        "books": [{"isbn": "9787506365437", "copies": 1}, {"title": "小王子", "author": "圣埃克苏佩里", "copies": 2}],
    }
    response = post(client, f"/corners/{w.venue.pk}/donations", body)
    assert response.status_code == 201, response.content
    donation = response.json()
    assert donation["donor"] == w.resident.name and len(donation["copies"]) == 3 and all(c["code"] for c in donation["copies"])
    assert w.huozhe.copies.count() == 3  # the ISBN found the catalogue entry
    bad = dict(body, books=[{"title": "好书"}, {"isbn": "123"}])
    response = post(client, f"/corners/{w.venue.pk}/donations", bad)
    assert response.status_code == 400 and "Book 2" in response.json()["detail"]["items"][0]
    outsider = dict(body, donor_id=w.outsider.pk)
    assert post(client, f"/corners/{w.venue.pk}/donations", outsider).status_code == 400
    assert Donation.objects.count() == 1 and not Book.objects.filter(title="好书").exists()
    listed = client.get(API + f"/corners/{w.venue.pk}/donations").json()
    assert [d["id"] for d in listed] == [donation["id"]]
    as_(client, w.resident)
    mine = client.get(API + "/my/donations").json()
    assert [len(d["copies"]) for d in mine] == [3] and {c["code"] for c in mine[0]["copies"]} == {None}
    assert client.get(API + f"/donations/{donation['id']}").status_code == 200
    as_(client, w.neighbour)
    assert client.get(API + f"/donations/{donation['id']}").status_code == 404
    assert post(client, f"/corners/{w.venue.pk}/donations", body).status_code == 404
