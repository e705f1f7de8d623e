"""A person's meetings and action items in their data download (PIPL Art 45), and what erasure does to
them (Art 47). Found by ``people.actions.export_personal_data`` / ``erase_person`` without people
importing this app.

The download lists the meetings they were invited to in person, attended (whom they represented,
whether they could vote) and organised; the action items they own or completed; the amendments to
minutes they wrote.

Erasure keeps the meetings, agendas, minutes, votes, amendments and action items: the community's
public record of what was decided, by how many, and what was done about it. After ``erase_person``
the person's account holds no name, number or contact, so what stays points at an anonymised account.
In detail:

- Attendance stays. The minutes' list of those present and the counts a vote and a residents'
  meeting's quorum were taken on (``AgendaItem.votes_present``) rest on it; deleting it would leave
  published minutes that no longer add up. It now shows the anonymised account.
- Invitations in person to meetings not yet held (draft, notice sent) are deleted: they can no longer
  attend, and nobody should wait for them. Invitations to meetings held or cancelled stay with the record.
- Action items they own that are still open (to do, in progress) cannot be left with an account that
  can no longer act, and cannot be left without an owner (``action_has_owner``; ``owner_person`` is
  PROTECT). They are handed to the residents' committee of the item's community (``owner_organisation``;
  its chair and secretary are told, through the owner notices, at the next reminder), with an audit
  entry (``action.owner_erased``) and a message to the community's staff. Where the community has no
  residents' committee the item stays with the anonymised account and the staff are told to reassign
  it. Done and cancelled items stay as they are: they record who did the work.
- Amendments (append-only), minutes they approved or published, meetings they organised and items
  they created or completed stay, naming the anonymised account.
"""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.outbox import Notice, notify_many
from people.models import Organisation

from .models import OPEN_ACTION_STATUSES, ActionItem, Amendment, Attendance, Invitation, Meeting, Status

NOT_YET_HELD = (Status.DRAFT, Status.NOTIFIED)


def _at(value) -> str | None:
    return value.isoformat() if value else None


def export(person) -> dict:
    invited = Invitation.objects.filter(person=person).select_related("meeting").order_by("meeting__starts_at", "id")
    attended = Attendance.objects.filter(person=person).select_related("meeting", "organisation").order_by("signed_in_at", "id")
    organised = Meeting.objects.filter(organiser=person).select_related("community").order_by("starts_at", "id")
    items = ActionItem.objects.filter(Q(owner_person=person) | Q(completed_by=person)).order_by("id")
    amendments = Amendment.objects.filter(actor=person).select_related("minutes__meeting").order_by("id")
    return {
        "meetings_invited": [
            {"meeting": i.meeting_id, "title": i.meeting.title, "starts_at": _at(i.meeting.starts_at), "role": i.role}
            for i in invited
        ],
        "meetings_attended": [
            {
                "meeting": a.meeting_id,
                "title": a.meeting.title,
                "starts_at": _at(a.meeting.starts_at),
                "signed_in_at": _at(a.signed_in_at),
                "representing": a.organisation.name if a.organisation_id else None,
                "entitled_to_vote": a.entitled_to_vote,
            }
            for a in attended
        ],
        "meetings_organised": [
            {"meeting": m.pk, "title": m.title, "community": m.community.name, "starts_at": _at(m.starts_at), "status": m.status}
            for m in organised
        ],
        "action_items": [
            {
                "id": i.pk,
                "title": i.title,
                "owner": i.owner_person_id == person.pk,
                "status": i.status,
                "due_on": i.due_on.isoformat(),
                "evidence": i.evidence,
                "completed_at": _at(i.completed_at),
            }
            for i in items
        ],
        "minutes_amendments": [
            {"meeting": a.minutes.meeting_id, "title": a.minutes.meeting.title, "text": a.text, "at": _at(a.at)}
            for a in amendments
        ],
    }


def erase(person) -> None:
    from deliberation.actions import community_staff

    from .actions import action_link

    Invitation.objects.filter(person=person, meeting__status__in=NOT_YET_HELD).delete()
    now = timezone.now()
    with transaction.atomic():
        items = list(
            ActionItem.objects.select_for_update()
            .filter(owner_person=person, status__in=OPEN_ACTION_STATUSES)
            .select_related("community")
            .order_by("id")
        )
        committees = {
            o.path: o
            for o in Organisation.objects.filter(
                kind=Organisation.Kind.RESIDENTS_COMMITTEE, path__in={i.path for i in items}
            ).order_by("-id")
        }
        notices = []
        for item in items:
            committee = committees.get(item.path)
            if committee is not None:
                ActionItem.objects.filter(pk=item.pk).update(
                    owner_person=None, owner_organisation=committee, version=F("version") + 1, updated_at=now
                )
                subject = _("Action item handed to %(org)s: its owner's account was erased: %(t)s") % {
                    "org": committee.name,
                    "t": item.title,
                }
            else:
                subject = _("The owner of this action item erased their account; please reassign it: %(t)s") % {"t": item.title}
            audit.record(
                actor=None,
                action="action.owner_erased",
                obj=item,
                subject_id=person.pk,
                handed_to=committee.pk if committee else None,
            )
            notices.append(Notice(recipients=community_staff(item), subject=subject, link=action_link(item)))
        notify_many(notices)
