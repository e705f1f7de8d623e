import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("linli")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def start_embedded_beat(schedule: dict | None = None, filename: str | None = None):
    """The embedded default has no broker and runs tasks eagerly; Celery's own beat service then runs
    in a thread of the web process, so periodic tasks (the escalation sweep, the outbox retry) still
    run on ``make run``. Production runs ``celery -A config beat`` instead."""
    from celery.beat import EmbeddedService
    from django.conf import settings

    app.autodiscover_tasks(force=True)  # the web process has not imported every app's tasks yet
    if schedule is not None:
        app.conf.beat_schedule = schedule
    service = EmbeddedService(app, thread=True, schedule_filename=filename or str(settings.CELERY_BEAT_SCHEDULE_FILENAME))
    service.start()
    return service
