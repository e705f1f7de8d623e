from celery import shared_task

from .sms import send_sms


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver_sms(mobile: str, text: str) -> None:
    send_sms(mobile, text)
