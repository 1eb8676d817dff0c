"""Component rounds through the services and the judges' API: a sheet per (dance, judge)
scoring every couple on the components allocated to that judge; off-scale, unallocated and
incomplete sheets refused with nothing written; closing a recall round and a final."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from adjudication.models import Placing, RecallDecision, RoundResult, Sheet
from adjudication.services import ScoringError, SheetInput, round_close, sheet_submit
from competitions.components import round_allocation
from competitions.models import Competition, ComponentAllocation, Round
from competitions.services import TransitionRefused, round_draw_heats, round_transition
from tests.adjudication.test_api import bearer, post, sign_in, submit_url
from tests.factories.competitions import (
    CompetitorFactory,
    CriterionFactory,
    DanceFactory,
    EntryFactory,
    EventFactory,
    JudgeFactory,
    PanelSeatFactory,
    RoundFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


def component_event(allocation="fixed", couples=4, recall=None, unscored=()):
    event = EventFactory(scoring_method="components", component_allocation=allocation, final_size=2)
    for status in ("registration_open", "registration_closed"):
        Competition.objects.filter(pk=event.competition_id).update(status=status)
    dances = [
        DanceFactory(event=event, name=n, position=i) for i, n in enumerate(("Waltz", "Tango"))
    ]
    components = [
        CriterionFactory(
            event=event, name=name, short_name=short, position=i, min_score=D(1), step=D("0.25")
        )
        for i, (name, short) in enumerate(
            (("Technical qualities", "TQ"), ("Partnering skill", "PS"))
        )
    ]
    entries = [
        EntryFactory(event=event, competitor=CompetitorFactory(competition=event.competition))
        for _ in range(couples)
    ]
    judges = [JudgeFactory(competition=event.competition, letter=x) for x in "ABCD"]
    for judge in judges:
        PanelSeatFactory(event=event, judge=judge)
    if allocation == "fixed":  # A, B score TQ; C, D score PS
        for judge, component in zip(judges, (0, 0, 1, 1), strict=True):
            if components[component].short_name in unscored:
                continue
            ComponentAllocation.objects.create(
                event=event, judge=judge, criterion=components[component]
            )
    kind = "final" if recall is None else "first"
    round_ = RoundFactory(event=event, kind=kind, position=1, recall_count=recall)
    if recall is not None:
        RoundFactory(event=event, kind="final", position=2)
    round_draw_heats(round=round_, heat_count=1, seed=1)
    if not unscored:
        round_transition(round=round_, to_status="open", actor=None)
        round_.refresh_from_db()
    return round_, dances, components, entries, judges


def send(round_, dance, judge, marks, key=None):
    return sheet_submit(
        data=SheetInput(
            round_id=round_.pk,
            judge_id=judge.pk,
            dance_id=dance.pk,
            marks=marks,
            client_key=key or f"{judge.pk}-{dance.pk}",
            base_version=0,
            round_revision=round_.revision,
        ),
        actor=None,
    )


def full_sheet(round_, dance, judge, score_of):
    """Every couple on every component allocated to ``judge``: ``score_of(entry, component)``."""
    mine = round_allocation(round_)[dance.pk][judge.pk]
    entries = [he.entry for he in round_.heats.get().heat_entries.all()]
    return {(e.pk, c.pk): score_of(e, c) for e in entries for c in mine}


def test_a_complete_sheet_is_stored_one_mark_per_couple_and_allocated_component():
    round_, dances, (tq, _), entries, judges = component_event()

    outcome = send(
        round_, dances[0], judges[0], full_sheet(round_, dances[0], judges[0], lambda e, c: "8.75")
    )

    assert sorted(outcome.sheet.marks.values_list("entry_id", "criterion_id")) == sorted(
        (e.pk, tq.pk) for e in entries
    )


@pytest.mark.parametrize(
    ("score", "message"),
    [("10.5", "is off the scale 1–10"), ("0.5", "is off the scale 1–10"), ("8.1", "steps of 0.25")],
)
def test_a_score_off_the_scale_or_step_is_refused_and_nothing_written(score, message):
    round_, dances, _, entries, judges = component_event()
    marks = full_sheet(round_, dances[0], judges[0], lambda e, c: "8")
    marks[next(iter(marks))] = score

    with pytest.raises(ScoringError) as error:
        send(round_, dances[0], judges[0], marks)

    assert message in " ".join(error.value.problems)
    assert not Sheet.objects.filter(round=round_).exists()


def test_a_component_not_allocated_to_the_judge_is_refused():
    round_, dances, (_, ps), entries, judges = component_event()
    marks = full_sheet(round_, dances[0], judges[0], lambda e, c: "8")
    marks[(entries[0].pk, ps.pk)] = "8"

    with pytest.raises(ScoringError, match="Judge A does not score Partnering skill in Waltz"):
        send(round_, dances[0], judges[0], marks)
    assert not Sheet.objects.exists()


def test_an_incomplete_sheet_and_a_couple_of_another_round_are_refused():
    round_, dances, (tq, _), entries, judges = component_event()
    marks = full_sheet(round_, dances[0], judges[0], lambda e, c: "8")
    del marks[(entries[1].pk, tq.pk)]
    with pytest.raises(ScoringError, match="missing 1"):
        send(round_, dances[0], judges[0], marks)
    stranger = EntryFactory(
        event=round_.event, competitor=CompetitorFactory(competition=round_.event.competition)
    )
    marks[(stranger.pk, tq.pk)] = "8"
    with pytest.raises(ScoringError, match="Only couples dancing in this round"):
        send(round_, dances[0], judges[0], marks)
    assert not Sheet.objects.exists()


def test_closing_a_final_places_couples_by_their_weighted_totals():
    round_, dances, components, entries, judges = component_event()
    base = {e.pk: 9 - i for i, e in enumerate(entries)}  # the first couple best
    for dance in dances:
        for judge in judges:
            send(round_, dance, judge, full_sheet(round_, dance, judge, lambda e, c: base[e.pk]))

    round_close(round=round_, actor=None)

    places = dict(Placing.objects.filter(round=round_).values_list("entry_id", "place"))
    assert places == {e.pk: i + 1 for i, e in enumerate(entries)}
    data = RoundResult.objects.get(round=round_).data
    assert data["kind"] == "components"
    first = data["result"]["couples"][0]
    assert (first["total"], first["dances"][0]["rank"]) == ("36.000", 1)
    assert [c["short_name"] for c in data["result"]["components"]] == ["TQ", "PS"]


def test_a_recall_round_recalls_the_best_totals_and_a_tie_waits_for_the_chairman(django_user_model):
    round_, dances, components, entries, judges = component_event(couples=4, recall=2)
    base = {entries[0].pk: 9, entries[1].pk: 8, entries[2].pk: 8, entries[3].pk: 5}
    for dance in dances:
        for judge in judges:
            send(round_, dance, judge, full_sheet(round_, dance, judge, lambda e, c: base[e.pk]))

    with pytest.raises(ScoringError, match="tie at the cut-off"):
        round_close(round=round_, actor=None)

    chairman = django_user_model.objects.create_superuser("chair", "c@example.com", "pw")
    RecallDecision.objects.create(round=round_, recall_count=3, decided_by=chairman)
    round_close(round=round_, actor=None)

    recalled = set(
        Placing.objects.filter(round=round_, recalled=True).values_list("entry_id", flat=True)
    )
    assert recalled == {e.pk for e in entries[:3]}
    final = Round.objects.get(event=round_.event, position=2)
    assert {he.entry_id for h in final.heats.all() for he in h.heat_entries.all()} == recalled


def test_a_random_allocation_is_drawn_when_the_round_opens_with_its_seed():
    round_, dances, components, _, judges = component_event(allocation="random")

    rows = ComponentAllocation.objects.filter(round=round_)
    assert {r.seed for r in rows} != {None} and len({r.seed for r in rows}) == 1
    for dance in dances:
        plan = round_allocation(round_)[dance.pk]
        assert sorted(len(cs) for cs in plan.values()) == [1, 1, 1, 1]
        assert {c.pk for cs in plan.values() for c in cs} == {c.pk for c in components}


def test_a_fixed_allocation_leaving_a_component_unscored_keeps_the_round_closed():
    round_, *_ = component_event(unscored=("PS",))

    with pytest.raises(TransitionRefused, match="no judge scores Partnering skill in Waltz"):
        round_transition(round=round_, to_status="open", actor=None)


def test_the_judges_api_lists_the_components_to_score_and_takes_a_sheet(client):
    round_, dances, (tq, ps), entries, judges = component_event()
    tokens = sign_in(client, judges[2])

    listed = client.get(reverse("api:judge-round", args=[round_.pk]), headers=bearer(tokens))

    assert listed.status_code == 200
    body = listed.json()
    assert body["scoring_method"] == "components"
    assert [(p["dance_id"], p["components"], p["marks"]) for p in body["parts"]] == [
        (d.pk, [ps.pk], len(entries)) for d in dances
    ]
    assert [c["short_name"] for c in body["criteria"]] == ["TQ", "PS"]
    sheet = {
        "dance_id": dances[0].pk,
        "marks": {f"{e.pk}:{ps.pk}": "7.5" for e in entries},
        "client_key": "tablet-C-1",
        "base_version": 0,
        "round_revision": round_.revision,
    }
    refused = post(
        client, submit_url(round_), {**sheet, "marks": {f"{entries[0].pk}:{tq.pk}": "7"}}, tokens
    )
    assert refused.status_code == 400
    assert "does not score Technical qualities" in refused.json()["message"]
    stored = post(client, submit_url(round_), sheet, tokens)
    assert stored.status_code == 201
    assert stored.json()["marks"] == {f"{e.pk}:{ps.pk}": "7.50" for e in entries}
    again = post(client, submit_url(round_), sheet, tokens)
    assert again.status_code == 200
