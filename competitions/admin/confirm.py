"""A page between choosing an irreversible admin action and running it: it says what
will happen to each selected row, and the action runs only when that page is posted."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib import messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

CONFIRMED = "confirmed"
TEMPLATE = "admin/competitions/confirm_action.html"


def confirm_first(
    *,
    title: str,
    consequence: str,
    describe: Callable[[object], list[str]] | None = None,
    refusal: Callable[[object], str | None] | None = None,
    button: str = "Yes, go ahead",
):
    """Wrap an action (``func(modeladmin, request, queryset)``): the first post answers
    with a confirmation page listing the selected rows (``describe`` adds lines per row,
    ``refusal`` says why a row would be refused); the post back with ``confirmed=yes``
    runs the action on the same rows."""

    def decorate(func):
        @functools.wraps(func)
        def action(modeladmin, request, queryset):
            if request.POST.get(CONFIRMED) == "yes":
                return func(modeladmin, request, queryset)
            rows = [
                {
                    "object": obj,
                    "lines": describe(obj) if describe else [],
                    "refusal": refusal(obj) if refusal else None,
                }
                for obj in queryset
            ]
            if not rows:
                modeladmin.message_user(
                    request, "None of the selected rows can be acted on.", messages.WARNING
                )
                return None
            opts = modeladmin.model._meta
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": title,
                "consequence": consequence,
                "button": button,
                "rows": rows,
                "runnable": any(row["refusal"] is None for row in rows),
                "action": request.POST.get("action", func.__name__),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "confirmed": CONFIRMED,
                "opts": opts,
                "objects_name": opts.verbose_name_plural,
            }
            request.current_app = modeladmin.admin_site.name
            return TemplateResponse(request, TEMPLATE, context)

        return action

    return decorate
