"""State changes on consultation topics: raise (also from a problem report), endorse, decide, and move
along the procedure; and a community's own settings. Each action runs in one transaction, re-checks
its preconditions, writes the topic's path (``TopicStep``) and an audit entry, and notifies through the
outbox (sent only on commit).

Concurrency: every status change is a compare-and-set on ``(status, version)``; of two staff acting on
one topic at once, one wins and the other gets ``Conflict``. Endorsing locks the topic row (one lock,
taken before counting the households), so two endorsements at once count right and the threshold is
recorded once; a decision that lands first makes the waiting endorsement see the new status and stop.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, Level
from cases.models import Status as CaseStatus
from core import audit, concurrency
from core.concurrency import compare_and_set
from core.outbox import Notice, notify_many
from people import policy
from people.models import HouseholdMember, Organisation, Ownership, Person, Role, RoleAssignment
from places.models import Place, ancestor_paths

from . import access
from .models import (
    COMMUNITY_KINDS,
    DECISION_STATUSES,
    NOTE_REQUIRED,
    STAKEHOLDER_ORGANISATIONS,
    TRANSITIONS,
    DeliberationSettings,
    Endorsement,
    Format,
    Source,
    Stakeholder,
    Status,
    Topic,
    TopicParticipant,
    TopicStep,
)
from .rules import must_call_residents_meeting

# A problem report recurs in one building when this many reports of its category came from the same
# place within this many days (the report itself included).
RECURRING_REPORTS = 3
RECURRING_DAYS = 90


class Conflict(concurrency.Conflict):
    """Someone else changed the topic first."""

    message = gettext_lazy("Someone else changed this topic a moment ago. Please look at it again.")


@dataclass(frozen=True)
class Invitee:
    """Someone to take part in a topic: an organisation or a person, in a stakeholder role."""

    role: str
    organisation: Organisation | None = None
    person: Person | None = None


def _link(topic: Topic) -> str:
    return f"/deliberation/topics/{topic.pk}/"


def community_staff(topic: Topic) -> list[Person]:
    """Community staff over the topic's community (one query)."""
    rows = RoleAssignment.objects.active().filter(role=Role.COMMUNITY_STAFF, path__in=ancestor_paths(topic.path))
    return [a.person for a in rows.select_related("person")]


def participant_people(topic: Topic) -> list[Person]:
    """The persons taking part, and the chairs and secretaries of the organisations taking part."""
    people = {p.pk: p for p in Person.objects.filter(pk__in=topic.participants.filter(person__isnull=False).values("person_id"))}
    org_ids = list(topic.participants.filter(organisation__isnull=False).values_list("organisation_id", flat=True))
    for officers in policy.officers_of(org_ids).values():
        for person in officers:
            people.setdefault(person.pk, person)
    return list(people.values())


# --- the community's settings ------------------------------------------------------------------


def settings_for(community: Place) -> DeliberationSettings:
    """The community's settings, or the defaults (unsaved) when it has set none."""
    found = DeliberationSettings.objects.filter(community=community).first()
    return found or DeliberationSettings(community=community)


def community_households(path: str) -> int:
    """Households in a community: the units somebody lives in or owns, the same units an endorsement
    counts for (``_household_of``)."""
    lived = HouseholdMember.objects.filter(path__startswith=path).values("unit_id")
    owned = Ownership.objects.filter(path__startswith=path).values("unit_id")
    return lived.union(owned).count()


def residents_meeting_required(topic: Topic) -> bool:
    """Do the topic's endorsers make a proposal the residents' committee must put to a residents'
    meeting? 组织法 Art 10: at least a fifth of the community's households (``rules.must_call_residents_meeting``)."""
    if topic.endorsed_households == 0:
        return False
    households = community_households(topic.path)
    return must_call_residents_meeting(
        adults=0,
        adults_requesting=0,
        households=max(households, topic.endorsed_households),
        households_requesting=topic.endorsed_households,
        groups=0,
        groups_requesting=0,
    )


