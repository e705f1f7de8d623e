"""Notifications: the in-app inbox, and SMS and e-mail through a transactional outbox.

``notify`` writes inbox rows and outbox rows in the caller's transaction and asks a Celery task to
deliver the outbox rows once that transaction commits. A change that rolls back therefore sends
nothing, and a message whose delivery fails (gateway down, broker down, worker down) stays
``pending`` with a later ``next_attempt_at``; the periodic ``deliver_due_messages`` task sends it then.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .models import Notification, OutboxMessage
from .sms import send_sms

log = logging.getLogger("linli.outbox")

MAX_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most two hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 120))


@dataclass
class Notice:
    """One message to some people: everyone gets an inbox entry; ``sms`` and ``email`` also queue a
    message to those with a mobile number or e-mail address."""

    recipients: Iterable
    subject: str
    body: str = ""
    link: str = ""
    sms: bool = False
    email: bool = False
    # (file name, MIME type, text) attached to the e-mail, e.g. a meeting's ``invite.ics``.
    attachment: tuple[str, str, str] | None = None


def notify(**notice) -> None:
    """Tell people about a change, in the caller's transaction (see ``Notice``)."""
    notify_many([Notice(**notice)])


def notify_many(notices: Iterable[Notice]) -> None:
    """Several notices in two INSERTs (used by sweeps that touch many cases at once)."""
    inbox: list[Notification] = []
    messages: list[OutboxMessage] = []
    for n in notices:
        people = {p.pk: p for p in n.recipients if p is not None and p.is_active}.values()
        subject = n.subject[:200]
        text = f"{n.subject}\n{n.body}".strip() if n.body else n.subject
        for p in people:
            inbox.append(Notification(recipient=p, subject=subject, body=n.body, link=n.link))
            if n.sms and p.mobile:
                messages.append(OutboxMessage(channel=OutboxMessage.Channel.SMS, address=p.mobile, body=text))
            if n.email and getattr(p, "email", ""):
                name, mimetype, content = n.attachment or ("", "", "")
                messages.append(
                    OutboxMessage(
                        channel=OutboxMessage.Channel.EMAIL,
                        address=p.email,
                        subject=subject,
                        body=n.body,
                        attachment_name=name,
                        attachment_type=mimetype,
                        attachment=content,
                    )
                )
    if inbox:
        Notification.objects.bulk_create(inbox)
    if messages:
        OutboxMessage.objects.bulk_create(messages)
        ids = [m.pk for m in messages]
        transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: list[int]) -> None:
    from .tasks import deliver_message

    for pk in ids:
        try:
            deliver_message.delay(pk)
        except Exception:  # noqa: BLE001 - a broker outage must not fail the request; the sweep sends it later
            log.warning("could not queue outbox message %s; the periodic sweep will send it", pk, exc_info=True)


def send(message: OutboxMessage) -> None:
    if message.channel == OutboxMessage.Channel.SMS:
        send_sms(message.address, message.body)
    else:
        email = EmailMessage(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.address])
        if message.attachment_name:
            email.attach(message.attachment_name, message.attachment, message.attachment_type)
        email.send()


def deliver(message_id: int) -> str:
    """Send one message if it is due. Returns ``sent``, ``retry`` (failed, will be tried again) or
    ``skipped`` (already sent, given up, not due, or being sent by another worker).

    The row stays locked while sending, so two workers never send the same message.
    """
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxMessage.Status.PENDING)
            .first()
        )
        if message is None or (message.next_attempt_at and message.next_attempt_at > now):
            return "skipped"
        message.attempts += 1
        try:
            send(message)
        except Exception as exc:  # noqa: BLE001 - any gateway failure is retried
            message.last_error = f"{type(exc).__name__}: {exc}"[:300]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxMessage.Status.FAILED
                log.error("giving up on outbox message %s after %s attempts", message.pk, message.attempts)
            else:
                message.next_attempt_at = now + backoff(message.attempts)
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return "retry" if message.status == OutboxMessage.Status.PENDING else "skipped"
        message.status = OutboxMessage.Status.SENT
        message.sent_at = now
        message.save(update_fields=["attempts", "status", "sent_at"])
        return "sent"


def due_message_ids(limit: int = 500) -> list[int]:
    from django.db.models import Q

    now = timezone.now()
    return list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True, created_at__lte=now - timedelta(minutes=1)) | Q(next_attempt_at__lte=now))
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
