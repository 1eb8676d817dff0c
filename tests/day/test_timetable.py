"""The timetable: built from the round plans at the close of registration, estimated
from the heat lengths and breaks, re-estimated from what happened, and edited without
touching the past."""

import datetime as dt
import json
import zoneinfo

import pytest

from adjudication.day.floor import floor_move
from competitions.models import Round, RoundStatus, TimetableItem
from competitions.timetable import (
    TimetableRefused,
    timetable_change,
    timetable_insert_break,
    timetable_lines,
    timetable_move,
    timetable_remove_break,
    timetable_sync,
)
from tests.day.helpers import build_programme, desk_user

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(hour, minute, second=0):
    return dt.datetime(2027, 3, 6, hour, minute, second, tzinfo=LONDON)


def labels(competition):
    return [line.label for line in timetable_lines(competition, now=at(8, 0))]


def test_closing_registration_builds_the_day_earlier_rounds_first_and_finals_last():
    p = build_programme()

    assert labels(p.competition) == [
        "Adult Latin – First round",
        "Adult Latin – Final",
        "Junior Waltz – Final",
        "Pageant – Final",
    ]


def test_every_heat_is_listed_with_an_estimated_start_from_the_heat_lengths():
    p = build_programme()
    lines = timetable_lines(p.competition, now=at(8, 0))
    first, latin_final, waltz, pageant = lines

    # 20 couples at 12 a heat: two heats, danced for each of the two dances, 120 s each.
    assert [(s.dance, s.slot.heat_number) for s in first.slots] == [
        ("Samba", 1),
        ("Samba", 2),
        ("Rumba", 1),
        ("Rumba", 2),
    ]
    assert [s.starts for s in first.slots] == [at(9, 0), at(9, 2), at(9, 4), at(9, 6)]
    assert sorted(len(s.bibs) for s in first.slots[:2]) == [10, 10]
    # The final waits for the first round's recalls: estimated from the plan (6 couples,
    # one heat per dance) and shown as to be drawn.
    assert not latin_final.drawn and latin_final.slots == []
    assert (latin_final.starts, latin_final.ends) == (at(9, 8), at(9, 12))
    assert (waltz.starts, waltz.ends) == (at(9, 12), at(9, 14))
    # Criteria: one slot per performance, 180 s each without timers.
    assert len(pageant.slots) == 4
    assert (pageant.starts, pageant.ends) == (at(9, 14), at(9, 26))


def test_timers_and_breaks_and_not_before_shape_the_estimates():
    p = build_programme(timers=True)
    timetable_insert_break(
        competition=p.competition, after_position=1, minutes=15, title="Coffee", actor=None
    )
    pageant_item = TimetableItem.objects.get(round__event=p.pageant)
    timetable_change(item=pageant_item, actor=None, not_before=at(10, 0))
    lines = timetable_lines(p.competition, now=at(8, 0))

    assert [line.label for line in lines][:2] == ["Adult Latin – First round", "Coffee"]
    coffee = lines[1]
    assert (coffee.starts, coffee.ends) == (at(9, 8), at(9, 23))
    assert lines[2].starts == at(9, 23)
    # Pageant with 90 s performances and 30 s scoring windows: 120 s a performance.
    assert (lines[4].starts, lines[4].ends) == (at(10, 0), at(10, 8))


def test_the_day_is_re_estimated_when_it_runs_late():
    p = build_programme()
    floor_move(competition=p.competition, action="next", actor=None, at=at(9, 20))
    lines = timetable_lines(p.competition, now=at(9, 21))
    first = lines[0]

    assert first.slots[0].state == "on_floor"
    assert first.slots[0].starts == at(9, 20)
    # The heat on the floor ends at 9:22; nothing to come starts before then.
    assert first.slots[1].starts == at(9, 22)
    assert lines[1].starts == at(9, 28)

    # Much later, the heat is still on the floor: what comes next starts from now.
    lines = timetable_lines(p.competition, now=at(9, 40))
    assert lines[0].slots[1].starts == at(9, 40)


def test_moving_a_round_and_inserting_and_removing_a_break():
    p = build_programme()
    pageant = TimetableItem.objects.get(round__event=p.pageant)
    user = desk_user()

    timetable_move(item=pageant, to_position=2, actor=user)
    assert labels(p.competition)[1] == "Pageant – Final"
    lunch = timetable_insert_break(
        competition=p.competition, after_position=4, minutes=45, title="Lunch", actor=user
    )
    assert labels(p.competition)[4] == "Lunch"
    timetable_remove_break(item=lunch, actor=user)
    assert "Lunch" not in labels(p.competition)
    positions = list(
        TimetableItem.objects.filter(competition=p.competition).values_list("position", flat=True)
    )
    assert positions == [1, 2, 3, 4]


def test_a_final_cannot_go_before_its_own_first_round():
    p = build_programme()
    final = TimetableItem.objects.get(round__event=p.latin, round__position=2)

    with pytest.raises(TimetableRefused, match="must come after Adult Latin – First round"):
        timetable_move(item=final, to_position=1, actor=None)
    assert labels(p.competition)[1] == "Adult Latin – Final"


