"""After a replacement, every reader of the panel reads the round's panel: the tablets
(pages, state, judges' API), the desk's snapshot, the marks sheets, the judges' sheet
PDF, the results export and the public screens' count of judges."""

import pytest
from django.test import Client
from django.urls import reverse

from adjudication.desk.snapshot import desk_snapshot
from adjudication.incidents.judges import judge_replace
from adjudication.models import Sheet, TabletSession
from adjudication.results.exports import results_data
from adjudication.results.facts import competition_facts
from adjudication.results.pdf import judge_sheets_story
from adjudication.results.tables import competition_results
from adjudication.services import round_close, round_publish
from competitions.models import Round
from tests.adjudication.day import all_recall_sheets, build_day, open_final
from tests.adjudication.test_api import bearer, round_url, submit_url
from tests.adjudication.test_api import sign_in as api_sign_in
from tests.adjudication.test_tablet_pages import form, sheet_url, sign_in
from tests.competitions.registration_helpers import skating_event
from tests.factories.accounts import UserFactory
from tests.factories.competitions import JudgeFactory, PanelSeatFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


@pytest.fixture
def reserve(day):
    return JudgeFactory(competition=day.competition, letter="R", name="Rita Reserve")


def also_on_a_later_panel(day, judge):
    """``judge`` also sits on another event's panel, whose round is still to come (so
    finishing the first round of the Latin does not sign the judge out)."""
    ballroom = skating_event(day.competition, name="Adult Ballroom")
    PanelSeatFactory(event=ballroom, judge=judge)
    Round.objects.create(event=ballroom, position=1, kind="first", recall_count=6)


def replace(day, reserve, *, from_round=None, finish_current=False):
    return judge_replace(
        event=day.event,
        judge=day.judges[1],
        replacement=reserve,
        from_round=from_round or day.first,
        finish_current=finish_current,
        actor=UserFactory(roles=["chairman"]),
        reason="Judge B was taken ill.",
    )


def test_a_judge_who_finished_the_round_is_signed_out_when_it_closes(client, day, reserve):
    sign_in(client, day, day.judges[1])
    replace(day, reserve, finish_current=True)  # B keeps the tablet: finishes the first round
    assert client.get(sheet_url(day)).status_code == 200
    all_recall_sheets(day)

    round_close(round=day.first, actor=None)

    assert TabletSession.objects.get(judge=day.judges[1]).revoked_at is not None
    assert client.get(reverse("adjudication:tablet-state")).status_code == 401
    assert client.get(sheet_url(day, day.final)).status_code != 200


def test_a_judge_who_finished_the_round_keeps_the_tablet_for_another_panel(client, day, reserve):
    also_on_a_later_panel(day, day.judges[1])
    sign_in(client, day, day.judges[1])
    replace(day, reserve, finish_current=True)
    all_recall_sheets(day)

    round_close(round=day.first, actor=None)

    assert TabletSession.objects.get(judge=day.judges[1]).revoked_at is None
    assert client.get(reverse("adjudication:tablet-state")).status_code == 200


def test_the_replaced_judge_no_longer_sees_or_sends_the_round(client, day, reserve):
    also_on_a_later_panel(day, day.judges[1])  # so B's tablet stays signed in
    sign_in(client, day, day.judges[1])
    replace(day, reserve, finish_current=True)  # B keeps the tablet: finishes the first round
    assert client.get(sheet_url(day)).status_code == 200
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)

    home = client.get(reverse("adjudication:tablet-home")).content.decode()
    page = client.get(sheet_url(day, day.final))
    state = client.get(reverse("adjudication:tablet-state")).json()
    other = Client()
    sign_in(other, day, reserve)

    assert "Final" not in home
    assert "Final" in other.get(reverse("adjudication:tablet-home")).content.decode()
    assert page.status_code == 404
    assert state["rounds"] == []
    assert other.get(sheet_url(day, day.final)).status_code == 200


def test_the_replacement_sees_and_sends_the_round(client, day, reserve):
    replace(day, reserve)
    sign_in(client, day, reserve)

    state = client.get(reverse("adjudication:tablet-state")).json()
    response = client.post(sheet_url(day), form(day, day.entries()[:6]), follow=True)

    assert [r["round"] for r in state["rounds"]] == [day.first.pk]
    assert "Received by the desk" in response.content.decode()
    assert Sheet.objects.get().judge == reserve


