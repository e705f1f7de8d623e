"""The topic pages: the index, a community's list (paged, filtered, a constant number of queries),
raising (also from a problem report), the topic page with its whole path, endorsing, deciding, moving
along the procedure, the community's settings; who sees what (404 for everyone else), in both languages."""

import itertools
from datetime import timedelta
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cases import actions as case_actions
from cases.models import Category, Rating
from deliberation import actions
from deliberation.actions import Invitee
from deliberation.models import (
    DeliberationSettings,
    Endorsement,
    Format,
    Source,
    Stakeholder,
    Status,
    Topic,
    TopicParticipant,
)
from people.models import Organisation

OUTSIDERS = ["outsider", "other_staff", "property_staff", "volunteer"]
VIEWERS = ["resident", "neighbour", "b2_resident", "community_staff", "admin"]


def propose(world, person=None, title="加装电梯") -> Topic:
    return actions.raise_topic(
        proposer=person or world.resident,
        community=world.community,
        title=title,
        description="1栋想加装电梯，大家怎么看？",
        source=Source.RESIDENT,
    )


def take_up(world, topic: Topic) -> Topic:
    return actions.decide_topic(
        actor=world.community_staff,
        topic=topic,
        take_up=True,
        participants=[Invitee(role=Stakeholder.RESIDENT, person=world.resident)],
        format=Format.COMPOUND,
        version=topic.version,
    )


def community_url(world, name="deliberation:community") -> str:
    return reverse(name, args=[world.community.pk])


def topic_url(topic: Topic, name="deliberation:topic") -> str:
    return reverse(name, args=[topic.pk])


def body(response) -> str:
    return response.content.decode()


# --- the URLs other code links to --------------------------------------------------------------


def test_the_urls_keep_their_names_and_paths():
    assert reverse("deliberation:index") == "/deliberation/"
    assert reverse("deliberation:community", args=[7]) == "/deliberation/communities/7/"
    assert reverse("deliberation:topic-new", args=[7]) == "/deliberation/communities/7/new/"
    assert reverse("deliberation:settings", args=[7]) == "/deliberation/communities/7/settings/"
    assert reverse("deliberation:topic", args=[7]) == "/deliberation/topics/7/"
    assert reverse("deliberation:endorse", args=[7]) == "/deliberation/topics/7/endorse/"
    assert reverse("deliberation:decide", args=[7]) == "/deliberation/topics/7/decide/"
    assert reverse("deliberation:advance", args=[7]) == "/deliberation/topics/7/advance/"
    assert reverse("deliberation:raise-from-case", args=[7]) == "/deliberation/from-case/7/"


def test_the_pages_need_signing_in(client, world):
    topic = propose(world)
    for url in (reverse("deliberation:index"), community_url(world), topic_url(topic)):
        response = client.get(url)
        assert response.status_code == 302 and "next=" in response.url


# --- the index ---------------------------------------------------------------------------------


def test_a_resident_sees_their_community_and_the_topics_they_raised(client, world):
    topic = propose(world)
    client.force_login(world.resident)

    page = body(client.get(reverse("deliberation:index")))

    assert community_url(world) in page
    assert reverse("deliberation:topic-new", args=[world.community.pk]) in page
    assert topic_url(topic) in page
    assert 'id="decision-list"' not in page


def test_a_participant_finds_the_topic_they_take_part_in(client, world):
    topic = propose(world)
    actions.decide_topic(
        actor=world.community_staff,
        topic=topic,
        take_up=True,
        participants=[
            Invitee(role=Stakeholder.RESIDENT, person=world.neighbour),
            Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=world.company),
        ],
        format=Format.COUNCIL,
        version=topic.version,
    )
    from people.models import Membership

    Membership.objects.create(person=world.property_staff, organisation=world.company)
    for who in ("neighbour", "property_staff"):
        client.force_login(getattr(world, who))
        response = client.get(reverse("deliberation:index"))
        assert topic in response.context["taking_part"], who


