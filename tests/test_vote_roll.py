"""The electorate frozen when voting opens (``votes.roll``), on real rows: SPC interpretation Art 8–9
area and headcount, the developer counted once, co-owners through their designee, mixed holdings,
owners not recorded, units without an area, building-scoped matters, and sales after opening."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import override

from people.models import Ownership
from places.models import Unit
from tests.conftest import make_person
from votes import actions, ledger
from votes.models import Ballot, Item, LogEntry, Status, Voter, VoterMember, VoterUnit

D = Decimal


def add_unit(building, label, area, kind=Unit.Kind.HOME, holding="", source=Unit.AreaSource.REGISTER):
    return Unit.objects.create(
        building=building,
        label=label,
        kind=kind,
        area=None if area is None else D(area),
        area_source="" if area is None else source,
        developer_holding=holding,
    )


def own(unit, *people, status=Ownership.Status.REGISTERED):
    for person in people:
        Ownership.objects.create(unit=unit, person=person, status=status, share=D(1) / len(people))


def noticed(world, scope=None, item=Item.FUND_USE):
    now = timezone.now()
    matter = actions.create_matter(
        by=world.community_staff,
        scope=scope or world.compound,
        item=item,
        title="外墙翻新",
        description="外墙翻新工程",
        opens_at=now + timedelta(days=17),
        closes_at=now + timedelta(days=27),
    )
    actions.send_notice(matter, by=world.community_staff, version=None)
    matter.refresh_from_db()
    assert matter.status == Status.NOTIFIED
    return matter


def opened(world, scope=None, item=Item.FUND_USE):
    matter = noticed(world, scope, item)
    return actions.open_voting(matter, now=matter.opens_at)


def voter_of(matter, unit) -> Voter:
    return Voter.objects.get(matter=matter, units__unit=unit)


def units_of(voter) -> set[int]:
    return set(VoterUnit.objects.filter(voter=voter).values_list("unit_id", flat=True))


def members_of(voter) -> set[int]:
    return set(VoterMember.objects.filter(voter=voter).values_list("person_id", flat=True))


def at(matter, minutes=60):
    return matter.opens_at + timedelta(minutes=minutes)


def test_one_owner_with_home_parking_and_storage_is_one_head_with_the_areas_added(world):
    parking = add_unit(world.building2, "P-01", "12.50", kind=Unit.Kind.PARKING, source=Unit.AreaSource.SURVEY)
    storage = add_unit(world.building2, "S-01", "6.25", kind=Unit.Kind.STORAGE, source=Unit.AreaSource.CONTRACT)
    own(parking, world.resident)
    own(storage, world.resident)
    matter = opened(world)

    # 101 + P-01 + S-01 (resident), 102 and 201 (owners not recorded)
    assert matter.total_area == D("89.35") + D("76.10") + D("120.00") + D("12.50") + D("6.25") == D("304.20")
    assert matter.total_heads == 3
    voter = voter_of(matter, world.unit)
    assert (voter.kind, voter.area, voter.heads, voter.designated_id) == (Voter.Kind.OWNERS, D("108.10"), 1, world.resident.pk)
    assert voter_of(matter, parking) == voter == voter_of(matter, storage)
    assert units_of(voter) == {world.unit.pk, parking.pk, storage.pk}
    assert members_of(voter) == {world.resident.pk}
    sources = dict(VoterUnit.objects.filter(voter=voter).values_list("unit_id", "area_source"))
    assert sources == {world.unit.pk: "register", parking.pk: "survey", storage.pk: "contract"}
    assert Voter.objects.filter(matter=matter).count() == 3

    actions.cast_ballot(matter, voter=voter, choice="yes", by=world.resident, now=at(matter))
    t = ledger.current_tally(matter)
    assert (t.yes.area, t.yes.heads) == (D("108.10"), 1)
    assert Ballot.objects.filter(matter=matter).count() == 1


def test_the_developers_unsold_and_undelivered_parts_count_once_together(world):
    world.unit_b2.developer_holding = Unit.DeveloperHolding.UNSOLD
    world.unit_b2.save()
    undelivered = add_unit(world.building, "105", "88.88", holding=Unit.DeveloperHolding.UNDELIVERED)
    unsold_parking = add_unit(world.building2, "P-09", "50.00", kind=Unit.Kind.PARKING, holding=Unit.DeveloperHolding.UNSOLD)
    buyer = make_person("周买家", "13800000021")
    own(undelivered, buyer)  # sold, not delivered: the buyer's row exists but the developer still counts it
    matter = opened(world)

    developer = Voter.objects.get(matter=matter, kind=Voter.Kind.DEVELOPER)
    assert (developer.area, developer.heads, developer.designated_id) == (D("258.88"), 1, None)
    assert units_of(developer) == {world.unit_b2.pk, undelivered.pk, unsold_parking.pk}
    assert members_of(developer) == set()
    assert Voter.objects.filter(matter=matter, kind=Voter.Kind.DEVELOPER).count() == 1
    # 101 (resident), 102 (not recorded), the developer
    assert (matter.total_area, matter.total_heads) == (D("424.33"), 3)
    assert not VoterMember.objects.filter(matter=matter, person=buyer).exists()
    with pytest.raises(PermissionDenied):
        actions.cast_ballot(matter, voter=developer, choice="yes", by=buyer, now=at(matter))

    # the developer's ballot is a paper ballot, typed twice
    actions.enter_paper_ballot(matter, voter=developer, sheet="D-1", choice="no", by=world.community_staff, now=at(matter))
    actions.enter_paper_ballot(matter, voter=developer, sheet="D-1", choice="no", by=world.admin, now=at(matter))
    t = ledger.current_tally(matter)
    assert (t.no.area, t.no.heads) == (D("258.88"), 1)


def test_co_owners_are_one_voter_whose_designee_is_set_when_all_name_the_same_person(world):
    wife = make_person("钱太太", "13800000011")
    husband = make_person("钱先生", "13800000012")
    own(world.unit2, wife, husband)
    matter = opened(world)
    couple = voter_of(matter, world.unit2)
    assert (couple.kind, couple.area, couple.heads, couple.designated_id) == (Voter.Kind.OWNERS, D("76.10"), 1, None)
    assert members_of(couple) == {wife.pk, husband.pk}
    assert matter.total_heads == 3  # 101, 102 (the couple: one head), 201

    with pytest.raises(ValidationError):  # nobody designated yet
        actions.cast_ballot(matter, voter=couple, choice="yes", by=wife, now=at(matter))
    actions.designate(matter, voter=couple, person=wife, by=wife)
    actions.designate(matter, voter=couple, person=husband, by=husband)  # they disagree
    couple.refresh_from_db()
    assert couple.designated_id is None
    names = dict(VoterMember.objects.filter(voter=couple).values_list("person_id", "names_id"))
    assert names == {wife.pk: wife.pk, husband.pk: husband.pk}
    with pytest.raises(ValidationError):
        actions.cast_ballot(matter, voter=couple, choice="yes", by=husband, now=at(matter))
    actions.designate(matter, voter=couple, person=wife, by=husband)  # now both name the wife
    couple.refresh_from_db()
    assert couple.designated_id == wife.pk

    with pytest.raises(ValidationError):  # the other co-owner cannot cast it
        actions.cast_ballot(matter, voter=couple, choice="no", by=husband, now=at(matter))
    actions.cast_ballot(matter, voter=couple, choice="yes", by=wife, now=at(matter))
    assert Ballot.objects.get(voter=couple).choice == "yes"
    # someone who is not a co-owner can neither be designated nor designate
    with pytest.raises(ValidationError):
        actions.designate(matter, voter=couple, person=world.resident, by=world.community_staff)
    with pytest.raises(PermissionDenied):
        actions.designate(matter, voter=couple, person=wife, by=world.resident)


def test_a_manager_can_record_the_co_owners_designation_directly(world):
    wife = make_person("钱太太", "13800000011")
    husband = make_person("钱先生", "13800000012")
    own(world.unit2, wife, husband)
    matter = opened(world)
    couple = voter_of(matter, world.unit2)
    actions.designate(matter, voter=couple, person=husband, by=world.community_staff)
    couple.refresh_from_db()
    assert couple.designated_id == husband.pk
    assert set(VoterMember.objects.filter(voter=couple).values_list("names_id", flat=True)) == {None}
    actions.cast_ballot(matter, voter=couple, choice="abstain", by=husband, now=at(matter))
    with pytest.raises(ValidationError):
        actions.cast_ballot(matter, voter=couple, choice="yes", by=wife, now=at(matter))
    t = ledger.current_tally(matter)
    assert (t.abstain.area, t.abstain.heads) == (D("76.10"), 1)


def test_a_co_owner_withdrawing_their_naming_ends_the_designation(world):
    wife = make_person("钱太太", "13800000011")
    husband = make_person("钱先生", "13800000012")
    own(world.unit2, wife, husband)
    matter = opened(world)
    couple = voter_of(matter, world.unit2)
    actions.designate(matter, voter=couple, person=wife, by=wife)
    actions.designate(matter, voter=couple, person=wife, by=husband)
    couple.refresh_from_db()
    assert couple.designated_id == wife.pk
    actions.designate(matter, voter=couple, person=husband, by=husband)  # the husband changes his mind
    couple.refresh_from_db()
    assert couple.designated_id is None  # "when all name the same person, that is the designee": they no longer do


def test_a_person_owning_one_unit_alone_and_another_jointly_is_two_voters(world):
    wife = make_person("钱太太", "13800000011")
    husband = make_person("钱先生", "13800000012")
    own(world.unit2, wife, husband)
    alone = add_unit(world.building, "104", "60.00")
    own(alone, wife)
    matter = opened(world)

    sole = voter_of(matter, alone)
    joint = voter_of(matter, world.unit2)
    assert sole != joint
    assert (sole.area, sole.heads, sole.designated_id) == (D("60.00"), 1, wife.pk)
    assert (joint.area, joint.heads, joint.designated_id) == (D("76.10"), 1, None)
    assert members_of(sole) == {wife.pk}
    assert members_of(joint) == {wife.pk, husband.pk}
    # 101, 102 (wife + husband), 104 (wife), 201
    assert (matter.total_area, matter.total_heads) == (D("345.45"), 4)
    assert VoterMember.objects.filter(matter=matter, person=wife).count() == 2

    actions.cast_ballot(matter, voter=sole, choice="yes", by=wife, now=at(matter))
    with pytest.raises(ValidationError):
        actions.cast_ballot(matter, voter=joint, choice="yes", by=wife, now=at(matter))
    assert Ballot.objects.filter(matter=matter).count() == 1
    actions.designate(matter, voter=joint, person=wife, by=wife)
    actions.designate(matter, voter=joint, person=wife, by=husband)
    joint.refresh_from_db()
    actions.cast_ballot(matter, voter=joint, choice="yes", by=wife, now=at(matter))
    t = ledger.current_tally(matter)
    assert (t.yes.area, t.yes.heads) == (D("136.10"), 2)
    assert Ballot.objects.filter(matter=matter).count() == 2


def test_the_same_set_of_co_owners_holding_two_parts_is_one_voter(world):
    wife = make_person("钱太太", "13800000011")
    husband = make_person("钱先生", "13800000012")
    own(world.unit2, wife, husband)
    parking = add_unit(world.building2, "P-02", "13.00", kind=Unit.Kind.PARKING)
    own(parking, husband, wife)
    matter = opened(world)
    couple = voter_of(matter, world.unit2)
    assert voter_of(matter, parking) == couple
    assert (couple.area, couple.heads) == (D("89.10"), 1)
    assert matter.total_heads == 3


def test_an_unrecorded_owners_unit_counts_and_takes_only_a_paper_ballot(world):
    matter = opened(world)
    # 102 and 201 have no recorded owner: each is its own voter
    assert (matter.total_area, matter.total_heads) == (D("285.45"), 3)
    for unit in (world.unit2, world.unit_b2):
        voter = voter_of(matter, unit)
        assert (voter.kind, voter.area, voter.heads, voter.designated_id) == (Voter.Kind.UNRECORDED, unit.area, 1, None)
        assert members_of(voter) == set()
    unrecorded = voter_of(matter, world.unit2)
    # nobody can cast it online: not the tenant living there, not the building leader, not staff
    for person in (world.neighbour, world.building_leader, world.resident, world.community_staff):
        with pytest.raises(PermissionDenied):
            actions.cast_ballot(matter, voter=unrecorded, choice="yes", by=person, now=at(matter))
    assert not LogEntry.objects.filter(matter=matter, kind=LogEntry.Kind.BALLOT).exists()
    # non-managers cannot type paper ballots either
    with pytest.raises(PermissionDenied):
        actions.enter_paper_ballot(matter, voter=unrecorded, sheet="B-7", choice="yes", by=world.neighbour, now=at(matter))
    actions.enter_paper_ballot(matter, voter=unrecorded, sheet="B-7", choice="yes", by=world.community_staff, now=at(matter))
    actions.enter_paper_ballot(matter, voter=unrecorded, sheet="B-7", choice="yes", by=world.admin, now=at(matter))
    ballot = Ballot.objects.get(voter=unrecorded)
    assert (ballot.choice, ballot.channel) == ("yes", "paper")
    t = ledger.current_tally(matter)
    assert (t.yes.area, t.yes.heads) == (D("76.10"), 1)


def test_a_unit_without_an_area_stops_the_notice(world):
    add_unit(world.building, "103", None)
    now = timezone.now()
    matter = actions.create_matter(
        by=world.community_staff,
        scope=world.compound,
        item=Item.FUND_USE,
        title="外墙翻新",
        description="外墙翻新工程",
        opens_at=now + timedelta(days=17),
        closes_at=now + timedelta(days=27),
    )
    with override("en"), pytest.raises(ValidationError) as refused:
        actions.send_notice(matter, by=world.community_staff, version=None)
    assert refused.value.messages == [
        "1 unit has no recorded area (1栋 103). Record it from the register, a survey or the sale contract first."
    ]
    matter.refresh_from_db()
    assert (matter.status, matter.notice_sent_at, matter.version) == (Status.DRAFT, None, 1)


def test_a_unit_without_an_area_stops_the_vote_from_opening_and_changes_nothing(world):
    matter = noticed(world)
    add_unit(world.building, "103", None)  # recorded after the notice went out
    with override("en"), pytest.raises(ValidationError) as refused:
        actions.open_voting(matter, now=matter.opens_at)
    assert refused.value.messages == [
        "1 unit has no recorded area (1栋 103). Record it from the register, a survey or the sale contract first."
    ]
    matter.refresh_from_db()
    assert matter.status == Status.NOTIFIED
    assert (matter.total_area, matter.total_heads, matter.opened_at, matter.roll_digest) == (None, None, None, "")
    assert (matter.log_length, matter.log_head) == (0, "")
    assert not Voter.objects.filter(matter=matter).exists()
    assert not VoterUnit.objects.filter(matter=matter).exists()
    assert not VoterMember.objects.filter(matter=matter).exists()
    assert not LogEntry.objects.filter(matter=matter).exists()
    # the scheduled opening skips it too, and says nothing changed
    assert actions.open_and_close_due(now=matter.opens_at) == {"opened": 0, "closed": 0}
    matter.refresh_from_db()
    assert matter.status == Status.NOTIFIED

    add_unit(world.building2, "202", None)
    with override("en"), pytest.raises(ValidationError) as refused:
        actions.open_voting(matter, now=matter.opens_at)
    assert refused.value.messages == [
        "2 units have no recorded area (1栋 103、2栋 202). Record them from the register, a survey or the sale contract first."
    ]

    Unit.objects.filter(building__in=[world.building, world.building2], area__isnull=True).update(
        area=D("50.00"), area_source=Unit.AreaSource.CONTRACT
    )
    matter = actions.open_voting(matter, now=matter.opens_at)
    assert (matter.status, matter.total_area, matter.total_heads) == (Status.OPEN, D("385.45"), 5)


def test_a_building_matter_counts_only_that_buildings_units(world):
    own(world.unit_b2, world.b2_resident)
    matter = opened(world, scope=world.building)
    assert (matter.total_area, matter.total_heads) == (D("165.45"), 2)  # 101 and 102
    assert set(VoterUnit.objects.filter(matter=matter).values_list("unit_id", flat=True)) == {world.unit.pk, world.unit2.pk}
    assert not VoterMember.objects.filter(matter=matter, person=world.b2_resident).exists()
    b2_compound_vote = opened(world)
    assert (b2_compound_vote.total_area, b2_compound_vote.total_heads) == (D("285.45"), 3)


def test_sales_after_opening_do_not_move_the_frozen_roll(world):
    world.unit_b2.developer_holding = Unit.DeveloperHolding.UNSOLD
    world.unit_b2.save()
    matter = opened(world)
    before = list(Voter.objects.filter(matter=matter).order_by("id").values_list("id", "kind", "area", "heads"))
    digest = matter.roll_digest
    assert (matter.total_area, matter.total_heads) == (D("285.45"), 3)

    # the developer sells 201, 101 is re-measured, a new unit is recorded, 102 gets owners
    Unit.objects.filter(pk=world.unit_b2.pk).update(developer_holding="")
    own(world.unit_b2, world.b2_resident)
    Unit.objects.filter(pk=world.unit.pk).update(area=D("100.00"))
    add_unit(world.building2, "202", "99.99")
    own(world.unit2, world.neighbour)

    matter.refresh_from_db()
    assert (matter.total_area, matter.total_heads, matter.roll_digest) == (D("285.45"), 3, digest)
    assert list(Voter.objects.filter(matter=matter).order_by("id").values_list("id", "kind", "area", "heads")) == before
    developer = Voter.objects.get(matter=matter, kind=Voter.Kind.DEVELOPER)
    with pytest.raises(PermissionDenied):  # the new owner is not on this vote's roll
        actions.cast_ballot(matter, voter=developer, choice="yes", by=world.b2_resident, now=at(matter))
    assert ledger.verify(matter).problems == []
    # a vote opened now sees the sale
    later = opened(world)
    assert (later.total_area, later.total_heads) == (D("396.09"), 4)  # 100.00 + 76.10 + 120.00 + 99.99
    assert Voter.objects.get(matter=later, units__unit=world.unit_b2).designated_id == world.b2_resident.pk


def test_owners_who_occupy_without_registration_are_on_the_roll(world):
    own(world.unit_b2, world.b2_resident, status=Ownership.Status.OCCUPIED_UNREGISTERED)
    parking = add_unit(world.building2, "P-03", "11.00", kind=Unit.Kind.PARKING)
    own(parking, world.resident, status=Ownership.Status.OCCUPIED_UNREGISTERED)  # 101 registered, P-03 not yet
    matter = opened(world)

    b2 = voter_of(matter, world.unit_b2)
    assert (b2.kind, b2.area, b2.designated_id) == (Voter.Kind.OWNERS, D("120.00"), world.b2_resident.pk)
    assert VoterMember.objects.get(voter=b2).status == Ownership.Status.OCCUPIED_UNREGISTERED
    resident = voter_of(matter, world.unit)
    assert resident.area == D("100.35")
    # registered for one part only: the weaker status
    assert VoterMember.objects.get(voter=resident).status == Ownership.Status.OCCUPIED_UNREGISTERED
    actions.cast_ballot(matter, voter=b2, choice="no", by=world.b2_resident, now=at(matter))
    t = ledger.current_tally(matter)
    assert (t.no.area, t.no.heads) == (D("120.00"), 1)


def test_a_registered_owner_is_marked_registered(world):
    matter = opened(world)
    assert VoterMember.objects.get(voter=voter_of(matter, world.unit)).status == Ownership.Status.REGISTERED
