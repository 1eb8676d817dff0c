"""Incidents in a component round, through the desk's services: an absent couple left
out of the sheets and the recall, a retired couple scored on the dances before it, a
disqualification re-tabulating a closed round, and a replacement judge who scores the
components the judge replaced was allocated; ``verify`` clean after each."""

from decimal import Decimal

import pytest

from adjudication.incidents.couples import entry_disqualify, entry_mark_absent, entry_retire
from adjudication.incidents.judges import judge_replace
from adjudication.models import Placing, RoundResult
from adjudication.ops.verification import competition_verify
from adjudication.services import (
    ScoringError,
    SheetInput,
    round_close,
    round_entries,
    sheet_submit,
)
from competitions.components import judge_components
from competitions.selectors import round_panel
from tests.adjudication.component_day import build_component_day
from tests.factories.accounts import UserFactory
from tests.factories.competitions import JudgeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return UserFactory(roles=["scrutineer", "chairman"])


def send_all(day, judges=None, skip=()):
    """Each judge's sheets of each dance: couple 11 best, each next one 0.5 lower, on the
    judge's own components, without the couples ``skip`` lists by (bib, dance)."""
    round_ = day.first
    round_.refresh_from_db()
    for dance in day.dances:
        for judge in judges or round_panel(round_):
            marks = {
                (e.pk, c.pk): Decimal(10) - (int(e.bib_label) - 11) * Decimal("0.5")
                for e in round_entries(round_)
                if (e.bib_label, dance.name) not in skip
                for c in judge_components(round_, dance, judge)
            }
            send(round_, dance, judge, marks)


def send(round_, dance, judge, marks):
    return sheet_submit(
        data=SheetInput(
            round_id=round_.pk,
            judge_id=judge.pk,
            dance_id=dance.pk,
            marks=marks,
            client_key=f"i-{judge.letter}-{dance.pk}",
            base_version=0,
            round_revision=round_.revision,
        ),
        actor=None,
    )


def result_couples(round_):
    return {c["couple"]: c for c in RoundResult.objects.get(round=round_).data["result"]["couples"]}


def recalled(round_):
    return sorted(
        p.entry.bib_label
        for p in Placing.objects.filter(round=round_, recalled=True).select_related(
            "entry__competitor"
        )
    )


def entry(day, bib):
    return next(e for e in day.entries if e.bib_label == bib)


def test_an_absent_couple_is_off_the_sheets_and_not_recalled(desk):
    day = build_component_day()
    entry_mark_absent(round=day.first, entry=entry(day, "12"), actor=desk, reason="No-show.")

    send_all(day, skip={("12", "Waltz"), ("12", "Tango")})
    round_close(round=day.first, actor=None, seed=1)

    assert "12" not in result_couples(day.first)
    assert recalled(day.first) == ["11", "13", "14", "15"]
    assert competition_verify(day.competition).ok


def test_a_couple_absent_cannot_be_scored(desk):
    day = build_component_day()
    entry_mark_absent(round=day.first, entry=entry(day, "12"), actor=desk, reason="No-show.")
    judge = day.judges[0]

    with pytest.raises(ScoringError, match="no longer dances here"):
        send_all(day, judges=[judge])


def test_a_retired_couple_scores_the_dances_before_it_and_is_not_recalled(desk):
    day = build_component_day(recall=2)
    tango = day.dances[1]
    entry_retire(
        round=day.first, entry=entry(day, "11"), actor=desk, reason="Injury.", from_dance=tango
    )

    send_all(day, skip={("11", "Tango")})
    round_close(round=day.first, actor=None, seed=1)

    eleven = result_couples(day.first)["11"]
    assert [(d["dance"], d["danced"]) for d in eleven["dances"]] == [
        ("Waltz", True),
        ("Tango", False),
    ]
    assert eleven["total"] == "40.000"  # the Waltz only: four components of 10
    assert recalled(day.first) == ["12", "13"]
    assert competition_verify(day.competition).ok


def test_a_disqualification_re_tabulates_the_closed_round(desk):
    day = build_component_day()
    send_all(day)
    round_close(round=day.first, actor=None, seed=1)
    assert recalled(day.first) == ["11", "12", "13", "14"]

    entry_disqualify(round=day.first, entry=entry(day, "11"), actor=desk, reason="Protest.")

    assert "11" not in result_couples(day.first)
    assert recalled(day.first) == ["12", "13", "14", "15"]
    assert competition_verify(day.competition).ok


def test_a_replacement_judge_scores_the_components_of_the_judge_replaced(desk):
    day = build_component_day()
    judge_a = day.judges[0]
    reserve = JudgeFactory(competition=day.competition, letter="R")
    judge_replace(
        event=day.event,
        judge=judge_a,
        replacement=reserve,
        from_round=day.first,
        finish_current=False,
        actor=desk,
        reason="Judge A was taken ill.",
    )
    waltz = day.dances[0]

    assert [c.short_name for c in judge_components(day.first, waltz, reserve)] == ["TQ", "MM"]
    with pytest.raises(ScoringError, match="Judge R does not score Partnering skill"):
        send(
            day.first,
            waltz,
            reserve,
            {(e.pk, day.components["PS"].pk): Decimal(8) for e in round_entries(day.first)},
        )
    send_all(day)
    round_close(round=day.first, actor=None, seed=1)

    data = RoundResult.objects.get(round=day.first).data["result"]
    assert data["judges"] == ["B", "C", "D", "R"]
    assert {"judge": "R", "components": ["Technical quality", "Movement to music"]} in data[
        "allocation"
    ][0]["judges"]
    assert competition_verify(day.competition).ok
