"""The agreement report of a component event, worked out by hand: ``component_helpers``'s
day (judges A–D score every component of couples 11–14 alike, except D's TQ 3 points
lower, which the 1.5 band discards; the first round recalls 11, 12, 13) with a trainee, S,
in a shadow seat. Steps are 0.25; a couple's Waltz base score is 9.5, 8.75, 8.0, 7.25
(11 to 14), the Tango's 0.25 lower; every weight is 1."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from adjudication.results.agreement import competition_agreement
from adjudication.results.agreement_measures import outside_band
from adjudication.services import SheetInput, sheet_submit
from competitions.components import round_allocation
from competitions.models import Competition, CompetitionStaff, StaffRole
from tests.adjudication.component_helpers import ComponentDay
from tests.adjudication.test_api import bearer
from tests.adjudication.test_component_shadows import seat_shadow
from tests.adjudication.test_desk_api import token_for
from tests.factories.accounts import UserFactory
from tests.leaderboard.helpers import quiet
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db
D = Decimal


def shadow_sheets(day: ComponentDay, round_, swap: tuple[int, int], far: bool) -> None:
    """S gives judge A's scores, but couples ``swap`` (bibs) each the other's; with
    ``far``, couple 11's Waltz TQ 2 points lower (8 steps, outside the band)."""
    plan = round_allocation(round_, shadows=True)
    by_bib = {e.competitor.bib: e for e in day.entries}
    given = {swap[0]: by_bib[swap[1]], swap[1]: by_bib[swap[0]]}
    entries = [he.entry for heat in round_.heats.all() for he in heat.heat_entries.all()]
    for dance in day.dances:
        marks = {}
        for e in entries:
            for c in plan[dance.pk][day.shadow.pk]:
                value = D(day.score(given.get(e.competitor.bib, e), c, day.judges[0], dance))
                if far and e.competitor.bib == 11 and dance.position == 0 and c.short_name == "TQ":
                    value -= 2
                marks[(e.pk, c.pk)] = str(value)
        round_.refresh_from_db()
        sheet_submit(
            data=SheetInput(
                round_id=round_.pk,
                judge_id=day.shadow.pk,
                dance_id=dance.pk,
                marks=marks,
                client_key=f"s-{round_.pk}-{dance.pk}",
                base_version=0,
                round_revision=round_.revision,
            ),
            actor=None,
        )


@pytest.fixture
def day():
    with quiet():
        day = ComponentDay()
        Competition.objects.filter(pk=day.competition.pk).update(agreement_shows_names=True)
        day.shadow = seat_shadow(day.event)
        day.open(day.first)
        day.send_all(day.first)
        shadow_sheets(day, day.first, swap=(13, 14), far=True)
        day.close(day.first)
        day.open(day.final)
        day.send_all(day.final)
        shadow_sheets(day, day.final, swap=(12, 13), far=False)
        day.close(day.final)
    day.competition.refresh_from_db()
    return day


def rows_of(report, kind):
    (event,) = report.events
    (found,) = [r for r in event.rounds if r.round.kind == kind]
    return found.measure, {row.judge[0]: row for row in found.rows}


