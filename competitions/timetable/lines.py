"""The timetable as read: each line's slots (heats or performances) in floor order, with
start times estimated from the competition's start, each line's length and the floor's
trail (``FloorMove``); see ``competitions.timetable``."""

from __future__ import annotations

import bisect
import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from competitions.floors import floor_q
from competitions.models import (
    Competition,
    CompetitionStatus,
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

# A competition in these states is over: nothing is on its floor and nothing is to come.
ENDED = (CompetitionStatus.FINISHED, CompetitionStatus.ARCHIVED)

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
    state: str  # to_come | on_floor | done | skipped (never run: the competition is over)
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


def _planned_entrants(
    round_: Round, previous: Round | None, entered: int, seeded: Mapping[int, int]
) -> int:
    """Who dances a round not drawn yet: those recalled from the round before and the
    couples seeded into this one; the first round, the entries not seeded later."""
    if previous is not None and previous.recall_count:
        return previous.recall_count + seeded.get(round_.position, 0)
    return entered - sum(n for k, n in seeded.items() if k > round_.position)


@dataclass
class _Loaded:
    items: list[TimetableItem]
    dances: dict[int, list[Dance]]
    heat_entries: dict[int, list[HeatEntry]]
    previous: dict[int, Round | None]
    entered: dict[int, int]
    seeded: dict[int, dict[int, int]]  # event id → round position → couples seeded into it


def _load(competition: Competition, *, public: bool, floor: Any) -> _Loaded:
    items = list(
        TimetableItem.objects.filter(floor_q(floor), competition=competition)
        .select_related("round__event")
        .order_by("position")
    )
    if not items:
        return _Loaded([], {}, {}, {}, {}, {})
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
    seeded: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for event_id, seeded_round in Entry.objects.filter(
        event_id__in=event_ids, status=EntryStatus.ENTERED, withdrawn=False
    ).values_list("event_id", "seeded_round"):
        entered[event_id] += 1
        if seeded_round:
            seeded[event_id][seeded_round] += 1
    return _Loaded(items, dances, heat_entries, previous, entered, seeded)


def _round_slots(round_: Round, loaded: _Loaded) -> tuple[list[SlotLine], bool, int]:
    """The round's slots in floor order, whether its heats are drawn, and (when not) how
    many slots the plan expects."""
    event = round_.event
    members = loaded.heat_entries.get(round_.pk, [])
    if not members:
        entrants = _planned_entrants(
            round_,
            loaded.previous.get(round_.pk),
            loaded.entered.get(event.pk, 0),
            loaded.seeded.get(event.pk, {}),
        )
        if event.is_danced:
            heats = (
                1
                if round_.kind == RoundKind.FINAL
                else max(1, -(-entrants // max(1, event.max_per_heat)))
            )
            return [], False, heats * max(1, len(loaded.dances.get(event.pk, [])))
        return [], False, entrants
    lines: list[SlotLine] = []
    if event.is_danced:
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


def _moves(competition: Competition, floor: Any):
    """When each slot started and was danced, when the floor changed (a start, a break
    or a clear: what ends a break), and when the day began, from the floor's trail."""
    started: dict[tuple, dt.datetime] = {}
    danced: dict[tuple, dt.datetime] = {}
    changes: list[dt.datetime] = []
    moves = FloorMove.objects.filter(floor_q(floor), competition=competition)
    for move in moves.order_by("at", "id"):
        key = (move.round_id, move.dance_id, move.heat_number, move.entry_id)
        if move.action == FloorMove.Action.DANCED:
            danced[key] = move.at
            continue
        if move.action == FloorMove.Action.START:
            started.setdefault(key, move.at)
        if move.action != FloorMove.Action.CLEAR or changes:
            changes.append(move.at)
    return started, danced, changes


def date_shift(competition: Competition, at: dt.datetime) -> dt.timedelta:
    """How many days the day runs away from its planned date when it runs at ``at``:
    none on a date the competition is planned for (``starts_on`` to ``ends_on``)."""
    day = timezone.localtime(at, zoneinfo.ZoneInfo(competition.timezone)).date()
    if competition.starts_on <= day <= competition.ends_on:
        return dt.timedelta(0)
    return dt.timedelta(days=(day - competition.starts_on).days)


def day_began_at(competition: Competition) -> dt.datetime | None:
    """When the day's first heat or break started (the floor's trail), or ``None``."""
    return (
        FloorMove.objects.filter(
            competition=competition,
            action__in=[FloorMove.Action.START, FloorMove.Action.BREAK],
        )
        .order_by("at", "id")
        .values_list("at", flat=True)
        .first()
    )


def _long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def date_notice(competition: Competition, *, now: dt.datetime | None = None) -> str:
    """What the desk is told when the day runs, or would run if started now, on another
    date than planned; empty when it runs on its planned date(s)."""
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(competition.timezone)
    planned = _long_date(competition.starts_on)
    began = day_began_at(competition)
    if began is not None:
        if not date_shift(competition, began):
            return ""
        return (
            f"Planned for {planned}, this day began on "
            f"{_long_date(timezone.localtime(began, zone).date())}: every time here follows "
            "its actual start, not the planned one."
        )
    startable = (CompetitionStatus.REGISTRATION_CLOSED, CompetitionStatus.IN_PROGRESS)
    if competition.status not in startable or not date_shift(competition, now):
        return ""
    return (
        f"Planned for {planned} at {competition.day_starts_at:%H:%M}; today is "
        f"{_long_date(timezone.localtime(now, zone).date())}. The times shown are the "
        "planned ones; started today, they follow the actual start."
    )


_UNREAD = object()


@dataclass
class _Clock:
    """Where the estimate has got to, and what the floor's trail says really happened."""

    now: dt.datetime
    cursor: dt.datetime
    floor: Any
    started: dict[tuple, dt.datetime]
    danced: dict[tuple, dt.datetime]
    changes: list[dt.datetime]  # every start, break and clear on the floor, in order
    running: bool  # the day has begun, or its planned start has passed
    shift: dt.timedelta = dt.timedelta(0)  # run on another date: ``not_before`` moves too
    ended: bool = False

    def earliest(self, at: dt.datetime) -> dt.datetime:
        """Once the day runs, nothing still to come starts before now."""
        return max(at, self.now) if self.running else at

    def next_change(self, after: dt.datetime) -> dt.datetime | None:
        """The floor's first change after ``after`` (what ended a break begun then)."""
        index = bisect.bisect_right(self.changes, after)
        return self.changes[index] if index < len(self.changes) else None


def _clock(competition: Competition, loaded: _Loaded, floor: Any, now: dt.datetime) -> _Clock:
    """The estimate's clock: from the actual start once the day has begun (whatever
    date it was planned for), else from the planned start."""
    started, danced, changes = _moves(competition, floor)
    began = changes[0] if changes else None
    ended = competition.status in ENDED
    if ended:
        floor = None  # nothing stays on the floor of a finished competition
    elif floor is not None and floor.phase != FloorPhase.IDLE and floor.started_at:
        began = min(floor.started_at, began or floor.started_at)
    taken = [item.started_at for item in loaded.items if item.started_at]
    if taken:
        began = min(min(taken), began or min(taken))
    planned = day_start(competition)
    # Rounds opened at the desk without the floor being used: the day has begun too.
    underway = any(i.round_id and i.round.status != RoundStatus.PLANNED for i in loaded.items)
    running = began is not None or now >= planned or underway
    if began is None and underway and now < planned:
        began = now
    shift = date_shift(competition, began or now) if running else dt.timedelta(0)
    return _Clock(now, began or planned, floor, started, danced, changes, running, shift, ended)


def timetable_lines(
    competition: Competition,
    *,
    now: dt.datetime | None = None,
    floor: Any = _UNREAD,
    public: bool = False,
) -> list[ItemLine]:
    """The timetable of a floor (``floor``: its row; unread: the default floor) with
    estimated start times, re-estimated from what really happened on it.

    Once the day has begun the estimates follow its actual start, whatever date it was
    planned for: each line starts no earlier than the end of the one before it, and
    nothing still to come before now. With ``public`` (every page and answer for
    anyone), a round whose draw is not public yet is shown as still to be drawn: no
    heats, no bibs. A finished competition has nothing on the floor and nothing to come
    (lines never run are ``skipped``). A fixed number of queries whatever the size of
    the programme (pass ``floor`` when it has been read already)."""
    now = now or timezone.now()
    if floor is _UNREAD:
        floor = Floor.objects.filter(competition=competition).order_by("position").first()
    loaded = _load(competition, public=public, floor=floor)
    if not loaded.items:
        return []
    clock = _clock(competition, loaded, floor, now)
    lines: list[ItemLine] = []
    for item in loaded.items:
        not_before = _not_before(item, competition, clock.shift)
        if not_before is not None and clock.cursor < not_before and not clock.ended:
            clock.cursor = not_before
        if item.kind == TimetableItem.Kind.BREAK:
            lines.append(_break_line(item, loaded.items, clock))
        else:
            lines.append(_round_line(item, loaded, clock))
    return lines


def timetable_lines_every_floor(
    competition: Competition, *, now: dt.datetime | None = None, public: bool = False
) -> list[ItemLine]:
    """Every floor's timetable in one list (the running order pinned up in the hall): a
    one-floor day's lines as ``timetable_lines`` gives them; with several floors, each
    line's label starts with its floor's ("Floor B · Junior Waltz – Final"), in the order
    of their estimated starts (then their places in the timetable)."""
    now = now or timezone.now()
    floors = list(Floor.objects.filter(competition=competition).order_by("position"))
    if len(floors) < 2:
        return timetable_lines(
            competition, now=now, floor=floors[0] if floors else None, public=public
        )
    every: list[ItemLine] = []
    for floor in floors:
        for line in timetable_lines(competition, now=now, floor=floor, public=public):
            line.label = f"{floor.label} · {line.label}"
            every.append(line)
    latest = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(every, key=lambda line: (line.starts or latest, line.item.position))


def _not_before(
    item: TimetableItem, competition: Competition, shift: dt.timedelta
) -> dt.datetime | None:
    """A line's earliest start, on the day the competition really runs (the same local
    time of day, whatever the clocks did in between)."""
    if item.not_before is None or not shift:
        return item.not_before
    return timezone.localtime(item.not_before, zoneinfo.ZoneInfo(competition.timezone)) + shift


def _break_line(item: TimetableItem, items: list[TimetableItem], clock: _Clock) -> ItemLine:
    """A break's line: on the floor now, over (cut short by the next line's start), or to come."""
    floor, now = clock.floor, clock.now
    length = dt.timedelta(minutes=item.minutes or 0)
    on_now = floor is not None and floor.break_item_id == item.pk
    if on_now and floor.phase == FloorPhase.BREAK:
        starts = item.started_at or clock.cursor
        ends = max(starts + length, now)
        state = "on_floor"
    elif item.started_at is not None:  # over: cut short by what the floor did next
        starts, ends, state = item.started_at, item.started_at + length, "done"
        following = [i.started_at for i in items if i.position > item.position and i.started_at]
        ended = clock.next_change(item.started_at)
        ends = min([ends, *following[:1], *([ended] if ended else [])])
        ends = max(starts, ends)
    elif clock.ended:  # never taken, and now it never will be
        return ItemLine(item, item.title or "Break", None, None, "skipped", slot_seconds=0)
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
    over = closed or clock.ended  # nothing of it is still to come
    item_start: dt.datetime | None = None
    for line in slots:
        _place_slot(line, clock, seconds=seconds, closed=over)
        if item_start is None and line.starts is not None:
            item_start = line.starts
    if not drawn and not over:
        item_start = clock.earliest(clock.cursor)
        clock.cursor = item_start + dt.timedelta(seconds=seconds * count)
    if item_start is None and not (clock.ended and not closed):
        item_start = item.started_at or clock.cursor
    if closed:
        state = "done"
    elif clock.ended:  # a round of a finished competition that never ran (nobody entered)
        state = "skipped"
    elif any(line.state == "on_floor" for line in slots) or round_.status == RoundStatus.OPEN:
        state = "on_floor"
    else:
        state = "to_come"
    return ItemLine(
        item,
        round_label(round_),
        item_start,
        clock.cursor if item_start else None,
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
