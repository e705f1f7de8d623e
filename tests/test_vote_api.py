"""The owners' votes JSON API: the same access and actions as the rest of the votes app, with no voter's
choice in any answer but the owner's own (and, for an open ballot, the managers' roll and log)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from core.concurrency import Conflict
from core.models import AuditEntry
from people.models import Ownership
from votes import actions, ledger, rules
from votes.models import Item, Matter, ProxyAuthorisation, SecretCount, SilentConsentClause, UseChange, Voter

CHOICES = {"yes", "no", "abstain"}


def post(client, url: str, body: dict | None = None, **extra):
    return client.post(url, body or {}, content_type="application/json", **extra)


def patch(client, url: str, body: dict, **extra):
    return client.patch(url, body, content_type="application/json", **extra)


def put(client, url: str, body: dict, **extra):
    return client.put(url, body, content_type="application/json", **extra)


def as_(client, person):
    client.force_login(person)
    return client


def local_noon(days: int) -> datetime:
    """Noon in Beijing, ``days`` from today: the same calendar day in UTC, so day counts are unambiguous."""
    return timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=days)


@pytest.fixture
def w(electorate):
    return electorate


def make_vote(w, **extra) -> Matter:
    return actions.create_matter(
        by=w.community_staff,
        scope=w.compound,
        item=Item.FUND_USE,
        title="电梯维修使用维修资金",
        description="更换1栋电梯主机",
        opens_at=local_noon(17),
        closes_at=local_noon(27),
        **extra,
    )


def open_vote(w, **extra) -> Matter:
    """Noticed and opened (the clock of the opening passed explicitly; ballots are cast at the real time)."""
    matter = make_vote(w, **extra)
    actions.send_notice(matter, by=w.community_staff, version=None)
    return actions.open_voting(matter, now=matter.opens_at)


def voter_of(matter: Matter, person) -> Voter:
    return Voter.objects.get(matter=matter, members__person=person)


def developer_of(matter: Matter) -> Voter:
    return Voter.objects.get(matter=matter, kind=Voter.Kind.DEVELOPER)


def choices_in(data) -> list[str]:
    """Every choice anywhere in an answer: values of ``choice`` keys and any value spelled like a choice."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "choice" and value is not None:
                found.append(value)
            elif key == "sealed":
                found.append("sealed")
            else:
                found += choices_in(value)
    elif isinstance(data, list):
        for value in data:
            found += choices_in(value)
    elif isinstance(data, str) and data in CHOICES:
        found.append(data)
    return found


