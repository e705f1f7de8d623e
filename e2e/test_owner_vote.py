"""In phones' browsers: an owner opens an owners' vote, casts "agree", changes it to "disagree" and sees
the turnout; community staff close the vote and publish the result; the owner sees the result with the
explanation of each test."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from votes import actions, queries, rules
from votes.models import Ballot, Choice, Item, Matter, Status

pytestmark = pytest.mark.e2e


def _label(choice: Choice) -> str:
    with translation.override("zh-hans"):
        return str(choice.label)


def test_an_owner_votes_changes_their_vote_and_sees_the_explained_result(new_phone, sign_in, world):
    now = timezone.now()
    matter = actions.create_matter(
        by=world.community_staff,
        scope=world.compound,
        item=Item.FUND_USE,
        title="电梯维修使用维修资金",
        description="更换1栋电梯主机",
        opens_at=now + timedelta(days=17),
        closes_at=now + timedelta(days=27),
    )
    actions.send_notice(matter, by=world.community_staff, version=None)
    # The 15 days of notice go by.
    Matter.objects.filter(pk=matter.pk).update(opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=2))
    matter.refresh_from_db()
    actions.open_voting(matter)

    owner = new_phone()
    sign_in(owner, "13800000001")
    owner.goto("/votes/")
    owner.locator(f"#open a[href='/votes/{matter.pk}/']").tap()
    owner.wait_for_url(re.compile(rf"/votes/{matter.pk}/$"))
    ballot = owner.locator("#ballot article").first
    expect(ballot).to_contain_text("1栋 101")

    ballot.locator("button[value=yes]").tap()
    owner.wait_for_url(re.compile(rf"/votes/{matter.pk}/#ballot$"))
    expect(owner.locator("#ballot .my-choice strong")).to_have_text(_label(Choice.YES))
    expect(owner.locator("#ballot button[value=yes]")).to_have_attribute("aria-pressed", "true")

    owner.locator("#ballot button[value=no]").tap()
    expect(owner.locator("#ballot .my-choice strong")).to_have_text(_label(Choice.NO))
    assert Ballot.objects.get(matter=matter).times == 2

    turnout = owner.locator("#turnout")
    expect(turnout).to_contain_text("33.33%")  # 1 of the 3 owners on the roll
    expect(turnout.locator("tbody tr").first).to_contain_text("1 / 2")  # 1栋: one of its two units
    assert owner.evaluate("document.documentElement.scrollWidth") <= 390

    # Voting time is over; the staff close the vote and publish the result.
    Matter.objects.filter(pk=matter.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    staff = new_phone()
    sign_in(staff, "13900000002")
    staff.goto(f"/votes/{matter.pk}/manage/")
    staff.locator("#steps button[value=close]").tap()
    expect(staff.locator("#steps button[value=publish]")).to_be_visible()
    staff.locator("#steps button[value=publish]").tap()
    expect(staff.locator("#steps button[value=publish]")).to_have_count(0)
    matter.refresh_from_db()
    assert matter.status == Status.PUBLISHED

    owner.goto(f"/votes/{matter.pk}/")
    result = owner.locator("#result")
    expect(result).to_be_visible()
    with translation.override("zh-hans"):
        lines = rules.explain(queries.tally_or_result(matter)[0])
    for line in lines:
        expect(result).to_contain_text(line)
    expect(result.locator(".vote.lost")).to_be_visible()  # too few owners took part
    expect(owner.locator("#log-head code")).to_contain_text(matter.log_head[:16])
    assert owner.evaluate("document.documentElement.scrollWidth") <= 390
