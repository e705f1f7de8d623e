"""Roster import (dry run, then all-or-nothing commit), export and the template workbook."""

import csv
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from ninja.testing import TestClient

from core.models import AuditEntry
from people import actions, spreadsheets
from people.api_spreadsheets import router
from people.models import ConsentRecord, HouseholdMember, Ownership, Person, Role, RoleAssignment
from places.models import Place, Unit

ID_NUMBER = "11010519491231002X"  # the GB 11643 example, valid check digit

UNIT_HEADERS = ["社区", "小区", "楼栋", "房号", "类型", "楼层", "面积", "面积来源"]


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"  # messages are compared in English; one test checks Chinese
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the personas sign up faster


def workbook(**sheets: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "roster.xlsx", kind: str = "", lang: str = "en"):
    return client.post(
        reverse("people:import"), {"file": SimpleUploadedFile(name, data), "kind": kind}, HTTP_ACCEPT_LANGUAGE=lang
    )


def errors_of(response) -> list[tuple[str, int, str, str]]:
    return [(e.sheet, e.row, e.column, e.message) for e in response.context["report"].errors]


def counts_of(response, kind: str) -> dict:
    sheet = next(s for s in response.context["report"].sheets if s.kind == kind)
    return {a: sheet.counts[a] for a in ("create", "update", "unchanged", "error")}


def snapshot() -> tuple:
    return (
        Place.objects.count(),
        Unit.objects.count(),
        Person.objects.count(),
        HouseholdMember.objects.count(),
        Ownership.objects.count(),
        RoleAssignment.objects.count(),
        ConsentRecord.objects.count(),
    )


@pytest.fixture
def staff_client(client, world):
    client.force_login(world.community_staff)
    return client


def full_roster() -> bytes:
    return workbook(
        楼栋=[["社区", "小区", "楼栋"], ["灯湖社区", "中铁建水岸公馆", "3栋"]],
        房屋=[
            ["楼栋", "房号", "类型", "楼层", "面积(m²)", "面积来源"],
            ["灯湖社区/中铁建水岸公馆/3栋", "301", "住宅", 3, 100.5, "不动产登记"],
            ["灯湖社区/中铁建水岸公馆/3栋", "302", "商铺", "3", "88.00", "实测"],
        ],
        人员=[
            ["姓名", "手机号", "身份证号", "出生年份", "候鸟"],
            ["张三", "138 1234 5678", ID_NUMBER, 1949, "是"],
            ["张小宝", "", "", 2018, "否"],
        ],
        住户=[
            ["姓名", "手机号", "社区", "小区", "楼栋", "房号", "关系", "产权份额", "产权状态"],
            ["张三", "13812345678", "灯湖社区", "中铁建水岸公馆", "3栋", "301", "业主", "1", "已登记"],
            ["张小宝", "", "灯湖社区", "中铁建水岸公馆", "3栋", "301", "家属", "", ""],
        ],
        角色=[["手机号", "角色", "地点"], ["13812345678", "楼长", "灯湖社区/中铁建水岸公馆/3栋"]],
    )


# --- the happy path ----------------------------------------------------------------------------


