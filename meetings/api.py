"""JSON API for meetings, their agenda, attendance, speaking queue, minutes and votes, and the action
items decisions create (mounted at /api/meetings in config/api.py).

Every endpoint asks ``access`` exactly as the pages do; invisible meetings and action items answer 404
("missing" and "forbidden" look the same: a resident who may see a meeting but not record it gets 404
when trying to record a vote). A change someone else made first answers 409. The record of a meeting
(the discussion, decisions and votes on its agenda, the summary) is shown only to those who may see its
minutes (``access.can_view_minutes``: residents once they are published). Persons appear by name only.

The action-item routes (``/actions``) are declared before the meeting routes, and meeting ids use the
``int`` converter, so ``/actions`` is never taken for a meeting id.
"""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import ConfigDict

from cases import access as case_access
from deliberation import access as topic_access
from deliberation.api import Error, InviteeIn, PartyOut, organisation_for, person_for, resolve_invitees
from deliberation.rules import MajorityRule, SpeakingQueue, Stance
from people.api import AUTH
from people.models import Membership, Person
from places.models import Place, Room

from . import access, actions
from .models import OPEN_ACTION_STATUSES, AgendaItem, Meeting, Minutes

router = Router(tags=["meetings"], auth=AUTH)


# --- schemas: meetings --------------------------------------------------------------------------


class RulesOut(Schema):
    speech_seconds: int
    speeches_per_motion: int
    majority: str
    abstentions_count: bool
    residents_meeting_kind: str
    eligible: int | None


class MeetingOut(Schema):
    id: int
    community_id: int
    community: str
    kind: str
    title: str
    purpose: str
    organiser: str | None = None
    organising_organisation_id: int | None
    organising_organisation: str | None = None
    room_id: int | None
    where: str
    starts_at: datetime
    ends_at: datetime
    status: str
    notice_days: int
    notice_sent_at: datetime | None
    cancel_reason: str
    rules: RulesOut
    next_statuses: list[str]
    version: int

    @staticmethod
    def resolve_community(obj):
        return obj.community.name

    @staticmethod
    def resolve_organiser(obj):
        return obj.organiser.name if obj.organiser_id else None

    @staticmethod
    def resolve_organising_organisation(obj):
        return obj.organising_organisation.name if obj.organising_organisation_id else None

    @staticmethod
    def resolve_rules(obj):
        return obj


class AgendaItemOut(Schema):
    """An item of business. ``discussion``, ``decision`` and the vote are the meeting's record: null for
    those who may not see its minutes yet."""

    id: int
    position: int
    title: str
    topic_id: int | None
    case_id: int | None
    discussion: str | None = None
    decision: str | None = None
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstain: int | None = None
    votes_present: int | None = None
    majority: str | None = None
    carried: bool | None = None
    result: str | None = None
    voted_at: datetime | None = None


class AmendmentOut(Schema):
    id: int
    text: str
    at: datetime


class MinutesOut(Schema):
    status: str
    summary: str
    approved_at: datetime | None
    published_at: datetime | None
    version: int
    amendments: list[AmendmentOut]

    @staticmethod
    def resolve_amendments(obj):
        return list(obj.amendments.order_by("id"))


class MinutesDetailOut(MinutesOut):
    meeting_id: int
    agenda: list[AgendaItemOut]

    @staticmethod
    def resolve_agenda(obj):
        return obj.agenda_rows


class MeetingDetailOut(MeetingOut):
    invitations: list[PartyOut]
    agenda: list[AgendaItemOut]
    attendance_count: int
    voting_count: int = Field(..., description="Attendees entitled to vote")
    signed_in: bool = Field(..., description="Whether you have signed in")
    can_record: bool
    can_approve: bool
    can_sign_in: bool
    minutes: MinutesOut | None = Field(None, description="Only for those who may see the minutes")

    @staticmethod
    def resolve_invitations(obj):
        return obj.invitation_rows

    @staticmethod
    def resolve_agenda(obj):
        return obj.agenda_rows

    @staticmethod
    def resolve_minutes(obj):
        return obj.visible_minutes


class RulesIn(Schema):
    speech_seconds: int = 120
    speeches_per_motion: int = 2
    majority: str = MajorityRule.SIMPLE
    abstentions_count: bool = False
    residents_meeting_kind: str = Field("", description="For a residents' meeting: who attends")
    eligible: int | None = Field(None, description="For a residents' meeting: how many are entitled to attend")


