"""The offline calculator's contract: JSON in, JSON or a readable marks sheet out.

Input: ``{"dances": {"<dance>": {"<couple>": [mark of judge 1, mark of judge 2, ...], ...}}}``
(a final of one dance has one key). Output (:func:`final_to_json`):
``{"dances": {"<dance>": {"<couple>": place}}, "overall": {"<couple>": place}}``, places as
numbers: ``3``, or ``2.5`` when shared. :func:`explain_text` renders what a scrutineer publishes:
each dance's majority table with the rule that decided each place, then the summary with the
rule 10 and 11 steps.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from .errors import Problem, TabulationError
from .places import Place, place_number, place_text
from .skating import DanceResult, FinalMarks, FinalResult, Placing, Rule10Step, Rule11Step

INPUT_SHAPE = '{"dances": {"<dance>": {"<couple>": [mark of judge 1, mark of judge 2, ...]}}}'


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def load_final_input(path: str | Path) -> FinalMarks:
    """Read a final from a JSON file; see :func:`parse_final_input`.

    A missing or unreadable file, text that is not JSON (or nested too deeply, or with an
    integer too long to read), or a key given twice in one object
    (a couple or dance listed twice would silently lose marks) raise
    :class:`~.errors.TabulationError`.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise TabulationError([Problem(f"cannot read {path}: {reason}")]) from exc
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError as exc:
        raise TabulationError([Problem(f"{path}: {exc.args[0]!r} appears twice")]) from exc
    except RecursionError:
        raise TabulationError([Problem(f"{path}: the JSON is nested too deeply")]) from None
    except ValueError as exc:  # not JSON, or an integer too long to read (over 4,300 digits)
        raise TabulationError([Problem(f"{path} is not valid JSON: {exc}")]) from exc
    return parse_final_input(data)


def parse_final_input(data: object) -> FinalMarks:
    """Check the shape of a decoded final and return ``dance -> couple -> marks``.

    Only the shape is checked here; the marks themselves (whole numbers, 1..n once per judge,
    one per judge) are checked by :func:`~.skating.tabulate_final` before any calculation.
    """
    shape = f"expected {INPUT_SHAPE}"
    if not isinstance(data, dict) or "dances" not in data:
        raise TabulationError([Problem(f"input is not a final: {shape}")])
    extra = sorted(set(data) - {"dances"})
    if extra:
        raise TabulationError([Problem(f"unexpected key(s) {', '.join(extra)}: {shape}")])
    dances = data["dances"]
    if not isinstance(dances, dict) or not dances:
        raise TabulationError([Problem(f'"dances" must be a non-empty object: {shape}')])
    problems: list[Problem] = []
    for dance, couples in dances.items():
        if not isinstance(couples, dict) or not couples:
            problems.append(Problem(f"must be a non-empty object of couples: {shape}", dance))
            continue
        problems.extend(
            Problem("marks must be a list, one per judge", dance, couple)
            for couple, marks in couples.items()
            if not isinstance(marks, list)
        )
    if problems:
        raise TabulationError(problems)
    return cast(FinalMarks, dances)  # marks not yet checked: tabulate_final validates them


def final_to_json(result: FinalResult) -> dict[str, dict[str, object]]:
    """The calculator's JSON output: places per dance and overall, as ``int`` or ``float``."""
    return {
        "dances": {d.dance: _numbers(d.places()) for d in result.dances},
        "overall": _numbers(result.overall()),
    }


def _numbers(places: dict[str, Place]) -> dict[str, object]:
    return {couple: place_number(place) for couple, place in places.items()}


# --- the marks sheet -------------------------------------------------------------------------


def explain_text(result: FinalResult) -> str:
    """The marks sheet of a final, for a terminal.

    Per dance: each couple's marks, the majority table (count of marks per column, with their
    sum in brackets where the sum was used, ``-`` for columns not examined), place and rule.
    Then the summary (rule 9) and every rule 10 and rule 11 step.
    """
    parts = [_dance_text(d, result.judges) for d in result.dances]
    parts.append(_summary_text(result))
    if result.steps:
        parts.append(_steps_text(result))
    return "\n\n".join(parts) + "\n"


