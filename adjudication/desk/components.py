"""A component round on the results desk: who scores which components in each dance
(while sheets come in), and the tabulation laid out as the published marks sheet
(``adjudication.results.component_tables``) with the chairman's choice at a recall tie."""

from __future__ import annotations

from typing import Any

from adjudication import tabulation
from adjudication.results.component_tables import component_lines, component_tables
from competitions.components import round_allocation
from competitions.models import Dance, Entry, Round
from competitions.selectors import round_panel


def components_view(round_: Round, result: tabulation.ComponentsResult) -> dict[str, Any]:
    """The desk's tabulation of a component round: the sheet's lines and tables, and at a
    tie at the recall cut-off the chairman's two options."""
    data = result.to_json()
    names = {
        e.bib_label: e.competitor.display_name
        for e in Entry.objects.filter(heat_entries__heat__round=round_)
        .select_related("competitor")
        .distinct()
    }
    view: dict[str, Any] = {
        "lines": component_lines(data),
        "tables": component_tables(data, names),
    }
    recall = result.recall
    if recall is not None and recall.tied:
        view["tied"] = list(recall.tied)
        view["options"] = (len(recall.recalled), len(recall.recalled) + len(recall.tied))
    return view


def allocation_rows(round_: Round) -> list[dict[str, Any]]:
    """Per dance, each judge of the round's panel and the components they score there
    (short names), for the desk's sheets panel."""
    if not round_.event.is_components:
        return []
    plan = round_allocation(round_)
    judges = round_panel(round_)
    return [
        {
            "dance": dance.name,
            "judges": [
                {
                    "letter": judge.letter,
                    "components": [
                        c.short_name or c.name for c in plan[dance.pk].get(judge.pk, [])
                    ],
                }
                for judge in judges
            ],
        }
        for dance in Dance.objects.filter(event=round_.event).order_by("position", "id")
        if dance.pk in plan
    ]
