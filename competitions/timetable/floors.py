"""Adding and renaming floors, and putting a timetable line on a floor, refused when the
plan would need a judge on two floors at once (``competitions.floors``; docs/tabulation.md,
"Two floors")."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from competitions.floors import floor_list
from competitions.models import Floor, TimetableItem
from competitions.selectors import round_panel
from competitions.timetable.editing import (
    TimetableRefused,
    _announce,
    _describe,
    _is_past,
    _locked_items,
    _require,
)
from competitions.timetable.lines import ItemLine, round_label, timetable_lines


@transaction.atomic
def timetable_floor(
    *, item: TimetableItem, floor: Floor | None, actor: User | None
) -> TimetableItem:
    """Put a line that has not started on ``floor`` (``None``: the default floor).

    Refused, with nothing changed, when a judge of its round would then be needed on two
    floors at once: when, by the timetable's estimates, it would overlap a round on
    another floor whose panel shares a judge with it."""
    _require(actor, item.competition_id)
    _locked_items(item.competition)
    current = TimetableItem.objects.select_related("round__event", "competition").get(pk=item.pk)
    floors = floor_list(current.competition_id)
    if floor is not None and floor.pk not in {f.pk for f in floors}:
        raise TimetableRefused("That floor is not one of this competition's.")
    target = None if floor is None or floor.pk == floors[0].pk else floor
    if (
        target is None
        and current.floor_id is None
        or (target is not None and current.floor_id == target.pk)
    ):
        return current
    if _is_past(current):
        raise TimetableRefused(f"{_describe(current)} has started: it stays on its floor.")
    current.floor = target
    current.save(update_fields=["floor"])
    clashes = _clashes(current, floors)
    if clashes:
        raise TimetableRefused(  # the atomic block undoes the move
            f"{_describe(current)} cannot go on {(floor or floors[0]).label}: "
            + "; ".join(clashes)
            + ". A judge is on one floor's panel at a time: move one of the lines, or "
            "change a panel."
        )
    _announce(current.competition_id)
    return current


def _clashes(item: TimetableItem, floors: list[Floor]) -> list[str]:
    """Each judge of ``item``'s round needed at the same time, by the estimates, on
    another floor: overlapping lines of rounds whose panels share the judge."""
    if item.round_id is None or len(floors) < 2:
        return []
    by_floor = {f.pk: timetable_lines(item.competition, floor=f) for f in floors}
    home = item.floor_id or floors[0].pk
    mine = next((line for line in by_floor[home] if line.item.pk == item.pk), None)
    if mine is None or mine.starts is None or mine.ends is None:
        return []
    panel = {judge.pk for judge in round_panel(item.round)}
    out: list[str] = []
    for floor in floors:
        if floor.pk == home:
            continue
        for line in by_floor[floor.pk]:
            if not _overlap(mine, line):
                continue
            shared = sorted(
                (judge for judge in round_panel(line.item.round) if judge.pk in panel),
                key=lambda judge: judge.letter,
            )
            out.extend(
                f"judge {judge.letter} ({judge.name}) judges {round_label(line.item.round)} "
                f"on {floor.label} at the same time"
                for judge in shared
            )
    return out


def _overlap(mine: ItemLine, other: ItemLine) -> bool:
    if other.is_break or other.starts is None or other.ends is None:
        return False
    return other.starts < mine.ends and mine.starts < other.ends


@transaction.atomic
def floor_add(*, competition, name: str, actor: User | None) -> Floor:
    """Add a floor after the competition's others (the first added is the default: the
    lines and moves that name no floor are on it)."""
    _require(actor, competition)
    _locked_items(competition)
    floors = floor_list(competition)
    floor = Floor(
        competition=competition,
        name=(name or "").strip(),
        position=(floors[-1].position + 1) if floors else 1,
    )
    try:
        floor.full_clean()
    except ValidationError as error:
        raise TimetableRefused(" ".join(error.messages)) from None
    floor.save()
    _announce(competition.pk)
    return floor


@transaction.atomic
def floor_rename(*, floor: Floor, name: str, actor: User | None) -> Floor:
    """Rename a floor (its screens' address follows the name)."""
    _require(actor, floor.competition_id)
    current = Floor.objects.select_for_update().get(pk=floor.pk)
    current.name = (name or "").strip()
    try:
        current.full_clean()
    except ValidationError as error:
        raise TimetableRefused(" ".join(error.messages)) from None
    current.save(update_fields=["name", "updated_at"])
    _announce(current.competition_id)
    return current
