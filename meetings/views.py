"""Pages for meetings: the list, organising a meeting, the meeting page (notice, attendance, agenda,
minutes and votes, action items), the chair's speaking queue, the documents (PDF, iCalendar), action
items, and each community's public board."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.pages import add_errors, keep_version, messages_of, object_action, page_number, run_action
from deliberation.access import MANAGER_ROLES
from deliberation.models import COMMUNITY_KINDS, Stakeholder, Topic
from deliberation.rules import SpeakingQueue
from people import policy
from people.models import Person
from people.queries import page_of
from people.validators import normalise_mobile
from places.models import Place

from . import access, actions, calendar, queries
from .forms import (
    ActionItemForm,
    ActionUpdateForm,
    AgendaForm,
    CancelForm,
    MeetingForm,
    MinuteForm,
    SignInForm,
    SummaryForm,
    VoteForm,
    role_for,
)
from .models import ACTION_TRANSITIONS, ActionItem, Kind, Meeting, Minutes, Status

PAGE_SIZE = 20


def _meeting_page(request, meeting) -> str:
    anchor = request.POST.get("anchor", "")
    return f"/meetings/{meeting.pk}/" + (f"#{anchor}" if anchor else "")


meeting_action = object_action(access.get_meeting_for, _meeting_page)


# --- lists -----------------------------------------------------------------------------------


@login_required
def index(request):
    """Meetings I may see: upcoming first, then the past ones."""
    now = timezone.now()
    mine = access.meetings_for(request.user)
    upcoming = list(
        queries.meeting_list(
            mine.filter(ends_at__gte=now, status__in=[Status.DRAFT, Status.NOTIFIED, Status.IN_SESSION])
        ).order_by("starts_at")[:50]
    )
    page = page_number(request)
    past, has_next = page_of(
        queries.meeting_list(mine.filter(Q(ends_at__lt=now) | Q(status__in=[Status.ENDED, Status.CANCELLED]))).order_by(
            "-starts_at", "-id"
        ),
        page,
        PAGE_SIZE,
    )
    communities = queries.communities_in(policy.scope_paths(request.user, MANAGER_ROLES))
    overdue = access.action_items_for(request.user).open().filter(due_on__lt=timezone.localdate()).count()
    return render(
        request,
        "meetings/index.html",
        {
            "upcoming": upcoming,
            "past": past,
            "page": page,
            "has_next": has_next,
            "communities": communities,
            "overdue": overdue,
            "feed_url": request.build_absolute_uri(f"/meetings/calendar/{calendar.feed_token(request.user)}.ics"),
        },
    )


# --- organising --------------------------------------------------------------------------------


def _community_for_organiser(request) -> Place:
    community = get_object_or_404(
        Place, pk=request.GET.get("community") or request.POST.get("community") or 0, kind__in=sorted(COMMUNITY_KINDS)
    )
    if not access.can_organise_in(request.user, community):
        raise Http404
    return community


@login_required
def meeting_new(request):
    community = _community_for_organiser(request)
    rooms = queries.rooms_for(community)
    organisations = queries.organisations_for_meeting(community)
    topics = queries.agenda_topics(community)
    cases = queries.agenda_cases(community)
    initial = {}
    if request.GET.get("topic"):
        initial["topics"] = [request.GET["topic"]]
    form = MeetingForm(
        request.POST or None, initial=initial, rooms=rooms, organisations=organisations, topics=topics, cases=cases
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        orgs = {str(o.pk): o for o in organisations}
        try:
            meeting = actions.create_meeting(
                actor=request.user,
                community=community,
                kind=data["kind"],
                title=data["title"],
                purpose=data["purpose"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                room=next((r for r in rooms if str(r.pk) == data["room"]), None),
                location=data["location"],
                invitees=[actions.Invitee(role=role_for(orgs[pk]), organisation=orgs[pk]) for pk in data["organisations"]],
                topics=[t for t in topics if str(t.pk) in data["topics"]],
                cases=[c for c in cases if str(c.pk) in data["cases"]],
                speech_seconds=data["speech_seconds"],
                speeches_per_motion=data["speeches_per_motion"],
                majority=data["majority"],
                abstentions_count=data["abstentions_count"],
                residents_meeting_kind=data["residents_meeting_kind"],
                eligible=data["eligible"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("Meeting drafted. Check the agenda and invitations, then send the notice."))
            return redirect("meetings:meeting", pk=meeting.pk)
    return render(
        request, "meetings/meeting_new.html", {"form": form, "community": community}, status=400 if form.errors else 200
    )


# --- one meeting -------------------------------------------------------------------------------


def _meeting_context(request, meeting: Meeting) -> dict:
    user = request.user
    data = queries.meeting_page(meeting)
    can_record = access.can_record(user, meeting)
    can_approve = access.can_approve(user, meeting)
    minutes = data["minutes"]
    shows_minutes = access.can_view_minutes(user, meeting, minutes)
    signed_in = any(a.person_id == user.pk for a in data["attendances"])
    data.update(
        meeting=meeting,
        can_record=can_record,
        can_approve=can_approve,
        can_manage=access.can_manage(user, meeting),
        shows_minutes=shows_minutes,
        minutes_editable=can_record
        and minutes is not None
        and not minutes.is_fixed
        and meeting.status in (Status.IN_SESSION, Status.ENDED),
        signed_in=signed_in,
        can_sign_in=not signed_in
        and meeting.status in (Status.NOTIFIED, Status.IN_SESSION)
        and access.can_sign_in_self(user, meeting),
        sign_in_form=SignInForm(people=queries.possible_attendees(meeting))
        if can_record and meeting.status in (Status.NOTIFIED, Status.IN_SESSION)
        else None,
        cancel_form=CancelForm(),
        agenda_form=AgendaForm(),
        owner_choices=[(i.organisation_id, i.who) for i in data["invitations"] if i.organisation_id],
        decided_items=[(i.pk, f"{i.position}. {i.title}") for i in data["agenda"] if i.decision and i.carried is not False]
        if can_record and meeting.status == Status.ENDED
        else [],
        show_attendees=can_record or access.is_invited(user, meeting),
        Status=Status,
        Kind=Kind,
    )
    return data


@login_required
def meeting_detail(request, pk: int):
    meeting = access.get_meeting_for(request.user, pk)
    return render(request, "meetings/meeting_detail.html", _meeting_context(request, meeting))


@meeting_action
def meeting_act(request, meeting: Meeting):
    op = request.POST.get("op")
    version = int(request.POST.get("version") or meeting.version)
    if op == "notice":
        actions.send_notice(actor=request.user, meeting=meeting, version=version)
        return _("The notice has been sent to every participant.")
    if op == "start":
        actions.start_meeting(actor=request.user, meeting=meeting, version=version)
        return _("The meeting is in session.")
    if op == "end":
        actions.end_meeting(actor=request.user, meeting=meeting, version=version)
        return _("The meeting is closed. Complete the minutes, then approve them.")
    if op == "cancel":
        actions.cancel_meeting(actor=request.user, meeting=meeting, reason=request.POST.get("reason", ""), version=version)
        return _("The meeting is cancelled and the participants are told.")
    raise ValidationError(_("Unknown action."))


@meeting_action
def agenda_add(request, meeting: Meeting):
    topic = case = None
    if request.POST.get("topic"):
        topic = Topic.objects.filter(pk=request.POST["topic"], path=meeting.path).first()
    actions.add_agenda_item(actor=request.user, meeting=meeting, title=request.POST.get("title", ""), topic=topic, case=case)
    return _("Added to the agenda.")


@meeting_action
def invite_person(request, meeting: Meeting):
    """Invite a person (a resident taking part, or an expert who advises) by mobile number: someone the
    organiser may name (``policy.can_name``). Whether a number belongs to anyone else is not revealed."""
    if not access.can_approve(request.user, meeting):
        raise PermissionDenied  # before anything about the number is looked at
    role = request.POST.get("role")
    if role not in (Stakeholder.RESIDENT, Stakeholder.EXPERT):
        raise ValidationError(_("Choose how the person takes part."))
    mobile = normalise_mobile(request.POST.get("mobile", ""))
    person = Person.objects.filter(mobile=mobile, is_active=True).first()
    if person is None or not policy.can_name(request.user, person):
        raise ValidationError(_("Nobody with that mobile number can be invited."))
    invited = actions.invite(actor=request.user, meeting=meeting, invitees=[actions.Invitee(role=role, person=person)])
    if not invited:
        raise ValidationError(_("%(who)s is already invited.") % {"who": person.name})
    return _("%(who)s is invited.") % {"who": person.name}


@meeting_action
def sign_in(request, meeting: Meeting):
    person = None
    if request.POST.get("person"):
        person = Person.objects.filter(pk=request.POST["person"]).first()
        if person is None:
            raise ValidationError(_("Choose who to sign in."))
    attendance = actions.sign_in(actor=request.user, meeting=meeting, person=person)
    return _("%(who)s is signed in.") % {"who": attendance.person.name}


def _item(meeting: Meeting, item_id: int):
    item = meeting.agenda.filter(pk=item_id).first()
    if item is None:
        raise Http404
    item.meeting = meeting
    return item


@meeting_action
def minute(request, meeting: Meeting, item_id: int):
    form = MinuteForm(request.POST)
    if not form.is_valid():
        raise ValidationError(messages_of(ValidationError(form.errors)))
    actions.record_minute(actor=request.user, item=_item(meeting, item_id), **form.cleaned_data)
    return _("Minute saved.")


@meeting_action
def vote(request, meeting: Meeting, item_id: int):
    form = VoteForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Give the number of votes for, against and abstaining (whole numbers, zero or more)."))
    item = actions.record_vote(actor=request.user, item=_item(meeting, item_id), **form.cleaned_data)
    return item.result


@meeting_action
def minutes_act(request, meeting: Meeting):
    op = request.POST.get("op")
    if op == "summary":
        form = SummaryForm(request.POST)
        form.is_valid()
        actions.record_summary(actor=request.user, meeting=meeting, summary=form.cleaned_data.get("summary", ""))
        return _("Summary saved.")
    if op == "approve":
        actions.approve_minutes(actor=request.user, meeting=meeting)
        return _("The minutes are approved. They can no longer be edited; publish them to the community.")
    if op == "publish":
        actions.publish_minutes(actor=request.user, meeting=meeting)
        return _("The minutes are published.")
    if op == "amend":
        actions.amend_minutes(actor=request.user, meeting=meeting, text=request.POST.get("text", ""))
        return _("The amendment is recorded.")
    raise ValidationError(_("Unknown action."))


@meeting_action
def action_new(request, meeting: Meeting):
    item = meeting.agenda.filter(pk=request.POST.get("item") if str(request.POST.get("item", "")).isdigit() else 0).first()
    if item is None:
        raise ValidationError(_("Choose the decision this work is for."))
    item.meeting = meeting
    organisations = {
        str(i.organisation_id): i.organisation for i in meeting.invitations.select_related("organisation") if i.organisation_id
    }
    form = ActionItemForm(request.POST, organisations=organisations.values())
    if not form.is_valid():
        raise ValidationError(messages_of(ValidationError(form.errors)))
    data = form.cleaned_data
    created = actions.create_action_item(
        actor=request.user,
        agenda_item=item,
        title=data["title"],
        owner_organisation=organisations[data["owner"]],
        due_on=data["due_on"],
    )
    return _("Action item created for %(owner)s.") % {"owner": created.owner}


# --- the chair's speaking queue ---------------------------------------------------------------


def _chair_context(meeting: Meeting, item_id: int | None) -> dict:
    agenda = list(meeting.agenda.all())
    item = next((i for i in agenda if i.pk == item_id), agenda[0] if agenda else None)
    queue = SpeakingQueue.from_dict(meeting.speaking_queue) if meeting.speaking_queue else SpeakingQueue(meeting.rule_set)
    names = dict(meeting.attendances.values_list("person_id", "person__name"))
    waiting = [(pk, names.get(pk, "?"), queue.speeches(pk, item.pk)) for pk in queue.waiting(item.pk)] if item else []
    return {
        "meeting": meeting,
        "agenda": agenda,
        "item": item,
        "waiting": waiting,
        "attendees": sorted(names.items(), key=lambda kv: kv[1]),
        "spoken": {pk: queue.speeches(pk, item.pk) for pk in names} if item else {},
        "next_id": waiting[0][0] if waiting else None,
        "rules": meeting.rule_set,
    }


@login_required
def chair(request, pk: int):
    """The chair runs the speaking queue from a phone: who asked for the floor on the current item,
    in order (those who have not spoken yet first), the speech timer, and each speech counted."""
    meeting = access.get_meeting_for(request.user, pk)
    if not access.can_record(request.user, meeting):
        raise Http404
    item_id = request.POST.get("item") or request.GET.get("item")
    error = ""
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            item_id = int(item_id or 0)
            person_id = int(request.POST["person"]) if request.POST.get("person") else None
            if op == "raise" and person_id:
                actions.raise_hand(
                    actor=request.user,
                    meeting=meeting,
                    item_id=item_id,
                    person_id=person_id,
                    stance=request.POST.get("stance") or None,
                )
            elif op == "lower" and person_id:
                actions.lower_hand(actor=request.user, meeting=meeting, item_id=item_id, person_id=person_id)
            elif op == "speak":
                actions.give_floor(actor=request.user, meeting=meeting, item_id=item_id, person_id=person_id)
            else:
                raise ValidationError(_("Unknown action."))
        except (ValueError, KeyError):
            error = _("Choose an item and a person.")
        except ValidationError as exc:
            error = " ".join(messages_of(exc))
        except PermissionDenied as exc:
            raise Http404 from exc
        meeting.refresh_from_db(fields=["speaking_queue", "status"])
    try:
        item_id = int(item_id) if item_id else None
    except ValueError:
        item_id = None
    context = _chair_context(meeting, item_id)
    context["error"] = error
    template = "meetings/_queue.html" if request.headers.get("HX-Request") else "meetings/chair.html"
    return render(
        request,
        template,
        context,
        status=400 if error and request.method == "POST" and not request.headers.get("HX-Request") else 200,
    )


# --- documents ---------------------------------------------------------------------------------


@login_required
def notice_pdf(request, pk: int):
    meeting = access.get_meeting_for(request.user, pk)
    if meeting.status == Status.DRAFT and not access.can_approve(request.user, meeting):
        raise Http404
    from core.pdf import pdf_response

    from . import documents

    return pdf_response(documents.notice_pdf(meeting), f"notice-{meeting.pk}.pdf")


@login_required
def minutes_pdf(request, pk: int):
    meeting = access.get_meeting_for(request.user, pk)
    if not access.can_view_minutes(request.user, meeting, Minutes.objects.filter(meeting=meeting).first()):
        raise Http404
    from core.pdf import pdf_response

    from . import documents

    return pdf_response(documents.minutes_pdf(meeting), f"minutes-{meeting.pk}.pdf")


def _ics(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def meeting_ics(request, pk: int):
    meeting = access.get_meeting_for(request.user, pk)
    return _ics(calendar.meeting_invitation(meeting), f"meeting-{meeting.pk}.ics")


def community_feed(request, pk: int):
    """A community's meetings once announced: public, like a notice board (no personal data)."""
    community = get_object_or_404(Place, pk=pk, kind__in=sorted(COMMUNITY_KINDS))
    return _ics(calendar.feed(queries.community_feed(community), community.name), f"community-{community.pk}.ics")