def test_the_schema_lists_the_vote_endpoints(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {
        "/api/votes/",
        "/api/votes/{matter_id}",
        "/api/votes/{matter_id}/documents",
        "/api/votes/{matter_id}/documents/{document_id}",
        "/api/votes/{matter_id}/notice",
        "/api/votes/{matter_id}/open",
        "/api/votes/{matter_id}/close",
        "/api/votes/{matter_id}/publish",
        "/api/votes/{matter_id}/cancel",
        "/api/votes/{matter_id}/tally",
        "/api/votes/{matter_id}/ballots",
        "/api/votes/{matter_id}/voters",
        "/api/votes/{matter_id}/voters/{voter_id}/designate",
        "/api/votes/{matter_id}/voters/{voter_id}/proxy",
        "/api/votes/{matter_id}/paper",
        "/api/votes/{matter_id}/log",
        "/api/votes/{matter_id}/log/head",
        "/api/votes/compounds/{place_id}/silent-consent",
        "/api/votes/use-changes/",
        "/api/votes/use-changes/{change_id}",
        "/api/votes/use-changes/{change_id}/answer",
        "/api/votes/use-changes/{change_id}/interested",
        "/api/votes/use-changes/{change_id}/withdraw",
    } <= set(paths)
    assert {"get", "post"} <= set(paths["/api/votes/"])
    assert {"get", "patch"} <= set(paths["/api/votes/{matter_id}"])
    assert {"put", "delete"} <= set(paths["/api/votes/compounds/{place_id}/silent-consent"])
    assert paths["/api/votes/{matter_id}/ballots"]["post"]["summary"] == "Cast or change your ballot"
    assert "multipart/form-data" in paths["/api/votes/{matter_id}/voters/{voter_id}/proxy"]["post"]["requestBody"]["content"]


def test_sign_in_is_required(client, w):
    matter = make_vote(w)
    assert client.get("/api/votes/").status_code == 401
    assert client.get(f"/api/votes/{matter.pk}").status_code == 401
    assert client.get(f"/api/votes/{matter.pk}/log/head").status_code == 401


# --- the whole procedure --------------------------------------------------------------------------


def test_a_vote_from_draft_to_published_result(client, w):
    opens, closes = local_noon(17), local_noon(27)
    body = {
        "scope_id": w.compound.pk,
        "item": "fund_use",
        "title": "电梯维修",
        "description": "更换1栋电梯主机",
        "opens_at": opens.isoformat(),
        "closes_at": closes.isoformat(),
    }
    created = post(as_(client, w.community_staff), "/api/votes/", body)
    assert created.status_code == 201
    data = created.json()
    pk = data["id"]
    assert (data["status"], data["version"], data["item_number"], data["special"]) == ("draft", 1, 5, False)
    assert (data["scope"], data["compound"], data["secret"]) == ("中铁建水岸公馆", "中铁建水岸公馆", False)
    assert data["publish_by"] == (closes.date() + timedelta(days=7)).isoformat()
    assert data["revocable_until"] is None and data["silent_consent"] is False
    assert data["can_manage"] is True and data["next_statuses"] == ["cancelled", "notified"]
    assert as_(client, w.resident).get(f"/api/votes/{pk}").status_code == 404  # a draft is the managers'
    assert as_(client, w.outsider).get(f"/api/votes/{pk}").status_code == 404

    url = f"/api/votes/{pk}"
    as_(client, w.community_staff)
    changed = patch(client, url, {"title": "电梯维修使用维修资金", "version": 1})
    assert changed.status_code == 200 and changed.json()["title"] == "电梯维修使用维修资金" and changed.json()["version"] == 2
    assert patch(client, url, {"title": "旧版本", "version": 1}).status_code == 409
    assert post(client, f"{url}/notice", {"version": 1}).status_code == 409
    noticed = post(client, f"{url}/notice", {"version": 2})
    assert noticed.status_code == 200 and noticed.json()["status"] == "notified"
    assert patch(client, url, {"title": "太迟了"}).status_code == 400  # the notice is out

    mine = as_(client, w.resident).get(url).json()
    assert mine["title"] == "电梯维修使用维修资金" and mine["voters"] == [] and mine["can_cast"] is False

    with time_machine.travel(opens + timedelta(minutes=1), tick=False):
        assert post(as_(client, w.resident), f"{url}/open", {"version": 3}).status_code == 404
        opened = post(as_(client, w.community_staff), f"{url}/open", {"version": 3})
        assert opened.status_code == 200
        data = opened.json()
        assert (data["status"], data["total_area"], data["total_heads"], data["log_length"]) == ("open", "285.45", 3, 1)

        as_(client, w.resident)
        mine = client.get(url).json()
        sole = voter_of(Matter.objects.get(pk=pk), w.resident)
        assert mine["can_cast"] is True
        assert mine["voters"] == [
            {"id": sole.pk, "label": "1栋 101", "area": "89.35", "as_proxy": False, "voted": False, "times": 0, "choice": None}
        ]
        first = post(client, f"{url}/ballots", {"voter": sole.pk, "choice": "no"})
        assert first.status_code == 201 and first.json()["times"] == 1 and first.json()["seq"] == 2
        again = post(client, f"{url}/ballots", {"voter": sole.pk, "choice": "yes"})
        assert again.status_code == 201
        assert set(again.json()) == {"voter", "seq", "cast_at", "times"}
        assert (again.json()["voter"], again.json()["seq"], again.json()["times"]) == (sole.pk, 3, 2)
        mine = client.get(url).json()["voters"][0]
        assert (mine["voted"], mine["times"], mine["choice"]) == (True, 2, "yes")

        # the couple: one of them votes for both, once both name her
        couple = voter_of(Matter.objects.get(pk=pk), w.wife)
        theirs = as_(client, w.wife).get(url).json()
        assert theirs["voters"] == [] and theirs["can_cast"] is False
        assert [(c["id"], c["label"], c["designated"]) for c in theirs["co_owned"]] == [(couple.pk, "1栋 102", None)]
        assert sorted(m["name"] for m in theirs["co_owned"][0]["members"]) == ["钱先生", "钱太太"]
        refused = post(client, f"{url}/ballots", {"voter": couple.pk, "choice": "abstain"})
        assert refused.status_code == 400
        assert refused.json()["detail"]["__all__"] == [
            _("The co-owners of these units vote through the co-owner they designate. Designate one of you first.")
        ]
        named = post(client, f"{url}/voters/{couple.pk}/designate", {"person": w.wife.pk})
        assert named.status_code == 200 and named.json()["designated_id"] is None
        assert client.get(url).json()["co_owned"][0]["you_named"] == w.wife.pk
        both = post(as_(client, w.husband), f"{url}/voters/{couple.pk}/designate", {"person": w.wife.pk})
        assert both.json() == {"voter": couple.pk, "designated_id": w.wife.pk, "designated": "钱太太"}
        assert post(as_(client, w.wife), f"{url}/ballots", {"voter": couple.pk, "choice": "abstain"}).status_code == 201

        # the developer's paper ballot, typed twice
        developer = developer_of(Matter.objects.get(pk=pk))
        typed = post(as_(client, w.community_staff), f"{url}/paper", {"voter": developer.pk, "sheet": "A-1", "choice": "yes"})
        assert typed.status_code == 201 and typed.json()["status"] == "pending" and "choice" not in typed.json()
        assert [e["sheet"] for e in client.get(f"{url}/paper").json()["items"]] == ["A-1"]
        checked = post(as_(client, w.admin), f"{url}/paper", {"voter": developer.pk, "sheet": "A-1", "choice": "yes"})
        assert checked.status_code == 201 and checked.json()["status"] == "matched"
        assert client.get(f"{url}/paper").json()["items"] == []

        owner_view = as_(client, w.resident).get(f"{url}/tally").json()
        assert owner_view["split_shown"] is False and owner_view["tally"]["yes"] is None  # owners see turnout only
        assert owner_view["tally"]["participating"] == {"area": "285.45", "heads": 3}
        live = as_(client, w.community_staff).get(f"{url}/tally")
        assert live.status_code == 200
        live = live.json()
        assert live["published"] is False and live["split_shown"] is True and live["voted"] == 3
        tally = live["tally"]
        assert tally["total"] == {"area": "285.45", "heads": 3}
        assert tally["participating"] == {"area": "285.45", "heads": 3}
        assert tally["yes"] == {"area": "209.35", "heads": 2}
        assert tally["no"] == {"area": "0.00", "heads": 0}
        assert tally["abstain"] == {"area": "76.10", "heads": 1}
        assert tally["quorum"][0] == {
            "measure": "area",
            "part": "285.45",
            "whole": "285.45",
            "threshold": "2/3",
            "strict": False,
            "needed": "190.30",
            "met": True,
            "margin": "95.15",
        }
        assert (tally["quorum"][1]["part"], tally["quorum"][1]["needed"], tally["quorum"][1]["margin"]) == (3, 2, 1)
        area, heads = tally["approval"]
        assert (area["part"], area["whole"], area["threshold"], area["strict"]) == ("209.35", "285.45", "1/2", True)
        assert (area["needed"], area["margin"], area["met"]) == ("142.73", "66.62", True)
        assert (heads["part"], heads["whole"], heads["needed"], heads["margin"], heads["met"]) == (2, 3, 2, 0, True)
        assert tally["quorum_met"] is True and tally["approved"] is True
        assert tally["explanation"] == rules.explain(ledger.current_tally(Matter.objects.get(pk=pk)))
        assert len(tally["explanation"]) == 4
        assert live["with_deemed"] is None
        assert [(b["name"], b["units"], b["area"], b["voted_units"], b["voted_area"], b["share"]) for b in live["turnout"]] == [
            ("1栋", 2, "165.45", 2, "165.45", "100.00%"),
            ("2栋", 1, "120.00", 1, "120.00", "100.00%"),
        ]
        assert all(b["yes"] is None for b in owner_view["turnout"])  # how a building voted: managers of an open ballot
        split = as_(client, w.community_staff).get(f"{url}/tally").json()["turnout"]
        assert (split[0]["yes"], split[0]["no"], split[0]["abstain"]) == ("89.35", "0.00", "76.10")

    with time_machine.travel(closes + timedelta(hours=1), tick=False):
        late = post(as_(client, w.resident), f"{url}/ballots", {"voter": sole.pk, "choice": "no"})
        assert late.status_code == 400 and late.json()["detail"]["__all__"] == [_("Voting on this matter is closed.")]
        as_(client, w.community_staff)
        version = client.get(url).json()["version"]
        closed = post(client, f"{url}/close", {"version": version})
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert post(client, f"{url}/publish", {"version": version}).status_code == 409  # closing moved it on
        published = post(client, f"{url}/publish", {"version": closed.json()["version"]})
        assert published.status_code == 200
        data = published.json()
        assert data["status"] == "published"
        assert data["revocable_until"] == (closes.date() + timedelta(days=365)).isoformat()

        result = as_(client, w.outsider).get(f"{url}/tally").json()  # a published result is public
        assert result["published"] is True and result["voted"] == 3
        assert result["tally"]["yes"] == {"area": "209.35", "heads": 2} and result["tally"]["approved"] is True

        log = as_(client, w.community_staff).get(f"{url}/log").json()
        assert log["count"] == 6
        entries = log["items"]
        assert [e["kind"] for e in entries] == ["open", "ballot", "ballot", "ballot", "ballot", "close"]
        assert [e["choice"] for e in entries] == [None, "no", "yes", "abstain", "yes", None]  # an open ballot
        assert [e["channel"] for e in entries[1:5]] == ["online", "online", "online", "paper"]
        assert [e["voter"] for e in entries[1:5]] == [sole.pk, sole.pk, couple.pk, developer.pk]
        assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries, entries[1:], strict=False))
        head = as_(client, w.resident).get(f"{url}/log/head").json()
        assert head == {"length": 6, "head": entries[-1]["hash"]}
    assert ledger.verify(Matter.objects.get(pk=pk)).ok


