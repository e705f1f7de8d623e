"""The long list pages render their rows without the template engine's per-row cost (make bench), and
still escape, mask and link every row, and follow a role change on the very next request."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse

from people import actions
from people.models import HouseholdMember, Role
from tests.conftest import make_person


def test_rows_escapes_every_field():
    class Row:
        name = '<script>alert("x")</script>'
        url = '/people/1/?a=1&b="2"'

    html = Template('{% load linli %}{% rows people %}<a href="{url}">{name}</a>{% endrows %}').render(
        Context({"people": [Row()]})
    )
    assert html == '<a href="/people/1/?a=1&amp;b=&quot;2&quot;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</a>'


def test_rows_of_nothing_is_empty():
    assert Template("{% load linli %}{% rows missing %}<li>{name}</li>{% endrows %}").render(Context({})) == ""


@pytest.mark.parametrize(
    "body",
    ["{{ name }}", "{% if x %}{% endif %}", "{name.upper}", "{name!r}", "{name:>10}", "{0}", "{name"],
)
def test_rows_accepts_only_plain_markup_and_attribute_names(body):
    with pytest.raises(TemplateSyntaxError):
        Template("{% load linli %}{% rows people %}" + body + "{% endrows %}")


def test_the_directory_masks_links_and_escapes_its_rows(client, world):
    person = make_person("<b>程</b>", "13612345678", migratory=True)
    HouseholdMember.objects.create(unit=world.unit2, person=person, relation=HouseholdMember.Relation.TENANT)
    client.force_login(world.community_staff)
    html = client.get(reverse("people:directory"), {"q": "5678"}).content.decode()
    assert f'<li><a href="{reverse("people:person", args=[person.pk])}">&lt;b&gt;程&lt;/b&gt;</a>' in html
    assert "136****5678" in html and "13612345678" not in html
    assert "1栋 102" in html


def test_the_building_list_shows_a_dash_where_there_is_no_leader(client, world):
    client.force_login(world.community_staff)
    html = client.get(reverse("people:place-buildings", args=[world.community.pk])).content.decode()
    assert f'<tr><td><a href="{reverse("people:place", args=[world.building2.pk])}">2栋</a></td><td>1</td><td>—</td></tr>' in html


def test_a_role_change_takes_effect_on_the_next_request(client, world):
    """The role scope is looked up on every request: granting opens the directory at once, ending the
    role closes it at once (nothing keeps a revoked scope alive between requests)."""
    newcomer = make_person("钱新人", "13900000077")
    client.force_login(newcomer)
    directory = reverse("people:directory")
    assert client.get(directory).status_code == 404
    assignment = actions.assign_role(
        actor=world.community_staff, person=newcomer, role=Role.BUILDING_LEADER, place=world.building
    )
    assert client.get(directory).status_code == 200
    actions.end_role(actor=world.community_staff, assignment=assignment)
    assert client.get(directory).status_code == 404
