"""Targeted tests of rules 5-11, including the tricky cases docs/tabulation.md lists."""

from __future__ import annotations

from fractions import Fraction

import pytest

from adjudication.tabulation import (
    Rule10Step,
    Rule11Step,
    majority,
    tabulate_dance,
    tabulate_final,
)

from .helpers import examples, final_marks, numbers
from .published import N_COUPLES, P_COUPLES, P_PER_DANCE, TSO_N, TSO_P

SINGLE = {e["id"]: e for e in examples()["single_dance"]}
MULTI = {e["id"]: e for e in examples()["multi_dance"]}


def places_only(**dances: list[int]) -> dict[str, dict[str, list[int]]]:
    """A final given by its published places: one judge per dance whose marks are the places."""
    size = len(next(iter(dances.values())))
    couples = [str(n) for n in range(1, size + 1)]
    return {
        d: {c: [p] for c, p in zip(couples, places, strict=True)} for d, places in dances.items()
    }


# --- rule 5: majority ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marks", "expected"),
    [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (7, 4), (9, 5), (10, 6), (25, 13), (50, 26)],
)
def test_majority_is_more_than_half(marks: int, expected: int) -> None:
    # Act
    needed = majority(marks)

    # Assert
    assert needed == expected


def test_single_dance_even_panel_needs_three_of_four() -> None:
    # Arrange: couples 1 and 2 have two 1sts of four each: half, not a majority
    marks = {"1": [1, 1, 3, 3], "2": [2, 2, 1, 1], "3": [3, 3, 2, 2]}

    # Act
    result = tabulate_dance(marks)

    # Assert: nobody in column 1; column 1-2: couple 2 has 4 marks, 1 and 3 have 2;
    # column 1-3: 1 and 3 have 4 each, sums 8 v 10
    assert numbers(result.places()) == {"1": 2, "2": 1, "3": 3}
    assert result.majority == 3
    assert {p.couple: p.rule for p in result.placings} == {"1": "7a", "2": "8", "3": "7a"}


# --- rules 5-8: column by column -------------------------------------------------------------


def test_tso_c_finds_fourth_place_in_third_column() -> None:
    # Arrange: places 2 and 3 are awarded in column 1-2, so 4th is looked for in 1-3
    marks = SINGLE["tso-C"]["marks"]

    # Act
    result = tabulate_dance(marks)

    # Assert
    fourth = result.placing("4")
    assert fourth.place == 4
    assert fourth.column == 3
    assert [c.count for c in fourth.cells[:3]] == [1, 1, 3]


def test_tso_c_majority_table_publishes_sums_only_where_used() -> None:
    # Arrange
    marks = SINGLE["tso-C"]["marks"]

    # Act
    result = tabulate_dance(marks)

    # Assert: 2 and 3 both have 3 marks 1-2; the sums 5 and 6 decide (rule 7a)
    second, third = result.placing("2"), result.placing("3")
    assert (second.cells[1].count, second.cells[1].total) == (3, 5)
    assert (third.cells[1].count, third.cells[1].total) == (3, 6)
    assert second.cells[1].total_used and third.cells[1].total_used
    assert not result.placing("1").cells[0].total_used
    assert (second.rule, third.rule) == ("7a", "7a")


def test_single_dance_columns_after_the_place_are_not_examined() -> None:
    # Arrange
    marks = SINGLE["tso-A"]["marks"]

    # Act
    result = tabulate_dance(marks)

    # Assert: couple 1 won in column 1, nothing after it was looked at
    assert [c.examined for c in result.placing("1").cells] == [True] + [False] * 5
    assert [c.examined for c in result.placing("6").cells] == [True] * 6