# --- who sees what ----------------------------------------------------------------------------------


def test_lists_what_each_may_see_with_filters(client, w):
    draft = make_vote(w)
    noticed = make_vote(w)
    actions.send_notice(noticed, by=w.community_staff, version=None)
    done = make_vote(w)
    Matter.objects.filter(pk=done.pk).update(status="published")

    def ids(person, query=""):
        response = as_(client, person).get(f"/api/votes/{query}")
        assert response.status_code == 200
        return sorted(m["id"] for m in response.json()["items"])

    assert ids(w.community_staff) == sorted([draft.pk, noticed.pk, done.pk])
    assert ids(w.resident) == sorted([noticed.pk, done.pk])  # an owner, once the notice is out
    assert ids(w.resident, "?open=1") == [noticed.pk]
    assert ids(w.community_staff, "?open=1") == [noticed.pk]
    assert ids(w.community_staff, "?status=draft") == [draft.pk]
    assert ids(w.outsider) == [done.pk]  # results are public
    assert ids(w.property_staff) == [done.pk]  # hiring or dismissing their company is one of the matters
    page = as_(client, w.community_staff).get("/api/votes/?limit=1").json()
    assert page["count"] == 3 and len(page["items"]) == 1


def test_outsiders_and_owners_get_404_where_they_have_no_business(client, w):
    matter = open_vote(w)
    url = f"/api/votes/{matter.pk}"
    sole = voter_of(matter, w.resident)
    developer = developer_of(matter)
    for person in (w.outsider, w.property_staff, w.other_staff):
        as_(client, person)
        assert client.get(url).status_code == 404
        assert client.get(f"{url}/tally").status_code == 404
        assert client.get(f"{url}/log/head").status_code == 404
        assert post(client, f"{url}/ballots", {"voter": sole.pk, "choice": "yes"}).status_code == 404
    as_(client, w.resident)
    assert client.get(url).status_code == 200
    for manager_only in ("voters", "log", "paper"):
        assert client.get(f"{url}/{manager_only}").status_code == 404
    assert post(client, f"{url}/paper", {"voter": developer.pk, "sheet": "A-1", "choice": "yes"}).status_code == 404
    assert post(client, f"{url}/close", {}).status_code == 404
    assert post(client, f"{url}/cancel", {"reason": "不想投"}).status_code == 404
    assert post(client, f"{url}/ballots", {"voter": developer.pk, "choice": "yes"}).status_code == 404  # not theirs
    proxy = client.post(
        f"{url}/voters/{developer.pk}/proxy",
        {"proxy": w.resident.pk, "document": SimpleUploadedFile("委托书.pdf", b"%PDF-1.4 signed")},
    )
    assert proxy.status_code == 404
    # another owner's co-owned units: not even their members are told
    couple = voter_of(matter, w.wife)
    assert post(client, f"{url}/voters/{couple.pk}/designate", {"person": w.wife.pk}).status_code == 404
    assert post(client, f"{url}/voters/{couple.pk}/designate", {"person": w.resident.pk}).status_code == 404
    assert client.get("/api/votes/999999").status_code == 404
    assert not Voter.objects.filter(pk=couple.pk, designated__isnull=False).exists()
    assert not ProxyAuthorisation.objects.exists()


