"""Component scoring in the way of WDSF's Absolute Judging System (AJS 3.0).

Judges score couples on *components* (e.g. TQ technical qualities, MM movement to music,
PS partnering skill, CP choreography and presentation) on an absolute scale, each judge
only the components allocated to them for that dance. For each dance, couple and
component the panel's scores are combined robustly: their median is taken, every score
further than ``tolerance`` from it is discarded, and the rest are averaged. A couple's
dance score is the weighted sum of its component scores; its total is the sum over the
dances; places follow from the totals, highest first. Sources and choices:
``docs/tabulation.md``, "Component scoring".

All arithmetic is exact (:class:`~decimal.Decimal` scores in, :class:`~fractions.Fraction`
means and totals); values are rounded only in :meth:`ComponentsResult.to_json`.

Rules where the published ones are silent (our choices):

* The median of an even number of scores is the mean of the two middle ones (as the
  reference implementation). A score exactly ``tolerance`` away is kept. When no score lies
  within the band (two scores far apart), the scores nearest the median are kept.
* Equal totals are separated by the higher sum over the dances of the first component's
  weighted score, then the second's, and so on; couples still equal share the place.
  A dance's own ranks are not separated.
* Recall rounds: the best ``recall`` couples by total go through. A tie at the cut-off is
  never broken here: the tied group is named and the chairman chooses (as for skating).
  Couples that cannot go through (``not_recallable``) keep their totals and are passed over.
* A couple that did not dance a dance (retired: ``not_danced``) scores nothing in it and
  is not scored there.

The result structure: ``RoundResult.data`` of a component round
================================================================

``{"kind": "components", "result": <ComponentsResult.to_json()>}`` where the result is::

    {
      "system": "components",            # always this string
      "tolerance": "1.5",                # Decimal as a string
      "components": [                    # in the event's order (= tie-break order)
        {"name": "Technical Quality", "short_name": "TQ", "weight": "1",
         "minimum": "0", "maximum": "10", "step": "0.25"}
      ],
      "dances": ["Waltz", "Tango"],      # in the round's order
      "judges": ["A", "B", "C", "D"],    # the round's panel, by letter
      "allocation": [                    # who scored which components, per dance
        {"dance": "Waltz", "judges": [{"judge": "A", "components": ["Technical Quality"]}]}
      ],
      "couples": [                       # ranked: by place, then bib (natural order)
        {
          "couple": "12",                # the bib as a string
          "place": 1,                    # int, or a float ending in .5 when shared (2.5)
          "total": "36.750",             # rounded to 3 places (ROUND_HALF_EVEN)
          "total_exact": "147/4",        # the exact Fraction as "p/q" or "p"
          "decided_by": "total",         # "total", "component:<name>" (the tie-break that
                                         # separated it) or "shared"
          "component_totals": [          # per component: weighted sum over the dances
            {"component": "Technical Quality", "total": "18.375"}
          ],
          "dances": [                    # in the order of "dances"
            {
              "dance": "Waltz",
              "danced": true,            # false: retired before it (score "0.000", rank null,
                                         # components [])
              "score": "18.375",         # weighted sum of the components, 3 places
              "rank": 1,                 # place within this dance by score (shared: 2.5)
              "components": [            # in the order of "components"
                {
                  "component": "Technical Quality",
                  "score": "9.125",      # mean of the counted marks, 3 places
                  "weighted": "9.125",   # score x weight, 3 places
                  "median": "9.250",     # 3 places
                  "marks": [             # every mark given, in the order of "judges"
                    {"judge": "A", "score": "9.5", "counted": true},
                    {"judge": "C", "score": "7", "counted": false}   # discarded: outside
                  ]                                                  # the tolerance band
                }
              ]
            }
          ]
        }
      ],
      "recall": null                     # a final; in a recall round:
      # "recall": {"requested": 6,       # couples the round recalls
      #            "target": 6,          # min(requested, couples that may go through)
      #            "recalled": ["12"],   # clearly above the cut-off, best first
      #            "tied": ["7", "9"]}   # a tie straddling the cut-off: the chairman
                                         # recalls len(recalled) or len(recalled)+len(tied)
    }

Every couple placed in the round is listed (absent and disqualified couples are not given
to the tabulation and are not in it). Strings hold the exact value a judge gave
(``"9.5"``); computed values are strings with three decimals.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from itertools import groupby
from typing import Any

from .errors import Problem, raise_if_any
from .places import Place, natural_key, place_number, shared_place

ScoreValue = Decimal | int | str
Scores = Mapping[str, Mapping[str, Mapping[str, Mapping[str, ScoreValue]]]]
"""dance -> couple -> component -> judge -> score."""
Allocation = Mapping[str, Mapping[str, Collection[str]]]
"""dance -> judge -> the components that judge scores in that dance."""


@dataclass(frozen=True)
class Component:
    """A component: its scale (``minimum`` .. ``maximum`` in ``step``s) and weight."""

    name: str
    minimum: Decimal
    maximum: Decimal
    step: Decimal
    weight: Decimal = Decimal(1)
    short_name: str = ""


@dataclass(frozen=True)
class ComponentMark:
    judge: str
    score: Decimal
    counted: bool


@dataclass(frozen=True)
class ComponentScore:
    """A couple's score on one component in one dance: the mean of the ``counted`` marks."""

    component: str
    weight: Decimal
    median: Fraction
    score: Fraction
    marks: tuple[ComponentMark, ...]

    @property
    def weighted(self) -> Fraction:
        return self.score * Fraction(self.weight)

    @property
    def discarded(self) -> tuple[str, ...]:
        """The judges whose marks fell outside the tolerance band."""
        return tuple(m.judge for m in self.marks if not m.counted)


