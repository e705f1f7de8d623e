"""Notifications go through a transactional outbox: inbox and outbox rows are written with the change,
SMS and e-mail leave only once it commits, a failing gateway is retried later with backoff, nothing is
sent twice, and a message that keeps failing is given up after ``MAX_ATTEMPTS``."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from cases import actions
from cases.models import Case, Category
from core import outbox
from core.models import Notification, OutboxMessage
from core.sms import MemoryBackend
from core.tasks import deliver_due_messages

START = datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class GatewayDown(OSError):
    pass


class FailingBackend:
    """An SMS gateway that is down: every send raises, and is counted."""

    calls = 0

    def send(self, mobile: str, text: str) -> None:
        FailingBackend.calls += 1
        raise GatewayDown("gateway unreachable")


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def gateway_down(settings):
    FailingBackend.calls = 0
    settings.SMS_BACKEND = f"{__name__}.FailingBackend"
    return settings


class Boom(Exception):
    pass


def test_notify_writes_the_inbox_and_outbox_rows_in_the_callers_transaction(world):
    with transaction.atomic():
        outbox.notify(recipients=[world.resident, world.neighbour], subject="停水通知", body="明天 9 点停水", sms=True)
        assert Notification.objects.filter(subject="停水通知").count() == 2
        assert OutboxMessage.objects.filter(status="pending").count() == 2

    rows = set(OutboxMessage.objects.values_list("channel", "address", "body"))
    assert rows == {
        ("sms", world.resident.mobile, "停水通知\n明天 9 点停水"),
        ("sms", world.neighbour.mobile, "停水通知\n明天 9 点停水"),
    }


def test_sms_leaves_only_when_the_transaction_commits(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.notify(recipients=[world.resident], subject="停水通知", sms=True)
        assert MemoryBackend.outbox == []

    assert MemoryBackend.outbox == [(world.resident.mobile, "停水通知")]
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 1)
    assert message.sent_at is not None


def test_an_inbox_only_notice_queues_no_message(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outbox.notify(recipients=[world.resident], subject="仅站内信")

    assert Notification.objects.filter(recipient=world.resident).count() == 1
    assert not OutboxMessage.objects.exists()
    assert callbacks == []


def test_inactive_people_and_people_without_a_mobile_get_no_sms(world, django_capture_on_commit_callbacks):
    world.neighbour.is_active = False
    world.neighbour.save(update_fields=["is_active"])
    no_phone = type(world.resident).objects.create_user(mobile=None, password=None, name="无手机")

    with django_capture_on_commit_callbacks(execute=True):
        outbox.notify(recipients=[world.resident, world.neighbour, no_phone, None], subject="通知", sms=True)

    assert set(Notification.objects.values_list("recipient", flat=True)) == {world.resident.pk, no_phone.pk}
    assert MemoryBackend.outbox == [(world.resident.mobile, "通知")]


def test_a_rolled_back_transaction_leaves_no_rows_and_sends_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        outbox.notify(recipients=[world.resident], subject="不会发出", sms=True, email=True)
        raise Boom

    assert callbacks == []
    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert MemoryBackend.outbox == []
    assert mail.outbox == []


def test_a_reported_emergency_that_rolls_back_tells_nobody(world, django_capture_on_commit_callbacks):
    emergency = Category.objects.get(code="emergency")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        actions.submit_case(reporter=world.resident, category=emergency, place=world.building, description="楼道起火")
        assert OutboxMessage.objects.filter(address=world.community_staff.mobile).exists()
        raise Boom  # something after the report fails

    assert callbacks == []
    assert not Case.objects.exists()
    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert MemoryBackend.outbox == []


def test_a_failing_gateway_leaves_the_message_pending_for_a_later_attempt(
    world, clock, gateway_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.notify(recipients=[world.resident], subject="停水通知", sms=True)

    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert message.next_attempt_at == START + outbox.backoff(1)
    assert message.next_attempt_at > START
    assert "GatewayDown" in message.last_error
    assert FailingBackend.calls == 1


def test_the_sweep_sends_a_failed_message_once_the_gateway_works_and_its_time_has_come(
    world, clock, gateway_down, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.notify(recipients=[world.resident], subject="停水通知", sms=True)
    settings.SMS_BACKEND = "core.sms.MemoryBackend"  # the gateway is back

    assert deliver_due_messages() == 0  # not yet: the backoff has not passed
    assert MemoryBackend.outbox == []

    clock.shift(outbox.backoff(1))
    assert deliver_due_messages() == 1
    assert deliver_due_messages() == 0  # never twice
    clock.shift(timedelta(hours=3))
    assert deliver_due_messages() == 0

    assert MemoryBackend.outbox == [(world.resident.mobile, "停水通知")]
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts, message.sent_at) == (OutboxMessage.Status.SENT, 2, START + outbox.backoff(1))


def test_delivering_one_message_twice_sends_it_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.notify(recipients=[world.resident], subject="停水通知", sms=True)
    message = OutboxMessage.objects.get()

    assert outbox.deliver(message.pk) == "skipped"
    assert MemoryBackend.outbox == [(world.resident.mobile, "停水通知")]


def test_a_message_never_queued_because_the_broker_was_down_is_swept_up_after_a_minute(world, clock, monkeypatch):
    def broker_down(ids):
        raise ConnectionError("broker down")

    monkeypatch.setattr("core.tasks.deliver_message.delay", broker_down)
    with transaction.atomic():
        outbox.notify(recipients=[world.resident], subject="停水通知", sms=True)
    outbox.enqueue([m.pk for m in OutboxMessage.objects.all()])  # logs and carries on
    assert MemoryBackend.outbox == []

    assert deliver_due_messages() == 0  # a fresh message may still be on its way
    clock.shift(timedelta(minutes=1))
    assert deliver_due_messages() == 1
    assert MemoryBackend.outbox == [(world.resident.mobile, "停水通知")]


def test_the_backoff_doubles_and_is_capped_at_two_hours():
    assert [outbox.backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert outbox.backoff(20) == timedelta(hours=2)


def test_a_message_that_keeps_failing_is_given_up_after_max_attempts(
    world, clock, gateway_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.notify(recipients=[world.resident], subject="停水通知", sms=True)

    for _ in range(outbox.MAX_ATTEMPTS + 3):
        clock.shift(timedelta(hours=2))
        deliver_due_messages()

    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == outbox.MAX_ATTEMPTS
    assert FailingBackend.calls == outbox.MAX_ATTEMPTS
    assert outbox.deliver(message.pk) == "skipped"
    assert FailingBackend.calls == outbox.MAX_ATTEMPTS


def test_email_goes_to_people_with_an_address(world, django_capture_on_commit_callbacks):
    world.resident.email = "li@example.com"
    world.resident.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        outbox.notify(recipients=[world.resident, world.neighbour], subject="业主大会通知", body="周六开会", email=True)

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert (sent.to, sent.subject, sent.body) == (["li@example.com"], "业主大会通知", "周六开会")
    assert OutboxMessage.objects.get().channel == OutboxMessage.Channel.EMAIL
    assert MemoryBackend.outbox == []
    assert Notification.objects.count() == 2
