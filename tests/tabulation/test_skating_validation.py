"""Rules 2-4: marks are checked completely before any calculation; errors say where."""

from __future__ import annotations

import pickle

import pytest

from adjudication.tabulation import (
    Problem,
    TabulationError,
    final_problems,
    tabulate_dance,
    tabulate_final,
    validate_final,
)

VALID = {
    "W": {"11": [1, 2, 1], "12": [2, 1, 3], "13": [3, 3, 2]},
    "T": {"11": [2, 1, 1], "12": [1, 2, 2], "13": [3, 3, 3]},
}


def copy_valid() -> dict[str, dict[str, list[object]]]:
    return {dance: {c: list(m) for c, m in rows.items()} for dance, rows in VALID.items()}


def problems_of(final: object, judges: list[str] | None = None) -> list[Problem]:
    with pytest.raises(TabulationError) as caught:
        tabulate_final(final, judges=judges)  # type: ignore[arg-type]
    return list(caught.value.problems)


def test_valid_final_has_no_problems() -> None:
    # Act
    found = final_problems(VALID)

    # Assert
    assert found == []


@pytest.mark.parametrize("final", [{}, None, [], "W"])
def test_final_without_dances_is_refused(final: object) -> None:
    # Act
    found = problems_of(final)

    # Assert
    assert found == [Problem("a final needs at least one dance")]


def test_dance_without_couples_is_refused() -> None:
    # Arrange
    final = copy_valid()
    final["T"] = {}

    # Act
    found = problems_of(final)

    # Assert
    assert found[0].dance == "T"
    assert "no couples" in found[0].message


def test_marks_that_are_not_a_list_are_refused() -> None:
    # Arrange
    final = copy_valid()
    final["W"]["12"] = "213"  # type: ignore[assignment]

    # Act
    found = problems_of(final)

    # Assert
    assert (found[0].dance, found[0].couple) == ("W", "12")
    assert "must be a list" in found[0].message


@pytest.mark.parametrize("bad", [1.0, "1", True, [1]])
def test_mark_that_is_not_a_whole_number_names_dance_couple_and_judge(bad: object) -> None:
    # Arrange
    final = copy_valid()
    final["T"]["13"][1] = bad

    # Act
    found = problems_of(final)

    # Assert
    assert any(
        (p.dance, p.couple, p.judge) == ("T", "13", "2") and "not a whole number" in p.message
        for p in found
    )


@pytest.mark.parametrize("bad", [0, 4, -1])
def test_mark_outside_one_to_n_names_dance_couple_and_judge(bad: int) -> None:
    # Arrange
    final = copy_valid()
    final["W"]["13"][2] = bad

    # Act
    found = problems_of(final)

    # Assert
    assert Problem(f"mark {bad} is outside 1..3 (3 couples in the final)", "W", "13", "3") in found


def test_place_given_twice_by_a_judge_names_both_couples() -> None:
    # Arrange: judge 1 gives 1st to couples 11 and 12 in the waltz
    final = copy_valid()
    final["W"]["12"][0] = 1

    # Act
    found = problems_of(final)

    # Assert
    message = "place 1 given to couples 11, 12: each place 1..3 exactly once"
    assert found == [Problem(message, "W", "11", "1"), Problem(message, "W", "12", "1")]


def test_missing_mark_is_an_error_naming_the_judge() -> None:
    # Arrange
    final = copy_valid()
    final["T"]["12"] = [1, 2]

    # Act
    found = problems_of(final)

    # Assert
    assert Problem("no mark from this judge", "T", "12", "3") in found


def test_null_mark_is_an_error_naming_the_judge() -> None:
    # Arrange
    final = copy_valid()
    final["T"]["12"][1] = None

    # Act
    found = problems_of(final)

    # Assert
    assert Problem("no mark from this judge", "T", "12", "2") in found


def test_more_marks_than_judges_is_refused() -> None:
    # Arrange
    final = copy_valid()
    final["W"]["11"] = [1, 2, 1, 1]

    # Act
    found = problems_of(final)

    # Assert
    assert Problem("4 marks for 3 judges", "W", "11") in found


