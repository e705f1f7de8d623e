"""State changes on meetings, minutes and action items. Each action runs in one transaction, re-checks
its preconditions, writes an audit entry and notifies through the outbox (sent only on commit).

A meeting: draft (agenda, invitations) → notice sent (at least ``notice_days`` ahead, to every
invitee with an iCalendar invitation) → in session (attendance, the speaking queue, minutes, votes)
→ ended; or cancelled before it starts. Topics on the agenda follow: the notice moves a decided topic
to "participants notified", the opening to "in deliberation", the published minutes record the outcome.

Minutes: draft → approved → published. Once approved, neither the minutes nor the agenda items'
discussion, decisions and votes change; published minutes are amended only by a later record.

Concurrency: status changes are a compare-and-set on ``(status, version)``; recording a vote and
changing the speaking queue lock the meeting row, so two secretaries never both count a vote and a
raised hand is never lost.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import actions as case_actions
from cases.models import Case
from core import audit, concurrency
from core.concurrency import compare_and_set
from core.outbox import Notice, notify_many
from deliberation import actions as topic_actions
from deliberation.access import home_community_paths
from deliberation.actions import Invitee
from deliberation.models import COMMUNITY_KINDS, Topic
from deliberation.models import Status as TopicStatus
from deliberation.rules import (
    RESIDENTS_MEETING_RULES,
    MajorityRule,
    ResidentsMeetingKind,
    SpeakingQueue,
    SpeakingRefused,
    Stance,
    residents_meeting_quorum,
    tally,
)
from people import policy
from people.models import HouseholdMember, Organisation, Person
from places import rooms
from places.models import Place, Room, ancestor_paths

from . import access, calendar
from .models import (
    ACTION_TRANSITIONS,
    NOTICE_DAYS,
    OPEN_ACTION_STATUSES,
    TRANSITIONS,
    ActionItem,
    AgendaItem,
    Amendment,
    Attendance,
    EvidencePhoto,
    Invitation,
    Kind,
    Meeting,
    Minutes,
    Status,
)

# How early before the start people may sign in, and how many days before the due date owners are reminded.
SIGN_IN_OPENS = timedelta(hours=1)
REMIND_DAYS = 2


class Conflict(concurrency.Conflict):
    message = gettext_lazy("Someone else changed this meeting a moment ago. Please look at it again.")


class ActionConflict(concurrency.Conflict):
    message = gettext_lazy("Someone else changed this action item a moment ago. Please look at it again.")


def meeting_link(meeting: Meeting) -> str:
    return f"/meetings/{meeting.pk}/"


def action_link(item: ActionItem) -> str:
    return f"/meetings/actions/{item.pk}/"


def invited_people(meeting: Meeting) -> list[Person]:
    """Invited persons, and the chairs and secretaries of invited organisations (two queries)."""
    people = {p.pk: p for p in Person.objects.filter(pk__in=meeting.invitations.filter(person__isnull=False).values("person_id"))}
    org_ids = list(meeting.invitations.filter(organisation__isnull=False).values_list("organisation_id", flat=True))
    for officers in policy.officers_of(org_ids).values():
        for person in officers:
            people.setdefault(person.pk, person)
    return list(people.values())


def meeting_clash(room: Room, starts_at: datetime, ends_at: datetime, exclude: int | None = None) -> ValidationError | None:
    """The refusal naming the meeting (not cancelled) that holds the room over part of that time, or None; its
    title only once its notice is out (a draft's title is not public yet). Registered with ``places.rooms``
    (``MeetingsConfig.ready``): bookings and other meetings ask it before they take a room."""
    meeting = (
        Meeting.objects.filter(room=room, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(status=Status.CANCELLED)
        .exclude(pk=exclude)
        .order_by("starts_at")
        .only("starts_at", "ends_at", "title", "notice_sent_at")
        .first()
    )
    if meeting is None:
        return None
    when = rooms.span_text(meeting.starts_at, meeting.ends_at)
    if meeting.notice_sent_at is None:
        return ValidationError({"room": _("The room is reserved for a meeting %(when)s.") % {"when": when}})
    return ValidationError(
        {"room": _("The room is reserved %(when)s for the meeting “%(title)s”.") % {"when": when, "title": meeting.title}}
    )


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


# --- organising --------------------------------------------------------------------------------


def create_meeting(
    *,
    actor: Person,
    community: Place,
    kind: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    purpose: str = "",
    room: Room | None = None,
    location: str = "",
    organising_organisation: Organisation | None = None,
    invitees: Iterable[Invitee] = (),
    topics: Iterable[Topic] = (),
    cases: Iterable[Case] = (),
    speech_seconds: int = 120,
    speeches_per_motion: int = 2,
    majority: str = MajorityRule.SIMPLE,
    abstentions_count: bool = False,
    residents_meeting_kind: str = "",
    eligible: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """A draft meeting with its invitations and an agenda built from topics and problem reports of the
    community. Community staff over the community only. Raises ``ValidationError`` or ``PermissionDenied``."""
    now = now or timezone.now()
    if community.kind not in COMMUNITY_KINDS:
        raise ValidationError({"community": _("A meeting belongs to a community or a village.")})
    _require(access.can_organise_in(actor, community))
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if kind not in Kind.values:
        errors["kind"] = _("Choose the kind of meeting.")
    if not title:
        errors["title"] = _("Give the meeting a title.")
    if starts_at is None or ends_at is None:
        errors["starts_at"] = _("Give the start and end time.")
    elif ends_at <= starts_at:
        errors["ends_at"] = _("The meeting must end after it starts.")
    elif starts_at <= now:
        errors["starts_at"] = _("The meeting must start in the future.")
    if room is None and not (location or "").strip():
        errors["location"] = _("Choose a room or say where the meeting is.")
    if (
        room is not None
        and not room.venue.place.path.startswith(community.path)
        and not community.path.startswith(room.venue.place.path)
    ):
        errors["room"] = _("Choose a room in this community.")
    if majority not in MajorityRule.values:
        errors["majority"] = _("Choose a majority rule.")
    if not 10 <= int(speech_seconds) <= 3600:
        errors["speech_seconds"] = _("Speaking time is between 10 seconds and an hour.")
    if not 1 <= int(speeches_per_motion) <= 20:
        errors["speeches_per_motion"] = _("Between 1 and 20 speeches per motion.")
    if kind == Kind.RESIDENTS_MEETING:
        if residents_meeting_kind not in ResidentsMeetingKind.values:
            errors["residents_meeting_kind"] = _("Say who attends the residents' meeting.")
        if not eligible or eligible < 1:
            errors["eligible"] = _("Give how many are entitled to attend, for the quorum.")
        majority = MajorityRule.ABSOLUTE_OF_PRESENT  # 组织法 Art 9: more than half of those present
    # The convening organisation belongs to the community, or to a place above it (the sub-district).
    if organising_organisation is not None and not (
        organising_organisation.path.startswith(community.path) or community.path.startswith(organising_organisation.path)
    ):
        errors["organising_organisation"] = _("Choose an organisation of this community.")
    if errors:
        raise ValidationError(errors)
    topics = list(topics)
    cases = list(cases)
    for topic in topics:
        if topic.path != community.path or not topic.is_open or topic.status == TopicStatus.COLLECTING:
            raise ValidationError({"topics": _("%(t)s is not a topic taken up in this community.") % {"t": topic.title}})
    for case in cases:
        if not case.path.startswith(community.path):
            raise ValidationError({"cases": _("Report #%(n)s is not in this community.") % {"n": case.pk}})
    invitees = topic_actions.check_seats(invitees, "invitations")

    with transaction.atomic():
        if room is not None:
            rooms.refuse_clash(room, starts_at, ends_at)  # a booking or another meeting in the room then
        meeting = Meeting.objects.create(
            community=community,
            path=community.path,
            kind=kind,
            title=title,
            purpose=(purpose or "").strip(),
            organiser=actor,
            organising_organisation=organising_organisation,
            room=room,
            location=(location or "").strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            notice_days=NOTICE_DAYS[kind],
            speech_seconds=speech_seconds,
            speeches_per_motion=speeches_per_motion,
            majority=majority,
            abstentions_count=abstentions_count,
            residents_meeting_kind=residents_meeting_kind if kind == Kind.RESIDENTS_MEETING else "",
            eligible=eligible if kind == Kind.RESIDENTS_MEETING else None,
            created_at=now,
            updated_at=now,
        )
        Invitation.objects.bulk_create(
            [Invitation(meeting=meeting, role=i.role, organisation=i.organisation, person=i.person) for i in invitees]
        )
        items = [AgendaItem(meeting=meeting, position=n, title=t.title, topic=t) for n, t in enumerate(topics, 1)]
        items += [
            AgendaItem(meeting=meeting, position=n, title=case_title(c), case=c) for n, c in enumerate(cases, len(items) + 1)
        ]
        AgendaItem.objects.bulk_create(items)
        audit.record(actor=actor, action="meeting.created", obj=meeting, invitations=len(invitees), agenda=len(items))
    return meeting


def case_title(case: Case) -> str:
    """An agenda line for a problem report, in no particular language: its number, category and the
    start of its description."""
    return f"#{case.pk} {case.category}: {case.description[:60]}"[:200]


def _draft_only(meeting: Meeting) -> None:
    if meeting.status != Status.DRAFT:
        raise ValidationError(_("The notice has gone out: the invitations and agenda are fixed."))


def add_agenda_item(
    *, actor: Person, meeting: Meeting, title: str = "", topic: Topic | None = None, case: Case | None = None
) -> AgendaItem:
    """Add an item to a draft meeting's agenda (at the end): a topic, a problem report, or other business."""
    _require(access.can_approve(actor, meeting))
    _draft_only(meeting)
    if topic is not None and (topic.path != meeting.path or topic.status == TopicStatus.COLLECTING or not topic.is_open):
        raise ValidationError({"topic": _("%(t)s is not a topic taken up in this community.") % {"t": topic.title}})
    if case is not None and not case.path.startswith(meeting.path):
        raise ValidationError({"case": _("Report #%(n)s is not in this community.") % {"n": case.pk}})
    title = (title or "").strip() or (topic.title if topic else case_title(case) if case else "")
    if not title:
        raise ValidationError({"title": _("Give the item a title.")})
    for _attempt in range(3):
        try:
            with transaction.atomic():
                last = meeting.agenda.aggregate(n=Max("position"))["n"] or 0
                item = AgendaItem.objects.create(meeting=meeting, position=last + 1, title=title[:200], topic=topic, case=case)
                audit.record(actor=actor, action="meeting.agenda_added", obj=meeting, item=item.pk)
                return item
        except IntegrityError:  # two added at once took the same position: take the next one
            continue
    raise Conflict


def invite(*, actor: Person, meeting: Meeting, invitees: Iterable[Invitee]) -> list[Invitation]:
    _require(access.can_approve(actor, meeting))
    _draft_only(meeting)
    invitees = topic_actions.check_seats(invitees, "invitations")
    existing = set(meeting.invitations.values_list("organisation_id", "person_id"))
    fresh = [
        Invitation(meeting=meeting, role=i.role, organisation=i.organisation, person=i.person)
        for i in invitees
        if (i.organisation.pk if i.organisation else None, i.person.pk if i.person else None) not in existing
    ]
    with transaction.atomic():
        Invitation.objects.bulk_create(fresh)
        audit.record(actor=actor, action="meeting.invited", obj=meeting, invitations=len(fresh))
    return fresh


def send_notice(*, actor: Person, meeting: Meeting, version: int | None = None, now: datetime | None = None) -> Meeting:
    """Send the notice: at least ``notice_days`` before the start, with an agenda and (except for a
    residents' meeting, which is announced to the community) invitations. Every invitee gets it in
    the app, by SMS, and by e-mail with the iCalendar invitation; decided topics on the agenda move
    to "participants notified"."""
    now = now or timezone.now()
    _require(access.can_approve(actor, meeting))
    if meeting.status == Status.CANCELLED:
        raise ValidationError(_("This meeting is cancelled."))
    if Status.NOTIFIED not in TRANSITIONS[meeting.status]:
        raise ValidationError(_("The notice for this meeting has already been sent."))
    if not meeting.agenda.exists():
        raise ValidationError(_("Put at least one item on the agenda first."))
    if meeting.kind != Kind.RESIDENTS_MEETING and not meeting.invitations.exists():
        raise ValidationError(_("Invite the participants first."))
    # the meeting may ask for a longer notice, never a shorter one than its kind's
    notice_days = max(meeting.notice_days, NOTICE_DAYS.get(meeting.kind, 0))
    latest = meeting.starts_at - timedelta(days=notice_days)
    if now > latest:
        raise ValidationError(
            _("The notice must go out at least %(n)d days before the meeting, that is by %(when)s. Move the meeting later.")
            % {"n": notice_days, "when": timezone.localtime(latest).strftime("%Y-%m-%d %H:%M")}
        )
    with transaction.atomic():
        compare_and_set(meeting, version, conflict=Conflict, status=Status.NOTIFIED, notice_sent_at=now, updated_at=now)
        audit.record(actor=actor, action="meeting.notice_sent", obj=meeting)
        _tell_invitees(meeting, _("Meeting notice: %(t)s") % {"t": meeting.title}, sms=True)
        if meeting.kind == Kind.RESIDENTS_MEETING:
            _tell_residents(meeting)
        for item in meeting.agenda.filter(topic__status=TopicStatus.DECIDED).select_related("topic"):
            topic_actions.follow_meeting(actor=actor, topic=item.topic, to_status=TopicStatus.NOTICE_PUBLISHED, now=now)
    return meeting


def _tell_residents(meeting: Meeting) -> None:
    """A residents' meeting concerns everyone in the community: each resident finds the notice in
    their inbox (in the app only; the notice board and the community's calendar carry it too)."""
    residents = Person.objects.filter(
        pk__in=HouseholdMember.objects.filter(path__startswith=meeting.path).values("person_id"), is_active=True
    ).only("id", "is_active")
    subject = _("Residents' meeting: %(t)s") % {"t": meeting.title}
    body = _("%(when)s, %(where)s") % {"when": _when(meeting), "where": meeting.where}
    notify_many([Notice(recipients=residents.iterator(chunk_size=2000), subject=subject, body=body, link=meeting_link(meeting))])


def _when(meeting: Meeting) -> str:
    return rooms.span_text(meeting.starts_at, meeting.ends_at)


def _tell_invitees(meeting: Meeting, subject: str, *, sms: bool = False, body: str = "", invitation: bool = True) -> None:
    """Everyone invited, in the app, by e-mail (with the calendar invitation or its cancellation when
    ``invitation``) and, when ``sms``, by text message."""
    body = body or _("%(when)s, %(where)s") % {"when": _when(meeting), "where": meeting.where}
    ics = calendar.meeting_invitation(meeting) if invitation else None
    notify_many(
        [
            Notice(
                recipients=invited_people(meeting),
                subject=subject,
                body=body,
                link=meeting_link(meeting),
                sms=sms,
                email=True,
                attachment=("invite.ics", f"text/calendar; method={calendar.method_of(meeting)}; charset=utf-8", ics)
                if ics
                else None,
            )
        ]
    )


def cancel_meeting(
    *, actor: Person, meeting: Meeting, reason: str, version: int | None = None, now: datetime | None = None
) -> Meeting:
    now = now or timezone.now()
    reason = (reason or "").strip()
    _require(access.can_approve(actor, meeting))
    if Status.CANCELLED not in TRANSITIONS[meeting.status]:
        raise ValidationError(_("A meeting that has started cannot be cancelled."))
    if not reason:
        raise ValidationError({"reason": _("Please give the reason for cancelling.")})
    with transaction.atomic():
        was_notified = meeting.status == Status.NOTIFIED
        compare_and_set(
            meeting,
            version,
            conflict=Conflict,
            status=Status.CANCELLED,
            cancel_reason=reason,
            sequence=meeting.sequence + 1,
            updated_at=now,
        )
        audit.record(actor=actor, action="meeting.cancelled", obj=meeting)
        if was_notified:
            _tell_invitees(meeting, _("Meeting cancelled: %(t)s") % {"t": meeting.title}, sms=True, body=reason)
    return meeting


def start_meeting(*, actor: Person, meeting: Meeting, version: int | None = None, now: datetime | None = None) -> Meeting:
    """Open the meeting (from an hour before its start); topics on the agenda go into deliberation.
    The organiser and managers only (``access.can_approve``)."""
    now = now or timezone.now()
    _require(access.can_approve(actor, meeting))
    if Status.IN_SESSION not in TRANSITIONS[meeting.status]:
        raise ValidationError(_("Only a meeting whose notice has gone out can be opened."))
    if now < meeting.starts_at - SIGN_IN_OPENS:
        raise ValidationError(
            _("The meeting can be opened from %(when)s.")
            % {"when": timezone.localtime(meeting.starts_at - SIGN_IN_OPENS).strftime("%Y-%m-%d %H:%M")}
        )
    with transaction.atomic():
        compare_and_set(meeting, version, conflict=Conflict, status=Status.IN_SESSION, updated_at=now)
        Minutes.objects.get_or_create(meeting=meeting)
        audit.record(actor=actor, action="meeting.started", obj=meeting)
        for item in meeting.agenda.filter(topic__status=TopicStatus.NOTICE_PUBLISHED).select_related("topic"):
            topic_actions.follow_meeting(actor=actor, topic=item.topic, to_status=TopicStatus.DELIBERATING, now=now)
    return meeting


def end_meeting(*, actor: Person, meeting: Meeting, version: int | None = None, now: datetime | None = None) -> Meeting:
    now = now or timezone.now()
    _require(access.can_approve(actor, meeting))
    if Status.ENDED not in TRANSITIONS[meeting.status]:
        raise ValidationError(_("Only a meeting in session can be closed."))
    with transaction.atomic():
        compare_and_set(meeting, version, conflict=Conflict, status=Status.ENDED, updated_at=now)
        audit.record(actor=actor, action="meeting.ended", obj=meeting)
    return meeting


# --- attendance --------------------------------------------------------------------------------


def _entitlement(meeting: Meeting, person: Person) -> tuple[Organisation | None, bool]:
    """Which invited organisation the person represents (if any), and whether they vote."""
    # An expert does not vote unless they are also a stakeholder (a member of an organisation invited
    # in another role, or a resident at a residents' meeting), in which case they take part as that.
    own = meeting.invitations.filter(person=person).first()
    if own is not None and own.votes:
        return None, True
    org_invites = list(meeting.invitations.filter(organisation__memberships__person=person).select_related("organisation"))
    for invitation in org_invites:
        if invitation.votes:
            return invitation.organisation, True
    if meeting.kind == Kind.RESIDENTS_MEETING and meeting.path in home_community_paths(person):
        return None, True
    if own is None and org_invites:
        return org_invites[0].organisation, False
    return None, False


def sign_in(*, actor: Person, meeting: Meeting, person: Person | None = None, now: datetime | None = None) -> Attendance:
    """Record attendance: a participant signs themselves in from a phone, or whoever records the
    meeting signs someone in. From an hour before the start until the meeting ends; once per person."""
    now = now or timezone.now()
    person = person or actor
    if person.pk == actor.pk:
        _require(access.can_sign_in_self(actor, meeting) or access.can_record(actor, meeting))
    else:
        # Whoever records the meeting may also sign in a guest (列席): present, without a vote.
        _require(access.can_record(actor, meeting))
    if meeting.status not in (Status.NOTIFIED, Status.IN_SESSION) or now < meeting.starts_at - SIGN_IN_OPENS:
        raise ValidationError(_("Signing in is open from an hour before the meeting until it ends."))
    organisation, votes = _entitlement(meeting, person)
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                meeting=meeting,
                person=person,
                organisation=organisation,
                entitled_to_vote=votes,
                signed_in_at=now,
                recorded_by=actor,
            )
    except IntegrityError:
        raise ValidationError(_("%(who)s has already signed in.") % {"who": person.name}) from None
    return attendance


