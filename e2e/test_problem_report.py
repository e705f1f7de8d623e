"""In a phone's browser: a resident reports a problem with a photo, the property staff accepts and
resolves it, and the resident rates the outcome."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from cases.models import Case, Status

pytestmark = pytest.mark.e2e


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


def test_a_resident_reports_the_property_staff_resolves_the_resident_rates(new_phone, sign_in, world):
    resident = new_phone()
    sign_in(resident, "13800000001")
    resident.goto("/cases/new/")
    form = resident.locator("#report-form")
    form.locator("select[name=category]").select_option(label="紧急情况（火情、急病、人身危险）")
    expect(resident.locator("#hints a[href='tel:119']")).to_be_visible()  # at once, before anything is sent
    form.locator("select[name=category]").select_option(label="占用公共空间堆放杂物")
    expect(resident.locator("#hints a[href='tel:119']")).to_have_count(0)
    form.locator("select[name=where]").select_option(value=f"b{world.building.pk}")
    form.locator("textarea[name=description]").fill("三楼楼道堆满纸箱，挡住消防通道")
    form.locator("input[name=photos]").set_input_files([{"name": "corridor.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
    assert resident.evaluate("document.documentElement.scrollWidth") <= 390
    form.locator("button[type=submit]").tap()
    resident.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert case.handler == world.company and case.photos.count() == 1
    expect(resident.locator("main")).to_contain_text("三楼楼道堆满纸箱")
    expect(resident.locator("main img")).to_have_count(1)
    assert resident.evaluate("document.documentElement.scrollWidth") <= 390

    staff = new_phone()
    sign_in(staff, "13900000004")
    staff.goto("/cases/inbox/")
    staff.locator(f"a[href='/cases/{case.pk}/']").first.tap()
    staff.wait_for_url(f"**/cases/{case.pk}/")
    staff.locator("button[value=accept]").tap()
    staff.wait_for_url(f"**/cases/{case.pk}/")
    expect(staff.locator("button[value=resolve]")).to_be_visible()
    staff.locator("#actions textarea[name=note]").fill("已清理纸箱，并提醒住户不要堆放")
    staff.locator("button[value=resolve]").tap()
    expect(staff.locator("#timeline")).to_contain_text("已清理纸箱")
    case.refresh_from_db()
    assert case.status == Status.RESOLVED

    resident.reload()
    expect(resident.locator("#timeline")).to_contain_text("已清理纸箱")
    resident.locator("#rating input[value=satisfied]").check()
    resident.locator("#rating button[type=submit]").tap()
    expect(resident.locator("#rating")).to_have_count(0)
    case.refresh_from_db()
    assert case.status == Status.CONFIRMED and case.rating == "satisfied"
