"""The Skating System for finals: single dance (rules 5-8) and multi-dance summary (rules 9-11).

Terms: *n* couples, *J* judges, *D* dances. Column *c* ("1-c", "c-th and higher") of a couple is
the set of its marks <= c; ``count`` is how many there are, ``total`` their sum.

Rules as applied here (published in the WDSF's "The Skating System" and the DTV's TSO
Anhang 2 "Skating-System"; ``docs/tabulation.md`` lists the readings chosen):

* Rule 5: a majority is more than half the judges, ``J // 2 + 1``.
* Rules 5-8 work **column by column**: in column c every unplaced couple holding a majority is
  placed now (rule 6: larger count first); then the rest continue with column c+1, whatever the
  number of the next place. Equal counts go by the lower total of the marks <= c (rule 7a);
  equal count and total look at the next column(s) **for those tied couples only** (rule 7b);
  still equal after column n, they share the places (rule 7c). If nobody holds a majority, the
  next column is taken for everyone (rule 8).
* Rule 9: the summary adds the places of every dance; lower total, better place.
* Rule 10, for the place under review X: most dances placed X or better (10a); then the lower
  sum of those same places (10b); still equal, rule 11 for exactly those couples (10c). The
  couples left are then examined for X+1, and so on.
* Rule 11: all J x D marks of the couples concerned taken as one dance (majority
  ``J*D // 2 + 1``), rules 5-8 from column X. Two couples: rule 11 places both. Three or more:
  rule 11 awards only place X; the others go back to rule 10 for X+1.

Interpretations (see ``docs/tabulation.md``): when none of the tied couples has a place <= X,
rule 10 finds counts and sums all zero and, read literally, hands them to rule 11. When rule 11
cannot separate the couples at the top of its order, they share the places they occupy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import groupby

from .final_marks import validate_final
from .places import Place, natural_key, shared_place

DanceMarks = Mapping[str, Sequence[int]]
"""The marks of one dance: couple number -> the judges' marks, in judge order."""

FinalMarks = Mapping[str, DanceMarks]
"""The marks of a final: dance -> couple -> marks, the same judges in the same order."""

SINGLE_DANCE_RULES = ("5", "6", "7a", "7b", "7c", "8")
SUMMARY_RULES = ("9", "10a", "10b", "11")