def test_staff_see_their_communities_and_the_decision_list(client, world):
    actions.configure_deliberation(actor=world.community_staff, community=world.community, threshold_households=2)
    ready = propose(world, title="门禁改造")
    actions.endorse_topic(person=world.b2_resident, topic=ready)
    waiting = propose(world, title="绿化")
    client.force_login(world.community_staff)

    response = client.get(reverse("deliberation:index"))

    assert response.status_code == 200
    assert list(response.context["decision_list"]) == [ready]
    assert waiting not in response.context["decision_list"]
    assert [c.pk for c in response.context["managed"]] == [world.community.pk]
    assert reverse("deliberation:settings", args=[world.community.pk]) in body(response)

    client.force_login(world.admin)
    response = client.get(reverse("deliberation:index"))
    assert {c.pk for c in response.context["managed"]} == {world.community.pk, world.other_community.pk}
    assert list(response.context["decision_list"]) == [ready]

    client.force_login(world.other_staff)
    assert list(client.get(reverse("deliberation:index")).context["decision_list"]) == []


def test_an_outsider_sees_nothing_of_another_community(client, world):
    topic = propose(world)
    client.force_login(world.outsider)

    page = body(client.get(reverse("deliberation:index")))

    assert topic_url(topic) not in page
    assert community_url(world) not in page


# --- a community's list ------------------------------------------------------------------------


@pytest.mark.parametrize("who", VIEWERS)
def test_the_community_list_shows_its_topics_to_residents_and_staff(client, world, who):
    topic = propose(world)
    client.force_login(getattr(world, who))

    response = client.get(community_url(world))

    assert response.status_code == 200
    page = body(response)
    assert topic_url(topic) in page and "加装电梯" in page
    assert response.context["needed"] == 20  # the default threshold, shown beside each proposal's households


@pytest.mark.parametrize("who", OUTSIDERS)
def test_the_community_list_is_404_for_everyone_else(client, world, who):
    propose(world)
    client.force_login(getattr(world, who))

    assert client.get(community_url(world)).status_code == 404
    assert client.get(community_url(world, "deliberation:topic-new")).status_code == 404


def test_only_communities_have_topic_lists(client, world):
    client.force_login(world.community_staff)
    assert client.get(reverse("deliberation:community", args=[world.compound.pk])).status_code == 404
    assert client.get(reverse("deliberation:community", args=[999999])).status_code == 404


def test_the_owner_living_elsewhere_sees_the_list_of_the_community_they_own_in(client, world):
    from people.models import Ownership

    Ownership.objects.create(unit=world.unit_b2, person=world.outsider)
    client.force_login(world.outsider)
    assert client.get(community_url(world)).status_code == 200


def test_the_list_shows_what_a_topic_is_at_a_glance(client, world):
    actions.configure_deliberation(actor=world.community_staff, community=world.community, threshold_households=3)
    topic = propose(world)
    actions.endorse_topic(person=world.neighbour, topic=topic)
    client.force_login(world.resident)

    with translation.override("en"):
        page = body(client.get(community_url(world), HTTP_ACCEPT_LANGUAGE="en"))
        assert "2 of 3 households endorse" in page
        assert str(Status.COLLECTING.label) in page
        assert str(Source.RESIDENT.label) in page
        assert timezone.localtime(topic.created_at).strftime("%Y-%m-%d") in page
        assert "Raise a topic" in page


def test_the_list_filters_by_status_and_ignores_a_bad_filter(client, world):
    collecting = propose(world, title="征集中")
    decided = take_up(world, propose(world, title="已立项的"))
    client.force_login(world.community_staff)

    only_decided = client.get(community_url(world) + "?status=decided")
    assert list(only_decided.context["topics"]) == [decided]

    for query in ("?status=nonsense", "?page=abc", "?page=-3", "?status=&page=1"):
        response = client.get(community_url(world) + query)
        assert response.status_code == 200, query
        assert set(response.context["topics"]) == {collecting, decided}, query