def configure_deliberation(
    *,
    actor: Person,
    community: Place,
    threshold_households: int | None = None,
    threshold_per_mille: int | None = None,
    outcome_notice_days: int | None = None,
) -> DeliberationSettings:
    """Set when a proposal goes on the decision list: a number of households, or a share of the
    community's households in per mille (not both; neither: the default). Community staff over it only.
    Topics already collecting are measured against the new threshold at their next endorsement."""
    if not access.can_manage_community(actor, community):
        raise PermissionDenied
    if threshold_households is not None and threshold_per_mille is not None:
        raise ValidationError(_("Set the threshold as a number of households or as a share, not both."))
    if threshold_households is not None and threshold_households < 1:
        raise ValidationError({"threshold_households": _("At least one household.")})
    if threshold_per_mille is not None and not 1 <= threshold_per_mille <= 1000:
        raise ValidationError({"threshold_per_mille": _("A share between 1‰ and 1000‰.")})
    if outcome_notice_days is not None and outcome_notice_days < 1:
        raise ValidationError({"outcome_notice_days": _("At least one day.")})
    with transaction.atomic():
        found = settings_for(community)
        found.threshold_households = threshold_households
        found.threshold_per_mille = threshold_per_mille
        if outcome_notice_days is not None:
            found.outcome_notice_days = outcome_notice_days
        found.updated_at = timezone.now()
        found.save()
        audit.record(
            actor=actor,
            action="deliberation.configured",
            obj=found,
            threshold_households=threshold_households,
            threshold_per_mille=threshold_per_mille,
            outcome_notice_days=found.outcome_notice_days,
        )
    return found


# --- raising ---------------------------------------------------------------------------------


def raise_topic(
    *,
    proposer: Person,
    community: Place,
    title: str,
    description: str,
    source: str,
    case: Case | None = None,
    now: datetime | None = None,
) -> Topic:
    """Raise a topic in a community. Preconditions: a resident proposal comes from someone who lives
    or owns there (it counts as their endorsement); a staff topic, or one from a problem report (an
    eligible one in the same community, see ``case_grounds``), from community staff over it.
    """
    now = now or timezone.now()
    title = (title or "").strip()
    description = (description or "").strip()
    if community.kind not in COMMUNITY_KINDS:
        raise ValidationError({"community": _("Choose a community or village.")})
    if not title:
        raise ValidationError({"title": _("Please give the topic a title.")})
    if not description:
        raise ValidationError({"description": _("Please describe the topic.")})
    if source not in Source.values:
        raise ValidationError({"source": _("Choose where the topic comes from.")})
    if (source == Source.PROBLEM_REPORT) != (case is not None):
        raise ValidationError({"case": _("A topic from a problem report names that report, and only such a topic does.")})
    grounds = ""
    if source == Source.RESIDENT:
        if not access.is_member_of(proposer, community.path):
            raise PermissionDenied
    elif not access.can_manage_community(proposer, community):
        raise PermissionDenied
    if case is not None:
        if not case.path.startswith(community.path):
            raise ValidationError({"case": _("That problem report is not in this community.")})
        grounds = case_grounds(case)
        if not grounds:
            raise ValidationError(
                {
                    "case": _(
                        "Only a report the reporter was unsatisfied with, reopened, recurring in one building, "
                        "or beyond one party's power becomes a topic."
                    )
                }
            )
    with transaction.atomic():
        if case is not None and Topic.objects.filter(case=case).open().exists():
            raise ValidationError({"case": _("This problem report is already an open topic.")})
        topic = Topic.objects.create(
            community=community,
            path=community.path,
            title=title,
            description=description,
            source=source,
            case=case,
            proposer=proposer,
            created_at=now,
            updated_at=now,
        )
        TopicStep.objects.create(topic=topic, at=now, actor=proposer, to_status=Status.COLLECTING, note=grounds)
        audit.record(actor=proposer, action="topic.raised", obj=topic, source=source, case=case.pk if case else None)
        if source == Source.RESIDENT:
            # proposing is endorsing: the proposer's household counts from the start
            _add_endorsement(topic, proposer, now=now)
        notices = [Notice(recipients=community_staff(topic), subject=_("New topic: %(t)s") % {"t": title}, link=_link(topic))]
        notify_many(notices)
    return topic


def case_grounds(case: Case) -> str:
    """Why a problem report may become a topic, or "" when it may not: the reporter was unsatisfied
    or reopened it (``needs_meeting``); it climbed past the building and lane (beyond one party's
    power); or the same problem keeps being reported from one place."""
    if case.status in (CaseStatus.REJECTED, CaseStatus.MERGED):
        return ""
    if case.needs_meeting:
        return _("The reporter was unsatisfied or reopened the report.")
    if case.level >= Level.COMMUNITY:
        return _("The report went beyond what the first party could resolve.")
    since = case.created_at - timedelta(days=RECURRING_DAYS)
    same = Case.objects.filter(place_id=case.place_id, category_id=case.category_id, created_at__gte=since)
    if same.exclude(status=CaseStatus.MERGED).count() >= RECURRING_REPORTS:
        return _("The same problem keeps being reported in this place.")
    return ""