def test_rule_7b_moves_only_the_tied_couples_to_the_next_column() -> None:
    # Arrange: 5 judges. Column 1: couple 1 wins. Column 1-2: couples 2 and 3 have 3 marks
    # summing 5 each (rule 7b); couple 4 has one mark. Column 1-3 for 2 and 3 only: 4 v 3.
    # Moving everyone to column 1-3 (rule 8) would wrongly let couple 4 (5 marks) win 2nd.
    marks = {
        "1": [1, 1, 1, 4, 4],
        "2": [2, 4, 3, 1, 2],
        "3": [4, 2, 4, 2, 1],
        "4": [3, 3, 2, 3, 3],
    }

    # Act
    result = tabulate_dance(marks)

    # Assert
    assert numbers(result.places()) == {"1": 1, "2": 2, "3": 3, "4": 4}
    assert [result.placing(c).rule for c in "1234"] == ["5", "7b", "7b", "5"]
    assert result.placing("2").column == 2
    assert result.placing("2").cells[2].examined


def test_wdsf_rule_7_example_separates_74_and_75_in_fifth_column() -> None:
    # Arrange
    marks = SINGLE["wdsf-rule7"]["marks"]

    # Act
    result = tabulate_dance(marks)

    # Assert
    p74, p75 = result.placing("74"), result.placing("75")
    assert (p74.cells[3].count, p74.cells[3].total) == (p75.cells[3].count, p75.cells[3].total)
    assert (p74.place, p75.place) == (4, 5)
    assert (p74.rule, p75.rule) == ("7b", "7b")
    assert p74.cells[4].count > p75.cells[4].count


def test_rule_7c_three_couples_share_third_to_fifth() -> None:
    # Arrange: couples 3, 4 and 5 get 3rd, 4th and 5th once from each of three judges
    marks = {
        "1": [1, 1, 1],
        "2": [2, 2, 2],
        "3": [3, 5, 4],
        "4": [4, 3, 5],
        "5": [5, 4, 3],
    }

    # Act
    result = tabulate_dance(marks)

    # Assert
    assert numbers(result.places()) == {"1": 1, "2": 2, "3": 4, "4": 4, "5": 4}
    assert {result.placing(c).rule for c in "345"} == {"7c"}


@pytest.mark.parametrize(
    ("example", "rules"),
    [
        ("tso-B", {"1": "5", "2": "6", "3": "6", "4": "6", "5": "6", "6": "8"}),
        ("tso-C", {"1": "5", "2": "7a", "3": "7a", "4": "7a", "5": "7a", "6": "8"}),
        ("tso-D", {"1": "5", "2": "7b", "3": "7b", "4": "5", "5": "5", "6": "5"}),
        ("tso-E", {"1": "5", "2": "7c", "3": "7c", "4": "5", "5": "5", "6": "8"}),
        ("wiki-no-majority", {"11": "6", "12": "6", "13": "5"}),
        ("wiki-shared-places", {"11": "7c", "12": "8", "13": "7c", "14": "5"}),
    ],
)
def test_single_dance_reports_rule_deciding_each_place(example: str, rules: dict) -> None:
    # Arrange
    marks = SINGLE[example]["marks"]

    # Act
    result = tabulate_dance(marks)

    # Assert
    assert {p.couple: p.rule for p in result.placings} == rules


# --- rule 9 and rule 10 ----------------------------------------------------------------------


def test_rule_10_counts_places_from_the_place_under_review() -> None:
    # Arrange: couples 3 and 4 tie on 16 for 3rd. 3 has a 1st but nothing else <= 3rd;
    # 4 has two 3rds. Counting "1sts first" would wrongly give 3rd to couple 3.
    final = places_only(
        D1=[2, 4, 1, 3, 5, 6],
        D2=[1, 2, 5, 3, 4, 6],
        D3=[1, 2, 5, 6, 4, 3],
        D4=[2, 1, 5, 4, 6, 3],
    )

    # Act
    result = tabulate_final(final)

    # Assert
    assert numbers(result.overall()) == {"1": 1, "2": 2, "3": 4, "4": 3, "5": 6, "6": 5}
    step = result.steps[0]
    assert isinstance(step, Rule10Step)
    assert (step.place, step.couples, step.counts, step.rule) == (3, ("3", "4"), (1, 2), "10a")


