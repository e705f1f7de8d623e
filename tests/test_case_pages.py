"""The problem pages: report, lists, inbox, building view, case page and its forms, photos, figures."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import actions
from cases.models import Case, CaseEvent, Category, Status
from core.models import AuditEntry, Notification


def _jpeg(name="p.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 30)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def clutter(db):
    return Category.objects.get(code="clutter")


@pytest.fixture
def case(world, clutter):
    return actions.submit_case(reporter=world.resident, category=clutter, place=world.building, description="楼道堆满纸箱")


def test_a_resident_reports_with_a_photo_and_lands_on_the_case(client, world, clutter):
    client.force_login(world.resident)
    page = client.get("/cases/new/")
    assert page.status_code == 200
    assert f'value="b{world.building.pk}"' in page.content.decode()
    assert f'value="u{world.unit.pk}"' in page.content.decode()
    response = client.post(
        "/cases/new/",
        {"category": clutter.pk, "where": f"u{world.unit.pk}", "description": "门口堆了杂物", "photos": [_jpeg()]},
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/cases/{case.pk}/"
    assert case.unit == world.unit and case.reporter == world.resident and case.photos.count() == 1
    photo = case.photos.get()
    assert client.get(f"/cases/{case.pk}/photos/{photo.pk}/").status_code == 200


def test_a_bad_photo_saves_nothing_and_says_why(client, world, clutter):
    client.force_login(world.resident)
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(
        "/cases/new/", {"category": clutter.pk, "where": f"b{world.building.pk}", "description": "x", "photos": [fake]}
    )
    assert response.status_code == 200
    assert "x.jpg" in response.content.decode()
    assert Case.objects.count() == 0


def test_someone_without_a_home_is_told_to_join_first(client, world):
    from tests.conftest import make_person

    client.force_login(make_person("新来的", "13500000009"))
    response = client.get("/cases/new/")
    assert response.status_code == 200
    assert 'id="report-form"' not in response.content.decode()
    assert client.post("/cases/new/", {"where": "b1"}).status_code == 200
    assert Case.objects.count() == 0


def test_the_hints_show_emergency_numbers_and_matching_cases(client, world, case, clutter):
    client.force_login(world.neighbour)
    hints = client.get(f"/cases/new/hints/?category={clutter.pk}&where=b{world.building.pk}").content.decode()
    assert f"/cases/{case.pk}/" in hints
    emergency = Category.objects.get(code="emergency")
    hints = client.get(f"/cases/new/hints/?category={emergency.pk}&where=b{world.building.pk}").content.decode()
    assert 'href="tel:110"' in hints and 'href="tel:119"' in hints and 'href="tel:120"' in hints


def test_the_form_always_shows_the_emergency_numbers(client, world):
    client.force_login(world.resident)
    assert 'href="tel:120"' in client.get("/cases/new/").content.decode()


def test_a_leader_records_a_problem_told_on_the_phone(client, world, clutter):
    client.force_login(world.building_leader)
    assert client.get(f"/cases/new/?place={world.building.pk}").status_code == 200
    response = client.post(
        f"/cases/new/?place={world.building.pk}",
        {
            "category": clutter.pk,
            "where": f"b{world.building.pk}",
            "description": "住户来电：楼道堆物",
            "channel": "phone",
            "contact_name": "张阿姨",
            "contact_phone": "13600000000",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == "phone" and case.recorded_by == world.building_leader and case.reporter is None
    assert "电话" in case.events.get().note or "phone" in case.events.get().note


def test_an_outsider_cannot_record_for_a_building_outside_their_scope(client, world):
    client.force_login(world.other_staff)
    assert client.get(f"/cases/new/?place={world.building.pk}").status_code == 404


def test_neighbours_see_public_cases_but_not_who_reported(client, world, case):
    client.force_login(world.neighbour)
    listing = client.get("/cases/neighbourhood/").content.decode()
    assert f"/cases/{case.pk}/" in listing
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "李居民" not in page and "138****0001" not in page
    assert "me too" in page.lower() or "我也" in page


def test_private_cases_stay_private(client, world):
    noise = Category.objects.get(code="noise")
    private = actions.submit_case(reporter=world.resident, category=noise, place=world.building, description="楼上太吵")
    client.force_login(world.neighbour)
    assert client.get(f"/cases/{private.pk}/").status_code == 404
    assert f"/cases/{private.pk}/" not in client.get("/cases/neighbourhood/").content.decode()


def test_outsiders_get_404_everywhere(client, world, case):
    client.force_login(world.outsider)
    for url in (f"/cases/{case.pk}/", f"/cases/{case.pk}/photos/1/", "/cases/inbox/", f"/cases/place/{world.building.pk}/"):
        assert client.get(url).status_code == 404, url
    for url in (f"/cases/{case.pk}/act/", f"/cases/{case.pk}/comment/", f"/cases/{case.pk}/rate/", f"/cases/{case.pk}/support/"):
        assert client.post(url, {"action": "accept", "version": 1, "note": "x", "rating": "satisfied"}).status_code == 404, url
    assert Case.objects.get().status == Status.SUBMITTED


def test_actions_refuse_the_wrong_method(client, world, case):
    client.force_login(world.property_staff)
    for suffix in ("act/", "comment/", "rate/", "support/", "assign/"):
        assert client.get(f"/cases/{case.pk}/{suffix}").status_code == 405


def test_staff_see_the_reporter_masked_and_the_read_is_audited(client, world, case):
    client.force_login(world.property_staff)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "李居民" in page and "138****0001" in page and "13800000001" not in page
    assert AuditEntry.objects.filter(
        action="read.case_reporter", actor=world.property_staff, subject_id=world.resident.pk
    ).exists()


def test_the_inbox_filters_and_shows_cases_in_scope_only(client, world, case):
    client.force_login(world.property_staff)
    assert f"/cases/{case.pk}/" in client.get("/cases/inbox/").content.decode()
    assert f"/cases/{case.pk}/" not in client.get("/cases/inbox/?status=resolved").content.decode()
    assert f"/cases/{case.pk}/" not in client.get("/cases/inbox/?overdue=on").content.decode()
    client.force_login(world.other_staff)
    assert f"/cases/{case.pk}/" not in client.get("/cases/inbox/").content.decode()


def test_the_inbox_page_costs_the_same_for_many_cases(client, world, clutter, django_assert_max_num_queries):
    for i in range(25):
        actions.submit_case(reporter=world.resident, category=clutter, place=world.building, description=f"#{i}")
    client.force_login(world.community_staff)
    with django_assert_max_num_queries(8):
        response = client.get("/cases/inbox/")
    assert response.content.decode().count('class="status s-submitted"') == 20


def test_a_conflict_keeps_the_note_and_changes_nothing(client, world, case):
    client.force_login(world.property_staff)
    stale = case.version
    actions.transition_case(actor=world.community_staff, case=case, action="accept")
    response = client.post(f"/cases/{case.pk}/act/", {"action": "reject", "version": stale, "note": "不属于物业"})
    assert response.status_code == 409
    assert "不属于物业" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert case.events.filter(kind=CaseEvent.Kind.TRANSITION).count() == 1


def test_illegal_transitions_are_refused_with_a_message(client, world, case):
    client.force_login(world.community_staff)
    response = client.post(f"/cases/{case.pk}/act/", {"action": "resolve", "version": case.version, "note": "done"})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_the_whole_loop_through_the_pages(client, world, case):
    client.force_login(world.property_staff)
    assert client.post(f"/cases/{case.pk}/act/", {"action": "accept", "version": 1}).status_code == 302
    assert client.post(f"/cases/{case.pk}/comment/", {"note": "明天上午处理"}).status_code == 302
    assert client.post(f"/cases/{case.pk}/act/", {"action": "resolve", "version": 2, "note": "已清理"}).status_code == 302
    assert Notification.objects.filter(recipient=world.resident, link=f"/cases/{case.pk}/").count() >= 2
    client.force_login(world.resident)
    assert client.post(f"/cases/{case.pk}/rate/", {"rating": "unsatisfied", "note": "还有一些"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CONFIRMED and case.needs_meeting
    client.force_login(world.community_staff)
    assert f"/cases/{case.pk}/" in client.get("/cases/inbox/?status=all&needs_meeting=on").content.decode()


def test_managers_hand_several_cases_over_at_once(client, world, case, clutter):
    from people.models import Organisation

    committee = Organisation.objects.create(
        kind=Organisation.Kind.RESIDENTS_COMMITTEE, name="灯湖社区居委会", place=world.community
    )
    other = actions.submit_case(reporter=world.resident, category=clutter, place=world.building, description="另一处")
    client.force_login(world.community_staff)
    response = client.post("/cases/inbox/assign/", {"handler": committee.pk, "cases": [case.pk, other.pk]})
    assert response.status_code == 302
    assert set(Case.objects.values_list("handler", flat=True)) == {committee.pk}
    client.force_login(world.property_staff)
    client.post("/cases/inbox/assign/", {"handler": committee.pk, "cases": [case.pk]})
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.ASSIGNED).count() == 2


def test_the_building_page_lists_open_problems_for_leaders(client, world, case):
    client.force_login(world.building_leader)
    assert f"/cases/{case.pk}/" in client.get(f"/cases/place/{world.building.pk}/").content.decode()
    client.force_login(world.resident)
    assert client.get(f"/cases/place/{world.building.pk}/").status_code == 404


def test_the_message_inbox_marks_what_it_showed_as_read(client, world, case):
    client.force_login(world.building_leader)
    page = client.get("/notifications/").content.decode()
    assert f"/cases/{case.pk}/" in page
    assert not Notification.objects.filter(recipient=world.building_leader, read_at__isnull=True).exists()


def test_figures_count_rates_from_the_cases(client, world, case):
    actions.transition_case(actor=world.property_staff, case=case, action="accept")
    actions.transition_case(actor=world.property_staff, case=case, action="resolve", note="ok")
    actions.rate_case(person=world.resident, case=case, rating="basic")
    data = client.get(f"/api/stats/cases/{world.subdistrict.pk}").json()
    assert data["total"]["cases"] == 1
    assert data["total"]["response_rate"] == 100.0
    assert data["total"]["resolution_rate"] == 100.0
    assert data["total"]["satisfaction_rate"] == 100.0
    assert data["total"]["overdue_share"] == 0.0
    assert client.get("/stats/cases/").status_code == 200


def test_the_hand_over_list_is_loaded_only_for_managers(client, world, case):
    client.force_login(world.community_staff)
    inbox = client.get("/cases/inbox/").content.decode()
    assert "/cases/inbox/assign/form/" in inbox and 'name="cases"' in inbox
    form = client.get("/cases/inbox/assign/form/?next=/cases/inbox/")
    assert form.status_code == 200 and 'name="handler"' in form.content.decode()
    client.force_login(world.property_staff)
    assert "/cases/inbox/assign/form/" not in client.get("/cases/inbox/").content.decode()
    assert client.get("/cases/inbox/assign/form/").status_code == 404
