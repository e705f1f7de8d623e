"""A published result is public (the board, the page, the PDF); a person's votes in their data download."""

from datetime import timedelta

import pytest
from django.conf import settings

from people import actions as people_actions
from votes import actions
from votes.models import UseChange, Voter

from .test_vote_api import open_vote


@pytest.fixture
def w(electorate):
    return electorate


@pytest.fixture
def published(w):
    matter = open_vote(w)
    sole = Voter.objects.get(matter=matter, designated=w.resident)
    actions.cast_ballot(matter, voter=sole, choice="yes", by=w.resident)
    closed = actions.close_voting(matter, now=matter.closes_at + timedelta(minutes=1))
    return actions.publish_result(closed, by=w.community_staff, version=None)


def test_the_board_shows_published_results_to_anyone(client, w, published):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    board = client.get(f"/votes/board/{w.community.pk}/")
    assert board.status_code == 200
    page = board.content.decode()
    assert published.title in page and "Not approved" in page  # one owner of three took part
    assert f"/votes/{published.pk}/result.pdf" in page
    other = client.get(f"/votes/board/{w.other_community.pk}/").content.decode()
    assert published.title not in other
    result = client.get(f"/votes/{published.pk}/")
    assert result.status_code == 200 and "Participation by area" in result.content.decode()
    pdf = client.get(f"/votes/{published.pk}/result.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_an_unpublished_vote_stays_hidden_from_the_public(client, w):
    matter = open_vote(w)
    for url in (f"/votes/{matter.pk}/", f"/votes/{matter.pk}/result.pdf", "/votes/999999/"):
        response = client.get(url)
        assert response.status_code == 302 and "next=" in response.url  # sign in first; nothing is told
    assert matter.title not in client.get(f"/votes/board/{w.community.pk}/").content.decode()


def test_a_persons_votes_are_in_their_download_and_erasure_keeps_the_record(w, published):
    data = people_actions.export_personal_data(person=w.resident)
    assert [v["vote"] for v in data["owners_votes"]] == [published.pk]
    assert [(b["vote"], b["choice"]) for b in data["ballots"]] == [(published.pk, "yes")]
    request = actions.request_use_change(unit=w.unit, by=w.resident, purpose="托管班")
    people_actions.erase_person(person=w.resident)
    request.refresh_from_db()
    assert request.status == UseChange.Status.WITHDRAWN
    assert Voter.objects.filter(matter=published, designated=w.resident).exists()  # the roll and log stay


def test_the_roll_page_leaves_an_audit_record_of_the_owners_it_names(client, w):
    from core.models import AuditEntry

    matter = open_vote(w)
    client.force_login(w.community_staff)
    assert client.get(f"/votes/{matter.pk}/manage/").status_code == 200
    read = set(AuditEntry.objects.filter(action="read.votes.roll", actor=w.community_staff).values_list("subject_id", flat=True))
    assert {w.resident.pk, w.wife.pk, w.husband.pk} <= read
