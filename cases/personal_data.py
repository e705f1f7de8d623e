"""A person's problem reports in their data download (PIPL Art 45), and what erasure does to them (Art 47).

Erasure keeps the case itself, a record of public service that others rely on (neighbours who said
"me too", the handler, the figures), but removes who reported it: the reporter link and any contact name
and phone; the person's "me too" marks go, and the counts follow.
"""

from django.db.models import F

from .models import Case, CaseEvent, Supporter


def export(person) -> dict:
    cases = Case.objects.filter(reporter=person).select_related("category").order_by("id")
    return {
        "problem_reports": [
            {
                "id": c.pk,
                "category": c.category.name,
                "address": c.address,
                "description": c.description,
                "status": c.status,
                "reported_at": c.created_at.isoformat(),
                "rating": c.rating,
                "rating_note": c.rating_note,
                "timeline": [
                    {"at": e.at.isoformat(), "kind": e.kind, "to_status": e.to_status, "note": e.note}
                    for e in c.events.filter(is_public=True).order_by("id")
                ],
            }
            for c in cases
        ],
        "problem_comments": [
            {"case": e.case_id, "at": e.at.isoformat(), "note": e.note}
            for e in CaseEvent.objects.filter(actor=person, kind=CaseEvent.Kind.COMMENT).order_by("id")
        ],
        "me_too": list(Supporter.objects.filter(person=person).values_list("case_id", flat=True)),
    }


def erase(person) -> None:
    Case.objects.filter(reporter=person).update(reporter=None, contact_name="", contact_phone="")
    supported = list(Supporter.objects.filter(person=person).values_list("case_id", flat=True))
    Supporter.objects.filter(person=person).delete()
    Case.objects.filter(pk__in=supported, supporter_count__gt=0).update(supporter_count=F("supporter_count") - 1)
