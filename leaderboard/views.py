"""The public live pages: the projector (``/live/<slug>/``), the audience's phones
(``/results/<slug>/``) and the snapshot both poll while their websocket is down.

The pages render the snapshot on the server first (a screen works without
JavaScript, and shows something at once); static/podium/live.js then keeps it
current from ``ws/live/<slug>/``."""

from __future__ import annotations

import json

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from adjudication.results.pdf import results_pdf
from adjudication.results.tables import (
    competition_results,
    event_get_public,
    event_list_public,
)
from competitions.models import RoundStatus
from leaderboard.snapshots import competition_get_live, public_snapshot_message


def bib_size(item: dict) -> str:
    """How big the bib numbers of a round can be on a screen (live.js says the same)."""
    count = sum(len(heat["bibs"]) for heat in item["heats"])
    return "s" if count <= 8 else "m" if count <= 16 else "l" if count <= 32 else "xl"


def rows_size(item: dict) -> str:
    """How tall the running-total rows can be (live.js says the same)."""
    count = len(item.get("running") or ())
    return "s" if count <= 8 else "m" if count <= 14 else "l"


def _on_floor(snapshot: dict, floor: str | None) -> dict | None:
    """The floor ``floor`` (a slug) of the snapshot's, its "now" and "next" put in the
    snapshot's own and its open rounds only; ``None`` without one. Unknown: not found."""
    if not floor:
        return None
    chosen = next((f for f in snapshot.get("floors") or () if f["slug"] == floor), None)
    if chosen is None:
        raise Http404("This competition has no such floor.")
    snapshot["now"], snapshot["next"] = chosen["now"], chosen["next"]
    snapshot["floor"] = [item for item in snapshot["floor"] if item["round"] in chosen["rounds"]]
    return chosen


def _live(request, slug: str, template: str, floor: str | None = None):
    competition = competition_get_live(slug=slug)
    if competition is None:
        raise Http404("No such competition.")
    snapshot = json.loads(public_snapshot_message(competition))
    chosen = _on_floor(snapshot, floor)
    results = snapshot["results"]
    by_id = {block["round"]: block for block in results}
    context = {
        "competition": competition,
        "snapshot": snapshot,
        "open_rounds": [
            {**item, "size": bib_size(item), "rows": rows_size(item)} for item in snapshot["floor"]
        ],
        # The projector pages through the latest results (newest first), as live.js does.
        "latest": [by_id[pk] for pk in snapshot["recent"] if pk in by_id],
        "results_newest_first": list(reversed(results)),
        "events": event_list_public(competition=competition),
        "floor_chosen": chosen,
        "floors": snapshot.get("floors") or [],
        "socket_path": f"/ws/live/{competition.slug}/",
        "snapshot_url": reverse("leaderboard:live-snapshot", args=[competition.slug]),
    }
    return render(request, template, context)


@require_safe
def live_board(request, slug: str, floor: str | None = None):
    """The projector: of the default floor, or of ``floor`` (``/live/<slug>/<floor>/``)."""
    return _live(request, slug, "leaderboard/live.html", floor)


@require_safe
def live_results(request, slug: str):
    """The phones' page: every floor's rounds, or one floor's with ``?floor=<slug>``."""
    return _live(request, slug, "leaderboard/results.html", request.GET.get("floor"))


@require_safe
def live_snapshot(request, slug: str):
    """The public snapshot as JSON; shared caches may keep it a second (the screens
    poll it only while their socket is down, or once when they missed results)."""
    competition = competition_get_live(slug=slug)
    if competition is None:
        raise Http404("No such competition.")
    response = HttpResponse(public_snapshot_message(competition), content_type="application/json")
    response["Cache-Control"] = "public, max-age=1"
    return response


# --- Published results: the full marks sheets, per event ----------------------------------------

RESULTS_MAX_AGE = 30  # published rounds, names and the panel rarely change
RESULTS_CACHE_SECONDS = 60


def _public_event(slug: str, event_id: int):
    competition = competition_get_live(slug=slug)
    if competition is None:
        raise Http404("No such competition.")
    event = event_get_public(competition=competition, event_id=event_id)
    if event is None:
        raise Http404("No such event.")
    return competition, event


def _cached(competition, event, kind: str, build):
    """``build()`` once per published state of the event: the key names the event's
    published rounds, when each result was stored (a disqualification after publication
    stores it again) and the competition's last change (judge names shown or not), so a
    publication shows at once; names edited in the admin show within a minute."""
    published = [
        f"{pk}@{stored.timestamp() if stored else ''}"
        for pk, stored in event.rounds.filter(status=RoundStatus.PUBLISHED)
        .order_by("pk")
        .values_list("pk", "result__computed_at")
    ]
    key = (
        f"podium:results:{kind}:{event.pk}:{'-'.join(published)}:"
        f"{competition.updated_at.timestamp()}"
    )
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, RESULTS_CACHE_SECONDS)
    return value


@require_safe
@cache_control(public=True, max_age=RESULTS_MAX_AGE)
def event_results(request, slug: str, event_id: int):
    """Every published round of one event with each judge's marks and, for a final,
    the marks sheet; nothing of a round before it is published."""
    competition, event = _public_event(slug, event_id)

    def build() -> str:
        sheets = competition_results(competition, event_ids=[event.pk], published_only=True)
        context = {
            "competition": competition,
            "event": sheets.events[0],
            "judge_names": sheets.judge_names,
            "pdf_url": reverse("leaderboard:event-results-pdf", args=[competition.slug, event.pk]),
        }
        # No request: the page is shared by everyone (no user, no CSRF token in it).
        return render_to_string("leaderboard/event_results.html", context)

    return HttpResponse(_cached(competition, event, "page", build))


@require_safe
@cache_control(public=True, max_age=RESULTS_MAX_AGE)
def event_results_pdf(request, slug: str, event_id: int):
    """The same published results and marks sheets, printed."""
    competition, event = _public_event(slug, event_id)

    def build() -> bytes:
        sheets = competition_results(competition, event_ids=[event.pk], published_only=True)
        return results_pdf(sheets)

    response = HttpResponse(
        _cached(competition, event, "pdf", build), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'inline; filename="{competition.slug}-{event.pk}-results.pdf"'
    )
    return response
