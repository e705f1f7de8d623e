"""State changes on cases: report, route, respond, work on, resolve, confirm, reopen, rate, merge,
assign, escalate. Each action runs in one transaction, re-checks its preconditions, writes the
case's timeline and an audit entry, and notifies through the outbox (sent only on commit).

Concurrency: every status change is a compare-and-set on ``(status, version)``; of two people acting
on one case at once, one wins and the other gets ``Conflict`` (nothing half-done, nothing overwritten).
The escalation sweep locks the due rows it takes (``skip_locked``), so two sweeps never escalate a
case twice.
"""

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit, concurrency, workdays
from core.concurrency import compare_and_set
from core.outbox import Notice, notify_many
from people.models import Membership, Organisation, Person, Role
from places.models import Place, Unit, ancestor_paths

from . import access
from .models import (
    OPEN_STATUSES,
    TRANSITIONS,
    Case,
    CaseEvent,
    Category,
    Channel,
    HandlerKind,
    Level,
    Location,
    Open311Key,
    Photo,
    Rating,
    Status,
    Supporter,
)
from .photos import CleanPhoto

REPORTABLE_KINDS = frozenset({Place.Kind.BUILDING, Place.Kind.COMPOUND, Place.Kind.STREET, Place.Kind.LANE})
# Who is asked at each step of the 三长制 chain (DOMAIN-RULES §5.3).
LEVEL_ROLES = {
    Level.BUILDING: [Role.BUILDING_LEADER],
    Level.LANE_STREET: [Role.LANE_LEADER, Role.STREET_LEADER],
    Level.COMMUNITY: [Role.COMMUNITY_STAFF],
    Level.SUBDISTRICT: [Role.SUBDISTRICT_ADMIN],
}
SWEEP_BATCH = 500


class Conflict(concurrency.Conflict):
    """Someone else changed the case first."""

    message = gettext_lazy("Someone else changed this case a moment ago. Please look at it again.")


def overdue_step_days() -> int:
    """After a missed resolution deadline, each further step waits this many working days."""
    return getattr(settings, "CASE_OVERDUE_STEP_WORKING_DAYS", 2)


# --- routing ---------------------------------------------------------------------------------


def ancestry(place: Place) -> list[Place]:
    """The place and its ancestors, root first (one plain query: every report asks it)."""
    ids = place.ancestor_ids
    if not ids:
        return []
    sql = f"SELECT id, kind, name, path FROM places_place WHERE id IN ({', '.join(['%s'] * len(ids))})"  # noqa: S608
    found = {p.pk: p for p in Place.objects.raw(sql, ids)}
    return [found[i] for i in ids if i in found]


def area_of(place: Place, chain: list[Place] | None = None) -> Place:
    """The compound a place belongs to (or the community/village where there is no compound)."""
    chain = chain or ancestry(place)
    for kinds in ({Place.Kind.COMPOUND}, {Place.Kind.COMMUNITY, Place.Kind.VILLAGE}):
        found = [p for p in chain if p.kind in kinds]
        if found:
            return found[-1]
    return chain[0]


def full_name(place: Place, chain: list[Place] | None = None) -> str:
    """桂城街道 灯湖社区 中铁建水岸公馆 4栋: the address Linli writes and Open311 clients send back."""
    return " ".join(p.name for p in chain or ancestry(place))


def _route_sql(n: int) -> str:
    """The organisations that may handle a case at a place with ``n`` ancestors (itself included), written
    out: every report asks it, and the ORM's ``Exists`` costs more to build than the query to run."""
    ids = ", ".join(["%s"] * n)  # placeholders only: every value is a parameter
    return (
        f"SELECT o.* FROM people_organisation o WHERE (o.place_id IN ({ids}) AND o.kind IN (%s, %s, %s, %s))"  # noqa: S608
        " OR (o.kind = %s AND EXISTS (SELECT 1 FROM people_organisation_served_places s"
        f" WHERE s.organisation_id = o.id AND s.place_id IN ({ids})))"  # noqa: S608
    )


