"""JSON API for consultation topics (mounted at /api/deliberation in config/api.py): lists with filters,
raising (also from a problem report), endorsing, deciding and moving a topic along the procedure.

Every endpoint asks ``access`` exactly as the pages do; invisible topics answer 404, a change someone
else made first answers 409. Persons appear by name only (participants); never a mobile or ID number.
The helpers for naming participants (``resolve_invitees``) are shared with the meetings API.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from cases import access as case_access
from cases.api import Error
from people import policy
from people.api import AUTH
from people.models import Organisation, Person
from places.models import Place

from . import access, actions
from .models import Endorsement, Topic

router = Router(tags=["deliberation"], auth=AUTH)


# --- naming participants (shared with meetings.api) -------------------------------------------


class InviteeIn(Schema):
    role: str = Field(
        ..., description="resident, owners_committee, property_company, social_organisation, residents_committee or expert"
    )
    organisation_id: int | None = None
    person_id: int | None = None


class PartyOut(Schema):
    """A participant or an invitee: an organisation or a person (by name), in a stakeholder role."""

    id: int
    role: str
    organisation_id: int | None
    organisation: str | None = None
    person_id: int | None
    person: str | None = None

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.name if obj.organisation_id else None

    @staticmethod
    def resolve_person(obj):
        return obj.person.name if obj.person_id else None


def person_for(user, pk: int, field: str, allowed=None) -> Person:
    """A person the user may name (as a participant, invitee, attendee or owner): themselves, someone in
    their directory, or someone holding a role within their scope (staff of a property company, leaders);
    or, where an app's access rules decide it, whom ``allowed(person)`` accepts. Anyone else is refused
    like a missing id, so ids cannot be probed for names."""
    person = Person.objects.filter(pk=pk, is_active=True, anonymised_at__isnull=True).first()
    if person is not None and (allowed or (lambda p: policy.can_name(user, p)))(person):
        return person
    raise ValidationError({field: _("There is no person #%(n)s among the people you may name.") % {"n": pk}})


def organisation_for(pk: int, field: str) -> Organisation:
    """Organisations are public in name, kind and place (``policy.organisations_for``)."""
    org = Organisation.objects.filter(pk=pk).first()
    if org is None:
        raise ValidationError({field: _("There is no organisation #%(n)s.") % {"n": pk}})
    return org


def resolve_invitees(user, rows: list[InviteeIn], invitee_class, field: str) -> list:
    """Turn ``[{role, organisation_id | person_id}]`` into the actions' ``Invitee`` rows; the actions check
    the roles and who may take part."""
    found = []
    for row in rows:
        org = organisation_for(row.organisation_id, field) if row.organisation_id is not None else None
        person = person_for(user, row.person_id, field) if row.person_id is not None else None
        found.append(invitee_class(role=row.role, organisation=org, person=person))
    return found


# --- schemas ---------------------------------------------------------------------------------


class TopicOut(Schema):
    id: int
    community_id: int
    community: str
    title: str
    description: str
    source: str
    case_id: int | None
    status: str
    version: int
    raised_by_me: bool = False
    endorsed_households: int
    threshold_reached_at: datetime | None
    format: str
    planned_for: datetime | None
    decision_reason: str
    decided_at: datetime | None
    outcome: str
    outcome_published_at: datetime | None
    comments_until: datetime | None
    feedback: str
    next_statuses: list[str]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_community(obj):
        return obj.community.name

    @staticmethod
    def resolve_raised_by_me(obj, context):
        user = context["request"].user
        return bool(obj.proposer_id) and obj.proposer_id == user.pk


class StepOut(Schema):
    at: datetime
    from_status: str
    to_status: str
    note: str


class TopicDetailOut(TopicOut):
    proposer: str | None = Field(None, description="Who raised it: shown to community staff and the proposer only")
    endorsed_by_me: bool
    can_manage: bool
    steps: list[StepOut] = Field(..., description="The whole path, from raising to now")
    participants: list[PartyOut]

    @staticmethod
    def resolve_proposer(obj):
        return getattr(obj, "proposer_text", None)

    @staticmethod
    def resolve_steps(obj):
        return obj.steps_list

    @staticmethod
    def resolve_participants(obj):
        return obj.participant_list


class TopicIn(Schema):
    community_id: int = Field(..., description="A community or village")
    title: str
    description: str
    source: str = Field("resident", description="resident (a proposal, counts as your endorsement) or staff")
    case_id: int | None = Field(None, description="Only with source problem_report")


class FromCaseIn(Schema):
    title: str = Field("", description="Defaults to the report's category and address")
    description: str = Field("", description="Defaults to the report's description")


class DecideIn(Schema):
    take_up: bool
    reason: str = Field("", description="Required when not taking the topic up")
    participants: list[InviteeIn] = Field(default_factory=list, description="Who takes part, when taking it up")
    format: str = Field("", description="The form of consultation, when taking it up")
    planned_for: datetime | None = None
    version: int | None = Field(None, description="The version you saw; a newer one answers 409")


class AdvanceIn(Schema):
    to_status: str
    note: str = ""
    version: int | None = Field(None, description="The version you saw; a newer one answers 409")


def _detail(request, topic: Topic) -> Topic:
    """The topic with its whole path, its participants (by name), and who raised it for the proposer
    and community staff."""
    user = request.user
    manages = access.can_manage(user, topic)
    topic.can_manage = manages
    topic.steps_list = list(topic.steps.order_by("id"))
    topic.participant_list = list(topic.participants.select_related("organisation", "person").order_by("id"))
    topic.endorsed_by_me = Endorsement.objects.filter(topic=topic, person=user).exists()
    if topic.proposer_id and (manages or topic.proposer_id == user.pk):
        topic.proposer_text = topic.proposer.name
    return topic


# --- endpoints -------------------------------------------------------------------------------


@router.get("/topics", response=list[TopicOut])
@paginate(LimitOffsetPagination)
def list_topics(request, community: int | None = None, status: str = ""):
    """Every topic you may see, newest first; ``community`` (a place id) and ``status`` narrow it."""
    qs = access.topics_for(request.user)
    if community is not None:
        qs = qs.filter(community_id=community)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("community").order_by("-id")


@router.post("/topics", response={201: TopicDetailOut, 400: Error, 404: Error})
def raise_topic(request, payload: TopicIn):
    community = Place.objects.filter(pk=payload.community_id).first()
    if community is None:
        raise Http404
    case = case_access.get_case_for(request.user, payload.case_id) if payload.case_id is not None else None
    topic = actions.raise_topic(
        proposer=request.user,
        community=community,
        title=payload.title,
        description=payload.description,
        source=payload.source,
        case=case,
    )
    return Status(201, _detail(request, topic))


@router.post("/topics/from-case/{int:case_id}", response={201: TopicDetailOut, 400: Error, 404: Error})
def raise_from_case(request, case_id: int, payload: FromCaseIn):
    """Community staff turn an eligible problem report into a topic in its community."""
    case = case_access.get_case_for(request.user, case_id)
    topic = actions.raise_topic_from_case(actor=request.user, case=case, title=payload.title, description=payload.description)
    return Status(201, _detail(request, topic))


@router.get("/topics/{int:topic_id}", response={200: TopicDetailOut, 404: Error})
def get_topic(request, topic_id: int):
    return _detail(request, access.get_topic_for(request.user, topic_id))


@router.post("/topics/{int:topic_id}/endorse", response={200: TopicDetailOut, 400: Error, 404: Error})
def endorse(request, topic_id: int):
    topic = access.get_topic_for(request.user, topic_id)
    actions.endorse_topic(person=request.user, topic=topic)
    return _detail(request, topic)


@router.post("/topics/{int:topic_id}/decide", response={200: TopicDetailOut, 400: Error, 404: Error, 409: Error})
def decide(request, topic_id: int, payload: DecideIn):
    """Take the topic up (participants, form of consultation) or decline it (a reason). Community staff only."""
    topic = access.get_topic_for(request.user, topic_id)
    if not access.can_manage(request.user, topic):
        raise Http404
    participants = resolve_invitees(request.user, payload.participants, actions.Invitee, "participants")
    actions.decide_topic(
        actor=request.user,
        topic=topic,
        take_up=payload.take_up,
        reason=payload.reason,
        participants=participants,
        format=payload.format,
        planned_for=payload.planned_for,
        version=payload.version,
    )
    return _detail(request, topic)


@router.post("/topics/{int:topic_id}/advance", response={200: TopicDetailOut, 400: Error, 404: Error, 409: Error})
def advance(request, topic_id: int, payload: AdvanceIn):
    """One step along the procedure (see ``next_statuses``). Community staff only."""
    topic = access.get_topic_for(request.user, topic_id)
    actions.advance_topic(
        actor=request.user, topic=topic, to_status=payload.to_status, note=payload.note, version=payload.version
    )
    return _detail(request, topic)