class MeetingIn(Schema):
    community_id: int
    kind: str = Field(..., description="joint, council, owners_committee or residents_meeting")
    title: str
    purpose: str = ""
    starts_at: datetime
    ends_at: datetime
    room_id: int | None = None
    location: str = ""
    organising_organisation_id: int | None = None
    invitees: list[InviteeIn] = Field(default_factory=list)
    topic_ids: list[int] = Field(default_factory=list, description="Topics taken up in the community, put on the agenda")
    case_ids: list[int] = Field(default_factory=list, description="Problem reports in the community, put on the agenda")
    rules: RulesIn = Field(default_factory=RulesIn)


class AgendaIn(Schema):
    title: str = ""
    topic_id: int | None = None
    case_id: int | None = None


class VersionIn(Schema):
    version: int | None = Field(None, description="The version you saw; a newer one answers 409")


class CancelIn(VersionIn):
    reason: str


class AttendanceIn(Schema):
    person_id: int | None = Field(None, description="Someone else, signed in by whoever records the meeting; empty: yourself")


class AttendanceOut(Schema):
    id: int
    person_id: int
    person: str
    organisation_id: int | None
    organisation: str | None = None
    entitled_to_vote: bool
    signed_in_at: datetime

    @staticmethod
    def resolve_person(obj):
        return obj.person.name

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.name if obj.organisation_id else None


class HandOut(Schema):
    person_id: int
    name: str
    stance: str | None


class SpokenOut(Schema):
    person_id: int
    name: str
    speeches: int


class MotionOut(Schema):
    item_id: int
    waiting: list[HandOut] = Field(..., description="In the order the chair calls them")
    spoken: list[SpokenOut]
    next_speaker: int | None


class QueueOut(Schema):
    speech_seconds: int
    speeches_per_motion: int
    items: list[MotionOut]
    spoke: int | None = Field(None, description="After give_floor: who spoke")


class QueueIn(Schema):
    op: str = Field(..., description="raise, lower or give_floor")
    item_id: int
    person_id: int | None = Field(None, description="raise/lower: default yourself; give_floor: default the next in the queue")
    stance: str | None = Field(None, description="raise: pro or con")


class MinuteIn(Schema):
    discussion: str = ""
    decision: str = ""


class VoteIn(Schema):
    model_config = ConfigDict(populate_by_name=True)

    votes_for: int = Field(..., alias="for")
    votes_against: int = Field(..., alias="against")
    votes_abstain: int = Field(0, alias="abstain")


class SummaryIn(Schema):
    summary: str


class AmendmentIn(Schema):
    text: str


# --- schemas: action items ----------------------------------------------------------------------


class ActionOut(Schema):
    id: int
    title: str
    details: str
    community_id: int
    meeting_id: int | None
    agenda_item_id: int | None
    topic_id: int | None
    case_id: int | None
    owner_organisation_id: int | None
    owner_organisation: str | None = None
    owner_person_id: int | None
    owner_person: str | None = None
    due_on: date
    status: str
    is_overdue: bool
    evidence: str
    completed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner_organisation(obj):
        return obj.owner_organisation.name if obj.owner_organisation_id else None

    @staticmethod
    def resolve_owner_person(obj):
        return obj.owner_person.name if obj.owner_person_id else None

    @staticmethod
    def resolve_is_overdue(obj):
        return obj.is_overdue()


class ActionIn(Schema):
    title: str
    details: str = ""
    due_on: date | None = None
    owner_organisation_id: int | None = None
    owner_person_id: int | None = None
    agenda_item_id: int | None = Field(None, description="The decision this work carries out")
    topic_id: int | None = None
    case_id: int | None = None


class ActionStatusIn(Schema):
    status: str = Field(..., description="in_progress, done (with evidence) or cancelled (managers, with the reason)")
    evidence: str = ""
    version: int | None = Field(None, description="The version you saw; a newer one answers 409")


# --- helpers ------------------------------------------------------------------------------------


def _record_visible(user, meeting: Meeting, minutes: Minutes | None) -> bool:
    """The discussion, decisions and votes are part of the minutes: shown to whoever may see them, and
    to those who record the meeting before there are minutes."""
    if minutes is None:
        return access.can_record(user, meeting)
    return access.can_view_minutes(user, meeting, minutes)


