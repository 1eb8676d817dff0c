"""Moving the floor: what is danced now, what comes next, and the timers.

``floor_move`` is the one way the floor moves (the desk's buttons, the API and the
commands all call it). Each move is checked, recorded in the floor's trail
(``FloorMove``) with who and when, and announced to every screen after it commits.

Each floor is one row (a competition has one unless its organizer adds more; the
lowest position is the default, and every function here takes ``floor=None`` for it),
locked for each move, so two heats are never on one floor at once; a round runs on its
timetable line's floor, and a judge on one floor's panel at a time
(``competitions.floors``). Timers are derived from the stored times (``started_at``, ``danced_at``)
and the event's windows, never kept in a process's memory, so they survive a restart.
Lateness never refuses a sheet: the desk sees who is late, and the scrutineer decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from accounts.models import User
from adjudication.day.lateness import LatePart, late_parts, slot_label
from competitions.access import staff_can
from competitions.floors import floor_judge_clashes, floor_list, floor_q, round_floor_id
from competitions.models import (
    Competition,
    Dance,
    Entry,
    Floor,
    FloorMove,
    FloorPhase,
    HeatEntry,
    Round,
    RoundStatus,
    TimetableItem,
)
from competitions.services import TransitionRefused, round_transition
from competitions.timetable import ENDED, Slot, round_label, timetable_lines
from scoring_site.realtime import announce


class FloorRefused(Exception):
    """A move of the floor that may not be made now, with the reason in plain words;
    ``code`` is ``forbidden`` when it is not the caller's to make, else ``refused``."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.code = code


ACTIONS = ("start", "next", "danced", "break", "clear")


def _require(actor: User | None, competition: Competition) -> None:
    if actor is not None and not staff_can(actor, "competitions.run_floor", competition):
        raise FloorRefused("You do not have permission to move the floor.", "forbidden")


def floor_get(competition: Competition, floor: Floor | None = None) -> Floor:
    """``floor`` (one of the competition's), or the default floor, created on first need."""
    if floor is not None:
        if floor.competition_id != competition.pk:
            raise FloorRefused("That floor is not one of this competition's.")
        return floor
    default = Floor.objects.filter(competition=competition).order_by("position").first()
    if default is None:
        default, _ = Floor.objects.get_or_create(competition=competition, position=1)
    return default


def _lock(competition: Competition, floor: Floor | None) -> Floor:
    pk = floor_get(competition, floor).pk
    return (
        Floor.objects.select_for_update(of=("self",))
        .select_related("round__event", "dance", "entry__competitor", "break_item")
        .get(pk=pk)
    )


def _current(floor: Floor) -> str:
    if floor.phase == FloorPhase.BREAK and floor.break_item is not None:
        return floor.break_item.title or "a break"
    if floor.round is None:
        return "nothing"
    return slot_label(floor.round, floor.dance, floor.heat_number, floor.entry)


def _record(floor: Floor, action: str, label: str, actor: User | None, at: dt.datetime) -> None:
    FloorMove.objects.create(
        competition_id=floor.competition_id,
        floor=floor,
        action=action,
        round=floor.round if action in (FloorMove.Action.START, FloorMove.Action.DANCED) else None,
        dance=floor.dance,
        heat_number=floor.heat_number,
        entry=floor.entry,
        label=label[:300],
        actor=actor,
        at=at,
    )


