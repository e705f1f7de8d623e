"""Open311 GeoReport v2 under /open311/v2/: the standard's field names in JSON and XML, its filters and
error format; private cases only with an API key; reporting by address_string or address_id."""

import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases import actions
from cases.models import Case, Category, Channel

BASE = "/open311/v2"
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"]


@pytest.fixture
def api_key(world) -> str:
    return actions.create_open311_key(actor=None, name="12345 bridge")[1]


def report(world, code="clutter", place=None, description="楼道堆满纸箱", **extra) -> Case:
    return actions.submit_case(
        reporter=world.resident,
        category=Category.objects.get(code=code),
        place=place or world.building,
        description=description,
        **extra,
    )


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(response.content)  # noqa: S314 (our own response)


def error_of(response) -> dict:
    body = response.json()
    assert isinstance(body, list) and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == response.status_code
    return body[0]


def post(client, data, fmt="json"):
    return client.post(f"{BASE}/requests.{fmt}", data)


# --- services ------------------------------------------------------------------------------


def test_services_json_lists_active_categories_with_the_standards_fields(client, world):
    Category.objects.filter(code="other").update(active=False)
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    services = {s["service_code"]: s for s in response.json()}
    assert "other" not in services
    clutter = services["clutter"]
    assert list(clutter) == SERVICE_FIELDS
    assert clutter["service_name"] == "占用公共空间堆放杂物"
    assert clutter["type"] == "realtime"
    assert clutter["metadata"] is False
    assert services["water-pipes"]["metadata"] is True
    assert "占用公共空间" in response.content.decode()  # not \u-escaped


def test_services_xml_has_services_root_and_service_elements(client, world):
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert {child.tag for child in root} == {"service"}
    water = next(s for s in root if s.findtext("service_code") == "water-pipes")
    assert [child.tag for child in water] == SERVICE_FIELDS
    assert water.findtext("metadata") == "true"
    assert water.findtext("type") == "realtime"


def test_services_in_english_when_the_locale_asks_for_it(client, world):
    services = {s["service_code"]: s for s in client.get(f"{BASE}/services.json", {"locale": "en_US"}).json()}
    assert services["clutter"]["service_name"] == "Clutter in shared space"


def test_service_definition_lists_the_categorys_questions_as_attributes(client, world):
    definition = client.get(f"{BASE}/services/water-pipes.json").json()
    assert definition["service_code"] == "water-pipes"
    leaking, floor = definition["attributes"]
    assert list(leaking) == ATTRIBUTE_FIELDS
    assert leaking["variable"] is True and leaking["required"] is True
    assert leaking["datatype"] == "singlevaluelist"
    assert leaking["values"][0] == {"key": "yes", "name": "是 / yes"}
    assert floor["datatype"] == "number" and floor["required"] is False and floor["values"] == []
    assert [leaking["order"], floor["order"]] == [1, 2]


