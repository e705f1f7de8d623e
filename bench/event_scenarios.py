"""Neighbourhood events (issue 6): scenarios on the generated events (``generate_events.py``;
``bench_meta["events"]``).

- ``event_upcoming``: the resident persona's coming events, ``GET /events/`` (signed in), target p95 ≤
  ``UPCOMING_P95_MS``; the probe counts its SQL queries, also for later pages and a kind.
- ``event_signup``: many residents, each with their own personal API token, sign up for upcoming events open
  to them (``POST /api/events/{id}/registrations``), each (person, event) once: ``SIGNUP_USERS`` simulated
  users take the requests in turn from one queue (every holder's first event, then every holder's second,
  ...). Target ≥ ``SIGNUP_RPS`` sign-ups/s.
- ``event_burst``: ``BURST_USERS`` residents, one simulated user each, all started within
  ``BURST_SPAWN_SECONDS``, sign up once for the 100-seat event whose sign-up has just opened.

Their events are open at the wall clock only until ``load_valid_until`` (``EVENT_LOAD_DAYS`` after the
dataset's ``EVENTS_NOW``): later, the scenarios stop with a message rather than measure refusals.

Every run starts from the events as generated (``reset_events``: the registrations written since are
deleted, the counters and next ticket of the events they were for recounted, the tokens' "last used"
cleared), also after the probe's and the warm-up's sign-ups. The checks recount: the registrations
written equal the 201s (the same people for the same events), every event's counters (and its volunteer
roles') equal its rows, tickets run 1..n without gaps, no event is over capacity, and a run's new
registrations of an event are confirmed first and waitlisted after (first come, first served); the burst:
exactly 100 confirmed, tickets 1..2,000, the confirmed the tickets 1..100, the rest waiting.
"""

from datetime import datetime

from .scenarios import Dataset, Scenario, register

UPCOMING_P95_MS = 50.0
SIGNUP_RPS = 300.0
SIGNUP_USERS = 12  # simulated users taking sign-ups from the queue (4 per gunicorn worker at the default 3)
BURST_USERS = 2_000
BURST_SPAWN_SECONDS = 2.0
PROBE_SIGNUPS = 14  # the probe sends at most 12 (a warm one, the measured one, up to ten timed)
EVENT_ROW = '/"><strong>'  # one per row of events/_event_row.html (the title's link; the nav's "Events" link has none)


def facts(ds: Dataset) -> dict:
    return ds.meta["events"]


def signup_url(event_id: int) -> str:
    return f"/api/events/{event_id}/registrations"


def _bearer(ds: Dataset, person: int) -> dict:
    from .generate_events import event_token

    return {"Authorization": f"Bearer {event_token(ds.meta['seed'], person)}"}


def _still_open(ds: Dataset) -> None:
    from django.utils import timezone

    until = datetime.fromisoformat(facts(ds)["load_valid_until"])
    if timezone.now() >= until:
        raise SystemExit(
            f"The generated events' sign-up windows closed at {until} (the load signs up at the wall clock): move "
            "generate_events.EVENTS_NOW forward and bump GENERATOR_VERSION to regenerate."
        )


def signup_queue(ds: Dataset) -> list[dict]:
    """One event of every holder, then another of every holder, ...: one person's sign-ups are far apart,
    and holder k starts at their k-th event, so the events taken at once are spread out."""
    _still_open(ds)
    holders = facts(ds)["holders"]
    rounds = max(len(events) for _, events in holders)
    queue = []
    for r in range(rounds):
        for k, (person, events) in enumerate(holders):
            if r < len(events):
                event = events[(k + r) % len(events)]
                queue.append({"url": signup_url(event), "headers": _bearer(ds, person), "body": {}, "pair": [person, event]})
    return queue


def signup_probe(ds: Dataset) -> list[dict]:
    """The queue's last sign-ups (the load reaches them only if it empties the queue; ``before`` undoes them)."""
    return signup_queue(ds)[-PROBE_SIGNUPS:]


def burst_people(ds: Dataset) -> list[int]:
    return facts(ds)["burst"]["users"][:BURST_USERS]


def burst_probe(ds: Dataset) -> list[dict]:
    _still_open(ds)
    url = signup_url(facts(ds)["burst"]["id"])
    return [{"url": url, "headers": _bearer(ds, p), "body": {}} for p in burst_people(ds)[:PROBE_SIGNUPS]]


# --- back to the events as generated ---------------------------------------------------------------