# --- the speaking queue ------------------------------------------------------------------------


def _queue_change(actor: Person, meeting: Meeting, change) -> SpeakingQueue:
    _require(access.can_record(actor, meeting))
    in_session = _("The speaking queue runs while the meeting is in session.")
    if meeting.status != Status.IN_SESSION:
        raise ValidationError(in_session)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status != Status.IN_SESSION:  # ``meeting`` was read before someone closed it
            raise ValidationError(in_session)
        queue = SpeakingQueue.from_dict(locked.speaking_queue) if locked.speaking_queue else SpeakingQueue(meeting.rule_set)
        names = dict(meeting.attendances.values_list("person_id", "person__name"))
        queue.name_of = lambda pk: names.get(pk, str(pk))
        try:
            change(queue)
        except SpeakingRefused as refused:
            raise ValidationError(str(refused)) from None
        Meeting.objects.filter(pk=meeting.pk).update(speaking_queue=queue.to_dict())
        meeting.speaking_queue = queue.to_dict()
    return queue


def _item_of(meeting: Meeting, item_id: int) -> AgendaItem:
    item = meeting.agenda.filter(pk=item_id).first()
    if item is None:
        raise ValidationError(_("That item is not on this meeting's agenda."))
    return item


def _attendee(meeting: Meeting, person_id: int) -> Attendance:
    attendance = meeting.attendances.filter(person_id=person_id).select_related("person").first()
    if attendance is None:
        raise ValidationError(_("Only those signed in may speak."))
    return attendance