def _resolve_slot(
    competition: Competition,
    *,
    round_id: Any,
    dance_id: Any = None,
    heat_number: Any = None,
    entry_id: Any = None,
) -> tuple[Round, Dance | None, int, Entry | None]:
    def number(value: Any, what: str) -> int | None:
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise FloorRefused(f"“{value}” is not a {what}.") from None

    round_pk = number(round_id, "round number")
    round_ = (
        Round.objects.select_related("event__competition")
        .filter(pk=round_pk, event__competition=competition)
        .first()
        if round_pk
        else None
    )
    if round_ is None:
        raise FloorRefused("Choose a round of this competition to put on the floor.")
    if not HeatEntry.objects.filter(heat__round=round_).exists():
        raise FloorRefused(
            f"{round_label(round_)} is not drawn yet: its heats are drawn when the round "
            "before it closes (or at the close of registration)."
        )
    if round_.status in (RoundStatus.CLOSED, RoundStatus.PUBLISHED):
        raise FloorRefused(
            f"{round_label(round_)} is {round_.get_status_display().lower()}: it is over."
        )
    event = round_.event
    dance: Dance | None = None
    entry: Entry | None = None
    heat = number(heat_number, "heat number")
    if event.is_danced:
        dance_pk = number(dance_id, "dance")
        dance = Dance.objects.filter(pk=dance_pk, event=event).first() if dance_pk else None
        if dance is None:
            raise FloorRefused(f"Choose one of the dances of {event.name}.")
        heats = sorted(set(round_.heats.values_list("number", flat=True)))
        if heat is None and len(heats) == 1:
            heat = heats[0]
        if heat not in heats:
            raise FloorRefused(
                f"{round_label(round_)} has heats {', '.join(map(str, heats))}: choose one."
            )
    else:
        entry_pk = number(entry_id, "performance")
        member = (
            HeatEntry.objects.select_related("heat", "entry__competitor")
            .filter(heat__round=round_, entry_id=entry_pk)
            .first()
            if entry_pk
            else None
        )
        if member is None:
            raise FloorRefused(f"Choose a performance of {round_label(round_)}.")
        if member.entry.withdrawn:
            raise FloorRefused(f"{member.entry.competitor.display_name} has withdrawn.")
        entry, heat = member.entry, member.heat.number
    return round_, dance, heat, entry


def _refuse_elsewhere(floor: Floor, round_: Round) -> None:
    """A round runs on its timetable line's floor, and only while none of its judges
    judges a round open on another floor. Nothing to check on a one-floor day."""
    floors = floor_list(floor.competition_id)
    if len(floors) < 2:
        return
    # Two floors starting rounds at the same moment check one after the other.
    Competition.objects.select_for_update().filter(pk=floor.competition_id).first()
    home = round_floor_id(round_, floors)
    if home != floor.pk:
        there = next((f for f in floors if f.pk == home), floors[0])
        raise FloorRefused(
            f"{round_label(round_)} is on {there.label}'s timetable: start it there "
            f"(or move its line to {floor.label} first)."
        )
    clashes = floor_judge_clashes(round_, floor_id=floor.pk)
    if clashes:
        raise FloorRefused(
            f"{round_label(round_)} cannot start on {floor.label}: "
            + "; ".join(clashes)
            + ". A judge is on one floor's panel at a time: close that round first, "
            "or replace the judge for this round."
        )


def _refuse_when_over(floor: Floor) -> None:
    """Nothing more goes on the floor of a finished (or archived) competition."""
    competition = Competition.objects.only("name", "status").get(pk=floor.competition_id)
    if competition.status in ENDED:
        raise FloorRefused(
            f"{competition.name} is {competition.get_status_display().lower()}: "
            "nothing more goes on the floor."
        )


def _start(floor: Floor, round_: Round, dance, heat: int, entry, actor, at) -> None:
    _refuse_when_over(floor)
    if floor.phase == FloorPhase.DANCING:
        raise FloorRefused(
            f"{_current(floor)} is on the floor: mark it danced before starting another heat "
            "(one floor holds one heat at a time)."
        )
    _refuse_elsewhere(floor, round_)
    if round_.status == RoundStatus.PLANNED:
        try:
            round_transition(
                round=round_, to_status=RoundStatus.OPEN, actor=actor, note="first heat started"
            )
        except TransitionRefused as refusal:
            raise FloorRefused(str(refusal)) from None
    floor.phase = FloorPhase.DANCING
    floor.round, floor.dance, floor.heat_number, floor.entry = round_, dance, heat, entry
    floor.break_item = None
    floor.started_at, floor.danced_at = at, None
    floor.save()
    TimetableItem.objects.filter(round=round_, started_at__isnull=True).update(started_at=at)
    _record(floor, FloorMove.Action.START, _current(floor), actor, at)