def raise_topic_from_case(
    *, actor: Person, case: Case, title: str = "", description: str = "", now: datetime | None = None
) -> Topic:
    """Community staff turn an eligible problem report into a topic in the report's community
    (title and description default to the report's)."""
    if not access.can_raise_from_case(actor, case):
        raise PermissionDenied
    community = Place.objects.communities().filter(pk__in=[int(s) for s in case.path.split(".") if s]).first()
    if community is None:
        raise ValidationError({"case": _("That problem report is not in a community.")})
    return raise_topic(
        proposer=actor,
        community=community,
        title=title or _("%(category)s at %(address)s") % {"category": case.category, "address": case.address},
        description=description or case.description,
        source=Source.PROBLEM_REPORT,
        case=case,
        now=now,
    )


# --- endorsing -------------------------------------------------------------------------------


def _household_of(person: Person, path: str):
    """The unit a person's endorsement counts for: their home in the community, else a unit they own there."""
    home = HouseholdMember.objects.filter(person=person, path__startswith=path).order_by("id").values("unit_id").first()
    if home is None:
        home = Ownership.objects.filter(person=person, path__startswith=path).order_by("id").values("unit_id").first()
    return home["unit_id"] if home else None


def _add_endorsement(topic: Topic, person: Person, *, now: datetime) -> bool:
    """Inside the caller's transaction, with the topic locked (or just created): record the endorsement,
    recount the households, and note when the threshold is first reached. False if already endorsed."""
    unit_id = _household_of(person, topic.path)
    if unit_id is None:
        raise PermissionDenied
    try:
        with transaction.atomic():
            Endorsement.objects.create(topic=topic, person=person, unit_id=unit_id, at=now)
    except IntegrityError:
        return False
    households = Endorsement.objects.filter(topic=topic).values("unit_id").distinct().count()
    changes: dict = {"endorsed_households": households}
    rules = settings_for(topic.community)
    reached = topic.threshold_reached_at is None and rules.is_reached(
        households, community_households(topic.path) if rules.threshold_per_mille is not None else 0
    )
    if reached:
        changes["threshold_reached_at"] = now
    Topic.objects.filter(pk=topic.pk).update(**changes)
    for field, value in changes.items():
        setattr(topic, field, value)
    if reached:
        audit.record(actor=person, action="topic.threshold_reached", obj=topic, households=households)
        subject = _("Topic ready for decision: %(t)s") % {"t": topic.title}
        body = _("%(n)d households have endorsed it.") % {"n": households}
        notify_many([Notice(recipients=community_staff(topic), subject=subject, body=body, link=_link(topic))])
    return True


def endorse_topic(*, person: Person, topic: Topic, now: datetime | None = None) -> Topic:
    """Endorse a collecting topic. Preconditions: the person lives or owns in the topic's community and
    has not endorsed it yet (the proposer already has). Locks the topic row, then counts households."""
    now = now or timezone.now()
    if not access.is_member_of(person, topic.path):
        raise PermissionDenied
    with transaction.atomic():
        locked = Topic.objects.select_for_update().select_related("community").get(pk=topic.pk)
        if locked.status != Status.COLLECTING:
            raise ValidationError(_("Only a topic that is still collecting opinions can be endorsed."))
        if not _add_endorsement(locked, person, now=now):
            raise ValidationError(_("You have already endorsed this topic."))
        audit.record(actor=person, action="topic.endorsed", obj=locked)
    for field in ("endorsed_households", "threshold_reached_at"):
        setattr(topic, field, getattr(locked, field))
    return topic


# --- the procedure ---------------------------------------------------------------------------


