"""The tournament pages: the list, the tournament, the group tables, the live bracket, and the result
form; who sees what, wrong methods, refusals and conflicts, and query counts that do not grow with
the number of entrants and matches."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competitions import actions
from competitions.models import Entrant, Format, Match, Status, Tournament
from tests.test_tournament_world import (  # noqa: F401
    add_teams,
    cw_fixture,
    english_fixture,
    games_for,
    knockout,
    new_tournament,
    play,
    play_groups,
    start,
)


def _url(name, *args):
    return reverse(f"competitions:{name}", args=args)


@pytest.fixture
def live(cw):
    """Groups played, the bracket drawn, one semi-final played."""
    t = new_tournament(cw, groups=2)
    add_teams(cw, t, 8, seeds=4)
    t = play_groups(cw, start(cw, t))
    play(cw, knockout(t, 1)[0], "a")
    t.refresh_from_db()
    return t


def test_a_resident_finds_the_tournament_its_tables_and_its_bracket(client, cw, live, english):
    client.force_login(cw.resident)
    body = client.get(_url("index")).content.decode()
    assert live.name in body
    body = client.get(_url("tournament", live.pk)).content.decode()
    assert "队1" in body and "灯湖1号" in body  # full names for residents of the sub-district
    body = client.get(_url("groups", live.pk)).content.decode()
    assert "head-to-head" in body  # the tie-breaks are stated on the page
    assert body.count("<table") == 2
    response = client.get(_url("bracket", live.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="every 15s"' in body  # live while matches are being played
    assert "enter result" not in body  # residents do not enter results


def test_the_bracket_partial_refreshes_itself_until_the_tournament_is_finished(client, cw, live, english):
    client.force_login(cw.resident)
    partial = client.get(_url("bracket", live.pk), HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="bracket"') and "<html" not in partial
    assert 'hx-trigger="every 15s"' in partial
    play(cw, knockout(live, 1)[1], "a")
    play(cw, knockout(live, 2)[0], "a")
    partial = client.get(_url("bracket", live.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial  # finished: the refreshing stops
    assert "Champion" in partial


def test_anonymous_visitors_see_only_published_results_with_persons_masked(client, cw, live):
    assert client.get(_url("tournament", live.pk)).status_code == 404
    assert client.get(_url("bracket", live.pk)).status_code == 404
    assert live.name not in client.get(_url("index")).content.decode()
    play(cw, knockout(live, 1)[1], "a")
    play(cw, knockout(live, 2)[0], "a")
    actions.publish_tournament(actor=cw.admin, tournament=live)
    for name in ("tournament", "groups", "bracket"):
        assert client.get(_url(name, live.pk)).status_code == 200, name
    body = client.get(_url("tournament", live.pk)).content.decode()
    assert "灯湖1号" not in body and "灯*" in body  # players by surname only
    assert "队1" in body  # team names in full


def test_a_draft_is_seen_only_by_its_managers(client, cw):
    t = actions.create_tournament(
        actor=cw.admin, name="草稿赛", sport="badminton", year=2026, organiser=cw.office, scope=cw.subdistrict
    )
    client.force_login(cw.resident)
    assert client.get(_url("tournament", t.pk)).status_code == 404
    client.force_login(cw.admin)
    assert client.get(_url("tournament", t.pk)).status_code == 200


def test_someone_from_another_sub_district_sees_nothing_until_published(client, cw, live):
    client.force_login(cw.stranger)
    assert client.get(_url("tournament", live.pk)).status_code == 404
    assert live.name not in client.get(_url("index")).content.decode()


def test_a_manager_enters_a_result_through_the_form(client, cw, live, english):
    client.force_login(cw.admin)
    semi = knockout(live, 1)[1]
    url = _url("match-result", live.pk, semi.pk)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"version": semi.version, "op": "result", "a1": 11, "b1": 7, "a2": 9, "b2": 11, "a3": 11, "b3": 8}
    )
    assert response.status_code == 302 and response["Location"] == _url("bracket", live.pk)
    semi.refresh_from_db()
    assert semi.games == [[11, 7], [9, 11], [11, 8]] and semi.winner_id == semi.entrant_a_id
    assert knockout(live, 2)[0].entrant_b_id == semi.entrant_a_id


def test_a_bad_score_on_the_form_answers_400_and_saves_nothing(client, cw, live, english):
    client.force_login(cw.admin)
    semi = knockout(live, 1)[1]
    url = _url("match-result", live.pk, semi.pk)
    response = client.post(url, {"version": semi.version, "op": "result", "a1": 11, "b1": 10, "a2": 11, "b2": 3})
    assert response.status_code == 400
    assert "leads by two" in response.content.decode()
    response = client.post(url, {"version": semi.version, "op": "result", "a1": 11, "b1": ""})
    assert response.status_code == 400
    semi.refresh_from_db()
    assert semi.status == Match.Status.SCHEDULED and semi.version == 1


def test_a_result_on_a_stale_form_answers_409_with_the_row_as_it_is_now(client, cw, live, english):
    client.force_login(cw.admin)
    semi = knockout(live, 1)[1]
    url = _url("match-result", live.pk, semi.pk)
    play(cw, semi, "b")  # someone else, a moment ago
    response = client.post(url, {"version": 1, "op": "result", "a1": 11, "b1": 0, "a2": 11, "b2": 0})
    assert response.status_code == 409
    assert 'name="version" value="2"' in response.content.decode()
    semi.refresh_from_db()
    assert semi.winner_id == semi.entrant_b_id


def test_a_walkover_through_the_form(client, cw, live):
    client.force_login(cw.admin)
    semi = knockout(live, 1)[1]
    response = client.post(_url("match-result", live.pk, semi.pk), {"version": semi.version, "op": "walkover_b"})
    assert response.status_code == 302
    semi.refresh_from_db()
    assert semi.status == Match.Status.WALKOVER and semi.winner_id == semi.entrant_b_id


def test_only_managers_reach_the_result_form_and_the_actions(client, cw, live):
    semi = knockout(live, 1)[1]
    for person in (cw.resident, cw.community_staff, cw.chair, cw.stranger):
        client.force_login(person)
        assert client.get(_url("match-result", live.pk, semi.pk)).status_code == 404
        assert client.post(_url("tournament-act", live.pk), {"op": "publish"}).status_code == 404
    client.logout()
    assert client.get(_url("match-result", live.pk, semi.pk)).status_code == 302  # to sign in


def test_wrong_method_on_an_action(client, cw, live):
    client.force_login(cw.admin)
    assert client.get(_url("tournament-act", live.pk)).status_code == 405


def test_setting_up_through_the_pages(client, cw, english):
    client.force_login(cw.admin)
    response = client.post(
        _url("tournament-new"),
        {
            "name": "羽毛球赛",
            "year": 2026,
            "organiser": cw.office.pk,
            "scope": cw.subdistrict.pk,
            "sport": "badminton",
            "format": Format.GROUPS_KNOCKOUT,
            "best_of": 3,
            "group_count": 1,
            "advance_per_group": 2,
        },
    )
    assert response.status_code == 302
    t = Tournament.objects.get(name="羽毛球赛")
    assert (t.status, t.points) == (Status.DRAFT, 21)
    client.post(_url("tournament-act", t.pk), {"op": "open", "version": t.version})
    t.refresh_from_db()
    assert t.status == Status.REGISTRATION
    add = _url("entrant-add", t.pk)
    response = client.post(
        add, {"kind": "team", "name": "灯湖队", "community": cw.community.pk, "mobiles": "13800000001\n13800000002"}
    )
    assert response.status_code == 302
    assert set(Entrant.objects.get(name="灯湖队").players.all()) == {cw.resident, cw.neighbour}
    # a number of someone not living in the community reads like an unknown number, and adds nothing
    response = client.post(add, {"kind": "team", "name": "混合队", "community": cw.community.pk, "mobiles": "13700000009"})
    assert response.status_code == 400 and "No resident of that community" in response.content.decode()
    assert "郑外人" not in response.content.decode()
    response = client.post(add, {"kind": "person", "community": cw.other_community.pk, "mobiles": "13700000009", "seed": 1})
    assert response.status_code == 302
    solo = Entrant.objects.get(person=cw.outsider)
    client.post(_url("entrant-change", t.pk, solo.pk), {"op": "seed", "seed": "2"})
    solo.refresh_from_db()
    assert solo.seed == 2
    client.post(_url("tournament-act", t.pk), {"op": "draw", "version": t.version})
    client.post(_url("tournament-act", t.pk), {"op": "schedule", "version": Tournament.objects.get(pk=t.pk).version})
    t.refresh_from_db()
    assert t.status == Status.GROUPS and Match.objects.filter(tournament=t).count() == 1


def test_an_organiser_off_the_place_is_an_error_on_the_form(client, cw, english):
    from people.models import Organisation

    other_rc = Organisation.objects.create(
        kind=Organisation.Kind.RESIDENTS_COMMITTEE, name="桂一社区居民委员会", place=cw.other_community
    )
    client.force_login(cw.admin)
    data = {"name": "X", "year": 2026, "organiser": other_rc.pk, "scope": cw.community.pk, "sport": "badminton"}
    data |= {"format": "knockout", "best_of": 3, "group_count": 1, "advance_per_group": 2}
    response = client.post(_url("tournament-new"), data)
    assert response.status_code == 400 and "cannot hold it for that place" in response.content.decode()
    assert not Tournament.objects.exists()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["tournament", "groups", "bracket"])
def test_query_counts_do_not_grow_with_the_number_of_entrants(client, cw, page):
    counts = []
    for n in (4, 8):
        t = new_tournament(cw, groups=2)
        add_teams(cw, t, n, seeds=2)
        t = play_groups(cw, start(cw, t))
        play(cw, knockout(t, 1)[0], "a")
        client.force_login(cw.resident)
        counts.append(_queries(client, _url(page, t.pk)))
        Tournament.objects.filter(pk=t.pk).update(name=f"done {n}")
        Entrant.players.through.objects.filter(entrant__tournament=t).delete()
    assert counts[0] == counts[1], counts
