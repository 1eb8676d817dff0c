"""Rule 1: recalls from preliminary rounds."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adjudication.tabulation import Problem, TabulationError, tabulate_recalls

from .helpers import examples

EXAMPLES = examples()["recalls"]


def round_of(example: dict[str, Any]) -> dict[str, Any]:
    """The example as arguments of tabulate_recalls (its one dance named "dance 1")."""
    return {
        "crosses": {"dance 1": example["crosses"]},
        "couples": example["couples"],
        "judges": example["judges"],
        "requested": example["requested"],
    }


def small_round(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "crosses": {
            "W": {"a": ["1", "2"], "b": ["1", "3"]},
            "T": {"a": ["1", "2"], "b": ["2", "3"]},
        },
        "couples": ["1", "2", "3", "4"],
        "judges": ["a", "b"],
        "requested": 2,
    }
    args.update(changes)
    return args


def problems_of(**changes: Any) -> list[Problem]:
    with pytest.raises(TabulationError) as caught:
        tabulate_recalls(**small_round(**changes))
    return list(caught.value.problems)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_recall_example_matches_published_totals(example: dict[str, Any]) -> None:
    # Act
    result = tabulate_recalls(**round_of(example))

    # Assert
    assert {line.couple: line.total for line in result.totals} == example["expected_totals"]
    nonzero = [line.total for line in result.totals if line.total]
    assert nonzero == example["expected_totals_sorted_desc_nonzero"]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_recall_example_reports_tie_at_cutoff_for_the_chairman(example: dict[str, Any]) -> None:
    # Act
    result = tabulate_recalls(**round_of(example))

    # Assert
    expected = example["expected"]
    assert sorted(result.recalled) == sorted(expected["recalled"])
    assert sorted(result.tied) == sorted(expected["tied_at_cutoff"])
    assert list(result.options) == expected["chairman_options"]
    assert not result.decided


def test_recall_chairman_choice_gives_fewer_or_more_couples() -> None:
    # Arrange
    result = tabulate_recalls(**round_of(EXAMPLES[0]))

    # Act
    fewer, more = result.recall(4), result.recall(7)

    # Assert
    assert sorted(fewer) == ["11", "15", "17", "18"]
    assert sorted(more) == ["10", "11", "12", "14", "15", "17", "18"]


def test_recall_chairman_cannot_choose_a_number_inside_the_tie() -> None:
    # Arrange
    result = tabulate_recalls(**round_of(EXAMPLES[0]))

    # Act / Assert
    with pytest.raises(ValueError, match=r"choose one of \(4, 7\)"):
        result.recall(6)


def test_recall_without_tie_recalls_exactly_the_number_wanted() -> None:
    # Act
    result = tabulate_recalls(**small_round())

    # Assert: totals 1: 3, 2: 3, 3: 2, 4: 0
    assert result.decided
    assert result.recalled == ("1", "2")
    assert result.options == (2,)
    assert result.recall(2) == ("1", "2")
    assert [(line.couple, line.by_dance) for line in result.totals] == [
        ("1", (2, 1)),
        ("2", (1, 2)),
        ("3", (1, 1)),
        ("4", (0, 0)),
    ]


def test_recall_number_may_differ_from_crosses_requested() -> None:
    # Act
    result = tabulate_recalls(**small_round(recall=3))

    # Assert
    assert result.recalled == ("1", "2", "3")
    assert result.target == 3


def test_recall_tie_for_the_only_place_offers_none_or_all_tied() -> None:
    # Arrange: 1 and 2 tied on 3 with one place to fill
    args = small_round(recall=1)

    # Act
    result = tabulate_recalls(**args)

    # Assert
    assert (result.recalled, result.tied, result.options) == ((), ("1", "2"), (0, 2))


def test_recall_more_than_the_round_recalls_everyone() -> None:
    # Act
    result = tabulate_recalls(**small_round(recall=10))

    # Assert
    assert result.recalled == ("1", "2", "3", "4")
    assert result.decided


# --- validation ------------------------------------------------------------------------------


def test_recall_missing_sheet_is_an_error_not_zero() -> None:
    # Arrange
    crosses = {"W": {"a": ["1", "2"]}, "T": {"a": ["1", "2"], "b": ["2", "3"]}}

    # Act
    found = problems_of(crosses=crosses)

    # Assert
    assert found == [
        Problem("no sheet from this judge (a missing sheet is not zero)", "W", None, "b")
    ]


def test_recall_wrong_number_of_crosses_names_dance_and_judge() -> None:
    # Arrange
    crosses = {"W": {"a": ["1", "2", "3"], "b": ["1", "3"]}, "T": {"a": ["1"], "b": ["2", "3"]}}

    # Act
    found = problems_of(crosses=crosses)

    # Assert
    assert found == [
        Problem("3 couples crossed, 2 requested", "W", judge="a"),
        Problem("1 couples crossed, 2 requested", "T", judge="a"),
    ]


def test_recall_couple_not_in_the_round_cannot_be_marked() -> None:
    # Arrange
    crosses = {"W": {"a": ["1", "9"], "b": ["1", "3"]}, "T": {"a": ["1", "2"], "b": ["2", "3"]}}

    # Act
    found = problems_of(crosses=crosses)

    # Assert
    assert found == [Problem("crossed but not in this round", "W", "9", "a")]


def test_recall_couple_crossed_twice_is_refused() -> None:
    # Arrange
    crosses = {"W": {"a": ["1", "1"], "b": ["1", "3"]}, "T": {"a": ["1", "2"], "b": ["2", "3"]}}

    # Act
    found = problems_of(crosses=crosses)

    # Assert
    assert found == [Problem("crossed 2 times", "W", "1", "a")]


def test_recall_sheet_from_unknown_judge_is_refused() -> None:
    # Arrange
    crosses = {
        "W": {"a": ["1", "2"], "b": ["1", "3"], "z": ["1", "2"]},
        "T": {"a": ["1", "2"], "b": ["2", "3"]},
    }

    # Act
    found = problems_of(crosses=crosses)

    # Assert
    assert found == [Problem("sheet from a judge not on the panel", "W", judge="z")]


def test_recall_crosses_must_be_couple_numbers() -> None:
    # Arrange
    crosses = {"W": {"a": ["1", 2], "b": ["1", "3"]}, "T": {"a": "12", "b": ["2", "3"]}}

    # Act
    found = problems_of(crosses=crosses)

    # Assert
    assert Problem("2 is not a couple number", "W", judge="a") in found
    assert Problem("crosses must be a list of couples", "T", judge="a") in found


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"requested": 0}, "requested number 0 must be a whole number >= 1"),
        ({"requested": 5}, "5 couples requested but the round has 4"),
        ({"recall": 0}, "number to recall 0 must be at least 1"),
        ({"recall": 1.5}, "number to recall 1.5 must be a whole number"),
        ({"crosses": {}}, "a round needs the sheets of at least one dance"),
        ({"couples": []}, "the round has no couples"),
        ({"judges": []}, "the round has no judges"),
    ],
)
def test_recall_invalid_setup_is_refused(changes: dict[str, Any], message: str) -> None:
    # Act
    found = problems_of(**changes)

    # Assert
    assert Problem(message) in found


def test_recall_duplicate_couple_and_judge_are_refused() -> None:
    # Act
    found = problems_of(couples=["1", "2", "2", "3", "4"], judges=["a", "b", "a"])

    # Assert
    assert Problem("listed twice in the round", couple="2") in found
    assert Problem("named 2 times in the panel", judge="a") in found


# --- properties ------------------------------------------------------------------------------


@st.composite
def rounds(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 24))
    couples = [str(i) for i in range(1, n + 1)]
    judges = [f"j{i}" for i in range(draw(st.integers(1, 7)))]
    dances = [f"d{i}" for i in range(draw(st.integers(1, 3)))]
    requested = draw(st.integers(1, n))
    recall = draw(st.none() | st.integers(1, n + 2))
    crosses = {d: {j: draw(st.permutations(couples))[:requested] for j in judges} for d in dances}
    return {
        "crosses": crosses,
        "couples": couples,
        "judges": judges,
        "requested": requested,
        "recall": recall,
    }


@settings(max_examples=300)
@given(rounds())
def test_recall_totals_add_up_to_every_cross(args: dict[str, Any]) -> None:
    # Act
    result = tabulate_recalls(**args)

    # Assert
    expected = len(args["judges"]) * len(args["crosses"]) * args["requested"]
    assert sum(line.total for line in result.totals) == expected


@settings(max_examples=300)
@given(rounds())
def test_recall_size_is_the_number_wanted_or_the_options_bracket_it(args: dict[str, Any]) -> None:
    # Act
    result = tabulate_recalls(**args)

    # Assert
    wanted = min(result.target, len(args["couples"]))
    if result.decided:
        assert len(result.recalled) == wanted
    else:
        fewer, more = result.options
        assert fewer < wanted < more


@settings(max_examples=300)
@given(rounds())
def test_recall_never_breaks_a_tie_silently(args: dict[str, Any]) -> None:
    # Act
    result = tabulate_recalls(**args)

    # Assert: every recalled couple is above every tied one, which are above all the rest
    totals = {line.couple: line.total for line in result.totals}
    rest = set(totals) - set(result.recalled) - set(result.tied)
    tied = {totals[c] for c in result.tied}
    assert len(tied) <= 1
    for above in result.recalled:
        assert all(totals[above] > totals[c] for c in [*result.tied, *rest])
    for c in result.tied:
        assert all(totals[c] > totals[other] for other in rest)


@settings(max_examples=200)
@given(rounds(), st.randoms(use_true_random=False))
def test_recall_reordering_judges_and_dances_changes_nothing(
    args: dict[str, Any], random: Any
) -> None:
    # Arrange
    dances = list(args["crosses"])
    random.shuffle(dances)
    judges = list(args["judges"])
    random.shuffle(judges)
    reordered = dict(args, judges=judges, crosses={d: args["crosses"][d] for d in dances})

    # Act
    before, after = tabulate_recalls(**args), tabulate_recalls(**reordered)

    # Assert
    assert {x.couple: x.total for x in after.totals} == {x.couple: x.total for x in before.totals}
    assert (after.recalled, after.tied) == (before.recalled, before.tied)
