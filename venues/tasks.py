from celery import shared_task

from . import actions


@shared_task
def expire_stale_requests() -> int:
    """Periodic (Celery beat, hourly): decline the requests nobody decided before their time."""
    return actions.expire_stale_requests()
