"""Looking one row up on the hottest paths."""

from functools import cache

from django.core.exceptions import ValidationError
from django.db import connection


def by_pk(model, pk):
    """The ``model`` row with primary key ``pk``, or None (also for a malformed key such as ``?place=abc``).

    By a statement written once per model: a queryset is compiled afresh on each call, and for one row by
    its key the compiling cost more than the query (make bench, every place page asks for its place).
    """
    try:
        pk = model._meta.pk.to_python(pk)
    except ValidationError:
        return None
    if pk is None:
        return None
    return next(iter(model._default_manager.raw(_by_pk_sql(model), [pk])), None)


@cache
def _by_pk_sql(model) -> str:
    qn = connection.ops.quote_name
    return f"SELECT * FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} = %s"  # noqa: S608 (names only)
