"""In phones' browsers: a resident raises a topic; community staff take it up with the property
company, put it on a joint meeting and send the notice; at the meeting the company's chair signs in,
the decision is minuted and voted, the minutes are published; the company finishes the action item
with evidence, and the topic page shows the work done."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deliberation.models import Status as TopicStatus
from deliberation.models import Topic
from meetings.models import ActionItem, Meeting, Minutes
from people.models import Membership

pytestmark = pytest.mark.e2e


def test_from_a_residents_topic_to_a_closed_action_item(new_phone, sign_in, world):
    Membership.objects.create(person=world.property_staff, organisation=world.company, position=Membership.Position.CHAIR)

    resident = new_phone()
    sign_in(resident, "13800000001")
    resident.goto(f"/deliberation/communities/{world.community.pk}/new/")
    resident.locator("main form input[name=title]").fill("1栋外墙渗水")
    resident.locator("main form textarea[name=description]").fill("雨天外墙渗水，影响三户，请物业和业主一起商量维修")
    resident.locator("main form button[type=submit]").tap()
    resident.wait_for_url(re.compile(r"/deliberation/topics/\d+/$"))
    topic = Topic.objects.get()
    assert resident.evaluate("document.documentElement.scrollWidth") <= 390

    staff = new_phone()
    sign_in(staff, "13900000002")
    staff.goto(f"/deliberation/topics/{topic.pk}/")
    decide = staff.locator("#decide form")
    decide.locator("select[name=format]").select_option("compound")
    decide.locator(f"select[name=org_{world.company.pk}]").select_option("property_company")
    decide.locator("button[value=take_up]").tap()
    expect(staff.locator("main")).to_contain_text("中铁建物业")
    topic.refresh_from_db()
    assert topic.status == TopicStatus.DECIDED

    staff.locator("#put-on-meeting").tap()
    staff.wait_for_url(re.compile(r"/meetings/new/"))
    form = staff.locator("main form")
    start = timezone.localtime() + timedelta(days=6)
    form.locator("select[name=kind]").select_option("joint")
    form.locator("input[name=title]").fill("1栋外墙渗水联席会议")
    form.locator("input[name=starts_at]").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=ends_at]").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=location]").fill("社区议事厅")
    form.locator(f"input[name=organisations][value='{world.company.pk}']").check()
    expect(form.locator(f"input[name=topics][value='{topic.pk}']")).to_be_checked()
    form.locator("button[type=submit]").tap()
    staff.wait_for_url(re.compile(r"/meetings/\d+/$"))
    meeting = Meeting.objects.get()
    staff.locator("button[value=notice]").tap()
    expect(staff.locator("button[value=start]")).to_be_visible()
    meeting.refresh_from_db()
    assert meeting.status == "notified"

    # The meeting day comes.
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5), ends_at=timezone.now() + timedelta(hours=2)
    )
    staff.reload()
    staff.locator("button[value=start]").tap()
    expect(staff.locator("#attendance")).to_be_visible()

    company = new_phone()
    sign_in(company, "13900000004")
    company.goto(f"/meetings/{meeting.pk}/")
    company.locator("#attendance button[type=submit]").first.tap()
    expect(company.locator("#attendance")).to_contain_text("已签到")

    item = meeting.agenda.get()
    staff.reload()
    staff.locator(f"#item-{item.pk} summary").first.tap()
    staff.locator(f"#item-{item.pk} textarea[name=discussion]").fill("物业说明渗水原因，业主代表要求尽快维修")
    staff.locator(f"#item-{item.pk} textarea[name=decision]").fill("物业两周内完成外墙防水维修")
    staff.locator(f"#item-{item.pk} form").first.locator("button[type=submit]").tap()
    staff.locator(f"#item-{item.pk} summary").first.tap()
    staff.locator(f"#item-{item.pk} input[name=votes_for]").fill("1")
    staff.locator(f"#item-{item.pk} input[name=votes_against]").fill("0")
    staff.locator(f"#item-{item.pk} input[name=votes_abstain]").fill("0")
    staff.locator(f"#item-{item.pk} form").nth(1).locator("button[type=submit]").tap()
    expect(staff.locator(f"#item-{item.pk} .vote.carried")).to_be_visible()
    staff.locator("button[value=end]").tap()
    staff.locator("button[value=approve]").tap()
    staff.locator("button[value=publish]").tap()
    expect(staff.locator("#minutes")).to_contain_text("已公布")
    assert Minutes.objects.get(meeting=meeting).status == Minutes.Status.PUBLISHED

    staff.locator("#new-action summary").tap()
    action_form = staff.locator("#new-action form")
    action_form.locator("select[name=item]").select_option(str(item.pk))
    action_form.locator("input[name=title]").fill("外墙防水维修")
    action_form.locator("input[name=due_on]").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    action_form.locator("button[type=submit]").tap()
    expect(staff.locator(f"#item-{item.pk}")).to_contain_text("外墙防水维修")
    action = ActionItem.objects.get()

    company.goto(f"/meetings/actions/{action.pk}/")
    company.locator("select[name=status]").select_option("done")
    company.locator("textarea[name=evidence]").fill("已完成外墙防水，雨天复查无渗水")
    company.locator("#update button[type=submit]").tap()
    expect(company.locator("main")).to_contain_text("已完成外墙防水")
    action.refresh_from_db()
    assert action.status == ActionItem.Status.DONE

    resident.goto(f"/deliberation/topics/{topic.pk}/")
    expect(resident.locator("#meetings")).to_contain_text("外墙防水维修")
    expect(resident.locator("#meetings")).to_contain_text("物业两周内完成外墙防水维修")
    resident.goto(f"/meetings/board/{world.community.pk}/")
    expect(resident.locator("main")).to_contain_text("已完成外墙防水")
