"""Component scoring (AJS 3.0): the reference implementation's worked examples, the tolerance
band, weights, ranks, the tie-break, recalls, validation and the stored structure.

The reference examples are copied from hielsnoppe/dancesport-common-algorithms at commit
4c653b8da209da8256fff7a0e84d7d2da9a2026f, files
src/commonTest/kotlin/com/dancemesh/common/algorithms/wdsf/AJS_3_0_ScoreTest.kt,
AJS_3_0_MarkTest.kt and AJS_3_0_RankingAlgorithmTest.kt (tolerance 1.5, median of an even
count the mean of the two middle marks).
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adjudication.tabulation import (
    Component,
    TabulationError,
    component_score,
    components_problems,
    score_components,
)
from adjudication.tabulation.components import within_tolerance

D = Decimal
SCALE = {"minimum": D(0), "maximum": D(10), "step": D("0.5")}
TQ = Component("TQ", **SCALE, short_name="TQ")
PS = Component("PS", **SCALE, short_name="PS")
MM = Component("MM", **SCALE, short_name="MM")
CP = Component("CP", **SCALE, short_name="CP")
AJS3 = [TQ, PS, MM, CP]
JUDGES = list("ABCDEFGH")
# The reference's panel: A-D score TQ and PS, E-H score MM and CP.
HALVES = {"Waltz": {**dict.fromkeys("ABCD", ("TQ", "PS")), **dict.fromkeys("EFGH", ("MM", "CP"))}}


def marks(*pairs: tuple[str, str]) -> list[tuple[str, Decimal]]:
    return [(j, D(s)) for j, s in pairs]


@pytest.mark.parametrize(
    ("given", "kept"),
    [  # AJS_3_0_ScoreTest.testFilterByTolerance, tolerance 1.5
        (["1", "1", "1"], ["1", "1", "1"]),
        (["1", "1", "2"], ["1", "1", "2"]),
        (["1", "2", "3.5"], ["1", "2", "3.5"]),
        (["1", "2", "4"], ["1", "2"]),
    ],
)
def test_the_reference_tolerance_band(given, kept):
    values = [D(v) for v in given]
    flags = within_tolerance(values, D("1.5"))
    assert [str(v) for v, k in zip(values, flags, strict=True) if k] == kept


def _waltz_1() -> dict:
    # AJS_3_0_MarkTest.waltz_1: A-D give TQ = PS = 10, 9, 8, 7; E-H give MM = CP = 10, 9, 10, 8.
    tqps = dict(zip("ABCD", ("10", "9", "8", "7"), strict=True))
    mmcp = dict(zip("EFGH", ("10", "9", "10", "8"), strict=True))
    return {
        "Waltz": {
            "101": {"TQ": tqps, "PS": tqps, "MM": mmcp, "CP": mmcp},
        }
    }


def test_the_reference_component_scores_of_waltz_1():
    # AJS_3_0_ScoreTest.testGetScore: TQ 8.5, PS 8.5, MM 9.25, CP 9.25.
    result = score_components(
        _waltz_1(),
        components=AJS3,
        dances=["Waltz"],
        couples=["101"],
        judges=JUDGES,
        tolerance=D("1.5"),
        allocation=HALVES,
    )
    waltz = result.couple("101").dances[0]
    assert [(s.component, s.score) for s in waltz.components] == [
        ("TQ", Fraction("8.5")),
        ("PS", Fraction("8.5")),
        ("MM", Fraction("9.25")),
        ("CP", Fraction("9.25")),
    ]
    assert waltz.components[2].median == Fraction("9.5")
    assert waltz.score == Fraction("35.5")
    assert all(not s.discarded for s in waltz.components)


def test_the_reference_ranking():
    # AJS_3_0_RankingAlgorithmTest.testGetRanking: candidate 101 ranks 1st, 102 2nd.
    # 101: TQ 10,10,10,9 -> 9.75; PS 10,10,10,8 -> the 8 is 2 from the median 10 and is
    # discarded -> 10; MM and CP all 10. 102: every mark 9.
    def same(score: str, judges: str) -> dict[str, str]:
        return dict.fromkeys(judges, score)

    scores = {
        "Waltz": {
            "101": {
                "TQ": {**same("10", "ABC"), "D": "9"},
                "PS": {**same("10", "ABC"), "D": "8"},
                "MM": same("10", "EFGH"),
                "CP": same("10", "EFGH"),
            },
            "102": {
                c: same("9", "ABCD" if c in ("TQ", "PS") else "EFGH")
                for c in ("TQ", "PS", "MM", "CP")
            },
        }
    }
    result = score_components(
        scores,
        components=AJS3,
        dances=["Waltz"],
        couples=["101", "102"],
        judges=JUDGES,
        tolerance=D("1.5"),
        allocation=HALVES,
    )
    assert [(c.couple, c.place) for c in result.couples] == [("101", 1), ("102", 2)]
    first = result.couple("101")
    assert first.total == Fraction("39.75")
    assert first.dances[0].components[1].discarded == ("D",)
    assert result.couple("102").total == 36


def test_a_score_outside_the_band_is_discarded_and_an_even_panel_uses_the_middle_two():
    score = component_score(TQ, marks(("A", "9"), ("B", "8.5"), ("C", "5"), ("D", "9.5")), D("1"))
    assert score.median == Fraction("8.75")
    assert score.discarded == ("C",)
    assert score.score == 9  # (9 + 8.5 + 9.5) / 3
    # A mark exactly the tolerance away is kept.
    edge = component_score(TQ, marks(("A", "8"), ("B", "9"), ("C", "10")), D("1"))
    assert edge.discarded == ()


def test_two_marks_far_apart_are_both_kept():
    score = component_score(TQ, marks(("A", "2"), ("B", "9")), D("1.5"))
    assert score.discarded == ()
    assert score.score == Fraction("5.5")


def test_weights_multiply_component_scores_and_dances_add_up():
    heavy = Component("TQ", **SCALE, weight=D("1.5"))
    light = Component("CP", **SCALE, weight=D("0.5"))
    scores = {
        dance: {"1": {"TQ": {"A": "8", "B": "8"}, "CP": {"A": "6", "B": "7"}}}
        for dance in ("Samba", "Rumba")
    }
    result = score_components(
        scores,
        components=[heavy, light],
        dances=["Samba", "Rumba"],
        couples=["1"],
        judges=["A", "B"],
        tolerance=D("1.5"),
    )
    one = result.couple("1")
    assert one.dances[0].score == Fraction("15.25")  # 1.5 x 8 + 0.5 x 6.5
    assert one.total == Fraction("30.5")
    assert one.component_totals == (Fraction(24), Fraction("6.5"))


def _two_components(rows: dict[str, tuple[str, str]]) -> dict:
    return {"W": {c: {"TQ": {"A": tq}, "CP": {"A": cp}} for c, (tq, cp) in rows.items()}}


def test_equal_totals_go_to_the_higher_first_component_then_share():
    result = score_components(
        _two_components({"1": ("8", "9"), "2": ("9", "8"), "3": ("9", "8"), "4": ("5", "5")}),
        components=[TQ, CP],
        dances=["W"],
        couples=["1", "2", "3", "4"],
        judges=["A"],
        tolerance=D("1.5"),
    )
    assert [(c.couple, c.place, c.decided_by) for c in result.couples] == [
        ("2", Fraction(3, 2), "shared"),
        ("3", Fraction(3, 2), "shared"),
        ("1", 3, "component:TQ"),
        ("4", 4, "total"),
    ]
    # The dance's own ranks are by score alone.
    assert [c.dances[0].rank for c in result.couples] == [2, 2, 2, 4]


def test_recall_names_a_tie_at_the_cut_off_and_passes_over_couples_out():
    rows = {"1": ("9", "9"), "2": ("8", "8"), "3": ("8", "8"), "4": ("7", "7"), "5": ("10", "10")}
    common = {
        "components": [TQ, CP],
        "dances": ["W"],
        "couples": list(rows),
        "judges": ["A"],
        "tolerance": D("1.5"),
    }
    result = score_components(_two_components(rows), recall=2, **common)
    assert (result.recall.recalled, result.recall.tied) == (("5", "1"), ())
    tie = score_components(_two_components(rows), recall=3, **common)
    assert (tie.recall.recalled, tie.recall.tied) == (("5", "1"), ("2", "3"))
    passed = score_components(_two_components(rows), recall=2, not_recallable=["5"], **common)
    assert (passed.recall.recalled, passed.recall.tied, passed.recall.target) == (
        ("1",),
        ("2", "3"),
        2,
    )


def test_a_retired_couple_scores_the_dances_it_danced():
    scores = {
        "W": {"1": {"TQ": {"A": "9"}}, "2": {"TQ": {"A": "8"}}},
        "T": {"2": {"TQ": {"A": "8"}}},
    }
    result = score_components(
        scores,
        components=[TQ],
        dances=["W", "T"],
        couples=["1", "2"],
        judges=["A"],
        tolerance=D("1.5"),
        not_danced={"T": {"1"}},
    )
    retired = result.couple("1")
    assert (retired.total, retired.place) == (9, 2)
    assert retired.dances[1].danced is False and retired.dances[1].rank is None


def test_every_problem_is_reported_with_where_it_is():
    scores = {
        "W": {
            "1": {"TQ": {"A": "10.5", "E": "9"}, "PS": {"A": "7.25"}, "XX": {"A": "1"}},
            "9": {"TQ": {"A": "5"}},
        },
        "Foxtrot": {},
    }
    problems = components_problems(
        scores,
        components=[TQ, PS, MM],
        dances=["W"],
        couples=["1", "2"],
        judges=["A", "E"],
        allocation={"W": {"A": ("TQ", "PS"), "E": ("PS",)}},
    )
    text = sorted(str(p) for p in problems)
    assert text == sorted(
        [
            "dance Foxtrot: Not a dance of the round.",
            "dance W, criterion MM: No judge scores this component.",
            "dance W, couple 9: Not a couple of the round.",
            "dance W, couple 1, judge A, criterion TQ: 10.5 is off the scale 0–10.",
            "dance W, couple 1, judge E, criterion TQ: This component is not allocated to the "
            "judge in this dance.",
            "dance W, couple 1, judge A, criterion PS: 7.25 is not on the scale's step of 0.5.",
            "dance W, couple 1, criterion XX: Not a component of the event.",
            "dance W, couple 1, judge E, criterion PS: The score is missing.",
            "dance W, couple 2, judge A, criterion TQ: The score is missing.",
            "dance W, couple 2, judge A, criterion PS: The score is missing.",
            "dance W, couple 2, judge E, criterion PS: The score is missing.",
        ]
    )
    with pytest.raises(TabulationError):
        score_components(
            scores,
            components=[TQ, PS, MM],
            dances=["W"],
            couples=["1", "2"],
            judges=["A", "E"],
            tolerance=D("1.5"),
        )


def test_the_stored_structure_is_json_and_as_documented():
    result = score_components(
        _waltz_1(),
        components=AJS3,
        dances=["Waltz"],
        couples=["101"],
        judges=JUDGES,
        tolerance=D("1.5"),
        allocation=HALVES,
        recall=1,
    )
    data = json.loads(json.dumps(result.to_json()))
    assert data["system"] == "components"
    assert [c["short_name"] for c in data["components"]] == ["TQ", "PS", "MM", "CP"]
    assert data["allocation"][0]["judges"][0] == {"judge": "A", "components": ["TQ", "PS"]}
    couple = data["couples"][0]
    assert (couple["place"], couple["total"], couple["total_exact"]) == (1, "35.500", "71/2")
    mm = couple["dances"][0]["components"][2]
    assert (mm["score"], mm["median"], mm["weighted"]) == ("9.250", "9.500", "9.250")
    assert mm["marks"][0] == {"judge": "E", "score": "10", "counted": True}
    assert data["recall"] == {"requested": 1, "target": 1, "recalled": ["101"], "tied": []}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=20), min_size=3, max_size=3),
        min_size=2,
        max_size=6,
    )
)
def test_places_follow_totals_and_scores_stay_on_the_scale(halves):
    couples = [str(i + 1) for i in range(len(halves))]
    scores = {
        "W": {
            c: {"TQ": {j: str(D(v) / 2) for j, v in zip("ABC", row, strict=True)}}
            for c, row in zip(couples, halves, strict=True)
        }
    }
    result = score_components(
        scores,
        components=[TQ],
        dances=["W"],
        couples=couples,
        judges=["A", "B", "C"],
        tolerance=D("1.5"),
    )
    totals = [c.total for c in result.couples]
    assert totals == sorted(totals, reverse=True)
    for c in result.couples:
        assert 0 <= c.total <= 10
        assert sum(1 for other in result.couples if other.total > c.total) < c.place