@dataclass(frozen=True)
class DanceScore:
    dance: str
    danced: bool
    score: Fraction
    rank: Place | None
    components: tuple[ComponentScore, ...]


@dataclass(frozen=True)
class CoupleResult:
    couple: str
    total: Fraction
    place: Place
    decided_by: str
    component_totals: tuple[Fraction, ...]
    dances: tuple[DanceScore, ...]


@dataclass(frozen=True)
class ComponentRecall:
    requested: int
    target: int
    recalled: tuple[str, ...]
    tied: tuple[str, ...]


@dataclass(frozen=True)
class ComponentsResult:
    tolerance: Decimal
    components: tuple[Component, ...]
    dances: tuple[str, ...]
    judges: tuple[str, ...]
    allocation: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]
    couples: tuple[CoupleResult, ...]
    recall: ComponentRecall | None

    def couple(self, bib: str) -> CoupleResult:
        return next(c for c in self.couples if c.couple == bib)

    def to_json(self) -> dict[str, Any]:
        """The structure documented at the top of this module."""
        return {
            "system": "components",
            "tolerance": str(self.tolerance),
            "components": [
                {
                    "name": c.name,
                    "short_name": c.short_name,
                    "weight": str(c.weight),
                    "minimum": str(c.minimum),
                    "maximum": str(c.maximum),
                    "step": str(c.step),
                }
                for c in self.components
            ],
            "dances": list(self.dances),
            "judges": list(self.judges),
            "allocation": [
                {
                    "dance": dance,
                    "judges": [{"judge": j, "components": list(cs)} for j, cs in judges],
                }
                for dance, judges in self.allocation
            ],
            "couples": [_couple_json(c, self.components) for c in self.couples],
            "recall": None
            if self.recall is None
            else {
                "requested": self.recall.requested,
                "target": self.recall.target,
                "recalled": list(self.recall.recalled),
                "tied": list(self.recall.tied),
            },
        }


