"""A person's event registrations, club join requests, meeting-neighbours consent and encounters in their
data download (PIPL Art 45), and what erasure does to them (Art 47). Found by
``people.actions.export_personal_data`` / ``erase_person`` without people importing this app.

Erasure (``people.actions.erase_person`` runs it in its transaction, after deleting the memberships):

- Places for events not yet over are given up through ``actions.cancel_registration``, so the seat goes
  to the first on the waiting list, as if the person had cancelled; then those registrations are deleted.
- Cancelled registrations and registrations of events that never took place (cancelled events) are deleted.
- Registrations of events held stay, pointing at the anonymised account: the event's counts and the
  community's figures (participations, participants) rest on them, and after ``erase_person`` the
  account holds no name, number or contact. Their check-in code is replaced, so it names nothing.
- Join requests, the consent to be shown to neighbours, and the encounters (who met whom) are deleted:
  they are about the person's ties to others. The community's "new acquaintances" figure for past years
  drops by those pairs.
"""

from django.db.models import Q
from django.utils import timezone

from .models import LIVE_STATUSES, ClubJoinRequest, Encounter, NeighbourOptIn, Registration, RegistrationStatus, Status, new_code


def _at(value) -> str | None:
    return value.isoformat() if value else None


def export(person) -> dict:
    regs = Registration.objects.filter(person=person).select_related("event__community", "role").order_by("created_at", "id")
    requests = ClubJoinRequest.objects.filter(person=person).select_related("club__organisation").order_by("created_at", "id")
    encounters = Encounter.objects.filter(Q(person_a=person) | Q(person_b=person)).select_related("first_event").order_by("id")
    opt_in = NeighbourOptIn.objects.filter(person=person).first()
    return {
        "event_registrations": [
            {
                "event": r.event_id,
                "title": r.event.title,
                "community": r.event.community.name,
                "starts_at": _at(r.event.starts_at),
                "role": r.role.name if r.role_id else None,
                "status": r.status,
                "ticket": r.ticket,
                "code": r.code,
                "signed_up_at": _at(r.created_at),
                "promoted_at": _at(r.promoted_at),
                "cancelled_at": _at(r.cancelled_at),
                "checked_in_at": _at(r.checked_in_at),
            }
            for r in regs
        ],
        "club_join_requests": [
            {
                "club": j.club.organisation.name,
                "message": j.message,
                "status": j.status,
                "reason": j.reason,
                "asked_at": _at(j.created_at),
                "decided_at": _at(j.decided_at),
            }
            for j in requests
        ],
        "meet_neighbours_opt_in": _at(opt_in.since) if opt_in else None,
        # Who else was there is the other person's data: only when and where, and how often.
        "events_attended_with_others": [
            {"first_event": e.first_event.title if e.first_event_id else None, "first_at": _at(e.first_at), "times": e.times}
            for e in encounters
        ],
    }


def erase(person) -> None:
    from .actions import cancel_registration

    now = timezone.now()
    live = Registration.objects.filter(person=person, status__in=LIVE_STATUSES, event__ends_at__gt=now).select_related("event")
    for reg in live:
        if reg.event.status != Status.CANCELLED:
            cancel_registration(reg, by=person, now=now)
    Registration.objects.filter(person=person).filter(
        Q(status=RegistrationStatus.CANCELLED) | Q(event__status=Status.CANCELLED) | Q(event__ends_at__gt=now)
    ).delete()
    for reg in Registration.objects.filter(person=person).only("pk"):
        Registration.objects.filter(pk=reg.pk).update(code=new_code())
    ClubJoinRequest.objects.filter(person=person).delete()
    NeighbourOptIn.objects.filter(person=person).delete()
    Encounter.objects.filter(Q(person_a=person) | Q(person_b=person)).delete()
