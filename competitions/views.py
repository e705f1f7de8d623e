"""Pages for tournaments and contests: the lists, a tournament (entrants, the draw), its group tables, its
bracket (refreshing itself every 15 s while matches are played), the result form for managers; a
contest (acts, rounds, ranking), a judge's scoring page and the published results. Published results
are public; everything else asks ``access`` and answers 404 when it says no."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.pages import add_errors, keep_version, object_action, run_action

from . import access, actions, queries
from .forms import (
    ContestForm,
    EntrantForm,
    EntryForm,
    JudgeForm,
    ResultForm,
    RoundForm,
    ScoreSheetForm,
    TournamentForm,
    mobiles,
    people_by_mobile,
)
from .models import ContestEntry, ContestRound, ContestStatus, Entrant, Match, Status

REFRESH_SECONDS = 15


def managed_post(fetch, back: str):
    """A manager's POST on a tournament or contest, back to its page (``core.pages.object_action``)."""
    return object_action(fetch, lambda request, obj: reverse(back, kwargs={"pk": obj.pk}))


def _version(request) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


def _posted(request):
    """The submitted data on a POST (even an empty one, so it is checked), else nothing: an unbound form."""
    return request.POST if request.method == "POST" else None


def _int(value) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _check(form) -> None:
    """A small form posted with an action: its errors are the action's refusal."""
    if not form.is_valid():
        raise ValidationError([message for errors in form.errors.values() for message in errors])


def _organise_choices(request):
    from people import policy

    scopes = list(access.scopes_for(request.user).order_by("depth", "name")[:200])
    officer_of = policy.organisations_of(request.user, officers_only=True)
    organisers = queries.organisers_for(request.user, policy.scope_paths(request.user, access.MANAGER_ROLES), officer_of)
    return {"organisers": organisers, "scopes": scopes}


def _on_line(request, form) -> bool:
    """The organiser chosen may hold it for the place chosen (else an error on the form, not a 404)."""
    organiser, scope = form.organisers.get(form.cleaned_data["organiser"]), form.scopes.get(form.cleaned_data["scope"])
    if access.can_organise(request.user, scope, organiser):
        return True
    form.add_error("organiser", _("This organiser cannot hold it for that place: choose one of the place or above it."))
    return False


# --- lists -------------------------------------------------------------------------------------


def index(request):
    """Tournaments and contests: the public sees published results; signed-in users those of their sub-district."""
    user = request.user
    return render(
        request,
        "competitions/index.html",
        {
            "tournaments": list(queries.tournament_list(access.tournaments_for(user))[:50]),
            "contests": list(queries.contest_list(access.contests_for(user))[:50]),
            "may_organise": access.may_organise_anything(user),
        },
    )


# --- tournaments -------------------------------------------------------------------------------


@login_required
def tournament_new(request):
    if not access.may_organise_anything(request.user):
        raise Http404
    choices = _organise_choices(request)
    form = TournamentForm(_posted(request), initial={"year": timezone.localdate().year}, **choices)
    if request.method == "POST" and form.is_valid() and _on_line(request, form):
        d = form.cleaned_data
        created = []
        outcome = run_action(
            form,
            lambda: created.append(
                actions.create_tournament(
                    actor=request.user,
                    name=d["name"],
                    sport=d["sport"],
                    year=d["year"],
                    organiser=form.organisers.get(d["organiser"]),
                    scope=form.scopes.get(d["scope"]),
                    format=d["format"],
                    best_of=d["best_of"],
                    group_count=d["group_count"],
                    advance_per_group=d["advance_per_group"],
                    location=d["location"],
                    starts_on=d["starts_on"],
                )
            ),
        )
        if outcome is None:
            messages.success(request, _("Tournament drafted. Add the entrants, then open registration."))
            return redirect("competitions:tournament", pk=created[0].pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "competitions/tournament_new.html", {"form": form}, status=status)


def _tournament_context(request, tournament, entrant_form=None) -> dict:
    manager = access.can_manage_tournament(request.user, tournament)
    full = access.shows_full_names(request.user, tournament.path) or manager
    context = {
        "t": tournament,
        "manager": manager,
        "entrants": queries.entrants_of(tournament, full),
        "Status": Status,
        "setting_up": tournament.status in (Status.DRAFT, Status.REGISTRATION),
    }
    if manager and context["setting_up"]:
        context["entrant_form"] = entrant_form or EntrantForm(communities=queries.communities_under(tournament.scope))
    if tournament.status in (Status.FINISHED, Status.PUBLISHED) and tournament.has_bracket:
        context["champion"] = queries.champion(queries.bracket(tournament, full))
    return context