def rounded(value: Fraction, places: int = 3) -> Decimal:
    """``value`` as a Decimal of ``places`` decimals (half to even), for display."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _fraction_text(value: Fraction) -> str:
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def _couple_json(c: CoupleResult, components: Sequence[Component]) -> dict[str, Any]:
    return {
        "couple": c.couple,
        "place": place_number(c.place),
        "total": str(rounded(c.total)),
        "total_exact": _fraction_text(c.total),
        "decided_by": c.decided_by,
        "component_totals": [
            {"component": comp.name, "total": str(rounded(t))}
            for comp, t in zip(components, c.component_totals, strict=True)
        ],
        "dances": [
            {
                "dance": d.dance,
                "danced": d.danced,
                "score": str(rounded(d.score)),
                "rank": None if d.rank is None else place_number(d.rank),
                "components": [
                    {
                        "component": s.component,
                        "score": str(rounded(s.score)),
                        "weighted": str(rounded(s.weighted)),
                        "median": str(rounded(s.median)),
                        "marks": [
                            {"judge": m.judge, "score": str(m.score), "counted": m.counted}
                            for m in s.marks
                        ],
                    }
                    for s in d.components
                ],
            }
            for d in c.dances
        ],
    }


def median(values: Sequence[Fraction]) -> Fraction:
    """The median; of an even number of values, the mean of the two middle ones."""
    ordered = sorted(values)
    n = len(ordered)
    if n % 2:
        return ordered[n // 2]
    return (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def within_tolerance(values: Sequence[Decimal], tolerance: Decimal) -> list[bool]:
    """For each value: is it kept? Kept: at most ``tolerance`` from the median; when none
    is, those nearest the median."""
    exact = [Fraction(v) for v in values]
    mid = median(exact)
    band = Fraction(tolerance)
    kept = [abs(v - mid) <= band for v in exact]
    if not any(kept):
        nearest = min(abs(v - mid) for v in exact)
        kept = [abs(v - mid) == nearest for v in exact]
    return kept


def component_score(
    component: Component, marks: Sequence[tuple[str, Decimal]], tolerance: Decimal
) -> ComponentScore:
    """One couple's score on ``component`` from its ``(judge, score)`` marks."""
    kept = within_tolerance([s for _, s in marks], tolerance)
    counted = [Fraction(s) for (_, s), k in zip(marks, kept, strict=True) if k]
    return ComponentScore(
        component=component.name,
        weight=component.weight,
        median=median([Fraction(s) for _, s in marks]),
        score=sum(counted, Fraction(0)) / len(counted),
        marks=tuple(ComponentMark(j, s, k) for (j, s), k in zip(marks, kept, strict=True)),
    )


def _parse(value: ScoreValue) -> Decimal | None:
    try:
        parsed = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return parsed if parsed.is_finite() else None


def scale_problem(component: Component, value: ScoreValue) -> str | None:
    """Why ``value`` is not a score of ``component``'s scale, or ``None``."""
    score = _parse(value)
    if score is None:
        return f"“{value}” is not a number."
    if not component.minimum <= score <= component.maximum:
        return f"{score} is off the scale {component.minimum}–{component.maximum}."
    if (score - component.minimum) % component.step != 0:
        return f"{score} is not on the scale's step of {component.step}."
    return None