# The fields of an agenda item that belong to the minutes.
RECORD_FIELDS = (
    "discussion",
    "decision",
    "votes_for",
    "votes_against",
    "votes_abstain",
    "votes_present",
    "majority",
    "carried",
    "result",
    "voted_at",
)


def _agenda_rows(meeting: Meeting, visible: bool) -> list:
    rows = list(meeting.agenda.order_by("position", "id"))
    if not visible:
        for row in rows:
            for name in RECORD_FIELDS:
                setattr(row, name, None)
    return rows


def _detail(request, meeting: Meeting) -> Meeting:
    """The meeting with its invitations, agenda (the record only for those who may see the minutes),
    attendance counts, and the minutes when the user may see them."""
    user = request.user
    minutes = Minutes.objects.filter(meeting=meeting).first()
    counts = meeting.attendances.aggregate(n=Count("id"), voting=Count("id", filter=Q(entitled_to_vote=True)))
    meeting.invitation_rows = list(meeting.invitations.select_related("organisation", "person").order_by("id"))
    meeting.agenda_rows = _agenda_rows(meeting, _record_visible(user, meeting, minutes))
    meeting.attendance_count = counts["n"]
    meeting.voting_count = counts["voting"]
    meeting.signed_in = meeting.attendances.filter(person=user).exists()
    meeting.can_record = access.can_record(user, meeting)
    meeting.can_approve = access.can_approve(user, meeting)
    meeting.can_sign_in = access.can_sign_in_self(user, meeting)
    meeting.visible_minutes = minutes if access.can_view_minutes(user, meeting, minutes) else None
    return meeting


def _meeting(request, meeting_id: int) -> Meeting:
    return access.get_meeting_for(request.user, meeting_id)


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = meeting.agenda.filter(pk=item_id).first()
    if item is None:
        raise Http404
    item.meeting = meeting
    return item


def _queue(meeting: Meeting, spoke: int | None = None) -> dict:
    data = meeting.speaking_queue or {}
    queue = SpeakingQueue.from_dict(data) if data else SpeakingQueue(meeting.rule_set)
    motions = data.get("motions", [])
    ids = {h["person"] for m in motions for h in m["waiting"]} | {p for m in motions for p, _n in m["spoken"]}
    names = dict(Person.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    items = []
    for m in motions:
        stances = {h["person"]: h["stance"] for h in m["waiting"]}
        order = queue.waiting(m["motion"])
        items.append(
            {
                "item_id": m["motion"],
                "waiting": [{"person_id": p, "name": names.get(p, ""), "stance": stances.get(p)} for p in order],
                "spoken": [{"person_id": p, "name": names.get(p, ""), "speeches": n} for p, n in m["spoken"]],
                "next_speaker": order[0] if order else None,
            }
        )
    return {
        "speech_seconds": meeting.speech_seconds,
        "speeches_per_motion": meeting.speeches_per_motion,
        "items": items,
        "spoke": spoke,
    }


def _attendee_for(user, meeting: Meeting, pk: int) -> Person:
    """Someone whoever records the meeting may sign in: an invitee (in person or as a member of an
    invited organisation), a resident of the community at a residents' meeting, or someone the user may
    name (``deliberation.api.person_for``)."""
    person = Person.objects.filter(pk=pk, is_active=True, anonymised_at__isnull=True).first()
    if person is not None and access.can_sign_in_self(person, meeting):
        return person
    return person_for(user, pk, "person_id")


# --- action items (declared before /{meeting_id} routes) ----------------------------------------


@router.get("/actions", response=list[ActionOut])
@paginate(LimitOffsetPagination)
def list_action_items(request, status: str = "", overdue: bool = False, mine: bool = False):
    """Action items you own (``mine=true``) or, for managers, all in your scope; by due date.
    ``overdue=true``: open items past their due date."""
    qs = access.action_items_for(request.user)
    if mine:
        orgs = Membership.objects.filter(person=request.user).values("organisation_id")
        qs = qs.filter(Q(owner_person=request.user) | Q(owner_organisation_id__in=orgs))
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=timezone.localdate())
    return qs.select_related("owner_organisation", "owner_person").order_by("due_on", "id")


