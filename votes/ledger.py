"""The ballot log: append-only entries chained by SHA-256, and the recount from it.

Each entry's hash covers its own fields and the previous entry's hash, so changing, removing or
reordering any entry breaks every hash after it. The matter row keeps the head (length and last
hash); appending locks that row, so entries get gap-free sequence numbers and concurrent ballots
queue for a few milliseconds instead of forking the chain.

A secret ballot's choice is sealed in the log (encrypted with the field key, ``core.crypto``): the
log can be recounted by ``verify_vote`` on the server, but no page or API decrypts anyone's choice
except for the owner themself.

``verify(matter)`` recomputes the chain, the roll digest and the tally from the log alone, and
compares them with the stored head, the current ballots and the published result.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal

from cryptography.fernet import InvalidToken
from django.db import connection
from django.db.models import Count as CountOf
from django.db.models import Sum

from core import crypto

from . import roll
from .models import Ballot, Choice, LogEntry, Matter, SecretCount, Voter
from .rules import Count, Tally, count

GENESIS = "0" * 64


def entry_hash(entry: LogEntry) -> str:
    body = {
        "matter": entry.matter_id,
        "seq": entry.seq,
        "kind": entry.kind,
        "at": entry.at.isoformat(timespec="microseconds"),
        "voter": entry.voter_id,
        "channel": entry.channel,
        "choice": entry.choice,
        "sealed": entry.sealed,
        "cast_by": entry.cast_by_id,
        "checked_by": entry.checked_by_id,
        "proxy": entry.proxy_id,
        "detail": entry.detail,
        "prev": entry.prev_hash,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


ENTRY_VALUES = """
    INSERT INTO votes_logentry
        (matter_id, seq, kind, at, voter_id, channel, choice, sealed, cast_by_id, checked_by_id, proxy_id, detail,
         prev_hash, hash)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    RETURNING id
"""
MOVE_HEAD = "UPDATE votes_matter SET log_length = %s, log_head = %s WHERE id = %s"


def prepare(matter: Matter, **fields) -> LogEntry:
    """The next entry of ``matter``'s log, hashed, not written yet (``append``, or a caller writing it
    with other statements in one go: ``entry_params``, ``moved``)."""
    entry = LogEntry(matter=matter, seq=matter.log_length + 1, prev_hash=matter.log_head or GENESIS, **fields)
    entry.at = entry.at.astimezone(UTC)  # the hash covers the time as stored and read back
    entry.hash = entry_hash(entry)
    return entry


def entry_params(entry: LogEntry) -> list:
    """The parameters of ``ENTRY_VALUES`` for ``entry``."""
    return [
        entry.matter_id,
        entry.seq,
        entry.kind,
        connection.ops.adapt_datetimefield_value(entry.at),
        entry.voter_id,
        entry.channel,
        entry.choice,
        entry.sealed,
        entry.cast_by_id,
        entry.checked_by_id,
        entry.proxy_id,
        entry.detail,
        entry.prev_hash,
        entry.hash,
    ]


def moved(matter: Matter, entry: LogEntry, pk: int) -> LogEntry:
    """``entry`` as written (its id), and ``matter``'s head moved on to it."""
    entry.pk = pk
    entry._state.adding = False
    matter.log_length, matter.log_head = entry.seq, entry.hash
    return entry


def append(matter: Matter, **fields) -> LogEntry:
    """Append an entry to ``matter``'s log. ``matter`` must have been read with ``select_for_update``
    in the current transaction; its head is moved on here. Two plain statements: a ballot holds the
    vote's lock while they run, so they stay short."""
    entry = prepare(matter, **fields)
    with connection.cursor() as cursor:
        cursor.execute(ENTRY_VALUES, entry_params(entry))
        (pk,) = cursor.fetchone()
        cursor.execute(MOVE_HEAD, [entry.seq, entry.hash, matter.pk])
    return moved(matter, entry, pk)


def seal(choice: str) -> str:
    return crypto.encrypt(choice)


def unseal(sealed: str) -> str:
    return crypto.decrypt(sealed)


