from celery import shared_task

from . import actions


@shared_task
def sweep_action_items() -> dict[str, int]:
    """Periodic (Celery beat, hourly): remind owners before the due date, report overdue items."""
    return actions.sweep_action_items()
