"""Shared test data: the published Skating System examples and small builders."""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Any

from adjudication.tabulation import FinalResult, Place, Rule10Step, place_number

EXAMPLES_PATH = Path(__file__).resolve().parent / "data" / "skating-examples.json"


@cache
def examples() -> dict[str, Any]:
    """``data/skating-examples.json``: the published examples, each with its ``source``."""
    return json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))


def final_marks(example: dict[str, Any]) -> dict[str, dict[str, list[int]]]:
    """dance -> couple -> marks of a multi-dance example (places_only: one judge per dance)."""
    return {dance: spec["marks"] for dance, spec in example["dances"].items()}


def numbers(places: dict[str, Any]) -> dict[str, int | float]:
    return {couple: place_number(place) for couple, place in places.items()}


def trace(result: FinalResult) -> list[list[Any]]:
    """The summary's decisions in the examples file's ``rule_trace`` format.

    ``[rule, place, winner]`` for a place awarded by rule 10a/10b, ``["11", place, groups]``
    for the groups rule 11 placed.
    """
    out: list[list[Any]] = []
    for step in result.steps:
        if isinstance(step, Rule10Step):
            if step.winner is not None:
                out.append([step.rule, step.place, step.winner])
        else:
            out.append(["11", step.place, [list(group) for group in step.awarded]])
    return out


def by_judge(couples: list[str], **judges: list[int]) -> dict[str, list[int]]:
    """Marks given judge by judge (as the sheets are written) -> couple -> marks."""
    names = list(judges)
    return {c: [judges[j][i] for j in names] for i, c in enumerate(couples)}


def assert_places_are_a_ranking(places: Mapping[str, Place]) -> None:
    """Each place once unless shared; a group of k sharing from slot s gets s + (k-1)/2."""
    slot = 1
    for place, group in groupby(sorted(places.values())):
        size = len(list(group))
        assert place == Fraction(2 * slot + size - 1, 2)
        slot += size
    n = len(places)
    assert sum(places.values()) == Fraction(n * (n + 1), 2)
