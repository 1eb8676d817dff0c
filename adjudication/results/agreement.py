"""How each judge agreed with the panel, per event and round: a read of stored marks and
stored results of closed and published rounds only (nothing is recomputed, nothing is
written).

* Recall rounds: the judge's crosses, how many went to couples the round recalled
  (the stored ``Placing.recalled``, the chairman's choice at a tie included), the share.
* Skating finals: per dance, Spearman's rho and the mean absolute place difference
  between the judge's places and the dance's result places (the stored ``RoundResult``);
  "overall": the judge's own order (their places summed over the dances, ranked) against
  the final's places.
* Criteria rounds: each score's deviation from the panel's median for that entry and
  criterion, in steps of the criterion: the mean absolute deviation and how many scores
  were two steps or more away.
* Component rounds: the same per dance, couple and component, and how many of the judge's
  scores the tolerance band discarded (the stored result's ``marks[].counted``; a shadow's:
  further than the tolerance from the panel's median). With the judge's own order of the
  couples (their weighted scores summed): in a recall round, the couples the judge would
  have recalled and how many the round recalled; in a final, Spearman's rho and the mean
  place difference against the final's places.

Shadow (trainee) judges are measured like the others against the same counting panel,
and flagged. Judges are named by letter and name only when the organizer allows it
(``Competition.agreement_shows_names``); otherwise "Judge 1…n" in an order drawn from an
HMAC of the judge's id, stable but not the letters' order. docs/tabulation.md gives the
formulas."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Q

from adjudication.models import Mark, Placing, RoundResult
from adjudication.models import Sheet as SheetModel
from adjudication.results.agreement_measures import (
    average_ranks,
    mean_place_difference,
    median_deviation,
    outside_band,
    share,
    spearman_rho,
)
from competitions.models import (
    Competition,
    Criterion,
    Event,
    Judge,
    PanelSeat,
    Round,
    RoundKind,
    RoundStatus,
    ScoringMethod,
)
from scoring_site.snapshot import read_snapshot

REPORTED = (RoundStatus.CLOSED, RoundStatus.PUBLISHED)


@dataclass(frozen=True)
class AgreementRow:
    """One judge's figures in one round: the whole round (recalls, criteria), one dance
    or the overall result (finals, ``part``)."""

    judge: str
    shadow: bool
    part: str = ""
    crosses: int | None = None
    crosses_recalled: int | None = None
    share_recalled: Decimal | None = None
    rho: Decimal | None = None
    mean_place_difference: Decimal | None = None
    scores: int | None = None
    mean_deviation_steps: Decimal | None = None
    scores_two_steps_away: int | None = None
    scores_discarded: int | None = None
    own_recalls: int | None = None
    own_recalls_recalled: int | None = None


@dataclass
class RoundAgreement:
    round: Round
    measure: str  # "recalls", "final", "criteria" or "components"
    rows: list[AgreementRow] = field(default_factory=list)


@dataclass
class EventAgreement:
    event: Event
    rounds: list[RoundAgreement] = field(default_factory=list)


@dataclass
class Agreement:
    competition: Competition
    shows_names: bool
    events: list[EventAgreement]


@dataclass
class _Read:
    """What one round's measure needs: its sitting judges (counting and shadow), their
    sheets' marks, and the round's stored result."""

    round: Round
    judges: list[tuple[Judge, bool]]  # (judge, shadow)
    marks: list[tuple[int, int | None, int, int | None, Fraction]]  # judge, dance, entry, crit, v
    placings: dict[int, Placing]
    result: dict | None
    bibs: dict[str, int]  # bib label -> entry id


def judge_labels(competition: Competition, *, names: bool) -> dict[int, str]:
    """Each judge's label in the report: "A – Name", or "Judge n" numbered in the order
    of an HMAC of the judge's id under the site's secret (stable, not the letters')."""
    judges = list(Judge.objects.filter(competition=competition).order_by("letter"))
    if names:
        return {j.pk: f"{j.letter} – {j.name}" for j in judges}
    key = settings.SECRET_KEY.encode()

    def digest(judge: Judge) -> str:
        return hmac.new(key, f"podium-agreement:{judge.pk}".encode(), hashlib.sha256).hexdigest()

    return {j.pk: f"Judge {n}" for n, j in enumerate(sorted(judges, key=digest), 1)}


def _label_key(label: str) -> tuple:
    """ "Judge 2" before "Judge 10"; named labels by letter."""
    number = label.removeprefix("Judge ")
    return (0, int(number), "") if number.isdigit() else (1, 0, label)


@read_snapshot()
def competition_agreement(
    competition: Competition, *, event_id: int | None = None, names: bool | None = None
) -> Agreement:
    """The report for every event of ``competition`` (or one): its closed and published
    rounds, each sitting judge's figures. ``names`` defaults to the competition's
    setting."""
    names = competition.agreement_shows_names if names is None else names
    labels = judge_labels(competition, names=names)
    events = Event.objects.filter(competition=competition).order_by("position", "id")
    if event_id is not None:
        events = events.filter(pk=event_id)
    report = Agreement(competition, names, [EventAgreement(e) for e in events])
    by_event = {item.event.pk: item for item in report.events}
    rounds = list(
        Round.objects.filter(event_id__in=by_event, status__in=REPORTED)
        .select_related("event")
        .order_by("event_id", "position")
    )
    rank = {pk: n for n, pk in enumerate(sorted(labels, key=lambda pk: _label_key(labels[pk])))}
    for read in _reads(rounds):
        read.judges.sort(key=lambda seat: (seat[1], rank[seat[0].pk]))  # shadows last
        measure, rows = _measure(read, labels)
        by_event[read.round.event_id].rounds.append(RoundAgreement(read.round, measure, rows))
    return report


def _reads(rounds: list[Round]) -> list[_Read]:
    """Every round's seats, marks, placings and result in six queries."""
    if not rounds:
        return []
    ids = [r.pk for r in rounds]
    seats: dict[int, list[PanelSeat]] = defaultdict(list)
    for seat in PanelSeat.objects.filter(event_id__in={r.event_id for r in rounds}).select_related(
        "judge"
    ):
        seats[seat.event_id].append(seat)
    marks: dict[int, list] = defaultdict(list)
    counted = (
        Q(sheet__shadow=True)
        | ~Q(sheet__source=SheetModel.Source.PAPER)
        | Q(sheet__confirmed_at__isnull=False)
    )
    for round_id, judge_id, dance_id, entry_id, criterion_id, value in (
        Mark.objects.filter(counted, sheet__round_id__in=ids, sheet__returned_at__isnull=True)
        .order_by()
        .values_list(
            "sheet__round_id",
            "sheet__judge_id",
            "sheet__dance_id",
            "entry_id",
            "criterion_id",
            "value",
        )
    ):
        marks[round_id].append((judge_id, dance_id, entry_id, criterion_id, Fraction(value)))
    placings: dict[int, dict[int, Placing]] = defaultdict(dict)
    bibs: dict[int, dict[str, int]] = defaultdict(dict)
    for placing in Placing.objects.filter(round_id__in=ids).select_related("entry__competitor"):
        placings[placing.round_id][placing.entry_id] = placing
        bibs[placing.round_id][placing.entry.bib_label] = placing.entry_id
    results = dict(RoundResult.objects.filter(round_id__in=ids).values_list("round_id", "data"))
    reads = []
    for round_ in rounds:
        sitting = [s for s in seats[round_.event_id] if s.sits_in(round_.position)]
        judges = [(s.judge, s.shadow) for s in sitting]
        seated = {j.pk for j, _ in judges}
        reads.append(
            _Read(
                round_,
                judges,
                [m for m in marks[round_.pk] if m[0] in seated],
                placings[round_.pk],
                results.get(round_.pk),
                bibs[round_.pk],
            )
        )
    return reads


def _measure(read: _Read, labels: dict[int, str]) -> tuple[str, list[AgreementRow]]:
    event = read.round.event
    measure = MEASURES.get(event.scoring_method)
    if measure is None:  # a scoring method the report does not measure (yet)
        return "", []
    return measure(read, labels)


def _recalls(read: _Read, labels: dict[int, str]) -> tuple[str, list[AgreementRow]]:
    recalled = {entry_id for entry_id, p in read.placings.items() if p.recalled}
    rows = []
    for judge, shadow in read.judges:
        crossed = [m[2] for m in read.marks if m[0] == judge.pk and m[4] > 0]
        on_recalled = sum(1 for entry_id in crossed if entry_id in recalled)
        rows.append(
            AgreementRow(
                labels[judge.pk],
                shadow,
                crosses=len(crossed),
                crosses_recalled=on_recalled,
                share_recalled=share(on_recalled, len(crossed)),
            )
        )
    return "recalls", rows


def _final(read: _Read, labels: dict[int, str]) -> tuple[str, list[AgreementRow]]:
    result = (read.result or {}).get("result") or {}
    dances = read.round.event.dances.order_by("position", "id")
    dance_places: dict[str, dict[int, Fraction]] = {}
    for stored in result.get("dances", []):
        dance_places[stored["dance"]] = {
            read.bibs[p["couple"]]: Fraction(str(p["place"]))
            for p in stored["placings"]
            if p["couple"] in read.bibs
        }
    overall = {
        entry_id: Fraction(p.place) for entry_id, p in read.placings.items() if p.place is not None
    }
    rows = []
    for judge, shadow in read.judges:
        sums: dict[int, Fraction] = defaultdict(Fraction)
        for dance in dances:
            places = {m[2]: m[4] for m in read.marks if m[0] == judge.pk and m[1] == dance.pk}
            for entry_id, place in places.items():
                sums[entry_id] += place
            official = dance_places.get(dance.name, {})
            rows.append(_places_row(labels[judge.pk], shadow, dance.name, places, official))
        own = average_ranks(dict(sums)) if sums else {}
        rows.append(_places_row(labels[judge.pk], shadow, "overall", own, overall))
    return "final", rows


def _places_row(label: str, shadow: bool, part: str, judge: dict, official: dict) -> AgreementRow:
    return AgreementRow(
        label,
        shadow,
        part=part,
        rho=spearman_rho(judge, official),
        mean_place_difference=mean_place_difference(judge, official),
    )


def _skating(read: _Read, labels: dict[int, str]) -> tuple[str, list[AgreementRow]]:
    if read.round.kind == RoundKind.FINAL:
        return _final(read, labels)
    return _recalls(read, labels)


def _criteria(read: _Read, labels: dict[int, str]) -> tuple[str, list[AgreementRow]]:
    steps = {c.pk: Fraction(c.step) for c in Criterion.objects.filter(event_id=read.round.event_id)}
    scores: dict[tuple[int, int], dict[int, Fraction]] = defaultdict(dict)
    for judge_id, _, entry_id, criterion_id, value in read.marks:
        if criterion_id is not None:
            scores[(entry_id, criterion_id)][judge_id] = value
    step = {item: steps[item[1]] for item in scores}
    panel = [j.pk for j, shadow in read.judges if not shadow]
    rows = []
    for judge, shadow in read.judges:
        found = median_deviation(scores, panel, judge.pk, step)
        rows.append(
            AgreementRow(
                labels[judge.pk],
                shadow,
                scores=found.scores,
                mean_deviation_steps=found.mean_steps,
                scores_two_steps_away=found.far,
            )
        )
    return "criteria", rows


def _discarded(read: _Read) -> dict[str, int]:
    """Judge letter → how many of their marks the stored result's tolerance band discarded."""
    found: dict[str, int] = defaultdict(int)
    for couple in ((read.result or {}).get("result") or {}).get("couples", []):
        for dance in couple.get("dances", []):
            for component in dance.get("components", []):
                for mark in component.get("marks", []):
                    if not mark.get("counted", True):
                        found[mark["judge"]] += 1
    return found


def _components(read: _Read, labels: dict[int, str]) -> tuple[str, list[AgreementRow]]:
    criteria = {c.pk: c for c in Criterion.objects.filter(event_id=read.round.event_id)}
    scores: dict[tuple[int | None, int, int], dict[int, Fraction]] = defaultdict(dict)
    own: dict[int, dict[int, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    for judge_id, dance_id, entry_id, criterion_id, value in read.marks:
        if criterion_id in criteria:
            scores[(dance_id, entry_id, criterion_id)][judge_id] = value
            own[judge_id][entry_id] += value * Fraction(criteria[criterion_id].weight)
    step = {item: Fraction(criteria[item[2]].step) for item in scores}
    panel = [j.pk for j, shadow in read.judges if not shadow]
    stored = ((read.result or {}).get("result") or {}).get("tolerance")
    tolerance = Fraction(stored or read.round.event.component_tolerance)
    discarded = _discarded(read)
    rows = []
    for judge, shadow in read.judges:
        found = median_deviation(scores, panel, judge.pk, step)
        if shadow:
            away = outside_band(scores, panel, judge.pk, tolerance)
        else:
            away = discarded.get(judge.letter, 0)
        figures = AgreementRow(
            labels[judge.pk],
            shadow,
            scores=found.scores,
            mean_deviation_steps=found.mean_steps,
            scores_two_steps_away=found.far,
            scores_discarded=away,
        )
        rows.append(_own_order(read, figures, own[judge.pk]))
    return "components", rows


def _own_order(read: _Read, row: AgreementRow, own: dict[int, Fraction]) -> AgreementRow:
    """``row`` with the judge's own order of the couples (``own``: their weighted scores
    summed, highest first) against the round's: recalls or the final's places."""
    placed = {e: p for e, p in read.placings.items() if e in own}
    if read.round.kind == RoundKind.FINAL:
        official = {e: Fraction(p.place) for e, p in placed.items() if p.place is not None}
        ranks = average_ranks({e: -own[e] for e in official})
        return replace(
            row,
            rho=spearman_rho(ranks, official),
            mean_place_difference=mean_place_difference(ranks, official),
        )
    target = sum(1 for p in read.placings.values() if p.recalled)
    mine = [e for e in placed if sum(1 for f in placed if own[f] > own[e]) < target]
    hits = sum(1 for e in mine if placed[e].recalled)
    return replace(
        row,
        own_recalls=len(mine),
        own_recalls_recalled=hits,
        share_recalled=share(hits, len(mine)),
    )


# One measure per scoring method.
MEASURES: dict[str, Callable[[_Read, dict[int, str]], tuple[str, list[AgreementRow]]]] = {
    ScoringMethod.SKATING: _skating,
    ScoringMethod.CRITERIA: _criteria,
    ScoringMethod.COMPONENTS: _components,
}