def test_dry_run_changes_nothing_and_commit_creates_every_row(staff_client, world):
    before = snapshot()
    response = upload(staff_client, full_roster())
    assert response.status_code == 200
    assert errors_of(response) == []
    assert counts_of(response, "buildings")["create"] == 1
    assert counts_of(response, "units")["create"] == 2
    assert counts_of(response, "people")["create"] == 2
    assert counts_of(response, "households")["create"] == 2
    assert counts_of(response, "roles")["create"] == 1
    assert snapshot() == before
    token = response.context["report"].token
    assert token

    response = staff_client.post(reverse("people:import-commit", args=[token]))
    assert response.status_code == 302

    building = Place.objects.get(name="3栋", parent=world.compound)
    unit = Unit.objects.get(building=building, label="301")
    assert unit.path == building.path and unit.area == Decimal("100.50") and unit.area_source == "register"
    assert Unit.objects.get(building=building, label="302").kind == "shop"
    zhang = Person.objects.get(mobile="13812345678")
    assert zhang.name == "张三" and zhang.birth_year == 1949 and zhang.migratory
    assert zhang.id_number == ID_NUMBER and ID_NUMBER not in zhang.id_number_token
    baby = Person.objects.get(name="张小宝")
    assert baby.mobile is None and baby.birth_year == 2018
    hm = HouseholdMember.objects.get(person=baby, unit=unit)
    assert hm.relation == "family" and hm.path == unit.path
    assert Ownership.objects.get(person=zhang, unit=unit).share == Decimal("1")
    ra = RoleAssignment.objects.get(person=zhang, role=Role.BUILDING_LEADER)
    assert ra.place == building and ra.path == building.path and ra.granted_by == world.community_staff
    assert set(ConsentRecord.objects.filter(channel="import", purpose="registry").values_list("person__name", flat=True)) == {
        "张三",
        "张小宝",
    }
    entry = AuditEntry.objects.get(action="import.committed")
    assert entry.actor == world.community_staff
    assert entry.detail["counts"]["units"]["create"] == 2
    # The stored file is gone: the same token cannot be committed twice.
    response = staff_client.post(reverse("people:import-commit", args=[token]))
    assert response.status_code == 302
    assert Unit.objects.filter(building=building).count() == 2


def test_the_stored_upload_is_encrypted_and_tied_to_its_uploader(staff_client, world, settings):
    response = upload(staff_client, full_roster())
    token = response.context["report"].token
    stored = (settings.MEDIA_ROOT / "imports" / f"{token}.bin").read_bytes()
    assert b"13812345678" not in stored and b"PK" not in stored[:2]
    assert spreadsheets.load_upload(user=world.admin, token=token) is None
    assert spreadsheets.load_upload(user=world.community_staff, token="../../etc/passwd") is None
    staff_client.force_login(world.admin)
    staff_client.post(reverse("people:import-commit", args=[token]))
    assert not Place.objects.filter(name="3栋").exists()


def test_csv_in_gbk_with_the_kind_chosen(staff_client, world):
    text = "楼栋,房号,类型,楼层,面积,面积来源\n1栋,103,住宅,1,66.6,合同\n1栋,104,车位,-1,12,实测\n"
    response = upload(staff_client, text.encode("gbk"), "房屋清单.csv", kind="units")
    assert errors_of(response) == []
    assert counts_of(response, "units")["create"] == 2
    staff_client.post(reverse("people:import-commit", args=[response.context["report"].token]))
    assert Unit.objects.get(building=world.building, label="104").floor == -1
    assert Unit.objects.get(building=world.building, label="103").area == Decimal("66.60")


def test_csv_in_utf8_with_bom_and_english_headers_takes_its_kind_from_the_name(staff_client, world):
    text = "\ufeffname,mobile,birth year,migratory\n钱多多,+86 138-1234-0000,1990,yes\n"
    response = upload(staff_client, text.encode("utf-8"), "people.csv")
    assert errors_of(response) == []
    assert counts_of(response, "people")["create"] == 1
    staff_client.post(reverse("people:import-commit", args=[response.context["report"].token]))
    person = Person.objects.get(mobile="13812340000")
    assert person.name == "钱多多" and person.migratory and person.birth_year == 1990


def test_existing_units_are_updated_and_identical_ones_unchanged(staff_client, world):
    data = workbook(
        房屋=[
            UNIT_HEADERS,
            ["灯湖社区", "中铁建水岸公馆", "1栋", "101", "住宅", 1, "89.35", "不动产登记"],
            ["灯湖社区", "中铁建水岸公馆", "1栋", "102", "", "", "80", "实测"],
        ]
    )
    response = upload(staff_client, data)
    assert counts_of(response, "units") == {"create": 0, "update": 1, "unchanged": 1, "error": 0}
    staff_client.post(reverse("people:import-commit", args=[response.context["report"].token]))
    world.unit2.refresh_from_db()
    assert world.unit2.area == Decimal("80.00") and world.unit2.floor == 1  # a blank cell keeps the value


