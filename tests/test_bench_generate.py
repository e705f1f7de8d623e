"""The bench generator, at a tiny scale, into a throwaway PostgreSQL database: counts, shape and
materialised paths are consistent (skipped when no server listens on 127.0.0.1:5432)."""

import os
import socket
import uuid

import pytest

from bench import database
from bench.generate import BUILDING_UNITS, COMPOUND_UNITS, TABLES, UNIT_PEOPLE, allocate, generate, make_plan
from bench.scales import Scale

SERVER = os.environ.get("LINLI_BENCH_TEST_SERVER", "postgres://postgres@127.0.0.1:5432")
TINY = Scale("tiny", subdistricts=2, communities=4, compounds=5, buildings=40, units=1_600, people=3_500)


FINGERPRINT = (
    "SELECT md5(string_agg(concat_ws('|', p.id, p.name, p.mobile, p.name_pinyin, m.unit_id, m.relation), ',' ORDER BY p.id)) "
    "FROM people_person p LEFT JOIN people_householdmember m ON m.person_id = p.id"
)


def _server_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _server_up(), reason="no PostgreSQL server on 127.0.0.1:5432")


def test_allocate_respects_bounds_and_total():
    parts = allocate(1000, [1, 50, 2, 3, 0.1], 10, 400)
    assert sum(parts) == 1000
    assert all(10 <= p <= 400 for p in parts)
    assert parts[1] == 400  # the heavy weight is capped
    with pytest.raises(ValueError):
        allocate(10, [1, 1], 6, 9)


def test_plan_is_deterministic_and_within_shape():
    import random

    a, b = make_plan(TINY, random.Random(7)), make_plan(TINY, random.Random(7))
    assert a == b
    assert sum(a.units_per_compound) == TINY.units and sum(a.buildings_per_compound) == TINY.buildings
    assert all(COMPOUND_UNITS[0] <= u <= COMPOUND_UNITS[1] for u in a.units_per_compound)
    assert all(BUILDING_UNITS[0] <= u <= BUILDING_UNITS[1] for u in a.units_per_building)
    assert all(UNIT_PEOPLE[0] <= n <= UNIT_PEOPLE[1] for n in a.people_per_unit)
    assert sum(a.people_per_unit) == TINY.people


@pytest.fixture(scope="module")
def bench_db():
    """One migrated database for the module (migrating takes a few seconds)."""
    url = f"{SERVER}/linli_bench_test_{uuid.uuid4().hex[:8]}"
    database.create(url, drop_first=True)
    try:
        database.migrate(url)
        yield url
    finally:
        database.drop(url)