def test_dance_marked_by_fewer_judges_is_refused() -> None:
    # Arrange: the tango has only two judges' marks
    final = copy_valid()
    final["T"] = {c: marks[:2] for c, marks in final["T"].items()}

    # Act
    found = problems_of(final)

    # Assert
    assert len(found) == 1
    assert found[0].dance == "T"
    assert "marks from 2 judges, the panel has 3" in found[0].message
    assert "judge 3" in found[0].message


def test_couple_missing_from_a_dance_is_refused() -> None:
    # Arrange
    final = copy_valid()
    del final["T"]["13"]

    # Act
    found = problems_of(final)

    # Assert: only that; the other couples' marks are not out of range because of it
    assert found == [Problem("no marks in this dance: every couple dances every dance", "T", "13")]


def test_couple_with_malformed_marks_is_reported_once() -> None:
    # Arrange
    final = copy_valid()
    final["T"]["13"] = {"judge 1": 3}  # type: ignore[assignment]

    # Act
    found = problems_of(final)

    # Assert
    assert found == [Problem("marks must be a list, one per judge", "T", "13")]


def test_final_without_any_judge_is_refused() -> None:
    # Arrange
    final = {"W": {"11": [], "12": []}}

    # Act
    found = problems_of(final)

    # Assert
    assert found == [Problem("no marks: a final needs at least one judge")]


def test_named_panel_names_the_judge_at_fault() -> None:
    # Arrange
    final = copy_valid()
    final["W"]["13"][1] = 9

    # Act
    found = problems_of(final, judges=["A", "B", "C"])

    # Assert
    assert found == [Problem("mark 9 is outside 1..3 (3 couples in the final)", "W", "13", "B")]


def test_judge_named_twice_is_refused() -> None:
    # Act
    found = problems_of(VALID, judges=["A", "B", "A"])

    # Assert
    assert Problem("named 2 times in the panel", judge="A") in found


def test_named_panel_larger_than_the_marks_is_refused() -> None:
    # Act
    found = problems_of(VALID, judges=["A", "B", "C", "D"])

    # Assert
    assert {p.dance for p in found} == {"W", "T"}
    assert all("judge D" in p.message for p in found)


def test_every_problem_is_reported_at_once() -> None:
    # Arrange
    final = copy_valid()
    final["W"]["11"][0] = 7
    final["T"]["13"] = [3, 3]

    # Act
    found = problems_of(final)

    # Assert
    assert {(p.dance, p.couple, p.judge) for p in found} == {("W", "11", "1"), ("T", "13", "3")}


def test_single_dance_is_validated_too() -> None:
    # Act / Assert
    with pytest.raises(TabulationError) as caught:
        tabulate_dance({"1": [1, 1], "2": [1, 2]}, dance="Samba")

    assert caught.value.problems[0].dance == "Samba"
    assert caught.value.problems[0].judge == "1"


def test_validate_final_raises_nothing_for_valid_marks() -> None:
    # Act / Assert
    validate_final(VALID)


def test_error_text_names_dance_couple_and_judge() -> None:
    # Arrange
    error = TabulationError([Problem("mark 7 is outside 1..6", "W", "12", "3")])

    # Act
    text = str(error)

    # Assert
    assert text == "dance W, couple 12, judge 3: mark 7 is outside 1..6"


def test_error_text_lists_several_problems() -> None:
    # Arrange
    error = TabulationError([Problem("first", "W"), Problem("second", judge="2")])

    # Act
    text = str(error)

    # Assert
    assert text == "2 problems:\n- dance W: first\n- judge 2: second"


def test_error_needs_at_least_one_problem() -> None:
    # Act / Assert
    with pytest.raises(ValueError, match="at least one problem"):
        TabulationError([])


def test_error_survives_pickling() -> None:
    # Arrange
    error = TabulationError([Problem("bad", "W", "1", "2")])

    # Act
    copy = pickle.loads(pickle.dumps(error))

    # Assert
    assert copy.problems == error.problems


def test_tabulation_package_imports_no_django() -> None:
    # Arrange
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys, adjudication.tabulation; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )

    # Act
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )

    # Assert
    assert done.stdout.strip() == "[]"
