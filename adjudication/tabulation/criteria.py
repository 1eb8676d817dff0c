"""Criteria scoring (pageants, choirs): weighted sums of the judges' average scores.

Each judge scores each entry on each criterion, within ``[minimum, maximum]`` and on the
criterion's ``step`` (``Decimal``, never float). An entry's total is the weighted sum of its
per-criterion averages over the judges. Averages and totals are exact :class:`Fraction` values,
so equal totals are really equal; round only for display (:meth:`EntryResult.rounded_total`).

Options:

* ``trim=True``: per entry and criterion, drop one highest and one lowest score (trimmed mean);
  the dropped scores are reported. When several judges gave that same score, the one listed
  first in ``judges`` is dropped as the lowest and the one listed last as the highest (the
  mean does not depend on which).
* ``tie_break``: equal totals are separated by each rule in turn: :class:`ByCriterion` (the
  higher average on that criterion) and :class:`ByJudgesPreference` (the entry preferred by
  more judges: for each other tied entry, each judge whose own weighted total for it is higher
  counts one). Entries still equal share the place (the mean of the places shared).
* ``outliers``: an :class:`OutlierRule` reports every score further than a threshold from the
  panel's median for that entry and criterion, so the scrutineer can ask the judge to check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from itertools import groupby

from .errors import Problem, raise_if_any
from .places import Place, natural_key, shared_place

ScoreValue = Decimal | int | str
Scores = Mapping[str, Mapping[str, Mapping[str, ScoreValue]]]
"""entry -> judge -> criterion -> score."""


@dataclass(frozen=True)
class Criterion:
    """A criterion: its weight in the total and the scores a judge may give."""

    name: str
    minimum: Decimal
    maximum: Decimal
    step: Decimal
    weight: Decimal = Decimal(1)


@dataclass(frozen=True)
class ByCriterion:
    """Tie-break: the higher (trimmed, if trimming) average on the named criterion."""

    name: str

    @property
    def label(self) -> str:
        return f"criterion:{self.name}"


@dataclass(frozen=True)
class ByJudgesPreference:
    """Tie-break: how many times a judge's own weighted total prefers the entry to another."""

    label: str = field(default="judges-preference", init=False)


TieBreak = ByCriterion | ByJudgesPreference
TieKey = Callable[[TieBreak, str, Sequence[str]], Fraction | int]


@dataclass(frozen=True)
class OutlierRule:
    """Flag a score further than ``points`` (or ``fraction_of_range`` x (max - min)) from the
    panel median. Give exactly one of the two."""

    points: Decimal | None = None
    fraction_of_range: Decimal | None = None


@dataclass(frozen=True)
class DroppedScore:
    """A score left out of a trimmed mean; ``end`` is ``"highest"`` or ``"lowest"``."""

    entry: str
    criterion: str
    judge: str
    score: Decimal
    end: str


@dataclass(frozen=True)
class Outlier:
    """A score ``deviation`` away from the panel ``median`` (more than ``threshold``)."""

    entry: str
    criterion: str
    judge: str
    score: Decimal
    median: Decimal
    deviation: Decimal
    threshold: Decimal


@dataclass(frozen=True)
class CriterionScore:
    """An entry's average on one criterion over the ``counted`` judges."""

    criterion: str
    weight: Decimal
    mean: Fraction
    counted: tuple[str, ...]
    dropped: tuple[DroppedScore, ...]


@dataclass(frozen=True)
class EntryResult:
    """An entry's total and place; ``decided_by`` is ``"total"``, a tie-break label or
    ``"shared"``."""

    entry: str
    total: Fraction
    criteria: tuple[CriterionScore, ...]
    place: Place
    decided_by: str

    def rounded_total(self, places: int = 2) -> Decimal:
        """The total for display, rounded half-even to ``places`` decimals."""
        exact = Decimal(self.total.numerator) / Decimal(self.total.denominator)
        return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class CriteriaResult:
    """Entries best first, with the scores dropped by trimming and the outliers found."""

    ranking: tuple[EntryResult, ...]
    dropped: tuple[DroppedScore, ...]
    outliers: tuple[Outlier, ...]

    def places(self) -> dict[str, Place]:
        return {e.entry: e.place for e in self.ranking}

    def entry(self, name: str) -> EntryResult:
        for result in self.ranking:
            if result.entry == name:
                return result
        raise KeyError(name)


