"""Contests: rounds, acts, judges, scoring, closing rounds, publication (see the package docstring for the locks)."""

import random
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.concurrency import compare_and_set
from core.outbox import Notice, notify_many
from people import policy
from people.models import Organisation, Person
from places.models import Place

from .. import access, rules
from ..models import (
    COMMUNITY_KINDS,
    CONTEST_TRANSITIONS,
    Contest,
    ContestEntry,
    ContestRound,
    ContestStatus,
    Judge,
    Performance,
    Score,
)
from ..rules import InvalidScore
from .common import (
    ContestConflict,
    check_header,
    contest_link,
    require,
    trimmed,
)

# --- contests ----------------------------------------------------------------------------------


def create_contest(
    *,
    actor: Person,
    name: str,
    year: int,
    organiser: Organisation,
    scope: Place,
    description: str = "",
    now: datetime | None = None,
) -> Contest:
    now = now or timezone.now()
    # Asked first, so a stranger learns nothing from the form's refusals; a missing scope or organiser is
    # refused by ``check_header`` below.
    if scope is not None and organiser is not None:
        require(access.can_organise(actor, scope, organiser))
    name = trimmed(name, 120)
    errors: dict[str, str] = {}
    check_header(errors, name=name, year=year, organiser=organiser, scope=scope)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        contest = Contest.objects.create(
            name=name,
            year=year,
            organiser=organiser,
            scope=scope,
            path=scope.path,
            description=trimmed(description, 2000),
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        audit.record(actor=actor, action="contest.created", obj=contest)
    return contest


def _lock_contest(contest: Contest) -> Contest:
    fresh = Contest.objects.select_for_update().get(pk=contest.pk)
    contest.status, contest.version = fresh.status, fresh.version
    return fresh


def add_round(*, actor: Person, contest: Contest, name: str, advance: int | None = None) -> ContestRound:
    """A round after the last one: a preliminary sends the top ``advance`` on; the final (no ``advance``)
    is the last round."""
    require(access.can_manage_contest(actor, contest))
    name = trimmed(name, 60)
    if not name:
        raise ValidationError({"name": _("Give the round a name.")})
    if advance is not None and (isinstance(advance, bool) or not isinstance(advance, int) or advance < 1):
        raise ValidationError({"advance": _("How many go on: a number from 1, or nothing for the final.")})
    with transaction.atomic():
        _lock_contest(contest)
        if contest.status not in (ContestStatus.DRAFT, ContestStatus.RUNNING):
            raise ValidationError(_("The contest is over: no more rounds."))
        last = ContestRound.objects.filter(contest=contest).order_by("-position").first()
        if last is not None and last.is_final:
            raise ValidationError(_("The final is the last round."))
        if last is not None and advance is not None and last.advance is not None and advance >= last.advance:
            raise ValidationError({"advance": _("Fewer must go on than came into the round (%(n)d).") % {"n": last.advance}})
        round_ = ContestRound.objects.create(
            contest=contest, name=name, position=(last.position if last else 0) + 1, advance=advance
        )
        audit.record(actor=actor, action="contest.round_added", obj=contest, round=round_.pk)
    return round_


def add_entry(*, actor: Person, contest: Contest, title: str, community: Place, performers: str = "") -> ContestEntry:
    """An act representing a community within the contest's scope; before the first round opens."""
    require(access.can_manage_contest(actor, contest))
    title = trimmed(title, 120)
    errors = {}
    if not title:
        errors["title"] = _("Give the act's title.")
    if community is None or community.kind not in COMMUNITY_KINDS or not community.path.startswith(contest.path):
        errors["community"] = _("Choose a community taking part in this contest.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock_contest(contest)
        if contest.status != ContestStatus.DRAFT:
            raise ValidationError(_("The first round has opened: entries can no longer change."))
        if ContestEntry.objects.filter(contest=contest, title=title, community=community).exists():
            raise ValidationError({"title": _("This act is already entered.")})
        entry = ContestEntry.objects.create(
            contest=contest, title=title, performers=trimmed(performers, 300), community=community
        )
        audit.record(actor=actor, action="contest.entry_added", obj=contest, entry=entry.pk)
    return entry


def remove_entry(*, actor: Person, entry: ContestEntry) -> None:
    contest = entry.contest
    require(access.can_manage_contest(actor, contest))
    with transaction.atomic():
        _lock_contest(contest)
        if contest.status != ContestStatus.DRAFT:
            raise ValidationError(_("The first round has opened: entries can no longer change."))
        ContestEntry.objects.filter(pk=entry.pk).delete()
        audit.record(actor=actor, action="contest.entry_removed", obj=contest, entry=entry.pk, title=entry.title)


def may_judge(actor: Person, contest: Contest, person: Person) -> bool:
    """Whom a manager may name as a judge: someone they may name anyway (``policy.can_name``), or someone
    living or owning a home within the contest's scope."""
    if not person.is_active or person.anonymised_at is not None:
        return False
    return policy.can_name(actor, person) or policy.lives_or_owns_under(person, contest.path)


def add_judge(*, actor: Person, contest: Contest, person: Person) -> Judge:
    require(access.can_manage_contest(actor, contest))
    if not may_judge(actor, contest, person):
        raise ValidationError({"person": _("This person cannot be named as a judge.")})
    with transaction.atomic():
        _lock_contest(contest)
        if contest.status not in (ContestStatus.DRAFT, ContestStatus.RUNNING):
            raise ValidationError(_("The contest is over."))
        judge, created = Judge.objects.get_or_create(contest=contest, person=person)
        if not created:
            raise ValidationError({"person": _("%(who)s is already a judge.") % {"who": person.name}})
        audit.record(actor=actor, action="contest.judge_added", obj=contest, subject_id=person.pk)
        notify_many(
            [Notice(recipients=[person], subject=_("You are a judge of %(c)s") % {"c": contest.name}, link=contest_link(contest))]
        )
    return judge


def remove_judge(*, actor: Person, contest: Contest, person: Person) -> None:
    """Before they scored a closed round; their scores in an open round go with them."""
    require(access.can_manage_contest(actor, contest))
    with transaction.atomic():
        _lock_contest(contest)
        if contest.status not in (ContestStatus.DRAFT, ContestStatus.RUNNING):
            raise ValidationError(_("The contest is over."))
        if Score.objects.filter(round__contest=contest, judge=person, round__status=ContestRound.Status.CLOSED).exists():
            raise ValidationError(_("%(who)s scored a closed round and stays on the record.") % {"who": person.name})
        open_round = ContestRound.objects.select_for_update().filter(contest=contest, status=ContestRound.Status.OPEN).first()
        deleted, _rows = Score.objects.filter(round__contest=contest, judge=person).delete()
        if not Judge.objects.filter(contest=contest, person=person).delete()[0]:
            raise ValidationError(_("%(who)s is not a judge of this contest.") % {"who": person.name})
        audit.record(
            actor=actor,
            action="contest.judge_removed",
            obj=contest,
            subject_id=person.pk,
            scores=deleted,
            round=getattr(open_round, "pk", None),
        )


def open_round(
    *, actor: Person, round_: ContestRound, version: int | None = None, rng: random.Random | None = None, now=None
) -> ContestRound:
    """Open a round for scoring: the first with every entry, a later one with the acts the round before
    sent on, in a running order drawn by lot. The round before must be closed. The judges are told."""
    contest = round_.contest
    require(access.can_manage_contest(actor, contest))
    now = now or timezone.now()
    with transaction.atomic():
        _lock_contest(contest)
        fresh = ContestRound.objects.select_for_update().get(pk=round_.pk)
        if fresh.status != ContestRound.Status.PENDING:
            raise ValidationError(_("This round has already been opened."))
        if contest.status not in (ContestStatus.DRAFT, ContestStatus.RUNNING):
            raise ValidationError(_("The contest is over."))
        before = ContestRound.objects.filter(contest=contest, position__lt=fresh.position).order_by("-position").first()
        if before is not None and before.status != ContestRound.Status.CLOSED:
            raise ValidationError(_("Close %(r)s first.") % {"r": before.name})
        if not Judge.objects.filter(contest=contest).exists():
            raise ValidationError(_("Name the judges first."))
        if before is None:
            entries = list(ContestEntry.objects.filter(contest=contest).order_by("id"))
            if len(entries) < 2:
                raise ValidationError(_("At least two acts are needed."))
        else:
            entries = list(ContestEntry.objects.filter(performances__round=before, performances__advanced=True).order_by("id"))
        (rng or random.SystemRandom()).shuffle(entries)
        Performance.objects.bulk_create([Performance(round=fresh, entry=e, position=n) for n, e in enumerate(entries, 1)])
        round_.status = fresh.status
        compare_and_set(round_, version, conflict=ContestConflict, status=ContestRound.Status.OPEN, opened_at=now, updated_at=now)
        if contest.status == ContestStatus.DRAFT:
            compare_and_set(contest, None, conflict=ContestConflict, status=ContestStatus.RUNNING, updated_at=now)
        audit.record(actor=actor, action="contest.round_opened", obj=contest, round=round_.pk, acts=len(entries))
        judges = Person.objects.filter(pk__in=Judge.objects.filter(contest=contest).values("person_id"))
        subject = _("%(r)s of %(c)s is open: please score") % {"r": round_.name, "c": contest.name}
        notify_many([Notice(recipients=judges, subject=subject, link=f"{contest_link(contest)}rounds/{round_.pk}/score/")])
    return round_


def enter_score(*, actor: Person, round_: ContestRound, entry: ContestEntry, value, now: datetime | None = None) -> Score:
    """A judge's own score for an act of the open round (entering it again corrects it)."""
    return enter_scores(actor=actor, round_=round_, values={entry.pk: value}, now=now)[0]


def enter_scores(*, actor: Person, round_: ContestRound, values: dict[int, object], now: datetime | None = None) -> list[Score]:
    """A judge's own scores for acts of the open round (``{entry id: score}``), all or none: one score
    the rules refuse saves nothing (the refusal is keyed ``score_<entry id>``). Locks the round's row,
    so a round being closed takes them all or none of them."""
    now = now or timezone.now()
    require(access.is_judge(actor, round_.contest))
    if not values:
        raise ValidationError(_("Enter at least one score."))
    checked, errors = {}, {}
    for entry_id, value in values.items():
        try:
            checked[entry_id] = rules.check_score(value)
        except InvalidScore as exc:
            errors[entry_id] = str(exc)
    if errors:
        raise ValidationError({f"score_{entry_id}": reason for entry_id, reason in errors.items()})
    with transaction.atomic():
        locked = ContestRound.objects.select_for_update().get(pk=round_.pk)
        if locked.status != ContestRound.Status.OPEN:
            raise ValidationError(_("This round is not open for scoring."))
        if not Judge.objects.filter(contest_id=locked.contest_id, person=actor).exists():
            raise PermissionDenied
        in_round = set(Performance.objects.filter(round=locked, entry_id__in=list(checked)).values_list("entry_id", flat=True))
        if in_round != set(checked):
            raise ValidationError({"entry": _("This act is not in this round.")})
        saved = []
        for entry_id, value in checked.items():
            score, created = Score.objects.update_or_create(
                round=locked,
                entry_id=entry_id,
                judge=actor,
                defaults={"value": value, "updated_at": now},
                create_defaults={"value": value, "entered_at": now, "updated_at": now},
            )
            saved.append(score)
            audit.record(
                actor=actor,
                action="contest.scored",
                obj=round_.contest,
                round=locked.pk,
                entry=entry_id,
                value=str(value),
                corrected=not created,
            )
    return saved


def close_round(*, actor: Person, round_: ContestRound, version: int | None = None, now=None) -> ContestRound:
    """Close the open round once every judge has scored every act: each act's score drops the highest
    and the lowest and averages the rest (``rules.final_score``); acts are ranked, ties sharing a place,
    and the top ``advance`` go on (everyone tied at the cut). Closing the final finishes the contest."""
    contest = round_.contest
    require(access.can_manage_contest(actor, contest))
    now = now or timezone.now()
    with transaction.atomic():
        _lock_contest(contest)  # contest, then round: the order every action here takes them in
        locked = ContestRound.objects.select_for_update().get(pk=round_.pk)
        if locked.status != ContestRound.Status.OPEN:
            raise ValidationError(_("Only an open round can be closed."))
        performances = list(Performance.objects.filter(round=locked).select_related("entry").order_by("position"))
        # judges whose account was erased can no longer score: the round goes on with the others
        judges = list(
            Judge.objects.filter(contest=contest, person__is_active=True, person__anonymised_at__isnull=True)
            .select_related("person")
            .order_by("id")
        )
        if not judges:
            raise ValidationError(_("Name the judges first."))
        sheet: dict[tuple[int, int], object] = {
            (s.entry_id, s.judge_id): s.value for s in Score.objects.filter(round=locked, judge__in=[j.person_id for j in judges])
        }
        missing = [(j, p) for p in performances for j in judges if (p.entry_id, j.person_id) not in sheet]
        if missing:
            judge, perf = missing[0]
            raise ValidationError(
                _("%(n)d scores are missing, e.g. %(who)s for %(act)s.")
                % {"n": len(missing), "who": judge.person.name, "act": perf.entry.title}
            )
        scores = {p.entry_id: [sheet[(p.entry_id, j.person_id)] for j in judges] for p in performances}
        ranked = rules.rank([(p.entry_id, rules.final_score(scores[p.entry_id])) for p in performances])
        going_on = set(rules.advancing(ranked, locked.advance)) if locked.advance else set()
        by_entry = {r.key: r for r in ranked}
        for p in performances:
            p.final_score, p.rank, p.advanced = by_entry[p.entry_id].score, by_entry[p.entry_id].rank, p.entry_id in going_on
        Performance.objects.bulk_update(performances, ["final_score", "rank", "advanced"])
        round_.status = locked.status
        compare_and_set(
            round_, version, conflict=ContestConflict, status=ContestRound.Status.CLOSED, closed_at=now, updated_at=now
        )
        if locked.is_final and ContestStatus.FINISHED in CONTEST_TRANSITIONS[contest.status]:
            compare_and_set(contest, None, conflict=ContestConflict, status=ContestStatus.FINISHED, updated_at=now)
        audit.record(actor=actor, action="contest.round_closed", obj=contest, round=round_.pk, going_on=sorted(going_on))
    return round_


def publish_contest(*, actor: Person, contest: Contest, version: int | None = None, now=None) -> Contest:
    """Finished → published: the ranking of every round becomes public."""
    require(access.can_manage_contest(actor, contest))
    now = now or timezone.now()
    with transaction.atomic():
        _lock_contest(contest)
        if ContestStatus.PUBLISHED not in CONTEST_TRANSITIONS[contest.status]:
            raise ValidationError(_("Results are published once the final is closed."))
        compare_and_set(
            contest, version, conflict=ContestConflict, status=ContestStatus.PUBLISHED, published_at=now, updated_at=now
        )
        audit.record(actor=actor, action="contest.published", obj=contest)
        judges = Person.objects.filter(pk__in=Judge.objects.filter(contest=contest).values("person_id"))
        notify_many(
            [Notice(recipients=judges, subject=_("Results published: %(c)s") % {"c": contest.name}, link=contest_link(contest))]
        )
    return contest
