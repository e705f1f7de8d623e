"""JSON API for owners' joint decisions under Civil Code Art 278 and the neighbours' consent to a change of
use under Art 279 (mounted at /api/votes in config/api.py).

Every endpoint asks ``access`` exactly as the pages do and writes only through ``actions``: invisible votes
answer 404 ("missing" and "forbidden" look the same, also for owners calling a managers' endpoint), a rule
broken answers 400 with the action's message, a change someone else made first answers 409.

How anyone voted is shown to the owner themself (``/votes/{id}``: your own ballot) and, in an open ballot
only, to managers (``access.can_see_choices``: the roll and the log). A secret ballot's choices are never
in any answer, and neither is its split (agree / disagree / abstain, approval) before the result is
published: a running count that moves after each ballot, read beside who voted when, would tell how
each owner voted. Turnout per building is shown to all who see the vote; its split only to those who
may see choices. Persons appear by name only; managers' reads of the roll are audited.

The routes with a fixed first segment (``/use-changes``, ``/compounds``) are declared before the vote
routes, and vote ids use the ``int`` converter.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Value
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from cases.api import Error
from core import audit
from deliberation import access as topic_access
from deliberation.api import person_for
from meetings.api import CancelIn, VersionIn
from people.api import AUTH
from people.models import Person
from places.models import Place, Unit

from . import access, actions, queries, rules
from .models import TRANSITIONS, Item, LogEntry, Matter, UseChange, Voter
from .models import Status as MatterStatus

router = Router(tags=["votes"], auth=AUTH)

ROLL_PAGE_MAX = 200


# --- schemas: votes -----------------------------------------------------------------------------


class MatterOut(Schema):
    id: int
    compound_id: int
    compound: str
    scope_id: int = Field(..., description="The compound, or one building in it")
    scope: str
    item: str = Field(..., description="The kind of matter, one of the nine of Civil Code Art 278(1)")
    item_label: str
    item_number: int = Field(..., description="1–9, in the order of Art 278(1)")
    special: bool = Field(..., description="Items 6–8: three quarters of participating area and owners; else more than half")
    title: str
    status: str
    secret: bool
    opens_at: datetime
    closes_at: datetime
    version: int

    @staticmethod
    def resolve_compound(obj):
        return obj.compound.name

    @staticmethod
    def resolve_scope(obj):
        return obj.scope.name

    @staticmethod
    def resolve_item_label(obj):
        return obj.get_item_display()


class DocumentOut(Schema):
    id: int
    title: str
    url: str
    uploaded_at: datetime

    @staticmethod
    def resolve_url(obj):
        return reverse("api:votes_document", kwargs={"matter_id": obj.matter_id, "document_id": obj.pk})


class MyVoterOut(Schema):
    """A voter whose ballot you cast: as the designated (or sole) owner, or as its proxy."""

    id: int
    label: str
    area: str
    as_proxy: bool
    voted: bool
    times: int = Field(0, description="How many ballots you cast for it; the last one counts")
    choice: str | None = Field(None, description="Your ballot that counts now: shown to you alone")


class MemberOut(Schema):
    person_id: int
    name: str


class CoOwnedOut(Schema):
    """Units you own with others, whose ballot one designated co-owner casts."""

    id: int
    label: str
    area: str
    designated_id: int | None
    designated: str | None
    members: list[MemberOut]
    you_named: int | None = Field(None, description="The co-owner you named; when all name the same one, they are designated")


class MatterDetailOut(MatterOut):
    description: str
    topic_id: int | None
    rule_set: str
    notice_sent_at: datetime | None
    opened_at: datetime | None
    closed_at: datetime | None
    published_at: datetime | None
    publish_by: date = Field(..., description="The last day to publish the result (7 days after voting closed)")
    revocable_until: date | None = Field(None, description="An owner may ask a court to revoke the decision until then (Art 280)")
    cancel_reason: str
    silent_consent: bool = Field(..., description="Whether the deemed-consent tally is shown beside the count")
    silent_consent_clause: str
    total_area: str | None = Field(None, description="Frozen when voting opens (m², two places)")
    total_heads: int | None
    log_length: int
    log_head: str
    documents: list[DocumentOut]
    voters: list[MyVoterOut] = Field(..., description="The ballots you cast")
    co_owned: list[CoOwnedOut]
    can_cast: bool = Field(..., description="Whether you could cast a ballot now")
    can_manage: bool
    next_statuses: list[str]

    @staticmethod
    def resolve_total_area(obj):
        return None if obj.total_area is None else str(obj.total_area)

    @staticmethod
    def resolve_silent_consent(obj):
        return obj.silent_consent

    @staticmethod
    def resolve_next_statuses(obj):
        return sorted(TRANSITIONS[MatterStatus(obj.status)])

    @staticmethod
    def resolve_documents(obj):
        return obj.documents_list

    @staticmethod
    def resolve_voters(obj):
        return obj.my_voters


class MatterIn(Schema):
    scope_id: int = Field(..., description="A compound, or one building in it for the building's own matter")
    item: str = Field(..., description="rules, covenant, committee, manager, fund_use, fund_raise, rebuild, common_use or other")
    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    secret: bool = False
    topic_id: int | None = Field(None, description="The consultation topic this vote decides")


class MatterPatch(Schema):
    title: str | None = None
    description: str | None = None
    item: str | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    secret: bool | None = None
    version: int | None = Field(None, description="The version you saw; a newer one answers 409")


# --- schemas: tally ---------------------------------------------------------------------------


class CountOut(Schema):
    area: str = Field(..., description="m², two places")
    heads: int


class TestOut(Schema):
    measure: str = Field(..., description="area or heads")
    part: str | int
    whole: str | int
    threshold: str = Field(..., description="2/3, 3/4 or 1/2")
    strict: bool = Field(..., description="More than (true) or at least (false) the threshold")
    needed: str | int = Field(..., description="The least amount that meets the test")
    met: bool
    margin: str | int = Field(..., description="Above (positive) or short of (negative) what is needed")


class TallyOut(Schema):
    """A tally. Before the result is published, only the participation figures (``access.can_see_split``):
    ``yes``/``no``/``abstain``, ``approval`` and ``approved`` are null."""

    item: str
    total: CountOut
    participating: CountOut
    yes: CountOut | None
    no: CountOut | None
    abstain: CountOut | None
    deemed: CountOut | None
    quorum: list[TestOut]
    approval: list[TestOut] | None
    quorum_met: bool
    approved: bool | None
    explanation: list[str]


class TurnoutOut(Schema):
    building_id: int
    name: str
    units: int
    area: str
    voted_units: int
    voted_area: str
    share: str = Field(..., description="Voted area of the building's area")
    yes: str | None = Field(None, description="Area; open ballots, for those who may see choices")
    no: str | None = None
    abstain: str | None = None


class TallyResultOut(Schema):
    status: str
    published: bool = Field(..., description="The published result (fixed) rather than the live count")
    counted_at: datetime | None
    split_shown: bool = Field(
        ..., description="False until the result is published, except for managers of an open ballot (access.can_see_split)"
    )
    tally: TallyOut
    with_deemed: TallyOut | None = Field(None, description="Owners who did not vote counted as agreeing (silent consent)")
    voted: int
    turnout: list[TurnoutOut]


# --- schemas: ballots, the roll, the log --------------------------------------------------------


class BallotIn(Schema):
    voter: int = Field(..., description="A voter from ``voters`` in the vote's detail")
    choice: str = Field(..., description="yes, no or abstain")


class BallotOut(Schema):
    voter: int
    seq: int = Field(..., description="The ballot's entry in the log")
    cast_at: datetime
    times: int

    @staticmethod
    def resolve_voter(obj):
        return obj.voter_id


class RollMemberOut(MemberOut):
    status: str = Field(..., description="registered or occupied_unregistered")


class RollVoterOut(Schema):
    id: int
    label: str
    kind: str = Field(..., description="owners, developer or unrecorded")
    area: str
    heads: int
    members: list[RollMemberOut]
    designated_id: int | None
    designated: str | None
    voted: bool
    channel: str | None = Field(None, description="online, paper or proxy")
    choice: str | None = Field(None, description="Open ballots only")


class RollPage(Schema):
    items: list[RollVoterOut]
    count: int


class DesignateIn(Schema):
    person: int = Field(..., description="One of the co-owners")


class DesignationOut(Schema):
    voter: int
    designated_id: int | None
    designated: str | None


class ProxyOut(Schema):
    id: int
    voter: int
    proxy_id: int
    proxy: str
    note: str
    recorded_at: datetime

    @staticmethod
    def resolve_voter(obj):
        return obj.voter_id

    @staticmethod
    def resolve_proxy(obj):
        return obj.proxy.name


class PaperIn(Schema):
    voter: int
    sheet: str = Field(..., description="The number printed on the ballot sheet")
    choice: str = Field(..., description="yes, no or abstain, as marked on the sheet")


class PaperOut(Schema):
    """One typing of a paper ballot; never its choice (the next typist must read the sheet, not this)."""

    id: int
    voter: int
    voter_label: str
    sheet: str
    status: str = Field(..., description="pending, matched or mismatch")
    entered_by: str
    entered_at: datetime

    @staticmethod
    def resolve_voter(obj):
        return obj.voter_id

    @staticmethod
    def resolve_voter_label(obj):
        return obj.voter.label

    @staticmethod
    def resolve_entered_by(obj):
        return obj.entered_by.name


class LogEntryOut(Schema):
    seq: int
    kind: str = Field(..., description="open, ballot or close")
    at: datetime
    voter: int | None
    channel: str
    choice: str | None = Field(None, description="Open ballots only")
    detail: str = Field(..., description="open: the roll's digest; close: the head it closes")
    prev_hash: str
    hash: str

    @staticmethod
    def resolve_voter(obj):
        return obj.voter_id

    @staticmethod
    def resolve_choice(obj):
        return (obj.choice or None) if obj.show_choice else None


class LogHeadOut(Schema):
    length: int
    head: str


# --- schemas: silent consent, changes of use -----------------------------------------------------


class SilentConsentIn(Schema):
    clause: str = Field(..., description="The clause of the management covenant, quoted")
    adopted_on: date


class SilentConsentOut(Schema):
    compound_id: int
    clause: str
    adopted_on: date
    recorded_at: datetime


class UseChangeIn(Schema):
    unit: int = Field(..., description="Your home")
    purpose: str = Field(..., description="The business it would be used for")


class UseChangeOut(Schema):
    id: int
    unit_id: int
    unit: str
    applicant: str
    purpose: str
    status: str
    version: int
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_unit(obj):
        return str(obj.unit)

    @staticmethod
    def resolve_applicant(obj):
        return obj.applicant.name


class ConsentOut(Schema):
    person_id: int
    name: str
    basis: str = Field(..., description="same_building or affected")
    answer: str = Field(..., description="consent, refuse, or empty: not answered yet")
    answered_at: datetime | None

    @staticmethod
    def resolve_name(obj):
        return obj.person.name


class UseChangeDetailOut(UseChangeOut):
    consents: list[ConsentOut]
    unrecorded_parts: int = Field(
        ..., description="Other parts of the building whose owner is not a recorded person: their consent comes on paper"
    )
    paper_consents_attached: bool

    @staticmethod
    def resolve_paper_consents_attached(obj):
        return bool(obj.paper_consents)

    can_manage: bool
    my_answer: str | None = Field(None, description="Your answer when you are an interested owner")

    @staticmethod
    def resolve_consents(obj):
        return obj.consent_rows


class AnswerIn(Schema):
    answer: str = Field(..., description="consent or refuse")


class PersonIn(Schema):
    person: int


# --- helpers -------------------------------------------------------------------------------------


def _matter(request, matter_id: int) -> Matter:
    return access.get_matter_for(request.user, matter_id)


def _voter(matter: Matter, voter_id: int) -> Voter:
    voter = Voter.objects.filter(matter=matter, pk=voter_id).first()
    if voter is None:
        raise Http404
    return voter


def _area(value) -> str:
    return str(value.quantize(rules.CENT))


def _detail(request, matter: Matter) -> Matter:
    """The vote with its documents, the ballots the user casts (with their own choice), the co-owned
    units they may designate for, and what they may do now."""
    user = request.user
    mine = []
    for voter in access.voters_for(user, matter):
        ballot = getattr(voter, "ballot", None)
        mine.append(
            {
                "id": voter.pk,
                "label": voter.label,
                "area": _area(voter.area),
                "as_proxy": voter.designated_id != user.pk,
                "voted": ballot is not None,
                "times": ballot.times if ballot is not None else 0,
                "choice": (actions.my_choice(voter, request.user) or None) if ballot is not None else None,
            }
        )
    co_owned = []
    for voter in queries.co_owned_voters(user, matter):
        members = list(voter.members.all())
        co_owned.append(
            {
                "id": voter.pk,
                "label": voter.label,
                "area": _area(voter.area),
                "designated_id": voter.designated_id,
                "designated": voter.designated.name if voter.designated_id else None,
                "members": [{"person_id": m.person_id, "name": m.person.name} for m in members],
                "you_named": next((m.names_id for m in members if m.person_id == user.pk), None),
            }
        )
    matter.documents_list = list(matter.documents.order_by("uploaded_at", "id"))
    matter.my_voters = mine
    matter.co_owned = co_owned
    matter.can_cast = bool(mine) and access.voting_is_open(matter)
    matter.can_manage = access.can_manage(user, matter)
    return matter


def _refreshed(request, matter_id: int) -> Matter:
    """The vote as it is now (actions that lock the row return their own copy), with its detail."""
    return _detail(request, _matter(request, matter_id))


def _tally_out(tally: rules.Tally, split: bool) -> dict:
    data = tally.as_dict()
    lines = rules.explain(tally)
    if not split:
        # ``rules.explain`` gives the participation tests first, then the approval tests.
        lines = lines[: len(tally.quorum)]
        for key in ("yes", "no", "abstain", "deemed", "approval", "approved"):
            data[key] = None
    data["explanation"] = lines
    return data


# --- changes of use (Civil Code Art 279) ---------------------------------------------------------


def _use_change_detail(request, change: UseChange) -> UseChange:
    """The request with every interested owner's answer (by name). Managers' reads are audited; the
    applicant and the interested owners see one another as parties."""
    user = request.user
    change.consent_rows = list(change.consents.select_related("person").order_by("id"))
    change.can_manage = access.can_manage_use_change(user, change)
    mine = next((c for c in change.consent_rows if c.person_id == user.pk), None)
    change.my_answer = mine.answer if mine is not None else None
    party = change.applicant_id == user.pk or mine is not None
    if change.can_manage and not party:
        subjects = [change.applicant_id] + [c.person_id for c in change.consent_rows]
        audit.record_reads(actor=user, action="read.api.use_change", subject_ids=subjects, use_change=change.pk)
    return change


@router.get("/use-changes/", response=list[UseChangeOut], summary="List requests to use a home for business")
@paginate(LimitOffsetPagination)
def list_use_changes(request, status: str = ""):
    """Requests under Civil Code Art 279 you made, are asked to consent to, or manage; newest first."""
    qs = access.use_changes_for(request.user)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("unit__building", "applicant").order_by("-created_at", "-id")


@router.post(
    "/use-changes/", response={201: UseChangeDetailOut, 400: Error, 404: Error}, summary="Ask to use your home for business"
)
def request_use_change(request, payload: UseChangeIn):
    """Every other owner in the building is asked and must consent (Civil Code Art 279; a majority is not enough)."""
    unit = Unit.objects.filter(pk=payload.unit).first()
    if unit is None:
        raise Http404
    change = actions.request_use_change(unit=unit, by=request.user, purpose=payload.purpose)
    return Status(201, _use_change_detail(request, access.get_use_change_for(request.user, change.pk)))


@router.get("/use-changes/{int:change_id}", response={200: UseChangeDetailOut, 404: Error}, summary="A change of use")
def get_use_change(request, change_id: int):
    """The request and every interested owner's answer: for the applicant, the interested owners and managers."""
    return _use_change_detail(request, access.get_use_change_for(request.user, change_id))