RESET_SQL = (
    # the registrations written since (sign-ups only add rows: nothing generated was changed)
    "CREATE TEMP TABLE bench_touched ON COMMIT DROP AS WITH gone AS (DELETE FROM events_registration WHERE id > %(max_id)s "
    "RETURNING event_id) SELECT DISTINCT event_id FROM gone",
    "UPDATE events_event e SET confirmed = c.confirmed, waitlisted = c.waitlisted, next_ticket = c.n FROM ("
    "SELECT t.event_id, count(r.id) FILTER (WHERE r.role_id IS NULL AND r.status = 'confirmed') AS confirmed, "
    "count(r.id) FILTER (WHERE r.role_id IS NULL AND r.status = 'waitlisted') AS waitlisted, count(r.id) AS n "
    "FROM bench_touched t LEFT JOIN events_registration r ON r.event_id = t.event_id GROUP BY t.event_id) c "
    "WHERE e.id = c.event_id",
    "UPDATE events_volunteerrole v SET confirmed = c.confirmed, waitlisted = c.waitlisted FROM ("
    "SELECT v.id, count(r.id) FILTER (WHERE r.status = 'confirmed') AS confirmed, "
    "count(r.id) FILTER (WHERE r.status = 'waitlisted') AS waitlisted FROM events_volunteerrole v "
    "JOIN bench_touched t ON t.event_id = v.event_id LEFT JOIN events_registration r ON r.role_id = v.id GROUP BY v.id) c "
    "WHERE v.id = c.id AND (v.confirmed, v.waitlisted) IS DISTINCT FROM (c.confirmed, c.waitlisted)",
    # "Last used" is written at most once a minute per token: every run starts with none of them recent.
    "UPDATE people_apitoken SET last_used_at = NULL WHERE name = %(token)s AND last_used_at IS NOT NULL",
)


def reset_events(events: dict) -> dict:
    """Remove the registrations written since the dataset was generated and put the counters of their
    events (and volunteer roles) back; returns the rows changed."""
    from django.db import connection, transaction

    params = {"max_id": events["max_registration_id"], "token": events["token_name"]}
    with transaction.atomic(), connection.cursor() as cursor:
        counts = []
        for sql in RESET_SQL:
            cursor.execute(sql, params)
            counts.append(cursor.rowcount)
    if counts[0]:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) events_registration, events_event, events_volunteerrole, people_apitoken")
    return {"registrations_deleted": counts[0], "events_recounted": counts[1], "roles_recounted": counts[2]}


def snapshot(ds: Dataset) -> dict:
    from .scenarios import _scalar

    reset = reset_events(facts(ds))
    return {"reset": reset, "max_id": _scalar("SELECT coalesce(max(id), 0) FROM events_registration")}


# --- recounts --------------------------------------------------------------------------------------

# Every event against its rows: counters (seats only; volunteer roles have their own), tickets 1..n, seats.
RECOUNT_EVENTS = """
SELECT count(*),
    count(*) FILTER (WHERE e.confirmed <> coalesce(r.confirmed, 0) OR e.waitlisted <> coalesce(r.waitlisted, 0)),
    count(*) FILTER (WHERE e.next_ticket <> coalesce(r.n, 0) OR coalesce(r.max_ticket, 0) <> coalesce(r.n, 0)
        OR coalesce(r.tickets, 0) <> coalesce(r.n, 0) OR r.min_ticket <> 1),
    count(*) FILTER (WHERE e.confirmed > e.capacity)
FROM events_event e LEFT JOIN (
    SELECT event_id, count(*) FILTER (WHERE role_id IS NULL AND status = 'confirmed') AS confirmed,
        count(*) FILTER (WHERE role_id IS NULL AND status = 'waitlisted') AS waitlisted,
        count(*) AS n, count(DISTINCT ticket) AS tickets, min(ticket) AS min_ticket, max(ticket) AS max_ticket
    FROM events_registration GROUP BY event_id
) r ON r.event_id = e.id
"""
RECOUNT_ROLES = """
SELECT count(*) FILTER (WHERE v.confirmed <> coalesce(r.confirmed, 0) OR v.waitlisted <> coalesce(r.waitlisted, 0)
    OR v.confirmed > v.capacity)
FROM events_volunteerrole v LEFT JOIN (
    SELECT role_id, count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
        count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted
    FROM events_registration WHERE role_id IS NOT NULL GROUP BY role_id
) r ON r.role_id = v.id
"""
# A run's new registrations of one event: nobody confirmed after someone was put on the waiting list.
OUT_OF_ORDER = """
SELECT count(*) FROM events_registration w JOIN events_registration c ON c.event_id = w.event_id
    AND c.role_id IS NULL AND c.status = 'confirmed' AND c.ticket > w.ticket AND c.id > %(max_id)s
WHERE w.id > %(max_id)s AND w.role_id IS NULL AND w.status = 'waitlisted'
"""
LIVE_TWICE = """
SELECT count(*) FROM (SELECT 1 FROM events_registration WHERE status <> 'cancelled' AND event_id = ANY(%(events)s)
    GROUP BY event_id, person_id HAVING count(*) > 1) x
"""


