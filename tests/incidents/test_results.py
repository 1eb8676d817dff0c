"""The marks sheets (and so the PDFs and exports, made from the same tables) show the
seeded couples and the sheets the chairman accepted with the wrong number of crosses."""

import pytest

from adjudication.incidents.seeding import entry_seed
from adjudication.results.tables import competition_results, sheets_as_dict
from adjudication.services import (
    SheetInput,
    round_close,
    round_publish,
    sheet_confirm,
    sheet_submit,
)
from competitions.models import Entry, Round
from competitions.registration import registration_close, registration_submit
from competitions.services import round_transition
from tests.adjudication.day import Day
from tests.competitions.registration_helpers import couple, open_competition, skating_event
from tests.factories.accounts import UserFactory
from tests.factories.competitions import JudgeFactory, PanelSeatFactory

pytestmark = pytest.mark.django_db


def star_day(organizer):
    """Ten couples, one seeded into the final; the first round recalls five of nine."""
    competition, link = open_competition()
    event = skating_event(competition, name="Adult Latin", max_per_heat=12)
    judges = [JudgeFactory(competition=competition, letter=c) for c in "ABC"]
    for judge in judges:
        PanelSeatFactory(event=event, judge=judge)
    for n in range(10):
        registration_submit(link=link, details=couple(n, club=f"Club {n}"), event_ids=[event.pk])
    first = Round.objects.create(event=event, position=1, kind="first", recall_count=6)
    final = Round.objects.create(event=event, position=2, kind="final")
    star = Entry.objects.filter(event=event).order_by("id").first()
    entry_seed(entry=star, round_position=2, actor=organizer, reason="last year's champions")
    registration_close(competition=competition, actor=None, seed=1)
    round_transition(round=first, to_status="open", actor=None)
    first.refresh_from_db()
    return Day(competition, event, list(event.dances.all()), judges, first, final), star


def test_the_sheets_show_the_accepted_sheet_and_the_star(organizer):
    day, star = star_day(organizer)
    dance = day.dances[0]
    dancing = day.entries()
    for judge in day.judges[1:]:
        day.send(judge, dance, day.crosses(dancing[:5]))
    accepted = sheet_submit(
        data=SheetInput(
            round_id=day.first.pk,
            judge_id=day.judges[0].pk,
            dance_id=dance.pk,
            marks=day.crosses(dancing[:4]),
            client_key="paper-a",
            base_version=0,
            round_revision=day.first.revision,
            accept_count_reason="judge A meant four",
        ),
        actor=UserFactory(username="chair", roles=["chairman"]),
        source="paper",
    )
    sheet_confirm(sheet=accepted.sheet, actor=UserFactory(username="col", roles=["scrutineer"]))
    round_close(round=day.first, actor=None)
    round_publish(round=day.first, actor=None)
    round_transition(round=day.final, to_status="open", actor=None)

    sheets = competition_results(day.competition, published_only=False, reasons=True)

    first, final = sheets.events[0].rounds
    assert (
        f"Judge A, {dance.name}: 4 crosses (5 asked), accepted as they are by the chairman: "
        "judge A meant four"
    ) in first.lines
    assert (
        f"Seeded into round 2 (did not dance the rounds before): {star.bib_label}."
    ) in final.lines
    assert star.bib_label not in [row[0] for row in first.tables[0].rows]
    assert sheets_as_dict(sheets)["events"][0]["rounds"][0]["lines"] == first.lines


def test_the_ranking_does_not_count_a_star_in_the_round_it_skipped(organizer):
    day, star = star_day(organizer)
    dance = day.dances[0]
    dancing = day.entries()
    for judge in day.judges:
        day.send(judge, dance, day.crosses(dancing[:5]))
    round_close(round=day.first, actor=None)
    round_publish(round=day.first, actor=None)
    round_transition(round=day.final, to_status="open", actor=None)
    day.final.refresh_from_db()
    finalists = day.entries(day.final)
    assert star in finalists and len(finalists) == 6
    for judge in day.judges:
        day.send(judge, dance, {e.pk: i for i, e in enumerate(finalists, 1)}, round_=day.final)
    round_close(round=day.final, actor=None)

    results = competition_results(day.competition, published_only=False).events[0].results

    places = {row[1]: row[0] for row in results.rows}
    assert places[str(star.competitor.bib)] in {"1", "2", "3", "4", "5", "6"}
    assert sorted(p for p in places.values() if "-" in p) == ["7-10"] * 4
    assert len(results.rows) == 10