def majority(marks: int) -> int:
    """Rule 5: more than half of ``marks`` (3 of 5, 4 of 7, 3 of 4; 13 of 25 in rule 11)."""
    return marks // 2 + 1


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One column of a couple's majority table.

    ``count`` marks of ``column`` or better, adding up to ``total``. ``examined`` says the column
    was looked at for this couple (a published sheet shows a dash otherwise); ``total_used`` says
    the sum took part in a decision (rule 7a/7b), so it is published next to the count.
    """

    column: int
    count: int
    total: int
    examined: bool
    total_used: bool

    @property
    def label(self) -> str:
        """The column heading: ``"1"``, ``"1-2"``, ``"1-3"`` ..."""
        return "1" if self.column == 1 else f"1-{self.column}"


@dataclass(frozen=True)
class Placing:
    """A couple's place in one dance, with the rule that decided it and its majority table.

    ``rule`` is one of ``"5"`` (majority in the column examined), ``"8"`` (the only majority,
    found after moving to later columns), ``"6"`` (several majorities, the larger count),
    ``"7a"`` (equal counts, the lower sum), ``"7b"`` (separated in a later column) and
    ``"7c"`` (never separated: shared place). ``column`` is where its majority was found.
    """

    couple: str
    marks: tuple[int, ...]
    place: Place
    rule: str
    column: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class DanceResult:
    """Rules 5-8 applied to one dance. ``placings`` keeps the order of the input."""

    dance: str
    judges: int
    majority: int
    placings: tuple[Placing, ...]

    def places(self) -> dict[str, Place]:
        return {p.couple: p.place for p in self.placings}

    def placing(self, couple: str) -> Placing:
        for placing in self.placings:
            if placing.couple == couple:
                return placing
        raise KeyError(couple)

    def ranking(self) -> tuple[Placing, ...]:
        """The placings from first to last (couples sharing a place by couple number)."""
        return tuple(sorted(self.placings, key=lambda p: (p.place, natural_key(p.couple))))


@dataclass(frozen=True)
class Rule10Step:
    """One examination of tied couples for the place under review (rule 10).

    ``counts[i]`` is how many dances ``couples[i]`` was placed ``place`` or better, ``sums[i]``
    the sum of those places. ``rule`` says how it ended: ``"10a"`` or ``"10b"`` awarded
    ``place`` to ``winner``; ``"10c"`` sent ``to_rule11`` on to rule 11.
    """

    place: int
    couples: tuple[str, ...]
    counts: tuple[int, ...]
    sums: tuple[Place, ...]
    rule: str
    winner: str | None
    to_rule11: tuple[str, ...]


@dataclass(frozen=True)
class Rule11Step:
    """Rule 11 for couples still equal after rule 10, starting at column ``place``.

    ``rows`` are the couples' majority tables over all ``marks`` (J x D) marks, from column X;
    their ``place`` is the one rule 11's order would give. ``order`` is that order (a group of
    several couples could not be separated); ``awarded`` the groups rule 11 actually placed:
    both couples when two are in, only the top group (place X) when three or more are, the
    others going back to rule 10.
    """

    place: int
    couples: tuple[str, ...]
    marks: int
    majority: int
    rows: tuple[Placing, ...]
    order: tuple[tuple[str, ...], ...]
    awarded: tuple[tuple[str, ...], ...]


SummaryStep = Rule10Step | Rule11Step


@dataclass(frozen=True)
class SummaryRow:
    """A couple's line in the final summary (rule 9): places per dance, total, final place.

    ``rule`` is ``"9"`` for a total of its own, else the rule of the last step the couple took
    part in: ``"10a"``, ``"10b"`` or ``"11"``. In a one-dance final the summary is the dance, and
    ``rule`` is the dance's rule.
    """

    couple: str
    places: tuple[Place, ...]
    total: Place
    place: Place
    rule: str


@dataclass(frozen=True)
class FinalResult:
    """A whole final: every dance (rules 5-8) and the summary (rules 9-11)."""

    dances: tuple[DanceResult, ...]
    judges: tuple[str, ...]
    summary: tuple[SummaryRow, ...]
    steps: tuple[SummaryStep, ...] = field(default=())

    def dance(self, name: str) -> DanceResult:
        for result in self.dances:
            if result.dance == name:
                return result
        raise KeyError(name)

    def overall(self) -> dict[str, Place]:
        return {row.couple: row.place for row in self.summary}

    def ranking(self) -> tuple[SummaryRow, ...]:
        return tuple(sorted(self.summary, key=lambda r: (r.place, natural_key(r.couple))))

    @property
    def rules_used(self) -> str:
        """The highest summary rule needed: ``"9"``, ``"10"`` or ``"11"``."""
        if any(isinstance(step, Rule11Step) for step in self.steps):
            return "11"
        return "10" if self.steps else "9"


# --- rules 5-8: majorities, column by column -------------------------------------------------


class _Table:
    """Cumulative counts and sums per column (index = column) for each couple's marks."""

    __slots__ = ("counts", "totals")

    def __init__(self, marks_by_couple: Mapping[str, Sequence[int]], columns: int) -> None:
        self.counts: dict[str, list[int]] = {}
        self.totals: dict[str, list[int]] = {}
        for couple, marks in marks_by_couple.items():
            histogram = [0] * (columns + 1)
            for mark in marks:
                histogram[mark] += 1
            counts = [0] * (columns + 1)
            totals = [0] * (columns + 1)
            count = total = 0
            for column in range(1, columns + 1):
                count += histogram[column]
                total += histogram[column] * column
                counts[column] = count
                totals[column] = total
            self.counts[couple] = counts
            self.totals[couple] = totals


