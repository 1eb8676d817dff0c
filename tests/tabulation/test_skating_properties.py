"""Invariants of the Skating System for any valid marks (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adjudication.tabulation import (
    Rule10Step,
    Rule11Step,
    majority,
    tabulate_dance,
    tabulate_final,
)

from .helpers import assert_places_are_a_ranking

Final = dict[str, dict[str, list[int]]]


@st.composite
def finals(
    draw: st.DrawFn, max_couples: int = 6, max_judges: int = 5, max_dances: int = 4
) -> Final:
    """Valid marks: every judge places every couple 1..n once in every dance. Small sizes make
    ties in the summary (rules 10 and 11) frequent."""
    n = draw(st.integers(1, max_couples))
    judges = draw(st.integers(1, max_judges))
    dances = draw(st.integers(1, max_dances))
    couples = [str(number) for number in range(1, n + 1)]
    final: Final = {}
    for dance in range(dances):
        sheets = [draw(st.permutations(range(1, n + 1))) for _ in range(judges)]
        final[f"D{dance + 1}"] = {c: [sheet[i] for sheet in sheets] for i, c in enumerate(couples)}
    return final


@settings(max_examples=300)
@given(finals())
def test_places_use_each_place_once_unless_shared(final: Final) -> None:
    # Act
    result = tabulate_final(final)

    # Assert
    for dance in result.dances:
        assert_places_are_a_ranking(dance.places())
    assert_places_are_a_ranking(result.overall())


@settings(max_examples=200)
@given(finals(), st.randoms(use_true_random=False))
def test_reordering_judges_changes_nothing(final: Final, random: object) -> None:
    # Arrange: the same new judge order in every dance
    judges = len(next(iter(next(iter(final.values())).values())))
    order = list(range(judges))
    random.shuffle(order)  # type: ignore[attr-defined]
    reordered = {
        d: {c: [marks[j] for j in order] for c, marks in rows.items()} for d, rows in final.items()
    }

    # Act
    before, after = tabulate_final(final), tabulate_final(reordered)

    # Assert
    assert after.overall() == before.overall()
    assert [d.places() for d in after.dances] == [d.places() for d in before.dances]
    assert [r.rule for r in after.summary] == [r.rule for r in before.summary]


@settings(max_examples=200)
@given(finals(), st.randoms(use_true_random=False))
def test_renaming_and_reordering_couples_changes_nothing(final: Final, random: object) -> None:
    # Arrange: new names, listed in another order
    couples = list(next(iter(final.values())))
    shuffled = couples[:]
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    name = {c: f"c{i}" for i, c in enumerate(shuffled)}
    renamed = {d: {name[c]: rows[c] for c in shuffled} for d, rows in final.items()}

    # Act
    before, after = tabulate_final(final), tabulate_final(renamed)

    # Assert
    assert after.overall() == {name[c]: p for c, p in before.overall().items()}
    for old, new in zip(before.dances, after.dances, strict=True):
        assert new.places() == {name[c]: p for c, p in old.places().items()}


@settings(max_examples=200)
@given(finals(), st.data())
def test_couple_placed_first_by_every_judge_wins(final: Final, data: st.DataObject) -> None:
    # Arrange: swap marks so one couple has every judge's 1st in every dance
    couples = list(next(iter(final.values())))
    winner = data.draw(st.sampled_from(couples))
    for rows in final.values():
        for judge in range(len(rows[winner])):
            holder = next(c for c in couples if rows[c][judge] == 1)
            rows[holder][judge], rows[winner][judge] = rows[winner][judge], 1

    # Act
    result = tabulate_final(final)

    # Assert
    assert result.overall()[winner] == 1
    assert all(d.placing(winner).place == 1 for d in result.dances)
    assert all(d.placing(winner).rule == "5" for d in result.dances)


@settings(max_examples=300)
@given(finals())
def test_couple_beating_another_with_every_judge_finishes_ahead(final: Final) -> None:
    # Arrange
    couples = list(next(iter(final.values())))
    pairs = [
        (a, b)
        for a in couples
        for b in couples
        if a != b
        and all(ma < mb for rows in final.values() for ma, mb in zip(rows[a], rows[b], strict=True))
    ]

    # Act
    result = tabulate_final(final)

    # Assert
    overall = result.overall()
    for a, b in pairs:
        assert overall[a] < overall[b]
        assert all(d.placing(a).place < d.placing(b).place for d in result.dances)


@settings(max_examples=300)
@given(finals())
def test_rule_11_is_reached_only_from_a_rule_10_tie(final: Final) -> None:
    # Act
    result = tabulate_final(final)

    # Assert
    steps = result.steps
    for index, step in enumerate(steps):
        if isinstance(step, Rule11Step):
            before = steps[index - 1]
            assert index > 0 and isinstance(before, Rule10Step)
            assert before.rule == "10c"
            assert (before.place, before.to_rule11) == (step.place, step.couples)
        elif step.rule == "10c":
            assert isinstance(steps[index + 1], Rule11Step)


@settings(max_examples=300)
@given(finals())
def test_rule_11_pools_judges_times_dances_marks(final: Final) -> None:
    # Act
    result = tabulate_final(final)

    # Assert
    judges = len(next(iter(next(iter(final.values())).values())))
    for step in result.steps:
        if isinstance(step, Rule11Step):
            assert step.marks == judges * len(final)
            assert step.majority == majority(judges * len(final))
            assert len(step.couples) >= 2
            awarded = [c for group in step.awarded for c in group]
            assert len(step.couples) == 2 or awarded == list(step.order[0])


@settings(max_examples=300)
@given(finals())
def test_lower_total_always_finishes_ahead(final: Final) -> None:
    # Act
    result = tabulate_final(final)

    # Assert: rule 9; rules 10 and 11 only order couples of equal total
    for a in result.summary:
        for b in result.summary:
            if a.total < b.total:
                assert a.place < b.place


@settings(max_examples=200)
@given(finals())
def test_each_dance_of_a_final_equals_that_dance_alone(final: Final) -> None:
    # Act
    result = tabulate_final(final)

    # Assert
    for dance in result.dances:
        alone = tabulate_dance(final[dance.dance], dance=dance.dance)
        assert alone == dance


@settings(max_examples=200)
@given(finals())
def test_rule_labels_are_the_published_ones(final: Final) -> None:
    # Act
    result = tabulate_final(final)

    # Assert
    for dance in result.dances:
        assert {p.rule for p in dance.placings} <= {"5", "6", "7a", "7b", "7c", "8"}
        assert {p.rule for p in dance.placings if p.place.denominator != 1} <= {"7c"}
    if len(result.dances) > 1:
        assert {row.rule for row in result.summary} <= {"9", "10a", "10b", "11"}
