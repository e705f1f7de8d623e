"""Action items (``meetings.actions``): work a decision gives to an owner, followed to completion with
evidence; finishing work on a problem report resolves the report and tells the reporter; the periodic
sweep reminds owners before the due date and reports overdue items, each once."""

import io
import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.utils import timezone, translation
from PIL import ExifTags, Image

from cases import actions as case_actions
from cases.models import Case, Category
from cases.models import Status as CaseStatus
from core import audit
from core.models import Notification
from deliberation import actions as topic_actions
from deliberation.actions import Invitee as TopicInvitee
from deliberation.models import Format, Stakeholder
from meetings import access, actions
from meetings.actions import Invitee
from meetings.models import ActionItem, EvidencePhoto, Kind
from people.models import Membership, Organisation, Person
from tests.conftest import make_person
from tests.locks import run_together

OPEN, IN_PROGRESS, DONE, CANCELLED = (
    ActionItem.Status.OPEN,
    ActionItem.Status.IN_PROGRESS,
    ActionItem.Status.DONE,
    ActionItem.Status.CANCELLED,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def message_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def today(now):
    return timezone.localdate(now)


@pytest.fixture
def aw(world):
    """The world with the company's chair (周物业) and an ordinary member, a second organisation with
    its chair, and a meeting that decided on a topic from a problem report (item 1, carried), voted
    down a motion (item 2) and left a third item without a decision."""
    w = world
    Membership.objects.create(person=w.property_staff, organisation=w.company, position=Membership.Position.CHAIR)
    w.member = make_person("冯物业员", "13900000012")
    Membership.objects.create(person=w.member, organisation=w.company, position=Membership.Position.MEMBER)
    w.association = Organisation.objects.create(kind=Organisation.Kind.MUTUAL_AID, name="街坊互助会", place=w.community)
    w.other_chair = make_person("杨会长", "13900000014")
    Membership.objects.create(person=w.other_chair, organisation=w.association, position=Membership.Position.CHAIR)

    w.case = case_actions.submit_case(
        reporter=w.resident,
        category=Category.objects.get(code="water-pipes"),
        place=w.building,
        description="1栋地下水管漏水",
        details={"still_leaking": "yes"},
    )
    case_actions.transition_case(actor=w.community_staff, case=w.case, action="accept")
    Case.objects.filter(pk=w.case.pk).update(needs_meeting=True)
    w.case.refresh_from_db()
    w.topic = topic_actions.raise_topic_from_case(actor=w.community_staff, case=w.case)
    topic_actions.decide_topic(
        actor=w.community_staff,
        topic=w.topic,
        take_up=True,
        participants=[TopicInvitee(role=Stakeholder.PROPERTY_COMPANY, organisation=w.company)],
        format=Format.COMPOUND,
    )

    now = timezone.now()
    w.meeting = actions.create_meeting(
        actor=w.community_staff,
        community=w.community,
        kind=Kind.JOINT,
        title="联席会议：1栋水管",
        starts_at=now + timedelta(days=5),
        ends_at=now + timedelta(days=5, hours=2),
        location="社区党群服务中心",
        invitees=[Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=w.company)],
        topics=[w.topic],
        now=now,
    )
    voted_down = actions.add_agenda_item(actor=w.community_staff, meeting=w.meeting, title="加收维修费")
    undecided = actions.add_agenda_item(actor=w.community_staff, meeting=w.meeting, title="其他事项")
    actions.send_notice(actor=w.community_staff, meeting=w.meeting, now=now)
    at = w.meeting.starts_at + timedelta(minutes=5)
    actions.start_meeting(actor=w.community_staff, meeting=w.meeting, now=at)
    actions.sign_in(actor=w.property_staff, meeting=w.meeting, now=at)
    actions.sign_in(actor=w.member, meeting=w.meeting, now=at)
    w.item = w.meeting.agenda.get(topic=w.topic)
    actions.record_minute(actor=w.property_staff, item=w.item, decision="物业三天内更换水管")
    w.item = actions.record_vote(actor=w.property_staff, item=w.item, votes_for=2, votes_against=0, votes_abstain=0)
    actions.record_minute(actor=w.property_staff, item=voted_down, decision="不加收")
    w.voted_down = actions.record_vote(actor=w.property_staff, item=voted_down, votes_for=0, votes_against=2, votes_abstain=0)
    w.undecided = undecided
    actions.end_meeting(actor=w.community_staff, meeting=w.meeting, now=at + timedelta(hours=2))
    return w


