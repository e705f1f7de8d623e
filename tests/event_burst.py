"""Many residents signing up for one event at the same moment, from real threads (each with its own database
connection), and the checks every burst must pass. Used by tests/test_event_concurrency.py in the test
database (PostgreSQL) and, run as ``python -m tests.event_burst DBFILE``, on a SQLite file in a process of
its own (SQLite needs a file that several connections share, not the test run's in-memory database).
"""

import json
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta


@dataclass
class Attempt:
    person_id: int
    started: float
    finished: float
    ticket: int | None
    status: str | None
    error: str = ""


def burst(event_id: int, person_ids: list[int], threads: int = 16) -> list[Attempt]:
    """Every person signs up once, ``threads`` at a time, all released together."""
    from django.db import connections

    from events import actions
    from events.models import Event
    from people.models import Person

    work: queue.Queue[int] = queue.Queue()
    for pk in person_ids:
        work.put(pk)
    results: list[Attempt] = []
    lock = threading.Lock()
    gate = threading.Barrier(threads)

    def worker() -> None:
        try:
            event = Event.objects.select_related("audience_place", "club").get(pk=event_id)
            people = {p.pk: p for p in Person.objects.filter(pk__in=person_ids)}
            gate.wait()
            while True:
                try:
                    pk = work.get_nowait()
                except queue.Empty:
                    return
                started = time.monotonic()
                try:
                    reg = actions.sign_up(event, people[pk])
                    attempt = Attempt(pk, started, time.monotonic(), reg.ticket, reg.status)
                except Exception as exc:  # noqa: BLE001 - every failure is reported and fails the check
                    attempt = Attempt(pk, started, time.monotonic(), None, None, f"{type(exc).__name__}: {exc}")
                with lock:
                    results.append(attempt)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in pool), "a sign-up thread hung"
    return results


def check(event_id: int, attempts: list[Attempt], capacity: int) -> list[str]:
    """What is wrong with a burst's outcome (nothing, when it is right)."""
    from events import actions
    from events.models import Event, Registration

    problems = [f"{a.person_id}: {a.error}" for a in attempts if a.error][:5]
    event = Event.objects.get(pk=event_id)
    n = len(attempts)
    rows = list(Registration.objects.filter(event=event).order_by("ticket").values_list("ticket", "status", "person_id"))
    if len(rows) != n or len({r[2] for r in rows}) != n:
        problems.append(f"{len(rows)} registrations for {n} sign-ups")
    if [r[0] for r in rows] != list(range(1, n + 1)):
        problems.append("tickets are not 1..n without gaps")
    confirmed = [r for r in rows if r[1] == "confirmed"]
    if len(confirmed) != min(capacity, n):
        problems.append(f"{len(confirmed)} confirmed for {capacity} seats")
    if [r[0] for r in confirmed] != list(range(1, len(confirmed) + 1)):
        problems.append("the confirmed are not the first to arrive")
    if (event.confirmed, event.waitlisted) != (len(confirmed), n - len(confirmed)):
        problems.append(f"counters {event.confirmed}/{event.waitlisted} disagree with the rows")
    if actions.recount(event) != {"confirmed": event.confirmed, "waitlisted": event.waitlisted}:
        problems.append("recount disagrees")
    # Arrival order: whoever finished signing up before another started holds the lower ticket.
    done = sorted((a for a in attempts if a.ticket), key=lambda a: a.finished)
    later = sorted((a for a in attempts if a.ticket), key=lambda a: a.started)
    j, best = 0, 0
    for b in later:
        while j < len(done) and done[j].finished < b.started:
            best = max(best, done[j].ticket)
            j += 1
        if best and b.ticket < best:
            problems.append(f"ticket {b.ticket} was handed out after ticket {best} had been")
            break
    return problems


def setup_world(people: int, capacity: int):
    """A community, a compound with one building of ``people`` residents, and a published event for them."""
    from decimal import Decimal

    from django.utils import timezone

    from events import actions
    from people.models import HouseholdMember, Organisation, Person, Role, RoleAssignment
    from places.models import Place, Unit

    subdistrict = Place.objects.create(kind=Place.Kind.SUBDISTRICT, name="桂城街道")
    community = Place.objects.create(kind=Place.Kind.COMMUNITY, name="灯湖社区", parent=subdistrict)
    compound = Place.objects.create(kind=Place.Kind.COMPOUND, name="万科金色家园", parent=community)
    building = Place.objects.create(kind=Place.Kind.BUILDING, name="1栋", parent=compound)
    unit = Unit.objects.create(building=building, label="101", area=Decimal("80"), area_source="register")
    staff = Person.objects.create(name="刘社工", mobile="13900000999")
    RoleAssignment.objects.create(person=staff, role=Role.COMMUNITY_STAFF, place=community)
    committee = Organisation.objects.create(kind=Organisation.Kind.RESIDENTS_COMMITTEE, name="灯湖社区居委会", place=community)
    residents = Person.objects.bulk_create(Person(name=f"居民{i}", mobile=f"135{i:08d}", password="!") for i in range(people))
    HouseholdMember.objects.bulk_create(HouseholdMember(person=p, unit=unit, path=unit.path) for p in residents)
    now = timezone.now()
    event = actions.create_event(
        by=staff,
        organiser=committee,
        title="邻里节·百家宴",
        community=community,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=3),
        capacity=capacity,
        location="灯湖广场",
        publish=True,
    )
    return event, [p.pk for p in residents]


def main(db_file: str, people: int = 2000, capacity: int = 100) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    event, person_ids = setup_world(people, capacity)
    began = time.monotonic()
    attempts = burst(event.pk, person_ids)
    seconds = time.monotonic() - began
    print(json.dumps({"attempts": len(attempts), "seconds": round(seconds, 2), "problems": check(event.pk, attempts, capacity)}))


if __name__ == "__main__":
    main(sys.argv[1], *map(int, sys.argv[2:]))
