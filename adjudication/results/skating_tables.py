"""The Skating System's tables on a marks sheet, as text: each dance's majority table
and the summary's rule 10 and 11 steps (``tables`` puts them on a round's sheet)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction

from adjudication import tabulation


@dataclasses.dataclass
class Table:
    """A table of text: ``header`` and ``rows`` of the same width. The first cell of a
    row names it (a row header). ``note`` is said under the table."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""
    kind: str = "marks"


def plain(number: Decimal | Fraction | int | None) -> str:
    """10.00 as "10", 2.50 as "2.5", a shared place 5/2 as "2.5"."""
    if number is None:
        return ""
    if isinstance(number, Fraction):
        number = Decimal(number.numerator) / Decimal(number.denominator)
    if isinstance(number, int):
        return str(number)
    text = f"{number.normalize():f}"
    return text


def total_text(value: Fraction, places: int = 3) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return plain(exact.quantize(Decimal(1).scaleb(-places)))


def column_label(column: int) -> str:
    return "1" if column == 1 else f"1-{column}"


def cells(placing: tabulation.Placing) -> list[str]:
    return [
        (f"{c.count}({c.total})" if c.total_used else str(c.count)) if c.examined else "-"
        for c in placing.cells
    ]


def final_dance_tables(result: tabulation.FinalResult, letters: list[str]) -> list[Table]:
    """The marks table of each dance of a final, and the summary when there are several."""
    tables = []
    for dance in result.dances:
        n = len(dance.placings)
        header = ["Couple", *letters, *(column_label(c) for c in range(1, n + 1))]
        header += ["Place", "Rule"]
        rows = [
            [
                p.couple,
                *(map(str, p.marks) if p.marks else ["–"] * len(letters)),
                *cells(p),
                tabulation.place_text(p.place),
                p.rule,
            ]
            for p in dance.ranking()
        ]
        tables.append(
            Table(
                f"{dance.dance}: {n} couples, {dance.judges} judges, majority {dance.majority}",
                header,
                rows,
                note="Columns 1, 1-2, …: how many judges placed the couple there or higher; "
                "the sum of those places in brackets where it decided.",
                kind="final-dance",
            )
        )
    if len(result.dances) > 1:
        header = ["Couple", *(d.dance for d in result.dances), "Total", "Place", "Rule"]
        rows = [
            [
                row.couple,
                *(tabulation.place_text(p) for p in row.places),
                tabulation.place_text(row.total),
                tabulation.place_text(row.place),
                row.rule,
            ]
            for row in result.ranking()
        ]
        tables.append(
            Table("Summary (rule 9: lowest total of places first)", header, rows, kind="summary")
        )
    return tables


def tie_tables(result: tabulation.FinalResult) -> list[Table]:
    """How rules 10 and 11 settled each tie in a final's summary, one table a step."""
    tables = []
    totals = {row.couple: row.total for row in result.summary}
    for step in result.steps:
        if isinstance(step, tabulation.Rule10Step):
            x = step.place
            rows = [
                [couple, str(count), tabulation.place_text(sum_)]
                for couple, count, sum_ in zip(step.couples, step.counts, step.sums, strict=True)
            ]
            if step.rule == "10a":
                outcome = f"Rule 10a: couple {step.winner} has most places 1-{x}: place {x}."
            elif step.rule == "10b":
                outcome = f"Rule 10b: couple {step.winner} has the lowest sum of them: place {x}."
            else:
                outcome = (
                    f"Rule 10c: couples {', '.join(step.to_rule11)} equal in count and sum: "
                    "rule 11."
                )
            total = tabulation.place_text(totals[step.couples[0]])
            tables.append(
                Table(
                    f"Rule 10, place {x}: couples {', '.join(step.couples)} (total {total})",
                    ["Couple", f"Places 1-{x}", f"Sum of places 1-{x}"],
                    rows,
                    note=outcome,
                    kind="rule10",
                )
            )
        else:
            x = step.place
            n = x + len(step.rows[0].cells) - 1
            by_couple = {row.couple: row for row in step.rows}
            order = [by_couple[c] for group in step.order for c in group]
            awarded = tabulation.awarded_text(step.awarded, x)
            if len(step.couples) > 2 and len(step.order) > 1:
                rest = ", ".join(c for group in step.order[1:] for c in group)
                awarded += f"; only place {x} is awarded by rule 11, {rest} go back to rule 10"
            tables.append(
                Table(
                    f"Rule 11, place {x}: couples {', '.join(step.couples)}, all {step.marks} "
                    f"marks as one dance, majority {step.majority}",
                    ["Couple", *(column_label(c) for c in range(x, n + 1)), "Rule"],
                    [[row.couple, *cells(row), row.rule] for row in order],
                    note=awarded[:1].upper() + awarded[1:] + ".",
                    kind="rule11",
                )
            )
    return tables