def check_seats(seats: Iterable[Invitee], field: str) -> list[Invitee]:
    """Who takes part (a topic's participants, a meeting's invitees): each an organisation or a person,
    in a stakeholder role its kind of organisation may take (``STAKEHOLDER_ORGANISATIONS``), named once.
    Errors are reported on ``field``."""
    seats = list(seats)
    seen: set[tuple[str, int]] = set()
    for i in seats:
        if i.role not in Stakeholder.values or (i.organisation is None) == (i.person is None):
            raise ValidationError({field: _("Each participant is an organisation or a person, in a role.")})
        key = ("o", i.organisation.pk) if i.organisation else ("p", i.person.pk)
        if key in seen:
            raise ValidationError({field: _("%(who)s is named twice.") % {"who": i.organisation or i.person}})
        seen.add(key)
        if i.organisation is not None and i.organisation.kind not in STAKEHOLDER_ORGANISATIONS[i.role]:
            raise ValidationError(
                {field: _("%(org)s cannot take part as %(role)s.") % {"org": i.organisation, "role": Stakeholder(i.role).label}}
            )
    return seats


def _check_invitees(topic: Topic, invitees: Iterable[Invitee]) -> list[Invitee]:
    """The seats, plus: at least one stakeholder who deliberates, organisations of (or serving) the
    community, residents who live or own there."""
    invitees = check_seats(invitees, "participants")
    if not any(i.role != Stakeholder.EXPERT for i in invitees):
        raise ValidationError({"participants": _("Name the stakeholders who take part; experts advise but do not deliberate.")})
    served = None
    for i in invitees:
        if i.organisation is not None:
            org = i.organisation
            if i.role != Stakeholder.EXPERT and not (org.path.startswith(topic.path) or topic.path.startswith(org.path)):
                if served is None:
                    served = set(
                        Place.objects.filter(path__startswith=topic.path, serving_organisations__isnull=False).values_list(
                            "serving_organisations", flat=True
                        )
                    )
                if org.pk not in served:
                    raise ValidationError({"participants": _("%(org)s has no part in this community.") % {"org": org}})
        elif i.role == Stakeholder.RESIDENT and not access.is_member_of(i.person, topic.path):
            raise ValidationError({"participants": _("%(who)s does not live or own in this community.") % {"who": i.person.name}})
    return invitees


