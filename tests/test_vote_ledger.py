"""The hash-chained ballot log (``votes.ledger``): ``verify`` passes on an untouched log and names each
kind of tampering; ``verify_vote`` fails loudly; a secret ballot keeps no plain choice; a changed vote
keeps every cast; paper ballots are typed twice and count only when two typings match."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from people.models import Ownership, Role
from places.models import Unit
from tests.conftest import grant, make_person
from votes import actions, ledger
from votes.models import Ballot, Choice, Item, LogEntry, Matter, PaperEntry, SecretCount, Status, Voter, VoterMember, VoterUnit

D = Decimal

ALTERED = "entry {} was altered (its hash does not match its contents)"
HEAD = "the log's head kept with the vote does not match its last entry (entries removed or added)"
ROLL = "the electorate differs from the one frozen when voting opened"
CURRENT = "the ballots counted now differ from the recount of the log"
PUBLISHED = "the published result differs from the recount of the log"
GONE = "the log entry the published result was counted from is gone"


def open_vote(world, *, secret=False, item=Item.FUND_USE) -> Matter:
    now = timezone.now()
    matter = actions.create_matter(
        by=world.community_staff,
        scope=world.compound,
        item=item,
        title="电梯维修使用维修资金",
        description="更换1栋电梯主机",
        opens_at=now + timedelta(days=17),
        closes_at=now + timedelta(days=27),
        secret=secret,
    )
    actions.send_notice(matter, by=world.community_staff, version=None)
    matter.refresh_from_db()
    return actions.open_voting(matter, now=matter.opens_at)


@pytest.fixture
def owners(world):
    """101 (resident, 89.35 m²), 102 (王业主, 76.10), 201 (赵二栋, 120.00), 103 (owner not recorded, 50.00)."""
    world.owner2 = make_person("王业主", "13800000031")
    Ownership.objects.create(unit=world.unit2, person=world.owner2)
    Ownership.objects.create(unit=world.unit_b2, person=world.b2_resident)
    world.unit3 = Unit.objects.create(building=world.building, label="103", area=D("50.00"), area_source="register")
    return world


def voters_of(matter, world) -> dict[str, Voter]:
    return {
        name: Voter.objects.get(matter=matter, units__unit=unit)
        for name, unit in (("resident", world.unit), ("owner2", world.unit2), ("b2", world.unit_b2), ("none", world.unit3))
    }


@pytest.fixture
def published(owners):
    """A vote with a changed ballot and a paper ballot, closed and published. Its log:
    1 open, 2 resident yes, 3 resident no, 4 王业主 no, 5 resident yes, 6 paper 201 yes, 7 close."""
    world = owners
    matter = open_vote(world)
    v = voters_of(matter, world)
    t0 = matter.opens_at
    actions.cast_ballot(matter, voter=v["resident"], choice="yes", by=world.resident, now=t0 + timedelta(minutes=1))
    actions.cast_ballot(matter, voter=v["resident"], choice="no", by=world.resident, now=t0 + timedelta(minutes=2))
    actions.cast_ballot(matter, voter=v["owner2"], choice="no", by=world.owner2, now=t0 + timedelta(minutes=3))
    actions.cast_ballot(matter, voter=v["resident"], choice="yes", by=world.resident, now=t0 + timedelta(minutes=4))
    actions.enter_paper_ballot(
        matter, voter=v["b2"], sheet="P-1", choice="yes", by=world.community_staff, now=t0 + timedelta(minutes=5)
    )
    actions.enter_paper_ballot(matter, voter=v["b2"], sheet="P-1", choice="yes", by=world.admin, now=t0 + timedelta(minutes=5))
    matter = actions.close_voting(matter, now=matter.closes_at)
    matter = actions.publish_result(matter, by=world.community_staff, version=None)
    world.matter, world.v = matter, v
    return world


def fresh(matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


def problems(matter) -> list[str]:
    return ledger.verify(fresh(matter)).problems


def test_an_untouched_log_verifies(published):
    matter = fresh(published.matter)
    check = ledger.verify(matter)
    assert check.ok and check.problems == []
    assert check.entries == 7
    entries = list(LogEntry.objects.filter(matter=matter).order_by("seq"))
    assert [(e.seq, e.kind, e.choice) for e in entries] == [
        (1, "open", ""),
        (2, "ballot", "yes"),
        (3, "ballot", "no"),
        (4, "ballot", "no"),
        (5, "ballot", "yes"),
        (6, "ballot", "yes"),
        (7, "close", ""),
    ]
    assert entries[0].prev_hash == ledger.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert all(ledger.entry_hash(e) == e.hash for e in entries)
    assert (matter.log_length, matter.log_head) == (7, entries[-1].hash)
    assert entries[0].detail == matter.roll_digest
    assert entries[-1].detail == entries[-2].hash  # the close entry names the head it closed
    assert matter.result["log_head"] == entries[-1].hash
    # yes: 101 + 201; no: 102; 103 did not vote
    assert check.tally.as_dict() == matter.result["tally"]
    assert matter.result["tally"]["yes"] == {"area": "209.35", "heads": 2}
    assert matter.result["tally"]["no"] == {"area": "76.10", "heads": 1}
    assert matter.result["tally"]["total"] == {"area": "335.45", "heads": 4}
    assert matter.result["tally"]["approved"] is True
    paper = entries[5]
    assert (paper.channel, paper.cast_by_id, paper.checked_by_id) == ("paper", published.community_staff.pk, published.admin.pk)


def test_an_altered_choice_is_found(published):
    LogEntry.objects.filter(matter=published.matter, seq=4).update(choice="yes")
    assert problems(published.matter) == [ALTERED.format(4), CURRENT, PUBLISHED]


def test_an_altered_time_is_found(published):
    entry = LogEntry.objects.get(matter=published.matter, seq=3)
    LogEntry.objects.filter(pk=entry.pk).update(at=entry.at + timedelta(seconds=1))
    assert problems(published.matter) == [ALTERED.format(3)]


def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link(published):
    entry = LogEntry.objects.get(matter=published.matter, seq=4)
    entry.choice = "yes"
    LogEntry.objects.filter(pk=entry.pk).update(choice="yes", hash=ledger.entry_hash(entry))
    assert problems(published.matter) == ["entry 5 does not follow entry 4 (previous hash differs)", CURRENT, PUBLISHED]


def test_a_deleted_entry_leaves_a_gap(published):
    LogEntry.objects.filter(matter=published.matter, seq=3).delete()  # a superseded ballot: the count is the same
    assert problems(published.matter) == ["entry 3 is missing (found 4 in its place)"]


def test_a_deleted_counting_entry_leaves_a_gap_and_changes_the_count(published):
    LogEntry.objects.filter(matter=published.matter, seq=5).delete()  # the resident's last ballot: "no" counts again
    assert problems(published.matter) == ["entry 5 is missing (found 6 in its place)", CURRENT, PUBLISHED]


def test_a_deleted_last_entry_is_found_by_the_head(published):
    LogEntry.objects.filter(matter=published.matter, seq=7).delete()
    assert problems(published.matter) == [HEAD, GONE]


def forge(matter, voter, choice) -> LogEntry:
    """A well-formed entry appended behind the application's back, hash and link computed correctly."""
    last = LogEntry.objects.filter(matter=matter).order_by("-seq").first()
    entry = LogEntry(
        matter=matter,
        seq=last.seq + 1,
        kind=LogEntry.Kind.BALLOT,
        at=last.at,
        voter=voter,
        channel="online",
        choice=choice,
        prev_hash=last.hash,
    )
    entry.hash = ledger.entry_hash(entry)
    entry.save()
    return entry