def new_item(w, today, *, owner_organisation=None, owner_person=None, due_in=3, **extra) -> ActionItem:
    if owner_organisation is None and owner_person is None:
        owner_organisation = w.company
    extra.setdefault("agenda_item", w.item)
    return actions.create_action_item(
        actor=extra.pop("actor", w.community_staff),
        title=extra.pop("title", "更换1栋水管"),
        due_on=today + timedelta(days=due_in),
        owner_organisation=owner_organisation,
        owner_person=owner_person,
        **extra,
    )


def png(size=(40, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 160, 60)).save(out, format="PNG")
    return SimpleUploadedFile("done.png", out.getvalue(), content_type="image/png")


def jpeg_with_gps() -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Acme Phone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (23.0, 2.0, 3.0)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile("site.jpg", out.getvalue(), content_type="image/jpeg")


def row(item) -> ActionItem:
    return ActionItem.objects.get(pk=item.pk)


# --- creating --------------------------------------------------------------------------------------


def test_an_item_from_a_decision_inherits_its_meeting_topic_and_problem_report(aw, today):
    item = new_item(aw, today, details="  先关阀门  ")
    assert (item.meeting, item.agenda_item, item.topic, item.case) == (aw.meeting, aw.item, aw.topic, aw.case)
    assert (item.community, item.path) == (aw.community, aw.community.path)
    assert (item.status, item.version, item.details, item.created_by) == (OPEN, 1, "先关阀门", aw.community_staff)
    # the company's officers are told, not every member
    told = set(Notification.objects.filter(subject__startswith="New action item").values_list("recipient_id", flat=True))
    assert told == {aw.property_staff.pk}


def test_an_item_for_a_topic_or_a_problem_report_directly(aw, today):
    for_topic = new_item(aw, today, agenda_item=None, topic=aw.topic, owner_person=aw.building_leader)
    assert (for_topic.community, for_topic.case, for_topic.meeting) == (aw.community, aw.case, None)
    for_case = new_item(aw, today, agenda_item=None, case=aw.case, owner_person=aw.building_leader)
    assert (for_case.community, for_case.topic) == (aw.community, None)


def test_no_item_from_a_motion_not_carried_or_an_item_without_a_decision(aw, today):
    with pytest.raises(ValidationError, match="not carried"):
        new_item(aw, today, agenda_item=aw.voted_down)
    with pytest.raises(ValidationError, match="Record the decision"):
        new_item(aw, today, agenda_item=aw.undecided)
    assert not ActionItem.objects.exists()


def test_an_item_needs_something_to_serve(aw, today):
    with pytest.raises(ValidationError, match="Say which decision"):
        new_item(aw, today, agenda_item=None)


@pytest.mark.parametrize("owners", ["none", "both"])
def test_an_item_has_exactly_one_owner(aw, today, owners):
    kwargs = {"none": {}, "both": {"owner_organisation": aw.company, "owner_person": aw.building_leader}}[owners]
    with pytest.raises(ValidationError) as refused:
        actions.create_action_item(actor=aw.community_staff, agenda_item=aw.item, title="换水管", due_on=today, **kwargs)
    assert "owner" in refused.value.message_dict
    assert not ActionItem.objects.exists()


def test_the_due_date_is_not_in_the_past(aw, today):
    with pytest.raises(ValidationError) as refused:
        new_item(aw, today, due_in=-1)
    assert "due_on" in refused.value.message_dict
    with pytest.raises(ValidationError):
        actions.create_action_item(
            actor=aw.community_staff, agenda_item=aw.item, title="换", due_on=None, owner_person=aw.resident
        )
    assert new_item(aw, today, due_in=0).due_on == today