def test_rules_broken_answer_400_with_the_actions_message(client, w):
    too_soon = actions.create_matter(
        by=w.community_staff,
        scope=w.compound,
        item=Item.FUND_USE,
        title="太急",
        description="五天后就投票",
        opens_at=local_noon(5),
        closes_at=local_noon(10),
    )
    early = post(as_(client, w.community_staff), f"/api/votes/{too_soon.pk}/notice", {})
    assert early.status_code == 400
    [message] = early.json()["detail"]["__all__"]
    assert actions.earliest_opening(timezone.localdate()).isoformat() in message

    bad = post(
        client,
        "/api/votes/",
        {
            "scope_id": w.compound.pk,
            "item": "party",
            "title": "x",
            "description": "x",
            "opens_at": local_noon(20).isoformat(),
            "closes_at": local_noon(30).isoformat(),
        },
    )
    assert bad.status_code == 400 and bad.json()["detail"]["item"] == [_("Choose one of the matters of Civil Code Art. 278.")]
    backwards = patch(client, f"/api/votes/{too_soon.pk}", {"closes_at": local_noon(1).isoformat()})
    assert backwards.status_code == 400 and backwards.json()["detail"]["closes_at"]
    unknown = patch(client, f"/api/votes/{too_soon.pk}", {"item": "party"})
    assert unknown.status_code == 400 and unknown.json()["detail"]["item"]
    assert Matter.objects.get(pk=too_soon.pk).item == Item.FUND_USE
    no_reason = post(client, f"/api/votes/{too_soon.pk}/cancel", {"reason": " "})
    assert no_reason.status_code == 400 and no_reason.json()["detail"]["reason"]
    cancelled = post(client, f"/api/votes/{too_soon.pk}/cancel", {"reason": "日期定错了", "version": 1})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"

    matter = open_vote(w)
    sole = voter_of(matter, w.resident)
    url = f"/api/votes/{matter.pk}"
    wrong = post(as_(client, w.resident), f"{url}/ballots", {"voter": sole.pk, "choice": "maybe"})
    assert wrong.status_code == 400 and wrong.json()["detail"]["choice"] == [_("Choose agree, disagree or abstain.")]
    again = post(as_(client, w.community_staff), f"{url}/open", {})
    assert again.status_code == 400 and f"“{_('voting open')}”" in again.json()["detail"]["__all__"][0]
    noticed = make_vote(w)
    actions.send_notice(noticed, by=w.community_staff, version=None)
    too_early = post(client, f"/api/votes/{noticed.pk}/open", {})
    when = timezone.localtime(noticed.opens_at).strftime("%Y-%m-%d %H:%M")
    assert too_early.status_code == 400
    assert too_early.json()["detail"]["__all__"] == [_("Voting opens at %(when)s, as the notice said.") % {"when": when}]
    with time_machine.travel(matter.closes_at + timedelta(minutes=1), tick=False):
        late = post(as_(client, w.resident), f"{url}/ballots", {"voter": sole.pk, "choice": "yes"})
        assert late.status_code == 400 and late.json()["detail"]["__all__"] == [_("Voting on this matter is closed.")]
    assert not matter.ballots.exists()