def raise_hand(*, actor: Person, meeting: Meeting, item_id: int, person_id: int, stance: str | None = None) -> SpeakingQueue:
    """The chair adds someone who asked for the floor on an item (its motion)."""
    if stance and stance not in Stance.values:
        raise ValidationError({"stance": _("Say for or against.")})
    _item_of(meeting, item_id)
    _attendee(meeting, person_id)
    return _queue_change(actor, meeting, lambda q: q.raise_hand(person_id, item_id, stance or None))


def lower_hand(*, actor: Person, meeting: Meeting, item_id: int, person_id: int) -> SpeakingQueue:
    return _queue_change(actor, meeting, lambda q: q.lower_hand(person_id, item_id))


def give_floor(*, actor: Person, meeting: Meeting, item_id: int, person_id: int | None = None) -> int | None:
    """Count a speech on the item: by ``person_id``, or by whoever the queue puts next. Returns who spoke."""
    _item_of(meeting, item_id)
    spoke: list[int] = []

    def change(queue: SpeakingQueue) -> None:
        who = person_id if person_id is not None else queue.next_speaker(item_id)
        if who is None:
            raise SpeakingRefused(_("Nobody is waiting to speak."))
        queue.record_speech(who, item_id)
        spoke.append(who)

    if person_id is not None:
        _attendee(meeting, person_id)
    _queue_change(actor, meeting, change)
    return spoke[0] if spoke else None