def test_the_past_cannot_be_edited():
    p = build_programme()
    floor_move(competition=p.competition, action="next", actor=None, at=at(9, 0))
    first = TimetableItem.objects.get(round__event=p.latin, round__position=1)
    waltz = TimetableItem.objects.get(round__event=p.waltz)

    with pytest.raises(TimetableRefused, match="has started: it can no longer be moved"):
        timetable_move(item=first, to_position=3, actor=None)
    with pytest.raises(TimetableRefused, match="cannot go before Adult Latin – First round"):
        timetable_move(item=waltz, to_position=1, actor=None)
    with pytest.raises(TimetableRefused, match="already happened"):
        timetable_insert_break(
            competition=p.competition, after_position=0, minutes=5, title="", actor=None
        )
    with pytest.raises(TimetableRefused, match="has started: its start is history"):
        timetable_change(item=first, actor=None, not_before=at(11, 0))
    # The round on the floor may still change the length of its heats to come.
    timetable_change(item=first, actor=None, heat_seconds=150)
    first.refresh_from_db()
    assert first.heat_seconds == 150


@pytest.mark.parametrize(
    "change, message",
    [
        ({"heat_seconds": 5}, "between 10 and 3600 seconds"),
        ({"minutes": 10}, "Only a break"),
    ],
)
def test_bad_changes_are_refused_and_nothing_changes(change, message):
    p = build_programme()
    item = TimetableItem.objects.get(round__event=p.waltz)

    with pytest.raises(TimetableRefused, match=message):
        timetable_change(item=item, actor=None, **change)
    item.refresh_from_db()
    assert item.heat_seconds is None and item.minutes is None


def test_bad_breaks_and_places_are_refused():
    p = build_programme()
    item = TimetableItem.objects.get(round__event=p.waltz)
    before = labels(p.competition)

    with pytest.raises(TimetableRefused, match="between 1 and 600 minutes"):
        timetable_insert_break(
            competition=p.competition, after_position=2, minutes=0, title="x", actor=None
        )
    with pytest.raises(TimetableRefused, match="between 0 and 4"):
        timetable_insert_break(
            competition=p.competition, after_position=9, minutes=5, title="x", actor=None
        )
    with pytest.raises(TimetableRefused, match="between 1 and 4"):
        timetable_move(item=item, to_position=0, actor=None)
    with pytest.raises(TimetableRefused, match="Only breaks can be removed"):
        timetable_remove_break(item=item, actor=None)
    assert labels(p.competition) == before


def test_a_judge_may_not_edit_the_timetable():
    p = build_programme()
    item = TimetableItem.objects.get(round__event=p.waltz)

    with pytest.raises(TimetableRefused, match="permission"):
        timetable_move(item=item, to_position=1, actor=desk_user("judge"))


def test_sync_adds_rounds_of_a_replanned_event_and_closes_gaps():
    p = build_programme()
    from competitions.registration import event_plan_rounds

    event_plan_rounds(event=p.latin)  # 20 couples: a first round, a semi-final and a final
    timetable_sync(competition=p.competition)

    assert labels(p.competition) == [
        "Junior Waltz – Final",
        "Pageant – Final",
        "Adult Latin – First round",
        "Adult Latin – Semi-final",
        "Adult Latin – Final",
    ]
    assert list(
        TimetableItem.objects.filter(competition=p.competition).values_list("position", flat=True)
    ) == [1, 2, 3, 4, 5]


def test_a_cleared_heat_length_goes_back_to_the_events_default():
    p = build_programme()
    item = TimetableItem.objects.get(round__event=p.waltz)
    timetable_change(item=item, actor=None, heat_seconds=150)

    timetable_change(item=item, actor=None, heat_seconds=None)

    item.refresh_from_db()
    assert item.heat_seconds is None
    waltz = next(line for line in timetable_lines(p.competition, now=at(8, 0)) if line.item == item)
    assert waltz.slot_seconds == p.waltz.slot_seconds


def test_a_change_that_names_no_heat_length_keeps_it():
    p = build_programme()
    item = TimetableItem.objects.get(round__event=p.waltz)
    timetable_change(item=item, actor=None, heat_seconds=150)

    timetable_change(item=item, actor=None, not_before=at(10, 0))

    item.refresh_from_db()
    assert (item.heat_seconds, item.not_before) == (150, at(10, 0))


def test_a_finished_round_cannot_change_at_all():
    p = build_programme()
    waltz = TimetableItem.objects.get(round__event=p.waltz)
    for status in (RoundStatus.OPEN, RoundStatus.CLOSED):
        Round.objects.filter(pk=waltz.round_id).update(status=status)

    for change in ({"heat_seconds": 150}, {"heat_seconds": None}, {"not_before": at(11, 0)}):
        with pytest.raises(TimetableRefused, match="Junior Waltz – Final is over"):
            timetable_change(item=waltz, actor=None, **change)
    waltz.refresh_from_db()
    assert (waltz.heat_seconds, waltz.not_before) == (None, None)