@router.post("/actions", response={201: ActionOut, 400: Error, 404: Error})
def create_action_item(request, payload: ActionIn):
    """Work a decision gives to an owner: from an agenda item with a decision, or for a topic or a
    problem report. Managers over the community, or whoever records the meeting."""
    user = request.user
    agenda_item = topic = case = None
    if payload.agenda_item_id is not None:
        agenda_item = (
            AgendaItem.objects.select_related("meeting__community", "topic", "case").filter(pk=payload.agenda_item_id).first()
        )
        if agenda_item is None or not access.can_view_meeting(user, agenda_item.meeting):
            raise Http404
    if payload.topic_id is not None:
        topic = topic_access.get_topic_for(user, payload.topic_id)
    if payload.case_id is not None:
        case = case_access.get_case_for(user, payload.case_id)
    owner_org = organisation_for(payload.owner_organisation_id, "owner") if payload.owner_organisation_id is not None else None
    owner_person = person_for(user, payload.owner_person_id, "owner") if payload.owner_person_id is not None else None
    item = actions.create_action_item(
        actor=user,
        title=payload.title,
        details=payload.details,
        due_on=payload.due_on,
        owner_organisation=owner_org,
        owner_person=owner_person,
        agenda_item=agenda_item,
        topic=topic,
        case=case,
    )
    return Status(201, item)


@router.get("/actions/{int:action_id}", response={200: ActionOut, 404: Error})
def get_action_item(request, action_id: int):
    return access.get_action_item_for(request.user, action_id)


@router.post("/actions/{int:action_id}/status", response={200: ActionOut, 400: Error, 404: Error, 409: Error})
def update_action_item(request, action_id: int, payload: ActionStatusIn):
    """Start the work, finish it with evidence, or (managers) cancel it with the reason."""
    item = access.get_action_item_for(request.user, action_id)
    actions.update_action_item(
        actor=request.user, item=item, status=payload.status, evidence=payload.evidence, version=payload.version
    )
    return item


# --- meetings -----------------------------------------------------------------------------------


FROM_DAY = Query(None, alias="from", description="Starting on or after this day")
TO_DAY = Query(None, alias="to", description="Starting on or before this day")


@router.get("/", response=list[MeetingOut])
@paginate(LimitOffsetPagination)
def list_meetings(
    request,
    community: int | None = None,
    status: str = "",
    date_from: date | None = FROM_DAY,
    date_to: date | None = TO_DAY,
):
    """Every meeting you may see, latest first."""
    qs = access.meetings_for(request.user)
    if community is not None:
        qs = qs.filter(community_id=community)
    if status:
        qs = qs.filter(status=status)
    tz = timezone.get_current_timezone()
    if date_from is not None:
        qs = qs.filter(starts_at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to is not None:
        qs = qs.filter(starts_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz))
    return qs.select_related("community", "organiser", "organising_organisation", "room__venue").order_by("-starts_at", "-id")


@router.post("/", response={201: MeetingDetailOut, 400: Error, 404: Error})
def create_meeting(request, payload: MeetingIn):
    """A draft meeting with its invitations and an agenda from topics and problem reports. Community staff only."""
    user = request.user
    community = Place.objects.filter(pk=payload.community_id).first()
    if community is None or not access.can_organise_in(user, community):
        raise Http404
    if community.kind not in (Place.Kind.COMMUNITY, Place.Kind.VILLAGE):
        raise ValidationError({"community_id": _("Choose a community or village.")})
    topics = list(topic_access.topics_for(user).filter(pk__in=payload.topic_ids))
    cases = list(case_access.cases_for(user).filter(pk__in=payload.case_ids))
    if len(topics) != len(set(payload.topic_ids)) or len(cases) != len(set(payload.case_ids)):
        raise Http404
    order = {pk: n for n, pk in enumerate(payload.topic_ids)}
    topics.sort(key=lambda t: order[t.pk])
    order = {pk: n for n, pk in enumerate(payload.case_ids)}
    cases.sort(key=lambda c: order[c.pk])
    room = None
    if payload.room_id is not None:
        room = Room.objects.select_related("venue__place").filter(pk=payload.room_id).first()
        if room is None:
            raise ValidationError({"room": _("There is no room #%(n)s.") % {"n": payload.room_id}})
    organising = (
        organisation_for(payload.organising_organisation_id, "organising_organisation")
        if payload.organising_organisation_id is not None
        else None
    )
    rules = payload.rules
    meeting = actions.create_meeting(
        actor=user,
        community=community,
        kind=payload.kind,
        title=payload.title,
        purpose=payload.purpose,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        room=room,
        location=payload.location,
        organising_organisation=organising,
        invitees=resolve_invitees(user, payload.invitees, actions.Invitee, "invitations"),
        topics=topics,
        cases=cases,
        speech_seconds=rules.speech_seconds,
        speeches_per_motion=rules.speeches_per_motion,
        majority=rules.majority,
        abstentions_count=rules.abstentions_count,
        residents_meeting_kind=rules.residents_meeting_kind,
        eligible=rules.eligible,
    )
    return Status(201, _detail(request, access.get_meeting_for(user, meeting.pk)))


