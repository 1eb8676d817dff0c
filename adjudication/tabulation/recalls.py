"""Rule 1: preliminary rounds. Judges mark couples to recall; the crosses are totalled.

For every dance of the round each judge crosses **exactly** the number of couples the Chairman
of Adjudicators asked for, only couples of the round, none twice. A couple's score is its
crosses over all judges and dances; the highest totals are recalled.

A tie at the cut-off is never broken here (no sums, no head judge): the result names the couples
clearly above it and the tied group, and offers the Chairman the two numbers to choose from.

Couples that did not dance a dance (absent, or retired before it: ``not_danced``) are not crossed
in it, so a judge crosses ``min(requested, couples dancing it)`` there; crosses a sheet gave them
before the desk knew are set aside. Couples that cannot go through (absent, retired,
disqualified: ``not_recallable``) keep their totals and are passed over: the next couple moves up
(``docs/tabulation.md``, "Couples absent, retired, disqualified").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby

from .errors import Problem, raise_if_any
from .places import natural_key

RecallMarks = Mapping[str, Mapping[str, Collection[str]]]
"""dance -> judge -> the couples that judge crossed in that dance."""


@dataclass(frozen=True)
class RecallTotal:
    """A couple's crosses: ``by_dance`` in the order of the dances, ``total`` over all of them."""

    couple: str
    total: int
    by_dance: tuple[int, ...]


@dataclass(frozen=True)
class RecallResult:
    """The totals of a round and who goes through.

    ``recalled`` are the couples clearly above the cut-off; when the cut-off falls inside a group
    of equal totals, that group is ``tied`` and the Chairman chooses between the two ``options``:
    recall ``len(recalled)`` couples, or ``len(recalled) + len(tied)``. Without a tie ``tied`` is
    empty and ``recalled`` holds exactly ``target`` couples (or all, if the round is smaller).
    """

    dances: tuple[str, ...]
    judges: tuple[str, ...]
    requested: int
    target: int
    totals: tuple[RecallTotal, ...]
    recalled: tuple[str, ...]
    tied: tuple[str, ...]

    @property
    def decided(self) -> bool:
        """``True`` when no tie straddles the cut-off."""
        return not self.tied

    @property
    def options(self) -> tuple[int, ...]:
        """The numbers the Chairman may recall: one when decided, else (fewer, more)."""
        if self.decided:
            return (len(self.recalled),)
        return (len(self.recalled), len(self.recalled) + len(self.tied))

    def recall(self, number: int) -> tuple[str, ...]:
        """The couples recalled when the Chairman takes ``number`` (one of :attr:`options`)."""
        if number not in self.options:
            raise ValueError(f"recall {number}: choose one of {self.options}")
        return self.recalled if number == len(self.recalled) else self.recalled + self.tied

    def total_of(self, couple: str) -> int:
        for line in self.totals:
            if line.couple == couple:
                return line.total
        raise KeyError(couple)


def recall_problems(
    crosses: object,
    *,
    couples: Collection[str],
    judges: Sequence[str],
    requested: int,
    recall: int | None = None,
    accepted: Collection[tuple[str, str]] = (),
    not_danced: Mapping[str, Collection[str]] | None = None,
) -> list[Problem]:
    """Every reason the crosses of a round cannot be totalled (empty list: they can).

    Rule 1: each judge hands in a sheet for every dance (a missing sheet is an error, never
    zero crosses), crossing exactly ``requested`` couples of the round, none twice; but a
    sheet the Chairman accepted with another number of crosses (``accepted``: its
    ``(dance, judge)``) counts as given (DTV TSO F 6.7.2: the judge answers for the count).
    """
    problems: list[Problem] = []
    couple_set = set(couples)
    if not couple_set:
        problems.append(Problem("the round has no couples"))
    if len(couple_set) != len(list(couples)):
        problems.extend(
            Problem("listed twice in the round", couple=c)
            for c, times in Counter(couples).items()
            if times > 1
        )
    if not judges:
        problems.append(Problem("the round has no judges"))
    problems.extend(
        Problem(f"named {times} times in the panel", judge=j)
        for j, times in Counter(judges).items()
        if times > 1
    )
    if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
        problems.append(Problem(f"requested number {requested!r} must be a whole number >= 1"))
    elif couple_set and requested > len(couple_set):
        problems.append(
            Problem(f"{requested} couples requested but the round has {len(couple_set)}")
        )
    if recall is not None and (isinstance(recall, bool) or not isinstance(recall, int)):
        problems.append(Problem(f"number to recall {recall!r} must be a whole number"))
    elif recall is not None and recall < 1:
        problems.append(Problem(f"number to recall {recall} must be at least 1"))
    if not isinstance(crosses, Mapping) or not crosses:
        problems.append(Problem("a round needs the sheets of at least one dance"))
        return problems
    if problems:
        return problems

    panel = set(judges)
    for dance, sheets in crosses.items():
        if not isinstance(sheets, Mapping):
            problems.append(Problem("sheets must map each judge to the couples crossed", dance))
            continue
        problems.extend(
            Problem("no sheet from this judge (a missing sheet is not zero)", dance, judge=j)
            for j in judges
            if j not in sheets
        )
        for judge, crossed in sheets.items():
            if judge not in panel:
                problems.append(Problem("sheet from a judge not on the panel", dance, judge=judge))
                continue
            if isinstance(crossed, str | bytes) or not isinstance(crossed, Collection):
                problems.append(Problem("crosses must be a list of couples", dance, judge=judge))
                continue
            count = None if (dance, judge) in accepted else requested
            away = set((not_danced or {}).get(dance, ()))
            problems.extend(_sheet_problems(dance, judge, list(crossed), couple_set, count, away))
    return problems


