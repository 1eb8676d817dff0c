"""Rule 1 with a sheet the Chairman accepted with the wrong number of crosses.

Worked case (docs/tabulation.md, "Seeded couples and miscounted sheets"): Skating
System rule 1 asks each judge for exactly the number of crosses the Chairman set; a
sheet in error goes back to the Chairman (dancecomp.com, "The Skating System"). When
the Chairman accepts it as it is, its crosses count as given, neither added nor taken
away (DTV TSO F 6.7.2: the judge answers for the number of crosses; older DTV devices
accepted a wrong count with a warning)."""

import pytest

from adjudication.tabulation import TabulationError, tabulate_recalls

CROSSES = {
    "W": {"a": ["1", "2"], "b": ["1", "3"], "c": ["1", "2", "4"]},  # c crossed 3 of 2
    "T": {"a": ["1", "2"], "b": ["2", "3"], "c": ["2"]},  # c crossed 1 of 2
}
ROUND = {"couples": ["1", "2", "3", "4"], "judges": ["a", "b", "c"], "requested": 2}


def test_a_miscounted_sheet_is_refused_unless_accepted():
    with pytest.raises(TabulationError) as refused:
        tabulate_recalls(CROSSES, **ROUND)

    assert sorted(str(p.message) for p in refused.value.problems) == [
        "1 couples crossed, 2 requested",
        "3 couples crossed, 2 requested",
    ]


def test_accepted_sheets_count_their_crosses_as_given():
    result = tabulate_recalls(CROSSES, **ROUND, accepted={("W", "c"), ("T", "c")})

    totals = {line.couple: (line.total, line.by_dance) for line in result.totals}
    assert totals == {"1": (4, (3, 1)), "2": (5, (2, 3)), "3": (2, (1, 1)), "4": (1, (1, 0))}
    assert result.recalled == ("2", "1")


def test_accepting_one_sheet_leaves_the_others_checked():
    with pytest.raises(TabulationError) as refused:
        tabulate_recalls(CROSSES, **ROUND, accepted={("W", "c")})

    assert [(p.dance, p.judge) for p in refused.value.problems] == [("T", "c")]


def test_an_accepted_sheet_still_crosses_only_couples_of_the_round_once():
    crosses = {"W": {"a": ["1", "2"], "b": ["1", "3"], "c": ["9", "1", "1"]}}

    with pytest.raises(TabulationError) as refused:
        tabulate_recalls(crosses, **ROUND, accepted={("W", "c")})

    assert sorted(p.message for p in refused.value.problems) == [
        "crossed 2 times",
        "crossed but not in this round",
    ]


def test_an_accepted_sheet_needs_a_cross():
    crosses = {"W": {"a": ["1", "2"], "b": ["1", "3"], "c": []}}

    with pytest.raises(TabulationError, match="at least one cross"):
        tabulate_recalls(crosses, **ROUND, accepted={("W", "c")})
