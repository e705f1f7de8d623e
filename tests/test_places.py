"""The place tree: materialised paths for one-query subtrees, which kinds may sit under which, units with
exact floor areas and their source (SPC interpretation Art 8), and join codes for buildings."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from places.models import Place, Unit

K = Place.Kind

# Which kinds may sit directly under which (None: a root). The tree is sub-district → community or
# village → compound → building, and in villages and old quarters street → lane → building.
ALLOWED = {
    K.SUBDISTRICT: {None},
    K.COMMUNITY: {K.SUBDISTRICT},
    K.VILLAGE: {K.SUBDISTRICT},
    K.COMPOUND: {K.COMMUNITY, K.VILLAGE},
    K.STREET: {K.COMMUNITY, K.VILLAGE, K.COMPOUND},
    K.LANE: {K.STREET, K.COMMUNITY, K.VILLAGE, K.COMPOUND},
    K.BUILDING: {K.COMPOUND, K.STREET, K.LANE, K.COMMUNITY, K.VILLAGE},
}


# --- subtrees -----------------------------------------------------------------------------------


def test_a_subtree_is_the_place_and_everything_under_it(world):
    under = set(Place.objects.under(world.compound).values_list("name", flat=True))
    assert under == {"中铁建水岸公馆", "1栋", "2栋"}
    assert set(Place.objects.under(world.compound, include_self=False).values_list("name", flat=True)) == {"1栋", "2栋"}
    assert Place.objects.under(world.subdistrict).count() == Place.objects.count()


def test_a_path_is_a_prefix_only_of_its_descendants_paths(world):
    """Fixed-width segments: place 1's path is not a prefix of place 10's or 100's."""
    for i in range(12):
        Place.objects.create(kind=K.COMMUNITY, name=f"社区{i}", parent=world.subdistrict)
    places = list(Place.objects.all())
    for a in places:
        for b in places:
            assert b.path.startswith(a.path) == (a.pk in b.ancestor_ids), (a.pk, b.pk)


def test_a_subtree_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(list(Place.objects.under(world.community))) == 4


def test_subtrees_of_several_places_are_one_query(world, django_assert_num_queries):
    paths = [world.building.path, world.other_compound.path]
    with django_assert_num_queries(1):
        names = {p.name for p in Place.objects.under_any(paths)}
    assert names == {"1栋", "桂南小区", "9栋"}
    assert not Place.objects.under_any([]).exists()


def test_paths_and_depths_follow_the_tree(world):
    assert world.building.path == world.compound.path + f"{world.building.pk:09d}."
    assert [p.depth for p in (world.subdistrict, world.community, world.compound, world.building)] == [0, 1, 2, 3]
    assert world.building.ancestor_ids == [world.subdistrict.pk, world.community.pk, world.compound.pk, world.building.pk]
    assert [a.name for a in world.building.ancestors()] == ["桂城街道", "灯湖社区", "中铁建水岸公馆"]
    assert world.building.community() == world.community
    assert world.unit.path == world.building.path


# --- which kinds may sit under which ------------------------------------------------------------


@pytest.mark.parametrize("parent_kind", [None, *K])
@pytest.mark.parametrize("kind", list(K))
def test_clean_allows_exactly_the_parents_of_the_tree(db, kind, parent_kind):
    parent = None
    if parent_kind is not None:
        parent = Place(kind=parent_kind, name="上级", pk=1, path="000000001.")
    place = Place(kind=kind, name="新地点", parent=parent)
    if parent_kind in ALLOWED[kind]:
        place.clean()
    else:
        with pytest.raises(ValidationError) as excinfo:
            place.clean()
        assert "parent" in excinfo.value.message_dict


# --- units and their area -----------------------------------------------------------------------


def test_a_unit_area_comes_back_as_the_exact_decimal(world):
    unit = Unit.objects.get(pk=world.unit.pk)
    assert isinstance(unit.area, Decimal)
    assert unit.area == Decimal("89.35")
    assert str(unit.area) == "89.35"


def test_areas_add_up_exactly(world):
    total = Unit.objects.filter(path__startswith=world.compound.path).aggregate(total=Sum("area"))["total"]
    assert total == Decimal("285.45")  # 89.35 + 76.10 + 120.00, no float drift


@pytest.mark.parametrize("area", [Decimal("0"), Decimal("-1.00")])
def test_an_area_must_be_positive(world, area):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(building=world.building, label="103", area=area, area_source=Unit.AreaSource.REGISTER)


def test_an_area_needs_its_source(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(building=world.building, label="103", area=Decimal("50.00"), area_source="")


def test_a_unit_without_an_area_needs_no_source(world):
    unit = Unit.objects.create(building=world.building, label="103")
    assert (unit.area, unit.area_source) == (None, "")


def test_unit_labels_are_unique_within_a_building_only(world):
    Unit.objects.create(building=world.building2, label="101")
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(building=world.building, label="101")


def test_full_clean_refuses_a_zero_area(world):
    with pytest.raises(ValidationError) as excinfo:
        Unit(building=world.building, label="104", area=Decimal("0.00"), area_source="register").full_clean()
    assert "area" in excinfo.value.message_dict


# --- join codes ---------------------------------------------------------------------------------


def test_buildings_get_a_join_code_that_is_easy_to_type(world):
    for building in (world.building, world.building2, world.other_building):
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", building.join_code)
    assert len({world.building.join_code, world.building2.join_code, world.other_building.join_code}) == 3
    assert world.compound.join_code is None
    assert world.community.join_code is None


def test_the_join_code_stays_when_the_building_is_saved_again(world):
    code = world.building.join_code
    world.building.name = "1栋(新)"
    world.building.save()
    world.building.refresh_from_db()
    assert world.building.join_code == code


def test_two_buildings_cannot_share_a_join_code(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Place.objects.create(kind=K.BUILDING, name="3栋", parent=world.compound, join_code=world.building.join_code)


def test_place_names_are_unique_among_siblings_of_a_kind(world):
    Place.objects.create(kind=K.BUILDING, name="1栋", parent=world.other_compound)  # another compound: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        Place.objects.create(kind=K.BUILDING, name="1栋", parent=world.compound)