def person_feed(request, token: str):
    """A person's own meetings, at a private address (signed token) that calendar apps can poll."""
    person = Person.objects.filter(pk=calendar.person_from_token(token) or 0, is_active=True).first()
    if person is None:
        raise Http404
    since = timezone.now() - timedelta(days=90)
    meetings = access.meetings_for(person).filter(starts_at__gte=since).select_related("room__venue").order_by("starts_at")[:500]
    return _ics(calendar.feed(meetings, _("My meetings")), "linli.ics")


# --- action items ------------------------------------------------------------------------------


@login_required
def action_list(request):
    qs = access.action_items_for(request.user)
    show = request.GET.get("show", "open")
    today = timezone.localdate()
    if show == "open":
        qs = qs.open()
    elif show == "overdue":
        qs = qs.open().filter(due_on__lt=today)
    page = page_number(request)
    rows, has_next = page_of(queries.action_list(qs).order_by("due_on", "id"), page, PAGE_SIZE)
    return render(
        request, "meetings/action_list.html", {"items": rows, "page": page, "has_next": has_next, "show": show, "today": today}
    )


def _action_context(request, item: ActionItem, form=None) -> dict:
    allowed = [s for s in ActionItem.Status.values if s in ACTION_TRANSITIONS[item.status]]
    if not access.can_manage_action(request.user, item):
        allowed = [s for s in allowed if s != ActionItem.Status.CANCELLED]
    return {
        "item": item,
        "photos": list(item.photos.all()),
        "form": form or ActionUpdateForm(initial={"version": item.version}),
        "allowed": [(s, ActionItem.Status(s).label) for s in allowed],
        "overdue": item.is_overdue(),
    }


