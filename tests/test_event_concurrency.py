"""2,000 residents signing up in the same few seconds for 100 seats: exactly 100 confirmed, the rest on the
waiting list in arrival order, counters equal to the rows; on PostgreSQL in the test database with real
threads, and on SQLite in a process of its own over a database file. Cancellations racing sign-ups never
overbook and never lose a promotion."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from events import actions
from events.models import Event, Registration, RegistrationStatus
from tests.event_burst import burst, check, setup_world

ROOT = Path(settings.BASE_DIR)
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL; SQLite runs in its own process below"
)


@on_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_thousand_for_a_hundred_seats_on_postgresql():
    event, person_ids = setup_world(2000, 100)
    attempts = burst(event.pk, person_ids, threads=16)
    assert len(attempts) == 2000
    assert check(event.pk, attempts, 100) == []


@on_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cancellations_racing_sign_ups_never_overbook():
    event, person_ids = setup_world(300, 30)
    first, rest = person_ids[:60], person_ids[60:]
    assert check(event.pk, burst(event.pk, first, threads=8), 30) == []
    leaving = list(Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).select_related("person")[:20])

    def cancel_all() -> None:
        try:
            for reg in leaving:
                actions.cancel_registration(reg, by=reg.person)
        finally:
            connections.close_all()

    canceller = threading.Thread(target=cancel_all)
    canceller.start()
    attempts = burst(event.pk, rest, threads=8)
    canceller.join(timeout=120)
    assert not canceller.is_alive()
    assert not [a for a in attempts if a.error]

    event = Event.objects.get(pk=event.pk)
    rows = Registration.objects.filter(event=event)
    confirmed = rows.filter(status=RegistrationStatus.CONFIRMED)
    waiting = rows.filter(status=RegistrationStatus.WAITLISTED)
    assert confirmed.count() == 30 == event.confirmed
    assert waiting.count() == 300 - 30 - 20 == event.waitlisted
    # the seats went to the earliest still waiting: every confirmed ticket is below every waiting one
    assert max(confirmed.values_list("ticket", flat=True)) < min(waiting.values_list("ticket", flat=True))


def test_two_thousand_for_a_hundred_seats_on_sqlite(tmp_path):
    db = tmp_path / "burst.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(  # noqa: S603 - our own module, our own arguments
        [sys.executable, "-m", "tests.event_burst", str(db), "2000", "100"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["attempts"] == 2000
    assert outcome["problems"] == []
