"""The synthetic dataset: a sub-district (or a city of them) written with PostgreSQL ``COPY``.

Deterministic for a seed: ids are assigned here, in a fixed order, from one ``random.Random(seed)``.
Shape (docs PERFORMANCE.md): compounds of 200–3,000 units, buildings of 30–200 units, 1–5 people a
unit, a quarter of units rented (tenants live there, a landlord who lives elsewhere owns it),
power-law sizes and activity (a few big compounds, a few towers, a few busy buildings).

The tables are filled by one ``COPY`` per table, each on its own connection, all open at once:
Python produces rows while the server backends index them. Foreign-key triggers are off while
loading (``session_replication_role = replica``, hence a superuser connection): the rows are
consistent by construction, and ``tests/test_bench_generate.py`` checks it.

Problem reports (``cases``, see ``_write_cases``): power-law over buildings, created over the two years
before ``CASES_NOW``, most closed; the open ones carry the deadlines and escalation state the sweep
would have left if it last ran ``SWEEP_GAP_HOURS`` before ``CASES_NOW`` (so a few thousand are due then).
Their own random stream: the rest of the dataset does not change with them.

Consultation topics, meetings and action items (``_write_deliberation``): per unit unless the scale names
them (``deliberation_counts``), each row as the actions of ``deliberation`` and ``meetings`` would have left
it at ``ACTIONS_NOW``, the action-item sweep's marks as its daily runs left them up to its last run
``ACTION_SWEEP_GAP_DAYS`` earlier. Their own random stream too.

An owners' vote (``_write_vote_compound``, issue 5): one more compound of ``VOTE_UNITS`` units (homes,
parking spaces, shops) in the personas' community, written last with its own random stream (nothing
else changes with it), and a ``votes.Matter`` on it, noticed. After the load, ``open_vote`` runs the
real code in a Django process pointed at the bench database: ``votes.actions.open_voting`` freezes the
roll, most co-owned voters get a designee (as ``actions.designate`` leaves it), the developer's paper
ballot is typed twice, owners cast through ``actions.cast_ballot`` (the hash-chained log and the counting
ballots as voting leaves them), and ``VOTE_TOKENS`` owners get personal API tokens (their raw keys are
``vote_token(seed, person)``; ``bench_meta`` keeps the (person, voter) pairs).
"""

import datetime
import functools
import math
import random
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass

import psycopg

from people.models import pinyin_keys
from places.models import path_segment

from .scales import Scale

GENERATOR_VERSION = 7
PERSONA_PASSWORD = "linli-bench-2026"

COMPOUND_UNITS = (200, 3000)
BUILDING_UNITS = (30, 200)
UNIT_PEOPLE = (1, 5)
RENTED_SHARE = 0.25
STAFF_PER_COMMUNITY = 3
PROPERTY_STAFF_PER_COMPANY = 2
COMPOUNDS_PER_COMPANY = 12
JOIN_REQUESTS_PER_UNIT = 0.01

# Fixed times, so a seed gives the same rows on every run.
LOADED_AT = "2026-01-05 09:00:00+08"
# Cases: reported over the two years before this (a Tuesday morning); the escalation sweep last ran
# SWEEP_GAP_HOURS earlier (Friday 23:00: its beat was down over the weekend), so what fell due since
# (Friday's and Monday's deadlines, about 5,000 cases at subdistrict scale) is due at CASES_NOW.
CASES_NOW = "2026-11-17 09:00:00+08"
CASES_YEARS = 2
SWEEP_GAP_HOURS = 82


# --- names -------------------------------------------------------------------------------------

# Surnames weighted roughly as in Foshan (陈, 梁, 黄, 李 lead), with two compound surnames.
SURNAMES = (
    "陈:9 梁:6 黄:6 李:6 何:4 张:4 罗:3 吴:3 林:3 刘:3 王:3 邓:2 冯:2 潘:2 麦:2 区:1 关:2 谭:2 杨:2 周:2 "
    "郑:2 叶:2 钟:2 卢:2 欧阳:1 司徒:1 赵:1 朱:1 徐:1 孙:1 马:1 胡:1 郭:1 高:1 谢:1 宋:1 唐:1 许:1 韩:1 "
    "曹:1 彭:1 曾:1 肖:1 袁:1 蔡:1 余:1 杜:1 苏:1 崔:1 江:1 龙:1 莫:1 严:1 石:1 廖:1 伍:1 邝:1 霍:1 岑:1"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉建国志红梅琳宇浩轩子涵欣怡佳俊嘉鑫婷雪慧晨阳思雨"
    "博彤晓东海峰斌颖凯鹏飞云燕萍春丹宁坤荣淑珍凤健成龙亮睿泽诗梓铭瑶彬航乐安琪巧德永祥家宏"
)
NAME_POOL_SIZE = 20_000


