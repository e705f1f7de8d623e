"""No double booking, guaranteed by the database.

On both SQLite and PostgreSQL the database itself refuses a second approved booking of a room over an
overlapping time, however the row is written (the ORM bypassing the actions: create, update, bulk
create). On PostgreSQL, many staff approving and holding overlapping bookings of one room at the same
moment, each in its own thread and connection, leave exactly one approved booking; every other gets the
translated refusal naming the booking that won."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import translation

from core import audit
from people.models import Person
from places import rooms
from tests.locks import run_together, wait_for_a_blocked_writer
from tests.test_venue_actions import ask, at, make_venue_world
from venues import actions
from venues.models import NO_OVERLAP, Booking, Status


@pytest.fixture
def venue_world(world):
    return make_venue_world(world)


def _row(w, starts_at, ends_at, *, status=Status.APPROVED, room=None, title="直接写入") -> Booking:
    return Booking(
        room=room or w.hall,
        path=w.compound.path,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title,
        requested_by=w.community_staff,
        status=status,
        cancel_reason="取消" if status == Status.CANCELLED else "",
    )


def _refused_by_the_database(write) -> None:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        write()
    assert NO_OVERLAP in str(caught.value)


def test_the_database_refuses_an_overlapping_approved_booking_written_past_the_actions(venue_world):
    w = venue_world
    first = _row(w, at(3, 10), at(3, 12))
    first.save()

    _refused_by_the_database(lambda: _row(w, at(3, 11), at(3, 13)).save())
    _refused_by_the_database(lambda: _row(w, at(3, 9), at(3, 14)).save())  # around it
    _refused_by_the_database(lambda: _row(w, at(3, 10, 30), at(3, 11)).save())  # inside it
    _refused_by_the_database(lambda: Booking.objects.bulk_create([_row(w, at(3, 11, 59), at(3, 12, 30))]))

    # a pending request may overlap; approving it with a plain UPDATE may not
    request = _row(w, at(3, 11), at(3, 13), status=Status.REQUESTED)
    request.save()
    _refused_by_the_database(lambda: Booking.objects.filter(pk=request.pk).update(status=Status.APPROVED))
    # nor may an approved booking be moved onto another
    later = _row(w, at(3, 14), at(3, 16))
    later.save()
    _refused_by_the_database(lambda: Booking.objects.filter(pk=later.pk).update(starts_at=at(3, 11, 30)))
    _refused_by_the_database(
        lambda: Booking.objects.filter(pk=later.pk).update(room=w.hall, ends_at=at(3, 16), starts_at=at(3, 9))
    )

    # allowed: touching, another room, cancelled or declined rows, and saving the approved row itself again
    _row(w, at(3, 12), at(3, 14)).save()
    _row(w, at(3, 10), at(3, 12), room=w.library).save()
    _row(w, at(3, 10), at(3, 12), status=Status.CANCELLED).save()
    _row(w, at(3, 10), at(3, 12), status=Status.DECLINED).save()
    first.title = "改了标题"
    first.save()
    Booking.objects.filter(pk=later.pk).update(title="也改了")

    hall = Booking.objects.filter(room=w.hall, status=Status.APPROVED).order_by("starts_at")
    assert [(b.starts_at, b.ends_at) for b in hall] == [(at(3, 10), at(3, 12)), (at(3, 12), at(3, 14)), (at(3, 14), at(3, 16))]


def test_the_action_turns_the_databases_refusal_into_the_translated_reason(venue_world, monkeypatch):
    """When the check in the action misses the clash (here: made blind to it, as when another approval
    commits at the same moment), the database refuses and the action answers as the check would."""
    w = venue_world
    request = ask(w, starts_at=at(3, 11), ends_at=at(3, 13), by=w.neighbour)
    winner = actions.hold_room(room=w.hall, starts_at=at(3, 10), ends_at=at(3, 12), title="党员学习日", by=w.community_staff)
    monkeypatch.setattr(actions, "_refuse_clash", lambda *args, **kwargs: None)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        actions.approve_booking(request, by=w.community_staff)
    assert caught.value.message_dict == {
        "room": [f"The room is already booked {rooms.span_text(winner.starts_at, winner.ends_at)}: “党员学习日”."]
    }
    request.refresh_from_db()
    assert (request.status, request.version) == (Status.REQUESTED, 1)
    with pytest.raises(ValidationError) as caught:
        actions.hold_room(room=w.hall, starts_at=at(3, 9), ends_at=at(3, 10, 30), title="x", by=w.admin)
    assert list(caught.value.message_dict) == ["room"]
    assert Booking.objects.filter(room=w.hall, status=Status.APPROVED).count() == 1


# --- PostgreSQL: real threads ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL; SQLite serialises writers")
@pytest.mark.django_db(transaction=True)
def test_many_approving_and_holding_one_room_at_once_leave_exactly_one_approved_booking(venue_world, monkeypatch):
    w = venue_world
    staff = [w.community_staff, w.admin]
    requesters = [w.resident, w.neighbour, w.b2_resident, w.building_leader]
    requests = [
        ask(w, by=requesters[n % 4], title=f"申请{n}", starts_at=at(5, 9 + n % 3), ends_at=at(5, 12 + n % 2)) for n in range(8)
    ]
    holds = [(at(5, 10, 30), at(5, 11, 30), f"活动{n}") for n in range(4)]  # overlapping every request

    # The first writer keeps its transaction open (at its audit entry, after its write) until another is
    # seen waiting for it, so the approvals truly overlap past the actions' own check.
    overlapped: list[bool] = []
    first = threading.Lock()
    real_record = audit.record

    def record(**kwargs):
        if kwargs["action"] in ("booking.approved", "booking.booked") and first.acquire(blocking=False):
            overlapped.append(wait_for_a_blocked_writer())
        return real_record(**kwargs)

    monkeypatch.setattr(audit, "record", record)
    jobs = [("approve", r.pk) for r in requests] + [("hold", h) for h in holds]
    start = threading.Barrier(len(jobs))
    won: list[int] = []
    refusals: list[dict] = []
    errors: list[BaseException] = []

    def run(kind, what, n):
        try:
            with translation.override("en"):
                by = Person.objects.get(pk=staff[n % 2].pk)
                booking = Booking.objects.select_related("room__venue__place").get(pk=what) if kind == "approve" else None
                start.wait(timeout=20)
                try:
                    if kind == "approve":
                        won.append(actions.approve_booking(booking, by=by).pk)
                    else:
                        starts_at, ends_at, title = what
                        room = type(w.hall).objects.select_related("venue__place").get(pk=w.hall.pk)
                        won.append(actions.hold_room(room=room, starts_at=starts_at, ends_at=ends_at, title=title, by=by).pk)
                except ValidationError as exc:
                    refusals.append(exc.message_dict)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    run_together([threading.Thread(target=run, args=(kind, what, n)) for n, (kind, what) in enumerate(jobs)])

    assert errors == []
    assert overlapped == [True]
    assert len(won) == 1
    approved = list(Booking.objects.filter(room=w.hall, status=Status.APPROVED))
    assert [b.pk for b in approved] == won
    winner = approved[0]
    assert len(refusals) == len(jobs) - 1
    expected = f"The room is already booked {rooms.span_text(winner.starts_at, winner.ends_at)}: “{winner.title}”."
    assert all(r == {"room": [expected]} for r in refusals)
    # the refused requests are untouched, still waiting
    still = Booking.objects.filter(pk__in=[r.pk for r in requests]).exclude(pk=winner.pk)
    assert {(b.status, b.version) for b in still} == {(Status.REQUESTED, 1)}
    assert Booking.objects.filter(room=w.hall).count() == len(requests) + (1 if winner.pk not in {r.pk for r in requests} else 0)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_the_exclusion_constraint_is_in_place(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", [NO_OVERLAP])
        (definition,) = cursor.fetchone()
    assert "EXCLUDE USING gist" in definition
    assert "tstzrange(starts_at, ends_at, '[)'::text) WITH &&" in definition
    assert "WHERE (((status)::text = 'approved'::text))" in definition


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers")
def test_the_triggers_are_in_place(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'venues_booking' ORDER BY name")
        assert [row[0] for row in cursor.fetchall()] == [f"{NO_OVERLAP}_insert", f"{NO_OVERLAP}_update"]


def test_a_write_aborted_by_a_deadlock_is_tried_again(venue_world):
    """PostgreSQL may abort one of two overlapping writes checking the exclusion constraint at the same
    moment ("deadlock detected"); the write is tried again, a few times at most. Other errors are not."""

    class Deadlock(Exception):
        sqlstate = "40P01"

    booking = ask(venue_world)
    calls: list[int] = []

    def deadlocks(times: int):
        def write():
            calls.append(1)
            if len(calls) <= times:
                raise OperationalError("deadlock detected") from Deadlock()

        return write

    actions._write(deadlocks(1), booking)
    assert len(calls) == 2
    calls.clear()
    with pytest.raises(OperationalError):
        actions._write(deadlocks(5), booking)
    assert len(calls) == actions.WRITE_ATTEMPTS
    calls.clear()

    def broken():
        calls.append(1)
        raise OperationalError("disk I/O error")

    with pytest.raises(OperationalError):
        actions._write(broken, booking)
    assert len(calls) == 1
