"""Write audit entries. Every action and every staff read of personal data calls ``record``."""

from typing import Any

from django.db import connection
from django.utils import timezone

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
    """One row per person whose data a staff page showed.

    Every directory page writes these, so it is one INSERT statement in autocommit: one round trip,
    where ``bulk_create`` would add a BEGIN and a COMMIT around it.
    """
    if not subject_ids:
        return
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    fields = {f.name: f for f in AuditEntry._meta.concrete_fields}
    at = fields["at"].get_db_prep_value(timezone.now(), connection)
    detail_value = fields["detail"].get_db_prep_value(detail, connection)
    columns = ["at", "actor_id", "action", "object_type", "object_id", "subject_id", "detail"]
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    if connection.vendor == "postgresql":
        # five parameters whatever the page size, where a VALUES list needs seven per person (make bench)
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (no user input)
            "SELECT %s, %s, %s, 'people.person', s::text, s, %s FROM unnest(%s::bigint[]) AS s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [at, actor_id, action, detail_value, list(subject_ids)])
        return
    params: list[Any] = []
    for sid in subject_ids:
        params += [at, actor_id, action, "people.person", str(sid), sid, detail_value]
    placeholders = ",".join(["(" + ",".join(["%s"] * len(columns)) + ")"] * len(subject_ids))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders}"  # noqa: S608 (no user input)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
