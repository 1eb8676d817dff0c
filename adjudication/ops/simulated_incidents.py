"""A simulated day that goes wrong the way real days do (``simulate --incidents``): a
few couples do not turn up in a first round, one retires injured in a final, one heat
is danced again, one judge falls ill and is replaced by a reserve, and one couple is
disqualified after its final has been published. Each goes through the same service
the desk's pages and API use, by the simulated chairman, with a reason; which couple,
heat and judge is drawn from the simulation's seed.

The simulator asks at fixed points of the day (before a round opens, once its heats
are danced, after a heat is danced, after a round is published); each incident happens
once, in the first event where it can.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable

from accounts.models import User
from adjudication.incidents.couples import entry_disqualify, entry_mark_absent, entry_retire
from adjudication.incidents.judges import judge_replace
from adjudication.incidents.redance import heat_redance
from adjudication.incidents.standing import round_standing
from adjudication.models import Placing
from adjudication.services.common import round_entries
from competitions.models import (
    Dance,
    Entry,
    Event,
    Judge,
    PanelSeat,
    Round,
    RoundKind,
    RoundStatus,
    ScoringMethod,
)
from competitions.selectors import round_panel

NO_SHOWS = 2
RESERVE_LETTER = "R"
RESERVE_NAME = "Reserve judge (simulated)"


@dataclasses.dataclass
class IncidentsDone:
    """What the simulated day went through, one line each, for the report."""

    lines: list[str] = dataclasses.field(default_factory=list)


def entries_dancing(round_: Round, dance: Dance | None = None) -> list[Entry]:
    """The round's couples still dancing (``dance``: in that dance; ``None``: the round):
    not withdrawn, absent or disqualified, nor retired before it."""
    away = round_standing(round_).not_dancing(dance)
    return [e for e in round_entries(round_) if not e.withdrawn and e.pk not in away]


class SimulatedIncidents:
    """The incidents of one simulated day, each made once."""

    def __init__(self, *, seed: int, chairman: Callable[[], User]):
        # bandit: a rehearsal's incidents, seeded on purpose
        self.rng = random.Random(f"{seed}|incidents")  # nosec B311
        self.chairman = chairman
        self.done = IncidentsDone()
        self._made: set[str] = set()

    def _once(self, what: str) -> bool:
        if what in self._made:
            return False
        self._made.add(what)
        return True

    # --- the hooks ---------------------------------------------------------------------

    def before_open(self, round_: Round) -> None:
        """A round drawn and about to open: a judge replaced from it (a second round),
        couples that do not turn up (a first round with couples to spare)."""
        if round_.status != RoundStatus.PLANNED or not round_.heats.exists():
            return
        if round_.position == 2 and "replace" not in self._made:
            self._replace_judge(round_)
        if round_.position == 1 and round_.kind != RoundKind.FINAL:
            self._no_shows(round_)

    def heats_danced(self, round_: Round) -> None:
        """Every heat of an open round danced, no sheet sent yet: a finalist retires
        injured after the first dance."""
        event = round_.event
        if round_.kind != RoundKind.FINAL or event.scoring_method != ScoringMethod.SKATING:
            return
        dances = list(event.dances.order_by("position", "id"))
        couples = entries_dancing(round_)
        if len(dances) < 2 or len(couples) < 3 or not self._once("retire"):
            return
        entry = self.rng.choice(couples)
        entry_retire(
            round=round_,
            entry=entry,
            from_dance=dances[1],
            actor=self.chairman(),
            reason=f"Injured in the {dances[0].name} (simulated)",
        )
        self.done.lines.append(f"{round_}: {entry.bib_label} retired after the {dances[0].name}.")

    def heat_danced(self, round_: Round, dance_id: int | None, heat_number: int) -> bool:
        """A heat just danced: the first one of a preliminary round is danced again (a
        couple fell). True when it went back on the floor."""
        if dance_id is None or round_.kind == RoundKind.FINAL or not self._once("redance"):
            return False
        dance = Dance.objects.get(pk=dance_id)
        heat_redance(
            round=round_,
            dance=dance,
            heat_number=heat_number,
            reason="A couple fell and blocked the floor (simulated)",
            recollect=False,
            actor=self.chairman(),
        )
        self.done.lines.append(f"{round_}: heat {heat_number} of the {dance.name} danced again.")
        return True

    def published(self, round_: Round) -> None:
        """A final just published: the couple placed second is disqualified from the
        event (a protest upheld), and everyone below moves up."""
        if round_.kind != RoundKind.FINAL or not self._once("disqualify"):
            return
        placing = (
            Placing.objects.filter(round=round_, place__isnull=False)
            .select_related("entry__competitor")
            .order_by("place", "entry_id")
        )[1:2]
        if not placing:
            self._made.discard("disqualify")
            return
        entry = placing[0].entry
        entry_disqualify(
            round=round_,
            entry=entry,
            whole_event=True,
            actor=self.chairman(),
            reason="Protest upheld: costume rule broken (simulated)",
        )
        self.done.lines.append(f"{round_.event}: {entry.bib_label} disqualified from the event.")

    # --- the incidents -----------------------------------------------------------------

    def _no_shows(self, round_: Round) -> None:
        couples = entries_dancing(round_)
        spare = len(couples) - (round_.recall_count or 0)
        if spare <= NO_SHOWS or not self._once("no-shows"):
            return
        for entry in self.rng.sample(couples, NO_SHOWS):
            entry_mark_absent(
                round=round_,
                entry=entry,
                actor=self.chairman(),
                reason="Did not report to the floor (simulated)",
            )
            self.done.lines.append(f"{round_}: {entry.bib_label} did not turn up.")

    def _replace_judge(self, round_: Round) -> None:
        panel = round_panel(round_)
        if len(panel) < 3:
            return
        self._made.add("replace")
        judge = self.rng.choice(panel)
        reserve = _reserve_judge(round_.event)
        judge_replace(
            event=round_.event,
            judge=judge,
            replacement=reserve,
            from_round=round_,
            finish_current=False,
            actor=self.chairman(),
            reason="Taken ill at lunch (simulated)",
        )
        self.done.lines.append(
            f"{round_.event}: judge {judge.letter} replaced by {reserve.letter} from {round_}."
        )


def _reserve_judge(event: Event) -> Judge:
    """A judge of the competition not on the event's panel: the simulated reserve."""
    seated = PanelSeat.objects.filter(event=event).values("judge_id")
    free = Judge.objects.filter(competition_id=event.competition_id).exclude(pk__in=seated)
    reserve = free.order_by("letter").first()
    if reserve is not None:
        return reserve
    letters = set(
        Judge.objects.filter(competition_id=event.competition_id).values_list("letter", flat=True)
    )
    letter = next(
        candidate
        for candidate in (RESERVE_LETTER, *(f"{RESERVE_LETTER}{n}" for n in range(2, 100)))
        if candidate not in letters
    )
    return Judge.objects.create(
        competition_id=event.competition_id, letter=letter, name=RESERVE_NAME
    )
