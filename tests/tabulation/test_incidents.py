"""Worked cases for couples absent, retired or disqualified (``docs/tabulation.md``,
"Couples absent, retired, disqualified"): a no-show in a first round, a retirement in a
final, a disqualification after a final. Each rule's source is in that section."""

from __future__ import annotations

from fractions import Fraction

import pytest

from adjudication.tabulation import (
    TabulationError,
    close_up,
    final_problems,
    tabulate_final,
    tabulate_recalls,
)

JUDGES = ["a", "b", "c"]


def first_round(**changes):
    """7 couples, couple 7 did not turn up; 4 to recall; every judge crosses 4 of the 6
    present in each dance."""
    args = {
        "crosses": {
            "W": {"a": ["1", "2", "3", "4"], "b": ["1", "2", "3", "5"], "c": ["1", "2", "4", "6"]},
            "T": {"a": ["1", "2", "3", "4"], "b": ["1", "2", "3", "5"], "c": ["1", "2", "3", "4"]},
        },
        "couples": ["1", "2", "3", "4", "5", "6", "7"],
        "judges": JUDGES,
        "requested": 4,
        "not_danced": {"W": ["7"], "T": ["7"]},
        "not_recallable": ["7"],
    }
    args.update(changes)
    return args


def test_recalls_no_show_is_listed_with_no_crosses_and_not_recalled():
    result = tabulate_recalls(**first_round())

    assert result.recalled == ("1", "2", "3", "4")
    assert result.total_of("7") == 0
    assert result.total_of("3") == 5


def test_recalls_sheet_sent_before_the_absence_stays_valid_and_its_cross_is_set_aside():
    crosses = first_round()["crosses"]
    crosses["W"]["c"] = ["1", "2", "4", "7"]  # crossed 7 before the desk knew

    result = tabulate_recalls(**first_round(crosses=crosses))

    assert result.total_of("7") == 0
    assert result.total_of("6") == 0
    assert result.recalled == ("1", "2", "3", "4")


def test_recalls_a_sheet_short_of_crosses_is_still_refused():
    crosses = first_round()["crosses"]
    crosses["T"]["a"] = ["1", "2", "3"]

    with pytest.raises(TabulationError, match="3 couples crossed, 4 requested"):
        tabulate_recalls(**first_round(crosses=crosses))


def test_recalls_retired_couple_keeps_its_crosses_and_the_next_couple_moves_up():
    # Couple 2 danced the waltz and retired before the tango.
    crosses = {
        "W": first_round()["crosses"]["W"],
        "T": {"a": ["1", "3", "4", "5"], "b": ["1", "3", "5", "6"], "c": ["1", "3", "4", "5"]},
    }

    result = tabulate_recalls(
        **first_round(
            crosses=crosses,
            not_danced={"W": ["7"], "T": ["7", "2"]},
            not_recallable=["7", "2"],
        )
    )

    assert result.total_of("2") == 3
    assert result.recalled == ("1", "3", "4", "5")


def test_recalls_when_fewer_couples_dance_than_requested_each_judge_crosses_them_all():
    crosses = {"W": {j: ["1", "2"] for j in JUDGES}}

    result = tabulate_recalls(
        crosses,
        couples=["1", "2", "3"],
        judges=JUDGES,
        requested=3,
        not_danced={"W": ["3"]},
        not_recallable=["3"],
    )

    assert result.recalled == ("1", "2")


# A final of 4 couples, 5 judges, three dances; couple 14 won the waltz and retired
# before the tango: it is placed last (4th) in the tango and the quickstep.
FIVE = ["A", "B", "C", "D", "E"]
WALTZ = {
    "14": [1, 1, 1, 2, 1],
    "11": [2, 2, 3, 1, 2],
    "12": [3, 3, 2, 3, 3],
    "13": [4, 4, 4, 4, 4],
}
TANGO = {"12": [1, 1, 1, 2, 1], "11": [2, 2, 2, 1, 2], "13": [3, 3, 3, 3, 3]}
QUICK = {"11": [1] * 5, "12": [2] * 5, "13": [3] * 5}


def test_final_retired_couple_is_last_in_the_dances_it_did_not_dance():
    result = tabulate_final(
        {"W": WALTZ, "T": TANGO, "Q": QUICK},
        judges=FIVE,
        not_danced={"T": ["14"], "Q": ["14"]},
    )

    assert result.dance("T").places() == {"12": 1, "11": 2, "13": 3, "14": 4}
    assert result.dance("T").placing("14").rule == "R"
    assert {r.couple: r.total for r in result.summary} == {"14": 9, "11": 5, "12": 6, "13": 10}
    assert result.overall() == {"11": 1, "12": 2, "14": 3, "13": 4}


def test_final_two_couples_retired_in_the_same_dance_share_the_last_places():
    tango = {"12": [1] * 5, "13": [2] * 5}

    result = tabulate_final({"W": WALTZ, "T": tango}, judges=FIVE, not_danced={"T": ["11", "14"]})

    assert result.dance("T").places() == {
        "12": 1,
        "13": 2,
        "11": Fraction(7, 2),
        "14": Fraction(7, 2),
    }
    table = result.dance("T").placing("12")
    assert len(table.cells) == 4  # the table keeps a column per couple of the final


def test_final_marks_for_a_couple_that_had_retired_are_a_problem():
    problems = final_problems({"W": WALTZ, "T": {**TANGO, "14": [4] * 5}}, FIVE, {"T": ["14"]})

    assert [p.message for p in problems] == ["retired before this dance but has marks in it"]


def test_close_up_ranks_the_couples_present_by_each_judges_places():
    # Couple 14 disqualified after the final: every couple below it moves up.
    closed = close_up(WALTZ, {"11", "12", "13"})

    assert closed == {"11": [1, 1, 2, 1, 1], "12": [2, 2, 1, 2, 2], "13": [3, 3, 3, 3, 3]}


def test_final_disqualification_after_the_final_moves_every_couple_below_up():
    dances = {
        "W": close_up(WALTZ, {"11", "12", "13"}),
        "T": TANGO,
        "Q": QUICK,
    }

    result = tabulate_final(dances, judges=FIVE)

    assert result.overall() == {"11": 1, "12": 2, "13": 3}
