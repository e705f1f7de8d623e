"""An owners' vote from draft to published result, through the actions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from votes import actions, ledger
from votes.models import Ballot, Item, LogEntry, PaperEntry, Status, Voter


@pytest.fixture
def vote(electorate):
    """A vote of the electorate (``tests/conftest.py``): the resident owns 101, a couple owns 102, 201 is
    unsold (developer)."""
    world = electorate
    now = timezone.now()
    matter = actions.create_matter(
        by=world.community_staff,
        scope=world.compound,
        item=Item.FUND_USE,
        title="电梯维修使用维修资金",
        description="更换1栋电梯主机",
        opens_at=now + timedelta(days=17),
        closes_at=now + timedelta(days=27),
    )
    return matter


def test_flow_to_a_verified_result(world, vote):
    with pytest.raises(ValidationError):
        actions.open_voting(vote)  # not noticed yet, and not its time
    actions.send_notice(vote, by=world.community_staff, version=None)
    vote.refresh_from_db()
    assert vote.status == Status.NOTIFIED
    opened = actions.open_voting(vote, now=vote.opens_at)
    assert opened.total_heads == 3
    assert opened.total_area == Decimal("285.45")
    voters = {v.kind: v for v in Voter.objects.filter(matter=vote)}
    sole = Voter.objects.get(matter=vote, designated=world.resident)
    couple = Voter.objects.get(matter=vote, members__person=world.wife)
    assert couple.designated_id is None
    at = vote.opens_at + timedelta(hours=1)
    actions.cast_ballot(opened, voter=sole, choice="no", by=world.resident, now=at)
    actions.cast_ballot(opened, voter=sole, choice="yes", by=world.resident, now=at + timedelta(minutes=1))
    with pytest.raises(ValidationError):
        actions.cast_ballot(opened, voter=couple, choice="yes", by=world.wife, now=at)
    actions.designate(opened, voter=couple, person=world.wife, by=world.wife)
    actions.designate(opened, voter=couple, person=world.wife, by=world.husband)
    couple.refresh_from_db()
    actions.cast_ballot(opened, voter=couple, choice="abstain", by=world.wife, now=at)
    first = actions.enter_paper_ballot(
        opened, voter=voters["developer"], sheet="A-1", choice="yes", by=world.community_staff, now=at
    )
    assert first.status == PaperEntry.Status.PENDING
    second = actions.enter_paper_ballot(opened, voter=voters["developer"], sheet="A-1", choice="yes", by=world.admin, now=at)
    assert second.status == PaperEntry.Status.MATCHED
    assert Ballot.objects.filter(matter=vote).count() == 3
    tally = ledger.current_tally(opened)
    assert tally.yes.heads == 2 and tally.abstain.heads == 1
    assert tally.yes.area == Decimal("209.35")
    assert tally.quorum_met and tally.approved
    closed = actions.close_voting(opened, now=vote.closes_at)
    published = actions.publish_result(closed, by=world.community_staff, version=None)
    assert published.result["tally"]["approved"] is True
    assert ledger.verify(published).ok
    call_command("verify_vote", str(vote.pk))
    # tampering with one ballot in the log is found
    LogEntry.objects.filter(matter=vote, seq=2).update(choice="abstain")
    check = ledger.verify(published)
    assert check.problems == ["entry 2 was altered (its hash does not match its contents)"]