def _sheet_problems(
    dance: str,
    judge: str,
    crossed: list[object],
    couples: set[str],
    requested: int | None,
    away: set[str],
) -> list[Problem]:
    """A sheet's faults; ``requested`` None: any number of crosses (at least one)."""
    problems = [
        Problem(f"{item!r} is not a couple number", dance, judge=judge)
        for item in crossed
        if not isinstance(item, str)
    ]
    for couple, times in Counter(c for c in crossed if isinstance(c, str)).items():
        if couple not in couples:
            problems.append(Problem("crossed but not in this round", dance, couple, judge))
        if times > 1:
            problems.append(Problem(f"crossed {times} times", dance, couple, judge))
    if requested is None:
        if not crossed:
            problems.append(
                Problem("an accepted sheet needs at least one cross", dance, judge=judge)
            )
        return problems
    due = min(requested, len(couples - away))
    counted = [c for c in crossed if c not in away]
    # A sheet sent before the desk knew a couple was away may have crossed it: the sheet
    # stays valid as sent (``requested`` crosses), the couple's cross is set aside.
    sent_before = len(counted) < len(crossed) and len(crossed) == requested
    if len(counted) != due and not sent_before:
        problems.append(
            Problem(f"{len(counted)} couples crossed, {due} requested", dance, judge=judge)
        )
    return problems


def tabulate_recalls(
    crosses: RecallMarks,
    *,
    couples: Collection[str],
    judges: Sequence[str],
    requested: int,
    recall: int | None = None,
    accepted: Collection[tuple[str, str]] = (),
    not_danced: Mapping[str, Collection[str]] | None = None,
    not_recallable: Collection[str] = (),
) -> RecallResult:
    """Total the crosses of a round (rule 1) and find who is recalled.

    ``crosses`` maps dance -> judge -> couples crossed. ``requested`` is the number of crosses
    the Chairman asked of every judge in every dance; ``recall`` the number of couples wanted in
    the next round (default: ``requested``); ``accepted`` the ``(dance, judge)`` sheets the
    Chairman accepted with another number of crosses, counted as given. ``not_danced`` maps a
    dance to the couples that did not dance it (their crosses there are set aside);
    ``not_recallable`` couples keep their totals but are passed over at the cut-off. Raises
    :class:`~.errors.TabulationError` naming the dance, judge and couple of every fault;
    nothing is totalled then.
    """
    raise_if_any(
        recall_problems(
            crosses,
            couples=couples,
            judges=judges,
            requested=requested,
            recall=recall,
            accepted=accepted,
            not_danced=not_danced,
        )
    )
    target = requested if recall is None else recall
    dances = tuple(crosses)
    by_dance = {c: [0] * len(dances) for c in couples}
    for index, (dance, sheets) in enumerate(crosses.items()):
        away = set((not_danced or {}).get(dance, ()))
        for crossed in sheets.values():
            for couple in crossed:
                if couple not in away:
                    by_dance[couple][index] += 1
    lines = sorted(
        (RecallTotal(c, sum(counts), tuple(counts)) for c, counts in by_dance.items()),
        key=lambda line: (-line.total, natural_key(line.couple)),
    )

    recalled: list[str] = []
    tied: tuple[str, ...] = ()
    passed_over = set(not_recallable)
    candidates = [line for line in lines if line.couple not in passed_over]
    for _, group_iter in groupby(candidates, key=lambda line: line.total):
        group = [line.couple for line in group_iter]
        if len(recalled) + len(group) <= target:
            recalled.extend(group)
        elif len(recalled) < target:  # the cut-off falls inside this group
            tied = tuple(group)
        if len(recalled) >= target or tied:
            break
    return RecallResult(
        dances=dances,
        judges=tuple(judges),
        requested=requested,
        target=target,
        totals=tuple(lines),
        recalled=tuple(recalled),
        tied=tied,
    )
