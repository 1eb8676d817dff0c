"""The agreement report's figures, worked out by hand: the measures alone, then a whole
day (recalls and a final, with a shadow judge) and a criteria round."""

import hashlib
import hmac
from decimal import Decimal
from fractions import Fraction

import pytest

from adjudication.results.agreement import competition_agreement, judge_labels
from adjudication.results.agreement_measures import (
    average_ranks,
    mean_place_difference,
    median_deviation,
    spearman_rho,
)
from adjudication.services import round_close
from competitions.models import PanelSeat
from tests.adjudication.agreement_day import judged_day, recall_sheets, shadow_day
from tests.adjudication.day import open_final
from tests.adjudication.test_criteria_sheets import pageant, score  # noqa: F401 (fixture)
from tests.factories.competitions import JudgeFactory

pytestmark = pytest.mark.django_db


def places(*values):
    return {n: Fraction(v) for n, v in enumerate(values)}


def test_a_judge_who_agrees_exactly_has_rho_one_and_no_difference():
    assert spearman_rho(places(1, 2, 3, 4), places(1, 2, 3, 4)) == Decimal("1.000")
    assert mean_place_difference(places(1, 2, 3, 4), places(1, 2, 3, 4)) == Decimal("0.00")


def test_a_reversed_judge_has_rho_minus_one():
    """Six couples reversed: |1-6|, |2-5|, |3-4| twice over: 18 / 6 = 3."""
    assert spearman_rho(places(6, 5, 4, 3, 2, 1), places(1, 2, 3, 4, 5, 6)) == Decimal("-1.000")
    assert mean_place_difference(places(6, 5, 4, 3, 2, 1), places(1, 2, 3, 4, 5, 6)) == Decimal(
        "3.00"
    )


def test_one_swap_in_six_gives_the_textbook_rho():
    """1 - 6 * (1 + 1) / (6 * (36 - 1)) = 1 - 12/210 = 0.942857…"""
    assert spearman_rho(places(2, 1, 3, 4, 5, 6), places(1, 2, 3, 4, 5, 6)) == Decimal("0.943")


def test_tied_places_share_their_average_rank():
    """Result places 1, 2.5, 2.5, 4 (a shared place); the judge 1, 2, 3, 4.
    Ranks y = 1, 2.5, 2.5, 4 around 2.5: cov = 2.25 + 0 + 0 + 2.25 = 4.5,
    var x = 5, var y = 4.5: rho = 4.5 / sqrt(22.5) = 0.948683…"""
    assert average_ranks(places(1, 2.5, 2.5, 4)) == places(1, 2.5, 2.5, 4)
    assert average_ranks(places(3, 3, 1)) == places(2.5, 2.5, 1)
    assert spearman_rho(places(1, 2, 3, 4), places(1, 2.5, 2.5, 4)) == Decimal("0.949")


def test_rho_is_undefined_for_one_couple_or_no_spread():
    assert spearman_rho(places(1), places(1)) is None
    assert spearman_rho(places(1, 2), places(1, 1)) is None


def test_deviation_from_the_median_counts_in_steps():
    """Panel 7, 7.5, 8 (median 7.5), step 0.5: the trainee's 9 is 3 steps away."""
    scores = {"x": {"A": Fraction(7), "B": Fraction("7.5"), "C": Fraction(8), "S": Fraction(9)}}
    step = {"x": Fraction("0.5")}

    shadow = median_deviation(scores, ["A", "B", "C"], "S", step)
    a = median_deviation(scores, ["A", "B", "C"], "A", step)

    assert (shadow.scores, shadow.mean_steps, shadow.far) == (1, Decimal("3.00"), 1)
    assert (a.scores, a.mean_steps, a.far) == (1, Decimal("1.00"), 0)


def _rows(report, event_index=0):
    return {round_.round.kind: round_ for round_ in report.events[event_index].rounds}


def test_the_day_recalls_count_crosses_on_recalled_couples():
    """A, B, C: 12 crosses, all on the six recalled; S: 12 crosses, 8 on recalled."""
    day = judged_day()

    report = competition_agreement(day.competition, names=True)
    first = _rows(report)["first"]

    assert first.measure == "recalls"
    figures = {
        r.judge[0]: (r.crosses, r.crosses_recalled, r.share_recalled, r.shadow) for r in first.rows
    }
    assert figures == {
        "A": (12, 12, Decimal("1.000"), False),
        "B": (12, 12, Decimal("1.000"), False),
        "C": (12, 12, Decimal("1.000"), False),
        "S": (12, 8, Decimal("0.667"), True),
    }
    assert [r.judge[0] for r in first.rows] == ["A", "B", "C", "S"]  # the shadow last


