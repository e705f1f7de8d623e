"""Neighbourhood events (issue 6): clubs, events, volunteer roles, registrations, and the load's tokens.

Written by ``generate._write`` through the same COPY writers as the rest of the dataset, after the topics
and meetings and before the owners' vote's compound, with a random stream of its own (nothing else in the
dataset changes with it). Every row is as ``events.actions`` would have left it at ``EVENTS_NOW``:

- Clubs: the cultural associations, self-organisations and volunteer teams of each community (one per
  ``CLUB_UNITS`` units, at least two), some of a single compound; each a ``people_organisation`` with its
  ``events_club`` row, a chair, a secretary, a few backbone members and members who live where the club
  is (never a persona).
- Events: over the three years around ``EVENTS_NOW`` (``EVENTS_AHEAD_SHARE`` ahead of it, front-loaded:
  more in the coming weeks than in three months), spread over the communities by size, the personas'
  community the busiest. Organised by residents' committees, party committees, owners' committees, the
  sub-district office and clubs; open to a community mostly, a compound, the sub-district, or a club's
  members only; 20–300 seats by kind. Past events are published (a few cancelled); ahead, a few are
  drafts or cancelled. The reminder run's mark is set where it would have run; ``encounters_at`` is left
  empty and no ``Encounter`` rows are written (pairs of attendees are quadratic in attendance: about
  20 million at ``subdistrict`` scale).
- Registrations: ``REGISTRATIONS_PER_EVENT`` an event on average, power-law over events (festivals fill
  and keep a waiting list, classes stay small), each person at most once per event, drawn from the
  residents of the audience (or the club's members). Each event is replayed as ``sign_up`` and
  ``cancel_registration`` would play it: arrivals in time order take a seat while one is free and nobody
  waits (tickets 1..n), a few cancel later and the waiting list is promoted by ticket; so the counters
  on the event (and its volunteer roles) equal its rows. Past events: 80% of the confirmed checked in.
  Codes are a bijection of the id (``registration_code``): unique, 8 characters of ``CODE_ALPHABET``.
- The load's people: ``EVENT_TOKENS`` residents (adults of the personas' sub-district, not personas) with
  a personal API token (raw key ``event_token(seed, person)``), each with ``SIGNUPS_PER_HOLDER`` upcoming
  events open to them and not yet registered for, whose sign-up is open from ``EVENTS_NOW`` until
  ``EVENT_LOAD_DAYS`` later (the load signs up at the wall clock). And the burst's event: 100 seats,
  open to the whole sub-district, sign-up opened at ``EVENTS_NOW``, nobody registered yet.
"""

import bisect
import hashlib
import time
from collections import deque

from events.models import CODE_ALPHABET, CODE_LENGTH

from .generate import CASES_NOW, DAY, LOADED_AT, LOCAL_OFFSET, NULL, CaseClock, _epoch, allocate

EVENTS_NOW = CASES_NOW
EVENTS_YEARS = 3  # the events run over the three years around EVENTS_NOW
EVENTS_AHEAD_SHARE = 0.05  # of the events: ahead of EVENTS_NOW
EVENTS_AHEAD_DAYS = 120  # the furthest ahead an event is planned
EVENTS_PER_UNIT = 0.25  # when the scale does not name them: 50,000 at subdistrict scale
REGISTRATIONS_PER_EVENT = 40
# The load signs up at the wall clock: the load's events keep their sign-up open until this many days after
# EVENTS_NOW (the scenarios refuse to run later, rather than measure refusals).
EVENT_LOAD_DAYS = 30
CLUB_UNITS = 1_500
CHECKED_IN_SHARE = 0.8  # of the confirmed, at past events
CANCEL_SHARE = 0.05  # of registrations: cancelled later
EVENT_CANCELLED_SHARE = 0.03
DRAFT_SHARE = 0.06  # of the events ahead
EVENT_TOKENS = 2_400
EVENT_TOKEN_NAME = "bench events"
SIGNUPS_PER_HOLDER = 5
HOLDER_WEIGHTS = (8.0, 8.0, 4.0, 1.0)  # an event of their building (none), compound, community, sub-district
BURST_CAPACITY = 100
BURST_USERS = 2_000