@dataclass
class _Ordering:
    """The outcome of rules 5-8 on a set of couples, before places are numbered."""

    groups: list[tuple[tuple[str, ...], str, int]]  # (couples sharing, rule, majority column)
    examined: dict[str, int]  # last column looked at, per couple
    totals_used: dict[str, set[int]]  # columns whose sum took part in a decision


def _order_by_majority(
    couples: Sequence[str], table: _Table, needed: int, first: int, last: int
) -> _Ordering:
    """Rules 5-8: order ``couples`` by majorities, column by column from ``first`` to ``last``."""
    ordering = _Ordering([], {}, {couple: set() for couple in couples})
    unplaced = list(couples)
    start = first  # the column this examination started in (later columns mean rule 8)
    for column in range(first, last + 1):
        if not unplaced:
            break
        for couple in unplaced:
            ordering.examined[couple] = column
        holders = [c for c in unplaced if table.counts[c][column] >= needed]
        if not holders:
            continue  # rule 8: the next column, for everyone
        if len(holders) == 1:
            rule = "5" if column == start else "8"
            ordering.groups.append(((holders[0],), rule, column))
        else:
            _split(holders, column, column, last, table, ordering)
        placed = set(holders)
        unplaced = [c for c in unplaced if c not in placed]
        start = column + 1
    if unplaced:  # cannot happen with valid marks: column n holds every mark
        raise AssertionError(f"no majority for {unplaced} by column {last}")
    return ordering


def _split(
    group: list[str], column: int, majority_column: int, last: int, table: _Table, out: _Ordering
) -> None:
    """Rules 6 and 7: order couples holding a majority in ``majority_column``.

    Larger count first (rule 6); equal counts by the lower sum (7a); equal count and sum go to
    the next column for those couples only (7b); equal to the end, they share (7c).
    """
    counts = {c: table.counts[c][column] for c in group}
    by_count = sorted(group, key=lambda c: -counts[c])
    for _, same_count_iter in groupby(by_count, key=lambda c: counts[c]):
        same_count = list(same_count_iter)
        if len(same_count) == 1:
            rule = _split_rule(column, majority_column, "6")
            out.groups.append(((same_count[0],), rule, majority_column))
            continue
        totals = {c: table.totals[c][column] for c in same_count}
        for couple in same_count:
            out.totals_used[couple].add(column)
        by_total = sorted(same_count, key=lambda c: totals[c])
        for _, same_total_iter in groupby(by_total, key=lambda c: totals[c]):
            tied = list(same_total_iter)
            if len(tied) == 1:
                rule = _split_rule(column, majority_column, "7a")
                out.groups.append(((tied[0],), rule, majority_column))
            elif column == last:
                out.groups.append((tuple(tied), "7c", majority_column))
            else:
                for couple in tied:
                    out.examined[couple] = column + 1
                _split(tied, column + 1, majority_column, last, table, out)


def _split_rule(column: int, majority_column: int, here: str) -> str:
    return here if column == majority_column else "7b"


def _number_places(groups: Sequence[tuple[str, ...]], first: int) -> dict[str, Place]:
    places: dict[str, Place] = {}
    next_place = first
    for group in groups:
        place = shared_place(next_place, len(group))
        for couple in group:
            places[couple] = place
        next_place += len(group)
    return places


def _placings(
    marks: Mapping[str, Sequence[int]],
    table: _Table,
    ordering: _Ordering,
    places: Mapping[str, Place],
    first: int,
    last: int,
) -> tuple[Placing, ...]:
    rule_of = {c: (rule, col) for group, rule, col in ordering.groups for c in group}
    result = []
    for couple, couple_marks in marks.items():
        examined = ordering.examined[couple]
        used = ordering.totals_used[couple]
        cells = tuple(
            Cell(
                column=column,
                count=table.counts[couple][column],
                total=table.totals[couple][column],
                examined=column <= examined,
                total_used=column in used,
            )
            for column in range(first, last + 1)
        )
        rule, column = rule_of[couple]
        result.append(Placing(couple, tuple(couple_marks), places[couple], rule, column, cells))
    return tuple(result)