def test_the_day_final_measures_each_dance_and_overall():
    """A agrees (rho 1, difference 0), C is reversed (rho -1, difference 3), S swapped
    the first two (rho 0.943, difference 2/6)."""
    day = judged_day()

    final = _rows(competition_agreement(day.competition, names=True))["final"]

    figures = {(r.judge[0], r.part): (r.rho, r.mean_place_difference) for r in final.rows}
    for part in ("Samba", "Rumba", "overall"):
        assert figures[("A", part)] == (Decimal("1.000"), Decimal("0.00"))
        assert figures[("C", part)] == (Decimal("-1.000"), Decimal("3.00"))
        assert figures[("S", part)] == (Decimal("0.943"), Decimal("0.33"))
    assert [r.part for r in final.rows[:3]] == ["Samba", "Rumba", "overall"]


def test_only_closed_and_published_rounds_are_reported_and_anonymous_by_default():
    day = shadow_day()
    recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)  # the first round published, the final open

    report = competition_agreement(day.competition, event_id=day.event.pk)

    assert [r.round.kind for r in report.events[0].rounds] == ["first"]
    assert not report.shows_names
    assert all(row.judge.startswith("Judge ") for row in report.events[0].rounds[0].rows)


def _hmac_order(judges, key: str) -> dict[int, str]:
    def digest(judge):
        message = f"podium-agreement:{judge.pk}".encode()
        return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()

    return {j.pk: f"Judge {n}" for n, j in enumerate(sorted(judges, key=digest), 1)}


def test_anonymous_labels_follow_an_hmac_of_the_judge_not_the_letter(settings):
    day = shadow_day()
    judges = [*day.judges, day.shadow]

    key = settings.SECRET_KEY
    labels = judge_labels(day.competition, names=False)
    settings.SECRET_KEY = "another secret key, so another order of the judges: " * 2
    others = judge_labels(day.competition, names=False)

    assert labels == _hmac_order(judges, key)
    assert sorted(labels.values()) == ["Judge 1", "Judge 2", "Judge 3", "Judge 4"]
    assert others == _hmac_order(judges, settings.SECRET_KEY)
    assert all(j.letter not in labels[j.pk] and j.name not in labels[j.pk] for j in judges)
    assert judge_labels(day.competition, names=True)[day.shadow.pk] == "S – Sam Shadow"


def test_a_criteria_round_measures_steps_from_the_median(pageant):  # noqa: F811
    """Gown (step 0.5): entry 1 A 7, B 7.5, C 8, S 9 (median 7.5); entry 2 A, B, C 6
    and S 5; entry 3 all 8. Talent all 5. A and C: one score a step away in six (0.17),
    B none, S 3 + 2 steps in six (0.83), two of them two steps away or more."""
    final, entries, judges, (gown, talent) = pageant
    c = JudgeFactory(competition=final.event.competition, letter="C")
    s = JudgeFactory(competition=final.event.competition, letter="S")
    PanelSeat.objects.create(event=final.event, judge=c)
    PanelSeat.objects.create(event=final.event, judge=s, shadow=True)
    a, b = judges
    gowns = {
        entries[0]: {a: 7, b: "7.5", c: 8, s: 9},
        entries[1]: {a: 6, b: 6, c: 6, s: 5},
        entries[2]: {a: 8, b: 8, c: 8, s: 8},
    }
    for entry, by_judge in gowns.items():
        for judge, value in by_judge.items():
            score(final, judge, entry, {gown.pk: value, talent.pk: 5})
    round_close(round=final, actor=None)

    (round_,) = competition_agreement(final.event.competition, names=True).events[0].rounds

    figures = {
        r.judge[0]: (r.scores, r.mean_deviation_steps, r.scores_two_steps_away, r.shadow)
        for r in round_.rows
    }
    assert round_.measure == "criteria"
    assert figures == {
        "A": (6, Decimal("0.17"), 0, False),
        "B": (6, Decimal("0.00"), 0, False),
        "C": (6, Decimal("0.17"), 0, False),
        "S": (6, Decimal("0.83"), 2, True),
    }