def test_a_stale_version_answers_409(client, w):
    matter = make_vote(w)
    url = f"/api/votes/{matter.pk}"
    as_(client, w.community_staff)
    assert patch(client, url, {"description": "新说明", "version": 1}).status_code == 200
    stale = patch(client, url, {"description": "旧说明", "version": 1})
    assert stale.status_code == 409 and stale.json()["detail"] == str(Conflict.message)
    assert post(client, f"{url}/cancel", {"reason": "重来", "version": 1}).status_code == 409
    assert Matter.objects.get(pk=matter.pk).description == "新说明"
    assert post(client, f"{url}/notice", {"version": 2}).json()["version"] == 3
    with time_machine.travel(matter.opens_at + timedelta(minutes=1), tick=False):
        assert post(as_(client, w.community_staff), f"{url}/open", {"version": 2}).status_code == 409
        assert Matter.objects.get(pk=matter.pk).status == "notified"
        assert post(client, f"{url}/open", {"version": 3}).json()["status"] == "open"


# --- a secret ballot ----------------------------------------------------------------------------------


def test_no_answer_tells_how_anyone_voted_in_a_secret_ballot(client, w):
    matter = open_vote(w, secret=True)
    url = f"/api/votes/{matter.pk}"
    sole, couple, developer = voter_of(matter, w.resident), voter_of(matter, w.wife), developer_of(matter)
    actions.designate(matter, voter=couple, person=w.wife, by=w.community_staff)
    assert post(as_(client, w.resident), f"{url}/ballots", {"voter": sole.pk, "choice": "abstain"}).status_code == 201
    cast = post(as_(client, w.wife), f"{url}/ballots", {"voter": couple.pk, "choice": "no"})
    assert cast.status_code == 201 and choices_in(cast.json()) == []
    typed = post(as_(client, w.community_staff), f"{url}/paper", {"voter": developer.pk, "sheet": "B-7", "choice": "yes"})
    assert typed.status_code == 201 and typed.json()["status"] == "pending" and choices_in(typed.json()) == []
    assert sum(SecretCount.objects.filter(matter=matter).values_list("heads", flat=True)) == 2  # counted, apart from the voters

    # each owner sees their own ballot, and only theirs
    assert choices_in(as_(client, w.resident).get(url).json()) == ["abstain"]
    assert choices_in(client.get(f"{url}/tally").json()) == []
    assert choices_in(client.get(f"{url}/log/head").json()) == []
    assert choices_in(as_(client, w.wife).get(url).json()) == ["no"]
    assert choices_in(as_(client, w.husband).get(url).json()) == []  # his wife votes for both of them

    # managers see who voted, never how
    as_(client, w.community_staff)
    staff_reads = [
        client.get(url),
        client.get(f"{url}/voters"),
        client.get(f"{url}/voters?voted=true"),
        client.get(f"{url}/log"),
        client.get(f"{url}/paper"),
        client.get(f"{url}/tally"),
        client.get("/api/votes/"),
    ]
    for response in staff_reads:
        assert response.status_code == 200
        assert choices_in(response.json()) == [], response.request["PATH_INFO"]
    roll = {v["id"]: v for v in staff_reads[1].json()["items"]}
    assert (roll[sole.pk]["voted"], roll[couple.pk]["voted"], roll[developer.pk]["voted"]) == (True, True, False)
    assert roll[sole.pk]["channel"] == "online" and roll[sole.pk]["choice"] is None
    assert [v["id"] for v in staff_reads[2].json()["items"]] == [sole.pk, couple.pk]
    assert [e["voter"] for e in staff_reads[3].json()["items"] if e["kind"] == "ballot"] == [sole.pk, couple.pk]

    # the count is not split while ballots still come in: the split of a secret ballot waits for the result
    live = staff_reads[5].json()
    assert live["split_shown"] is False and live["voted"] == 2
    assert live["tally"]["participating"] == {"area": "165.45", "heads": 2}
    assert live["tally"]["yes"] is None and live["tally"]["approval"] is None and live["tally"]["approved"] is None
    assert [t["met"] for t in live["tally"]["quorum"]] == [False, True]
    assert len(live["tally"]["explanation"]) == 2
    assert [(b["voted_units"], b["yes"]) for b in live["turnout"]] == [(2, None), (0, None)]

    checked = post(as_(client, w.admin), f"{url}/paper", {"voter": developer.pk, "sheet": "B-7", "choice": "yes"})
    assert checked.json()["status"] == "matched" and choices_in(checked.json()) == []
    with time_machine.travel(matter.closes_at + timedelta(minutes=5), tick=False):
        as_(client, w.community_staff)
        closed = post(client, f"{url}/close", {})
        assert choices_in(client.get(f"{url}/tally").json()) == []  # closed, not yet published
        assert post(client, f"{url}/publish", {"version": closed.json()["version"]}).status_code == 200
        result = client.get(f"{url}/tally").json()
        assert result["split_shown"] is True and result["published"] is True
        assert result["tally"]["yes"] == {"area": "120.00", "heads": 1}
        assert result["tally"]["no"] == {"area": "76.10", "heads": 1}
        assert result["tally"]["approved"] is False
        for path in (url, f"{url}/voters", f"{url}/log"):
            assert choices_in(client.get(path).json()) == [], path
        assert choices_in(as_(client, w.resident).get(url).json()) == ["abstain"]


