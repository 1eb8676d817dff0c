"""The results desk's live snapshot: per open round who has sent, who is awaited and
which paper sheets wait for their confirmation (the same answer as
``adjudication.services.round_progress``, for every open round at once). The desk's
socket (adjudication/desk/socket.py) sends it; a plain dict of JSON types."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from adjudication.models import Sheet
from adjudication.selectors import round_head
from competitions.models import Competition, Dance, HeatEntry, PanelSeat, Round, RoundStatus


def desk_snapshot(competition: Competition) -> dict[str, Any]:
    """Per open round and per sheet (dance or entry): the judges in, the paper sheets
    awaiting a confirmation and the judges missing, as ``round_progress`` says, for
    every open round in at most six queries."""
    rounds = list(
        Round.objects.filter(event__competition=competition, status=RoundStatus.OPEN)
        .select_related("event")
        .order_by("event__position", "event_id", "position")
    )
    out: dict[str, Any] = {
        "competition": {"id": competition.pk, "slug": competition.slug, "name": competition.name},
        "rounds": [],
    }
    if not rounds:
        return out
    event_ids = {r.event_id for r in rounds}
    seats: dict[int, list[tuple[int, str, int | None, int | None]]] = defaultdict(list)
    for event_id, *seat in (
        PanelSeat.objects.filter(event_id__in=event_ids, shadow=False)
        .order_by("judge__letter")
        .values_list("event_id", "judge_id", "judge__letter", "from_round", "until_round")
    ):
        seats[event_id].append(tuple(seat))
    sheets: dict[int, list[tuple]] = defaultdict(list)
    for row in Sheet.objects.filter(round__in=rounds, shadow=False).values_list(
        "round_id", "judge_id", "dance_id", "entry_id", "source", "confirmed_at"
    ):
        sheets[row[0]].append(row[1:])
    dances: dict[int, list[Dance]] = defaultdict(list)
    if any(r.event.is_danced for r in rounds):
        for dance in Dance.objects.filter(event_id__in=event_ids).order_by("position", "id"):
            dances[dance.event_id].append(dance)
    entries: dict[int, dict[int, Any]] = defaultdict(dict)
    criteria_rounds = [r for r in rounds if not r.event.is_danced]
    if criteria_rounds:
        for he in (
            HeatEntry.objects.filter(heat__round__in=criteria_rounds, entry__withdrawn=False)
            .select_related("heat", "entry__competitor")
            .order_by("entry__competitor__bib", "entry_id")
        ):
            entries[he.heat.round_id].setdefault(he.entry_id, he.entry)
    for round_ in rounds:
        if round_.event.is_danced:
            parts = [(d.name, d.pk, None) for d in dances[round_.event_id]]
        else:
            parts = [
                (f"{e.bib_label} {e.competitor.display_name}", None, e.pk)
                for e in entries[round_.pk].values()
            ]
        panel = _round_letters(seats[round_.event_id], round_.position)
        progress = []
        for label, dance_id, entry_id in parts:
            done, pending = set(), set()
            for judge_id, d, e, source, confirmed_at in sheets[round_.pk]:
                if (d, e) == (dance_id, entry_id):
                    if source == Sheet.Source.PAPER and confirmed_at is None:
                        pending.add(judge_id)
                    else:
                        done.add(judge_id)
            progress.append(
                {
                    "label": label,
                    "dance_id": dance_id,
                    "entry_id": entry_id,
                    "submitted": [letter for pk, letter in panel if pk in done],
                    "awaiting_confirmation": [letter for pk, letter in panel if pk in pending],
                    "missing": [
                        letter for pk, letter in panel if pk not in done and pk not in pending
                    ],
                }
            )
        out["rounds"].append({**round_head(round_), "revision": round_.revision, "parts": progress})
    return out


def _round_letters(seats: list[tuple], position: int) -> list[tuple[int, str]]:
    """The round's panel (``round_panel``) from the event's seats: (judge id, letter)."""
    return [
        (judge_id, letter)
        for judge_id, letter, start, end in seats
        if (start is None or start <= position) and (end is None or position <= end)
    ]
