from celery import shared_task

from . import outbox
from .sms import send_sms


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver_sms(mobile: str, text: str) -> None:
    send_sms(mobile, text)


@shared_task(bind=True, max_retries=outbox.MAX_ATTEMPTS)
def deliver_message(self, message_id: int) -> str:
    """Deliver one outbox message; on failure Celery tries again with backoff. In the embedded default
    (eager tasks) there is no waiting in the request: the periodic sweep tries again later."""
    outcome = outbox.deliver(message_id)
    if outcome == "retry" and not self.request.is_eager:
        raise self.retry(countdown=outbox.backoff(self.request.retries + 1).total_seconds())
    return outcome


@shared_task
def deliver_due_messages() -> int:
    """Periodic: send what is pending and due (failed earlier, or never queued because the broker was down)."""
    sent = 0
    for pk in outbox.due_message_ids():
        sent += outbox.deliver(pk) == "sent"
    return sent
