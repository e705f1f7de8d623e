"""The case workflow as a state machine: random sequences of reports, workflow verbs, comments, ratings,
"me too" and escalation sweeps (with a moving clock) by random people never produce an illegal state.

After every step, for every case: the status only ever moved along ``TRANSITIONS``; the timeline is in
step with the case (the chain of status events is continuous and ends at the case's status); the
version grew with every status change; the escalation level never went down; ``escalate_at`` is set
exactly for open cases below the sub-district; the "me too" count matches the supporters. A refused
action raises ``ValidationError``, ``PermissionDenied`` or ``Conflict`` and changes nothing; an action
the rules allow succeeds.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from cases import access, actions
from cases.models import OPEN_STATUSES, TRANSITIONS, Case, CaseEvent, Category, Level, Rating, Status, Supporter

START = datetime(2026, 9, 21, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # the sweep will meet National Day
REFUSED = (ValidationError, PermissionDenied, actions.Conflict)
ACTORS = ["reporter", "property_staff", "building_leader", "community_staff", "neighbour", "outsider"]
VERBS = sorted(access.ACTION_STATUS)
PROGRESS = {"accept": 4, "start": 3, "resolve": 3, "reopen": 2, "confirm": 1, "reject": 1, "merge": 1}
NEEDS_NOTE = {"reject", "reopen", "resolve"}


def snapshots(pks=None) -> dict[int, dict]:
    """Every column of the cases, with how many timeline entries and supporters each has (one query)."""
    cases = Case.objects.all() if pks is None else Case.objects.filter(pk__in=pks)
    counted = cases.annotate(n_events=Count("events", distinct=True), n_supporters=Count("supporters", distinct=True)).values()
    return {row["id"]: row for row in counted}


def snapshot(pk: int) -> dict:
    return snapshots([pk])[pk]


class CaseWorkflow(RuleBasedStateMachine):
    world = None  # set by the test function (the ``world`` fixture)

    cases = Bundle("cases")

    def __init__(self):
        super().__init__()
        # each example starts from the bare world: everything it writes is rolled back in teardown
        self.savepoint = transaction.savepoint()
        assert not Case.objects.exists()
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        self.categories = {c.code: c for c in Category.objects.filter(code__in=["clutter", "noise"])}
        self.seen: dict[int, tuple[str, int, int]] = {}  # pk → (status, version, level) at the last look
        self.steps_since_sweep = 0

    def teardown(self):
        self.traveller.stop()
        transaction.savepoint_rollback(self.savepoint)

    # --- who is who --------------------------------------------------------------------------

    def person(self, actor: str, case: Case):
        return case.reporter if actor == "reporter" else getattr(self.world, actor)

    def verbs_for(self, person, case: Case) -> set[str]:
        """The rules, written out independently of ``access``: who may use which verb on this case."""
        w = self.world
        verbs: set[str] = set()
        if person == w.community_staff:
            verbs |= {"accept", "start", "resolve", "reject", "merge"}
        if person == w.building_leader and case.place_id == w.building.pk:
            verbs |= {"accept", "start", "resolve"}
        if person == w.property_staff and case.handler_id == w.company.pk:
            verbs |= {"accept", "start", "resolve", "reject"}
        if person.pk == case.reporter_id:
            verbs.add("confirm")
            if case.resolved_at and timezone.now() - case.resolved_at < timedelta(days=7):
                verbs.add("reopen")
        return verbs

    def works_on(self, person, case: Case) -> bool:
        return bool(self.verbs_for(person, case) - {"confirm", "reopen"})

    def lives_in_compound(self, person) -> bool:
        w = self.world
        return person in (w.resident, w.neighbour, w.building_leader, w.b2_resident)

    # --- rules -------------------------------------------------------------------------------

    @initialize(target=cases, reporter=st.sampled_from(["resident", "neighbour"]), code=st.sampled_from(["clutter", "noise"]))
    def first_report(self, reporter, code):
        return self.report_case(reporter, code, "building")

    @precondition(lambda self: len(self.seen) < 5)
    @rule(
        target=cases,
        reporter=st.sampled_from(["resident", "neighbour"]),
        code=st.sampled_from(["clutter", "noise"]),
        where=st.sampled_from(["building", "building2"]),
    )
    def report(self, reporter, code, where):
        return self.report_case(reporter, code, where)

    def report_case(self, reporter, code, where) -> int:
        case = actions.submit_case(
            reporter=getattr(self.world, reporter),
            category=self.categories[code],
            place=getattr(self.world, where),
            description=f"{code} at {where}",
        )
        assert (case.status, case.version) == (Status.SUBMITTED, 1)
        self.seen[case.pk] = (case.status, case.version, case.level)
        return case.pk

    @rule(
        pk=cases,
        actor=st.sampled_from(ACTORS),
        verb=st.sampled_from(VERBS),
        with_note=st.booleans(),
        stale=st.booleans(),
        other=cases,
    )
    def any_verb(self, pk, actor, verb, with_note, stale, other):
        """Anyone tries anything: mostly refused."""
        self.attempt(pk, actor, verb, with_note=with_note, stale=stale, other=other)

    @rule(pk=cases, other=cases, data=st.data())
    def someone_moves_the_case_on(self, pk, other, data):
        """A verb the case's status allows, by someone the rules let use it (if anyone): it succeeds."""
        case = Case.objects.select_related("reporter").get(pk=pk)
        # weighted towards moving forward, so that cases live long enough to meet every status
        verbs = [v for v in PROGRESS for _ in range(PROGRESS[v]) if access.ACTION_STATUS[v] in TRANSITIONS[case.status]]
        if not verbs:
            return
        verb = data.draw(st.sampled_from(verbs), label="verb")
        actors = [a for a in ACTORS if verb in self.verbs_for(self.person(a, case), case)] or ACTORS
        actor = data.draw(st.sampled_from(actors), label="actor")
        self.attempt(pk, actor, verb, with_note=True, stale=False, other=other)

    def attempt(self, pk, actor, verb, *, with_note, stale, other):
        case = Case.objects.select_related("reporter", "category").get(pk=pk)
        person = self.person(actor, case)
        version = case.version - 1 if stale and case.version > 1 else case.version
        merge_into = Case.objects.get(pk=other) if verb == "merge" else None
        legal = access.ACTION_STATUS[verb] in TRANSITIONS[case.status]
        allowed = verb in self.verbs_for(person, case)
        noted = with_note or verb not in NEEDS_NOTE
        target_ok = merge_into is None or (
            merge_into.pk != case.pk and merge_into.is_open and merge_into.area_path == case.area_path
        )
        expected = legal and allowed and noted and target_ok and version == case.version
        before = snapshots([pk, other])
        from_status = case.status

        try:
            actions.transition_case(
                actor=person,
                case=case,
                action=verb,
                note="理由如下" if with_note else "",
                version=version,
                merge_into=merge_into,
            )
        except REFUSED as exc:
            assert not expected, f"{actor} could not {verb} a {from_status} case: {exc!r}"
            assert snapshots([pk, other]) == before
            return
        assert expected, f"{actor} was allowed to {verb} a {from_status} case"
        after = Case.objects.get(pk=pk)
        assert after.status == access.ACTION_STATUS[verb]
        assert after.status in TRANSITIONS[from_status]
        assert after.version == before[pk]["version"] + 1
        if verb == "merge":
            assert after.merged_into_id == other

    @rule(pk=cases, actor=st.sampled_from(ACTORS), public=st.booleans(), empty=st.booleans())
    def comment(self, pk, actor, public, empty):
        case = Case.objects.select_related("reporter").get(pk=pk)
        person = self.person(actor, case)
        expected = not empty and (self.works_on(person, case) or person.pk == case.reporter_id)
        before = snapshot(pk)
        try:
            event = actions.comment_on_case(actor=person, case=case, note="" if empty else "跟进中", public=public)
        except REFUSED:
            assert not expected
            assert snapshot(pk) == before
            return
        assert expected
        if person.pk == case.reporter_id and not self.works_on(person, case):
            assert event.is_public  # the reporter's comments are always public
        after = Case.objects.get(pk=pk)
        assert (after.status, after.version) == (case.status, case.version)
        if self.works_on(person, case) and case.responded_at is None:
            assert after.responded_at == timezone.now()

    @rule(pk=cases, by_reporter=st.booleans(), rating=st.sampled_from([*Rating.values, "excellent"]))
    def rate(self, pk, by_reporter, rating):
        case = Case.objects.select_related("reporter").get(pk=pk)
        person = case.reporter if by_reporter else self.world.neighbour
        expected = (
            rating in Rating.values
            and person.pk == case.reporter_id
            and case.status in (Status.RESOLVED, Status.CONFIRMED)
            and not case.rating
        )
        before = snapshot(pk)
        try:
            actions.rate_case(person=person, case=case, rating=rating)
        except REFUSED:
            assert not expected
            assert snapshot(pk) == before
            return
        assert expected
        after = Case.objects.get(pk=pk)
        assert (after.status, after.rating) == (Status.CONFIRMED, rating)
        assert after.needs_meeting == (rating == Rating.UNSATISFIED or case.needs_meeting)

    @rule(pk=cases, actor=st.sampled_from(ACTORS))
    def me_too(self, pk, actor):
        case = Case.objects.select_related("reporter").get(pk=pk)
        person = self.person(actor, case)
        expected = case.is_open and case.is_public and person.pk != case.reporter_id and self.lives_in_compound(person)
        already = Supporter.objects.filter(case=case, person=person).exists()
        before = snapshot(pk)
        try:
            added = actions.support_case(person=person, case=case)
        except REFUSED:
            assert not expected
            assert snapshot(pk) == before
            return
        assert expected
        assert added is not already
        if already:
            assert snapshot(pk) == before

    @precondition(lambda self: self.steps_since_sweep >= 3)  # else the cheap sweep crowds out the rest
    @rule(hours=st.sampled_from([1, 5, 23, 25, 49, 24 * 4, 24 * 9, 24 * 22]))
    def sweep(self, hours):
        self.steps_since_sweep = 0
        self.clock.shift(timedelta(hours=hours))
        now = timezone.now()
        before = snapshots()
        due = {
            pk: row["level"]
            for pk, row in before.items()
            if row["status"] in OPEN_STATUSES and row["escalate_at"] is not None and row["escalate_at"] <= now
        }

        assert actions.escalate_due_cases() == len(due)
        assert actions.escalate_due_cases() == 0  # the same sweep again escalates nothing twice

        after = snapshots()
        for pk, row in after.items():
            if pk not in due:
                assert row == before[pk]  # only due cases are touched
                continue
            assert row["level"] > due[pk]
            assert row["version"] == before[pk]["version"] + 1
            assert row["n_events"] == before[pk]["n_events"] + 1
            assert row["escalate_at"] is None or row["escalate_at"] > now
        stepped = CaseEvent.objects.filter(kind=CaseEvent.Kind.ESCALATED, at=now).values_list("case_id", flat=True)
        assert sorted(stepped) == sorted(due)

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def every_case_is_in_a_legal_state(self):
        self.steps_since_sweep += 1
        cases = list(Case.objects.select_related("merged_into"))
        status_events: dict[int, list[tuple]] = {c.pk: [] for c in cases}
        for case_id, *event in (
            CaseEvent.objects.filter(kind__in=[CaseEvent.Kind.SUBMITTED, CaseEvent.Kind.TRANSITION])
            .order_by("id")
            .values_list("case_id", "kind", "from_status", "to_status")
        ):
            status_events[case_id].append(tuple(event))
        supporters: dict[int, set[int]] = {c.pk: set() for c in cases}
        for case_id, person_id in Supporter.objects.values_list("case_id", "person_id"):
            supporters[case_id].add(person_id)
        for case in cases:
            self.check(case, status_events[case.pk], supporters[case.pk])

    def check(self, case: Case, status_events: list[tuple], supporters: set[int]) -> None:
        # the timeline starts with the report and its status changes form one unbroken legal chain
        assert status_events[0] == (CaseEvent.Kind.SUBMITTED, "", Status.SUBMITTED)
        for (_, _, previous), (kind, from_status, to_status) in zip(status_events, status_events[1:], strict=False):
            assert kind == CaseEvent.Kind.TRANSITION
            assert from_status == previous
            assert to_status in TRANSITIONS[from_status]
        assert status_events[-1][2] == case.status

        # compared with the last look: one legal step at most, the version grew with it, the level never fell
        status, version, level = self.seen[case.pk]
        assert case.status == status or case.status in TRANSITIONS[status]
        assert case.version >= version
        if case.status != status:
            assert case.version > version
        assert case.level >= level
        self.seen[case.pk] = (case.status, case.version, case.level)

        assert Level.BUILDING <= case.level <= Level.SUBDISTRICT
        if case.status not in OPEN_STATUSES or case.level == Level.SUBDISTRICT:
            assert case.escalate_at is None
        else:
            assert case.escalate_at is not None
        if case.status == Status.MERGED:
            assert case.merged_into is not None and case.merged_into.area_path == case.area_path
        else:
            assert case.merged_into_id is None
        if case.status in (Status.RESOLVED, Status.CONFIRMED):
            assert case.resolved_at is not None
        if case.status in (Status.CONFIRMED, Status.REJECTED, Status.MERGED):
            assert case.closed_at is not None
        if case.status != Status.SUBMITTED and case.status not in (Status.CONFIRMED, Status.REOPENED):
            assert case.responded_at is not None  # every staff verb counts as the first response
        assert case.supporter_count == len(supporters)
        assert case.reporter_id not in supporters
        assert case.rating == "" or case.status == Status.CONFIRMED


def test_random_sequences_of_actions_never_produce_an_illegal_state(world):
    CaseWorkflow.world = world
    run_state_machine_as_test(
        CaseWorkflow,
        settings=settings(
            max_examples=20,
            stateful_step_count=50,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
