"""Owners' votes (issue 5): scenarios on the generated vote of the 10,000-unit compound (``generate.py``,
``_write_vote_compound``; ``bench_meta["votes"]``).

- ``vote_tally``: community staff read the live count, ``GET /api/votes/{id}/tally`` (the four tests of
  Art 278(2) and turnout per building), target p95 ≤ ``TALLY_P95_MS``; ``vote_page``: the vote's page,
  which shows the same, same target.
- ``vote_cast``: ``CAST_USERS`` owners, each with their own personal API token and voter, cast and change
  their ballots in turn (``POST /api/votes/{id}/ballots``), target ≥ ``CAST_RPS`` ballots/s.
- ``vote_burst``: ``BURST_OWNERS`` owners, one simulated user each, all started within
  ``BURST_SPAWN_SECONDS``; each sends one ballot (every third sends a second one, changing it, as soon as
  the first is answered) and stops. Target: every ballot answered within ``BURST_SECONDS``.

The write scenarios start from the vote as generated (``reset_vote``: the log entries and counting ballots
written since are deleted with SQL, the ballots they replaced rebuilt from the log), and their check
recounts from the log: every 201 is one new log entry for that voter with that choice and nothing else
was logged; each voter's counting ballot is its last entry, with ``times`` moved on by its 201s; the
ballots counted are those of before plus the voters who had none; no 5xx; ``votes.ledger.verify`` finds
the chain, the roll and the count intact (the ballots counted now equal the recount of the log); turnout
per building recounted from the log equals ``votes.queries.turnout_by_building``; and the API's tally
(as community staff) equals the recount.
"""

import math
from collections import Counter

from .scenarios import Dataset, Scenario, register

TALLY_P95_MS = 100.0
CAST_RPS = 300.0
CAST_USERS = 12  # distinct owners casting at once (4 per gunicorn worker at the default 3)
BURST_OWNERS = 1_000
BURST_SECONDS = 10.0
BURST_SPAWN_SECONDS = 2.0
BURST_TWICE_EVERY = 3  # owners 0, 3, 6, ... change their ballot at once
CHOICES = ("yes", "no", "abstain")
TOKEN_NAME = "bench vote"  # people_apitoken.name of the owners' tokens (generate._open_vote)


def facts(ds: Dataset) -> dict:
    return ds.meta["votes"]


def tally_url(ds: Dataset) -> str:
    return f"/api/votes/{facts(ds)['matter_id']}/tally"


def ballots_url(ds: Dataset) -> str:
    return f"/api/votes/{facts(ds)['matter_id']}/ballots"


def owners(ds: Dataset, n: int) -> list[tuple[int, int]]:
    """The first ``n`` owners with a token: (person, the voter they cast for). The first is the
    ``vote_owner`` persona (the probe's)."""
    return [(p, v) for p, v in facts(ds)["owners"][:n]]


def owner_headers(ds: Dataset, n: int) -> list[dict]:
    from .generate import vote_token

    return [{"Authorization": f"Bearer {vote_token(ds.meta['seed'], p)}"} for p, _ in owners(ds, n)]


def cast_bodies(ds: Dataset) -> list[list[dict]]:
    """Each owner in turn agrees, disagrees, abstains (starting at their own place): every ballot changes theirs."""
    return [
        [{"voter": v, "choice": CHOICES[(k + i) % len(CHOICES)]} for i in range(len(CHOICES))]
        for k, (_, v) in enumerate(owners(ds, CAST_USERS))
    ]


def burst_users(ds: Dataset) -> int:
    return min(BURST_OWNERS, len(facts(ds)["owners"]))


def burst_bodies(ds: Dataset) -> list[list[dict]]:
    bodies = []
    for k, (_, v) in enumerate(owners(ds, burst_users(ds))):
        first = CHOICES[k % len(CHOICES)]
        bodies.append([{"voter": v, "choice": first}])
        if k % BURST_TWICE_EVERY == 0:
            bodies[-1].append({"voter": v, "choice": CHOICES[(k + 1) % len(CHOICES)]})
    return bodies


BURST_BALLOTS = BURST_OWNERS + math.ceil(BURST_OWNERS / BURST_TWICE_EVERY)


# --- back to the vote as generated ---------------------------------------------------------------