@login_required
def action_detail(request, pk: int):
    item = access.get_action_item_for(request.user, pk)
    status = 200
    form = None
    if request.method == "POST":
        form = ActionUpdateForm(request.POST, request.FILES)
        data = form.cleaned_data if form.is_valid() else None
        outcome = "refused"
        if data is not None:
            outcome = run_action(
                form,
                lambda: actions.update_action_item(
                    actor=request.user,
                    item=item,
                    status=data["status"],
                    evidence=data["evidence"],
                    photos=data["photos"],
                    version=data["version"],
                ),
            )
        if outcome is None:
            messages.success(request, _("Saved: %(status)s.") % {"status": item.get_status_display()})
            return redirect("meetings:action", pk=item.pk)
        status = 409 if outcome == "conflict" else 400
        item = access.get_action_item_for(request.user, pk)
        keep_version(form, item.version)
    return render(request, "meetings/action_detail.html", _action_context(request, item, form), status=status)


@login_required
def action_photo(request, pk: int, photo_id: int):
    item = access.get_action_item_for(request.user, pk)
    photo = item.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- the public board --------------------------------------------------------------------------


def board(request, pk: int):
    """One livelihood matter after another: the community's published decisions and how their
    implementation stands. Public, like the notice board at the community centre."""
    community = get_object_or_404(Place, pk=pk, kind__in=sorted(COMMUNITY_KINDS))
    today = timezone.localdate()
    return render(
        request,
        "meetings/board.html",
        {
            "community": community,
            "items": queries.public_board(community),
            "meetings": queries.board_meetings(community),
            "coming": queries.announced_meetings(community),
            "counts": queries.board_counts(community, today),
            "today": today,
        },
    )