def test_a_recollected_judge_is_signed_out_and_refused(client, day, reserve):
    sign_in(client, day, day.judges[1])

    replace(day, reserve)

    assert TabletSession.objects.get(judge=day.judges[1]).revoked_at is not None
    assert client.get(reverse("adjudication:tablet-state")).status_code == 401
    assert client.post(sheet_url(day), form(day, day.entries()[:6])).status_code != 201
    assert not Sheet.objects.exists()


def test_the_judges_api_follows_the_round_panel(client, day, reserve):
    also_on_a_later_panel(day, day.judges[1])  # so B's tokens stay valid
    replaced, replacing = api_sign_in(client, day.judges[1]), api_sign_in(client, reserve)
    replace(day, reserve, finish_current=True)
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)

    by_replaced = client.get(round_url(day.final), headers=bearer(replaced))
    sent_by_replaced = client.post(
        submit_url(day.final), {}, content_type="application/json", headers=bearer(replaced)
    )
    by_replacement = client.get(round_url(day.final), headers=bearer(replacing))

    assert (by_replaced.status_code, sent_by_replaced.status_code) == (404, 404)
    assert by_replacement.status_code == 200


def test_the_desk_snapshot_waits_for_the_replacement(day, reserve):
    day.send(day.judges[1], day.dances[0], day.crosses(day.entries()[:6]))
    replace(day, reserve)

    samba = desk_snapshot(day.competition)["rounds"][0]["parts"][0]

    assert (samba["submitted"], samba["missing"]) == ([], ["A", "C", "R"])


def closed_with_replacement(day, reserve):
    """B judges the first round; R replaces B from the final, re-collected."""
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)
    replace(day, reserve, from_round=day.final)
    finalists = day.entries(day.final)
    for judge in (day.judges[0], day.judges[2], reserve):
        for dance in day.dances:
            day.send(
                judge,
                dance,
                {e.pk: place for place, e in enumerate(finalists, 1)},
                round_=day.final,
            )
    round_close(round=day.final, actor=None)
    day.final.refresh_from_db()
    round_publish(round=day.final, actor=None)
    day.first.refresh_from_db()


def test_marks_sheets_say_who_judged_each_round(day, reserve):
    closed_with_replacement(day, reserve)

    sheets = competition_results(day.competition, published_only=False)

    first, final = sheets.events[0].rounds
    assert first.lines[0] == "Judged by A, B, C."
    assert final.lines[0] == "Judged by A, C, R (replacing B)."
    assert [j.letter for j in sheets.events[0].judges] == ["A", "B", "C", "R"]


def test_the_judges_sheets_pdf_has_a_page_per_judge_who_judged(day, reserve):
    closed_with_replacement(day, reserve)
    facts = competition_facts(day.competition, published_only=False)

    story = judge_sheets_story(day.competition, facts)

    headings = [f.text for f in story if getattr(f, "text", "").startswith("Judge ")]
    assert headings == [
        "Judge A: " + day.judges[0].name,
        "Judge B: " + day.judges[1].name,
        "Judge C: " + day.judges[2].name,
        "Judge A: " + day.judges[0].name,
        "Judge C: " + day.judges[2].name,
        "Judge R: Rita Reserve",
    ]


def test_the_export_lists_each_round_panel(day, reserve):
    closed_with_replacement(day, reserve)

    data = results_data(day.competition)

    rounds = data["events"][0]["rounds"]
    assert [r["panel"] for r in rounds] == [["A", "B", "C"], ["A", "C", "R"]]
    assert {m["judge"] for m in rounds[1]["marks"]} == {"A", "C", "R"}


def test_the_set_aside_sheets_are_not_in_the_marks(day, reserve):
    all_recall_sheets(day)  # B's sheets are in, then B leaves and R re-judges the round
    replace(day, reserve)
    for dance in day.dances:
        day.send(reserve, dance, day.crosses(day.entries()[:6]))
    round_close(round=day.first, actor=None)

    data = results_data(day.competition)

    assert {m["judge"] for m in data["events"][0]["rounds"][0]["marks"]} == {"A", "C", "R"}
    assert Sheet.objects.filter(judge=day.judges[1]).count() == 2  # kept
