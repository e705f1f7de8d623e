"""A person's tournaments and contests in their data download (PIPL Art 45), and what erasure does to
them (Art 47). Found by ``people.actions.export_personal_data`` / ``erase_person`` without people
importing this app.

The download lists the entrants they played for (alone or in a team) and the contests they judged with
every score they gave.

Erasure keeps the results: tables, brackets and rankings are the community's record, and a match or a
ranking that lost a side would no longer add up. In detail:

- They leave every team's list of players.
- An entrant that was the person alone stays in its matches, renamed to the anonymised name (with the
  entrant's number, as names are unique within a tournament); it still points at the anonymised account.
- As a judge: scores in closed rounds stay (the published ranking rests on them), naming the anonymised
  account. Scores in rounds not yet closed are deleted (they can no longer finish scoring; the round is
  closed with the other judges), and they stop being a judge of a contest where they scored no closed
  round.
- Results they entered and rounds they opened or closed stay, naming the anonymised account.
"""

from django.db import transaction

from core import audit

from .models import ContestRound, ContestStatus, Entrant, Judge, Score


def _at(value) -> str | None:
    return value.isoformat() if value else None


def export(person) -> dict:
    entrants = (
        Entrant.objects.filter(players=person)
        .select_related("tournament", "community")
        .order_by("tournament__year", "tournament_id", "id")
    )
    judged = Judge.objects.filter(person=person).select_related("contest").order_by("contest__year", "contest_id")
    scores = (
        Score.objects.filter(judge=person)
        .select_related("round", "entry")
        .order_by("round__contest_id", "round__position", "entry_id")
    )
    by_contest: dict[int, list[dict]] = {}
    for s in scores:
        by_contest.setdefault(s.round.contest_id, []).append(
            {"round": s.round.name, "act": s.entry.title, "score": str(s.value), "entered_at": _at(s.entered_at)}
        )
    return {
        "tournament_entries": [
            {
                "tournament": e.tournament.name,
                "year": e.tournament.year,
                "entrant": e.name,
                "alone": e.kind == Entrant.Kind.PERSON,
                "representing": e.community.name,
                "seed": e.seed,
            }
            for e in entrants
        ],
        "contests_judged": [
            {"contest": j.contest.name, "year": j.contest.year, "scores": by_contest.get(j.contest_id, [])} for j in judged
        ],
    }


def erase(person) -> None:
    from people.actions import ANONYMISED_NAME

    with transaction.atomic():
        rosters = Entrant.players.through.objects.filter(person=person)
        left = rosters.count()
        rosters.delete()
        for entrant in Entrant.objects.filter(person=person):
            Entrant.objects.filter(pk=entrant.pk).update(name=f"{ANONYMISED_NAME}#{entrant.pk}"[:80])
        unfinished = Score.objects.filter(judge=person).exclude(round__status=ContestRound.Status.CLOSED)
        dropped, _rows = unfinished.delete()
        judging = Judge.objects.filter(person=person, contest__status__in=[ContestStatus.DRAFT, ContestStatus.RUNNING])
        on_record = Score.objects.filter(judge=person, round__status=ContestRound.Status.CLOSED).values("round__contest_id")
        stood_down, _rows = judging.exclude(contest_id__in=on_record).delete()
        if left or dropped or stood_down:
            audit.record(
                actor=None,
                action="competitions.person_erased",
                subject_id=person.pk,
                rosters=left,
                scores=dropped,
                judging=stood_down,
            )
