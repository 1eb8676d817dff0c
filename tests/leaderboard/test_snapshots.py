import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adjudication.desk.snapshot import desk_snapshot
from adjudication.models import Sheet
from adjudication.services import round_progress
from adjudication.tablet.snapshot import tablet_snapshot
from competitions.models import Round
from leaderboard.snapshots import (
    public_snapshot,
    public_snapshot_message,
    public_update_message,
)
from tests.leaderboard.helpers import (
    MARKS,
    Pageant,
    json_numbers,
    json_strings,
    published_first_round,
    quiet,
    quiet_day,
)

pytestmark = pytest.mark.django_db


def _queries(function, *args, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        function(*args, **kwargs)
    return len(captured)


def test_public_snapshot_shows_the_floor_and_counts_only(django_assert_max_num_queries):
    day = quiet_day()
    with quiet():
        day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]))
        day.send(day.judges[1], day.dances[0], day.crosses(day.entries()[2:8]))

    # Six for the floor's rounds and results, seven for the day (the floor, the
    # timetable and its trail): the same whatever the size of the competition.
    with django_assert_max_num_queries(13):
        snapshot = public_snapshot(day.competition)

    (floor,) = snapshot["floor"]
    assert floor["event"] == "Adult Latin"
    assert floor["kind_label"] == "First round"
    assert floor["judges"] == 3
    assert [p["in"] for p in floor["parts"]] == [2, 0]
    assert floor["sheets_in"] == 2
    assert floor["sheets_due"] == 6
    assert sorted(floor["heats"][0]["bibs"]) == sorted(e.competitor.bib for e in day.entries())
    assert snapshot["next"][0]["kind_label"] == "Final"
    assert snapshot["results"] == []
    assert "running" not in floor


def test_public_snapshot_holds_no_marks_and_no_judges():
    day = quiet_day()
    with quiet():
        day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]))

    text = json.dumps(public_snapshot(day.competition))

    assert "judge" not in text.replace('"judges"', "")
    assert '"marks"' not in text
    assert "total" not in text  # no running total, no tabulated total before publication


def test_a_paper_sheet_counts_once_confirmed():
    day = quiet_day()
    with quiet():
        day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]), source="paper")

    snapshot = public_snapshot(day.competition)

    assert snapshot["floor"][0]["parts"][0]["in"] == 0


def test_a_closed_round_stays_on_the_floor_without_results_until_published():
    day = quiet_day()
    with quiet():
        from adjudication.services import round_close
        from tests.adjudication.day import all_recall_sheets

        all_recall_sheets(day)
        round_close(round=day.first, actor=None, seed=3)

    snapshot = public_snapshot(day.competition)

    assert [(f["kind"], f["status"]) for f in snapshot["floor"]] == [("first", "closed")]
    assert snapshot["results"] == []
    assert "recalled" not in json.dumps(snapshot)


def test_published_recalls_and_the_next_round_on_the_floor():
    day = published_first_round(quiet_day())

    snapshot = public_snapshot(day.competition)

    (recalls,) = snapshot["results"]
    assert recalls["type"] == "recalls"
    recalled = Round.objects.get(pk=day.first.pk).placings.filter(recalled=True)
    assert recalls["recalled"] == sorted(p.entry.competitor.bib for p in recalled)
    assert snapshot["recent"] == [day.first.pk]
    (floor,) = snapshot["floor"]
    assert floor["kind"] == "final"
    assert len(floor["heats"][0]["bibs"]) == 6
    assert snapshot["next"] == []


def test_published_final_results_have_places_names_and_clubs():
    day = published_first_round(quiet_day())
    finalists = day.entries(day.final)
    with quiet():
        from adjudication.services import round_close, round_publish

        for judge in day.judges:
            for dance in day.dances:
                day.send(
                    judge,
                    dance,
                    {e.pk: place for place, e in enumerate(finalists, 1)},
                    round_=day.final,
                )
        round_close(round=day.final, actor=None)
        round_publish(round=day.final, actor=None)

    snapshot = public_snapshot(day.competition)

    final = snapshot["results"][-1]
    assert final["type"] == "placings"
    assert [row["place"] for row in final["placings"]] == ["1", "2", "3", "4", "5", "6"]
    first = final["placings"][0]
    assert first["bib"] == finalists[0].competitor.bib
    assert first["name"] == finalists[0].competitor.display_name
    assert first["club"] == finalists[0].competitor.club
    assert first["total"] is None
    assert snapshot["floor"] == []
    assert snapshot["recent"][0] == day.final.pk


def test_a_live_total_event_shows_the_running_weighted_total():
    pageant = Pageant(reveal="live_total")
    with quiet():
        pageant.score(pageant.judges[0], pageant.entries[0], "7.5", "9")
        pageant.score(pageant.judges[1], pageant.entries[0], "8.5", "8")
        pageant.score(pageant.judges[0], pageant.entries[1], "10", "10")

    (floor,) = public_snapshot(pageant.competition)["floor"]

    # Gown mean 8 x 1 + talent mean 8.5 x 2 = 25; the second entry has one judge in.
    assert floor["running"] == [
        {
            "bib": pageant.entries[1].competitor.bib,
            "name": pageant.entries[1].competitor.display_name,
            "total": "30",
            "judges_in": 1,
        },
        {
            "bib": pageant.entries[0].competitor.bib,
            "name": pageant.entries[0].competitor.display_name,
            "total": "25",
            "judges_in": 2,
        },
    ]
    assert [p["in"] for p in floor["parts"]] == [2, 1, 0]