def test_rule_10b_adds_only_the_places_up_to_the_place_under_review() -> None:
    # Arrange: sdobber/BallroomSkatingSystem.jl runtests.jl "Rule 10b (second part) and 10d"
    final = {
        dance: {n: [p] for n, p in zip(["19", "29", "39", "49", "59", "69"], places, strict=True)}
        for dance, places in {
            "W": [1, 3, 2, 6, 5, 4],
            "T": [1, 4, 2, 3, 5, 6],
            "V": [2, 1, 3, 4, 5, 6],
            "S": [3, 2, 1, 5, 4, 6],
            "Q": [2, 1, 3, 5, 4, 6],
        }.items()
    }

    # Act
    result = tabulate_final(final)

    # Assert: 29 and 39 tie on 11 for 2nd, with 3 places 1-2 each; sums 4 v 5
    assert numbers(result.overall()) == {"19": 1, "29": 2, "39": 3, "49": 4, "59": 5, "69": 6}
    first = result.steps[0]
    assert isinstance(first, Rule10Step)
    assert (first.rule, first.winner, first.counts, first.sums) == ("10b", "29", (3, 3), (4, 5))


@pytest.mark.parametrize(
    ("numbers_", "dances", "expected", "decisions"),
    [
        (
            ["20", "30", "40", "50", "60", "70"],
            {
                "W": [2, 1, 6, 4, 5, 3],
                "T": [1, 2, 6, 4, 3, 5],
                "V": [5, 2, 1, 4, 3, 6],
                "S": [3, 6, 1, 4, 2, 5],
                "Q": [2, 6, 3, 1, 4, 5],
            },
            [1, 2, 3, 4, 5, 6],
            [("10a", 2, "30"), ("10b", 3, "40"), ("10a", 4, "50")],
        ),
        (
            ["18", "28", "38", "48", "58", "68"],
            {
                "W": [3, 2, 1, 4, 5, 6],
                "T": [1, 2, 4, 5, 3, 6],
                "V": [1, 3, 2, 6, 5, 4],
                "S": [1, 2, 5, 4, 3, 6],
                "Q": [1, 6, 3, 2, 5, 4],
            },
            [1, 2, 3, 4, 5, 6],
            [("10a", 2, "28"), ("10a", 4, "48")],
        ),
        (
            ["17", "27", "37", "47", "57", "67"],
            {
                "W": [1, 3, 2, 4, 6, 5],
                "T": [1, 3, 5, 2, 6, 4],
                "S": [2, 1, 4, 3, 5, 6],
                "Q": [5, 2, 4, 6, 1, 3],
            },
            [1, 2, 4, 3, 6, 5],
            [("10a", 1, "17"), ("10a", 3, "47"), ("10a", 5, "67")],
        ),
    ],
    ids=["10c-set", "10b-first-part", "10a-and-10b"],
)
def test_rule_10_sdobber_places_only_sets_match_stated_results(
    numbers_: list[str], dances: dict, expected: list[int], decisions: list[tuple]
) -> None:
    # Arrange: sdobber/BallroomSkatingSystem.jl runtests.jl "Multiple Dances w/o Rule 11"
    final = {d: {n: [p] for n, p in zip(numbers_, ps, strict=True)} for d, ps in dances.items()}

    # Act
    result = tabulate_final(final)

    # Assert
    assert [numbers(result.overall())[n] for n in numbers_] == expected
    assert [(s.rule, s.place, s.winner) for s in result.steps] == decisions


def test_rule_10_four_way_tie_reviews_places_one_by_one() -> None:
    # Arrange: dp-rule10B, four couples on 12 (the TSO K shape: a 4-way rule-10 tie)
    final = final_marks(MULTI["dp-rule10B"])

    # Act
    result = tabulate_final(final)

    # Assert: the place under review moves 1 -> 2 -> 3, the losers are examined again
    reviews = [(s.place, s.couples, s.winner) for s in result.steps if isinstance(s, Rule10Step)]
    assert reviews[:3] == [
        (1, ("101", "102", "103", "104"), "101"),
        (2, ("102", "103", "104"), "102"),
        (3, ("103", "104"), "103"),
    ]
    assert result.overall()["104"] == 4