def route(category: Category, place: Place) -> Organisation | None:
    """The organisation that handles a case of this category here.

    Property-company categories go to the company serving the compound, else to its self-governing
    group (a compound without a property company, like 桂南小区), else to the residents' committee;
    every other kind falls back to the residents' committee too.
    """
    ids = place.ancestor_ids
    # One query: the groups and committees at the place or above it, and the property companies serving
    # it (companies themselves sit at the sub-district, so "at an ancestor" is not enough for them).
    routed = [
        Organisation.Kind.SELF_GOVERNING,
        Organisation.Kind.OWNERS_COMMITTEE,
        Organisation.Kind.MUTUAL_AID,
        Organisation.Kind.RESIDENTS_COMMITTEE,
    ]
    found = list(Organisation.objects.raw(_route_sql(len(ids)), [*ids, *routed, Organisation.Kind.PROPERTY_COMPANY, *ids]))
    companies = [o for o in found if o.kind == Organisation.Kind.PROPERTY_COMPANY]
    candidates = [o for o in found if o.kind != Organisation.Kind.PROPERTY_COMPANY]

    def nearest(kind: str) -> Organisation | None:
        found = companies if kind == Organisation.Kind.PROPERTY_COMPANY else [o for o in candidates if o.kind == kind]
        return max(found, key=lambda o: len(o.path), default=None)

    order = {
        HandlerKind.PROPERTY_COMPANY: [Organisation.Kind.PROPERTY_COMPANY, Organisation.Kind.SELF_GOVERNING],
        HandlerKind.SELF_GOVERNING: [Organisation.Kind.SELF_GOVERNING],
        HandlerKind.OWNERS_COMMITTEE: [Organisation.Kind.OWNERS_COMMITTEE],
        HandlerKind.RESIDENTS_COMMITTEE: [],
        HandlerKind.MUTUAL_AID: [Organisation.Kind.MUTUAL_AID],
    }[category.handler_kind]
    for kind in [*order, Organisation.Kind.RESIDENTS_COMMITTEE]:
        org = nearest(kind)
        if org is not None:
            return org
    return None


def categories_for(place: Place) -> list[Category]:
    """Active categories that apply at a place: the sub-district's and those of its own community."""
    return list(Category.objects.filter(active=True).filter(Q(place__isnull=True) | Q(place_id__in=place.ancestor_ids)))


# --- who hears about it ----------------------------------------------------------------------


CHAIN_SQL = (
    "SELECT p.*, r.path AS linli_role_path, r.role AS linli_role FROM people_person p"
    " JOIN people_roleassignment r ON r.person_id = p.id"
    " WHERE r.ended_at IS NULL AND r.role IN ({roles}) AND r.path IN ({paths}) ORDER BY r.id"
)


def chain_holders(paths: Iterable[str]) -> dict[tuple[str, int], list[Person]]:
    """(case path, level) → the people holding that level's roles over it, for many paths in one plain query
    (every report and every sweep batch asks it; role and person instances cost more to build than the query)."""
    paths = set(paths)
    ancestors = sorted({a for p in paths for a in ancestor_paths(p)})
    if not ancestors:
        return defaultdict(list)
    level_of = {role: level for level, roles in LEVEL_ROLES.items() for role in roles}
    sql = CHAIN_SQL.format(roles=", ".join(["%s"] * len(level_of)), paths=", ".join(["%s"] * len(ancestors)))
    by_path: dict[str, list[Person]] = defaultdict(list)
    for person in Person.objects.raw(sql, [*level_of, *ancestors]):
        by_path[person.linli_role_path].append(person)
    result: dict[tuple[str, int], list[Person]] = defaultdict(list)
    for p in paths:  # each path's own ancestors, not every role against every path (the sweep's 500)
        for ancestor in ancestor_paths(p):
            for person in by_path.get(ancestor, ()):
                result[(p, level_of[person.linli_role])].append(person)
    return result


def first_level_with_people(holders: dict, path: str, above: int = -1) -> int:
    """The next level above ``above`` where somebody holds the role (the sub-district at the latest)."""
    for level in Level.values:
        if level > above and holders.get((path, level)):
            return level
    return Level.SUBDISTRICT


HANDLER_STAFF_SQL = (
    "SELECT p.* FROM people_person p JOIN people_roleassignment r ON r.person_id = p.id"
    " WHERE r.ended_at IS NULL AND r.organisation_id = %s AND r.role = %s AND r.path IN ({paths}) ORDER BY r.id"
)
OFFICERS_SQL = (
    "SELECT p.* FROM people_person p JOIN people_membership m ON m.person_id = p.id"
    " WHERE m.organisation_id = %s AND m.position IN (%s, %s) ORDER BY m.id"
)