# --- bad rows --------------------------------------------------------------------------------


def test_one_bad_row_among_good_ones_imports_nothing_even_on_commit(staff_client, world):
    data = workbook(
        房屋=[
            UNIT_HEADERS,
            ["灯湖社区", "中铁建水岸公馆", "1栋", "105", "住宅", 1, "70", "合同"],
            ["灯湖社区", "中铁建水岸公馆", "99栋", "106", "住宅", 1, "70", "合同"],
            ["灯湖社区", "中铁建水岸公馆", "2栋", "202", "住宅", 2, "70", "合同"],
        ]
    )
    before = snapshot()
    response = upload(staff_client, data)
    assert errors_of(response) == [("房屋", 3, "楼栋", "Unknown building “99栋”.")]
    assert response.context["report"].token == ""
    assert "Import now" not in response.content.decode()
    # Even when forced through the commit step, nothing is written.
    book = spreadsheets.read_upload(data, "roster.xlsx")
    report = spreadsheets.run_import(user=world.community_staff, book=book, commit=True)
    assert not report.committed and report.errors
    token = spreadsheets.store_upload(user=world.community_staff, data=data, filename="roster.xlsx", kind="")
    response = staff_client.post(reverse("people:import-commit", args=[token]))
    assert response.status_code == 200 and errors_of(response)
    assert snapshot() == before
    assert not AuditEntry.objects.filter(action="import.committed").exists()


def test_commit_checks_again_and_writes_nothing_if_the_data_changed_meanwhile(staff_client, world):
    data = workbook(人员=[["姓名", "手机号"], ["孙一", "13811110001"], ["孙二", "13811110002"]])
    response = upload(staff_client, data)
    token = response.context["report"].token
    Person.objects.create_user(mobile="13811110002", name="别人")
    response = staff_client.post(reverse("people:import-commit", args=[token]))
    assert errors_of(response) == [("人员", 3, "手机号", "This number is registered to a person with a different name.")]
    assert not Person.objects.filter(mobile="13811110001").exists()


def test_duplicate_unit_in_the_file_is_an_error_naming_the_first_row(staff_client, world):
    data = workbook(
        房屋=[
            UNIT_HEADERS,
            ["灯湖社区", "中铁建水岸公馆", "2栋", "203", "住宅", 2, "70", "合同"],
            ["灯湖社区", "中铁建水岸公馆", "2栋", "203", "住宅", 2, "71", "合同"],
        ]
    )
    response = upload(staff_client, data)
    assert errors_of(response) == [("房屋", 3, "房号", "Duplicate unit: row 2 already lists this unit.")]


def test_malformed_mobile_and_bad_id_check_digit_are_reported_per_cell(staff_client, world):
    data = workbook(人员=[["姓名", "手机号", "身份证号"], ["周一", "1381234", ""], ["周二", "13811112222", "110105194912310021"]])
    response = upload(staff_client, data)
    assert errors_of(response) == [
        ("人员", 2, "手机号", "“1381234” is not a valid mainland mobile number."),
        ("人员", 3, "身份证号", "The ID number's check digit is wrong."),
    ]


def test_messages_come_in_the_users_language(staff_client, world):
    data = workbook(人员=[["姓名", "手机号"], ["周一", "1381234"]])
    (error,) = errors_of(upload(staff_client, data, lang="zh-hans"))
    assert error[3] == "“1381234”不是有效的中国大陆手机号。"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["1栋", "107", "别墅", 1, "70", "合同"], "类型", "“别墅” is not one of: 住宅、商铺、车位、储藏室."),
        (["1栋", "107", "住宅", 1, "70.123", "合同"], "面积", "The area “70.123” has more than 2 decimals."),
        (["1栋", "107", "住宅", 1, "-5", "合同"], "面积", "“-5” is not a positive area in m²."),
        (["1栋", "107", "住宅", 1, "70", ""], "面积来源", "Give the area source (不动产登记, 实测 or 合同) with the area."),
        (["1栋", "", "住宅", 1, "70", "合同"], "房号", "This cell is empty."),
    ],
)
def test_unit_cells_are_checked(staff_client, world, row, column, message):
    data = workbook(房屋=[["楼栋", "房号", "类型", "楼层", "面积", "面积来源"], row])
    assert errors_of(upload(staff_client, data)) == [("房屋", 2, column, message)]


