"""Pages for owners' joint decisions (业主共同决定, Civil Code Arts 278–280) and a home turned into business
premises (Art 279): the list, the matter page for owners (documents, procedure, their ballot, turnout, the
result with its explanation), the managers' page (procedure steps, documents, roll, paper ballots, proxies,
co-owners' designations), a new vote (also from a consultation topic), a compound's silent-consent clause,
and the changes of use. Access is decided in ``votes.access``; every change goes through ``votes.actions``."""

from decimal import Decimal
from fractions import Fraction

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core import audit
from core.pages import keep_version, page_number, run_action
from deliberation import access as topic_access
from people.models import Ownership
from people.queries import page_of
from places.models import Place, Unit, ancestor_paths

from . import access, actions, ledger, queries, rules
from .forms import (
    AnswerForm,
    CastForm,
    DesignateForm,
    DocumentForm,
    EmptyForm,
    InterestedOwnerForm,
    MatterEditForm,
    MatterForm,
    PaperConsentsForm,
    PaperForm,
    ProxyForm,
    RollFilterForm,
    SetAsideForm,
    SilentConsentForm,
    StepForm,
    UseChangeForm,
)
from .models import (
    Choice,
    Matter,
    PaperEntry,
    SilentConsentClause,
    Status,
    UseChange,
    UseChangeConsent,
    Voter,
)

PAGE_SIZE = 20
ROLL_PAGE_SIZE = 50
LIST_SIZE = 50
FROZEN = (Status.OPEN, Status.CLOSED, Status.PUBLISHED)


def _posted(request):
    return request.POST if request.method == "POST" else None


# --- shared reads for the pages ----------------------------------------------------------------------


def _turnout(matter: Matter) -> dict | None:
    """Overall and per building: how much of the frozen electorate has voted (never how)."""
    if matter.status not in FROZEN:
        return None
    buildings = queries.turnout_by_building(matter)
    voted_area = sum((b.voted_area for b in buildings), Decimal("0.00"))
    voted_heads = ledger.voted_count(matter)
    total_area, total_heads = matter.total_area or 0, matter.total_heads or 0
    return {
        "buildings": buildings,
        "voted_area": voted_area,
        "voted_heads": voted_heads,
        "total_area": total_area,
        "total_heads": total_heads,
        "area_share": rules.percent(Fraction(voted_area) / Fraction(total_area)) if total_area else "0.00%",
        "heads_share": rules.percent(Fraction(voted_heads, total_heads)) if total_heads else "0.00%",
    }


def _result(matter: Matter) -> dict | None:
    if matter.status != Status.PUBLISHED:
        return None
    tally, deemed = queries.tally_or_result(matter)
    return {
        "tally": tally,
        "explain": rules.explain(tally),
        "deemed": deemed,
        "deemed_explain": rules.explain(deemed) if deemed else [],
        "voted": (matter.result or {}).get("voted"),
        "counted_at": (matter.result or {}).get("counted_at"),
    }


def _co_owned(user, matter: Matter) -> list[Voter]:
    """Co-owned units on the roll that the user is one of the owners of, but does not cast for (yet)."""
    if matter.status not in FROZEN or not user.is_authenticated:
        return []
    voters = queries.co_owned_voters(user, matter)
    for voter in voters:
        mine = next((m for m in voter.members.all() if m.person_id == user.pk), None)
        voter.my_pick = mine.names_id if mine else None
    return voters


def _matter_context(request, matter: Matter, **forms) -> dict:
    user = request.user
    voting = access.voting_is_open(matter)
    ballots = []
    if matter.status in FROZEN:
        for voter in access.voters_for(user, matter):
            choice = actions.my_choice(voter, user)
            ballots.append(
                {
                    "voter": voter,
                    "choice": choice,
                    "choice_label": Choice(choice).label if choice else "",
                    "proxy": voter.designated_id != user.pk,
                }
            )
    co_owned = _co_owned(user, matter)
    return {
        "matter": matter,
        "manage": access.can_manage(user, matter),
        "voting": voting,
        "ballots": ballots,
        "cast_form": forms.get("cast_form"),
        "co_owned": [v for v in co_owned if v.designated_id is None],
        "co_owned_designated": [v for v in co_owned if v.designated_id is not None],
        "designate_form": forms.get("designate_form"),
        "documents": list(matter.documents.all()),
        "turnout": _turnout(matter),
        "result": _result(matter),
        "Choice": Choice,
        "Status": Status,
    }


