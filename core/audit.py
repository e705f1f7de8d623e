"""Write audit entries. Every action and every staff read of personal data calls ``record``."""

from typing import Any

from .models import AuditEntry


def record(*, actor, action: str, obj: Any = None, subject_id: int | None = None, **detail: Any) -> AuditEntry:
    object_type = obj._meta.label_lower if obj is not None and hasattr(obj, "_meta") else ""
    object_id = str(obj.pk) if obj is not None and hasattr(obj, "pk") else ""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor_obj,
        action=action,
        object_type=object_type,
        object_id=object_id,
        subject_id=subject_id,
        detail=detail,
    )


def record_reads(*, actor, action: str, subject_ids: list[int], **detail: Any) -> None:
    """One row per person whose data a staff page showed (bulk, one query)."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=actor_obj, action=action, object_type="people.person", object_id=str(sid), subject_id=sid, detail=detail
            )
            for sid in subject_ids
        ]
    )
