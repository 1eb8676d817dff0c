"""Content negotiation for the API: JSON rather than a refusal.

A module of its own: DRF reads the setting while ``rest_framework.views`` is imported,
which ``scoring_site.api`` itself imports.
"""

from django.http import Http404
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation


class JsonFallbackNegotiation(DefaultContentNegotiation):
    """An ``Accept`` header (or ``?format=``) that no renderer satisfies gets the view's
    first renderer, JSON, instead of DRF's 406 (or 404 for the format), which no operation
    documents; RFC 9110 lets a server disregard ``Accept``."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (exceptions.NotAcceptable, Http404):
            return renderers[0], renderers[0].media_type