def test_an_appended_forged_entry_is_found(published):
    forge(published.matter, published.v["owner2"], "yes")
    assert problems(published.matter) == [HEAD, CURRENT, PUBLISHED]


def test_a_forged_entry_with_a_moved_head_is_still_found_by_the_count(published):
    entry = forge(published.matter, published.v["none"], "yes")
    Matter.objects.filter(pk=published.matter.pk).update(log_length=entry.seq, log_head=entry.hash)
    assert problems(published.matter) == [CURRENT, PUBLISHED]


def test_a_changed_roll_is_found(published):
    Voter.objects.filter(pk=published.v["none"].pk).update(area=D("55.00"))  # a voter who did not vote
    assert problems(published.matter) == [ROLL]


def test_a_changed_area_of_a_voter_who_voted_is_found_in_the_roll_and_the_result(published):
    VoterUnit.objects.filter(voter=published.v["owner2"]).update(area=D("80.00"))
    Voter.objects.filter(pk=published.v["owner2"].pk).update(area=D("80.00"))
    assert problems(published.matter) == [ROLL, PUBLISHED]


def test_a_member_added_to_the_roll_is_found(published):
    VoterMember.objects.create(matter=published.matter, voter=published.v["none"], person=published.neighbour)
    assert problems(published.matter) == [ROLL]


