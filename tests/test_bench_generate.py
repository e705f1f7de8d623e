"""The bench generator, at a tiny scale, into a throwaway PostgreSQL database: counts, shape and
materialised paths are consistent (skipped when no server listens on 127.0.0.1:5432)."""

import os
import socket
import uuid

import pytest

from bench import database
from bench.generate import (
    ACTION_SWEEP_GAP_DAYS,
    ACTIONS_NOW,
    BUILDING_UNITS,
    COMPOUND_UNITS,
    TABLES,
    UNIT_PEOPLE,
    VOTE_TABLES,
    allocate,
    deliberation_counts,
    generate,
    make_plan,
    vote_token,
    vote_units,
)
from bench.scales import Scale

SERVER = os.environ.get("LINLI_BENCH_TEST_SERVER", "postgres://postgres@127.0.0.1:5432")
TINY = Scale("tiny", subdistricts=2, communities=4, compounds=5, buildings=40, units=1_600, people=3_500)


FINGERPRINT = (
    "SELECT md5(string_agg(concat_ws('|', p.id, p.name, p.mobile, p.name_pinyin, m.unit_id, m.relation), ',' ORDER BY p.id)) "
    "FROM people_person p LEFT JOIN people_householdmember m ON m.person_id = p.id"
)


DELIBERATION_FINGERPRINT = (
    "SELECT md5((SELECT string_agg(concat_ws('|', id, community_id, status, title, version), ',' ORDER BY id) "
    "FROM deliberation_topic) || (SELECT string_agg(concat_ws('|', id, status, due_on, owner_organisation_id, "
    "agenda_item_id), ',' ORDER BY id) FROM meetings_actionitem) || (SELECT string_agg(concat_ws('|', id, starts_at, "
    "status, uid), ',' ORDER BY id) FROM meetings_meeting))"
)

EVENTS_FINGERPRINT = (
    "SELECT md5((SELECT string_agg(concat_ws('|', id, starts_at, status, capacity, confirmed, waitlisted, next_ticket, uid), "
    "',' ORDER BY id) FROM events_event) || (SELECT string_agg(concat_ws('|', id, event_id, person_id, status, ticket, code, "
    "checked_in_at), ',' ORDER BY id) FROM events_registration) || (SELECT string_agg(key_hash, ',' ORDER BY id) "
    "FROM people_apitoken WHERE name = 'bench events'))"
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
    vote = facts["votes"]  # the owners' vote's compound comes on top of the scale's (see test_generate_owners_vote)
    like = vote["compound_path"] + "%"
    with psycopg.connect(bench_db) as conn:

        def one(sql, *params):
            return conn.execute(sql, params).fetchone()[0]

        counts = facts["counts"]
        assert one("SELECT count(*) FROM places_place WHERE kind = 'subdistrict'") == TINY.subdistricts
        assert one("SELECT count(*) FROM places_place WHERE kind IN ('community', 'village')") == TINY.communities
        assert one("SELECT count(*) FROM places_place WHERE kind = 'compound'") == TINY.compounds + 1
        assert one("SELECT count(*) FROM places_place WHERE kind = 'building'") == TINY.buildings + vote["buildings"]
        assert one("SELECT count(*) FROM places_place WHERE kind = 'building' AND path NOT LIKE %s", like) == TINY.buildings
        assert one("SELECT count(*) FROM places_unit WHERE path NOT LIKE %s", like) == TINY.units
        assert one("SELECT count(*) FROM places_unit") == TINY.units + vote_units(TINY) == counts["places_unit"]
        assert one("SELECT count(DISTINCT person_id) FROM people_householdmember WHERE path NOT LIKE %s", like) == TINY.people
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
        assert sum(n for _, n in per_community) == TINY.units + vote_units(TINY)
        assert all(n >= COMPOUND_UNITS[0] for _, n in per_community)

        # Shape: building sizes, people per unit, one leader a building, a quarter rented.
        sizes = [
            n for (n,) in conn.execute("SELECT count(*) FROM places_unit WHERE path NOT LIKE %s GROUP BY building_id", [like])
        ]
        assert min(sizes) >= BUILDING_UNITS[0] and max(sizes) <= BUILDING_UNITS[1]
        members = [
            n
            for (n,) in conn.execute(
                "SELECT count(*) FROM people_householdmember WHERE path NOT LIKE %s GROUP BY unit_id", [like]
            )
        ]
        assert len(members) == TINY.units and min(members) >= 1 and max(members) <= 5
        assert one("SELECT count(*) FROM people_roleassignment WHERE role = 'building_leader'") == TINY.buildings
        assert (
            one(
                "SELECT count(*) FROM places_place b WHERE b.kind = 'building' AND b.path NOT LIKE %s AND NOT EXISTS "
                "(SELECT 1 FROM people_roleassignment r JOIN people_householdmember m ON m.person_id = r.person_id "
                "WHERE r.place_id = b.id AND r.role = 'building_leader' AND m.path = b.path)",
                like,
            )
            == 0
        )  # every leader lives in their building
        rented = one(
            "SELECT count(DISTINCT unit_id) FROM people_householdmember WHERE relation = 'tenant' AND path NOT LIKE %s", like
        )
        assert 0.15 < rented / TINY.units < 0.35
        assert (
            one(
                "SELECT count(*) FROM places_unit u WHERE developer_holding = '' "
                "AND NOT EXISTS (SELECT 1 FROM people_ownership o WHERE o.unit_id = u.id)"
            )
            == 0
        )  # every unit has an owner, or is held by the developer (in the vote's compound only)
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


def _empty(url: str) -> None:
    """Every generated row, also those the opening of the owners' vote wrote in Django (the roll, the
    log, the ballots, audit rows), with the id sequences started again (voter ids are then the same)."""
    import psycopg

    with psycopg.connect(url) as conn:
        for table in [*reversed(VOTE_TABLES), "core_auditentry", *reversed(list(TABLES))]:
            conn.execute(f"DELETE FROM {table}")  # noqa: S608
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1, false)")


