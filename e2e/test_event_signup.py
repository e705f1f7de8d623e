"""In phones' browsers: a resident signs up for a full neighbourhood event and is put on the waiting list; the
neighbour holding the last seat cancels; the resident is promoted (and told), sees their QR code and check-in
code, and community staff check them in at the door by typing the code."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import Notification
from events import actions
from events.models import Registration, RegistrationStatus
from people.models import Organisation

pytestmark = pytest.mark.e2e


def test_waitlisted_resident_is_promoted_when_a_seat_frees_up_and_is_checked_in(new_phone, sign_in, world):
    committee = Organisation.objects.create(
        kind=Organisation.Kind.RESIDENTS_COMMITTEE, name="灯湖社区居委会", place=world.community
    )
    now = timezone.now()
    event = actions.create_event(
        by=world.community_staff,
        organiser=committee,
        title="邻里节·百家宴",
        community=world.community,
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
        capacity=1,
        location="灯湖广场",
        publish=True,
    )
    page_url = f"/events/{event.pk}/"

    # The neighbour takes the only seat from their phone.
    neighbour = new_phone()
    sign_in(neighbour, "13800000002")
    neighbour.goto(page_url)
    with neighbour.expect_navigation():
        neighbour.locator("#me form button[type=submit]").tap()
    expect(neighbour.locator("#me")).to_contain_text(Registration.objects.get(person=world.neighbour).code)

    # The resident finds the event on their events page and joins the waiting list.
    resident = new_phone()
    sign_in(resident, "13800000001")
    resident.goto("/events/")
    resident.locator(f"a[href='{page_url}']").first.tap()
    resident.wait_for_url(re.compile(rf"{page_url}$"))
    with resident.expect_navigation():
        resident.locator("#me form button[type=submit]").tap()
    mine = Registration.objects.get(event=event, person=world.resident)
    assert mine.status == RegistrationStatus.WAITLISTED
    expect(resident.locator("#me img")).to_have_count(0)  # no QR code while waiting
    assert mine.code not in resident.locator("#me").inner_text()

    # The neighbour cannot come after all and gives the seat up.
    with neighbour.expect_navigation():
        neighbour.locator("#me form button[type=submit]").tap()
    assert Registration.objects.get(person=world.neighbour).status == RegistrationStatus.CANCELLED

    # The resident was promoted and told; their page now shows the QR code and the code.
    mine.refresh_from_db()
    assert mine.status == RegistrationStatus.CONFIRMED and mine.promoted_at is not None
    assert Notification.objects.filter(recipient=world.resident, body__contains=mine.code).exists()
    resident.reload()
    expect(resident.locator("#me figure img")).to_be_visible()
    expect(resident.locator("#me code")).to_have_text(mine.code)
    assert resident.evaluate("document.documentElement.scrollWidth") <= 390

    # At the door, community staff type the code at the check-in desk.
    staff = new_phone()
    sign_in(staff, "13900000002")
    staff.goto(f"/events/{event.pk}/check-in/")
    staff.locator("main form input[name=code]").fill(mine.code.lower())
    staff.locator("main form button[type=submit]").tap()
    expect(staff.locator("#result")).to_contain_text(world.resident.name)
    mine.refresh_from_db()
    assert mine.checked_in_at is not None and mine.checked_in_by == world.community_staff

    # A second scan of the same code says so instead of counting twice.
    staff.locator("main form input[name=code]").fill(mine.code)
    staff.locator("main form button[type=submit]").tap()
    expect(staff.locator("#result")).to_have_class(re.compile("error"))

    resident.reload()
    expect(resident.locator("#me .status")).to_be_visible()