def test_an_item_needs_a_title(aw, today):
    with pytest.raises(ValidationError) as refused:
        new_item(aw, today, title="   ")
    assert "title" in refused.value.message_dict


def test_the_meetings_recorders_and_managers_create_items_nobody_else(aw, today):
    assert new_item(aw, today, actor=aw.property_staff).created_by == aw.property_staff  # chair of an invited organisation
    assert new_item(aw, today, actor=aw.admin).created_by == aw.admin
    for actor in (aw.member, aw.resident, aw.other_chair, aw.other_staff, aw.outsider):
        with pytest.raises(PermissionDenied):
            new_item(aw, today, actor=actor)
    # without a meeting, only managers over the community
    with pytest.raises(PermissionDenied):
        new_item(aw, today, actor=aw.property_staff, agenda_item=None, topic=aw.topic)
    assert ActionItem.objects.count() == 2


# --- updating --------------------------------------------------------------------------------------


def test_the_owner_starts_and_finishes_the_work(aw, today, now):
    item = new_item(aw, today)
    actions.update_action_item(actor=aw.member, item=item, status=IN_PROGRESS, now=now)  # any member of the owner
    assert (row(item).status, row(item).version) == (IN_PROGRESS, 2)
    actions.update_action_item(actor=aw.property_staff, item=item, status=DONE, evidence="  已更换  ", now=now)
    done = row(item)
    assert (done.status, done.evidence, done.completed_by, done.completed_at, done.version) == (
        DONE,
        "已更换",
        aw.property_staff,
        now,
        3,
    )


def test_a_person_owner_and_managers_update(aw, today):
    item = new_item(aw, today, owner_person=aw.building_leader)
    actions.update_action_item(actor=aw.building_leader, item=item, status=IN_PROGRESS)
    actions.update_action_item(actor=aw.admin, item=item, status=DONE, evidence="街道核实已完成")
    assert row(item).status == DONE


@pytest.mark.parametrize("who", ["resident", "other_chair", "other_staff", "outsider", "building_leader"])
def test_nobody_else_updates(aw, today, who):
    item = new_item(aw, today)
    with pytest.raises(PermissionDenied):
        actions.update_action_item(actor=getattr(aw, who), item=item, status=IN_PROGRESS)
    assert (row(item).status, row(item).version) == (OPEN, 1)
    with pytest.raises(Http404):
        access.get_action_item_for(getattr(aw, who), item.pk)
    assert not access.action_items_for(getattr(aw, who)).filter(pk=item.pk).exists()


def test_owners_and_managers_see_the_item(aw, today):
    item = new_item(aw, today)
    for who in (aw.member, aw.property_staff, aw.community_staff, aw.admin):
        assert access.get_action_item_for(who, item.pk) == item
        assert access.action_items_for(who).filter(pk=item.pk).exists()


def test_done_needs_evidence(aw, today):
    item = new_item(aw, today)
    with pytest.raises(ValidationError) as refused:
        actions.update_action_item(actor=aw.property_staff, item=item, status=DONE, evidence="  ")
    assert "evidence" in refused.value.message_dict
    assert row(item).status == OPEN


def test_only_managers_cancel_and_with_a_reason(aw, today):
    item = new_item(aw, today)
    with pytest.raises(PermissionDenied):
        actions.update_action_item(actor=aw.property_staff, item=item, status=CANCELLED, evidence="不想做了")
    with pytest.raises(ValidationError, match="reason"):
        actions.update_action_item(actor=aw.community_staff, item=item, status=CANCELLED)
    assert row(item).status == OPEN
    actions.update_action_item(actor=aw.community_staff, item=item, status=CANCELLED, evidence="改由街道统一施工")
    assert (row(item).status, row(item).evidence, row(item).completed_by) == (CANCELLED, "改由街道统一施工", aw.community_staff)


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([DONE], OPEN),
        ([DONE], IN_PROGRESS),
        ([DONE], CANCELLED),
        ([CANCELLED], DONE),
        ([CANCELLED], OPEN),
        ([IN_PROGRESS], OPEN),
        ([IN_PROGRESS], IN_PROGRESS),
        ([], OPEN),
        ([], "finished"),
    ],
)
def test_the_state_machine_has_no_way_back(aw, today, path, refused):
    item = new_item(aw, today)
    for status in path:
        actions.update_action_item(actor=aw.community_staff, item=item, status=status, evidence="理由与证据")
    before = row(item)
    with pytest.raises(ValidationError, match="cannot become"):
        actions.update_action_item(actor=aw.community_staff, item=item, status=refused, evidence="再来")
    after = row(item)
    assert (after.status, after.version) == (before.status, before.version)