RESET_SQL = (
    "DELETE FROM votes_logentry WHERE matter_id = %(matter)s AND seq > %(length)s",
    "DELETE FROM votes_ballot WHERE matter_id = %(matter)s AND seq > %(length)s",
    # The counting ballot each voter had then: their last entry, and how many they had cast.
    "INSERT INTO votes_ballot (matter_id, voter_id, choice, receipt, channel, seq, cast_at, times) "
    "SELECT e.matter_id, e.voter_id, e.choice, '', e.channel, e.seq, e.at, last.n FROM (SELECT voter_id, max(seq) AS seq, "
    "count(*) AS n FROM votes_logentry WHERE matter_id = %(matter)s AND kind = 'ballot' GROUP BY voter_id) last "
    "JOIN votes_logentry e ON e.matter_id = %(matter)s AND e.seq = last.seq "
    "WHERE NOT EXISTS (SELECT 1 FROM votes_ballot b WHERE b.voter_id = last.voter_id)",
    "UPDATE votes_matter SET log_length = %(length)s, log_head = %(head)s WHERE id = %(matter)s "
    "AND (log_length <> %(length)s OR log_head <> %(head)s)",
    # "Last used" is written at most once a minute per token: every run starts with none of them recent.
    "UPDATE people_apitoken SET last_used_at = NULL WHERE name = %(token)s AND last_used_at IS NOT NULL",
)


def reset_vote(vote: dict) -> dict:
    """Remove what earlier runs wrote to the generated vote (an open ballot: choices are in the log);
    returns the rows deleted and rebuilt. The log is append-only for the application, not for the bench."""
    from django.db import connection, transaction

    params = {"matter": vote["matter_id"], "length": vote["log_length"], "head": vote["log_head"], "token": TOKEN_NAME}
    with transaction.atomic(), connection.cursor() as cursor:
        counts = []
        for sql in RESET_SQL:
            cursor.execute(sql, params)
            counts.append(cursor.rowcount)
    if any(counts[:3]):
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) votes_logentry, votes_ballot, votes_matter, people_apitoken")
    return {"log_entries_deleted": counts[0], "ballots_deleted": counts[1], "ballots_rebuilt": counts[2]}


def snapshot(ds: Dataset, voters: list[int]) -> dict:
    from votes.models import Ballot, Matter

    reset = reset_vote(facts(ds))
    matter = Matter.objects.get(pk=facts(ds)["matter_id"])
    times = dict(Ballot.objects.filter(matter=matter, voter_id__in=voters).values_list("voter_id", "times"))
    return {
        "reset": reset,
        "log_length": matter.log_length,
        "ballots": Ballot.objects.filter(matter=matter).count(),
        "times": {str(v): times.get(v, 0) for v in voters},
    }


# --- recounts --------------------------------------------------------------------------------------


def recount_turnout(matter) -> dict[int, tuple]:
    """Per building, from the log alone: units and area on the roll, those whose voter's last ballot is
    in the log, and the area of each choice."""
    from decimal import Decimal

    from votes.models import LogEntry, VoterUnit

    last = dict(
        LogEntry.objects.filter(matter=matter, kind=LogEntry.Kind.BALLOT).order_by("seq").values_list("voter_id", "choice")
    )
    zero = Decimal("0.00")
    rows: dict[int, list] = {}
    for building, voter, area in VoterUnit.objects.filter(matter=matter).values_list("building_id", "voter_id", "area"):
        row = rows.setdefault(building, [0, zero, 0, zero, {c: zero for c in CHOICES}])
        row[0] += 1
        row[1] += area
        if voter in last:
            row[2] += 1
            row[3] += area
            row[4][last[voter]] += area
    return {b: (u, a, vu, va, tuple(c[k] for k in CHOICES)) for b, (u, a, vu, va, c) in rows.items()}


