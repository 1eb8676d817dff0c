"""Simulated judges: a whole competition run through the same services as a real day.

For rehearsals and load tests. ``competition_simulate`` takes a competition whose
registration is open or closed (or one already in progress) to published results: it
opens every round in programme order, sends every judge's sheets through
``sheet_submit`` (source ``simulation``), closes the round (a simulated chairman recalls
more when couples tie at the cut-off), publishes it, and at the end marks the
competition finished. Nothing here writes a mark itself.

The judging is plausible and reproducible. Each entry has a hidden quality, drawn once
from the seed; a judge perceives ``skill × quality + √(1 − skill²) × noise``, so
``skill`` is the correlation between what a judge sees and the truth (1: a panel that
always agrees, 0: one marking at random). Every sheet draws its noise from a generator
of its own, seeded from the seed and the sheet's place in the programme (event, round,
judge, dance or entry): the same seed gives the same marks, and a run that stopped half
way carries on where it stopped, sending only the sheets that are missing.
"""

from __future__ import annotations

import dataclasses
import math
import random
import secrets
import time
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Q

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create_with_role
from adjudication.day.floor import FloorRefused, floor_move, next_in_lines
from adjudication.models import Placing, Sheet
from adjudication.ops.simulated_incidents import SimulatedIncidents, entries_dancing
from adjudication.ops.simulated_shadows import TRAINEE_NAME, TRAINEE_SKILL, shadow_seats_seat
from adjudication.services import (
    ScoringError,
    SheetInput,
    recall_decide,
    result_differences,
    round_close,
    round_placings,
    round_publish,
    sheet_submit,
    tabulate_round,
)
from competitions.components import round_allocation
from competitions.models import (
    Competition,
    CompetitionStatus,
    Criterion,
    Dance,
    Entry,
    Event,
    Floor,
    FloorPhase,
    Judge,
    Round,
    RoundKind,
    RoundStatus,
    ScoringMethod,
)
from competitions.registration import RegistrationRefused, registration_close
from competitions.selectors import round_panel, round_shadow_panel
from competitions.services import (
    DrawRefused,
    TransitionRefused,
    competition_transition,
    round_transition,
)
from competitions.timetable import round_label, timetable_lines

DEFAULT_SKILL = 0.8
CHAIRMAN_USERNAME = "sim-chairman"
NOTE = "simulation"

# Criteria scores: a judge's perception p (about N(0, 1)) becomes the fraction
# CENTRE + SPREAD × p of the criterion's range, so most scores fall in its upper half.
CRITERIA_CENTRE = Decimal("0.7")
CRITERIA_SPREAD = Decimal("0.12")


MAX_PACE_SECONDS = 3600  # a heat an hour long is surely a typing error


class SimulationRefused(Exception):
    """The competition cannot be simulated (now), with the reason in plain words."""


def pause(seconds: float) -> None:
    """Wait between two floor moves, at the simulation's pace (tests replace it to
    count the waits it asks for)."""
    time.sleep(seconds)


@dataclasses.dataclass(frozen=True)
class Pace:
    """How fast a simulated day runs, so a rehearsal can be watched on open screens:
    ``fast`` (no waiting), ``realtime`` (each heat and break takes its planned time)
    or a number of ``seconds`` per heat (a break takes as long as a heat)."""

    name: str = "fast"
    seconds: float = 0.0

    @classmethod
    def parse(cls, text: str) -> Pace:
        value = str(text).strip().lower()
        if value in ("fast", "realtime"):
            return cls(value)
        try:
            seconds = float(value)
        except ValueError:
            raise SimulationRefused(
                f"The pace is “realtime”, “fast” or a number of seconds per heat (e.g. 5), "
                f"not “{text}”."
            ) from None
        if not math.isfinite(seconds) or not 0 <= seconds <= MAX_PACE_SECONDS:
            raise SimulationRefused(
                f"A pace in seconds per heat is between 0 and {MAX_PACE_SECONDS}, not “{text}”."
            )
        return cls("seconds", seconds)

    def heat(self, planned_seconds: int) -> float:
        return float(planned_seconds) if self.name == "realtime" else self.seconds

    def break_(self, minutes: int) -> float:
        return 60.0 * minutes if self.name == "realtime" else self.seconds

    def __str__(self) -> str:
        return f"{self.seconds:g} s a heat" if self.name == "seconds" else self.name


