"""The timetable as read: each line's slots (heats or performances) in floor order, with
start times estimated from the competition's start, each line's length and the floor's
trail (``FloorMove``); see ``competitions.timetable``."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from competitions.models import (
    Competition,
    Dance,
    Entry,
    EntryStatus,
    Floor,
    FloorMove,
    FloorPhase,
    HeatEntry,
    Round,
    RoundKind,
    RoundStatus,
    TimetableItem,
)
from competitions.selectors import round_draw_public

# --- Slots: the units the floor moves through ------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One heat of one dance, or one performance (criteria)."""

    round_id: int
    dance_id: int | None = None
    heat_number: int | None = None
    entry_id: int | None = None

    @property
    def key(self) -> tuple[int, int | None, int | None, int | None]:
        return (self.round_id, self.dance_id, self.heat_number, self.entry_id)


@dataclass
class SlotLine:
    slot: Slot
    dance: str = ""
    bibs: list[int | None] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    clubs: list[str] = field(default_factory=list)
    starts: dt.datetime | None = None
    state: str = "to_come"  # to_come | on_floor | danced | skipped

    @property
    def entries(self) -> list[tuple[int | None, str, str]]:
        return list(zip(self.bibs, self.names, self.clubs, strict=True))


@dataclass
class ItemLine:
    item: TimetableItem
    label: str
    starts: dt.datetime | None
    ends: dt.datetime | None
    state: str  # to_come | on_floor | done
    drawn: bool = True
    slot_seconds: int = 0
    estimated_slots: int = 0
    slots: list[SlotLine] = field(default_factory=list)

    @property
    def is_break(self) -> bool:
        return self.item.kind == TimetableItem.Kind.BREAK


def round_label(round_: Round) -> str:
    return f"{round_.event.name} – {round_.get_kind_display()}"


def day_start(competition: Competition) -> dt.datetime:
    zone = zoneinfo.ZoneInfo(competition.timezone)
    return dt.datetime.combine(competition.starts_on, competition.day_starts_at, tzinfo=zone)


def _planned_entrants(round_: Round, previous: Round | None, entered: int) -> int:
    if previous is not None and previous.recall_count:
        return previous.recall_count
    return entered


@dataclass
class _Loaded:
    items: list[TimetableItem]
    dances: dict[int, list[Dance]]
    heat_entries: dict[int, list[HeatEntry]]
    previous: dict[int, Round | None]
    entered: dict[int, int]


def _load(competition: Competition, *, public: bool) -> _Loaded:
    items = list(
        TimetableItem.objects.filter(competition=competition)
        .select_related("round__event")
        .order_by("position")
    )
    if not items:
        return _Loaded([], {}, {}, {}, {})
    round_ids = [i.round_id for i in items if i.round_id]
    event_ids = {i.round.event_id for i in items if i.round_id}
    dances: dict[int, list[Dance]] = defaultdict(list)
    for dance in Dance.objects.filter(event_id__in=event_ids).order_by("position", "id"):
        dances[dance.event_id].append(dance)
    rounds_qs = Round.objects.filter(event_id__in=event_ids).order_by("event_id", "position")
    if public:
        rounds_qs = rounds_qs.annotate(draw_public=round_draw_public())
    rounds = list(rounds_qs)
    if public:  # the heats of a round whose draw is not public are not even read
        shown = {r.pk for r in rounds if r.draw_public}
        round_ids = [pk for pk in round_ids if pk in shown]
    heat_entries: dict[int, list[HeatEntry]] = defaultdict(list)
    for he in (
        HeatEntry.objects.filter(heat__round_id__in=round_ids)
        .select_related("heat", "entry__competitor")
        .order_by("heat__number", "position", "entry__competitor__bib", "id")
    ):
        heat_entries[he.heat.round_id].append(he)
    previous: dict[int, Round | None] = {}
    last: dict[int, Round] = {}
    for r in rounds:
        previous[r.pk] = last.get(r.event_id)
        last[r.event_id] = r
    entered: dict[int, int] = defaultdict(int)
    for event_id in Entry.objects.filter(
        event_id__in=event_ids, status=EntryStatus.ENTERED, withdrawn=False
    ).values_list("event_id", flat=True):
        entered[event_id] += 1
    return _Loaded(items, dances, heat_entries, previous, entered)


