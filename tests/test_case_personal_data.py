"""A person's problem reports in their data download, and erasure removing who reported them."""

from cases import actions
from cases.models import Case, Category, Supporter
from core.models import Notification
from people import actions as people_actions


def test_the_data_download_lists_my_reports_comments_and_me_too(world):
    clutter = Category.objects.get(code="clutter")
    mine = actions.submit_case(reporter=world.resident, category=clutter, place=world.building, description="楼道堆物")
    actions.comment_on_case(actor=world.resident, case=mine, note="还在")
    theirs = actions.submit_case(reporter=world.neighbour, category=clutter, place=world.building, description="电梯口")
    actions.support_case(person=world.resident, case=theirs)

    data = people_actions.export_personal_data(person=world.resident)
    assert [r["id"] for r in data["problem_reports"]] == [mine.pk]
    assert data["problem_reports"][0]["description"] == "楼道堆物"
    assert [c["note"] for c in data["problem_comments"]] == ["还在"]
    assert data["me_too"] == [theirs.pk]
    neighbour_data = people_actions.export_personal_data(person=world.neighbour)
    assert [r["id"] for r in neighbour_data["problem_reports"]] == [theirs.pk]


def test_erasure_keeps_the_case_but_not_who_reported_it(world):
    clutter = Category.objects.get(code="clutter")
    mine = actions.submit_case(reporter=world.resident, category=clutter, place=world.building, description="楼道堆物")
    theirs = actions.submit_case(reporter=world.neighbour, category=clutter, place=world.building, description="电梯口")
    actions.support_case(person=world.resident, case=theirs)
    Notification.objects.create(recipient=world.resident, subject="x")

    people_actions.erase_person(person=world.resident)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.reporter is None and mine.description == "楼道堆物"
    assert theirs.supporter_count == 0 and not Supporter.objects.filter(case=theirs).exists()
    assert not Notification.objects.filter(recipient=world.resident).exists()
    assert Case.objects.count() == 2
