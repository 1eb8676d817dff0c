"""A published component final on the live screens, as the federation's broadcasts show
it: for each couple the last dance's component scores (TQ, MM, PS, CP) and its score, and
the running total; read from the stored result (``RoundResult.data``, structure in
``adjudication.tabulation.components``). Only published rounds are ever passed here."""

from __future__ import annotations

from typing import Any

from adjudication.models import RoundResult
from competitions.models import Round, RoundKind, RoundStatus


def component_sheets(rounds: list[Round]) -> dict[int, dict[str, Any]]:
    """Round id → the stored result (every judge's score, the discarded ones, medians,
    component, dance and total scores, places or recalls) of the *published* component
    rounds among ``rounds`` (one query): the public API's marks sheet."""
    ids = [r.pk for r in rounds if r.status == RoundStatus.PUBLISHED and r.event.is_components]
    if not ids:
        return {}
    return {
        round_id: data["result"]
        for round_id, data in RoundResult.objects.filter(round_id__in=ids).values_list(
            "round_id", "data"
        )
        if data.get("kind") == "components"
    }


def component_boards(rounds: list[Round]) -> dict[int, dict[str, Any]]:
    """Round id → ``{"components", "dance", "rows": {bib label: {...}}}`` of the published
    component finals among ``rounds`` (one query)."""
    finals = [
        r.pk
        for r in rounds
        if r.status == RoundStatus.PUBLISHED and r.kind == RoundKind.FINAL and r.event.is_components
    ]
    if not finals:
        return {}
    boards = {}
    for round_id, data in RoundResult.objects.filter(round_id__in=finals).values_list(
        "round_id", "data"
    ):
        if data.get("kind") == "components":
            boards[round_id] = _board(data["result"])
    return boards


def _board(result: dict[str, Any]) -> dict[str, Any]:
    last = len(result["dances"]) - 1
    shorts = {c["name"]: c.get("short_name") or c["name"] for c in result["components"]}
    rows = {}
    for couple in result["couples"]:
        dance = couple["dances"][last] if last >= 0 else None
        danced = dance is not None and dance["danced"]
        rows[couple["couple"]] = {
            "scores": [
                {"component": shorts[c["component"]], "score": c["score"]}
                for c in dance["components"]
            ]
            if danced
            else [],
            "dance_score": dance["score"] if danced else None,
            "total": couple["total"],
        }
    return {
        "components": [c.get("short_name") or c["name"] for c in result["components"]],
        "dance": result["dances"][last] if last >= 0 else None,
        "rows": rows,
    }


def with_components(block: dict[str, Any], board: dict[str, Any], placings: list) -> None:
    """A published result block (``snapshots.published_results``) with the component
    columns: ``components`` and ``dance`` on the block, ``scores`` and ``dance_score`` on
    each placed row, its ``total`` with the stored three decimals."""
    block["components"] = board["components"]
    block["dance"] = board["dance"]
    labels = [p.entry.bib_label for p in placings if p.place is not None]
    for row, label in zip(block["placings"], labels, strict=True):
        line = board["rows"].get(label, {})
        row["scores"] = line.get("scores", [])
        row["dance_score"] = line.get("dance_score")
        row["total"] = line.get("total", row["total"])