def handler_staff(case: Case) -> list[Person]:
    """Who works for the handling organisation: its property staff over the place, or its officers (one
    plain query: every report asks it)."""
    if case.handler_id is None:
        return []
    if case.handler.kind == Organisation.Kind.PROPERTY_COMPANY:
        paths = ancestor_paths(case.path)
        sql = HANDLER_STAFF_SQL.format(paths=", ".join(["%s"] * len(paths)))
        return list(Person.objects.raw(sql, [case.handler_id, Role.PROPERTY_STAFF, *paths]))
    officers = [Membership.Position.CHAIR, Membership.Position.SECRETARY]
    return list(Person.objects.raw(OFFICERS_SQL, [case.handler_id, *officers]))


def _link(case: Case) -> str:
    return f"/cases/{case.pk}/"


# --- reporting -------------------------------------------------------------------------------


def _next_escalation(case: Case, now: datetime) -> datetime | None:
    if case.status not in OPEN_STATUSES or case.level >= Level.SUBDISTRICT:
        return None
    if case.resolve_by > now:
        due = case.resolve_by
    else:
        due = workdays.add_working_days(now, overdue_step_days())
    if case.responded_at is None:
        due = min(due, case.respond_by)
    return due


def submit_case(
    *,
    reporter: Person | None,
    category: Category,
    place: Place,
    description: str,
    location: str = Location.BUILDING,
    unit: Unit | None = None,
    photos: list[CleanPhoto] = (),
    channel: str = Channel.APP,
    recorded_by: Person | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    details: dict | None = None,
    now: datetime | None = None,
) -> Case:
    """Report a problem. Precondition: the reporter lives or owns in the compound (or the recorder
    holds a leader or staff role over the place; or the channel is an Open311 client).

    Routes the case to its handler, sets its deadlines (first response in hours; resolution in
    working days), tells the building leader (the first responder) and the handler; an emergency also
    goes straight to community staff by SMS.
    """
    now = now or timezone.now()
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Please describe the problem.")})
    if not category.active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    if category.place_id and category.place_id not in place.ancestor_ids:
        raise ValidationError({"category": _("This category is not used here.")})
    if place.kind not in REPORTABLE_KINDS:
        raise ValidationError({"place": _("Choose a building or a compound.")})
    if unit is not None and unit.building_id != place.pk:
        raise ValidationError({"unit": _("That home is not in this building.")})
    if recorded_by is not None and not access.can_report_for_others(recorded_by, place):
        raise PermissionDenied
    chain = ancestry(place)
    area = area_of(place, chain)
    open311 = reporter is None and channel == Channel.OPEN311
    if recorded_by is None and not open311 and not access.can_report_at(reporter, place, area):
        raise PermissionDenied
    if len(photos) > 6:
        raise ValidationError({"photos": _("At most %(n)d photos.") % {"n": 6}})
    missing = [a["code"] for a in category.attributes if a.get("required") and not (details or {}).get(a["code"])]
    if missing:
        raise ValidationError({"details": _("Please answer: %(q)s") % {"q": ", ".join(missing)}})

    holders = chain_holders([place.path])
    level = first_level_with_people(holders, place.path)
    with transaction.atomic():
        case = Case(
            category=category,
            request_kind=category.request_kind,
            place=place,
            unit=unit,
            location=location,
            path=place.path,
            area_path=area.path,
            address=full_name(place, chain),
            description=description,
            details=details or {},
            reporter=reporter,
            contact_name=contact_name,
            contact_phone=contact_phone,
            channel=channel,
            recorded_by=recorded_by,
            handler=route(category, place),
            level=level,
            is_public=category.is_public,
            is_emergency=category.is_emergency,
            created_at=now,
            updated_at=now,
            first_response_due=now + timedelta(hours=category.response_hours),
            respond_by=now + timedelta(hours=category.response_hours),
            resolve_by=workdays.add_working_days(now, category.resolution_working_days),
        )
        case.escalate_at = _next_escalation(case, now)
        case.save()
        for photo in photos:
            Photo.objects.create(
                case=case, image=photo.content, content_type=photo.content_type, width=photo.width, height=photo.height
            )
        note = ""
        if recorded_by is not None:
            note = _("Recorded by %(name)s (%(channel)s).") % {
                "name": recorded_by.name,
                "channel": Channel(channel).label,
            }
        first = CaseEvent.objects.create(
            case=case, at=now, actor=recorded_by or reporter, kind=CaseEvent.Kind.SUBMITTED, to_status=Status.SUBMITTED, note=note
        )
        case.new_timeline = [first]  # the whole timeline so far, for the caller's response without a re-read
        audit.record(actor=recorded_by or reporter, action="case.submitted", obj=case, channel=channel)

        subject = _("New problem: %(category)s at %(address)s") % {"category": category.name, "address": case.address}
        notices = [Notice(recipients=holders.get((place.path, level), []), subject=subject, body=description, link=_link(case))]
        notices.append(Notice(recipients=handler_staff(case), subject=subject, body=description, link=_link(case)))
        if case.is_emergency:
            staff = holders.get((place.path, Level.COMMUNITY), [])
            notices.append(
                Notice(
                    recipients=staff, subject=_("EMERGENCY: %(s)s") % {"s": subject}, body=description, link=_link(case), sms=True
                )
            )
        notify_many(notices)
    return case