# --- validation ------------------------------------------------------------------------------


def _decimal(value: object) -> Decimal | None:
    """A finite Decimal from a Decimal, int or numeric string; ``None`` otherwise (no floats)."""
    if isinstance(value, Decimal | int | str) and not isinstance(value, bool):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def criteria_problems(
    scores: object,
    *,
    criteria: Sequence[Criterion],
    judges: Sequence[str],
    trim: bool = False,
    tie_break: Sequence[TieBreak] = (),
    outliers: OutlierRule | None = None,
) -> list[Problem]:
    """Every reason the scores cannot be totalled (empty list: they can)."""
    problems = _setup_problems(criteria, judges, trim, tie_break, outliers)
    if not isinstance(scores, Mapping) or not scores:
        problems.append(Problem("no entries to score"))
    if problems:
        return problems
    # bandit: type narrowing; problems were returned above
    assert isinstance(scores, Mapping)  # nosec B101
    by_name = {c.name: c for c in _exact(criteria)}
    for entry, sheets in scores.items():
        if not isinstance(sheets, Mapping):
            problems.append(Problem("scores must map each judge to a score sheet", entry=entry))
            continue
        problems.extend(
            Problem("no scores from this judge", entry=entry, judge=j)
            for j in judges
            if j not in sheets
        )
        for judge, sheet in sheets.items():
            if judge not in judges:
                problems.append(Problem("not on the panel", entry=entry, judge=judge))
            elif not isinstance(sheet, Mapping):
                problems.append(
                    Problem("sheet must map criteria to scores", entry=entry, judge=judge)
                )
            else:
                problems.extend(_sheet_problems(entry, judge, sheet, by_name))
    return problems


def _setup_problems(
    criteria: Sequence[Criterion],
    judges: Sequence[str],
    trim: bool,
    tie_break: Sequence[TieBreak],
    outliers: OutlierRule | None,
) -> list[Problem]:
    problems: list[Problem] = []
    if not criteria:
        problems.append(Problem("no criteria"))
    names = Counter(c.name for c in criteria)
    problems.extend(
        Problem(f"defined {times} times", criterion=n) for n, times in names.items() if times > 1
    )
    for criterion in criteria:
        problems.extend(_criterion_problems(criterion))
    weights = [_decimal(c.weight) for c in criteria]
    if criteria and all(w is not None and w >= 0 for w in weights) and not any(weights):
        problems.append(Problem("the weights add up to zero"))

    if not judges:
        problems.append(Problem("no judges"))
    problems.extend(
        Problem(f"named {times} times in the panel", judge=j)
        for j, times in Counter(judges).items()
        if times > 1
    )
    if trim and len(judges) < 3:
        problems.append(
            Problem(f"dropping the highest and lowest score needs 3 judges, not {len(judges)}")
        )
    for rule in tie_break:
        if isinstance(rule, ByCriterion) and rule.name not in names:
            problems.append(Problem("tie-break on an unknown criterion", criterion=rule.name))
    if outliers is not None:
        given = [v for v in (outliers.points, outliers.fraction_of_range) if v is not None]
        if len(given) != 1:
            problems.append(Problem("outlier rule: give either points or fraction_of_range"))
        elif (value := _decimal(given[0])) is None or value <= 0:
            problems.append(
                Problem(f"outlier threshold {_show(given[0])} must be a positive number")
            )
    return problems


def _show(value: object) -> str:
    """A number as the user wrote it: ``10`` for ``Decimal("10")``, ``0.5`` (a float) as repr."""
    return str(value) if isinstance(value, Decimal | int) else repr(value)


