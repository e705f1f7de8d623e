"""Setting a paper typing aside, uploads checked by content, proxies only for recorded owners, the
split shown only once published, the paper consents of owners not recorded (Art 279)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEntry
from places.models import Unit
from tests.conftest import make_person
from tests.test_vote_api import as_, make_vote, open_vote, post
from votes import access, actions, ledger
from votes.models import Ballot, PaperEntry, Status, UseChange, Voter

PDF = b"%PDF-1.4 signed"


@pytest.fixture
def w(electorate):
    return electorate


def test_a_mistyped_sheet_is_set_aside_and_a_new_pair_counts(client, w):
    matter = open_vote(w)
    developer = Voter.objects.get(matter=matter, kind=Voter.Kind.DEVELOPER)
    first = actions.enter_paper_ballot(matter, voter=developer, sheet="7", choice="no", by=w.community_staff)
    url = f"/api/votes/{matter.pk}/paper/{first.pk}/set-aside"
    assert post(as_(client, w.resident), url, {"reason": "typo"}).status_code == 404
    assert post(as_(client, w.community_staff), url, {"reason": " "}).status_code == 400
    answer = post(client, url, {"reason": "typed against the wrong owner"})
    assert answer.status_code == 200 and answer.json()["status"] == PaperEntry.Status.SET_ASIDE
    assert post(client, url, {"reason": "again"}).status_code == 400  # already settled
    assert AuditEntry.objects.filter(action="votes.paper_set_aside").count() == 1
    # the same typist may type the sheet again now; a second person's matching typing counts it
    actions.enter_paper_ballot(matter, voter=developer, sheet="7", choice="yes", by=w.community_staff)
    matched = actions.enter_paper_ballot(matter, voter=developer, sheet="7", choice="yes", by=w.admin)
    assert matched.status == PaperEntry.Status.MATCHED
    assert Ballot.objects.get(voter=developer).choice == "yes"


def test_a_set_aside_from_the_page(client, w):
    matter = open_vote(w)
    developer = Voter.objects.get(matter=matter, kind=Voter.Kind.DEVELOPER)
    entry = actions.enter_paper_ballot(matter, voter=developer, sheet="9", choice="no", by=w.community_staff)
    client.force_login(w.community_staff)
    page = client.get(f"/votes/{matter.pk}/manage/").content.decode()
    assert f"/votes/{matter.pk}/manage/paper/{entry.pk}/set-aside/" in page
    done = client.post(f"/votes/{matter.pk}/manage/paper/{entry.pk}/set-aside/", {"reason": "作废票"})
    assert done.status_code == 302
    entry.refresh_from_db()
    assert entry.status == PaperEntry.Status.SET_ASIDE
    # publication is no longer held up by it
    assert not PaperEntry.objects.filter(matter=matter, status__in=["pending", "mismatch"]).exists()


def test_uploads_are_checked_by_content(w):
    matter = make_vote(w)
    with pytest.raises(ValidationError) as refused:
        actions.add_document(matter, by=w.community_staff, title="方案", file=SimpleUploadedFile("plan.pdf", b"<html>"))
    assert "file" in refused.value.message_dict
    document = actions.add_document(matter, by=w.community_staff, title="方案", file=SimpleUploadedFile("plan", PDF))
    assert document.pk and matter.documents.count() == 1


def test_no_proxy_for_an_owner_nobody_recorded(w):
    Unit.objects.create(building=w.building, label="103", area=Decimal("50.00"), area_source="register")
    matter = open_vote(w)
    unrecorded = Voter.objects.get(matter=matter, kind=Voter.Kind.UNRECORDED)
    scan = SimpleUploadedFile("proxy.pdf", PDF)
    with pytest.raises(ValidationError):
        actions.record_proxy(matter, voter=unrecorded, proxy=w.neighbour, document=scan, by=w.community_staff)
    assert not unrecorded.proxies.exists()


def test_owners_see_how_ballots_split_only_once_published(w):
    matter = open_vote(w)
    assert not access.can_see_split(w.resident, matter)
    assert access.can_see_split(w.community_staff, matter) and access.can_see_split_by_building(w.community_staff, matter)
    assert not access.can_see_split(w.property_staff, matter)
    secret = open_vote(w, secret=True)
    assert not access.can_see_split(w.community_staff, secret)
    secret.status = Status.PUBLISHED
    assert access.can_see_split(w.resident, secret) and not access.can_see_split_by_building(w.community_staff, secret)


def test_a_secret_count_keeps_nothing_per_ballot(w):
    matter = open_vote(w, secret=True)
    sole = Voter.objects.get(matter=matter, designated=w.resident)
    actions.cast_ballot(matter, voter=sole, choice="yes", by=w.resident)
    actions.cast_ballot(matter, voter=sole, choice="no", by=w.resident)
    t = ledger.current_tally(matter)
    assert (t.yes.heads, t.no.heads, t.no.area) == (0, 1, sole.area)
    assert actions.my_choice(sole) == "no"
    assert ledger.verify(matter).ok


def test_owners_not_recorded_give_their_consent_on_paper(client, w):
    # 1栋: 101 the resident asks, 102 the couple; 103 has no owner recorded
    Unit.objects.create(building=w.building, label="103", area=Decimal("50.00"), area_source="register")
    request = actions.request_use_change(unit=w.unit, by=w.resident, purpose="家庭托管班")
    assert request.unrecorded_parts == 1
    for person in (w.wife, w.husband):
        actions.answer_use_change(request, by=person, answer="consent")
    request.refresh_from_db()
    assert request.status == UseChange.Status.COLLECTING  # the owner of 103 has not consented yet
    url = f"/api/votes/use-changes/{request.pk}/paper-consents"
    assert as_(client, w.resident).post(url, {"document": SimpleUploadedFile("c.pdf", PDF)}).status_code == 404
    bad = as_(client, w.community_staff).post(url, {"document": SimpleUploadedFile("c.txt", b"hello")})
    assert bad.status_code == 400
    done = client.post(url, {"document": SimpleUploadedFile("c.pdf", PDF)})
    assert done.status_code == 200 and done.json()["status"] == UseChange.Status.APPROVED
    assert done.json()["paper_consents_attached"] is True


def test_an_owners_committee_member_records_a_proxy_for_a_relative_living_elsewhere(client, w):
    from people.models import Role
    from tests.conftest import grant

    member = make_person("许委员", "13900000021")
    grant(member, Role.OWNERS_COMMITTEE, w.compound)
    matter = open_vote(w)
    couple = Voter.objects.get(matter=matter, members__person=w.wife)
    url = f"/api/votes/{matter.pk}/voters/{couple.pk}/proxy"
    client.force_login(member)
    answer = client.post(url, {"proxy": w.outsider.pk, "document": SimpleUploadedFile("p.pdf", PDF)})
    assert answer.status_code == 201
    assert couple.proxies.get(revoked_at__isnull=True).proxy == w.outsider
    client.force_login(w.property_staff)  # not one who runs votes
    assert client.post(url, {"proxy": w.outsider.pk, "document": SimpleUploadedFile("p.pdf", PDF)}).status_code == 404


def test_a_proxy_does_not_see_the_owners_own_secret_choice(w):
    matter = open_vote(w, secret=True)
    sole = Voter.objects.get(matter=matter, designated=w.resident)
    actions.cast_ballot(matter, voter=sole, choice="no", by=w.resident)
    actions.record_proxy(matter, voter=sole, proxy=w.neighbour, document=SimpleUploadedFile("p.pdf", PDF), by=w.community_staff)
    assert actions.my_choice(sole, w.resident) == "no"
    assert actions.my_choice(sole, w.neighbour) == ""  # cast by the owner, not by the proxy
    actions.cast_ballot(matter, voter=sole, choice="yes", by=w.neighbour)
    assert actions.my_choice(sole, w.neighbour) == "yes"  # the proxy's own ballot
    assert actions.my_choice(sole, w.resident) == "yes"