def test_places_outside_the_importers_area_are_refused(staff_client, world):
    data = workbook(
        楼栋=[["社区", "小区", "楼栋"], ["桂一社区", "桂南小区", "10栋"]],
        房屋=[UNIT_HEADERS, ["桂一社区", "桂南小区", "9栋", "902", "住宅", 9, "70", "合同"]],
    )
    assert errors_of(upload(staff_client, data)) == [
        ("楼栋", 2, "小区", "“桂南小区” is outside your area."),
        ("房屋", 2, "楼栋", "“9栋” is outside your area."),
    ]


def test_unknown_places_and_people_are_named(staff_client, world):
    data = workbook(
        楼栋=[["社区", "小区", "楼栋"], ["无名社区", "", "1栋"], ["灯湖社区", "无名小区", "1栋"]],
        住户=[["手机号", "楼栋", "房号", "关系"], ["13899990000", "1栋", "101", "业主"], ["13800000001", "1栋", "999", "业主"]],
        角色=[["手机号", "角色", "地点"], ["13800000001", "队长", "灯湖社区"]],
    )
    assert errors_of(upload(staff_client, data)) == [
        ("楼栋", 2, "社区", "Unknown community “无名社区”."),
        ("楼栋", 3, "小区", "Unknown compound “无名小区”."),
        ("住户", 2, "手机号", "No one has this mobile number: add the person to the people sheet."),
        ("住户", 3, "房号", "Unknown unit “999” in “1栋”."),
        (
            "角色",
            2,
            "角色",
            "“队长” is not one of: 楼长、巷长、街长、社区工作人员、街道管理员、物业人员、业委会委员、调解员、志愿者.",
        ),
    ]


def test_roles_respect_who_may_grant_them(staff_client, world):
    data = workbook(
        角色=[
            ["手机号", "角色", "地点"],
            ["13800000001", "社区工作人员", "灯湖社区"],
            ["13800000002", "志愿者", "灯湖社区/中铁建水岸公馆"],
        ]
    )
    response = upload(staff_client, data)
    assert errors_of(response) == [("角色", 2, "角色", "You may not grant the role “community staff” at “灯湖社区”.")]


def test_mobile_of_another_person_and_owner_shares_over_one_are_errors(staff_client, world):
    data = workbook(
        人员=[["姓名", "手机号"], ["李冒名", "13800000001"]],
        住户=[
            ["姓名", "手机号", "楼栋", "房号", "关系", "产权份额"],
            ["王邻居", "13800000002", "1栋", "101", "共有人", "50%"],
            ["陈楼长", "13900000001", "1栋", "102", "租户", "0.5"],
        ],
    )
    assert errors_of(upload(staff_client, data)) == [
        ("人员", 2, "手机号", "This number is registered to a person with a different name."),
        ("住户", 3, "产权份额", "Only owners and co-owners have an ownership share and status."),
        ("住户", 2, "产权份额", "The owners' shares of 1栋 101 add up to 1.5, more than 1."),
    ]


# --- files that are not rosters --------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_with_a_message(staff_client, world):
    response = upload(staff_client, b"x" * (spreadsheets.MAX_UPLOAD_BYTES + 1), "big.csv", kind="units")
    assert response.status_code == 200
    assert "The file is larger than 5 MB." in response.context["form"].errors["file"]


