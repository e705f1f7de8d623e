"""Pluggable SMS sending. ``settings.SMS_BACKEND`` names a class with ``send(mobile, text)``.

The console backend (default) writes each message to the ``linli.sms`` log, so one-time codes
can be read from the server output during development. Tests use the memory backend.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("linli.sms")


class ConsoleBackend:
    def send(self, mobile: str, text: str) -> None:
        log.info("SMS to %s: %s", mobile, text)
        print(f"[SMS to {mobile}] {text}", flush=True)


class MemoryBackend:
    outbox: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str) -> None:
        MemoryBackend.outbox.append((mobile, text))


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(mobile: str, text: str) -> None:
    get_backend().send(mobile, text)