def _dance_result(dance: str, marks: Mapping[str, Sequence[int]], judges: int) -> DanceResult:
    n = len(marks)
    needed = majority(judges)
    table = _Table(marks, n)
    ordering = _order_by_majority(list(marks), table, needed, 1, n)
    places = _number_places([group for group, _, _ in ordering.groups], 1)
    return DanceResult(dance, judges, needed, _placings(marks, table, ordering, places, 1, n))


def tabulate_dance(
    marks: DanceMarks, *, dance: str = "dance", judges: Sequence[str] | None = None
) -> DanceResult:
    """Place the couples of one dance by rules 5-8 after checking the marks (rules 2-4).

    ``marks`` maps each couple to its marks in judge order. Raises
    :class:`~.errors.TabulationError` naming every dance/couple/judge at fault.
    """
    validate_final({dance: marks}, judges)
    judge_count = len(judges) if judges is not None else len(next(iter(marks.values())))
    return _dance_result(dance, marks, judge_count)


# --- rules 9-11: the summary ------------------------------------------------------------------


def tabulate_final(
    dances: FinalMarks,
    *,
    judges: Sequence[str] | None = None,
    not_danced: Mapping[str, Collection[str]] | None = None,
) -> FinalResult:
    """Tabulate a final: each dance by rules 5-8, then the summary by rules 9-11.

    ``dances`` maps dance -> couple -> marks in judge order (the same judges, in the same
    order, in every dance). Shared places are the mean of the places shared. A final of one
    dance is just that dance: its places are the overall places and rules 9-11 do not apply.
    ``not_danced`` maps a dance to the couples that retired before it: they have no marks
    there and take the last places of that dance, shared when several (rule "R"); for rule 11
    each judge counts them at the first of those places.
    Raises :class:`~.errors.TabulationError` if any mark is invalid; nothing is calculated then.
    """
    validate_final(dances, judges, not_danced)
    away = {d: [c for c in (not_danced or {}).get(d, ()) if c not in m] for d, m in dances.items()}
    couples = list(dict.fromkeys(c for marks in dances.values() for c in marks))
    couples += [c for d in dances for c in away[d] if c not in couples]
    judge_count = len(next(m for marks in dances.values() for m in marks.values()))
    names = tuple(judges) if judges is not None else tuple(map(str, range(1, judge_count + 1)))
    results = tuple(
        _with_retired(_dance_result(d, marks, judge_count), away[d], len(couples))
        for d, marks in dances.items()
    )
    # Rule 11 counts a retired couple at the first of the last places, from every judge.
    counted = {
        d: {**marks, **{c: (len(marks) + 1,) * judge_count for c in away[d]}}
        for d, marks in dances.items()
    }

    places_by_couple = {c: tuple(r.placing(c).place for r in results) for c in couples}
    if len(results) == 1:
        summary = tuple(
            SummaryRow(p.couple, (p.place,), p.place, p.place, p.rule) for p in results[0].placings
        )
        return FinalResult(results, names, summary)

    pooled = {c: [m for marks in counted.values() for m in marks[c]] for c in couples}
    summary_places, rules, steps = _summary(places_by_couple, pooled, len(couples))
    summary = tuple(
        SummaryRow(
            couple=c,
            places=places_by_couple[c],
            total=sum(places_by_couple[c], Fraction(0)),
            place=summary_places[c],
            rule=rules[c],
        )
        for c in couples
    )
    return FinalResult(results, names, summary, tuple(steps))


def _with_retired(result: DanceResult, retired: Sequence[str], n: int) -> DanceResult:
    """A dance's result with the couples that retired before it placed last (rule "R")."""
    if not retired:
        return result
    place = shared_place(n - len(retired) + 1, len(retired))
    cells = tuple(Cell(c, 0, 0, False, False) for c in range(1, n + 1))
    extra = tuple(Placing(c, (), place, "R", 0, cells) for c in sorted(retired, key=natural_key))
    padded = tuple(
        dataclasses.replace(
            p,
            cells=p.cells
            + tuple(
                Cell(c, result.judges, p.cells[-1].total, False, False)
                for c in range(len(p.cells) + 1, n + 1)
            ),
        )
        for p in result.placings
    )
    return dataclasses.replace(result, placings=padded + extra)


