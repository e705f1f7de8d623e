"""History rows are written once: the audit log, a case's timeline, a topic's steps."""

import pytest

from cases import actions
from cases.models import CaseEvent, Category
from core import audit


def test_history_rows_cannot_be_rewritten(world):
    case = actions.submit_case(
        reporter=world.resident, category=Category.objects.get(code="clutter"), place=world.building, description="纸箱"
    )
    entry = audit.record(actor=world.resident, action="test.read", obj=case)
    event = CaseEvent.objects.get(case=case)
    for row in (entry, event):
        with pytest.raises(ValueError, match="append-only"):
            row.save()