def _dance_text(dance: DanceResult, judges: Sequence[str]) -> str:
    n = len(dance.placings)
    title = f"Dance {dance.dance}: {n} couples, {dance.judges} judges, majority {dance.majority}"
    header = ["Couple", "Marks (" + " ".join(judges) + ")"]
    header += [_column_label(c) for c in range(1, n + 1)]
    header += ["Place", "Rule"]
    rows = [
        [p.couple, " ".join(map(str, p.marks)), *_cells(p), place_text(p.place), p.rule]
        for p in dance.ranking()
    ]
    return title + "\n" + _table(header, rows)


def _cells(placing: Placing) -> list[str]:
    return [
        (f"{c.count}({c.total})" if c.total_used else str(c.count)) if c.examined else "-"
        for c in placing.cells
    ]


def _column_label(column: int) -> str:
    return "1" if column == 1 else f"1-{column}"


def _summary_text(result: FinalResult) -> str:
    names = [d.dance for d in result.dances]
    header = ["Couple", *names, "Total", "Place", "Rule"]
    rows = [
        [
            row.couple,
            *(place_text(p) for p in row.places),
            place_text(row.total),
            place_text(row.place),
            row.rule,
        ]
        for row in result.ranking()
    ]
    title = "Summary (rule 9: lowest total of places first)"
    if len(result.dances) == 1:
        title = "Summary: one dance, its places are the result (rules 9-11 do not apply)"
    return title + "\n" + _table(header, rows)


def _steps_text(result: FinalResult) -> str:
    totals = {row.couple: row.total for row in result.summary}
    lines = ["Rules 10 and 11"]
    for step in result.steps:
        if isinstance(step, Rule10Step):
            lines.append(_rule10_text(step, totals))
        else:
            lines.append(_rule11_text(step))
    return "\n".join(lines)


def _rule10_text(step: Rule10Step, totals: dict[str, Place]) -> str:
    x = step.place
    tied = ", ".join(step.couples)
    total = place_text(totals[step.couples[0]])
    head = f"Place {x} under review: couples {tied} (total {total})"
    rows = [
        [couple, str(count), place_text(total_)]
        for couple, count, total_ in zip(step.couples, step.counts, step.sums, strict=True)
    ]
    table = _table(["Couple", f"Places 1-{x}", f"Sum of places 1-{x}"], rows, indent="  ")
    if step.rule == "10a":
        outcome = f"rule 10a: couple {step.winner} has most places 1-{x}, takes place {x}"
    elif step.rule == "10b":
        outcome = f"rule 10b: couple {step.winner} has the lowest sum of them, takes place {x}"
    else:
        outcome = f"rule 10c: couples {', '.join(step.to_rule11)} equal in count and sum: rule 11"
    return f"{head}\n{table}\n  -> {outcome}"


def _rule11_text(step: Rule11Step) -> str:
    x = step.place
    n = x + len(step.rows[0].cells) - 1
    head = (
        f"Rule 11 for place {x}: couples {', '.join(step.couples)}, all {step.marks} marks "
        f"of each as one dance, majority {step.majority}, from column {_column_label(x)}"
    )
    header = ["Couple", *(_column_label(c) for c in range(x, n + 1)), "Rule"]
    by_couple = {row.couple: row for row in step.rows}
    order = [by_couple[c] for group in step.order for c in group]
    rows = [[row.couple, *_cells(row), row.rule] for row in order]
    table = _table(header, rows, indent="  ")
    awarded = awarded_text(step.awarded, x)
    if len(step.couples) > 2 and len(step.order) > 1:
        rest = ", ".join(c for group in step.order[1:] for c in group)
        awarded += f"; only place {x} is awarded by rule 11, {rest} go back to rule 10"
    return f"{head}\n{table}\n  -> {awarded}"


def awarded_text(groups: Sequence[tuple[str, ...]], first: int) -> str:
    """Places awarded to groups of couples in order from ``first``, in words."""
    parts = []
    place = first
    for group in groups:
        if len(group) == 1:
            parts.append(f"couple {group[0]} takes place {place}")
        else:
            last = place + len(group) - 1
            shared = place_text(Place(place + last, 2))
            parts.append(f"couples {', '.join(group)} share places {place}-{last} ({shared})")
        place += len(group)
    return ", ".join(parts)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "") -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        indent + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    return "\n".join(lines)