def test_a_stale_version_is_a_conflict(aw, today):
    item = new_item(aw, today)
    stale = row(item)
    actions.update_action_item(actor=aw.property_staff, item=item, status=IN_PROGRESS, version=1)
    with pytest.raises(actions.ActionConflict):
        actions.update_action_item(actor=aw.community_staff, item=stale, status=CANCELLED, evidence="取消")
    with pytest.raises(actions.ActionConflict):
        actions.update_action_item(actor=aw.property_staff, item=row(item), status=DONE, evidence="完成", version=1)
    assert (row(item).status, row(item).version) == (IN_PROGRESS, 2)


# --- evidence photos -------------------------------------------------------------------------------


def test_evidence_photos_are_cleaned_like_a_problem_reports(aw, today):
    item = new_item(aw, today)
    actions.update_action_item(
        actor=aw.property_staff, item=item, status=DONE, evidence="已更换", photos=[png(), jpeg_with_gps()]
    )
    photos = list(EvidencePhoto.objects.filter(action_item=item).order_by("id"))
    assert [(p.content_type, p.width, p.height) for p in photos] == [("image/png", 40, 30), ("image/jpeg", 64, 48)]
    assert photos[0].image.name.startswith("actions/") and photos[0].image.name.endswith(".png")
    with photos[1].image.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert not dict(image.getexif())  # no camera, no GPS position


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_saved(aw, today):
    item = new_item(aw, today)
    bad = SimpleUploadedFile("evidence.png", b"%PDF-1.4 not an image", content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        actions.update_action_item(actor=aw.property_staff, item=item, status=DONE, evidence="已更换", photos=[png(), bad])
    assert "evidence.png is not a photo we accept" in message_of(refused)
    assert not EvidencePhoto.objects.exists()
    assert (row(item).status, row(item).version, row(item).evidence) == (OPEN, 1, "")
    aw.case.refresh_from_db()
    assert aw.case.status == CaseStatus.ACCEPTED


def test_at_most_six_photos(aw, today):
    item = new_item(aw, today)
    with pytest.raises(ValidationError, match="At most 6"):
        actions.update_action_item(actor=aw.property_staff, item=item, status=DONE, evidence="已更换", photos=[png()] * 7)
    assert row(item).status == OPEN


# --- what finishing the work does ------------------------------------------------------------------


def test_done_work_on_a_problem_report_resolves_it_and_tells_the_reporter(aw, today):
    item = new_item(aw, today)
    Notification.objects.all().delete()
    actions.update_action_item(actor=aw.property_staff, item=item, status=DONE, evidence="已更换，试水正常")
    aw.case.refresh_from_db()
    assert aw.case.status == CaseStatus.RESOLVED
    told = Notification.objects.get(recipient=aw.resident)
    assert f"#{aw.case.pk}" in told.subject and "已更换，试水正常" in told.body
    # the organiser hears the work is done
    assert Notification.objects.filter(recipient=aw.community_staff, subject__startswith="Done:").count() == 1


def test_done_work_on_a_report_already_resolved_only_tells_the_reporter(aw, today):
    item = new_item(aw, today)
    case_actions.transition_case(actor=aw.community_staff, case=aw.case, action="resolve", note="先修好了")
    Notification.objects.all().delete()
    actions.update_action_item(actor=aw.property_staff, item=item, status=DONE, evidence="复查无漏水")
    aw.case.refresh_from_db()
    assert aw.case.status == CaseStatus.RESOLVED
    assert Notification.objects.filter(recipient=aw.resident, body__contains="复查无漏水").count() == 1


def test_community_staff_hear_when_the_last_open_item_of_a_topic_is_done(aw, today):
    first = new_item(aw, today, title="换水管")
    second = new_item(aw, today, title="检查其他楼栋", owner_person=aw.building_leader)
    third = new_item(aw, today, title="多余的一项")
    subject = "All action items of"

    actions.update_action_item(actor=aw.property_staff, item=first, status=DONE, evidence="已换")
    assert not Notification.objects.filter(subject__startswith=subject).exists()
    actions.update_action_item(actor=aw.community_staff, item=third, status=CANCELLED, evidence="重复")
    assert not Notification.objects.filter(subject__startswith=subject).exists()
    actions.update_action_item(actor=aw.building_leader, item=second, status=DONE, evidence="已查")
    told = Notification.objects.filter(subject__startswith=subject)
    assert set(told.values_list("recipient_id", flat=True)) == {aw.community_staff.pk}
    assert told.get().link == f"/deliberation/topics/{aw.topic.pk}/"


def test_community_staff_hear_when_the_last_open_item_of_a_topic_is_cancelled(aw, today):
    first = new_item(aw, today, title="换水管")
    second = new_item(aw, today, title="多余的一项")
    subject = "All action items of"
    actions.update_action_item(actor=aw.property_staff, item=first, status=DONE, evidence="已换")
    assert not Notification.objects.filter(subject__startswith=subject).exists()
    actions.update_action_item(actor=aw.community_staff, item=second, status=CANCELLED, evidence="重复")
    assert Notification.objects.filter(subject__startswith=subject, recipient=aw.community_staff).count() == 1


# --- the sweep -------------------------------------------------------------------------------------


def standalone(w, due_on, *, owner_person=None, owner_organisation=None, created=None, title="整改") -> ActionItem:
    return actions.create_action_item(
        actor=w.community_staff,
        community=w.community,
        title=title,
        due_on=due_on,
        owner_person=owner_person,
        owner_organisation=owner_organisation,
        now=created,
    )


def sweep_notices(prefix: str):
    return Notification.objects.filter(subject__startswith=prefix)


def test_the_sweep_reminds_once_and_reports_overdue_once(aw, now, today):
    tomorrow = standalone(aw, today + timedelta(days=1), owner_person=aw.building_leader, title="明天到期")
    in_two = standalone(aw, today + timedelta(days=2), owner_organisation=aw.company, title="后天到期")
    later = standalone(aw, today + timedelta(days=5), owner_person=aw.building_leader, title="下周到期")
    overdue = standalone(
        aw, today - timedelta(days=1), owner_person=aw.building_leader, created=now - timedelta(days=10), title="已逾期"
    )
    done = standalone(aw, today + timedelta(days=1), owner_person=aw.building_leader, title="已完成")
    actions.update_action_item(actor=aw.building_leader, item=done, status=DONE, evidence="完成")
    cancelled = standalone(aw, today - timedelta(days=2), owner_person=aw.building_leader, created=now - timedelta(days=10))
    actions.update_action_item(actor=aw.community_staff, item=cancelled, status=CANCELLED, evidence="取消")

    counts = actions.sweep_action_items(now=now)

    assert counts == {"reminded": 2, "overdue": 1}
    assert {i.pk for i in ActionItem.objects.filter(reminded_at=now)} == {tomorrow.pk, in_two.pk}
    assert {i.pk for i in ActionItem.objects.filter(overdue_reported_at=now)} == {overdue.pk}
    assert row(later).reminded_at is None and row(done).reminded_at is None and row(cancelled).overdue_reported_at is None
    reminders = sweep_notices("Due on")
    assert sorted(reminders.values_list("recipient_id", "link")) == sorted(
        [(aw.building_leader.pk, actions.action_link(tomorrow)), (aw.property_staff.pk, actions.action_link(in_two))]
    )
    reports = sweep_notices("Overdue since")
    assert set(reports.values_list("recipient_id", flat=True)) == {aw.building_leader.pk, aw.community_staff.pk}
    assert set(reports.values_list("link", flat=True)) == {actions.action_link(overdue)}

    before = Notification.objects.count()
    assert actions.sweep_action_items(now=now) == {"reminded": 0, "overdue": 0}
    assert Notification.objects.count() == before

    # four days on: the two reminded items are overdue, the later one is due soon
    later_now = now + timedelta(days=4)
    assert actions.sweep_action_items(now=later_now) == {"reminded": 1, "overdue": 2}
    assert row(later).reminded_at == later_now
    assert {row(i).overdue_reported_at for i in (tomorrow, in_two)} == {later_now}
    assert row(overdue).overdue_reported_at == now  # reported once
    assert actions.sweep_action_items(now=later_now) == {"reminded": 0, "overdue": 0}


def test_an_item_of_a_meeting_is_reported_overdue_to_the_meetings_organiser(aw, now, today):
    item = new_item(aw, today, due_in=1, actor=aw.property_staff)  # created by the chair, organised by community staff
    actions.sweep_action_items(now=now + timedelta(days=3))
    reports = sweep_notices("Overdue since").filter(link=actions.action_link(item))
    assert set(reports.values_list("recipient_id", flat=True)) == {aw.community_staff.pk, aw.property_staff.pk}


def test_the_sweep_works_through_small_batches(aw, now, today):
    people = [make_person(f"负责人{n}", f"1350000{n:04d}") for n in range(5)]
    items = [standalone(aw, today + timedelta(days=1), owner_person=p, title=f"事项{n}") for n, p in enumerate(people)]
    overdue = [
        standalone(aw, today - timedelta(days=1), owner_person=p, created=now - timedelta(days=5), title=f"逾期{n}")
        for n, p in enumerate(people[:4])
    ]

    assert actions.sweep_action_items(now=now, batch=2) == {"reminded": 5, "overdue": 4}
    assert all(row(i).reminded_at == now for i in items)
    assert all(row(i).overdue_reported_at == now for i in overdue)
    for person in people:
        assert sweep_notices("Due on").filter(recipient=person).count() == 1
    assert actions.sweep_action_items(now=now, batch=2) == {"reminded": 0, "overdue": 0}


def test_the_sweep_reminds_an_item_due_today(aw, now, today):
    item = standalone(aw, today, owner_person=aw.building_leader)
    assert actions.sweep_action_items(now=now) == {"reminded": 1, "overdue": 0}
    assert row(item).reminded_at == now


# --- two at once (PostgreSQL) --------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_updates_with_the_same_version_at_once_one_wins(aw, today, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite serialises writers")
    item = new_item(aw, today)

    # The first update holds its transaction open (at its audit entry, after its UPDATE) until the
    # other's UPDATE is seen waiting on the row lock, so the two truly overlap.
    overlapped: list[bool] = []
    first = threading.Lock()
    real_record = audit.record

    def wait_for_a_blocked_writer() -> bool:
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    return True
                time.sleep(0.01)
        return False

    def record_after_overlap(**kwargs):
        if kwargs["action"].startswith("action.") and first.acquire(blocking=False):
            overlapped.append(wait_for_a_blocked_writer())
        return real_record(**kwargs)

    monkeypatch.setattr(audit, "record", record_after_overlap)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def update(name: str, actor_pk: int, status: str, evidence: str) -> None:
        try:
            actor = Person.objects.get(pk=actor_pk)
            seen = ActionItem.objects.get(pk=item.pk)  # both read version 1
            start.wait(timeout=10)
            actions.update_action_item(actor=actor, item=seen, status=status, evidence=evidence, version=seen.version)
            outcomes[name] = "done"
        except actions.ActionConflict:
            outcomes[name] = "conflict"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=update, args=("owner", aw.property_staff.pk, DONE, "已更换")),
        threading.Thread(target=update, args=("staff", aw.community_staff.pk, CANCELLED, "改由街道施工")),
    ]
    run_together(threads, timeout=30)

    assert overlapped == [True]
    assert sorted(outcomes.values()) == ["conflict", "done"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "done")
    final = row(item)
    assert final.status == {"owner": DONE, "staff": CANCELLED}[winner]
    assert final.version == 2
