"""Plumbing shared by every endpoint under /api/: one error shape, pagination, throttles
backed by the throttle cache, conditional GETs for public reads, path ids in range.

Every error answer has one shape::

    {"code": "invalid", "message": "...", "errors": {"field": ["...", ...], "__all__": [...]}}

``code`` is machine-readable (``invalid``, ``not_found``, ``not_authenticated``,
``token_not_valid``, ``revoked``, ``permission_denied``, ``throttled``, ``closed``, ...),
``message`` is every message joined for a person, ``errors`` lists the messages per field
(``__all__`` for the whole request; nested fields as ``marks.12``).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, JsonResponse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.views.defaults import page_not_found
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from scoring_site.throttles import RedisWindowMixin

# Ids go to the database: keep them within a signed 64-bit integer.
MAX_ID = 2**63 - 1


_SURROGATES = re.compile("[\ud800-\udfff]")


def plain_text(value: Any, max_length: int | None, *, required: bool) -> str | None:
    """A ``CharField``'s value for a plain string, stripped as the field strips it; None
    when in doubt (not a string, a NUL or a lone surrogate, blank when required, too
    long), which the serializer then decides and words. For the hot paths' bodies taken
    without their serializer (``RegistrationIn.plain``, ``SheetIn.plain``)."""
    if type(value) is not str or "\x00" in value or _SURROGATES.search(value):
        return None
    text = value.strip()
    if (required and not text) or (max_length is not None and len(text) > max_length):
        return None
    return text


# --- The error shape --------------------------------------------------------------------------


class ErrorOut(serializers.Serializer):
    code = serializers.CharField(help_text="What went wrong, for programs: e.g. invalid.")
    message = serializers.CharField(help_text="Every message, for people.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field; __all__ for the request as a whole.",
    )


def error_body(code: str, errors: dict[str, list[str]]) -> dict[str, Any]:
    message = "; ".join(m for messages in errors.values() for m in messages)
    return {"code": code, "message": message, "errors": errors}


def error_response(code: str, errors: dict[str, list[str]], http_status: int) -> Response:
    return Response(error_body(code, errors), status=http_status)


# The HTTP status of each refusal code a service gives (``ScoringError.code``), for the
# API and the tablet pages' JSON alike; any other code is 400. (The judges' API answers
# ``not_on_panel`` as ``not_found``, 404, as for any round not on their panels.)
REFUSAL_STATUS = {
    "invalid": status.HTTP_400_BAD_REQUEST,
    "closed": status.HTTP_409_CONFLICT,
    "stale": status.HTTP_409_CONFLICT,
    "conflict": status.HTTP_409_CONFLICT,
    "not_on_panel": status.HTTP_403_FORBIDDEN,
    "forbidden": status.HTTP_403_FORBIDDEN,
}


def refusal_status(code: str) -> int:
    return REFUSAL_STATUS.get(code, status.HTTP_400_BAD_REQUEST)


# A round not on the caller's panels answers as one that does not exist, so nobody learns
# about other panels.
NOT_ON_PANEL_MESSAGE = "No such round on your panels."


def not_on_panel_response() -> Response:
    return error_response(
        "not_found", {"__all__": [NOT_ON_PANEL_MESSAGE]}, status.HTTP_404_NOT_FOUND
    )


def refusal_response(error: Exception) -> Response:
    """A service's refusal (``ScoringError``: its ``code``, its ``problems`` and the message
    they end) in the error shape, with ``refusal_status``; ``not_on_panel`` as a 404."""
    code = getattr(error, "code", "invalid")
    if code == "not_on_panel":
        return not_on_panel_response()
    problems = list(getattr(error, "problems", ()))
    full = str(error)
    suffix = " " + " ".join(problems)
    message = full[: -len(suffix)] if problems and full.endswith(suffix) else full
    return Response(
        {"code": code, "message": full, "errors": {"__all__": [message, *problems]}},
        status=refusal_status(code),
    )


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """Serializer errors as ``{field: [messages]}``; nested fields as ``marks.12``."""
    if isinstance(errors, dict):
        flat: dict[str, list[str]] = {}
        for key, value in errors.items():
            name = "__all__" if key == "non_field_errors" else str(key)
            flat.update(flatten_errors(value, f"{prefix}.{name}" if prefix else name))
        return flat
    if isinstance(errors, list) and any(isinstance(e, dict | list) for e in errors):
        flat = {}
        for index, value in enumerate(errors):
            flat.update(flatten_errors(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = errors if isinstance(errors, list) else [errors]
    return {prefix or "__all__": [str(m) for m in messages]}


def invalid_response(errors: Any) -> Response:
    return error_response("invalid", flatten_errors(errors), status.HTTP_400_BAD_REQUEST)


def exception_body(exc: exceptions.APIException) -> dict[str, Any]:
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError | exceptions.ParseError):
        return error_body("invalid", flatten_errors(detail))
    if isinstance(detail, dict) and "detail" in detail:
        # simplejwt: {"detail": ..., "code": ..., "messages": [...]}
        code = str(detail.get("code") or exc.default_code)
        return error_body(code, {"__all__": [str(detail["detail"])]})
    code = str(getattr(detail, "code", None) or exc.default_code)
    return error_body(code, flatten_errors(detail))


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def exception_handler(exc, context):
    """DRF's handler (status, ``WWW-Authenticate``, ``Retry-After``), then the error shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(str(exc))
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = exception_body(exc)
    return response


