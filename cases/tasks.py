from celery import shared_task

from . import actions


@shared_task
def escalate_due_cases() -> int:
    """Periodic (Celery beat; in the embedded default, Celery's beat service runs in-process)."""
    return actions.escalate_due_cases()
