"""Who may do what at a book corner (role × thing): venue staff run the desk of the venues they run
(``venues.access.can_run_venue``), residents of the community borrow, borrowers and donors see their own;
everything else answers 404, "missing" and "forbidden" alike."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from books import access, actions
from books.models import Copy, Loan
from tests.test_book_world import book_world_fixture, copy_of, fresh  # noqa: F401

PERSONAS = [
    "resident",
    "neighbour",
    "building_leader",
    "community_staff",
    "admin",
    "property_staff",
    "volunteer",
    "outsider",
    "other_staff",
]
STAFF_HERE = {"community_staff", "admin"}  # community staff of 灯湖社区, the sub-district administrator
STAFF_THERE = {"other_staff", "admin"}  # 桂一社区's venue


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_desk_pages_answer_only_the_venue_staff(client, book_world, persona):
    w = book_world
    client.force_login(getattr(w, persona))
    urls = [
        reverse("books:desk", args=[w.venue.pk]),
        reverse("books:desk-loans", args=[w.venue.pk]),
        reverse("books:desk-borrowers", args=[w.venue.pk]) + "?q=李",
        reverse("books:book-new", args=[w.venue.pk]),
        reverse("books:donations", args=[w.venue.pk]),
        reverse("books:donation-new", args=[w.venue.pk]),
        reverse("books:labels", args=[w.venue.pk]) + f"?book={w.huozhe.pk}",
        reverse("books:book-edit", args=[w.huozhe.pk]),
    ]
    expected = 200 if persona in STAFF_HERE else 404
    for url in urls:
        assert client.get(url).status_code == expected, url
    there = client.get(reverse("books:desk", args=[w.other_venue.pk])).status_code
    assert there == (200 if persona in STAFF_THERE else 404)


def test_a_venue_without_a_book_corner_has_no_desk_and_no_catalogue(client, book_world):
    w = book_world
    client.force_login(w.community_staff)
    assert client.get(reverse("books:desk", args=[w.plain_venue.pk])).status_code == 404
    assert client.get(reverse("books:catalogue", args=[w.plain_venue.pk])).status_code == 404
    assert client.get(reverse("books:desk", args=[999999])).status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_staff_actions_are_refused_to_everyone_but_the_venue_staff(book_world, persona):
    w = book_world
    person = getattr(w, persona)
    copy = copy_of(w.huozhe)
    staff_actions = [
        lambda: actions.lend(actor=person, copy=copy, borrower=w.resident),
        lambda: actions.catalogue_book(actor=person, venue=w.venue, title="新书"),
        lambda: actions.add_copies(actor=person, book=w.huozhe, count=1),
        lambda: actions.update_book(actor=person, book=w.huozhe, title="改名"),
        lambda: actions.set_copy_status(actor=person, copy=copy, status=Copy.Status.WITHDRAWN),
        lambda: actions.record_donation(actor=person, venue=w.venue, items=[actions.DonatedBook(title="赠书")]),
    ]
    for act in staff_actions:
        if persona in STAFF_HERE:
            act()
            copy.refresh_from_db()
            if copy.status == Copy.Status.ON_LOAN:
                actions.return_copy(actor=person, copy=copy)
                copy.refresh_from_db()
        else:
            with pytest.raises(PermissionDenied):
                act()
    if persona not in STAFF_HERE:
        assert not Loan.objects.exists()
        assert fresh(copy).status == Copy.Status.AVAILABLE
        assert w.venue.books.count() == 2


@pytest.mark.parametrize("persona", PERSONAS)
def test_returning_someone_elses_book_at_the_desk_is_for_staff_only(book_world, persona):
    w = book_world
    copy = copy_of(w.huozhe)
    actions.lend(actor=w.community_staff, copy=copy, borrower=w.neighbour)
    person = getattr(w, persona)
    if persona in STAFF_HERE:
        actions.return_copy(actor=person, copy=copy)
        assert fresh(copy).status == Copy.Status.AVAILABLE
    else:
        with pytest.raises(PermissionDenied):
            actions.return_copy(actor=person, copy=copy)
        assert fresh(copy).status == Copy.Status.ON_LOAN


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_loan_is_the_borrowers_and_the_venue_staffs(client, book_world, persona):
    w = book_world
    loan = actions.lend(actor=w.community_staff, copy=copy_of(w.huozhe), borrower=w.neighbour)
    person = getattr(w, persona)
    visible = persona in STAFF_HERE or persona == "neighbour"
    assert access.can_act_on_loan(person, loan) is visible
    client.force_login(person)
    response = client.post(reverse("books:renew", args=[loan.pk]))
    assert response.status_code == (302 if visible else 404)
    assert fresh(loan).renewals == (1 if visible else 0)
    response = client.post(reverse("books:loan-return", args=[loan.pk]))
    assert response.status_code == (302 if persona in STAFF_HERE else 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_donation_is_the_donors_and_the_venue_staffs(client, book_world, persona):
    w = book_world
    donation = actions.record_donation(
        actor=w.community_staff, venue=w.venue, donor=w.resident, items=[actions.DonatedBook(title="小王子", copies=2)]
    )
    client.force_login(getattr(w, persona))
    response = client.get(reverse("books:donation", args=[donation.pk]))
    visible = persona in STAFF_HERE or persona == "resident"
    assert response.status_code == (200 if visible else 404)
    if visible:
        codes_shown = donation.copies.first().code in response.content.decode()
        assert codes_shown is (persona in STAFF_HERE)  # the donor sees titles, not the codes


@pytest.mark.parametrize("persona", PERSONAS)
def test_copy_status_and_copies_pages_refuse_all_but_the_staff(client, book_world, persona):
    w = book_world
    copy = copy_of(w.huozhe)
    client.force_login(getattr(w, persona))
    response = client.post(reverse("books:copy-status", args=[copy.pk]), {"status": "lost", "version": copy.version})
    assert response.status_code == (302 if persona in STAFF_HERE else 404)
    assert fresh(copy).status == (Copy.Status.LOST if persona in STAFF_HERE else Copy.Status.AVAILABLE)
    response = client.post(reverse("books:copies-add", args=[w.huozhe.pk]), {"count": 2})
    assert response.status_code == (302 if persona in STAFF_HERE else 404)
    assert w.huozhe.copies.count() == (4 if persona in STAFF_HERE else 2)


@pytest.mark.parametrize("persona", [*PERSONAS, None])
def test_the_catalogue_and_book_pages_are_public_and_show_codes_to_staff_only(client, book_world, persona):
    w = book_world
    if persona:
        client.force_login(getattr(w, persona))
    code = copy_of(w.huozhe).code
    catalogue = client.get(reverse("books:catalogue", args=[w.venue.pk]))
    assert catalogue.status_code == 200 and "活着" in catalogue.content.decode()
    page = client.get(reverse("books:book", args=[w.huozhe.pk])).content.decode()
    assert "活着" in page
    assert (code in page) is (persona in STAFF_HERE)


def test_anonymous_visitors_are_sent_to_sign_in_for_personal_pages(client, book_world):
    w = book_world
    for url in [reverse("books:mine"), reverse("books:desk", args=[w.venue.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("people:login"))
    response = client.post(reverse("books:self-service"), {"op": "borrow", "code": copy_of(w.huozhe).code})
    assert response.status_code == 302 and response["Location"].startswith(reverse("people:login"))
    assert not Loan.objects.exists()


def test_wrong_methods(client, book_world):
    w = book_world
    client.force_login(w.community_staff)
    assert client.get(reverse("books:self-service")).status_code == 405
    assert client.get(reverse("books:copy-status", args=[copy_of(w.huozhe).pk])).status_code == 405
    assert client.get(reverse("books:waitlist", args=[w.huozhe.pk])).status_code == 405
    assert client.post(reverse("books:desk", args=[w.venue.pk]), {"op": "dance"}).status_code == 404