def test_managers_see_choices_in_an_open_ballot_and_their_reads_are_audited(client, w):
    matter = open_vote(w)
    sole = voter_of(matter, w.resident)
    actions.cast_ballot(matter, voter=sole, choice="no", by=w.resident)
    roll = as_(client, w.community_staff).get(f"/api/votes/{matter.pk}/voters").json()
    assert roll["count"] == 3
    rows = {v["id"]: v for v in roll["items"]}
    assert rows[sole.pk]["choice"] == "no" and rows[sole.pk]["members"] == [
        {"person_id": w.resident.pk, "name": "李居民", "status": "registered"}
    ]
    couple = rows[voter_of(matter, w.wife).pk]
    assert couple["voted"] is False and couple["designated"] is None and len(couple["members"]) == 2
    assert rows[developer_of(matter).pk]["kind"] == "developer" and rows[developer_of(matter).pk]["members"] == []
    assert "13800000001" not in str(roll)  # no mobiles at all
    read = AuditEntry.objects.filter(action="read.api.vote_roll", actor=w.community_staff)
    assert sorted(read.values_list("subject_id", flat=True)) == sorted([w.resident.pk, w.wife.pk, w.husband.pk])
    assert {e.detail["matter"] for e in read} == {matter.pk}
    found = as_(client, w.community_staff).get(f"/api/votes/{matter.pk}/voters?q=钱太太").json()
    assert [v["label"] for v in found["items"]] == ["1栋 102"]


