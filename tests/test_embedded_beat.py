"""The embedded default runs Celery's beat service in a thread, so the escalation sweep runs on
``make run`` without a broker."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from cases import actions
from cases.models import Case, CaseEvent, Category, Level
from config.celery import app, start_embedded_beat


@pytest.mark.django_db(transaction=True)
def test_the_embedded_beat_runs_the_escalation_sweep(world, tmp_path):
    category = Category.objects.get(code="clutter")
    long_ago = timezone.now() - timedelta(days=2)
    case = actions.submit_case(reporter=world.resident, category=category, place=world.building, description="纸箱", now=long_ago)
    assert case.level == Level.BUILDING

    saved = app.conf.beat_schedule
    service = start_embedded_beat(
        {"sweep": {"task": "cases.tasks.escalate_due_cases", "schedule": 0.2}}, filename=str(tmp_path / "beat")
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not CaseEvent.objects.filter(case=case, kind="escalated").exists():
            time.sleep(0.1)
    finally:
        service.stop()
        app.conf.beat_schedule = saved
    case = Case.objects.get(pk=case.pk)
    assert case.level > Level.BUILDING
    assert CaseEvent.objects.filter(case=case, kind="escalated").count() == 1