def recount(max_id: int) -> tuple[list[str], dict]:
    """Every event and volunteer role against its rows, and the order of the new registrations."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(RECOUNT_EVENTS)
        events, wrong_counters, wrong_tickets, over = cursor.fetchone()
        cursor.execute(RECOUNT_ROLES)
        wrong_roles = cursor.fetchone()[0]
        cursor.execute(OUT_OF_ORDER, {"max_id": max_id})
        out_of_order = cursor.fetchone()[0]
    problems = []
    if wrong_counters:
        problems.append(f"{wrong_counters} events' counters differ from their rows")
    if wrong_tickets:
        problems.append(f"{wrong_tickets} events' tickets are not 1..n or next_ticket differs")
    if over:
        problems.append(f"{over} events have more confirmed than seats")
    if wrong_roles:
        problems.append(f"{wrong_roles} volunteer roles' counters differ from their rows or exceed their places")
    if out_of_order:
        problems.append(f"{out_of_order} new registrations confirmed after an earlier one was put on the waiting list")
    return problems, {"events": events, "events_wrong": wrong_counters + wrong_tickets + over, "roles_wrong": wrong_roles}


def _new_rows(max_id: int) -> list[tuple]:
    from events.models import Registration

    return list(
        Registration.objects.filter(id__gt=max_id).order_by("id").values_list("event_id", "person_id", "status", "ticket")
    )


def check_signup(ds: Dataset, result: dict) -> tuple[bool, str]:
    """What the measured phase wrote against its 201s, then every event against its rows (see the module)."""
    from collections import Counter

    from django.db import connection

    max_id = result["before"]["max_id"]
    queue = signup_queue(ds)
    written = [tuple(queue[b["n"]]["pair"]) for b in result.pop("written_bodies", None) or []]
    statuses = result.get("statuses") or {}
    created = statuses.get("201", 0)
    other = {code: n for code, n in statuses.items() if code != "201"}
    new = _new_rows(max_id)
    rows = Counter((person, event) for event, person, _, _ in new)
    problems, figures = recount(max_id)
    if not created == len(written) == len(new):
        problems.append(f"{created} × 201 ({len(written)} kept) but {len(new)} registrations written")
    if Counter(written) != rows:
        problems.append("the registrations written are not the (person, event) pairs answered 201")
    if any(n > 1 for n in rows.values()):
        problems.append("a person was registered twice for an event")
    events = sorted({event for event, _, _, _ in new})
    with connection.cursor() as cursor:
        cursor.execute(LIVE_TWICE, {"events": events})
        if cursor.fetchone()[0]:
            problems.append("someone holds two live registrations for one event")
    if other:
        problems.append(f"answers other than 201: {other}")
    by_status = Counter(status for _, _, status, _ in new)
    result["recount"] = {
        **figures,
        "responses_201": created,
        "registrations_written": len(new),
        "people": len({p for _, p, _, _ in new}),
        "events_signed_up_for": len(events),
        "by_status": dict(by_status),
    }
    message = (
        f"{created:,} × 201 = {len(new):,} registrations ({by_status.get('confirmed', 0):,} confirmed, "
        f"{by_status.get('waitlisted', 0):,} waitlisted) by {result['recount']['people']:,} people for {len(events):,} events; "
        f"all {figures['events']:,} events' counters and tickets equal their rows, none over capacity, first come first served"
    )
    return not problems, "; ".join(problems) if problems else message


def check_burst(ds: Dataset, result: dict) -> tuple[bool, str]:
    """Exactly the seats confirmed, to the first tickets; everyone else waiting, in arrival order."""
    from events.models import Event

    burst = facts(ds)["burst"]
    max_id = result["before"]["max_id"]
    statuses = result.get("statuses") or {}
    created = statuses.get("201", 0)
    people = burst_people(ds)
    new = [row for row in _new_rows(max_id) if row[0] == burst["id"]]
    event = Event.objects.get(pk=burst["id"])
    problems, figures = recount(max_id)
    tickets = sorted(t for _, _, _, t in new)
    confirmed = sorted(t for _, _, s, t in new if s == "confirmed")
    waiting = sorted(t for _, _, s, t in new if s == "waitlisted")
    seats = burst["capacity"]
    if not created == len(new) == len(people):
        problems.append(f"{created} × 201 for {len(people)} people, {len(new)} registrations written")
    if sorted(p for _, p, _, _ in new) != sorted(people):
        problems.append("the registrations are not the burst's people, each once")
    if tickets != list(range(1, len(people) + 1)):
        problems.append(f"tickets are not 1..{len(people)} without gaps")
    if confirmed != list(range(1, seats + 1)):
        problems.append(f"{len(confirmed)} confirmed, not the tickets 1..{seats}")
    if waiting != list(range(seats + 1, len(people) + 1)):
        problems.append(f"{len(waiting)} waitlisted, not the tickets after {seats}")
    if (event.confirmed, event.waitlisted, event.next_ticket) != (len(confirmed), len(waiting), len(new)):
        problems.append(f"the event's counters ({event.confirmed}, {event.waitlisted}, {event.next_ticket}) differ from its rows")
    if set(statuses) - {"201"}:
        problems.append(f"answers other than 201: { {k: v for k, v in statuses.items() if k != '201'} }")
    starts = result.get("started_per_second") or []
    span = result.get("span_s") or 0.0
    result["recount"] = {**figures, "responses_201": created, "confirmed": len(confirmed), "waitlisted": len(waiting)}
    result["burst"] = {"people": len(people), "span_s": span, "started_per_second": starts}
    message = (
        f"{created:,} × 201 from {len(people):,} people: {len(confirmed)} confirmed (tickets 1..{seats}), {len(waiting):,} "
        f"waitlisted (tickets {seats + 1}..{len(new)}), counters equal rows; requests started per second {starts}; all "
        f"answered {span:.1f} s after the first was sent; all {figures['events']:,} events' counters equal their rows"
    )
    return not problems, "; ".join(problems) if problems else message


# --- the scenarios -----------------------------------------------------------------------------------

register(
    Scenario(
        name="event_upcoming",
        description="resident: GET /events/, the coming events open to them (compound, community, sub-district)",
        persona="resident",
        urls=lambda ds: ["/events/"],
        expect='class="card-list"',
        row_marker=EVENT_ROW,
        probe_urls=lambda ds: ["/events/?page=2", "/events/?kind=festival", "/events/?page=8"],
        target_p95_ms=UPCOMING_P95_MS,
    )
)

register(
    Scenario(
        name="event_signup",
        description=(
            f"{SIGNUP_USERS} users sending the sign-ups of 2,400 residents, each their own token: "
            "POST /api/events/{id}/registrations, each (person, event) once"
        ),
        persona="event_resident",
        auth="token",
        method="POST",
        urls=lambda ds: [signup_queue(ds)[0]["url"]],
        queue=signup_queue,
        probe_requests=signup_probe,
        users=SIGNUP_USERS,
        record_bodies=True,
        expect_status=201,
        expect='"ticket"',
        before=snapshot,
        check=check_signup,
        target_rps=SIGNUP_RPS,
    )
)

register(
    Scenario(
        name="event_burst",
        description=(
            f"{BURST_USERS:,} residents started within {BURST_SPAWN_SECONDS:g} s sign up once for a 100-seat event: "
            "exactly 100 confirmed, in arrival order"
        ),
        persona="event_resident",
        auth="token",
        method="POST",
        urls=lambda ds: [signup_url(facts(ds)["burst"]["id"])],
        bodies=lambda ds: [{}],
        user_headers=lambda ds: [_bearer(ds, p) for p in burst_people(ds)],
        user_bodies=lambda ds: [[{}] for _ in burst_people(ds)],
        users=BURST_USERS,
        spawn_rate=BURST_USERS / BURST_SPAWN_SECONDS,
        once=True,
        warmup=False,
        duration=90.0,
        probe_requests=burst_probe,
        expect_status=201,
        expect='"ticket"',
        before=snapshot,
        check=check_burst,
    )
)