# --- the workflow ----------------------------------------------------------------------------


def transition_case(
    *,
    actor: Person,
    case: Case,
    action: str,
    note: str = "",
    version: int | None = None,
    merge_into: Case | None = None,
    now: datetime | None = None,
) -> Case:
    """Apply a workflow verb (accept, start, resolve, reject, merge, confirm, reopen).

    Preconditions: the verb leads to a status allowed from the current one (``TRANSITIONS``) and the
    actor may use it (``access.allowed_actions``); rejecting and reopening need a reason, resolving a
    note of what was done, merging a target case that is still open in the same compound.
    Raises ``ValidationError`` (with a message for the user), ``PermissionDenied`` or ``Conflict``.
    """
    now = now or timezone.now()
    note = (note or "").strip()
    target_status = access.ACTION_STATUS.get(action)
    if target_status is None:
        raise ValidationError(_("Unknown action."))
    if target_status not in TRANSITIONS[case.status]:
        raise ValidationError(
            _("A case that is %(status)s cannot be %(target)s.")
            % {"status": case.get_status_display(), "target": Status(target_status).label}
        )
    if action not in access.allowed_actions(actor, case, now=now):
        if action == "reopen" and access.is_reporter(actor, case):
            raise ValidationError(
                _("A case can be reopened only within %(n)d days of being resolved.") % {"n": access.REOPEN_DAYS}
            )
        raise PermissionDenied
    if action in ("reject", "reopen") and not note:
        raise ValidationError({"note": _("Please give a reason.")})
    if action == "resolve" and not note:
        raise ValidationError({"note": _("Please say what was done.")})
    return _apply_transition(
        actor=actor,
        case=case,
        action=action,
        target_status=target_status,
        note=note,
        version=version,
        merge_into=merge_into,
        now=now,
    )


def resolve_by_decision(*, actor: Person, case: Case, note: str, now: datetime | None = None) -> Case:
    """Work decided at a meeting is done (``meetings.actions``, where the actor's right to report it
    was checked): the case moves to resolved if its workflow allows, else the note goes on its
    timeline; the reporter is told either way."""
    now = now or timezone.now()
    case = Case.objects.select_related("category", "reporter").get(pk=case.pk)
    if Status.RESOLVED in TRANSITIONS[case.status]:
        return _apply_transition(
            actor=actor,
            case=case,
            action="resolve",
            target_status=Status.RESOLVED,
            note=note,
            version=None,
            merge_into=None,
            now=now,
        )
    with transaction.atomic():
        CaseEvent.objects.create(case=case, at=now, actor=actor, kind=CaseEvent.Kind.COMMENT, note=note, is_public=True)
        Case.objects.filter(pk=case.pk).update(updated_at=now)
        if case.reporter_id and case.reporter_id != actor.pk:
            subject = _("New reply on your report #%(n)s") % {"n": case.pk}
            notify_many([Notice(recipients=[case.reporter], subject=subject, body=note, link=_link(case))])
    return case


