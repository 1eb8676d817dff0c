"""A database outage answers 503 with ``Retry-After``, never a 500 or a half write.

When PostgreSQL restarts (or the connection pool has no connection to give within its
timeout), Django raises ``OperationalError`` or ``InterfaceError``. Every write runs in a
transaction, so nothing half-written stays behind; this turns the error into a plain
"try again shortly" that tablets and API clients understand: status 503, ``Retry-After``
in seconds, JSON for the API and for clients that ask for JSON, a short text otherwise.
A tablet keeps its sheet and sends it again (the same device key is stored once).

Two ways in, because Django converts an exception to a response at every middleware
layer: ``DatabaseOutageMiddleware.process_exception`` for errors raised in a view, and
``server_error`` (``handler500``) for errors raised elsewhere in the request (sessions
saved after the view, for example). The service resumes by itself: the pool replaces
broken connections when they are returned.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger("podium.outage")

RETRY_AFTER_SECONDS = 5
MESSAGE = "The database is unavailable for a moment. Nothing was saved: please try again."
OUTAGE_ERRORS = (OperationalError, InterfaceError)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")


def outage_response(request, exc: BaseException) -> HttpResponse:
    logger.warning(
        "database unavailable: %s %s answered 503 (%s: %s)",
        request.method,
        request.path,
        type(exc).__name__,
        str(exc).splitlines()[0][:200] if str(exc) else "",
    )
    if _wants_json(request):
        body = {"code": "unavailable", "message": MESSAGE, "errors": {}}
        response = JsonResponse(body, status=503)
    else:
        response = HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OUTAGE_ERRORS):
            return outage_response(request, exception)
        return None


def server_error(request, *args, **kwargs):
    """``handler500``: a database outage outside the view is a 503 too."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OUTAGE_ERRORS):
        return outage_response(request, exc)
    return django_server_error(request, *args, **kwargs)