def test_the_list_is_paged_by_twenty_newest_first(client, world):
    for i in range(25):
        actions.raise_topic(
            proposer=world.community_staff, community=world.community, title=f"议题{i}", description="d", source=Source.STAFF
        )
    client.force_login(world.community_staff)

    first = client.get(community_url(world))
    second = client.get(community_url(world) + "?page=2")

    assert len(first.context["topics"]) == 20 and first.context["has_next"] is True
    assert len(second.context["topics"]) == 5 and second.context["has_next"] is False
    ids = [t.pk for t in first.context["topics"]] + [t.pk for t in second.context["topics"]]
    assert ids == sorted(ids, reverse=True)
    assert "page=2" in body(first)


_titles = itertools.count()


def _add_topics(world, n: int) -> None:
    for _ in range(n):
        topic = actions.raise_topic(
            proposer=world.community_staff,
            community=world.community,
            title=f"议题{next(_titles)}",
            description="d",
            source=Source.STAFF,
        )
        if topic.pk % 3 == 0:
            take_up(world, topic)


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["resident", "community_staff"])
@pytest.mark.parametrize("query", ["", "?status=collecting", "?page=2"])
def test_the_community_list_costs_the_same_queries_for_5_or_40_topics(client, world, who, query, django_assert_max_num_queries):
    client.force_login(getattr(world, who))
    url = community_url(world) + query
    _add_topics(world, 5)
    few = _count_queries(client, url)
    _add_topics(world, 35)
    with django_assert_max_num_queries(8):
        many = _count_queries(client, url)
    assert many == few


def test_a_share_threshold_adds_one_query_not_one_per_row(client, world):
    actions.configure_deliberation(actor=world.community_staff, community=world.community, threshold_per_mille=500)
    client.force_login(world.resident)
    _add_topics(world, 5)
    few = _count_queries(client, community_url(world))
    _add_topics(world, 35)
    assert _count_queries(client, community_url(world)) == few


# --- raising -----------------------------------------------------------------------------------


def test_a_resident_raises_a_topic_and_lands_on_it(client, world):
    client.force_login(world.resident)
    form = client.get(community_url(world, "deliberation:topic-new"))
    assert form.status_code == 200 and 'id="topic-form"' in body(form)

    response = client.post(community_url(world, "deliberation:topic-new"), {"title": "楼道灯", "description": "2楼灯坏了很久"})

    topic = Topic.objects.get()
    assert response.status_code == 302 and response.url == topic_url(topic)
    assert (topic.source, topic.proposer, topic.endorsed_households) == (Source.RESIDENT, world.resident, 1)
    assert "楼道灯" in body(client.get(response.url))


def test_raising_without_a_title_says_so_and_saves_nothing(client, world):
    client.force_login(world.resident)

    with translation.override("en"):
        response = client.post(
            community_url(world, "deliberation:topic-new"), {"title": "  ", "description": "x"}, HTTP_ACCEPT_LANGUAGE="en"
        )

    assert response.status_code == 200
    assert "Please give the topic a title." in body(response)
    assert not Topic.objects.exists()


def test_a_too_long_title_is_refused_on_the_form(client, world):
    client.force_login(world.resident)
    response = client.post(community_url(world, "deliberation:topic-new"), {"title": "长" * 121, "description": "x"})
    assert response.status_code == 200 and response.context["form"].errors["title"]
    assert not Topic.objects.exists()


def test_staff_raise_as_staff_and_cannot_pretend_to_be_residents(client, world):
    client.force_login(world.community_staff)

    refused = client.post(
        community_url(world, "deliberation:topic-new"), {"title": "t", "description": "d", "source": "resident"}
    )
    assert refused.status_code == 200 and refused.context["form"].errors["source"]
    assert not Topic.objects.exists()

    client.post(community_url(world, "deliberation:topic-new"), {"title": "垃圾分类试点", "description": "d"})
    assert Topic.objects.get().source == Source.STAFF


def test_raising_is_post_redirect_get_and_rejects_other_methods(client, world):
    client.force_login(world.resident)
    assert client.put(community_url(world, "deliberation:topic-new")).status_code == 405


# --- the topic page ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", VIEWERS)
def test_the_topic_page_renders_for_those_who_may_see_it(client, world, who):
    topic = propose(world)
    client.force_login(getattr(world, who))
    assert client.get(topic_url(topic)).status_code == 200


