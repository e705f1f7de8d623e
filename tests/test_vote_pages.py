"""The owners' vote pages: the list, the matter page (an owner casts and changes their ballot, co-owners
designate, turnout, the published result with its explanation), the managers' page (a new vote, the
notice, opening on time, paper ballots typed twice, proxies, publication), a secret ballot that no page
gives away, 404 for everyone else, a constant number of queries, a compound's silent-consent clause and
the changes of use (Civil Code Art 279)."""

import itertools
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from people.models import Ownership, Role
from places.models import Unit
from tests.conftest import grant, make_person
from votes import actions, queries, rules
from votes.models import (
    Ballot,
    Item,
    LogEntry,
    Matter,
    MatterDocument,
    PaperEntry,
    ProxyAuthorisation,
    SilentConsentClause,
    Status,
    UseChange,
    Voter,
)

_mobiles = itertools.count(13600000500)


@pytest.fixture
def vw(electorate):
    return electorate


def make_matter(w, **extra) -> Matter:
    now = timezone.now()
    params = dict(
        by=w.community_staff,
        scope=w.compound,
        item=Item.FUND_USE,
        title="电梯维修使用维修资金",
        description="更换1栋电梯主机",
        opens_at=now + timedelta(days=17),
        closes_at=now + timedelta(days=27),
    )
    params.update(extra)
    return actions.create_matter(**params)


def open_now(w, matter: Matter) -> Matter:
    """Notice published, then (the 15 days gone by) voting open."""
    if matter.status == Status.DRAFT:
        actions.send_notice(matter, by=w.community_staff, version=None)
    now = timezone.now()
    Matter.objects.filter(pk=matter.pk).update(opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1))
    matter.refresh_from_db()
    return actions.open_voting(matter)


