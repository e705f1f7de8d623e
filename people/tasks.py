from celery import shared_task
from django.utils import timezone

from .models import OneTimeCode


@shared_task
def purge_expired_codes() -> int:
    deleted, _ = OneTimeCode.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
