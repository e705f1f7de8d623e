"""Who sees and who manages a tournament (``competitions.access``): a matrix of personas × tournament
states, the organiser's officers, staff by the scope they cover, and names masked for the public."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from competitions import access, actions
from competitions.models import Format, Status, Tournament
from people.models import Membership
from tests.test_tournament_world import add_teams, cw_fixture, knockout, new_tournament, play, start  # noqa: F401


def _in(status: str, w) -> Tournament:
    t = new_tournament(w, fmt=Format.KNOCKOUT)
    if status == Status.DRAFT:
        Tournament.objects.filter(pk=t.pk).update(status=Status.DRAFT)
    elif status != Status.REGISTRATION:
        add_teams(w, t, 2)
        t = start(w, t)
        if status in (Status.FINISHED, Status.PUBLISHED):
            play(w, knockout(t, 1)[0], "a")
        if status == Status.PUBLISHED:
            t.refresh_from_db()
            actions.publish_tournament(actor=w.admin, tournament=t)
    t.refresh_from_db()
    assert t.status == status
    return t


VIEWERS = ["resident", "outsider", "building_leader", "community_staff", "admin", "chair", "stranger", "anonymous"]
# who sees a sub-district tournament, by its state (True: sees it)
SEES = {
    Status.DRAFT: {"admin"},
    Status.REGISTRATION: set(VIEWERS) - {"stranger", "anonymous"},
    Status.KNOCKOUT: set(VIEWERS) - {"stranger", "anonymous"},
    Status.FINISHED: set(VIEWERS) - {"stranger", "anonymous"},
    Status.PUBLISHED: set(VIEWERS),
}


def _persona(w, name):
    return AnonymousUser() if name == "anonymous" else getattr(w, name)


@pytest.mark.parametrize("status", list(SEES))
def test_who_sees_a_sub_district_tournament_in_each_state(cw, status):
    t = _in(status, cw)
    for name in VIEWERS:
        user = _persona(cw, name)
        expected = name in SEES[status]
        assert access.can_view_tournament(user, t) is expected, (status, name)
        assert access.tournaments_for(user).filter(pk=t.pk).exists() is expected, (status, name)
        if not expected:
            with pytest.raises(Http404):
                access.get_tournament_for(user, t.pk)


def test_who_manages_follows_the_scope_and_the_organiser(cw):
    w = cw
    sub = new_tournament(w)
    community = new_tournament(w, scope=w.community, actor=w.community_staff)  # organised by the club
    assert community.organiser == w.club
    managers = {
        "admin": (True, True),
        "community_staff": (False, True),  # covers 灯湖社区, not the whole sub-district
        "other_staff": (False, False),
        "chair": (False, True),  # the club's chair (an officer)
        "member": (False, False),  # a plain member is no officer
        "building_leader": (False, False),
        "resident": (False, False),
    }
    for name, (for_sub, for_community) in managers.items():
        person = getattr(w, name)
        assert access.can_manage_tournament(person, sub) is for_sub, name
        assert access.can_manage_tournament(person, community) is for_community, name


def test_an_officer_of_the_organiser_may_organise_within_its_place_only(cw):
    w = cw
    assert access.can_organise(w.chair, w.community, w.club)
    assert not access.can_organise(w.chair, w.subdistrict, w.club)  # beyond the club's community
    assert not access.can_organise(w.chair, w.other_community, w.club)
    assert not access.can_organise(w.member, w.community, w.club)
    assert access.can_organise(w.admin, w.subdistrict, w.office)
    assert access.can_organise(w.admin, w.subdistrict, w.club)  # a club within the scope, named by staff
    assert not access.can_organise(w.community_staff, w.subdistrict, w.office)
    assert not access.can_organise(w.other_staff, w.community, w.club)  # not on the other community's line
    Membership.objects.filter(person=w.chair).update(position=Membership.Position.MEMBER)
    del w.chair.__dict__["_organisations_of"]
    assert not access.can_organise(w.chair, w.community, w.club)


def test_names_in_full_for_the_sub_district_by_surname_for_the_public(cw):
    t = new_tournament(cw)
    assert access.shows_full_names(cw.resident, t.path)
    assert access.shows_full_names(cw.outsider, t.path)  # another community, same sub-district
    assert not access.shows_full_names(cw.stranger, t.path)
    assert not access.shows_full_names(AnonymousUser(), t.path)


def test_the_region_is_read_once_per_request(cw, django_assert_max_num_queries):
    t = new_tournament(cw)
    access.can_view_tournament(cw.resident, t)
    with django_assert_max_num_queries(0):
        access.can_view_tournament(cw.resident, t)
        access.shows_full_names(cw.resident, t.path)
