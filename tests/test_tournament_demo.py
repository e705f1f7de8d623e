"""What ``competitions.demo`` seeds on top of the people demo: the 2026 桂城街道乒乓球赛 (groups played,
the bracket in progress) and the 2026 小品大赛 (a closed preliminary, an open final the demo resident can
score), written through the real actions, and the pages the demo sign-ins open on it.

Seeding the people demo takes several seconds, so one test seeds once and checks everything."""

import random

from django.urls import reverse
from django.utils import timezone

from competitions import demo
from competitions.models import ContestRound, ContestStatus, Entrant, Match, Performance, Score, Status, Tournament
from people.demo import DemoBuilder
from people.demo import data as demo_data
from people.models import Person


def _sign_in(client, key):
    client.force_login(Person.objects.get(mobile=demo_data.DEMO_BY_KEY[key]["mobile"]))


def test_the_demo_tournament_and_contest(db, client):
    DemoBuilder(2021).build()
    counts = demo.seed(random.Random(2021), timezone.now())
    assert counts["tournaments"] == 1 and counts["contests"] == 1

    t = Tournament.objects.get()
    assert (t.name, t.year, t.status) == ("2026年桂城街道乒乓球赛", 2026, Status.KNOCKOUT)
    entrants = Entrant.objects.filter(tournament=t)
    assert entrants.count() == 12 and entrants.values("community").distinct().count() == 12
    assert not Match.objects.filter(tournament=t, stage=Match.Stage.GROUP, status=Match.Status.SCHEDULED).exists()
    quarter, semi, final = (Match.objects.filter(tournament=t, stage=Match.Stage.KNOCKOUT, round=r) for r in (1, 2, 3))
    assert quarter.count() == 4 and not quarter.filter(status=Match.Status.SCHEDULED).exists()
    assert sorted(semi.values_list("status", flat=True)) == ["played", "scheduled"]
    assert final.get().status == Match.Status.SCHEDULED and final.get().entrant_a_id is not None
    resident = Person.objects.get(mobile=demo_data.DEMO_BY_KEY["resident"]["mobile"])
    assert entrants.filter(players=resident, community__name="灯湖社区").exists()
    assert counts["matches played"] == 12 + 4 + 1

    from competitions.models import Contest

    contest = Contest.objects.get()
    assert contest.status == ContestStatus.RUNNING
    prelim, final_round = contest.rounds.order_by("position")
    assert (prelim.status, final_round.status) == (ContestRound.Status.CLOSED, ContestRound.Status.OPEN)
    assert Performance.objects.filter(round=prelim, advanced=True).count() >= 6
    assert (
        Performance.objects.filter(round=final_round).count() == Performance.objects.filter(round=prelim, advanced=True).count()
    )
    assert not Score.objects.filter(round=final_round, judge=resident).exists()  # she can try the scoring page
    assert Score.objects.filter(round=final_round).values("judge").distinct().count() == 4

    _sign_in(client, "resident")
    assert t.name in client.get(reverse("competitions:index")).content.decode()
    for url in (
        reverse("competitions:tournament", args=[t.pk]),
        reverse("competitions:groups", args=[t.pk]),
        reverse("competitions:bracket", args=[t.pk]),
        reverse("competitions:contest", args=[contest.pk]),
        reverse("competitions:score", args=[contest.pk, final_round.pk]),
    ):
        assert client.get(url).status_code == 200, url
    _sign_in(client, "subdistrict_admin")
    semi_open = semi.get(status=Match.Status.SCHEDULED)
    assert client.get(reverse("competitions:match-result", args=[t.pk, semi_open.pk])).status_code == 200
    body = client.get(reverse("competitions:contest", args=[contest.pk])).content.decode()
    assert 'value="close_round"' in body and 'value="publish"' not in body