# --- minutes and votes -------------------------------------------------------------------------


def _open_minutes(meeting: Meeting) -> Minutes:
    if meeting.status not in (Status.IN_SESSION, Status.ENDED):
        raise ValidationError(_("Minutes are taken once the meeting is open."))
    minutes, _created = Minutes.objects.get_or_create(meeting=meeting)
    if minutes.is_fixed:
        raise ValidationError(
            _("The minutes are %(status)s and can no longer be edited; add an amendment instead.")
            % {"status": minutes.get_status_display()}
        )
    return minutes


def record_minute(*, actor: Person, item: AgendaItem, discussion: str = "", decision: str = "") -> AgendaItem:
    """The discussion summary and decision of one agenda item, while the minutes are a draft."""
    meeting = item.meeting
    _require(access.can_record(actor, meeting))
    with transaction.atomic():
        minutes = _open_minutes(meeting)
        Minutes.objects.select_for_update().get(pk=minutes.pk)
        if Minutes.objects.get(pk=minutes.pk).is_fixed:
            raise ValidationError(_("The minutes can no longer be edited; add an amendment instead."))
        item.discussion = (discussion or "").strip()
        item.decision = (decision or "").strip()
        item.save(update_fields=["discussion", "decision"])
        audit.record(actor=actor, action="meeting.minuted", obj=meeting, item=item.pk)
    return item


