"""The bench's neighbourhood events (issue 6), generated at a tiny scale into a throwaway PostgreSQL database:
the rows are as sign-up, cancellation and check-in would have left them, the load's people can sign up for
their events, and the bench's reset takes the events back (skipped when no server listens on 127.0.0.1:5432)."""

import datetime
import hashlib
import os
import socket
import uuid

import pytest

from bench import database
from bench.generate import generate
from bench.generate_events import (
    BURST_CAPACITY,
    CODE_SPACE,
    EVENT_LOAD_DAYS,
    EVENT_TOKEN_NAME,
    EVENTS_NOW,
    SIGNUPS_PER_HOLDER,
    event_counts,
    event_token,
    registration_code,
)
from bench.scales import SCALES, Scale

SERVER = os.environ.get("LINLI_BENCH_TEST_SERVER", "postgres://postgres@127.0.0.1:5432")
TINY = Scale("tinye", subdistricts=1, communities=3, compounds=5, buildings=36, units=1_500, people=3_300, events=700)


def _server_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def test_scales_name_events_in_proportion():
    assert event_counts(SCALES["subdistrict"]) == (50_000, 2_000_000)
    for name in ("demo", "city"):
        scale = SCALES[name]
        ratio = scale.units / SCALES["subdistrict"].units
        assert event_counts(scale) == (round(50_000 * ratio), round(2_000_000 * ratio))
    assert event_counts(Scale("x", 1, 1, 1, 7, 400, 800)) == (100, 4_000)  # per unit, 40 an event
    assert event_counts(TINY) == (700, 28_000)


def test_registration_codes_are_unique_and_typeable():
    from events.models import CODE_ALPHABET, CODE_LENGTH

    codes = [registration_code(i, 12345) for i in range(1, 200_001)]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes[:5000])
    assert registration_code(CODE_SPACE - 1, 0) != registration_code(CODE_SPACE - 2, 0)


pytestmark_db = pytest.mark.skipif(not _server_up(), reason="no PostgreSQL server on 127.0.0.1:5432")


@pytest.fixture(scope="module")
def generated():
    """One tiny dataset for the module: (url, facts)."""
    url = f"{SERVER}/linli_bench_events_{uuid.uuid4().hex[:8]}"
    database.create(url, drop_first=True)
    try:
        database.migrate(url)
        yield url, generate(url, TINY, seed=17, log=lambda _: None)
    finally:
        database.drop(url)


@pytest.fixture
def db(generated):
    import psycopg

    url, facts = generated
    with psycopg.connect(url) as conn:

        def one(sql, *params):
            return conn.execute(sql, params).fetchone()[0]

        def none(sql, *params):
            found = conn.execute(f"SELECT count(*) FROM ({sql}) AS bad", params).fetchone()[0]  # noqa: S608
            assert found == 0, sql

        yield conn, one, none, facts


@pytestmark_db
def test_counters_tickets_codes_and_live_registrations_agree(db):
    conn, one, none, facts = db
    ev = facts["events"]
    n_events, n_regs = event_counts(TINY)
    assert one("SELECT count(*) FROM events_event") == n_events == ev["events"]
    assert one("SELECT count(*) FROM events_registration") == ev["registrations"] == ev["max_registration_id"]
    assert n_regs * 0.9 <= ev["registrations"] <= n_regs
    # The counters on every event (seats) and volunteer role equal its rows; nobody over capacity.
    none(
        "SELECT 1 FROM events_event e LEFT JOIN (SELECT event_id, count(*) FILTER (WHERE role_id IS NULL AND "
        "status = 'confirmed') AS c, count(*) FILTER (WHERE role_id IS NULL AND status = 'waitlisted') AS w, count(*) AS n "
        "FROM events_registration GROUP BY event_id) r ON r.event_id = e.id "
        "WHERE e.confirmed <> coalesce(r.c, 0) OR e.waitlisted <> coalesce(r.w, 0) OR e.next_ticket <> coalesce(r.n, 0) "
        "OR e.confirmed > e.capacity"
    )
    none(
        "SELECT 1 FROM events_volunteerrole v WHERE v.confirmed > v.capacity "
        "OR v.confirmed <> (SELECT count(*) FROM events_registration r WHERE r.role_id = v.id AND r.status = 'confirmed') "
        "OR v.waitlisted <> (SELECT count(*) FROM events_registration r WHERE r.role_id = v.id AND r.status = 'waitlisted')"
    )
    assert one("SELECT count(DISTINCT event_id) FROM events_registration WHERE role_id IS NOT NULL") > 0
    # Tickets 1..n per event, in the order people signed up; codes unique; one live registration per person.
    none("SELECT event_id FROM events_registration GROUP BY event_id HAVING min(ticket) <> 1 OR max(ticket) <> count(*)")
    none(
        "SELECT 1 FROM events_registration a JOIN events_registration b ON b.event_id = a.event_id "
        "AND b.ticket = a.ticket + 1 WHERE b.created_at < a.created_at"
    )
    assert one("SELECT count(DISTINCT code) FROM events_registration") == ev["registrations"]
    none("SELECT event_id, person_id FROM events_registration GROUP BY 1, 2 HAVING count(*) > 1")
    by_status = dict(conn.execute("SELECT status, count(*) FROM events_registration GROUP BY status").fetchall())
    assert by_status == ev["registrations_by_status"] and by_status["cancelled"] > 0 and by_status["waitlisted"] > 0


