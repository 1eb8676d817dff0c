"""Criteria scoring: weighted averages, trimming, tie-breaks, outliers and validation."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adjudication.tabulation import (
    ByCriterion,
    ByJudgesPreference,
    Criterion,
    DroppedScore,
    Outlier,
    OutlierRule,
    Problem,
    TabulationError,
    criteria_problems,
    score_criteria,
)

from .helpers import assert_places_are_a_ranking

D = Decimal
VOCAL = Criterion("Vocal", D(0), D(10), D("0.5"), weight=D(2))
STAGE = Criterion("Stage", D(0), D(10), D("0.5"))
JUDGES = ["j1", "j2", "j3"]


def sheet(vocal: str, stage: str) -> dict[str, Decimal]:
    return {"Vocal": D(vocal), "Stage": D(stage)}


# A: Vocal 8, Stage 7 -> 23. B: Vocal 8.5, Stage 6 -> 23. C: Vocal 6.5, Stage 53/6 -> 131/6.
SCORES = {
    "A": {"j1": sheet("8", "7"), "j2": sheet("9", "6"), "j3": sheet("7", "8")},
    "B": {"j1": sheet("9", "5"), "j2": sheet("8", "7"), "j3": sheet("8.5", "6")},
    "C": {"j1": sheet("6", "9"), "j2": sheet("7", "9"), "j3": sheet("6.5", "8.5")},
}


def score(**options: Any) -> Any:
    args: dict[str, Any] = {"criteria": [VOCAL, STAGE], "judges": JUDGES}
    args.update(options)
    scores = args.pop("scores", SCORES)
    return score_criteria(scores, **args)


def test_criteria_total_is_weighted_sum_of_judge_averages() -> None:
    # Act
    result = score()

    # Assert
    assert {e.entry: e.total for e in result.ranking} == {
        "A": Fraction(23),
        "B": Fraction(23),
        "C": Fraction(131, 6),
    }
    assert result.entry("B").criteria[0].mean == Fraction(17, 2)
    assert result.entry("C").rounded_total(2) == D("21.83")


def test_criteria_equal_totals_share_the_place_without_tie_break() -> None:
    # Act
    result = score()

    # Assert
    assert result.places() == {"A": Fraction(3, 2), "B": Fraction(3, 2), "C": Fraction(3)}
    assert [e.decided_by for e in result.ranking] == ["shared", "shared", "total"]


def test_criteria_tie_break_by_named_criterion() -> None:
    # Act
    by_vocal = score(tie_break=[ByCriterion("Vocal")])
    by_stage = score(tie_break=[ByCriterion("Stage")])

    # Assert
    assert [e.entry for e in by_vocal.ranking] == ["B", "A", "C"]
    assert by_vocal.entry("B").decided_by == "criterion:Vocal"
    assert [e.entry for e in by_stage.ranking] == ["A", "B", "C"]


def test_criteria_judges_preference_counts_judges_ranking_the_entry_higher() -> None:
    # Arrange: equal totals and equal Vocal averages; judges j1 and j2 prefer X, j3 prefers Y
    criteria = [Criterion("V", D(0), D(10), D(1)), Criterion("S", D(0), D(10), D(1))]
    scores = {
        "X": {"j1": {"V": 10, "S": 0}, "j2": {"V": 10, "S": 0}, "j3": {"V": 0, "S": 10}},
        "Y": {"j1": {"V": 5, "S": 4}, "j2": {"V": 5, "S": 4}, "j3": {"V": 10, "S": 2}},
    }

    # Act
    result = score_criteria(
        scores,
        criteria=criteria,
        judges=JUDGES,
        tie_break=[ByCriterion("V"), ByJudgesPreference()],
    )

    # Assert
    assert result.entry("X").total == result.entry("Y").total == 10
    assert [(e.entry, e.place, e.decided_by) for e in result.ranking] == [
        ("X", 1, "judges-preference"),
        ("Y", 2, "judges-preference"),
    ]


def test_criteria_judges_preference_split_evenly_falls_to_next_rule() -> None:
    # Arrange: between A and B, j2 prefers A, j3 prefers B, j1 is level
    rules = [ByJudgesPreference(), ByCriterion("Stage")]

    # Act
    result = score(tie_break=rules)

    # Assert
    assert [(e.entry, e.decided_by) for e in result.ranking[:2]] == [
        ("A", "criterion:Stage"),
        ("B", "criterion:Stage"),
    ]


def test_criteria_trimmed_mean_drops_one_highest_and_one_lowest() -> None:
    # Arrange
    criteria = [Criterion("Music", D(0), D(10), D(1))]
    judges = ["a", "b", "c", "d", "e"]
    scores = {"E": {j: {"Music": s} for j, s in zip(judges, [6, 1, 10, 5, 7], strict=True)}}

    # Act
    result = score_criteria(scores, criteria=criteria, judges=judges, trim=True)

    # Assert
    music = result.entry("E").criteria[0]
    assert music.mean == 6
    assert music.counted == ("a", "d", "e")
    assert result.dropped == (
        DroppedScore("E", "Music", "c", D(10), "highest"),
        DroppedScore("E", "Music", "b", D(1), "lowest"),
    )


def test_criteria_trim_with_equal_scores_drops_first_as_lowest_last_as_highest() -> None:
    # Arrange
    criteria = [Criterion("Music", D(0), D(10), D(1))]
    scores = {"E": {j: {"Music": 5} for j in JUDGES}}

    # Act
    result = score_criteria(scores, criteria=criteria, judges=JUDGES, trim=True)

    # Assert
    assert [(d.judge, d.end) for d in result.dropped] == [("j3", "highest"), ("j1", "lowest")]


@pytest.mark.parametrize(
    "rule", [OutlierRule(points=D(2)), OutlierRule(fraction_of_range=D("0.2"))]
)
def test_criteria_outlier_far_from_panel_median_is_flagged(rule: OutlierRule) -> None:
    # Arrange: median 7.5, judge e is 4.5 away; the threshold is 2 points either way
    criteria = [Criterion("Music", D(0), D(10), D("0.5"))]
    judges = ["a", "b", "c", "d", "e"]
    marks = ["7", "7.5", "8", "8", "3"]
    scores = {"E": {j: {"Music": D(s)} for j, s in zip(judges, marks, strict=True)}}

    # Act
    result = score_criteria(scores, criteria=criteria, judges=judges, outliers=rule)

    # Assert
    assert result.outliers == (Outlier("E", "Music", "e", D(3), D("7.5"), D("4.5"), D(2)),)


def test_criteria_outlier_median_of_even_panel_is_the_mean_of_the_middle_two() -> None:
    # Arrange: 4 judges, median (7 + 8) / 2 = 7.5; only 10 is more than 2 away
    criteria = [Criterion("Music", D(0), D(10), D(1))]
    judges = ["a", "b", "c", "d"]
    scores = {"E": {j: {"Music": s} for j, s in zip(judges, [7, 8, 10, 5], strict=True)}}

    # Act
    result = score_criteria(
        scores, criteria=criteria, judges=judges, outliers=OutlierRule(points=D(2))
    )

    # Assert
    assert [(o.judge, o.median, o.deviation) for o in result.outliers] == [
        ("c", D("7.5"), D("2.5")),
        ("d", D("7.5"), D("2.5")),
    ]


def test_criteria_without_outlier_rule_reports_none() -> None:
    # Act
    result = score()

    # Assert
    assert result.outliers == ()
    assert result.dropped == ()


def test_criteria_scores_may_be_given_as_strings_or_ints() -> None:
    # Arrange
    scores = {
        e: {j: {k: str(v) for k, v in s.items()} for j, s in js.items()} for e, js in SCORES.items()
    }

    # Act
    result = score(scores=scores)

    # Assert
    assert result.places() == score().places()


# --- validation ------------------------------------------------------------------------------


def problems_of(**options: Any) -> list[Problem]:
    with pytest.raises(TabulationError) as caught:
        score(**options)
    return list(caught.value.problems)


def with_score(entry: str, judge: str, criterion: str, value: object) -> dict[str, Any]:
    scores = {e: {j: dict(s) for j, s in js.items()} for e, js in SCORES.items()}
    scores[entry][judge][criterion] = value
    return scores


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (D("10.5"), "score 10.5 is outside 0..10"),
        (D(-1), "score -1 is outside 0..10"),
        (D("7.3"), "score 7.3 is not on a step of 0.5"),
        (7.5, "score 7.5 is not a number (give a Decimal or a string)"),
        ("seven", "score 'seven' is not a number (give a Decimal or a string)"),
        ("NaN", "score 'NaN' is not a number (give a Decimal or a string)"),
        (None, "score None is not a number (give a Decimal or a string)"),
        (True, "score True is not a number (give a Decimal or a string)"),
    ],
)
def test_criteria_invalid_score_names_entry_judge_and_criterion(
    value: object, message: str
) -> None:
    # Act
    found = problems_of(scores=with_score("B", "j2", "Stage", value))

    # Assert
    assert found == [Problem(message, entry="B", judge="j2", criterion="Stage")]


def test_criteria_missing_score_is_an_error() -> None:
    # Arrange
    scores = with_score("A", "j1", "Stage", 0)
    del scores["A"]["j1"]["Stage"]

    # Act
    found = problems_of(scores=scores)

    # Assert
    assert found == [
        Problem("no score on this criterion", entry="A", judge="j1", criterion="Stage")
    ]


def test_criteria_missing_judge_sheet_is_an_error() -> None:
    # Arrange
    scores = with_score("A", "j1", "Stage", 0)
    del scores["C"]["j3"]

    # Act
    found = problems_of(scores=scores)

    # Assert
    assert found == [Problem("no scores from this judge", entry="C", judge="j3")]


def test_criteria_unknown_judge_and_criterion_are_refused() -> None:
    # Arrange
    scores = with_score("A", "j1", "Dance", 5)
    scores["B"]["j9"] = sheet("5", "5")

    # Act
    found = problems_of(scores=scores)

    # Assert
    assert Problem("unknown criterion", entry="A", judge="j1", criterion="Dance") in found
    assert Problem("not on the panel", entry="B", judge="j9") in found


def test_criteria_sheets_of_the_wrong_shape_are_refused() -> None:
    # Arrange
    scores: dict[str, Any] = dict(SCORES)
    scores["A"] = ["8", "7"]
    scores["B"] = dict(SCORES["B"], j1="9")

    # Act
    found = problems_of(scores=scores)

    # Assert
    assert Problem("scores must map each judge to a score sheet", entry="A") in found
    assert Problem("sheet must map criteria to scores", entry="B", judge="j1") in found


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"scores": {}}, Problem("no entries to score")),
        ({"criteria": []}, Problem("no criteria")),
        ({"criteria": [VOCAL, VOCAL]}, Problem("defined 2 times", criterion="Vocal")),
        (
            {"criteria": [Criterion("Vocal", D(0), D(10), D(1), weight=D(-1))]},
            Problem("weight -1 must be >= 0", criterion="Vocal"),
        ),
        (
            {"criteria": [Criterion("Vocal", D(0), D(10), D(1), weight=0.5)]},  # type: ignore[arg-type]
            Problem("weight 0.5 is not a number (give a Decimal)", criterion="Vocal"),
        ),
        (
            {"criteria": [Criterion("Vocal", D(0), D(10), D(1), weight=D(0))]},
            Problem("the weights add up to zero"),
        ),
        (
            {"criteria": [Criterion("Vocal", D(10), D(0), D(1))]},
            Problem("range 10..0 needs minimum < maximum", criterion="Vocal"),
        ),
        (
            {"criteria": [Criterion("Vocal", D(0), D(10), D(0))]},
            Problem("step 0 must be positive", criterion="Vocal"),
        ),
        (
            {"criteria": [Criterion("Vocal", D(0), D(10), D(3))]},
            Problem("range 0..10 is not a whole number of steps 3", criterion="Vocal"),
        ),
        ({"judges": []}, Problem("no judges")),
        ({"judges": ["j1", "j1", "j2"]}, Problem("named 2 times in the panel", judge="j1")),
        (
            {"judges": ["j1", "j2"], "trim": True},
            Problem("dropping the highest and lowest score needs 3 judges, not 2"),
        ),
        (
            {"tie_break": [ByCriterion("Dance")]},
            Problem("tie-break on an unknown criterion", criterion="Dance"),
        ),
        (
            {"outliers": OutlierRule()},
            Problem("outlier rule: give either points or fraction_of_range"),
        ),
        (
            {"outliers": OutlierRule(points=D(1), fraction_of_range=D("0.1"))},
            Problem("outlier rule: give either points or fraction_of_range"),
        ),
        (
            {"outliers": OutlierRule(points=D(0))},
            Problem("outlier threshold 0 must be a positive number"),
        ),
    ],
)
def test_criteria_invalid_setup_is_refused(options: dict[str, Any], expected: Problem) -> None:
    # Act
    found = problems_of(**options)

    # Assert
    assert expected in found


def test_criteria_problems_is_empty_for_valid_scores() -> None:
    # Act
    found = criteria_problems(SCORES, criteria=[VOCAL, STAGE], judges=JUDGES)

    # Assert
    assert found == []


# --- properties ------------------------------------------------------------------------------

STEPS = [D(1), D("0.5"), D("0.25")]


@st.composite
def panels(draw: st.DrawFn) -> dict[str, Any]:
    criteria = [
        Criterion(
            f"k{i}",
            D(0),
            D(draw(st.sampled_from([5, 10, 20]))),
            draw(st.sampled_from(STEPS)),
            weight=draw(st.sampled_from([D(1), D(2), D("0.5"), D(3)])),
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    judges = [f"j{i}" for i in range(draw(st.integers(3, 6)))]
    entries = [f"e{i}" for i in range(draw(st.integers(1, 6)))]

    def value(criterion: Criterion) -> Decimal:
        steps = int((criterion.maximum - criterion.minimum) / criterion.step)
        # few distinct values, so ties happen
        return criterion.minimum + criterion.step * draw(st.integers(steps // 2, steps // 2 + 3))

    scores = {e: {j: {c.name: value(c) for c in criteria} for j in judges} for e in entries}
    return {"scores": scores, "criteria": criteria, "judges": judges}


RULES = [ByJudgesPreference()]


@settings(max_examples=200)
@given(panels(), st.booleans(), st.randoms(use_true_random=False))
def test_criteria_permuting_judges_changes_nothing(
    panel: dict[str, Any], trim: bool, random: Any
) -> None:
    # Arrange
    judges = list(panel["judges"])
    random.shuffle(judges)

    # Act
    before = score_criteria(**panel, trim=trim, tie_break=RULES)
    after = score_criteria(**dict(panel, judges=judges), trim=trim, tie_break=RULES)

    # Assert
    assert {e.entry: (e.total, e.place, e.decided_by) for e in after.ranking} == {
        e.entry: (e.total, e.place, e.decided_by) for e in before.ranking
    }
    assert sorted(d.score for d in after.dropped) == sorted(d.score for d in before.dropped)


@settings(max_examples=200)
@given(panels(), st.sampled_from([D(2), D(3), D("0.5"), D("0.1")]))
def test_criteria_scaling_every_weight_scales_totals_and_keeps_places(
    panel: dict[str, Any], factor: Decimal
) -> None:
    # Arrange
    scaled = [
        Criterion(c.name, c.minimum, c.maximum, c.step, weight=c.weight * factor)
        for c in panel["criteria"]
    ]

    # Act
    before = score_criteria(**panel, tie_break=RULES)
    after = score_criteria(**dict(panel, criteria=scaled), tie_break=RULES)

    # Assert
    assert {e.entry: e.total for e in after.ranking} == {
        e.entry: e.total * Fraction(factor) for e in before.ranking
    }
    assert after.places() == before.places()


@settings(max_examples=200)
@given(panels())
def test_criteria_trim_drops_exactly_one_high_and_one_low_per_criterion(
    panel: dict[str, Any],
) -> None:
    # Act
    result = score_criteria(**panel, trim=True)

    # Assert
    judges, criteria = panel["judges"], panel["criteria"]
    assert len(result.dropped) == 2 * len(panel["scores"]) * len(criteria)
    for entry in result.ranking:
        for scored in entry.criteria:
            given_scores = [panel["scores"][entry.entry][j][scored.criterion] for j in judges]
            high, low = scored.dropped
            assert (high.end, high.score) == ("highest", max(given_scores))
            assert (low.end, low.score) == ("lowest", min(given_scores))
            assert high.judge != low.judge
            assert len(scored.counted) == len(judges) - 2
            kept = sorted(given_scores)[1:-1]
            assert scored.mean == Fraction(sum(kept)) / len(kept)


@settings(max_examples=200)
@given(panels())
def test_criteria_places_are_a_ranking_by_total(panel: dict[str, Any]) -> None:
    # Act
    result = score_criteria(**panel, tie_break=[ByJudgesPreference()])

    # Assert
    assert_places_are_a_ranking(result.places())
    for a in result.ranking:
        assert a.total == sum(Fraction(c.weight) * c.mean for c in a.criteria)
        for b in result.ranking:
            if a.total > b.total:
                assert a.place < b.place