@router.get("/{int:meeting_id}", response={200: MeetingDetailOut, 404: Error})
def get_meeting(request, meeting_id: int):
    return _detail(request, _meeting(request, meeting_id))


@router.post("/{int:meeting_id}/agenda", response={201: AgendaItemOut, 400: Error, 404: Error, 409: Error})
def add_agenda_item(request, meeting_id: int, payload: AgendaIn):
    """Add an item at the end of a draft meeting's agenda: a topic, a problem report, or other business."""
    meeting = _meeting(request, meeting_id)
    if not access.can_approve(request.user, meeting):
        raise Http404
    topic = topic_access.get_topic_for(request.user, payload.topic_id) if payload.topic_id is not None else None
    case = case_access.get_case_for(request.user, payload.case_id) if payload.case_id is not None else None
    item = actions.add_agenda_item(actor=request.user, meeting=meeting, title=payload.title, topic=topic, case=case)
    return Status(201, item)


@router.post("/{int:meeting_id}/notice", response={200: MeetingDetailOut, 400: Error, 404: Error, 409: Error})
def send_notice(request, meeting_id: int, payload: VersionIn):
    """Send the notice (with the iCalendar invitation) to every invitee, at least ``notice_days`` ahead."""
    meeting = _meeting(request, meeting_id)
    actions.send_notice(actor=request.user, meeting=meeting, version=payload.version)
    return _detail(request, meeting)


@router.post("/{int:meeting_id}/start", response={200: MeetingDetailOut, 400: Error, 404: Error, 409: Error})
def start_meeting(request, meeting_id: int, payload: VersionIn):
    """Open the meeting (from an hour before its start)."""
    meeting = _meeting(request, meeting_id)
    actions.start_meeting(actor=request.user, meeting=meeting, version=payload.version)
    return _detail(request, meeting)


@router.post("/{int:meeting_id}/end", response={200: MeetingDetailOut, 400: Error, 404: Error, 409: Error})
def end_meeting(request, meeting_id: int, payload: VersionIn):
    meeting = _meeting(request, meeting_id)
    actions.end_meeting(actor=request.user, meeting=meeting, version=payload.version)
    return _detail(request, meeting)


@router.post("/{int:meeting_id}/cancel", response={200: MeetingDetailOut, 400: Error, 404: Error, 409: Error})
def cancel_meeting(request, meeting_id: int, payload: CancelIn):
    """Cancel a meeting that has not started, with the reason (invitees are told if the notice went out)."""
    meeting = _meeting(request, meeting_id)
    actions.cancel_meeting(actor=request.user, meeting=meeting, reason=payload.reason, version=payload.version)
    return _detail(request, meeting)


@router.post("/{int:meeting_id}/attendance", response={201: AttendanceOut, 400: Error, 404: Error})
def sign_in(request, meeting_id: int, payload: AttendanceIn):
    """Sign yourself in, or (whoever records the meeting) someone else."""
    meeting = _meeting(request, meeting_id)
    person = None
    if payload.person_id is not None and payload.person_id != request.user.pk:
        if not access.can_record(request.user, meeting):
            raise Http404
        person = _attendee_for(request.user, meeting, payload.person_id)
    attendance = actions.sign_in(actor=request.user, meeting=meeting, person=person)
    return Status(201, attendance)


@router.get("/{int:meeting_id}/speaking-queue", response={200: QueueOut, 404: Error})
def speaking_queue(request, meeting_id: int):
    """Who waits to speak on each item, in the order the chair calls them, and who has spoken how often."""
    return _queue(_meeting(request, meeting_id))


