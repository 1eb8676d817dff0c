"""The day's programme: building the timetable from the round plans, editing it, and
estimating when each heat starts as the day runs late or early.

A timetable is an ordered list of lines (``TimetableItem``): rounds and breaks. Under a
round the heats are listed in the order they are danced: every heat of the first dance,
then every heat of the next (dancesport), or each performance in its running order
(criteria). Rounds whose heats are not drawn yet (they wait for an earlier round's
recalls) are estimated from the planned number of couples and shown as to be drawn; so
are, for the public (``public=True``), rounds whose draw is not public yet
(``competitions.selectors.round_draw_public``).

Estimates are derived, never stored: from the competition's start time, each line's
length, and what the floor's trail (``FloorMove``) says really happened. Once the day
has begun they follow its actual start, whatever date it was planned for (a line's
``not_before`` moves to that date; ``date_notice`` tells the desk), each line starts
no earlier than the end of the one before it, and nothing still to come is estimated
before now. A finished competition has nothing to come.

The public names are importable from here, as they always were.
"""

from competitions.timetable.editing import (
    TimetableRefused,
    timetable_change,
    timetable_insert_break,
    timetable_move,
    timetable_remove_break,
    timetable_remove_breaks,
    timetable_sync,
)
from competitions.timetable.floors import floor_add, floor_rename, timetable_floor
from competitions.timetable.lines import (
    ENDED,
    ItemLine,
    Slot,
    SlotLine,
    date_notice,
    day_start,
    round_label,
    timetable_lines,
    timetable_lines_every_floor,
)

__all__ = [
    "ENDED",
    "ItemLine",
    "Slot",
    "SlotLine",
    "TimetableRefused",
    "date_notice",
    "floor_add",
    "floor_rename",
    "day_start",
    "round_label",
    "timetable_change",
    "timetable_floor",
    "timetable_insert_break",
    "timetable_lines",
    "timetable_lines_every_floor",
    "timetable_move",
    "timetable_remove_break",
    "timetable_remove_breaks",
    "timetable_sync",
]
