"""What ``books.demo`` seeds: the 共享书屋 of every demo venue that has one, 40 titles at 中铁建水岸公馆, and
loans, a donation and a waiting list that the demo sign-ins find. Seeding takes several seconds, so one
test seeds once and checks everything."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from books import access, actions, rules
from books.demo import BOOKS, MAIN_VENUE
from books.models import Book, Copy, Donation, Loan, WaitlistEntry
from core.models import Notification
from people.demo import data as demo_data
from people.models import Person


@pytest.mark.django_db
def test_the_demo_book_corners(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    today = timezone.localdate()
    persons = {a["key"]: Person.objects.get(mobile=a["mobile"]) for a in demo_data.DEMO_ACCOUNTS}
    resident, leader, staff = persons["resident"], persons["building_leader"], persons["community_staff"]
    assert f"  {'book titles':<20} {Book.objects.count():>7,}" in printed
    assert f"  {'book loans':<20} {Loan.objects.count():>7,}" in printed

    # Every venue with a 共享书屋 has a catalogue; the main one all 40 titles, valid ISBNs, copies with codes.
    corners = list(access.corner_venues())
    assert corners and all(Book.objects.filter(venue=v).count() >= 12 for v in corners)
    main = next(v for v in corners if v.name == MAIN_VENUE)
    assert Book.objects.filter(venue=main).count() == len(BOOKS) == 40
    assert all(rules.normalise_isbn(i) == i for i in Book.objects.values_list("isbn", flat=True))
    assert all(rules.normalise_code(c) == c for c in Copy.objects.values_list("code", flat=True))
    assert access.can_run(staff, main)

    # The resident: two books out (one due in two days), one returned, a donation of three books.
    open_loans = Loan.objects.open().filter(borrower=resident).select_related("copy__book")
    assert {x.copy.book.title for x in open_loans} == {"三体", "人世间"}
    assert any(x.self_service for x in open_loans)
    assert (open_loans.get(copy__book__title="人世间").due_on - today).days == 2
    assert Loan.objects.filter(borrower=resident, returned_at__isnull=False).count() == 1
    donation = Donation.objects.get(donor=resident)
    assert donation.copies.count() == 3 and donation.venue == main
    assert Donation.objects.filter(donor__isnull=True, donor_name="张伯").exists()
    # 《三体》 has one copy and a neighbour waiting: she cannot renew it.
    assert WaitlistEntry.objects.filter(book__title="三体", book__venue=main, closed_at__isnull=True).exists()
    with pytest.raises(ValidationError):
        actions.renew_loan(actor=resident, loan=open_loans.get(copy__book__title="三体"))
    # The leader renewed once; exactly one loan is overdue, and not a demo sign-in's.
    assert Loan.objects.get(borrower=leader).renewals == 1
    overdue = Loan.objects.overdue(today)
    assert overdue.count() == 1 and overdue.get().borrower_id not in {p.pk for p in persons.values()}
    # Notifications sit at the moments of their actions, none in the future.
    assert not Notification.objects.filter(created_at__gt=timezone.now()).exists()
    assert Notification.objects.filter(recipient=resident, created_at__lt=timezone.now() - timezone.timedelta(days=10)).exists()

    # The demo sign-ins find it on their pages.
    client.post(reverse("people:login"), {"mobile": resident.mobile, "password": demo_data.DEMO_PASSWORD})
    mine = client.get(reverse("books:mine")).content.decode()
    assert "三体" in mine and "人世间" in mine and "小王子" in mine
    client.post(reverse("people:login"), {"mobile": staff.mobile, "password": demo_data.DEMO_PASSWORD})
    desk = client.get(reverse("books:desk", args=[main.pk])).content.decode()
    assert overdue.get().copy.book.title in desk