@pytestmark_db
def test_registrations_are_what_sign_up_cancellation_and_check_in_leave(db):
    conn, one, none, facts = db
    now = datetime.datetime.fromisoformat(EVENTS_NOW)
    # Only the audience signs up: residents under the audience place, or the club's members.
    none(
        "SELECT 1 FROM events_registration r JOIN events_event e ON e.id = r.event_id WHERE e.audience <> 'club' "
        "AND NOT EXISTS (SELECT 1 FROM people_householdmember m WHERE m.person_id = r.person_id AND m.path LIKE e.path || '%%')"
    )
    none(
        "SELECT 1 FROM events_registration r JOIN events_event e ON e.id = r.event_id JOIN events_club c ON c.id = e.club_id "
        "WHERE e.audience = 'club' AND NOT EXISTS (SELECT 1 FROM people_membership m WHERE m.person_id = r.person_id "
        "AND m.organisation_id = c.organisation_id)"
    )
    # Within the sign-up window and before now; drafts have nobody; cancellations and promotions after signing up.
    none(
        "SELECT 1 FROM events_registration r JOIN events_event e ON e.id = r.event_id WHERE r.created_at < e.signup_opens_at "
        "OR r.created_at > e.signup_closes_at OR r.created_at > %s OR e.status = 'draft' "
        "OR (r.status = 'cancelled') <> (r.cancelled_at IS NOT NULL) OR r.cancelled_at < r.created_at "
        "OR r.cancelled_at > e.starts_at OR r.promoted_at < r.created_at "
        "OR r.promoted_at IS NOT NULL AND r.status = 'waitlisted'",
        now,
    )
    # First come, first served: nobody waits while someone who came later has a seat they were not promoted to,
    # and nobody waits for a seat that is free.
    none(
        "SELECT 1 FROM events_registration w JOIN events_registration c ON c.event_id = w.event_id "
        "AND c.role_id IS NOT DISTINCT FROM w.role_id AND c.status = 'confirmed' AND c.promoted_at IS NULL "
        "AND c.ticket > w.ticket WHERE w.status = 'waitlisted'"
    )
    none("SELECT 1 FROM events_event WHERE waitlisted > 0 AND confirmed < capacity")
    assert one("SELECT count(*) FROM events_registration WHERE promoted_at IS NOT NULL") > 0
    # Check-in: confirmed people of published events that have started, around the start; most of them.
    none(
        "SELECT 1 FROM events_registration r JOIN events_event e ON e.id = r.event_id WHERE r.checked_in_at IS NOT NULL "
        "AND (r.status <> 'confirmed' OR e.status <> 'published' OR r.checked_in_at < e.starts_at - interval '2 hours' "
        "OR r.checked_in_at > e.ends_at + interval '1 hour' OR r.checked_in_at > %s OR r.checked_in_by_id IS NULL)",
        now,
    )
    past = one(
        "SELECT count(*) FILTER (WHERE r.checked_in_at IS NOT NULL)::float / count(*) FROM events_registration r "
        "JOIN events_event e ON e.id = r.event_id WHERE r.status = 'confirmed' AND e.status = 'published' AND e.ends_at < %s",
        now,
    )
    assert 0.7 < past < 0.9
    assert one("SELECT count(*) FROM events_registration r JOIN events_event e ON e.id = r.event_id WHERE e.starts_at > %s "
               "AND r.checked_in_at IS NOT NULL", now) == 0  # fmt: skip


