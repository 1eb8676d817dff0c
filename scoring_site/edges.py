"""Input refused at the edge of every request, before any view or service sees it.

PostgreSQL stores no NUL (U+0000) in text or jsonb, and SQLite would keep one that the
server later cannot move: a request carrying one in its address, its query string or a
form field is answered 400 here (the error shape under /api/, a short text elsewhere).
The API's bodies (JSON and forms) are checked by the parsers below, DRF's defaults
(settings: ``DEFAULT_PARSER_CLASSES``); they answer 400 through its error shape.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse
from rest_framework import exceptions, parsers

NUL = "\x00"
NUL_MESSAGE = "Text may not contain NUL characters (U+0000)."


def contains_nul(value: Any) -> bool:
    """Whether ``value`` (text, or lists and dicts of it, keys too) holds a NUL."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def _carries_nul(request) -> bool:
    if NUL in request.path_info or contains_nul(dict(request.GET.lists())):
        return True
    # The API's parsers check its bodies, whatever the method (the form's too).
    if request.method == "POST" and not request.path_info.startswith("/api/"):
        return contains_nul(dict(request.POST.lists()))
    return False


class RefuseNulMiddleware:
    """Answers 400 to a request with a NUL in its address, query string or form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            if request.path_info.startswith("/api/"):
                # The API's error shape (scoring_site.api loads DRF, which loads this module).
                body = {
                    "code": "invalid",
                    "message": NUL_MESSAGE,
                    "errors": {"__all__": [NUL_MESSAGE]},
                }
                return JsonResponse(body, status=400)
            return HttpResponse(NUL_MESSAGE, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


# --- The API's parsers ------------------------------------------------------------------


# Deeper bodies are refused: none of the API's needs more than a few levels, and a deep
# one would overflow the stack of whatever walks it next (DRF, the audit log).
MAX_JSON_DEPTH = 32
DEEP_MESSAGE = f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep."


def _refuse_nul(data: Any) -> None:
    if contains_nul(data):
        raise exceptions.ParseError(NUL_MESSAGE)


def _refuse_deep(data: Any) -> None:
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise exceptions.ParseError(DEEP_MESSAGE)
            stack.extend((child, depth + 1) for child in children)


class JSONParser(parsers.JSONParser):
    """DRF's, answering 400 ``invalid`` to text with a NUL and to JSON nested too deeply
    (Python's parser raises RecursionError, not ValueError, past about 1,000 levels)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(DEEP_MESSAGE) from None
        _refuse_deep(data)
        _refuse_nul(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_nul(dict(data.lists()))
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_nul(dict(parsed.data.lists()))
        return parsed