def test_summary_reports_rule_for_each_couple() -> None:
    # Arrange
    final = final_marks(MULTI["tso-G"])

    # Act
    result = tabulate_final(final)

    # Assert
    assert {row.couple: row.rule for row in result.summary} == {
        "1": "10a",
        "2": "10a",
        "3": "10a",
        "4": "10a",
        "5": "10a",
        "6": "10a",
    }
    assert [row.total for row in result.ranking()] == [9, 9, 15, 15, 18, 18]


# --- rule 11 ---------------------------------------------------------------------------------


def test_rule_11_pools_all_marks_with_majority_over_judges_times_dances() -> None:
    # Arrange: TSO M, 5 judges x 5 dances
    final = final_marks(MULTI["tso-M"])

    # Act
    result = tabulate_final(final)

    # Assert
    rule11 = [s for s in result.steps if isinstance(s, Rule11Step)]
    assert [(s.place, s.marks, s.majority) for s in rule11] == [(1, 25, 13), (5, 25, 13)]


def test_rule_11_starts_at_the_column_of_the_place_under_review() -> None:
    # Arrange
    final = final_marks(MULTI["tso-M"])

    # Act
    result = tabulate_final(final)

    # Assert: for 5th place the table starts at "1-5"; 17 marks each, sums 66 v 68 (rule 7a)
    step = result.steps[-1]
    assert isinstance(step, Rule11Step)
    rows = {row.couple: row for row in step.rows}
    assert rows["6"].cells[0].column == 5
    assert (rows["6"].cells[0].count, rows["6"].cells[0].total) == (17, 66)
    assert (rows["5"].cells[0].count, rows["5"].cells[0].total) == (17, 68)
    assert step.awarded == (("6",), ("5",))


def test_tso_n_rule_11_places_both_couples_without_the_third() -> None:
    # Arrange
    final = TSO_N

    # Act
    result = tabulate_final(final)

    # Assert: 36, 46, 56 tie on 16; rule 10 drops 56, rule 11 places 36 2nd and 46 3rd
    assert numbers(result.overall()) == {c: i for i, c in enumerate(N_COUPLES, start=1)}
    review, rule11 = result.steps
    assert isinstance(review, Rule10Step) and isinstance(rule11, Rule11Step)
    assert (review.place, review.rule, review.to_rule11) == (2, "10c", ("36", "46"))
    assert rule11.awarded == (("36",), ("46",))


def test_tso_n_third_couple_would_win_a_rule_10_count_for_third() -> None:
    # Arrange: why it matters: had 46 gone back to rule 10 for 3rd, 56 would have beaten it
    result = tabulate_final(TSO_N)
    places = {row.couple: row.places for row in result.summary}

    # Act
    count_46 = sum(1 for p in places["46"] if p <= 3)
    count_56 = sum(1 for p in places["56"] if p <= 3)

    # Assert
    assert count_56 > count_46
    assert result.overall()["46"] < result.overall()["56"]


def test_tso_p_rule_11_with_three_couples_awards_only_the_place_under_review() -> None:
    # Arrange
    final = TSO_P

    # Act
    result = tabulate_final(final)

    # Assert: rule 11 orders 37, 57, 47 but awards only 2nd; 47 then beats 57 by rule 10a
    assert numbers(result.overall()) == {c: i for i, c in enumerate(P_COUPLES, start=1)}
    assert [type(s).__name__ for s in result.steps] == ["Rule10Step", "Rule11Step", "Rule10Step"]
    rule11, review = result.steps[1], result.steps[2]
    assert isinstance(rule11, Rule11Step) and isinstance(review, Rule10Step)
    assert rule11.order == (("37",), ("57",), ("47",))
    assert rule11.awarded == (("37",),)
    assert (review.place, review.couples, review.rule, review.winner) == (
        3,
        ("47", "57"),
        "10a",
        "47",
    )


