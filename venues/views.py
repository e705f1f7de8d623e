"""Pages for venue rooms: a venue's week, asking for a room, one booking (decide, cancel), the staff's
queue of requests, my bookings, the venue's keepers and a room's opening hours."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit
from core.pages import messages_of, object_action, page_number, run_action
from people.models import Person
from people.queries import page_of
from people.validators import normalise_mobile

from . import access, actions, queries
from .forms import BookingForm, CancelForm, DecisionForm, HoursForm, KeeperForm
from .models import Status, VenueKeeper

PAGE_SIZE = 30


def _back(request, default: str) -> str:
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


# A POST on a booking: back to ``next`` or the booking's page with the outcome.
booking_action = object_action(access.get_booking_for, lambda request, b: _back(request, f"/venues/bookings/{b.pk}/"))


# --- venues and their week ----------------------------------------------------------------------


@login_required
def index(request):
    """Venues near me (where I may ask for a room) and the venues I run, with their waiting requests."""
    venues = queries.venues_for(request.user)
    counts = queries.pending_counts([v.pk for v in venues["run"]]) if venues["run"] else {}
    for venue in venues["run"]:
        venue.pending = counts.get(venue.pk, 0)
    return render(request, "venues/index.html", venues)


@login_required
def week(request, venue_id: int):
    venue = access.get_venue(venue_id)
    today = timezone.localdate()
    start = queries.parse_start(request.GET.get("start"), today)
    staff = access.can_run_venue(request.user, venue)
    data = queries.week(venue, start, staff=staff, today=today)
    if data["subject_ids"]:
        audit.record_reads(actor=request.user, action="read.venues.week", subject_ids=data["subject_ids"], venue=venue.pk)
    data.update(today=today, staff=staff, can_request=access.can_request_at(request.user, venue))
    return render(request, "venues/week.html", data)


# --- asking for a room ---------------------------------------------------------------------------


@login_required
def booking_new(request, venue_id: int):
    venue = access.get_venue(venue_id)
    user = request.user
    if not access.can_request_at(user, venue):
        raise Http404
    staff = access.can_run_venue(user, venue)
    rooms = queries.rooms_of(venue)
    organisations = list(access.bookable_organisations(user, venue, staff=staff))
    initial = {key: request.GET[key] for key in ("room", "day") if request.GET.get(key)}
    form = BookingForm(
        request.POST or None, initial=initial, rooms=rooms, organisations=organisations, for_self=access.may_request(user, venue)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = []
        outcome = run_action(
            form,
            lambda: made.append(
                actions.request_booking(
                    room=form.chosen_room,
                    starts_at=data["start"],
                    ends_at=data["end"],
                    title=data["title"],
                    by=user,
                    expected=data["expected_attendees"],
                    description=data["description"],
                    organisation=form.chosen_organisation,
                )
            ),
        )
        if outcome is None:
            booking = made[0]
            if booking.status == Status.APPROVED:
                messages.success(request, _("Booked."))
            else:
                messages.success(request, _("Your request has gone to the venue's staff. You will be told of their decision."))
            return redirect("venues:booking", pk=booking.pk)
    hours = queries.room_hours([r.pk for r in rooms])
    return render(
        request,
        "venues/booking_new.html",
        {"venue": venue, "form": form, "staff": staff, "rooms": rooms, "hours": hours},
        status=400 if form.errors else 200,
    )


# --- one booking ---------------------------------------------------------------------------------


@login_required
def booking_detail(request, pk: int):
    booking = access.get_booking_for(request.user, pk)
    user = request.user
    staff = access.can_decide(user, booking)
    if staff and booking.requested_by_id != user.pk:
        audit.record_reads(actor=user, action="read.venues.booking", subject_ids=[booking.requested_by_id], booking=booking.pk)
    live = booking.status in (Status.REQUESTED, Status.APPROVED) and booking.ends_at > timezone.now()
    return render(
        request,
        "venues/booking_detail.html",
        {
            "booking": booking,
            "staff": staff,
            "can_decide": staff and booking.status == Status.REQUESTED,
            "can_cancel": live and access.can_cancel(user, booking),
            "decision_form": DecisionForm(initial={"version": booking.version}),
            "cancel_form": CancelForm(initial={"version": booking.version}),
        },
    )


@booking_action
def booking_decide(request, booking):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise ValidationError(messages_of(ValidationError(form.errors)))
    data = form.cleaned_data
    op = request.POST.get("op")
    if op == "approve":
        actions.approve_booking(booking, by=request.user, note=data["note"], version=data["version"])
        return _("Approved: %(title)s. The requester is told.") % {"title": booking.title}
    if op == "decline":
        actions.decline_booking(booking, by=request.user, note=data["note"], version=data["version"])
        return _("Declined: %(title)s. The requester is told.") % {"title": booking.title}
    raise ValidationError(_("Unknown action."))


@booking_action
def booking_cancel(request, booking):
    form = CancelForm(request.POST)
    if not form.is_valid():
        raise ValidationError(messages_of(ValidationError(form.errors)))
    actions.cancel_booking(booking, request.user, form.cleaned_data["reason"], version=form.cleaned_data["version"])
    return _("The booking is cancelled.")


# --- lists -----------------------------------------------------------------------------------------


@login_required
def queue(request):
    """The venue staff's requests to decide, soonest first; each shows whether the room has meanwhile been
    taken over that time."""
    user = request.user
    run = list(access.venues_run_by(user).order_by("name"))
    if not run:
        raise Http404
    venue = next((v for v in run if str(v.pk) == request.GET.get("venue")), None)
    page = page_number(request)
    rows, has_next = page_of(queries.queue(user, venue=venue), page, PAGE_SIZE)
    queries.mark_clashes(rows)
    shown = sorted({b.requested_by_id for b in rows if b.requested_by_id != user.pk})
    audit.record_reads(actor=user, action="read.venues.queue", subject_ids=shown)
    return render(
        request,
        "venues/queue.html",
        {"rows": rows, "venues": run, "venue": venue, "page": page, "has_next": has_next, "path": request.get_full_path()},
    )


@login_required
def my_bookings(request):
    user = request.user
    now = timezone.now()
    mine = queries.my_bookings(user)
    upcoming = list(mine.filter(ends_at__gt=now).order_by("starts_at", "id")[:50])
    page = page_number(request)
    past, has_next = page_of(mine.filter(ends_at__lte=now).order_by("-starts_at", "-id"), page, PAGE_SIZE)
    return render(request, "venues/mine.html", {"upcoming": upcoming, "past": past, "page": page, "has_next": has_next})


# --- keepers and opening hours -------------------------------------------------------------------


@login_required
def keepers(request, venue_id: int):
    """Community staff appoint keepers (by mobile number: someone they may name) and remove them."""
    venue = access.get_keepers_venue_for(request.user, venue_id)
    form = KeeperForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mobile = normalise_mobile(form.cleaned_data["mobile"])
        except ValidationError:
            mobile = ""
        person = Person.objects.filter(mobile=mobile, is_active=True).first() if mobile else None
        if person is None:
            form.add_error("mobile", _("Nobody with that mobile number can be appointed."))
        else:
            made = []
            if run_action(form, lambda: made.append(actions.appoint_keeper(venue=venue, person=person, by=request.user))) is None:
                messages.success(request, _("%(name)s now keeps this venue.") % {"name": person.name})
                return redirect("venues:keepers", venue_id=venue.pk)
    rows = queries.keepers_of(venue)
    audit.record_reads(actor=request.user, action="read.venues.keepers", subject_ids=[k.person_id for k in rows], venue=venue.pk)
    return render(
        request, "venues/keepers.html", {"venue": venue, "keepers": rows, "form": form}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def keeper_remove(request, venue_id: int, keeper_id: int):
    venue = access.get_keepers_venue_for(request.user, venue_id)
    keeper = VenueKeeper.objects.filter(pk=keeper_id, venue=venue).select_related("person").first()
    if keeper is None:
        raise Http404
    keeper.venue = venue
    actions.remove_keeper(keeper, by=request.user)
    messages.success(request, _("%(name)s no longer keeps this venue.") % {"name": keeper.person.name})
    return redirect("venues:keepers", venue_id=venue.pk)


@login_required
def room_hours(request, pk: int):
    room = access.get_room_run_by(request.user, pk)
    form = HoursForm(request.POST or None, room=room)
    if request.method == "POST" and form.is_valid():
        outcome = run_action(
            form, lambda: actions.set_opening_hours(room=room, spans=form.cleaned_data["spans"], by=request.user)
        )
        if outcome is None:
            messages.success(request, _("Opening hours saved."))
            return redirect("venues:week", venue_id=room.venue_id)
    return render(request, "venues/room_hours.html", {"room": room, "form": form}, status=400 if form.errors else 200)