@router.post(
    "/use-changes/{int:change_id}/answer",
    response={200: UseChangeDetailOut, 400: Error, 404: Error},
    summary="Consent to or refuse a change of use",
)
def answer_use_change(request, change_id: int, payload: AnswerIn):
    """An interested owner's answer. One refusal ends the request; consent from all approves it."""
    change = access.get_use_change_for(request.user, change_id)
    actions.answer_use_change(change, by=request.user, answer=payload.answer)
    return _use_change_detail(request, access.get_use_change_for(request.user, change_id))


@router.post(
    "/use-changes/{int:change_id}/interested",
    response={201: UseChangeDetailOut, 400: Error, 404: Error},
    summary="Add an interested owner from elsewhere",
)
def add_interested_owner(request, change_id: int, payload: PersonIn):
    """An owner outside the building who showed the change would harm them (SPC interpretation Art 11). Managers only."""
    change = access.get_use_change_for(request.user, change_id)
    if not access.can_manage_use_change(request.user, change):
        raise Http404
    person = person_for(
        request.user, payload.person, "person", allowed=lambda p: access.can_name_interested(request.user, change, p)
    )
    actions.add_interested_owner(change, person=person, by=request.user)
    return Status(201, _use_change_detail(request, change))


@router.post(
    "/use-changes/{int:change_id}/withdraw",
    response={200: UseChangeDetailOut, 400: Error, 404: Error},
    summary="Withdraw your request",
)
def withdraw_use_change(request, change_id: int):
    change = access.get_use_change_for(request.user, change_id)
    actions.withdraw_use_change(change, by=request.user)
    return _use_change_detail(request, access.get_use_change_for(request.user, change_id))