def check_counts(ds: Dataset) -> tuple[list[str], dict]:
    """``ledger.verify``, turnout per building against the recount, and the API's tally against the
    recount. Returns the problems and a few figures."""
    from votes import ledger, queries
    from votes.models import Ballot, Matter

    from .probe import client_for

    matter = Matter.objects.get(pk=facts(ds)["matter_id"])
    problems = []
    verification = ledger.verify(matter)
    problems += [f"verify: {p}" for p in verification.problems]
    recounted = recount_turnout(matter)
    shown = {
        t.building_id: (t.units, t.area, t.voted_units, t.voted_area, (t.yes, t.no, t.abstain))
        for t in queries.turnout_by_building(matter)
    }
    if shown != recounted:
        wrong = sorted(b for b in set(shown) | set(recounted) if shown.get(b) != recounted.get(b))
        problems.append(f"turnout of {len(wrong)} buildings differs from the recount of the log (e.g. {wrong[:3]})")
    ballots = Ballot.objects.filter(matter=matter).count()
    response = client_for(ds, "community_staff").get(tally_url(ds))
    if response.status_code != 200:
        problems.append(f"the API's tally answered {response.status_code}")
    elif verification.tally is not None:
        data, expected = response.json(), verification.tally.as_dict()
        keys = ("total", "participating", "yes", "no", "abstain", "quorum_met", "approved")
        differ = [k for k in keys if data["tally"].get(k) != expected[k]]
        if differ:
            problems.append(f"the API's tally differs from the recount of the log in {', '.join(differ)}")
        if data["voted"] != ballots:
            problems.append(f"the API says {data['voted']} voted, {ballots} ballots count")
        api_turnout = {t["building_id"]: t["voted_units"] for t in data["turnout"]}
        if api_turnout != {b: r[2] for b, r in recounted.items()}:
            problems.append("the API's turnout per building differs from the recount of the log")
    tally = verification.tally
    return problems, {
        "log_entries": verification.entries,
        "ballots_counted": ballots,
        "buildings": len(recounted),
        "participating_heads": tally.participating.heads if tally else None,
        "quorum_met": tally.quorum_met if tally else None,
        "approved": tally.approved if tally else None,
    }


def check_tally(ds: Dataset, result: dict) -> tuple[bool, str]:
    problems, figures = check_counts(ds)
    result["recount"] = figures
    message = (
        f"{figures['ballots_counted']:,} ballots of {facts(ds)['voters']:,} voters, {figures['log_entries']:,} log entries, "
        f"{figures['buildings']} buildings: tally and turnout per building equal the recount of the log"
    )
    return not problems, "; ".join(problems) if problems else message


def check_ballots(ds: Dataset, result: dict) -> tuple[bool, str]:
    """What the measured phase wrote, recounted from the log (see the module)."""
    from votes.models import Ballot, LogEntry

    before = result["before"]
    bodies = result.pop("written_bodies", None) or []
    statuses = result.get("statuses") or {}
    created = statuses.get("201", 0)
    server_errors = sum(n for code, n in statuses.items() if code.startswith("5") or code == "0")
    matter_id = facts(ds)["matter_id"]
    new = list(
        LogEntry.objects.filter(matter_id=matter_id, seq__gt=before["log_length"])
        .order_by("seq")
        .values_list("seq", "kind", "voter_id", "choice")
    )
    sent = Counter(b["voter"] for b in bodies)
    logged = Counter(voter for _, _, voter, _ in new)
    last_sent = {b["voter"]: b["choice"] for b in bodies}
    last_logged = {voter: (seq, choice) for seq, _, voter, choice in new}
    times = before["times"]
    ballots = {
        voter: (seq, choice, n)
        for voter, seq, choice, n in Ballot.objects.filter(matter_id=matter_id, voter_id__in=list(sent)).values_list(
            "voter_id", "seq", "choice", "times"
        )
    }
    wrong = [
        v
        for v in sent
        if v not in last_logged
        or last_logged[v][1] != last_sent[v]
        or ballots.get(v) != (last_logged[v][0], last_sent[v], times.get(str(v), 0) + sent[v])
    ]
    counted_since = Ballot.objects.filter(matter_id=matter_id, seq__gt=before["log_length"]).count()
    counted = Ballot.objects.filter(matter_id=matter_id).count()
    first_time = sum(1 for v in sent if not times.get(str(v)))
    problems, figures = check_counts(ds)
    if not created == len(bodies) == len(new):
        problems.append(f"{created} × 201 ({len(bodies)} bodies kept) but {len(new)} new log entries")
    if any(kind != LogEntry.Kind.BALLOT for _, kind, _, _ in new):
        problems.append("entries other than ballots were logged")
    if sent != logged:
        differ = sum(((sent - logged) + (logged - sent)).values())
        problems.append(f"{differ} ballots differ between the 201s and the log, by voter")
    if wrong:
        problems.append(f"{len(wrong)} voters' counting ballot is not their last 201 (e.g. voter {wrong[0]})")
    if counted_since != len(sent):
        problems.append(f"{counted_since} ballots counted since the start, {len(sent)} voters got a 201")
    if counted != before["ballots"] + first_time:
        problems.append(f"{counted} ballots counted, expected {before['ballots']} + {first_time} first ballots")
    if server_errors:
        problems.append(f"{server_errors} server errors or dropped connections")
    result["recount"] = {
        **figures,
        "responses_201": created,
        "log_entries_added": len(new),
        "voters_with_201": len(sent),
        "first_ballots": first_time,
        "ballots_counted_before": before["ballots"],
        "server_errors": server_errors,
    }
    message = (
        f"{created:,} × 201 from {len(sent):,} owners = {len(new):,} log entries; {counted_since:,} counting ballots "
        f"written ({first_time:,} first ones: {before['ballots']:,} → {counted:,}); no voter lost or doubled; "
        f"{server_errors} 5xx; ledger.verify ok over {figures['log_entries']:,} entries, tally and turnout per building "
        "equal the recount"
    )
    return not problems, "; ".join(problems) if problems else message