@pytest.mark.parametrize("who", OUTSIDERS)
def test_the_topic_page_and_its_forms_are_404_for_everyone_else(client, world, who):
    topic = propose(world)
    client.force_login(getattr(world, who))

    assert client.get(topic_url(topic)).status_code == 404
    assert client.post(topic_url(topic, "deliberation:endorse")).status_code == 404
    assert (
        client.post(topic_url(topic, "deliberation:decide"), {"decision": "decline", "reason": "x", "version": 1}).status_code
        == 404
    )
    assert client.post(topic_url(topic, "deliberation:advance"), {"to_status": "decided", "version": 1}).status_code == 404
    assert client.get(reverse("deliberation:topic", args=[999999])).status_code == 404
    topic.refresh_from_db()
    assert (topic.status, topic.version, topic.endorsed_households) == (Status.COLLECTING, 1, 1)


def test_the_topic_page_shows_buttons_by_what_the_user_may_do(client, world):
    topic = propose(world)

    client.force_login(world.neighbour)
    page = body(client.get(topic_url(topic)))
    assert topic_url(topic, "deliberation:endorse") in page
    assert topic_url(topic, "deliberation:decide") not in page

    client.force_login(world.resident)  # the proposer already endorses
    page = body(client.get(topic_url(topic)))
    assert topic_url(topic, "deliberation:endorse") not in page

    client.force_login(world.community_staff)
    page = body(client.get(topic_url(topic)))
    assert topic_url(topic, "deliberation:decide") in page
    assert topic_url(topic, "deliberation:endorse") not in page
    assert topic_url(topic, "deliberation:advance") not in page  # a collecting topic is decided, not advanced


def test_names_are_masked_for_neighbours_and_shown_to_staff(client, world):
    topic = propose(world)

    client.force_login(world.neighbour)
    page = body(client.get(topic_url(topic)))
    assert "李居民" not in page and "李**" in page

    client.force_login(world.community_staff)
    assert "李居民" in body(client.get(topic_url(topic)))


# --- endorsing ---------------------------------------------------------------------------------


def test_a_neighbour_endorses_once(client, world):
    topic = propose(world)
    client.force_login(world.neighbour)

    response = client.post(topic_url(topic, "deliberation:endorse"))

    assert response.status_code == 302 and response.url == topic_url(topic)
    topic.refresh_from_db()
    assert topic.endorsed_households == 2

    with translation.override("en"):
        again = client.post(topic_url(topic, "deliberation:endorse"), HTTP_ACCEPT_LANGUAGE="en")
        assert again.status_code == 200
        assert "You have already endorsed this topic." in body(again)
    assert Endorsement.objects.filter(topic=topic).count() == 2


def test_endorsing_is_post_only(client, world):
    topic = propose(world)
    client.force_login(world.neighbour)
    assert client.get(topic_url(topic, "deliberation:endorse")).status_code == 405
    assert Endorsement.objects.filter(topic=topic).count() == 1


def test_a_participant_from_elsewhere_sees_the_topic_but_cannot_endorse(client, world):
    topic = propose(world)
    actions.decide_topic(
        actor=world.community_staff,
        topic=topic,
        take_up=True,
        participants=[
            Invitee(role=Stakeholder.RESIDENT, person=world.resident),
            Invitee(role=Stakeholder.EXPERT, person=world.outsider),
        ],
        format=Format.COUNCIL,
        version=topic.version,
    )
    client.force_login(world.outsider)
    assert client.get(topic_url(topic)).status_code == 200
    assert client.post(topic_url(topic, "deliberation:endorse")).status_code == 404


def test_endorsing_a_decided_topic_says_why_and_changes_nothing(client, world):
    topic = take_up(world, propose(world))
    client.force_login(world.neighbour)

    response = client.post(topic_url(topic, "deliberation:endorse"))

    assert response.status_code == 200
    assert response.context["endorse_form"].non_field_errors()
    assert Endorsement.objects.filter(topic=topic).count() == 1