@router.post(
    "/use-changes/{int:change_id}/paper-consents",
    response={200: UseChangeDetailOut, 400: Error, 404: Error},
    summary="Attach the paper consents of owners not recorded (managers)",
)
def record_paper_consents(request, change_id: int, document: File[UploadedFile]):
    """Multipart ``document``: the signed consents of the building's owners who are not recorded as persons
    (or the developer's). Needed, with every recorded owner's consent, before the change is approved."""
    change = access.get_use_change_for(request.user, change_id)
    actions.record_paper_consents(change, by=request.user, document=document)
    return _use_change_detail(request, access.get_use_change_for(request.user, change_id))


# --- silent consent ------------------------------------------------------------------------------


def _place(place_id: int) -> Place:
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        raise Http404
    return place


@router.put(
    "/compounds/{int:place_id}/silent-consent",
    response={200: SilentConsentOut, 400: Error, 404: Error},
    summary="Record the compound's silent-consent clause",
)
def record_silent_consent(request, place_id: int, payload: SilentConsentIn):
    """The covenant clause that lets owners who did not vote be counted as agreeing (Civil Code Art 140),
    shown as a second tally in votes that open from now on. Managers of the compound only."""
    compound = _place(place_id)
    return actions.record_silent_consent(compound, by=request.user, clause=payload.clause, adopted_on=payload.adopted_on)


