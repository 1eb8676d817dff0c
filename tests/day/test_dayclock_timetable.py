"""The timetable's clock when the day runs on another date than planned, and a finished
competition's day: the service with a fixed ``now`` (issue 18, items 6 and 7).

``build_programme`` plans the day for Saturday 6 March 2027 at 09:00 (London); here the
desk runs it on Wednesday 10 February 2027 instead."""

import datetime as dt
import zoneinfo

import pytest

from adjudication.day.floor import FloorRefused, floor_move, floor_now, next_on_programme
from competitions.models import (
    Competition,
    CompetitionStatus,
    Floor,
    FloorMove,
    Round,
    RoundStatus,
    TimetableItem,
)
from competitions.timetable import (
    date_notice,
    timetable_change,
    timetable_insert_break,
    timetable_lines,
)
from tests.day.helpers import build_programme

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def on(day, hour, minute=0, second=0):
    return dt.datetime(2027, *day, hour, minute, second, tzinfo=LONDON)


def run_day(hour, minute=0, second=0):
    """A time on the day it really runs: 10 February 2027."""
    return on((2, 10), hour, minute, second)


def planned_day(hour, minute=0):
    return on((3, 6), hour, minute)


def estimates_never_go_backwards(lines, now):
    """Each line starts no earlier than the end of the one before; each heat no earlier
    than the one before; what is still to come no earlier than now."""
    ends = None
    for line in lines:
        if line.state == "to_come":
            assert line.starts >= now, line.label
            if ends is not None:
                assert line.starts >= ends, line.label
        if line.starts is not None and line.ends is not None:
            assert line.ends >= line.starts, line.label
        starts = [s.starts for s in line.slots if s.starts is not None]
        assert starts == sorted(starts), line.label
        ends = line.ends or ends


def test_started_weeks_before_the_planned_date_the_estimates_follow_the_actual_start():
    p = build_programme()
    floor_move(competition=p.competition, action="next", actor=None, at=run_day(23, 0))

    lines = timetable_lines(p.competition, now=run_day(23, 1))
    first = lines[0]

    # The heat on the floor since 23:00; the next heats follow it, not 09:00 on 6 March.
    assert [s.starts for s in first.slots] == [
        run_day(23, 0),
        run_day(23, 2),
        run_day(23, 4),
        run_day(23, 6),
    ]
    assert (first.starts, first.ends) == (run_day(23, 0), run_day(23, 8))
    assert lines[1].starts == run_day(23, 8)  # the final, to be drawn
    assert lines[-1].ends == run_day(23, 26)
    estimates_never_go_backwards(lines, run_day(23, 1))


def test_what_is_still_to_come_is_never_estimated_before_now():
    p = build_programme()
    floor_move(competition=p.competition, action="next", actor=None, at=run_day(23, 0))
    floor_move(competition=p.competition, action="danced", actor=None, at=run_day(23, 2))

    # Long after: nothing else started, so everything to come starts from now.
    now = on((2, 11), 0, 30)
    lines = timetable_lines(p.competition, now=now)

    assert lines[0].slots[0].state == "on_floor"
    assert lines[0].slots[1].starts == now
    estimates_never_go_backwards(lines, now)


def test_a_lines_earliest_start_moves_to_the_date_the_day_runs():
    p = build_programme()
    pageant = TimetableItem.objects.get(round__event=p.pageant)
    timetable_change(item=pageant, actor=None, not_before=planned_day(11, 0))
    floor_move(competition=p.competition, action="next", actor=None, at=run_day(9, 30))

    lines = timetable_lines(p.competition, now=run_day(9, 31))

    # The finals session "not before 11:00" is 11:00 on the day it really runs.
    assert lines[-1].starts == run_day(11, 0)
    assert lines[-2].ends == run_day(9, 44)
    estimates_never_go_backwards(lines, run_day(9, 31))


def test_a_day_run_in_seconds_by_a_simulation_keeps_its_lines_in_order():
    p = build_programme()
    timetable_insert_break(
        competition=p.competition, after_position=1, minutes=20, title="Tea", actor=None
    )
    at = run_day(3, 15)

    def second(n):
        return at + dt.timedelta(seconds=n)

    for heat in range(4):  # the first round's four heats, a second each
        floor_move(competition=p.competition, action="next", actor=None, at=second(2 * heat))
        floor_move(competition=p.competition, action="danced", actor=None, at=second(2 * heat + 1))
    floor_move(competition=p.competition, action="next", actor=None, at=second(10))  # the tea
    floor_move(competition=p.competition, action="clear", actor=None, at=second(11))

    now = second(20)
    first, tea, final, *rest = timetable_lines(p.competition, now=now)

    assert (first.starts, first.ends) == (at, second(7))
    # The break was cleared after a second: it ended then, not 20 minutes later.
    assert (tea.label, tea.state, tea.starts, tea.ends) == ("Tea", "done", second(10), second(11))
    assert final.starts == now
    estimates_never_go_backwards([first, tea, final, *rest], now)