def _apply_transition(
    *,
    actor: Person,
    case: Case,
    action: str,
    target_status: str,
    note: str,
    version: int | None,
    merge_into: Case | None,
    now: datetime,
) -> Case:
    changes: dict = {"status": target_status, "updated_at": now}
    if action == "merge":
        if merge_into is None or merge_into.pk == case.pk:
            raise ValidationError({"merge_into": _("Choose the case this one duplicates.")})
        if not merge_into.is_open or merge_into.area_path != case.area_path or merge_into.merged_into_id:
            raise ValidationError({"merge_into": _("Merge only into an open case in the same compound.")})
        changes["merged_into"] = merge_into
    staff_action = action not in access.REPORTER_ACTIONS
    if staff_action and case.responded_at is None:
        changes["responded_at"] = now
    if target_status == Status.RESOLVED:
        changes["resolved_at"] = now
    if target_status in (Status.CONFIRMED, Status.REJECTED, Status.MERGED):
        changes["closed_at"] = now
    if target_status == Status.REOPENED:
        changes["needs_meeting"] = True
        changes["resolve_by"] = workdays.add_working_days(now, case.category.resolution_working_days)

    with transaction.atomic():
        from_status = case.status
        probe = Case(**{f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields})
        for field, value in changes.items():
            setattr(probe, field, value)
        changes["escalate_at"] = _next_escalation(probe, now)
        compare_and_set(case, version, conflict=Conflict, **changes)
        CaseEvent.objects.create(
            case=case,
            at=now,
            actor=actor,
            kind=CaseEvent.Kind.TRANSITION,
            from_status=from_status,
            to_status=target_status,
            note=note,
        )
        if action == "merge":
            _absorb(case, merge_into, actor=actor, now=now)
        audit.record(actor=actor, action=f"case.{action}", obj=case, from_status=from_status)
        _tell_about_change(case, actor=actor, note=note)
    return case


def _absorb(duplicate: Case, target: Case, *, actor: Person, now: datetime) -> None:
    """The duplicate's reporter and supporters become supporters of the case it was merged into."""
    people = set(Supporter.objects.filter(case=duplicate).values_list("person_id", flat=True))
    if duplicate.reporter_id:
        people.add(duplicate.reporter_id)
    people.discard(target.reporter_id)
    existing = set(Supporter.objects.filter(case=target, person_id__in=people).values_list("person_id", flat=True))
    new = people - existing
    Supporter.objects.bulk_create([Supporter(case=target, person_id=pk, at=now) for pk in new])
    Case.objects.filter(pk=target.pk).update(supporter_count=F("supporter_count") + len(new), updated_at=now)
    CaseEvent.objects.create(
        case=target, at=now, actor=actor, kind=CaseEvent.Kind.MERGED_IN, note=_("Case #%(n)s merged in.") % {"n": duplicate.pk}
    )


def _tell_about_change(case: Case, *, actor: Person, note: str) -> None:
    subject = _("Your report #%(n)s is now %(status)s") % {"n": case.pk, "status": case.get_status_display()}
    notices = []
    if case.reporter_id and case.reporter_id != actor.pk:
        final = case.status in (Status.RESOLVED, Status.REJECTED)
        notices.append(Notice(recipients=[case.reporter], subject=subject, body=note, link=_link(case), sms=final))
    if case.status == Status.REOPENED:
        reopened = _("Case #%(n)s was reopened by the reporter") % {"n": case.pk}
        notices.append(Notice(recipients=handler_staff(case), subject=reopened, body=note, link=_link(case)))
    notify_many(notices)


