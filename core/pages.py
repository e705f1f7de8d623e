"""Small helpers every app's views share."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

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


def messages_of(exc: ValidationError) -> list[str]:
    """Every message of an action's ``ValidationError``, field by field or not."""
    if hasattr(exc, "error_dict"):
        return [m for errors in exc.message_dict.values() for m in errors]
    return list(exc.messages)


def object_action(fetch, back):
    """A POST on one object of a page: ``fetch(user, pk)`` it through the access check (404 for anyone
    else), run the view (``view(request, obj, …)``, returning a success message or a response), and go
    ``back(request, obj)`` with the outcome as messages; a refused action shows its reasons and changes
    nothing, a compare-and-set conflict says someone was first."""

    def decorator(view):
        @login_required
        @require_POST
        @wraps(view)
        def wrapper(request, pk: int, *args, **kwargs):
            obj = fetch(request.user, pk)
            try:
                done = view(request, obj, *args, **kwargs)
            except PermissionDenied as exc:
                raise Http404 from exc
            except Conflict as exc:
                messages.error(request, exc.message)
            except ValidationError as exc:
                for message in messages_of(exc):
                    messages.error(request, message)
            else:
                if isinstance(done, HttpResponse):
                    return done
                if done:
                    messages.success(request, done)
            return redirect(back(request, obj))

        return wrapper

    return decorator
