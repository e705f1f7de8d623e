"""``{% room_hours rooms as hours %}``: each room's structured opening hours as one line, read in one query
for all the rooms (for pages other apps render, such as the venue page in ``people``)."""

from django import template

from venues import queries

register = template.Library()


@register.simple_tag
def room_hours(rooms) -> dict[int, str]:
    return queries.room_hours([room.pk for room in rooms])
