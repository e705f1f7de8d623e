"""The book corner pages: the desk (lend by picking the borrower, take back, overdue), cataloguing,
donations, labels, "my books"; mobiles masked; a constant number of queries whatever the rows shown."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from books import actions
from books.models import Book, Copy, Donation, Loan
from core.models import AuditEntry
from people.models import HouseholdMember
from tests.conftest import live_in, make_person
from tests.test_book_world import book_world_fixture, copy_of, english_fixture, fresh, shelve  # noqa: F401

pytestmark = pytest.mark.usefixtures("english")

LONG_AGO = datetime(2026, 1, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_every_page_renders_in_both_languages(client, book_world, lang):
    w = book_world
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    loan = actions.lend(actor=w.community_staff, copy=copy_of(w.huozhe), borrower=w.resident, now=LONG_AGO)
    donation = actions.record_donation(
        actor=w.community_staff, venue=w.venue, donor=w.resident, items=[actions.DonatedBook(title="小王子")]
    )
    client.force_login(w.community_staff)
    for url in [
        reverse("books:index"),
        reverse("books:catalogue", args=[w.venue.pk]),
        reverse("books:book", args=[w.huozhe.pk]),
        reverse("books:copy", args=[loan.copy.code]),
        reverse("books:desk", args=[w.venue.pk]),
        reverse("books:desk-loans", args=[w.venue.pk]) + "?show=overdue",
        reverse("books:book-new", args=[w.venue.pk]),
        reverse("books:book-edit", args=[w.huozhe.pk]),
        reverse("books:donations", args=[w.venue.pk]),
        reverse("books:donation-new", args=[w.venue.pk]) + "?q=李",
        reverse("books:donation", args=[donation.pk]),
        reverse("books:labels", args=[w.venue.pk]) + f"?donation={donation.pk}",
    ]:
        assert client.get(url).status_code == 200, url
    client.force_login(w.resident)
    assert client.get(reverse("books:mine")).status_code == 200


def test_lending_at_the_desk_by_finding_the_borrower(client, book_world):
    w = book_world
    client.force_login(w.community_staff)
    page = client.get(reverse("books:desk", args=[w.venue.pk]), {"q": "0001"}).content.decode()
    assert w.resident.name in page and "138****0001" in page and "13800000001" not in page
    assert "1栋 101" in page
    partial = client.get(reverse("books:desk-borrowers", args=[w.venue.pk]), {"q": "li"}).content.decode()
    assert w.resident.name in partial and "<html" not in partial
    assert AuditEntry.objects.filter(action="books.borrower_search", subject_id=w.resident.pk).exists()

    code = copy_of(w.huozhe).code
    url = reverse("books:desk", args=[w.venue.pk])
    response = client.post(url, {"op": "lend", "code": code, "borrower": w.resident.pk, "q": "0001"})
    assert response.status_code == 302
    loan = Loan.objects.get()
    assert (loan.borrower, loan.lent_by) == (w.resident, w.community_staff)
    # a refusal shows on the page and changes nothing
    response = client.post(url, {"op": "lend", "code": code, "borrower": w.neighbour.pk})
    assert response.status_code == 400 and "on loan to someone else" in response.content.decode()
    response = client.post(url, {"op": "lend", "code": copy_of(w.huozhe, 1).code, "borrower": w.outsider.pk})
    assert response.status_code == 400 and "residents of this community" in response.content.decode()
    response = client.post(url, {"op": "lend", "code": copy_of(w.weicheng).code, "borrower": w.resident.pk})
    assert response.status_code == 400 and w.other_venue.name in response.content.decode()
    response = client.post(url, {"op": "lend", "code": copy_of(w.santi).code})
    assert response.status_code == 400 and "Find the borrower" in response.content.decode()
    assert Loan.objects.count() == 1

    response = client.post(url, {"op": "return", "code": code})
    assert response.status_code == 302 and fresh(loan).returned_to == w.community_staff
    response = client.post(url, {"op": "return", "code": code})
    assert response.status_code == 400 and "not on loan" in response.content.decode()


def test_the_desk_lists_overdue_books_with_masked_mobiles_and_audits_the_read(client, book_world):
    w = book_world
    actions.lend(actor=w.community_staff, copy=copy_of(w.santi), borrower=w.neighbour, now=LONG_AGO)
    client.force_login(w.community_staff)
    page = client.get(reverse("books:desk", args=[w.venue.pk])).content.decode()
    assert "三体" in page and w.neighbour.name in page and "138****0002" in page and "13800000002" not in page
    assert AuditEntry.objects.filter(action="books.desk", subject_id=w.neighbour.pk, actor=w.community_staff).exists()
    listed = client.get(reverse("books:desk-loans", args=[w.venue.pk]), {"show": "overdue"}).content.decode()
    assert "三体" in listed and "138****0002" in listed


def test_cataloguing_a_book_with_copies_then_labels(client, book_world):
    w = book_world
    client.force_login(w.community_staff)
    url = reverse("books:book-new", args=[w.venue.pk])
    response = client.post(url, {"isbn": "9787506365438", "title": "活着", "copies": 2})
    assert response.status_code == 400 and "check digit" in response.content.decode()
    response = client.post(url, {"isbn": "", "title": "", "copies": 1})
    assert response.status_code == 400 and "title" in response.content.decode()
    assert Book.objects.filter(venue=w.venue).count() == 2
    response = client.post(url, {"isbn": "978 7 5321 3456 4", "title": "繁花", "author": "金宇澄", "copies": 2, "shelf": "A3"})
    book = Book.objects.get(title="繁花")
    assert response.status_code == 302 and response["Location"] == reverse("books:book", args=[book.pk])
    assert book.isbn == "9787532134564" and list(book.copies.values_list("shelf", flat=True)) == ["A3", "A3"]
    labels = client.get(reverse("books:labels", args=[w.venue.pk]), {"book": book.pk}).content.decode()
    assert labels.count("<svg") == 2 and all(c.code in labels for c in book.copies.all())
    assert "<?xml" not in labels
    today = client.get(reverse("books:labels", args=[w.venue.pk])).content.decode()
    assert today.count("<svg") == 2 + 3  # today's copies: the two new ones and the world's three
    other = client.get(reverse("books:labels", args=[w.venue.pk]), {"codes": copy_of(w.weicheng).code}).content.decode()
    assert other.count("<svg") == 0  # another venue's copy


def test_recording_a_donation_on_the_page(client, book_world):
    w = book_world
    client.force_login(w.community_staff)
    url = reverse("books:donation-new", args=[w.venue.pk])
    page = client.get(url, {"q": "13800000001"}).content.decode()
    assert f'value="{w.resident.pk}"' in page and "138****0001" in page
    form = {
        "donor": w.resident.pk,
        "donor_name": "",
        "note": "",
        "shelf": "D1",
        "books-TOTAL_FORMS": 3,
        "books-INITIAL_FORMS": 0,
        "books-0-isbn": "",
        "books-0-title": "小王子",
        "books-0-copies": 2,
        "books-1-isbn": "1234",
        "books-1-title": "",
        "books-1-copies": 1,
        "books-2-isbn": "",
        "books-2-title": "",
    }
    response = client.post(url, form)
    assert response.status_code == 400 and "Book 2" in response.content.decode()
    assert not Donation.objects.exists() and not Book.objects.filter(title="小王子").exists()
    form["books-1-isbn"] = "9787506365437"
    response = client.post(url, form)
    donation = Donation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("books:donation", args=[donation.pk])
    assert donation.copies.count() == 3 and donation.donor == w.resident and donation.received_by == w.community_staff
    client.force_login(w.resident)
    mine = client.get(reverse("books:mine")).content.decode()
    assert "小王子" in mine and "活着" in mine and reverse("books:donation", args=[donation.pk]) in mine
    assert w.resident.notifications.filter(subject__contains="Thank you").exists()


def test_an_anonymous_donation_and_a_named_one(book_world):
    w = book_world
    item = [actions.DonatedBook(title="旧书")]
    anonymous = actions.record_donation(actor=w.community_staff, venue=w.venue, items=item)
    named = actions.record_donation(actor=w.community_staff, venue=w.venue, items=item, donor_name="张伯")
    assert anonymous.donor_label == "anonymous" and named.donor_label == "张伯"
    with pytest.raises(actions.ValidationError):
        actions.record_donation(actor=w.community_staff, venue=w.venue, items=item, donor=w.resident, donor_name="张伯")
    with pytest.raises(actions.ValidationError):
        actions.record_donation(actor=w.community_staff, venue=w.venue, items=[])
    assert Donation.objects.count() == 2


def _many_books(w, n: int) -> None:
    for i in range(n):
        shelve(w.community_staff, w.venue, f"第{i}本", copies=1 + i % 2)


def _many_loans(w, first: int, n: int) -> None:
    """``n`` residents of 2栋 201 with a book each, lent long ago (overdue)."""
    for i in range(first, first + n):
        person = make_person(f"读者{i}", f"1380001{i:04d}")
        live_in(person, w.unit_b2, HouseholdMember.Relation.FAMILY)
        book = shelve(w.community_staff, w.venue, f"借出{i}")
        actions.lend(actor=w.community_staff, copy=copy_of(book), borrower=person, now=LONG_AGO + timedelta(hours=i))


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_the_rows(client, book_world):
    w = book_world
    client.force_login(w.community_staff)
    urls = {
        "catalogue": reverse("books:catalogue", args=[w.venue.pk]),
        "desk": reverse("books:desk", args=[w.venue.pk]),
        "loans": reverse("books:desk-loans", args=[w.venue.pk]),
        "index": reverse("books:index"),
        "book": reverse("books:book", args=[w.huozhe.pk]),
        "donations": reverse("books:donations", args=[w.venue.pk]),
    }
    _many_books(w, 2)
    _many_loans(w, 0, 2)
    actions.record_donation(actor=w.community_staff, venue=w.venue, donor=w.resident, items=[actions.DonatedBook(title="A")])
    few = {name: _queries(client, url) for name, url in urls.items()}
    _many_books(w, 12)
    _many_loans(w, 2, 8)
    actions.add_copies(actor=w.community_staff, book=w.huozhe, count=6)
    for n in range(5):
        actions.record_donation(
            actor=w.community_staff, venue=w.venue, donor=w.resident, items=[actions.DonatedBook(title=f"B{n}")]
        )
    many = {name: _queries(client, url) for name, url in urls.items()}
    assert many == few


def test_my_books_query_count_does_not_grow(client, book_world):
    w = book_world
    client.force_login(w.resident)
    actions.borrow_by_code(person=w.resident, code=copy_of(w.huozhe).code)
    actions.borrow_by_code(person=w.resident, code=copy_of(w.santi).code)
    actions.return_by_code(person=w.resident, code=copy_of(w.santi).code)
    actions.record_donation(actor=w.community_staff, venue=w.venue, donor=w.resident, items=[actions.DonatedBook(title="赠")])
    few = _queries(client, reverse("books:mine"))
    for n in range(3):
        book = shelve(w.community_staff, w.venue, f"书{n}")
        actions.borrow_by_code(person=w.resident, code=copy_of(book).code)
        actions.record_donation(
            actor=w.community_staff, venue=w.venue, donor=w.resident, items=[actions.DonatedBook(title=f"赠{n}")]
        )
    actions.return_by_code(person=w.resident, code=copy_of(w.huozhe).code)
    assert _queries(client, reverse("books:mine")) == few


def test_marking_a_copy_on_the_book_page(client, book_world):
    w = book_world
    copy = copy_of(w.huozhe)
    client.force_login(w.community_staff)
    page = client.get(reverse("books:book", args=[w.huozhe.pk])).content.decode()
    assert reverse("books:copy-status", args=[copy.pk]) in page
    client.post(reverse("books:copy-status", args=[copy.pk]), {"status": "withdrawn", "note": "水浸", "version": copy.version})
    assert fresh(copy).status == Copy.Status.WITHDRAWN and copy.note == "水浸"
    response = client.post(reverse("books:copy-status", args=[copy.pk]), {"status": "available", "version": 1})
    assert fresh(copy).status == Copy.Status.WITHDRAWN  # a stale version: refused
    assert response.status_code == 302


def test_the_admin_lists_book_corner_rows_in_the_staffs_scope_only(client, book_world):
    w = book_world
    loan = actions.lend(actor=w.community_staff, copy=copy_of(w.huozhe), borrower=w.resident)
    donation = actions.record_donation(actor=w.community_staff, venue=w.venue, items=[actions.DonatedBook(title="小王子")])
    client.force_login(w.community_staff)
    for model in ["book", "copy", "loan", "donation"]:
        body = client.get(reverse(f"admin:books_{model}_changelist")).content.decode()
        assert "围城" not in body, model  # 桂一社区's
    assert "活着" in client.get(reverse("admin:books_book_changelist")).content.decode()
    assert client.get(reverse("admin:books_loan_change", args=[loan.pk])).status_code == 200  # view only
    assert client.get(reverse("admin:books_donation_change", args=[donation.pk])).status_code == 200
    assert client.get(reverse("admin:books_book_change", args=[w.weicheng.pk])).status_code in (302, 404)
    response = client.post(
        reverse("admin:books_book_change", args=[w.huozhe.pk]),
        {
            "title": "活着（新版）",
            "author": "余华",
            "publisher": "",
            "year": "",
            "category": "literature",
            "notes": "",
            "copies-TOTAL_FORMS": 0,
            "copies-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert fresh(w.huozhe).title == "活着（新版）" and w.huozhe.isbn == "9787506365437"
    client.force_login(w.resident)
    assert client.get(reverse("admin:books_book_changelist")).status_code == 302


def test_looking_up_a_code_at_the_desk(client, book_world):
    w = book_world
    copy = copy_of(w.huozhe)
    client.force_login(w.community_staff)
    desk = reverse("books:desk", args=[w.venue.pk])
    response = client.get(reverse("books:copy-find"), {"code": f"http://testserver/books/c/{copy.code.lower()}/", "next": desk})
    assert response["Location"] == reverse("books:copy", args=[copy.code])
    page = client.get(response["Location"]).content.decode()
    assert reverse("books:copy-status", args=[copy.pk]) in page and 'value="withdrawn"' in page
    response = client.get(reverse("books:copy-find"), {"code": "2222222", "next": desk})
    assert response["Location"] == desk
    client.force_login(w.resident)  # residents see the copy, not the staff's form
    page = client.get(reverse("books:copy", args=[copy.code])).content.decode()
    assert reverse("books:copy-status", args=[copy.pk]) not in page