def test_a_published_only_criteria_event_shows_counts_but_no_scores():
    pageant = Pageant(reveal="published")
    with quiet():
        pageant.score(pageant.judges[0], pageant.entries[0], "7.5", "9.5")

    snapshot = json.loads(json.dumps(public_snapshot(pageant.competition)))

    assert [s for s in json_strings(snapshot) if "running" in s] == []
    assert json_numbers(snapshot).isdisjoint(MARKS)


@pytest.mark.parametrize("couples", [1, 3])
def test_public_snapshot_reads_a_fixed_number_of_queries(couples, django_assert_num_queries):
    day = quiet_day(couples=couples + 6, recall=couples + 5)
    with quiet():
        day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[: couples + 5]))

    with django_assert_num_queries(12):
        public_snapshot(day.competition, results=False)


def test_public_snapshot_queries_do_not_grow_with_rounds_and_results():
    small = published_first_round(quiet_day(couples=8))
    big = published_first_round(quiet_day(couples=14, recall=6))
    big_pageant = Pageant(reveal="live_total", entries=5)
    with quiet():
        big_pageant.score(big_pageant.judges[0], big_pageant.entries[0], "7", "7")

    assert _queries(public_snapshot, small.competition) == _queries(
        public_snapshot, big.competition
    )
    assert _queries(public_snapshot, big_pageant.competition) <= 16


def test_the_message_carries_the_public_sequence():
    day = quiet_day()

    first = json.loads(public_update_message(day.competition.pk, kinds={"sheet.submitted"}))
    second = json.loads(public_update_message(day.competition.pk, kinds={"round.published"}))
    snapshot = json.loads(public_snapshot_message(day.competition))

    assert (first["seq"], second["seq"], snapshot["seq"]) == (1, 2, 2)
    assert "results" not in first  # between publications, results ride along only on rounds
    assert second["results"] == [] and snapshot["results"] == []
    assert first["results_rev"] == snapshot["results_rev"]


def test_desk_snapshot_matches_round_progress_for_every_open_round(
    django_assert_max_num_queries,
):
    day = published_first_round(quiet_day())
    pageant = Pageant()
    with quiet():
        pageant.score(pageant.judges[0], pageant.entries[1], "5", "5")
        finalists = day.entries(day.final)
        day.send(
            day.judges[1],
            day.dances[1],
            {e.pk: n for n, e in enumerate(finalists, 1)},
            round_=day.final,
            source="paper",
        )

    for competition, round_ in ((day.competition, day.final), (pageant.competition, pageant.final)):
        with django_assert_max_num_queries(5):
            snapshot = desk_snapshot(competition)
        (desk_round,) = snapshot["rounds"]
        expected = [
            {
                "label": p.label,
                "dance_id": p.dance_id,
                "entry_id": p.entry_id,
                "submitted": p.submitted,
                "awaiting_confirmation": p.awaiting_confirmation,
                "missing": p.missing,
            }
            for p in round_progress(round_)
        ]
        assert desk_round["round"] == round_.pk
        assert desk_round["parts"] == expected
    assert desk_snapshot(day.competition)["rounds"][0]["parts"][1]["awaiting_confirmation"] == ["B"]


def test_tablet_snapshot_lists_the_judges_sheets_without_marks(
    client, django_assert_max_num_queries
):
    from django.contrib.auth.models import Group

    from adjudication.models import TabletSession
    from adjudication.tablet.sessions import tablet_code_issue

    Group.objects.get_or_create(name="judge")
    day = quiet_day()
    judge = day.judges[0]
    code = tablet_code_issue(judge=judge, actor=None)
    client.post(
        "/tablet/", {"competition": day.competition.slug, "letter": judge.letter, "code": code}
    )
    with quiet():
        day.send(judge, day.dances[0], day.crosses(day.entries()[:6]))
    tablet = TabletSession.objects.get()
    judge.refresh_from_db()

    # The session, then adjudication.selectors.judge_round_list's fixed set (with the
    # couples absent, retired or disqualified), then the floor.
    with django_assert_max_num_queries(13):
        snapshot = tablet_snapshot(
            session_key=tablet.session_key, tablet_id=tablet.pk, user_id=judge.user_id
        )
    stranger = tablet_snapshot(session_key=tablet.session_key, tablet_id=tablet.pk, user_id=-1)

    (judged,) = snapshot["rounds"]
    assert [(p["label"], p["state"], p["version"]) for p in judged["parts"]] == [
        ("Samba", "sent", 1),
        ("Rumba", "to_send", 0),
    ]
    assert snapshot["judge"]["letter"] == "A"
    assert "marks" not in json.dumps(snapshot)
    assert stranger is None
    assert Sheet.objects.count() == 1
