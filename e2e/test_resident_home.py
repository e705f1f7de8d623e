"""In a phone's browser: a resident signs in and sees their building leader; a newcomer joins a
building and, once the leader approves, sees the leader too."""

import re

import pytest
from playwright.sync_api import expect

from core.sms import MemoryBackend
from people import actions
from people.models import HouseholdMember, JoinRequest, Role

pytestmark = pytest.mark.e2e


def test_a_resident_signs_in_and_sees_their_building_leader(new_phone, sign_in, world):
    page = new_phone()
    sign_in(page, "13800000001")

    leaders = page.locator("#leaders")
    expect(leaders.locator(".leader-name")).to_have_text("陈楼长")
    expect(leaders).to_contain_text("139****0001")
    expect(leaders).not_to_contain_text("13900000001")
    call = leaders.locator("a.call")
    expect(call).to_be_visible()
    leader_role = world.building_leader.roles.get(role=Role.BUILDING_LEADER)
    expect(call).to_have_attribute("href", f"/leaders/{leader_role.pk}/call/")

    # mobile-first: nothing wider than the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_newcomer_joins_a_building_and_sees_the_leader_once_approved(new_phone, sign_in, world):
    newcomer = actions.register_resident(name="新住户", mobile="13500000001", password="a-long-password-1")

    resident = new_phone()
    sign_in(resident, "13500000001", "a-long-password-1")
    expect(resident.locator("#leaders")).to_have_count(0)
    resident.goto(f"/join/{world.building.join_code}/")
    form = resident.locator("main form")
    form.locator("select[name=unit]").select_option(label="1栋 101")
    form.locator("select[name=relation]").select_option("tenant")
    form.locator("input[name=message]").fill("我是新租客")
    form.locator("button[type=submit]").tap()
    resident.wait_for_url(re.compile(r"/$"))
    expect(resident.locator("main")).to_contain_text("1栋 101")  # waiting for approval
    expect(resident.locator("#leaders")).to_have_count(0)
    jr = JoinRequest.objects.get(person=newcomer)
    assert jr.status == JoinRequest.Status.PENDING

    leader = new_phone()
    sign_in(leader, "13900000001")
    leader.goto("/join-requests/")
    request_row = leader.locator(f"#jr-{jr.pk}")
    expect(request_row).to_contain_text("新住户")
    expect(request_row).to_contain_text("135****0001")
    request_row.locator("button[value=approve]").tap()
    expect(leader.locator(f"#jr-{jr.pk}")).to_have_count(0)

    resident.reload()
    expect(resident.locator("#leaders .leader-name")).to_have_text("陈楼长")
    expect(resident.locator("#leaders")).to_contain_text("139****0001")
    assert HouseholdMember.objects.filter(person=newcomer, unit=world.unit).exists()
    assert "13500000001" in [to for to, _text in MemoryBackend.outbox]