def test_a_moved_roll_digest_is_found(published):
    Matter.objects.filter(pk=published.matter.pk).update(roll_digest="0" * 64)
    assert problems(published.matter) == [ROLL]


def test_a_current_ballot_that_disagrees_with_the_log_is_found(published):
    Ballot.objects.filter(voter=published.v["owner2"]).update(choice="yes")
    assert problems(published.matter) == [CURRENT]


def test_a_removed_current_ballot_is_found(published):
    Ballot.objects.filter(voter=published.v["owner2"]).delete()
    assert problems(published.matter) == [CURRENT]


def test_a_published_result_edited_afterwards_is_found(published):
    result = fresh(published.matter).result
    result["tally"]["yes"]["area"] = "300.00"
    Matter.objects.filter(pk=published.matter.pk).update(result=result)
    assert problems(published.matter) == [PUBLISHED]


def test_a_published_verdict_flipped_afterwards_is_found(published):
    result = fresh(published.matter).result
    result["tally"]["approved"] = False
    Matter.objects.filter(pk=published.matter.pk).update(result=result)
    assert problems(published.matter) == [PUBLISHED]


def test_a_published_log_head_edited_afterwards_is_found(published):
    result = fresh(published.matter).result
    result["log_head"] = "f" * 64
    Matter.objects.filter(pk=published.matter.pk).update(result=result)
    assert problems(published.matter) == [GONE]


def test_verify_vote_succeeds_on_an_intact_vote(published):
    out, err = StringIO(), StringIO()
    call_command("verify_vote", str(published.matter.pk), stdout=out, stderr=err)
    text = out.getvalue()
    assert "Log entries checked: 7" in text
    assert "Recount: 3 of 4 owners, 285.45 of 335.45 m² took part" in text
    assert "yes 2 / 209.35 m², no 1 / 76.10 m², abstain 0 / 0.00 m²" in text
    assert "Approved" in text
    assert "OK: the log is intact and the recount matches." in text
    assert err.getvalue() == ""


def test_verify_vote_fails_and_names_the_problem(published):
    LogEntry.objects.filter(matter=published.matter, seq=4).update(choice="yes")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="The vote does not verify"):
        call_command("verify_vote", str(published.matter.pk), stdout=out, stderr=err)
    assert "MISMATCH: entry 4 was altered (its hash does not match its contents)" in err.getvalue()
    assert f"MISMATCH: {PUBLISHED}" in err.getvalue()
    assert "OK:" not in out.getvalue()