def _chunks(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


SUBDISTRICT_NAMES = _chunks(
    "桂城街道罗村街道九江街道西樵街道丹灶街道狮山街道大沥街道里水街道祖庙街道石湾街道",
    4,
)
COMMUNITY_NAMES = _chunks(
    "灯湖桂一桂二东二石肯平洲夏北夏南叠滘三山林岳东约简村平西平东夏东海三南约北约怡海金融千灯映月翠湖宝翠雅瑶文华南海",
    2,
)
COMPOUND_WORDS = _chunks(
    "水岸碧桂万科保利中海怡翠雅居锦绣海逸金色翠湖天安凯德华府东方南国映月千灯江景御景"
    "君兰星汇聚贤富力越秀嘉洲丽雅绿茵颐景世纪海伦新城桃源书香朗悦誉峰天骄荔园鸿基康城"
    "恒福盈翠百花观澜金沙翡翠海琴御江碧水丹桂",
    2,
)
COMPOUND_TYPES = ["花园", "公馆", "新村", "雅苑", "名都", "华庭", "豪庭", "小区", "广场", "山庄"]
COMPANY_BRANDS = ["碧桂园", "万科", "保利", "中海", "越秀", "雅生活", "龙湖", "招商", "金地", "华润", "绿城", "世茂"]
JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as places.models.new_join_code
# Mainland mobile prefixes; 199 is kept for the bench personas.
MOBILE_PREFIXES = [
    str(p)
    for p in (130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166)
    + (170, 171, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 191, 193, 195, 196, 197, 198)
]


def name_pool(rng: random.Random, size: int) -> list[tuple[str, str, str]]:
    """(name, pinyin, initials) for a limited pool of names, pinyin computed once per name."""
    surnames, weights = zip(*(item.split(":") for item in SURNAMES.split()), strict=True)
    weights = [int(w) for w in weights]
    names: dict[str, None] = {}
    attempts = 0
    while len(names) < size and attempts < size * 20:
        attempts += 1
        surname = rng.choices(surnames, weights)[0]
        given = rng.choice(GIVEN_CHARS) + (rng.choice(GIVEN_CHARS) if rng.random() < 0.7 else "")
        names.setdefault(surname + given)
    return [(n, *pinyin_keys(n)) for n in names]


def numbered(names: list[str], i: int) -> str:
    """The i-th name of a list, with a number once the list is used up (names stay unique)."""
    return names[i % len(names)] + (str(i // len(names) + 1) if i >= len(names) else "")


def mobile_number(k: int, offset: int) -> str:
    """The k-th generated mobile number: distinct for distinct k (a bijection on each prefix)."""
    prefix = MOBILE_PREFIXES[k % len(MOBILE_PREFIXES)]
    body = ((k // len(MOBILE_PREFIXES)) * 7919 + offset) % 10**8
    return f"{prefix}{body:08d}"


def persona_mobile(k: int) -> str:
    return f"1990000{k:04d}"


def join_code(i: int, offset: int) -> str:
    value = (i * 1_000_003 + offset) % 32**8
    chars = []
    for _ in range(8):
        value, digit = divmod(value, 32)
        chars.append(JOIN_ALPHABET[digit])
    return "".join(chars)


# --- shaping -----------------------------------------------------------------------------------


def allocate(total: int, weights: list[float], lo: list[int] | int, hi: list[int] | int) -> list[int]:
    """Split ``total`` into integers within [lo, hi], proportionally to ``weights`` (water-filling)."""
    n = len(weights)
    lo = [lo] * n if isinstance(lo, int) else list(lo)
    hi = [hi] * n if isinstance(hi, int) else list(hi)
    if not sum(lo) <= total <= sum(hi):
        raise ValueError(f"cannot split {total} into {n} parts within bounds ({sum(lo)}..{sum(hi)})")
    result = lo
    remaining = total - sum(result)
    active = [i for i in range(n) if hi[i] > result[i]]
    while remaining > 0:
        wsum = sum(weights[i] for i in active)
        capped = [i for i in active if remaining * weights[i] >= (hi[i] - result[i]) * wsum]
        if capped:
            for i in capped:
                remaining -= hi[i] - result[i]
                result[i] = hi[i]
            active = [i for i in active if result[i] < hi[i]]
            continue
        fractions = []
        for i in active:
            share = remaining * weights[i] / wsum
            whole = int(share)
            result[i] += whole
            fractions.append((share - whole, -i))
        remaining = total - sum(result)
        fractions.sort(reverse=True)
        for _, neg_i in fractions[:remaining]:
            result[-neg_i] += 1
        remaining = 0
    return result


@dataclass
class Plan:
    """How many of everything, and where: the tree before any row is written."""

    communities_per_subdistrict: list[int]
    compounds_per_community: list[int]
    units_per_compound: list[int]
    buildings_per_compound: list[int]
    units_per_building: list[int]  # in compound order
    people_per_unit: list[int]  # in building order


def make_plan(scale: Scale, rng: random.Random) -> Plan:
    lo_c, hi_c = COMPOUND_UNITS
    lo_b, hi_b = BUILDING_UNITS
    per_sd = allocate(scale.communities, [1.0] * scale.subdistricts, 1, scale.communities)
    # A few big communities, none more than three times the average (a city is not one giant community).
    compounds_per_community = allocate(
        scale.compounds,
        [rng.paretovariate(2.5) for _ in range(scale.communities)],
        1,
        math.ceil(3 * scale.compounds / scale.communities),
    )
    units_per_compound = allocate(scale.units, [rng.paretovariate(1.6) for _ in range(scale.compounds)], lo_c, hi_c)
    buildings_per_compound = allocate(
        scale.buildings,
        [float(u) for u in units_per_compound],
        [math.ceil(u / hi_b) for u in units_per_compound],
        [u // lo_b for u in units_per_compound],
    )
    units_per_building: list[int] = []
    for units, buildings in zip(units_per_compound, buildings_per_compound, strict=True):
        units_per_building += allocate(units, [rng.paretovariate(2.0) for _ in range(buildings)], lo_b, hi_b)
    people_per_unit = allocate(scale.people, [rng.expovariate(1.0) + 1e-9 for _ in range(scale.units)], *UNIT_PEOPLE)
    return Plan(per_sd, compounds_per_community, units_per_compound, buildings_per_compound, units_per_building, people_per_unit)


# --- writing -----------------------------------------------------------------------------------

TABLES = {
    "places_place": "id, kind, name, code, parent_id, path, depth, address, management, join_code",
    "places_unit": "id, building_id, path, label, kind, floor, room, area, area_source, developer_holding",
    "people_person": (
        "id, password, last_login, is_superuser, name, name_pinyin, name_initials, mobile, id_number_token, "
        "id_number_hash, birth_year, migratory, is_staff, is_active, date_joined, anonymised_at, preferred_language, email"
    ),
    "people_householdmember": "id, unit_id, person_id, relation, path, since",
    "people_ownership": "id, unit_id, person_id, share, status, path",
    "people_organisation": "id, kind, name, place_id, path, parent_id, description, founded_on",
    "people_organisation_served_places": "id, organisation_id, place_id",
    "people_roleassignment": "id, person_id, role, place_id, path, organisation_id, granted_at, granted_by_id, ended_at",
    "people_joinrequest": (
        "id, person_id, building_id, unit_id, relation, path, message, status, created_at, decided_at, decided_by_id, reason"
    ),
    "people_apitoken": "id, person_id, name, key_hash, created_at, last_used_at",
    "cases_case": (
        "id, category_id, request_kind, place_id, unit_id, location, path, area_path, address, description, details, "
        "reporter_id, contact_name, contact_phone, channel, recorded_by_id, handler_id, status, level, version, is_public, "
        "is_emergency, created_at, updated_at, first_response_due, respond_by, resolve_by, escalate_at, responded_at, "
        "resolved_at, closed_at, rating, rating_note, needs_meeting, merged_into_id, supporter_count, token"
    ),
    "cases_caseevent": "id, case_id, at, actor_id, kind, from_status, to_status, level, note, is_public",
    # Consultation topics, meetings and action items (``_write_deliberation``), in foreign-key order.
    "people_membership": "id, organisation_id, person_id, position, since",
    "deliberation_topic": (
        "id, community_id, path, title, description, source, case_id, proposer_id, status, version, endorsed_households, "
        "threshold_reached_at, format, planned_for, decision_reason, decided_at, decided_by_id, outcome, "
        "outcome_published_at, comments_until, feedback, created_at, updated_at, closed_at"
    ),
    "deliberation_topicstep": "id, topic_id, at, actor_id, from_status, to_status, note",
    "deliberation_endorsement": "id, topic_id, person_id, unit_id, at",
    "deliberation_topicparticipant": "id, topic_id, role, organisation_id, person_id",
    "meetings_meeting": (
        "id, community_id, path, kind, title, purpose, organiser_id, organising_organisation_id, room_id, location, "
        "starts_at, ends_at, status, notice_days, notice_sent_at, cancel_reason, speech_seconds, speeches_per_motion, "
        "majority, abstentions_count, residents_meeting_kind, eligible, speaking_queue, uid, sequence, version, "
        "created_at, updated_at"
    ),
    "meetings_invitation": "id, meeting_id, role, organisation_id, person_id",
    "meetings_attendance": "id, meeting_id, person_id, organisation_id, entitled_to_vote, signed_in_at, recorded_by_id",
    "meetings_agendaitem": (
        "id, meeting_id, position, title, topic_id, case_id, discussion, decision, votes_for, votes_against, "
        "votes_abstain, votes_present, majority, carried, result, voted_at"
    ),
    "meetings_minutes": (
        "id, meeting_id, status, summary, approved_at, approved_by_id, published_at, published_by_id, version, updated_at"
    ),
    "meetings_amendment": "id, minutes_id, text, at, actor_id",
    "meetings_actionitem": (
        "id, community_id, path, title, details, meeting_id, agenda_item_id, topic_id, case_id, owner_organisation_id, "
        "owner_person_id, due_on, status, evidence, completed_at, completed_by_id, reminded_at, overdue_reported_at, "
        "created_by_id, created_at, updated_at, version"
    ),
    # Neighbourhood events (``generate_events.write_events``): clubs (their organisations and members go through
    # the writers above), events, volunteer roles, registrations; the load's tokens go to people_apitoken.
    "events_club": "id, organisation_id, activity, path, schedule, accepting, created_at",
    "events_event": (
        "id, title, description, kind, organiser_id, club_id, community_id, audience, audience_place_id, path, room_id, "
        "location, starts_at, ends_at, signup_opens_at, signup_closes_at, capacity, confirmed, waitlisted, next_ticket, "
        "status, cancel_reason, reminded_at, encounters_at, created_by_id, uid, sequence, version, created_at, updated_at"
    ),
    "events_volunteerrole": "id, event_id, name, description, capacity, confirmed, waitlisted",
    "events_registration": (
        "id, event_id, person_id, role_id, status, ticket, code, created_at, promoted_at, cancelled_at, checked_in_at, "
        "checked_in_by_id"
    ),
    # The owners' vote on the 10,000-unit compound (``_write_vote_compound``), as noticed; opened after the load.
    "votes_matter": (
        "id, compound_id, scope_id, path, item, title, description, topic_id, secret, status, version, opens_at, "
        "closes_at, notice_sent_at, opened_at, closed_at, published_at, cancel_reason, rule_set, silent_consent_clause, "
        "total_area, total_heads, roll_digest, log_length, log_head, result, created_by_id, created_at, updated_at"
    ),
}
NULL = "\\N"


class TableWriter:
    """One table's COPY on its own connection, fed with tab-separated lines in batches."""

    def __init__(self, stack: ExitStack, url: str, table: str, batch: int = 20_000):
        self.table = table
        self.rows = 0
        self._batch = batch
        self._buffer: list[str] = []
        self.conn = stack.enter_context(psycopg.connect(url))
        self.conn.execute("SET session_replication_role = replica")
        self.conn.execute("SET synchronous_commit = off")
        self._copy = stack.enter_context(self.conn.cursor().copy(f"COPY {table} ({TABLES[table]}) FROM STDIN"))

    def row(self, *values) -> None:
        self._buffer.append("\t".join(NULL if v is None else str(v) for v in values))
        if len(self._buffer) >= self._batch:
            self.flush()

    def line(self, text: str) -> None:
        """A row already in COPY text form (tab-separated, ``\\N`` for NULL): the fast path."""
        self._buffer.append(text)
        if len(self._buffer) >= self._batch:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self.rows += len(self._buffer)
            self._copy.write("\n".join(self._buffer) + "\n")
            self._buffer = []


def _bool(v: bool) -> str:
    return "t" if v else "f"


def _person_row(w, person_id, name, pinyin, initials, mobile, birth_year, migratory: bool) -> None:
    """One people_person row in COPY column order: unusable password, not staff, active."""
    w["people_person"].row(
        person_id,
        "!",
        None,
        "f",
        name,
        pinyin,
        initials,
        mobile,
        "",
        None,
        birth_year,
        _bool(migratory),
        "f",
        "t",
        LOADED_AT,
        None,
        "",
        "",
    )


def generate(url: str, scale: Scale, seed: int, *, log: Callable[[str], None] = print) -> dict:
    """Fill the (migrated, empty) database at ``url``; return the facts ``bench_meta`` keeps."""
    started = time.perf_counter()
    rng = random.Random(seed)
    plan = make_plan(scale, rng)
    names = name_pool(rng, min(NAME_POOL_SIZE, max(scale.people // 4, 500)))
    mobile_offset = rng.randrange(10**8)
    code_offset = rng.randrange(32**8)
    dates = [f"20{10 + d // 365:02d}-{1 + (d // 28) % 12:02d}-{1 + d % 28:02d}" for d in range(365 * 15)]
    log(f"  plan and {len(names):,} names with pinyin: {time.perf_counter() - started:.1f}s")

    counts: dict[str, int] = {}
    facts: dict = {}
    reference = _reference_data(url)
    deferred = _drop_secondary_indexes(url, deferred_index_tables(scale))
    with ExitStack() as stack:
        w = {table: TableWriter(stack, url, table) for table in TABLES}
        facts = _write(w, scale, plan, rng, names, dates, mobile_offset, code_offset, reference=reference, seed=seed)
        for writer in w.values():
            writer.flush()
            counts[writer.table] = writer.rows
    # Every COPY has ended and every connection committed when the stack closed.
    load_seconds = time.perf_counter() - started
    log(f"  rows written (COPY): {load_seconds:.1f}s")
    if deferred:
        t = time.perf_counter()
        _restore_indexes(url, deferred)
        log(f"  {len(deferred)} indexes of {', '.join(deferred_index_tables(scale))} rebuilt: {time.perf_counter() - t:.1f}s")

    from django.contrib.auth.hashers import make_password

    with psycopg.connect(url, autocommit=True) as conn:
        for table in TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))")
    if facts.get("votes"):
        t = time.perf_counter()
        opened = open_vote(url, facts["votes"], seed)
        facts["votes"].update(opened.pop("facts"))
        facts["personas"]["vote_owner"] = opened.pop("persona")
        log(
            f"  owners' vote opened ({facts['votes']['voters']:,} voters), {facts['votes']['ballots']:,} ballots cast, "
            f"{len(facts['votes']['owners']):,} owners' tokens (in Django): {time.perf_counter() - t:.1f}s"
        )
    with psycopg.connect(url, autocommit=True) as conn:
        persona_ids = [p["person_id"] for p in facts["personas"].values()]
        conn.execute("UPDATE people_person SET password = %s WHERE id = ANY(%s)", [make_password(PERSONA_PASSWORD), persona_ids])
        t = time.perf_counter()
        conn.execute("VACUUM (ANALYZE) " + ", ".join([*TABLES, *VOTE_TABLES]))
        log(f"  VACUUM ANALYZE: {time.perf_counter() - t:.1f}s")
    facts.update(
        scale=asdict(scale),
        seed=seed,
        generator_version=GENERATOR_VERSION,
        counts=counts,
        persona_password=PERSONA_PASSWORD,
        load_seconds=round(time.perf_counter() - started, 1),
    )
    return facts


# Big tables whose secondary indexes are built once after the load (a sort each) rather than kept up
# row by row during COPY (many random-order B-tree inserts: minutes at 1,000,000 cases).
DEFERRED_INDEX_TABLES = ("cases_case", "cases_caseevent", "events_registration")


def deferred_index_tables(scale: Scale) -> tuple[str, ...]:
    from .generate_events import event_counts

    rows = {"cases_case": scale.cases, "cases_caseevent": scale.cases, "events_registration": event_counts(scale)[1]}
    return tuple(t for t in DEFERRED_INDEX_TABLES if rows[t])


def _drop_secondary_indexes(url: str, tables) -> list[str]:
    """Drop every index but the primary keys of ``tables``; return the statements that restore them
    exactly (unique constraints as constraints, other indexes with their own definitions)."""
    restore: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for table in tables:
            rows = conn.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, "
                "pg_get_constraintdef(c.oid) FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid "
                "AND c.contype IN ('u', 'x') WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
                [table],
            ).fetchall()
            for index, indexdef, conname, condef in rows:
                if conname:
                    conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{conname}"')
                    restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{conname}" {condef}')
                else:
                    conn.execute(f"DROP INDEX {index}")
                    restore.append(indexdef)
    return restore


def _restore_indexes(url: str, statements: list[str], connections: int = 2) -> None:
    """Rebuild the dropped indexes, ``connections`` at a time (the server sorts; Python waits)."""
    from concurrent.futures import ThreadPoolExecutor

    def build(chunk: list[str]) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '256MB'")
            for statement in chunk:
                conn.execute(statement)

    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(build, [statements[i::connections] for i in range(connections)]))


def _reference_data(url: str) -> dict:
    """What the migrations put in the database that the generated rows refer to: the problem
    categories (their ids are the migration's) and the working-day calendar's exceptions."""
    with psycopg.connect(url) as conn:
        categories = conn.execute(
            "SELECT id, code, name, request_kind, handler_kind, is_public, response_hours, resolution_days, attributes "
            "FROM cases_category WHERE active AND place_id IS NULL ORDER BY id"
        ).fetchall()
        calendar = dict(conn.execute("SELECT date, is_workday FROM core_calendarday").fetchall())
    return {"categories": categories, "calendar": calendar}


def _write(
    w,
    scale: Scale,
    plan: Plan,
    rng: random.Random,
    names,
    dates,
    mobile_offset: int,
    code_offset: int,
    *,
    reference: dict | None = None,
    seed: int = 0,
) -> dict:
    place_id = 0
    subdistricts: list[tuple[int, str]] = []
    communities: list[tuple[int, str, str]] = []  # id, path, name
    compounds: list[tuple[int, str, str, int]] = []  # id, path, name, subdistrict index

    def place(kind: str, name: str, parent: int | None, parent_path: str, **extra) -> tuple[int, str]:
        nonlocal place_id
        place_id += 1
        path = parent_path + path_segment(place_id)
        w["places_place"].row(
            place_id,
            kind,
            name,
            extra.get("code", ""),
            parent,
            path,
            path.count(".") - 1,
            extra.get("address", ""),
            extra.get("management", ""),
            extra.get("join_code"),
        )
        return place_id, path

    sd_names = [numbered(SUBDISTRICT_NAMES, s) for s in range(scale.subdistricts)]
    for s in range(scale.subdistricts):
        subdistricts.append(place("subdistrict", sd_names[s], None, "", code=f"4406050{11 + s:02d}"))
    community_sd: list[int] = []
    for s, n in enumerate(plan.communities_per_subdistrict):
        sd_id, sd_path = subdistricts[s]
        for k in range(n):
            village = k % 6 == 5
            name = numbered(COMMUNITY_NAMES, k) + ("村" if village else "社区")
            code = f"4406050{11 + s:02d}{k + 1:03d}"
            cid, cpath = place("village" if village else "community", name, sd_id, sd_path, code=code)
            communities.append((cid, cpath, name))
            community_sd.append(s)
    combos = [word + kind for kind in COMPOUND_TYPES for word in COMPOUND_WORDS]
    managements = ["property_company", "self_governing", "none"]
    compound_management: list[str] = []
    index = 0
    for c, n in enumerate(plan.compounds_per_community):
        cid, cpath, _ = communities[c]
        for _ in range(n):
            phase = index // len(combos)
            name = combos[index % len(combos)] + (f"{phase + 1}期" if phase else "")
            management = rng.choices(managements, [60, 25, 15])[0]
            pid, ppath = place("compound", name, cid, cpath, management=management)
            compounds.append((pid, ppath, name, community_sd[c]))
            compound_management.append(management)
            index += 1

    # Buildings, units, residents: building by building.
    unit_id = person_id = member_id = ownership_id = mobile_k = 0
    owners: list[int] = []  # owner-occupiers (landlords are drawn from them)
    rented_units: list[tuple[int, str]] = []
    leaders: list[tuple[int, int, str]] = []  # person, building, path
    buildings: list[tuple[int, str, int, int]] = []  # id, path, first unit id, unit count
    building_compound: list[int] = []  # index into compounds
    building_names: list[str] = []
    unit_first_person: list[int] = [0]  # unit id -> its first member (an adult: owner or tenant)
    first_residents: dict[int, list[int]] = {}  # building id -> first member of each of its first two units
    compound_community: list[int] = []
    for c, n in enumerate(plan.compounds_per_community):
        compound_community += [c] * n
    b_index = 0
    u_index = 0
    for k, (comp_id, comp_path, _, _) in enumerate(compounds):
        for number in range(1, plan.buildings_per_compound[k] + 1):
            n_units = plan.units_per_building[b_index]
            bid, bpath = place("building", f"{number}栋", comp_id, comp_path, join_code=join_code(b_index, code_offset))
            b_index += 1
            buildings.append((bid, bpath, unit_id + 1, n_units))
            building_compound.append(k)
            building_names.append(f"{number}栋")
            per_floor = rng.choice((2, 4, 4, 6, 8))
            leader = None
            firsts: list[int] = []
            for u in range(n_units):
                unit_id += 1
                floor, room = divmod(u, per_floor)
                area = f"{rng.uniform(45, 160):.2f}"
                label = f"{floor + 1}{room + 1:02d}"
                w["places_unit"].row(unit_id, bid, bpath, label, "home", floor + 1, "", area, "register", "")
                rented = rng.random() < RENTED_SHARE
                n_people = plan.people_per_unit[u_index]
                u_index += 1
                members = []
                for m in range(n_people):
                    person_id += 1
                    name, pinyin, initials = names[rng.randrange(len(names))]
                    adult = m < 2 or rng.random() < 0.5
                    mobile = None
                    if adult:
                        mobile = mobile_number(mobile_k, mobile_offset)
                        mobile_k += 1
                    birth_year = rng.randint(1940, 2004) if adult else rng.randint(2008, 2024)
                    _person_row(w, person_id, name, pinyin, initials, mobile, birth_year, rng.random() < 0.05)
                    if rented:
                        relation = "tenant" if m < 2 else "family"
                    else:
                        relation = "owner" if m == 0 else ("co_owner" if m == 1 and rng.random() < 0.3 else "family")
                    member_id += 1
                    since = dates[rng.randrange(len(dates))]
                    w["people_householdmember"].row(member_id, unit_id, person_id, relation, bpath, since)
                    members.append((person_id, relation))
                unit_first_person.append(members[0][0])
                if len(firsts) < 2:
                    firsts.append(members[0][0])
                if rented:
                    rented_units.append((unit_id, bpath))
                else:
                    owners.append(members[0][0])
                    co = [pid for pid, rel in members if rel == "co_owner"]
                    share = "0.5000" if co else "1.0000"
                    for pid in [members[0][0], *co]:
                        ownership_id += 1
                        status = "registered" if rng.random() < 0.9 else "occupied_unregistered"
                        w["people_ownership"].row(ownership_id, unit_id, pid, share, status, bpath)
                    if leader is None:
                        leader = members[0][0]
            leaders.append((leader if leader is not None else firsts[0], bid, bpath))
            first_residents[bid] = firsts
    residents = person_id

    for unit, upath in rented_units:  # landlords: owner-occupiers of other units
        ownership_id += 1
        w["people_ownership"].row(ownership_id, unit, owners[rng.randrange(len(owners))], "1.0000", "registered", upath)

    # Organisations.
    org_id = 0
    served_id = 0

    def org(kind: str, name: str, place_id_: int, path: str) -> int:
        nonlocal org_id
        org_id += 1
        w["people_organisation"].row(org_id, kind, name, place_id_, path, None, "", None)
        return org_id

    for sd_id, sd_path in subdistricts:
        org("subdistrict_office", "街道办事处", sd_id, sd_path)
    community_rc: list[int] = []
    community_party: list[int] = []
    for cid, cpath, cname in communities:
        community_party.append(org("party_committee", f"{cname}党委", cid, cpath))
        community_rc.append(org("residents_committee", f"{cname}居民委员会", cid, cpath))
    n_companies = max(1, scale.compounds // COMPOUNDS_PER_COMPANY)
    company_weights = [1 / (r + 1) for r in range(n_companies)]
    served_by: list[list[int]] = [[] for _ in range(n_companies)]
    for k, management in enumerate(compound_management):
        if management == "property_company":
            served_by[rng.choices(range(n_companies), company_weights)[0]].append(k)
    companies: list[tuple[int, int, str]] = []  # org id, place id, path
    compound_company: list[int | None] = [None] * len(compounds)
    for n in range(n_companies):
        sd = compounds[served_by[n][0]][3] if served_by[n] else 0
        sd_id, sd_path = subdistricts[sd]
        brand = COMPANY_BRANDS[n % len(COMPANY_BRANDS)]
        oid = org("property_company", f"{brand}物业服务有限公司{n + 1:03d}", sd_id, sd_path)
        companies.append((oid, sd_id, sd_path))
        for k in served_by[n]:
            compound_company[k] = oid
            served_id += 1
            w["people_organisation_served_places"].row(served_id, oid, compounds[k][0])
    compound_owners_committee: dict[int, int] = {}  # compound index -> its owners' committee
    for k, (comp_id, comp_path, comp_name, _) in enumerate(compounds):
        if rng.random() < 0.3:
            compound_owners_committee[k] = org("owners_committee", f"{comp_name}业主委员会", comp_id, comp_path)

    # Staff and administrators: persons of their own, after the residents.
    role_id = 0

    def role(person: int, role_: str, place_id_: int, path: str, organisation: int | None = None) -> None:
        nonlocal role_id
        role_id += 1
        w["people_roleassignment"].row(role_id, person, role_, place_id_, path, organisation, LOADED_AT, None, None)

    persona_k = 0

    def staff_person(persona: bool = False) -> tuple[int, str]:
        nonlocal person_id, mobile_k, persona_k
        person_id += 1
        if persona:
            persona_k += 1
            mobile = persona_mobile(persona_k)
        else:
            mobile = mobile_number(mobile_k, mobile_offset)
            mobile_k += 1
        name, pinyin, initials = names[rng.randrange(len(names))]
        _person_row(w, person_id, name, pinyin, initials, mobile, rng.randint(1965, 2000), False)
        return person_id, mobile

    for person, bid, bpath in leaders:
        role(person, "building_leader", bid, bpath)

    # The personas' community: the largest one (the heaviest directory a community's staff sees).
    units_per_community = [0] * len(communities)
    for k, units in enumerate(plan.units_per_compound):
        units_per_community[compound_community[k]] += units
    persona_community = max(range(len(communities)), key=lambda c: (units_per_community[c], -c))
    personas: dict[str, dict] = {}
    community_staff: list[list[int]] = []
    for c, (cid, cpath, _) in enumerate(communities):
        community_staff.append([])
        for n in range(STAFF_PER_COMMUNITY):
            is_persona = c == persona_community and n == 0
            pid, mobile = staff_person(persona=is_persona)
            role(pid, "community_staff", cid, cpath)
            community_staff[c].append(pid)
            if is_persona:
                personas["community_staff"] = {"person_id": pid, "mobile": mobile, "role": "community_staff", "place_id": cid}
    for s, (sd_id, sd_path) in enumerate(subdistricts):
        pid, mobile = staff_person(persona=s == 0)
        role(pid, "subdistrict_admin", sd_id, sd_path)
        if s == 0:
            personas["subdistrict_admin"] = {"person_id": pid, "mobile": mobile, "role": "subdistrict_admin", "place_id": sd_id}
    company_staff: dict[int, list[int]] = {}
    for oid, sd_id, sd_path in companies:
        for _ in range(PROPERTY_STAFF_PER_COMPANY):
            pid, _mobile = staff_person()
            role(pid, "property_staff", sd_id, sd_path, organisation=oid)
            company_staff.setdefault(oid, []).append(pid)

    # A building leader and a resident of the personas' community, in its biggest building.
    _, community_path, _ = communities[persona_community]
    big = max((b for b in buildings if b[1].startswith(community_path)), key=lambda b: (b[3], -b[0]))
    leader_person = next(person for person, bid, _ in leaders if bid == big[0])
    neighbour = next(p for p in first_residents[big[0]] if p != leader_person)
    personas["building_leader"] = {"person_id": leader_person, "role": "building_leader", "place_id": big[0]}
    personas["resident"] = {"person_id": neighbour, "role": "resident", "place_id": big[0]}

    # Activity, power-law: pending join requests, most of them in a few busy buildings.
    order = list(range(len(buildings)))
    rng.shuffle(order)
    weights = [0.0] * len(buildings)
    for rank, b in enumerate(order):
        weights[b] = 1 / (rank + 1) ** 1.1
    seen: set[tuple[int, int]] = set()
    jr_id = 0
    for b in rng.choices(range(len(buildings)), weights, k=int(scale.units * JOIN_REQUESTS_PER_UNIT)):
        bid, bpath, first_unit, n_units = buildings[b]
        unit = first_unit + rng.randrange(n_units)
        person = rng.randint(1, residents)
        if (person, unit) in seen:
            continue
        seen.add((person, unit))
        jr_id += 1
        w["people_joinrequest"].row(jr_id, person, bid, unit, "family", bpath, "", "pending", LOADED_AT, None, None, "")

    world = {
        "buildings": buildings,
        "building_compound": building_compound,
        "building_names": building_names,
        "building_leader": [person for person, _, _ in leaders],
        "unit_first_person": unit_first_person,
        "first_residents": first_residents,
        "compounds": compounds,
        "compound_community": compound_community,
        "compound_company": compound_company,
        "compound_owners_committee": compound_owners_committee,
        "communities": communities,
        "community_rc": community_rc,
        "community_party": community_party,
        "community_staff": community_staff,
        "company_staff": company_staff,
        "units_per_community": units_per_community,
        "persona_community": persona_community,
        "sd_names": sd_names,
        "persona_building": big[0],
        "resident": neighbour,
        "persona_ids": {p["person_id"] for p in personas.values()},
        "residents": residents,
        "subdistricts": subdistricts,
        "community_sd": community_sd,
        "subdistrict_office": list(range(1, len(subdistricts) + 1)),  # the first organisations written
        "n_cases": scale.cases if reference is not None else 0,
        # filled by _write_cases: per community, the cases flagged for a meeting (unsatisfied, reopened)
        "needs_meeting_cases": [[] for _ in communities],
    }
    facts_cases = None
    if scale.cases and reference is not None:
        facts_cases = _write_cases(w, scale.cases, random.Random(seed * 7919 + 4), reference, world)
        personas["resident"]["api_token"] = facts_cases.pop("api_token")
    facts_deliberation = _write_deliberation(
        w, deliberation_counts(scale), random.Random(seed * 7919 + 5), (reference or {}).get("calendar", {}), world
    )

    # Neighbourhood events (issue 6): clubs, events, registrations, the load's tokens; their own random stream.
    from .generate_events import event_counts, write_events

    facts_events = write_events(
        w,
        event_counts(scale),
        random.Random(seed * 7919 + 8),
        world,
        seed=seed,
        ids={"organisation": org_id, "membership": facts_deliberation["memberships"], "token": 1 if facts_cases else 0},
    )
    if facts_events.get("persona"):
        personas["event_resident"] = facts_events.pop("persona")

    # The owners' vote's compound: last, with ids after everything else's and its own random stream.
    facts_votes = None
    if reference is not None and vote_units(scale):
        ids = {
            "unit": unit_id,
            "person": person_id,
            "member": member_id,
            "ownership": ownership_id,
            "mobile_k": mobile_k,
            "building": len(buildings),
            "served": served_id,
        }
        persona_compounds = [k for k, c in enumerate(compound_community) if c == persona_community]
        company = next((compound_company[k] for k in persona_compounds if compound_company[k]), None)
        facts_votes = _write_vote_compound(
            w,
            vote_units(scale),
            random.Random(seed * 7919 + 6),
            place,
            ids,
            names=names,
            dates=dates,
            mobile_offset=mobile_offset,
            code_offset=code_offset,
            community=communities[persona_community],
            owners_elsewhere=owners,
            company=company,
            created_by=personas["community_staff"]["person_id"],
            second_staff=community_staff[persona_community][1],
        )
        person_id = ids["person"]

    return {
        "cases": facts_cases,
        "deliberation": facts_deliberation,
        "events": facts_events,
        "votes": facts_votes,
        "residents": residents,
        "persons": person_id,
        "personas": personas,
        "persona_community": {
            "id": communities[persona_community][0],
            "name": communities[persona_community][2],
            "units": units_per_community[persona_community],
        },
        "subdistrict_ids": [sd for sd, _ in subdistricts],
        "community_ids": [c for c, _, _ in communities],
    }


# --- problem reports (cases) -------------------------------------------------------------------

DAY = 86_400
LOCAL_OFFSET = 8 * 3600  # Asia/Shanghai, no daylight saving
OPEN_STATUSES = ("submitted", "accepted", "in_progress", "reopened")
# The chance a case is still open, by age: most recent ones, few old ones (about 10% overall).
OPEN_RECENT, OPEN_DECAY_DAYS, OPEN_STUCK = 0.95, 60, 0.02
# Share of reports by category code (a few kinds dominate; emergencies are rare).
CATEGORY_WEIGHTS = {
    "littering": 12,
    "thrown-from-height": 3,
    "ebike-in-corridor": 8,
    "clutter": 12,
    "pets": 8,
    "noise": 12,
    "water-pipes": 6,
    "facilities": 12,
    "greening": 5,
    "fire-safety": 3,
    "security": 4,
    "dispute": 5,
    "inquiry": 6,
    "emergency": 0.3,
    "other": 4,
}
PHRASES = [
    "已经好几天了，请尽快处理。",
    "影响大家出行，麻烦看一下。",
    "晚上尤其严重，希望物业跟进。",
    "之前反映过一次，还没有解决。",
    "楼下邻居也有同样的问题。",
    "有老人小孩，担心安全。",
    "周末最明显，拍了照片。",
    "希望社区协调解决。",
]
LEVEL_LABELS = {2: "社区工作人员", 3: "街道"}
RATINGS = (("satisfied", 65), ("basic", 25), ("unsatisfied", 10))


class CaseClock:
    """Epoch seconds to COPY text, and working-day deadlines as ``core.workdays.add_working_days``
    (the end of the n-th working day after the local date), cached per (date, n)."""

    def __init__(self, calendar: dict):
        epoch = datetime.date(1970, 1, 1)
        self._exceptions = {(d - epoch).days: bool(v) for d, v in calendar.items()}
        self._days: dict[int, str] = {}
        self._deadlines: dict[tuple[int, int], int] = {}

    def text(self, t: int) -> str:
        day, rest = divmod(t, DAY)
        d = self._days.get(day)
        if d is None:
            d = self._days[day] = (datetime.date(1970, 1, 1) + datetime.timedelta(days=day)).isoformat() + " "
        return d + _clock_times()[rest]

    def is_workday(self, local_day: int) -> bool:
        found = self._exceptions.get(local_day)
        return found if found is not None else (local_day + 3) % 7 < 5  # 1970-01-01 was a Thursday

    def add_working_days(self, t: int, n: int) -> int:
        local_day = (t + LOCAL_OFFSET) // DAY
        key = (local_day, n)
        found = self._deadlines.get(key)
        if found is None:
            day, counted = local_day, 0
            while counted < n:
                day += 1
                counted += self.is_workday(day)
            found = self._deadlines[key] = day * DAY + DAY - 1 - LOCAL_OFFSET
        return found


@functools.cache
def _clock_times() -> list[str]:
    """ "HH:MM:SS+00" for every second of a day (formatting each timestamp was most of the COPY text's cost)."""
    return [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]


def _epoch(text: str) -> int:
    return int(datetime.datetime.fromisoformat(text).timestamp())


def _write_cases(w, n_cases: int, rng: random.Random, reference: dict, world: dict) -> dict:
    """``n_cases`` cases and their timelines (one SUBMITTED line each, plus the status change that
    closed it or moved it on, plus the escalation steps of open ones), in id order = time order."""
    import bisect
    import hashlib
    import itertools
    import json

    from cases.models import DEFAULT_RESOLUTION_DAYS

    clock = CaseClock(reference["calendar"])
    now = _epoch(CASES_NOW)
    processed = now - SWEEP_GAP_HOURS * 3600  # the sweep's last run
    start = now - CASES_YEARS * 365 * DAY
    span = now - 600 - start

    cats = []
    for cid, code, name, kind, handler_kind, public, hours, days, attributes in reference["categories"]:
        required = {a["code"]: (a.get("values") or [{"key": "1"}])[-1]["key"] for a in attributes or [] if a.get("required")}
        cats.append(
            {
                "id": cid,
                "code": code,
                "name": name,
                "kind": kind,
                "property": handler_kind == "property_company",
                "public": "t" if public else "f",
                "emergency": "t" if kind == "emergency" else "f",
                "hours": hours * 3600,
                "days": days or DEFAULT_RESOLUTION_DAYS[kind],
                "details": json.dumps(required, ensure_ascii=False) if required else "{}",
            }
        )
    cat_cum = list(itertools.accumulate(CATEGORY_WEIGHTS.get(c["code"], 1) for c in cats))

    buildings = world["buildings"]
    b_compound = world["building_compound"]
    compounds, communities = world["compounds"], world["communities"]
    c_community = world["compound_community"]
    # Power-law activity over buildings (a few busy ones), scaled by size; the personas' building
    # is the busiest (its leader's page is the heaviest building page).
    order = list(range(len(buildings)))
    rng.shuffle(order)
    persona_b = next(i for i, b in enumerate(buildings) if b[0] == world["persona_building"])
    order.remove(persona_b)
    order.insert(0, persona_b)
    weights = [0.0] * len(buildings)
    for rank, b in enumerate(order):
        weights[b] = buildings[b][3] * (1 + 20 / (rank + 1) ** 0.8)
    b_cum = list(itertools.accumulate(weights))
    b_total = b_cum[-1]

    def full_name(k: int) -> str:
        _, _, comp_name, sd = compounds[k]
        return f"{world['sd_names'][sd]} {communities[c_community[k]][2]} {comp_name}"

    compound_address = [full_name(k) for k in range(len(compounds))]

    token_offset = rng.getrandbits(64)
    case_w, event_w = w["cases_case"], w["cases_caseevent"]
    text = clock.text
    add_wd = clock.add_working_days
    leaders, first_person = world["building_leader"], world["unit_first_person"]
    needs_meeting_cases = world["needs_meeting_cases"]
    last_at_place: dict[int, int] = {}
    by_status: dict[str, int] = dict.fromkeys((*OPEN_STATUSES, "resolved", "confirmed", "rejected", "merged"), 0)
    due = events = escalated_open = 0
    ev_id = 0
    rnd = rng.random

    def event(case_id: int, at: int, actor, kind: str, from_s: str, to_s: str, level, note: str) -> None:
        nonlocal ev_id
        ev_id += 1
        event_w.line(
            f"{ev_id}\t{case_id}\t{text(at)}\t{NULL if actor is None else actor}\t{kind}\t{from_s}\t{to_s}\t"
            f"{NULL if level is None else level}\t{note}\tt"
        )

    for i in range(n_cases):
        case_id = i + 1
        created = start + int((i + rnd()) * span / n_cases)
        age_days = (now - created) / DAY
        b = bisect.bisect_right(b_cum, rnd() * b_total)
        bid, bpath, first_unit, n_units = buildings[b]
        k = b_compound[b]
        comp_id, comp_path, _, _ = compounds[k]
        cat = cats[bisect.bisect_right(cat_cum, rnd() * cat_cum[-1])]
        unit = first_unit + int(rnd() * n_units)
        reporter = first_person[unit]
        leader = leaders[b]
        where = rnd()
        if where < 0.1:  # a public area of the compound: community staff are the first level there
            place_id, path, location, unit_id, level = comp_id, comp_path, "public", NULL, 2
            address = compound_address[k]
        else:
            place_id, path, level = bid, bpath, 0
            location, unit_id = ("unit", unit) if where < 0.25 else ("building", NULL)
            address = f"{compound_address[k]} {world['building_names'][b]}"
        channel, recorded_by = "app", NULL
        if level == 0 and rnd() < 0.08:
            channel, recorded_by = "phone", leader
        handler = world["compound_company"][k] if cat["property"] else None
        if handler is None:
            handler = world["community_rc"][c_community[k]]
        hours = cat["hours"]
        respond_by = first_due = created + hours
        resolve_by = add_wd(created, cat["days"])
        responded = resolved = closed = escalate = None
        merged_into = NULL
        rating = rating_note = ""
        needs_meeting = "f"
        version = 1
        upper = now - 60
        event(case_id, created, recorded_by if channel == "phone" else reporter, "submitted", "", "submitted", None, "")
        events += 1

        if rnd() < OPEN_RECENT * math.exp(-age_days / OPEN_DECAY_DAYS) + OPEN_STUCK:  # still open
            r = rnd()
            if age_days < 1 and r < 0.7 or r < 0.25:
                status = "submitted"
            else:
                responded = created + int(hours * (0.05 + 0.85 * rnd()))
                status = "accepted" if r < 0.5 else ("in_progress" if r < 0.9 else "reopened")
                if responded > upper:
                    status, responded = "submitted", None
            clock_from = created
            if status == "reopened":
                resolved = min(created + int((resolve_by - created) * (0.2 + 0.6 * rnd())), upper)
                reopened = resolved + 3600 + int(rnd() * 6 * DAY)
                if reopened > upper:
                    status, resolved = "in_progress", None
                else:
                    resolve_by = add_wd(reopened, cat["days"])
                    needs_meeting = "t"
                    clock_from = reopened
            if status == "accepted":
                event(case_id, responded, leader, "transition", "submitted", "accepted", None, "")
                version, events = version + 1, events + 1
            elif status == "in_progress":
                event(case_id, responded, leader, "transition", "accepted", "in_progress", None, "")
                version, events = version + 2, events + 1
            elif status == "reopened":
                event(case_id, reopened, reporter, "transition", "resolved", "reopened", None, "问题又出现了。")
                version, events = version + 4, events + 1
            # The escalation steps the sweep took up to its last run (as cases.actions._next_escalation).
            t = clock_from
            updated = max(t, responded or t)
            while True:
                if level >= 3:
                    escalate = None
                    break
                due_at = resolve_by if resolve_by > t else add_wd(t, 2)
                if responded is None:
                    due_at = min(due_at, respond_by)
                escalate = due_at
                if due_at > processed:
                    break
                t = due_at
                missed = responded is None and respond_by <= t
                level = 2 if level < 2 else 3
                if missed:
                    respond_by = t + hours
                why = "未在期限内首次回应。" if missed else "未在期限内解决。"
                event(case_id, t, None, "escalated", "", "", level, f"{why} → {LEVEL_LABELS[level]}")
                version, events, updated = version + 1, events + 1, t
                escalated_open += 1
            if escalate is not None and escalate <= now:
                due += 1
        else:
            responded = min(created + int(hours * (0.05 + 0.85 * rnd())), upper)
            r = rnd()
            previous = last_at_place.get(place_id)
            if r < 0.6:
                status = "confirmed"
            elif r < 0.82:
                status = "resolved"
            elif r < 0.92 or previous is None:
                status = "rejected"
            else:
                status = "merged"
            if status in ("confirmed", "resolved"):
                if rnd() < 0.92:
                    resolved = created + int((resolve_by - created) * (0.1 + 0.8 * rnd()))
                else:
                    resolved = resolve_by + int(rnd() * 4 * DAY)
                resolved = max(min(resolved, upper), responded)
                if status == "confirmed":
                    closed = max(min(resolved + 3600 + int(rnd() * 5 * DAY), upper), resolved)
                    if rnd() < 0.75:
                        x = rnd() * 100
                        rating = "satisfied" if x < 65 else ("basic" if x < 90 else "unsatisfied")
                        needs_meeting = "t" if rating == "unsatisfied" else "f"
                    event(case_id, closed, reporter, "transition", "resolved", "confirmed", None, "")
                    version = 5
                else:
                    actor = leader if level == 0 else None
                    event(case_id, resolved, actor, "transition", "in_progress", "resolved", None, "已处理。")
                    version = 4
            elif status == "rejected":
                closed = responded = max(min(created + 3600 + int(rnd() * 3 * DAY), upper), created)
                event(case_id, closed, None, "transition", "submitted", "rejected", None, "不属于受理范围。")
                version = 2
            else:
                closed = responded = max(min(created + 600 + int(rnd() * DAY), upper), created)
                merged_into = previous
                event(case_id, closed, None, "transition", "submitted", "merged", None, f"与 #{previous} 重复。")
                version = 2
            events += 1
            updated = closed or resolved
        last_at_place[place_id] = case_id
        by_status[status] += 1
        if needs_meeting == "t":
            needs_meeting_cases[c_community[k]].append(case_id)
        case_w.line(
            f"{case_id}\t{cat['id']}\t{cat['kind']}\t{place_id}\t{unit_id}\t{location}\t{path}\t{comp_path}\t{address}\t"
            f"{cat['name']}：{PHRASES[case_id % len(PHRASES)]}\t{cat['details']}\t{reporter}\t\t\t{channel}\t{recorded_by}\t"
            f"{handler}\t{status}\t{level}\t{version}\t{cat['public']}\t{cat['emergency']}\t{text(created)}\t{text(updated)}\t"
            f"{text(first_due)}\t{text(respond_by)}\t{text(resolve_by)}\t{NULL if escalate is None else text(escalate)}\t"
            f"{NULL if responded is None else text(responded)}\t{NULL if resolved is None else text(resolved)}\t"
            f"{NULL if closed is None else text(closed)}\t{rating}\t{rating_note}\t{needs_meeting}\t{merged_into}\t0\t"
            f"{(case_id * 0x9E3779B97F4A7C15 + token_offset) & 0xFFFFFFFFFFFFFFFF:016x}"
        )

    # The resident persona's personal API token (the intake scenario posts with it).
    raw = f"linli-bench-{rng.getrandbits(128):032x}"
    w["people_apitoken"].row(1, world["resident"], "bench intake", hashlib.sha256(raw.encode()).hexdigest(), LOADED_AT, None)
    persona_k = world["building_compound"][persona_b]
    intake_places = [b[0] for i, b in enumerate(buildings) if world["building_compound"][i] == persona_k][:12]
    return {
        "count": n_cases,
        "max_id": n_cases,
        "events": events,
        "by_status": by_status,
        "open": sum(by_status[s] for s in OPEN_STATUSES),
        "escalation_steps_in_history": escalated_open,
        "now": CASES_NOW,
        "sweep_now": CASES_NOW,
        "due_at_sweep_now": due,
        "busiest_building": world["persona_building"],
        "intake_places": intake_places,
        "intake_compound": compounds[persona_k][0],
        "api_token": raw,
    }


# --- consultation topics, meetings and action items (issue 4) -----------------------------------

# How many, per unit, when the scale does not name them (``Scale`` has no fields for them yet): at
# subdistrict scale (200,000 units) 100,000 topics, 20,000 meetings and 200,000 action items.
TOPICS_PER_UNIT, MEETINGS_PER_UNIT, ACTION_ITEMS_PER_UNIT = 0.5, 0.1, 1.0


def deliberation_counts(scale: Scale) -> tuple[int, int, int]:
    """(topics, meetings, action items) for a scale: its own fields if it has them, else per unit."""

    def count(field: str, per_unit: float) -> int:
        value = getattr(scale, field, None)
        return round(scale.units * per_unit) if value is None else value

    return (
        count("topics", TOPICS_PER_UNIT),
        count("meetings", MEETINGS_PER_UNIT),
        count("action_items", ACTION_ITEMS_PER_UNIT),
    )


# The same "now" as the cases. Meetings run over the two years before it and MEETINGS_AHEAD_DAYS after
# (MEETINGS_AHEAD_SHARE of them: notices sent or drafts). The action-item sweep (daily, 09:00) last ran
# ACTION_SWEEP_GAP_DAYS before ACTIONS_NOW (its beat was down), so the items that fell overdue since, and
# are still open, are reported at ACTIONS_NOW: about 1.5% of all items at subdistrict scale.
ACTIONS_NOW = CASES_NOW
ACTION_SWEEP_GAP_DAYS = 17
MEETINGS_AHEAD_DAYS = 30
MEETINGS_AHEAD_SHARE = 0.03
DIRECT_ACTION_SHARE = 0.05  # action items given for a topic outside a meeting
# Action items: done before the due date, late (exponential delay, mean in days), or never.
ACTION_ON_TIME, ACTION_LATE_MEAN_DAYS, ACTION_STUCK, ACTION_CANCELLED = 0.45, 40, 0.04, 0.015

TOPIC_SUBJECTS = [
    "加装电梯",
    "停车位重新规划",
    "电动车充电桩建设",
    "垃圾分类投放点调整",
    "公共绿地改造",
    "老旧小区改造方案",
    "广场舞噪音管理",
    "楼道照明更换",
    "物业服务费调整",
    "维修资金使用",
    "文明养犬公约",
    "快递柜设置",
    "儿童游乐设施改造",
    "消防通道整治",
    "外墙翻新",
    "二次供水改造",
    "门禁系统升级",
    "屋面防水维修",
    "监控补点",
    "长者饭堂选址",
    "非机动车棚扩建",
    "雨污分流改造",
    "路面修补",
    "树木修剪",
]
DECLINE_REASONS = [
    "不属于社区协商范围，已转相关部门办理。",
    "已有同类议题正在协商，合并办理。",
    "附议户数不足且无紧迫性，暂不列入。",
    "属个人纠纷，建议通过人民调解解决。",
]
CASE_GROUNDS = ["反映人对处理结果不满意。", "问题解决后又出现，已重新打开。", "同一楼栋多次反映同类问题。"]
OUTCOMES = [
    "经协商，同意按方案实施，费用由维修资金列支。",
    "各方同意分两期实施，先在一栋楼试点。",
    "同意由物业负责实施，社区和业委会监督。",
    "同意方案，施工时间避开居民休息时段。",
]
RESIDENTS_MEETING_REASONS = ["涉及全体居民利益，需提交居民会议表决。", "分歧较大，需居民会议作出决定。"]
FEEDBACKS = ["已按协商结果完成，回访居民满意。", "工程已完工并通过验收。", "已落实，转入物业日常维护。"]
MEETING_LOCATIONS = ["社区党群服务中心二楼会议室", "社区居委会议事厅", "小区架空层", "物业服务中心会议室"]
KIND_TITLES = {"joint": "联席会议", "council": "居民议事会", "owners_committee": "业委会会议", "residents_meeting": "居民会议"}
AGENDA_GENERIC = [
    "上次会议决定事项落实情况",
    "近期居民反映问题通报",
    "小区安全隐患排查",
    "社区活动安排",
    "物业服务情况通报",
    "环境卫生整治",
]
DISCUSSIONS = ["与会各方充分发表意见。", "物业说明情况，居民代表提出补充意见。", "业委会介绍前期征询结果。"]
DECISIONS = [
    "由物业在两周内完成整改。",
    "社区牵头组织施工方案论证。",
    "业委会负责征询业主意见。",
    "同意方案，按程序公示。",
    "由居委会协调相关部门办理。",
]
SUMMARIES = ["会议按议程进行，形成决定如下。", "会议听取各方意见，对各项议程作出决定。"]
ACTION_TITLES = [
    "清理楼道堆放杂物",
    "更换损坏路灯",
    "修补破损路面",
    "清理消防通道",
    "张贴协商结果公示",
    "征询业主意见",
    "联系施工单位报价",
    "组织现场踏勘",
    "更新宣传栏",
    "检查二次供水设施",
    "修剪树木",
    "维修门禁",
    "回访反映人",
    "统计加装电梯意向",
]
EVIDENCE = ["已完成，附现场照片。", "已整改到位，经社区验收。", "已公示七天，无异议。", "已回访，居民表示满意。"]
CANCEL_REASONS = ["方案调整，不再执行。", "并入其他事项办理。"]
# Meeting UIDs: an odd multiplier is a bijection modulo 2**96, so the UIDs are unique.
UID_MULTIPLIER = 0x9E3779B97F4A7C15F39CC061
TOPIC_FORMATS = ["council", "compound", "owners", "representatives_meeting", "hearing", "online", "board"]


def _write_deliberation(w, counts: tuple[int, int, int], rng: random.Random, calendar: dict, world: dict) -> dict:
    """Topics with their steps, endorsements and participants; meetings with invitations, attendance,
    agenda, minutes; action items; and the officers (chair, secretary) of the organisations that own
    them. Topics and meetings in id order = time order; statuses follow from the time each step took
    (old topics closed or declined, recent ones along the procedure); every row as the actions in
    ``deliberation.actions`` and ``meetings.actions`` would have left it."""
    import bisect
    import itertools

    from deliberation.models import DEFAULT_THRESHOLD_HOUSEHOLDS
    from deliberation.rules import RuleSet, tally
    from meetings.models import NOTICE_DAYS

    began = time.perf_counter()
    n_topics, n_meetings, n_actions = counts
    clock = CaseClock(calendar)
    text = clock.text
    now = _epoch(ACTIONS_NOW)
    upper = now - 60
    start = now - CASES_YEARS * 365 * DAY
    today = (now + LOCAL_OFFSET) // DAY
    last_sweep = now - ACTION_SWEEP_GAP_DAYS * DAY
    rnd = rng.random

    def ts(t) -> str:
        return NULL if t is None else text(t)

    def day_text(local_day: int) -> str:
        return text(local_day * DAY)[:10]

    def nine_am(local_day: int) -> int:
        return local_day * DAY - LOCAL_OFFSET + 9 * 3600

    def n(v) -> str:
        return NULL if v is None else str(v)

    communities = world["communities"]
    n_comm = len(communities)
    buildings, building_compound = world["buildings"], world["building_compound"]
    compound_community, compounds = world["compound_community"], world["compounds"]
    first_person = world["unit_first_person"]
    staff_of = world["community_staff"]
    rc_of, party_of = world["community_rc"], world["community_party"]
    needs_meeting_cases = world["needs_meeting_cases"]
    n_cases = world.get("n_cases") or 0

    # Each community's units are one id range (units are numbered community by community).
    unit_lo, unit_hi = [0] * n_comm, [0] * n_comm
    compound_first_building: dict[int, int] = {}
    for b, (_bid, _path, first, count) in enumerate(buildings):
        k = building_compound[b]
        compound_first_building.setdefault(k, b)
        c = compound_community[k]
        unit_lo[c] = first if not unit_lo[c] else min(unit_lo[c], first)
        unit_hi[c] = max(unit_hi[c], first + count - 1)
    compounds_of: list[list[int]] = [[] for _ in range(n_comm)]
    for k, c in enumerate(compound_community):
        compounds_of[c].append(k)
    companies_of = [sorted({world["compound_company"][k] for k in ks} - {None}) for ks in compounds_of]
    ocs = world["compound_owners_committee"]
    owners_committees_of = [[ocs[k] for k in ks if k in ocs] for ks in compounds_of]

    def resident(c: int) -> tuple[int, int]:
        unit = unit_lo[c] + int(rnd() * (unit_hi[c] - unit_lo[c] + 1))
        return first_person[unit], unit

    # Officers (chair, secretary) of the organisations that own action items and take part in meetings:
    # the sweep and the owners' notices go to them. Never the personas (their pages stay as they were).
    officers: dict[int, list[int]] = {}
    m_w = w["people_membership"]
    membership_id = 0
    since = LOADED_AT[:10]

    persona_ids = world["persona_ids"]
    world["officers"] = officers  # the events' organisers check people in (generate_events)

    def member(org: int, person: int, position: str) -> None:
        nonlocal membership_id
        if person in officers.setdefault(org, []) or person in persona_ids:
            return
        membership_id += 1
        officers[org].append(person)
        m_w.line(f"{membership_id}\t{org}\t{person}\t{position}\t{since}")

    for c in range(n_comm):
        s1, s2 = staff_of[c][1 % len(staff_of[c])], staff_of[c][-1]
        member(rc_of[c], s1, "chair")
        member(rc_of[c], s2, "secretary")
        member(party_of[c], s2, "chair")
        member(party_of[c], s1, "secretary")
    for k, oc in ocs.items():
        firsts = world["first_residents"][buildings[compound_first_building[k]][0]]
        for person, position in zip(firsts, ("chair", "secretary"), strict=False):
            member(oc, person, position)
    for oid, people in world["company_staff"].items():
        for person, position in zip(people, ("chair", "secretary"), strict=False):
            member(oid, person, position)

    # Activity by community: its size, give or take; the personas' community (the largest) the busiest.
    activity = [world["units_per_community"][c] * (0.6 + 0.8 * rnd()) for c in range(n_comm)]
    persona_c = world["persona_community"]
    activity[persona_c] = max(activity) * 1.25

    def time_order(total: int) -> list[int]:
        seq = [c for c, k in enumerate(allocate(total, activity, 0, total)) for _ in range(k)]
        rng.shuffle(seq)
        return seq

    def compound_name(c: int) -> str:
        ks = compounds_of[c]
        return compounds[ks[int(rnd() * len(ks))]][2]

    # --- topics ---
    topic_w, step_w = w["deliberation_topic"], w["deliberation_topicstep"]
    end_w, part_w = w["deliberation_endorsement"], w["deliberation_topicparticipant"]
    step_id = end_id = part_id = 0
    topic_status: dict[str, int] = {}
    topics_per_community = [0] * n_comm
    taken_up: list[list[tuple[int, int, int, str]]] = [[] for _ in range(n_comm)]  # (decided, ended, id, title)
    used_cases: set[int] = set()
    span = now - 600 - start
    case_span = CASES_YEARS * 365 * DAY - 600
    for i, c in enumerate(time_order(n_topics)):
        tid = i + 1
        created = start + int((i + rnd()) * span / max(n_topics, 1))
        cid, cpath, _cname = communities[c]
        topics_per_community[c] += 1
        staff = staff_of[c]
        subject = TOPIC_SUBJECTS[int(rnd() * len(TOPIC_SUBJECTS))]
        title = f"{compound_name(c)}{subject}"
        r = rnd()
        case_id = None
        grounds = ""
        unit = None
        if r < 0.45:
            source = "resident"
            proposer, unit = resident(c)
        else:
            source = "staff"
            proposer = staff[int(rnd() * len(staff))]
            cases_here = needs_meeting_cases[c]
            if r < 0.6 and cases_here and n_cases:
                # a case flagged for a meeting, reported before the topic was raised, not yet a topic
                latest = bisect.bisect_right(cases_here, int((created - start) / case_span * n_cases))
                for _ in range(4):
                    if latest == 0:
                        break
                    pick = cases_here[latest - 1 - int(rnd() * min(latest, 200))]
                    if pick not in used_cases:
                        used_cases.add(pick)
                        source, case_id = "problem_report", pick
                        grounds = CASE_GROUNDS[pick % len(CASE_GROUNDS)]
                        title = f"{subject}（问题 #{pick}）"
                        break
        description = f"{subject}：{PHRASES[tid % len(PHRASES)]}"
        if source == "resident":
            p_stuck, p_decline, decide_days = 0.05, 0.40, (2, 30)
        elif source == "problem_report":
            p_stuck, p_decline, decide_days = 0.0, 0.10, (0.5, 7)
        else:
            p_stuck, p_decline, decide_days = 0.0, 0.05, (0.1, 3)
        steps = [(created, proposer, "", "collecting", grounds)]
        decided_at = decided_by = None
        decision_reason = fmt = outcome = feedback = ""
        planned_for = outcome_published = comments_until = closed = None
        x = rnd()
        if x >= p_stuck:
            t = created + int(DAY * (decide_days[0] + (decide_days[1] - decide_days[0]) * rnd()))
            actor = staff[int(rnd() * len(staff))]
            if t <= upper:
                decided_at, decided_by = t, actor
                if x < p_stuck + p_decline:
                    decision_reason = DECLINE_REASONS[tid % len(DECLINE_REASONS)]
                    steps.append((t, actor, "collecting", "declined", decision_reason))
                else:
                    fmt = TOPIC_FORMATS[tid % len(TOPIC_FORMATS)]
                    planned_for = t + int(DAY * (7 + 14 * rnd()))
                    steps.append((t, actor, "collecting", "decided", ""))
                    plan = [("notice_published", 2, 10), ("deliberating", 3, 7)]
                    if rnd() < 0.1:
                        plan += [("residents_meeting", 0, 7), ("outcome_recorded", 7, 21)]
                    else:
                        plan.append(("outcome_recorded", 0, 14))
                    plan += [
                        ("outcome_published", 1, 5),
                        ("implementing", 7, 12),
                        ("feedback_published", 20, 150),
                        ("closed", 3, 20),
                    ]
                    for to, lo, hi in plan:
                        t += int(DAY * (lo + (hi - lo) * rnd())) + 600
                        if t > upper:
                            break
                        note = ""
                        if to == "residents_meeting":
                            note = RESIDENTS_MEETING_REASONS[tid % len(RESIDENTS_MEETING_REASONS)]
                        elif to == "outcome_recorded":
                            note = outcome = OUTCOMES[tid % len(OUTCOMES)]
                        elif to == "outcome_published":
                            outcome_published, comments_until = t, t + 7 * DAY  # DEFAULT_OUTCOME_NOTICE_DAYS
                        elif to == "feedback_published":
                            note = feedback = FEEDBACKS[tid % len(FEEDBACKS)]
                        elif to == "closed":
                            closed = t
                        steps.append((t, actor, steps[-1][3], to, note))
                    taken_up[c].append((decided_at, closed or now + 400 * DAY, tid, title))
        status = steps[-1][3]
        topic_status[status] = topic_status.get(status, 0) + 1
        for at, actor, frm, to, note in steps:
            step_id += 1
            step_w.line(f"{step_id}\t{tid}\t{text(at)}\t{actor}\t{frm}\t{to}\t{note}")

        endorsed, threshold_at = 0, None
        if source == "resident":
            endorsers = [(proposer, unit, created)]
            if status == "collecting":
                k = min(int(rng.expovariate(1 / 7)), 40)
                times = sorted(created + int((upper - created) * rnd()) for _ in range(k))
                seen = {unit}
                for at in times:
                    person, u = resident(c)
                    if u not in seen:
                        seen.add(u)
                        endorsers.append((person, u, at))
            for person, u, at in endorsers:
                end_id += 1
                end_w.line(f"{end_id}\t{tid}\t{person}\t{u}\t{text(at)}")
            endorsed = len(endorsers)  # one unit each: households
            if endorsed >= DEFAULT_THRESHOLD_HOUSEHOLDS:
                threshold_at = endorsers[DEFAULT_THRESHOLD_HOUSEHOLDS - 1][2]
        if decided_at is not None and status != "declined":
            parts = [("residents_committee", rc_of[c], None)]
            if companies_of[c] and rnd() < 0.6:
                parts.append(("property_company", companies_of[c][int(rnd() * len(companies_of[c]))], None))
            if owners_committees_of[c] and rnd() < 0.4:
                parts.append(("owners_committee", owners_committees_of[c][int(rnd() * len(owners_committees_of[c]))], None))
            if source == "resident":
                parts.append(("resident", None, proposer))
            for role, org, person in parts:
                part_id += 1
                part_w.line(f"{part_id}\t{tid}\t{role}\t{n(org)}\t{n(person)}")
        topic_w.line(
            f"{tid}\t{cid}\t{cpath}\t{title}\t{description}\t{source}\t{n(case_id)}\t{proposer}\t{status}\t{len(steps)}\t"
            f"{endorsed}\t{ts(threshold_at)}\t{fmt}\t{ts(planned_for)}\t{decision_reason}\t{ts(decided_at)}\t{n(decided_by)}\t"
            f"{outcome}\t{ts(outcome_published)}\t{ts(comments_until)}\t{feedback}\t{text(created)}\t{text(steps[-1][0])}\t"
            f"{ts(closed)}"
        )
    for lst in taken_up:
        lst.sort()
    taken_up_decided = [[d for d, _, _, _ in lst] for lst in taken_up]

    def topic_at(c: int, t: int, exclude=()) -> tuple[int, str] | None:
        """A topic of the community taken up before ``t`` and not closed by then."""
        idx = bisect.bisect_right(taken_up_decided[c], t)
        for _ in range(4):
            if idx == 0:
                return None
            decided, ended, tid, title = taken_up[c][idx - 1 - int(rnd() * min(idx, 60))]
            if ended > t and tid not in exclude:
                return tid, title
        return None

    # --- action items (written as meetings decide them, then the direct ones) ---
    action_w = w["meetings_actionitem"]
    action_id = 0
    action_status: dict[str, int] = {}
    sweep_overdue = sweep_remind = reported_before = 0

    # Who owns the work, by community: the residents' committee most often, then the property companies
    # serving it, its owners' committees, the party committee.
    owner_choice = []
    for c in range(n_comm):
        orgs = [(rc_of[c], 4.0), (party_of[c], 1.0)]
        orgs += [(o, 3.0 / len(companies_of[c])) for o in companies_of[c]]
        orgs += [(o, 2.0 / len(owners_committees_of[c])) for o in owners_committees_of[c]]
        owner_choice.append(([o for o, _ in orgs], list(itertools.accumulate(wt for _, wt in orgs))))

    def action_item(c: int, created: int, meeting, agenda, topic, case, creator: int) -> None:
        nonlocal action_id, sweep_overdue, sweep_remind, reported_before
        action_id += 1
        cid, cpath, _ = communities[c]
        owner_ids, owner_cum = owner_choice[c]
        owner = owner_ids[bisect.bisect_left(owner_cum, rnd() * owner_cum[-1])]
        created_day = (created + LOCAL_OFFSET) // DAY
        due_day = created_day + 7 + int(rnd() * 114)
        due_end = (due_day + 1) * DAY - LOCAL_OFFSET - 1
        x = rnd()
        finished = None
        cancelled = False
        if x < ACTION_CANCELLED:
            cancelled, finished = True, created + int(DAY * (1 + 29 * rnd()))
        elif x < ACTION_CANCELLED + ACTION_STUCK:
            finished = None
        elif x < ACTION_CANCELLED + ACTION_STUCK + ACTION_ON_TIME:
            finished = created + int((due_end - created) * (0.2 + 0.8 * rnd()))
        else:
            finished = due_end + int(rng.expovariate(1 / ACTION_LATE_MEAN_DAYS) * DAY)
        if finished is not None and finished > upper:
            finished = None
        started = created + int(DAY * (0.5 + 3 * rnd()))
        if started > upper or (finished is not None and started > finished) or rnd() < 0.4:
            started = None  # straight from "to do" to done, or not started yet
        if finished is not None:
            status = "cancelled" if cancelled else "done"
        else:
            status = "in_progress" if started is not None else "open"
        evidence = ""
        completed_by = None
        if status == "done":
            evidence = EVIDENCE[action_id % len(EVIDENCE)]
            completed_by = (officers.get(owner) or [creator])[0]
        elif status == "cancelled":
            evidence = CANCEL_REASONS[action_id % len(CANCEL_REASONS)]
            completed_by = creator
        # The daily sweep up to its last run: reminded from two days before the due date, reported the
        # day after it, if still open then.
        remind_at = max(nine_am(due_day - 2), nine_am(created_day + 1))
        reminded = remind_at if remind_at <= last_sweep and (finished is None or finished > remind_at) else None
        if remind_at > nine_am(due_day):
            reminded = None
        report_at = nine_am(due_day + 1)
        reported = report_at if report_at <= last_sweep and (finished is None or finished > report_at) else None
        is_open = status in ("open", "in_progress")
        if is_open and reported is None and due_day < today:
            sweep_overdue += 1
        if is_open and reminded is None and today <= due_day <= today + 2:
            sweep_remind += 1
        if reported is not None:
            reported_before += 1
        action_status[status] = action_status.get(status, 0) + 1
        version = 1 + (started is not None) + (finished is not None)
        updated = max(t for t in (created, started, finished) if t is not None)
        title = ACTION_TITLES[action_id % len(ACTION_TITLES)]
        action_w.line(
            f"{action_id}\t{cid}\t{cpath}\t{title}\t\t{n(meeting)}\t{n(agenda)}\t{n(topic)}\t{n(case)}\t{owner}\t"
            f"{NULL}\t{day_text(due_day)}\t{status}\t{evidence}\t{ts(finished)}\t{n(completed_by)}\t{ts(reminded)}\t"
            f"{ts(reported)}\t{creator}\t{text(created)}\t{text(updated)}\t{version}"
        )

    # --- meetings: first when and what (to spread the action items over the ended ones), then the rows ---
    ahead = int(MEETINGS_AHEAD_SHARE * n_meetings)
    kinds = ("joint", "council", "owners_committee", "residents_meeting")
    planned = []
    for i, c in enumerate(time_order(n_meetings)):
        if i < n_meetings - ahead:
            t0 = start + int((i + rnd()) * (now - start) / max(n_meetings - ahead, 1))
        else:
            t0 = now + int((i - (n_meetings - ahead) + rnd()) * MEETINGS_AHEAD_DAYS * DAY / max(ahead, 1))
        local_day = (t0 + LOCAL_OFFSET) // DAY
        starts = nine_am(local_day) + (0, 1, 5, 6, 10, 10, 11)[int(rnd() * 7)] * 3600 + (1800 if rnd() < 0.3 else 0)
        ends = starts + (5400, 7200, 7200, 9000, 10800)[int(rnd() * 5)]
        r = rnd()
        kind = kinds[0 if r < 0.4 else 1 if r < 0.75 else 2 if r < 0.9 else 3]
        if kind == "owners_committee" and not owners_committees_of[c]:
            kind = "council"
        if ends <= upper:
            status = "cancelled" if rnd() < 0.04 else "ended"
        elif starts <= now:
            status = "in_session"
        else:
            status = "future"
        planned.append((c, starts, ends, kind, status))
    ended = [m for m, p in enumerate(planned) if p[4] == "ended"]
    n_direct = round(n_actions * DIRECT_ACTION_SHARE) if ended else n_actions
    per_meeting = [0] * len(planned)
    if ended:
        for m, k in zip(
            ended,
            allocate(
                n_actions - n_direct,
                [0.5 + rnd() for _ in ended],
                1 if len(ended) <= n_actions - n_direct else 0,
                max(40, n_actions // len(ended) + 1),
            ),
            strict=True,
        ):
            per_meeting[m] = k

    meeting_w, inv_w, att_w = w["meetings_meeting"], w["meetings_invitation"], w["meetings_attendance"]
    agenda_w, minutes_w, amend_w = w["meetings_agendaitem"], w["meetings_minutes"], w["meetings_amendment"]
    inv_id = att_id = agenda_id = minutes_id = amend_id = 0
    meeting_status: dict[str, int] = {}
    minutes_status: dict[str, int] = {}
    uid_offset = rng.getrandbits(96)
    tallies: dict[tuple, tuple[str, str]] = {}
    best = None  # the page scenario's meeting: the personas' community, published minutes, the fullest
    for m, (c, starts, ends, kind, status) in enumerate(planned):
        mid = m + 1
        cid, cpath, _ = communities[c]
        staff = staff_of[c]
        organiser = staff[int(rnd() * len(staff))]
        notice_days = NOTICE_DAYS[kind]
        notice_sent = starts - notice_days * DAY - int(rnd() * 10 * DAY) - 3600
        version = 1
        cancel_reason = ""
        if status == "future":
            status = "notified" if notice_sent <= upper and rnd() < 0.8 else "draft"
        elif status == "cancelled" and rnd() < 0.4:
            notice_sent = None
        if status == "draft":
            notice_sent = None
        created = (notice_sent or starts - notice_days * DAY) - int(DAY * (1 + 9 * rnd()))
        created = min(created, upper - int(DAY * 3 * rnd()))
        updated = notice_sent or created
        version += notice_sent is not None
        if status == "cancelled":
            updated = max(starts - int(DAY * (0.5 + 1.5 * rnd())), updated + 600)
            cancel_reason = "天气原因，会议取消。"
            version += 1
        elif status in ("in_session", "ended"):
            updated = starts if status == "in_session" else ends
            version += 1 if status == "in_session" else 2
        meeting_status[status] = meeting_status.get(status, 0) + 1
        ocs_here = owners_committees_of[c]
        oc = ocs_here[int(rnd() * len(ocs_here))] if ocs_here else None
        organising = oc if kind == "owners_committee" else rc_of[c]
        majority = "absolute_of_present" if kind == "residents_meeting" else ("two_thirds" if rnd() < 0.2 else "simple")
        subject = TOPIC_SUBJECTS[int(rnd() * len(TOPIC_SUBJECTS))]
        title = f"{KIND_TITLES[kind]}：{compound_name(c)}{subject}"

        # invitations: the residents' committee, and one to three of the others
        invited = [("residents_committee", rc_of[c], None)]
        if kind == "owners_committee":
            invited.append(("owners_committee", oc, None))
        others = [("residents_committee", party_of[c], None), ("resident", None, resident(c)[0])]
        if companies_of[c]:
            others.append(("property_company", companies_of[c][int(rnd() * len(companies_of[c]))], None))
        if oc is not None and kind != "owners_committee":
            others.append(("owners_committee", oc, None))
        rng.shuffle(others)
        invited += others[: 2 + int(rnd() * 3) - len(invited)]
        for role, org, person in invited:
            inv_id += 1
            inv_w.line(f"{inv_id}\t{mid}\t{role}\t{n(org)}\t{n(person)}")

        # attendance: the invited organisations' officers and persons, then residents (who vote only at
        # a residents' meeting)
        attendees: list[tuple[int, int | None, bool]] = []
        present = 0
        if status in ("ended", "in_session"):
            target = 5 + int(rnd() * 11)
            seen: set[int] = set()
            for _role, org, person in invited:
                for p in officers.get(org, []) if org else [person]:
                    if p not in seen:
                        seen.add(p)
                        attendees.append((p, org, True))
            tries = 0
            while len(attendees) < target and tries < 40:
                tries += 1
                p = resident(c)[0]
                if p not in seen:
                    seen.add(p)
                    attendees.append((p, None, kind == "residents_meeting"))
            attendees = attendees[:target]
            at = starts - 1800
            for p, org, votes in attendees:
                at += int(rnd() * 240)
                att_id += 1
                recorder = p if rnd() < 0.6 else organiser
                att_w.line(f"{att_id}\t{mid}\t{p}\t{n(org)}\t{_bool(votes)}\t{text(at)}\t{recorder}")
            present = sum(1 for _, _, votes in attendees if votes)
        residents_kind, eligible = "", None
        if kind == "residents_meeting":
            residents_kind = "group_representatives" if rnd() < 0.7 else "household_representatives"
            eligible = present + int(rnd() * present) if present else 1 + int(rnd() * 20)
        meeting_w.line(
            f"{mid}\t{cid}\t{cpath}\t{kind}\t{title}\t{subject}\t{organiser}\t{n(organising)}\t{NULL}\t"
            f"{MEETING_LOCATIONS[mid % len(MEETING_LOCATIONS)]}\t{text(starts)}\t{text(ends)}\t{status}\t{notice_days}\t"
            f"{ts(notice_sent)}\t{cancel_reason}\t120\t2\t{majority}\tf\t{residents_kind}\t{n(eligible)}\t{{}}\t"
            f"{(mid * UID_MULTIPLIER + uid_offset) % 2**96:024x}@linli\t0\t{version}\t{text(created)}\t{text(updated)}"
        )

        # agenda: topics taken up in the community, problem reports flagged for a meeting, the rest
        n_items = 3 + int(rnd() * 4)
        on_agenda: set[int] = set()
        hosts: list[tuple[int, int | None, int | None]] = []  # items whose decision creates work
        done = status in ("ended", "in_session")
        decided = status == "ended"
        for pos in range(1, n_items + 1):
            agenda_id += 1
            topic = case = None
            r = rnd()
            found = topic_at(c, starts, on_agenda) if r < 0.45 else None
            if found:
                topic, item_title = found
                on_agenda.add(topic)
            elif r < 0.55 and needs_meeting_cases[c] and n_cases:
                cases_here = needs_meeting_cases[c]
                latest = bisect.bisect_right(cases_here, int((starts - start) / case_span * n_cases))
                if latest:
                    case = cases_here[latest - 1 - int(rnd() * min(latest, 100))]
            if topic is None:
                item_title = f"问题 #{case}" if case else AGENDA_GENERIC[(mid + pos) % len(AGENDA_GENERIC)]
            discussion = decision = result = majority_used = ""
            votes = (NULL, NULL, NULL, NULL)
            carried = voted_at = None
            if done:
                discussion = DISCUSSIONS[(mid + pos) % len(DISCUSSIONS)]
            if decided and (pos == 1 or rnd() < 0.85):
                decision = DECISIONS[(mid + pos) % len(DECISIONS)]
                if pos > 1 and present and rnd() < 0.5:
                    cast = present - int(rnd() * present * 0.3)
                    yes = round(cast * (0.35 + 0.65 * rnd()))
                    no = int((cast - yes) * rnd())
                    abstain = cast - yes - no
                    key = (majority, yes, no, abstain, present)
                    if key not in tallies:
                        outcome = tally(RuleSet(majority=majority), yes=yes, no=no, abstain=abstain, present=present)
                        tallies[key] = (_bool(outcome.passed), _copy_text(str(outcome.reason)))
                    carried, result = tallies[key]
                    votes = (yes, no, abstain, present)
                    majority_used = majority
                    voted_at = starts + pos * 1200
                if carried != "f":
                    hosts.append((agenda_id, topic, case))
            agenda_w.line(
                f"{agenda_id}\t{mid}\t{pos}\t{item_title}\t{n(topic)}\t{n(case)}\t{discussion}\t{decision}\t"
                f"{votes[0]}\t{votes[1]}\t{votes[2]}\t{votes[3]}\t{majority_used}\t{n(carried)}\t{result}\t{ts(voted_at)}"
            )

        # minutes: drafted in session, approved and published within days of the end
        minutes_state = None
        if done:
            minutes_id += 1
            approved = ends + int(DAY * (0.5 + 4.5 * rnd())) if decided else None
            published = approved + int(DAY * (0.2 + 3.8 * rnd())) if approved else None
            if approved is not None and approved > upper:
                approved = published = None
            if published is not None and published > upper:
                published = None
            minutes_state = "published" if published else ("approved" if approved else "draft")
            minutes_status[minutes_state] = minutes_status.get(minutes_state, 0) + 1
            summary = SUMMARIES[mid % len(SUMMARIES)] if decided else ""
            approved_by = organiser if approved else None
            published_by = organiser if published else None
            minutes_version = 1 + (approved is not None) + (published is not None)
            minutes_w.line(
                f"{minutes_id}\t{mid}\t{minutes_state}\t{summary}\t{ts(approved)}\t{n(approved_by)}\t{ts(published)}\t"
                f"{n(published_by)}\t{minutes_version}\t{text(published or approved or updated)}"
            )
            if published and rnd() < 0.01:
                at = published + int(DAY * (1 + 29 * rnd()))
                if at <= upper:
                    amend_id += 1
                    amend_w.line(
                        f"{amend_id}\t{minutes_id}\t更正：第{1 + int(rnd() * n_items)}项决定的完成时限。\t{text(at)}\t{organiser}"
                    )

        k = per_meeting[m]
        if k:
            if not hosts:  # every vote lost: the work comes from the first item's decision
                hosts = [(agenda_id - n_items + 1, None, None)]
            for j in range(k):
                item, topic, case = hosts[j % len(hosts)]
                action_item(c, min(ends + int(DAY * 2 * rnd()), upper), mid, item, topic, case, organiser)
        if c == persona_c and minutes_state == "published":
            score = (n_items, len(attendees), len(invited), k, starts)
            if best is None or score > best[0]:
                best = (score, mid)

    direct = time_order(n_direct)
    for i, c in enumerate(direct):
        created = start + int((i + rnd()) * span / max(len(direct), 1))
        found = topic_at(c, created)
        staff = staff_of[c]
        action_item(c, created, None, None, found[0] if found else None, None, staff[int(rnd() * len(staff))])

    return {
        "python_seconds": round(time.perf_counter() - began, 1),
        "now": ACTIONS_NOW,
        "sweep_now": ACTIONS_NOW,
        "last_sweep_days_before": ACTION_SWEEP_GAP_DAYS,
        "topics": n_topics,
        "topic_steps": step_id,
        "endorsements": end_id,
        "participants": part_id,
        "topics_by_status": topic_status,
        "meetings": n_meetings,
        "meetings_by_status": meeting_status,
        "minutes_by_status": minutes_status,
        "invitations": inv_id,
        "attendances": att_id,
        "agenda_items": agenda_id,
        "amendments": amend_id,
        "action_items": action_id,
        "action_items_by_status": action_status,
        "action_items_reported_overdue_before": reported_before,
        "overdue_at_sweep_now": sweep_overdue,
        "remind_at_sweep_now": sweep_remind,
        "memberships": membership_id,
        "busiest_community": {"id": communities[persona_c][0], "topics": topics_per_community[persona_c]},
        "topics_per_community_max_other": max((t for c, t in enumerate(topics_per_community) if c != persona_c), default=0),
        "page_meeting": None
        if best is None
        else {
            "id": best[1],
            "agenda": best[0][0],
            "attendance": best[0][1],
            "invitations": best[0][2],
            "action_items": best[0][3],
        },
    }


def _copy_text(value: str) -> str:
    """A text value for COPY's text format (no tabs, newlines or backslashes in it)."""
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


# --- an owners' vote on a 10,000-unit compound (issue 5) ----------------------------------------

# At every scale of PERFORMANCE.md the compound has VOTE_UNITS units (the issue's "10,000-unit compound");
# a scale much smaller than that (the tests') gets one of half its units, unless it names ``vote_units``.
VOTE_UNITS = 10_000
VOTE_PARKING_SHARE, VOTE_SHOP_SHARE = 0.16, 0.02  # the rest are homes
VOTE_HOMES_PER_BUILDING = 150  # towers of 30–200 homes
VOTE_ZONE_UNITS = 200  # parking spaces per garage zone (a "building" of the compound)
VOTE_DEVELOPER = {"home": 0.02, "parking": 0.20, "shop": 0.10}  # unsold or undelivered, held by the developer
VOTE_RENTED_SHARE = 0.25
VOTE_CO_OWNER_SHARE = 0.5  # of owner-occupied homes with a second resident: registered to both (about 30% of homes)
VOTE_INVESTOR_SHARE = 0.4  # of rented homes: the landlord owns (and lives in) another home of the compound
VOTE_PARKING_WITH_HOME = 0.6  # of sold parking spaces: bought by the owners of a home here (else someone elsewhere)
VOTE_AREA_SOURCES = {  # SPC interpretation Art 8: register, else survey, else sale contract
    "home": (("register", 88), ("survey", 7), ("contract", 5)),
    "parking": (("register", 45), ("survey", 40), ("contract", 15)),
    "shop": (("register", 80), ("survey", 20)),
}
VOTE_AREAS = {"home": (45.0, 160.0), "parking": (10.5, 16.0), "shop": (25.0, 180.0)}
VOTE_NOTICE_AT = "2026-10-23 10:00:00+08"
VOTE_OPENS_AT = "2026-11-10 09:00:00+08"  # 18 days after the notice (at least 15 whole days, 物业管理条例 Art 14)
# A real window is a few weeks; the bench casts ballots at the wall clock, so this one stays open for years.
VOTE_CLOSES_AT = "2031-11-10 18:00:00+08"
VOTE_TURNOUT = (0.65, 0.98)  # per building: the share of its voters (by their first part) who voted online
VOTE_CHOICES = (("yes", 70), ("no", 18), ("abstain", 12))
VOTE_CHANGED_SHARE = 0.06  # of those who voted: changed their ballot once
VOTE_DESIGNATED_SHARE = 0.8  # of co-owned voters: the co-owners named one of them before the ballots
VOTE_TOKENS = 1_200  # owners with a personal API token (the cast and burst scenarios' users)
VOTE_TABLES = ("votes_voter", "votes_voterunit", "votes_votermember", "votes_logentry", "votes_ballot", "votes_paperentry")


def vote_units(scale: Scale) -> int:
    value = getattr(scale, "vote_units", None)
    return min(VOTE_UNITS, max(60, scale.units // 2)) if value is None else value


def vote_token(seed: int, person_id: int) -> str:
    """The raw personal API token of a voting owner (only its SHA-256 is stored, as for any token)."""
    import hashlib

    return "linli-vote-" + hashlib.sha256(f"linli-bench-vote:{seed}:{person_id}".encode()).hexdigest()[:32]


def _write_vote_compound(
    w,
    n_units: int,
    rng: random.Random,
    place: Callable,
    ids: dict,
    *,
    names,
    dates,
    mobile_offset: int,
    code_offset: int,
    community: tuple[int, str, str],
    owners_elsewhere: list[int],
    company: int | None,
    created_by: int,
    second_staff: int,
) -> dict:
    """The compound, its units, the households of its homes, its owners (``ids``: the next free ids,
    moved on here), and the vote, noticed. Homes in towers, parking spaces in garage zones, shops in a
    shopping street; most parts have one owner, some owners hold several (a home and a parking space, a
    second home let to tenants), a fifth of homes are a couple's, and the developer still holds a few."""
    cid, cpath, _ = community
    n_parking = round(n_units * VOTE_PARKING_SHARE)
    n_shops = max(1, round(n_units * VOTE_SHOP_SHARE))
    n_homes = n_units - n_parking - n_shops
    management = "property_company" if company else "self_governing"
    comp_id, comp_path = place("compound", "千灯湖壹号花园", cid, cpath, management=management)
    if company:
        ids["served"] += 1
        w["people_organisation_served_places"].row(ids["served"], company, comp_id)

    def parts(total: int, per: int, lo: int, hi: int) -> list[int]:
        n = max(1, math.ceil(total / per))
        return allocate(total, [rng.paretovariate(3.0) for _ in range(n)], min(lo, total // n), hi)

    towers = parts(n_homes, VOTE_HOMES_PER_BUILDING, BUILDING_UNITS[0], BUILDING_UNITS[1])
    layout = [(f"{k + 1}栋", "home", size) for k, size in enumerate(towers)]
    zones = parts(n_parking, VOTE_ZONE_UNITS, 1, VOTE_ZONE_UNITS) if n_parking else []
    layout += [(f"地下车库{chr(65 + k)}区", "parking", size) for k, size in enumerate(zones)]
    layout += [(f"商业街{k + 1}座", "shop", size) for k, size in enumerate(parts(n_shops, VOTE_ZONE_UNITS, 1, VOTE_ZONE_UNITS))]

    def person(adult: bool) -> int:
        ids["person"] += 1
        name, pinyin, initials = names[rng.randrange(len(names))]
        mobile = None
        if adult:
            mobile = mobile_number(ids["mobile_k"], mobile_offset)
            ids["mobile_k"] += 1
        birth_year = rng.randint(1945, 2002) if adult else rng.randint(2008, 2024)
        _person_row(w, ids["person"], name, pinyin, initials, mobile, birth_year, False)
        return ids["person"]

    def own(unit: int, holders: list[int], path: str, source: str) -> None:
        share = f"{1 / len(holders):.4f}"
        for holder in holders:
            ids["ownership"] += 1
            status = "occupied_unregistered" if source == "contract" or rng.random() < 0.05 else "registered"
            w["people_ownership"].row(ids["ownership"], unit, holder, share, status, path)

    home_owners: list[list[int]] = []  # the owners of each sold home, in order
    occupiers: list[int] = []  # owners who live in their home (landlords of a second one are drawn from them)
    by_kind = dict.fromkeys(("home", "parking", "shop"), 0)
    developer = co_owned = investors = with_home = residents = 0
    buildings = []
    for b_name, kind, size in layout:
        bid, bpath = place("building", b_name, comp_id, comp_path, join_code=join_code(ids["building"], code_offset))
        ids["building"] += 1
        buildings.append({"id": bid, "name": b_name, "kind": kind, "units": size})
        per_floor = rng.choice((2, 4, 4, 6)) if kind == "home" else 40
        for u in range(size):
            ids["unit"] += 1
            unit = ids["unit"]
            floor, room = divmod(u, per_floor)
            lo, hi = VOTE_AREAS[kind]
            area = f"{rng.uniform(lo, hi):.2f}"
            sources, weights = zip(*VOTE_AREA_SOURCES[kind], strict=True)
            source = rng.choices(sources, weights)[0]
            if kind == "home":
                label, floor_no = f"{floor + 1}{room + 1:02d}", floor + 1
            elif kind == "parking":
                label, floor_no = f"{b_name[-2]}{u + 1:03d}", -1
            else:
                label, floor_no = f"S{u + 1:03d}", 1 + u % 2
            held = ""
            if rng.random() < VOTE_DEVELOPER[kind]:
                held = "unsold" if kind != "home" or rng.random() < 0.6 else "undelivered"
                developer += 1
            w["places_unit"].row(unit, bid, bpath, label, kind, floor_no, "", area, source, held)
            by_kind[kind] += 1
            if held:
                continue
            if kind == "home":
                rented = rng.random() < VOTE_RENTED_SHARE
                n_people = rng.choices((1, 2, 3, 4), (20, 35, 30, 15))[0]
                members: list[tuple[int, str]] = []
                for m in range(n_people):
                    adult = m < 2 or rng.random() < 0.5
                    if rented:
                        relation = "tenant" if m < 2 else "family"
                    else:
                        relation = (
                            "owner" if m == 0 else ("co_owner" if m == 1 and rng.random() < VOTE_CO_OWNER_SHARE else "family")
                        )
                    pid = person(adult)
                    ids["member"] += 1
                    w["people_householdmember"].row(ids["member"], unit, pid, relation, bpath, dates[rng.randrange(len(dates))])
                    members.append((pid, relation))
                residents += n_people
                if rented:
                    if occupiers and rng.random() < VOTE_INVESTOR_SHARE:
                        holders = [occupiers[rng.randrange(len(occupiers))]]
                        investors += 1
                    else:
                        holders = [owners_elsewhere[rng.randrange(len(owners_elsewhere))]]
                else:
                    holders = [members[0][0]] + [pid for pid, rel in members if rel == "co_owner"]
                    occupiers.append(members[0][0])
                    co_owned += len(holders) > 1
                own(unit, holders, bpath, source)
                home_owners.append(holders)
            else:
                if home_owners and rng.random() < (VOTE_PARKING_WITH_HOME if kind == "parking" else 0.3):
                    holders = home_owners[rng.randrange(len(home_owners))]
                    if len(holders) > 1 and rng.random() < 0.3:
                        holders = holders[:1]  # bought by one of the couple alone: a second voter for them
                    with_home += 1
                else:
                    holders = [owners_elsewhere[rng.randrange(len(owners_elsewhere))]]
                own(unit, holders, bpath, source)

    matter_id = 1
    w["votes_matter"].row(
        matter_id,
        comp_id,
        comp_id,
        comp_path,
        "fund_use",
        "使用专项维修资金更换全部电梯主机",
        f"1–{len(towers)}栋电梯已运行十五年，拟使用专项维修资金更换电梯主机及控制柜，预算见附件。",
        None,
        "f",
        "notified",
        2,
        VOTE_OPENS_AT,
        VOTE_CLOSES_AT,
        VOTE_NOTICE_AT,
        None,
        None,
        None,
        "",
        "civil_code_2021",
        "",
        None,
        None,
        "",
        0,
        "",
        None,
        created_by,
        "2026-10-20 15:00:00+08",
        VOTE_NOTICE_AT,
    )
    return {
        "matter_id": matter_id,
        "compound_id": comp_id,
        "compound_path": comp_path,
        "units": n_units,
        "units_by_kind": by_kind,
        "buildings": len(layout),
        "developer_units": developer,
        "co_owned_homes": co_owned,
        "second_homes_let": investors,
        "parts_with_a_home_here": with_home,
        "residents": residents,
        "opens_at": VOTE_OPENS_AT,
        "closes_at": VOTE_CLOSES_AT,
        "staff": [created_by, second_staff],
    }


def open_vote(url: str, facts: dict, seed: int) -> dict:
    """Open the generated vote and cast its ballots with the real code (``_open_vote``), in a Django
    process whose database is ``url`` (the caller's Django may point elsewhere, as in the tests)."""
    import json
    import os
    import subprocess
    import sys

    from .database import PROJECT_DIR
    from .run import BENCH_ENV

    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url, "CONN_MAX_AGE": "0"}
    env.pop("REDIS_URL", None)
    code = "import django; django.setup(); from bench.generate import _open_vote_main; _open_vote_main()"
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps({"facts": facts, "seed": seed}),
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if out.returncode != 0:
        raise RuntimeError(f"opening the generated vote failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _open_vote_main() -> None:
    import json
    import sys

    data = json.load(sys.stdin)
    print(json.dumps(_open_vote(data["facts"], data["seed"])))


def _open_vote(facts: dict, seed: int) -> dict:
    """In Django, on the bench database: open the vote at its time (the roll frozen by
    ``votes.roll.freeze``), let most co-owners designate one of them, type the developer's paper ballot
    twice, cast the owners' ballots over the days since it opened (per building, a turnout drawn from
    ``VOTE_TURNOUT``; some change their ballot), then give ``VOTE_TOKENS`` owners personal API tokens."""
    import hashlib
    from collections import Counter, defaultdict

    from django.db import connection, transaction

    from people.models import ApiToken, Person
    from votes import actions, ledger
    from votes.models import Ballot, LogEntry, Matter, Voter, VoterMember, VoterUnit

    rng = random.Random(seed * 7919 + 7)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    opens = datetime.datetime.fromisoformat(facts["opens_at"])
    now = datetime.datetime.fromisoformat(CASES_NOW)
    matter = actions.open_voting(Matter.objects.get(pk=facts["matter_id"]), now=opens)

    voters = {v.pk: v for v in Voter.objects.filter(matter=matter).order_by("id")}
    members: dict[int, list[int]] = defaultdict(list)
    for voter_id, person_id in VoterMember.objects.filter(matter=matter).order_by("person_id").values_list("voter", "person"):
        members[voter_id].append(person_id)
    first_building: dict[int, int] = {}
    for voter_id, building_id in VoterUnit.objects.filter(matter=matter).order_by("unit").values_list("voter", "building"):
        first_building.setdefault(voter_id, building_id)
    people = Person.objects.in_bulk({p for ps in members.values() for p in ps} | set(facts["staff"]))

    # Co-owners who named the same one of them (what ``actions.designate`` leaves when each has done so),
    # written in two statements rather than two actions per voter (the roll's digest does not cover it).
    co_owned = [v for v in voters.values() if v.kind == Voter.Kind.OWNERS and len(members[v.pk]) > 1]
    chosen = {}
    for voter in co_owned:
        if rng.random() < VOTE_DESIGNATED_SHARE:
            chosen[voter.pk] = voter.designated_id = members[voter.pk][rng.randrange(len(members[voter.pk]))]
    with transaction.atomic():
        Voter.objects.bulk_update([voters[v] for v in chosen], ["designated"], batch_size=2000)
        named = list(VoterMember.objects.filter(voter_id__in=list(chosen)))
        for member in named:
            member.names_id = chosen[member.voter_id]
        VoterMember.objects.bulk_update(named, ["names"], batch_size=2000)

    # Who votes online, when and how: the designated owners, a turnout per building.
    turnout = {b: rng.uniform(*VOTE_TURNOUT) for b in sorted(set(first_building.values()))}
    span = (now - opens).total_seconds()
    choices, weights = zip(*VOTE_CHOICES, strict=True)
    developer = next((v for v in voters.values() if v.kind == Voter.Kind.DEVELOPER), None)
    casts = [(opens + datetime.timedelta(days=2), developer.pk, "yes")] if developer is not None else []
    for voter in voters.values():
        if voter.designated_id is None or rng.random() >= turnout[first_building[voter.pk]]:
            continue
        at = opens + datetime.timedelta(seconds=span * rng.random() ** 1.5)  # most in the first days
        choice = rng.choices(choices, weights)[0]
        casts.append((at, voter.pk, choice))
        if rng.random() < VOTE_CHANGED_SHARE:
            later = at + datetime.timedelta(seconds=(now - at).total_seconds() * rng.random())
            casts.append((later, voter.pk, rng.choice([c for c in choices if c != choice])))
    casts.sort()
    staff = [people[p] for p in facts["staff"]]
    # One transaction each, as in life (one transaction for all would update the vote's row thousands of
    # times before a commit, and every lock of it would walk the chain of its dead versions).
    for at, voter_id, choice in casts:
        voter = voters[voter_id]
        if voter is developer:  # a paper ballot, typed in by two of the community's staff
            for typist in staff:
                actions.enter_paper_ballot(matter, voter=voter, sheet="0001", choice=choice, by=typist, now=at)
        else:
            actions.cast_ballot(matter, voter=voter, choice=choice, by=people[voter.designated_id], now=at)

    # Owners who take part in the bench's load: distinct people, each the designee of one voter only.
    designees = Counter(v.designated_id for v in Voter.objects.filter(matter=matter, designated__isnull=False))
    candidates = [
        (v.designated_id, v.pk)
        for v in Voter.objects.filter(matter=matter, kind=Voter.Kind.OWNERS, designated__isnull=False).order_by("id")
        if designees[v.designated_id] == 1
    ]
    owners = rng.sample(candidates, min(VOTE_TOKENS, len(candidates)))
    ApiToken.objects.bulk_create(
        [
            ApiToken(person_id=p, name="bench vote", key_hash=hashlib.sha256(vote_token(seed, p).encode()).hexdigest())
            for p, _ in owners
        ],
        batch_size=2000,
    )
    matter.refresh_from_db()
    check = ledger.verify(matter)
    if not check.ok:
        raise RuntimeError(f"the generated vote does not verify: {check.problems}")
    voted = set(Ballot.objects.filter(matter=matter).values_list("voter_id", flat=True))
    tally = check.tally.as_dict()
    first = owners[0]
    return {
        "facts": {
            "voters": matter.total_heads,
            "total_area": str(matter.total_area),
            "voters_by_kind": dict(Counter(v.kind for v in voters.values())),
            "co_owned_voters": len(co_owned),
            "co_owned_designated": len(chosen),
            "ballots": len(voted),
            "log_length": matter.log_length,
            "log_head": matter.log_head,
            "ballot_entries": LogEntry.objects.filter(matter=matter, kind=LogEntry.Kind.BALLOT).count(),
            "turnout_heads": f"{len(voted) / matter.total_heads:.3f}",
            "quorum_met": tally.get("quorum_met"),
            "owners": [[p, v] for p, v in owners],
            "owners_who_voted": sum(1 for _, v in owners if v in voted),
        },
        "persona": {
            "person_id": first[0],
            "role": "owner",
            "place_id": facts["compound_id"],
            "voter_id": first[1],
            "api_token": vote_token(seed, first[0]),
        },
    }
