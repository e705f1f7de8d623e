"""Everything that changes an owners' vote: one transaction each, preconditions re-checked inside it,
an audit entry for every staff action, notices written with the change (``core.outbox``).

Procedure (``models.TRANSITIONS``): draft → notice published (at least 15 days before voting opens)
→ voting open (the electorate frozen) → voting closed → result published (within 7 days); a vote
can be cancelled until it opens. ``open_and_close_due`` (Celery beat, every minute) opens and closes
votes on time; managers may also do it from the page once the time has come.

Ballots (``cast_ballot``, ``enter_paper_ballot``) go through ``_record``, which locks the vote's row,
appends to the hash-chained log and replaces the voter's counting ballot in one transaction: two
ballots of one voter at once both land in the log, in order, and the later one counts.
"""

import logging
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.concurrency import Conflict, compare_and_set
from core.outbox import Notice, notify, notify_many
from people.models import Organisation, Ownership, Person
from places.models import Place, Unit, ancestor_paths

from . import access, ledger, roll
from .models import (
    NOTICE_DAYS,
    TRANSITIONS,
    Ballot,
    Channel,
    Choice,
    Item,
    LogEntry,
    Matter,
    MatterDocument,
    PaperEntry,
    ProxyAuthorisation,
    SecretCount,
    SilentConsentClause,
    Status,
    UseChange,
    UseChangeConsent,
    Voter,
    VoterMember,
)

log = logging.getLogger("linli.votes")


def matter_link(matter: Matter) -> str:
    return f"/votes/{matter.pk}/"


def earliest_opening(notice_day: date) -> date:
    """The first day voting may open after a notice on ``notice_day``: 物业管理条例 Art 14 asks for the
    notice 15 days before; the notice day itself is not counted (Civil Code Art 201) and the 15 days
    are whole (以上 includes the bound, Art 1259), so voting opens on the 16th day after it at the earliest."""
    return notice_day + timedelta(days=NOTICE_DAYS + 1)


def _check_move(matter: Matter, status: str) -> None:
    if status not in TRANSITIONS[Status(matter.status)]:
        raise ValidationError(
            _("This vote is “%(now)s” and cannot move to “%(next)s”.")
            % {"now": matter.get_status_display(), "next": Status(status).label}
        )


def _move(matter: Matter, version: int | None, status: str, **changes) -> None:
    _check_move(matter, status)
    compare_and_set(matter, version, conflict=Conflict, status=status, **changes)


def _lock(matter: Matter, version: int | None, status: str) -> Matter:
    """The vote's row, locked for the rest of the transaction, checked to be where the user saw it
    (``version``: else ``Conflict``) and able to move to ``status`` (else a clear refusal)."""
    locked = Matter.objects.select_for_update().select_related("scope", "compound").get(pk=matter.pk)
    if version is not None and locked.version != version:
        raise Conflict
    _check_move(locked, status)
    return locked


def _require_manager(by, matter_or_place) -> None:
    allowed = (
        access.can_manage(by, matter_or_place)
        if isinstance(matter_or_place, Matter)
        else access.can_manage_place(by, matter_or_place)
    )
    if not allowed:
        raise PermissionDenied


def _check_window(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("Voting must close after it opens.")})


# --- the matter -----------------------------------------------------------------------------------------------


def create_matter(
    *,
    by,
    scope: Place,
    item: str,
    title: str,
    description: str,
    opens_at: datetime,
    closes_at: datetime,
    secret: bool = False,
    topic=None,
) -> Matter:
    """A new vote in draft, for the owners of a compound or of one building in it."""
    if scope.kind not in (Place.Kind.COMPOUND, Place.Kind.BUILDING):
        raise ValidationError({"scope": _("Owners vote per compound, or per building for a building's own matter.")})
    compound = scope.compound()
    if compound is None:
        raise ValidationError({"scope": _("This building is not in a compound, so it has no owners' assembly.")})
    _require_manager(by, scope)
    if item not in Item.values:
        raise ValidationError({"item": _("Choose one of the matters of Civil Code Art. 278.")})
    _check_window(opens_at, closes_at)
    if topic is not None and not compound.path.startswith(topic.path):
        raise ValidationError({"topic": _("The topic belongs to another community.")})
    with transaction.atomic():
        matter = Matter.objects.create(
            compound=compound,
            scope=scope,
            path=scope.path,
            item=item,
            title=title.strip(),
            description=description.strip(),
            opens_at=opens_at,
            closes_at=closes_at,
            secret=secret,
            topic=topic,
            created_by=by,
        )
        audit.record(actor=by, action="votes.create", obj=matter, item=item, scope=scope.pk)
    return matter