def time_to_close(matter: Matter) -> Matter:
    Matter.objects.filter(pk=matter.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    matter.refresh_from_db()
    return matter


def voter_of(matter: Matter, person) -> Voter:
    return Voter.objects.get(matter=matter, members__person=person)


def developer(matter: Matter) -> Voter:
    return Voter.objects.get(matter=matter, kind=Voter.Kind.DEVELOPER)


def body(response) -> str:
    return response.content.decode()


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def step(client, matter: Matter, op: str, **extra):
    version = Matter.objects.get(pk=matter.pk).version
    return client.post(reverse("votes:step", args=[matter.pk]), {"op": op, "version": version, **extra})


# --- addresses ---------------------------------------------------------------------------------------------


def test_the_urls_keep_their_names_and_paths():
    assert reverse("votes:index") == "/votes/"
    assert reverse("votes:new") == "/votes/new/"
    assert reverse("votes:matter", args=[7]) == "/votes/7/"
    assert reverse("votes:manage", args=[7]) == "/votes/7/manage/"
    assert reverse("votes:result-pdf", args=[7]) == "/votes/7/result.pdf"
    assert reverse("votes:silent-consent", args=[7]) == "/votes/compounds/7/silent-consent/"
    assert reverse("votes:use-changes") == "/votes/use-changes/"
    assert reverse("votes:use-change-new") == "/votes/use-changes/new/"
    assert reverse("votes:use-change", args=[7]) == "/votes/use-changes/7/"


def test_the_pages_need_signing_in(client, vw):
    matter = make_matter(vw)
    for url in (reverse("votes:index"), reverse("votes:matter", args=[matter.pk]), reverse("votes:use-changes")):
        response = client.get(url)
        assert response.status_code == 302 and "next=" in response.url


def test_the_navigation_links_to_the_votes(client, vw):
    client.force_login(vw.resident)
    assert 'href="/votes/"' in body(client.get("/"))


# --- the owner -----------------------------------------------------------------------------------------------


def test_an_owner_sees_casts_and_changes_their_vote_from_the_page(client, vw):
    matter = open_now(vw, make_matter(vw))
    client.force_login(vw.resident)
    english(client)

    listing = body(client.get(reverse("votes:index")))
    assert reverse("votes:matter", args=[matter.pk]) in listing
    assert "item 5" in listing  # Art 278(1) item 5: using the maintenance fund

    url = reverse("votes:matter", args=[matter.pk])
    page = body(client.get(url))
    assert "1栋 101" in page and "89.35 m²" in page
    assert "Not voted yet." in page
    assert 'name="choice" value="yes"' in page and 'name="choice" value="no"' in page and 'name="choice" value="abstain"' in page
    assert matter.publish_by.isoformat() in page  # the result is due within 7 days of closing
    mine = voter_of(matter, vw.resident)

    response = client.post(reverse("votes:cast", args=[matter.pk]), {"voter": mine.pk, "choice": "yes"})
    assert response.status_code == 302 and response["Location"] == f"{url}#ballot"
    page = body(client.get(url))
    assert re.search(r"Your ballot counts as:\s*<strong>agree</strong>", page)
    assert "1 of 3 owners have voted" in page

    client.post(reverse("votes:cast", args=[matter.pk]), {"voter": mine.pk, "choice": "no"})
    page = body(client.get(url))
    assert re.search(r"Your ballot counts as:\s*<strong>disagree</strong>", page)
    ballot = Ballot.objects.get(voter=mine)
    assert (ballot.choice, ballot.times) == ("no", 2)
    assert LogEntry.objects.filter(matter=matter, kind=LogEntry.Kind.BALLOT).count() == 2
    assert "1 of 3 owners have voted" in page


def test_a_ballot_for_someone_elses_units_is_refused(client, vw):
    matter = open_now(vw, make_matter(vw))
    client.force_login(vw.resident)
    response = client.post(reverse("votes:cast", args=[matter.pk]), {"voter": developer(matter).pk, "choice": "yes"})
    assert response.status_code == 400
    assert not Ballot.objects.exists()


def test_the_ballot_form_goes_once_voting_closes(client, vw):
    matter = time_to_close(open_now(vw, make_matter(vw)))
    client.force_login(vw.resident)
    english(client)
    page = body(client.get(reverse("votes:matter", args=[matter.pk])))
    assert 'name="choice"' not in page
    response = client.post(reverse("votes:cast", args=[matter.pk]), {"voter": voter_of(matter, vw.resident).pk, "choice": "yes"})
    assert response.status_code == 400
    assert "Voting on this matter is closed." in body(response)
    assert not Ballot.objects.exists()


def test_a_co_owner_designates_and_then_votes(client, vw):
    matter = open_now(vw, make_matter(vw))
    couple = voter_of(matter, vw.wife)
    url = reverse("votes:matter", args=[matter.pk])
    client.force_login(vw.wife)
    english(client)
    page = body(client.get(url))
    assert f'id="designate-{couple.pk}"' in page and "through the co-owner they designate" in page
    assert 'name="choice"' not in page  # not designated yet: no ballot

    response = client.post(reverse("votes:designate", args=[matter.pk]), {"voter": couple.pk, "person": vw.wife.pk}, follow=True)
    assert "You named 钱太太" in body(response)
    couple.refresh_from_db()
    assert couple.designated_id is None

    client.force_login(vw.husband)
    english(client)
    response = client.post(reverse("votes:designate", args=[matter.pk]), {"voter": couple.pk, "person": vw.wife.pk}, follow=True)
    assert "钱太太 now casts the ballot" in body(response)
    couple.refresh_from_db()
    assert couple.designated_id == vw.wife.pk
    assert "钱太太 casts the ballot for these units." in body(client.get(url))

    client.force_login(vw.wife)
    assert 'name="choice" value="yes"' in body(client.get(url))
    client.post(reverse("votes:cast", args=[matter.pk]), {"voter": couple.pk, "choice": "abstain"})
    assert Ballot.objects.filter(voter=couple).exists()


def test_only_a_co_owner_can_be_designated(client, vw):
    matter = open_now(vw, make_matter(vw))
    couple = voter_of(matter, vw.wife)
    client.force_login(vw.wife)
    response = client.post(reverse("votes:designate", args=[matter.pk]), {"voter": couple.pk, "person": vw.resident.pk})
    assert response.status_code == 400
    couple.refresh_from_db()
    assert couple.designated_id is None


# --- the manager ---------------------------------------------------------------------------------------------


def test_a_manager_creates_notices_opens_enters_paper_ballots_twice_and_publishes(client, vw):
    client.force_login(vw.community_staff)
    english(client)
    chooser = body(client.get(reverse("votes:new")))
    assert f"?compound={vw.compound.pk}" in chooser
    assert vw.other_compound.name not in chooser
    form_url = f"{reverse('votes:new')}?compound={vw.compound.pk}"
    page = body(client.get(form_url))
    assert vw.building.name in page and "raising the maintenance fund (3/4)" in page

    opens = (timezone.localtime() + timedelta(days=17)).replace(second=0, microsecond=0)
    response = client.post(
        form_url,
        {
            "scope": vw.compound.pk,
            "item": Item.FUND_USE,
            "title": "电梯维修使用维修资金",
            "description": "更换1栋电梯主机，报价见附件",
            "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    matter = Matter.objects.get()
    manage = reverse("votes:manage", args=[matter.pk])
    assert response.status_code == 302 and response["Location"] == manage
    assert (matter.status, matter.compound_id, matter.secret) == (Status.DRAFT, vw.compound.pk, False)

    upload = SimpleUploadedFile("quote.pdf", b"%PDF-1.4 quote", content_type="application/pdf")
    client.post(reverse("votes:add-document", args=[matter.pk]), {"title": "维修报价", "file": upload})
    doc = MatterDocument.objects.get(matter=matter)

    assert step(client, matter, "notice").status_code == 302
    matter.refresh_from_db()
    assert matter.status == Status.NOTIFIED

    # Too early: the clear reason on the form, nothing changed.
    response = step(client, matter, "open")
    assert response.status_code == 400
    assert "Voting opens at" in body(response) and "as the notice said" in body(response)
    matter.refresh_from_db()
    assert matter.status == Status.NOTIFIED and not Voter.objects.filter(matter=matter).exists()

    # The day comes.
    Matter.objects.filter(pk=matter.pk).update(opens_at=timezone.now() - timedelta(minutes=1))
    assert step(client, matter, "open").status_code == 302
    matter.refresh_from_db()
    assert matter.status == Status.OPEN and matter.total_heads == 3

    # The developer's paper ballot, typed by two people.
    dev = developer(matter)
    paper = reverse("votes:paper", args=[matter.pk])
    response = client.post(paper, {"voter": "2栋 201", "sheet": "A-1", "choice": "yes"}, follow=True)
    assert "A second person must type this sheet" in body(response)
    assert PaperEntry.objects.get().status == PaperEntry.Status.PENDING
    # The same person typing it again is refused.
    response = client.post(paper, {"voter": f"#{dev.pk}", "sheet": "A-1", "choice": "yes"})
    assert response.status_code == 400 and "Another person must type it" in body(response)
    page = body(client.get(manage))
    assert 'id="paper-queue"' in page and "A-1" in page

    client.force_login(vw.admin)
    english(client)
    response = client.post(paper, {"voter": f"#{dev.pk}", "sheet": "A-1", "choice": "yes"}, follow=True)
    assert "the ballot is counted" in body(response)
    assert Ballot.objects.get(voter=dev).channel == "paper"

    client.force_login(vw.resident)
    client.post(reverse("votes:cast", args=[matter.pk]), {"voter": voter_of(matter, vw.resident).pk, "choice": "yes"})

    client.force_login(vw.community_staff)
    english(client)
    page = body(client.get(manage))
    assert 'class="choice"' in page  # an open ballot: managers see how each voted
    assert body(client.get(f"{manage}?voted=no")).count('id="voter-') == 1

    time_to_close(matter)
    assert step(client, matter, "close").status_code == 302
    response = step(client, matter, "publish")
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.status == Status.PUBLISHED and matter.result["tally"]["approved"] is True

    client.force_login(vw.resident)
    english(client)
    page = body(client.get(reverse("votes:matter", args=[matter.pk])))
    assert "Participation by headcount: 2 owners of 3 owners" in page
    assert matter.log_head[:16] in page and matter.log_head[48:] in page
    assert matter.revocable_until.isoformat() in page and "people's court to revoke it" in page
    assert reverse("votes:document", args=[matter.pk, doc.pk]) in page
    assert client.get(reverse("votes:document", args=[matter.pk, doc.pk])).status_code == 200


def test_the_result_page_shows_the_explanation_of_each_test(client, vw):
    matter = open_now(vw, make_matter(vw, item=Item.REBUILD))
    actions.cast_ballot(matter, voter=voter_of(matter, vw.resident), choice="yes", by=vw.resident)
    actions.designate(matter, voter=voter_of(matter, vw.wife), person=vw.wife, by=vw.community_staff)
    actions.cast_ballot(matter, voter=voter_of(matter, vw.wife), choice="no", by=vw.wife)
    closed = actions.close_voting(time_to_close(matter))
    published = actions.publish_result(closed, by=vw.community_staff, version=None)
    client.force_login(vw.neighbour)  # lives in the compound, owns nothing: a published result is public
    english(client)
    page = body(client.get(reverse("votes:matter", args=[matter.pk])))
    with translation.override("en"):
        lines = rules.explain(queries.tally_or_result(published)[0])
    assert len(lines) == 4
    for line in lines:
        assert line.replace("'", "&#x27;") in page
    assert "Approval by area" in page and "at least 3/4" in page and "Not approved" in page
    assert "3/4</span>" in page  # the special-item marker


def test_a_result_published_late_is_flagged_to_the_manager(client, vw):
    matter = actions.close_voting(time_to_close(open_now(vw, make_matter(vw))))
    Matter.objects.filter(pk=matter.pk).update(closed_at=timezone.now() - timedelta(days=9))
    client.force_login(vw.community_staff)
    english(client)
    assert "The result was due by" in body(client.get(reverse("votes:manage", args=[matter.pk])))


def test_a_stale_page_is_a_conflict_and_changes_nothing(client, vw):
    matter = make_matter(vw)
    client.force_login(vw.community_staff)
    response = client.post(reverse("votes:step", args=[matter.pk]), {"op": "notice", "version": matter.version + 5})
    assert response.status_code == 409
    matter.refresh_from_db()
    assert matter.status == Status.DRAFT


def test_a_manager_edits_the_draft_and_cancels_with_a_reason(client, vw):
    matter = make_matter(vw)
    client.force_login(vw.community_staff)
    english(client)
    opens = timezone.localtime(matter.opens_at)
    response = client.post(
        reverse("votes:edit", args=[matter.pk]),
        {
            "item": Item.REBUILD,
            "title": "1栋大堂改造",
            "description": "改造大堂",
            "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "secret": "on",
            "version": matter.version,
        },
    )
    assert response.status_code == 400 and "Voting must close after it opens." in body(response)
    response = client.post(
        reverse("votes:edit", args=[matter.pk]),
        {
            "item": Item.REBUILD,
            "title": "1栋大堂改造",
            "description": "改造大堂",
            "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "secret": "on",
            "version": matter.version,
        },
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    assert (matter.title, matter.item, matter.secret) == ("1栋大堂改造", Item.REBUILD, True)

    response = step(client, matter, "cancel", reason="")
    assert response.status_code == 400 and "Say why the vote is cancelled." in body(response)
    assert step(client, matter, "cancel", reason="方案需要重新报价").status_code == 302
    matter.refresh_from_db()
    assert matter.status == Status.CANCELLED and matter.cancel_reason == "方案需要重新报价"


def test_a_vote_from_a_consultation_topic_starts_with_the_topic(client, vw):
    from deliberation import actions as topic_actions
    from deliberation.models import Source

    topic = topic_actions.raise_topic(
        proposer=vw.resident, community=vw.community, title="加装电梯", description="1栋想加装电梯", source=Source.RESIDENT
    )
    client.force_login(vw.community_staff)
    chooser = body(client.get(f"{reverse('votes:new')}?topic={topic.pk}"))
    assert f"?compound={vw.compound.pk}&amp;topic={topic.pk}" in chooser
    response = client.get(f"{reverse('votes:new')}?compound={vw.compound.pk}&topic={topic.pk}")
    form = response.context["form"]
    assert form.initial["title"] == "加装电梯" and form.initial["topic"] == topic.pk
    opens = timezone.localtime() + timedelta(days=20)
    client.post(
        f"{reverse('votes:new')}?compound={vw.compound.pk}&topic={topic.pk}",
        {
            "scope": vw.building.pk,
            "item": Item.REBUILD,
            "title": "1栋加装电梯",
            "description": "1栋想加装电梯",
            "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
            "topic": topic.pk,
        },
    )
    matter = Matter.objects.get()
    assert (matter.topic_id, matter.scope_id, matter.compound_id) == (topic.pk, vw.building.pk, vw.compound.pk)


def test_a_proxy_is_recorded_and_casts_for_the_owner(client, vw):
    matter = open_now(vw, make_matter(vw))
    mine = voter_of(matter, vw.resident)
    client.force_login(vw.community_staff)
    english(client)
    scan = SimpleUploadedFile("authorisation.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    response = client.post(
        reverse("votes:proxy", args=[matter.pk]), {"voter": "1栋 101", "mobile": "13800000003", "document": scan}, follow=True
    )
    assert "赵二栋 holds the proxy for 1栋 101" in body(response)
    authorisation = ProxyAuthorisation.objects.get()
    assert authorisation.proxy_id == vw.b2_resident.pk
    document = reverse("votes:proxy-document", args=[matter.pk, authorisation.pk])
    assert document in body(response)
    assert client.get(document).status_code == 200

    client.force_login(vw.b2_resident)
    english(client)
    assert client.get(document).status_code == 404  # the scan is for the managers
    page = body(client.get(reverse("votes:matter", args=[matter.pk])))
    assert "as proxy" in page and f'value="{mine.pk}"' in page
    client.post(reverse("votes:cast", args=[matter.pk]), {"voter": mine.pk, "choice": "yes"})
    assert Ballot.objects.get(voter=mine).channel == "proxy"


def test_a_manager_records_a_co_owners_designation_on_the_roll(client, vw):
    matter = open_now(vw, make_matter(vw))
    couple = voter_of(matter, vw.wife)
    client.force_login(vw.community_staff)
    page = body(client.get(reverse("votes:manage", args=[matter.pk])))
    assert reverse("votes:manage-designate", args=[matter.pk]) in page
    client.post(reverse("votes:manage-designate", args=[matter.pk]), {"voter": couple.pk, "person": vw.husband.pk})
    couple.refresh_from_db()
    assert couple.designated_id == vw.husband.pk


def test_the_roll_is_searched(client, vw):
    matter = open_now(vw, make_matter(vw))
    client.force_login(vw.community_staff)
    page = body(client.get(reverse("votes:manage", args=[matter.pk]) + "?q=钱太太"))
    assert page.count('id="voter-') == 1 and "1栋 102" in page


# --- a secret ballot -------------------------------------------------------------------------------------------

CHOICE_WORDS = re.compile(r"\b(abstain|disagree)\b", re.IGNORECASE)


def _outside_forms(html: str) -> str:
    return re.sub(r"<form\b.*?</form>", "", html, flags=re.DOTALL)


def test_no_page_of_a_secret_ballot_shows_anyone_elses_choice(client, vw):
    matter = open_now(vw, make_matter(vw, secret=True))
    actions.cast_ballot(matter, voter=voter_of(matter, vw.resident), choice="abstain", by=vw.resident)
    actions.enter_paper_ballot(matter, voter=developer(matter), sheet="B-7", choice="no", by=vw.admin)

    client.force_login(vw.community_staff)
    english(client)
    manage = reverse("votes:manage", args=[matter.pk])
    urls = [
        reverse("votes:index"),
        reverse("votes:matter", args=[matter.pk]),
        manage,
        f"{manage}?voted=yes",
        f"{manage}?q=101",
        reverse("votes:silent-consent", args=[vw.compound.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = _outside_forms(body(response))
        assert not CHOICE_WORDS.search(page), url
        assert 'class="choice"' not in page, url
    # who voted is shown, how is not
    assert "voted" in _outside_forms(body(client.get(f"{manage}?voted=yes")))

    # After closing and publication, the roll still shows nobody's choice.
    actions.enter_paper_ballot(matter, voter=developer(matter), sheet="B-7", choice="no", by=vw.community_staff)
    actions.publish_result(actions.close_voting(time_to_close(matter)), by=vw.community_staff, version=None)
    page = body(client.get(manage))
    for voter in Voter.objects.filter(matter=matter):
        row = re.search(rf'<li id="voter-{voter.pk}">.*?</li>', page, re.DOTALL).group(0)
        assert not CHOICE_WORDS.search(_outside_forms(row)) and not re.search(r"\bagree\b", row, re.IGNORECASE)

    # The owner still sees their own choice.
    client.force_login(vw.resident)
    english(client)
    page = body(client.get(reverse("votes:matter", args=[matter.pk])))
    assert re.search(r"Your ballot counts as:\s*<strong>abstain</strong>", page)


# --- who sees what ---------------------------------------------------------------------------------------------


def test_outsiders_get_404(client, vw):
    matter = open_now(vw, make_matter(vw))
    draft = make_matter(vw, title="草稿")
    mine = voter_of(matter, vw.resident)
    for person in (vw.outsider, vw.other_staff):
        client.force_login(person)
        for url in (
            reverse("votes:matter", args=[matter.pk]),
            reverse("votes:manage", args=[matter.pk]),
            reverse("votes:matter", args=[draft.pk]),
            reverse("votes:silent-consent", args=[vw.compound.pk]),
            f"{reverse('votes:new')}?compound={vw.compound.pk}",
        ):
            assert client.get(url).status_code == 404, (person.name, url)
        assert client.post(reverse("votes:cast", args=[matter.pk]), {"voter": mine.pk, "choice": "no"}).status_code == 404
    # owners and staff without the managers' roles do not run the vote
    for person in (vw.resident, vw.property_staff, vw.building_leader):
        client.force_login(person)
        assert client.get(reverse("votes:manage", args=[matter.pk])).status_code == 404
        assert step(client, matter, "close").status_code == 404
        assert client.get(reverse("votes:new")).status_code == 404
    # an owner never sees a draft
    client.force_login(vw.resident)
    assert client.get(reverse("votes:matter", args=[draft.pk])).status_code == 404
    assert not Ballot.objects.exists()


# --- a constant number of queries ---------------------------------------------------------------------------


def _grow(w, n: int) -> None:
    for _ in range(n):
        i = next(_mobiles)
        unit = Unit.objects.create(building=w.building, label=f"U{i}", area=Decimal("66.60"), area_source="survey")
        Ownership.objects.create(unit=unit, person=make_person(f"业主{i}", None))


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _voting(w, title: str) -> Matter:
    matter = open_now(w, make_matter(w, title=title))
    actions.cast_ballot(matter, voter=voter_of(matter, w.resident), choice="yes", by=w.resident)
    for voter in Voter.objects.filter(matter=matter, designated__isnull=False).exclude(designated=w.resident)[:3]:
        actions.cast_ballot(matter, voter=voter, choice="no", by=voter.designated)
    return matter


def test_the_matter_page_and_the_list_cost_the_same_queries_whatever_the_electorate(client, vw):
    _grow(vw, 5)
    small = _voting(vw, "小")
    client.force_login(vw.resident)
    _count(client, reverse("votes:index"))
    few = [_count(client, reverse("votes:matter", args=[small.pk])), _count(client, reverse("votes:index"))]
    client.force_login(vw.community_staff)
    few.append(_count(client, reverse("votes:manage", args=[small.pk])))

    _grow(vw, 35)
    large = _voting(vw, "大")
    assert Voter.objects.filter(matter=large).count() == Voter.objects.filter(matter=small).count() + 35
    client.force_login(vw.resident)
    many = [_count(client, reverse("votes:matter", args=[large.pk])), _count(client, reverse("votes:index"))]
    client.force_login(vw.community_staff)
    many.append(_count(client, reverse("votes:manage", args=[large.pk])))
    assert many == few


# --- silent consent ----------------------------------------------------------------------------------------------


def test_a_manager_records_the_silent_consent_clause_and_results_show_a_second_tally(client, vw):
    url = reverse("votes:silent-consent", args=[vw.compound.pk])
    client.force_login(vw.community_staff)
    english(client)
    response = client.post(url, {"op": "record", "clause": "", "adopted_on": "2024-05-01"})
    assert response.status_code == 400
    clause = "第十二条 业主未在规定时间内表决的，视为同意多数业主意见。"
    client.post(url, {"op": "record", "clause": clause, "adopted_on": "2024-05-01"})
    assert SilentConsentClause.objects.get(compound=vw.compound).clause.startswith("第十二条")

    matter = open_now(vw, make_matter(vw))
    actions.cast_ballot(matter, voter=voter_of(matter, vw.resident), choice="yes", by=vw.resident)
    actions.publish_result(actions.close_voting(time_to_close(matter)), by=vw.community_staff, version=None)
    client.force_login(vw.resident)
    english(client)
    page = body(client.get(reverse("votes:matter", args=[matter.pk])))
    assert 'id="silent-consent"' in page and "Courts may not accept" in page and "第十二条" in page
    assert "Did not vote, counted as agreeing" in page

    client.force_login(vw.community_staff)
    client.post(url, {"op": "remove"})
    assert not SilentConsentClause.objects.exists()


# --- changes of use (Civil Code Art 279) --------------------------------------------------------------------------


def test_a_home_becomes_business_premises_only_with_every_interested_owners_consent(client, vw):
    client.force_login(vw.resident)
    english(client)
    assert "1栋 101" in body(client.get(reverse("votes:use-change-new")))
    response = client.post(reverse("votes:use-change-new"), {"unit": vw.unit.pk, "purpose": "开设小型托管班"})
    request = UseChange.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("votes:use-change", args=[request.pk])
    assert set(request.consents.values_list("person_id", flat=True)) == {vw.wife.pk, vw.husband.pk}

    client.force_login(vw.wife)
    english(client)
    assert reverse("votes:use-change", args=[request.pk]) in body(client.get(reverse("votes:use-changes")))
    page = body(client.get(reverse("votes:use-change", args=[request.pk])))
    assert 'value="consent"' in page and "开设小型托管班" in page
    client.post(reverse("votes:use-change-answer", args=[request.pk]), {"answer": "consent"})

    client.force_login(vw.community_staff)  # an owner in another building showed an adverse effect
    Ownership.objects.create(unit=vw.unit_b2, person=vw.b2_resident)
    client.post(reverse("votes:use-change-add", args=[request.pk]), {"mobile": "13800000003"})
    assert request.consents.count() == 3

    client.force_login(vw.husband)
    client.post(reverse("votes:use-change-answer", args=[request.pk]), {"answer": "refuse"})
    request.refresh_from_db()
    assert request.status == UseChange.Status.REFUSED
    client.force_login(vw.outsider)
    assert client.get(reverse("votes:use-change", args=[request.pk])).status_code == 404


def test_the_applicant_withdraws(client, vw):
    client.force_login(vw.resident)
    client.post(reverse("votes:use-change-new"), {"unit": vw.unit.pk, "purpose": "开设工作室"})
    request = UseChange.objects.get()
    client.force_login(vw.wife)
    assert client.post(reverse("votes:use-change-withdraw", args=[request.pk])).status_code == 404
    client.force_login(vw.resident)
    assert client.post(reverse("votes:use-change-withdraw", args=[request.pk])).status_code == 302
    request.refresh_from_db()
    assert request.status == UseChange.Status.WITHDRAWN


# --- the result notice -----------------------------------------------------------------------------------------------


def test_the_result_notice_pdf_once_published(client, vw):
    pytest.importorskip("votes.documents")
    matter = open_now(vw, make_matter(vw))
    client.force_login(vw.resident)
    assert client.get(reverse("votes:result-pdf", args=[matter.pk])).status_code == 404
    actions.publish_result(actions.close_voting(time_to_close(matter)), by=vw.community_staff, version=None)
    response = client.get(reverse("votes:result-pdf", args=[matter.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_an_owners_committee_member_runs_a_vote(client, vw):
    grant(vw.resident, Role.OWNERS_COMMITTEE, vw.compound)
    matter = make_matter(vw)
    client.force_login(vw.resident)
    assert client.get(reverse("votes:manage", args=[matter.pk])).status_code == 200
