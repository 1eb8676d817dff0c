"""A day with a shadow judge for the agreement tests: the Latin of ``tests.adjudication.
day`` (judges A, B, C; eight couples; a first round recalling six, a final) with a
trainee, S, in a shadow seat. Every figure the tests expect is worked out by hand in
their docstrings."""

from adjudication.services import round_close
from competitions.models import PanelSeat
from tests.adjudication.day import build_day, open_final
from tests.factories.competitions import JudgeFactory


def shadow_day():
    day = build_day()
    day.shadow = JudgeFactory(competition=day.competition, letter="S", name="Sam Shadow")
    PanelSeat.objects.create(event=day.event, judge=day.shadow, shadow=True)
    return day


def recall_sheets(day, *, shadow=True):
    """A, B and C cross the first six couples by bib in both dances; S crosses the last
    six (couples 3 to 8): 12 crosses, 8 of them on recalled couples."""
    entries = day.entries()
    for judge in day.judges:
        for dance in day.dances:
            day.send(judge, dance, day.crosses(entries[:6]))
    if shadow:
        for dance in day.dances:
            day.send(day.shadow, dance, day.crosses(entries[2:]))


def final_sheets(day, *, shadow=True):
    """A and B place the finalists in bib order, C in the reverse order, S swaps the
    first two."""
    finalists = day.entries(day.final)
    n = len(finalists)
    orders = {
        day.judges[0]: finalists,
        day.judges[1]: finalists,
        day.judges[2]: finalists[::-1],
    }
    if shadow:
        orders[day.shadow] = [finalists[1], finalists[0], *finalists[2:]]
    for judge, order in orders.items():
        for dance in day.dances:
            day.send(
                judge, dance, {e.pk: place for place, e in enumerate(order, 1)}, round_=day.final
            )
    assert n == 6


def judged_day():
    """Both rounds closed, every sheet in (the shadow's too)."""
    day = shadow_day()
    recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)
    final_sheets(day)
    round_close(round=day.final, actor=None)
    return day
