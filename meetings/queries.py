"""Reads for the meeting pages: a constant number of queries per page, whatever the size of the agenda,
the attendance or the list."""

from types import SimpleNamespace

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from deliberation.models import COMMUNITY_KINDS, Stakeholder, Topic
from deliberation.models import Status as TopicStatus
from people.models import Membership, Organisation, Person
from places.models import Place, Room, ancestor_paths

from .models import (
    OPEN_ACTION_STATUSES,
    PUBLIC_STATUSES,
    ActionItem,
    AgendaItem,
    Amendment,
    Attendance,
    Invitation,
    Meeting,
    Minutes,
    Status,
)


def meeting_page(meeting: Meeting) -> dict:
    """Everything the meeting page shows, in six queries. The lists it only displays (invitations,
    attendance, action items) are read as plain rows with their lines worked out here, so the template
    writes them as one node each (``{% rows %}``): the page is measured by ``make bench``."""
    roles = dict(Stakeholder.choices)
    invitations = [
        SimpleNamespace(organisation_id=org_id, who=org_name or person_name, role_label=roles.get(role, role))
        for role, org_id, org_name, person_name in Invitation.objects.filter(meeting=meeting)
        .order_by("id")
        .values_list("role", "organisation_id", "organisation__name", "person__name")
    ]
    no_vote = f" ({_('does not vote')})"
    attendances = [
        SimpleNamespace(
            person_id=person_id,
            entitled_to_vote=entitled,
            line=name + (f" · {org_name}" if org_name else "") + ("" if entitled else no_vote),
        )
        for person_id, name, org_name, entitled in Attendance.objects.filter(meeting=meeting)
        .order_by("signed_in_at", "id")
        .values_list("person_id", "person__name", "organisation__name", "entitled_to_vote")
    ]
    agenda = list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "id"))
    statuses = dict(ActionItem.Status.choices)
    by_item: dict[int, list[SimpleNamespace]] = {}
    rows = (
        ActionItem.objects.filter(meeting=meeting, agenda_item__isnull=False)
        .order_by("due_on", "id")
        .values_list("id", "title", "status", "due_on", "agenda_item_id", "owner_organisation__name", "owner_person__name")
    )
    for pk, title, status, due_on, item_id, org_name, person_name in rows:
        by_item.setdefault(item_id, []).append(
            SimpleNamespace(
                url=f"/meetings/actions/{pk}/",
                title=title,
                status=status,
                status_label=statuses.get(status, status),
                meta=f"{org_name or person_name} · {due_on:%Y-%m-%d}",
            )
        )
    for item in agenda:
        item.meeting = meeting
        item.actions = by_item.get(item.pk, [])
    minutes = Minutes.objects.filter(meeting=meeting).first()
    amendments = []
    if minutes is not None and minutes.is_fixed:  # only approved or published minutes are amended
        amendments = list(
            Amendment.objects.filter(minutes=minutes)
            .select_related("actor")
            .only("id", "text", "at", "actor__name")
            .order_by("id")
        )
    return {
        "invitations": invitations,
        "agenda": agenda,
        "attendances": attendances,
        "entitled": sum(1 for a in attendances if a.entitled_to_vote),
        "minutes": minutes,
        "amendments": amendments,
    }


def meeting_list(qs):
    return qs.select_related("community", "room__venue").only(
        "id", "title", "kind", "status", "starts_at", "ends_at", "location", "community__name", "room__name", "room__venue__name"
    )


def communities_in(paths) -> list[Place]:
    q = Q()
    for path in paths:
        q |= Q(path__startswith=path)
    if not paths:
        return []
    return list(Place.objects.filter(q, kind__in=sorted(COMMUNITY_KINDS)).order_by("name"))


def organisations_for_meeting(community: Place) -> list[Organisation]:
    """Organisations that may be invited: those of the community (and above it), and those serving its compounds."""
    serving = Place.objects.filter(path__startswith=community.path).values("serving_organisations")
    above = ancestor_paths(community.path)
    return list(
        Organisation.objects.filter(Q(path__startswith=community.path) | Q(pk__in=serving) | Q(path__in=above))
        .distinct()
        .order_by("kind", "name")
    )