def floor_redance(
    *,
    competition: Competition,
    round_: Round,
    dance: Dance | None,
    heat_number: int,
    entry: Entry | None,
    actor: User | None,
    at: dt.datetime,
) -> Floor:
    """Send a heat (or a performance) already started back to the floor, dancing from
    ``at`` so its timers restart, with a move "Redance: …" in the trail; the heat on the
    floor now may be restarted itself. The caller (``adjudication.incidents.redance``)
    checked the permission, the round and the heat, in its own transaction. The floor
    is the round's own (its timetable line's, else the default)."""
    floors = floor_list(competition)
    floor_id = round_floor_id(round_, floors)
    floor = _lock(competition, next((f for f in floors if f.pk == floor_id), None))
    _refuse_when_over(floor)
    here = (round_.pk, dance and dance.pk, heat_number, entry and entry.pk)
    if floor.phase == FloorPhase.DANCING and here != (
        floor.round_id, floor.dance_id, floor.heat_number, floor.entry_id
    ):  # fmt: skip
        raise FloorRefused(
            f"{_current(floor)} is on the floor: mark it danced before sending "
            f"{slot_label(round_, dance, heat_number, entry)} back to it (one floor holds one "
            "heat at a time)."
        )
    floor.phase = FloorPhase.DANCING
    floor.round, floor.dance, floor.heat_number, floor.entry = round_, dance, heat_number, entry
    floor.break_item = None
    floor.started_at, floor.danced_at = at, None
    floor.save()
    _record(floor, FloorMove.Action.START, f"Redance: {_current(floor)}", actor, at)
    announce(competition.pk, "floor", {"phase": floor.phase, "redance": True})
    return floor


def next_on_programme(
    competition: Competition, *, lines: list | None = None, floor: Floor | None = None
) -> tuple[TimetableItem, Slot | None] | None:
    """The next thing to start on ``floor`` (the default one when ``None``): the first
    slot not yet started of the first round still running or to come, or a break not
    yet taken; ``None`` at the end of the day. Read from the floor's timetable lines
    (``lines`` when the caller has read them already)."""
    if lines is None:
        lines = timetable_lines(competition, floor=floor_read(competition, floor=floor))
    following = next_in_lines(lines)
    if following is None:
        return None
    line, slot_line = following
    return line.item, slot_line.slot if slot_line else None


def next_in_lines(lines: list) -> tuple[Any, Any] | None:
    """``next_on_programme`` on timetable lines in hand: the line and its slot line (with
    the bibs, names and clubs to call), or the line alone for a break or a round still to
    be drawn (the floor waits for it)."""
    for line in lines:
        if line.state == "skipped":  # the competition is over: it never will be
            continue
        if line.is_break:
            if line.item.started_at is None:
                return line, None
            continue
        if line.state == "done":
            continue
        if not line.drawn:
            return line, None
        for slot_line in line.slots:
            if slot_line.state == "to_come":
                return line, slot_line
    return None


@transaction.atomic
def floor_move(
    *,
    competition: Competition,
    action: str,
    actor: User | None,
    round_id: Any = None,
    dance_id: Any = None,
    heat_number: Any = None,
    entry_id: Any = None,
    item_id: Any = None,
    at: dt.datetime | None = None,
    floor: Floor | None = None,
) -> Floor:
    """Move the floor, or raise ``FloorRefused`` saying why.

    ``start``: put a heat of a dance (or a performance) on the floor, opening its round
    if it is the first; ``next``: start what the timetable says comes next; ``danced``:
    the heat on the floor is over (the scoring window opens); ``break``: start a break of
    the timetable; ``clear``: nothing on the floor. Nothing starts once the competition
    is finished. ``floor``: which one (``None``: the default floor)."""
    _require(actor, competition)
    if action not in ACTIONS:
        raise FloorRefused(f"“{action}” is not a move of the floor ({', '.join(ACTIONS)}).")
    at = at or timezone.now()
    floor = _lock(competition, floor)
    if action == "start":
        round_, dance, heat, entry = _resolve_slot(
            competition,
            round_id=round_id,
            dance_id=dance_id,
            heat_number=heat_number,
            entry_id=entry_id,
        )
        _start(floor, round_, dance, heat, entry, actor, at)
    elif action == "next":
        _move_next(competition, floor, actor, at)
    elif action == "danced":
        if floor.phase != FloorPhase.DANCING:
            raise FloorRefused("No heat is on the floor to mark as danced.")
        floor.phase, floor.danced_at = FloorPhase.DANCED, at
        floor.save()
        _record(floor, FloorMove.Action.DANCED, _current(floor), actor, at)
    elif action == "break":
        _move_break(competition, floor, item_id, actor, at)
    else:
        _move_clear(floor, actor, at)
    announce(competition.pk, "floor", {"phase": floor.phase, "floor": floor.slug})
    return floor


