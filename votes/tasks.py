from celery import shared_task

from . import actions


@shared_task
def open_and_close_due() -> dict[str, int]:
    """Periodic (Celery beat, every minute): open owners' votes whose time has come, close those whose window has ended."""
    return actions.open_and_close_due()
