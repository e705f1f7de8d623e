"""Who may see and do what with meetings, minutes and action items, built on the one access policy
(``people.policy``) and the topics' (``deliberation.access``).

- Community staff and sub-district administrators over the meeting's community (managers): organise
  meetings, invite, send the notice, run the meeting, record attendance, minutes and votes, approve
  and publish the minutes, create and follow action items.
- The organiser, and the chairs and secretaries of invited organisations (their representatives):
  record attendance, minutes and votes, and run the speaking queue. Nobody else records a vote.
- Invited persons and members of invited organisations: see the meeting and its draft minutes, and
  sign themselves in.
- Residents and owners in the community: see meetings once the notice is out, and the minutes only
  once published. At a residents' meeting (居民会议) they also sign themselves in.
- An action item's owner (the person, or members of the owning organisation): see it, report
  progress and completion with evidence.

Everything else answers 404.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from deliberation.access import MANAGER_ROLES, home_community_paths
from deliberation.models import Stakeholder
from people import policy

from .models import PUBLIC_STATUSES, ActionItem, Invitation, Kind, Meeting, Minutes

OFFICER_POSITIONS = policy.OFFICER_POSITIONS


def can_manage(user, meeting: Meeting) -> bool:
    return policy.covers(user, meeting.path, MANAGER_ROLES)


def can_organise_in(user, community) -> bool:
    return policy.covers(user, community.path, MANAGER_ROLES)


def _org_ids(user, officers_only: bool = False) -> list[int]:
    return policy.organisations_of(user, officers_only=officers_only)


def is_invited(user, meeting: Meeting) -> bool:
    """Invited in person, or a member of an invited organisation."""
    if not policy.signed_in(user):
        return False
    return Invitation.objects.filter(meeting=meeting).filter(Q(person=user) | Q(organisation_id__in=_org_ids(user))).exists()


def represents(user, meeting: Meeting) -> bool:
    """A chair or secretary of an organisation invited to the meeting as a stakeholder (an organisation
    invited to advise, as an expert, does not record the meeting)."""
    if not policy.signed_in(user):
        return False
    officers = _org_ids(user, officers_only=True)
    return Invitation.objects.filter(meeting=meeting, organisation_id__in=officers).exclude(role=Stakeholder.EXPERT).exists()


def can_record(user, meeting: Meeting) -> bool:
    """Attendance, minutes, votes and the speaking queue: managers, the organiser, and the
    representatives (chair, secretary) of invited organisations."""
    if not policy.signed_in(user):
        return False
    return meeting.organiser_id == user.pk or can_manage(user, meeting) or represents(user, meeting)


def _invited_q(user) -> Q:
    by_person = Invitation.objects.filter(meeting=OuterRef("pk"), person=user)
    by_org = Invitation.objects.filter(meeting=OuterRef("pk"), organisation_id__in=_org_ids(user))
    return Q(Exists(by_person)) | Q(Exists(by_org))


def meetings_for(user) -> QuerySet[Meeting]:
    """Every meeting the user may see."""
    if not policy.signed_in(user):
        return Meeting.objects.none()
    # a notice once sent is public material; a meeting cancelled before its notice never was
    public = Q(path__in=home_community_paths(user), status__in=PUBLIC_STATUSES, notice_sent_at__isnull=False)
    return Meeting.objects.filter(policy.scope_q(user, "path", MANAGER_ROLES) | Q(organiser=user) | public | _invited_q(user))


def _is_public(meeting: Meeting) -> bool:
    return meeting.status in PUBLIC_STATUSES and meeting.notice_sent_at is not None


def can_view_meeting(user, meeting: Meeting) -> bool:
    if not policy.signed_in(user):
        return False
    if meeting.organiser_id == user.pk or can_manage(user, meeting):
        return True
    if _is_public(meeting) and meeting.path in home_community_paths(user):
        return True
    return is_invited(user, meeting)


def get_meeting_for(user, pk) -> Meeting:
    # The community only: each further join costs PostgreSQL more to plan than the row costs to read
    # (make bench); the organiser, the convening organisation and the room load when shown.
    meeting = Meeting.objects.filter(pk=pk).select_related("community").first()
    if meeting is None or not can_view_meeting(user, meeting):
        raise Http404
    return meeting


def can_view_minutes(user, meeting: Meeting, minutes: Minutes | None) -> bool:
    """Published minutes: whoever sees the meeting. Drafts and approved minutes: those who took part
    and those who record them."""
    if minutes is None:
        return False
    if minutes.status == Minutes.Status.PUBLISHED:
        return can_view_meeting(user, meeting)
    return can_record(user, meeting) or is_invited(user, meeting)


def can_approve(user, meeting: Meeting) -> bool:
    """Approving and publishing minutes, sending the notice, starting and ending the meeting."""
    return policy.signed_in(user) and (meeting.organiser_id == user.pk or can_manage(user, meeting))


def can_sign_in_self(user, meeting: Meeting) -> bool:
    if is_invited(user, meeting):
        return True
    return meeting.kind == Kind.RESIDENTS_MEETING and meeting.path in home_community_paths(user)


# --- action items -------------------------------------------------------------------------------


def _owner_q(user) -> Q:
    return Q(owner_person=user) | Q(owner_organisation_id__in=_org_ids(user))


def action_items_for(user) -> QuerySet[ActionItem]:
    """Action items the user may see: all under a manager's scope, and the ones they (or their
    organisation) own. Residents see decisions and their implementation on the community's public board."""
    if not policy.signed_in(user):
        return ActionItem.objects.none()
    return ActionItem.objects.filter(policy.scope_q(user, "path", MANAGER_ROLES) | _owner_q(user))


def is_owner(user, item: ActionItem) -> bool:
    if not policy.signed_in(user):
        return False
    if item.owner_person_id == user.pk:
        return True
    return item.owner_organisation_id is not None and item.owner_organisation_id in _org_ids(user)


def can_manage_action(user, item: ActionItem) -> bool:
    return policy.covers(user, item.path, MANAGER_ROLES)


def can_update_action(user, item: ActionItem) -> bool:
    return can_manage_action(user, item) or is_owner(user, item)


def get_action_item_for(user, pk) -> ActionItem:
    item = ActionItem.objects.filter(pk=pk).select_related("community", "owner_organisation", "owner_person", "meeting").first()
    if item is None or not can_update_action(user, item):
        raise Http404
    return item
