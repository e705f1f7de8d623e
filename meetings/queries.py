"""Reads for the meeting pages: a constant number of queries per page, whatever the size of the agenda,
the attendance or the list."""

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from deliberation.models import COMMUNITY_KINDS, Topic
from deliberation.models import Status as TopicStatus
from people.models import Membership, Organisation, Person
from places.models import Place, Room, ancestor_paths

from .models import OPEN_ACTION_STATUSES, PUBLIC_STATUSES, ActionItem, Amendment, Meeting, Minutes, Status


def meeting_page(meeting: Meeting) -> dict:
    """Everything the meeting page shows, in six queries."""
    invitations = list(meeting.invitations.select_related("organisation", "person").order_by("id"))
    agenda = list(
        meeting.agenda.select_related("topic", "case__category").prefetch_related(
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner_organisation", "owner_person"))
        )
    )
    attendances = list(meeting.attendances.select_related("person", "organisation"))
    minutes = Minutes.objects.filter(meeting=meeting).first()
    amendments = list(Amendment.objects.filter(minutes=minutes).select_related("actor")) if minutes else []
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
