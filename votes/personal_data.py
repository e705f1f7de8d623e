"""A person's owners' votes in their data download (PIPL Art 45), and what erasure does (Art 47).
Found by ``people.actions.export_personal_data`` / ``erase_person`` without people importing this app.

The download lists the votes whose roll they are on (with the parts and area they voted with), every
ballot they cast or that was cast for them — their own choices too, a secret ballot's included: the
choice is theirs —, the proxies they hold, the changes of use they asked for and their answers.

Erasure keeps the rolls, the ballot log and the ballots: a published owners' decision binds the owners
(Civil Code Art 280) and must stay recountable (``verify_vote``); they now point at the anonymised
account. Changes of use they asked for that are still collecting consent are withdrawn. Consent
requests they have not answered stay open: they may still own their home, and unanimity (Art 279)
cannot be reached by dropping an owner; staff collect that consent on paper.
"""

from django.utils import timezone

from . import ledger
from .models import LogEntry, ProxyAuthorisation, UseChange, UseChangeConsent, VoterMember


def _at(value) -> str | None:
    return value.isoformat() if value else None


def export(person) -> dict:
    memberships = VoterMember.objects.filter(person=person).select_related("matter", "voter").order_by("matter_id")
    voters = {m.voter_id: m for m in memberships}
    entries = LogEntry.objects.filter(kind=LogEntry.Kind.BALLOT, voter_id__in=list(voters)).order_by("matter_id", "seq")
    return {
        "owners_votes": [
            {
                "vote": m.matter_id,
                "title": m.matter.title,
                "units": m.voter.label,
                "area": str(m.voter.area),
                "designated": m.voter.designated_id == person.pk,
            }
            for m in memberships
        ],
        "ballots": [
            {"vote": e.matter_id, "seq": e.seq, "at": _at(e.at), "channel": e.channel, "choice": ledger.entry_choice(e)}
            for e in entries
        ],
        "proxies_held": [
            {"vote": p.matter_id, "recorded_at": _at(p.recorded_at), "revoked_at": _at(p.revoked_at)}
            for p in ProxyAuthorisation.objects.filter(proxy=person).order_by("id")
        ],
        "changes_of_use_asked": [
            {"unit": str(r.unit), "purpose": r.purpose, "status": r.status, "created_at": _at(r.created_at)}
            for r in UseChange.objects.filter(applicant=person).select_related("unit", "unit__building").order_by("id")
        ],
        "consents_given": [
            {"request": c.request_id, "answer": c.answer, "answered_at": _at(c.answered_at)}
            for c in UseChangeConsent.objects.filter(person=person).order_by("id")
        ],
    }


def erase(person) -> None:
    UseChange.objects.filter(applicant=person, status=UseChange.Status.COLLECTING).update(
        status=UseChange.Status.WITHDRAWN, decided_at=timezone.now()
    )