def comment_on_case(*, actor: Person, case: Case, note: str, public: bool = True, now: datetime | None = None) -> CaseEvent:
    """Add to the timeline. A comment by someone working on the case is their first response if
    there was none; the reporter's comments are always public."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write something first.")})
    staff = access.is_case_staff(actor, case)
    if not (staff or access.is_reporter(actor, case)):
        raise PermissionDenied
    public = public or not staff
    with transaction.atomic():
        event = CaseEvent.objects.create(case=case, at=now, actor=actor, kind=CaseEvent.Kind.COMMENT, note=note, is_public=public)
        Case.objects.filter(pk=case.pk).update(updated_at=now)
        if staff and case.responded_at is None:
            case.responded_at = now
            # the next look from the row as it is now: the sweep may have moved it since ``case`` was read
            fresh = Case.objects.select_for_update().filter(pk=case.pk, responded_at__isnull=True).first()
            if fresh is not None:
                fresh.responded_at = now
                Case.objects.filter(pk=case.pk).update(responded_at=now, escalate_at=_next_escalation(fresh, now))
        if public and staff and case.reporter_id and case.reporter_id != actor.pk:
            subject = _("New reply on your report #%(n)s") % {"n": case.pk}
            notify_many([Notice(recipients=[case.reporter], subject=subject, body=note, link=_link(case))])
        elif not staff:
            subject = _("The reporter commented on case #%(n)s") % {"n": case.pk}
            notify_many([Notice(recipients=handler_staff(case), subject=subject, body=note, link=_link(case))])
    return event


def support_case(*, person: Person, case: Case) -> bool:
    """ "Me too". Returns False if the person already supports it."""
    if not access.can_support(person, case):
        raise PermissionDenied
    with transaction.atomic():
        try:
            with transaction.atomic():
                Supporter.objects.create(case=case, person=person)
        except IntegrityError:
            return False
        Case.objects.filter(pk=case.pk).update(supporter_count=F("supporter_count") + 1)
        CaseEvent.objects.create(case=case, actor=person, kind=CaseEvent.Kind.SUPPORTED)
    case.supporter_count += 1
    return True


def rate_case(*, person: Person, case: Case, rating: str, note: str = "", now: datetime | None = None) -> Case:
    """The reporter rates the outcome once. Rating a resolved case confirms it; an unsatisfied
    rating puts the case on the next joint meeting's agenda."""
    now = now or timezone.now()
    if rating not in Rating.values:
        raise ValidationError({"rating": _("Choose a rating.")})
    if not access.can_rate(person, case):
        if access.is_reporter(person, case):
            raise ValidationError(_("This case cannot be rated now."))
        raise PermissionDenied
    changes: dict = {"rating": rating, "rating_note": note.strip()[:300], "updated_at": now}
    if rating == Rating.UNSATISFIED:
        changes["needs_meeting"] = True
    from_status = case.status
    if case.status == Status.RESOLVED:
        changes.update(status=Status.CONFIRMED, closed_at=now, escalate_at=None)
    with transaction.atomic():
        compare_and_set(case, None, conflict=Conflict, **changes)
        if from_status != case.status:
            CaseEvent.objects.create(
                case=case, at=now, actor=person, kind=CaseEvent.Kind.TRANSITION, from_status=from_status, to_status=case.status
            )
        CaseEvent.objects.create(
            case=case,
            at=now,
            actor=person,
            kind=CaseEvent.Kind.RATED,
            note=f"{Rating(rating).label}. {changes['rating_note']}".strip(),
        )
        audit.record(actor=person, action="case.rated", obj=case, rating=rating)
    return case


def assign_cases(*, actor: Person, cases: Iterable[Case], handler: Organisation, note: str = "") -> int:
    """Hand cases to another organisation (one or many at once). Managers only; the organisation must be
    one they may assign to. Returns how many changed."""
    if not access.assignable_handlers(actor).filter(pk=handler.pk).exists():
        raise PermissionDenied
    cases = list(cases)
    if any(not access.can_assign(actor, c) for c in cases):
        raise PermissionDenied
    now = timezone.now()
    changed = 0
    moved: dict[str, Case] = {}  # one moved case per place: whom to tell
    with transaction.atomic():
        for case in cases:
            if case.handler_id == handler.pk or not case.is_open:
                continue
            updated = Case.objects.filter(pk=case.pk, handler_id=case.handler_id, status__in=OPEN_STATUSES).update(
                handler=handler, updated_at=now, version=F("version") + 1
            )
            if not updated:
                continue
            changed += 1
            case.handler = handler
            moved.setdefault(case.path, case)
            CaseEvent.objects.create(
                case=case,
                at=now,
                actor=actor,
                kind=CaseEvent.Kind.ASSIGNED,
                note=_("Now handled by %(org)s.") % {"org": handler.name},
            )
            audit.record(actor=actor, action="case.assigned", obj=case, handler=handler.pk)
        if changed:
            subject = _("%(n)d problem(s) assigned to %(org)s") % {"n": changed, "org": handler.name}
            # the new handler's people over every place a case moved in (not those of the first case picked,
            # which may have been skipped and still belong to its old handler)
            recipients = [person for case in moved.values() for person in handler_staff(case)]
            notify_many([Notice(recipients=recipients, subject=subject, body=note, link="/cases/inbox/")])
    return changed


# --- escalation ------------------------------------------------------------------------------