def not_found(request, exception=None):
    """The site's 404: the error shape under /api/, the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("not_found", {"__all__": ["Nothing here: see /api/docs/."]}), status=404
        )
    return page_not_found(request, exception)


# --- Documenting errors -----------------------------------------------------------------------

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before trying again.",
)


def errors(*codes: int) -> dict[int, Any]:
    """Responses of the error shape for ``codes``, for ``extend_schema(responses=...)``."""
    described = {
        400: "The request is invalid: see errors.",
        401: (
            "No valid token (not_authenticated, token_not_valid, revoked, credentials_changed, "
            "sign_in_expired)."
        ),
        403: "Signed in but not allowed (permission_denied, forbidden, not_a_judge).",
        404: "No such thing (or not yours to see).",
        409: "The state does not allow it now (closed, stale, conflict, tie).",
        413: "The request body is over the size limit (too_large).",
        410: "The link has expired or was revoked.",
        422: "The same Idempotency-Key with another body.",
        429: "Too many requests: wait Retry-After seconds.",
    }
    return {code: OpenApiResponse(ErrorOut, description=described.get(code, "")) for code in codes}


# Ids in paths: at most 18 digits (within the database's 64-bit integers), so a longer
# number is simply not found instead of overflowing the database driver.
MAX_PATH_ID = 10**18 - 1


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def id_parameter(name: str, description: str = "") -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": 0, "maximum": MAX_PATH_ID},
        OpenApiParameter.PATH,
        description=description,
    )


# --- Pagination -------------------------------------------------------------------------------


class Pagination(PageNumberPagination):
    """``?page=2&page_size=100``; answers ``count``, ``next``, ``previous``, ``results``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


# --- Throttles --------------------------------------------------------------------------------

# One cache object per process, made outside any request (``caches`` gives each request's
# context its own; the Redis backend shares its connections between them anyway:
# scoring_site/cache.py). The "throttle" cache is Redis when REDIS_URL is set, so the
# limits hold across web processes; in memory on the embedded default.
throttle_cache = caches.create_connection("throttle")


class AddressThrottle(RedisWindowMixin, AnonRateThrottle):
    """Per client address (``REMOTE_ADDR``: ``NUM_PROXIES`` is 0, so a client's own
    ``X-Forwarded-For`` is never believed; behind the reverse proxy uvicorn sets
    ``REMOTE_ADDR`` from the header the proxy overwrites), whoever is signed in."""

    cache = throttle_cache

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserThrottle(RedisWindowMixin, UserRateThrottle):
    """Per signed-in user (per address for anonymous requests)."""

    cache = throttle_cache


class RegistrationThrottle(AddressThrottle):
    scope = "registration"


class TokenThrottle(AddressThrottle):
    scope = "token"


class TokenRefreshThrottle(AddressThrottle):
    scope = "token_refresh"


class SheetThrottle(UserThrottle):
    scope = "sheet"


# --- Conditional GETs -------------------------------------------------------------------------


class ConditionalGetMixin:
    """Public reads answer with an ``ETag`` (a hash of the body) and ``Cache-Control:
    no-cache``: a client sending ``If-None-Match`` gets ``304 Not Modified`` and no body
    while nothing changed, so scoreboards can poll cheaply."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response.render()
            patch_cache_control(response, no_cache=True)
            set_response_etag(response)
            return get_conditional_response(request, etag=response["ETag"], response=response)
        return response