def tournament_detail(request, pk: int):
    tournament = access.get_tournament_for(request.user, pk)
    return render(request, "competitions/tournament_detail.html", _tournament_context(request, tournament))


@managed_post(access.get_managed_tournament_for, "competitions:tournament")
def tournament_act(request, tournament):
    op, version = request.POST.get("op"), _version(request)
    if op == "open":
        actions.open_registration(actor=request.user, tournament=tournament, version=version)
        return _("Registration is open.")
    if op == "draw":
        actions.draw_groups(actor=request.user, tournament=tournament, version=version)
        return _("The groups are drawn.")
    if op == "schedule":
        actions.generate_schedule(actor=request.user, tournament=tournament, version=version)
        return _("The schedule is made: play can begin.")
    if op == "publish":
        actions.publish_tournament(actor=request.user, tournament=tournament, version=version)
        return _("The results are published.")
    raise ValidationError(_("Unknown action."))


@login_required
def entrant_add(request, pk: int):
    """Add a player or a team, found by mobile number among the residents of the community it represents."""
    tournament = access.get_managed_tournament_for(request.user, pk)
    if request.method != "POST":
        return redirect("competitions:tournament", pk=pk)
    form = EntrantForm(request.POST, communities=queries.communities_under(tournament.scope))
    if form.is_valid():
        d = form.cleaned_data
        numbers = mobiles(d["mobiles"])
        community = form.communities.get(d["community"])
        found = {n: p for n, p in people_by_mobile(numbers).items() if actions.eligible(p, community)}
        unknown = [n for n in numbers if n not in found]
        person = None
        if unknown or not numbers:
            form.add_error("mobiles", _("No resident of that community has the number %(n)s.") % {"n": ", ".join(unknown) or "—"})
        elif d["kind"] == Entrant.Kind.PERSON and len(numbers) != 1:
            form.add_error("mobiles", _("A player entered alone: give one number."))
        elif d["kind"] == Entrant.Kind.PERSON:
            person = found[numbers[0]]
        if not form.errors:
            outcome = run_action(
                form,
                lambda: actions.add_entrant(
                    actor=request.user,
                    tournament=tournament,
                    community=community,
                    name=d["name"],
                    person=person,
                    players=[] if person else [found[n] for n in numbers],
                    seed=d["seed"],
                ),
            )
            if outcome is None:
                messages.success(request, _("Entrant added."))
                return redirect("competitions:tournament", pk=pk)
    context = _tournament_context(request, tournament, entrant_form=form)
    return render(request, "competitions/tournament_detail.html", context, status=400)


@managed_post(access.get_managed_tournament_for, "competitions:tournament")
def entrant_change(request, tournament, entrant_id: int):
    entrant = Entrant.objects.filter(tournament=tournament, pk=entrant_id).first()
    if entrant is None:
        raise Http404
    entrant.tournament = tournament
    if request.POST.get("op") == "remove":
        actions.remove_entrant(actor=request.user, entrant=entrant)
        return _("%(name)s is no longer entered.") % {"name": entrant.name}
    raw = (request.POST.get("seed") or "").strip()
    try:
        seed = int(raw) if raw else None
    except ValueError as exc:
        raise ValidationError({"seed": _("A seed is a number from 1.")}) from exc
    actions.set_seed(actor=request.user, entrant=entrant, seed=seed)
    return _("Seed saved.")


def groups(request, pk: int):
    tournament = access.get_tournament_for(request.user, pk)
    if not tournament.has_groups:
        raise Http404
    manager = access.can_manage_tournament(request.user, tournament)
    full = access.shows_full_names(request.user, tournament.path) or manager
    return render(
        request,
        "competitions/groups.html",
        {
            "t": tournament,
            "tables": queries.group_tables(tournament, full),
            "manager": manager,
            # group results may be entered or corrected until a knockout match is played
            "editable": manager
            and tournament.status in (Status.GROUPS, Status.KNOCKOUT, Status.FINISHED)
            and not (tournament.has_bracket and queries.knockout_started(tournament)),
            "tie_breaks": queries.tie_break_names(),
            "live": tournament.status == Status.GROUPS,
        },
    )


