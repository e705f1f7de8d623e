"""JSON API for deliberation (mounted at /api/deliberation in config/api.py)."""

from ninja import Router

router = Router(tags=["deliberation"])
