"""Pages for neighbourhood events and clubs: the list of coming events, one event (sign-up, my code),
organising (create, edit, publish, cancel), who signed up (with a spreadsheet), the check-in desk, my
events, clubs (list, page, join, decide, backbone members, a new club page), meeting neighbours, and the
calendar feeds. Every page asks ``access`` (404 for anything out of reach) and changes things only
through ``actions`` (``core.pages.run_action``: a refusal is shown on the form with 400, a conflict 409)."""

import base64
import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import calendar as ical
from core.pages import keep_version, page_number, run_action
from people.models import Person
from places.models import Place
from places.qr import qr_svg

from . import access, actions, calendar, queries
from .forms import (
    CancelForm,
    CheckInForm,
    ClubForm,
    DecideForm,
    EventEditForm,
    EventForm,
    JoinForm,
    OptInForm,
    PositionForm,
    SignUpForm,
    VersionForm,
)
from .models import Club, Event, Registration, RegistrationStatus, Status

STATUS_OF = {None: 200, "refused": 400, "conflict": 409}
ORGANISER_CHOICES = 100  # staff over the sub-district act for hundreds of organisations: they search


def _posted(request) -> VersionForm:
    """A form for a button (and the version the page showed): refusals are put on it."""
    form = VersionForm(request.POST if request.method == "POST" else None)
    form.is_valid()
    return form


def _local(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "H:i")


# --- lists ---------------------------------------------------------------------------------------


@login_required
def index(request):
    """Coming events open to me (and those I run), by start, 20 a page."""
    kind = request.GET.get("kind", "")
    if kind not in Event.Kind.values:
        kind = ""
    page = page_number(request)
    rows, has_next = queries.upcoming_for(request.user, now=timezone.now(), kind=kind or None, page=page)
    return render(
        request,
        "events/index.html",
        {
            "events": queries.label_rows(rows),
            "kinds": Event.Kind.choices,
            "kind": kind,
            "page": page,
            "has_next": has_next,
            "runs_events": access.runs_events(request.user),
            "feed_url": request.build_absolute_uri(reverse("events:feed-person", args=[calendar.feed_token(request.user)])),
        },
    )


@login_required
def mine(request):
    page = page_number(request)
    upcoming, past, has_next = queries.my_events(request.user, now=timezone.now(), page=page)
    return render(request, "events/mine.html", {"upcoming": upcoming, "past": past, "page": page, "has_next": has_next})


def community(request, pk: int):
    """A community's coming events: public, like its notice board (no personal data)."""
    place = get_object_or_404(Place, pk=pk, kind__in=sorted(access.COMMUNITY_KINDS))
    return render(
        request,
        "events/community.html",
        {
            "community": place,
            "events": queries.label_rows(queries.community_events(place, now=timezone.now())),
            "feed_url": request.build_absolute_uri(reverse("events:feed-community", args=[place.pk])),
        },
    )


# --- one event -----------------------------------------------------------------------------------


def _qr_data_uri(request, code: str) -> str:
    url = request.build_absolute_uri(reverse("events:check-in", args=[code]))
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url, scale=5)).decode()


def _event_page(request, event: Event, *, form=None, status: int = 200):
    user = request.user
    now = timezone.now()
    mine = queries.my_registration(event, user)
    roles = queries.roles_of(event)
    can_manage = access.can_manage(user, event)
    context = {
        "event": event,
        "mine": mine,
        "position": queries.waitlist_position(mine) if mine else None,
        "qr": _qr_data_uri(request, mine.code) if mine else "",
        "roles": roles,
        "can_manage": can_manage,
        "booking": event.booking if can_manage and event.booking_id else None,
        "can_check_in": can_manage or access.can_check_in(user, event),
        "open_to_me": access.is_open_to(user, event),
        "signup_open": event.signup_open(now),
        "over": event.ends_at <= now,
        "now": now,
        "form": form,
        "Status": Status,
    }
    return render(request, "events/event_detail.html", context, status=status)


def event_detail(request, pk: int):
    """Public once published (the details and the seats); signing up needs signing in."""
    return _event_page(request, access.get_event_for(request.user, pk))


@login_required
@require_POST
def sign_up(request, pk: int):
    event = access.get_event_for(request.user, pk)
    roles = queries.roles_of(event)
    form = SignUpForm(request.POST, roles=roles)
    outcome = "refused"
    if form.is_valid():
        role = next((r for r in roles if r.pk == form.cleaned_data["role"]), None)
        done = {}
        outcome = run_action(form, lambda: done.update(reg=actions.sign_up(event, request.user, role=role)))
    if outcome is None:
        reg = done["reg"]
        if reg.status == RegistrationStatus.CONFIRMED:
            messages.success(request, _("You are in. Show your code %(code)s at the door.") % {"code": reg.code})
        else:
            messages.info(request, _("The seats are taken: you are on the waiting list, and will be told if a place comes free."))
        return redirect("events:event", pk=event.pk)
    return _event_page(request, event, form=form, status=STATUS_OF[outcome])