def _roll_filter(request) -> tuple[RollFilterForm, str, bool | None]:
    form = RollFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    voted = {"yes": True, "no": False}.get(data.get("voted") or "")
    return form, data.get("q", ""), voted


def _manage_context(request, matter: Matter, **forms) -> dict:
    user = request.user
    now = timezone.now()
    status = matter.status
    voting_rows = status in (Status.OPEN, Status.CLOSED)
    roll_filter, search, voted = _roll_filter(request)
    page = page_number(request)
    roll, has_next = (
        page_of(queries.roll(matter, search=search, voted=voted), page, ROLL_PAGE_SIZE) if status in FROZEN else ([], False)
    )
    for voter in roll:
        voter.counted = getattr(voter, "ballot", None)
    proxies = list(matter.proxies.filter(revoked_at__isnull=True).select_related("voter", "proxy")) if voting_rows else []
    # the owners named on the page: a staff read of personal data (PIPL Art 51), one row each
    shown = {m.person_id for v in roll for m in v.members.all()} | {p.proxy_id for p in proxies}
    audit.record_reads(actor=user, action="read.votes.roll", subject_ids=sorted(shown), matter=matter.pk)
    query = request.GET.copy()
    query.pop("page", None)
    version = {"version": matter.version}
    editing = {k: getattr(matter, k) for k in ("item", "title", "description", "secret")}
    editing.update(opens_at=timezone.localtime(matter.opens_at), closes_at=timezone.localtime(matter.closes_at), **version)
    return {
        "matter": matter,
        "step_form": forms.get("step_form") or StepForm(initial=version),
        "edit_form": forms.get("edit_form") or (MatterEditForm(initial=editing) if status == Status.DRAFT else None),
        "document_form": forms.get("document_form") or (DocumentForm() if status in (Status.DRAFT, Status.NOTIFIED) else None),
        "paper_form": forms.get("paper_form") or (PaperForm(matter=matter) if voting_rows else None),
        "proxy_form": forms.get("proxy_form") or (ProxyForm(matter=matter, can_name=None) if status == Status.OPEN else None),
        "designate_form": forms.get("designate_form"),
        "documents": list(matter.documents.all()),
        "turnout": _turnout(matter),
        "queue": list(queries.paper_queue(matter)) if voting_rows else [],
        "proxies": proxies,
        "roll": roll,
        "roll_filter": roll_filter,
        "page": page,
        "has_next": has_next,
        "query": query.urlencode(),
        "show_choices": access.can_see_choices(user, matter),
        "can_open": status == Status.NOTIFIED and now >= matter.opens_at,
        "can_close": status == Status.OPEN and now >= matter.closes_at,
        "late": status == Status.CLOSED and timezone.localdate(now) > matter.publish_by,
        "earliest_opening": actions.earliest_opening(timezone.localdate(now)) if status == Status.DRAFT else None,
        "designations": voting_rows,
        "Status": Status,
    }


def _act(request, matter: Matter, form, apply, *, page: str, form_name: str, anchor: str = ""):
    """Run an action from a page form (``core.pages.run_action``). Done: the outcome as a message, back to
    the page. Refused: the page again with the form's errors (409 for a conflict), the vote as it is now and
    the version following it, what was typed kept."""
    done: dict = {}
    status = 400
    if form.is_valid():
        outcome = run_action(form, lambda: done.setdefault("message", apply(form.cleaned_data)))
        if outcome is None:
            if done.get("message"):
                messages.success(request, done["message"])
            url = f"/votes/{matter.pk}/" + ("manage/" if page == "manage" else "")
            return redirect(url + (f"#{anchor}" if anchor else ""))
        status = 409 if outcome == "conflict" else 400
        matter = access.get_matter_for(request.user, matter.pk)
        if "version" in form.fields:
            keep_version(form, matter.version)
    if page == "manage":
        return render(request, "votes/manage.html", _manage_context(request, matter, **{form_name: form}), status=status)
    return render(request, "votes/matter_detail.html", _matter_context(request, matter, **{form_name: form}), status=status)


# --- lists -------------------------------------------------------------------------------------------