def test_too_many_rows_formulas_and_unreadable_files_are_refused(staff_client, world, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    rows = [["楼栋", "房号"]] + [["1栋", str(n)] for n in range(4)]
    response = upload(staff_client, workbook(房屋=rows))
    assert response.context["form"].errors["file"] == ["The file has more than 3 rows. Split it into smaller files."]

    response = upload(staff_client, workbook(房屋=[["楼栋", "房号", "面积", "面积来源"], ["1栋", "108", "=60+10", "合同"]]))
    assert errors_of(response) == [
        ("房屋", 2, "面积", "This row contains a formula: paste the values only (Paste Special → Values).")
    ]

    for data, name in [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls"),
        (b"PK\x03\x04broken", "x.xlsx"),
        (b"\x89PNG\r\n\x1a\n\0\0\0", "photo.csv"),
    ]:
        response = upload(staff_client, data, name, kind="units")
        assert response.status_code == 200 and response.context["form"].errors["file"], name


def test_unknown_sheets_and_missing_columns_are_reported(staff_client, world):
    response = upload(staff_client, workbook(Sheet1=[["a"], ["b"]], 房屋=[["房号", "备注"], ["101", "x"]]))
    messages = [m for _s, _r, _c, m in errors_of(response)]
    assert any("Unknown sheet “Sheet1”" in m for m in messages)
    assert "Missing column “楼栋” (building)." in messages
    assert [n.message for n in response.context["report"].notices] == ["Unknown column “备注”: it was ignored."]


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["resident", "outsider", "building_leader", "property_staff", "volunteer"])
def test_only_managers_may_import(client, world, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("people:import")).status_code == 404
    assert client.get(reverse("people:import-template")).status_code == 404
    assert upload(client, full_roster()).status_code == 404
    assert client.post(reverse("people:import-commit", args=["x" * 32])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    assert client.get(reverse("people:import")).status_code == 302


def test_import_pages_render_and_reject_wrong_methods(staff_client, world):
    response = staff_client.get(reverse("people:import"))
    assert response.status_code == 200 and "people:import-template" not in response.content.decode()
    assert staff_client.get(reverse("people:import-commit", args=["x" * 32])).status_code == 405
    response = staff_client.post(reverse("people:import-commit", args=["x" * 32]))
    assert response.status_code == 302


# --- export ------------------------------------------------------------------------------------


def read_xlsx(content: bytes) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_export_then_reimport_changes_nothing(staff_client, world):
    world.resident.set_id_number(ID_NUMBER)
    world.resident.save()
    kid = Person.objects.create_user(name="李小孩", birth_year=2019)
    HouseholdMember.objects.create(unit=world.unit, person=kid, relation="family")
    response = staff_client.get(reverse("people:export", args=[world.community.pk, "xlsx"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheets = read_xlsx(response.content)
    assert set(sheets) == {"楼栋", "房屋", "人员", "住户", "角色"}
    text = repr(sheets)
    assert "13800000001" in text and ID_NUMBER not in text  # full mobiles for managers, never ID numbers
    assert ("灯湖社区", "中铁建水岸公馆", None, None, "1栋", "101", "住宅", 1, 89.35, "不动产登记", "否") in sheets["房屋"]
    entry = AuditEntry.objects.get(action="export.roster")
    assert entry.detail["place"] == world.community.pk and entry.detail["rows"] > 0

    before = snapshot()
    response = upload(staff_client, response.content)
    assert errors_of(response) == []
    for s in response.context["report"].sheets:
        assert s.counts["create"] == 0 and s.counts["update"] == 0 and s.counts["unchanged"] == s.rows > 0, s.kind
    staff_client.post(reverse("people:import-commit", args=[response.context["report"].token]))
    assert snapshot() == before

    response = staff_client.get(reverse("people:export", args=[world.community.pk, "csv"]))
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == ["buildings.csv", "households.csv", "people.csv", "roles.csv", "units.csv"]
        units = list(csv.reader(io.StringIO(archive.read("units.csv").decode("utf-8-sig"))))
    assert units[0][:5] == ["社区", "小区", "街", "巷", "楼栋"]
    response = upload(staff_client, response.content, "roster.zip")
    assert errors_of(response) == []
    assert all(s.counts["create"] == s.counts["update"] == 0 for s in response.context["report"].sheets)


def test_non_managers_get_masked_mobiles_and_outsiders_nothing(client, world):
    client.force_login(world.building_leader)
    response = client.get(reverse("people:export", args=[world.building.pk, "csv"]) + "?sheet=people")
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    assert "138****0001" in body and "13800000001" not in body
    assert client.get(reverse("people:export", args=[world.community.pk, "xlsx"])).status_code == 404
    assert client.get(reverse("people:export", args=[world.building.pk, "pdf"])).status_code == 404
    client.force_login(world.outsider)
    assert client.get(reverse("people:export", args=[world.building.pk, "xlsx"])).status_code == 404
    client.force_login(world.volunteer)  # sees places, not people
    assert client.get(reverse("people:export", args=[world.compound.pk, "xlsx"])).status_code == 404


def test_exported_text_never_becomes_a_formula(staff_client, world):
    Person.objects.filter(pk=world.resident.pk).update(name="=HYPERLINK(1)")
    response = staff_client.get(reverse("people:export", args=[world.building.pk, "xlsx"]))
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    response = staff_client.get(reverse("people:export", args=[world.building.pk, "csv"]) + "?sheet=people")
    assert "'=HYPERLINK(1)" in response.content.decode("utf-8-sig")


# --- template ----------------------------------------------------------------------------------


def test_template_opens_with_the_sheets_examples_and_dropdowns(staff_client, world):
    response = staff_client.get(reverse("people:import-template"))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["说明", "楼栋", "房屋", "人员", "住户", "角色"]
    units = wb["房屋"]
    assert units["A1"].value == "社区" and units["A2"].value == "community"
    formulas = {dv.formula1 for dv in units.data_validations.dataValidation}
    assert '"住宅,商铺,车位,储藏室"' in formulas and '"不动产登记,实测,合同"' in formulas
    assert '"楼长,巷长,街长,社区工作人员,街道管理员,物业人员,业委会委员,调解员,志愿者"' in {
        dv.formula1 for dv in wb["角色"].data_validations.dataValidation
    }
    # Uploaded as it is, the example rows are caught instead of imported.
    response = upload(staff_client, response.content)
    report = response.context["report"]
    assert {e.message for e in report.errors} == {"This is the template's example row: delete it before importing."}
    assert len(report.errors) == 5


# --- API ---------------------------------------------------------------------------------------


def test_api_dry_run_commit_and_export(world):
    key = actions.create_api_token(person=world.community_staff, name="test")
    api = TestClient(router, headers={"Authorization": f"Bearer {key}"})
    data = workbook(楼栋=[["community", "compound", "building"], ["灯湖社区", "中铁建水岸公馆", "5栋"]])
    response = api.post("/imports", FILES={"file": SimpleUploadedFile("r.xlsx", data)})
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] and body["sheets"][0]["create"] == 1 and not Place.objects.filter(name="5栋").exists()
    response = api.post(f"/imports/{body['token']}/commit")
    assert response.status_code == 200 and response.json()["committed"]
    assert Place.objects.filter(name="5栋", parent=world.compound).exists()
    assert api.post(f"/imports/{body['token']}/commit").status_code == 404

    response = api.post("/imports", FILES={"file": SimpleUploadedFile("r.csv", b"\xd0\xcf\x11\xe0" + b"\0" * 100)})
    assert response.status_code == 400 and "xls" in response.json()["detail"]
    response = api.get(f"/exports/{world.building.pk}?fmt=csv&sheet=units")
    assert response.status_code == 200 and "101" in response.content.decode("utf-8-sig")

    outsider = TestClient(
        router, headers={"Authorization": f"Bearer {actions.create_api_token(person=world.resident, name='t')}"}
    )
    assert outsider.post("/imports", FILES={"file": SimpleUploadedFile("r.xlsx", data)}).status_code == 404
    assert outsider.get(f"/exports/{world.building.pk}").status_code == 404