@pytestmark_db
def test_events_clubs_and_their_shape(db):
    conn, one, none, facts = db
    ev = facts["events"]
    now = datetime.datetime.fromisoformat(EVENTS_NOW)
    # Events: the audience place and its path, the community, windows, seats 20–300, statuses by time.
    none(
        "SELECT 1 FROM events_event e JOIN places_place a ON a.id = e.audience_place_id JOIN places_place c "
        "ON c.id = e.community_id WHERE e.path <> a.path OR c.kind NOT IN ('community', 'village') "
        "OR e.audience = 'compound' AND (a.kind <> 'compound' OR a.parent_id <> c.id) "
        "OR e.audience = 'community' AND a.id <> c.id OR e.audience = 'subdistrict' AND a.id <> c.parent_id "
        "OR e.audience = 'club' AND e.club_id IS NULL"
    )
    none(
        "SELECT 1 FROM events_event e LEFT JOIN events_club c ON c.id = e.club_id WHERE e.club_id IS NOT NULL "
        "AND e.organiser_id <> c.organisation_id OR e.capacity NOT BETWEEN 20 AND 300 "
        "OR e.signup_closes_at > e.starts_at OR e.created_at > e.signup_opens_at OR e.created_at > %s "
        "OR e.status = 'draft' AND e.starts_at <= %s OR e.next_ticket > 0 AND e.status = 'draft'",
        now,
        now,
    )
    statuses = dict(conn.execute("SELECT status, count(*) FROM events_event GROUP BY status").fetchall())
    assert statuses == ev["events_by_status"] and statuses["published"] > 0.85 * ev["events"] and statuses.get("cancelled")
    upcoming = one("SELECT count(*) FROM events_event WHERE starts_at > %s", now)
    assert upcoming == ev["upcoming"] and 0.03 < upcoming / ev["events"] < 0.08  # about 5% ahead
    assert one("SELECT min(starts_at) FROM events_event") < now - datetime.timedelta(days=900)
    audiences = dict(conn.execute("SELECT audience, count(*) FROM events_event GROUP BY audience").fetchall())
    assert audiences["community"] > max(audiences["compound"], audiences["subdistrict"], audiences["club"])
    # power law: festivals fill up, classes stay small
    fill = dict(conn.execute("SELECT kind, avg(next_ticket::float / capacity) FROM events_event "
                             "WHERE status = 'published' AND ends_at < %s GROUP BY kind", [now]).fetchall())  # fmt: skip
    assert fill["festival"] > 0.6 > fill["learning"]
    # The reminder's mark where the 15-minute run would have set it; encounters are not generated.
    none(
        "SELECT 1 FROM events_event WHERE (reminded_at IS NOT NULL) <> (status = 'published' AND starts_at - interval "
        "'1 day' <= %s) OR reminded_at < starts_at - interval '1 day' OR reminded_at > starts_at OR encounters_at IS NOT NULL",
        now,
    )
    # Clubs: an organisation of a cultural, self-organised or mutual-aid kind, its officers and members living there.
    none(
        "SELECT 1 FROM events_club c JOIN people_organisation o ON o.id = c.organisation_id WHERE c.path <> o.path "
        "OR o.kind NOT IN ('cultural', 'self_organisation', 'mutual_aid')"
    )
    none(
        "SELECT 1 FROM events_club c WHERE (SELECT count(*) FROM people_membership m WHERE m.organisation_id = "
        "c.organisation_id AND m.position IN ('chair', 'secretary')) <> 2"
    )
    none(
        "SELECT 1 FROM events_club c JOIN people_membership m ON m.organisation_id = c.organisation_id "
        "WHERE NOT EXISTS (SELECT 1 FROM people_householdmember h WHERE h.person_id = m.person_id AND h.path LIKE c.path || '%%')"
    )
    personas = [p["person_id"] for name, p in facts["personas"].items() if name != "event_resident"]
    none("SELECT 1 FROM people_membership WHERE person_id = ANY(%s)", personas)