def entry_choice(entry: LogEntry) -> str:
    return unseal(entry.sealed) if entry.sealed else entry.choice


# --- tallies --------------------------------------------------------------------------------------------


def current_tally(matter: Matter) -> Tally:
    """The tally from the ballots that count now: one aggregate query (secret ballots: the running
    counts per choice)."""
    if matter.secret:
        rows = SecretCount.objects.filter(matter=matter).values("choice", "area", "heads")
    else:
        rows = Ballot.objects.filter(matter=matter).values("choice").annotate(area=Sum("voter__area"), heads=Sum("voter__heads"))
    weights = {r["choice"]: Count(Decimal(r["area"] or 0), int(r["heads"] or 0)) for r in rows}
    return count(matter.item, Count(matter.total_area or Decimal("0.00"), matter.total_heads or 0), weights)


def voted_count(matter: Matter) -> int:
    return Ballot.objects.filter(matter=matter).aggregate(n=CountOf("id"))["n"]


# --- verification ---------------------------------------------------------------------------------------


@dataclass
class Verification:
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    tally: Tally | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def recount(matter: Matter, entries: list[LogEntry]) -> Tally:
    """The tally from the log alone: the last ballot of each voter counts."""
    last: dict[int, str] = {}
    for entry in entries:
        if entry.kind == LogEntry.Kind.BALLOT:
            choice = entry_choice(entry)
            if choice not in Choice.values:
                raise ValueError(f"entry {entry.seq} holds no valid choice")
            last[entry.voter_id] = choice
    weights: dict[str, Count] = {}
    weight = {
        pk: Count(area, heads) for pk, area, heads in Voter.objects.filter(matter=matter).values_list("id", "area", "heads")
    }
    for voter_id, choice in last.items():
        weights[choice] = weights.get(choice, Count()) + weight[voter_id]
    return count(matter.item, Count(matter.total_area or Decimal("0.00"), matter.total_heads or 0), weights)


def verify(matter: Matter) -> Verification:
    """Check the log of ``matter`` from its first entry: the chain, the roll, the tally (see the module)."""
    result = Verification()
    matter = Matter.objects.get(pk=matter.pk)  # the head and the result as stored now
    entries = list(LogEntry.objects.filter(matter=matter).order_by("seq"))
    result.entries = len(entries)
    prev = GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.seq != expected_seq:
            result.problems.append(f"entry {expected_seq} is missing (found {entry.seq} in its place)")
            break
        if entry.prev_hash != prev:
            result.problems.append(f"entry {entry.seq} does not follow entry {entry.seq - 1} (previous hash differs)")
        if entry_hash(entry) != entry.hash:
            result.problems.append(f"entry {entry.seq} was altered (its hash does not match its contents)")
        prev = entry.hash
    if entries and (matter.log_length != entries[-1].seq or matter.log_head != entries[-1].hash):
        result.problems.append("the log's head kept with the vote does not match its last entry (entries removed or added)")
    if not entries and matter.log_length:
        result.problems.append("the log is empty but the vote records entries")

    opening = next((e for e in entries if e.kind == LogEntry.Kind.OPEN), None)
    if matter.opened_at:
        stored = roll.digest(matter)
        if opening is None or opening.detail != stored or matter.roll_digest != stored:
            result.problems.append("the electorate differs from the one frozen when voting opened")

    try:
        result.tally = recount(matter, entries)
    except (KeyError, ValueError, InvalidToken) as exc:
        result.problems.append(f"the log cannot be recounted: {exc}")
        return result
    current = current_tally(matter)
    if current.as_dict() != result.tally.as_dict():
        result.problems.append("the ballots counted now differ from the recount of the log")
    if matter.result is not None:
        published = matter.result.get("tally")
        if published != result.tally.as_dict():
            result.problems.append("the published result differs from the recount of the log")
        head = matter.result.get("log_head")
        counted = next((e for e in entries if e.hash == head), None)
        if counted is None:
            result.problems.append("the log entry the published result was counted from is gone")
    return result
