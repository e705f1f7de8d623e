"""Owners voting at the same moment, on PostgreSQL with real threads (each its own connection): every
ballot lands in the log with gap-free sequence numbers and an unbroken chain, each voter has one
counting ballot (the last one in the log), the totals equal a recount; one voter changing their ballot
from several devices at once leaves exactly one counting ballot; of two managers publishing at once,
one wins and the other is told (``Conflict``)."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from core import audit
from core.concurrency import Conflict
from core.models import AuditEntry
from people.models import Ownership, Person
from places.models import Unit
from tests.conftest import make_person
from tests.locks import run_together, wait_for_a_blocked_writer
from votes import actions, ledger
from votes.models import Ballot, Item, LogEntry, Matter, SecretCount, Status, Voter

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks; SQLite serialises writers"),
    # the seeded categories and calendar must survive the flush after a transactional test
    pytest.mark.django_db(transaction=True),
]

OWNERS = 48
CHOICES = ["yes", "no", "abstain"]


def _run(targets, timeout: float = 60) -> None:
    run_together([threading.Thread(target=t) for t in targets], timeout=timeout)


def _open_now(world, *, secret=False) -> Matter:
    """A vote whose window is open right now (noticed 17 days before it opened)."""
    now = timezone.now()
    opens_at = now - timedelta(minutes=5)
    matter = actions.create_matter(
        by=world.community_staff,
        scope=world.compound,
        item=Item.FUND_USE,
        title="楼道照明改造",
        description="更换全部楼道灯",
        opens_at=opens_at,
        closes_at=now + timedelta(days=10),
        secret=secret,
    )
    actions.send_notice(matter, by=world.community_staff, version=None, now=opens_at - timedelta(days=17))
    matter.refresh_from_db()
    return actions.open_voting(matter)


def _hold_the_first_ballot_until_another_waits(monkeypatch) -> list[bool]:
    """The first ballot to take the vote's lock keeps it (as its log entry is made) until another ballot is seen
    waiting for it, so the ballots truly queue on the lock."""
    overlapped: list[bool] = []
    first = threading.Lock()
    real_prepare = ledger.prepare

    def prepare(matter, **fields):
        if fields.get("kind") == LogEntry.Kind.BALLOT and first.acquire(blocking=False):
            overlapped.append(wait_for_a_blocked_writer())
        return real_prepare(matter, **fields)

    monkeypatch.setattr(ledger, "prepare", prepare)
    return overlapped


@pytest.fixture
def many_owners(world):
    """48 owners, one home each, in building 1, besides 101 (the resident), 102 and 201 (not recorded)."""
    world.owners = []
    for n in range(OWNERS):
        unit = Unit.objects.create(
            building=world.building,
            label=f"{3 + n // 8}{n % 8 + 1:02d}",
            area=Decimal(f"{60 + n}.{n:02d}"),
            area_source="register",
        )
        person = make_person(f"业主{n:02d}", f"1360000{n:04d}")
        Ownership.objects.create(unit=unit, person=person)
        world.owners.append((person, unit))
    return world


def _check_log(matter: Matter, casts: int) -> list[LogEntry]:
    matter.refresh_from_db()
    entries = list(LogEntry.objects.filter(matter=matter).order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, casts + 2))
    assert [e.kind for e in entries] == ["open"] + ["ballot"] * casts
    assert entries[0].prev_hash == ledger.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert (matter.log_length, matter.log_head) == (entries[-1].seq, entries[-1].hash)
    check = ledger.verify(matter)
    assert check.problems == []
    assert check.entries == casts + 1
    return entries


def test_many_owners_casting_at_once_all_land_in_one_unbroken_log(many_owners, monkeypatch):
    world = many_owners
    matter = _open_now(world)
    overlapped = _hold_the_first_ballot_until_another_waits(monkeypatch)
    jobs = []
    for n, (person, unit) in enumerate(world.owners):
        voter = Voter.objects.get(matter=matter, units__unit=unit)
        # every third owner changes their mind: two ballots, one after the other, the second counts
        choices = [CHOICES[n % 3], CHOICES[(n + 1) % 3]] if n % 3 == 0 else [CHOICES[n % 3]]
        jobs.append((person.pk, voter.pk, unit.area, choices))
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def cast(person_pk: int, voter_pk: int, choices: list[str]) -> None:
        try:
            person = Person.objects.get(pk=person_pk)
            voter = Voter.objects.get(pk=voter_pk)
            seen = Matter.objects.get(pk=matter.pk)
            start.wait(timeout=20)
            for choice in choices:
                actions.cast_ballot(seen, voter=voter, choice=choice, by=person)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    _run([lambda j=j: cast(j[0], j[1], j[3]) for j in jobs])

    assert errors == []
    assert overlapped == [True]
    casts = sum(len(j[3]) for j in jobs)
    entries = _check_log(matter, casts)

    # one counting ballot per voter: the last of its entries in the log, cast as many times as it was
    ballots = {b.voter_id: b for b in Ballot.objects.filter(matter=matter)}
    assert len(ballots) == OWNERS
    for person_pk, voter_pk, _area, choices in jobs:
        mine = [e for e in entries if e.voter_id == voter_pk]
        assert [e.choice for e in mine] == choices  # one device: in the order cast
        assert all(e.cast_by_id == person_pk and e.channel == "online" for e in mine)
        ballot = ballots[voter_pk]
        assert (ballot.choice, ballot.seq, ballot.times) == (mine[-1].choice, mine[-1].seq, len(choices))

    # the tally: counted now = recounted from the log = counted here from the owners' last choices
    expected = {c: [Decimal("0.00"), 0] for c in CHOICES}
    for _person, _voter, area, choices in jobs:
        expected[choices[-1]][0] += area
        expected[choices[-1]][1] += 1
    current = ledger.current_tally(matter)
    assert current.as_dict() == ledger.recount(matter, entries).as_dict()
    for choice in CHOICES:
        weight = getattr(current, choice)
        assert (weight.area, weight.heads) == tuple(expected[choice])
    assert current.total.heads == OWNERS + 3
    assert current.participating.heads == OWNERS


@pytest.mark.parametrize("secret", [False, True], ids=["open", "secret"])
def test_one_voter_changing_their_ballot_from_several_devices_at_once(many_owners, monkeypatch, secret):
    world = many_owners
    matter = _open_now(world, secret=secret)
    person, unit = world.owners[0]
    voter = Voter.objects.get(matter=matter, units__unit=unit)
    overlapped = _hold_the_first_ballot_until_another_waits(monkeypatch)
    devices = 12
    start = threading.Barrier(devices)
    errors: list[BaseException] = []

    def cast(choice: str) -> None:
        try:
            me = Person.objects.get(pk=person.pk)
            mine = Voter.objects.get(pk=voter.pk)
            seen = Matter.objects.get(pk=matter.pk)
            start.wait(timeout=20)
            actions.cast_ballot(seen, voter=mine, choice=choice, by=me)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    _run([lambda c=CHOICES[n % 3]: cast(c) for n in range(devices)])

    assert errors == []
    assert overlapped == [True]
    entries = _check_log(matter, devices)
    ballots = list(Ballot.objects.filter(matter=matter))
    assert len(ballots) == 1
    ballot = ballots[0]
    last = entries[-1]
    assert last.voter_id == voter.pk
    assert (ballot.voter_id, ballot.seq, ballot.times, ballot.cast_at) == (voter.pk, last.seq, devices, last.at)
    cast_choices = sorted(ledger.entry_choice(e) for e in entries[1:])
    assert cast_choices == sorted(CHOICES[n % 3] for n in range(devices))
    final = ledger.entry_choice(last)
    assert actions.my_choice(voter) == final
    if secret:
        assert ballot.choice == ""
        counts = SecretCount.objects.filter(matter=matter).order_by("choice").values_list("choice", "area", "heads")
        assert list(counts) == sorted((c, unit.area if c == final else Decimal("0.00"), 1 if c == final else 0) for c in CHOICES)
    else:
        assert ballot.choice == final
    current = ledger.current_tally(matter)
    assert current.participating.heads == 1
    assert (getattr(current, final).area, getattr(current, final).heads) == (unit.area, 1)


def test_two_managers_publishing_at_once_one_wins_and_the_other_gets_a_conflict(many_owners, monkeypatch):
    world = many_owners
    matter = _open_now(world)
    for person, unit in world.owners[:40]:
        actions.cast_ballot(matter, voter=Voter.objects.get(matter=matter, units__unit=unit), choice="yes", by=person)
    matter = actions.close_voting(Matter.objects.get(pk=matter.pk), now=matter.closes_at)
    log_length = matter.log_length

    # The winner holds its transaction open (at its audit entry, after its update) until the other
    # manager's publication is seen waiting on the vote's row lock, so the two truly overlap.
    overlapped: list[bool] = []
    first = threading.Lock()
    real_record = audit.record

    def record_after_overlap(**kwargs):
        if kwargs["action"] == "votes.publish" and first.acquire(blocking=False):
            overlapped.append(wait_for_a_blocked_writer())
        return real_record(**kwargs)

    monkeypatch.setattr(audit, "record", record_after_overlap)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def publish(name: str, manager_pk: int) -> None:
        try:
            manager = Person.objects.get(pk=manager_pk)
            seen = Matter.objects.get(pk=matter.pk)  # both read the closed vote, same version
            start.wait(timeout=10)
            actions.publish_result(seen, by=manager, version=seen.version)
            outcomes[name] = "done"
        except Conflict:
            outcomes[name] = "conflict"
        finally:
            connection.close()

    _run([lambda: publish("staff", world.community_staff.pk), lambda: publish("admin", world.admin.pk)], timeout=30)

    assert overlapped == [True]
    assert sorted(outcomes.values()) == ["conflict", "done"]
    winner = {"staff": world.community_staff, "admin": world.admin}[next(n for n, o in outcomes.items() if o == "done")]
    published = Matter.objects.get(pk=matter.pk)
    assert published.status == Status.PUBLISHED
    assert published.version == matter.version + 1
    assert published.log_length == log_length  # publishing writes nothing to the log
    assert published.result["tally"]["yes"]["heads"] == 40
    assert published.result["log_head"] == published.log_head
    publications = AuditEntry.objects.filter(action="votes.publish", object_id=str(matter.pk))
    assert list(publications.values_list("actor_id", flat=True)) == [winner.pk]
    assert ledger.verify(published).problems == []
