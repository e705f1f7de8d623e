"""The scenarios ``make bench`` can run, by name.

A scenario is a URL (or a few, taken in turn) hit by every simulated user, as one persona of the
generated dataset (or anonymously), with an optional check of each response and of the outcome.

To add one, in this module (or in a module imported here)::

    register(Scenario(
        name="inbox",
        description="building leader: the inbox",
        persona="building_leader",
        urls=lambda ds: ["/inbox/"],
        expect="<ul",                    # every response must contain it (else counted as an error)
        row_marker='<li class="case"',   # counted in the probe: rows shown on the page
        check=my_check,                  # optional: (dataset, result) -> (ok, message), after the load
    ))

``ds`` is the :class:`Dataset`: the facts the generator kept (persona ids, their places, counts).
Personas: ``community_staff`` (of the largest community), ``subdistrict_admin`` (the first
sub-district), ``building_leader`` and ``resident`` (the biggest building of that community, also
the busiest in problem reports; the resident has a personal API token, ``auth="token"``), and
``vote_owner`` (an owner on the roll of the owners' vote, with a token; 1,199 more owners' tokens are
in ``vote_scenarios.owner_headers``), ``event_resident`` (the first of the events' load's 2,400 residents
with a token, ``event_scenarios``).

A write scenario posts JSON instead (``method="POST"``, ``bodies``: one per request, in turn;
``expect_status=201``); its ``before`` hook runs just before the measured phase and its result is
``result["before"]`` for the ``check``, which compares what was written with the successful
responses (``requests - errors``; ``result["statuses"]`` counts every status). Many distinct people
(``user_headers``, ``user_bodies``: user N takes entry N), a burst (``users``, ``spawn_rate``,
``once``), one shared queue of requests each with its own URL, token and body (``queue``, with
``probe_requests`` for the probe) and the bodies that succeeded (``record_bodies``:
``result["written_bodies"]``) are options of ``Scenario`` (see ``vote_scenarios.py`` and
``event_scenarios.py``). An in-process scenario (``runner``: dataset -> result dict with
at least ``ok`` and ``summary``) runs in the bench process against the bench database, no load::

    register(Scenario(name="escalation_sweep", description="...", urls=lambda ds: [], runner=run_sweep))
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

PAGE_P95_MS = 50.0
PAGE_FLOOR_RATIO = 0.30


@dataclass(frozen=True)
class Dataset:
    meta: dict

    def persona(self, name: str) -> dict:
        return self.meta["personas"][name]

    def place_of(self, persona: str) -> int:
        return self.persona(persona)["place_id"]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    urls: Callable[[Dataset], list[str]]
    persona: str | None = None  # None: anonymous
    expect: str | None = None  # substring every response must contain
    row_marker: str | None = None  # counted once in the probe: rows on the page
    # URLs measured only by the probe (SQL queries), e.g. a partial last page, to show the count
    # does not grow with the rows shown.
    probe_urls: Callable[[Dataset], list[str]] = field(default=lambda ds: [])
    check: Callable[[Dataset, dict], tuple[bool, str]] | None = None
    target_p95_ms: float | None = None
    target_floor_ratio: float | None = None
    floor: bool = False  # the reference scenario
    method: str = "GET"
    bodies: Callable[[Dataset], list[dict]] | None = None  # JSON bodies, one per request in turn
    auth: str = "session"  # or "token": the persona's personal API token (Authorization: Bearer)
    expect_status: int = 200
    before: Callable[[Dataset], dict] | None = None  # a snapshot taken just before the measured phase
    runner: Callable[[Dataset], dict] | None = None  # in-process scenario (no server, no load)
    target_rps: float | None = None
    target_seconds: float | None = None  # in-process scenarios
    # Many distinct people: user number N (0, 1, ...) takes entry N of each list (modulo its length).
    user_headers: Callable[[Dataset], list[dict]] | None = None  # e.g. each owner's bearer token
    user_bodies: Callable[[Dataset], list[list[dict]]] | None = None  # each user's own JSON bodies, in turn
    users: int | None = None  # simulated users (default: ``--users``)
    spawn_rate: float | None = None  # users started per second (default: all at once)
    once: bool = False  # a burst: each user sends its own bodies once, then stops; the run ends when all have
    warmup: bool = True  # the unmeasured warm-up (with the same users and bodies)
    duration: float | None = None  # measured seconds (default ``--duration``; for ``once``, the longest it may take)
    record_bodies: bool = False  # the result keeps the body of every response with ``expect_status`` (for the check)
    # Many people, each request its own: one shared queue of {"url", "headers", "body"} the users take in
    # order, each request once (the run ends when it is empty); ``record_bodies`` then keeps {"n": its place}.
    queue: Callable[[Dataset], list[dict]] | None = None
    # What the probe sends, in order, each once (same form), instead of the URLs with the persona: for
    # writes that may not repeat (a sign-up). The probe's writes must be undone by ``before``.
    probe_requests: Callable[[Dataset], list[dict]] | None = None


REGISTRY: dict[str, Scenario] = {}
FLOOR = "floor"


def register(scenario: Scenario) -> Scenario:
    if scenario.name in REGISTRY:
        raise ValueError(f"scenario {scenario.name!r} is already registered")
    REGISTRY[scenario.name] = scenario
    return scenario


def page(**kwargs) -> Scenario:
    """A page scenario with the general targets (PERFORMANCE.md; this issue's bar: 30% of the floor)."""
    kwargs.setdefault("target_p95_ms", PAGE_P95_MS)
    kwargs.setdefault("target_floor_ratio", PAGE_FLOOR_RATIO)
    return register(Scenario(**kwargs))


register(
    Scenario(
        name=FLOOR,
        description="one indexed SELECT of 20 rows, tiny template (the reference)",
        urls=lambda ds: ["/bench/floor/"],
        expect="<li>",
        row_marker="<li>",
        floor=True,
    )
)

page(
    name="directory",
    description="community staff: people directory, first page",
    persona="community_staff",
    urls=lambda ds: ["/people/"],
    expect='class="card-list"',
    row_marker='<li><a href="/people/',
    probe_urls=lambda ds: ["/people/?q=zzzzzz", "/people/?page=2"],
)

page(
    name="directory_search",
    description="community staff: people directory, ?q=zh, page 5",
    persona="community_staff",
    urls=lambda ds: ["/people/?q=zh&page=5"],
    expect='class="card-list"',
    row_marker='<li><a href="/people/',
)

page(
    name="buildings",
    description="community staff: the community's buildings with unit counts and leaders",
    persona="community_staff",
    urls=lambda ds: [f"/places/{ds.place_of('community_staff')}/buildings/"],
    expect="<tbody>",
    row_marker='<tr><td><a href="/places/',
    probe_urls=lambda ds: [f"/places/{ds.place_of('community_staff')}/buildings/?page=1000"],
)

page(
    name="directory_admin",
    description="sub-district admin: people directory over the whole sub-district",
    persona="subdistrict_admin",
    urls=lambda ds: ["/people/"],
    expect='class="card-list"',
    row_marker='<li><a href="/people/',
)


# --- problem reports (issue 3) -------------------------------------------------------------------

CASE_ROW = '"><strong>#'  # one per row of cases/_case_rows.html
INBOX_ROW = 'name="cases" value="'  # community staff see a tick box per row (bulk assignment)


def _scalar(sql: str, params=()) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


INTAKE_CATEGORIES = (
    "littering",
    "thrown-from-height",
    "ebike-in-corridor",
    "clutter",
    "pets",
    "noise",
    "water-pipes",
    "facilities",
    "greening",
    "fire-safety",
    "security",
    "dispute",
    "inquiry",
    "emergency",
    "other",
)


def intake_bodies(ds: Dataset) -> list[dict]:
    """Every category, at the buildings of the resident's compound, in a fixed shuffled order."""
    places = ds.meta["cases"]["intake_places"]
    bodies = []
    for i in range(len(INTAKE_CATEGORIES) * len(places)):
        code = INTAKE_CATEGORIES[(i * 7) % len(INTAKE_CATEGORIES)]
        body = {"category": code, "place_id": places[i % len(places)], "description": f"楼道里的问题 #{i}：请尽快处理。"}
        if code == "water-pipes":
            body["details"] = {"still_leaking": "yes"}
        bodies.append(body)
    return bodies


def intake_snapshot(ds: Dataset) -> dict:
    return {
        "case_id": _scalar("SELECT coalesce(max(id), 0) FROM cases_case"),
        "event_id": _scalar("SELECT coalesce(max(id), 0) FROM cases_caseevent"),
        "notification_id": _scalar("SELECT coalesce(max(id), 0) FROM core_notification"),
        "outbox_id": _scalar("SELECT coalesce(max(id), 0) FROM core_outboxmessage"),
    }


# Who each new case must have told (cases.actions.submit_case), recounted from the role table: the
# building's leaders (a building's first level), the handling company's property staff over the place
# (or, when the residents' committee handles it, its chair and secretary), and, for an emergency, the
# community staff (inbox row and SMS).
INTAKE_RECOUNT = """
WITH new AS (
    SELECT c.id, c.is_emergency, c.status, c.reporter_id,
        (SELECT count(DISTINCT r.person_id) FROM people_roleassignment r JOIN people_person p ON p.id = r.person_id
          WHERE p.is_active AND r.ended_at IS NULL AND r.role = 'building_leader' AND c.path LIKE r.path || '%%')
      + (SELECT count(DISTINCT r.person_id) FROM people_roleassignment r JOIN people_person p ON p.id = r.person_id
          WHERE p.is_active AND r.ended_at IS NULL AND r.role = 'property_staff' AND r.organisation_id = c.handler_id
            AND c.path LIKE r.path || '%%')
      + (SELECT count(DISTINCT m.person_id) FROM people_membership m JOIN people_person p ON p.id = m.person_id
          JOIN people_organisation o ON o.id = m.organisation_id
          WHERE p.is_active AND m.organisation_id = c.handler_id AND o.kind <> 'property_company'
            AND m.position IN ('chair', 'secretary'))
      + CASE WHEN c.is_emergency THEN (SELECT count(DISTINCT r.person_id) FROM people_roleassignment r
          JOIN people_person p ON p.id = r.person_id WHERE p.is_active AND r.ended_at IS NULL
            AND r.role = 'community_staff' AND c.path LIKE r.path || '%%') ELSE 0 END AS expected,
        (SELECT count(*) FROM cases_caseevent e WHERE e.case_id = c.id AND e.kind = 'submitted') AS submitted_events
    FROM cases_case c WHERE c.id > %(case_id)s
), got AS (
    SELECT link, count(*) AS n FROM core_notification WHERE id > %(notification_id)s GROUP BY link
)
SELECT count(*), coalesce(sum(new.expected), 0), coalesce(sum(got.n), 0),
    count(*) FILTER (WHERE new.expected <> coalesce(got.n, 0)),
    count(*) FILTER (WHERE new.submitted_events <> 1),
    count(*) FILTER (WHERE new.status <> 'submitted' OR new.reporter_id IS DISTINCT FROM %(reporter)s),
    count(*) FILTER (WHERE new.is_emergency)
FROM new LEFT JOIN got ON got.link = '/cases/' || new.id || '/'
"""


def check_intake(ds: Dataset, result: dict) -> tuple[bool, str]:
    """Cases, SUBMITTED timeline rows, inbox notifications and SMS outbox rows written in the measured
    phase against the 201 responses (PERFORMANCE.md "Correctness under load")."""
    before = result["before"]
    created = result["requests"] - result["errors"]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(INTAKE_RECOUNT, {**before, "reporter": ds.persona("resident")["person_id"]})
        cases, expected, notified, mismatched, bad_timeline, bad_case, emergencies = cursor.fetchone()
    events = _scalar(
        "SELECT count(*) FROM cases_caseevent WHERE id > %s AND kind = 'submitted'",
        [before["event_id"]],
    )
    notifications = _scalar("SELECT count(*) FROM core_notification WHERE id > %s", [before["notification_id"]])
    sms = _scalar("SELECT count(*) FROM core_outboxmessage WHERE id > %s AND channel = 'sms'", [before["outbox_id"]])
    sms_expected = _scalar(
        "SELECT count(*) FROM cases_case c JOIN people_roleassignment r ON r.role = 'community_staff' AND r.ended_at IS NULL "
        "AND c.path LIKE r.path || '%%' JOIN people_person p ON p.id = r.person_id AND p.is_active AND p.mobile IS NOT NULL "
        "WHERE c.id > %s AND c.is_emergency",
        [before["case_id"]],
    )
    result["written"] = {
        "responses_201": created,
        "cases": cases,
        "submitted_events": events,
        "notifications": notifications,
        "notifications_expected": int(expected),
        "notifications_linked": int(notified),
        "cases_with_wrong_notifications": mismatched,
        "cases_without_one_submitted_event": bad_timeline,
        "cases_wrong_status_or_reporter": bad_case,
        "emergencies": emergencies,
        "sms_outbox": sms,
        "sms_outbox_expected": sms_expected,
    }
    ok = (
        cases == created == events
        and notifications == expected == notified
        and not mismatched
        and not bad_timeline
        and not bad_case
        and sms == sms_expected
    )
    message = (
        f"{created} × 201; {cases} cases, {events} SUBMITTED events, {notifications} notifications "
        f"(expected {int(expected)}), {sms} SMS outbox rows (expected {sms_expected}, {emergencies} emergencies)"
    )
    return ok, message


register(
    Scenario(
        name="case_intake",
        description="resident: POST /api/cases/ (routing, deadlines, timeline, notifications), bearer token",
        persona="resident",
        auth="token",
        method="POST",
        urls=lambda ds: ["/api/cases/"],
        bodies=intake_bodies,
        expect_status=201,
        expect='"status": "submitted"',
        before=intake_snapshot,
        check=check_intake,
        target_p95_ms=None,
        target_rps=200.0,
    )
)

page(
    name="inbox",
    description="community staff (largest community): problems inbox, first page of open cases",
    persona="community_staff",
    urls=lambda ds: ["/cases/inbox/"],
    expect='class="card-list cases"',
    row_marker=INBOX_ROW,
    probe_urls=lambda ds: ["/cases/inbox/?page=2", "/cases/inbox/?status=all", "/cases/inbox/?overdue=on"],
)

page(
    name="building_cases",
    description="building leader: the building's open problems (the busiest building)",
    persona="building_leader",
    urls=lambda ds: [f"/cases/place/{ds.place_of('building_leader')}/"],
    expect='class="card-list cases"',
    row_marker=CASE_ROW,
    probe_urls=lambda ds: [f"/cases/place/{ds.place_of('building_leader')}/?page=1000"],
)

SWEEP_TARGET_S = 5.0


def _measured(backend: list, sweep) -> dict:
    """One in-process run of ``sweep()`` (which returns its counts) with its wall time, the CPU it took in
    this process and in the database backend, its query count and its slowest query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .run import cpu_ms

    db0, cpu0, wall0 = cpu_ms(backend), time.process_time(), time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        counts = sweep()
    wall = time.perf_counter() - wall0
    return {
        **counts,
        "seconds": round(wall, 3),
        "app_cpu_s": round(time.process_time() - cpu0, 3),
        "db_cpu_s": round((sum(cpu_ms(backend).values()) - sum(db0.values())) / 1000, 3),
        "queries": len(ctx.captured_queries),
        "slowest_sql": max(
            ({"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:400]} for q in ctx.captured_queries),
            key=lambda q: q["ms"],
            default=None,
        ),
    }


def run_sweep(ds: Dataset) -> dict:
    """``cases.actions.escalate_due_cases`` at the dataset's ``sweep_now`` (a few thousand due), then
    again (nothing due: milliseconds), in one transaction rolled back at the end so every run
    finds the same work (nothing is sent: outbox deliveries wait for a commit)."""
    from datetime import datetime

    from django.db import transaction

    from cases import actions
    from cases.models import Case, CaseEvent

    now = datetime.fromisoformat(ds.meta["cases"]["sweep_now"])
    open_count = Case.objects.open().count()
    with transaction.atomic():
        backend = [_scalar("SELECT pg_backend_pid()")]
        due = Case.objects.due_for_escalation(now).count()
        with_escalate_at = Case.objects.filter(escalate_at__isnull=False).count()
        due_query = (
            Case.objects.due_for_escalation(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("category")
            .order_by("escalate_at", "id")[: actions.SWEEP_BATCH]
        )
        plan = due_query.explain(analyze=True, buffers=True)
        events_before = _scalar("SELECT coalesce(max(id), 0) FROM cases_caseevent")
        runs = []
        for _ in range(2):
            runs.append(_measured(backend, lambda: {"escalated": actions.escalate_due_cases(now=now)}))
        still_due = Case.objects.due_for_escalation(now).count()
        events = CaseEvent.objects.filter(id__gt=events_before, kind=CaseEvent.Kind.ESCALATED).count()
        transaction.set_rollback(True)
    first, second = runs
    ok = (
        first["escalated"] == due
        and second["escalated"] == 0
        and still_due == 0
        and events == due
        and first["seconds"] <= SWEEP_TARGET_S
        and "case_escalation_due_idx" in plan
    )
    return {
        "ok": ok,
        "open_cases": open_count,
        "cases_with_escalate_at": with_escalate_at,
        "due": due,
        "runs": runs,
        "events_written": events,
        "still_due_after": still_due,
        "uses_partial_index": "case_escalation_due_idx" in plan,
        "plan": plan,
        "summary": (
            f"{due} due of {open_count} open ({with_escalate_at} with escalate_at): escalated {first['escalated']} in "
            f"{first['seconds']:.2f}s ({first['queries']} queries, CPU app {first['app_cpu_s']}s + db {first['db_cpu_s']}s); "
            f"again: {second['escalated']} in {second['seconds'] * 1000:.1f} ms"
        ),
    }


register(
    Scenario(
        name="escalation_sweep",
        description="in process: escalate_due_cases over all open cases at the dataset's sweep time, twice",
        urls=lambda ds: [],
        runner=run_sweep,
        target_seconds=SWEEP_TARGET_S,
    )
)


# --- consultation topics, meetings and action items (issue 4) ------------------------------------

TOPIC_ROW = '<li><a href="/deliberation/topics/'  # one per row of deliberation/_topic_rows.html
AGENDA_ROW = '<li id="item-'  # one per agenda item of meetings/meeting_detail.html


def topic_list_url(ds: Dataset) -> str:
    return f"/deliberation/communities/{ds.meta['deliberation']['busiest_community']['id']}/"


page(
    name="topic_list",
    description="community staff: the busiest community's topics (of 100,000 at subdistrict scale), first page",
    persona="community_staff",
    urls=lambda ds: [topic_list_url(ds)],
    expect='class="card-list topics"',
    row_marker=TOPIC_ROW,
    probe_urls=lambda ds: [
        topic_list_url(ds) + "?page=2",
        topic_list_url(ds) + "?status=collecting",
        topic_list_url(ds) + "?status=deliberating",
        topic_list_url(ds) + "?page=300",
    ],
)

page(
    name="meeting_page",
    description="community staff: an ended meeting with a full agenda, attendance, action items and published minutes",
    persona="community_staff",
    urls=lambda ds: [f"/meetings/{ds.meta['deliberation']['page_meeting']['id']}/"],
    expect='<section id="agenda">',
    row_marker=AGENDA_ROW,
)

ACTION_SWEEP_TARGET_S = 2.0

# Whom the sweep tells (meetings.actions._sweep_notices), recounted: an overdue item's owners (the owner
# person, or those acting for the owning organisation: its chair and secretary, and whoever holds an
# active role for it, as people.policy.officers_of) and its organiser (the meeting's, else whoever created
# it); a reminder goes to the owners. Active people only, each once per item.
ACTION_SWEEP_RECIPIENTS = """
WITH due AS (
    SELECT a.id, a.owner_person_id, a.owner_organisation_id,
        CASE WHEN %(overdue)s THEN coalesce(mt.organiser_id, a.created_by_id) END AS organiser
    FROM meetings_actionitem a LEFT JOIN meetings_meeting mt ON mt.id = a.meeting_id
    WHERE a.status IN ('open', 'in_progress') AND (
        %(overdue)s AND a.overdue_reported_at IS NULL AND a.due_on < %(today)s
        OR NOT %(overdue)s AND a.reminded_at IS NULL AND a.due_on BETWEEN %(today)s AND %(remind_until)s)
), recipients AS (
    SELECT id, owner_person_id AS person_id FROM due WHERE owner_person_id IS NOT NULL
    UNION SELECT due.id, m.person_id FROM due JOIN people_membership m ON m.organisation_id = due.owner_organisation_id
        AND m.position IN ('chair', 'secretary') WHERE due.owner_person_id IS NULL
    UNION SELECT due.id, r.person_id FROM due JOIN people_roleassignment r ON r.organisation_id = due.owner_organisation_id
        AND r.ended_at IS NULL WHERE due.owner_person_id IS NULL
    UNION SELECT id, organiser FROM due WHERE organiser IS NOT NULL
)
SELECT count(*) FROM recipients r JOIN people_person p ON p.id = r.person_id WHERE p.is_active
"""


def run_action_sweep(ds: Dataset) -> dict:
    """``meetings.actions.sweep_action_items`` at the dataset's ``sweep_now`` (its daily run was down for
    a while: about 1% of all action items overdue and not yet reported, a few hundred to remind), then
    again (nothing new), in one transaction rolled back at the end so every run finds the same work.
    Checks what it reported and whom it told against a recount."""
    from datetime import datetime, timedelta

    from django.db import transaction
    from django.utils import timezone

    from core.models import Notification
    from meetings import actions
    from meetings.models import ActionItem

    facts = ds.meta["deliberation"]
    now = datetime.fromisoformat(facts["sweep_now"])
    today = timezone.localdate(now)
    remind_until = today + timedelta(days=actions.REMIND_DAYS)
    items = ActionItem.objects.open()
    with transaction.atomic():
        backend = [_scalar("SELECT pg_backend_pid()")]
        open_count = items.count()
        overdue = items.filter(overdue_reported_at__isnull=True, due_on__lt=today).count()
        remind = items.filter(reminded_at__isnull=True, due_on__gte=today, due_on__lte=remind_until).count()
        params = {"today": today, "remind_until": remind_until}
        recipients = {
            kind: _scalar(ACTION_SWEEP_RECIPIENTS, {**params, "overdue": kind == "overdue"}) for kind in ("overdue", "reminded")
        }
        overdue_query = (
            items.filter(overdue_reported_at__isnull=True, due_on__lt=today)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("owner_person", "meeting__organiser", "created_by")
            .order_by("due_on", "id")[:5000]
        )
        plan = overdue_query.explain(analyze=True, buffers=True)
        notifications_before = _scalar("SELECT coalesce(max(id), 0) FROM core_notification")
        runs = []
        for _ in range(2):
            runs.append(_measured(backend, lambda: actions.sweep_action_items(now=now)))
        still_overdue = items.filter(overdue_reported_at__isnull=True, due_on__lt=today).count()
        notifications = Notification.objects.filter(id__gt=notifications_before).count()
        transaction.set_rollback(True)
    first, second = runs
    expected_notifications = recipients["overdue"] + recipients["reminded"]
    ok = (
        first["overdue"] == overdue == facts["overdue_at_sweep_now"]
        and first["reminded"] == remind == facts["remind_at_sweep_now"]
        and second["overdue"] == second["reminded"] == 0
        and still_overdue == 0
        and notifications == expected_notifications
        and first["seconds"] <= ACTION_SWEEP_TARGET_S
        and "action_overdue_idx" in plan
    )
    return {
        "ok": ok,
        "open_items": open_count,
        "overdue_expected": overdue,
        "overdue_expected_by_generator": facts["overdue_at_sweep_now"],
        "remind_expected": remind,
        "runs": runs,
        "notifications_written": notifications,
        "notifications_expected": expected_notifications,
        "still_overdue_after": still_overdue,
        "uses_partial_index": "action_overdue_idx" in plan,
        "plan": plan,
        "summary": (
            f"{overdue} overdue and {remind} to remind of {open_count} open action items: reported {first['overdue']}, "
            f"reminded {first['reminded']} in {first['seconds']:.2f}s ({first['queries']} queries, CPU app "
            f"{first['app_cpu_s']}s + db {first['db_cpu_s']}s; {notifications} notifications, {expected_notifications} "
            f"expected); again: {second['overdue']} + {second['reminded']} in {second['seconds'] * 1000:.1f} ms"
        ),
    }


register(
    Scenario(
        name="action_sweep",
        description="in process: sweep_action_items (reminders, overdue reports) at the dataset's sweep time, twice",
        urls=lambda ds: [],
        runner=run_action_sweep,
        target_seconds=ACTION_SWEEP_TARGET_S,
    )
)


# Owners' votes (issue 5) and neighbourhood events (issue 6): registered by their own modules.
from . import event_scenarios, vote_scenarios  # noqa: E402, F401


def select(names: list[str] | None) -> list[Scenario]:
    """The scenarios to run, in the order given (all when none), the floor always first."""
    if not names:
        chosen = list(REGISTRY.values())
    else:
        unknown = [n for n in names if n not in REGISTRY]
        if unknown:
            raise SystemExit(f"Unknown scenario(s): {', '.join(unknown)}. Known: {', '.join(REGISTRY)}")
        chosen = [REGISTRY[n] for n in dict.fromkeys(names)]
    floor = REGISTRY[FLOOR]
    return [floor] + [s for s in chosen if s is not floor]