def _round_slots(round_: Round, loaded: _Loaded) -> tuple[list[SlotLine], bool, int]:
    """The round's slots in floor order, whether its heats are drawn, and (when not) how
    many slots the plan expects."""
    event = round_.event
    members = loaded.heat_entries.get(round_.pk, [])
    if not members:
        entrants = _planned_entrants(
            round_, loaded.previous.get(round_.pk), loaded.entered.get(event.pk, 0)
        )
        if event.is_skating:
            heats = (
                1
                if round_.kind == RoundKind.FINAL
                else max(1, -(-entrants // max(1, event.max_per_heat)))
            )
            return [], False, heats * max(1, len(loaded.dances.get(event.pk, [])))
        return [], False, entrants
    lines: list[SlotLine] = []
    if event.is_skating:
        heats: dict[int, list[HeatEntry]] = defaultdict(list)
        for he in members:
            heats[he.heat.number].append(he)
        for dance in loaded.dances.get(event.pk, []):
            for number in sorted(heats):
                dancing = [he for he in heats[number] if not he.entry.withdrawn]
                dancing.sort(
                    key=lambda he: (he.entry.competitor.bib is None, he.entry.competitor.bib or 0)
                )
                lines.append(
                    SlotLine(
                        slot=Slot(round_.pk, dance.pk, number, None),
                        dance=dance.name,
                        bibs=[he.entry.competitor.bib for he in dancing],
                        names=[he.entry.competitor.display_name for he in dancing],
                        clubs=[he.entry.competitor.club for he in dancing],
                    )
                )
    else:
        for he in members:
            if he.entry.withdrawn:
                continue
            lines.append(
                SlotLine(
                    slot=Slot(round_.pk, None, he.heat.number, he.entry_id),
                    bibs=[he.entry.competitor.bib],
                    names=[he.entry.competitor.display_name],
                    clubs=[he.entry.competitor.club],
                )
            )
    return lines, True, len(lines)


def _moves(competition: Competition):
    started: dict[tuple, dt.datetime] = {}
    danced: dict[tuple, dt.datetime] = {}
    for move in FloorMove.objects.filter(
        competition=competition, action__in=[FloorMove.Action.START, FloorMove.Action.DANCED]
    ).order_by("at", "id"):
        key = (move.round_id, move.dance_id, move.heat_number, move.entry_id)
        if move.action == FloorMove.Action.START:
            started.setdefault(key, move.at)
        else:
            danced[key] = move.at
    return started, danced


_UNREAD = object()


@dataclass
class _Clock:
    """Where the estimate has got to, and what the floor's trail says really happened."""

    now: dt.datetime
    cursor: dt.datetime
    floor: Any
    started: dict[tuple, dt.datetime]
    danced: dict[tuple, dt.datetime]
    day_begun: bool

    def earliest(self, at: dt.datetime) -> dt.datetime:
        """Once the day has begun, nothing still to come starts before now."""
        return max(at, self.now) if self.day_begun else at


def timetable_lines(
    competition: Competition,
    *,
    now: dt.datetime | None = None,
    floor: Any = _UNREAD,
    public: bool = False,
) -> list[ItemLine]:
    """The timetable with estimated start times, re-estimated from what really happened.

    With ``public`` (every page and answer for anyone), a round whose draw is not public
    yet is shown as still to be drawn: no heats, no bibs. A fixed number of queries
    whatever the size of the programme (pass ``floor`` when it has been read already)."""
    now = now or timezone.now()
    loaded = _load(competition, public=public)
    if not loaded.items:
        return []
    started, danced = _moves(competition)
    if floor is _UNREAD:
        floor = Floor.objects.filter(competition=competition).first()
    day_begun = bool(started) or (floor is not None and floor.phase != FloorPhase.IDLE)
    clock = _Clock(now, day_start(competition), floor, started, danced, day_begun)
    lines: list[ItemLine] = []
    for item in loaded.items:
        if item.not_before is not None and clock.cursor < item.not_before:
            clock.cursor = item.not_before
        if item.kind == TimetableItem.Kind.BREAK:
            lines.append(_break_line(item, loaded.items, clock))
        else:
            lines.append(_round_line(item, loaded, clock))
    return lines


def _break_line(item: TimetableItem, items: list[TimetableItem], clock: _Clock) -> ItemLine:
    """A break's line: on the floor now, over (cut short by the next line's start), or to come."""
    floor, now = clock.floor, clock.now
    length = dt.timedelta(minutes=item.minutes or 0)
    on_now = floor is not None and floor.break_item_id == item.pk
    if on_now and floor.phase == FloorPhase.BREAK:
        starts = item.started_at or clock.cursor
        ends = max(starts + length, now)
        state = "on_floor"
    elif item.started_at is not None:
        starts, ends, state = item.started_at, item.started_at + length, "done"
        following = [i for i in items if i.position > item.position and i.started_at]
        if following:
            ends = min(ends, following[0].started_at)
    else:
        starts = clock.earliest(clock.cursor)
        ends, state = starts + length, "to_come"
    clock.cursor = max(clock.cursor, ends)
    return ItemLine(item, item.title or "Break", starts, ends, state, slot_seconds=0)


def _round_line(item: TimetableItem, loaded: _Loaded, clock: _Clock) -> ItemLine:
    """A round's line: each heat placed in turn, then the round's start, end and state."""
    round_ = item.round
    seconds = item.heat_seconds or round_.event.slot_seconds
    slots, drawn, count = _round_slots(round_, loaded)
    closed = round_.status in (RoundStatus.CLOSED, RoundStatus.PUBLISHED)
    item_start: dt.datetime | None = None
    for line in slots:
        _place_slot(line, clock, seconds=seconds, closed=closed)
        if item_start is None and line.starts is not None:
            item_start = line.starts
    if not drawn and not closed:
        item_start = clock.earliest(clock.cursor)
        clock.cursor = item_start + dt.timedelta(seconds=seconds * count)
    if item_start is None:
        item_start = item.started_at or clock.cursor
    if closed:
        state = "done"
    elif any(line.state == "on_floor" for line in slots) or round_.status == RoundStatus.OPEN:
        state = "on_floor"
    else:
        state = "to_come"
    return ItemLine(
        item,
        round_label(round_),
        item_start,
        clock.cursor,
        state,
        drawn=drawn,
        slot_seconds=seconds,
        estimated_slots=count,
        slots=slots,
    )


def _place_slot(line: SlotLine, clock: _Clock, *, seconds: int, closed: bool) -> None:
    """Set a heat's start and state from the trail (or estimate it), moving the clock on."""
    floor, now, key = clock.floor, clock.now, line.slot.key
    on_floor = (
        floor is not None
        and floor.phase in (FloorPhase.DANCING, FloorPhase.DANCED)
        and (floor.round_id, floor.dance_id, floor.heat_number, floor.entry_id) == key
    )
    if key in clock.danced:
        line.starts = clock.started.get(key, clock.danced[key])
        line.state = "on_floor" if on_floor else "danced"
        clock.cursor = max(clock.cursor, clock.danced[key])
    elif on_floor:
        line.starts = floor.started_at
        line.state = "on_floor"
        clock.cursor = max(clock.cursor, now, floor.started_at + dt.timedelta(seconds=seconds))
    elif key in clock.started:
        line.starts, line.state = clock.started[key], "danced"
        clock.cursor = max(clock.cursor, clock.started[key] + dt.timedelta(seconds=seconds))
    elif closed:
        line.state = "skipped"
    else:
        line.starts = clock.earliest(clock.cursor)
        clock.cursor = line.starts + dt.timedelta(seconds=seconds)
