"""Fixtures and helpers for the tournament and contest tests (no tests here): the conftest world plus the
sub-district office, a community club with its chair, residents to play in 灯湖社区 and 桂一社区, and
someone from another sub-district. Set-up goes through the real actions."""

import random

import pytest
from django.utils import translation

from competitions import actions
from competitions.models import Format, Match
from competitions.rules import Sport
from people.models import Membership, Organisation
from places.models import Place, Unit
from tests.conftest import live_in, make_person


@pytest.fixture(name="english")
def english_fixture(request):
    """Refusals are checked in English (the source language): in the test's thread, and in the pages and
    the API the test client asks for."""
    if "client" in request.fixturenames:
        request.getfixturevalue("client").defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(name="cw")
def cw_fixture(world):
    """The competitions world."""
    w = world
    w.office = Organisation.objects.create(kind=Organisation.Kind.SUBDISTRICT_OFFICE, name="桂城街道办事处", place=w.subdistrict)
    w.club = Organisation.objects.create(kind=Organisation.Kind.SELF_ORGANISATION, name="灯湖社区乒乓球队", place=w.community)
    w.chair = make_person("钟会长", "13600000001")
    live_in(w.chair, w.unit_b2)
    Membership.objects.create(organisation=w.club, person=w.chair, position=Membership.Position.CHAIR)
    w.member = make_person("冯队员", "13600000002")
    live_in(w.member, w.unit_b2)
    Membership.objects.create(organisation=w.club, person=w.member, position=Membership.Position.MEMBER)
    w.players_here = [make_person(f"灯湖{n}号", f"1350000{n:04d}") for n in range(1, 9)]
    for p in w.players_here:
        live_in(p, w.unit2)
    w.players_there = [make_person(f"桂一{n}号", f"1350001{n:04d}") for n in range(1, 9)]
    for p in w.players_there:
        live_in(p, w.other_unit)
    w.far_subdistrict = Place.objects.create(kind=Place.Kind.SUBDISTRICT, name="大沥镇", code="440605012")
    far_community = Place.objects.create(kind=Place.Kind.COMMUNITY, name="黄岐社区", parent=w.far_subdistrict)
    far_compound = Place.objects.create(kind=Place.Kind.COMPOUND, name="黄岐花园", parent=far_community)
    far_building = Place.objects.create(kind=Place.Kind.BUILDING, name="3栋", parent=far_compound)
    far_unit = Unit.objects.create(building=far_building, label="301", area="70.00", area_source="register")
    w.stranger = make_person("远方客", "13600000009")
    live_in(w.stranger, far_unit)
    return w


def new_tournament(
    w, *, fmt=Format.GROUPS_KNOCKOUT, groups=2, advance=2, best_of=3, sport=Sport.TABLE_TENNIS, scope=None, actor=None
):
    t = actions.create_tournament(
        actor=actor or w.admin,
        name="桂城街道乒乓球赛",
        sport=sport,
        year=2026,
        organiser=w.office if scope is None or scope == w.subdistrict else w.club,
        scope=scope or w.subdistrict,
        format=fmt,
        best_of=best_of,
        group_count=groups,
        advance_per_group=advance,
    )
    actions.open_registration(actor=actor or w.admin, tournament=t)
    return t


def add_teams(w, t, n: int, *, seeds: int = 0, actor=None):
    """``n`` one-player teams, alternating between the two communities; the first ``seeds`` seeded 1, 2, …"""
    entrants = []
    for i in range(n):
        here = i % 2 == 0
        player = (w.players_here if here else w.players_there)[i // 2]
        entrants.append(
            actions.add_entrant(
                actor=actor or w.admin,
                tournament=t,
                community=w.community if here else w.other_community,
                name=f"队{i + 1}",
                players=[player],
                seed=i + 1 if i < seeds else None,
            )
        )
    return entrants


def start(w, t, *, draw=True):
    if draw and t.has_groups:
        actions.draw_groups(actor=w.admin, tournament=t, rng=random.Random(1))
    actions.generate_schedule(actor=w.admin, tournament=t, rng=random.Random(1))
    t.refresh_from_db()
    return t


def games_for(winner: str, best_of: int = 3, points: int = 11) -> list[list[int]]:
    need = best_of // 2 + 1
    game = [points, points - 4] if winner == "a" else [points - 4, points]
    return [list(game) for _ in range(need)]


def play(w, match: Match, winner: str = "a", actor=None):
    match = Match.objects.select_related("tournament").get(pk=match.pk)
    t = match.tournament
    return actions.record_result(
        actor=actor or w.admin, match=match, games=games_for(winner, t.best_of, t.points), version=match.version
    )


def play_groups(w, t, prefer=None):
    """Every group match: the better seed wins (or ``prefer(match) -> "a" | "b"``)."""
    for match in Match.objects.filter(tournament=t, stage=Match.Stage.GROUP).select_related("entrant_a", "entrant_b"):
        if prefer is not None:
            side = prefer(match)
        else:
            a, b = match.entrant_a, match.entrant_b
            side = "a" if (a.seed or 99, a.pk) < (b.seed or 99, b.pk) else "b"
        play(w, match, side)
    t.refresh_from_db()
    return t


def knockout(t, round_: int):
    return list(Match.objects.filter(tournament=t, stage=Match.Stage.KNOCKOUT, round=round_).order_by("slot"))


# --- contests -------------------------------------------------------------------------------------


def new_contest(w, *, acts: int = 4, judges=None, rounds=(("初赛", 2), ("决赛", None))):
    """A draft contest with its rounds, ``acts`` acts alternating between the two communities, and judges."""
    contest = actions.create_contest(actor=w.admin, name="小品大赛", year=2026, organiser=w.office, scope=w.subdistrict)
    for name, advance in rounds:
        actions.add_round(actor=w.admin, contest=contest, name=name, advance=advance)
    for n in range(acts):
        actions.add_entry(
            actor=w.admin,
            contest=contest,
            title=f"节目{n + 1}",
            community=w.community if n % 2 == 0 else w.other_community,
            performers=f"表演队{n + 1}",
        )
    for person in judges if judges is not None else (w.resident, w.neighbour, w.outsider):
        actions.add_judge(actor=w.admin, contest=contest, person=person)
    return contest


def rounds_of(contest):
    from competitions.models import ContestRound

    found = list(ContestRound.objects.filter(contest=contest).order_by("position"))
    for r in found:
        r.contest = contest
    return found


def entries_of(contest):
    from competitions.models import ContestEntry

    return list(ContestEntry.objects.filter(contest=contest).order_by("id"))


def score_all(contest, round_, sheet: dict):
    """``sheet``: judge → list of scores, one per act in entry order (acts not in the round skipped)."""
    from competitions.models import Performance

    in_round = set(Performance.objects.filter(round=round_).values_list("entry_id", flat=True))
    for judge, values in sheet.items():
        picked = {e.pk: v for e, v in zip(entries_of(contest), values, strict=True) if e.pk in in_round}
        actions.enter_scores(actor=judge, round_=round_, values=picked)