def test_service_definition_xml_nests_attributes_and_values(client, world):
    root = xml(client.get(f"{BASE}/services/water-pipes.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "water-pipes"
    attribute = root.find("attributes/attribute")
    assert [child.tag for child in attribute] == ATTRIBUTE_FIELDS
    assert attribute.findtext("variable") == "true"
    assert attribute.findtext("code") == "still_leaking"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["yes", "no"]


def test_an_unknown_service_code_is_a_404_in_the_error_format(client, world):
    response = client.get(f"{BASE}/services/no-such-thing.json")
    assert response.status_code == 404
    assert "no-such-thing" in error_of(response)["description"]
    response = client.get(f"{BASE}/services/no-such-thing.xml")
    root = xml(response)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description")


# --- reading requests ------------------------------------------------------------------------


def test_requests_json_carries_the_standards_fields_and_no_personal_data(client, world):
    case = report(world, contact_name="李居民", contact_phone="13800000001")
    response = client.get(f"{BASE}/requests.json")
    assert response.status_code == 200
    (item,) = response.json()
    assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == str(case.pk)
    assert item["status"] == "open"
    assert item["service_code"] == "clutter"
    assert item["description"] == "楼道堆满纸箱"
    assert item["address"] == "桂城街道 灯湖社区 中铁建水岸公馆 1栋"
    assert item["address_id"] == str(world.building.pk)
    assert item["agency_responsible"] == "中铁建物业"
    assert item["requested_datetime"].endswith("+08:00")
    assert item["expected_datetime"] == timezone.localtime(case.resolve_by).isoformat(timespec="seconds")
    assert item["lat"] is None and item["long"] is None
    body = response.content.decode()
    assert "李居民" not in body and "13800000001" not in body


def test_requests_xml_has_service_requests_root_and_request_elements(client, world):
    case = report(world)
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    (request,) = root
    assert request.tag == "request"
    assert [child.tag for child in request] == REQUEST_FIELDS
    assert request.findtext("service_request_id") == str(case.pk)
    assert request.findtext("status") == "open"
    assert request.findtext("lat") == ""


def test_one_request_comes_back_in_the_list_form(client, world):
    case = report(world)
    (item,) = client.get(f"{BASE}/requests/{case.pk}.json").json()
    assert item["service_request_id"] == str(case.pk)
    root = xml(client.get(f"{BASE}/requests/{case.pk}.xml"))
    assert root.tag == "service_requests" and root.findtext("request/service_request_id") == str(case.pk)


def test_a_missing_request_is_a_404_error(client, world):
    assert error_of(client.get(f"{BASE}/requests/999999.json"))["code"] == 404
    assert error_of(client.get(f"{BASE}/requests/abc.json"))["code"] == 404


def test_linli_statuses_map_to_open_and_closed_with_the_latest_public_note(client, world):
    open_case = report(world)
    resolved = report(world, description="电梯口杂物")
    actions.transition_case(actor=world.property_staff, case=resolved, action="accept")
    actions.transition_case(actor=world.property_staff, case=resolved, action="resolve", note="已清理")
    items = {i["service_request_id"]: i for i in client.get(f"{BASE}/requests.json").json()}
    assert items[str(open_case.pk)]["status"] == "open"
    assert items[str(open_case.pk)]["status_notes"] == ""
    assert items[str(resolved.pk)]["status"] == "closed"
    assert items[str(resolved.pk)]["status_notes"] == "已清理"
    only_open = client.get(f"{BASE}/requests.json", {"status": "open"}).json()
    assert [i["service_request_id"] for i in only_open] == [str(open_case.pk)]
    only_closed = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    assert [i["service_request_id"] for i in only_closed] == [str(resolved.pk)]
    assert len(client.get(f"{BASE}/requests.json", {"status": "open,closed"}).json()) == 2


def test_an_unknown_status_filter_is_a_400_error(client, world):
    assert error_of(client.get(f"{BASE}/requests.json", {"status": "pending"}))["code"] == 400


def test_requests_filter_by_service_code_list_newest_first(client, world):
    clutter = report(world)
    pets = report(world, code="pets", description="狗粪")
    report(world, code="greening", description="树枝挡路")
    items = client.get(f"{BASE}/requests.json", {"service_code": "clutter,pets"}).json()
    assert [i["service_request_id"] for i in items] == [str(pets.pk), str(clutter.pk)]


def test_requests_filter_by_dates_and_default_to_the_last_90_days(client, world):
    now = timezone.now()
    old = report(world, description="old", now=now - timedelta(days=100))
    recent = report(world, description="recent", now=now - timedelta(days=10))
    ids = [i["service_request_id"] for i in client.get(f"{BASE}/requests.json").json()]
    assert ids == [str(recent.pk)]
    window = {"start_date": (now - timedelta(days=120)).isoformat(), "end_date": (now - timedelta(days=50)).isoformat()}
    ids = [i["service_request_id"] for i in client.get(f"{BASE}/requests.json", window).json()]
    assert ids == [str(old.pk)]
    since = {"start_date": (now - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert len(client.get(f"{BASE}/requests.json", since).json()) == 2
    assert error_of(client.get(f"{BASE}/requests.json", {"start_date": "last week"}))["code"] == 400


def test_service_request_id_list_overrides_the_other_filters(client, world):
    now = timezone.now()
    old = report(world, description="old", now=now - timedelta(days=100))
    recent = report(world, description="recent")
    params = {"service_request_id": f"{old.pk},{recent.pk}", "status": "closed", "service_code": "pets"}
    ids = {i["service_request_id"] for i in client.get(f"{BASE}/requests.json", params).json()}
    assert ids == {str(old.pk), str(recent.pk)}


def test_private_cases_are_hidden_without_a_key_and_shown_with_one(client, world, api_key):
    public = report(world)
    private = report(world, code="noise", description="楼上装修噪音")
    assert private.is_public is False
    ids = [i["service_request_id"] for i in client.get(f"{BASE}/requests.json").json()]
    assert ids == [str(public.pk)]
    assert client.get(f"{BASE}/requests/{private.pk}.json").status_code == 404
    ids = [i["service_request_id"] for i in client.get(f"{BASE}/requests.json", {"api_key": api_key}).json()]
    assert ids == [str(private.pk), str(public.pk)]
    assert client.get(f"{BASE}/requests/{private.pk}.json", {"api_key": api_key}).status_code == 200


def test_rejected_cases_are_hidden_without_a_key(client, world, api_key):
    case = report(world)
    actions.transition_case(actor=world.community_staff, case=case, action="reject", note="重复反映")
    assert client.get(f"{BASE}/requests.json").json() == []
    (item,) = client.get(f"{BASE}/requests.json", {"api_key": api_key}).json()
    assert item["status"] == "closed" and item["status_notes"] == "重复反映"


def test_reading_with_an_invalid_key_is_refused(client, world):
    assert error_of(client.get(f"{BASE}/requests.json", {"api_key": "nope"}))["code"] == 403


# --- reporting -------------------------------------------------------------------------------


def test_a_client_reports_at_an_address_string_like_linli_writes_it(client, world, api_key):
    response = post(
        client,
        {
            "api_key": api_key,
            "service_code": "clutter",
            "address_string": "  桂城街道  灯湖社区\u3000中铁建水岸公馆 1栋 ",
            "description": "楼道堆满纸箱",
            "first_name": "明",
            "last_name": "李",
            "phone": "13811112222",
            "email": "li@example.com",
            "lat": "23.03",
            "long": "113.15",
        },
    )
    assert response.status_code == 200
    (created,) = response.json()
    assert set(created) >= {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] is None
    case = Case.objects.get(pk=int(created["service_request_id"]))
    assert case.place == world.building
    assert case.channel == Channel.OPEN311
    assert case.reporter is None
    assert case.contact_name.startswith("李明")
    assert case.contact_phone == "13811112222"
    body = response.content.decode()
    assert "13811112222" not in body and "李明" not in body and "li@example.com" not in body


def test_a_client_reports_at_an_address_id_and_gets_xml_back(client, world, api_key):
    response = post(
        client,
        {"api_key": api_key, "service_code": "pets", "address_id": str(world.compound.pk), "description": "草地上狗粪"},
        fmt="xml",
    )
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None and request.findtext("account_id") == ""
    case = Case.objects.get(pk=int(request.findtext("service_request_id")))
    assert case.place == world.compound
    assert case.address == "桂城街道 灯湖社区 中铁建水岸公馆"


def test_answers_to_the_categorys_questions_are_kept(client, world, api_key):
    response = post(
        client,
        {
            "api_key": api_key,
            "service_code": "water-pipes",
            "address_id": str(world.building.pk),
            "description": "水管爆了",
            "attribute[still_leaking]": "yes",
            "attribute[floor]": "3",
            "attribute[unknown]": "ignored",
        },
    )
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.details == {"still_leaking": "yes", "floor": "3"}


@pytest.mark.parametrize(
    "key, status",
    [(None, 403), ("not-a-key", 403)],
)
def test_reporting_without_a_valid_key_is_refused_and_creates_nothing(client, world, key, status):
    data = {"service_code": "clutter", "address_id": str(world.building.pk), "description": "纸箱"}
    if key:
        data["api_key"] = key
    response = post(client, data)
    assert error_of(response)["code"] == status
    root = xml(post(client, data, fmt="xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "403"
    assert not Case.objects.exists()


def test_a_revoked_key_no_longer_reports(client, world, api_key):
    key = actions.check_open311_key(api_key)
    actions.revoke_open311_key(actor=world.admin, key=key)
    response = post(client, {"api_key": api_key, "service_code": "clutter", "address_id": str(world.building.pk)})
    assert response.status_code == 403
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "data, words",
    [
        ({"service_code": "no-such-thing", "address_id": "BUILDING"}, "no-such-thing"),
        ({"address_id": "BUILDING"}, "service_code"),
        ({"service_code": "clutter"}, "address_string"),
        ({"service_code": "clutter", "lat": "23.03", "long": "113.15"}, "address_string"),
        ({"service_code": "clutter", "address_string": "桂城街道 灯湖社区 不存在小区 1栋"}, "不存在小区"),
        ({"service_code": "clutter", "address_id": "99999999"}, "99999999"),
        ({"service_code": "water-pipes", "address_id": "BUILDING"}, "still_leaking"),
        ({"service_code": "water-pipes", "address_id": "BUILDING", "attribute[still_leaking]": "maybe"}, "yes"),
        (
            {
                "service_code": "water-pipes",
                "address_id": "BUILDING",
                "attribute[still_leaking]": "yes",
                "attribute[floor]": "三",
            },
            "floor",
        ),
        ({"service_code": "clutter", "address_string": "桂城街道 灯湖社区"}, ""),
        ({"service_code": "clutter", "address_id": "BUILDING", "description": "长" * 2001}, "2000"),
    ],
    ids=[
        "unknown service",
        "no service",
        "no address",
        "coordinates only",
        "unknown address",
        "unknown address_id",
        "required attribute missing",
        "value not in the list",
        "not a number",
        "not a reportable place",
        "description too long",
    ],
)
def test_bad_reports_are_400_errors_and_create_nothing(client, world, api_key, data, words):
    data = {k: (str(world.building.pk) if v == "BUILDING" else v) for k, v in data.items()}
    data.setdefault("description", "问题")
    response = post(client, {"api_key": api_key, **data})
    assert response.status_code == 400
    assert words in error_of(response)["description"]
    assert not Case.objects.exists()


def test_a_post_without_a_description_uses_the_service_name(client, world, api_key):
    response = post(client, {"api_key": api_key, "service_code": "clutter", "address_id": str(world.building.pk)})
    assert response.status_code == 200
    assert Case.objects.get().description == "占用公共空间堆放杂物"


def test_posting_needs_no_csrf_token(world, api_key):
    from django.test import Client

    response = post(
        Client(enforce_csrf_checks=True), {"api_key": api_key, "service_code": "clutter", "address_id": str(world.building.pk)}
    )
    assert response.status_code == 200


def test_other_methods_are_refused_in_the_error_format(client, world):
    response = client.put(f"{BASE}/requests.json")
    assert response.status_code == 405
    assert error_of(response)["code"] == 405


# --- tokens and jurisdiction -----------------------------------------------------------------


def test_the_token_from_a_post_finds_the_request(client, world, api_key):
    created = post(client, {"api_key": api_key, "service_code": "clutter", "address_id": str(world.building.pk)}).json()[0]
    token = Case.objects.get().token
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [
        {"service_request_id": created["service_request_id"], "token": token}
    ]
    root = xml(client.get(f"{BASE}/tokens/{token}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == created["service_request_id"]
    assert root.findtext("request/token") == token
    assert error_of(client.get(f"{BASE}/tokens/nonexistent.json"))["code"] == 404


def test_jurisdiction_id_is_accepted_when_it_is_ours_and_refused_otherwise(client, world, settings, api_key):
    settings.OPEN311_JURISDICTION = "guicheng.example"
    report(world)
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "guicheng.example"}).status_code == 200
    assert len(client.get(f"{BASE}/requests.json", {"jurisdiction_id": "guicheng.example"}).json()) == 1
    response = client.get(f"{BASE}/requests.json", {"jurisdiction_id": "sfgov.org"})
    assert response.status_code == 404
    assert "sfgov.org" in error_of(response)["description"]
    data = {"api_key": api_key, "jurisdiction_id": "sfgov.org", "service_code": "clutter", "address_id": str(world.building.pk)}
    assert post(client, data).status_code == 404
    assert Case.objects.count() == 1


# --- create_api_key --------------------------------------------------------------------------


def test_create_api_key_prints_a_key_that_works(client, world):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", "12345 热线", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert raw and "12345 热线" in err.getvalue()
    response = post(client, {"api_key": raw, "service_code": "clutter", "address_id": str(world.building.pk)})
    assert response.status_code == 200
    assert Case.objects.count() == 1
