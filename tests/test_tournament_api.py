"""The tournament API (/api/competitions/tournaments…): the same actions and access as the pages, 400 for
refusals, 404 for what the user may not see or do, 409 for a stale version, public reads of published
results, and the schema."""

import pytest

from competitions.models import Match, Status, Tournament
from tests.test_tournament_world import add_teams, cw_fixture, english_fixture, knockout, new_tournament, play, play_groups, start  # noqa: F401

API = "/api/competitions"


@pytest.fixture
def admin_client(client, cw):
    client.force_login(cw.admin)
    return client


def test_a_tournament_through_the_api(admin_client, cw, english):
    c = admin_client
    response = c.post(
        f"{API}/tournaments",
        {
            "name": "羽毛球团体赛",
            "sport": "badminton",
            "year": 2026,
            "organiser_id": cw.office.pk,
            "scope_id": cw.subdistrict.pk,
            "format": "groups_knockout",
            "best_of": 3,
            "group_count": 1,
            "advance_per_group": 2,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    t = response.json()
    assert (t["status"], t["points"], t["can_manage"]) == ("draft", 21, True)
    tid = t["id"]
    assert (
        c.post(f"{API}/tournaments/{tid}/registration", {"version": t["version"]}, content_type="application/json").status_code
        == 200
    )
    for n, (community, player) in enumerate(
        [(cw.community, cw.resident), (cw.community, cw.neighbour), (cw.other_community, cw.outsider)]
    ):
        response = c.post(
            f"{API}/tournaments/{tid}/entrants",
            {"community_id": community.pk, "name": f"队{n}", "player_ids": [player.pk], "seed": n + 1},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    # someone who does not live there reads like a missing id
    response = c.post(
        f"{API}/tournaments/{tid}/entrants",
        {"community_id": cw.community.pk, "name": "外队", "player_ids": [cw.stranger.pk]},
        content_type="application/json",
    )
    assert response.status_code == 400 and "远方客" not in response.content.decode()
    entrants = c.get(f"{API}/tournaments/{tid}/entrants").json()
    assert [e["players"] for e in entrants] == [["李居民"], ["王邻居"], ["郑外人"]]
    groups = c.post(f"{API}/tournaments/{tid}/draw", {}, content_type="application/json").json()
    assert len(groups) == 1 and len(groups[0]["entrant_ids"]) == 3
    assert c.post(f"{API}/tournaments/{tid}/schedule", {}, content_type="application/json").json()["status"] == "groups"
    matches = c.get(f"{API}/tournaments/{tid}/matches").json()
    assert len(matches) == 3
    for m in matches:
        response = c.post(
            f"{API}/tournaments/{tid}/matches/{m['id']}/result",
            {"games": [[21, 15], [21, 18]], "version": m["version"]},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
    table = c.get(f"{API}/tournaments/{tid}/standings").json()
    assert table[0]["complete"] and [line["rank"] for line in table[0]["lines"]] == [1, 2, 3]
    bracket = c.get(f"{API}/tournaments/{tid}/bracket").json()
    assert [r["label"] for r in bracket] == ["Final"]
    final = bracket[0]["matches"][0]
    assert (final["entrant_a_id"], final["entrant_b_id"]) == (
        table[0]["lines"][0]["entrant_id"],
        table[0]["lines"][1]["entrant_id"],
    )
    c.post(f"{API}/tournaments/{tid}/matches/{final['id']}/walkover", {"winner": "b"}, content_type="application/json")
    published = c.post(f"{API}/tournaments/{tid}/publish", {}, content_type="application/json").json()
    assert published["status"] == "published" and published["champion_id"] == final["entrant_b_id"]


def test_a_bad_score_answers_400_and_a_stale_version_409(admin_client, cw, english):
    t = new_tournament(cw, fmt="knockout")
    add_teams(cw, t, 2)
    final = knockout(start(cw, t), 1)[0]
    url = f"{API}/tournaments/{t.pk}/matches/{final.pk}/result"
    response = admin_client.post(url, {"games": [[11, 10], [11, 3]], "version": 1}, content_type="application/json")
    assert response.status_code == 400 and "games" in response.json()["detail"]
    assert admin_client.post(url, {"games": [[11, 3], [11, 3]], "version": 1}, content_type="application/json").status_code == 200
    response = admin_client.post(url, {"games": [[3, 11], [3, 11]], "version": 1}, content_type="application/json")
    assert response.status_code == 409
    final.refresh_from_db()
    assert final.winner_id == final.entrant_a_id


def test_residents_read_but_do_not_write_and_outsiders_see_nothing(client, cw):
    t = new_tournament(cw, fmt="knockout")
    add_teams(cw, t, 2)
    final = knockout(start(cw, t), 1)[0]
    client.force_login(cw.resident)
    assert client.get(f"{API}/tournaments/{t.pk}").json()["can_manage"] is False
    assert client.get(f"{API}/tournaments/{t.pk}/bracket").status_code == 200
    url = f"{API}/tournaments/{t.pk}/matches/{final.pk}/result"
    assert client.post(url, {"games": [[11, 3], [11, 3]]}, content_type="application/json").status_code == 404
    assert client.post(f"{API}/tournaments/{t.pk}/publish", {}, content_type="application/json").status_code == 404
    client.force_login(cw.stranger)
    assert client.get(f"{API}/tournaments/{t.pk}").status_code == 404
    assert t.pk not in [x["id"] for x in client.get(f"{API}/tournaments").json()["items"]]


def test_published_results_are_public_with_names_masked(client, cw):
    t = new_tournament(cw, fmt="knockout")
    add_teams(cw, t, 2)
    final = knockout(start(cw, t), 1)[0]
    assert client.get(f"{API}/tournaments/{t.pk}").status_code == 404
    assert client.post(f"{API}/tournaments/{t.pk}/publish", {}, content_type="application/json").status_code in (401, 403)
    play(cw, final, "a")
    from competitions import actions

    actions.publish_tournament(actor=cw.admin, tournament=Tournament.objects.get(pk=t.pk))
    assert client.get(f"{API}/tournaments/{t.pk}").json()["status"] == Status.PUBLISHED
    entrants = client.get(f"{API}/tournaments/{t.pk}/entrants").json()
    assert [e["players"] for e in entrants] == [["灯***"], ["桂***"]]
    assert client.get(f"{API}/tournaments").json()["count"] == 1
    assert client.get(f"{API}/tournaments/{t.pk}/matches").json()[0]["status"] == Match.Status.PLAYED


def test_the_api_is_in_the_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/competitions/tournaments",
        "/api/competitions/tournaments/{tournament_id}/matches/{match_id}/result",
        "/api/competitions/tournaments/{tournament_id}/standings",
        "/api/competitions/tournaments/{tournament_id}/bracket",
        "/api/competitions/contests/{contest_id}/rounds/{round_id}/scores",
        "/api/competitions/contests/{contest_id}/ranking",
    ):
        assert path in paths, path


def test_group_tables_through_the_api_follow_the_tie_breaks(admin_client, cw):
    t = new_tournament(cw, groups=1)
    add_teams(cw, t, 3)
    t = start(cw, t)
    # a circle: each beats one; the game ratio decides
    m = {
        frozenset((x.entrant_a.name, x.entrant_b.name)): x
        for x in Match.objects.filter(tournament=t).select_related("entrant_a", "entrant_b")
    }
    from competitions import actions

    def result(a, b, games):
        match = m[frozenset((a, b))]
        if match.entrant_a.name != a:
            games = [[y, x] for x, y in games]
        actions.record_result(actor=cw.admin, match=match, games=games)

    result("队1", "队2", [[11, 5], [11, 5]])
    result("队2", "队3", [[11, 5], [5, 11], [11, 5]])
    result("队3", "队1", [[11, 5], [5, 11], [11, 5]])
    lines = admin_client.get(f"{API}/tournaments/{t.pk}/standings").json()[0]["lines"]
    assert [line["entrant"] for line in lines] == ["队1", "队3", "队2"]
    assert {line["decided_by"] for line in lines} == {"games"}
