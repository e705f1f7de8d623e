"""Compare-and-set on rows with a ``status`` and a ``version``: of two people changing one row at
once, one wins and the other gets ``Conflict`` (nothing half-done, nothing overwritten)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy


class Conflict(Exception):
    """Someone else changed the row first."""

    message = gettext_lazy("Someone else changed this a moment ago. Please look at it again.")


def compare_and_set(obj, expected_version: int | None, *, conflict: type[Conflict] = Conflict, **changes) -> None:
    """Apply ``changes`` to ``obj`` if nobody changed it (its version and status) since it was read, else
    raise ``conflict``. ``expected_version`` is the version the user saw (``None``: the one read)."""
    version = obj.version if expected_version is None else expected_version
    changes.setdefault("updated_at", timezone.now())
    rows = type(obj)._default_manager.filter(pk=obj.pk, version=version, status=obj.status)
    if rows.update(version=version + 1, **changes) != 1:
        raise conflict
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.version = version + 1
