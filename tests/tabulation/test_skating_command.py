"""``manage.py skating``: the offline calculator, through Django's call_command."""

from __future__ import annotations

import json
import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from .helpers import examples, final_marks

pytestmark = pytest.mark.skipif(
    not os.environ.get("DJANGO_SETTINGS_MODULE"),
    reason="the command needs Django settings: run under pytest-django, not -p no:django",
)

SINGLE = examples()["single_dance"]
MULTI = examples()["multi_dance"]


def run(path: Path, *args: str) -> str:
    from django.core.management import call_command

    out = StringIO()
    call_command("skating", str(path), *args, stdout=out)
    return out.getvalue()


def refusal(path: Path) -> Any:
    from django.core.management import CommandError

    with pytest.raises(CommandError) as caught:
        run(path)
    return caught.value


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "final.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("example", SINGLE, ids=[e["id"] for e in SINGLE])
def test_command_single_dance_example_prints_published_places(
    example: dict[str, Any], tmp_path: Path
) -> None:
    # Arrange
    path = write(tmp_path, {"dances": {example["id"]: example["marks"]}})

    # Act
    output = json.loads(run(path))

    # Assert
    assert output == {
        "dances": {example["id"]: example["expected"]},
        "overall": example["expected"],
    }


@pytest.mark.parametrize("example", MULTI, ids=[e["id"] for e in MULTI])
def test_command_multi_dance_example_prints_published_places(
    example: dict[str, Any], tmp_path: Path
) -> None:
    # Arrange
    path = write(tmp_path, {"dances": final_marks(example)})

    # Act
    output = json.loads(run(path))

    # Assert
    assert output == {
        "dances": example["expected_per_dance"],
        "overall": example["expected_overall"],
    }


def test_command_explain_prints_marks_sheet_with_rule_labels(tmp_path: Path) -> None:
    # Arrange
    example = next(e for e in MULTI if e["id"] == "tso-M")
    path = write(tmp_path, {"dances": final_marks(example)})

    # Act
    text = run(path, "--explain")

    # Assert
    assert "Dance W: 6 couples, 5 judges, majority 3" in text
    assert "7a" in text and "7b" in text and "7c" in text
    assert "Rule 11 for place 1" in text
    assert "rule 10c" in text
    assert not text.lstrip().startswith("{")


def test_command_invalid_marks_exit_2_naming_dance_couple_and_judge(tmp_path: Path) -> None:
    # Arrange: judge 3 gives 2nd place twice in the tango
    path = write(
        tmp_path,
        {"dances": {"W": {"1": [1, 1, 1], "2": [2, 2, 2]}, "T": {"1": [1, 1, 2], "2": [2, 2, 2]}}},
    )

    # Act
    error = refusal(path)

    # Assert
    assert error.returncode == 2
    assert "dance T, couple 1, judge 3: place 2 given to couples 1, 2" in str(error)


def test_command_missing_mark_exit_2_naming_the_judge(tmp_path: Path) -> None:
    # Arrange
    path = write(tmp_path, {"dances": {"W": {"1": [1, 1, 1], "2": [2, 2]}}})

    # Act
    error = refusal(path)

    # Assert
    assert error.returncode == 2
    assert "dance W, couple 2, judge 3: no mark from this judge" in str(error)


def test_command_refuses_file_that_is_not_json(tmp_path: Path) -> None:
    # Arrange
    path = tmp_path / "final.json"
    path.write_text("not json", encoding="utf-8")

    # Act
    error = refusal(path)

    # Assert
    assert error.returncode == 2
    assert "is not valid JSON" in str(error)


def test_command_refuses_missing_file(tmp_path: Path) -> None:
    # Act
    error = refusal(tmp_path / "missing.json")

    # Assert
    assert error.returncode == 2
    assert "cannot read" in str(error)


def test_command_refuses_json_of_another_shape(tmp_path: Path) -> None:
    # Arrange
    path = write(tmp_path, [[1, 2], [2, 1]])

    # Act
    error = refusal(path)

    # Assert
    assert error.returncode == 2
    assert "input is not a final" in str(error)


def test_command_line_exits_with_status_2_on_invalid_marks(tmp_path: Path) -> None:
    # Arrange
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    path = write(tmp_path, {"dances": {"W": {"1": [1, 2], "2": [1, 1]}}})

    # Act
    done = subprocess.run(
        [sys.executable, "manage.py", "skating", str(path)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )

    # Assert
    assert done.returncode == 2
    assert "dance W, couple 1, judge 1: place 1 given to couples 1, 2" in done.stderr
    assert done.stdout == ""
