"""Links to detail pages in long lists: ``{{ obj.pk|row_url:"people:person" }}``.

``{% url %}`` reverses the pattern on every row; on a directory page of 20 people or a building list
of 50 that was over a millisecond of the request (make bench). Each pattern is reversed once, with a
placeholder id, and the row's id put in its place.
"""

from functools import cache

from django import template
from django.urls import reverse

register = template.Library()

_PLACEHOLDER = 999999999


@cache
def _url_parts(name: str) -> tuple[str, str]:
    head, tail = reverse(name, args=[_PLACEHOLDER]).split(str(_PLACEHOLDER))
    return head, tail


@register.filter
def row_url(pk, name: str) -> str:
    head, tail = _url_parts(name)
    return f"{head}{int(pk)}{tail}"