def _criterion_problems(criterion: Criterion) -> list[Problem]:
    name = criterion.name
    weight = _decimal(criterion.weight)
    low, high, step = (_decimal(v) for v in (criterion.minimum, criterion.maximum, criterion.step))
    problems = [
        Problem(f"{what} {_show(value)} is not a number (give a Decimal)", criterion=name)
        for what, value, number in (
            ("weight", criterion.weight, weight),
            ("minimum", criterion.minimum, low),
            ("maximum", criterion.maximum, high),
            ("step", criterion.step, step),
        )
        if number is None
    ]
    if weight is not None and weight < 0:
        problems.append(Problem(f"weight {weight} must be >= 0", criterion=name))
    if low is not None and high is not None and low >= high:
        problems.append(
            Problem(
                f"range {low}..{high} needs minimum < maximum",
                criterion=name,
            )
        )
    if step is not None and step <= 0:
        problems.append(Problem(f"step {step} must be positive", criterion=name))
    elif step is not None and low is not None and high is not None and (high - low) % step != 0:
        problems.append(
            Problem(f"range {low}..{high} is not a whole number of steps {step}", criterion=name)
        )
    return problems


def _sheet_problems(
    entry: str, judge: str, sheet: Mapping[object, object], by_name: Mapping[str, Criterion]
) -> list[Problem]:
    problems = [
        Problem("no score on this criterion", entry=entry, judge=judge, criterion=name)
        for name in by_name
        if name not in sheet
    ]
    for name, value in sheet.items():
        where = {"entry": entry, "judge": judge, "criterion": str(name)}
        criterion = by_name.get(str(name)) if isinstance(name, str) else None
        if criterion is None:
            problems.append(Problem("unknown criterion", **where))
            continue
        number = _decimal(value)
        if number is None:
            problems.append(
                Problem(f"score {value!r} is not a number (give a Decimal or a string)", **where)
            )
        elif not criterion.minimum <= number <= criterion.maximum:
            problems.append(
                Problem(
                    f"score {number} is outside {criterion.minimum}..{criterion.maximum}", **where
                )
            )
        elif (number - criterion.minimum) % criterion.step != 0:
            problems.append(
                Problem(f"score {number} is not on a step of {criterion.step}", **where)
            )
    return problems


# --- calculation -----------------------------------------------------------------------------


def score_criteria(
    scores: Scores,
    *,
    criteria: Sequence[Criterion],
    judges: Sequence[str],
    trim: bool = False,
    tie_break: Sequence[TieBreak] = (),
    outliers: OutlierRule | None = None,
) -> CriteriaResult:
    """Total and rank the entries; see the module docstring for the options.

    Raises :class:`~.errors.TabulationError` naming the entry, judge and criterion of every
    invalid or missing score; nothing is calculated then.
    """
    raise_if_any(
        criteria_problems(
            scores,
            criteria=criteria,
            judges=judges,
            trim=trim,
            tie_break=tie_break,
            outliers=outliers,
        )
    )
    criteria = _exact(criteria)
    order = {judge: index for index, judge in enumerate(judges)}
    values = {
        entry: {
            judge: {c.name: Decimal(sheets[judge][c.name]) for c in criteria} for judge in judges
        }
        for entry, sheets in scores.items()
    }
    per_entry = {
        entry: tuple(_criterion_score(entry, c, sheets, order, trim) for c in criteria)
        for entry, sheets in values.items()
    }
    totals = {
        entry: sum((Fraction(cs.weight) * cs.mean for cs in scored), Fraction(0))
        for entry, scored in per_entry.items()
    }
    means = {entry: {cs.criterion: cs.mean for cs in scored} for entry, scored in per_entry.items()}

    @cache
    def judge_totals(entry: str) -> dict[str, Fraction]:
        """Each judge's own weighted total for ``entry`` (only needed to break ties)."""
        return {
            judge: sum((Fraction(c.weight) * Fraction(sheet[c.name]) for c in criteria), Fraction())
            for judge, sheet in values[entry].items()
        }

    def key(rule: TieBreak, entry: str, group: Sequence[str]) -> Fraction | int:
        if isinstance(rule, ByCriterion):
            return means[entry][rule.name]
        mine = judge_totals(entry)
        return sum(
            1
            for other in group
            if other != entry
            for j in judges
            if mine[j] > judge_totals(other)[j]
        )

    ranked: list[EntryResult] = []
    by_total = sorted(values, key=lambda e: (-totals[e], natural_key(e)))
    for _, group_iter in groupby(by_total, key=lambda e: totals[e]):
        group = list(group_iter)
        decided = [(group, "total")] if len(group) == 1 else _break(group, tie_break, key)
        for sub, label in decided:
            place = shared_place(len(ranked) + 1, len(sub))
            ranked.extend(EntryResult(e, totals[e], per_entry[e], place, label) for e in sub)
    dropped = tuple(d for scored in per_entry.values() for cs in scored for d in cs.dropped)
    found = _outliers(values, criteria, _threshold(outliers)) if outliers is not None else ()
    return CriteriaResult(tuple(ranked), dropped, found)