def check_burst(ds: Dataset, result: dict) -> tuple[bool, str]:
    ok, message = check_ballots(ds, result)
    users = burst_users(ds)
    starts = result.get("started_per_second") or []
    first_ballots = sum(starts[: math.ceil(BURST_SPAWN_SECONDS) + 1])
    span = result.get("span_s") or 0.0
    timing = (
        f"{users:,} owners started within {BURST_SPAWN_SECONDS:g} s; requests started per second {starts}; "
        f"all {result['requests']:,} answered {span:.1f} s after the first was sent"
    )
    result["burst"] = {"owners": users, "ballots": result["requests"], "span_s": span, "sent_first_3s": first_ballots}
    return ok, f"{message}. {timing}"


# --- the scenarios -----------------------------------------------------------------------------------

register(
    Scenario(
        name="vote_tally",
        description="community staff: GET /api/votes/{id}/tally, the live count of a 10,000-unit compound's vote",
        persona="community_staff",
        urls=lambda ds: [tally_url(ds)],
        expect='"turnout"',
        row_marker='"building_id"',
        check=check_tally,
        target_p95_ms=TALLY_P95_MS,
    )
)

register(
    Scenario(
        name="vote_page",
        description="community staff: the vote's page /votes/{id}/ (the count and turnout per building)",
        persona="community_staff",
        urls=lambda ds: [f"/votes/{facts(ds)['matter_id']}/"],
        expect='<table class="turnout">',
        row_marker='<tr><th scope="row">',
        target_p95_ms=TALLY_P95_MS,
    )
)

register(
    Scenario(
        name="vote_cast",
        description=f"{CAST_USERS} owners, each their own token: POST /api/votes/{{id}}/ballots, changing their ballot in turn",
        persona="vote_owner",
        auth="token",
        method="POST",
        urls=lambda ds: [ballots_url(ds)],
        bodies=lambda ds: cast_bodies(ds)[0],
        user_headers=lambda ds: owner_headers(ds, CAST_USERS),
        user_bodies=cast_bodies,
        users=CAST_USERS,
        record_bodies=True,
        expect_status=201,
        expect='"seq":',
        before=lambda ds: snapshot(ds, [v for _, v in owners(ds, CAST_USERS)]),
        check=check_ballots,
        target_rps=CAST_RPS,
    )
)

register(
    Scenario(
        name="vote_burst",
        description=(
            f"{BURST_OWNERS:,} owners started within {BURST_SPAWN_SECONDS:g} s, one ballot each (every "
            f"{BURST_TWICE_EVERY}rd two): all answered within {BURST_SECONDS:g} s, nothing lost or doubled"
        ),
        persona="vote_owner",
        auth="token",
        method="POST",
        urls=lambda ds: [ballots_url(ds)],
        bodies=lambda ds: burst_bodies(ds)[0],
        user_headers=lambda ds: owner_headers(ds, burst_users(ds)),
        user_bodies=burst_bodies,
        users=BURST_OWNERS,
        spawn_rate=BURST_OWNERS / BURST_SPAWN_SECONDS,
        once=True,
        warmup=False,
        duration=90.0,
        record_bodies=True,
        expect_status=201,
        expect='"seq":',
        before=lambda ds: snapshot(ds, [v for _, v in owners(ds, burst_users(ds))]),
        check=check_burst,
        target_rps=BURST_BALLOTS / BURST_SECONDS,
    )
)
