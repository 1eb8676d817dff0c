"""The demo competition at the moments the audience's screens are hardest to lay out:
mid-day (two rounds open, one of 24 couples in two heats, and a final of ten published),
a pageant's live running total beside a round of 24, and the end of the day (every
result published). Built through the services, with no
live announcements (the browser tests' server has no relay)."""

from __future__ import annotations

from decimal import Decimal

from adjudication.services import (
    SheetInput,
    round_close,
    round_entries,
    round_publish,
    sheet_submit,
)
from competitions.components import round_allocation
from competitions.demo import demo_create
from competitions.models import Competition, Judge, Round
from competitions.selectors import round_panel
from competitions.services import round_transition


def _criteria_final(round_: Round) -> None:
    """Every judge scores every entry of a criteria final; closed and published."""
    _criteria_sheets(round_)
    round_close(round=round_, actor=None, seed=1)
    round_publish(round=round_, actor=None)


def _criteria_sheets(round_: Round, entries: int | None = None) -> None:
    """Every judge's sheet for the first ``entries`` entries (all by default)."""
    round_.refresh_from_db()
    event = round_.event
    criteria = list(event.criteria.order_by("position", "id"))
    judges = list(Judge.objects.filter(seats__event=event).order_by("letter"))
    chosen = [e for e in round_entries(round_) if not e.withdrawn][:entries]
    for rank, entry in enumerate(chosen):
        for judge in judges:
            score = Decimal(10) - Decimal(rank) / 2 - Decimal(ord(judge.letter) % 2) / 2
            sheet_submit(
                data=SheetInput(
                    round_id=round_.pk,
                    judge_id=judge.pk,
                    entry_id=entry.pk,
                    marks={c.pk: max(score, Decimal(0)) for c in criteria},
                    client_key=f"screens-{judge.letter}-{entry.pk}",
                    base_version=0,
                    round_revision=round_.revision,
                ),
                actor=None,
            )


def _component_sheets(round_: Round) -> None:
    """Every judge's sheet of every dance of a component round: each couple scored on the
    judge's components, better couples (lower in the draw's order) a little higher."""
    round_.refresh_from_db()
    plan = round_allocation(round_)
    entries = [e for e in round_entries(round_) if not e.withdrawn]
    for dance in round_.event.dances.order_by("position", "id"):
        for judge in round_panel(round_):
            marks = {
                (entry.pk, component.pk): max(
                    component.min_score, component.max_score - Decimal(rank) / 2
                )
                for rank, entry in enumerate(entries)
                for component in plan[dance.pk][judge.pk]
            }
            sheet_submit(
                data=SheetInput(
                    round_id=round_.pk,
                    judge_id=judge.pk,
                    dance_id=dance.pk,
                    marks=marks,
                    client_key=f"screens-{judge.letter}-{dance.pk}",
                    base_version=0,
                    round_revision=round_.revision,
                ),
                actor=None,
            )


def skating_sheets(round_: Round, dances: int) -> None:
    """The first ``dances`` dances' sheets of a skating round, from every judge."""
    event = round_.event
    judges = list(Judge.objects.filter(seats__event=event).order_by("letter"))
    entries = [e for e in round_entries(round_) if not e.withdrawn]
    for dance in list(event.dances.order_by("position", "id"))[:dances]:
        for judge in judges:
            if round_.kind == "final":
                marks = {e.pk: place for place, e in enumerate(entries, start=1)}
            else:
                marks = {e.pk: 1 for e in entries[: round_.recall_count]}
            sheet_submit(
                data=SheetInput(
                    round_id=round_.pk,
                    judge_id=judge.pk,
                    dance_id=dance.pk,
                    marks=marks,
                    client_key=f"screens-{judge.letter}-{dance.pk}",
                    base_version=0,
                    round_revision=round_.revision,
                ),
                actor=None,
            )


def demo_mid_day() -> Competition:
    """The demo with the pageant's final of ten published, then the Latin first round
    (24 couples, two heats; two dances' sheets in) and the Junior Waltz final open."""
    competition = demo_create(seed=2026).competition
    rounds = Round.objects.filter(event__competition=competition, position=1)
    pageant = rounds.get(event__name="Miss Podium Pageant")
    round_transition(round=pageant, to_status="open", actor=None)
    pageant.refresh_from_db()
    _criteria_final(pageant)
    for name in ("Adult Latin Open", "Junior Waltz"):
        round_transition(round=rounds.get(event__name=name), to_status="open", actor=None)
    skating_sheets(rounds.get(event__name="Adult Latin Open"), dances=2)
    return competition


def demo_live_totals() -> Competition:
    """The demo with the pageant's final open and its running total live (six of its ten
    scored by every judge) beside the Latin first round of 24 couples."""
    competition = demo_create(seed=2026).competition
    rounds = Round.objects.filter(event__competition=competition, position=1)
    for name in ("Miss Podium Pageant", "Adult Latin Open"):
        round_transition(round=rounds.get(event__name=name), to_status="open", actor=None)
    _criteria_sheets(rounds.get(event__name="Miss Podium Pageant"), entries=6)
    return competition


def _run_round(round_: Round) -> None:
    """A round of the demo from planned to published (which draws the next one)."""
    round_.refresh_from_db()
    if round_.status == "planned":
        round_transition(round=round_, to_status="open", actor=None)
        round_.refresh_from_db()
    if round_.event.scoring_method == "criteria":
        _criteria_final(round_)
        return
    if round_.event.is_components:
        _component_sheets(round_)
        round_close(round=round_, actor=None, seed=1)
        round_publish(round=round_, actor=None)
        return
    skating_sheets(round_, dances=99)
    round_close(round=round_, actor=None, seed=1)
    round_publish(round=round_, actor=None)


def demo_finished() -> Competition:
    """The demo with every round run and published, the finals last (as its timetable
    has them); the pageant's final of ten is the last result. Faster than ``simulate``,
    which also walks the floor heat by heat."""
    competition = demo_create(seed=2026).competition
    rounds = Round.objects.filter(event__competition=competition)
    for round_ in rounds.filter(event__name="Adult Latin Open").order_by("position"):
        _run_round(round_)
    for name in ("Junior Waltz", "Youth Standard", "Miss Podium Pageant"):
        _run_round(rounds.get(event__name=name))
    competition.refresh_from_db()
    return competition


__all__ = ["demo_finished", "demo_live_totals", "demo_mid_day", "skating_sheets"]