def rooms_for(community: Place) -> list[Room]:
    return list(
        Room.objects.filter(venue__place__path__startswith=community.path).select_related("venue").order_by("venue__name", "name")
    )


def agenda_topics(community: Place) -> list[Topic]:
    """Topics that a meeting may take up: taken up and still open."""
    return list(
        Topic.objects.filter(path=community.path)
        .exclude(status__in=[TopicStatus.COLLECTING, TopicStatus.DECLINED, TopicStatus.CLOSED])
        .only("id", "title", "status", "path")
        .order_by("-id")[:200]
    )


def agenda_cases(community: Place):
    """Problem reports flagged for the next joint meeting (unsatisfied, reopened) in the community."""
    from cases.models import Case

    return list(
        Case.objects.filter(path__startswith=community.path, needs_meeting=True)
        .exclude(status__in=["confirmed", "rejected", "merged"])
        .select_related("category")
        .order_by("-id")[:200]
    )


def possible_attendees(meeting: Meeting) -> list[Person]:
    """Whom the secretary may sign in: invited persons and members of invited organisations."""
    people = Person.objects.filter(
        Q(pk__in=meeting.invitations.filter(person__isnull=False).values("person_id"))
        | Q(
            pk__in=Membership.objects.filter(
                organisation_id__in=meeting.invitations.filter(organisation__isnull=False).values("organisation_id")
            ).values("person_id")
        )
    )
    signed = meeting.attendances.values("person_id")
    return list(people.exclude(pk__in=signed).only("id", "name").order_by("name")[:500])


def public_board(community: Place) -> list[ActionItem]:
    """The community's public board: decisions of published minutes (and decisions made outside a
    meeting) with their implementation status, newest first."""
    return list(
        ActionItem.objects.filter(path=community.path)
        .filter(Q(meeting__isnull=True) | Q(meeting__minutes__status=Minutes.Status.PUBLISHED))
        .select_related("owner_organisation", "topic", "meeting", "agenda_item")
        .order_by("-created_at", "-id")[:100]
    )


def board_counts(community: Place, today) -> dict[str, int]:
    """How the community's published decisions stand: done, under way, overdue (one query)."""
    published = ActionItem.objects.filter(path=community.path).filter(
        Q(meeting__isnull=True) | Q(meeting__minutes__status=Minutes.Status.PUBLISHED)
    )
    return published.aggregate(
        done=Count("id", filter=Q(status=ActionItem.Status.DONE)),
        under_way=Count("id", filter=Q(status__in=OPEN_ACTION_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_ACTION_STATUSES, due_on__lt=today)),
    )


def board_meetings(community: Place) -> list[Meeting]:
    return list(
        Meeting.objects.filter(path=community.path, minutes__status=Minutes.Status.PUBLISHED)
        .select_related("minutes")
        .annotate(decisions=Count("agenda", filter=~Q(agenda__decision="")))
        .order_by("-starts_at")[:20]
    )


def announced_meetings(community: Place) -> list[Meeting]:
    """Meetings of the community whose notice is out and that have not happened yet."""
    return list(
        Meeting.objects.filter(path=community.path, status=Status.NOTIFIED, ends_at__gte=timezone.now())
        .select_related("room__venue")
        .order_by("starts_at")[:10]
    )


def community_feed(community: Place):
    return (
        Meeting.objects.filter(path=community.path, status__in=PUBLIC_STATUSES)
        .select_related("room__venue")
        .order_by("-starts_at")[:200]
    )


def action_list(qs):
    return qs.select_related("community", "owner_organisation", "owner_person", "meeting").only(
        "id",
        "title",
        "status",
        "due_on",
        "community__name",
        "owner_organisation__name",
        "owner_person__name",
        "meeting__title",
        "meeting_id",
        "path",
    )