def simulation_blockers(competition: Competition) -> list[str]:
    """What a simulation cannot finish by itself on a partly run competition, each in
    plain words: a paper sheet awaiting a second person's confirmation, a sheet unlocked
    for a correction, a closed round whose tie at the cut-off waits for the chairman or
    whose stored result no longer follows from its marks. Reads only."""
    rounds = list(
        Round.objects.filter(
            event__competition=competition, status__in=[RoundStatus.OPEN, RoundStatus.CLOSED]
        )
        .select_related("event")
        .order_by("event__position", "event_id", "position")
    )
    problems: list[str] = []
    held: set[int] = set()
    for sheet in (
        Sheet.objects.filter(round__in=rounds)
        .filter(
            Q(source=Sheet.Source.PAPER, confirmed_at__isnull=True) | Q(unlocked_at__isnull=False)
        )
        .select_related("round__event", "judge", "dance", "entry__competitor")
        .order_by("round_id", "judge__letter", "id")
    ):
        part = sheet.dance.name if sheet.dance_id else sheet.entry.competitor.display_name
        what = (
            "is unlocked for a correction (the judge sends it again)"
            if sheet.unlocked_at is not None
            else "awaits confirmation by a second person at the desk"
        )
        kind = "paper sheet" if sheet.source == Sheet.Source.PAPER else "sheet"
        problems.append(
            f"{round_label(sheet.round)}: judge {sheet.judge.letter}'s {kind} ({part}) {what}."
        )
        held.add(sheet.round_id)
    for round_ in rounds:
        if round_.status == RoundStatus.CLOSED and round_.pk not in held:
            problem = _closed_round_problem(round_)
            if problem:
                problems.append(f"{round_label(round_)}: {problem}")
    return problems


def _closed_round_problem(round_: Round) -> str:
    try:
        kind, result = tabulate_round(round_)
        round_placings(round_, kind, result)
    except ScoringError as error:
        if error.code == "tie":
            return f"a tie at the recall cut-off waits for the chairman ({error})"
        return str(error)
    if result_differences(round_, (kind, result)):
        return "its stored result no longer follows from its marks (see its page at the desk)."
    return ""


@dataclasses.dataclass(frozen=True)
class FinalPlace:
    place: Decimal
    bib: int | None
    name: str


@dataclasses.dataclass
class EventReport:
    """What the simulation did in one event, and the event's final places."""

    event: str
    rounds_run: int = 0
    sheets_sent: int = 0
    ties_settled: int = 0
    places: list[FinalPlace] = dataclasses.field(default_factory=list)

    @property
    def winners(self) -> list[FinalPlace]:
        best = min((p.place for p in self.places), default=None)
        return [p for p in self.places if p.place == best]


@dataclasses.dataclass
class SimulationReport:
    competition: Competition
    seed: int
    skill: float
    already_finished: bool = False
    events: list[EventReport] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    submit_seconds: float = 0.0  # of which inside ``sheet_submit``
    incidents: list[str] = dataclasses.field(default_factory=list)
    shadows: list[str] = dataclasses.field(default_factory=list)  # shadow seats made

    @property
    def sheets_sent(self) -> int:
        return sum(e.sheets_sent for e in self.events)

    @property
    def sheets_per_second(self) -> float:
        return self.sheets_sent / self.seconds if self.seconds else 0.0


