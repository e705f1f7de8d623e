"""JSON API for meetings (mounted at /api/meetings in config/api.py)."""

from ninja import Router

router = Router(tags=["meetings"])