@pytestmark_db
def test_the_loads_people_can_sign_up_for_their_events(db):
    conn, one, none, facts = db
    ev = facts["events"]
    now = datetime.datetime.fromisoformat(EVENTS_NOW)
    until = datetime.datetime.fromisoformat(ev["load_valid_until"])
    assert until == now + datetime.timedelta(days=EVENT_LOAD_DAYS)
    holders = ev["holders"]
    people = [p for p, _ in holders]
    assert len(people) == len(set(people)) >= 100
    assert not set(people) & {p["person_id"] for name, p in facts["personas"].items() if name != "event_resident"}
    hashes = dict(conn.execute("SELECT person_id, key_hash FROM people_apitoken WHERE name = %s", [EVENT_TOKEN_NAME]).fetchall())
    assert hashes == {p: hashlib.sha256(event_token(17, p).encode()).hexdigest() for p in people}
    persona = facts["personas"]["event_resident"]
    assert persona["person_id"] == people[0] and persona["api_token"] == event_token(17, people[0])
    pairs = [(p, e) for p, events in holders for e in events]
    assert all(len(set(events)) == len(events) == SIGNUPS_PER_HOLDER for _, events in holders)
    conn.execute("CREATE TEMP TABLE pairs (person_id bigint, event_id bigint)")
    with conn.cursor().copy("COPY pairs FROM STDIN") as copy:
        for pair in pairs:
            copy.write_row(pair)
    # open for sign-up now and until the load's window ends, the audience theirs (not a club), not registered yet
    none(
        "SELECT 1 FROM pairs x JOIN events_event e ON e.id = x.event_id WHERE e.status <> 'published' OR e.audience = 'club' "
        "OR e.signup_opens_at > %s OR e.signup_closes_at <= %s OR e.starts_at <= %s "
        "OR NOT EXISTS (SELECT 1 FROM people_householdmember m WHERE m.person_id = x.person_id AND m.path LIKE e.path || '%%') "
        "OR EXISTS (SELECT 1 FROM events_registration r WHERE r.event_id = x.event_id AND r.person_id = x.person_id)",
        now,
        until,
        until,
    )
    assert one("SELECT count(DISTINCT event_id) FROM pairs") > 5
    # The burst's event: 100 seats, open to the whole sub-district, sign-up open, nobody registered.
    burst = ev["burst"]
    row = conn.execute(
        "SELECT capacity, audience, status, signup_opens_at, signup_closes_at, next_ticket, confirmed, waitlisted, path "
        "FROM events_event WHERE id = %s",
        [burst["id"]],
    ).fetchone()
    assert row[:3] == (BURST_CAPACITY, "subdistrict", "published") and row[3] <= now and row[4] > until
    assert row[5:8] == (0, 0, 0) and one("SELECT count(*) FROM events_registration WHERE event_id = %s", burst["id"]) == 0
    assert burst["users"] == people[: len(burst["users"])]
    none(
        "SELECT 1 FROM unnest(%s::bigint[]) AS u(person_id) WHERE NOT EXISTS (SELECT 1 FROM people_householdmember m "
        "WHERE m.person_id = u.person_id AND m.path LIKE %s)",
        burst["users"],
        row[8] + "%",
    )
    # The resident persona has coming events open to them (their compound, community, sub-district).
    resident = facts["personas"]["resident"]["person_id"]
    assert (
        one(
            "SELECT count(*) FROM events_event e WHERE e.status = 'published' AND e.starts_at > %s AND e.audience <> 'club' "
            "AND EXISTS (SELECT 1 FROM people_householdmember m WHERE m.person_id = %s AND m.path LIKE e.path || '%%')",
            now,
            resident,
        )
        == ev["resident_upcoming"]
        > 0
    )


@pytestmark_db
def test_the_bench_reset_takes_the_events_back(db):
    from bench.event_scenarios import RECOUNT_EVENTS, RECOUNT_ROLES, RESET_SQL

    conn, one, none, facts = db
    ev = facts["events"]
    snapshot = "SELECT md5(string_agg(concat_ws('|', id, confirmed, waitlisted, next_ticket), ',' ORDER BY id)) FROM events_event"
    generated = one(snapshot)
    assert conn.execute(RECOUNT_EVENTS).fetchone()[1:] == (0, 0, 0) and one(RECOUNT_ROLES) == 0
    # Two sign-ups as the bench's load makes them: the burst's event and a holder's event take a seat each.
    person, events = ev["holders"][1]
    for event in (ev["burst"]["id"], events[0]):
        ticket = one(
            "UPDATE events_event SET confirmed = confirmed + 1, next_ticket = next_ticket + 1 WHERE id = %s "
            "RETURNING next_ticket",
            event,
        )
        conn.execute(
            "INSERT INTO events_registration (event_id, person_id, status, ticket, code, created_at) "
            "VALUES (%s, %s, 'confirmed', %s, %s, now())",
            [event, person, ticket, f"ZZ{event:06d}"[:8]],
        )
    conn.execute("UPDATE people_apitoken SET last_used_at = now() WHERE person_id = %s AND name = %s", [person, EVENT_TOKEN_NAME])
    assert one(snapshot) != generated and conn.execute(RECOUNT_EVENTS).fetchone()[1:] == (0, 0, 0)
    conn.execute("UPDATE events_event SET confirmed = confirmed + 1 WHERE id = %s", [events[0]])  # a counter gone wrong
    assert conn.execute(RECOUNT_EVENTS).fetchone()[1] == 1
    params = {"max_id": ev["max_registration_id"], "token": EVENT_TOKEN_NAME}
    counts = [conn.execute(sql, params).rowcount for sql in RESET_SQL]
    conn.commit()
    assert counts[:2] == [2, 2]
    assert one(snapshot) == generated
    assert one("SELECT count(*) FROM events_registration") == ev["registrations"]
    assert one("SELECT count(*) FROM people_apitoken WHERE last_used_at IS NOT NULL AND name = %s", EVENT_TOKEN_NAME) == 0