def competition_simulate(
    *,
    competition: Competition,
    seed: int | None = None,
    skill: float = DEFAULT_SKILL,
    pace: Pace | None = None,
    incidents: bool = False,
    shadow: bool = False,
) -> SimulationReport:
    """Run ``competition`` to published results with simulated judges, at ``pace``
    (``fast`` unless told); with ``incidents``, through the day's usual mishaps
    (``adjudication.ops.simulated_incidents``); with ``shadow``, with a trainee in a shadow
    seat of every event (``adjudication.ops.simulated_shadows``).

    A finished (or archived) competition is left alone (``already_finished``). Raises
    ``SimulationRefused`` for a draft or cancelled competition, before changing anything
    when a partly run competition holds what it cannot finish (``simulation_blockers``),
    or when a service refuses a step (the message names the round).
    """
    if not 0 <= skill <= 1:
        raise SimulationRefused(f"The judges' skill is between 0 and 1, not {skill}.")
    seed = secrets.randbelow(2**31) if seed is None else seed
    competition.refresh_from_db(fields=["status"])
    report = SimulationReport(competition=competition, seed=seed, skill=skill)
    status = competition.status
    if status in (CompetitionStatus.FINISHED, CompetitionStatus.ARCHIVED):
        report.already_finished = True
        return report
    if status == CompetitionStatus.DRAFT:
        raise SimulationRefused(
            f"{competition.name} is a draft: open registration (and take entries) before "
            "simulating it."
        )
    if status == CompetitionStatus.CANCELLED:
        raise SimulationRefused(f"{competition.name} is cancelled: there is nothing to simulate.")
    blockers = simulation_blockers(competition)
    if blockers:
        raise SimulationRefused(
            f"{competition.name} cannot be simulated to the end; nothing was changed. "
            "First: " + " ".join(blockers)
        )

    started = time.perf_counter()
    simulator = _Simulator(
        seed=seed, skill=skill, report=report, pace=pace or Pace(), incidents=incidents
    )
    simulator.shadow = shadow
    if shadow:
        report.shadows = shadow_seats_seat(competition)
    _competition_start(competition, seed)
    events = list(competition.events.order_by("position", "id"))
    reports = {event.pk: EventReport(event=event.name) for event in events}
    try:
        simulator.run_day(competition, reports)
    except (ScoringError, TransitionRefused, DrawRefused, FloorRefused) as refusal:
        raise SimulationRefused(str(refusal)) from refusal
    for event in events:  # whatever the timetable did not hold (or a day without one)
        report.events.append(simulator.run_event(event, reports[event.pk]))
    competition.refresh_from_db(fields=["status"])
    # Publishing the last result finishes the competition by itself; this catches the
    # odd case (an event with no final) with the service's reason.
    if competition.status != CompetitionStatus.FINISHED:
        try:
            competition_transition(
                competition=competition,
                to_status=CompetitionStatus.FINISHED,
                actor=None,
                note=f"{NOTE}, seed {seed}",
            )
        except TransitionRefused as refusal:
            raise SimulationRefused(str(refusal)) from refusal
    report.seconds = time.perf_counter() - started
    if simulator.incidents is not None:
        report.incidents = simulator.incidents.done.lines
    return report


def _competition_start(competition: Competition, seed: int) -> None:
    """Close registration (drawing the first rounds) and start the competition, as far
    as it has not gone yet."""
    try:
        if competition.status == CompetitionStatus.REGISTRATION_OPEN:
            registration_close(competition=competition, actor=None, seed=seed)
        if competition.status == CompetitionStatus.REGISTRATION_CLOSED:
            competition_transition(
                competition=competition,
                to_status=CompetitionStatus.IN_PROGRESS,
                actor=None,
                note=f"{NOTE}, seed {seed}",
            )
    except (TransitionRefused, DrawRefused, RegistrationRefused) as refusal:
        raise SimulationRefused(f"{competition.name} cannot start: {refusal}") from refusal