def update_matter(matter: Matter, *, by, version: int | None, **fields) -> Matter:
    """Change a draft's title, description, kind, window or secrecy. Once the notice is out it is fixed."""
    _require_manager(by, matter)
    if matter.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be changed; the notice has gone out."))
    allowed = {"title", "description", "item", "opens_at", "closes_at", "secret"}
    changes = {k: v for k, v in fields.items() if k in allowed}
    if "item" in changes and changes["item"] not in Item.values:
        raise ValidationError({"item": _("Choose one of the matters of Civil Code Art. 278.")})
    for text in ("title", "description"):
        if text in changes:
            changes[text] = changes[text].strip()
            if not changes[text]:
                raise ValidationError({text: _("This field cannot be empty.")})
    _check_window(changes.get("opens_at", matter.opens_at), changes.get("closes_at", matter.closes_at))
    with transaction.atomic():
        compare_and_set(matter, version, **changes)
        audit.record(actor=by, action="votes.update", obj=matter, fields=sorted(changes))
    return matter


UPLOAD_MAX_BYTES = 20 * 1024 * 1024
UPLOAD_TYPES = (b"%PDF", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # PDF, JPEG, PNG


def check_upload(file, field: str) -> None:
    """A document or a scan: PDF, JPEG or PNG by its content (not its name), at most 20 MB."""
    if file.size > UPLOAD_MAX_BYTES:
        raise ValidationError({field: _("The file is larger than 20 MB.")})
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if not head.startswith(UPLOAD_TYPES):
        raise ValidationError({field: _("Upload a PDF, JPEG or PNG file.")})


def add_document(matter: Matter, *, by, title: str, file) -> MatterDocument:
    _require_manager(by, matter)
    if matter.status not in (Status.DRAFT, Status.NOTIFIED):
        raise ValidationError(_("Documents are added before voting opens, so that every owner reads the same."))
    check_upload(file, "file")
    with transaction.atomic():
        document = MatterDocument.objects.create(matter=matter, title=title.strip(), file=file, uploaded_by=by)
        audit.record(actor=by, action="votes.document", obj=matter, document=document.pk)
    return document


def _owners_now(matter: Matter):
    return Person.objects.filter(
        pk__in=Ownership.objects.filter(path__startswith=matter.path).values("person_id"), is_active=True
    )


def _residents_committee_officers(matter: Matter):
    """The residents' committee of the compound's community (物业管理条例 Art 14: it is told of the meeting)."""
    from people.policy import officers_of

    committees = Organisation.objects.filter(
        kind=Organisation.Kind.RESIDENTS_COMMITTEE, place__path__in=ancestor_paths(matter.compound.path)
    ).values_list("pk", flat=True)
    return [p for people in officers_of(list(committees)).values() for p in people]


def send_notice(matter: Matter, *, by, version: int | None, now: datetime | None = None) -> Matter:
    """Publish the notice to every owner in scope and to the residents' committee, at least 15 days before
    voting opens (物业管理条例 Art 14; counted as ``earliest_opening`` says)."""
    _require_manager(by, matter)
    now = now or timezone.now()
    first = earliest_opening(timezone.localdate(now))
    if timezone.localdate(matter.opens_at) < first:
        raise ValidationError(
            _(
                "The notice must go out at least %(n)d days before voting opens: with a notice today, "
                "voting can open on %(day)s at the earliest. Move the opening later."
            )
            % {"n": NOTICE_DAYS, "day": first.isoformat()}
        )
    roll.check_areas(matter.path)
    with transaction.atomic():
        _move(matter, version, Status.NOTIFIED, notice_sent_at=now)
        audit.record(actor=by, action="votes.notice", obj=matter)
        subject = _("Owners' vote: %(title)s") % {"title": matter.title}
        body = _("Voting from %(opens)s to %(closes)s. Read the documents and the procedure in Linli.") % {
            "opens": _local(matter.opens_at),
            "closes": _local(matter.closes_at),
        }
        notify_many(
            [
                Notice(
                    recipients=_owners_now(matter).iterator(chunk_size=2000),
                    subject=subject,
                    body=body,
                    link=matter_link(matter),
                    sms=True,
                ),
                Notice(recipients=_residents_committee_officers(matter), subject=subject, body=body, link=matter_link(matter)),
            ]
        )
    return matter


def cancel_matter(matter: Matter, *, by, version: int | None, reason: str) -> Matter:
    _require_manager(by, matter)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the vote is cancelled.")})
    with transaction.atomic():
        was_noticed = matter.status == Status.NOTIFIED
        _move(matter, version, Status.CANCELLED, cancel_reason=reason.strip())
        audit.record(actor=by, action="votes.cancel", obj=matter)
        if was_noticed:
            notify(
                recipients=list(_owners_now(matter)),
                subject=_("Owners' vote cancelled: %(title)s") % {"title": matter.title},
                body=reason.strip(),
                link=matter_link(matter),
                sms=True,
            )
    return matter


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _due(matter: Matter, by, status: str, now: datetime, moment: datetime, too_early: str) -> None:
    """Opening or closing: by a manager (or the beat task, ``by=None``), from the right status, not
    before the moment the notice gave."""
    if by is not None:
        _require_manager(by, matter)
    _check_move(matter, status)
    if now < moment:
        raise ValidationError(too_early % {"when": _local(moment)})


def open_voting(matter: Matter, *, by=None, version: int | None = None, now: datetime | None = None) -> Matter:
    """Open voting at its time: freeze the electorate, fix whether deemed votes are shown (the compound's
    silent-consent clause as it stands now), and start the log with the roll's digest."""
    now = now or timezone.now()
    _due(matter, by, Status.OPEN, now, matter.opens_at, _("Voting opens at %(when)s, as the notice said."))
    with transaction.atomic():
        locked = _lock(matter, version, Status.OPEN)
        total_area, total_heads, digest = roll.freeze(locked)
        clause = SilentConsentClause.objects.filter(compound=locked.compound).values_list("clause", flat=True).first()
        _move(
            locked,
            None,
            Status.OPEN,
            opened_at=now,
            total_area=total_area,
            total_heads=total_heads,
            roll_digest=digest,
            silent_consent_clause=clause or "",
        )
        ledger.append(locked, kind=LogEntry.Kind.OPEN, at=now, detail=digest)
        if locked.secret:
            SecretCount.objects.bulk_create([SecretCount(matter=locked, choice=c) for c in Choice.values])
        audit.record(actor=by, action="votes.open", obj=locked, voters=total_heads, area=str(total_area))
    return locked


def close_voting(matter: Matter, *, by=None, version: int | None = None, now: datetime | None = None) -> Matter:
    now = now or timezone.now()
    _due(matter, by, Status.CLOSED, now, matter.closes_at, _("Voting closes at %(when)s, as the notice said."))
    with transaction.atomic():
        locked = _lock(matter, version, Status.CLOSED)
        ledger.append(locked, kind=LogEntry.Kind.CLOSE, at=now, detail=locked.log_head)
        _move(locked, None, Status.CLOSED, closed_at=now)
        audit.record(actor=by, action="votes.close", obj=locked)
    return locked


def publish_result(matter: Matter, *, by, version: int | None, now: datetime | None = None) -> Matter:
    """Count from the ballots, keep the count with the log head it came from, tell the owners and the
    residents' committee. Paper ballots still waiting for a second entry or with a mismatch must be
    settled first."""
    _require_manager(by, matter)
    now = now or timezone.now()
    _check_move(matter, Status.PUBLISHED)
    with transaction.atomic():
        locked = _lock(matter, version, Status.PUBLISHED)
        # under the lock: a sheet typed at this moment is either counted already or refuses publication
        unsettled = PaperEntry.objects.filter(
            matter=matter, status__in=[PaperEntry.Status.PENDING, PaperEntry.Status.MISMATCH]
        ).count()
        if unsettled:
            raise ValidationError(
                _("%(n)d paper ballots still wait for a second entry or have a mismatch. Settle them before publishing.")
                % {"n": unsettled}
            )
        tally = ledger.current_tally(locked)
        result = {
            "tally": tally.as_dict(),
            "with_deemed": tally.with_deemed().as_dict() if locked.silent_consent else None,
            "log_head": locked.log_head,
            "log_length": locked.log_length,
            "counted_at": now.isoformat(),
            "voted": ledger.voted_count(locked),
        }
        _move(locked, None, Status.PUBLISHED, published_at=now, result=result)
        audit.record(actor=by, action="votes.publish", obj=locked, approved=tally.approved)
        verdict = _("approved") if tally.approved else _("not approved")
        members = Person.objects.filter(pk__in=VoterMember.objects.filter(matter=locked).values("person_id"), is_active=True)
        subject = _("Result of the owners' vote “%(title)s”: %(verdict)s") % {"title": locked.title, "verdict": verdict}
        notify_many(
            [
                Notice(recipients=members.iterator(chunk_size=2000), subject=subject, link=matter_link(locked), sms=True),
                Notice(recipients=_residents_committee_officers(locked), subject=subject, link=matter_link(locked)),
            ]
        )
    return locked


def open_and_close_due(now: datetime | None = None) -> dict[str, int]:
    """Open every noticed vote whose time has come and close every open one whose window has ended.
    Idempotent: a vote already moved is skipped (its status no longer matches)."""
    now = now or timezone.now()
    opened = closed = 0
    for matter in Matter.objects.filter(status=Status.NOTIFIED, opens_at__lte=now):
        try:
            open_voting(matter, now=now)
            opened += 1
        except Conflict:
            continue
        except ValidationError as exc:
            log.warning("Owners' vote %s cannot open: %s", matter.pk, "; ".join(exc.messages))
            continue
    for matter in Matter.objects.filter(status=Status.OPEN, closes_at__lte=now):
        try:
            close_voting(matter, now=now)
            closed += 1
        except (Conflict, ValidationError):  # closed meanwhile by a manager
            continue
    return {"opened": opened, "closed": closed}


# --- ballots ------------------------------------------------------------------------------------------------------


# The vote's columns a ballot needs: the lock reads nothing more.
LOCK_FIELDS = ("id", "status", "closes_at", "secret", "log_length", "log_head")


def _lock_for_ballot(matter_pk: int) -> Matter:
    """The vote's row, locked until the transaction ends (PostgreSQL: ``FOR UPDATE``; SQLite's
    transactions start IMMEDIATE, so its writers already queue), with the columns a ballot needs."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT {', '.join(LOCK_FIELDS)} FROM votes_matter WHERE id = %s{lock}"  # noqa: S608 (constants only)
    return next(iter(Matter.objects.raw(sql, [matter_pk])))


UPSERT_BALLOT = """
    INSERT INTO votes_ballot (matter_id, voter_id, choice, receipt, channel, seq, cast_at, times)
    VALUES (%s, %s, %s, %s, %s, %s, %s, 1)
    ON CONFLICT (voter_id) DO UPDATE SET
        choice = excluded.choice, receipt = excluded.receipt, channel = excluded.channel,
        seq = excluded.seq, cast_at = excluded.cast_at, times = votes_ballot.times + 1
    RETURNING times
"""


# PostgreSQL: data-modifying CTEs all run, in one statement (built from the constants above only).
CAST_IN_ONE = f"""
    WITH entry AS ({ledger.ENTRY_VALUES}),
    head AS ({ledger.MOVE_HEAD}),
    ballot AS ({UPSERT_BALLOT})
    SELECT (SELECT id FROM entry), (SELECT times FROM ballot)
"""  # noqa: S608


def _record(
    matter: Matter,
    voter: Voter,
    choice: str,
    *,
    channel: str,
    cast_by,
    checked_by=None,
    proxy=None,
    statuses=(Status.OPEN,),
    now: datetime | None = None,
) -> Ballot:
    """Append the ballot to the log and make it the voter's counting ballot (see the module): under the
    vote's row lock, a few short statements, so that ballots queue for as little time as possible."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_for_ballot(matter.pk)
        if locked.status not in statuses or (locked.status == Status.OPEN and now >= locked.closes_at):
            raise ValidationError(_("Voting on this matter is closed."))
        fields = {
            "kind": LogEntry.Kind.BALLOT,
            "at": now,
            "voter": voter,
            "channel": channel,
            "choice": "" if locked.secret else choice,
            "sealed": ledger.seal(choice) if locked.secret else "",
            "cast_by": cast_by,
            "checked_by": checked_by,
            "proxy": proxy,
        }
        if not locked.secret and connection.vendor == "postgresql":
            # an open ballot on PostgreSQL: the entry, the head and the counting ballot in one round trip
            entry = ledger.prepare(locked, **fields)
            ballot = [locked.pk, voter.pk, choice, "", channel, entry.seq, connection.ops.adapt_datetimefield_value(now)]
            with connection.cursor() as cursor:
                cursor.execute(CAST_IN_ONE, [*ledger.entry_params(entry), entry.seq, entry.hash, locked.pk, *ballot])
                pk, times = cursor.fetchone()
            ledger.moved(locked, entry, pk)
            return Ballot(
                matter_id=locked.pk, voter=voter, choice=choice, channel=channel, seq=entry.seq, cast_at=now, times=times
            )
        entry = ledger.append(locked, **fields)
        stored_choice, receipt = choice, ""
        if locked.secret:
            # the previous choice comes off its running total, the new one goes on
            previous = Ballot.objects.select_for_update().filter(voter=voter).values_list("receipt", flat=True).first()
            counts = SecretCount.objects.filter(matter=locked)
            if previous:
                counts.filter(choice=ledger.unseal(previous)).update(area=F("area") - voter.area, heads=F("heads") - voter.heads)
            counts.filter(choice=choice).update(area=F("area") + voter.area, heads=F("heads") + voter.heads)
            stored_choice, receipt = "", ledger.seal(choice)
        with connection.cursor() as cursor:
            cursor.execute(
                UPSERT_BALLOT,
                [
                    locked.pk,
                    voter.pk,
                    stored_choice,
                    receipt,
                    channel,
                    entry.seq,
                    connection.ops.adapt_datetimefield_value(now),
                ],
            )
            (times,) = cursor.fetchone()
    return Ballot(
        matter_id=locked.pk,
        voter=voter,
        choice=stored_choice,
        receipt=receipt,
        channel=channel,
        seq=entry.seq,
        cast_at=now,
        times=times,
    )


def _check_choice(choice: str) -> None:
    if choice not in Choice.values:
        raise ValidationError({"choice": _("Choose agree, disagree or abstain.")})


def cast_ballot(matter: Matter, *, voter: Voter, choice: str, by, now: datetime | None = None) -> Ballot:
    """An owner's ballot online, as the designated (or sole) owner of ``voter`` or as its proxy. They can
    change it until voting closes; the last one counts and every one stays in the log. Only ``matter.pk``
    is read here: the vote's row is locked and checked when the ballot is recorded."""
    _check_choice(choice)
    if voter.matter_id != matter.pk:
        raise PermissionDenied
    proxy = None
    if voter.designated_id == by.pk:
        channel = Channel.ONLINE
    else:
        proxy = access.proxy_for(by, voter)
        if proxy is None:
            if VoterMember.objects.filter(voter=voter, person=by).exists():
                raise ValidationError(
                    _("The co-owners of these units vote through the co-owner they designate. Designate one of you first.")
                )
            raise PermissionDenied
        channel = Channel.PROXY
    return _record(matter, voter, choice, channel=channel, cast_by=by, proxy=proxy, now=now)


def my_choice(voter: Voter, viewer=None) -> str:
    """The voter's counting choice, for the owner themself (a secret ballot is unsealed only here). A
    ``viewer`` who is not the owner casting it (a proxy) sees it only if they cast that ballot
    themselves: an owner's own secret choice is not shown to the proxy they later authorised."""
    try:
        ballot = voter.ballot  # no query when read with select_related("ballot"), as access.voters_for does
    except Ballot.DoesNotExist:
        return ""
    by_someone_else = viewer is not None and voter.designated_id != viewer.pk
    if by_someone_else and not LogEntry.objects.filter(matter_id=ballot.matter_id, seq=ballot.seq, cast_by=viewer).exists():
        return ""
    if not ballot.receipt:
        return ballot.choice
    return ledger.unseal(ballot.receipt)


def enter_paper_ballot(matter: Matter, *, voter: Voter, sheet: str, choice: str, by, now: datetime | None = None) -> PaperEntry:
    """One typing of a signed paper ballot (指导规则: signed by the owner). The sheet counts when a second
    person's typing matches the first; a mismatch is flagged until a third person's typing matches one
    of the two. Paper ballots are entered while voting is open and after it closes, until publication."""
    _require_manager(by, matter)
    _check_choice(choice)
    if voter.matter_id != matter.pk:
        raise PermissionDenied
    sheet = sheet.strip()
    if not sheet:
        raise ValidationError({"sheet": _("Type the number printed on the ballot sheet.")})
    with transaction.atomic():
        locked = Matter.objects.select_for_update().get(pk=matter.pk)
        if locked.status not in (Status.OPEN, Status.CLOSED):
            raise ValidationError(_("Paper ballots are entered once voting opens and until the result is published."))
        open_entries = list(
            PaperEntry.objects.filter(voter=voter, status__in=[PaperEntry.Status.PENDING, PaperEntry.Status.MISMATCH])
        )
        if any(e.entered_by_id == by.pk for e in open_entries):
            raise ValidationError(_("You have already typed this ballot. Another person must type it to check it."))
        sealed = ledger.seal(choice) if locked.secret else ""
        entry = PaperEntry.objects.create(
            matter=locked, voter=voter, sheet=sheet, choice="" if locked.secret else choice, sealed=sealed, entered_by=by
        )

        def same(other: PaperEntry) -> bool:
            theirs = ledger.unseal(other.sealed) if other.sealed else other.choice
            return theirs == choice and other.sheet == sheet

        match = next((e for e in open_entries if same(e)), None)
        if match is not None:
            PaperEntry.objects.filter(pk__in=[match.pk, entry.pk]).update(status=PaperEntry.Status.MATCHED)
            others = [e.pk for e in open_entries if e.pk != match.pk]
            PaperEntry.objects.filter(pk__in=others).update(status=PaperEntry.Status.SET_ASIDE)
            entry.status = PaperEntry.Status.MATCHED
            _record(
                locked,
                voter,
                choice,
                channel=Channel.PAPER,
                cast_by=match.entered_by,
                checked_by=by,
                statuses=(Status.OPEN, Status.CLOSED),
                now=now,
            )
        elif open_entries:
            PaperEntry.objects.filter(pk__in=[e.pk for e in open_entries] + [entry.pk]).update(status=PaperEntry.Status.MISMATCH)
            entry.status = PaperEntry.Status.MISMATCH
        audit.record(actor=by, action="votes.paper", obj=locked, voter=voter.pk, status=entry.status)
    return entry


def set_aside_paper_entry(entry: PaperEntry, *, by, reason: str) -> PaperEntry:
    """Take a typing out of the comparison (a sheet that is invalid, or typed against the wrong owner).
    A manager may; it never touches a ballot already counted."""
    _require_manager(by, entry.matter)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this typing is set aside.")})
    with transaction.atomic():
        Matter.objects.select_for_update().get(pk=entry.matter_id)
        if not PaperEntry.objects.filter(pk=entry.pk, status__in=[PaperEntry.Status.PENDING, PaperEntry.Status.MISMATCH]).update(
            status=PaperEntry.Status.SET_ASIDE
        ):
            raise ValidationError(_("This typing is already settled."))
        audit.record(actor=by, action="votes.paper_set_aside", obj=entry.matter, entry=entry.pk, reason=reason.strip())
    entry.status = PaperEntry.Status.SET_ASIDE
    return entry


def designate(matter: Matter, *, voter: Voter, person: Person, by) -> Voter:
    """The co-owner who casts the ballot of co-owned units. A manager records a written designation
    directly; in the app each co-owner names one of them, and when all name the same person, that is the designee."""
    if voter.matter_id != matter.pk:
        raise PermissionDenied
    members = list(VoterMember.objects.filter(voter=voter))
    if not access.can_manage(by, matter) and by.pk not in {m.person_id for m in members}:
        raise PermissionDenied
    if person.pk not in {m.person_id for m in members}:
        raise ValidationError({"person": _("Only one of the co-owners can be designated.")})
    if matter.status in (Status.PUBLISHED, Status.CANCELLED):
        raise ValidationError(_("This vote is over."))
    with transaction.atomic():
        if access.can_manage(by, matter):
            Voter.objects.filter(pk=voter.pk).update(designated=person, designated_in_writing=True)
            voter.designated, voter.designated_in_writing = person, True
            audit.record(actor=by, action="votes.designate", obj=matter, voter=voter.pk, person=person.pk)
            return voter
        mine = next(m for m in members if m.person_id == by.pk)
        VoterMember.objects.filter(pk=mine.pk).update(names=person)
        mine.names_id = person.pk
        if all(m.names_id == person.pk for m in members):
            Voter.objects.filter(pk=voter.pk).update(designated=person, designated_in_writing=False)
            voter.designated, voter.designated_in_writing = person, False
        elif not voter.designated_in_writing and voter.designated_id is not None:
            # they no longer all name the same person: nobody casts for all until they do again
            Voter.objects.filter(pk=voter.pk).update(designated=None)
            voter.designated = None
    return voter


def record_proxy(matter: Matter, *, voter: Voter, proxy: Person, document, by, note: str = "") -> ProxyAuthorisation:
    """A written proxy (物业管理条例 Art 12), recorded by a manager with the signed authorisation attached.
    A new proxy replaces the voter's earlier one."""
    _require_manager(by, matter)
    if voter.matter_id != matter.pk:
        raise PermissionDenied
    if not document:
        raise ValidationError({"document": _("Attach the signed written authorisation.")})
    check_upload(document, "document")
    if voter.kind == Voter.Kind.UNRECORDED:
        raise ValidationError(
            _("The owner of these units is not recorded, so nobody can prove the authorisation. Record the owner first.")
        )
    if matter.status in (Status.PUBLISHED, Status.CANCELLED):
        raise ValidationError(_("This vote is over."))
    with transaction.atomic():
        ProxyAuthorisation.objects.filter(voter=voter, revoked_at__isnull=True).update(revoked_at=timezone.now())
        authorisation = ProxyAuthorisation.objects.create(
            matter=matter, voter=voter, proxy=proxy, document=document, note=note.strip(), recorded_by=by
        )
        audit.record(actor=by, action="votes.proxy", obj=matter, voter=voter.pk, proxy=proxy.pk)
        notify(
            recipients=[proxy],
            subject=_("You hold a proxy in the owners' vote “%(title)s”") % {"title": matter.title},
            link=matter_link(matter),
        )
    return authorisation


def revoke_proxy(authorisation: ProxyAuthorisation, *, by) -> None:
    _require_manager(by, authorisation.matter)
    with transaction.atomic():
        ProxyAuthorisation.objects.filter(pk=authorisation.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit.record(actor=by, action="votes.proxy_revoke", obj=authorisation.matter, voter=authorisation.voter_id)


# --- silent consent -----------------------------------------------------------------------------------------------


def record_silent_consent(compound: Place, *, by, clause: str, adopted_on: date) -> SilentConsentClause:
    """Switch on the second, deemed-consent tally for a compound by recording the covenant clause that
    allows it (Civil Code Art 140). Votes already open keep what they opened with."""
    if compound.kind != Place.Kind.COMPOUND:
        raise ValidationError(_("Silent consent is a clause of a compound's management covenant."))
    _require_manager(by, compound)
    if not clause.strip():
        raise ValidationError({"clause": _("Quote the clause of the management covenant.")})
    with transaction.atomic():
        record, _created = SilentConsentClause.objects.update_or_create(
            compound=compound, defaults={"clause": clause.strip(), "adopted_on": adopted_on, "recorded_by": by}
        )
        audit.record(actor=by, action="votes.silent_consent_on", obj=compound)
    return record


def remove_silent_consent(compound: Place, *, by) -> None:
    _require_manager(by, compound)
    with transaction.atomic():
        SilentConsentClause.objects.filter(compound=compound).delete()
        audit.record(actor=by, action="votes.silent_consent_off", obj=compound)


# --- a home turned into business premises (Civil Code Art 279) -------------------------------------------------------


def request_use_change(*, unit: Unit, by, purpose: str) -> UseChange:
    """An owner asks to use their home for business. Every other owner in the building is an interested
    owner by default (SPC interpretation Art 11) and is asked; each must consent."""
    if not Ownership.objects.filter(unit=unit, person=by).exists():
        raise PermissionDenied
    if unit.kind != Unit.Kind.HOME:
        raise ValidationError({"unit": _("Only a home needs the neighbours' consent to become business premises.")})
    if not purpose.strip():
        raise ValidationError({"purpose": _("Say what business the home would be used for.")})
    if UseChange.objects.filter(unit=unit, status=UseChange.Status.COLLECTING).exists():
        raise ValidationError(_("Consent is already being collected for this home."))
    with transaction.atomic():
        others = Unit.objects.filter(building_id=unit.building_id).exclude(pk=unit.pk)
        unrecorded = others.filter(Q(ownerships__isnull=True) | ~Q(developer_holding="")).distinct().count()
        request = UseChange.objects.create(
            unit=unit, path=unit.path, applicant=by, purpose=purpose.strip(), unrecorded_parts=unrecorded
        )
        interested = (
            Ownership.objects.filter(unit__building_id=unit.building_id)
            .exclude(person=by)
            .values_list("person_id", flat=True)
            .distinct()
        )
        UseChangeConsent.objects.bulk_create([UseChangeConsent(request=request, person_id=p) for p in interested])
        audit.record(actor=by, action="votes.use_change", obj=request, unit=unit.pk)
        _ask_consent(request, Person.objects.filter(pk__in=list(interested)))
        if not interested:
            _settle(request)
    return request


def _ask_consent(request: UseChange, people) -> None:
    notify(
        recipients=list(people),
        subject=_("Your consent is asked: %(unit)s to become business premises") % {"unit": request.unit},
        body=request.purpose,
        link=f"/votes/use-changes/{request.pk}/",
        sms=True,
    )


def add_interested_owner(request: UseChange, *, person: Person, by) -> UseChangeConsent:
    """An owner elsewhere in the compound who showed the change would harm them (SPC interpretation Art 11)."""
    if not access.can_manage_use_change(by, request):
        raise PermissionDenied
    if not access.owns_in_same_compound(person, request):
        raise ValidationError({"person": _("Only an owner in the same compound can be an interested owner.")})
    same_building = Ownership.objects.filter(person=person, unit__building_id=request.unit.building_id).exists()
    with transaction.atomic():
        locked = UseChange.objects.select_for_update().get(pk=request.pk)
        if locked.status != UseChange.Status.COLLECTING:
            raise ValidationError(_("Consent is no longer being collected."))
        basis = UseChangeConsent.Basis.SAME_BUILDING if same_building else UseChangeConsent.Basis.AFFECTED
        consent, created = UseChangeConsent.objects.get_or_create(request=locked, person=person, defaults={"basis": basis})
        if created:
            audit.record(actor=by, action="votes.use_change_add", obj=request, person=person.pk)
            _ask_consent(request, [person])
    return consent


def answer_use_change(request: UseChange, *, by, answer: str) -> UseChange:
    """An interested owner consents or refuses. One refusal ends it; consent from all approves it."""
    if answer not in (UseChangeConsent.Answer.CONSENT, UseChangeConsent.Answer.REFUSE):
        raise ValidationError({"answer": _("Consent or refuse.")})
    with transaction.atomic():
        locked = UseChange.objects.select_for_update().get(pk=request.pk)
        if locked.status != UseChange.Status.COLLECTING:
            raise ValidationError(_("Consent is no longer being collected."))
        updated = UseChangeConsent.objects.filter(request=locked, person=by).update(answer=answer, answered_at=timezone.now())
        if not updated:
            raise PermissionDenied
        _settle(locked)
    request.status = locked.status
    return locked


def _settle(request: UseChange) -> None:
    answers = list(UseChangeConsent.objects.filter(request=request).values_list("answer", flat=True))
    if UseChangeConsent.Answer.REFUSE in answers:
        status = UseChange.Status.REFUSED
    elif all(a == UseChangeConsent.Answer.CONSENT for a in answers) and (not request.unrecorded_parts or request.paper_consents):
        status = UseChange.Status.APPROVED
    else:
        return
    UseChange.objects.filter(pk=request.pk).update(status=status, decided_at=timezone.now(), version=request.version + 1)
    request.status = status
    notify(
        recipients=[request.applicant],
        subject=_("%(unit)s as business premises: %(status)s") % {"unit": request.unit, "status": UseChange.Status(status).label},
        link=f"/votes/use-changes/{request.pk}/",
    )


def withdraw_use_change(request: UseChange, *, by) -> UseChange:
    if request.applicant_id != by.pk:
        raise PermissionDenied
    with transaction.atomic():
        if not UseChange.objects.filter(pk=request.pk, status=UseChange.Status.COLLECTING).update(
            status=UseChange.Status.WITHDRAWN, decided_at=timezone.now(), version=F("version") + 1
        ):
            raise ValidationError(_("Consent is no longer being collected."))
        request.status = UseChange.Status.WITHDRAWN
        audit.record(actor=by, action="votes.use_change_withdraw", obj=request)
        asked = Person.objects.filter(pk__in=request.consents.values("person_id"))
        notify(
            recipients=list(asked),
            subject=_("Withdrawn: %(unit)s will not become business premises") % {"unit": request.unit},
            link=f"/votes/use-changes/{request.pk}/",
        )
    return request


def record_paper_consents(request: UseChange, *, by, document) -> UseChange:
    """The signed consents of the building's owners who are not recorded as persons (or the developer's),
    collected on paper and attached by a manager; the request is then settled like any answer."""
    if not access.can_manage_use_change(by, request):
        raise PermissionDenied
    if not document:
        raise ValidationError({"document": _("Attach the signed consents.")})
    check_upload(document, "document")
    with transaction.atomic():
        locked = UseChange.objects.select_for_update().get(pk=request.pk)
        if locked.status != UseChange.Status.COLLECTING:
            raise ValidationError(_("Consent is no longer being collected."))
        locked.paper_consents = document
        locked.paper_consents_by = by
        locked.save(update_fields=["paper_consents", "paper_consents_by", "updated_at"])
        audit.record(actor=by, action="votes.use_change_paper", obj=locked)
        _settle(locked)
    return locked
