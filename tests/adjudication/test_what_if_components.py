"""The what-if on component rounds over the desk's API: a judge's component score
changed or a judge left out, beside the stored result; totals, places and recalls that
move, the rule that decided (the total, or the tie-break by component), the tolerance
band and weights in the steps; refusals for a score off the scale or off its step and for
a component not allocated to that judge; nothing written."""

from decimal import Decimal

import pytest

from adjudication.models import Mark, Placing, RoundResult, Sheet
from adjudication.services import (
    SheetInput,
    round_close,
    round_entries,
    round_publish,
    sheet_submit,
)
from competitions.components import judge_components
from competitions.models import Round
from competitions.services import round_transition
from tests.adjudication.component_day import build_component_day
from tests.adjudication.test_desk_api import post, token_for
from tests.adjudication.what_if_helpers import page_url
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


def send_round(day, round_, score):
    """Every judge's sheet of every dance, ``score(letter, dance, bib, component)``."""
    round_.refresh_from_db()
    for dance in day.dances:
        for judge in day.judges:
            marks = {
                (e.pk, c.pk): Decimal(str(score(judge.letter, dance.name, e.bib_label, c)))
                for e in round_entries(round_)
                if not e.withdrawn
                for c in judge_components(round_, dance, judge)
            }
            sheet_submit(
                data=SheetInput(
                    round_id=round_.pk,
                    judge_id=judge.pk,
                    dance_id=dance.pk,
                    marks=marks,
                    client_key=f"w-{judge.letter}-{dance.pk}-{round_.pk}",
                    base_version=0,
                    round_revision=round_.revision,
                ),
                actor=None,
            )


def base(bib: str) -> Decimal:
    """Couple 11 scores 10, each next couple half a point less, from every judge."""
    return Decimal(10) - (int(bib) - 11) * Decimal("0.5")


def closed_first_round(allocation="every_judge"):
    """Eight couples, four recalled: 11-14 by their totals, 15 the next."""
    day = build_component_day(allocation=allocation)
    send_round(day, day.first, lambda letter, dance, bib, c: base(bib))
    round_close(round=day.first, actor=None, seed=3)
    day.first.refresh_from_db()
    return day


def closed_final():
    """The final of the four recalled: 11 and 12 equal in total, 11 ahead on TQ (the
    first component): 11 scores TQ 9 / MM 8, 12 TQ 8 / MM 9; 13 and 14 lower."""
    day = closed_first_round()
    round_publish(round=day.first, actor=None)
    final = Round.objects.get(event=day.event, kind="final")
    round_transition(round=final, to_status="open", actor=None)
    marks = {"11": {"TQ": 9, "MM": 8}, "12": {"TQ": 8, "MM": 9}}

    def score(letter, dance, bib, component):
        return marks.get(bib, {}).get(component.short_name, 7 if bib in ("11", "12") else 6)

    send_round(day, final, score)
    round_close(round=final, actor=None)
    final.refresh_from_db()
    return day, final


def what_if(client, round_, body, *roles):
    _, tokens = token_for(client, *(roles or ("chairman",)))
    return post(client, "desk-round-what-if", [round_.pk], tokens, body)


def lines(answer):
    return {line["couple"]: line for line in answer["lines"]}


def lower(letters, bib, components, value, dances=("Waltz", "Tango")):
    return [
        {"judge": j, "dance": d, "couple": bib, "criterion": c, "value": value}
        for j in letters
        for d in dances
        for c in components
    ]


def test_lower_component_scores_take_a_couple_out_of_the_recall_and_bring_the_next_in(client):
    day = closed_first_round()

    changes = lower("ABCD", "14", ("TQ", "MM"), "7")
    response = what_if(client, day.first, {"changes": changes})

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["kind"] == "components"
    by_bib = lines(answer)
    assert (by_bib["14"]["stored"], by_bib["14"]["what_if"]) == ("recalled", "not recalled")
    assert (by_bib["15"]["stored"], by_bib["15"]["what_if"]) == ("not recalled", "recalled")
    assert (by_bib["14"]["stored_total"], by_bib["14"]["what_if_total"]) == ("68", "62")
    assert (answer["entering"], answer["leaving"]) == (["15"], ["14"])
    assert any("would be drawn again" in said for said in answer["cascade"])
    assert answer["steps"][0] == (
        "Waltz · couple 14 · Technical quality: marks A 7, B 7, C 7, D 7; median 7.000, "
        "band ±1.5; score 7.000 × weight 1 = 7.000 (stored 8.500)"
    )


def test_a_lone_mark_outside_the_tolerance_band_changes_nothing(client):
    day = closed_first_round()

    changes = [{"judge": "D", "dance": "Waltz", "couple": "15", "criterion": "TQ", "value": 10}]
    response = what_if(client, day.first, {"changes": changes})

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert [line for line in answer["lines"] if line["stored_total"] != line["what_if_total"]] == []
    assert [line for line in answer["lines"] if line["moved"]] == []
    assert answer["steps"] == [
        "Waltz · couple 15 · Technical quality: marks A 8, B 8, C 8, D 10 (outside the "
        "band); median 8.000, band ±1.5; score 8.000 × weight 1 = 8.000 (stored 8.000)"
    ]
    assert answer["cascade"] == [
        "The same couples would be recalled: Final (round 2) is not affected."
    ]