@login_required
def index(request):
    """My open matters first (noticed or open), then those waiting for the result, drafts (managers), past results."""
    user = request.user
    visible = access.matters_for(user)
    page = page_number(request)
    past, has_next = page_of(
        queries.matter_list(access.concerning(user, visible.filter(status__in=[Status.PUBLISHED, Status.CANCELLED]))),
        page,
        PAGE_SIZE,
    )
    return render(
        request,
        "votes/index.html",
        {
            "open": list(queries.open_for(visible)[:LIST_SIZE]),
            "closed": list(queries.matter_list(visible.filter(status=Status.CLOSED))[:LIST_SIZE]),
            "drafts": list(queries.matter_list(visible.filter(status=Status.DRAFT))[:LIST_SIZE]),
            "past": past,
            "page": page,
            "has_next": has_next,
            "can_create": access.can_prepare_votes(user),
        },
    )


def board(request, community_id: int):
    """The published results of the owners' votes in a community's compounds, newest first: public, like
    the notice board of each compound (the results carry no personal data)."""
    community = get_object_or_404(Place.objects.communities(), pk=community_id)
    page = page_number(request)
    results, has_next = page_of(queries.published_under(community), page, PAGE_SIZE)
    context = {"community": community, "results": results, "page": page, "has_next": has_next}
    return render(request, "votes/board.html", context)


# --- a new vote -----------------------------------------------------------------------------------------


def _compounds_for_new(user, topic, search: str):
    compounds = access.compounds_to_vote_in(user)
    if topic is not None:
        compounds = compounds.filter(path__startswith=topic.path)
    if search:
        compounds = compounds.filter(name__icontains=search)
    return list(compounds.order_by("name")[:LIST_SIZE])


@login_required
@require_http_methods(["GET", "POST"])
def matter_new(request):
    """Managers: choose the compound (``?compound=``), then whose owners, the matter, the window. From a
    consultation topic (``?topic=``) the title and description start as the topic's."""
    user = request.user
    if not access.can_prepare_votes(user):
        raise Http404
    topic = topic_access.get_topic_for(user, request.GET["topic"]) if request.GET.get("topic", "").isdigit() else None
    compound = Place.objects.filter(pk=request.GET.get("compound") or 0, kind=Place.Kind.COMPOUND).first()
    if compound is None:
        search = request.GET.get("q", "")[:100]
        compounds = _compounds_for_new(user, topic, search)
        return render(request, "votes/matter_new.html", {"compounds": compounds, "topic": topic, "search": search})
    places = access.scopes_to_vote_in(user, compound)
    if not places:
        raise Http404
    topics = list(
        topic_access.topics_for(user).filter(path__in=ancestor_paths(compound.path)).order_by("-created_at")[:LIST_SIZE]
    )
    if topic is not None and topic not in topics:
        topics.insert(0, topic)
    initial = {"topic": topic.pk, "title": topic.title, "description": topic.description} if topic else {}
    form = MatterForm(_posted(request), initial=initial, places=places, topics=topics)
    if request.method == "POST" and form.is_valid():
        created = []
        if run_action(form, lambda: created.append(actions.create_matter(by=user, **form.cleaned_data))) is None:
            messages.success(request, _("Vote drafted. Add the documents, check the window, then publish the notice."))
            return redirect("votes:manage", pk=created[0].pk)
    context = {"form": form, "compound": compound, "topic": topic}
    return render(request, "votes/matter_new.html", context, status=400 if form.errors else 200)


# --- one vote: the owners' page --------------------------------------------------------------------


def matter_detail(request, pk: int):
    """The owners' page; a published result is public (the notice board), signed in or not."""
    matter = _matter_or_sign_in(request, pk)
    if matter is None:
        return redirect_to_login(request.get_full_path())
    return render(request, "votes/matter_detail.html", _matter_context(request, matter))


def _matter_or_sign_in(request, pk: int) -> Matter | None:
    """The vote as ``access`` shows it to the user (to anyone: a published result); ``None`` when
    someone not signed in should sign in first (whether the vote exists is not told)."""
    try:
        return access.get_matter_for(request.user, pk)
    except Http404:
        if request.user.is_authenticated:
            raise
        return None