def test_the_recall_round_deviations_discards_and_own_recalls(day):
    """32 scores each (2 dances × 4 couples × 4 components).
    A: 0 steps; own order 11, 12, 13, 14: recalls 11–13, all 3 recalled.
    D: 8 TQ scores 3 points (12 steps) off: 96 / 32 = 3.00, 8 two steps away, 8 discarded.
    S: couples 13 and 14 swapped: 16 scores 0.75 (3 steps) off; 11's Waltz TQ 8 steps:
    56 / 32 = 1.75, 17 two steps away, 1 outside the band. Own sums 11: 36 + 37 = 73,
    12: 69, 13 (14's scores): 57, 14 (13's): 63, so S recalls 11, 12, 14: 2 of 3."""
    measure, rows = rows_of(competition_agreement(day.competition), "first")

    assert measure == "components"
    a, d, s = rows["A"], rows["D"], rows["S"]
    assert (a.scores, a.mean_deviation_steps, a.scores_two_steps_away, a.scores_discarded) == (
        32,
        D("0.00"),
        0,
        0,
    )
    assert (a.own_recalls, a.own_recalls_recalled, a.share_recalled) == (3, 3, D("1.000"))
    assert (d.mean_deviation_steps, d.scores_two_steps_away, d.scores_discarded) == (
        D("3.00"),
        8,
        8,
    )
    assert (d.own_recalls, d.own_recalls_recalled) == (3, 3)
    assert s.shadow is True and not a.shadow
    assert (s.scores, s.mean_deviation_steps, s.scores_two_steps_away, s.scores_discarded) == (
        32,
        D("1.75"),
        17,
        1,
    )
    assert (s.own_recalls, s.own_recalls_recalled, s.share_recalled) == (3, 2, D("0.667"))
    assert s.rho is None and s.crosses is None


def test_the_final_deviations_and_own_order(day):
    """24 scores each (2 dances × 3 couples × 4 components). D: 6 TQ scores 12 steps off:
    72 / 24 = 3.00. S swaps 12 and 13: 16 scores 3 steps off: 48 / 24 = 2.00; own order
    11, 13, 12 against places 1, 2, 3: rho = 1 − 6 × 2 / (3 × 8) = 0.500, mean place
    difference (0 + 1 + 1) / 3 = 0.67."""
    _, rows = rows_of(competition_agreement(day.competition), "final")

    a, d, s = rows["A"], rows["D"], rows["S"]
    assert (a.rho, a.mean_place_difference) == (D("1.000"), D("0.00"))
    assert (d.scores, d.mean_deviation_steps, d.scores_discarded, d.rho) == (
        24,
        D("3.00"),
        6,
        D("1.000"),
    )
    assert (s.scores, s.mean_deviation_steps, s.scores_two_steps_away) == (24, D("2.00"), 16)
    assert (s.scores_discarded, s.rho, s.mean_place_difference) == (0, D("0.500"), D("0.67"))
    assert s.own_recalls is None


def test_a_score_exactly_the_tolerance_away_is_inside_the_band():
    scores = {"x": {"A": D(5), "B": D(5), "C": D(6), "S": D("6.5")}}

    assert outside_band(scores, ["A", "B", "C"], "S", D("1.5")) == 0
    assert outside_band(scores, ["A", "B", "C"], "S", D("1.25")) == 1


def test_the_page_csv_and_api_give_the_figures(client, day):
    user = UserFactory(is_staff=True)
    CompetitionStaff.objects.create(competition=day.competition, user=user, role=StaffRole.CHAIRMAN)
    slug = day.competition.slug
    _, tokens = token_for(client, "chairman")
    api = client.get(reverse("api:desk-agreement", args=[slug]), headers=bearer(tokens)).json()
    client.logout()
    sign_in_staff(client, user)

    page = client.get(reverse("adjudication:desk-agreement", args=[slug])).content.decode()
    sheet = client.get(reverse("adjudication:desk-agreement-csv", args=[slug]))

    assert "Discarded by the band" in page and "Own recalls" in page
    assert "Shadow, not counted" in page
    records = list(csv.DictReader(io.StringIO(sheet.content.decode())))
    s_first = next(r for r in records if r["judge"].startswith("S") and r["round"] == "First round")
    assert (s_first["measure"], s_first["mean_deviation_steps"]) == ("components", "1.75")
    assert (s_first["scores_discarded"], s_first["own_recalls_on_recalled"]) == ("1", "2")
    final = api["events"][0]["rounds"][1]
    assert final["measure"] == "components"
    d_row = next(r for r in final["rows"] if r["judge"].startswith("D"))
    assert (d_row["scores_discarded"], d_row["mean_deviation_steps"]) == (6, "3.00")