def test_generate_is_deterministic(bench_db):
    import psycopg

    small = Scale("tiny1", 1, 1, 1, 7, 210, 400)

    _empty(bench_db)
    first = generate(bench_db, small, seed=11, log=lambda _: None)
    with psycopg.connect(bench_db) as conn:
        snapshot = [conn.execute(sql).fetchone()[0] for sql in (FINGERPRINT, DELIBERATION_FINGERPRINT, EVENTS_FINGERPRINT)]
    _empty(bench_db)
    second = generate(bench_db, small, seed=11, log=lambda _: None)
    with psycopg.connect(bench_db) as conn:
        again = [conn.execute(sql).fetchone()[0] for sql in (FINGERPRINT, DELIBERATION_FINGERPRINT, EVENTS_FINGERPRINT)]
    assert snapshot == again
    assert first["counts"] == second["counts"] and first["personas"] == second["personas"]
    assert first["deliberation"]["action_items"] == second["deliberation"]["action_items"] > 0
    assert first["events"]["holders"] == second["events"]["holders"] and first["events"]["registrations"] > 0


# Topics, meetings and action items (issue 4): with a few thousand cases, so topics and agenda items
# come from problem reports too.
TINY_CASES = Scale("tinyc", subdistricts=1, communities=3, compounds=4, buildings=30, units=1_200, people=2_600, cases=3_000)


