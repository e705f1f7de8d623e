"""The contest pages: the contest with its ranking, a judge's scoring page, the published results, and
the managers' steps; who sees what, refusals, wrong methods, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competitions import actions
from competitions.models import Contest, ContestRound, ContestStatus, Judge, Score
from tests.test_tournament_world import cw_fixture, english_fixture, entries_of, new_contest, rounds_of, score_all  # noqa: F401


def _url(name, *args):
    return reverse(f"competitions:{name}", args=args)


@pytest.fixture
def running(cw):
    contest = new_contest(cw)
    actions.open_round(actor=cw.admin, round_=rounds_of(contest)[0])
    return contest


def test_a_judge_scores_the_open_round_on_their_phone(client, cw, running, english):
    prelim = rounds_of(running)[0]
    client.force_login(cw.resident)
    body = client.get(_url("contest", running.pk)).content.decode()
    assert _url("score", running.pk, prelim.pk) in body
    page = client.get(_url("score", running.pk, prelim.pk))
    assert page.status_code == 200 and 'step="0.1"' in page.content.decode()
    e1, e2, e3, e4 = entries_of(running)
    response = client.post(_url("score", running.pk, prelim.pk), {f"score_{e1.pk}": "91.5", f"score_{e2.pk}": "88"})
    assert response.status_code == 302
    assert dict(Score.objects.filter(judge=cw.resident).values_list("entry_id", "value")) == {e1.pk: 91.5, e2.pk: 88}
    # one bad score saves none of them
    response = client.post(_url("score", running.pk, prelim.pk), {f"score_{e3.pk}": "77", f"score_{e4.pk}": "101"})
    assert response.status_code == 400
    assert not Score.objects.filter(entry__in=[e3, e4]).exists()
    response = client.post(_url("score", running.pk, prelim.pk), {})
    assert response.status_code == 400 and "at least one score" in response.content.decode()


def test_the_scoring_page_is_only_for_judges(client, cw, running):
    prelim, final = rounds_of(running)
    for person in (cw.b2_resident, cw.admin, cw.stranger):
        client.force_login(person)
        assert client.get(_url("score", running.pk, prelim.pk)).status_code == 404
    client.force_login(cw.resident)
    assert client.get(_url("score", running.pk, final.pk)).status_code == 404  # not open yet


def test_other_judges_scores_stay_hidden_until_the_round_is_closed(client, cw, running, english):
    prelim = rounds_of(running)[0]
    score_all(running, prelim, {cw.neighbour: ["71.5", "72.5", "73.5", "74.5"]})
    client.force_login(cw.resident)
    body = client.get(_url("contest", running.pk)).content.decode()
    assert "71.5" not in body and "72.5" not in body
    client.force_login(cw.admin)
    body = client.get(_url("contest", running.pk)).content.decode()
    assert "71.5" in body and "4 of 12 scores entered" in body
    score_all(running, prelim, {cw.resident: ["80", "81", "82", "83"], cw.outsider: ["90", "91", "92", "93"]})
    client.post(_url("contest-act", running.pk), {"op": "close_round", "round": prelim.pk, "version": prelim.version})
    assert ContestRound.objects.get(pk=prelim.pk).status == ContestRound.Status.CLOSED
    client.force_login(cw.b2_resident)
    body = client.get(_url("contest", running.pk)).content.decode()
    assert "71.5" in body and "<s" in body  # every score now, the dropped ones struck through


def test_the_published_results_are_public_without_personal_names(client, cw, running):
    prelim, final = rounds_of(running)
    assert client.get(_url("results", running.pk)).status_code == 404
    assert client.get(_url("contest", running.pk)).status_code == 404
    score_all(running, prelim, {j: ["80", "81", "82", "83"] for j in (cw.resident, cw.neighbour, cw.outsider)})
    actions.close_round(actor=cw.admin, round_=prelim)
    actions.open_round(actor=cw.admin, round_=final)
    score_all(running, final, {j: ["80", "81", "82", "83"] for j in (cw.resident, cw.neighbour, cw.outsider)})
    actions.close_round(actor=cw.admin, round_=final)
    actions.publish_contest(actor=cw.admin, contest=Contest.objects.get(pk=running.pk))
    response = client.get(_url("results", running.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "节目4" in body and "83.00" in body
    assert "表演队4" not in body  # performers only to signed-in users of the sub-district
    assert "李居民" not in body  # judges' names neither
    client.force_login(cw.b2_resident)
    body = client.get(_url("results", running.pk)).content.decode()
    assert "表演队4" in body


def test_managers_set_up_a_contest_through_the_pages(client, cw, english):
    client.force_login(cw.admin)
    response = client.post(
        _url("contest-new"), {"name": "粤曲大赛", "year": 2026, "organiser": cw.office.pk, "scope": cw.subdistrict.pk}
    )
    assert response.status_code == 302
    contest = Contest.objects.get(name="粤曲大赛")
    act = _url("contest-act", contest.pk)
    client.post(act, {"op": "add_round", "name": "初赛", "advance": "1"})
    client.post(act, {"op": "add_round", "name": "决赛"})
    assert list(contest.rounds.values_list("name", "advance")) == [("初赛", 1), ("决赛", None)]
    client.post(act, {"op": "add_entry", "title": "《帝女花》", "community": cw.community.pk, "performers": "灯湖粤曲社"})
    client.post(act, {"op": "add_entry", "title": "《分飞燕》", "community": cw.other_community.pk})
    assert contest.entries.count() == 2
    client.post(act, {"op": "add_judge", "mobile": "13800000001"})
    response = client.post(act, {"op": "add_judge", "mobile": "13600000009"}, follow=True)  # lives in another sub-district
    assert "can be named as a judge" in response.content.decode()
    assert list(Judge.objects.filter(contest=contest).values_list("person_id", flat=True)) == [cw.resident.pk]
    response = client.post(act, {"op": "add_round", "name": ""}, follow=True)
    assert response.status_code == 200 and contest.rounds.count() == 2
    prelim = contest.rounds.first()
    client.post(act, {"op": "open_round", "round": prelim.pk, "version": prelim.version})
    contest.refresh_from_db()
    assert contest.status == ContestStatus.RUNNING


def test_residents_and_strangers_cannot_run_a_contest(client, cw, running):
    for person in (cw.resident, cw.community_staff, cw.stranger):
        client.force_login(person)
        assert client.post(_url("contest-act", running.pk), {"op": "publish"}).status_code == 404
    client.force_login(cw.admin)
    assert client.get(_url("contest-act", running.pk)).status_code == 405


def test_the_contest_page_costs_the_same_whatever_the_number_of_acts(client, cw):
    counts = []
    for acts in (2, 6):
        contest = new_contest(cw, acts=acts)
        prelim = rounds_of(contest)[0]
        actions.open_round(actor=cw.admin, round_=prelim)
        score_all(contest, prelim, {j: ["80"] * acts for j in (cw.resident, cw.neighbour, cw.outsider)})
        actions.close_round(actor=cw.admin, round_=prelim)
        for person in (cw.b2_resident, cw.admin):
            client.force_login(person)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(_url("contest", contest.pk)).status_code == 200
            counts.append((person.pk, len(ctx.captured_queries)))
    assert counts[:2] == counts[2:], counts
