"""Who may see and do what with consultation topics, built on the one access policy (``people.policy``).

- Community staff and sub-district administrators over the topic's community: see every topic there,
  decide which go forward and move them along the procedure.
- Residents and owners in the community: see its topics (collecting ones and those past collecting,
  declined ones with their reasons), raise topics there and endorse the collecting ones.
- The proposer and the persons taking part (or members of an organisation taking part) see the topic.

Everything else answers 404.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from people import policy
from people.models import Role
from places.models import Place

from .models import COMMUNITY_KINDS, Topic, TopicParticipant

# The community party organisation and residents' committee act through community staff accounts;
# matters spanning communities are led by the sub-district (DOMAIN-RULES §4.1).
MANAGER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN})


def home_community_paths(person) -> list[str]:
    """The communities (or villages) where a person lives or owns a unit."""
    above = policy.home_places(person, COMMUNITY_KINDS).values()
    return sorted({path for paths in above for path in paths})


def is_member_of(person, community_path: str) -> bool:
    """Lives or owns a unit in the community (one EXISTS query)."""
    return getattr(person, "is_authenticated", False) and policy.lives_or_owns_under(person, community_path)


def can_manage(user, topic: Topic) -> bool:
    return policy.covers(user, topic.path, MANAGER_ROLES)


def can_manage_community(user, community: Place) -> bool:
    return policy.covers(user, community.path, MANAGER_ROLES)


def _participant_q(user) -> Q:
    as_person = TopicParticipant.objects.filter(topic=OuterRef("pk"), person=user)
    orgs = policy.organisations_of(user)
    as_member = TopicParticipant.objects.filter(topic=OuterRef("pk"), organisation_id__in=orgs)
    return Q(Exists(as_person)) | Q(Exists(as_member))


def topics_for(user) -> QuerySet[Topic]:
    """Every topic the user may see."""
    if not getattr(user, "is_authenticated", False):
        return Topic.objects.none()
    q = policy.scope_q(user, "path", MANAGER_ROLES) | Q(path__in=home_community_paths(user)) | Q(proposer=user)
    return Topic.objects.filter(q | _participant_q(user))


def can_view_topic(user, topic: Topic) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if topic.proposer_id == user.pk or can_manage(user, topic) or topic.path in home_community_paths(user):
        return True
    return Topic.objects.filter(pk=topic.pk).filter(_participant_q(user)).exists()


def get_topic_for(user, pk) -> Topic:
    topic = Topic.objects.filter(pk=pk).select_related("community", "proposer", "case").first()
    if topic is None or not can_view_topic(user, topic):
        raise Http404
    return topic


def can_raise_from_case(user, case) -> bool:
    return policy.covers(user, case.path, MANAGER_ROLES)


def can_advance(user, topic: Topic) -> bool:
    return can_manage(user, topic)
