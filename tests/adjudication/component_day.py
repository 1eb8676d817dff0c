"""A component round for the tablet's tests: an event scored by the four AJS components
(TQ, MM, PS, CP) on 1–10 in steps of ``step``, two dances, four judges with a fixed
allocation of two components each (A: TQ, MM; B: PS, CP; C: TQ, PS; D: MM, CP), couples
11, 12, … drawn in ``heats`` heats of a first round that recalls ``recall``."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from competitions.models import Competition, ComponentAllocation, Round
from competitions.registration import registration_submit
from competitions.services import round_draw_heats, round_transition
from tests.competitions.registration_helpers import couple, open_competition
from tests.factories.competitions import (
    CompetitorFactory,
    CriterionFactory,
    DanceFactory,
    EntryFactory,
    EventFactory,
    JudgeFactory,
    PanelSeatFactory,
    RoundFactory,
)

COMPONENTS = (
    ("Technical quality", "TQ"),
    ("Movement to music", "MM"),
    ("Partnering skill", "PS"),
    ("Choreography and presentation", "CP"),
)
ALLOCATION = {"A": ("TQ", "MM"), "B": ("PS", "CP"), "C": ("TQ", "PS"), "D": ("MM", "CP")}


@dataclasses.dataclass
class ComponentDay:
    competition: Competition
    event: object
    dances: list
    components: dict  # short name -> Criterion
    judges: list
    entries: list
    first: Round

    def mine(self, letter: str) -> list:
        return [self.components[short] for short in ALLOCATION[letter]]


def build_component_day(
    couples=8, heats=2, step="0.25", recall=4, allocation="fixed"
) -> ComponentDay:
    """``allocation="every_judge"``: every judge scores the four components."""
    event = EventFactory(
        name="Adult Standard", scoring_method="components", component_allocation=allocation
    )
    competition = event.competition
    for status in ("registration_open", "registration_closed"):
        Competition.objects.filter(pk=competition.pk).update(status=status)
    competition.refresh_from_db()
    dances = [
        DanceFactory(event=event, name=name, position=i)
        for i, name in enumerate(("Waltz", "Tango"), 1)
    ]
    components = {
        short: CriterionFactory(
            event=event,
            name=name,
            short_name=short,
            position=i,
            min_score=Decimal(1),
            max_score=Decimal(10),
            step=Decimal(step),
        )
        for i, (name, short) in enumerate(COMPONENTS, 1)
    }
    entries = [
        EntryFactory(event=event, competitor=CompetitorFactory(competition=competition, bib=11 + n))
        for n in range(couples)
    ]
    judges = [JudgeFactory(competition=competition, letter=letter) for letter in ALLOCATION]
    for judge in judges:
        PanelSeatFactory(event=event, judge=judge)
        for short in ALLOCATION[judge.letter] if allocation == "fixed" else ():
            ComponentAllocation.objects.create(
                event=event, judge=judge, criterion=components[short]
            )
    first = RoundFactory(event=event, kind="first", position=1, recall_count=recall)
    RoundFactory(event=event, kind="final", position=2)
    round_draw_heats(round=first, heat_count=heats, seed=1)
    round_transition(round=first, to_status="open", actor=None)
    first.refresh_from_db()
    return ComponentDay(competition, event, dances, components, judges, entries, first)


def component_competition():
    """Open for registration: “World Open Standard”, three dances, the four components
    on 1–10 in steps of 0.25, eight judges whose components are drawn for each dance,
    nine couples (a first round and a final of four once registration closes)."""
    competition, link = open_competition()
    event = EventFactory(
        competition=competition,
        name="World Open Standard",
        scoring_method="components",
        component_allocation="random",
        final_size=4,
        direct_final_max=4,
    )
    for position, name in enumerate(("Waltz", "Tango", "Quickstep")):
        DanceFactory(event=event, name=name, position=position)
    for position, (name, short) in enumerate(
        (
            ("Technical qualities", "TQ"),
            ("Movement to music", "MM"),
            ("Partnering skill", "PS"),
            ("Choreography and presentation", "CP"),
        )
    ):
        CriterionFactory(
            event=event, name=name, short_name=short, position=position, step=Decimal("0.25")
        )
    for letter in "ABCDEFGH":
        PanelSeatFactory(event=event, judge=JudgeFactory(competition=competition, letter=letter))
    for n in range(9):
        registration_submit(link=link, details=couple(n, club=f"Club {n}"), event_ids=[event.pk])
    return competition, event