# kind: (weight, seats from, seats to, popularity, start hours, lengths in hours)
KINDS = {
    "festival": (8, 150, 300, 1.6, (9.0, 10.0, 15.0, 18.5), (3.0, 4.0, 5.0)),
    "culture": (20, 30, 120, 0.9, (9.5, 15.0, 19.5), (1.5, 2.0, 2.5)),
    "sport": (18, 20, 80, 0.8, (8.0, 9.0, 16.0, 19.0), (1.5, 2.0, 3.0)),
    "learning": (24, 20, 60, 0.55, (9.5, 14.5, 19.5), (1.0, 1.5, 2.0)),
    "care": (12, 20, 50, 0.7, (9.0, 14.5), (2.0, 3.0)),
    "volunteering": (8, 20, 60, 0.6, (8.5, 9.0, 15.0), (2.0, 3.0)),
    "other": (10, 20, 100, 0.6, (10.0, 14.5, 19.5), (1.5, 2.0)),
}
AUDIENCES = {
    "festival": (("subdistrict", 20), ("community", 70), ("compound", 10)),
    "care": (("community", 65), ("compound", 30), ("subdistrict", 5)),
    "volunteering": (("community", 65), ("compound", 30), ("subdistrict", 5)),
}
DEFAULT_AUDIENCES = (("community", 55), ("compound", 25), ("subdistrict", 6), ("club", 14))
SUBJECTS = {
    "festival": ("邻里节", "中秋游园会", "新春团拜会", "端午包粽子", "重阳敬老宴", "社区运动会", "亲子嘉年华", "邻里美食节"),
    "culture": ("广场舞展演", "粤剧欣赏会", "书画作品展", "合唱排练", "摄影分享会", "露天电影夜"),
    "sport": ("羽毛球友谊赛", "乒乓球比赛", "环湖健步走", "太极拳晨练", "篮球友谊赛", "亲子趣味运动"),
    "learning": ("防诈骗讲座", "智能手机课堂", "垃圾分类讲座", "急救知识培训", "书法班", "家庭教育讲座", "消防安全讲座"),
    "care": ("长者义剪", "义诊", "长者生日会", "助残探访", "爱心义卖"),
    "volunteering": ("河涌清洁行动", "文明劝导", "社区大扫除", "植树活动", "交通文明志愿服务"),
    "other": ("二手物品交换", "邻里茶话会", "家电义修", "亲子阅读会"),
}
LOCATIONS = {
    "compound": ("小区架空层", "小区中心广场", "小区会所"),
    "community": ("社区党群服务中心", "社区文化室", "社区广场", "社区长者饭堂"),
    "subdistrict": ("千灯湖公园", "桂城文化中心", "南海体育馆", "街道党群服务中心"),
}
DESCRIPTIONS = ("欢迎街坊邻里报名参加。", "名额有限，先到先得，额满进入候补。", "请凭报名码签到。", "适合全家参加。")
CANCEL_REASONS = ("天气原因，活动取消。", "场地临时调整，活动取消，另行通知。")
ROLE_NAMES = ("签到引导", "现场秩序", "摄影记录", "物资分发", "长者陪护")
# activity, organisation kind, name
CLUB_TYPES = (
    ("dance", "cultural", "舞蹈队"),
    ("choir", "cultural", "合唱团"),
    ("calligraphy", "cultural", "书画社"),
    ("opera", "cultural", "粤剧社"),
    ("lion_dance", "cultural", "醒狮队"),
    ("badminton", "self_organisation", "羽毛球队"),
    ("table_tennis", "self_organisation", "乒乓球队"),
    ("running", "self_organisation", "健步走队"),
    ("reading", "self_organisation", "读书会"),
    ("volunteering", "mutual_aid", "志愿服务队"),
    ("other", "self_organisation", "亲子俱乐部"),
)
SCHEDULES = ("每周二、四 19:30", "每周六上午", "每天早上 7:00", "每周三下午", "每月第一个周日")
# Event UIDs and registration codes: an odd multiplier (prime to 31) is a bijection, so they are unique.
UID_MULTIPLIER = 0x9E3779B97F4A7C15F39CC061
CODE_SPACE = len(CODE_ALPHABET) ** CODE_LENGTH
CODE_MULTIPLIER = 0x5DEECE66D
assert CODE_MULTIPLIER % len(CODE_ALPHABET) != 0
_PAIRS = [a + b for a in CODE_ALPHABET for b in CODE_ALPHABET]
_N2 = len(_PAIRS)


