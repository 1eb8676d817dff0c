"""The facts of a competition that its result tables, PDFs and exports are made of,
read in a fixed number of queries."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q

from adjudication.incidents.standing import Standing, round_standings
from adjudication.models import Mark, Placing, RecallDecision, RoundResult, Sheet
from competitions.models import (
    Competition,
    Criterion,
    Dance,
    Event,
    HeatEntry,
    Judge,
    PanelSeat,
    Redance,
    Round,
    RoundStatus,
)

RESULT_STATUSES = (RoundStatus.CLOSED, RoundStatus.PUBLISHED)


@dataclasses.dataclass
class Facts:
    """Every row the sheets need, read once and grouped by parent id."""

    events: list[Event]
    dances: dict[int, list[Dance]]
    criteria: dict[int, list[Criterion]]
    panel: dict[int, list[Judge]]
    rounds: dict[int, list[Round]]
    heat_entries: dict[int, list[HeatEntry]]
    marks: dict[int, list[tuple[int, int | None, int, int | None, Decimal]]]
    placings: dict[int, dict[int, Placing]]
    decisions: dict[int, int]
    seats: dict[int, list[PanelSeat]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    redances: dict[int, list[Redance]] = dataclasses.field(
        default_factory=lambda: defaultdict(list)
    )

    def round_seats(self, round_: Round) -> list[PanelSeat]:
        """The seats of the round's panel (``round_panel``), by letter."""
        return [s for s in self.seats[round_.event_id] if s.sits_in(round_.position)]

    def round_judges(self, round_: Round) -> list[Judge]:
        """The judges who judge the round: a replaced judge up to the round before the
        replacement's first, the replacement from it on."""
        return [seat.judge for seat in self.round_seats(round_)]

    # round id → (judge id, dance id) → [the chairman's reason, crosses] of a recall
    # sheet accepted with the wrong number of crosses
    accepted: dict[int, dict[tuple[int, int | None], list]] = dataclasses.field(
        default_factory=lambda: defaultdict(dict)
    )
    standings: dict[int, Standing] = dataclasses.field(default_factory=dict)
    # round id → the stored result of a component round (``RoundResult.data["result"]``,
    # structure in ``adjudication.tabulation.components``)
    component_results: dict[int, dict] = dataclasses.field(default_factory=dict)


def competition_facts(
    competition: Competition,
    *,
    event_ids: Iterable[int] | None = None,
    published_only: bool = True,
) -> Facts:
    """The events (all, or ``event_ids``), their dances, criteria, panels (every judge
    who sat, ``panel``; who judged which round, ``round_judges``) and rounds
    (only published ones with ``published_only``), heats, counted marks and placings of
    rounds with results, the rounds' redances, the couples absent, retired or
    disqualified, and the stored results of component rounds: twelve queries at most."""
    events_qs = Event.objects.filter(competition=competition).order_by("position", "id")
    if event_ids is not None:
        events_qs = events_qs.filter(pk__in=list(event_ids))
    events = list(events_qs)
    ids = [e.pk for e in events]
    facts = Facts(
        events=events,
        dances=defaultdict(list),
        criteria=defaultdict(list),
        panel=defaultdict(list),
        rounds=defaultdict(list),
        heat_entries=defaultdict(list),
        marks=defaultdict(list),
        placings=defaultdict(dict),
        decisions={},
    )
    if not ids:
        return facts
    rounds_qs = Round.objects.filter(event_id__in=ids).order_by("event_id", "position")
    if published_only:
        rounds_qs = rounds_qs.filter(status=RoundStatus.PUBLISHED)
    rounds = list(rounds_qs)
    for round_ in rounds:
        facts.rounds[round_.event_id].append(round_)
    for dance in Dance.objects.filter(event_id__in=ids).order_by("position", "id"):
        facts.dances[dance.event_id].append(dance)
    for criterion in Criterion.objects.filter(event_id__in=ids).order_by("position", "id"):
        facts.criteria[criterion.event_id].append(criterion)
    for seat in (
        PanelSeat.objects.filter(event_id__in=ids, shadow=False)
        .select_related("judge")
        .order_by("judge__letter")
    ):
        facts.panel[seat.event_id].append(seat.judge)
        facts.seats[seat.event_id].append(seat)
    if not rounds:
        return facts
    round_ids = [r.pk for r in rounds]
    facts.standings = round_standings(rounds)
    for he in (
        HeatEntry.objects.filter(heat__round_id__in=round_ids)
        .select_related("heat", "entry__competitor")
        .order_by("heat__number", "position", "entry__competitor__bib", "entry_id")
    ):
        facts.heat_entries[he.heat.round_id].append(he)
    for redance in Redance.objects.filter(round_id__in=round_ids).select_related("dance"):
        facts.redances[redance.round_id].append(redance)
    _read_results(facts, rounds)
    return facts


def _read_results(facts: Facts, rounds: list[Round]) -> None:
    """The counted marks (the round's own panel's, none returned or awaiting a second
    person), placings and recall decisions of the rounds with results."""
    with_results = [r.pk for r in rounds if r.status in RESULT_STATUSES]
    if not with_results:
        return
    seated = {r.pk: {j.pk for j in facts.round_judges(r)} for r in rounds}
    counted = (~Q(sheet__source=Sheet.Source.PAPER) | Q(sheet__confirmed_at__isnull=False)) & Q(
        sheet__returned_at__isnull=True, sheet__shadow=False
    )
    for round_id, judge_id, dance_id, entry_id, criterion_id, value, accepted in (
        Mark.objects.filter(counted, sheet__round_id__in=with_results)
        .order_by()
        .values_list(
            "sheet__round_id",
            "sheet__judge_id",
            "sheet__dance_id",
            "entry_id",
            "criterion_id",
            "value",
            "sheet__count_accepted_reason",
        )
    ):
        if judge_id not in seated[round_id]:  # a replaced judge's set-aside sheets
            continue
        facts.marks[round_id].append((judge_id, dance_id, entry_id, criterion_id, value))
        if accepted:
            facts.accepted[round_id].setdefault((judge_id, dance_id), [accepted, 0])[1] += 1
    for placing in Placing.objects.filter(round_id__in=with_results).order_by():
        facts.placings[placing.round_id][placing.entry_id] = placing
    scored = {e.pk for e in facts.events if e.is_components}
    components = [r.pk for r in rounds if r.pk in with_results and r.event_id in scored]
    if components:
        for round_id, data in RoundResult.objects.filter(round_id__in=components).values_list(
            "round_id", "data"
        ):
            if data.get("kind") == "components":
                facts.component_results[round_id] = data["result"]
    facts.decisions = dict(
        RecallDecision.objects.filter(round_id__in=with_results).values_list(
            "round_id", "recall_count"
        )
    )