# --- deciding ----------------------------------------------------------------------------------


def test_staff_take_a_topic_up_with_participants(client, world):
    committee = Organisation.objects.create(kind=Organisation.Kind.OWNERS_COMMITTEE, name="水岸公馆业委会", place=world.compound)
    topic = propose(world)
    actions.endorse_topic(person=world.neighbour, topic=topic)
    client.force_login(world.community_staff)
    form = client.get(topic_url(topic)).context["decide_form"]
    assert {f"org_{committee.pk}", f"org_{world.company.pk}"} <= set(form.fields)
    assert {str(world.resident.pk), str(world.neighbour.pk)} == {v for v, _ in form.fields["participants"].choices}

    response = client.post(
        topic_url(topic, "deliberation:decide"),
        {
            "decision": "take_up",
            "format": Format.OWNERS,
            "planned_for": "2026-12-01T19:30",
            f"org_{committee.pk}": Stakeholder.OWNERS_COMMITTEE,
            f"org_{world.company.pk}": Stakeholder.EXPERT,
            "participants": [world.resident.pk],
            "mobiles": world.b2_resident.mobile,
            "version": topic.version,
        },
    )

    assert response.status_code == 302 and response.url == topic_url(topic)
    topic.refresh_from_db()
    assert (topic.status, topic.format) == (Status.DECIDED, Format.OWNERS)
    assert timezone.localtime(topic.planned_for).strftime("%Y-%m-%d %H:%M") == "2026-12-01 19:30"
    assert set(TopicParticipant.objects.filter(topic=topic).values_list("role", "organisation_id", "person_id")) == {
        (Stakeholder.OWNERS_COMMITTEE, committee.pk, None),
        (Stakeholder.EXPERT, world.company.pk, None),
        (Stakeholder.RESIDENT, None, world.resident.pk),
        (Stakeholder.RESIDENT, None, world.b2_resident.pk),
    }
    with translation.override("en"):
        page = body(client.get(topic_url(topic), HTTP_ACCEPT_LANGUAGE="en"))
        assert "水岸公馆业委会" in page and "中铁建物业" in page
        assert "advising" in page  # the expert
        assert escape(Format.OWNERS.label) in page