def allocated(
    allocation: Allocation | None, dance: str, judges: Sequence[str], names: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """Judge -> the components they score in ``dance`` (every one without an allocation)."""
    if allocation is None:
        return {j: tuple(names) for j in judges}
    given = allocation.get(dance, {})
    return {j: tuple(n for n in names if n in given.get(j, ())) for j in judges}


def components_problems(
    scores: Scores,
    *,
    components: Sequence[Component],
    dances: Sequence[str],
    couples: Sequence[str],
    judges: Sequence[str],
    allocation: Allocation | None = None,
    not_danced: Mapping[str, Collection[str]] | None = None,
) -> list[Problem]:
    """Every reason the scores cannot be tabulated (empty when they can)."""
    problems: list[Problem] = []
    names = [c.name for c in components]
    by_name = {c.name: c for c in components}
    away = not_danced or {}
    if not components:
        problems.append(Problem("The event has no components."))
    problems += [Problem("Not a dance of the round.", dance=d) for d in scores if d not in dances]
    for dance in dances:
        plan = allocated(allocation, dance, judges, names)
        for name in names:
            if not any(name in cs for cs in plan.values()):
                problems.append(Problem("No judge scores this component.", dance, criterion=name))
        given = scores.get(dance, {})
        for couple in given:
            if couple not in couples:
                problems.append(Problem("Not a couple of the round.", dance, couple))
            elif couple in away.get(dance, ()) and any(given[couple].values()):
                problems.append(Problem("The couple did not dance this dance.", dance, couple))
        for couple in couples:
            if couple in away.get(dance, ()):
                continue
            problems += _couple_problems(
                given.get(couple, {}), dance, couple, plan, by_name, judges
            )
    return problems


def _couple_problems(
    given: Mapping[str, Mapping[str, ScoreValue]],
    dance: str,
    couple: str,
    plan: Mapping[str, Sequence[str]],
    by_name: Mapping[str, Component],
    judges: Sequence[str],
) -> list[Problem]:
    problems: list[Problem] = []
    for name, by_judge in given.items():
        if name not in by_name:
            problems.append(Problem("Not a component of the event.", dance, couple, criterion=name))
            continue
        for judge, value in by_judge.items():
            if judge not in judges:
                problems.append(
                    Problem("Not a judge of the panel.", dance, couple, judge, None, name)
                )
            elif name not in plan.get(judge, ()):
                problems.append(
                    Problem(
                        "This component is not allocated to the judge in this dance.",
                        dance,
                        couple,
                        judge,
                        None,
                        name,
                    )
                )
            elif (why := scale_problem(by_name[name], value)) is not None:
                problems.append(Problem(why, dance, couple, judge, None, name))
    for judge, names in plan.items():
        for name in names:
            if judge not in given.get(name, {}):
                problems.append(Problem("The score is missing.", dance, couple, judge, None, name))
    return problems


def score_components(
    scores: Scores,
    *,
    components: Sequence[Component],
    dances: Sequence[str],
    couples: Sequence[str],
    judges: Sequence[str],
    tolerance: Decimal,
    allocation: Allocation | None = None,
    not_danced: Mapping[str, Collection[str]] | None = None,
    recall: int | None = None,
    not_recallable: Collection[str] = (),
) -> ComponentsResult:
    """Tabulate a component round; ``recall``: how many couples a recall round takes
    (``None`` in a final). Raises :class:`TabulationError` on invalid input."""
    raise_if_any(
        components_problems(
            scores,
            components=components,
            dances=dances,
            couples=couples,
            judges=judges,
            allocation=allocation,
            not_danced=not_danced,
        )
    )
    if tolerance < 0:
        raise_if_any([Problem("The tolerance cannot be negative.")])
    away = not_danced or {}
    names = [c.name for c in components]
    plans = {d: allocated(allocation, d, judges, names) for d in dances}
    rows: dict[str, list[DanceScore]] = {c: [] for c in couples}
    for index, dance in enumerate(dances):
        for couple in couples:
            rows[couple].append(
                _dance_score(scores, dance, couple, components, judges, tolerance, away)
            )
        _rank_dance(rows, index)
    ranked = _rank_couples(rows, components)
    return ComponentsResult(
        tolerance=tolerance,
        components=tuple(components),
        dances=tuple(dances),
        judges=tuple(judges),
        allocation=tuple(
            (d, tuple((j, plans[d][j]) for j in judges if plans[d][j])) for d in dances
        ),
        couples=ranked,
        recall=None if recall is None else _recall(ranked, recall, not_recallable),
    )


def _dance_score(
    scores: Scores,
    dance: str,
    couple: str,
    components: Sequence[Component],
    judges: Sequence[str],
    tolerance: Decimal,
    away: Mapping[str, Collection[str]],
) -> DanceScore:
    if couple in away.get(dance, ()):
        return DanceScore(dance, False, Fraction(0), None, ())
    given = scores.get(dance, {}).get(couple, {})
    parts = []
    for component in components:
        by_judge = given.get(component.name, {})
        marks = [(j, Decimal(str(by_judge[j]))) for j in judges if j in by_judge]
        parts.append(component_score(component, marks, tolerance))
    total = sum((p.weighted for p in parts), Fraction(0))
    return DanceScore(dance, True, total, None, tuple(parts))


def _rank_dance(rows: dict[str, list[DanceScore]], index: int) -> None:
    """Fill in the ranks of dance ``index``: by score, equal scores sharing."""
    danced = [(c, r[index]) for c, r in rows.items() if r[index].danced]
    danced.sort(key=lambda cr: -cr[1].score)
    first = 1
    for _, group in groupby(danced, key=lambda cr: cr[1].score):
        members = list(group)
        place = shared_place(first, len(members))
        for couple, score in members:
            rows[couple][index] = DanceScore(
                score.dance, True, score.score, place, score.components
            )
        first += len(members)


def _component_totals(dances: Sequence[DanceScore], count: int) -> tuple[Fraction, ...]:
    totals = [Fraction(0)] * count
    for d in dances:
        for i, part in enumerate(d.components):
            totals[i] += part.weighted
    return tuple(totals)


def _rank_couples(
    rows: Mapping[str, list[DanceScore]], components: Sequence[Component]
) -> tuple[CoupleResult, ...]:
    n = len(components)
    totals = {c: sum((d.score for d in ds), Fraction(0)) for c, ds in rows.items()}
    parts = {c: _component_totals(ds, n) for c, ds in rows.items()}

    def key(couple: str) -> tuple:
        return (-totals[couple], *(-p for p in parts[couple]))

    ordered = sorted(rows, key=lambda c: (key(c), natural_key(c)))
    out: list[CoupleResult] = []
    first = 1
    for _, group in groupby(ordered, key=key):
        members = list(group)
        place = shared_place(first, len(members))
        for couple in members:
            decided_by = (
                "shared"
                if len(members) > 1
                else _decided_by(couple, ordered, totals, parts, components)
            )
            out.append(
                CoupleResult(
                    couple, totals[couple], place, decided_by, parts[couple], tuple(rows[couple])
                )
            )
        first += len(members)
    return tuple(out)


def _decided_by(
    couple: str,
    ordered: Sequence[str],
    totals: Mapping[str, Fraction],
    parts: Mapping[str, tuple[Fraction, ...]],
    components: Sequence[Component],
) -> str:
    """``"total"`` unless another couple has the same total: then the first component
    from which on no couple of that total matches it."""
    equal = [c for c in ordered if c != couple and totals[c] == totals[couple]]
    if not equal:
        return "total"
    for i, component in enumerate(components):
        if all(parts[c][: i + 1] != parts[couple][: i + 1] for c in equal):
            return f"component:{component.name}"
    return "shared"


def _recall(
    ranked: Sequence[CoupleResult], requested: int, not_recallable: Collection[str]
) -> ComponentRecall:
    """The best ``requested`` couples by total that may go through; a tie at the cut-off
    is named, not broken."""
    candidates = sorted(
        (c for c in ranked if c.couple not in not_recallable),
        key=lambda c: (-c.total, natural_key(c.couple)),
    )
    target = min(requested, len(candidates))
    recalled: list[str] = []
    tied: list[str] = []
    for _, group in groupby(candidates, key=lambda c: c.total):
        members = [c.couple for c in group]
        if len(recalled) + len(members) <= target:
            recalled += members
        elif len(recalled) < target:
            tied = members
            break
        else:
            break
    return ComponentRecall(requested, target, tuple(recalled), tuple(tied))