def test_the_desk_is_told_when_the_day_runs_on_another_date():
    p = build_programme()

    before = date_notice(p.competition, now=run_day(8, 0))
    assert "Planned for Saturday 6 March 2027 at 09:00" in before
    assert "today is Wednesday 10 February 2027" in before
    assert date_notice(p.competition, now=planned_day(8, 0)) == ""

    floor_move(competition=p.competition, action="next", actor=None, at=run_day(23, 0))

    after = date_notice(p.competition, now=run_day(23, 5))
    assert "Planned for Saturday 6 March 2027, this day began on Wednesday 10 February 2027" in (
        after
    )
    assert "follows its actual start" in after


def test_a_day_begun_on_its_planned_date_says_nothing_about_dates():
    p = build_programme()
    floor_move(competition=p.competition, action="next", actor=None, at=planned_day(9, 5))

    assert date_notice(p.competition, now=planned_day(9, 6)) == ""


def finished_with_the_floor_left_on_a_heat(p):
    """The floor left on a danced heat and a break never taken, then the competition
    finished (as a simulation that stopped half way and was resumed used to leave it)."""
    timetable_insert_break(
        competition=p.competition, after_position=2, minutes=20, title="Tea", actor=None
    )
    floor_move(competition=p.competition, action="next", actor=None, at=run_day(23, 0))
    floor_move(competition=p.competition, action="danced", actor=None, at=run_day(23, 2))
    # Set up directly: every result is published in the other tests of the finished state.
    Competition.objects.filter(pk=p.competition.pk).update(status=CompetitionStatus.FINISHED)
    p.competition.refresh_from_db()


def test_a_finished_competition_has_nothing_on_the_floor_and_nothing_to_come():
    p = build_programme()
    finished_with_the_floor_left_on_a_heat(p)
    now = run_day(23, 30)

    lines = timetable_lines(p.competition, now=now)

    assert Floor.objects.get(competition=p.competition).phase == "danced"  # the row as left
    assert floor_now(p.competition, now=now).phase == "idle"
    assert not [line for line in lines if line.state in ("to_come", "on_floor")]
    tea = next(line for line in lines if line.is_break)
    assert (tea.state, tea.starts, tea.ends) == ("skipped", None, None)
    assert lines[0].slots[0].state == "danced"  # what happened stays
    assert next_on_programme(p.competition) is None


@pytest.mark.parametrize(
    "action, refusal",
    [
        ("next", "Nothing is left on the timetable"),
        ("start", "is finished: nothing more goes on the floor"),
        ("break", "is finished: nothing more goes on the floor"),
    ],
)
def test_nothing_more_goes_on_the_floor_of_a_finished_competition(action, refusal):
    p = build_programme()
    finished_with_the_floor_left_on_a_heat(p)
    tea = TimetableItem.objects.get(competition=p.competition, title="Tea")
    first = p.round(p.latin)
    moves = FloorMove.objects.count()

    with pytest.raises(FloorRefused, match=refusal):
        floor_move(
            competition=p.competition,
            action=action,
            actor=None,
            round_id=first.pk,
            dance_id=p.latin.dances.get(name="Rumba").pk,
            heat_number=1,
            item_id=tea.pk,
        )
    assert FloorMove.objects.count() == moves
    tea.refresh_from_db()
    assert tea.started_at is None


def test_rounds_opened_at_the_desk_without_the_floor_start_the_day_too():
    """The desk opens rounds without starting heats on the floor (a rehearsal weeks
    ahead): what is still to come is estimated from now, not from 09:00 on 6 March."""
    p = build_programme()
    Round.objects.filter(pk=p.round(p.latin, 1).pk).update(status=RoundStatus.OPEN)
    now = run_day(15, 30)

    lines = timetable_lines(p.competition, now=now)

    assert FloorMove.objects.filter(competition=p.competition).count() == 0
    assert all(line.starts.date() == now.date() for line in lines if line.starts)
    assert lines[0].starts >= now
    estimates_never_go_backwards(lines, now)
