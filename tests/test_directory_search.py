"""Finding people in the directory by Chinese name, full pinyin, initials or the last four digits."""

import pytest
from django.urls import reverse

from tests.conftest import live_in, make_person


@pytest.fixture
def names(world):
    for name, mobile in [("张三", "13500000011"), ("张珊珊", "13500000012"), ("赵四", "13500000013"), ("周正", "13500000014")]:
        live_in(make_person(name, mobile), world.unit2)
    return world


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zs", ["张三", "张珊珊", "赵四"]),
        ("zhang", ["张三", "张珊珊"]),
        ("zhangshan", ["张珊珊"]),
        ("zhao", ["赵二栋", "赵四"]),
        ("zz", ["周正"]),
        ("张", ["张三", "张珊珊"]),
        ("珊珊", ["张珊珊"]),
        ("0013", ["赵四"]),
        ("Zhang San", ["张三"]),
        ("xyz", []),
    ],
)
def test_directory_finds_people_by_name_pinyin_initials_or_last_digits(client, names, query, expected):
    client.force_login(names.community_staff)
    people = client.get(reverse("people:directory"), {"q": query}).context["people"]
    assert sorted(p.name for p in people) == sorted(expected)
