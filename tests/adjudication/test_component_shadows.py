"""Shadow (trainee) judges in component rounds: allocated components like the panel (every
component, their own fixed rows, a draw of their own that leaves the counting panel's draw
as it is), scoring on the tablet, and never counted: results, closing and receipts are
the same with and without their sheets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from adjudication.models import Receipt, RoundResult, Sheet
from adjudication.services import ScoringError, SheetInput, sheet_submit, tabulate_round
from competitions.components import allocation_draw, allocation_problems, round_allocation
from competitions.models import ComponentAllocation, PanelSeat
from tests.adjudication.component_day import build_component_day
from tests.adjudication.component_helpers import ComponentDay
from tests.adjudication.test_component_sheets import component_event
from tests.adjudication.test_tablet_pages import sign_in
from tests.factories.competitions import JudgeFactory
from tests.leaderboard.helpers import quiet

pytestmark = pytest.mark.django_db


def seat_shadow(event, letter="S"):
    shadow = JudgeFactory(competition=event.competition, letter=letter, name="Sam Shadow")
    PanelSeat.objects.create(event=event, judge=shadow, shadow=True)
    return shadow


def send_shadow(day: ComponentDay, round_, shadow, *, offset="0"):
    """The shadow's sheets: the panel's scores of judge A moved by ``offset``."""
    plan = round_allocation(round_, shadows=True)
    entries = [he.entry for heat in round_.heats.all() for he in heat.heat_entries.all()]
    for dance in day.dances:
        marks = {
            (e.pk, c.pk): str(Decimal(day.score(e, c, day.judges[0], dance)) + Decimal(offset))
            for e in entries
            for c in plan[dance.pk][shadow.pk]
        }
        round_.refresh_from_db()
        sheet_submit(
            data=SheetInput(
                round_id=round_.pk,
                judge_id=shadow.pk,
                dance_id=dance.pk,
                marks=marks,
                client_key=f"shadow-{round_.pk}-{dance.pk}",
                base_version=0,
                round_revision=round_.revision,
            ),
            actor=None,
        )


@pytest.fixture
def day():
    with quiet():
        day = ComponentDay()
        day.shadow = seat_shadow(day.event)
        day.open(day.first)
    return day


def test_every_judge_allocation_gives_the_shadow_every_component(day):
    plan = round_allocation(day.first, shadows=True)
    counting = round_allocation(day.first)

    for dance in day.dances:
        assert [c.short_name for c in plan[dance.pk][day.shadow.pk]] == ["TQ", "MM", "PS", "CP"]
        assert day.shadow.pk not in counting[dance.pk]


def test_the_results_are_the_same_with_and_without_the_shadows_sheets(day):
    with quiet():
        day.send_all(day.first)
    without = tabulate_round(day.first)

    with quiet():
        send_shadow(day, day.first, day.shadow, offset="-3")
    with_shadow = tabulate_round(day.first)
    with quiet():
        day.close(day.first)

    assert with_shadow == without
    assert Sheet.objects.filter(judge=day.shadow, shadow=True).count() == 2
    stored = RoundResult.objects.get(round=day.first).data["result"]
    assert stored["judges"] == ["A", "B", "C", "D"]
    assert all(
        m["judge"] != "S"
        for couple in stored["couples"]
        for dance in couple["dances"]
        for component in dance["components"]
        for m in component["marks"]
    )
    assert not Receipt.objects.filter(judge=day.shadow).exists()
    assert Receipt.objects.filter(round=day.first).count() == 4


def test_a_shadow_sheet_off_its_allocation_is_refused():
    round_, dances, components, entries, judges = component_event(allocation="fixed")
    shadow = seat_shadow(round_.event)
    ComponentAllocation.objects.create(event=round_.event, judge=shadow, criterion=components[1])

    with pytest.raises(ScoringError, match="does not score Technical qualities"):
        sheet_submit(
            data=SheetInput(
                round_id=round_.pk,
                judge_id=shadow.pk,
                dance_id=dances[0].pk,
                marks={(e.pk, components[0].pk): "5" for e in entries},
                client_key="shadow-tq",
                base_version=0,
                round_revision=round_.revision,
            ),
            actor=None,
        )

    assert not Sheet.objects.filter(judge=shadow).exists()


def test_a_fixed_allocation_gives_the_shadow_its_own_rows_only():
    round_, dances, components, _, judges = component_event(allocation="fixed")
    shadow = seat_shadow(round_.event)
    ComponentAllocation.objects.create(event=round_.event, judge=shadow, criterion=components[1])

    plan = round_allocation(round_, shadows=True)

    for dance in dances:
        assert plan[dance.pk][shadow.pk] == [components[1]]
        assert plan[dance.pk][judges[0].pk] == [components[0]]
    assert shadow.pk not in round_allocation(round_)[dances[0].pk]


def test_a_shadows_fixed_rows_never_cover_a_component_the_panel_leaves_unscored():
    round_, _, components, _, _ = component_event(allocation="fixed", unscored=("PS",))
    shadow = seat_shadow(round_.event)
    ComponentAllocation.objects.create(event=round_.event, judge=shadow, criterion=components[1])

    assert allocation_problems(round_) == [
        "no judge scores Partnering skill in Waltz",
        "no judge scores Partnering skill in Tango",
    ]


def test_the_counting_panels_draw_is_the_same_with_and_without_a_shadow_seat():
    round_, dances, components, _, judges = component_event(allocation="random")
    allocation_draw(round_, seed=20240601)
    without = round_allocation(round_)
    shadow = seat_shadow(round_.event)
    second = seat_shadow(round_.event, letter="T")

    allocation_draw(round_, seed=20240601)
    with_shadows = round_allocation(round_, shadows=True)

    assert round_allocation(round_) == without
    for dance in dances:
        assert {j: with_shadows[dance.pk][j] for j in without[dance.pk]} == without[dance.pk]
        # 4 judges and 2 shadows dealt 2 components: 3 each, the shadows one each
        assert len(with_shadows[dance.pk][shadow.pk]) == 1
        assert len(with_shadows[dance.pk][second.pk]) == 1
    rows = ComponentAllocation.objects.filter(round=round_, judge__in=[shadow, second])
    assert rows.count() == 4 and set(rows.values_list("seed", flat=True)) == {20240601}


def test_the_shadows_draw_is_repeated_from_the_seed():
    round_, dances, *_ = component_event(allocation="random")
    shadow = seat_shadow(round_.event)
    allocation_draw(round_, seed=7)
    first = round_allocation(round_, shadows=True)

    allocation_draw(round_, seed=7)

    assert round_allocation(round_, shadows=True) == first
    assert all(first[d.pk][shadow.pk] for d in dances)


def test_the_shadow_scores_its_components_on_the_tablet(client):
    day = build_component_day(couples=4, heats=1, step="0.5")
    shadow = seat_shadow(day.event)
    cp = day.components["CP"]
    ComponentAllocation.objects.create(event=day.event, judge=shadow, criterion=cp)
    sign_in(client, day, shadow)
    url = reverse("adjudication:tablet-sheet", args=[day.first.pk, f"d{day.dances[0].pk}"])

    page = client.get(url).content.decode()
    response = client.post(
        url,
        {
            "client_key": "s1",
            "base_version": 0,
            "round_revision": day.first.revision,
            **{f"score-{e.pk}-{cp.pk}": "6.5" for e in day.entries},
        },
        follow=True,
    )

    assert "You score CP in Waltz." in page
    assert response.status_code == 200
    sheet = Sheet.objects.get(judge=shadow)
    assert sheet.shadow is True
    assert sorted(sheet.marks.values_list("criterion_id", flat=True)) == [cp.pk] * 4
