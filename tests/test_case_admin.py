"""Categories and the working-day calendar in the back office."""

from datetime import date

from cases.models import Category
from core import workdays
from core.models import CalendarDay


def _new_category(place_id=""):
    return {
        "code": "stray-cats",
        "name": "流浪猫",
        "name_en": "Stray cats",
        "description": "",
        "place": place_id,
        "handler_kind": "mutual_aid",
        "request_kind": "help",
        "response_hours": 24,
        "resolution_days": "",
        "attributes": "[]",
        "order": 100,
        "active": "on",
        "is_public": "on",
    }


def test_community_staff_add_a_category_for_their_community(client, world):
    client.force_login(world.community_staff)
    response = client.post("/admin/cases/category/add/", _new_category(world.community.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Category.objects.get(code="stray-cats").place == world.community


def test_community_staff_cannot_change_the_sub_districts_categories(client, world):
    client.force_login(world.community_staff)
    noise = Category.objects.get(code="noise")
    response = client.post(f"/admin/cases/category/{noise.pk}/change/", {**_new_category(), "code": "noise"})
    assert response.status_code == 403
    assert client.post("/admin/cases/category/add/", _new_category("")).status_code == 403
    assert client.post("/admin/cases/category/add/", _new_category(world.other_community.pk)).status_code == 403
    assert not Category.objects.filter(code="stray-cats").exists()


def test_an_administrator_changes_the_calendar_and_deadlines_follow(client, world):
    client.force_login(world.admin)
    day = date(2027, 1, 4)  # a Monday
    assert workdays.is_workday(day)
    response = client.post("/admin/core/calendarday/add/", {"date": "2027-01-04", "name": "元旦"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CalendarDay.objects.filter(date=day, is_workday=False).exists()
    assert not workdays.is_workday(day)