def test_generate_tiny_scale(bench_db):
    import psycopg

    facts = generate(bench_db, TINY, seed=3, log=lambda _: None)
    with psycopg.connect(bench_db) as conn:

        def one(sql, *params):
            return conn.execute(sql, params).fetchone()[0]

        counts = facts["counts"]
        assert one("SELECT count(*) FROM places_place WHERE kind = 'subdistrict'") == TINY.subdistricts
        assert one("SELECT count(*) FROM places_place WHERE kind IN ('community', 'village')") == TINY.communities
        assert one("SELECT count(*) FROM places_place WHERE kind = 'compound'") == TINY.compounds
        assert one("SELECT count(*) FROM places_place WHERE kind = 'building'") == TINY.buildings
        assert one("SELECT count(*) FROM places_unit") == TINY.units == counts["places_unit"]
        assert one("SELECT count(DISTINCT person_id) FROM people_householdmember") == TINY.people
        assert one("SELECT count(*) FROM people_person") == facts["persons"] == counts["people_person"]

        # Paths: a place's path is its parent's plus its own segment; units and members carry the building's.
        assert (
            one(
                "SELECT count(*) FROM places_place c LEFT JOIN places_place p ON p.id = c.parent_id "
                "WHERE c.path <> coalesce(p.path, '') || lpad(c.id::text, 9, '0') || '.' "
                "OR c.depth <> length(c.path) / 10 - 1"
            )
            == 0
        )
        assert (
            one(
                "SELECT count(*) FROM places_unit u JOIN places_place b ON b.id = u.building_id "
                "WHERE u.path <> b.path OR b.kind <> 'building'"
            )
            == 0
        )
        assert (
            one("SELECT count(*) FROM people_householdmember m JOIN places_unit u ON u.id = m.unit_id WHERE m.path <> u.path")
            == 0
        )
        assert (
            one("SELECT count(*) FROM people_roleassignment r JOIN places_place p ON p.id = r.place_id WHERE r.path <> p.path")
            == 0
        )
        assert (
            one("SELECT count(*) FROM people_organisation o JOIN places_place p ON p.id = o.place_id WHERE o.path <> p.path") == 0
        )

        # Subtree counts: the units under each community add up to all units.
        per_community = conn.execute(
            "SELECT c.id, (SELECT count(*) FROM places_unit u WHERE u.path LIKE c.path || '%%') "
            "FROM places_place c WHERE c.kind IN ('community', 'village')"
        ).fetchall()
        assert sum(n for _, n in per_community) == TINY.units
        assert all(n >= COMPOUND_UNITS[0] for _, n in per_community)

        # Shape: building sizes, people per unit, one leader a building, a quarter rented.
        sizes = [n for (n,) in conn.execute("SELECT count(*) FROM places_unit GROUP BY building_id")]
        assert min(sizes) >= BUILDING_UNITS[0] and max(sizes) <= BUILDING_UNITS[1]
        members = [n for (n,) in conn.execute("SELECT count(*) FROM people_householdmember GROUP BY unit_id")]
        assert len(members) == TINY.units and min(members) >= 1 and max(members) <= 5
        assert one("SELECT count(*) FROM people_roleassignment WHERE role = 'building_leader'") == TINY.buildings
        assert (
            one(
                "SELECT count(*) FROM places_place b WHERE b.kind = 'building' AND NOT EXISTS (SELECT 1 FROM "
                "people_roleassignment r JOIN people_householdmember m ON m.person_id = r.person_id "
                "WHERE r.place_id = b.id AND r.role = 'building_leader' AND m.path = b.path)"
            )
            == 0
        )  # every leader lives in their building
        rented = one("SELECT count(DISTINCT unit_id) FROM people_householdmember WHERE relation = 'tenant'")
        assert 0.15 < rented / TINY.units < 0.35
        assert (
            one("SELECT count(*) FROM places_unit u WHERE NOT EXISTS (SELECT 1 FROM people_ownership o WHERE o.unit_id = u.id)")
            == 0
        )
        assert one("SELECT count(*) FROM people_person WHERE mobile IS NOT NULL") == one(
            "SELECT count(DISTINCT mobile) FROM people_person"
        )

        # Personas: known password for them only; sequences continue after the generated ids.
        personas = facts["personas"]
        assert one("SELECT count(*) FROM people_person WHERE password <> '!'") == len(personas)
        staff = personas["community_staff"]
        assert (
            one(
                "SELECT count(*) FROM people_roleassignment WHERE person_id = %s AND role = 'community_staff' AND place_id = %s",
                staff["person_id"],
                staff["place_id"],
            )
            == 1
        )
        next_id = one("SELECT nextval(pg_get_serial_sequence('people_person', 'id'))")
        assert next_id > facts["persons"]

    from django.contrib.auth.hashers import check_password

    with psycopg.connect(bench_db) as conn:
        hashed = conn.execute("SELECT password FROM people_person WHERE id = %s", [staff["person_id"]]).fetchone()[0]
    assert check_password(facts["persona_password"], hashed)


def test_generate_is_deterministic(bench_db):
    import psycopg

    small = Scale("tiny1", 1, 1, 1, 7, 210, 400)

    def empty():
        with psycopg.connect(bench_db) as conn:
            for table in reversed(list(TABLES)):
                conn.execute(f"DELETE FROM {table}")  # noqa: S608

    empty()
    first = generate(bench_db, small, seed=11, log=lambda _: None)
    with psycopg.connect(bench_db) as conn:
        snapshot = conn.execute(FINGERPRINT).fetchone()[0]
    empty()
    second = generate(bench_db, small, seed=11, log=lambda _: None)
    with psycopg.connect(bench_db) as conn:
        again = conn.execute(FINGERPRINT).fetchone()[0]
    assert snapshot == again
    assert first["counts"] == second["counts"] and first["personas"] == second["personas"]
