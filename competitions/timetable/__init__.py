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
has begun, nothing still to come is estimated before now.

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
from competitions.timetable.lines import (
    ItemLine,
    Slot,
    SlotLine,
    day_start,
    round_label,
    timetable_lines,
)

__all__ = [
    "ItemLine",
    "Slot",
    "SlotLine",
    "TimetableRefused",
    "day_start",
    "round_label",
    "timetable_change",
    "timetable_insert_break",
    "timetable_lines",
    "timetable_move",
    "timetable_remove_break",
    "timetable_remove_breaks",
    "timetable_sync",
]