# --- proxies, documents, silent consent ------------------------------------------------------------------------


def test_a_proxy_casts_the_ballot_of_the_voter_they_hold_a_proxy_for(client, w):
    matter = open_vote(w)
    developer = developer_of(matter)
    url = f"/api/votes/{matter.pk}"
    assert as_(client, w.b2_resident).get(url).status_code == 404
    recorded = as_(client, w.community_staff).post(
        f"{url}/voters/{developer.pk}/proxy",
        {"proxy": w.b2_resident.pk, "document": SimpleUploadedFile("委托书.pdf", b"%PDF-1.4 signed"), "note": "开发商授权"},
    )
    assert recorded.status_code == 201
    assert (recorded.json()["voter"], recorded.json()["proxy"], recorded.json()["note"]) == (developer.pk, "赵二栋", "开发商授权")
    missing = client.post(f"{url}/voters/{developer.pk}/proxy", {"proxy": w.b2_resident.pk})
    assert missing.status_code == 422  # the file is required by the schema
    assert ProxyAuthorisation.objects.count() == 1
    detail = as_(client, w.b2_resident).get(url).json()
    assert [(v["id"], v["as_proxy"]) for v in detail["voters"]] == [(developer.pk, True)] and detail["can_cast"] is True
    cast = post(client, f"{url}/ballots", {"voter": developer.pk, "choice": "yes"})
    assert cast.status_code == 201
    assert as_(client, w.community_staff).get(f"{url}/log").json()["items"][-1]["channel"] == "proxy"


def test_documents_are_uploaded_before_voting_and_served_to_those_who_see_the_vote(client, w):
    matter = make_vote(w)
    url = f"/api/votes/{matter.pk}"
    upload = as_(client, w.community_staff).post(
        f"{url}/documents", {"title": "维修方案", "file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan")}
    )
    assert upload.status_code == 201
    document = upload.json()
    assert document["title"] == "维修方案" and document["url"] == f"{url}/documents/{document['id']}"
    assert as_(client, w.resident).get(document["url"]).status_code == 404  # a draft
    actions.send_notice(matter, by=w.community_staff, version=None)
    listed = client.get(url).json()["documents"]
    assert [(d["id"], d["title"]) for d in listed] == [(document["id"], "维修方案")]
    served = client.get(document["url"])
    assert served.status_code == 200 and b"".join(served.streaming_content) == b"%PDF-1.4 plan"
    assert as_(client, w.outsider).get(document["url"]).status_code == 404
    assert (
        as_(client, w.resident).post(f"{url}/documents", {"title": "x", "file": SimpleUploadedFile("x.pdf", b"x")}).status_code
        == 404
    )
    actions.open_voting(matter, now=matter.opens_at)
    late = as_(client, w.community_staff).post(f"{url}/documents", {"title": "补充", "file": SimpleUploadedFile("y.pdf", b"y")})
    assert late.status_code == 400 and late.json()["detail"]["__all__"]