class _Simulator:
    def __init__(
        self, *, seed: int, skill: float, report: SimulationReport, pace: Pace, incidents: bool
    ):
        self.seed = seed
        self.incidents = (
            SimulatedIncidents(seed=seed, chairman=self._chairman_user) if incidents else None
        )
        self.pace = pace
        self.skill = skill
        self.noise = math.sqrt(1 - skill * skill)
        self.report = report
        self._quality: dict[int, float] = {}
        self._chairman: User | None = None
        self.shadow = False  # send the shadow (trainee) judges' sheets too

    # --- the programme ---------------------------------------------------------------

    def run_day(self, competition: Competition, reports: dict[int, EventReport]) -> None:
        """Walk the timetable as the desk would: each heat of each dance (or each
        performance) started and marked danced on the floor, each break taken, at the
        pace; a round's sheets are sent once its last heat is danced, then it is closed
        and published (which draws the next round). A run that stopped half way finishes
        first what it left (a round danced but not closed, or closed but not published),
        and leaves the floor clear at the end."""
        floor = Floor.objects.filter(competition=competition).first()
        if floor is not None and floor.phase == FloorPhase.DANCING:
            floor_move(competition=competition, action="danced", actor=None)
        while True:
            lines = timetable_lines(competition)
            left = [line.item.round for line in lines if _left_to_finish(line)]
            for round_ in left:
                self._run_round(round_.event, round_, reports[round_.event_id])
            if left:
                continue
            following = next_in_lines(lines)
            if following is None or (not following[0].is_break and following[1] is None):
                break  # the end, or a round to be drawn whose round before is not run
            self._take(competition, *following)
        floor = Floor.objects.filter(competition=competition).first()
        if floor is not None and floor.phase != FloorPhase.IDLE:
            floor_move(competition=competition, action="clear", actor=None)

    def _take(self, competition: Competition, line, slot_line) -> None:
        """One break, or one heat started and danced, each taking the pace's time."""
        if line.is_break:
            floor_move(competition=competition, action="break", actor=None, item_id=line.item.pk)
            self._wait(self.pace.break_(line.item.minutes or 0))
            floor_move(competition=competition, action="clear", actor=None)
            return
        slot = slot_line.slot
        round_ = line.item.round
        round_.refresh_from_db(fields=["status"])
        if self.incidents is not None and round_.status == RoundStatus.PLANNED:
            self.incidents.before_open(round_)
        floor_move(
            competition=competition,
            action="start",
            actor=None,
            round_id=slot.round_id,
            dance_id=slot.dance_id,
            heat_number=slot.heat_number,
            entry_id=slot.entry_id,
        )
        self._wait(self.pace.heat(line.slot_seconds))
        floor_move(competition=competition, action="danced", actor=None)
        if self.incidents is not None and self.incidents.heat_danced(
            round_, slot.dance_id, slot.heat_number
        ):
            self._wait(self.pace.heat(line.slot_seconds))
            floor_move(competition=competition, action="danced", actor=None)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            pause(seconds)

    def run_event(self, event: Event, report: EventReport | None = None) -> EventReport:
        report = report or EventReport(event=event.name)
        rounds = list(event.rounds.order_by("position"))
        for round_ in rounds:
            try:
                self._run_round(event, round_, report)
            except (ScoringError, TransitionRefused, DrawRefused) as refusal:
                raise SimulationRefused(f"{round_}: {refusal}") from refusal
        if rounds:
            report.places = _final_places(rounds[-1])
        return report

    def _run_round(self, event: Event, round_: Round, report: EventReport) -> None:
        if round_.status == RoundStatus.PUBLISHED:
            return
        if round_.status == RoundStatus.PLANNED:
            if self.incidents is not None:
                self.incidents.before_open(round_)
            round_transition(round=round_, to_status=RoundStatus.OPEN, actor=None, note=NOTE)
        if round_.status == RoundStatus.OPEN:
            if self.incidents is not None:
                self.incidents.heats_danced(round_)
            report.sheets_sent += self._send_sheets(event, round_)
            self._close(round_, report)
        round_publish(round=round_, actor=None)
        report.rounds_run += 1
        if self.incidents is not None:
            self.incidents.published(round_)

    def _close(self, round_: Round, report: EventReport) -> None:
        try:
            round_close(round=round_, actor=None, seed=self.seed)
            return
        except ScoringError as error:
            if error.code != "tie":
                raise
        # A tie at the recall cut-off: the chairman recalls the whole tied group.
        kind, result = tabulate_round(round_)
        cut = result.recall if kind == "components" else result
        recall_decide(
            round=round_,
            recall_count=len(cut.recalled) + len(cut.tied),
            actor=self._chairman_user(),
        )
        report.ties_settled += 1
        round_close(round=round_, actor=None, seed=self.seed)

    def _chairman_user(self) -> User:
        if self._chairman is None:  # created (or found) on the first tie only
            self._chairman = user_create_with_role(
                username=CHAIRMAN_USERNAME, password=None, role=Role.CHAIRMAN
            )
        return self._chairman

    # --- the sheets --------------------------------------------------------------------

    def _send_sheets(self, event: Event, round_: Round) -> int:
        """Every missing sheet of the round's panel (replacements applied), for the
        couples dancing each dance (absent, retired and disqualified ones left out)."""
        judges = round_panel(round_) + (round_shadow_panel(round_) if self.shadow else [])
        entries = entries_dancing(round_)
        sent = set(
            Sheet.objects.filter(round=round_).values_list("judge_id", "dance_id", "entry_id")
        )
        count = 0
        if event.is_components:
            allocation = round_allocation(round_, shadows=self.shadow)
            for dance in event.dances.order_by("position", "id"):
                dancing = entries_dancing(round_, dance)
                for judge in judges:
                    if (judge.pk, dance.pk, None) not in sent:
                        rng = self._rng(event, round_, judge, f"dance {dance.name}")
                        marks = {
                            (e.pk, c.pk): _criterion_score(c, self._perceive(event, e, rng, judge))
                            for e in dancing
                            for c in allocation[dance.pk][judge.pk]
                        }
                        count += self._submit(round_, judge, marks, dance=dance)
        elif event.scoring_method == ScoringMethod.SKATING:
            for dance in event.dances.order_by("position", "id"):
                dancing = entries_dancing(round_, dance)
                for judge in judges:
                    if (judge.pk, dance.pk, None) in sent:
                        continue
                    marks = self._skating_marks(event, round_, judge, dance, dancing)
                    count += self._submit(round_, judge, marks, dance=dance)
        else:
            criteria = list(event.criteria.order_by("position", "id"))
            for entry in entries:
                for judge in judges:
                    if (judge.pk, None, entry.pk) in sent:
                        continue
                    marks = self._criteria_marks(event, round_, judge, entry, criteria)
                    count += self._submit(round_, judge, marks, entry=entry)
        return count

    def _submit(
        self,
        round_: Round,
        judge: Judge,
        marks: dict[int, Decimal | int],
        *,
        dance: Dance | None = None,
        entry: Entry | None = None,
    ) -> int:
        part = f"d{dance.pk}" if dance is not None else f"e{entry.pk}"
        started = time.perf_counter()
        outcome = sheet_submit(
            data=SheetInput(
                round_id=round_.pk,
                judge_id=judge.pk,
                marks=marks,
                client_key=f"sim-{round_.pk}-{judge.letter}-{part}",
                base_version=0,
                round_revision=round_.revision,
                dance_id=dance.pk if dance is not None else None,
                entry_id=entry.pk if entry is not None else None,
            ),
            actor=None,
            source=Sheet.Source.SIMULATION,
        )
        self.report.submit_seconds += time.perf_counter() - started
        return 0 if outcome.replayed else 1

    def _skating_marks(
        self, event: Event, round_: Round, judge: Judge, dance: Dance, entries: list[Entry]
    ) -> dict[int, Decimal | int]:
        rng = self._rng(event, round_, judge, f"dance {dance.name}")
        seen = sorted(entries, key=lambda e: -self._perceive(event, e, rng, judge))
        if round_.kind == RoundKind.FINAL:
            return {entry.pk: place for place, entry in enumerate(seen, start=1)}
        crosses = min(round_.recall_count or 0, len(entries))
        return {entry.pk: 1 for entry in seen[:crosses]}

    def _criteria_marks(
        self,
        event: Event,
        round_: Round,
        judge: Judge,
        entry: Entry,
        criteria: list[Criterion],
    ) -> dict[int, Decimal | int]:
        rng = self._rng(event, round_, judge, f"entry {_entry_key(entry)}")
        seen = self._perceive
        return {c.pk: _criterion_score(c, seen(event, entry, rng, judge)) for c in criteria}

    def _rng(self, event: Event, round_: Round, judge: Judge, part: str) -> random.Random:
        # A string seed is hashed with SHA-512: the same on every run and machine.
        # bandit: simulated judges: seeded on purpose
        return random.Random(f"{self.seed}|{event.name}|{round_.position}|{judge.letter}|{part}")  # nosec B311

    def _perceive(self, event: Event, entry: Entry, rng: random.Random, judge: Judge) -> float:
        if entry.pk not in self._quality:
            # bandit: simulated judges: seeded on purpose
            truth = random.Random(f"{self.seed}|{event.name}|quality|{_entry_key(entry)}")  # nosec B311
            self._quality[entry.pk] = truth.gauss(0, 1)
        if judge.name != TRAINEE_NAME:
            return self.skill * self._quality[entry.pk] + self.noise * rng.gauss(0, 1)
        skill = self.skill * TRAINEE_SKILL  # a trainee sees less sharply
        return skill * self._quality[entry.pk] + math.sqrt(1 - skill * skill) * rng.gauss(0, 1)


