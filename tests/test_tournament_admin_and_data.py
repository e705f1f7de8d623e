"""The back office for tournaments and contests (scoped like the rest of the admin, wording only), and a
person's tournaments and contests in their data download and after erasure (PIPL Arts 45, 47)."""

from django.urls import reverse

from competitions import actions
from competitions.models import Contest, ContestEntry, Entrant, Judge, Match, Score, Tournament
from people import actions as people_actions
from people.actions import ANONYMISED_NAME
from tests.test_tournament_world import (  # noqa: F401
    add_teams,
    cw_fixture,
    entries_of,
    knockout,
    new_contest,
    new_tournament,
    play,
    rounds_of,
    score_all,
    start,
)


def test_the_admin_lists_and_shows_them_to_staff_in_scope_only(client, cw):
    t = new_tournament(cw, fmt="knockout")
    add_teams(cw, t, 2)
    final = knockout(start(cw, t), 1)[0]
    play(cw, final, "a")
    contest = new_contest(cw)
    actions.open_round(actor=cw.admin, round_=rounds_of(contest)[0])
    score_all(contest, rounds_of(contest)[0], {cw.resident: ["80", "81", "82", "83"]})
    client.force_login(cw.admin)
    for model, obj in (
        (Tournament, t),
        (Match, final),
        (Contest, contest),
        (ContestEntry, entries_of(contest)[0]),
        (Score, Score.objects.first()),
    ):
        name = f"admin:competitions_{model._meta.model_name}"
        assert client.get(reverse(f"{name}_changelist")).status_code == 200, model
        assert client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200, model
    client.force_login(cw.community_staff)  # covers 灯湖社区, not the sub-district's tournament
    body = client.get(reverse("admin:competitions_tournament_changelist")).content.decode()
    assert t.name not in body


def test_staff_correct_the_wording_and_nothing_else(client, cw):
    t = new_tournament(cw)
    client.force_login(cw.admin)
    url = reverse("admin:competitions_tournament_change", args=[t.pk])
    inline = {
        "entrants-TOTAL_FORMS": "0",
        "entrants-INITIAL_FORMS": "0",
        "entrants-MIN_NUM_FORMS": "0",
        "entrants-MAX_NUM_FORMS": "0",
    }
    data = {"name": "2026年桂城街道乒乓球团体赛", "location": "文体中心", "starts_on": "", "status": "published", **inline}
    response = client.post(url, data)
    assert response.status_code == 302
    t.refresh_from_db()
    assert (t.name, t.location, t.status) == ("2026年桂城街道乒乓球团体赛", "文体中心", "registration")


def test_a_players_data_download_and_erasure(cw):
    t = new_tournament(cw, fmt="knockout")
    team = actions.add_entrant(
        actor=cw.admin, tournament=t, community=cw.community, name="灯湖队", players=[cw.resident, cw.neighbour]
    )
    solo = actions.add_entrant(actor=cw.admin, tournament=t, community=cw.community, person=cw.b2_resident)
    contest = new_contest(cw)
    prelim = rounds_of(contest)[0]
    actions.open_round(actor=cw.admin, round_=prelim)
    score_all(contest, prelim, {j: ["80", "81", "82", "83"] for j in (cw.resident, cw.neighbour, cw.outsider)})
    actions.close_round(actor=cw.admin, round_=prelim)
    final = rounds_of(contest)[1]
    actions.open_round(actor=cw.admin, round_=final)
    score_all(contest, final, {cw.resident: ["90", "91", "92", "93"]})

    data = people_actions.export_personal_data(person=cw.resident)
    assert data["tournament_entries"] == [
        {"tournament": t.name, "year": 2026, "entrant": "灯湖队", "alone": False, "representing": "灯湖社区", "seed": None}
    ]
    (judged,) = data["contests_judged"]
    assert judged["contest"] == "小品大赛" and len(judged["scores"]) == 4 + 2

    people_actions.erase_person(person=cw.resident)
    assert list(team.players.all()) == [cw.neighbour]
    assert Score.objects.filter(judge=cw.resident, round=prelim).count() == 4  # the closed round's record stays
    assert not Score.objects.filter(judge=cw.resident, round=final).exists()
    assert Judge.objects.filter(contest=contest, person=cw.resident).exists()  # on the record of a closed round

    people_actions.erase_person(person=cw.b2_resident)
    solo.refresh_from_db()
    assert solo.name == f"{ANONYMISED_NAME}#{solo.pk}" and solo.person_id == cw.b2_resident.pk
    assert Entrant.objects.filter(tournament=t).count() == 2
