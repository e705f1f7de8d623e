"""Reads for the topic pages: a constant number of queries per page, whatever the number of topics."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from people.models import HouseholdMember, Membership, Organisation, Ownership, Person
from places.models import Place, ancestor_paths

from . import access, actions
from .models import COMMUNITY_KINDS, Endorsement, Source, Status, Topic, TopicParticipant, TopicStep

LIST_FIELDS = ("id", "title", "status", "source", "endorsed_households", "threshold_reached_at", "created_at", "community_id")
# How many organisations and residents the decision form offers at most (the rest by mobile number).
CANDIDATE_LIMIT = 200


def list_rows(qs: QuerySet[Topic]) -> QuerySet[Topic]:
    """What a topic list shows: the topic's own columns only, no join."""
    return qs.only(*LIST_FIELDS)


def with_community(qs: QuerySet[Topic]) -> QuerySet[Topic]:
    """Rows for lists spanning communities: the community's name in the same query."""
    return qs.select_related("community").only(*LIST_FIELDS, "community__name")


def community_topics(community: Place, *, status: str = "") -> QuerySet[Topic]:
    """A community's topics, newest first (``topic_community_status_idx``), optionally in one status."""
    qs = Topic.objects.filter(community=community)
    if status:
        qs = qs.filter(status=status)
    return list_rows(qs).order_by("-id")


def label_rows(rows: list[Topic], needed: int) -> list[Topic]:
    """Give each row of a community's list what its line shows (link, status, endorsements), worked out
    here once per page so that the template writes the rows as one node (``{% rows %}``, make bench)."""
    statuses = dict(Status.choices)
    sources = dict(Source.choices)
    on_list = format_html(' <span class="status s-meeting">{}</span>', _("on the decision list"))
    of_needed = _("%(n)s of %(needed)s households endorse")
    raised = _("raised")
    for t in rows:
        t.url = f"/deliberation/topics/{t.pk}/"
        t.status_label = statuses.get(t.status, t.status)
        collecting = t.status == Status.COLLECTING
        t.flag = on_list if collecting and t.threshold_reached_at else ""
        if needed and collecting and t.source == Source.RESIDENT:
            endorsing = of_needed % {"n": t.endorsed_households, "needed": needed}
        else:
            endorsing = ngettext("%(n)s household endorses", "%(n)s households endorse", t.endorsed_households) % {
                "n": t.endorsed_households
            }
        t.meta = f"{sources.get(t.source, t.source)} · {endorsing} · {raised} {timezone.localtime(t.created_at):%Y-%m-%d}"
    return rows


def community_by_pk(pk) -> Place | None:
    return Place.objects.filter(pk=pk, kind__in=sorted(COMMUNITY_KINDS)).first()


def households_needed(community: Place) -> int:
    """Endorsing households a proposal in this community needs. Households are counted only when the
    threshold is a share (a count over the community's homes is the dear part)."""
    rules = actions.settings_for(community)
    households = actions.community_households(community.path) if rules.threshold_per_mille is not None else 0
    return rules.households_needed(households)


# --- the index page --------------------------------------------------------------------------


def home_communities(user) -> list[Place]:
    return list(Place.objects.filter(path__in=access.home_community_paths(user)).order_by("path"))


def managed_communities(user) -> list[Place]:
    """The communities (and villages) a manager's scope covers; none for anyone else. The role scope is
    loaded once per request, so this is one query over the (few dozen) communities."""
    rows = Place.objects.filter(kind__in=sorted(COMMUNITY_KINDS)).only("id", "name", "path", "kind").order_by("path")
    return [c for c in rows if access.can_manage_community(user, c)]


def raised_by(user) -> QuerySet[Topic]:
    return with_community(Topic.objects.filter(proposer=user)).order_by("-id")


def taking_part(user) -> QuerySet[Topic]:
    """Topics the user takes part in, in person or through an organisation they belong to."""
    as_person = TopicParticipant.objects.filter(topic=OuterRef("pk"), person=user)
    orgs = Membership.objects.filter(person=user).values("organisation_id")
    as_member = TopicParticipant.objects.filter(topic=OuterRef("pk"), organisation_id__in=orgs)
    qs = access.topics_for(user).filter(Q(Exists(as_person)) | Q(Exists(as_member)))
    return with_community(qs).order_by("-id")


def decision_list(communities: list[Place]) -> QuerySet[Topic]:
    """Collecting topics in these communities that reached their threshold, longest waiting first."""
    qs = Topic.objects.on_decision_list().filter(community__in=[c.pk for c in communities])
    return with_community(qs).order_by("threshold_reached_at", "id")


# --- one topic ---------------------------------------------------------------------------------


def path_of(topic: Topic) -> QuerySet[TopicStep]:
    """Every step of the topic, in order, with who took it."""
    return topic.steps.select_related("actor").order_by("id")


def participants_of(topic: Topic) -> QuerySet[TopicParticipant]:
    return topic.participants.select_related("organisation", "person").order_by("id")


def agenda_items_of(topic: Topic):
    """The meetings' agenda items on this topic, read through the reverse relation (deliberation does not
    import meetings)."""
    return topic.agenda_items.select_related("meeting").order_by("meeting__starts_at", "position", "id")


def owner_votes_of(topic: Topic, *, drafts: bool):
    """The owners' votes put from this topic (``votes.Matter``, read through the reverse relation);
    drafts only for those who manage the topic."""
    votes = topic.owner_votes.select_related("compound").order_by("opens_at", "id")
    return votes if drafts else votes.exclude(status="draft")


def action_items_of(topic: Topic):
    return topic.action_items.select_related("owner_organisation", "owner_person").order_by("due_on", "id")


def has_endorsed(topic: Topic, user) -> bool:
    return Endorsement.objects.filter(topic=topic, person=user).exists()


# --- choosing participants ---------------------------------------------------------------------


def candidate_organisations(community: Place) -> list[Organisation]:
    """Organisations that may take part in a community's topic: those in it, those above it (the
    sub-district's), and those serving a place in it (property companies)."""
    serving = Place.objects.filter(path__startswith=community.path, serving_organisations=OuterRef("pk"))
    qs = Organisation.objects.filter(
        Q(path__startswith=community.path) | Q(path__in=ancestor_paths(community.path)) | Q(Exists(serving))
    )
    return list(qs.order_by("kind", "name")[:CANDIDATE_LIMIT])


def _lives_or_owns_in(path: str) -> Q:
    homes = HouseholdMember.objects.filter(person=OuterRef("pk"), path__startswith=path)
    owned = Ownership.objects.filter(person=OuterRef("pk"), path__startswith=path)
    return Q(Exists(homes)) | Q(Exists(owned))


def candidate_residents(topic: Topic) -> list[Person]:
    """Residents offered as participants: the proposer and those who endorsed the topic, if they still
    live or own in the community (others are named by mobile number)."""
    chosen = Q(pk__in=Endorsement.objects.filter(topic=topic).values("person_id"))
    if topic.proposer_id:
        chosen |= Q(pk=topic.proposer_id)
    qs = Person.objects.filter(chosen, _lives_or_owns_in(topic.path), anonymised_at__isnull=True)
    return list(qs.order_by("name_pinyin", "id")[:CANDIDATE_LIMIT])


def residents_by_mobile(topic: Topic, mobiles: list[str]) -> dict[str, Person]:
    """The persons with these mobile numbers who live or own in the topic's community (one query)."""
    found = Person.objects.filter(_lives_or_owns_in(topic.path), mobile__in=mobiles, anonymised_at__isnull=True)
    return {p.mobile: p for p in found}
