"""Masking of personal identifiers (DOMAIN-RULES §3.3; GB/T 35273-2020 display restrictions).

Mobile: first 3 + last 4 (``138****1234``). ID number: first 6 + last 4 for community staff, first 1
+ last 1 for leaders and volunteers; full only to the person or through an audited reveal.
"""

from enum import Enum


class IdMask(Enum):
    FULL = "full"
    STAFF = "staff"  # first 6 + last 4
    LEADER = "leader"  # first 1 + last 1
    HIDDEN = "hidden"


MOBILE_HEAD, MOBILE_TAIL = 3, 4


def mask_mobile(mobile: str | None) -> str:
    if not mobile:
        return ""
    if len(mobile) < MOBILE_HEAD + MOBILE_TAIL + 1:
        return "*" * len(mobile)
    return f"{mobile[:MOBILE_HEAD]}****{mobile[-MOBILE_TAIL:]}"


def mask_id_number(number: str | None, level: IdMask) -> str:
    if not number:
        return ""
    if level is IdMask.FULL:
        return number
    if level is IdMask.STAFF:
        keep_head, keep_tail = 6, 4
    elif level is IdMask.LEADER:
        keep_head, keep_tail = 1, 1
    else:
        return "*" * len(number)
    return number[:keep_head] + "*" * (len(number) - keep_head - keep_tail) + number[-keep_tail:]


def mask_name(name: str) -> str:
    """Keep the surname: 张** (used in public lists)."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