def test_verify_vote_fails_on_a_changed_roll(published):
    Voter.objects.filter(pk=published.v["none"].pk).update(area=D("55.00"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_vote", str(published.matter.pk), stdout=StringIO(), stderr=err)
    assert f"MISMATCH: {ROLL}" in err.getvalue()


def test_verify_vote_on_an_unknown_vote_is_an_error(db):
    with pytest.raises(CommandError, match="There is no owners' vote 987654"):
        call_command("verify_vote", "987654", stdout=StringIO(), stderr=StringIO())


def test_an_open_vote_verifies_against_the_ballots_counted_now(owners):
    matter = open_vote(owners)
    v = voters_of(matter, owners)
    actions.cast_ballot(matter, voter=v["resident"], choice="abstain", by=owners.resident, now=matter.opens_at)
    out = StringIO()
    call_command("verify_vote", str(matter.pk), stdout=out, stderr=StringIO())
    assert "No result has been published yet" in out.getvalue()
    Ballot.objects.filter(voter=v["resident"]).update(choice="no")
    assert problems(matter) == [CURRENT]


# --- changing a vote ----------------------------------------------------------------------------------------


def test_changing_a_vote_keeps_every_cast_and_the_last_counts(published):
    resident = published.v["resident"]
    entries = list(LogEntry.objects.filter(voter=resident).order_by("seq"))
    assert [(e.seq, e.choice, e.channel, e.cast_by_id) for e in entries] == [
        (2, "yes", "online", published.resident.pk),
        (3, "no", "online", published.resident.pk),
        (5, "yes", "online", published.resident.pk),
    ]
    ballot = Ballot.objects.get(voter=resident)
    assert (ballot.choice, ballot.seq, ballot.times, ballot.cast_at) == ("yes", 5, 3, entries[-1].at)
    assert Ballot.objects.filter(matter=published.matter).count() == 3
    assert actions.my_choice(resident) == "yes"


def test_no_ballot_after_closing_and_none_online_while_closed(published):
    with pytest.raises(ValidationError):
        actions.cast_ballot(published.matter, voter=published.v["owner2"], choice="yes", by=published.owner2)
    assert LogEntry.objects.filter(matter=published.matter).count() == 7


# --- secret ballots -----------------------------------------------------------------------------------------


def test_a_secret_ballots_log_holds_no_plain_choice(owners):
    matter = open_vote(owners, secret=True)
    v = voters_of(matter, owners)
    t0 = matter.opens_at
    actions.cast_ballot(matter, voter=v["resident"], choice="yes", by=owners.resident, now=t0 + timedelta(minutes=1))
    actions.cast_ballot(matter, voter=v["resident"], choice="no", by=owners.resident, now=t0 + timedelta(minutes=2))
    actions.cast_ballot(matter, voter=v["owner2"], choice="abstain", by=owners.owner2, now=t0 + timedelta(minutes=3))
    actions.enter_paper_ballot(matter, voter=v["none"], sheet="S-1", choice="yes", by=owners.community_staff, now=t0)
    actions.enter_paper_ballot(matter, voter=v["none"], sheet="S-1", choice="yes", by=owners.admin, now=t0)

    ballots = list(LogEntry.objects.filter(matter=matter, kind=LogEntry.Kind.BALLOT).order_by("seq"))
    assert len(ballots) == 4
    for entry, choice in zip(ballots, ["yes", "no", "abstain", "yes"], strict=True):
        assert entry.choice == ""
        assert entry.sealed and entry.sealed not in Choice.values
        assert ledger.unseal(entry.sealed) == choice
    assert len({e.sealed for e in ballots}) == 4  # sealing the same choice twice gives different text

    # the counting ballots carry no plain choice; the count is three running totals, nothing per ballot
    assert set(Ballot.objects.filter(matter=matter).values_list("choice", flat=True)) == {""}
    assert all(b.receipt and b.receipt not in Choice.values for b in Ballot.objects.filter(matter=matter))
    assert {f.name for f in SecretCount._meta.get_fields()} == {"id", "matter", "choice", "area", "heads"}
    # the resident's first choice was taken off its total, not kept beside the second
    counts = dict(SecretCount.objects.filter(matter=matter).values_list("choice", "heads"))
    assert counts == {"abstain": 1, "no": 1, "yes": 1}
    paper = PaperEntry.objects.filter(matter=matter)
    assert set(paper.values_list("choice", flat=True)) == {""}
    assert {ledger.unseal(p.sealed) for p in paper} == {"yes"}

    t = ledger.current_tally(matter)
    assert (t.yes.area, t.no.area, t.abstain.area) == (D("50.00"), D("89.35"), D("76.10"))
    assert (t.yes.heads, t.no.heads, t.abstain.heads) == (1, 1, 1)
    assert actions.my_choice(v["resident"]) == "no"
    assert actions.my_choice(v["b2"]) == ""
    assert ledger.verify(fresh(matter)).problems == []
    SecretCount.objects.filter(matter=matter, choice="no").update(heads=0)
    assert problems(matter) == [CURRENT]


# --- paper ballots typed twice -------------------------------------------------------------------------------


@pytest.fixture
def paper(owners):
    owners.third = make_person("第三录入", "13900000031")
    grant(owners.third, Role.COMMUNITY_STAFF, owners.community)
    owners.matter = open_vote(owners)
    owners.voter = voters_of(owners.matter, owners)["none"]
    return owners


def enter(w, by, choice, sheet="A-1"):
    return actions.enter_paper_ballot(w.matter, voter=w.voter, sheet=sheet, choice=choice, by=by, now=w.matter.opens_at)


def statuses(w) -> list[tuple[int, str]]:
    return list(PaperEntry.objects.filter(voter=w.voter).order_by("id").values_list("entered_by_id", "status"))


def test_two_matching_typings_count(paper):
    first = enter(paper, paper.community_staff, "no")
    assert first.status == PaperEntry.Status.PENDING
    assert not Ballot.objects.filter(voter=paper.voter).exists()
    assert not LogEntry.objects.filter(matter=paper.matter, kind="ballot").exists()
    second = enter(paper, paper.admin, "no")
    assert second.status == PaperEntry.Status.MATCHED
    assert statuses(paper) == [(paper.community_staff.pk, "matched"), (paper.admin.pk, "matched")]
    ballot = Ballot.objects.get(voter=paper.voter)
    assert (ballot.choice, ballot.channel) == ("no", "paper")
    entry = LogEntry.objects.get(matter=paper.matter, kind="ballot")
    assert (entry.choice, entry.cast_by_id, entry.checked_by_id) == ("no", paper.community_staff.pk, paper.admin.pk)


def test_a_mismatch_is_flagged_and_not_counted(paper):
    enter(paper, paper.community_staff, "yes")
    second = enter(paper, paper.admin, "no")
    assert second.status == PaperEntry.Status.MISMATCH
    assert statuses(paper) == [(paper.community_staff.pk, "mismatch"), (paper.admin.pk, "mismatch")]
    assert not Ballot.objects.filter(voter=paper.voter).exists()
    assert not LogEntry.objects.filter(matter=paper.matter, kind="ballot").exists()
    assert ledger.current_tally(paper.matter).participating.heads == 0


def test_a_different_sheet_number_is_a_mismatch(paper):
    enter(paper, paper.community_staff, "yes", sheet="A-1")
    assert enter(paper, paper.admin, "yes", sheet="A-7").status == PaperEntry.Status.MISMATCH
    assert not Ballot.objects.filter(voter=paper.voter).exists()


def test_a_third_typing_matching_one_counts_and_sets_the_other_aside(paper):
    enter(paper, paper.community_staff, "yes")
    enter(paper, paper.admin, "no")
    third = enter(paper, paper.third, "yes")
    assert third.status == PaperEntry.Status.MATCHED
    assert statuses(paper) == [
        (paper.community_staff.pk, "matched"),
        (paper.admin.pk, "set_aside"),
        (paper.third.pk, "matched"),
    ]
    assert Ballot.objects.get(voter=paper.voter).choice == "yes"
    entry = LogEntry.objects.get(matter=paper.matter, kind="ballot")
    assert (entry.choice, entry.cast_by_id, entry.checked_by_id) == ("yes", paper.community_staff.pk, paper.third.pk)
    t = ledger.current_tally(paper.matter)
    assert (t.yes.area, t.yes.heads) == (D("50.00"), 1)


def test_a_third_typing_matching_neither_leaves_all_three_flagged(paper):
    enter(paper, paper.community_staff, "yes")
    enter(paper, paper.admin, "no")
    assert enter(paper, paper.third, "abstain").status == PaperEntry.Status.MISMATCH
    assert [s for _p, s in statuses(paper)] == ["mismatch"] * 3
    assert not Ballot.objects.filter(voter=paper.voter).exists()


def test_the_same_person_cannot_type_a_sheet_twice(paper):
    enter(paper, paper.community_staff, "yes")
    with pytest.raises(ValidationError):
        enter(paper, paper.community_staff, "yes")
    assert statuses(paper) == [(paper.community_staff.pk, "pending")]
    assert not Ballot.objects.filter(voter=paper.voter).exists()
    # nor after a mismatch
    enter(paper, paper.admin, "no")
    with pytest.raises(ValidationError):
        enter(paper, paper.admin, "yes")
    with pytest.raises(ValidationError):
        enter(paper, paper.community_staff, "no")
    assert not Ballot.objects.filter(voter=paper.voter).exists()


def test_publishing_is_refused_while_paper_entries_are_unsettled(paper):
    enter(paper, paper.community_staff, "yes")
    matter = actions.close_voting(paper.matter, now=paper.matter.closes_at)
    with pytest.raises(ValidationError):
        actions.publish_result(matter, by=paper.community_staff, version=None)
    matter.refresh_from_db()
    assert (matter.status, matter.result, matter.published_at) == (Status.CLOSED, None, None)
    # a mismatch blocks it too
    enter(paper, paper.admin, "no")
    with pytest.raises(ValidationError):
        actions.publish_result(matter, by=paper.community_staff, version=None)
    assert fresh(matter).status == Status.CLOSED
    # the third typing, after voting closed, settles it
    enter(paper, paper.third, "yes")
    published = actions.publish_result(fresh(matter), by=paper.community_staff, version=None)
    assert published.status == Status.PUBLISHED
    assert published.result["tally"]["yes"] == {"area": "50.00", "heads": 1}
    assert ledger.verify(fresh(matter)).problems == []
    # and nothing is typed after publication
    with pytest.raises(ValidationError):
        actions.enter_paper_ballot(published, voter=paper.voter, sheet="A-2", choice="no", by=paper.admin)