def bracket(request, pk: int):
    """The bracket, drawn with HTML and CSS; while matches are played the page fetches it again every
    15 seconds (htmx), and stops once the tournament is finished."""
    tournament = access.get_tournament_for(request.user, pk)
    if not tournament.has_bracket:
        raise Http404
    manager = access.can_manage_tournament(request.user, tournament)
    full = access.shows_full_names(request.user, tournament.path) or manager
    rounds = queries.bracket(tournament, full)
    context = {
        "t": tournament,
        "rounds": rounds,
        "champion": queries.champion(rounds),
        "manager": manager,
        "live": tournament.is_playing,
        "refresh": REFRESH_SECONDS,
        "refreshed_at": timezone.now(),
    }
    template = "competitions/_bracket.html" if request.headers.get("HX-Request") else "competitions/bracket.html"
    return render(request, template, context)


@login_required
def match_result(request, pk: int, match_id: int):
    """Managers enter (or correct) a match's games, or record a walkover."""
    tournament = access.get_managed_tournament_for(request.user, pk)
    match = queries.get_match(tournament, match_id)
    if match is None:
        raise Http404
    initial = {"version": match.version}
    for n, (a, b) in enumerate(match.games, 1):
        initial[f"a{n}"], initial[f"b{n}"] = a, b
    form = ResultForm(_posted(request), initial=initial, best_of=tournament.best_of)
    status = 200
    if request.method == "POST":
        outcome = "refused"
        if form.is_valid():
            op, version = request.POST.get("op", "result"), form.cleaned_data["version"]
            if op in ("walkover_a", "walkover_b"):
                outcome = run_action(
                    form,
                    lambda: actions.record_walkover(actor=request.user, match=match, winner=op[-1], version=version),
                )
            else:
                games = form.games()
                if not form.errors:
                    outcome = run_action(
                        form, lambda: actions.record_result(actor=request.user, match=match, games=games, version=version)
                    )
        if outcome is None:
            messages.success(
                request, _("Result saved: %(a)s %(score)s %(b)s") % {"a": match.a_shown, "score": match.score, "b": match.b_shown}
            )
            target = "competitions:groups" if match.stage == Match.Stage.GROUP else "competitions:bracket"
            return redirect(target, pk=pk)
        status = 409 if outcome == "conflict" else 400
        match = queries.get_match(tournament, match_id) or match
        keep_version(form, match.version)
    return render(request, "competitions/match_result.html", {"t": tournament, "match": match, "form": form}, status=status)


# --- contests ----------------------------------------------------------------------------------


@login_required
def contest_new(request):
    if not access.may_organise_anything(request.user):
        raise Http404
    form = ContestForm(_posted(request), initial={"year": timezone.localdate().year}, **_organise_choices(request))
    if request.method == "POST" and form.is_valid() and _on_line(request, form):
        d = form.cleaned_data
        created = []
        outcome = run_action(
            form,
            lambda: created.append(
                actions.create_contest(
                    actor=request.user,
                    name=d["name"],
                    year=d["year"],
                    organiser=form.organisers.get(d["organiser"]),
                    scope=form.scopes.get(d["scope"]),
                    description=d["description"],
                )
            ),
        )
        if outcome is None:
            messages.success(request, _("Contest drafted. Add the rounds, the acts and the judges."))
            return redirect("competitions:contest", pk=created[0].pk)
    return render(request, "competitions/contest_new.html", {"form": form}, status=400 if request.method == "POST" else 200)


def _contest_context(request, contest) -> dict:
    user = request.user
    manager = access.can_manage_contest(user, contest)
    judge = access.is_judge(user, contest)
    page = queries.contest_page(contest, user, manager=manager, judge=judge)
    full = access.shows_full_names(user, contest.path) or manager or judge
    page.update(
        contest=contest,
        manager=manager,
        judge=judge,
        full_names=full,
        ContestStatus=ContestStatus,
        RoundStatus=ContestRound.Status,
    )
    last = page["rounds"][-1].round if page["rounds"] else None
    page["can_add_round"] = (
        manager and contest.status in (ContestStatus.DRAFT, ContestStatus.RUNNING) and (last is None or not last.is_final)
    )
    if manager:
        communities = queries.communities_under(contest.scope)
        page.update(round_form=RoundForm(), entry_form=EntryForm(communities=communities), judge_form=JudgeForm())
    return page


