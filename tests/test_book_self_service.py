"""Self-service on a phone: a resident types (or scans) the code on the label to borrow the book, and
types it again to return it; the QR code on the label opens the copy's page with the button."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from books import actions
from books.models import Copy, Loan
from tests.test_book_world import book_world_fixture, copy_of, english_fixture, fresh  # noqa: F401

pytestmark = pytest.mark.usefixtures("english")

SELF = "books:self-service"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_resident_borrows_and_returns_by_typing_the_code(client, book_world):
    w = book_world
    copy = copy_of(w.huozhe)
    client.force_login(w.resident)
    page = client.get(reverse("books:catalogue", args=[w.venue.pk])).content.decode()
    assert 'name="op" value="borrow"' in page
    back = reverse("books:catalogue", args=[w.venue.pk])

    typed = f" {copy.code[:3].lower()}-{copy.code[3:].lower()} "  # as a phone keyboard gives it
    response = client.post(reverse(SELF), {"op": "borrow", "code": typed, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    loan = Loan.objects.get()
    assert (loan.borrower, loan.lent_by, loan.self_service) == (w.resident, None, True)
    assert loan.due_on == timezone.localdate() + timedelta(days=30)
    assert fresh(copy).status == Copy.Status.ON_LOAN
    assert any("活着" in m for m in _messages(response))

    mine = client.get(reverse("books:mine")).content.decode()
    assert "活着" in mine and loan.due_on.isoformat() in mine and reverse("books:renew", args=[loan.pk]) in mine

    response = client.post(reverse(SELF), {"op": "return", "code": copy.code, "next": back})
    assert response.status_code == 302
    loan = fresh(loan)
    assert loan.returned_at is not None and loan.returned_to is None
    assert fresh(copy).status == Copy.Status.AVAILABLE


def test_the_qr_code_opens_the_copys_page_with_the_button(client, book_world):
    w = book_world
    copy = copy_of(w.santi)
    url = reverse("books:copy", args=[copy.code])
    anonymous = client.get(url).content.decode()
    assert "三体" in anonymous and reverse("people:login") in anonymous
    client.force_login(w.resident)
    page = client.get(url).content.decode()
    assert 'value="borrow"' in page
    response = client.post(reverse(SELF), {"op": "borrow", "code": copy.code, "next": reverse("books:mine")})
    assert response["Location"] == reverse("books:mine")
    page = client.get(url).content.decode()
    assert 'value="return"' in page  # hers now: the page offers to return it
    client.force_login(w.neighbour)
    page = client.get(url).content.decode()
    assert 'value="borrow"' not in page and 'value="return"' not in page
    assert client.get(reverse("books:copy", args=["ZZZZZZ"])).status_code == 404
    assert client.get(reverse("books:copy", args=[copy.code.lower()])).status_code == 200


def test_a_mistyped_code_borrows_nothing_and_says_why(client, book_world):
    w = book_world
    client.force_login(w.resident)
    code = copy_of(w.huozhe).code
    wrong = ("2" if code[0] != "2" else "3") + code[1:]
    response = client.post(reverse(SELF), {"op": "borrow", "code": wrong})
    assert response.status_code == 302
    assert any("six characters" in m for m in _messages(response))
    response = client.post(reverse(SELF), {"op": "borrow", "code": ""})
    assert any("code" in m for m in _messages(response))
    assert not Loan.objects.exists()


def test_a_copy_on_loan_to_someone_else_is_refused_and_cannot_be_returned_by_them(client, book_world):
    w = book_world
    copy = copy_of(w.santi)
    actions.borrow_by_code(person=w.resident, code=copy.code)
    client.force_login(w.neighbour)
    response = client.post(reverse(SELF), {"op": "borrow", "code": copy.code})
    assert any("on loan to someone else" in m for m in _messages(response))
    response = client.post(reverse(SELF), {"op": "return", "code": copy.code})
    assert any("not on loan to you" in m for m in _messages(response))
    assert Loan.objects.get().returned_at is None
    client.force_login(w.resident)
    response = client.post(reverse(SELF), {"op": "borrow", "code": copy.code})
    assert any("already" in m for m in _messages(response))
    assert Loan.objects.count() == 1


def test_residents_of_another_community_get_no_form_and_a_clear_refusal(client, book_world):
    w = book_world
    client.force_login(w.outsider)
    page = client.get(reverse("books:catalogue", args=[w.venue.pk])).content.decode()
    assert 'value="borrow"' not in page and "residents and owners of its community" in page
    response = client.post(reverse(SELF), {"op": "borrow", "code": copy_of(w.huozhe).code})
    assert any("residents and owners" in m for m in _messages(response))
    assert not Loan.objects.exists()


def test_renewing_from_my_books(client, book_world):
    w = book_world
    loan = actions.borrow_by_code(person=w.resident, code=copy_of(w.huozhe).code)
    client.force_login(w.resident)
    response = client.post(reverse("books:renew", args=[loan.pk]))
    assert response["Location"] == reverse("books:mine")
    assert fresh(loan).due_on == timezone.localdate() + timedelta(days=60)
    response = client.post(reverse("books:renew", args=[loan.pk]))
    assert any("once" in m for m in _messages(response))
    assert fresh(loan).renewals == 1


def test_the_waiting_list_from_the_book_page(client, book_world):
    w = book_world
    actions.borrow_by_code(person=w.resident, code=copy_of(w.santi).code)
    client.force_login(w.neighbour)
    page = client.get(reverse("books:book", args=[w.santi.pk])).content.decode()
    assert 'value="join"' in page
    client.post(reverse("books:waitlist", args=[w.santi.pk]), {"op": "join"})
    page = client.get(reverse("books:book", args=[w.santi.pk])).content.decode()
    assert 'value="leave"' in page
    assert "三体" in client.get(reverse("books:mine")).content.decode()
    client.post(reverse("books:waitlist", args=[w.santi.pk]), {"op": "leave"})
    assert not w.santi.waitlist.filter(closed_at__isnull=True).exists()


def test_next_never_leads_off_the_site(client, book_world):
    w = book_world
    client.force_login(w.resident)
    response = client.post(reverse(SELF), {"op": "borrow", "code": copy_of(w.huozhe).code, "next": "https://evil.example/"})
    assert response["Location"] == reverse("books:mine")
