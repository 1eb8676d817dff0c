from decimal import Decimal

import pytest

from adjudication.models import Placing
from adjudication.ops.verification import competition_verify
from adjudication.services import ScoringError, SheetInput, round_close, sheet_submit
from competitions.models import Competition, HeatEntry, Round
from competitions.services import round_draw_heats, round_transition
from tests.factories.competitions import (
    CriteriaEventFactory,
    CriterionFactory,
    EntryFactory,
    JudgeFactory,
    PanelSeatFactory,
    RoundFactory,
    SoloCompetitorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pageant():
    event = CriteriaEventFactory()
    for status in ("registration_open", "registration_closed"):
        Competition.objects.filter(pk=event.competition_id).update(status=status)
    gown = CriterionFactory(event=event, name="Gown", weight=Decimal("1"), step=Decimal("0.5"))
    talent = CriterionFactory(event=event, name="Talent", weight=Decimal("2"), step=Decimal("0.5"))
    entries = [
        EntryFactory(event=event, competitor=SoloCompetitorFactory(competition=event.competition))
        for _ in range(3)
    ]
    judges = [JudgeFactory(competition=event.competition, letter=letter) for letter in "AB"]
    for judge in judges:
        PanelSeatFactory(event=event, judge=judge)
    final = RoundFactory(event=event, kind="final", position=1)
    round_draw_heats(round=final, heat_count=1, seed=1)
    round_transition(round=final, to_status="open", actor=None)
    final.refresh_from_db()
    return final, entries, judges, (gown, talent)


def score(final, judge, entry, marks, key=None):
    return sheet_submit(
        data=SheetInput(
            round_id=final.pk,
            judge_id=judge.pk,
            entry_id=entry.pk,
            marks=marks,
            client_key=key or f"{judge.pk}-{entry.pk}",
            base_version=0,
            round_revision=final.revision,
        ),
        actor=None,
    )


def test_scores_within_range_are_stored(pageant):
    final, entries, judges, (gown, talent) = pageant

    sheet = score(final, judges[0], entries[0], {gown.pk: "7.5", talent.pk: 9}).sheet

    assert dict(sheet.marks.values_list("criterion_id", "value")) == {
        gown.pk: Decimal("7.5"),
        talent.pk: Decimal("9"),
    }


@pytest.mark.parametrize(
    ("gown_score", "message"),
    [
        ("10.5", "Gown: 10.5 is outside 0–10."),
        ("7.3", "Gown: use steps of 0.5."),
        ("seven", "is not a number"),
    ],
)
def test_scores_out_of_range_or_step_are_refused(pageant, gown_score, message):
    final, entries, judges, (gown, talent) = pageant

    with pytest.raises(ScoringError) as error:
        score(final, judges[0], entries[0], {gown.pk: gown_score, talent.pk: "8"})

    assert message in str(error.value)
    assert not final.sheets.exists()


def test_every_criterion_must_be_scored(pageant):
    final, entries, judges, (gown, _) = pageant

    with pytest.raises(ScoringError, match="missing Talent"):
        score(final, judges[0], entries[0], {gown.pk: "8"})


def test_closing_ranks_by_weighted_totals(pageant):
    final, entries, judges, (gown, talent) = pageant
    values = {entries[0]: ("6", "9"), entries[1]: ("9", "6"), entries[2]: ("5", "5")}
    for judge in judges:
        for entry, (g, t) in values.items():
            score(final, judge, entry, {gown.pk: g, talent.pk: t})

    round_close(round=final, actor=None)

    places = dict(Placing.objects.filter(round=final).values_list("entry_id", "place"))
    # weighted: 6 + 2*9 = 24, 9 + 2*6 = 21, 5 + 2*5 = 15
    assert places == {entries[0].pk: 1, entries[1].pk: 2, entries[2].pk: 3}
    assert Round.objects.get(pk=final.pk).status == "closed"


def test_verify_checks_criteria_sheets_and_finds_an_entry_taken_out_of_the_heats(pageant):
    final, entries, judges, (gown, talent) = pageant
    for judge in judges:
        for entry in entries:
            score(final, judge, entry, {gown.pk: "7.5", talent.pk: 8})

    clean = competition_verify(final.event.competition)
    assert clean.findings == []
    assert clean.sheets_checked == 6

    HeatEntry.objects.filter(heat__round=final, entry=entries[0]).delete()
    report = competition_verify(final.event.competition)

    bib = entries[0].competitor.bib or f"#{entries[0].pk}"
    assert [f.message for f in report.findings] == [f"Entry {bib} is not in this round."] * 2
