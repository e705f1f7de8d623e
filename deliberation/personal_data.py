"""A person's consultation topics in their data download (PIPL Art 45), and what erasure does to them
(Art 47). Found by ``people.actions.export_personal_data`` / ``erase_person`` without people importing
this app.

The download lists the topics they raised, their endorsements (with the household each counted for)
and the topics they take or took part in.

Erasure keeps every topic. A topic, its steps, its decision, outcome and feedback are the community's
public record of a consultation, which others rely on: the households that endorsed it, the parties
that deliberated, the meetings and action items that followed. What goes is what ties the person to it
by their own choice:

- who raised it: ``proposer`` becomes empty, as a problem report loses its reporter
  (``cases.personal_data``); the topic then reads as raised by nobody in particular;
- their endorsements, an opinion that is theirs to withdraw: deleted, and each topic's household count
  recounted from the endorsements that remain (under the topics' row locks, as ``endorse_topic`` counts).
  ``threshold_reached_at`` stays: the threshold was reached on that day, staff were told, and the
  decision list is the community's agenda, not a live tally;
- their participation in topics still open: deleted, since they can no longer take part.

What stays points at the anonymised account (after ``erase_person`` it holds no name, number or
contact): participation in topics already declined or closed, the record of who the stakeholders were;
and the steps they took (``TopicStep`` is append-only; staff act there in office).
"""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .models import FINAL_STATUSES, Endorsement, Topic, TopicParticipant


def _at(value) -> str | None:
    return value.isoformat() if value else None


def export(person) -> dict:
    raised = Topic.objects.filter(proposer=person).select_related("community").order_by("id")
    endorsements = Endorsement.objects.filter(person=person).select_related("topic", "unit__building").order_by("id")
    participations = TopicParticipant.objects.filter(person=person).select_related("topic").order_by("id")
    return {
        "topics_raised": [
            {
                "id": t.pk,
                "community": t.community.name,
                "title": t.title,
                "description": t.description,
                "source": t.source,
                "status": t.status,
                "raised_at": _at(t.created_at),
                "endorsed_households": t.endorsed_households,
                "decision_reason": t.decision_reason,
            }
            for t in raised
        ],
        "topic_endorsements": [
            {
                "topic": e.topic_id,
                "title": e.topic.title,
                "household": f"{e.unit.building.name} {e.unit.label}",
                "at": _at(e.at),
            }
            for e in endorsements
        ],
        "topic_participation": [
            {"topic": p.topic_id, "title": p.topic.title, "role": p.role, "status": p.topic.status} for p in participations
        ],
    }


def erase(person) -> None:
    Topic.objects.filter(proposer=person).update(proposer=None)
    endorsed = sorted(set(Endorsement.objects.filter(person=person).values_list("topic_id", flat=True)))
    if endorsed:
        list(Topic.objects.select_for_update().filter(pk__in=endorsed).order_by("pk").values_list("pk", flat=True))
        Endorsement.objects.filter(person=person).delete()
        households = (
            Endorsement.objects.filter(topic=OuterRef("pk"))
            .order_by()
            .values("topic")
            .annotate(n=Count("unit", distinct=True))
            .values("n")
        )
        Topic.objects.filter(pk__in=endorsed).update(endorsed_households=Coalesce(Subquery(households), 0))
    TopicParticipant.objects.filter(person=person).exclude(topic__status__in=FINAL_STATUSES).delete()