def _left_to_finish(line) -> bool:
    """A round the floor is done with but the desk is not: every heat danced and the
    round still open, or closed and not yet published."""
    if line.is_break or not line.drawn:
        return False
    status = line.item.round.status
    if status == RoundStatus.CLOSED:
        return True
    return status == RoundStatus.OPEN and all(s.state != "to_come" for s in line.slots)


def _entry_key(entry: Entry) -> str:
    """What names an entry the same way on every run: its bib, else its name."""
    return str(entry.competitor.bib or entry.competitor.name)


def _criterion_score(criterion: Criterion, perceived: float) -> Decimal:
    steps = int((criterion.max_score - criterion.min_score) // criterion.step)
    fraction = CRITERIA_CENTRE + CRITERIA_SPREAD * Decimal(repr(perceived))
    taken = int((fraction * steps).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    return criterion.min_score + criterion.step * min(max(taken, 0), steps)


def _final_places(final: Round) -> list[FinalPlace]:
    placings = (
        Placing.objects.filter(round=final, place__isnull=False)
        .select_related("entry__competitor")
        .order_by("place", "entry__competitor__bib", "entry_id")
    )
    return [
        FinalPlace(p.place, p.entry.competitor.bib, p.entry.competitor.display_name)
        for p in placings
    ]
