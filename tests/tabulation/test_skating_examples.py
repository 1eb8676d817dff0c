"""Every published example in skating-examples.json, through the library."""

from __future__ import annotations

from typing import Any

import pytest

from adjudication.tabulation import tabulate_dance, tabulate_final

from .helpers import examples, final_marks, numbers, trace

SINGLE = examples()["single_dance"]
MULTI = examples()["multi_dance"]
EVERY = SINGLE + MULTI + examples()["recalls"]


@pytest.mark.parametrize("example", EVERY, ids=[e["id"] for e in EVERY])
def test_example_names_its_published_source(example: dict[str, Any]) -> None:
    # Arrange
    source = example.get("source", "")

    # Act
    named = source.strip()

    # Assert
    assert named != ""


@pytest.mark.parametrize("example", SINGLE, ids=[e["id"] for e in SINGLE])
def test_single_dance_example_matches_published_places(example: dict[str, Any]) -> None:
    # Arrange
    marks = example["marks"]

    # Act
    result = tabulate_dance(marks, dance=example["id"])

    # Assert
    assert numbers(result.places()) == example["expected"]
    assert result.judges == example["judges"]


@pytest.mark.parametrize("example", SINGLE, ids=[e["id"] for e in SINGLE])
def test_single_dance_example_as_one_dance_final_gives_same_overall(
    example: dict[str, Any],
) -> None:
    # Arrange
    marks = {example["id"]: example["marks"]}

    # Act
    result = tabulate_final(marks)

    # Assert
    assert numbers(result.overall()) == example["expected"]
    assert result.steps == ()


@pytest.mark.parametrize("example", MULTI, ids=[e["id"] for e in MULTI])
def test_multi_dance_example_matches_published_places(example: dict[str, Any]) -> None:
    # Arrange
    marks = final_marks(example)

    # Act
    result = tabulate_final(marks)

    # Assert
    assert {d.dance: numbers(d.places()) for d in result.dances} == example["expected_per_dance"]
    assert numbers(result.overall()) == example["expected_overall"]


@pytest.mark.parametrize("example", MULTI, ids=[e["id"] for e in MULTI])
def test_multi_dance_example_follows_published_rule_trace(example: dict[str, Any]) -> None:
    # Arrange
    marks = final_marks(example)

    # Act
    result = tabulate_final(marks)

    # Assert
    assert trace(result) == example["rule_trace"]
    assert result.rules_used == example["rules_used"]


@pytest.mark.parametrize(
    "example", [e for e in MULTI if e.get("places_only")], ids=lambda e: e["id"]
)
def test_places_only_example_dances_equal_the_given_places(example: dict[str, Any]) -> None:
    # Arrange: each dance is one judge whose marks are the published places
    marks = final_marks(example)

    # Act
    result = tabulate_final(marks)

    # Assert
    for dance in result.dances:
        assert {p.couple: [p.place] for p in dance.placings} == marks[dance.dance]
