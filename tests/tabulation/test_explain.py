"""The calculator's contract without Django: reading input, JSON output, the marks sheet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adjudication.tabulation import (
    TabulationError,
    explain_text,
    final_to_json,
    load_final_input,
    parse_final_input,
    tabulate_final,
)

from .helpers import examples, final_marks
from .published import TSO_P

MULTI = {e["id"]: e for e in examples()["multi_dance"]}
SINGLE = {e["id"]: e for e in examples()["single_dance"]}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "final.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([], "input is not a final"),
        ({"final": {}}, "input is not a final"),
        ({"dances": {}, "judges": []}, "unexpected key(s) judges"),
        ({"dances": []}, '"dances" must be a non-empty object'),
        ({"dances": {}}, '"dances" must be a non-empty object'),
        ({"dances": {"W": [1, 2]}}, "dance W: must be a non-empty object of couples"),
        ({"dances": {"W": {"1": 1}}}, "dance W, couple 1: marks must be a list"),
    ],
)
def test_parse_final_input_refuses_another_shape(data: object, fragment: str) -> None:
    # Act / Assert
    with pytest.raises(TabulationError) as caught:
        parse_final_input(data)

    assert fragment in str(caught.value)


def test_parse_final_input_returns_the_dances() -> None:
    # Arrange
    data = {"dances": {"W": {"1": [1], "2": [2]}}}

    # Act
    dances = parse_final_input(data)

    # Assert
    assert dances == {"W": {"1": [1], "2": [2]}}


def test_load_final_input_refuses_missing_file(tmp_path: Path) -> None:
    # Act / Assert
    with pytest.raises(TabulationError, match="cannot read .*missing.json"):
        load_final_input(tmp_path / "missing.json")


def test_load_final_input_refuses_text_that_is_not_json(tmp_path: Path) -> None:
    # Arrange
    path = write(tmp_path, "W: 1 2 3")

    # Act / Assert
    with pytest.raises(TabulationError, match="is not valid JSON"):
        load_final_input(path)


def test_load_final_input_refuses_couple_listed_twice(tmp_path: Path) -> None:
    # Arrange: json.loads would silently keep only the second line of marks
    path = write(tmp_path, '{"dances": {"W": {"1": [1, 2], "1": [2, 1]}}}')

    # Act / Assert
    with pytest.raises(TabulationError, match="'1' appears twice"):
        load_final_input(path)


def test_load_final_input_refuses_file_that_is_not_utf8(tmp_path: Path) -> None:
    # Arrange
    path = tmp_path / "final.json"
    path.write_bytes(b"\xff\xfe{")

    # Act / Assert
    with pytest.raises(TabulationError, match="cannot read"):
        load_final_input(path)


def test_final_to_json_gives_ints_and_shared_places_as_halves() -> None:
    # Arrange
    result = tabulate_final(final_marks(MULTI["tso-M"]))

    # Act
    output = final_to_json(result)

    # Assert
    assert output["dances"]["V"] == {"1": 1.5, "2": 1.5, "3": 3, "4": 4, "5": 5.5, "6": 5.5}
    assert output["overall"] == {"1": 2, "2": 1, "3": 3, "4": 4, "5": 6, "6": 5}
    assert type(output["overall"]["1"]) is int
    assert json.loads(json.dumps(output)) == output


def test_explain_text_shows_majority_tables_and_rules_per_dance() -> None:
    # Arrange
    result = tabulate_final({"Waltz": SINGLE["tso-C"]["marks"]})

    # Act
    text = explain_text(result)

    # Assert
    assert "Dance Waltz: 6 couples, 5 judges, majority 3" in text
    assert "1-2" in text and "1-6" in text
    assert "3(5)" in text and "3(6)" in text  # sums published where rule 7a used them
    for rule in ("5", "7a", "8"):
        assert f"  {rule}\n" in text
    assert "rules 9-11 do not apply" in text


def test_explain_text_shows_rule_10_and_11_steps() -> None:
    # Arrange
    result = tabulate_final(final_marks(MULTI["dp-rule11"]))

    # Act
    text = explain_text(result)

    # Assert
    assert "Summary (rule 9" in text
    assert "Place 6 under review: couples 112, 113, 117 (total 14)" in text
    assert "rule 10c: couples 112, 113 equal in count and sum: rule 11" in text
    assert "Rule 11 for place 6: couples 112, 113, all 10 marks of each as one dance" in text
    assert "couple 112 takes place 6, couple 113 takes place 7" in text


def test_explain_text_says_when_rule_11_awards_only_one_place() -> None:
    # Arrange
    result = tabulate_final(TSO_P)

    # Act
    text = explain_text(result)

    # Assert
    assert "only place 2 is awarded by rule 11, 57, 47 go back to rule 10" in text
    assert "rule 10a: couple 47 has most places 1-3, takes place 3" in text


def test_explain_text_reports_shared_places() -> None:
    # Arrange
    final: dict[str, Any] = {
        "W": {"1": [1, 2, 1], "2": [2, 1, 2], "3": [3, 3, 3]},
        "T": {"1": [2, 1, 2], "2": [1, 2, 1], "3": [3, 3, 3]},
    }

    # Act
    text = explain_text(tabulate_final(final))

    # Assert
    assert "couples 1, 2 share places 1-2 (1.5)" in text