def _summary(
    places: Mapping[str, tuple[Place, ...]], pooled: Mapping[str, list[int]], n: int
) -> tuple[dict[str, Place], dict[str, str], list[SummaryStep]]:
    """Rule 9 (totals), with rules 10 and 11 for every group of equal totals."""
    totals = {c: sum(p, Fraction(0)) for c, p in places.items()}
    final: dict[str, Place] = {}
    rules: dict[str, str] = {}
    steps: list[SummaryStep] = []
    next_place = 1
    by_total = sorted(places, key=lambda c: totals[c])
    for _, group_iter in groupby(by_total, key=lambda c: totals[c]):
        group = list(group_iter)
        if len(group) == 1:
            final[group[0]] = Fraction(next_place)
            rules[group[0]] = "9"
        else:
            _rule10(group, next_place, places, pooled, n, final, rules, steps)
        next_place += len(group)
    return final, rules, steps


def _rule10(
    group: list[str],
    first_place: int,
    places: Mapping[str, tuple[Place, ...]],
    pooled: Mapping[str, list[int]],
    n: int,
    final: dict[str, Place],
    rules: dict[str, str],
    steps: list[SummaryStep],
) -> None:
    """Rule 10 (and 11) for couples of equal total, place by place from ``first_place``."""
    remaining = list(group)
    last_rule: dict[str, str] = {}
    x = first_place
    while remaining:
        if len(remaining) == 1:
            final[remaining[0]] = Fraction(x)
            rules[remaining[0]] = last_rule[remaining[0]]
            return
        counts = {c: sum(1 for p in places[c] if p <= x) for c in remaining}
        sums = {c: sum((p for p in places[c] if p <= x), Fraction(0)) for c in remaining}
        best = max(counts.values())
        top = [c for c in remaining if counts[c] == best]
        lowest = min(sums[c] for c in top)
        top_sum = [c for c in top if sums[c] == lowest]
        rule = "10a" if len(top) == 1 else "10b" if len(top_sum) == 1 else "10c"
        winner = top_sum[0] if rule != "10c" else None
        steps.append(
            Rule10Step(
                place=x,
                couples=tuple(remaining),
                counts=tuple(counts[c] for c in remaining),
                sums=tuple(sums[c] for c in remaining),
                rule=rule,
                winner=winner,
                to_rule11=tuple(top_sum) if rule == "10c" else (),
            )
        )
        for couple in remaining:
            last_rule[couple] = "10a" if couple not in top else "10b"
        if winner is not None:
            final[winner] = Fraction(x)
            rules[winner] = rule
            remaining.remove(winner)
            x += 1
            continue
        step = _rule11(top_sum, x, pooled, n)
        steps.append(step)
        awarded = _number_places(step.awarded, x)
        for couple, place in awarded.items():
            final[couple] = place
            rules[couple] = "11"
            remaining.remove(couple)
        for couple in top_sum:
            last_rule[couple] = "11"
        x += len(awarded)


def _rule11(couples: list[str], x: int, pooled: Mapping[str, list[int]], n: int) -> Rule11Step:
    """Rule 11: the couples' J x D marks as one dance, rules 5-8 from column ``x``."""
    marks = {c: pooled[c] for c in couples}
    mark_count = len(pooled[couples[0]])
    needed = majority(mark_count)
    table = _Table(marks, n)
    ordering = _order_by_majority(couples, table, needed, x, n)
    order = tuple(group for group, _, _ in ordering.groups)
    awarded = order if len(couples) == 2 else order[:1]
    places = _number_places(order, x)
    rows = _placings(marks, table, ordering, places, x, n)
    return Rule11Step(x, tuple(couples), mark_count, needed, rows, order, awarded)
