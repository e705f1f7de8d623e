"""Escalation (三长制): a case nobody answers climbs one step a sweep — building leader → lane or street
leader (where one holds the role over the building) → community staff → sub-district — each step on
the timeline and told to the people at the new level; a case that was answered waits for its
resolution deadline, counted in working days on the Chinese calendar."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from cases import actions
from cases.models import Case, CaseEvent, Category, Level, Status
from core.models import Notification, OutboxMessage
from people.models import Role
from places.models import Place
from tests.conftest import grant, make_person

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)  # a Tuesday, far from any holiday
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clutter(db) -> Category:
    return Category.objects.get(code="clutter")  # a complaint: first response 24 h, resolution 15 working days


def report(world, category, place=None, reporter=None) -> Case:
    return actions.submit_case(
        reporter=reporter or world.resident, category=category, place=place or world.building, description="楼道堆满纸箱"
    )


def sweep(at: datetime) -> int:
    return actions.escalate_due_cases(now=at)


def escalations(case: Case) -> list[int]:
    return list(case.events.filter(kind=CaseEvent.Kind.ESCALATED).values_list("level", flat=True))


def sms_to(person) -> int:
    return OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS, address=person.mobile).count()


@pytest.fixture
def street(world):
    """街 under the compound with 3栋 under it: a street leader over it, and its own building leader."""
    street = Place.objects.create(kind=Place.Kind.STREET, name="临湖街", parent=world.compound)
    building = Place.objects.create(kind=Place.Kind.BUILDING, name="3栋", parent=street)
    street.leader = make_person("何街长", "13900000011")
    grant(street.leader, Role.STREET_LEADER, street)
    street.building_leader = make_person("梁楼长", "13900000012")
    grant(street.building_leader, Role.BUILDING_LEADER, building)
    street.building = building
    return street


def test_a_new_case_starts_with_the_building_leader_and_is_due_for_a_look_when_the_first_response_is(world, clock, clutter):
    case = report(world, clutter)

    assert case.level == Level.BUILDING
    assert case.respond_by == START + 24 * HOUR
    assert case.escalate_at == case.respond_by
    assert Notification.objects.filter(recipient=world.building_leader).count() == 1


def test_no_response_within_24_hours_goes_up_one_step_at_a_time_to_the_sub_district(world, clock, clutter):
    case = report(world, clutter)

    assert sweep(START + 23 * HOUR) == 0
    assert sweep(START + 24 * HOUR) == 1
    case.refresh_from_db()
    # no lane or street leader over 1栋: straight to community staff
    assert case.level == Level.COMMUNITY
    assert escalations(case) == [Level.COMMUNITY]
    assert Notification.objects.filter(recipient=world.community_staff, subject__contains=f"#{case.pk}").count() == 1
    assert sms_to(world.community_staff) == 1
    assert case.escalate_at == START + 48 * HOUR  # another 24 h for the community to respond

    assert sweep(START + 48 * HOUR) == 1
    case.refresh_from_db()
    assert case.level == Level.SUBDISTRICT
    assert escalations(case) == [Level.COMMUNITY, Level.SUBDISTRICT]
    assert Notification.objects.filter(recipient=world.admin, subject__contains=f"#{case.pk}").count() == 1
    assert sms_to(world.admin) == 1
    assert case.escalate_at is None


def test_a_street_leader_over_the_building_is_the_next_step(world, clock, clutter, street):
    case = report(world, clutter, place=street.building)
    assert case.level == Level.BUILDING

    assert sweep(START + 24 * HOUR) == 1
    case.refresh_from_db()
    assert case.level == Level.LANE_STREET
    assert sms_to(street.leader) == 1
    assert Notification.objects.filter(recipient=street.leader).count() == 1
    assert sms_to(world.community_staff) == 0

    assert sweep(START + 48 * HOUR) == 1
    case.refresh_from_db()
    assert case.level == Level.COMMUNITY
    assert escalations(case) == [Level.LANE_STREET, Level.COMMUNITY]
    assert sms_to(world.community_staff) == 1


def test_a_lane_leader_over_the_building_counts_as_the_next_step_too(world, clock, clutter):
    lane = Place.objects.create(kind=Place.Kind.LANE, name="一巷", parent=world.compound)
    building = Place.objects.create(kind=Place.Kind.BUILDING, name="5栋", parent=lane)
    lane_leader = make_person("冯巷长", "13900000013")
    grant(lane_leader, Role.LANE_LEADER, lane)
    case = report(world, clutter, place=building)
    assert case.level == Level.LANE_STREET  # no building leader for 5栋: the lane leader is asked first

    sweep(START + 24 * HOUR)
    case.refresh_from_db()
    assert case.level == Level.COMMUNITY


def test_each_step_is_recorded_on_the_timeline_with_its_reason(world, clock, clutter):
    case = report(world, clutter)
    sweep(START + 24 * HOUR)

    event = case.events.get(kind=CaseEvent.Kind.ESCALATED)
    assert event.level == Level.COMMUNITY
    assert event.at == START + 24 * HOUR
    assert event.actor is None
    assert event.note == "No first response by the deadline. → community staff"


def test_running_the_sweep_twice_escalates_nothing_twice(world, clock, clutter):
    case = report(world, clutter)
    due = START + 25 * HOUR

    assert sweep(due) == 1
    assert sweep(due) == 0
    assert sweep(due + HOUR) == 0

    case.refresh_from_db()
    assert escalations(case) == [Level.COMMUNITY]
    assert sms_to(world.community_staff) == 1
    assert Notification.objects.filter(recipient=world.community_staff).count() == 1


def test_escalation_bumps_the_version_so_a_stale_form_cannot_overwrite_it(world, clock, clutter):
    case = report(world, clutter)
    stale_version = case.version
    sweep(START + 24 * HOUR)

    with pytest.raises(actions.Conflict):
        actions.transition_case(actor=world.property_staff, case=case, action="accept", version=stale_version)
    case.refresh_from_db()
    assert case.version == stale_version + 1
    assert case.status == Status.SUBMITTED


def test_a_responded_case_does_not_escalate_until_its_resolution_deadline(world, clock, clutter):
    case = report(world, clutter)
    clock.shift(2 * HOUR)
    actions.comment_on_case(actor=world.building_leader, case=case, note="已联系物业处理")
    case.refresh_from_db()
    assert case.responded_at == START + 2 * HOUR
    assert case.escalate_at == case.resolve_by

    assert sweep(START + 25 * HOUR) == 0
    assert sweep(case.resolve_by - timedelta(seconds=1)) == 0
    assert sweep(case.resolve_by) == 1

    case.refresh_from_db()
    assert case.level == Level.COMMUNITY
    assert escalations(case) == [Level.COMMUNITY]
    assert case.events.get(kind=CaseEvent.Kind.ESCALATED).note == "Not resolved by the deadline. → community staff"


def test_an_accepted_case_past_its_resolution_deadline_climbs_every_two_working_days(world, clock, clutter):
    case = report(world, clutter)
    actions.transition_case(actor=world.property_staff, case=case, action="accept")
    case.refresh_from_db()
    resolve_by = case.resolve_by
    assert resolve_by == datetime(2026, 3, 31, 23, 59, 59, tzinfo=SHANGHAI)  # 15 working days after 10 March

    assert sweep(resolve_by) == 1
    case.refresh_from_db()
    # the next look: two working days on (Wednesday 1 April → Thursday 2 April close)
    assert case.escalate_at == datetime(2026, 4, 2, 23, 59, 59, tzinfo=SHANGHAI)
    assert sweep(case.escalate_at) == 1
    case.refresh_from_db()
    assert case.level == Level.SUBDISTRICT
    assert case.escalate_at is None


def test_a_complaint_filed_on_the_eve_of_national_day_is_due_fifteen_working_days_later(world, clutter):
    with time_machine.travel(datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI), tick=False):
        case = report(world, clutter)
        actions.transition_case(actor=world.property_staff, case=case, action="accept")

    case.refresh_from_db()
    # 1–7 October are the holiday, 10 October (a Saturday) is worked: 8, 9, 10, 12–16, 19–23, 26, 27
    assert case.resolve_by == datetime(2026, 10, 27, 23, 59, 59, tzinfo=SHANGHAI)
    assert case.escalate_at == case.resolve_by
    assert sweep(datetime(2026, 10, 27, 23, 0, tzinfo=SHANGHAI)) == 0
    assert sweep(datetime(2026, 10, 28, 0, 0, tzinfo=SHANGHAI)) == 1


@pytest.mark.parametrize(
    ("code", "working_days", "due"),
    [
        ("inquiry", 2, datetime(2026, 3, 12, 23, 59, 59, tzinfo=SHANGHAI)),
        ("facilities", 10, datetime(2026, 3, 24, 23, 59, 59, tzinfo=SHANGHAI)),
        ("thrown-from-height", 15, datetime(2026, 3, 31, 23, 59, 59, tzinfo=SHANGHAI)),
    ],
)
def test_the_resolution_deadline_follows_the_guangdong_12345_rules(world, clock, code, working_days, due):
    category = Category.objects.get(code=code)
    assert category.resolution_working_days == working_days

    assert report(world, category).resolve_by == due


def test_the_sub_district_is_the_last_step(world, clock, clutter):
    case = report(world, clutter)
    sweep(START + 24 * HOUR)
    sweep(START + 48 * HOUR)

    for days in (3, 30, 365):
        assert sweep(START + timedelta(days=days)) == 0
    case.refresh_from_db()
    assert case.level == Level.SUBDISTRICT
    assert len(escalations(case)) == 2


def test_resolved_and_closed_cases_are_not_touched(world, clock, clutter):
    resolved = report(world, clutter)
    actions.transition_case(actor=world.property_staff, case=resolved, action="accept")
    actions.transition_case(actor=world.property_staff, case=resolved, action="resolve", note="已清理")
    rejected = report(world, clutter)
    actions.transition_case(actor=world.community_staff, case=rejected, action="reject", note="不属于公共区域")
    before = {c.pk: (c.level, c.version) for c in Case.objects.all()}

    assert sweep(START + timedelta(days=60)) == 0

    assert {c.pk: (c.level, c.version) for c in Case.objects.all()} == before
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.ESCALATED).exists()
    assert Case.objects.filter(escalate_at__isnull=False).count() == 0


def test_a_reopened_case_escalates_again_from_its_new_deadline(world, clock, clutter):
    case = report(world, clutter)
    actions.transition_case(actor=world.property_staff, case=case, action="accept")
    actions.transition_case(actor=world.property_staff, case=case, action="resolve", note="已清理")
    clock.shift(timedelta(days=2))
    actions.transition_case(actor=world.resident, case=case, action="reopen", note="又堆上了")
    case.refresh_from_db()
    assert case.escalate_at == case.resolve_by > START + timedelta(days=2)

    assert sweep(case.resolve_by) == 1


def test_only_due_cases_are_touched(world, clock, clutter):
    due = report(world, clutter)
    clock.shift(10 * HOUR)
    later = report(world, clutter)
    answered = report(world, clutter)
    actions.comment_on_case(actor=world.property_staff, case=answered, note="收到")

    assert sweep(START + 24 * HOUR) == 1

    assert escalations(due) == [Level.COMMUNITY]
    assert escalations(later) == [] and escalations(answered) == []
    assert Case.objects.get(pk=later.pk).level == Level.BUILDING


def _escalate_one_due_among(world, clutter, not_due: int, assert_queries) -> int:
    Case.objects.all().delete()
    with time_machine.travel(START, tick=False):
        report(world, clutter)
    with time_machine.travel(START + 20 * HOUR, tick=False):
        for _ in range(not_due):
            report(world, clutter)
    with time_machine.travel(START + 24 * HOUR, tick=False), assert_queries:
        return sweep(START + 24 * HOUR)


def test_the_number_of_queries_does_not_grow_with_the_cases_not_yet_due(
    world, clutter, django_assert_max_num_queries, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    baseline = CaptureQueriesContext(connection)
    assert _escalate_one_due_among(world, clutter, 1, baseline) == 1
    allowed = len(baseline.captured_queries)
    assert allowed <= 12

    assert _escalate_one_due_among(world, clutter, 40, django_assert_max_num_queries(allowed)) == 1


def test_the_number_of_queries_does_not_grow_with_the_cases_due_either(world, clutter, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with time_machine.travel(START, tick=False):
        report(world, clutter)
    baseline = CaptureQueriesContext(connection)
    with baseline:
        assert sweep(START + 24 * HOUR) == 1

    with time_machine.travel(START + 30 * HOUR, tick=False):
        for _ in range(25):
            report(world, clutter, place=world.building2 if _ % 2 else world.building)
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        assert sweep(START + 54 * HOUR) == 25 + 1  # the first climbs once more, to the sub-district


def test_where_no_leader_holds_a_role_the_case_starts_with_community_staff(world, clock, clutter):
    # 桂南小区 9栋 has no building, lane or street leader; 桂一社区 has community staff (other_staff)
    case = report(world, clutter, place=world.other_building, reporter=world.outsider)
    assert case.level == Level.COMMUNITY
    assert Notification.objects.filter(recipient=world.other_staff).exists()
    assert not Notification.objects.filter(recipient=world.community_staff).exists()

    sweep(START + 24 * HOUR)
    case.refresh_from_db()
    assert case.level == Level.SUBDISTRICT
    assert sms_to(world.admin) == 1


def test_a_first_reply_from_a_page_loaded_before_the_last_step_does_not_restart_the_escalation(world, clock, clutter):
    case = report(world, clutter)
    sweep(START + 24 * HOUR)  # → community staff
    page = Case.objects.get(pk=case.pk)  # community staff open the case, not yet answered
    sweep(START + 48 * HOUR)  # meanwhile → sub-district: nothing further to escalate

    actions.comment_on_case(actor=world.community_staff, case=page, note="正在协调", now=START + 48 * HOUR + HOUR)

    case.refresh_from_db()
    assert case.responded_at == START + 49 * HOUR
    assert (case.level, case.escalate_at) == (Level.SUBDISTRICT, None)
    assert sweep(START + timedelta(days=40)) == 0
    assert escalations(case) == [Level.COMMUNITY, Level.SUBDISTRICT]


def test_a_zero_hour_response_time_is_refused_so_one_sweep_never_climbs_twice(world, clutter):
    """With 0 hours the renewed deadline would already be due and one sweep would climb again."""
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    clutter.response_hours = 0
    with pytest.raises(ValidationError):
        clutter.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        clutter.save()
