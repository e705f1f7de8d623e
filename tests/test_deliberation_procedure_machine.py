"""The consultation procedure as a state machine: random sequences of proposals, endorsements, decisions
and steps (by random people, with stale versions, missing reasons and a moving clock) never produce an
illegal state.

After every step, for every topic: the status only ever moved along ``TRANSITIONS`` (no skipping);
the history is in step with the status (a continuous chain of steps from raising to the status now);
the version grew by one with every step; a declined topic has its reason; a taken-up topic has a
stakeholder who deliberates; the household count matches the endorsements and the threshold was
recorded exactly when it was reached. A refused action raises ``ValidationError``,
``PermissionDenied`` or ``Conflict`` and changes nothing; an action the rules allow succeeds.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import translation
from hypothesis import HealthCheck, event, settings
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

from deliberation import actions
from deliberation.actions import Invitee
from deliberation.models import (
    TRANSITIONS,
    DeliberationSettings,
    Endorsement,
    Format,
    Source,
    Stakeholder,
    Status,
    Topic,
    TopicParticipant,
    TopicStep,
)

START = datetime(2026, 10, 12, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
REFUSED = (ValidationError, PermissionDenied, actions.Conflict)
THRESHOLD = 2  # households, of the community's three
MEMBERS = ["resident", "neighbour", "building_leader", "b2_resident"]
MANAGERS = ["community_staff", "admin"]
ACTORS = [*MEMBERS, *MANAGERS, "outsider", "other_staff", "property_staff"]
NEEDS_NOTE = {Status.RESIDENTS_MEETING, Status.OUTCOME_RECORDED, Status.FEEDBACK_PUBLISHED}


def snapshots(pks) -> dict[int, dict]:
    """Every column of the topics, with how many steps, endorsements and participants each has."""
    rows = Topic.objects.filter(pk__in=pks).annotate(
        n_steps=Count("steps", distinct=True),
        n_endorsements=Count("endorsements", distinct=True),
        n_participants=Count("participants", distinct=True),
    )
    return {row["id"]: row for row in rows.values()}


class Procedure(RuleBasedStateMachine):
    world = None  # set by the test function (the ``world`` fixture)

    topics = Bundle("topics")

    def __init__(self):
        super().__init__()
        # each example starts from the bare world: everything it writes is rolled back in teardown
        self.savepoint = transaction.savepoint()
        assert not Topic.objects.exists()
        DeliberationSettings.objects.create(community=self.world.community, threshold_households=THRESHOLD)
        self.now = START
        self.versions: dict[int, int] = {}

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    def person(self, actor: str):
        return getattr(self.world, actor)

    # --- rules -------------------------------------------------------------------------------

    @initialize(target=topics, proposer=st.sampled_from(["resident", "neighbour", "community_staff"]))
    def first_topic(self, proposer):
        return self.raise_one(proposer)

    @precondition(lambda self: len(self.versions) < 3)
    @rule(target=topics, proposer=st.sampled_from(["resident", "b2_resident", "community_staff", "admin"]))
    def another_topic(self, proposer):
        return self.raise_one(proposer)

    def raise_one(self, proposer: str) -> int:
        source = Source.STAFF if proposer in MANAGERS else Source.RESIDENT
        topic = actions.raise_topic(
            proposer=self.person(proposer),
            community=self.world.community,
            title=f"{proposer}的议题",
            description="请大家商量",
            source=source,
            now=self.now,
        )
        assert (topic.status, topic.version) == (Status.COLLECTING, 1)
        self.versions[topic.pk] = 1
        return topic.pk

    @rule(days=st.integers(min_value=1, max_value=5))
    def time_passes(self, days):
        self.now += timedelta(days=days)

    @rule(pk=topics, actor=st.sampled_from(ACTORS))
    def endorse(self, pk, actor):
        topic = Topic.objects.get(pk=pk)
        person = self.person(actor)
        already = Endorsement.objects.filter(topic=topic, person=person).exists()
        expected = topic.status == Status.COLLECTING and actor in MEMBERS and not already
        before = snapshots([pk])
        try:
            actions.endorse_topic(person=person, topic=topic, now=self.now)
        except REFUSED:
            assert not expected, f"{actor} could not endorse a {topic.status} topic"
            assert snapshots([pk]) == before
            return
        assert expected, f"{actor} endorsed a {topic.status} topic"
        assert snapshots([pk])[pk]["n_endorsements"] == before[pk]["n_endorsements"] + 1

    @rule(
        pk=topics,
        actor=st.sampled_from(ACTORS),
        take_up=st.booleans(),
        with_reason=st.booleans(),
        experts_only=st.booleans(),
        stale=st.booleans(),
    )
    def decide(self, pk, actor, take_up, with_reason, experts_only, stale):
        self.attempt_decision(pk, actor, take_up=take_up, with_reason=with_reason, experts_only=experts_only, stale=stale)

    @rule(pk=topics, actor=st.sampled_from(ACTORS), to_status=st.sampled_from(Status.values), with_note=st.booleans())
    def advance(self, pk, actor, to_status, with_note):
        """Anyone tries any step: mostly refused."""
        self.attempt_step(pk, actor, to_status, with_note=with_note, stale=False)

    @rule(pk=topics, to_status=st.sampled_from(Status.values))
    def stale_step(self, pk, to_status):
        self.attempt_step(pk, "community_staff", to_status, with_note=True, stale=True)

    @rule(pk=topics, data=st.data(), wait=st.booleans())
    def staff_move_the_topic_on(self, pk, data, wait):
        """A step the procedure allows, by community staff: it succeeds (unless comments are still open
        and they do not wait for the end of the notice period)."""
        topic = Topic.objects.get(pk=pk)
        if topic.status == Status.COLLECTING:
            take_up = data.draw(st.sampled_from([True, True, True, False]), label="take_up")
            self.attempt_decision(pk, "community_staff", take_up=take_up, with_reason=True, experts_only=False, stale=False)
            return
        nexts = sorted(TRANSITIONS[topic.status])
        if nexts:
            to_status = data.draw(st.sampled_from(nexts), label="to_status")
            if wait and topic.comments_until:
                self.now = max(self.now, topic.comments_until)
            self.attempt_step(pk, data.draw(st.sampled_from(MANAGERS), label="actor"), to_status, with_note=True, stale=False)

    @rule(pk=topics, data=st.data(), wait=st.booleans())
    def staff_keep_going(self, pk, data, wait):
        """The same again, so that topics live long enough to meet every status."""
        self.staff_move_the_topic_on(pk, data, wait)

    def attempt_decision(self, pk, actor, *, take_up, with_reason, experts_only, stale):
        topic = Topic.objects.get(pk=pk)
        w = self.world
        participants = [Invitee(role=Stakeholder.EXPERT, person=w.outsider)]
        if not experts_only:
            participants += [
                Invitee(role=Stakeholder.RESIDENT, person=w.neighbour),
                Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=w.company),
            ]
        version = topic.version - 1 if stale else topic.version
        target = Status.DECIDED if take_up else Status.DECLINED
        expected = (
            actor in MANAGERS
            and target in TRANSITIONS[topic.status]
            and (not experts_only if take_up else with_reason)
            and version == topic.version
        )
        before = snapshots([pk])
        try:
            actions.decide_topic(
                actor=self.person(actor),
                topic=topic,
                take_up=take_up,
                reason="理由如下" if with_reason else "",
                participants=participants,
                format=Format.COMPOUND,
                version=version,
                now=self.now,
            )
        except REFUSED as exc:
            assert not expected, f"{actor} could not decide a {topic.status} topic: {exc!r}"
            assert snapshots([pk]) == before
            return
        assert expected, f"{actor} decided a {topic.status} topic"
        after = snapshots([pk])[pk]
        assert after["status"] == target
        assert after["n_participants"] == (len(participants) if take_up else 0)

    def attempt_step(self, pk, actor, to_status, *, with_note, stale):
        topic = Topic.objects.get(pk=pk)
        version = topic.version - 1 if stale else topic.version
        comments_open = to_status == Status.IMPLEMENTING and topic.comments_until and self.now < topic.comments_until
        expected = (
            actor in MANAGERS
            and to_status in TRANSITIONS[topic.status]
            and to_status not in (Status.DECIDED, Status.DECLINED)
            and (with_note or to_status not in NEEDS_NOTE)
            and not comments_open
            and version == topic.version
        )
        before = snapshots([pk])
        try:
            actions.advance_topic(
                actor=self.person(actor),
                topic=topic,
                to_status=to_status,
                note="经协商一致" if with_note else "",
                version=version,
                now=self.now,
            )
        except REFUSED as exc:
            assert not expected, f"{actor} could not move a {topic.status} topic to {to_status}: {exc!r}"
            assert snapshots([pk]) == before
            return
        assert expected, f"{actor} moved a {topic.status} topic to {to_status}"
        after = snapshots([pk])[pk]
        assert after["status"] == to_status
        if to_status == Status.OUTCOME_PUBLISHED:
            assert after["comments_until"] == self.now + timedelta(days=7)

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def history_is_in_step_with_the_status(self):
        steps: dict[int, list[TopicStep]] = {}
        for step in TopicStep.objects.order_by("id"):
            steps.setdefault(step.topic_id, []).append(step)
        for topic in Topic.objects.all():
            event(f"reached {topic.status}")
            path = steps[topic.pk]
            assert (path[0].from_status, path[0].to_status) == ("", Status.COLLECTING)
            for earlier, later in zip(path, path[1:], strict=False):
                assert later.from_status == earlier.to_status
                assert later.to_status in TRANSITIONS[later.from_status]
                assert later.at >= earlier.at
            assert path[-1].to_status == topic.status
            assert topic.version == len(path)
            assert topic.version >= self.versions.get(topic.pk, 1)
            self.versions[topic.pk] = topic.version

    @invariant()
    def decisions_carry_their_reason_or_their_participants(self):
        deliberating = set(
            TopicParticipant.objects.exclude(role=Stakeholder.EXPERT).values_list("topic_id", flat=True).distinct()
        )
        for topic in Topic.objects.exclude(status=Status.COLLECTING):
            assert topic.decided_at is not None
            if topic.status == Status.DECLINED:
                assert topic.decision_reason
                assert not topic.participants.exists()
            else:
                assert topic.pk in deliberating
        assert not TopicParticipant.objects.filter(topic__status__in=[Status.COLLECTING, Status.DECLINED]).exists()

    @invariant()
    def households_are_counted_once_and_the_threshold_is_recorded_when_reached(self):
        for topic in Topic.objects.annotate(households=Count("endorsements__unit", distinct=True)):
            assert topic.endorsed_households == topic.households
            assert (topic.threshold_reached_at is not None) == (topic.households >= THRESHOLD)


def test_random_sequences_of_actions_never_produce_an_illegal_state(world):
    Procedure.world = world
    run_state_machine_as_test(
        Procedure,
        settings=settings(
            max_examples=15,
            stateful_step_count=50,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_the_whole_procedure_with_a_residents_meeting(world):
    """Collecting → decided → notice → deliberation → residents' meeting → outcome → published → (after
    the notice period) implementing → feedback → closed, one step each."""
    staff = world.community_staff
    topic = actions.raise_topic(
        proposer=world.resident, community=world.community, title="公共收益使用", description="如何使用", source=Source.RESIDENT
    )
    actions.decide_topic(
        actor=staff,
        topic=topic,
        take_up=True,
        participants=[Invitee(role=Stakeholder.RESIDENT, person=world.resident)],
        format=Format.COUNCIL,
        version=topic.version,
        now=START,
    )
    steps = [
        (Status.NOTICE_PUBLISHED, "", START),
        (Status.DELIBERATING, "", START + timedelta(days=3)),
        (Status.RESIDENTS_MEETING, "涉及全体居民利益", START + timedelta(days=4)),
        (Status.OUTCOME_RECORDED, "过半数同意", START + timedelta(days=10)),
        (Status.OUTCOME_PUBLISHED, "", START + timedelta(days=10)),
    ]
    for to_status, note, at in steps:
        actions.advance_topic(actor=staff, topic=topic, to_status=to_status, note=note, version=topic.version, now=at)
    try:
        with translation.override("en"):
            actions.advance_topic(
                actor=staff, topic=topic, to_status=Status.IMPLEMENTING, version=topic.version, now=START + timedelta(days=16)
            )
    except ValidationError as refused:
        assert "comments" in refused.messages[0]
    else:
        raise AssertionError("implementation started during the notice period")
    later = START + timedelta(days=17)
    actions.advance_topic(actor=staff, topic=topic, to_status=Status.IMPLEMENTING, version=topic.version, now=later)
    actions.advance_topic(
        actor=staff, topic=topic, to_status=Status.FEEDBACK_PUBLISHED, note="已完成", version=topic.version, now=later
    )
    actions.advance_topic(actor=staff, topic=topic, to_status=Status.CLOSED, version=topic.version, now=later)

    topic.refresh_from_db()
    assert (topic.status, topic.version, topic.outcome, topic.feedback) == (Status.CLOSED, 10, "过半数同意", "已完成")
    assert [s.to_status for s in topic.steps.order_by("id")] == [
        Status.COLLECTING,
        Status.DECIDED,
        Status.NOTICE_PUBLISHED,
        Status.DELIBERATING,
        Status.RESIDENTS_MEETING,
        Status.OUTCOME_RECORDED,
        Status.OUTCOME_PUBLISHED,
        Status.IMPLEMENTING,
        Status.FEEDBACK_PUBLISHED,
        Status.CLOSED,
    ]
    assert topic.next_statuses == []