def test_silent_consent_is_recorded_per_compound_and_adds_a_second_tally(client, w):
    url = f"/api/votes/compounds/{w.compound.pk}/silent-consent"
    body = {"clause": "第十二条：未表决的业主视为同意多数意见。", "adopted_on": "2024-05-01"}
    assert put(as_(client, w.resident), url, body).status_code == 404
    assert put(as_(client, w.community_staff), f"/api/votes/compounds/{w.building.pk}/silent-consent", body).status_code == 400
    assert put(client, url, {"clause": " ", "adopted_on": "2024-05-01"}).status_code == 400
    recorded = put(client, url, body)
    assert recorded.status_code == 200
    assert recorded.json()["compound_id"] == w.compound.pk and recorded.json()["adopted_on"] == "2024-05-01"

    matter = open_vote(w)
    actions.cast_ballot(matter, voter=voter_of(matter, w.resident), choice="yes", by=w.resident)
    detail = as_(client, w.resident).get(f"/api/votes/{matter.pk}").json()
    assert detail["silent_consent"] is True and detail["silent_consent_clause"] == body["clause"]
    counted = as_(client, w.community_staff).get(f"/api/votes/{matter.pk}/tally").json()
    assert counted["tally"]["approved"] is False  # a third of the owners took part
    deemed = counted["with_deemed"]
    assert deemed["deemed"] == {"area": "196.10", "heads": 2}
    assert deemed["participating"] == {"area": "89.35", "heads": 1}  # deemed votes never count as taking part
    assert [t["part"] for t in deemed["approval"]] == ["285.45", 3] and deemed["quorum_met"] is False
    assert len(deemed["explanation"]) == 4

    assert as_(client, w.resident).delete(url).status_code == 404
    assert as_(client, w.community_staff).delete(url).status_code == 204
    assert not SilentConsentClause.objects.exists()
    assert as_(client, w.resident).get(f"/api/votes/{matter.pk}").json()["silent_consent"] is True  # kept from opening


# --- a home as business premises (Art 279) -----------------------------------------------------------------


def test_every_interested_owner_must_consent_to_a_change_of_use(client, w):
    Ownership.objects.create(unit=w.unit_b2, person=w.b2_resident)
    asked = post(as_(client, w.resident), "/api/votes/use-changes/", {"unit": w.unit.pk, "purpose": "开一间小卖部"})
    assert asked.status_code == 201
    data = asked.json()
    pk = data["id"]
    url = f"/api/votes/use-changes/{pk}"
    assert data["status"] == "collecting" and data["applicant"] == "李居民" and data["my_answer"] is None
    assert sorted((c["name"], c["basis"], c["answer"]) for c in data["consents"]) == [
        ("钱先生", "same_building", ""),
        ("钱太太", "same_building", ""),
    ]
    assert post(client, "/api/votes/use-changes/", {"unit": w.unit2.pk, "purpose": "不是我的"}).status_code == 404
    assert post(client, "/api/votes/use-changes/", {"unit": w.unit.pk, "purpose": "再来一次"}).status_code == 400

    for person in (w.outsider, w.neighbour, w.b2_resident, w.property_staff):
        assert as_(client, person).get(url).status_code == 404
    assert as_(client, w.b2_resident).get("/api/votes/use-changes/").json()["items"] == []
    assert post(as_(client, w.wife), f"{url}/interested", {"person": w.b2_resident.pk}).status_code == 404
    assert post(client, f"{url}/answer", {"answer": "maybe"}).status_code == 400
    mine = post(client, f"{url}/answer", {"answer": "consent"})
    assert mine.status_code == 200 and mine.json()["my_answer"] == "consent" and mine.json()["status"] == "collecting"

    added = post(as_(client, w.community_staff), f"{url}/interested", {"person": w.b2_resident.pk})
    assert added.status_code == 201
    assert ("赵二栋", "affected") in {(c["name"], c["basis"]) for c in added.json()["consents"]}
    assert AuditEntry.objects.filter(action="read.api.use_change", actor=w.community_staff, subject_id=w.resident.pk).exists()
    assert [r["id"] for r in as_(client, w.b2_resident).get("/api/votes/use-changes/").json()["items"]] == [pk]

    assert post(as_(client, w.husband), f"{url}/answer", {"answer": "consent"}).json()["status"] == "collecting"
    refused = post(as_(client, w.b2_resident), f"{url}/answer", {"answer": "refuse"})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert UseChange.objects.get(pk=pk).status == "refused"  # a majority consented; one refusal is enough
    assert post(as_(client, w.resident), f"{url}/withdraw").status_code == 400
    assert post(as_(client, w.wife), f"{url}/answer", {"answer": "refuse"}).status_code == 400


def test_the_applicant_withdraws_a_request(client, w):
    asked = post(as_(client, w.resident), "/api/votes/use-changes/", {"unit": w.unit.pk, "purpose": "托管班"}).json()
    url = f"/api/votes/use-changes/{asked['id']}"
    assert post(as_(client, w.wife), f"{url}/withdraw").status_code == 404
    withdrawn = post(as_(client, w.resident), f"{url}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    listed = client.get("/api/votes/use-changes/?status=withdrawn").json()["items"]
    assert [r["id"] for r in listed] == [asked["id"]]
