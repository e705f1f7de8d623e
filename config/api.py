"""One API object, one schema: each app owns its router, mounted here."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI

from books.api import router as books_router
from cases.api import router as cases_router
from competitions.api import router as competitions_router
from core import concurrency
from deliberation.api import router as deliberation_router
from events.api import router as events_router
from meetings.api import router as meetings_router
from people.api import router as people_router
from people.api_spreadsheets import router as spreadsheets_router
from stats.api import router as stats_router
from venues.api import router as venues_router
from votes.api import router as votes_router

api = NinjaAPI(title="Linli API", version="1", openapi_url="/openapi.json", docs_url="/docs", urls_namespace="api")
api.add_router("/", people_router)
api.add_router("/cases", cases_router)
api.add_router("/deliberation", deliberation_router)
api.add_router("/meetings", meetings_router)
api.add_router("/stats", stats_router)
api.add_router("/spreadsheets", spreadsheets_router)
api.add_router("/votes", votes_router)
api.add_router("/venues", venues_router)
api.add_router("/books", books_router)
api.add_router("/events", events_router)
api.add_router("/competitions", competitions_router)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=400)


@api.exception_handler(concurrency.Conflict)
def conflict(request, exc: concurrency.Conflict):
    """Someone changed the row first (compare-and-set): 409 with the message, for every endpoint."""
    return api.create_response(request, {"detail": str(exc.message)}, status=409)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found"}, status=404)
