"""Small helpers every app's views share."""

from django.core.exceptions import ValidationError


def page_number(request) -> int:
    """``?page=`` as a number from 1; anything else is page 1."""
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


def add_errors(form, exc: ValidationError) -> None:
    """Show an action's ``ValidationError`` on the form: on its field when the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