def _move_next(competition: Competition, floor: Floor, actor, at) -> None:
    if floor.phase == FloorPhase.DANCING:
        raise FloorRefused(
            f"{_current(floor)} is on the floor: mark it danced before starting the next."
        )
    following = next_on_programme(competition, floor=floor)
    if following is None:
        raise FloorRefused("Nothing is left on the timetable.")
    item, slot = following
    if item.kind == TimetableItem.Kind.BREAK:
        _start_break(floor, item, actor, at)
        return
    if slot is None:
        raise FloorRefused(
            f"{round_label(item.round)} is next but not drawn yet: close the round before it first."
        )
    round_, dance, heat, entry = _resolve_slot(
        competition,
        round_id=slot.round_id,
        dance_id=slot.dance_id,
        heat_number=slot.heat_number,
        entry_id=slot.entry_id,
    )
    _start(floor, round_, dance, heat, entry, actor, at)


def _move_break(competition: Competition, floor: Floor, item_id: Any, actor, at) -> None:
    item = (
        TimetableItem.objects.filter(
            floor_q(floor), pk=item_id, competition=competition, kind=TimetableItem.Kind.BREAK
        ).first()
        if str(item_id or "").isdigit()
        else None
    )
    if item is None:
        raise FloorRefused("Choose a break of this floor's timetable.")
    if floor.phase == FloorPhase.DANCING:
        raise FloorRefused(f"{_current(floor)} is on the floor: mark it danced first.")
    if item.started_at is not None:
        raise FloorRefused(f"{item.title or 'That break'} has already been taken.")
    _start_break(floor, item, actor, at)


def _move_clear(floor: Floor, actor, at) -> None:
    if floor.phase == FloorPhase.DANCING:
        raise FloorRefused(f"{_current(floor)} is on the floor: mark it danced first.")
    if floor.phase == FloorPhase.IDLE:
        raise FloorRefused("The floor is already clear.")
    label = _current(floor)
    floor.phase, floor.break_item = FloorPhase.IDLE, None
    floor.round = floor.dance = floor.entry = None
    floor.heat_number = floor.started_at = floor.danced_at = None
    floor.save()
    _record(floor, FloorMove.Action.CLEAR, f"after {label}", actor, at)


def _start_break(floor: Floor, item: TimetableItem, actor, at) -> None:
    _refuse_when_over(floor)
    floor.phase, floor.break_item = FloorPhase.BREAK, item
    floor.round = floor.dance = floor.entry = None
    floor.heat_number, floor.started_at, floor.danced_at = None, at, None
    floor.save()
    item.started_at = at
    item.save(update_fields=["started_at"])
    _record(floor, FloorMove.Action.BREAK, item.title or "Break", actor, at)


# --- Timers and lateness ---------------------------------------------------------------------