def record_summary(*, actor: Person, meeting: Meeting, summary: str) -> Minutes:
    _require(access.can_record(actor, meeting))
    with transaction.atomic():
        minutes = _open_minutes(meeting)
        updated = Minutes.objects.filter(pk=minutes.pk, status=Minutes.Status.DRAFT).update(summary=(summary or "").strip())
        if not updated:
            raise ValidationError(_("The minutes can no longer be edited; add an amendment instead."))
        audit.record(actor=actor, action="meeting.summary", obj=meeting)
        minutes.refresh_from_db()
    return minutes


def record_vote(*, actor: Person, item: AgendaItem, votes_for: int, votes_against: int, votes_abstain: int) -> AgendaItem:
    """Record a vote on an item among the attendees entitled to vote and apply the meeting's majority
    rule (``deliberation.rules.tally``). At a residents' meeting the quorum (组织法 Art 9) is checked
    first. Only the organiser, managers and the representatives of invited organisations record votes.
    The meeting row is locked, so the count of those present and the vote are taken together."""
    meeting = item.meeting
    _require(access.can_record(actor, meeting))
    counts = {"votes_for": votes_for, "votes_against": votes_against, "votes_abstain": votes_abstain}
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError({name: _("Give a whole number, zero or more.")})
    with transaction.atomic():
        Meeting.objects.select_for_update().get(pk=meeting.pk)
        minutes = _open_minutes(meeting)
        # locked like ``record_minute``: an approval that lands first is seen, one that comes later waits
        if Minutes.objects.select_for_update().get(pk=minutes.pk).is_fixed:
            raise ValidationError(_("The minutes can no longer be edited; add an amendment instead."))
        present = meeting.attendances.filter(entitled_to_vote=True).count()
        cast = votes_for + votes_against + votes_abstain
        if cast > present:
            raise ValidationError(
                _("%(cast)d votes recorded but only %(present)d attendees are entitled to vote.")
                % {"cast": cast, "present": present}
            )
        rule_set = meeting.rule_set
        if meeting.kind == Kind.RESIDENTS_MEETING:
            # more present than the number stated as entitled is certainly a quorum (and not a crash)
            eligible = meeting.eligible or 0
            if not residents_meeting_quorum(
                kind=meeting.residents_meeting_kind, eligible=eligible, present=min(present, eligible)
            ):
                raise ValidationError(
                    _("No quorum: %(present)d present of %(eligible)d; more than half must attend.")
                    % {"present": present, "eligible": eligible}
                )
            # 组织法 Art 9: more than half of those present, whatever the meeting's row says
            rule_set = RESIDENTS_MEETING_RULES
        outcome = tally(rule_set, yes=votes_for, no=votes_against, abstain=votes_abstain, present=present)
        for name, value in counts.items():
            setattr(item, name, value)
        item.votes_present = present
        item.majority = rule_set.majority
        item.carried = outcome.passed
        item.result = outcome.reason
        item.voted_at = timezone.now()
        item.save(
            update_fields=[*counts, "votes_present", "majority", "carried", "result", "voted_at"],
        )
        audit.record(actor=actor, action="meeting.vote_recorded", obj=meeting, item=item.pk, carried=outcome.passed, **counts)
    return item


