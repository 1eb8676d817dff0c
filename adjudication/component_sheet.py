"""A component sheet on a page (the tablet's, the desk's paper entry): the couples of a
dance by heat, each with a score field per component allocated to the judge there, and
a posted form's scores keyed as ``sheet_submit`` expects, ``(entry id, component id)``.
The judges' API takes the same scores as ``"entry id:component id"``."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from competitions.models import Criterion, Entry


@dataclasses.dataclass(frozen=True)
class ComponentCell:
    component: Criterion
    field: str  # the form field: "score-<entry id>-<component id>"
    value: str


@dataclasses.dataclass(frozen=True)
class ComponentRow:
    entry: Entry
    cells: list[ComponentCell]  # none for a withdrawn couple


SCORE_FIELD = re.compile(r"score-(\d{1,18})-(\d{1,18})")


def score_field(entry_id: int, component_id: int) -> str:
    return f"score-{entry_id}-{component_id}"


def mark_key(key: Any) -> str:
    """A mark's key as pages and the API write it: ``"entry id:component id"`` for a
    component score, the id otherwise."""
    if isinstance(key, tuple):
        return ":".join(str(part) for part in key)
    return str(key)


def component_heats(
    heats: Sequence[tuple[int, list[Entry]]],
    components: Sequence[Criterion],
    marks: Mapping[str, str],
) -> list[tuple[int, list[ComponentRow]]]:
    """Each heat's rows: a couple and its score fields, filled from ``marks`` (keyed
    ``"entry id:component id"``: the posted form or the stored sheet)."""
    return [
        (
            number,
            [
                ComponentRow(
                    entry,
                    []
                    if entry.withdrawn
                    else [
                        ComponentCell(
                            c, score_field(entry.pk, c.pk), marks.get(f"{entry.pk}:{c.pk}", "")
                        )
                        for c in components
                    ],
                )
                for entry in entries
            ],
        )
        for number, entries in heats
    ]


def component_marks_from_post(post) -> dict[tuple[int, int], str]:
    """Every score filled in on a posted component sheet, as posted: a couple no longer
    dancing or a component no longer allocated (a sheet kept offline) reaches the
    service, which refuses it with its reason. A field left empty is left out (the
    service names what is missing)."""
    marks = {}
    for name, value in post.items():
        found = SCORE_FIELD.fullmatch(name)
        if found and value.strip():
            marks[(int(found[1]), int(found[2]))] = value.strip()
    return marks


def allocation_sentence(components: Sequence[Criterion], dance_name: str) -> str:
    """What the judge scores in this dance, plainly: "You score TQ and PS in Waltz"."""
    names = [c.short_name or c.name for c in components]
    if not names:
        return f"You score no component in {dance_name}: send the empty sheet to say so."
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"You score {listed} in {dance_name}."