@login_required
@require_POST
def cast(request, pk: int):
    """The owner's ballot (or their proxy's): cast or changed while voting is open; the last one counts."""
    matter = access.get_matter_for(request.user, pk)
    form = CastForm(request.POST, voters=access.voters_for(request.user, matter))

    def apply(data):
        actions.cast_ballot(matter, voter=data["voter"], choice=data["choice"], by=request.user)
        return _("Your ballot is recorded: %(choice)s. You can change it until voting closes.") % {
            "choice": Choice(data["choice"]).label
        }

    return _act(request, matter, form, apply, page="matter", form_name="cast_form", anchor="ballot")


def _designated_message(voter: Voter, person) -> str:
    if voter.designated_id == person.pk:
        return _("%(name)s now casts the ballot for %(units)s.") % {"name": person.name, "units": voter.label}
    return _("You named %(name)s. They cast the ballot once every co-owner names them.") % {"name": person.name}


@login_required
@require_POST
def designate(request, pk: int):
    """A co-owner names the co-owner who casts their shared ballot."""
    matter = access.get_matter_for(request.user, pk)
    form = DesignateForm(request.POST, voters=_co_owned(request.user, matter))

    def apply(data):
        voter = actions.designate(matter, voter=data["voter"], person=data["person"], by=request.user)
        return _designated_message(voter, data["person"])

    return _act(request, matter, form, apply, page="matter", form_name="designate_form", anchor="co-owners")


