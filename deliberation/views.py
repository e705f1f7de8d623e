"""Pages for consultation topics (议题): the topics that concern me, a community's topics, raising a topic
(also from a problem report), the topic page with its whole path and what the user may do there
(endorse, decide, move it along), and a community's threshold settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases import access as case_access
from core.pages import add_errors, keep_version, page_number, run_action
from people.queries import page_of

from . import access, actions, queries
from .forms import AdvanceForm, DecideForm, EndorseForm, FromCaseForm, SettingsForm, TopicFilterForm, TopicForm
from .models import DEFAULT_THRESHOLD_HOUSEHOLDS, NOTE_REQUIRED, Source, Status, Topic

PAGE_SIZE = 20
DECISION_LIST_SIZE = 50


def _posted(request):
    return request.POST if request.method == "POST" else None


def _community_for(user, pk, *, manage_only: bool = False):
    """The community and whether the user manages it; 404 unless they manage it or (when allowed)
    live or own there."""
    community = queries.community_by_pk(pk)
    if community is None:
        raise Http404
    manage = access.can_manage_community(user, community)
    if not manage and (manage_only or not access.is_member_of(user, community.path)):
        raise Http404
    return community, manage


# --- lists -----------------------------------------------------------------------------------


@login_required
def index(request):
    user = request.user
    managed = queries.managed_communities(user)
    return render(
        request,
        "deliberation/index.html",
        {
            "homes": queries.home_communities(user),
            "raised": queries.raised_by(user)[:PAGE_SIZE],
            "taking_part": queries.taking_part(user)[:PAGE_SIZE],
            "managed": managed,
            "decision_list": queries.decision_list(managed)[:DECISION_LIST_SIZE] if managed else [],
        },
    )


@login_required
def community(request, pk: int):
    place, manage = _community_for(request.user, pk)
    form = TopicFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = page_number(request)
    rows, has_next = page_of(queries.community_topics(place, status=status), page, PAGE_SIZE)
    needed = queries.households_needed(place)
    queries.label_rows(rows, needed)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deliberation/topic_list.html",
        {
            "community": place,
            "topics": rows,
            "page": page,
            "has_next": has_next,
            "query": query.urlencode(),
            "status": status,
            "status_choices": Status.choices,
            "needed": needed,
            "can_raise": True,  # managers and residents are the only ones who get here
            "manage": manage,
        },
    )


# --- raising ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def topic_new(request, pk: int):
    place, manage = _community_for(request.user, pk)
    sources = [Source.STAFF] if manage else []
    if access.is_member_of(request.user, place.path):
        sources.append(Source.RESIDENT)
    form = TopicForm(_posted(request), sources=sources)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            topic = actions.raise_topic(
                proposer=request.user,
                community=place,
                title=data["title"],
                description=data["description"],
                source=data["source"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("Your topic no. %(n)s has been raised.") % {"n": topic.pk})
            return redirect("deliberation:topic", pk=topic.pk)
    return render(request, "deliberation/topic_new.html", {"form": form, "community": place})


@login_required
@require_http_methods(["GET", "POST"])
def raise_from_case(request, case_id: int):
    """Community staff turn an eligible problem report into a topic (GET shows what will be raised)."""
    case = case_access.get_case_for(request.user, case_id)
    if not access.can_raise_from_case(request.user, case):
        raise Http404
    form = FromCaseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            topic = actions.raise_topic_from_case(
                actor=request.user, case=case, title=form.cleaned_data["title"], description=form.cleaned_data["description"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("Topic no. %(n)s raised from problem report no. %(c)s.") % {"n": topic.pk, "c": case.pk})
            return redirect("deliberation:topic", pk=topic.pk)
    return render(
        request, "deliberation/topic_from_case.html", {"form": form, "case": case, "grounds": actions.case_grounds(case)}
    )


# --- one topic -------------------------------------------------------------------------------


def _decide_form(topic: Topic, data=None) -> DecideForm:
    return DecideForm(
        data,
        initial={"version": topic.version},
        topic=topic,
        organisations=queries.candidate_organisations(topic.community),
        residents=queries.candidate_residents(topic),
    )


def _topic_context(request, topic: Topic, **forms) -> dict:
    user = request.user
    manage = access.can_manage(user, topic)
    collecting = topic.status == Status.COLLECTING
    member = collecting and access.is_member_of(user, topic.path)
    endorsed = member and queries.has_endorsed(topic, user)
    decide_form = forms.get("decide_form")
    if decide_form is None and manage and collecting:
        decide_form = _decide_form(topic)
    advance_form = forms.get("advance_form")
    if advance_form is None and access.can_advance(user, topic):
        advance_form = AdvanceForm(initial={"version": topic.version}, topic=topic)
    return {
        "topic": topic,
        "manage": manage,
        "steps": queries.path_of(topic),
        "participants": queries.participants_of(topic),
        "agenda_items": queries.agenda_items_of(topic),
        "action_items": queries.action_items_of(topic),
        "owner_votes": queries.owner_votes_of(topic, drafts=manage),
        "needed": queries.households_needed(topic.community) if collecting and topic.source == Source.RESIDENT else None,
        "endorsed": endorsed,
        "can_endorse": member and not endorsed,
        "endorse_form": forms.get("endorse_form"),
        "decide_form": decide_form,
        "advance_form": advance_form if advance_form is not None and advance_form.steps else None,
        "note_required": [Status(s).label for s in Status.values if s in NOTE_REQUIRED],
        "residents_meeting_required": manage and topic.is_open and actions.residents_meeting_required(topic),
    }


@login_required
def topic_detail(request, pk: int):
    topic = access.get_topic_for(request.user, pk)
    return render(request, "deliberation/topic_detail.html", _topic_context(request, topic))


@login_required
@require_POST
def endorse(request, pk: int):
    topic = access.get_topic_for(request.user, pk)
    form = EndorseForm(request.POST)
    try:
        actions.endorse_topic(person=request.user, topic=topic)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        add_errors(form, exc)
        return render(request, "deliberation/topic_detail.html", _topic_context(request, topic, endorse_form=form))
    messages.success(request, _("Thank you: your household's endorsement is counted."))
    return redirect("deliberation:topic", pk=topic.pk)


def _act(request, pk: int, form_name: str, make_form, apply):
    """The shared shape of deciding and moving a topic: check, validate, apply with compare-and-set;
    on a refusal show the page again with the form's errors (409 for a conflict), the topic as it is
    now and the version following it, the text typed kept."""
    topic = access.get_topic_for(request.user, pk)
    if not access.can_manage(request.user, topic):
        raise Http404
    form = make_form(topic, request.POST)
    status = 200
    if form.is_valid():
        outcome = run_action(form, lambda: apply(topic, form))
        if outcome is None:
            messages.success(
                request, _("Topic no. %(n)s is now %(status)s.") % {"n": topic.pk, "status": topic.get_status_display()}
            )
            return redirect("deliberation:topic", pk=topic.pk)
        status = 409 if outcome == "conflict" else 200
        topic = access.get_topic_for(request.user, pk)
        keep_version(form, topic.version)
    return render(request, "deliberation/topic_detail.html", _topic_context(request, topic, **{form_name: form}), status=status)


@login_required
@require_POST
def decide(request, pk: int):
    def apply(topic, form):
        data = form.cleaned_data
        take_up = data["decision"] == "take_up"
        actions.decide_topic(
            actor=request.user,
            topic=topic,
            take_up=take_up,
            reason=data["reason"],
            participants=form.invitees() if take_up else (),
            format=data["format"] if take_up else "",
            planned_for=data["planned_for"] if take_up else None,
            version=data["version"],
        )

    return _act(request, pk, "decide_form", _decide_form, apply)


@login_required
@require_POST
def advance(request, pk: int):
    def apply(topic, form):
        data = form.cleaned_data
        actions.advance_topic(
            actor=request.user, topic=topic, to_status=data["to_status"], note=data["note"], version=data["version"]
        )

    return _act(request, pk, "advance_form", lambda topic, data: AdvanceForm(data, topic=topic), apply)


# --- the community's settings ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request, pk: int):
    place, _manage = _community_for(request.user, pk, manage_only=True)
    current = actions.settings_for(place)
    initial = {
        "threshold_households": current.threshold_households,
        "threshold_per_mille": current.threshold_per_mille,
        "outcome_notice_days": current.outcome_notice_days,
    }
    form = SettingsForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.configure_deliberation(actor=request.user, community=place, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("The consultation settings of %(c)s are saved.") % {"c": place.name})
            return redirect("deliberation:community", pk=place.pk)
    households = actions.community_households(place.path)
    return render(
        request,
        "deliberation/settings.html",
        {
            "form": form,
            "community": place,
            "households": households,
            "needed": current.households_needed(households),
            "default_households": DEFAULT_THRESHOLD_HOUSEHOLDS,
        },
    )