def test_tso_p_dances_match_jUdge_places_including_three_shared_fourth() -> None:
    # Arrange
    final = TSO_P

    # Act
    result = tabulate_final(final)

    # Assert
    per_couple = {row.couple: [float(p) for p in row.places] for row in result.summary}
    assert per_couple == {c: [float(p) for p in ps] for c, ps in P_PER_DANCE.items()}
    assert result.dance("V").placing("37").rule == "7c"


def test_rule_10_with_no_place_up_to_x_goes_to_rule_11_then_back_and_again() -> None:
    # Arrange: 4 judges, 3 dances. Couples 3, 4, 5 share places 3-4 (3.5) in turns and are
    # 5th otherwise, so they tie on 12 for 3rd with no place <= 3: counts and sums are 0.
    final = {
        "D1": {
            "1": [1, 1, 1, 1],
            "2": [2, 2, 2, 2],
            "3": [3, 4, 3, 4],
            "4": [4, 3, 4, 3],
            "5": [5, 5, 5, 5],
        },
        "D2": {
            "1": [1, 1, 1, 1],
            "2": [2, 2, 2, 2],
            "3": [3, 4, 4, 5],
            "4": [5, 5, 3, 3],
            "5": [4, 3, 5, 4],
        },
        "D3": {
            "1": [1, 1, 1, 1],
            "2": [2, 2, 2, 2],
            "3": [5, 5, 5, 5],
            "4": [3, 4, 3, 4],
            "5": [4, 3, 4, 3],
        },
    }

    # Act
    result = tabulate_final(final)

    # Assert: rule 11 (12 marks, majority 7, from 1-3) puts 4 first and cannot split 3 and 5;
    # with three couples in, it awards only 3rd. 3 and 5 go back to rule 10 for 4th (two
    # places <= 4 each, sum 7), then to rule 11 again, which cannot split them: 4.5 each.
    assert numbers(result.overall()) == {"1": 1, "2": 2, "3": 4.5, "4": 3, "5": 4.5}
    first, rule11, again, shared = result.steps
    assert isinstance(first, Rule10Step) and isinstance(again, Rule10Step)
    assert isinstance(rule11, Rule11Step) and isinstance(shared, Rule11Step)
    assert (first.place, first.counts, first.sums, first.rule) == (3, (0, 0, 0), (0, 0, 0), "10c")
    assert (rule11.majority, rule11.order, rule11.awarded) == (7, (("4",), ("3", "5")), (("4",),))
    assert (again.place, again.counts, again.sums) == (4, (2, 2), (7, 7))
    assert shared.awarded == (("3", "5"),)
    assert result.overall()["3"] == Fraction(9, 2)


def test_dp_rule11_losing_couple_keeps_place_after_rule_11_pair() -> None:
    # Arrange: 112, 113, 117 on 14 for 6th; rule 10 drops 117; rule 11: 112 over 113
    final = final_marks(MULTI["dp-rule11"])

    # Act
    result = tabulate_final(final)

    # Assert
    overall = result.overall()
    assert (overall["112"], overall["113"], overall["117"]) == (6, 7, 8)
    rule11 = [s for s in result.steps if isinstance(s, Rule11Step)]
    assert [(s.marks, s.majority) for s in rule11] == [(10, 6)] * 3


def test_rule_11_unbroken_tie_shares_the_places() -> None:
    # Arrange: two couples with mirror-image marks in two dances
    final = {
        "W": {"1": [1, 2, 1], "2": [2, 1, 2], "3": [3, 3, 3]},
        "T": {"1": [2, 1, 2], "2": [1, 2, 1], "3": [3, 3, 3]},
    }

    # Act
    result = tabulate_final(final)

    # Assert
    assert numbers(result.overall()) == {"1": 1.5, "2": 1.5, "3": 3}
    assert {row.couple: row.rule for row in result.summary} == {"1": "11", "2": "11", "3": "9"}


def test_one_dance_final_never_reaches_rules_10_and_11() -> None:
    # Arrange
    final = {"W": SINGLE["tso-E"]["marks"]}

    # Act
    result = tabulate_final(final)

    # Assert
    assert result.steps == ()
    assert result.rules_used == "9"
    assert numbers(result.overall())["2"] == 2.5
