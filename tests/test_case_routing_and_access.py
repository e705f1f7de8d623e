"""Who a problem goes to, who may see it and who may do what with it.

Routing: property matters go to the company serving the compound (its self-governing group where it
has none, else the residents' committee); noise to the residents' committee; pets to the mutual-aid
association. Emergencies reach community staff by SMS at once. Duplicates are merged, their reporters
becoming supporters of the case they duplicate; "me too" counts each neighbour once. Access: the
permission matrix of role × state × verb, neighbours see public cases but never who reported them,
the reporter may reopen within 7 days, and two people acting on one case at once cannot both win.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from cases import access, actions
from cases.models import Case, CaseEvent, Category, Status, Supporter
from core.models import Notification, OutboxMessage
from core.sms import MemoryBackend
from people.models import Membership, Organisation, Role
from tests.conftest import grant, make_person

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def report(world, code="clutter", place=None, reporter=None, **extra) -> Case:
    return actions.submit_case(
        reporter=reporter or world.resident,
        category=category(code),
        place=place or world.building,
        description="问题描述",
        **extra,
    )


def act(actor, case, action, note="", **extra) -> Case:
    return actions.transition_case(actor=actor, case=Case.objects.get(pk=case.pk), action=action, note=note, **extra)


def org(kind, name, place) -> Organisation:
    return Organisation.objects.create(kind=kind, name=name, place=place)


@pytest.fixture
def committees(world):
    """The residents' committees of both communities and 灯湖社区's mutual-aid association."""
    return {
        "rc": org(Organisation.Kind.RESIDENTS_COMMITTEE, "灯湖社区居委会", world.community),
        "other_rc": org(Organisation.Kind.RESIDENTS_COMMITTEE, "桂一社区居委会", world.other_community),
        "mutual_aid": org(Organisation.Kind.MUTUAL_AID, "灯湖邻里互助会", world.community),
    }


@pytest.fixture
def other_company_staff(world):
    """Staff of another company that also works in the compound (e.g. the lift maintainer)."""
    other = Organisation.objects.create(kind=Organisation.Kind.PROPERTY_COMPANY, name="广佛电梯维保", place=world.subdistrict)
    other.served_places.add(world.compound)
    person = make_person("吴维保", "13900000021")
    grant(person, Role.PROPERTY_STAFF, world.compound, organisation=other)
    return person


# --- routing ---------------------------------------------------------------------------------


def test_clutter_goes_to_the_property_company_serving_the_compound(world, committees):
    case = report(world, "clutter")

    assert case.handler == world.company
    assert case.address == "桂城街道 灯湖社区 中铁建水岸公馆 1栋"
    assert case.area_path == world.compound.path
    assert case.is_public


def test_a_problem_in_the_public_area_of_the_compound_goes_to_the_company_too(world, committees):
    case = report(world, "clutter", place=world.compound, location="public")

    assert case.handler == world.company
    assert case.address == "桂城街道 灯湖社区 中铁建水岸公馆"


def test_clutter_in_a_compound_without_a_company_goes_to_its_self_governing_group(world, committees):
    group = org(Organisation.Kind.SELF_GOVERNING, "桂南小区自治小组", world.other_compound)

    case = report(world, "clutter", place=world.other_building, reporter=world.outsider)

    assert case.handler == group


def test_clutter_in_a_compound_without_a_company_or_group_goes_to_the_residents_committee(world, committees):
    case = report(world, "clutter", place=world.other_building, reporter=world.outsider)

    assert case.handler == committees["other_rc"]


def test_noise_goes_to_the_residents_committee_of_the_community_and_is_private(world, committees):
    case = report(world, "noise")

    assert case.handler == committees["rc"]
    assert not case.is_public


def test_pets_go_to_the_mutual_aid_association(world, committees):
    assert report(world, "pets").handler == committees["mutual_aid"]


def test_pets_go_to_the_residents_committee_where_there_is_no_mutual_aid_association(world, committees):
    assert report(world, "pets", place=world.other_building, reporter=world.outsider).handler == committees["other_rc"]


def test_the_company_is_told_and_the_building_leader_is_asked_first(world, committees):
    case = report(world, "clutter")

    assert Notification.objects.filter(recipient=world.property_staff, link=f"/cases/{case.pk}/").count() == 1
    assert Notification.objects.filter(recipient=world.building_leader, link=f"/cases/{case.pk}/").count() == 1
    assert not Notification.objects.filter(recipient=world.community_staff).exists()


def test_an_emergency_reaches_community_staff_by_sms_at_once(world, committees, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = report(world, "emergency")

    assert case.is_emergency
    sms = [text for mobile, text in MemoryBackend.outbox if mobile == world.community_staff.mobile]
    assert len(sms) == 1
    assert sms[0].startswith("EMERGENCY:")
    assert OutboxMessage.objects.get(address=world.community_staff.mobile).status == OutboxMessage.Status.SENT
    assert Notification.objects.filter(recipient=world.community_staff, subject__startswith="EMERGENCY").count() == 1
    assert case.respond_by == case.created_at + timedelta(hours=1)


def test_an_ordinary_case_sends_community_staff_no_sms(world, committees, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report(world, "clutter")

    assert all(mobile != world.community_staff.mobile for mobile, _ in MemoryBackend.outbox)


def test_a_resident_cannot_report_in_a_compound_where_they_do_not_live(world, committees):
    with pytest.raises(PermissionDenied):
        report(world, "clutter", place=world.other_building, reporter=world.resident)
    assert not Case.objects.exists()


# --- duplicates and "me too" -----------------------------------------------------------------


def test_merging_a_duplicate_makes_its_reporter_and_supporters_supporters_of_the_target(world, committees):
    target = report(world, reporter=world.resident)
    duplicate = report(world, reporter=world.neighbour)
    actions.support_case(person=world.b2_resident, case=target)
    actions.support_case(person=world.b2_resident, case=duplicate)  # already supports the target
    actions.support_case(person=world.resident, case=duplicate)  # the target's own reporter

    act(world.community_staff, duplicate, "merge", merge_into=Case.objects.get(pk=target.pk))

    duplicate.refresh_from_db()
    target.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (Status.MERGED, target)
    assert duplicate.closed_at is not None
    assert set(Supporter.objects.filter(case=target).values_list("person", flat=True)) == {
        world.b2_resident.pk,
        world.neighbour.pk,
    }
    assert target.supporter_count == 2
    assert target.events.filter(kind=CaseEvent.Kind.MERGED_IN).count() == 1
    assert target.status == Status.SUBMITTED


def test_a_case_can_be_merged_only_into_another_open_case_in_the_same_compound(world, committees):
    duplicate = report(world)
    elsewhere = report(world, place=world.other_building, reporter=world.outsider)
    closed = report(world)
    act(world.community_staff, closed, "reject", note="重复")

    for target in (None, duplicate, elsewhere, closed):
        with pytest.raises(ValidationError) as excinfo:
            act(world.community_staff, duplicate, "merge", merge_into=target and Case.objects.get(pk=target.pk))
        assert "merge_into" in excinfo.value.error_dict

    assert Case.objects.get(pk=duplicate.pk).status == Status.SUBMITTED


def test_me_too_counts_each_neighbour_once(world, committees):
    case = report(world)

    assert actions.support_case(person=world.neighbour, case=case) is True
    assert actions.support_case(person=world.neighbour, case=Case.objects.get(pk=case.pk)) is False
    assert actions.support_case(person=world.b2_resident, case=Case.objects.get(pk=case.pk)) is True

    case.refresh_from_db()
    assert case.supporter_count == 2
    assert case.supporters.count() == 2
    assert case.events.filter(kind=CaseEvent.Kind.SUPPORTED).count() == 2


@pytest.mark.parametrize("who", ["resident", "outsider", "property_staff", "other_staff"])
def test_me_too_is_for_neighbours_other_than_the_reporter(world, committees, who):
    case = report(world)

    with pytest.raises(PermissionDenied):
        actions.support_case(person=getattr(world, who), case=case)
    assert Case.objects.get(pk=case.pk).supporter_count == 0


def test_me_too_is_not_offered_on_private_or_closed_cases(world, committees):
    private = report(world, "noise")
    closed = report(world)
    act(world.community_staff, closed, "reject", note="不属实")

    for case in (private, closed):
        with pytest.raises(PermissionDenied):
            actions.support_case(person=world.neighbour, case=Case.objects.get(pk=case.pk))
    assert not Supporter.objects.exists()


# --- who sees what -----------------------------------------------------------------------------

PERSONAS = [
    "resident",
    "neighbour",
    "b2_resident",
    "building_leader",
    "property_staff",
    "other_company_staff",
    "community_staff",
    "admin",
    "volunteer",
    "outsider",
    "other_staff",
]


def persona(world, name, other_company_staff):
    return other_company_staff if name == "other_company_staff" else getattr(world, name)


SEES_PUBLIC = {"resident", "neighbour", "b2_resident", "building_leader", "property_staff", "community_staff", "admin"}
SEES_PRIVATE = {"resident", "building_leader", "community_staff", "admin"}


@pytest.mark.parametrize("name", PERSONAS)
def test_who_sees_a_public_and_a_private_case(world, committees, other_company_staff, name):
    public, private = report(world, "clutter"), report(world, "noise")
    user = persona(world, name, other_company_staff)

    for case, seers in ((public, SEES_PUBLIC), (private, SEES_PRIVATE)):
        if name in seers:
            assert access.get_case_for(user, case.pk) == case
        else:
            with pytest.raises(Http404):
                access.get_case_for(user, case.pk)


def test_a_neighbour_never_learns_who_reported(world, committees):
    case = report(world)

    assert not access.can_see_reporter(world.neighbour, case)
    assert not access.can_see_reporter(world.b2_resident, case)
    assert access.can_see_reporter(world.resident, case)
    assert access.can_see_reporter(world.property_staff, case)


def test_the_neighbours_list_holds_public_cases_of_their_compound_only(world, committees):
    public, private = report(world, "clutter"), report(world, "noise")
    elsewhere = report(world, place=world.other_building, reporter=world.outsider)
    rejected = report(world)
    act(world.community_staff, rejected, "reject", note="不属实")

    assert list(access.public_cases_for(world.neighbour)) == [public]
    assert private not in access.public_cases_for(world.resident)
    assert list(access.public_cases_for(world.outsider)) == [elsewhere]
    with pytest.raises(Http404):
        access.get_case_for(world.neighbour, rejected.pk)


def test_property_staff_of_another_company_see_nothing(world, committees, other_company_staff):
    case = report(world)

    assert not access.cases_for(other_company_staff).exists()
    with pytest.raises(Http404):
        access.get_case_for(other_company_staff, case.pk)
    assert access.allowed_actions(other_company_staff, case) == set()
    with pytest.raises(PermissionDenied):
        act(other_company_staff, case, "accept")


def test_the_staff_inbox_holds_the_cases_each_one_works_on(world, committees, other_company_staff):
    public, private = report(world, "clutter"), report(world, "noise")
    elsewhere = report(world, place=world.other_building, reporter=world.outsider)

    assert set(access.cases_for(world.property_staff)) == {public}
    assert set(access.cases_for(world.building_leader)) == {public, private}
    assert set(access.cases_for(world.community_staff)) == {public, private}
    assert set(access.cases_for(world.other_staff)) == {elsewhere}
    assert set(access.cases_for(world.admin)) == {public, private, elsewhere}
    for nobody in (world.resident, world.neighbour, world.volunteer, world.outsider, other_company_staff):
        assert not access.cases_for(nobody).exists()


# --- the permission matrix -------------------------------------------------------------------


def case_in(world, status: str) -> Case:
    """A public clutter case in 1栋, reported by the resident, handled by 中铁建物业, brought to ``status``."""
    case = report(world)
    steps = {
        Status.SUBMITTED: [],
        Status.ACCEPTED: [("property_staff", "accept", "")],
        Status.IN_PROGRESS: [("property_staff", "accept", ""), ("property_staff", "start", "")],
        Status.RESOLVED: [("property_staff", "accept", ""), ("property_staff", "resolve", "已清理")],
        Status.CONFIRMED: [
            ("property_staff", "accept", ""),
            ("property_staff", "resolve", "已清理"),
            ("resident", "confirm", ""),
        ],
        Status.REOPENED: [
            ("property_staff", "accept", ""),
            ("property_staff", "resolve", "已清理"),
            ("resident", "reopen", "又堆上了"),
        ],
        Status.REJECTED: [("community_staff", "reject", "不属于公共区域")],
        Status.MERGED: [],
    }[status]
    for who, verb, note in steps:
        act(getattr(world, who), case, verb, note)
    if status == Status.MERGED:
        act(world.community_staff, case, "merge", merge_into=report(world))
    case = Case.objects.get(pk=case.pk)
    assert case.status == status
    return case


# status → persona → verbs (everyone not named: none)
MATRIX = {
    Status.SUBMITTED: {
        "property_staff": {"accept", "reject"},
        "building_leader": {"accept"},
        "community_staff": {"accept", "reject", "merge"},
        "admin": {"accept", "reject", "merge"},
    },
    Status.ACCEPTED: {
        "property_staff": {"start", "resolve", "reject"},
        "building_leader": {"start", "resolve"},
        "community_staff": {"start", "resolve", "reject", "merge"},
        "admin": {"start", "resolve", "reject", "merge"},
    },
    Status.IN_PROGRESS: {
        "property_staff": {"resolve"},
        "building_leader": {"resolve"},
        "community_staff": {"resolve", "merge"},
        "admin": {"resolve", "merge"},
    },
    Status.REOPENED: {
        "property_staff": {"start", "resolve"},
        "building_leader": {"start", "resolve"},
        "community_staff": {"start", "resolve", "merge"},
        "admin": {"start", "resolve", "merge"},
    },
    Status.RESOLVED: {"resident": {"confirm", "reopen"}},
    Status.CONFIRMED: {},
    Status.REJECTED: {},
    Status.MERGED: {},
}


@pytest.mark.parametrize("status", list(MATRIX))
def test_the_permission_matrix_of_role_by_state(world, committees, other_company_staff, status):
    case = case_in(world, status)

    actual = {name: access.allowed_actions(persona(world, name, other_company_staff), case) for name in PERSONAS}

    assert actual == {name: MATRIX[status].get(name, set()) for name in PERSONAS}


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.ACCEPTED, Status.RESOLVED])
def test_every_verb_outside_the_matrix_is_refused_and_changes_nothing(world, committees, other_company_staff, status):
    case = case_in(world, status)
    before = (case.status, case.version, case.events.count())

    for name in PERSONAS:
        user = persona(world, name, other_company_staff)
        for verb in set(access.ACTION_STATUS) - MATRIX[status].get(name, set()):
            with pytest.raises((PermissionDenied, ValidationError)):
                act(user, case, verb, note="理由", merge_into=report(world) if verb == "merge" else None)

    case.refresh_from_db()
    assert (case.status, case.version, case.events.count()) == before


def test_a_private_case_handled_by_the_residents_committee_is_nothing_to_the_company(world, committees):
    case = report(world, "noise")

    assert access.allowed_actions(world.property_staff, case) == set()
    assert access.allowed_actions(world.building_leader, case) == {"accept"}
    assert access.allowed_actions(world.neighbour, case) == set()


# --- reasons, reopening, comments, ratings -----------------------------------------------------


@pytest.mark.parametrize("note", ["", "   "])
def test_rejecting_needs_a_reason(world, committees, note):
    case = report(world)

    with pytest.raises(ValidationError) as excinfo:
        act(world.community_staff, case, "reject", note=note)

    assert excinfo.value.message_dict == {"note": ["Please give a reason."]}
    case.refresh_from_db()
    assert (case.status, case.version, case.events.count()) == (Status.SUBMITTED, 1, 1)


def test_resolving_needs_a_note_of_what_was_done(world, committees):
    case = case_in(world, Status.ACCEPTED)

    with pytest.raises(ValidationError) as excinfo:
        act(world.property_staff, case, "resolve")

    assert "note" in excinfo.value.message_dict
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_the_reporter_can_reopen_within_7_days_of_resolution(world, committees):
    with time_machine.travel(START, tick=False) as clock:
        case = case_in(world, Status.RESOLVED)
        clock.shift(timedelta(days=7) - timedelta(minutes=1))

        act(world.resident, case, "reopen", note="又堆上了")

    case.refresh_from_db()
    assert case.status == Status.REOPENED
    assert case.needs_meeting
    assert case.resolve_by > START + timedelta(days=7)
    assert Notification.objects.filter(recipient=world.property_staff, subject__contains="reopened").count() == 1


def test_the_reporter_cannot_reopen_after_7_days(world, committees):
    with time_machine.travel(START, tick=False) as clock:
        case = case_in(world, Status.RESOLVED)
        clock.shift(timedelta(days=7))

        assert "reopen" not in access.allowed_actions(world.resident, case)
        with pytest.raises(ValidationError) as excinfo:
            act(world.resident, case, "reopen", note="又堆上了")

    assert excinfo.value.messages == ["A case can be reopened only within 7 days of being resolved."]
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED


def test_reopening_needs_a_reason(world, committees):
    case = case_in(world, Status.RESOLVED)

    with pytest.raises(ValidationError):
        act(world.resident, case, "reopen")
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED


def test_only_the_reporter_and_those_working_on_it_may_comment(world, committees):
    case = report(world)

    actions.comment_on_case(actor=world.resident, case=case, note="还没处理", public=False)
    actions.comment_on_case(actor=world.property_staff, case=case, note="内部备注", public=False)
    for outsider in (world.neighbour, world.outsider, world.volunteer):
        with pytest.raises(PermissionDenied):
            actions.comment_on_case(actor=outsider, case=case, note="路过")

    comments = case.events.filter(kind=CaseEvent.Kind.COMMENT)
    assert list(comments.values_list("actor", "is_public")) == [(world.resident.pk, True), (world.property_staff.pk, False)]


def test_rating_a_resolved_case_confirms_it_and_an_unsatisfied_rating_goes_to_the_joint_meeting(world, committees):
    case = case_in(world, Status.RESOLVED)

    actions.rate_case(person=world.resident, case=case, rating="unsatisfied", note="只清理了一半")

    case.refresh_from_db()
    assert (case.status, case.rating, case.needs_meeting) == (Status.CONFIRMED, "unsatisfied", True)
    assert case.escalate_at is None
    assert list(case.events.values_list("kind", flat=True))[-2:] == [CaseEvent.Kind.TRANSITION, CaseEvent.Kind.RATED]
    with pytest.raises(ValidationError):
        actions.rate_case(person=world.resident, case=case, rating="satisfied")
    with pytest.raises(PermissionDenied):
        actions.rate_case(person=world.neighbour, case=case, rating="satisfied")


# --- two people at once (compare-and-set) --------------------------------------------------------


def test_two_people_acting_on_the_same_version_the_second_gets_a_conflict_and_nothing_is_lost(world, committees):
    case = report(world)
    seen_by_staff = Case.objects.get(pk=case.pk)
    seen_by_company = Case.objects.get(pk=case.pk)
    version = seen_by_staff.version

    actions.transition_case(actor=world.property_staff, case=seen_by_company, action="accept", version=version)
    with pytest.raises(actions.Conflict):
        actions.transition_case(actor=world.community_staff, case=seen_by_staff, action="reject", note="重复", version=version)

    case.refresh_from_db()
    assert (case.status, case.version) == (Status.ACCEPTED, version + 1)
    transitions = case.events.filter(kind=CaseEvent.Kind.TRANSITION)
    assert list(transitions.values_list("actor", "to_status")) == [(world.property_staff.pk, Status.ACCEPTED)]

    # looking again, the second person can still act on what they now see
    actions.transition_case(actor=world.community_staff, case=case, action="reject", note="重复", version=case.version)
    case.refresh_from_db()
    assert case.status == Status.REJECTED


def test_a_stale_copy_of_the_case_cannot_overwrite_a_newer_change(world, committees):
    case = case_in(world, Status.ACCEPTED)
    stale = Case.objects.get(pk=case.pk)
    act(world.property_staff, case, "resolve", note="已清理")

    with pytest.raises(actions.Conflict):
        actions.transition_case(actor=world.community_staff, case=stale, action="reject", note="迟到的驳回")

    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert case.events.filter(to_status=Status.REJECTED).count() == 0


# --- handing cases over ------------------------------------------------------------------------


@pytest.fixture
def rc_chair(world, committees):
    chair = make_person("居委会主任", "13900000031")
    Membership.objects.create(organisation=committees["rc"], person=chair, position=Membership.Position.CHAIR)
    return chair


def test_community_staff_hand_a_case_to_another_organisation_and_its_people_are_told(world, committees, rc_chair):
    case = report(world, "noise")
    assert case.handler == committees["rc"]

    assert actions.assign_cases(actor=world.community_staff, cases=[case], handler=world.company, note="楼上装修噪音") == 1

    case.refresh_from_db()
    assert case.handler == world.company
    assert case.version == 2
    assert case.events.filter(kind=CaseEvent.Kind.ASSIGNED).count() == 1
    assert Notification.objects.filter(recipient=world.property_staff, subject__contains="assigned").count() == 1
    assert access.get_case_for(world.property_staff, case.pk) == case


def test_the_new_handler_is_told_even_when_the_first_case_picked_was_skipped(world, committees, rc_chair):
    closed = report(world, "noise")
    act(world.community_staff, closed, "reject", note="不属实")
    still_open = report(world, "noise")
    picked = [Case.objects.get(pk=closed.pk), Case.objects.get(pk=still_open.pk)]

    assert actions.assign_cases(actor=world.community_staff, cases=picked, handler=world.company) == 1

    assert Case.objects.get(pk=closed.pk).handler == committees["rc"]  # closed cases stay where they were
    told = Notification.objects.filter(subject__contains="assigned")
    assert list(told.values_list("recipient", flat=True)) == [world.property_staff.pk]


@pytest.mark.parametrize("who", ["property_staff", "building_leader", "resident", "other_staff"])
def test_only_managers_over_the_case_hand_it_over(world, committees, who):
    case = report(world, "noise")

    with pytest.raises(PermissionDenied):
        actions.assign_cases(actor=getattr(world, who), cases=[case], handler=world.company)
    assert Case.objects.get(pk=case.pk).handler == committees["rc"]