@router.delete(
    "/compounds/{int:place_id}/silent-consent",
    response={204: None, 400: Error, 404: Error},
    summary="Remove the compound's silent-consent clause",
)
def remove_silent_consent(request, place_id: int):
    """Votes already open keep the clause they opened with."""
    actions.remove_silent_consent(_place(place_id), by=request.user)
    return Status(204, None)


# --- votes ---------------------------------------------------------------------------------------


@router.get("/", response=list[MatterOut], summary="List owners' votes")
@paginate(LimitOffsetPagination)
def list_matters(request, status: str = "", open: bool = False):
    """Every vote you may see, latest first. ``open=1``: those noticed or open now (your open matters)."""
    qs = access.matters_for(request.user)
    if status:
        qs = qs.filter(status=status)
    return queries.open_for(qs) if open else queries.matter_list(qs)


@router.post("/", response={201: MatterDetailOut, 400: Error, 404: Error}, summary="Create an owners' vote")
def create_matter(request, payload: MatterIn):
    """A draft vote for the owners of a compound or of one building in it. Managers over the place only."""
    scope = _place(payload.scope_id)
    topic = topic_access.get_topic_for(request.user, payload.topic_id) if payload.topic_id is not None else None
    matter = actions.create_matter(
        by=request.user,
        scope=scope,
        item=payload.item,
        title=payload.title,
        description=payload.description,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
        secret=payload.secret,
        topic=topic,
    )
    return Status(201, _refreshed(request, matter.pk))