def contest_detail(request, pk: int):
    contest = access.get_contest_for(request.user, pk)
    return render(request, "competitions/contest_detail.html", _contest_context(request, contest))


@managed_post(access.get_managed_contest_for, "competitions:contest")
def contest_act(request, contest):
    """The managers' steps: rounds, acts, judges, opening and closing rounds, publishing."""
    op, user = request.POST.get("op"), request.user
    if op == "add_round":
        form = RoundForm(request.POST)
        _check(form)
        actions.add_round(actor=user, contest=contest, name=form.cleaned_data["name"], advance=form.cleaned_data["advance"])
        return _("Round added.")
    if op == "add_entry":
        form = EntryForm(request.POST, communities=queries.communities_under(contest.scope))
        _check(form)
        d = form.cleaned_data
        actions.add_entry(
            actor=user,
            contest=contest,
            title=d["title"],
            performers=d["performers"],
            community=form.communities.get(d["community"]),
        )
        return _("Act entered.")
    if op == "remove_entry":
        entry = ContestEntry.objects.filter(contest=contest, pk=_int(request.POST.get("entry"))).first()
        if entry is None:
            raise ValidationError(_("Choose an act."))
        entry.contest = contest
        actions.remove_entry(actor=user, entry=entry)
        return _("Act removed.")
    if op == "add_judge":
        form = JudgeForm(request.POST)
        _check(form)
        person = next(iter(people_by_mobile(mobiles(form.cleaned_data["mobile"])[:1]).values()), None)
        if person is None or not actions.may_judge(user, contest, person):
            raise ValidationError(_("Nobody with that mobile number can be named as a judge."))
        actions.add_judge(actor=user, contest=contest, person=person)
        return _("%(who)s is a judge.") % {"who": person.name}
    if op == "remove_judge":
        person = contest.judges.filter(pk=_int(request.POST.get("person"))).first()
        if person is None:
            raise ValidationError(_("Choose a judge."))
        actions.remove_judge(actor=user, contest=contest, person=person)
        return _("%(who)s is no longer a judge.") % {"who": person.name}
    if op in ("open_round", "close_round"):
        round_ = access.get_round_for(user, contest, _int(request.POST.get("round")))
        if op == "open_round":
            actions.open_round(actor=user, round_=round_, version=_version(request))
            return _("%(r)s is open: the judges can score.") % {"r": round_.name}
        actions.close_round(actor=user, round_=round_, version=_version(request))
        return _("%(r)s is closed.") % {"r": round_.name}
    if op == "publish":
        actions.publish_contest(actor=user, contest=contest, version=_version(request))
        return _("The results are published.")
    raise ValidationError(_("Unknown action."))


@login_required
def score(request, pk: int, round_id: int):
    """A judge's scoring page for an open round: their own scores only, saved together."""
    contest = access.get_contest_for(request.user, pk)
    round_ = access.get_round_for(request.user, contest, round_id)
    if not access.is_judge(request.user, contest) or round_.status == ContestRound.Status.PENDING:
        raise Http404
    form = ScoreSheetForm(_posted(request), sheet=queries.judge_sheet(round_, request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid() and form.values():
            try:
                actions.enter_scores(actor=request.user, round_=round_, values=form.values())
            except ValidationError as exc:
                add_errors(form, exc)
            except PermissionDenied as exc:
                raise Http404 from exc
            else:
                messages.success(request, _("Your scores are saved."))
                return redirect(reverse("competitions:score", args=[pk, round_id]))
        elif form.is_valid():
            form.add_error(None, _("Enter at least one score."))
        status = 400
    return render(
        request,
        "competitions/score.html",
        {"contest": contest, "round": round_, "form": form, "open": access.can_score(request.user, round_)},
        status=status,
    )


def results(request, pk: int):
    """The published results: public, for anyone; performers' and judges' names only to signed-in users
    of the sub-district."""
    contest = access.get_contest_for(request.user, pk)
    if contest.status != ContestStatus.PUBLISHED:
        raise Http404
    context = _contest_context(request, contest)
    context["final"] = queries.final_ranking(contest)
    return render(request, "competitions/results.html", context)