def _move_minutes(actor: Person, meeting: Meeting, frm: str, to: str, version: int | None, now: datetime, **changes) -> Minutes:
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None or minutes.status != frm:
        labels = {
            Minutes.Status.APPROVED: _("Only draft minutes can be approved."),
            Minutes.Status.PUBLISHED: _("Only approved minutes can be published."),
        }
        raise ValidationError(labels[to])
    compare_and_set(minutes, version, conflict=Conflict, status=to, **changes)
    audit.record(actor=actor, action=f"minutes.{to}", obj=meeting)
    return minutes


def approve_minutes(*, actor: Person, meeting: Meeting, version: int | None = None, now: datetime | None = None) -> Minutes:
    """Fix the minutes once the meeting has ended; after this nothing in them changes."""
    now = now or timezone.now()
    _require(access.can_approve(actor, meeting))
    if meeting.status != Status.ENDED:
        raise ValidationError(_("Close the meeting before approving its minutes."))
    with transaction.atomic():
        return _move_minutes(
            actor, meeting, Minutes.Status.DRAFT, Minutes.Status.APPROVED, version, now, approved_at=now, approved_by=actor
        )


def publish_minutes(*, actor: Person, meeting: Meeting, version: int | None = None, now: datetime | None = None) -> Minutes:
    """Publish approved minutes to the community. Topics on the agenda that are in deliberation (or
    before the residents' meeting) get the item's decision as their outcome."""
    now = now or timezone.now()
    _require(access.can_approve(actor, meeting))
    with transaction.atomic():
        minutes = _move_minutes(
            actor, meeting, Minutes.Status.APPROVED, Minutes.Status.PUBLISHED, version, now, published_at=now, published_by=actor
        )
        for item in meeting.agenda.filter(topic__isnull=False).exclude(decision="").select_related("topic"):
            if item.topic.status in (TopicStatus.DELIBERATING, TopicStatus.RESIDENTS_MEETING):
                note = item.decision if item.carried is None else f"{item.decision}\n{item.result}"
                topic_actions.follow_meeting(
                    actor=actor, topic=item.topic, to_status=TopicStatus.OUTCOME_RECORDED, note=note, now=now
                )
        _tell_invitees(
            meeting, _("Minutes published: %(t)s") % {"t": meeting.title}, body=minutes.summary[:500], invitation=False
        )
    return minutes