def test_declining_without_a_reason_shows_the_error_and_changes_nothing(client, world):
    topic = propose(world)
    client.force_login(world.community_staff)

    with translation.override("en"):
        response = client.post(
            topic_url(topic, "deliberation:decide"),
            {"decision": "decline", "reason": "  ", "version": topic.version},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200
        assert "Please give the reason the topic is not taken up." in body(response)
    topic.refresh_from_db()
    assert (topic.status, topic.version, topic.steps.count()) == (Status.COLLECTING, 1, 1)


def test_declining_with_a_reason_shows_it_to_the_residents(client, world):
    topic = propose(world)
    client.force_login(world.community_staff)

    response = client.post(
        topic_url(topic, "deliberation:decide"), {"decision": "decline", "reason": "属于业主大会事项", "version": topic.version}
    )

    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == Status.DECLINED
    client.force_login(world.neighbour)
    assert "属于业主大会事项" in body(client.get(topic_url(topic)))


def test_taking_up_with_experts_only_or_unknown_mobiles_is_refused(client, world):
    topic = propose(world)
    client.force_login(world.community_staff)
    base = {"decision": "take_up", "format": Format.COUNCIL, "version": topic.version}

    experts_only = client.post(topic_url(topic, "deliberation:decide"), {**base, f"org_{world.company.pk}": Stakeholder.EXPERT})
    assert experts_only.status_code == 200 and experts_only.context["decide_form"].errors["participants"]

    stranger = client.post(topic_url(topic, "deliberation:decide"), {**base, "mobiles": world.outsider.mobile})
    assert stranger.status_code == 200 and stranger.context["decide_form"].errors["mobiles"]
    assert "郑外人" not in body(stranger)  # nobody learns who holds a number outside the community

    garbage = client.post(
        topic_url(topic, "deliberation:decide"), {**base, "mobiles": "12ab", f"org_{world.company.pk}": "mayor"}
    )
    assert garbage.status_code == 200 and set(garbage.context["decide_form"].errors) >= {"mobiles", f"org_{world.company.pk}"}

    no_format = client.post(topic_url(topic, "deliberation:decide"), {**base, "format": "", "participants": [world.resident.pk]})
    assert no_format.status_code == 200 and no_format.context["decide_form"].errors["format"]

    topic.refresh_from_db()
    assert (topic.status, topic.version) == (Status.COLLECTING, 1)
    assert not TopicParticipant.objects.exists()


def test_deciding_a_topic_someone_else_decided_says_so(client, world):
    topic = propose(world)
    client.force_login(world.admin)
    take_up(world, topic)  # someone else decided first, on the page the admin still has open

    with translation.override("en"):
        response = client.post(
            topic_url(topic, "deliberation:decide"),
            {"decision": "decline", "reason": "重复", "version": 1},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200
        assert "it has been decided already" in body(response)
    topic.refresh_from_db()
    assert (topic.status, topic.decision_reason) == (Status.DECIDED, "")


def test_residents_cannot_decide_or_advance(client, world):
    topic = propose(world)
    client.force_login(world.resident)

    assert (
        client.post(topic_url(topic, "deliberation:decide"), {"decision": "decline", "reason": "x", "version": 1}).status_code
        == 404
    )
    assert client.post(topic_url(topic, "deliberation:advance"), {"to_status": "decided", "version": 1}).status_code == 404
    topic.refresh_from_db()
    assert topic.status == Status.COLLECTING


def test_a_post_without_the_version_is_refused_politely(client, world):
    topic = propose(world)
    client.force_login(world.community_staff)
    response = client.post(topic_url(topic, "deliberation:decide"), {"decision": "decline", "reason": "x"})
    assert response.status_code == 200 and response.context["decide_form"].errors["version"]
    topic.refresh_from_db()
    assert topic.status == Status.COLLECTING


# --- moving along and the whole path ------------------------------------------------------------


def test_staff_move_the_topic_along_and_the_path_shows_every_step(client, world):
    topic = take_up(world, propose(world))
    client.force_login(world.community_staff)

    def advance(to_status, note=""):
        current = Topic.objects.get(pk=topic.pk)
        return client.post(
            topic_url(topic, "deliberation:advance"), {"to_status": to_status, "note": note, "version": current.version}
        )

    assert advance(Status.NOTICE_PUBLISHED).status_code == 302
    assert advance(Status.DELIBERATING, "周六晚上在党群服务中心").status_code == 302

    with translation.override("en"):
        refused = client.post(
            topic_url(topic, "deliberation:advance"),
            {"to_status": Status.OUTCOME_RECORDED, "note": "", "version": Topic.objects.get(pk=topic.pk).version},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert refused.status_code == 200 and "Please record the outcome." in body(refused)
    assert Topic.objects.get(pk=topic.pk).status == Status.DELIBERATING

    assert advance(Status.OUTCOME_RECORDED, "同意加装，费用按楼层分摊").status_code == 302
    assert advance(Status.OUTCOME_PUBLISHED).status_code == 302

    topic.refresh_from_db()
    assert topic.status == Status.OUTCOME_PUBLISHED
    client.force_login(world.neighbour)
    with translation.override("en"):
        response = client.get(topic_url(topic), HTTP_ACCEPT_LANGUAGE="en")
        page = body(response)
        for label in (Status.COLLECTING, Status.DECIDED, Status.NOTICE_PUBLISHED, Status.DELIBERATING, Status.OUTCOME_RECORDED):
            assert str(Status(label).label) in page
        assert f"{Status.DELIBERATING.label} → <strong>{Status.OUTCOME_RECORDED.label}</strong>" in page
        assert "Comments until".lower() in page.lower()
    assert [(s.from_status, s.to_status) for s in response.context["steps"]] == [
        ("", Status.COLLECTING),
        (Status.COLLECTING, Status.DECIDED),
        (Status.DECIDED, Status.NOTICE_PUBLISHED),
        (Status.NOTICE_PUBLISHED, Status.DELIBERATING),
        (Status.DELIBERATING, Status.OUTCOME_RECORDED),
        (Status.OUTCOME_RECORDED, Status.OUTCOME_PUBLISHED),
    ]
    assert "周六晚上在党群服务中心" in page and "同意加装，费用按楼层分摊" in page


def test_the_advance_form_offers_only_the_next_steps(client, world):
    topic = take_up(world, propose(world))
    client.force_login(world.community_staff)

    form = client.get(topic_url(topic)).context["advance_form"]
    assert form.steps == [Status.NOTICE_PUBLISHED]

    skipping = client.post(topic_url(topic, "deliberation:advance"), {"to_status": Status.CLOSED, "version": topic.version})
    assert skipping.status_code == 200 and skipping.context["advance_form"].errors["to_status"]
    sneaky = client.post(topic_url(topic, "deliberation:advance"), {"to_status": Status.DECLINED, "version": topic.version})
    assert sneaky.status_code == 200
    topic.refresh_from_db()
    assert topic.status == Status.DECIDED


def test_implementation_waits_for_the_comment_period(client, world):
    topic = take_up(world, propose(world))
    for to_status, note in (
        (Status.NOTICE_PUBLISHED, ""),
        (Status.DELIBERATING, ""),
        (Status.OUTCOME_RECORDED, "同意"),
        (Status.OUTCOME_PUBLISHED, ""),
    ):
        actions.advance_topic(actor=world.community_staff, topic=topic, to_status=to_status, note=note, version=topic.version)
    client.force_login(world.community_staff)

    response = client.post(topic_url(topic, "deliberation:advance"), {"to_status": Status.IMPLEMENTING, "version": topic.version})

    assert response.status_code == 200 and response.context["advance_form"].non_field_errors()
    topic.refresh_from_db()
    assert topic.status == Status.OUTCOME_PUBLISHED


def test_a_stale_step_is_a_conflict(client, world):
    topic = take_up(world, propose(world))
    stale = topic.version
    actions.advance_topic(actor=world.admin, topic=topic, to_status=Status.NOTICE_PUBLISHED, version=topic.version)
    client.force_login(world.community_staff)

    response = client.post(topic_url(topic, "deliberation:advance"), {"to_status": Status.DELIBERATING, "version": stale})

    assert response.status_code == 409
    assert escape(actions.Conflict.message) in body(response)
    assert response.context["advance_form"].data["version"] == topic.version  # the form follows the topic now
    topic.refresh_from_db()
    assert topic.status == Status.NOTICE_PUBLISHED


# --- meetings and follow-up ----------------------------------------------------------------------


def test_the_topic_page_lists_its_meetings_and_action_items(client, world):
    from meetings import actions as meeting_actions
    from meetings.models import Kind

    topic = take_up(world, propose(world))
    now = timezone.now()
    meeting = meeting_actions.create_meeting(
        actor=world.community_staff,
        community=world.community,
        kind=Kind.JOINT,
        title="联席会议：加装电梯",
        starts_at=now + timedelta(days=5),
        ends_at=now + timedelta(days=5, hours=2),
        location="社区党群服务中心",
        topics=[topic],
    )
    meeting_actions.create_action_item(
        actor=world.community_staff,
        title="测量楼道宽度",
        topic=topic,
        owner_organisation=world.company,
        due_on=timezone.localdate(),
    )
    client.force_login(world.resident)

    page = body(client.get(topic_url(topic)))

    assert f"/meetings/{meeting.pk}/" in page and "联席会议：加装电梯" in page
    assert "测量楼道宽度" in page and "中铁建物业" in page


# --- from a problem report -----------------------------------------------------------------------


def unsatisfied_case(world):
    case = case_actions.submit_case(
        reporter=world.resident, category=Category.objects.get(code="noise"), place=world.building, description="夜间施工噪音"
    )
    case_actions.transition_case(actor=world.community_staff, case=case, action="accept")
    case_actions.transition_case(actor=world.community_staff, case=case, action="resolve", note="已劝导")
    case_actions.rate_case(person=world.resident, case=case, rating=Rating.UNSATISFIED)
    return case


def test_staff_raise_a_topic_from_a_problem_report(client, world):
    case = unsatisfied_case(world)
    client.force_login(world.community_staff)
    url = reverse("deliberation:raise-from-case", args=[case.pk])
    assert client.get(url).status_code == 200

    response = client.post(url)

    topic = Topic.objects.get()
    assert response.status_code == 302 and response.url == topic_url(topic)
    assert (topic.source, topic.case_id) == (Source.PROBLEM_REPORT, case.pk)
    assert f'href="/cases/{case.pk}/"' in body(client.get(topic_url(topic)))

    again = client.post(url)  # already an open topic
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    assert Topic.objects.count() == 1


def test_a_fresh_report_is_refused_on_the_form(client, world):
    case = case_actions.submit_case(
        reporter=world.resident, category=Category.objects.get(code="noise"), place=world.building, description="噪音"
    )
    client.force_login(world.community_staff)

    response = client.post(reverse("deliberation:raise-from-case", args=[case.pk]), {"title": "噪音"})

    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not Topic.objects.exists()


@pytest.mark.parametrize("who", ["resident", "building_leader", "other_staff", "outsider"])
def test_only_staff_over_the_report_raise_a_topic_from_it(client, world, who):
    case = unsatisfied_case(world)
    client.force_login(getattr(world, who))
    url = reverse("deliberation:raise-from-case", args=[case.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not Topic.objects.exists()


# --- the community's settings ------------------------------------------------------------------


def test_staff_set_the_threshold(client, world):
    client.force_login(world.community_staff)
    url = community_url(world, "deliberation:settings")
    assert client.get(url).status_code == 200

    response = client.post(url, {"threshold_households": "3", "threshold_per_mille": "", "outcome_notice_days": "10"})

    assert response.status_code == 302 and response.url == community_url(world)
    found = DeliberationSettings.objects.get(community=world.community)
    assert (found.threshold_households, found.threshold_per_mille, found.outcome_notice_days) == (3, None, 10)


def test_a_threshold_in_both_ways_is_refused_and_nothing_saved(client, world):
    client.force_login(world.community_staff)
    url = community_url(world, "deliberation:settings")

    with translation.override("en"):
        response = client.post(
            url,
            {"threshold_households": "3", "threshold_per_mille": "100", "outcome_notice_days": "7"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200
        assert "not both" in body(response)
    for bad in (
        {"threshold_per_mille": "1001", "outcome_notice_days": "7"},
        {"outcome_notice_days": "0"},
        {"outcome_notice_days": "x"},
    ):
        assert client.post(url, bad).status_code == 200
    assert not DeliberationSettings.objects.exists()


@pytest.mark.parametrize("who", ["resident", "building_leader", "other_staff", "outsider"])
def test_only_staff_over_the_community_see_its_settings(client, world, who):
    client.force_login(getattr(world, who))
    url = community_url(world, "deliberation:settings")
    assert client.get(url).status_code == 404
    assert client.post(url, {"threshold_households": "1", "outcome_notice_days": "7"}).status_code == 404
    assert not DeliberationSettings.objects.exists()


# --- both languages ------------------------------------------------------------------------------


def test_the_pages_are_chinese_by_default_and_english_on_request(client, world):
    topic = propose(world)
    client.force_login(world.community_staff)

    chinese = body(client.get(topic_url(topic)))
    assert "征集意见" in chinese and "居民提议" in chinese
    assert 'lang="zh-hans"' in chinese

    with translation.override("en"):
        english = body(client.get(topic_url(topic), HTTP_ACCEPT_LANGUAGE="en"))
        assert 'lang="en"' in english
        assert "collecting opinions" in english and "resident proposal" in english
        assert "The whole path" in english and "Take up" in english
        listing = body(client.get(community_url(world), HTTP_ACCEPT_LANGUAGE="en"))
        assert "collecting opinions" in listing and "Raise a topic" in listing