def test_generate_topics_meetings_action_items(bench_db):
    import datetime

    import psycopg
    from django.apps import apps

    from deliberation.models import DEFAULT_THRESHOLD_HOUSEHOLDS, TRANSITIONS
    from meetings.models import NOTICE_DAYS

    _empty(bench_db)
    facts = generate(bench_db, TINY_CASES, seed=5, log=lambda _: None)
    d = facts["deliberation"]
    n_topics, n_meetings, n_actions = deliberation_counts(TINY_CASES)
    with psycopg.connect(bench_db) as conn:

        def one(sql, *params):
            return conn.execute(sql, params).fetchone()[0]

        def none(sql, *params):
            found = conn.execute(f"SELECT count(*) FROM ({sql}) AS bad", params).fetchone()[0]  # noqa: S608
            assert found == 0, sql

        assert one("SELECT count(*) FROM deliberation_topic") == n_topics == d["topics"] > 0
        assert one("SELECT count(*) FROM meetings_meeting") == n_meetings == d["meetings"] > 0
        assert one("SELECT count(*) FROM meetings_actionitem") == n_actions == d["action_items"] > 0

        # Every foreign key of every generated table points at a row (COPY ran with their triggers off).
        models = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
        for table in TABLES:
            for field in models[table]._meta.concrete_fields:
                if field.is_relation:
                    ref, col = field.related_model._meta, field.column
                    join = f"LEFT JOIN {ref.db_table} r ON r.{ref.pk.column} = t.{col}"
                    none(f"SELECT 1 FROM {table} t {join} WHERE t.{col} IS NOT NULL AND r.{ref.pk.column} IS NULL")  # noqa: S608

        # Paths: the community's, and communities only.
        for table in ("deliberation_topic", "meetings_meeting", "meetings_actionitem"):
            none(
                f"SELECT 1 FROM {table} t JOIN places_place c ON c.id = t.community_id "  # noqa: S608
                "WHERE t.path <> c.path OR c.kind NOT IN ('community', 'village')"
            )

        # Topics: the steps are one chain the procedure allows, from raising (to collecting) to the status.
        transitions = {(frm, to) for frm, tos in TRANSITIONS.items() for to in tos} | {("", "collecting")}
        pairs = conn.execute("SELECT DISTINCT from_status, to_status FROM deliberation_topicstep").fetchall()
        assert set(pairs) <= transitions, set(pairs) - transitions
        none(
            "SELECT 1 FROM (SELECT topic_id, from_status, to_status, at, id, "
            "lag(to_status) OVER w AS prev, lag(at) OVER w AS prev_at, row_number() OVER w AS n "
            "FROM deliberation_topicstep WINDOW w AS (PARTITION BY topic_id ORDER BY id)) s "
            "WHERE (n = 1) <> (from_status = '') OR from_status <> coalesce(prev, '') OR at < prev_at"
        )
        none(
            "SELECT 1 FROM deliberation_topic t JOIN LATERAL (SELECT count(*) AS n, max(id) AS last FROM deliberation_topicstep "
            "WHERE topic_id = t.id) s ON true JOIN deliberation_topicstep l ON l.id = s.last "
            "WHERE l.to_status <> t.status OR s.n <> t.version OR l.at <> t.updated_at"
        )
        by_status = dict(conn.execute("SELECT status, count(*) FROM deliberation_topic GROUP BY status").fetchall())
        assert by_status == d["topics_by_status"]
        assert by_status["closed"] + by_status["declined"] > n_topics / 2  # most are over
        for status in ("collecting", "decided", "notice_published", "deliberating", "implementing"):
            assert by_status.get(status), status  # and some are at each stage
        # the fields each step sets
        none("SELECT 1 FROM deliberation_topic WHERE (status = 'collecting') <> (decided_at IS NULL)")
        none("SELECT 1 FROM deliberation_topic WHERE (status = 'closed') <> (closed_at IS NOT NULL)")
        none(
            "SELECT 1 FROM deliberation_topic WHERE (outcome <> '') <> EXISTS (SELECT 1 FROM deliberation_topicstep s "
            "WHERE s.topic_id = deliberation_topic.id AND s.to_status = 'outcome_recorded' AND s.note = outcome)"
        )
        none(
            "SELECT 1 FROM deliberation_topic WHERE (outcome_published_at IS NULL) <> (comments_until IS NULL) "
            "OR comments_until <> outcome_published_at + interval '7 days'"
        )
        none(
            "SELECT 1 FROM deliberation_topic t JOIN deliberation_topicstep s ON s.topic_id = t.id "
            "AND s.to_status = 'implementing' WHERE s.at < t.comments_until"
        )
        none(
            "SELECT 1 FROM deliberation_topic t JOIN cases_case c ON c.id = t.case_id "
            "WHERE t.source <> 'problem_report' OR c.path NOT LIKE t.path || '%%' OR NOT c.needs_meeting"
        )
        assert one("SELECT count(*) FROM deliberation_topic WHERE source = 'problem_report'") > 0
        assert one("SELECT count(DISTINCT case_id) FROM deliberation_topic") == one(
            "SELECT count(case_id) FROM deliberation_topic"
        )
        # endorsements: households of the community; the count and the threshold as ``endorse_topic`` keeps them
        none(
            "SELECT 1 FROM deliberation_endorsement e JOIN deliberation_topic t ON t.id = e.topic_id "
            "JOIN places_unit u ON u.id = e.unit_id JOIN people_householdmember m ON m.person_id = e.person_id "
            "AND m.unit_id = e.unit_id WHERE u.path NOT LIKE t.path || '%%' OR e.at < t.created_at"
        )
        none(
            "SELECT 1 FROM deliberation_topic t WHERE endorsed_households <> (SELECT count(DISTINCT unit_id) "
            "FROM deliberation_endorsement e WHERE e.topic_id = t.id) OR (endorsed_households >= %s) <> "
            "(threshold_reached_at IS NOT NULL) OR (source = 'resident') <> (endorsed_households > 0)",
            DEFAULT_THRESHOLD_HOUSEHOLDS,
        )
        none(
            "SELECT 1 FROM deliberation_topic t WHERE source = 'resident' AND NOT EXISTS (SELECT 1 FROM "
            "deliberation_endorsement e WHERE e.topic_id = t.id AND e.person_id = t.proposer_id)"
        )
        # participants: of topics taken up, at least one who deliberates, organisations in their roles
        none(
            "SELECT 1 FROM deliberation_topic t WHERE (status NOT IN ('collecting', 'declined')) <> EXISTS "
            "(SELECT 1 FROM deliberation_topicparticipant p WHERE p.topic_id = t.id AND p.role <> 'expert')"
        )
        none(
            "SELECT 1 FROM deliberation_topicparticipant p JOIN people_organisation o ON o.id = p.organisation_id "
            "WHERE p.role <> replace(o.kind, 'party_committee', 'residents_committee')"
        )

        # Meetings: statuses, notices, minutes.
        meetings = dict(conn.execute("SELECT status, count(*) FROM meetings_meeting GROUP BY status").fetchall())
        assert meetings == d["meetings_by_status"]
        assert meetings["ended"] > n_meetings * 0.8 and meetings.get("draft", 0) + meetings.get("notified", 0) > 0
        for kind, days in NOTICE_DAYS.items():
            none("SELECT 1 FROM meetings_meeting WHERE kind = %s AND notice_days <> %s", kind, days)
        none(
            "SELECT 1 FROM meetings_meeting WHERE (notice_sent_at IS NULL) <> (status = 'draft' OR status = 'cancelled' "
            "AND notice_sent_at IS NULL) OR notice_sent_at > starts_at - notice_days * interval '1 day' "
            "OR created_at > coalesce(notice_sent_at, created_at)"
        )
        now = datetime.datetime.fromisoformat(ACTIONS_NOW)
        none("SELECT 1 FROM meetings_meeting WHERE (status IN ('draft', 'notified')) <> (starts_at > %s)", now)
        none(
            "SELECT 1 FROM meetings_meeting m LEFT JOIN meetings_minutes n ON n.meeting_id = m.id "
            "WHERE (m.status IN ('ended', 'in_session')) <> (n.id IS NOT NULL) "
            "OR n.status = 'published' AND (n.published_at IS NULL OR n.approved_at > n.published_at "
            "OR n.approved_at < m.ends_at) OR m.status = 'in_session' AND n.status <> 'draft'"
        )
        minutes = dict(conn.execute("SELECT status, count(*) FROM meetings_minutes GROUP BY status").fetchall())
        assert minutes["published"] > meetings["ended"] * 0.9
        # invitations 2–4 (the residents' committee always), agenda 3–6 at positions 1.., attendance 5–15
        for sql, lo, hi in (
            ("SELECT count(*) FROM meetings_invitation GROUP BY meeting_id", 2, 4),
            ("SELECT count(*) FROM meetings_agendaitem GROUP BY meeting_id", 3, 6),
            ("SELECT count(*) FROM meetings_attendance GROUP BY meeting_id", 5, 15),
        ):
            sizes = [n for (n,) in conn.execute(sql)]
            assert min(sizes) >= lo and max(sizes) <= hi, sql
        assert one("SELECT count(DISTINCT meeting_id) FROM meetings_invitation") == n_meetings
        assert one("SELECT count(DISTINCT meeting_id) FROM meetings_agendaitem") == n_meetings
        none(
            "SELECT 1 FROM meetings_meeting m WHERE (m.status IN ('ended', 'in_session')) <> EXISTS "
            "(SELECT 1 FROM meetings_attendance a WHERE a.meeting_id = m.id)"
        )
        none("SELECT meeting_id FROM meetings_agendaitem GROUP BY meeting_id HAVING max(position) <> count(*)")
        none(
            "SELECT 1 FROM meetings_invitation i JOIN people_organisation o ON o.id = i.organisation_id "
            "WHERE i.role <> replace(o.kind, 'party_committee', 'residents_committee')"
        )
        # attendees represent an organisation only when invited with it, and belong to it
        none(
            "SELECT 1 FROM meetings_attendance a WHERE a.organisation_id IS NOT NULL AND NOT (EXISTS (SELECT 1 FROM "
            "meetings_invitation i WHERE i.meeting_id = a.meeting_id AND i.organisation_id = a.organisation_id) AND EXISTS "
            "(SELECT 1 FROM people_membership s WHERE s.organisation_id = a.organisation_id AND s.person_id = a.person_id))"
        )
        # agenda items: topics taken up in the meeting's community, reports under it; votes among those entitled
        none(
            "SELECT 1 FROM meetings_agendaitem a JOIN meetings_meeting m ON m.id = a.meeting_id "
            "JOIN deliberation_topic t ON t.id = a.topic_id WHERE t.path <> m.path OR t.decided_at > m.starts_at "
            "OR t.status IN ('collecting', 'declined') OR t.closed_at < m.starts_at"
        )
        none(
            "SELECT 1 FROM meetings_agendaitem a JOIN meetings_meeting m ON m.id = a.meeting_id "
            "JOIN cases_case c ON c.id = a.case_id WHERE c.path NOT LIKE m.path || '%%'"
        )
        assert one("SELECT count(*) FROM meetings_agendaitem WHERE topic_id IS NOT NULL") > 0
        none(
            "SELECT 1 FROM meetings_agendaitem a JOIN meetings_meeting m ON m.id = a.meeting_id "
            "WHERE (a.carried IS NULL) <> (a.votes_present IS NULL) OR a.votes_for + a.votes_against + a.votes_abstain "
            "> a.votes_present OR a.votes_present <> (SELECT count(*) FROM meetings_attendance t WHERE t.meeting_id = m.id "
            "AND t.entitled_to_vote) "
            "OR a.carried IS NOT NULL AND a.majority <> m.majority OR (a.decision <> '') AND m.status <> 'ended'"
        )
        assert one("SELECT count(*) FROM meetings_agendaitem WHERE carried") > 0
        none(
            "SELECT 1 FROM meetings_meeting m WHERE m.kind = 'residents_meeting' AND m.status = 'ended' AND 2 * "
            "(SELECT count(*) FROM meetings_attendance t WHERE t.meeting_id = m.id AND t.entitled_to_vote) <= m.eligible"
        )  # quorate (组织法 Art 9)

        # Action items: owned by an organisation of the community (or one serving it), from a decision carried
        # at an ended meeting; done ones with evidence; the sweep's marks as its daily runs left them.
        none(
            "SELECT 1 FROM meetings_actionitem a JOIN people_organisation o ON o.id = a.owner_organisation_id "
            "WHERE a.owner_person_id IS NOT NULL OR NOT (o.path LIKE a.path || '%%' OR EXISTS (SELECT 1 FROM "
            "people_organisation_served_places s JOIN places_place p ON p.id = s.place_id WHERE s.organisation_id = o.id "
            "AND p.path LIKE a.path || '%%'))"
        )
        none(
            "SELECT 1 FROM meetings_actionitem a JOIN meetings_agendaitem i ON i.id = a.agenda_item_id "
            "JOIN meetings_meeting m ON m.id = i.meeting_id WHERE a.meeting_id <> m.id OR m.status <> 'ended' "
            "OR i.decision = '' OR i.carried IS FALSE OR a.topic_id IS DISTINCT FROM i.topic_id "
            "OR a.case_id IS DISTINCT FROM i.case_id OR a.created_at < m.ends_at OR a.path <> m.path"
        )
        none("SELECT 1 FROM meetings_actionitem WHERE (meeting_id IS NULL) <> (agenda_item_id IS NULL)")
        assert one("SELECT count(*) FROM meetings_actionitem WHERE meeting_id IS NULL") > 0
        none(
            "SELECT 1 FROM meetings_actionitem WHERE (status IN ('done', 'cancelled')) <> (completed_at IS NOT NULL) "
            "OR (status IN ('done', 'cancelled')) <> (evidence <> '') "
            "OR due_on < (created_at AT TIME ZONE 'Asia/Shanghai')::date "
            "OR completed_at > %s OR created_at > %s OR updated_at < created_at",
            now,
            now,
        )
        actions = dict(conn.execute("SELECT status, count(*) FROM meetings_actionitem GROUP BY status").fetchall())
        assert actions == d["action_items_by_status"]
        assert actions["done"] > n_actions / 2 and actions.get("open", 0) + actions.get("in_progress", 0) > 0
        assert (
            one("SELECT min(due_on) FROM meetings_actionitem") < now.date() < one("SELECT max(due_on) FROM meetings_actionitem")
        )
        last_sweep = now - datetime.timedelta(days=ACTION_SWEEP_GAP_DAYS)
        none(
            "SELECT 1 FROM meetings_actionitem WHERE overdue_reported_at > %s OR reminded_at > %s OR "
            "overdue_reported_at::date <= due_on OR reminded_at > due_on + interval '9 hours'",
            last_sweep,
            last_sweep,
        )
        today = now.date()
        open_ = "SELECT count(*) FROM meetings_actionitem WHERE status IN ('open', 'in_progress') AND "
        assert one(open_ + "overdue_reported_at IS NULL AND due_on < %s", today) == d["overdue_at_sweep_now"] > 0
        assert (
            one(
                open_ + "reminded_at IS NULL AND due_on BETWEEN %s AND %s",
                today,
                today + datetime.timedelta(days=2),
            )
            == d["remind_at_sweep_now"]
        )
        # officers (who the sweep tells) for every owner, never a persona
        none(
            "SELECT 1 FROM meetings_actionitem a WHERE NOT EXISTS (SELECT 1 FROM people_membership s "
            "WHERE s.organisation_id = a.owner_organisation_id AND s.position IN ('chair', 'secretary'))"
        )
        personas = [p["person_id"] for p in facts["personas"].values()]
        none("SELECT 1 FROM people_membership WHERE person_id = ANY(%s)", personas)

        # The scenarios' subjects: the busiest community (its staff persona's), a full meeting there.
        busiest = conn.execute(
            "SELECT community_id, count(*) FROM deliberation_topic GROUP BY community_id ORDER BY 2 DESC LIMIT 2"
        ).fetchall()
        assert busiest[0] == (d["busiest_community"]["id"], d["busiest_community"]["topics"]) and busiest[1][1] < busiest[0][1]
        assert d["busiest_community"]["id"] == facts["personas"]["community_staff"]["place_id"]
        page = d["page_meeting"]
        assert one(
            "SELECT m.status = 'ended' AND n.status = 'published' AND m.community_id = %s FROM meetings_meeting m "
            "JOIN meetings_minutes n ON n.meeting_id = m.id WHERE m.id = %s",
            d["busiest_community"]["id"],
            page["id"],
        )
        assert one("SELECT count(*) FROM meetings_agendaitem WHERE meeting_id = %s", page["id"]) == page["agenda"] >= 3


