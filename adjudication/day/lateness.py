"""Lateness: the parts of open rounds danced whose scoring window is over while judges'
sheets are still missing (what the desk sees), read from the floors' trail; and the
words that name a slot of the floor. ``adjudication.day.floor`` re-exports them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from adjudication.models import Sheet
from competitions.models import Competition, Dance, FloorMove, Heat, PanelSeat, Round, RoundStatus
from competitions.timetable import round_label


def slot_label(round_: Round, dance: Dance | None, heat_number: int | None, entry) -> str:
    parts = [round_label(round_)]
    if dance is not None:
        parts.append(dance.name)
    if heat_number is not None and (entry is None or round_.heats.count() > 1):
        parts.append(f"heat {heat_number}")
    if entry is not None:
        bib = entry.competitor.bib
        parts.append(
            f"{bib} {entry.competitor.display_name}" if bib else entry.competitor.display_name
        )
    return " · ".join(parts)


@dataclass
class LatePart:
    """A part of an open round (a dance, or a criteria performance) whose scoring window
    ended at ``since`` while these judges' sheets for it are still missing."""

    round_id: int
    dance_id: int | None
    entry_id: int | None
    label: str
    since: dt.datetime
    letters: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "round": self.round_id,
            "dance": self.dance_id,
            "entry": self.entry_id,
            "label": self.label,
            "since": self.since.isoformat(),
            "judges": self.letters,
        }


def late_parts(competition: Competition, *, now: dt.datetime) -> list[LatePart]:
    """Read from the floor's trail, in five queries whatever the size of the day: a part
    (a dance: all its heats; or a performance) is owed once its last heat is marked
    danced, and late once its event's scoring window after that has passed. Only rounds
    still open count (a closed round has every sheet); a part danced again counts from
    its latest time. Sorted by when the window ended."""
    moves = (
        FloorMove.objects.filter(
            competition=competition,
            action=FloorMove.Action.DANCED,
            round__status=RoundStatus.OPEN,
            round__event__scoring_seconds__gt=0,
        )
        .select_related("round__event", "dance", "entry__competitor")
        .order_by("at", "id")
    )
    danced: dict[tuple, FloorMove] = {}
    for move in moves:
        danced[(move.round_id, move.dance_id, move.entry_id)] = move  # the latest wins
    if not danced:
        return []
    round_ids = {key[0] for key in danced}
    last_heat: dict[int, int] = {}
    for round_id, number in Heat.objects.filter(round_id__in=round_ids).values_list(
        "round_id", "number"
    ):
        last_heat[round_id] = max(number, last_heat.get(round_id, number))
    event_ids = {move.round.event_id for move in danced.values()}
    panels: dict[int, list[PanelSeat]] = {}
    for seat in PanelSeat.objects.filter(event_id__in=event_ids, shadow=False).select_related(
        "judge"
    ):
        panels.setdefault(seat.event_id, []).append(seat)
    sent = set(
        Sheet.objects.filter(round_id__in=round_ids, returned_at__isnull=True).values_list(
            "round_id", "dance_id", "entry_id", "judge_id"
        )
    )
    parts = []
    for (round_id, dance_id, entry_id), move in danced.items():
        if entry_id is None and move.heat_number != last_heat.get(round_id, move.heat_number):
            continue  # a dance's sheet covers all its heats: owed after the last one
        since = move.at + dt.timedelta(seconds=move.round.event.scoring_seconds)
        if now < since:
            continue
        letters = sorted(  # the round's panel: a replaced judge owes nothing from then on
            seat.judge.letter
            for seat in panels.get(move.round.event_id, [])
            if seat.sits_in(move.round.position)
            and (round_id, dance_id, entry_id, seat.judge_id) not in sent
        )
        if letters:
            label = slot_label(move.round, move.dance, None, move.entry)
            parts.append(LatePart(round_id, dance_id, entry_id, label, since, letters))
    return sorted(parts, key=lambda part: (part.since, part.label))
