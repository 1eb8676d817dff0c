"""A component event (AJS style) built through the services: four couples, judges A–D
each scoring every component (TQ, MM, PS, CP) in Waltz and Tango; a recall round of 3 and
a final, sheets sent, closed and (on request) published. Judge D's scores are far from the
panel's on TQ so they are discarded."""

from __future__ import annotations

from decimal import Decimal

from adjudication.services import SheetInput, round_close, round_publish, sheet_submit
from competitions.components import round_allocation
from competitions.models import Competition, Round
from competitions.services import round_draw_heats, round_transition
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
from tests.leaderboard.helpers import quiet

D = Decimal
COMPONENTS = (
    ("Technical qualities", "TQ"),
    ("Movement to music", "MM"),
    ("Partnering skill", "PS"),
    ("Choreography and presentation", "CP"),
)
NAMES = (
    ("Anna Berg", "Ben Carr"),
    ("Cleo Dahl", "Dan Ek"),
    ("Eva Falk", "Finn Gray"),
    ("Gina Holm", "Hugo Ivar"),
)
BIBS = (11, 12, 13, 14)


class ComponentDay:
    def __init__(self, *, final_only: bool = False):
        event = EventFactory(
            name="Adult Standard AJS",
            scoring_method="components",
            component_allocation="every_judge",
            final_size=3,
        )
        for status in ("registration_open", "registration_closed"):
            Competition.objects.filter(pk=event.competition_id).update(status=status)
        self.event = event
        self.competition = event.competition
        self.dances = [
            DanceFactory(event=event, name=n, short_name=n[0], position=i)
            for i, n in enumerate(("Waltz", "Tango"))
        ]
        self.components = [
            CriterionFactory(
                event=event, name=name, short_name=short, position=i, min_score=D(0), step=D("0.25")
            )
            for i, (name, short) in enumerate(COMPONENTS)
        ]
        self.entries = [
            EntryFactory(
                event=event,
                competitor=CompetitorFactory(
                    competition=self.competition, bib=bib, name=name, partner_name=partner
                ),
            )
            for bib, (name, partner) in zip(BIBS, NAMES, strict=True)
        ]
        self.judges = [JudgeFactory(competition=self.competition, letter=x) for x in "ABCD"]
        for judge in self.judges:
            PanelSeatFactory(event=event, judge=judge)
        if final_only:
            self.first = None
            self.final = RoundFactory(event=event, kind="final", position=1)
        else:
            self.first = RoundFactory(event=event, kind="first", position=1, recall_count=3)
            self.final = RoundFactory(event=event, kind="final", position=2)

    def score(self, entry, component, judge, dance) -> str:
        """Couple 11 best, 14 last; judge D marks TQ 3 points lower (discarded)."""
        base = D("9.5") - D("0.75") * self.entries.index(entry)
        if dance.position == 1:
            base -= D("0.25")
        if judge.letter == "D" and component.short_name == "TQ":
            base -= D(3)
        return str(base)

    def open(self, round_: Round) -> Round:
        if not round_.heats.exists():
            round_draw_heats(round=round_, heat_count=1, seed=1)
        round_transition(round=round_, to_status="open", actor=None)
        round_.refresh_from_db()
        return round_

    def send_all(self, round_: Round, *, leave_out: int = 0) -> None:
        plan = round_allocation(round_)
        entries = [he.entry for heat in round_.heats.all() for he in heat.heat_entries.all()]
        pairs = [(d, j) for d in self.dances for j in self.judges]
        for dance, judge in pairs[: len(pairs) - leave_out]:
            marks = {
                (e.pk, c.pk): self.score(e, c, judge, dance)
                for e in entries
                for c in plan[dance.pk][judge.pk]
            }
            round_.refresh_from_db()
            sheet_submit(
                data=SheetInput(
                    round_id=round_.pk,
                    judge_id=judge.pk,
                    dance_id=dance.pk,
                    marks=marks,
                    client_key=f"{round_.pk}-{judge.pk}-{dance.pk}",
                    base_version=0,
                    round_revision=round_.revision,
                ),
                actor=None,
            )

    def close(self, round_: Round, *, publish: bool = True) -> Round:
        round_.refresh_from_db()
        round_close(round=round_, actor=None, seed=1)
        if publish:
            round_publish(round=round_, actor=None)
        round_.refresh_from_db()
        return round_


def component_day(*, final_published: bool = True, final_only: bool = False) -> ComponentDay:
    """The recall round closed and published, the final scored and closed (published
    with ``final_published``)."""
    with quiet():
        day = ComponentDay(final_only=final_only)
        if day.first is not None:
            day.open(day.first)
            day.send_all(day.first)
            day.close(day.first)
        day.open(day.final)
        day.send_all(day.final)
        day.close(day.final, publish=final_published)
    return day
