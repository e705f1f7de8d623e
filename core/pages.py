"""Small helpers every app's views share."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from .concurrency import Conflict


def page_number(request) -> int:
    """``?page=`` as a number from 1; anything else is page 1."""
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


def run_action(form, apply) -> str | None:
    """Run an action for a submitted form (``apply()``, a state change with compare-and-set). ``None``
    when it went through; otherwise the action's reasons are on the form and the answer is
    ``"conflict"`` (someone changed the row first) or ``"refused"``. A ``PermissionDenied`` becomes a
    404: "missing" and "forbidden" look the same."""
    try:
        apply()
    except Conflict as exc:
        form.add_error(None, exc.message)
        return "conflict"
    except ValidationError as exc:
        add_errors(form, exc)
        return "refused"
    except PermissionDenied as exc:
        raise Http404 from exc
    return None


def keep_version(form, version: int) -> None:
    """Show a refused form again over the row as it is now: the version follows the row, the text typed stays."""
    form.data = form.data.copy()
    form.data["version"] = version


def add_errors(form, exc: ValidationError) -> None:
    """Show an action's ``ValidationError`` on the form: on its field when the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
