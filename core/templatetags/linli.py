from django import template

from core.masking import mask_mobile as _mask_mobile
from core.masking import mask_name as _mask_name

register = template.Library()


@register.filter
def mask_mobile(value):
    return _mask_mobile(value)


@register.filter
def mask_name(value):
    return _mask_name(value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")