# The owners' vote (issue 5): a compound of half the scale's units here (10,000 at every bench scale).
TINY_VOTE = Scale("tinyv", subdistricts=1, communities=2, compounds=3, buildings=24, units=900, people=2_000)


def test_generate_owners_vote(bench_db):
    import hashlib

    import psycopg

    from bench.vote_scenarios import RESET_SQL, TOKEN_NAME

    _empty(bench_db)
    facts = generate(bench_db, TINY_VOTE, seed=9, log=lambda _: None)
    vote = facts["votes"]
    n_units = vote_units(TINY_VOTE)
    path = vote["compound_path"]
    matter = vote["matter_id"]
    with psycopg.connect(bench_db) as conn:

        def one(sql, *params):
            return conn.execute(sql, params).fetchone()[0]

        def none(sql, *params):
            found = conn.execute(f"SELECT count(*) FROM ({sql}) AS bad", params).fetchone()[0]  # noqa: S608
            assert found == 0, sql

        # The compound: in the personas' community, homes, parking spaces and shops with areas and their source.
        assert one("SELECT parent_id FROM places_place WHERE id = %s", vote["compound_id"]) == facts["persona_community"]["id"]
        kinds = dict(conn.execute("SELECT kind, count(*) FROM places_unit WHERE path LIKE %s GROUP BY kind", [path + "%"]))
        assert kinds == vote["units_by_kind"] and sum(kinds.values()) == n_units and set(kinds) == {"home", "parking", "shop"}
        none("SELECT 1 FROM places_unit WHERE path LIKE %s AND (area IS NULL OR area_source = '')", path + "%")
        assert one("SELECT count(DISTINCT area_source) FROM places_unit WHERE path LIKE %s", path + "%") == 3
        # Owners: one per part mostly, couples, several parts for some, a few parts the developer holds.
        developer = one("SELECT count(*) FROM places_unit WHERE path LIKE %s AND developer_holding <> ''", path + "%")
        assert developer == vote["developer_units"] > 0
        none(
            "SELECT 1 FROM places_unit u WHERE path LIKE %s AND (developer_holding = '') <> EXISTS "
            "(SELECT 1 FROM people_ownership o WHERE o.unit_id = u.id)",
            path + "%",
        )
        per_unit = [
            n for (n,) in conn.execute("SELECT count(*) FROM people_ownership WHERE path LIKE %s GROUP BY unit_id", [path + "%"])
        ]
        assert per_unit.count(1) > 0.6 * len(per_unit) and per_unit.count(2) > 0 and max(per_unit) == 2
        per_owner = [
            n
            for (n,) in conn.execute("SELECT count(*) FROM people_ownership WHERE path LIKE %s GROUP BY person_id", [path + "%"])
        ]
        assert sum(1 for n in per_owner if n > 1) > 0
        none("SELECT unit_id FROM people_ownership WHERE path LIKE %s GROUP BY unit_id HAVING sum(share) <> 1", path + "%")

        # The vote: open, its roll frozen over every part, its log a gap-free hash chain that starts with the roll.
        status, total_heads, total_area, length, head, digest = conn.execute(
            "SELECT status, total_heads, total_area, log_length, log_head, roll_digest FROM votes_matter WHERE id = %s",
            [matter],
        ).fetchone()
        assert status == "open" and total_heads == vote["voters"] == one("SELECT count(*) FROM votes_voter")
        assert one("SELECT count(*) FROM votes_voterunit") == n_units
        assert (
            total_area
            == one("SELECT sum(area) FROM votes_voter")
            == one("SELECT sum(area) FROM places_unit WHERE path LIKE %s", path + "%")
        )
        assert one("SELECT count(*) FROM votes_voter WHERE kind = 'developer'") == 1
        assert (
            one("SELECT count(*) FROM votes_voter v WHERE (SELECT count(*) FROM votes_voterunit u WHERE u.voter_id = v.id) > 1")
            > 0
        )
        assert length == vote["log_length"] == one("SELECT count(*) FROM votes_logentry") and head == vote["log_head"]
        assert one("SELECT max(seq) FROM votes_logentry") == length
        assert one("SELECT hash FROM votes_logentry WHERE seq = %s", length) == head
        assert conn.execute("SELECT kind, detail FROM votes_logentry WHERE seq = 1").fetchone() == ("open", digest)
        none(
            "SELECT 1 FROM (SELECT prev_hash, lag(hash, 1, repeat('0', 64)) OVER (ORDER BY seq) AS prev FROM votes_logentry) c "
            "WHERE prev_hash <> prev"
        )
        # Ballots: one counting ballot per voter who voted, its last log entry; some changed theirs; the developer's on paper.
        assert one("SELECT count(*) FROM votes_ballot") == vote["ballots"] > total_heads / 2
        none(
            "SELECT 1 FROM votes_ballot b JOIN (SELECT voter_id, max(seq) AS seq, count(*) AS n FROM votes_logentry "
            "WHERE kind = 'ballot' GROUP BY voter_id) l ON l.voter_id = b.voter_id JOIN votes_logentry e ON e.seq = l.seq "
            "WHERE b.seq <> l.seq OR b.times <> l.n OR b.choice <> e.choice OR b.channel <> e.channel"
        )
        assert one("SELECT count(DISTINCT voter_id) FROM votes_logentry WHERE kind = 'ballot'") == vote["ballots"]
        assert one("SELECT count(*) FROM votes_ballot WHERE times > 1") > 0
        assert one("SELECT count(*) FROM votes_paperentry WHERE status = 'matched'") == 2
        assert (
            one("SELECT b.channel FROM votes_ballot b JOIN votes_voter v ON v.id = b.voter_id WHERE v.kind = 'developer'")
            == "paper"
        )
        none(
            "SELECT 1 FROM votes_ballot b JOIN votes_voter v ON v.id = b.voter_id "
            "WHERE b.channel = 'online' AND v.designated_id IS NULL"
        )

        # Owners' tokens: distinct people, each the designee of one voter only, the key derived from the seed.
        owners = vote["owners"]
        assert len(owners) == one("SELECT count(*) FROM people_apitoken WHERE name = %s", TOKEN_NAME) > 100
        assert len({p for p, _ in owners}) == len({v for _, v in owners}) == len(owners)
        hashes = dict(conn.execute("SELECT person_id, key_hash FROM people_apitoken WHERE name = %s", [TOKEN_NAME]).fetchall())
        assert all(hashes[p] == hashlib.sha256(vote_token(9, p).encode()).hexdigest() for p, _ in owners)
        designees = dict(conn.execute("SELECT id, designated_id FROM votes_voter WHERE designated_id IS NOT NULL").fetchall())
        assert all(designees.get(v) == p for p, v in owners)
        assert one("SELECT count(*) FROM votes_voter WHERE designated_id = ANY(%s)", [p for p, _ in owners]) == len(owners)
        persona = facts["personas"]["vote_owner"]
        assert [persona["person_id"], persona["voter_id"]] == owners[0] and persona["api_token"] == vote_token(9, owners[0][0])

        # The bench's reset takes the vote back to this state after ballots cast since (log entries appended).
        ballots = (
            "SELECT md5(string_agg(concat_ws('|', voter_id, choice, channel, seq, cast_at, times), ',' ORDER BY voter_id)) "
            "FROM votes_ballot"
        )
        generated = one(ballots)
        voted, seq_voted = conn.execute("SELECT voter_id, seq FROM votes_ballot ORDER BY voter_id LIMIT 1").fetchone()
        fresh = one("SELECT min(id) FROM votes_voter v WHERE NOT EXISTS (SELECT 1 FROM votes_ballot b WHERE b.voter_id = v.id)")
        for k, voter in enumerate((voted, fresh), start=1):
            conn.execute(
                "INSERT INTO votes_logentry (matter_id, seq, kind, at, voter_id, channel, choice, sealed, detail, "
                "prev_hash, hash) VALUES (%s, %s, 'ballot', now(), %s, 'online', 'no', '', '', 'x', 'y')",
                [matter, length + k, voter],
            )
        conn.execute(
            "UPDATE votes_ballot SET seq = %s, times = times + 1, choice = 'no' WHERE voter_id = %s", [length + 1, voted]
        )
        conn.execute(
            "INSERT INTO votes_ballot (matter_id, voter_id, choice, receipt, channel, seq, cast_at, times) "
            "VALUES (%s, %s, 'no', '', 'online', %s, now(), 1)",
            [matter, fresh, length + 2],
        )
        conn.execute("UPDATE votes_matter SET log_length = %s, log_head = 'y' WHERE id = %s", [length + 2, matter])
        assert one(ballots) != generated and seq_voted <= length
        params = {"matter": matter, "length": length, "head": head, "token": TOKEN_NAME}
        for sql in RESET_SQL:
            conn.execute(sql, params)
        assert one(ballots) == generated
        assert conn.execute("SELECT log_length, log_head FROM votes_matter WHERE id = %s", [matter]).fetchone() == (length, head)
        assert one("SELECT count(*) FROM votes_logentry") == length
