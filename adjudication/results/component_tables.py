"""A component round's marks sheet as text tables, laid out like WDSF's published AJS
score sheets: the components and who scored which, the ranking (or the recalls) with each
dance's score, and for each couple every judge's score per dance and component with the
discarded ones marked, the median, the component's score, the weighted score, the dance's
score and the total.

Made from the stored result structure (``RoundResult.data["result"]``, documented in
``adjudication.tabulation.components``), so the desk, the published pages, the PDFs and
the exports show what was tabulated when the round closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adjudication.results.skating_tables import Table

DISCARDED_NOTE = (
    "A score in brackets with a ✕, e.g. “(7 ✕)”, was discarded: further than the tolerance "
    "from the panel's median. A dash: the judge did not score that component."
)


def plain(text: str) -> str:
    """A weight, scale or tolerance: "1.50" as "1.5", "10" as "10". Computed scores are
    shown as stored, with three decimals."""
    return f"{Decimal(text).normalize():f}"


def place_text(place: Any) -> str:
    if place is None:
        return ""
    return str(int(place)) if float(place).is_integer() else str(place)


def short(component: Mapping[str, Any]) -> str:
    return component.get("short_name") or component["name"]


def mark_text(mark: Mapping[str, Any]) -> str:
    score = plain(mark["score"])
    return score if mark["counted"] else f"({score} ✕)"


def decided_text(decided_by: str, shorts: Mapping[str, str]) -> str:
    if decided_by.startswith("component:"):
        name = decided_by.split(":", 1)[1]
        return f"tie-break on {shorts.get(name, name)}"
    return {"total": "total", "shared": "shared (equal on every tie-break)"}.get(
        decided_by, decided_by
    )


def component_lines(data: Mapping[str, Any]) -> list[str]:
    """What the sheet's tables need said first: the panel, the tolerance, the allocation."""
    shorts = {c["name"]: short(c) for c in data["components"]}
    lines = [
        f"{len(data['couples'])} couples, {len(data['judges'])} judges, "
        f"{len(data['dances'])} dance{'s' if len(data['dances']) != 1 else ''}.",
        f"Tolerance {plain(data['tolerance'])}: for each dance, couple and component the "
        "median of the judges' scores is taken, scores further from it are discarded and "
        "the rest averaged.",
        DISCARDED_NOTE,
    ]
    for dance in data["allocation"]:
        who = "; ".join(
            f"{j['judge']} {' '.join(shorts.get(c, c) for c in j['components']) or '—'}"
            for j in dance["judges"]
        )
        lines.append(f"{dance['dance']}: {who}.")
    recall = data.get("recall")
    if recall is not None and recall["tied"]:
        lines.append(
            f"Tied at the cut-off: {', '.join(recall['tied'])}; the chairman of adjudicators "
            "decides how many are recalled."
        )
    if any(c["decided_by"].startswith("component:") for c in data["couples"]):
        lines.append(
            "Equal totals are separated by the higher sum of the first component's weighted "
            "scores over the dances, then the next component's."
        )
    return lines


def component_tables(
    data: Mapping[str, Any],
    names: Mapping[str, str],
    recalled: Mapping[str, bool | None] | None = None,
) -> list[Table]:
    """The components, the ranking and a table per couple. ``names``: bib label → the
    couple's names; ``recalled``: bib label → the stored recall (a recall round)."""
    shorts = {c["name"]: short(c) for c in data["components"]}
    tables = [
        Table(
            "Components",
            ["Component", "Name", "Weight", "Scale", "Step"],
            [
                [
                    short(c),
                    c["name"],
                    plain(c["weight"]),
                    f"{plain(c['minimum'])}–{plain(c['maximum'])}",
                    plain(c["step"]),
                ]
                for c in data["components"]
            ],
            kind="components",
        ),
        _ranking(data, names, shorts, recalled),
    ]
    tables += [_couple_table(data, row, names) for row in data["couples"]]
    return tables


def _ranking(
    data: Mapping[str, Any],
    names: Mapping[str, str],
    shorts: Mapping[str, str],
    recalled: Mapping[str, bool | None] | None,
) -> Table:
    final = data.get("recall") is None
    header = [
        "Place" if final else "Rank",
        "Couple",
        "Name",
        *data["dances"],
        *shorts.values(),
        "Total",
        "Decided by" if final else "Recalled",
    ]
    rows = []
    for row in data["couples"]:
        outcome = (
            decided_text(row["decided_by"], shorts) if final else _recall_text(data, row, recalled)
        )
        rows.append(
            [
                place_text(row["place"]),
                row["couple"],
                names.get(row["couple"], ""),
                *(d["score"] if d["danced"] else "—" for d in row["dances"]),
                *(c["total"] for c in row["component_totals"]),
                row["total"],
                outcome,
            ]
        )
    return Table(
        "Ranking" if final else "Ranking and recalls",
        header,
        rows,
        note="Each dance: the sum of its weighted component scores; each component: its "
        "weighted scores summed over the dances; Total: the sum over the dances.",
        kind="components-ranking",
    )


def _recall_text(
    data: Mapping[str, Any], row: Mapping[str, Any], recalled: Mapping[str, bool | None] | None
) -> str:
    """The stored recall once the round is closed, else what the tabulation says."""
    if recalled is not None:
        return "yes" if recalled.get(row["couple"]) else "no"
    if row["couple"] in data["recall"]["recalled"]:
        return "yes"
    return "tied at the cut-off" if row["couple"] in data["recall"]["tied"] else "no"


def _couple_table(
    data: Mapping[str, Any], row: Mapping[str, Any], names: Mapping[str, str]
) -> Table:
    """One couple: a row per dance and component with every judge's score, then the
    dance's score and rank; the last row the total."""
    judges = list(data["judges"])
    shorts = {c["name"]: short(c) for c in data["components"]}
    rows = []
    for dance in row["dances"]:
        if not dance["danced"]:
            rows.append([dance["dance"], "", *("" for _ in judges), "", "", "", "did not dance"])
            continue
        for component in dance["components"]:
            given = {m["judge"]: mark_text(m) for m in component["marks"]}
            rows.append(
                [
                    dance["dance"],
                    shorts.get(component["component"], component["component"]),
                    *(given.get(j, "–") for j in judges),
                    component["median"],
                    component["score"],
                    component["weighted"],
                    "",
                ]
            )
        rank = place_text(dance["rank"])
        rows.append(
            [
                dance["dance"],
                "Dance score",
                *("" for _ in judges),
                "",
                "",
                dance["score"],
                f"rank {rank}" if rank else "",
            ]
        )
    rows.append(["Total", "", *("" for _ in judges), "", "", row["total"], ""])
    place = place_text(row["place"])
    return Table(
        f"{row['couple']} {names.get(row['couple'], '')}".strip()
        + f": {'place' if data.get('recall') is None else 'rank'} {place}, "
        f"total {row['total']}",
        ["Dance", "Component", *judges, "Median", "Score", "× weight", ""],
        rows,
        kind="components-couple",
    )