@login_required
@require_POST
def withdraw(request, pk: int):
    """Give up my place (the next on the waiting list gets it)."""
    event = access.get_event_for(request.user, pk)
    mine = queries.my_registration(event, request.user)
    if mine is None:
        raise Http404
    form = _posted(request)
    outcome = run_action(form, lambda: actions.cancel_registration(mine, by=request.user))
    if outcome is None:
        messages.success(request, _("Your registration is cancelled."))
        return redirect("events:event", pk=event.pk)
    return _event_page(request, event, form=form, status=STATUS_OF[outcome])


# --- organising ------------------------------------------------------------------------------------


def _organiser_for(request):
    """The organisation named by ``?organiser=`` among those the user may organise for, or None."""
    pk = request.GET.get("organiser") or request.POST.get("organiser") or ""
    if not str(pk).isdigit():
        return None
    organiser = access.organisations_to_organise_for(request.user).select_related("place").filter(pk=pk).first()
    if organiser is None:
        raise Http404
    return organiser


@login_required
def event_new(request):
    """Organise an event: choose the organising organisation (and its community), then the form."""
    organiser = _organiser_for(request)
    if organiser is None:
        mine = access.organisations_to_organise_for(request.user).select_related("place")
        if not mine.exists():
            raise Http404
        q = request.GET.get("q", "").strip()
        if q:
            mine = mine.filter(name__contains=q)
        choices = list(mine[: ORGANISER_CHOICES + 1])
        return render(
            request,
            "events/event_new.html",
            {"organisers": choices[:ORGANISER_CHOICES], "more": len(choices) > ORGANISER_CHOICES, "q": q},
        )
    communities = queries.communities_for_organiser(organiser)
    wanted = request.GET.get("community") or request.POST.get("community") or ""
    place = next((c for c in communities if str(c.pk) == str(wanted)), communities[0] if len(communities) == 1 else None)
    if place is None:
        return render(request, "events/event_new.html", {"organiser": organiser, "communities": communities})
    rooms = queries.rooms_for(place)
    compounds = queries.compounds_in(place)
    clubs = queries.clubs_to_organise(request.user, organiser, place)
    form = EventForm(request.POST or None, rooms=rooms, compounds=compounds, clubs=clubs)
    status = 200
    if request.method == "POST":
        outcome = "refused"
        done = {}
        if form.is_valid():
            data = form.cleaned_data
            outcome = run_action(
                form,
                lambda: done.update(
                    event=actions.create_event(
                        by=request.user,
                        organiser=organiser,
                        community=place,
                        title=data["title"],
                        kind=data["kind"],
                        description=data["description"],
                        starts_at=data["starts_at"],
                        ends_at=data["ends_at"],
                        capacity=data["capacity"],
                        audience=data["audience"],
                        audience_place=next((c for c in compounds if str(c.pk) == data["audience_place"]), None),
                        club=next((c for c in clubs if str(c.pk) == data["club"]), None),
                        room=next((r for r in rooms if str(r.pk) == data["room"]), None),
                        location=data["location"],
                        signup_opens_at=data["signup_opens_at"],
                        signup_closes_at=data["signup_closes_at"],
                        roles=data["roles"],
                        publish="publish" in request.POST,
                    )
                ),
            )
        if outcome is None:
            event = done["event"]
            if event.status == Status.PUBLISHED:
                messages.success(request, _("The event is published: residents can sign up."))
            else:
                messages.success(request, _("Saved as a draft. Publish it when it is ready."))
            return redirect("events:event", pk=event.pk)
        status = STATUS_OF[outcome]
    return render(request, "events/event_form.html", {"form": form, "organiser": organiser, "community": place}, status=status)


@login_required
def event_edit(request, pk: int):
    event = access.get_managed_event_for(request.user, pk)
    if request.method != "POST":
        return render(request, "events/event_edit.html", {"event": event, "form": EventEditForm.for_event(event)})
    form = EventEditForm(request.POST)
    outcome = "refused"
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        outcome = run_action(form, lambda: actions.update_event(event, by=request.user, version=version, **data))
    if outcome is None:
        messages.success(request, _("Saved. Those who signed up are told if the time or place changed."))
        return redirect("events:event", pk=event.pk)
    fresh = access.get_managed_event_for(request.user, pk)
    keep_version(form, fresh.version)
    return render(request, "events/event_edit.html", {"event": fresh, "form": form}, status=STATUS_OF[outcome])