def event_counts(scale) -> tuple[int, int]:
    """(events, registrations) for a scale: its own fields if it names them, else per unit."""
    events = getattr(scale, "events", None)
    events = round(scale.units * EVENTS_PER_UNIT) if events is None else events
    registrations = getattr(scale, "registrations", None)
    return events, events * REGISTRATIONS_PER_EVENT if registrations is None else registrations


def event_token(seed: int, person_id: int) -> str:
    """The raw personal API token of a resident in the events load (only its SHA-256 is stored)."""
    return "linli-event-" + hashlib.sha256(f"linli-bench-event:{seed}:{person_id}".encode()).hexdigest()[:32]


def registration_code(registration_id: int, offset: int) -> str:
    """Eight characters of ``CODE_ALPHABET``, distinct for distinct ids below ``CODE_SPACE``."""
    value = (registration_id * CODE_MULTIPLIER + offset) % CODE_SPACE
    a, rest = divmod(value, _N2**3)
    b, rest = divmod(rest, _N2**2)
    c, d = divmod(rest, _N2)
    return _PAIRS[a] + _PAIRS[b] + _PAIRS[c] + _PAIRS[d]


def write_events(w, counts: tuple[int, int], rng, world: dict, *, seed: int, ids: dict) -> dict:
    """Clubs, events, roles, registrations and the load's tokens (see the module). ``ids``: the last
    organisation, membership and API token ids used so far."""
    began = time.perf_counter()
    n_events, n_regs = counts
    text = CaseClock({}).text
    rnd = rng.random
    now = _epoch(EVENTS_NOW)
    load_until = now + EVENT_LOAD_DAYS * DAY
    past_start = now - (EVENTS_YEARS * 365 - EVENTS_AHEAD_DAYS) * DAY

    communities, compounds = world["communities"], world["compounds"]
    n_comm = len(communities)
    compound_community = world["compound_community"]
    buildings, building_compound = world["buildings"], world["building_compound"]
    first_person, residents = world["unit_first_person"], world["residents"]
    persona_ids = world["persona_ids"]
    subdistricts, community_sd = world["subdistricts"], world["community_sd"]
    persona_c = world["persona_community"]

    # Who lives where: persons, units and buildings are numbered compound by compound, community by community.
    compound_units: dict[int, list[int]] = {}
    for b, (_bid, _path, first, count) in enumerate(buildings):
        lo_hi = compound_units.setdefault(building_compound[b], [first, first + count - 1])
        lo_hi[1] = first + count - 1

    def persons_of_units(lo_unit: int, hi_unit: int) -> tuple[int, int]:
        end = first_person[hi_unit + 1] - 1 if hi_unit + 1 < len(first_person) else residents
        return first_person[lo_unit], end

    compound_people = {k: persons_of_units(*compound_units[k]) for k in range(len(compounds))}
    compounds_of: list[list[int]] = [[] for _ in range(n_comm)]
    for k, c in enumerate(compound_community):
        compounds_of[c].append(k)
    community_people = [(compound_people[ks[0]][0], compound_people[ks[-1]][1]) for ks in compounds_of]
    sd_people: dict[int, list[int]] = {}
    for c, s in enumerate(community_sd):
        lo_hi = sd_people.setdefault(s, list(community_people[c]))
        lo_hi[1] = community_people[c][1]
    building_first_units = [b[2] for b in buildings]
    persona_b = next(i for i, b in enumerate(buildings) if b[0] == world["persona_building"])
    persona_k = building_compound[persona_b]

    def draw(lo: int, hi: int, k: int) -> list[int]:
        return rng.sample(range(lo, hi + 1), k)

    # --- clubs --------------------------------------------------------------------------------------
    org_w, club_w, m_w = w["people_organisation"], w["events_club"], w["people_membership"]
    org_id, membership_id = ids["organisation"], ids["membership"]
    officers: dict[int, list[int]] = {org: list(people) for org, people in world["officers"].items()}
    clubs_of: list[list[tuple[int, int, int, str, str]]] = [[] for _ in range(n_comm)]  # club, org, place id, path, name
    club_members: dict[int, list[int]] = {}
    club_id = 0
    used_names: set[tuple[int, str, str]] = set()
    for c, (cid, cpath, cname) in enumerate(communities):
        units = sum(compound_units[k][1] - compound_units[k][0] + 1 for k in compounds_of[c])
        for j in range(max(2, round(units / CLUB_UNITS))):
            activity, kind, suffix = CLUB_TYPES[int(rnd() * len(CLUB_TYPES))]
            if rnd() < 0.3:
                k = compounds_of[c][int(rnd() * len(compounds_of[c]))]
                place_id, path, place_name = compounds[k][0], compounds[k][1], compounds[k][2]
                lo, hi = compound_people[k]
            else:
                place_id, path, place_name = cid, cpath, cname
                lo, hi = community_people[c]
            name = place_name + suffix
            n = 2
            while (place_id, kind, name) in used_names:
                name, n = f"{place_name}{suffix}{n}", n + 1
            used_names.add((place_id, kind, name))
            org_id += 1
            club_id += 1
            founded = 2010 + int(rnd() * 16)
            org_w.row(org_id, kind, name, place_id, path, None, "", f"{founded}-{1 + j % 12:02d}-01")
            schedule = SCHEDULES[int(rnd() * len(SCHEDULES))]
            club_w.line(
                f"{club_id}\t{org_id}\t{activity}\t{path}\t{schedule}\t{'t' if rnd() < 0.85 else 'f'}\t{text(now - 400 * DAY)}"
            )
            size = min(int(12 + rng.paretovariate(1.3) * 10), 200, (hi - lo + 1) // 3)
            people = [p for p in draw(lo, hi, size) if p not in persona_ids]
            for position_no, person in enumerate(people):
                position = (
                    ("chair", "secretary")[position_no] if position_no < 2 else ("backbone" if position_no < 5 else "member")
                )
                membership_id += 1
                since = f"20{16 + int(rnd() * 10)}-{1 + int(rnd() * 12):02d}-{1 + int(rnd() * 28):02d}"
                m_w.line(f"{membership_id}\t{org_id}\t{person}\t{position}\t{since}")
            officers[org_id] = people[:2]
            club_members[club_id] = people
            clubs_of[c].append((club_id, org_id, place_id, path, name))

    # --- events: first when, where, who and how big (pass 1), then how many sign up (allocate) ----------
    n_ahead = max(1, round(n_events * EVENTS_AHEAD_SHARE)) if n_events > 1 else 0
    n_past = n_events - n_ahead
    activity = [world["units_per_community"][c] * (0.6 + 0.8 * rnd()) for c in range(n_comm)]
    activity[persona_c] = max(activity) * 1.25
    order = [c for c, k in enumerate(allocate(n_events, activity, 0, n_events)) for _ in range(k)]
    rng.shuffle(order)
    kinds = list(KINDS)
    kind_cum = list(_accumulate(KINDS[k][0] for k in kinds))
    rc_of, party_of = world["community_rc"], world["community_party"]
    ocs = world["compound_owners_committee"]
    sd_office = world["subdistrict_office"]
    staff_of = world["community_staff"]

    plans = []  # one tuple per event, in id order
    for i in range(n_events):
        c = order[i]
        cid, cpath, cname = communities[c]
        burst = i == n_events - 1 and n_ahead > 0
        kind = "festival" if burst else kinds[bisect.bisect_right(kind_cum, rnd() * kind_cum[-1])]
        _w, seats_lo, seats_hi, popularity, hours, lengths = KINDS[kind]
        choices = AUDIENCES.get(kind, DEFAULT_AUDIENCES)
        x, audience = rnd() * sum(wt for _, wt in choices), choices[-1][0]
        for a, wt in choices:
            if x < wt:
                audience = a
                break
            x -= wt
        if burst:
            c, audience = persona_c, "subdistrict"
            cid, cpath, cname = communities[c]
        club = None
        clubs_here = clubs_of[c]
        if audience == "club" or (kind in ("culture", "sport") and rnd() < 0.3):
            club = clubs_here[int(rnd() * len(clubs_here))]
        sd = community_sd[c]
        if audience == "compound":
            ks = compounds_of[c]
            k = persona_k if c == persona_c and rnd() < 0.3 else ks[int(rnd() * len(ks))]
            place_id, path, place_name = compounds[k][0], compounds[k][1], compounds[k][2]
            people = compound_people[k]
        elif audience == "community":
            place_id, path, place_name, people = cid, cpath, cname, community_people[c]
            k = None
        elif audience == "subdistrict":
            place_id, path = subdistricts[sd]
            place_name, people, k = world["sd_names"][sd], tuple(sd_people[sd]), None
        else:
            place_id, path, k = club[2], club[3], None
            place_name, people = club[4], None
        if club is not None:
            organiser = club[1]
        elif audience == "subdistrict" and rnd() < 0.6:
            organiser = sd_office[sd]
        elif audience == "compound" and k in ocs and rnd() < 0.15:
            organiser = ocs[k]
        else:
            organiser = party_of[c] if rnd() < 0.2 else rc_of[c]
        door = officers.get(organiser) or officers.get(rc_of[c]) or [staff_of[c][-1]]

        # when
        if burst:
            starts = _local_day(now) * DAY + 40 * DAY - LOCAL_OFFSET + 10 * 3600
            t0 = starts
        elif i < n_past:
            t0 = past_start + int((i + rnd()) * (now - past_start) / max(n_past, 1))
        else:
            j = i - n_past
            t0 = now + DAY // 2 + int(EVENTS_AHEAD_DAYS * DAY * ((j + rnd()) / n_ahead) ** 1.6)
        day = _local_day(t0)
        if kind == "festival" and (day + 3) % 7 < 5 and rnd() < 0.7:
            day += 5 - (day + 3) % 7  # to the Saturday
        hour = hours[int(rnd() * len(hours))]
        if not burst:
            starts = day * DAY - LOCAL_OFFSET + int(hour * 3600)
            if i >= n_past and starts <= now:
                starts += DAY
        ends = starts + int(lengths[int(rnd() * len(lengths))] * 3600)
        ahead = starts > now
        if burst:
            created = opens = now
        elif ahead:
            created = now - int(DAY * (0.5 + 44.5 * rnd()))
            opens = created if rnd() < 0.65 else created + int(DAY * (1 + 13 * rnd()))
        else:
            created = starts - int(DAY * (10 + 50 * rnd()))
            opens = created if rnd() < 0.7 else created + int(DAY * (1 + 6 * rnd()))
        x = rnd()
        closes = starts if x < 0.4 else starts - (7200 if x < 0.7 else DAY)
        opens = min(opens, closes - 3600)
        created = min(created, opens)
        # status
        x = rnd()
        cancelled_at = None
        if burst:
            status = "published"
        elif ahead and x < DRAFT_SHARE:
            status = "draft"
        elif x < (DRAFT_SHARE if ahead else 0) + EVENT_CANCELLED_SHARE:
            status = "cancelled"
            cancelled_at = max(created + 3600, starts - int(DAY * (1 + 5 * rnd())))
            cancelled_at = min(cancelled_at, now - 600)
        else:
            status = "published"
        capacity = BURST_CAPACITY if burst else seats_lo + int(rnd() * (seats_hi - seats_lo + 1))
        # how many could have signed up by now, as a share of the window (front-loaded), and from whom
        end = min(closes, now, cancelled_at or closes)
        elapsed = 0.0 if status == "draft" or end <= opens else ((end - opens) / (closes - opens)) ** 0.6
        pool = len(club_members[club[0]]) if audience == "club" else (people[1] - people[0] + 1) // 2
        cap = 0 if burst else min(int(capacity * 1.3), pool)
        weight = capacity * popularity * rng.lognormvariate(0, 0.9) * elapsed
        roles = []
        if status != "draft" and not burst and (kind == "volunteering" and rnd() < 0.7 or kind == "festival" and rnd() < 0.4):
            for r in rng.sample(range(len(ROLE_NAMES)), 1 + int(rnd() * 3)):
                roles.append((ROLE_NAMES[r], 2 + int(rnd() * 9)))
        title = f"{place_name}{SUBJECTS[kind][int(rnd() * len(SUBJECTS[kind]))]}"
        if burst:
            title = f"{place_name}新春团圆饭（{BURST_CAPACITY}席）"
        where = LOCATIONS.get(audience if audience != "club" else "community")
        location = (place_name if audience == "compound" else "") + where[int(rnd() * len(where))]
        if club is not None and audience == "club":
            location = club[4] + "活动室"
        plans.append(
            (
                kind, audience, organiser, club, c, place_id, path, people, starts, ends, created, opens, closes, status,
                cancelled_at, capacity, cap if elapsed else 0, weight if elapsed else 0.0, roles, door, title, location,
            )
        )  # fmt: skip

    total = min(n_regs, sum(p[16] for p in plans))
    per_event = allocate(total, [p[17] + 1e-12 for p in plans], 0, [p[16] for p in plans]) if plans else []

    # --- pass 2: each event's registrations, replayed as sign-up and cancellation would play them ----------
    event_w, role_w, reg_w = w["events_event"], w["events_volunteerrole"], w["events_registration"]
    uid_offset = rng.getrandbits(96)
    code_offset = rng.randrange(CODE_SPACE)
    reg_id = role_id = 0
    by_kind: dict[str, int] = {}
    events_by_status: dict[str, int] = {}
    reg_status: dict[str, int] = {"confirmed": 0, "waitlisted": 0, "cancelled": 0}
    checked_in = promoted_n = upcoming = 0
    load_events: dict[str, list[int]] = {}  # audience path -> the load's events there
    registrants: dict[int, set[int]] = {}  # the load's events -> who is registered already
    burst_event = None
    resident_paths = set(_ancestors(buildings[persona_b][1]))
    resident_upcoming = resident_upcoming_late = 0
    for i, plan in enumerate(plans):
        eid = i + 1
        (kind, audience, organiser, club, c, place_id, path, people, starts, ends, created, opens, closes, status,
         cancelled_at, capacity, _cap, _weight, roles, door, title, location) = plan  # fmt: skip
        n = per_event[i]
        events_by_status[status] = events_by_status.get(status, 0) + 1
        ahead = starts > now
        upcoming += ahead
        is_load = (
            status == "published" and ahead and opens <= now and closes > load_until and audience != "club"
            and i != n_events - 1
        )  # fmt: skip
        if status == "published" and ahead and audience != "club" and path in resident_paths:
            resident_upcoming += 1
            resident_upcoming_late += starts > load_until
        # who, when
        if audience == "club":
            members = club_members[club[0]]
            persons = rng.sample(members, min(n, len(members)))
        else:
            persons = draw(people[0], people[1], n)
        n = len(persons)
        end = min(closes, now, cancelled_at or closes)
        span = max(end - opens, 1)
        times = sorted(opens + int(span * rnd() ** 1.8) for _ in range(n))
        # volunteers: a few of them, for the event's roles (their own seats, the event's tickets)
        holder = [0] * n
        role_caps = [capacity] + [places for _, places in roles]
        if roles and n > 4:
            want = min(sum(int(places * (0.3 + rnd())) for _, places in roles), n // 4)
            for idx in rng.sample(range(n), want):
                holder[idx] = 1 + int(rnd() * len(roles))
        # cancellations: some, before the start (and before the event was cancelled)
        limit = min(starts, now, cancelled_at or starts) - 60
        cancels = sorted((t + int((limit - t) * rnd()), idx) for idx, t in enumerate(times) if t < limit and rnd() < CANCEL_SHARE)
        status_of, promoted_at, cancel_at = _replay(n, holder, role_caps, times, cancels)
        confirmed = [0] * len(role_caps)
        waitlisted = [0] * len(role_caps)
        # check-in at the door: past, published events, most of the confirmed
        door_open = status == "published" and starts - 7200 <= now
        for idx in range(n):
            rid = reg_id + idx + 1
            st = status_of[idx]
            h = holder[idx]
            if st == 1:
                confirmed[h] += 1
            elif st == 2:
                waitlisted[h] += 1
            state = _STATUS[st]
            reg_status[state] += 1
            check = by = NULL
            if st == 1 and door_open and rnd() < CHECKED_IN_SHARE:
                at = starts - (3600 if h else 1800) + int(2700 * rnd())
                if at <= now:
                    check, by = text(at), door[idx % len(door)]
                    checked_in += 1
            p_at = promoted_at.get(idx)
            c_at = cancel_at.get(idx)
            promoted_n += p_at is not None
            reg_w.line(
                f"{rid}\t{eid}\t{persons[idx]}\t{role_id + h if h else NULL}\t{state}\t{idx + 1}\t"
                f"{registration_code(rid, code_offset)}\t{text(times[idx])}\t{NULL if p_at is None else text(p_at)}\t"
                f"{NULL if c_at is None else text(c_at)}\t{check}\t{by}"
            )
        reg_id += n
        for r, (name, places) in enumerate(roles, start=1):
            role_w.line(f"{role_id + r}\t{eid}\t{name}\t\t{places}\t{confirmed[r]}\t{waitlisted[r]}")
        role_id += len(roles)
        if is_load:
            load_events.setdefault(path, []).append(eid)
            registrants[eid] = set(persons)
        if i == n_events - 1 and n_ahead:
            burst_event = {
                "id": eid,
                "capacity": capacity,
                "path": path,
                "starts_at": text(starts),
                "signup_opens_at": text(opens),
            }
        # the event row, its counters equal to its rows
        version, sequence, updated = (2, 1, cancelled_at) if status == "cancelled" else (1, 0, created)
        reminded = NULL
        if status == "published" and starts - DAY <= now:
            reminded = text(min(-(-(starts - DAY) // 900) * 900, starts))
        description = DESCRIPTIONS[eid % len(DESCRIPTIONS)]
        cancel_reason = CANCEL_REASONS[eid % len(CANCEL_REASONS)] if status == "cancelled" else ""
        uid = f"{(eid * UID_MULTIPLIER + uid_offset) % 2**96:024x}@linli-events"
        event_w.line(
            f"{eid}\t{title}\t{description}\t{kind}\t{organiser}\t{club[0] if club else NULL}\t{communities[c][0]}\t{audience}\t"
            f"{place_id}\t{path}\t{NULL}\t{location}\t{text(starts)}\t{text(ends)}\t{text(opens)}\t{text(closes)}\t{capacity}\t"
            f"{confirmed[0]}\t{waitlisted[0]}\t{n}\t{status}\t{cancel_reason}\t{reminded}\t{NULL}\t{door[0]}\t{uid}\t"
            f"{sequence}\t{version}\t{text(created)}\t{text(updated)}"
        )
        by_kind[kind] = by_kind.get(kind, 0) + 1

    # --- the load's people: residents of the burst's sub-district, each with several open events -----------
    token_w = w["people_apitoken"]
    token_id = ids["token"]
    sd0 = community_sd[persona_c]
    units_lo, units_hi = compound_units[compounds_of[persona_c][0]][0], compound_units[compounds_of[persona_c][-1]][1]
    for c, s in enumerate(community_sd):
        if s == sd0:
            units_lo = min(units_lo, compound_units[compounds_of[c][0]][0])
            units_hi = max(units_hi, compound_units[compounds_of[c][-1]][1])
    wanted = min(EVENT_TOKENS, max(10, residents // 5))
    holders: list[tuple[int, list[int]]] = []
    chosen: dict[int, int] = {}  # person -> their building
    attempts = 0
    while len(holders) < wanted and attempts < wanted * 30 and load_events:
        attempts += 1
        unit = units_lo + int(rnd() * (units_hi - units_lo + 1))
        person = first_person[unit]
        if person in persona_ids or person in chosen:
            continue
        b = bisect.bisect_right(building_first_units, unit) - 1
        # Nearer is likelier: their compound's events, then their community's, then the sub-district's (a
        # weighted draw without replacement: the largest of rnd() ** (1 / weight)).
        eligible = [
            (rnd() ** (1 / weight), e)
            for weight, p in zip(HOLDER_WEIGHTS, reversed(_ancestors(buildings[b][1])), strict=False)
            for e in load_events.get(p, ())
            if person not in registrants[e]
        ]
        if len(eligible) < SIGNUPS_PER_HOLDER:
            continue
        chosen[person] = buildings[b][0]
        holders.append((person, [e for _, e in sorted(eligible, reverse=True)[:SIGNUPS_PER_HOLDER]]))
    for person, _events in holders:
        token_id += 1
        key_hash = hashlib.sha256(event_token(seed, person).encode()).hexdigest()
        token_w.line(f"{token_id}\t{person}\t{EVENT_TOKEN_NAME}\t{key_hash}\t{LOADED_AT}\t{NULL}")
    load_ids = sorted(e for es in load_events.values() for e in es)
    persona = None
    if holders:
        first = holders[0][0]
        persona = {"person_id": first, "role": "resident", "place_id": chosen[first], "api_token": event_token(seed, first)}
    return {
        "python_seconds": round(time.perf_counter() - began, 1),
        "now": EVENTS_NOW,
        "load_valid_until": text(load_until),
        "clubs": club_id,
        "club_members": membership_id - ids["membership"],
        "events": n_events,
        "events_by_status": events_by_status,
        "events_by_kind": by_kind,
        "upcoming": upcoming,
        "roles": role_id,
        "registrations": reg_id,
        "max_registration_id": reg_id,
        "registrations_by_status": reg_status,
        "promoted": promoted_n,
        "checked_in": checked_in,
        "load_events": len(load_ids),
        "resident_upcoming": resident_upcoming,
        "resident_upcoming_after_load_window": resident_upcoming_late,
        "token_name": EVENT_TOKEN_NAME,
        "holders": [[p, es] for p, es in holders],
        "burst": None if burst_event is None else {**burst_event, "users": [p for p, _ in holders[:BURST_USERS]]},
        "persona": persona,
        "last_ids": {"organisation": org_id, "membership": membership_id, "token": token_id},
    }


_STATUS = (None, "confirmed", "waitlisted", "cancelled")


def _replay(n: int, holder: list[int], caps: list[int], times: list[int], cancels: list[tuple[int, int]]):
    """Arrivals (in ticket order) and cancellations (at their times) as ``sign_up`` and
    ``cancel_registration`` apply them: a seat while one is free and nobody waits, else the waiting list;
    a confirmed cancellation frees a seat and promotes the first waiting by ticket. ``holder``: 0 for the
    event's seats, r for volunteer role r (its own seats). Returns each one's status (1 confirmed,
    2 waitlisted, 3 cancelled), promotion and cancellation times."""
    status = [0] * n
    promoted: dict[int, int] = {}
    cancelled: dict[int, int] = {}
    confirmed = [0] * len(caps)
    waiting = [0] * len(caps)
    queues = [deque() for _ in caps]
    k = 0
    n_cancels = len(cancels)

    def cancel(at: int, idx: int) -> None:
        h = holder[idx]
        was = status[idx]
        status[idx] = 3
        cancelled[idx] = at
        if was == 2:
            waiting[h] -= 1
            return
        confirmed[h] -= 1
        queue = queues[h]
        while confirmed[h] < caps[h] and waiting[h]:
            nxt = queue.popleft()
            if status[nxt] != 2:
                continue  # cancelled while waiting
            status[nxt] = 1
            promoted[nxt] = at
            confirmed[h] += 1
            waiting[h] -= 1

    for idx in range(n):
        t = times[idx]
        while k < n_cancels and cancels[k][0] < t:
            cancel(*cancels[k])
            k += 1
        h = holder[idx]
        if confirmed[h] < caps[h] and not waiting[h]:
            status[idx] = 1
            confirmed[h] += 1
        else:
            status[idx] = 2
            waiting[h] += 1
            queues[h].append(idx)
    while k < n_cancels:
        cancel(*cancels[k])
        k += 1
    return status, promoted, cancelled


def _accumulate(values):
    total = 0.0
    for v in values:
        total += v
        yield total


def _local_day(t: int) -> int:
    return (t + LOCAL_OFFSET) // DAY


def _ancestors(path: str) -> list[str]:
    segments = [s for s in path.split(".") if s]
    return [".".join(segments[: i + 1]) + "." for i in range(len(segments))]