def _save_escalations(batch: list[Case]) -> None:
    """One ``UPDATE … FROM (VALUES …)`` for a batch of escalated cases (rows locked by the sweep).
    ``bulk_update`` builds a CASE WHEN per row and field: about 1 ms of CPU per case (bench, issue 3)."""
    from django.db import connection

    if connection.vendor != "postgresql":  # the embedded SQLite default: fewer rows, no casts
        Case.objects.bulk_update(batch, ["level", "respond_by", "escalate_at", "version", "updated_at"])
        return
    row = "(%s, %s, %s::timestamptz, %s::timestamptz, %s, %s::timestamptz)"
    params = [v for c in batch for v in (c.pk, c.level, c.respond_by, c.escalate_at, c.version, c.updated_at)]
    with connection.cursor() as cursor:
        cursor.execute(
            # the table name and placeholders only: every value is a parameter
            f"UPDATE {Case._meta.db_table} AS c SET level = v.level, respond_by = v.respond_by, "  # noqa: S608
            "escalate_at = v.escalate_at, version = v.version, updated_at = v.updated_at "
            f"FROM (VALUES {', '.join([row] * len(batch))}) AS v(id, level, respond_by, escalate_at, version, updated_at) "
            "WHERE c.id = v.id",
            params,
        )


def escalate_due_cases(*, now: datetime | None = None) -> int:
    """The sweep (a Celery beat task every few minutes): move every open case whose deadline has passed
    one step up the chain, record the step and tell the people at the new level.

    Touches only due cases (``escalate_at`` is indexed; resolved, closed and top-level cases have
    none). Idempotent: an escalated case's next ``escalate_at`` lies in the future, so running the
    sweep twice escalates nothing twice; two sweeps at once skip each other's locked rows.
    """
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                Case.objects.due_for_escalation(now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("category")
                .order_by("escalate_at", "id")[:SWEEP_BATCH]
            )
            if not batch:
                break
            holders = chain_holders({c.path for c in batch})
            events, notices = [], []
            for case in batch:
                missed_response = case.responded_at is None and case.respond_by <= now
                old_level = case.level
                case.level = first_level_with_people(holders, case.path, above=old_level)
                if missed_response:
                    case.respond_by = now + timedelta(hours=case.category.response_hours)
                    why = _("No first response by the deadline.")
                else:
                    why = _("Not resolved by the deadline.")
                case.escalate_at = _next_escalation(case, now)
                case.version += 1
                case.updated_at = now
                label = Level(case.level).label
                events.append(
                    CaseEvent(case=case, at=now, kind=CaseEvent.Kind.ESCALATED, level=case.level, note=f"{why} → {label}")
                )
                subject = _("Escalated to you: %(category)s at %(address)s (#%(n)s)") % {
                    "category": case.category.name,
                    "address": case.address,
                    "n": case.pk,
                }
                notices.append(
                    Notice(
                        recipients=holders.get((case.path, case.level), []), subject=subject, body=why, link=_link(case), sms=True
                    )
                )
            _save_escalations(batch)
            CaseEvent.objects.bulk_create(events)
            notify_many(notices)
            total += len(batch)
    return total


# --- Open311 keys ----------------------------------------------------------------------------


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_open311_key(*, actor: Person | None, name: str) -> tuple[Open311Key, str]:
    """Issue a key for an Open311 client; the raw key is returned once and only its hash is kept."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the key a name (the client that will use it).")})
    if actor is not None and not access.can_issue_open311_keys(actor):
        raise PermissionDenied
    raw = secrets.token_urlsafe(24)
    with transaction.atomic():
        key = Open311Key.objects.create(name=name, key_hash=hash_key(raw), created_by=actor)
        audit.record(actor=actor, action="open311_key.created", obj=key)
    return key, raw


def revoke_open311_key(*, actor: Person, key: Open311Key) -> None:
    if not access.can_issue_open311_keys(actor):
        raise PermissionDenied
    with transaction.atomic():
        Open311Key.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit.record(actor=actor, action="open311_key.revoked", obj=key)


def check_open311_key(raw: str) -> Open311Key | None:
    if not raw:
        return None
    key = Open311Key.objects.filter(key_hash=hash_key(raw), revoked_at__isnull=True).first()
    if key is not None and (key.last_used_at is None or timezone.now() - key.last_used_at > timedelta(minutes=5)):
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key