@login_required
@require_POST
def publish(request, pk: int):
    event = access.get_managed_event_for(request.user, pk)
    form = _posted(request)
    version = form.cleaned_data.get("version")
    outcome = run_action(form, lambda: actions.publish_event(event, by=request.user, version=version))
    if outcome is None:
        messages.success(request, _("The event is published: residents can sign up."))
        return redirect("events:event", pk=event.pk)
    return _event_page(request, access.get_event_for(request.user, pk), form=form, status=STATUS_OF[outcome])


@login_required
def cancel(request, pk: int):
    event = access.get_managed_event_for(request.user, pk)
    form = CancelForm(request.POST or None, initial={"version": event.version})
    status = 200
    if request.method == "POST":
        outcome = "refused"
        if form.is_valid():
            data = form.cleaned_data
            outcome = run_action(
                form, lambda: actions.cancel_event(event, by=request.user, reason=data["reason"], version=data["version"])
            )
        if outcome is None:
            messages.success(request, _("The event is cancelled; everyone who signed up is told why."))
            return redirect("events:event", pk=event.pk)
        status = STATUS_OF[outcome]
        event = access.get_managed_event_for(request.user, pk)
        keep_version(form, event.version)
    return render(request, "events/event_cancel.html", {"event": event, "form": form}, status=status)


# --- who signed up, and the door ---------------------------------------------------------------------


def _run_event(request, pk: int) -> Event:
    event = access.get_event_for(request.user, pk)
    if not access.can_see_registrations(request.user, event):
        raise Http404
    return event


@login_required
def registrations(request, pk: int):
    event = _run_event(request, pk)
    view = request.GET.get("show", "confirmed")
    page = page_number(request)
    found = queries.registrations_for(request.user, event, view=view, page=page)
    return render(
        request,
        "events/registrations.html",
        {
            "event": event,
            "found": found,
            "show": view if view in queries.REGISTRATION_VIEWS else "confirmed",
            "views": [
                ("confirmed", _("Confirmed")),
                ("waitlisted", _("Waiting list")),
                ("checked_in", _("Checked in")),
                ("cancelled", _("Cancelled")),
            ],
            "page": page,
            "can_manage": access.can_manage(request.user, event),
        },
    )


class _Echo:
    def write(self, value):
        return value