def amend_minutes(*, actor: Person, meeting: Meeting, text: str, now: datetime | None = None) -> Amendment:
    now = now or timezone.now()
    text = (text or "").strip()
    _require(access.can_approve(actor, meeting))
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None or not minutes.is_fixed:
        raise ValidationError(_("Draft minutes are edited directly; amendments are for approved or published minutes."))
    if not text:
        raise ValidationError({"text": _("Write the amendment.")})
    with transaction.atomic():
        amendment = Amendment.objects.create(minutes=minutes, text=text, at=now, actor=actor)
        audit.record(actor=actor, action="minutes.amended", obj=meeting)
    return amendment


# --- action items ------------------------------------------------------------------------------


def create_action_item(
    *,
    actor: Person,
    title: str,
    due_on: date,
    owner_organisation: Organisation | None = None,
    owner_person: Person | None = None,
    agenda_item: AgendaItem | None = None,
    topic: Topic | None = None,
    case: Case | None = None,
    community: Place | None = None,
    details: str = "",
    now: datetime | None = None,
) -> ActionItem:
    """Work a decision gives to an owner. From an agenda item with a decision (its meeting, topic and
    problem report are linked), or for a topic or problem report directly. Managers over the community,
    or whoever records the meeting. The owner is told."""
    now = now or timezone.now()
    title = (title or "").strip()
    meeting = agenda_item.meeting if agenda_item else None
    if agenda_item is not None:
        topic = topic or agenda_item.topic
        case = case or agenda_item.case
        community = meeting.community
    elif topic is not None:
        community = topic.community
    elif case is not None:
        community = Place.objects.filter(path__in=ancestor_paths(case.path), kind__in=sorted(COMMUNITY_KINDS)).first()
    if case is None and topic is not None and topic.case_id:
        case = topic.case
    if community is None:
        raise ValidationError(_("Say which decision, topic or problem report this work is for."))
    allowed = access.can_organise_in(actor, community) or (meeting is not None and access.can_record(actor, meeting))
    _require(allowed)
    errors = {}
    if not title:
        errors["title"] = _("Say what is to be done.")
    if (owner_organisation is None) == (owner_person is None):
        errors["owner"] = _("Name one owner: an organisation or a person.")
    if due_on is None:
        errors["due_on"] = _("Give a due date.")
    elif due_on < timezone.localdate(now):
        errors["due_on"] = _("The due date cannot be in the past.")
    if agenda_item is not None and not agenda_item.decision and agenda_item.carried is None:
        errors["agenda_item"] = _("Record the decision on this item first.")
    if agenda_item is not None and agenda_item.carried is False:
        errors["agenda_item"] = _("The motion was not carried.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = ActionItem.objects.create(
            community=community,
            path=community.path,
            title=title[:200],
            details=(details or "").strip(),
            meeting=meeting,
            agenda_item=agenda_item,
            topic=topic,
            case=case,
            owner_organisation=owner_organisation,
            owner_person=owner_person,
            due_on=due_on,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        audit.record(actor=actor, action="action.created", obj=item)
        notify_many(
            [
                Notice(
                    recipients=owners_of(item),
                    subject=_("New action item for you: %(t)s") % {"t": item.title},
                    body=_("Due on %(d)s") % {"d": item.due_on.isoformat()},
                    link=action_link(item),
                )
            ]
        )
    return item


def owners_of(item: ActionItem) -> list[Person]:
    if item.owner_person_id:
        return [item.owner_person]
    return policy.officers_of([item.owner_organisation_id]).get(item.owner_organisation_id, [])


def update_action_item(
    *,
    actor: Person,
    item: ActionItem,
    status: str,
    evidence: str = "",
    photos: Iterable = (),
    version: int | None = None,
    now: datetime | None = None,
) -> ActionItem:
    """Report progress: start the work, finish it with evidence (a note, and photos), or (managers)
    cancel it with a reason. Finishing work linked to a problem report moves the report on and tells
    the resident; the organiser hears when the last open item of a topic is done."""
    from cases.photos import clean_photos

    now = now or timezone.now()
    evidence = (evidence or "").strip()
    _require(access.can_update_action(actor, item))
    if status not in ACTION_TRANSITIONS or status not in ACTION_TRANSITIONS[item.status]:
        raise ValidationError(
            _("An action item that is %(status)s cannot become %(target)s.")
            % {"status": item.get_status_display(), "target": dict(ActionItem.Status.choices).get(status, status)}
        )
    if status == ActionItem.Status.CANCELLED:
        _require(access.can_manage_action(actor, item))
        if not evidence:
            raise ValidationError({"evidence": _("Please give the reason for cancelling.")})
    if status == ActionItem.Status.DONE and not evidence:
        raise ValidationError({"evidence": _("Describe what was done (evidence of completion).")})
    cleaned = clean_photos(list(photos))
    changes: dict = {"status": status, "updated_at": now}
    if status in (ActionItem.Status.DONE, ActionItem.Status.CANCELLED):
        changes.update(evidence=evidence, completed_at=now, completed_by=actor)
    with transaction.atomic():
        compare_and_set(item, version, conflict=ActionConflict, **changes)
        for photo in cleaned:
            EvidencePhoto.objects.create(
                action_item=item, image=photo.content, content_type=photo.content_type, width=photo.width, height=photo.height
            )
        audit.record(actor=actor, action=f"action.{status}", obj=item)
        if status == ActionItem.Status.DONE:
            _done(actor, item, evidence, now)
        if item.topic_id:
            _topic_work_finished(item)
    return item


def _done(actor: Person, item: ActionItem, evidence: str, now: datetime) -> None:
    if item.case_id:
        note = _("Done as decided (%(t)s): %(e)s") % {"t": item.title, "e": evidence}
        case_actions.resolve_by_decision(actor=actor, case=item.case, note=note, now=now)
    organiser = item.meeting.organiser if item.meeting_id and item.meeting.organiser_id else item.created_by
    notices = []
    if organiser is not None and organiser.pk != actor.pk:
        notices.append(
            Notice(recipients=[organiser], subject=_("Done: %(t)s") % {"t": item.title}, body=evidence, link=action_link(item))
        )
    notify_many(notices)


def _topic_work_finished(item: ActionItem) -> None:
    """When the last open action item of a topic is done or cancelled, community staff are asked to
    publish the feedback (the 2015 Opinion's "implement and report back")."""
    if ActionItem.objects.filter(topic_id=item.topic_id, status__in=OPEN_ACTION_STATUSES).exists():
        return
    staff = topic_actions.community_staff(item.topic)
    subject = _("All action items of %(t)s are done: publish the feedback") % {"t": item.topic.title}
    notify_many([Notice(recipients=staff, subject=subject, link=f"/deliberation/topics/{item.topic_id}/")])


def sweep_action_items(*, now: datetime | None = None, batch: int = 5000) -> dict[str, int]:
    """Remind owners ``REMIND_DAYS`` before the due date, and report overdue items to the organiser
    (the meeting's, else whoever created the item) and the owner. Each item is reminded once and
    reported once (``reminded_at``, ``overdue_reported_at``); running it again does nothing new.
    Uses the partial indexes ``action_remind_idx`` and ``action_overdue_idx``."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"reminded": 0, "overdue": 0}
    base = ActionItem.objects.filter(status__in=OPEN_ACTION_STATUSES)
    remind = base.filter(reminded_at__isnull=True, due_on__lte=today + timedelta(days=REMIND_DAYS), due_on__gte=today)
    overdue = base.filter(overdue_reported_at__isnull=True, due_on__lt=today)
    for kind, rows, field in (("reminded", remind, "reminded_at"), ("overdue", overdue, "overdue_reported_at")):
        while True:
            with transaction.atomic():
                items = list(
                    rows.select_for_update(skip_locked=True, of=("self",))
                    .select_related("owner_person", "meeting__organiser", "created_by")
                    .order_by("due_on", "id")[:batch]
                )
                if not items:
                    break
                ActionItem.objects.filter(pk__in=[i.pk for i in items]).update(**{field: now})
                notify_many(_sweep_notices(kind, items))
                counts[kind] += len(items)
            if len(items) < batch:
                break
    return counts


def _sweep_notices(kind: str, items: list[ActionItem]) -> list[Notice]:
    org_ids = {i.owner_organisation_id for i in items if i.owner_organisation_id}
    officers = policy.officers_of(org_ids)
    notices = []
    for item in items:
        owners = [item.owner_person] if item.owner_person_id else officers.get(item.owner_organisation_id, [])
        if kind == "reminded":
            subject = _("Due on %(d)s: %(t)s") % {"d": item.due_on.isoformat(), "t": item.title}
            notices.append(Notice(recipients=owners, subject=subject, link=action_link(item)))
        else:
            subject = _("Overdue since %(d)s: %(t)s") % {"d": item.due_on.isoformat(), "t": item.title}
            organiser = item.meeting.organiser if item.meeting_id and item.meeting.organiser_id else item.created_by
            notices.append(Notice(recipients=[*owners, organiser], subject=subject, link=action_link(item)))
    return notices
