from celery import shared_task

from . import actions


@shared_task
def remind_overdue_loans() -> dict[str, int]:
    """Periodic (Celery beat, daily in the morning): remind borrowers two days before the due date (once)
    and every seven days while a book is overdue, in the app and by SMS. Idempotent."""
    return actions.remind_overdue_loans()