def test_a_tie_broken_by_the_first_component_turns_on_one_score(client):
    day, final = closed_final()
    stored = lines(what_if(client, final, {"changes": []}).json())
    assert (stored["11"]["stored"], stored["12"]["stored"]) == ("1", "2")
    assert stored["11"]["stored_rule"] == "component:Technical quality"

    changes = [{"judge": "A", "dance": "Tango", "couple": "12", "criterion": "TQ", "value": "8.25"}]
    response = what_if(client, final, {"changes": changes})

    assert response.status_code == 200, response.json()
    by_bib = lines(response.json())
    assert (by_bib["12"]["stored"], by_bib["12"]["what_if"], by_bib["12"]["direction"]) == (
        "2",
        "1",
        "up",
    )
    assert (by_bib["11"]["what_if"], by_bib["11"]["rule"]) == ("2", "total")
    assert by_bib["11"]["stored_rule"] == "component:Technical quality"
    assert by_bib["12"]["why"] == "the higher total"
    # Tango TQ: (8 + 8 + 8 + 8.25) / 4 = 8.0625, so 62.0625, shown to three places half
    # to even.
    assert (by_bib["12"]["stored_total"], by_bib["12"]["what_if_total"]) == ("62", "62.062")
    assert "Couple 12 would be 1st, not 2nd, in the event's result." in response.json()["cascade"]


def test_leaving_out_a_judge_recomputes_each_component_from_the_others(client):
    day, final = closed_final()

    response = what_if(client, final, {"leave_out": ["A"]})

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["judges"] == ["B", "C", "D"] and answer["left_out"] == ["A"]
    assert "Judge A left out: 3 judges count (B, C, D)." in answer["notes"]
    # Every judge scored alike: without A the places stay (13 and 14 share the third).
    assert [line["what_if"] for line in answer["lines"]] == ["1", "2", "3.5", "3.5"]
    assert not [line for line in answer["lines"] if line["moved"]]


def test_a_changed_score_on_a_fixed_allocation_must_be_the_judges_own_component(client):
    day = closed_first_round(allocation="fixed")
    changes = [
        {"judge": "A", "dance": "Waltz", "couple": "12", "criterion": "PS", "value": "9"},
        {"judge": "B", "dance": "Waltz", "couple": "12", "criterion": "PS", "value": "11"},
        {"judge": "B", "dance": "Waltz", "couple": "13", "criterion": "CP", "value": "8.3"},
        {"judge": "C", "dance": "Rumba", "couple": "12", "criterion": "TQ", "value": "9"},
        {"judge": "C", "dance": "Waltz", "couple": "12", "criterion": "XX", "value": "9"},
    ]

    response = what_if(client, day.first, {"changes": changes})

    assert response.status_code == 400
    problems = response.json()["errors"]["__all__"][1:]
    assert problems[0] == (
        "Change 1: judge A does not score Partnering skill in the Waltz (only TQ, MM)."
    )
    assert problems[1] == (
        "Change 2: 11 is off the scale: Partnering skill takes 1 to 10 in steps of 0.25."
    )
    assert problems[2] == (
        "Change 3: 8.3 is off the scale: Choreography and presentation takes 1 to 10 in "
        "steps of 0.25."
    )
    assert problems[3].startswith("Change 4: no dance 'Rumba' in this event")
    assert problems[4] == "Change 5: no component 'XX' in this event (TQ, MM, PS, CP)."


def test_a_component_what_if_writes_nothing(client):
    day, final = closed_final()
    before = (
        list(Mark.objects.order_by("pk").values_list("pk", "value")),
        list(Placing.objects.order_by("pk").values_list("pk", "place", "total")),
        list(RoundResult.objects.order_by("pk").values_list("pk", "data")),
    )

    what_if(client, final, {"changes": lower("A", "14", ("TQ",), "10"), "leave_out": ["B"]})

    after = (
        list(Mark.objects.order_by("pk").values_list("pk", "value")),
        list(Placing.objects.order_by("pk").values_list("pk", "place", "total")),
        list(RoundResult.objects.order_by("pk").values_list("pk", "data")),
    )
    assert after == before


def test_a_judge_may_not_run_a_component_what_if(client):
    day, final = closed_final()

    response = what_if(client, final, {"changes": []}, "judge")

    assert response.status_code == 403


def test_the_desk_page_lays_out_each_dance_by_couple_and_component_and_recomputes(client):
    day, final = closed_final()
    sign_in_staff(client, UserFactory(roles=["chairman"]))
    sheet = Sheet.objects.get(round=final, judge__letter="A", dance__name="Tango")
    entry = next(e for e in round_entries(final) if e.bib_label == "12")
    tq = day.components["TQ"]
    field = f"m-{sheet.pk}-{entry.pk}-{tq.pk}"

    page = client.get(page_url(final))
    changed = client.post(page_url(final), {field: "8.25"})

    html = page.content.decode()
    assert page.status_code == 200
    assert f'name="{field}" value="8"' in html
    assert "12 TQ" in html and "No place would change." in html
    after = changed.content.decode()
    assert changed.status_code == 200
    assert "<strong>2 places would change</strong>" in after
    assert "the higher total" in after
    assert "Tango · couple 12 · Technical quality: marks A 8.25, B 8, C 8, D 8" in after