@dataclass
class FloorNow:
    """What is on the floor with its timers, as every screen shows it."""

    phase: str
    label: str = ""
    round_id: int | None = None
    dance_id: int | None = None
    heat_number: int | None = None
    entry_id: int | None = None
    started_at: dt.datetime | None = None
    danced_at: dt.datetime | None = None
    performance_ends_at: dt.datetime | None = None
    scoring_ends_at: dt.datetime | None = None
    break_ends_at: dt.datetime | None = None
    # The desk's only (``floor_now(with_late=True)``): every part danced whose scoring
    # window is over with sheets still missing, and the union of those judges' letters.
    late_parts: list[LatePart] | None = None
    late: list[str] = field(default_factory=list)

    def timer(self) -> dict[str, str] | None:
        """The countdown a judge's sheet for the part on the floor shows: the performance
        window while it is danced, then the scoring window; ``None`` when none runs."""
        if self.phase == FloorPhase.DANCING and self.performance_ends_at:
            return {"label": "Performance", "deadline": self.performance_ends_at.isoformat()}
        if self.phase == FloorPhase.DANCED and self.scoring_ends_at:
            return {"label": "Scoring time", "deadline": self.scoring_ends_at.isoformat()}
        return None

    def as_dict(self) -> dict[str, Any]:
        def iso(value):
            return value.isoformat() if value else None

        lateness = (
            {}
            if self.late_parts is None
            else {"late": self.late, "late_parts": [part.as_dict() for part in self.late_parts]}
        )
        return lateness | {
            "phase": self.phase,
            "label": self.label,
            "round": self.round_id,
            "dance": self.dance_id,
            "heat": self.heat_number,
            "entry": self.entry_id,
            "started_at": iso(self.started_at),
            "danced_at": iso(self.danced_at),
            "performance_ends_at": iso(self.performance_ends_at),
            "scoring_ends_at": iso(self.scoring_ends_at),
            "break_ends_at": iso(self.break_ends_at),
        }


def floor_read(
    competition: Competition, *, floor: Floor | None = None, for_rounds: Any = None
) -> Floor | None:
    """``floor`` read afresh with what is on it, or the default floor (``None`` when the
    competition's floor has never moved). With ``for_rounds`` (round ids: a judge's), the
    floor holding one of them, if any (a tablet follows its judge's floor); one query."""
    rows = Floor.objects.select_related(
        "round__event", "dance", "entry__competitor", "break_item"
    ).filter(competition=competition)
    if floor is not None:
        return rows.filter(pk=floor.pk).first()
    if for_rounds:
        holds = Case(When(round_id__in=list(for_rounds), then=Value(0)), default=Value(1))
        return rows.order_by(holds, "position").first()
    return rows.order_by("position").first()


def floor_now(
    competition: Competition,
    *,
    now: dt.datetime | None = None,
    floor: Floor | None | bool = False,
    with_late: bool = True,
    for_rounds: Any = None,
) -> FloorNow:
    """The floor and its timers at ``now``. With ``with_late`` (the desk), ``late_parts``
    lists every danced part of an open round whose scoring window is over and whose
    sheets are still missing, whatever is on the floor now, and ``late`` the letters of
    those judges. Public screens and tablets leave lateness out (``with_late=False``).
    A finished competition has nothing on its floor, whatever the floor's row last held.
    ``floor``: the row read already; unread, the default floor, or with ``for_rounds``
    the floor holding one of those rounds (``floor_read``)."""
    now = now or timezone.now()
    if competition.status in ENDED:
        floor = None
    elif floor is False:
        floor = floor_read(competition, for_rounds=for_rounds)
    out = _floor_timers(floor)
    if with_late:
        out.late_parts = late_parts(competition, now=now)
        out.late = sorted({letter for part in out.late_parts for letter in part.letters})
    return out


def _floor_timers(floor: Floor | None) -> FloorNow:
    if floor is None or floor.phase == FloorPhase.IDLE:
        return FloorNow(phase=FloorPhase.IDLE)
    if floor.phase == FloorPhase.BREAK:
        item = floor.break_item
        return FloorNow(
            phase=floor.phase,
            label=(item.title if item else "") or "Break",
            started_at=floor.started_at,
            break_ends_at=(
                floor.started_at + dt.timedelta(minutes=item.minutes)
                if item and floor.started_at and item.minutes
                else None
            ),
        )
    event = floor.round.event
    out = FloorNow(
        phase=floor.phase,
        label=_current(floor),
        round_id=floor.round_id,
        dance_id=floor.dance_id,
        heat_number=floor.heat_number,
        entry_id=floor.entry_id,
        started_at=floor.started_at,
        danced_at=floor.danced_at,
    )
    if event.performance_seconds and floor.started_at:
        out.performance_ends_at = floor.started_at + dt.timedelta(seconds=event.performance_seconds)
    if event.scoring_seconds and floor.danced_at:
        out.scoring_ends_at = floor.danced_at + dt.timedelta(seconds=event.scoring_seconds)
    return out
