"""Periodic work for events (Celery beat, see ``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from . import actions


@shared_task
def send_event_reminders() -> int:
    """Remind the confirmed a day before (every 15 minutes; each event once)."""
    return actions.send_reminders()


@shared_task
def record_event_encounters() -> int:
    """Record who attended together once an event is over (hourly; each event once)."""
    return actions.record_encounters()