@login_required
def registrations_csv(request, pk: int):
    """Everyone who signed up, for a spreadsheet (UTF-8 with a byte-order mark, which Excel needs for Chinese)."""
    event = _run_event(request, pk)
    writer = csv.writer(_Echo())
    header = [_("Ticket"), _("Name"), _("Mobile"), _("Volunteer role"), _("Status"), _("Signed up"), _("Checked in")]

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for r in queries.registrations_export(request.user, event):
            yield writer.writerow(
                [
                    r.ticket,
                    r.name,
                    r.mobile,
                    r.role,
                    r.status_label,
                    timezone.localtime(r.registered_at).strftime("%Y-%m-%d %H:%M"),
                    timezone.localtime(r.checked_in_at).strftime("%Y-%m-%d %H:%M") if r.checked_in_at else "",
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-registrations.csv"'
    return response


@login_required
@require_POST
def registration_cancel(request, pk: int, reg_id: int):
    """Those who run the event cancel someone's registration (the person is told)."""
    event = access.get_managed_event_for(request.user, pk)
    reg = Registration.objects.filter(pk=reg_id, event=event).select_related("person", "role").first()
    if reg is None:
        raise Http404
    reg.event = event
    form = _posted(request)
    outcome = run_action(form, lambda: actions.cancel_registration(reg, by=request.user))
    if outcome is None:
        messages.success(request, _("%(name)s's registration is cancelled.") % {"name": reg.person.name})
    else:
        for error in form.non_field_errors():
            messages.error(request, error)
    return redirect(reverse("events:registrations", args=[event.pk]) + f"?show={request.POST.get('show', 'confirmed')}")


def _check_in_result(reg, first: bool) -> dict:
    if first:
        return {"kind": "first", "text": _("Welcome, %(name)s: checked in.") % {"name": reg.person.name}}
    return {
        "kind": "again",
        "text": _("%(name)s was already checked in at %(time)s.") % {"name": reg.person.name, "time": _local(reg.checked_in_at)},
    }


@login_required
def desk(request, pk: int):
    """The check-in desk: type the code (or scan the QR code, which opens ``check_in``)."""
    event = access.get_event_for(request.user, pk)
    if not access.can_check_in(request.user, event):
        raise Http404
    form = CheckInForm(request.POST or None)
    result, status, done = None, 200, {}
    if request.method == "POST":
        outcome = "refused"
        if form.is_valid():
            code = form.cleaned_data["code"]
            outcome = run_action(
                form,
                lambda: done.update(
                    zip(("reg", "first"), actions.check_in(code=code, by=request.user, event=event), strict=True)
                ),
            )
        if outcome is None:
            result = _check_in_result(done["reg"], done["first"])
            form = CheckInForm()
        else:
            status = STATUS_OF[outcome]
    counts = Registration.objects.filter(event=event, checked_in_at__isnull=False).count()
    return render(
        request, "events/desk.html", {"event": event, "form": form, "result": result, "checked_in": counts}, status=status
    )


@login_required
def check_in(request, code: str):
    """What the QR code opens: who it is (GET changes nothing) and a button to check them in (POST).
    The registrant opening their own code is told to show it at the door."""
    reg = queries.registration_by_code(code)
    if reg is None:
        raise Http404
    if not access.can_check_in(request.user, reg.event):
        if reg.person_id == request.user.pk and request.method == "GET":
            return render(request, "events/my_code.html", {"reg": reg})
        raise Http404
    form = _posted(request)
    result, status = None, 200
    if request.method == "POST":
        done = {}
        outcome = run_action(
            form,
            lambda: done.update(
                zip(("reg", "first"), actions.check_in(code=reg.code, by=request.user, event=reg.event), strict=True)
            ),
        )
        if outcome is None:
            result = _check_in_result(done["reg"], done["first"])
            reg.checked_in_at = done["reg"].checked_in_at
        else:
            status = STATUS_OF[outcome]
    return render(request, "events/check_in.html", {"reg": reg, "form": form, "result": result}, status=status)


# --- calendar feeds ----------------------------------------------------------------------------------


def feed_community(request, pk: int):
    """A community's published events: public, no personal data."""
    place = get_object_or_404(Place, pk=pk, kind__in=sorted(access.COMMUNITY_KINDS))
    text = calendar.community_feed(place, queries.community_feed(place, now=timezone.now()))
    return ical.ics_response(text, f"events-{place.pk}.ics")


def feed_person(request, token: str):
    """The events a person signed up for, at a private address (signed token) calendar apps can poll."""
    person = Person.objects.filter(pk=calendar.person_from_token(token) or 0, is_active=True).first()
    if person is None:
        raise Http404
    text = calendar.person_feed(queries.person_feed(person, now=timezone.now()), _("My events"))
    return ical.ics_response(text, "linli-events.ics")


# --- clubs -----------------------------------------------------------------------------------------------


@login_required
def clubs(request):
    community_id = request.GET.get("community", "")
    place = None
    if community_id.isdigit():
        place = Place.objects.communities().filter(pk=community_id).first()
    activity = request.GET.get("activity", "")
    if activity not in Club.Activity.values:
        activity = ""
    page = page_number(request)
    rows, has_next = queries.clubs(community=place, activity=activity, page=page)
    return render(
        request,
        "events/clubs.html",
        {
            "clubs": rows,
            "communities": queries.communities(),
            "community": place,
            "activities": Club.Activity.choices,
            "activity": activity,
            "page": page,
            "has_next": has_next,
            "can_make": bool(queries.organisations_for_club_page(request.user)) if access.runs_events(request.user) else False,
        },
    )


def _club_page(request, club: Club, *, join_form=None, form=None, status: int = 200):
    page = queries.club_page(club, request.user, now=timezone.now())
    return render(
        request,
        "events/club_detail.html",
        {"page": page, "club": club, "join_form": join_form or JoinForm(), "form": form},
        status=status,
    )


@login_required
def club_detail(request, pk: int):
    return _club_page(request, access.get_club_for(request.user, pk))


@login_required
@require_POST
def club_join(request, pk: int):
    club = access.get_club_for(request.user, pk)
    form = JoinForm(request.POST)
    outcome = "refused"
    if form.is_valid():
        outcome = run_action(form, lambda: actions.ask_to_join(club, request.user, message=form.cleaned_data["message"]))
    if outcome is None:
        messages.success(request, _("Your request is sent; the club's leaders will decide."))
        return redirect("events:club", pk=club.pk)
    return _club_page(request, club, join_form=form, form=form, status=STATUS_OF[outcome])


@login_required
@require_POST
def club_leave(request, pk: int):
    club = access.get_club_for(request.user, pk)
    form = _posted(request)
    outcome = run_action(form, lambda: actions.leave_club(club, request.user))
    if outcome is None:
        messages.success(request, _("You have left %(club)s.") % {"club": club})
        return redirect("events:club", pk=club.pk)
    return _club_page(request, club, form=form, status=STATUS_OF[outcome])


@login_required
@require_POST
def club_position(request, pk: int):
    """The club's leaders name backbone members (or make them plain members again)."""
    club = access.get_club_for(request.user, pk)
    if not access.can_run_club(request.user, club):
        raise Http404
    form = PositionForm(request.POST)
    outcome = "refused"
    if form.is_valid():
        member = Person.objects.filter(pk=form.cleaned_data["person"]).first()
        if member is None:
            raise Http404
        outcome = run_action(
            form, lambda: actions.set_position(club, member, by=request.user, position=form.cleaned_data["position"])
        )
    if outcome is None:
        messages.success(request, _("Saved."))
        return redirect("events:club", pk=club.pk)
    return _club_page(request, club, form=form, status=STATUS_OF[outcome])


@login_required
@require_POST
def club_decide(request, pk: int):
    jr = queries.get_join_request(pk)
    if jr is None or not access.can_decide(request.user, jr):
        raise Http404
    form = DecideForm(request.POST)
    outcome = "refused"
    if form.is_valid():
        data = form.cleaned_data
        outcome = run_action(
            form,
            lambda: actions.decide_join_request(
                jr, by=request.user, approve=data["approve"], reason=data["reason"], version=data["version"]
            ),
        )
    if outcome is None:
        messages.success(
            request, _("%(name)s is now a member.") % {"name": jr.person.name} if data["approve"] else _("Declined.")
        )
        return redirect("events:club", pk=jr.club_id)
    return _club_page(request, jr.club, form=form, status=STATUS_OF[outcome])


@login_required
@require_POST
def club_withdraw(request, pk: int):
    jr = queries.get_join_request(pk)
    if jr is None or jr.person_id != request.user.pk:
        raise Http404
    form = _posted(request)
    outcome = run_action(form, lambda: actions.withdraw_join_request(jr, by=request.user))
    if outcome is None:
        messages.success(request, _("Your request is withdrawn."))
        return redirect("events:club", pk=jr.club_id)
    return _club_page(request, jr.club, form=form, status=STATUS_OF[outcome])


@login_required
def club_new(request):
    """Make a club page for an organisation the user is an officer of (or runs as staff)."""
    organisations = queries.organisations_for_club_page(request.user)
    pk = request.GET.get("organisation") or request.POST.get("organisation") or ""
    organisation = next((o for o in organisations if str(o.pk) == str(pk)), None)
    if organisation is None:
        if not organisations or pk:
            raise Http404
        return render(request, "events/club_new.html", {"organisations": organisations})
    form = ClubForm(request.POST or None)
    status = 200
    if request.method == "POST":
        outcome, done = "refused", {}
        if form.is_valid():
            data = form.cleaned_data
            outcome = run_action(
                form,
                lambda: done.update(
                    club=actions.make_club(
                        organisation,
                        by=request.user,
                        activity=data["activity"],
                        schedule=data["schedule"],
                        accepting=data["accepting"],
                    )
                ),
            )
        if outcome is None:
            messages.success(request, _("The club page is made: residents can find it and ask to join."))
            return redirect("events:club", pk=done["club"].pk)
        status = STATUS_OF[outcome]
    return render(request, "events/club_new.html", {"organisation": organisation, "form": form}, status=status)


# --- neighbours ---------------------------------------------------------------------------------------


@login_required
def neighbours(request):
    """Meeting neighbours: the opt-in switch, explained, and (when on) who shares a club or an event."""
    if request.method == "POST":
        form = OptInForm(request.POST)
        if not form.is_valid():
            return render(
                request, "events/neighbours.html", {"opted_in": queries.has_opted_in(request.user), "form": form}, status=400
            )
        actions.set_opt_in(request.user, form.cleaned_data["on"])
        if form.cleaned_data["on"]:
            messages.success(request, _("Switched on. Neighbours who switched it on too can now see you."))
        else:
            messages.success(request, _("Switched off. Nobody is shown your name here any more."))
        return redirect("events:neighbours")
    found = queries.neighbours_for(request.user)
    return render(
        request,
        "events/neighbours.html",
        {
            "opted_in": queries.has_opted_in(request.user),
            "neighbours": [(n, queries.shared_text(n)) for n in found],
            "has_home": bool(queries.compound_paths(request.user)),
            "form": OptInForm(),
        },
    )
