from django.template import Context, Template
from django.urls import reverse


def test_row_url_matches_reverse():
    template = Template('{% load people_links %}{{ pk|row_url:"people:person" }} {{ pk|row_url:"people:place" }}')
    assert template.render(Context({"pk": 42})) == f"{reverse('people:person', args=[42])} {reverse('people:place', args=[42])}"
