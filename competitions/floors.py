"""The floors of a competition: which one is the default, which floor a round runs on,
and the rule that a judge is on one floor's panel at a time (reads only; the floor
moves through ``adjudication.day.floor`` and the timetable through
``competitions.timetable``).

A competition has one floor unless its organizer adds more. The floor with the lowest
position is the default: timetable lines and floor moves that name no floor are on it,
so a one-floor day never names one. A round runs on the floor of its timetable line.
"""

from __future__ import annotations

from django.db.models import Exists, Q

from competitions.models import Competition, Floor, Round, RoundStatus, TimetableItem
from competitions.selectors import round_panel


def floor_list(competition: Competition | int) -> list[Floor]:
    """The competition's floors, the default first (empty until the day first moves)."""
    competition_id = competition if isinstance(competition, int) else competition.pk
    return list(Floor.objects.filter(competition_id=competition_id).order_by("position"))


def floor_is_default(floor: Floor | None, floors: list[Floor] | None = None) -> bool:
    """Whether ``floor`` is the default one (``None``: the default floor, not yet created)."""
    if floor is None:
        return True
    floors = floor_list(floor.competition_id) if floors is None else floors
    return not floors or floors[0].pk == floor.pk


def floor_q(floor: Floor | None, *, prefix: str = "") -> Q:
    """The rows (timetable lines, floor moves) on ``floor``: those naming it, and those
    naming none when it is the default floor (``None``: the default floor not yet
    created). One condition of the same query: no query of its own."""
    if floor is None:
        return Q(**{f"{prefix}floor__isnull": True})
    lower = Floor.objects.filter(competition_id=floor.competition_id, position__lt=floor.position)
    return Q(**{f"{prefix}floor": floor}) | (Q(**{f"{prefix}floor__isnull": True}) & ~Exists(lower))


def floor_pick(competition: Competition, value) -> Floor | None:
    """The floor a page or request names: by its slug (``b``, ``floor-2``), its
    position or its name; ``None`` when no floor of the competition has it."""
    text = str(value or "").strip()
    if not text:
        return None
    for floor in floor_list(competition):
        if text in (floor.slug, floor.name, str(floor.position)):
            return floor
    return None


def round_floor_id(round_: Round, floors: list[Floor]) -> int | None:
    """The id of the floor ``round_`` runs on: its timetable line's, else the default's
    (``None`` when the competition has no floor row yet)."""
    floor_id = TimetableItem.objects.filter(round=round_).values_list("floor_id", flat=True).first()
    if floor_id is not None:
        return floor_id
    return floors[0].pk if floors else None


def floor_judge_clashes(round_: Round, *, floor_id: int | None = None) -> list[str]:
    """Why ``round_`` may not run on its floor (``floor_id``, else its own) now: each of
    its panel's judges who judges a round open on another floor, in plain words. Empty
    on a one-floor day, without a query more than reading the floors."""
    floors = floor_list(round_.event.competition_id)
    if len(floors) < 2:
        return []
    by_id = {floor.pk: floor for floor in floors}
    here = floor_id if floor_id is not None else round_floor_id(round_, floors)
    default_id = floors[0].pk
    panel = {judge.pk: judge for judge in round_panel(round_)}
    clashes: list[str] = []
    others = (
        Round.objects.filter(event__competition_id=round_.event.competition_id)
        .filter(status=RoundStatus.OPEN)
        .exclude(pk=round_.pk)
        .select_related("event")
        .order_by("event__position", "position")
    )
    for other in others:
        there = round_floor_id(other, floors) or default_id
        if there == (here or default_id):
            continue
        shared = sorted(
            (judge for judge in round_panel(other) if judge.pk in panel),
            key=lambda judge: judge.letter,
        )
        for judge in shared:
            clashes.append(
                f"judge {judge.letter} ({judge.name}) judges {other.event.name} – "
                f"{other.get_kind_display()}, open on {by_id[there].label}"
            )
    return clashes


def floor_neighbour_position(item: TimetableItem, step: int) -> int:
    """Where a line goes to move one place up (``step`` -1) or down (+1) among its own
    floor's lines: the position of the neighbour it passes (one place on, when none)."""
    floor = Floor.objects.filter(pk=item.floor_id).first() if item.floor_id else None
    if floor is None:
        floor = (
            Floor.objects.filter(competition_id=item.competition_id).order_by("position").first()
        )
    lines = TimetableItem.objects.filter(floor_q(floor), competition_id=item.competition_id)
    if step < 0:
        found = lines.filter(position__lt=item.position).order_by("-position").first()
    else:
        found = lines.filter(position__gt=item.position).order_by("position").first()
    return found.position if found is not None else item.position + step