@login_required
def document(request, pk: int, doc_id: int):
    matter = access.get_matter_for(request.user, pk)
    doc = get_object_or_404(matter.documents, pk=doc_id)
    response = FileResponse(doc.file.open("rb"), filename=doc.file.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def proxy_document(request, pk: int, proxy_id: int):
    """The signed authorisation of a proxy, for the managers of the vote."""
    matter = access.get_managed_matter_for(request.user, pk)
    authorisation = get_object_or_404(matter.proxies, pk=proxy_id)
    response = FileResponse(authorisation.document.open("rb"), filename=authorisation.document.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    return response


def result_pdf(request, pk: int):
    matter = _matter_or_sign_in(request, pk)
    if matter is None:
        return redirect_to_login(request.get_full_path())
    if matter.status != Status.PUBLISHED:
        raise Http404
    from core.pdf import pdf_response

    from . import documents

    return pdf_response(documents.result_pdf(matter), f"result-{matter.pk}.pdf")


# --- one vote: the managers' page ------------------------------------------------------------------


@login_required
def manage(request, pk: int):
    matter = access.get_managed_matter_for(request.user, pk)
    return render(request, "votes/manage.html", _manage_context(request, matter))


def _step(matter: Matter, by, data) -> str:
    op, version = data["op"], data["version"]
    if op == "notice":
        actions.send_notice(matter, by=by, version=version)
        return _("The notice is published to every owner and to the residents' committee.")
    if op == "open":
        actions.open_voting(matter, by=by, version=version)
        return _("Voting is open: the roll of owners is fixed.")
    if op == "close":
        actions.close_voting(matter, by=by, version=version)
        return _("Voting is closed. Settle the paper ballots, then publish the result.")
    if op == "publish":
        actions.publish_result(matter, by=by, version=version)
        return _("The result is published and the owners are told.")
    actions.cancel_matter(matter, by=by, version=version, reason=data["reason"])
    return _("The vote is cancelled.")


@login_required
@require_POST
def step(request, pk: int):
    matter = access.get_managed_matter_for(request.user, pk)
    form = StepForm(request.POST)
    return _act(request, matter, form, lambda data: _step(matter, request.user, data), page="manage", form_name="step_form")


@login_required
@require_POST
def edit(request, pk: int):
    matter = access.get_managed_matter_for(request.user, pk)
    form = MatterEditForm(request.POST)

    def apply(data):
        actions.update_matter(matter, by=request.user, **data)
        return _("The draft is saved.")

    return _act(request, matter, form, apply, page="manage", form_name="edit_form", anchor="edit")


@login_required
@require_POST
def add_document(request, pk: int):
    matter = access.get_managed_matter_for(request.user, pk)
    form = DocumentForm(request.POST, request.FILES)

    def apply(data):
        actions.add_document(matter, by=request.user, title=data["title"], file=data["file"])
        return _("Document added.")

    return _act(request, matter, form, apply, page="manage", form_name="document_form", anchor="documents")


PAPER_DONE = {
    PaperEntry.Status.PENDING: gettext_lazy("Typed. A second person must type this sheet to check it."),
    PaperEntry.Status.MATCHED: gettext_lazy("Both typings match: the ballot is counted."),
    PaperEntry.Status.MISMATCH: gettext_lazy("This typing does not match the earlier one: a third person must type the sheet."),
}


@login_required
@require_POST
def paper(request, pk: int):
    matter = access.get_managed_matter_for(request.user, pk)
    form = PaperForm(request.POST, matter=matter)

    def apply(data):
        entry = actions.enter_paper_ballot(matter, by=request.user, **data)
        return f"{data['voter'].label}: {PAPER_DONE[entry.status]}"

    return _act(request, matter, form, apply, page="manage", form_name="paper_form", anchor="paper")


@login_required
@require_POST
def paper_set_aside(request, pk: int, entry_id: int):
    matter = access.get_managed_matter_for(request.user, pk)
    entry = get_object_or_404(PaperEntry, pk=entry_id, matter=matter)
    form = SetAsideForm(request.POST)

    def apply(data):
        actions.set_aside_paper_entry(entry, by=request.user, reason=data["reason"])
        return _("The typing of sheet %(sheet)s is set aside.") % {"sheet": entry.sheet}

    return _act(request, matter, form, apply, page="manage", form_name="set_aside_form", anchor="paper")


@login_required
@require_POST
def proxy(request, pk: int):
    matter = access.get_managed_matter_for(request.user, pk)
    form = ProxyForm(
        request.POST, request.FILES, matter=matter, can_name=lambda p: access.can_name_proxy(request.user, matter, p)
    )

    def apply(data):
        actions.record_proxy(
            matter, voter=data["voter"], proxy=data["mobile"], document=data["document"], note=data["note"], by=request.user
        )
        return _("%(name)s holds the proxy for %(units)s.") % {"name": data["mobile"].name, "units": data["voter"].label}

    return _act(request, matter, form, apply, page="manage", form_name="proxy_form", anchor="proxies")


@login_required
@require_POST
def manage_designate(request, pk: int):
    """A manager records a co-owners' written designation."""
    matter = access.get_managed_matter_for(request.user, pk)
    voter_id = request.POST.get("voter", "")
    voters = Voter.objects.filter(matter=matter, pk=voter_id if voter_id.isdigit() else 0).prefetch_related("members__person")
    form = DesignateForm(request.POST, voters=list(voters))

    def apply(data):
        voter = actions.designate(matter, voter=data["voter"], person=data["person"], by=request.user)
        return _designated_message(voter, data["person"])

    return _act(request, matter, form, apply, page="manage", form_name="designate_form", anchor="roll")


# --- a compound's silent-consent clause ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def silent_consent(request, place_id: int):
    """Record (or remove) the covenant clause that lets non-voters count as agreeing, in a second tally."""
    compound = get_object_or_404(Place, pk=place_id, kind=Place.Kind.COMPOUND)
    if not access.can_manage_place(request.user, compound):
        raise Http404
    current = SilentConsentClause.objects.filter(compound=compound).first()
    removing = request.POST.get("op") == "remove"
    initial = {"clause": current.clause, "adopted_on": current.adopted_on} if current else {}
    form = EmptyForm(request.POST) if removing else SilentConsentForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        if removing:
            outcome = run_action(form, lambda: actions.remove_silent_consent(compound, by=request.user))
        else:
            outcome = run_action(form, lambda: actions.record_silent_consent(compound, by=request.user, **form.cleaned_data))
        if outcome is None:
            messages.success(request, _("Removed.") if removing else _("The clause is recorded."))
            return redirect("votes:silent-consent", place_id=compound.pk)
    context = {"compound": compound, "current": current, "form": form if not removing else SilentConsentForm(initial=initial)}
    context["remove_form"] = form if removing else None
    return render(request, "votes/silent_consent.html", context, status=400 if form.errors else 200)


# --- changes of use (Civil Code Art 279) -------------------------------------------------------------


def _my_homes(user):
    return list(Unit.objects.filter(ownerships__person=user, kind=Unit.Kind.HOME).select_related("building").order_by("id"))


@login_required
def use_change_list(request):
    user = request.user
    visible = access.use_changes_for(user).select_related("unit__building", "applicant")
    asked = {c.request_id: c for c in UseChangeConsent.objects.filter(person=user)}
    mine = list(visible.filter(applicant=user)[:LIST_SIZE])
    asked_rows = list(visible.filter(pk__in=list(asked))[:LIST_SIZE])
    for row in asked_rows:
        row.my_answer = asked[row.pk]
    others = list(visible.exclude(applicant=user).exclude(pk__in=list(asked))[:LIST_SIZE])
    owns_home = Ownership.objects.filter(person=user, unit__kind=Unit.Kind.HOME).exists()
    return render(
        request, "votes/use_change_list.html", {"mine": mine, "asked": asked_rows, "others": others, "owns_home": owns_home}
    )


@login_required
@require_http_methods(["GET", "POST"])
def use_change_new(request):
    units = _my_homes(request.user)
    form = UseChangeForm(_posted(request), units=units)
    if request.method == "POST" and form.is_valid():
        created = []
        if run_action(form, lambda: created.append(actions.request_use_change(by=request.user, **form.cleaned_data))) is None:
            messages.success(request, _("The owners concerned are asked for their consent."))
            return redirect("votes:use-change", pk=created[0].pk)
    return render(request, "votes/use_change_new.html", {"form": form, "units": units}, status=400 if form.errors else 200)


def _use_change_context(request, item: UseChange, **forms) -> dict:
    user = request.user
    consents = list(item.consents.select_related("person").order_by("basis", "id"))
    mine = next((c for c in consents if c.person_id == user.pk), None)
    collecting = item.status == UseChange.Status.COLLECTING
    manage = access.can_manage_use_change(user, item)
    return {
        "item": item,
        "consents": consents,
        "mine": mine,
        "manage": manage,
        "answer_form": forms.get("answer_form") or (AnswerForm() if collecting and mine and not mine.answer else None),
        "add_form": forms.get("add_form") or (InterestedOwnerForm(can_name=None) if collecting and manage else None),
        "withdraw_form": forms.get("withdraw_form") or (EmptyForm() if collecting and item.applicant_id == user.pk else None),
        "paper_form": forms.get("paper_form")
        or (PaperConsentsForm() if collecting and manage and item.unrecorded_parts and not item.paper_consents else None),
    }


@login_required
def use_change_detail(request, pk: int):
    item = access.get_use_change_for(request.user, pk)
    return render(request, "votes/use_change_detail.html", _use_change_context(request, item))


def _use_change_act(request, pk: int, form_name: str, make_form, apply, done: str):
    item = access.get_use_change_for(request.user, pk)
    form = make_form(request)
    if form.is_valid() and run_action(form, lambda: apply(item, form.cleaned_data)) is None:
        messages.success(request, done)
        return redirect("votes:use-change", pk=item.pk)
    item = access.get_use_change_for(request.user, pk)
    return render(request, "votes/use_change_detail.html", _use_change_context(request, item, **{form_name: form}), status=400)


@login_required
@require_POST
def use_change_answer(request, pk: int):
    return _use_change_act(
        request,
        pk,
        "answer_form",
        lambda r: AnswerForm(r.POST),
        lambda item, data: actions.answer_use_change(item, by=request.user, answer=data["answer"]),
        _("Your answer is recorded."),
    )


@login_required
@require_POST
def use_change_add(request, pk: int):
    return _use_change_act(
        request,
        pk,
        "add_form",
        lambda r: InterestedOwnerForm(
            r.POST, can_name=lambda p: access.can_name_interested(r.user, access.get_use_change_for(r.user, pk), p)
        ),
        lambda item, data: actions.add_interested_owner(item, person=data["mobile"], by=request.user),
        _("The owner is added and asked for their consent."),
    )


@login_required
@require_POST
def use_change_paper(request, pk: int):
    return _use_change_act(
        request,
        pk,
        "paper_form",
        lambda r: PaperConsentsForm(r.POST, r.FILES),
        lambda item, data: actions.record_paper_consents(item, by=request.user, document=data["document"]),
        _("The signed consents are attached."),
    )


@login_required
@require_POST
def use_change_withdraw(request, pk: int):
    return _use_change_act(
        request,
        pk,
        "withdraw_form",
        lambda r: EmptyForm(r.POST),
        lambda item, data: actions.withdraw_use_change(item, by=request.user),
        _("Your request is withdrawn."),
    )