def _break(group: list[str], rules: Sequence[TieBreak], key: TieKey) -> list[tuple[list[str], str]]:
    """Separate entries of equal total by each tie-break rule in turn (rule order, recursive)."""
    if not rules:
        return [(group, "shared")]
    rule, rest = rules[0], rules[1:]
    keys = {e: key(rule, e, group) for e in group}
    result: list[tuple[list[str], str]] = []
    for _, sub_iter in groupby(sorted(group, key=lambda e: -keys[e]), key=lambda e: keys[e]):
        sub = list(sub_iter)
        result.extend([(sub, rule.label)] if len(sub) == 1 else _break(sub, rest, key))
    return result


def _criterion_score(
    entry: str,
    criterion: Criterion,
    sheets: Mapping[str, Mapping[str, Decimal]],
    order: Mapping[str, int],
    trim: bool,
) -> CriterionScore:
    given = sorted(
        ((sheet[criterion.name], order[judge], judge) for judge, sheet in sheets.items()),
    )
    dropped: tuple[DroppedScore, ...] = ()
    if trim:
        low, high = given[0], given[-1]
        dropped = (
            DroppedScore(entry, criterion.name, high[2], high[0], "highest"),
            DroppedScore(entry, criterion.name, low[2], low[0], "lowest"),
        )
        given = given[1:-1]
    mean = Fraction(sum(score for score, _, _ in given)) / len(given)
    counted = tuple(judge for _, _, judge in sorted(given, key=lambda g: g[1]))
    return CriterionScore(criterion.name, Decimal(criterion.weight), mean, counted, dropped)


def _exact(criteria: Sequence[Criterion]) -> list[Criterion]:
    """The criteria with every number as a Decimal (callers may pass ints or strings)."""
    return [
        Criterion(
            c.name, Decimal(c.minimum), Decimal(c.maximum), Decimal(c.step), Decimal(c.weight)
        )
        for c in criteria
    ]


def _threshold(rule: OutlierRule) -> Callable[[Criterion], Decimal]:
    if rule.points is not None:
        points = Decimal(rule.points)
        return lambda criterion: points
    # bandit: type narrowing; the rule was validated on load
    assert rule.fraction_of_range is not None  # nosec B101
    fraction = Decimal(rule.fraction_of_range)
    return lambda criterion: fraction * (criterion.maximum - criterion.minimum)


def _outliers(
    values: Mapping[str, Mapping[str, Mapping[str, Decimal]]],
    criteria: Sequence[Criterion],
    threshold_of: Callable[[Criterion], Decimal],
) -> tuple[Outlier, ...]:
    found: list[Outlier] = []
    for entry, sheets in values.items():
        for criterion in criteria:
            threshold = threshold_of(criterion)
            scores = sorted(sheet[criterion.name] for sheet in sheets.values())
            middle = len(scores) // 2
            median = (
                scores[middle] if len(scores) % 2 else (scores[middle - 1] + scores[middle]) / 2
            )
            for judge, sheet in sheets.items():
                deviation = abs(sheet[criterion.name] - median)
                if deviation > threshold:
                    found.append(
                        Outlier(
                            entry,
                            criterion.name,
                            judge,
                            sheet[criterion.name],
                            median,
                            deviation,
                            threshold,
                        )
                    )
    return tuple(found)