def decide_topic(
    *,
    actor: Person,
    topic: Topic,
    take_up: bool,
    reason: str = "",
    participants: Iterable[Invitee] = (),
    format: str = "",  # noqa: A002 - the form of consultation, as the Opinion calls it
    planned_for: datetime | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Topic:
    """The community party organisation and residents' committee (community staff) decide on a collecting
    topic: take it up, naming who takes part (at least one stakeholder who deliberates) and the form of
    consultation; or decline it with a reason. The proposer is told either way, participants when invited.
    Raises ``ValidationError``, ``PermissionDenied`` or ``Conflict``.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not access.can_manage(actor, topic):
        raise PermissionDenied
    target = Status.DECIDED if take_up else Status.DECLINED
    if target not in TRANSITIONS[topic.status]:
        raise ValidationError(
            _("This topic is %(status)s: it has been decided already.") % {"status": topic.get_status_display()}
        )
    changes: dict = {"status": target, "decided_at": now, "decided_by": actor, "decision_reason": reason, "updated_at": now}
    invitees: list[Invitee] = []
    if take_up:
        if format not in Format.values:
            raise ValidationError({"format": _("Choose the form of consultation.")})
        invitees = _check_invitees(topic, participants)
        changes.update(format=format, planned_for=planned_for)
    elif not reason:
        raise ValidationError({"reason": _("Please give the reason the topic is not taken up.")})

    with transaction.atomic():
        from_status = topic.status
        compare_and_set(topic, version, conflict=Conflict, **changes)
        TopicParticipant.objects.bulk_create(
            [TopicParticipant(topic=topic, role=i.role, organisation=i.organisation, person=i.person) for i in invitees]
        )
        TopicStep.objects.create(topic=topic, at=now, actor=actor, from_status=from_status, to_status=target, note=reason)
        audit.record(
            actor=actor,
            action="topic.taken_up" if take_up else "topic.declined",
            obj=topic,
            from_status=from_status,
            participants=len(invitees),
        )
        if take_up:
            subject = _("Your topic is taken up: %(t)s") % {"t": topic.title}
        else:
            subject = _("Your topic is not taken up: %(t)s") % {"t": topic.title}
        notices = []
        if topic.proposer_id and topic.proposer_id != actor.pk:
            notices.append(Notice(recipients=[topic.proposer], subject=subject, body=reason, link=_link(topic)))
        if take_up:
            invited = _("You are invited to take part in: %(t)s") % {"t": topic.title}
            notices.append(Notice(recipients=participant_people(topic), subject=invited, body=reason, link=_link(topic)))
        notify_many(notices)
    return topic


def advance_topic(
    *,
    actor: Person,
    topic: Topic,
    to_status: str,
    note: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Topic:
    """Move a decided topic one step along the procedure (``TRANSITIONS``): notice, deliberation, the
    residents' meeting, outcome, publication, implementation, feedback, closing. Community staff over
    the topic's community only. A step to the residents' meeting needs the reason; recording the
    outcome and publishing feedback need the text. Implementation starts only when the outcome's
    notice period (``comments_until``) is over. Raises ``ValidationError``, ``PermissionDenied`` or
    ``Conflict``.
    """
    now = now or timezone.now()
    note = (note or "").strip()
    if not access.can_advance(actor, topic):
        raise PermissionDenied
    if to_status not in Status.values:
        raise ValidationError(_("Unknown step."))
    if to_status in DECISION_STATUSES:
        raise ValidationError(_("Taking a topic up or declining it is a decision, with participants or a reason."))
    if to_status not in TRANSITIONS[topic.status]:
        allowed = [str(Status(s).label) for s in topic.next_statuses if s not in DECISION_STATUSES]
        if allowed:
            raise ValidationError(
                _("A topic that is %(status)s cannot move to %(target)s; next comes: %(next)s.")
                % {"status": topic.get_status_display(), "target": Status(to_status).label, "next": ", ".join(allowed)}
            )
        if topic.status == Status.COLLECTING:
            raise ValidationError(_("A collecting topic must be decided first."))
        raise ValidationError(_("This topic is %(status)s: it moves no further.") % {"status": topic.get_status_display()})
    if to_status in NOTE_REQUIRED and not note:
        messages = {
            Status.RESIDENTS_MEETING: _("Please say why a residents' meeting is needed."),
            Status.OUTCOME_RECORDED: _("Please record the outcome."),
            Status.FEEDBACK_PUBLISHED: _("Please write the feedback to publish."),
        }
        raise ValidationError({"note": messages[to_status]})
    return _step(actor=actor, topic=topic, to_status=to_status, note=note, version=version, now=now)


def follow_meeting(*, actor: Person, topic: Topic, to_status: str, note: str = "", now: datetime | None = None) -> bool:
    """A meeting moved the topic on (its notice went out, it met, its minutes were published; the
    meeting's action checked who may do that). Applies the step if the procedure allows it from where
    the topic is now; otherwise leaves the topic alone and returns False."""
    now = now or timezone.now()
    topic = Topic.objects.select_related("community", "proposer").get(pk=topic.pk)
    if to_status not in TRANSITIONS[topic.status] or (to_status in NOTE_REQUIRED and not note.strip()):
        return False
    _step(actor=actor, topic=topic, to_status=to_status, note=note.strip(), version=None, now=now)
    return True


def _step(*, actor: Person, topic: Topic, to_status: str, note: str, version: int | None, now: datetime) -> Topic:
    changes: dict = {"status": to_status, "updated_at": now}
    if to_status == Status.OUTCOME_RECORDED:
        changes["outcome"] = note
    elif to_status == Status.OUTCOME_PUBLISHED:
        days = settings_for(topic.community).outcome_notice_days
        changes.update(outcome_published_at=now, comments_until=now + timedelta(days=days))
    elif to_status == Status.IMPLEMENTING:
        if topic.comments_until and now < topic.comments_until:
            raise ValidationError(
                _("The outcome is open for comments until %(until)s.")
                % {"until": timezone.localtime(topic.comments_until).strftime("%Y-%m-%d %H:%M")}
            )
    elif to_status == Status.FEEDBACK_PUBLISHED:
        changes["feedback"] = note
    elif to_status == Status.CLOSED:
        changes["closed_at"] = now

    with transaction.atomic():
        from_status = topic.status
        compare_and_set(topic, version, conflict=Conflict, **changes)
        TopicStep.objects.create(topic=topic, at=now, actor=actor, from_status=from_status, to_status=to_status, note=note)
        audit.record(actor=actor, action="topic.advanced", obj=topic, from_status=from_status, to_status=to_status)
        subject = _("%(t)s: %(status)s") % {"t": topic.title, "status": topic.get_status_display()}
        people = participant_people(topic)
        if topic.proposer_id:
            people.append(topic.proposer)
        notify_many([Notice(recipients=[p for p in people if p.pk != actor.pk], subject=subject, body=note, link=_link(topic))])
    return topic
