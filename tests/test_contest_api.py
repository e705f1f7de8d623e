"""The contest API (/api/competitions/contests…): set-up, judges' own scores (all or none), the hidden
scores of an open round, closing and the ranking, publication; public reads of published results."""

import pytest

from competitions import actions
from competitions.models import Contest
from tests.test_tournament_world import cw_fixture, english_fixture, entries_of, new_contest, rounds_of, score_all  # noqa: F401

API = "/api/competitions/contests"


def _post(client, url, data=None, method="post"):
    return getattr(client, method)(url, data or {}, content_type="application/json")


def test_a_contest_through_the_api(client, cw, english):
    client.force_login(cw.admin)
    response = _post(client, API, {"name": "小品大赛", "year": 2026, "organiser_id": cw.office.pk, "scope_id": cw.subdistrict.pk})
    assert response.status_code == 201, response.content
    cid = response.json()["id"]
    prelim = _post(client, f"{API}/{cid}/rounds", {"name": "初赛", "advance": 2}).json()
    final = _post(client, f"{API}/{cid}/rounds", {"name": "决赛"}).json()
    assert (prelim["advance"], final["advance"]) == (2, None)
    for n in range(3):
        response = _post(
            client, f"{API}/{cid}/entries", {"title": f"节目{n}", "community_id": cw.community.pk, "performers": "队"}
        )
        assert response.status_code == 201, response.content
    for person in (cw.resident, cw.neighbour, cw.b2_resident):
        assert _post(client, f"{API}/{cid}/judges", {"person_id": person.pk}).status_code == 201
    response = _post(client, f"{API}/{cid}/judges", {"person_id": cw.stranger.pk})
    assert response.status_code == 400 and "远方客" not in response.content.decode()
    assert _post(client, f"{API}/{cid}/rounds/{prelim['id']}/open", {"version": prelim["version"]}).json()["status"] == "open"
    entries = [e["id"] for e in client.get(f"{API}/{cid}/entries").json()]

    for judge, values in ((cw.resident, [90, 80, 70]), (cw.neighbour, [91, 81, 71]), (cw.b2_resident, [92, 82, 72])):
        client.force_login(judge)
        response = _post(
            client,
            f"{API}/{cid}/rounds/{prelim['id']}/scores",
            {"scores": [{"entry_id": e, "value": v} for e, v in zip(entries, values, strict=True)]},
            "put",
        )
        assert response.status_code == 200, response.content
        assert {s["mine"] for s in response.json()} == {True}  # only their own before the round is closed
    assert client.get(f"{API}/{cid}/ranking?round_id={prelim['id']}").status_code == 404  # not before it is closed

    client.force_login(cw.admin)
    assert len(client.get(f"{API}/{cid}/rounds/{prelim['id']}/scores").json()) == 9
    standing = client.get(f"{API}/{cid}/ranking?round_id={prelim['id']}").json()
    assert [r["score"] for r in standing] == ["91.00", "81.00", "71.00"]
    closed = _post(client, f"{API}/{cid}/rounds/{prelim['id']}/close", {"version": 2})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    ranking = client.get(f"{API}/{cid}/ranking").json()
    assert [(r["rank"], r["advanced"]) for r in ranking] == [(1, True), (2, True), (3, False)]

    client.force_login(cw.outsider)  # a resident of the sub-district, not a judge
    assert len(client.get(f"{API}/{cid}/rounds/{prelim['id']}/scores").json()) == 9  # closed: every score


def test_a_bad_score_saves_none_and_a_non_judge_gets_404(client, cw, english):
    contest = new_contest(cw)
    prelim = rounds_of(contest)[0]
    actions.open_round(actor=cw.admin, round_=prelim)
    e1, e2, *_ = entries_of(contest)
    client.force_login(cw.resident)
    url = f"{API}/{contest.pk}/rounds/{prelim.pk}/scores"
    response = _post(client, url, {"scores": [{"entry_id": e1.pk, "value": "90"}, {"entry_id": e2.pk, "value": "90.25"}]}, "put")
    assert response.status_code == 400 and f"score_{e2.pk}" in response.json()["detail"]
    assert client.get(url).json() == []
    client.force_login(cw.b2_resident)
    assert _post(client, url, {"scores": [{"entry_id": e1.pk, "value": "90"}]}, "put").status_code == 404
    assert client.get(url).status_code == 404  # open round, not a judge: nothing to see


def test_closing_with_missing_scores_is_refused_and_a_stale_version_conflicts(client, cw, english):
    contest = new_contest(cw)
    prelim = rounds_of(contest)[0]
    actions.open_round(actor=cw.admin, round_=prelim)
    client.force_login(cw.admin)
    url = f"{API}/{contest.pk}/rounds/{prelim.pk}/close"
    response = _post(client, url, {})
    assert response.status_code == 400 and "missing" in str(response.json()["detail"])
    score_all(contest, prelim, {j: ["80", "81", "82", "83"] for j in (cw.resident, cw.neighbour, cw.outsider)})
    assert _post(client, url, {"version": 1}).status_code == 409
    assert _post(client, url, {"version": 2}).status_code == 200


def test_published_results_are_public(client, cw):
    contest = new_contest(cw, acts=2, rounds=(("决赛", None),))
    final = rounds_of(contest)[0]
    assert client.get(f"{API}/{contest.pk}").status_code == 404
    actions.open_round(actor=cw.admin, round_=final)
    score_all(contest, final, {j: ["80", "85"] for j in (cw.resident, cw.neighbour, cw.outsider)})
    actions.close_round(actor=cw.admin, round_=final)
    actions.publish_contest(actor=cw.admin, contest=Contest.objects.get(pk=contest.pk))
    detail = client.get(f"{API}/{contest.pk}").json()
    assert detail["status"] == "published" and detail["judges"] == ["李**", "王**", "郑**"]
    assert [r["title"] for r in client.get(f"{API}/{contest.pk}/ranking").json()] == ["节目2", "节目1"]
    assert [e["performers"] for e in client.get(f"{API}/{contest.pk}/entries").json()] == [None, None]
    assert client.get(f"{API}?status=published").json()["count"] == 1
    assert client.post(f"{API}/{contest.pk}/publish", {}, content_type="application/json").status_code in (401, 403)


@pytest.mark.parametrize("person", ["resident", "community_staff", "stranger"])
def test_only_managers_set_up(client, cw, person):
    contest = new_contest(cw)
    client.force_login(getattr(cw, person))
    assert _post(client, f"{API}/{contest.pk}/rounds", {"name": "加赛"}).status_code == 404
    assert _post(client, f"{API}/{contest.pk}/judges", {"person_id": cw.b2_resident.pk}).status_code == 404