@router.get("/{int:matter_id}", response={200: MatterDetailOut, 404: Error}, summary="An owners' vote")
def get_matter(request, matter_id: int):
    """The vote, its documents and dates, and the ballots you cast (with your own choice)."""
    return _detail(request, _matter(request, matter_id))


@router.patch(
    "/{int:matter_id}", response={200: MatterDetailOut, 400: Error, 404: Error, 409: Error}, summary="Change a draft vote"
)
def update_matter(request, matter_id: int, payload: MatterPatch):
    """Title, description, kind, window or secrecy, before the notice goes out."""
    matter = _matter(request, matter_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version" and v is not None}
    if "item" in fields and fields["item"] not in Item.values:
        # ``actions.update_matter`` does not check the kind yet; an unknown one would break the vote's pages.
        raise ValidationError({"item": _("Choose one of the matters of Civil Code Art. 278.")})
    actions.update_matter(matter, by=request.user, version=payload.version, **fields)
    return _refreshed(request, matter_id)


@router.post("/{int:matter_id}/documents", response={201: DocumentOut, 400: Error, 404: Error}, summary="Attach a document")
def add_document(request, matter_id: int, title: Form[str], file: File[UploadedFile]):
    """A document every owner reads before voting (multipart: ``title``, ``file``). Before voting opens."""
    matter = _matter(request, matter_id)
    return Status(201, actions.add_document(matter, by=request.user, title=title, file=file))


@router.get(
    "/{int:matter_id}/documents/{int:document_id}",
    response={404: Error},
    url_name="votes_document",
    summary="Download a document",
)
def download_document(request, matter_id: int, document_id: int):
    """Served to whoever may see the vote."""
    document = _matter(request, matter_id).documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    response = FileResponse(document.file.open("rb"), filename=document.file.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, max-age=3600"
    return response


STATUS_RESPONSES = {200: MatterDetailOut, 400: Error, 404: Error, 409: Error}


@router.post("/{int:matter_id}/notice", response=STATUS_RESPONSES, summary="Publish the notice")
def send_notice(request, matter_id: int, payload: VersionIn):
    """To every owner in scope and the residents' committee, at least 15 days before voting opens."""
    matter = _matter(request, matter_id)
    actions.send_notice(matter, by=request.user, version=payload.version)
    return _refreshed(request, matter_id)


@router.post("/{int:matter_id}/open", response=STATUS_RESPONSES, summary="Open voting")
def open_voting(request, matter_id: int, payload: VersionIn):
    """At its time (also done on time automatically): the electorate is frozen and the ballot log begins."""
    matter = _matter(request, matter_id)
    actions.open_voting(matter, by=request.user, version=payload.version)
    return _refreshed(request, matter_id)


@router.post("/{int:matter_id}/close", response=STATUS_RESPONSES, summary="Close voting")
def close_voting(request, matter_id: int, payload: VersionIn):
    """At its time (also done on time automatically)."""
    matter = _matter(request, matter_id)
    actions.close_voting(matter, by=request.user, version=payload.version)
    return _refreshed(request, matter_id)


@router.post("/{int:matter_id}/publish", response=STATUS_RESPONSES, summary="Publish the result")
def publish_result(request, matter_id: int, payload: VersionIn):
    """Count, fix the count with the log head it came from, and tell the owners. Paper ballots must be settled."""
    matter = _matter(request, matter_id)
    actions.publish_result(matter, by=request.user, version=payload.version)
    return _refreshed(request, matter_id)


@router.post("/{int:matter_id}/cancel", response=STATUS_RESPONSES, summary="Cancel a vote")
def cancel_matter(request, matter_id: int, payload: CancelIn):
    """Before voting opens, with the reason (owners are told if the notice went out)."""
    matter = _matter(request, matter_id)
    actions.cancel_matter(matter, by=request.user, version=payload.version, reason=payload.reason)
    return _refreshed(request, matter_id)


@router.get("/{int:matter_id}/tally", response={200: TallyResultOut, 404: Error}, summary="The count")
def get_tally(request, matter_id: int):
    """The published result, else the live count: the four tests of Art 278(2) with what each needs and
    its margin, in plain words too; the silent-consent tally beside it where the covenant allows it;
    turnout per building. The split is shown to owners once the result is published."""
    matter = _matter(request, matter_id)
    tally, with_deemed = queries.tally_or_result(matter)
    split = access.can_see_split(request.user, matter)
    by_choice = access.can_see_split_by_building(request.user, matter)
    turnout = [
        {
            "building_id": row.building_id,
            "name": row.name,
            "units": row.units,
            "area": _area(row.area),
            "voted_units": row.voted_units,
            "voted_area": _area(row.voted_area),
            "share": row.share,
            **(
                {"yes": _area(row.yes), "no": _area(row.no), "abstain": _area(row.abstain)}
                if by_choice and row.yes is not None
                else {}
            ),
        }
        for row in queries.turnout_by_building(matter)
    ]
    result = matter.result or {}
    return {
        "status": matter.status,
        "published": bool(matter.result),
        "counted_at": result.get("counted_at"),
        "split_shown": split,
        "tally": _tally_out(tally, split),
        "with_deemed": _tally_out(with_deemed, split) if with_deemed is not None else None,
        "voted": result.get("voted", tally.participating.heads),
        "turnout": turnout,
    }


@router.post("/{int:matter_id}/ballots", response={201: BallotOut, 400: Error, 404: Error}, summary="Cast or change your ballot")
def cast_ballot(request, matter_id: int, payload: BallotIn):
    """As the designated (or sole) owner, or as the proxy. You can change it until voting closes; the last one counts."""
    voter = access.get_voter_to_cast(request.user, matter_id, payload.voter)
    return Status(201, actions.cast_ballot(Matter(pk=matter_id), voter=voter, choice=payload.choice, by=request.user))


@router.get("/{int:matter_id}/voters", response={200: RollPage, 404: Error}, summary="The electorate (managers)")
def list_voters(request, matter_id: int, q: str = "", voted: bool | None = None, limit: int = 50, offset: int = 0):
    """The roll frozen when voting opened: each voter's units, members and designee, whether and how
    they voted (how: open ballots only). ``q`` searches labels and names. Reads are audited."""
    matter = access.get_managed_matter_for(request.user, matter_id)
    show = access.can_see_choices(request.user, matter)
    limit, offset = min(max(limit, 1), ROLL_PAGE_MAX), max(offset, 0)
    qs = queries.roll(matter, search=q, voted=voted)
    voters = list(qs[offset : offset + limit])
    items, subjects = [], []
    for voter in voters:
        ballot = getattr(voter, "ballot", None)
        members = list(voter.members.all())
        subjects += [m.person_id for m in members]
        items.append(
            {
                "id": voter.pk,
                "label": voter.label,
                "kind": voter.kind,
                "area": _area(voter.area),
                "heads": voter.heads,
                "members": [{"person_id": m.person_id, "name": m.person.name, "status": m.status} for m in members],
                "designated_id": voter.designated_id,
                "designated": voter.designated.name if voter.designated_id else None,
                "voted": ballot is not None,
                "channel": ballot.channel if ballot is not None else None,
                "choice": (ballot.choice or None) if show and ballot is not None else None,
            }
        )
    audit.record_reads(actor=request.user, action="read.api.vote_roll", subject_ids=sorted(set(subjects)), matter=matter.pk)
    return {"items": items, "count": qs.count()}


@router.post(
    "/{int:matter_id}/voters/{int:voter_id}/designate",
    response={200: DesignationOut, 400: Error, 404: Error},
    summary="Designate the co-owner who votes",
)
def designate(request, matter_id: int, voter_id: int, payload: DesignateIn):
    """A co-owner names one of them (when all name the same one, that one is designated), or a manager
    records a written designation."""
    matter = _matter(request, matter_id)
    voter = _voter(matter, voter_id)
    if not access.can_manage(request.user, matter) and not any(
        v.pk == voter.pk for v in queries.co_owned_voters(request.user, matter)
    ):
        # Only a voter's own co-owners learn who its members are.
        raise Http404
    person = Person.objects.filter(pk=payload.person).first()
    if person is None:
        raise ValidationError({"person": _("Only one of the co-owners can be designated.")})
    voter = actions.designate(matter, voter=voter, person=person, by=request.user)
    return {
        "voter": voter.pk,
        "designated_id": voter.designated_id,
        "designated": voter.designated.name if voter.designated_id else None,
    }


@router.post(
    "/{int:matter_id}/voters/{int:voter_id}/proxy",
    response={201: ProxyOut, 400: Error, 404: Error},
    summary="Record a written proxy (managers)",
)
def record_proxy(request, matter_id: int, voter_id: int, proxy: Form[int], document: File[UploadedFile], note: Form[str] = ""):
    """Multipart: ``proxy`` (a person id), ``document`` (the signed authorisation), ``note``. Replaces an earlier proxy."""
    matter = access.get_managed_matter_for(request.user, matter_id)
    voter = _voter(matter, voter_id)
    person = person_for(request.user, proxy, "proxy", allowed=lambda p: access.can_name_proxy(request.user, matter, p))
    authorisation = actions.record_proxy(matter, voter=voter, proxy=person, document=document, note=note, by=request.user)
    return Status(201, authorisation)


@router.post(
    "/{int:matter_id}/paper", response={201: PaperOut, 400: Error, 404: Error}, summary="Type in a paper ballot (managers)"
)
def enter_paper_ballot(request, matter_id: int, payload: PaperIn):
    """Two different people type each sheet: ``matched`` counts it, ``mismatch`` needs a third typing."""
    matter = access.get_managed_matter_for(request.user, matter_id)
    voter = _voter(matter, payload.voter)
    entry = actions.enter_paper_ballot(matter, voter=voter, sheet=payload.sheet, choice=payload.choice, by=request.user)
    entry.voter, entry.entered_by = voter, request.user
    return Status(201, entry)


class SetAsideIn(Schema):
    reason: str


@router.post(
    "/{int:matter_id}/paper/{int:entry_id}/set-aside",
    response={200: PaperOut, 400: Error, 404: Error},
    summary="Set a paper typing aside (managers)",
)
def set_aside_paper_entry(request, matter_id: int, entry_id: int, payload: SetAsideIn):
    """Take a typing that waits or mismatches out of the comparison (an invalid sheet, the wrong owner)."""
    matter = access.get_managed_matter_for(request.user, matter_id)
    entry = matter.paper_entries.select_related("voter", "entered_by").filter(pk=entry_id).first()
    if entry is None:
        raise Http404
    return actions.set_aside_paper_entry(entry, by=request.user, reason=payload.reason)


@router.get("/{int:matter_id}/paper", response=list[PaperOut], summary="Paper ballots waiting (managers)")
@paginate(LimitOffsetPagination)
def paper_queue(request, matter_id: int):
    """Typings waiting for a second one, or with a mismatch."""
    return queries.paper_queue(access.get_managed_matter_for(request.user, matter_id))


@router.get("/{int:matter_id}/log", response=list[LogEntryOut], summary="The ballot log (managers)")
@paginate(LimitOffsetPagination)
def ballot_log(request, matter_id: int):
    """The hash-chained log, in order: who voted when and by which channel (how: open ballots only)."""
    matter = access.get_managed_matter_for(request.user, matter_id)
    show = access.can_see_choices(request.user, matter)
    return LogEntry.objects.filter(matter=matter).annotate(show_choice=Value(show, output_field=BooleanField())).order_by("seq")


@router.get("/{int:matter_id}/log/head", response={200: LogHeadOut, 404: Error}, summary="The ballot log's head")
def log_head(request, matter_id: int):
    """How many entries and the last one's hash, for owners to compare with what others saw."""
    matter = _matter(request, matter_id)
    return {"length": matter.log_length, "head": matter.log_head}