@router.post("/{int:meeting_id}/speaking-queue", response={200: QueueOut, 400: Error, 404: Error})
def change_speaking_queue(request, meeting_id: int, payload: QueueIn):
    """The chair's queue: ``raise`` a hand (with a stance), ``lower`` it, or ``give_floor`` (count a speech
    by ``person_id`` or by whoever is next)."""
    meeting = _meeting(request, meeting_id)
    if not access.can_record(request.user, meeting):
        raise Http404
    if payload.stance is not None and payload.stance not in Stance.values:
        raise ValidationError({"stance": _("A stance is pro or con.")})
    user_id = request.user.pk
    spoke = None
    if payload.op == "raise":
        actions.raise_hand(
            actor=request.user,
            meeting=meeting,
            item_id=payload.item_id,
            person_id=payload.person_id or user_id,
            stance=payload.stance,
        )
    elif payload.op == "lower":
        actions.lower_hand(actor=request.user, meeting=meeting, item_id=payload.item_id, person_id=payload.person_id or user_id)
    elif payload.op == "give_floor":
        spoke = actions.give_floor(actor=request.user, meeting=meeting, item_id=payload.item_id, person_id=payload.person_id)
    else:
        raise ValidationError({"op": _("Choose raise, lower or give_floor.")})
    return _queue(meeting, spoke)


@router.put("/{int:meeting_id}/agenda/{int:item_id}/minute", response={200: AgendaItemOut, 400: Error, 404: Error})
def record_minute(request, meeting_id: int, item_id: int, payload: MinuteIn):
    """The discussion summary and decision of one item, while the minutes are a draft."""
    meeting = _meeting(request, meeting_id)
    item = _item(meeting, item_id)
    return actions.record_minute(actor=request.user, item=item, discussion=payload.discussion, decision=payload.decision)


@router.post("/{int:meeting_id}/agenda/{int:item_id}/vote", response={200: AgendaItemOut, 400: Error, 404: Error})
def record_vote(request, meeting_id: int, item_id: int, payload: VoteIn):
    """Record a vote among the attendees entitled to vote; the result follows the meeting's majority rule."""
    meeting = _meeting(request, meeting_id)
    item = _item(meeting, item_id)
    return actions.record_vote(
        actor=request.user,
        item=item,
        votes_for=payload.votes_for,
        votes_against=payload.votes_against,
        votes_abstain=payload.votes_abstain,
    )


def _minutes_for(request, meeting: Meeting) -> Minutes:
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if not access.can_view_minutes(request.user, meeting, minutes):
        raise Http404
    minutes.agenda_rows = _agenda_rows(meeting, True)
    return minutes


@router.get("/{int:meeting_id}/minutes", response={200: MinutesDetailOut, 404: Error})
def get_minutes(request, meeting_id: int):
    """The minutes: published ones for whoever sees the meeting; drafts for those who took part or record them."""
    return _minutes_for(request, _meeting(request, meeting_id))


@router.put("/{int:meeting_id}/minutes", response={200: MinutesDetailOut, 400: Error, 404: Error})
def record_summary(request, meeting_id: int, payload: SummaryIn):
    """The summary, while the minutes are a draft; approved or published minutes are only amended."""
    meeting = _meeting(request, meeting_id)
    if not access.can_record(request.user, meeting):
        raise Http404
    actions.record_summary(actor=request.user, meeting=meeting, summary=payload.summary)
    return _minutes_for(request, meeting)


@router.post("/{int:meeting_id}/minutes/approve", response={200: MinutesDetailOut, 400: Error, 404: Error, 409: Error})
def approve_minutes(request, meeting_id: int, payload: VersionIn):
    meeting = _meeting(request, meeting_id)
    actions.approve_minutes(actor=request.user, meeting=meeting, version=payload.version)
    return _minutes_for(request, meeting)


@router.post("/{int:meeting_id}/minutes/publish", response={200: MinutesDetailOut, 400: Error, 404: Error, 409: Error})
def publish_minutes(request, meeting_id: int, payload: VersionIn):
    """Publish approved minutes to the community; topics on the agenda get the item's decision as their outcome."""
    meeting = _meeting(request, meeting_id)
    actions.publish_minutes(actor=request.user, meeting=meeting, version=payload.version)
    return _minutes_for(request, meeting)


@router.post("/{int:meeting_id}/minutes/amendments", response={201: AmendmentOut, 400: Error, 404: Error})
def amend_minutes(request, meeting_id: int, payload: AmendmentIn):
    """A later correction of approved or published minutes; their text never changes."""
    meeting = _meeting(request, meeting_id)
    return Status(201, actions.amend_minutes(actor=request.user, meeting=meeting, text=payload.text))
