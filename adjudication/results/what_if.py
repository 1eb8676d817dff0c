"""What if: a closed or published round tabulated again with some marks changed or some
judges left out, beside its stored result, for the chairman weighing a protest before
anything is corrected.

``what_if_run`` checks the changes against the round, then has ``tabulate_round`` (the
close's own tabulation) tabulate the round's counted marks with the changes applied to
unsaved copies (its ``adjust``). Nothing is saved, locked or announced, and the
database refuses any write or lock while it runs (``_read_only``). The comparison with
the stored result and what would follow in later rounds is ``what_if_compare``.

A scoring method takes part through ``MARK_CHECKS`` (how one changed mark is checked,
by the kind of sheet) and ``what_if_compare.COMPARISONS``; a method missing from them
is refused with a message.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection

from adjudication.incidents.standing import Standing, round_standing
from adjudication.models import Mark, Placing, Sheet
from adjudication.results.skating_tables import plain
from adjudication.services import ScoringError, round_entries, round_placings, tabulate_round
from adjudication.tabulation.components import rounded
from competitions.components import judge_components
from competitions.models import Criterion, Dance, Entry, Judge, Round, RoundKind, RoundStatus
from competitions.selectors import round_panel

WHAT_IF_STATUSES = (RoundStatus.CLOSED, RoundStatus.PUBLISHED)
MAX_CHANGES = 500


@dataclasses.dataclass(frozen=True)
class ChangeIn:
    """One mark as it would be: the judge's letter, the couple's number, the dance
    (skating rounds) or the criterion (criteria rounds) or both (component rounds: the
    component by name, short name or id), and the value (a recall: 1 crossed, 0 not; a
    final: the place; criteria and components: the score)."""

    judge: str
    couple: str
    value: Any
    dance: str = ""
    criterion: str = ""


@dataclasses.dataclass(frozen=True)
class Changed:
    """A change checked against the round: the sheet it falls on, the stored value
    (``None``: no mark, a couple not crossed) and the new one."""

    judge: Judge
    entry: Entry
    sheet: Sheet
    dance: Dance | None
    criterion: Criterion | None
    old: Decimal | None
    new: Decimal

    @property
    def part(self) -> str:
        return self.dance.name if self.dance is not None else f"entry {self.entry.bib_label}"

    @property
    def key(self) -> tuple[int, int, int | None]:
        return (self.sheet.pk, self.entry.pk, self.criterion.pk if self.criterion else None)

    def text(self) -> str:
        what = f" · {self.criterion.name}" if self.criterion is not None else ""
        if self.dance is not None and self.criterion is not None:
            what = f" · {self.criterion.short_name or self.criterion.name}"
        old = "—" if self.old is None else plain(self.old)
        return (
            f"Judge {self.judge.letter} · {self.part} · couple {self.entry.bib_label}{what}: "
            f"{old} → {plain(self.new)}"
        )


@dataclasses.dataclass
class WhatIf:
    """A round tabulated with ``changes`` and without the judges ``left_out``: the
    tabulation (``kind``, ``result``), the unsaved placings it gives and ``tied``, the
    couples across the recall cut-off the chairman would have to settle."""

    round: Round
    kind: str
    result: Any
    placings: list[Placing]
    tied: tuple[str, ...]
    changes: list[Changed]
    left_out: list[str]
    letters: list[str]


@dataclasses.dataclass
class RoundMarks:
    """What a change is checked against: the panel, the couples by number, the dances,
    the criteria, the counted sheets by (judge, dance or entry) and their marks."""

    round: Round
    panel: list[Judge]
    entries: dict[str, Entry]
    dances: list[Dance]
    criteria: list[Criterion]
    sheets: dict[tuple[int, int], Sheet]
    marks: dict[tuple[int, int, int | None], Decimal]
    standing: Standing

    @property
    def sheet_kind(self) -> str:
        if self.round.event.is_skating:
            return "final" if self.round.kind == RoundKind.FINAL else "recall"
        return self.round.event.scoring_method


def what_if_marks(round_: Round) -> RoundMarks:
    panel = round_panel(round_)
    sheets = {
        (s.judge_id, s.dance_id or s.entry_id): s
        for s in Sheet.objects.filter(round=round_, judge__in=panel, returned_at__isnull=True)
    }
    marks = {
        (m.sheet_id, m.entry_id, m.criterion_id): m.value
        for m in Mark.objects.filter(sheet__in=list(sheets.values()))
    }
    return RoundMarks(
        round=round_,
        panel=panel,
        entries={e.bib_label: e for e in round_entries(round_)},
        dances=list(round_.event.dances.order_by("position")),
        criteria=list(round_.event.criteria.order_by("position")),
        sheets=sheets,
        marks=marks,
        standing=round_standing(round_),
    )


def _named(items: Iterable[Any], given: str) -> Any | None:
    """The dance or criterion ``given`` by its name or short name (any case) or its id."""
    given = given.strip().casefold()
    for item in items:
        names = {item.name.casefold(), (getattr(item, "short_name", "") or "").casefold()}
        if given in names - {""} or str(item.pk) == given:
            return item
    return None


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool | float):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _check_recall(facts: RoundMarks, change: Changed) -> str | None:
    if change.new not in (0, 1):
        return "a recall mark is 1 (crossed) or 0 (not crossed)"
    return None


def _check_final(facts: RoundMarks, change: Changed) -> str | None:
    away = facts.standing.not_dancing(change.dance)
    placed = sum(1 for e in facts.entries.values() if not e.withdrawn and e.pk not in away)
    if change.new != change.new.to_integral_value() or not 1 <= change.new <= placed:
        return (
            f"place {plain(change.new)} is out of range: {placed} couples dance the "
            f"{change.part}, so places go from 1 to {placed}"
        )
    return None


def _check_criteria(facts: RoundMarks, change: Changed) -> str | None:
    criterion = change.criterion
    if criterion is None:
        return "a criteria round's marks name a criterion"
    low, high, step = criterion.min_score, criterion.max_score, criterion.step
    if not low <= change.new <= high or (change.new - low) % step != 0:
        return (
            f"{plain(change.new)} is off the scale: {criterion.name} takes {plain(low)} to "
            f"{plain(high)} in steps of {plain(step)}"
        )
    return None


def _check_component(facts: RoundMarks, change: Changed) -> str | None:
    allowed = judge_components(facts.round, change.dance, change.judge)
    if change.criterion not in allowed:
        only = ", ".join(c.short_name or c.name for c in allowed) or "nothing"
        return (
            f"judge {change.judge.letter} does not score {change.criterion.name} in the "
            f"{change.dance.name} (only {only})"
        )
    return _check_criteria(facts, change)


# How one changed mark is checked, by the kind of sheet; a new scoring method adds its own.
MARK_CHECKS: dict[str, Callable[[RoundMarks, Changed], str | None]] = {
    "recall": _check_recall,
    "final": _check_final,
    "criteria": _check_criteria,
    "components": _check_component,
}


def _change_check(facts: RoundMarks, change: ChangeIn, left_out: set[str]) -> Changed | str:
    """The change checked against the round, or what is wrong with it."""
    letters = ", ".join(j.letter for j in facts.panel)
    letter = str(change.judge).strip().upper()
    judge = next((j for j in facts.panel if j.letter == letter), None)
    if judge is None:
        return f"judge {change.judge} is not on this round's panel ({letters})"
    if letter in left_out:
        return f"judge {letter} is left out: a change to their marks would not count"
    entry = facts.entries.get(str(change.couple).strip())
    if entry is None:
        return f"couple {change.couple} does not dance in this round"
    if entry.withdrawn or entry.pk in facts.standing.set_aside:
        return f"couple {entry.bib_label} was withdrawn, absent or disqualified: no mark counts"
    dance = criterion = None
    if facts.round.event.is_danced:
        if facts.round.event.is_skating and change.criterion:
            return "a skating round's marks name a dance, not a criterion"
        dance = _named(facts.dances, str(change.dance))
        if dance is None:
            names = ", ".join(d.name for d in facts.dances)
            return f"no dance {change.dance!r} in this event ({names})"
        if entry.pk in facts.standing.not_dancing(dance):
            return f"couple {entry.bib_label} did not dance the {dance.name} (retired)"
        if facts.round.event.is_components:
            criterion = _named(facts.criteria, str(change.criterion))
            if criterion is None:
                names = ", ".join(c.short_name or c.name for c in facts.criteria)
                return f"no component {change.criterion!r} in this event ({names})"
        sheet = facts.sheets.get((judge.pk, dance.pk))
    else:
        if change.dance:
            return "a criteria round's marks name a criterion, not a dance"
        criterion = _named(facts.criteria, str(change.criterion))
        if criterion is None:
            names = ", ".join(c.name for c in facts.criteria)
            return f"no criterion {change.criterion!r} in this event ({names})"
        sheet = facts.sheets.get((judge.pk, entry.pk))
    if sheet is None:
        return f"judge {letter} has no counted sheet for {dance or entry.bib_label}"
    new = _number(change.value)
    if new is None:
        return f"{change.value!r} is not a number"
    key = (sheet.pk, entry.pk, criterion.pk if criterion else None)
    changed = Changed(judge, entry, sheet, dance, criterion, facts.marks.get(key), new)
    check = MARK_CHECKS.get(facts.sheet_kind)
    if check is None:
        return f"a what-if does not cover {facts.sheet_kind} rounds yet"
    return check(facts, changed) or changed


def _changes_check(facts: RoundMarks, changes: list[ChangeIn], left_out: set[str]) -> list[Changed]:
    """Every change checked; ``ScoringError`` lists each one refused, with what is wrong."""
    problems, checked, seen = [], [], set()
    if len(changes) > MAX_CHANGES:
        raise ScoringError(f"At most {MAX_CHANGES} changes at once.")
    panel = {j.letter for j in facts.panel}
    for letter in sorted(left_out - panel):
        problems.append(f"Leave out: judge {letter} is not on this round's panel.")
    if panel and panel <= left_out:
        problems.append("Leave out: at least one judge must stay in.")
    for number, change in enumerate(changes, 1):
        outcome = _change_check(facts, change, left_out)
        if isinstance(outcome, str):
            problems.append(f"Change {number}: {outcome}.")
        elif outcome.key in seen:
            problems.append(f"Change {number}: {outcome.text()} changes a mark changed before.")
        else:
            seen.add(outcome.key)
            if outcome.new != (outcome.old or 0):
                checked.append(outcome)
    if not problems and facts.sheet_kind in SHEET_CHECKS:
        problems = SHEET_CHECKS[facts.sheet_kind](facts, checked)
    if problems:
        raise ScoringError("The what-if cannot be computed:", "invalid", tuple(problems))
    return checked


def _recall_sheets_check(facts: RoundMarks, changes: list[Changed]) -> list[str]:
    """Each recall sheet changed still crosses the number asked for (unless the chairman
    accepted it with another number)."""
    problems = []
    present = [e for e in facts.entries.values() if not e.withdrawn]
    for sheet_id, change in {c.sheet.pk: c for c in changes}.items():
        if change.sheet.count_accepted_reason:
            continue
        away = facts.standing.not_dancing(change.dance)
        crossed = {entry for (sheet, entry, _), v in facts.marks.items() if sheet == sheet_id and v}
        for c in changes:
            if c.sheet.pk == sheet_id:
                (crossed.add if c.new else crossed.discard)(c.entry.pk)
        asked = min(facts.round.recall_count or 0, sum(1 for e in present if e.pk not in away))
        if len(crossed - away) != asked:
            problems.append(
                f"Judge {change.judge.letter}'s {change.part} sheet would cross "
                f"{len(crossed - away)} couples, {asked} asked for: move a cross rather "
                "than add or take one away: untick one couple and tick another."
            )
    return problems


def _final_sheets_check(facts: RoundMarks, changes: list[Changed]) -> list[str]:
    """Each final sheet changed still gives every place once."""
    problems = []
    sheets = {change.sheet.pk: change for change in changes}
    for sheet_id, change in sheets.items():
        away = facts.standing.not_dancing(change.dance)
        places = {
            entry: value
            for (sheet, entry, _), value in facts.marks.items()
            if sheet == sheet_id and entry not in away
        }
        places.update({c.entry.pk: c.new for c in changes if c.sheet.pk == sheet_id})
        bib = {e.pk: e.bib_label for e in facts.entries.values()}
        given: dict[Decimal, list[str]] = {}
        for entry, value in places.items():
            given.setdefault(value, []).append(bib[entry])
        twice = {p: sorted(b) for p, b in given.items() if len(b) > 1}
        if not twice:
            continue
        none = [str(p) for p in range(1, len(places) + 1) if p not in given]
        said = "; ".join(f"place {plain(p)} to couples {', '.join(b)}" for p, b in twice.items())
        problems.append(
            f"Judge {change.judge.letter}'s {change.part} sheet would give {said} and place "
            f"{', '.join(none)} to none: each place once (change two marks to swap places)."
        )
    return problems


def _adjust(changes: list[Changed], left_out: set[str], recall: bool):
    def adjust(judges: list[Judge], marks: list[Mark]) -> tuple[list[Judge], list[Mark]]:
        kept = [j for j in judges if j.letter not in left_out]
        ids = {j.pk for j in kept}
        by_key = {(m.sheet_id, m.entry_id, m.criterion_id): m for m in marks}
        by_key = {k: m for k, m in by_key.items() if m.sheet.judge_id in ids}
        for change in changes:
            by_key.pop(change.key, None)
            if not (recall and change.new == 0):
                by_key[change.key] = Mark(
                    sheet=change.sheet,
                    entry_id=change.entry.pk,
                    criterion_id=change.key[2],
                    value=change.new,
                )
        return kept, list(by_key.values())

    return adjust


_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "ALTER", "DROP", "CREATE")
_LOCKS = ("FOR UPDATE", "FOR NO KEY UPDATE", "FOR SHARE", "FOR KEY SHARE")


def _refuse_writes(execute, sql, params, many, context):
    words = sql.lstrip().upper()
    if words.startswith(_WRITES) or any(lock in words for lock in _LOCKS):
        raise RuntimeError("A what-if writes and locks nothing: " + sql[:80])
    return execute(sql, params, many, context)


@contextlib.contextmanager
def _read_only() -> Iterator[None]:
    """Any statement that would write or lock a row raises instead."""
    with connection.execute_wrapper(_refuse_writes):
        yield


def _recall_placings(round_: Round, kind: str, result: Any) -> list[Placing]:
    """A recall round's placings with a tie at the cut-off left to the chairman: only the
    couples clearly above it recalled."""
    if kind == "components":
        clear = set(result.recall.recalled)
        totals = {c.couple: rounded(c.total) for c in result.couples}
    else:
        clear = set(result.recalled)
        totals = {t.couple: t.total for t in result.totals}
    return [
        Placing(
            round=round_,
            entry=e,
            total=totals.get(e.bib_label),
            recalled=e.bib_label in clear,
        )
        for e in round_entries(round_)
        if not e.withdrawn
    ]


# How a whole sheet with its changes is checked, by the kind of sheet.
SHEET_CHECKS: dict[str, Callable[[RoundMarks, list[Changed]], list[str]]] = {
    "recall": _recall_sheets_check,
    "final": _final_sheets_check,
}


def what_if_refusal(round_: Round) -> str | None:
    """Why a what-if cannot be run on ``round_`` now, or None."""
    if round_.status in WHAT_IF_STATUSES:
        return None
    state = "has not been danced yet" if round_.status == RoundStatus.PLANNED else "is still open"
    return (
        f"The round {state}: close it first. A what-if works on a closed or published "
        "round, beside its stored result."
    )


def what_if_run(round_: Round, *, changes: list[ChangeIn], leave_out: Iterable[str] = ()) -> WhatIf:
    """``round_`` (closed or published) tabulated with ``changes`` and without the judges
    ``leave_out``, in memory. ``ScoringError``: ``open`` for a round not closed yet,
    ``invalid`` listing each change that cannot be made or the marks that would not add
    up (a final's places given twice, a recall sheet with the wrong number of crosses)."""
    refusal = what_if_refusal(round_)
    if refusal is not None:
        raise ScoringError(refusal, "open")
    left = {str(letter).strip().upper() for letter in leave_out}
    with _read_only():
        facts = what_if_marks(round_)
        checked = _changes_check(facts, list(changes), left)
        kind, result = tabulate_round(
            round_, adjust=_adjust(checked, left, facts.sheet_kind == "recall")
        )
        tied: tuple[str, ...] = ()
        try:
            placings = round_placings(round_, kind, result)
        except ScoringError as error:
            if error.code != "tie":
                raise
            cut = result.recall if kind == "components" else result
            tied, placings = tuple(cut.tied), _recall_placings(round_, kind, result)
    return WhatIf(
        round=round_,
        kind=kind,
        result=result,
        placings=placings,
        tied=tied,
        changes=checked,
        left_out=sorted(left),
        letters=[j.letter for j in facts.panel if j.letter not in left],
    )