def test_a_break_that_was_taken_cannot_change_or_be_removed():
    p = build_programme()
    coffee = timetable_insert_break(
        competition=p.competition, after_position=0, minutes=15, title="Coffee", actor=None
    )
    floor_move(competition=p.competition, action="break", actor=None, item_id=coffee.pk)

    with pytest.raises(TimetableRefused, match="Coffee is over: the past cannot be edited"):
        timetable_change(item=coffee, actor=None, minutes=30)
    with pytest.raises(TimetableRefused, match="Coffee has started: it can no longer be removed"):
        timetable_remove_break(item=coffee, actor=None)
    coffee.refresh_from_db()
    assert (coffee.position, coffee.minutes, coffee.title) == (1, 15, "Coffee")


def test_a_break_title_over_120_characters_is_refused():
    p = build_programme()
    before = labels(p.competition)

    with pytest.raises(TimetableRefused, match="Keep the break's title to 120 characters"):
        timetable_insert_break(
            competition=p.competition, after_position=1, minutes=5, title="x" * 121, actor=None
        )
    assert labels(p.competition) == before
    lunch = timetable_insert_break(
        competition=p.competition, after_position=1, minutes=5, title="L" * 120, actor=None
    )
    with pytest.raises(TimetableRefused, match="Keep the break's title to 120 characters"):
        timetable_change(item=lunch, actor=None, title="y" * 121)
    lunch.refresh_from_db()
    assert lunch.title == "L" * 120


# --- The screens hear of every edit -----------------------------------------------------------


@pytest.fixture
def nudges(monkeypatch):
    """The nudges handed to the channel layer, and the public screens' pushes."""
    from leaderboard import broadcast
    from scoring_site import realtime

    sent = {"nudges": [], "public": []}

    class Layer:
        async def group_send(self, group, message):
            sent["public"].append(json.loads(message["text"]))

    monkeypatch.setattr(realtime, "_transport", lambda cid, message: sent["nudges"].append(message))
    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: Layer())
    return sent


def _edits(p):
    pageant = TimetableItem.objects.get(round__event=p.pageant)
    return {
        "insert a break": lambda: timetable_insert_break(
            competition=p.competition, after_position=0, minutes=10, title="Warm-up", actor=None
        ),
        "move a round": lambda: timetable_move(item=pageant, to_position=1, actor=None),
        "change a heat length": lambda: timetable_change(
            item=pageant, actor=None, heat_seconds=200
        ),
        "remove a break": lambda: timetable_remove_break(
            item=TimetableItem.objects.get(title="Tea"), actor=None
        ),
    }


@pytest.mark.parametrize(
    "edit", ["insert a break", "move a round", "change a heat length", "remove a break"]
)
def test_every_edit_tells_the_screens_after_it_commits(
    edit, nudges, django_capture_on_commit_callbacks
):
    p = build_programme()
    timetable_insert_break(
        competition=p.competition, after_position=4, minutes=5, title="Tea", actor=None
    )

    with django_capture_on_commit_callbacks(execute=True):
        _edits(p)[edit]()

    assert [n["kind"] for n in nudges["nudges"]] == ["floor"]
    assert [u["kinds"] for u in nudges["public"]] == [["floor"]]


def test_a_replanned_event_reaches_the_screens_and_a_sync_with_nothing_new_is_quiet(
    nudges, django_capture_on_commit_callbacks
):
    from competitions.registration import event_plan_rounds

    p = build_programme()
    with django_capture_on_commit_callbacks(execute=True):
        timetable_sync(competition=p.competition)  # nothing new since the close
    assert nudges["nudges"] == []

    event_plan_rounds(event=p.latin)  # a semi-final is added
    with django_capture_on_commit_callbacks(execute=True):
        timetable_sync(competition=p.competition)

    assert [n["kind"] for n in nudges["nudges"]] == ["floor"]


def test_the_projectors_next_shows_an_inserted_break_at_once(
    nudges, django_capture_on_commit_callbacks
):
    p = build_programme()

    with django_capture_on_commit_callbacks(execute=True):
        timetable_insert_break(
            competition=p.competition, after_position=0, minutes=10, title="Warm-up", actor=None
        )

    (update,) = nudges["public"]
    assert [item["title"] for item in update["next"]] == [
        "Warm-up",
        "Adult Latin – First round",
        "Adult Latin – Final",
    ]


@pytest.mark.parametrize(
    "edit", ["insert a break", "move a round", "change a heat length", "remove a break"]
)
def test_an_edit_that_rolls_back_tells_nobody(edit, django_capture_on_commit_callbacks):
    from django.db import transaction

    p = build_programme()
    timetable_insert_break(
        competition=p.competition, after_position=4, minutes=5, title="Tea", actor=None
    )

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        _edits(p)[edit]()
        transaction.set_rollback(True)

    assert callbacks == []


def test_a_refused_edit_tells_nobody(django_capture_on_commit_callbacks):
    p = build_programme()

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(TimetableRefused):
        timetable_insert_break(
            competition=p.competition, after_position=9, minutes=5, title="x", actor=None
        )

    assert callbacks == []
