"""Shadow (trainee) judges: they sign in and score on a tablet like any judge; their
sheets are kept and shown apart at the desk, never counted (results, closing, marks
sheets, exports, screens), and the database refuses whatever would make them count."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from adjudication.desk.snapshot import desk_snapshot
from adjudication.incidents.judges import judge_replace
from adjudication.models import Placing, RoundResult, Sheet
from adjudication.ops.verification import competition_verify
from adjudication.results.exports import results_data
from adjudication.results.tables import competition_results
from adjudication.services import (
    ScoringError,
    round_close,
    round_progress,
    sheet_unlock,
    tabulate_round,
)
from competitions.models import PanelSeat
from leaderboard.snapshots import public_snapshot
from tests.adjudication.agreement_day import final_sheets, recall_sheets, shadow_day
from tests.adjudication.day import open_final
from tests.adjudication.test_tablet_pages import form, sheet_url, sign_in
from tests.factories.accounts import UserFactory
from tests.factories.competitions import JudgeFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return shadow_day()


def test_the_shadow_signs_in_and_sends_a_sheet_from_the_tablet(client, day):
    sign_in(client, day, day.shadow)

    home = client.get(reverse("adjudication:tablet-home"))
    response = client.post(sheet_url(day), form(day, day.entries()[2:]), follow=True)

    assert home.status_code == 200 and sheet_url(day) in home.content.decode()
    assert response.status_code == 200
    sheet = Sheet.objects.get(judge=day.shadow)
    assert sheet.shadow is True and sheet.marks.count() == 6


def test_closing_never_waits_for_the_shadow(day):
    recall_sheets(day, shadow=False)

    progress = round_progress(day.first)
    round_close(round=day.first, actor=None)

    assert all("S" not in p.missing + p.submitted for p in progress)
    day.first.refresh_from_db()
    assert day.first.status == "closed"


def test_the_results_are_the_same_with_and_without_the_shadows_sheets(day):
    recall_sheets(day, shadow=False)
    without = tabulate_round(day.first)
    for dance in day.dances:
        day.send(day.shadow, dance, day.crosses(day.entries()[2:]))

    with_shadow = tabulate_round(day.first)
    round_close(round=day.first, actor=None)
    open_final(day)
    final_sheets(day, shadow=False)
    final_without = tabulate_round(day.final)
    final_sheets_of_the_shadow_only(day)

    assert with_shadow == without
    assert tabulate_round(day.final) == final_without
    assert "S" not in with_shadow[1].judges


def final_sheets_of_the_shadow_only(day):
    finalists = day.entries(day.final)[::-1]
    for dance in day.dances:
        day.send(day.shadow, dance, {e.pk: n for n, e in enumerate(finalists, 1)}, round_=day.final)


def test_marks_sheets_exports_and_screens_leave_the_shadow_out(day):
    recall_sheets(day)
    desk = desk_snapshot(day.competition)["rounds"][0]["parts"][0]
    round_close(round=day.first, actor=None)
    open_final(day)

    sheets = competition_results(day.competition, published_only=False)
    data = results_data(day.competition)
    public = public_snapshot(day.competition)

    assert "S" not in desk["submitted"] + desk["missing"]
    assert [j.letter for j in sheets.events[0].judges] == ["A", "B", "C"]
    assert data["events"][0]["rounds"][0]["panel"] == ["A", "B", "C"]
    assert {m["judge"] for m in data["events"][0]["rounds"][0]["marks"]} == {"A", "B", "C"}
    assert "Sam Shadow" not in str(public)
    assert competition_verify(day.competition).findings == []


def test_the_desk_shows_the_shadows_sheets_apart(client, day):
    recall_sheets(day)
    sign_in_staff(client, UserFactory(roles=["scrutineer"]))

    page = client.get(reverse("adjudication:desk-round", args=[day.first.pk])).content.decode()

    shadow_part = page[page.index("Shadow, not counted") :]
    assert "Trainee judges (S)" in shadow_part
    assert shadow_part.count("<tr><td>S</td>") == 2  # one sheet per dance
    counted_part = page[: page.index("Shadow, not counted")]
    assert "<tr><td>S</td>" not in counted_part


def test_the_desk_cannot_type_a_shadows_paper_sheet_nor_unlock_one(day):
    recall_sheets(day)
    round_close(round=day.first, actor=None)
    sheet = Sheet.objects.filter(judge=day.shadow).first()

    with pytest.raises(ScoringError, match="shadow judge"):
        day.send(
            day.shadow,
            day.dances[0],
            day.crosses(day.entries()[:6]),
            source="paper",
            actor=UserFactory(roles=["scrutineer"]),
        )
    with pytest.raises(ScoringError, match="never counts"):
        sheet_unlock(sheet=sheet, actor=UserFactory(roles=["chairman"]), reason="check")


def _replace(day, judge, replacement):
    return judge_replace(
        event=day.event,
        judge=judge,
        replacement=replacement,
        from_round=day.first,
        finish_current=False,
        actor=UserFactory(roles=["chairman"]),
        reason="Taken ill.",
    )


def test_a_shadow_neither_replaces_a_judge_nor_is_replaced(day):
    reserve = JudgeFactory(competition=day.competition, letter="R")

    with pytest.raises(ScoringError, match="cannot replace a judge"):
        _replace(day, day.judges[0], day.shadow)
    with pytest.raises(ScoringError, match="shadow judge"):
        _replace(day, day.shadow, reserve)
    assert PanelSeat.objects.filter(event=day.event, replaces__isnull=False).count() == 0


# --- The database refuses to count a shadow's sheet ------------------------------------------


def _refused(sql, params):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_to_clear_a_shadow_sheets_flag(day):
    recall_sheets(day)
    sheet = Sheet.objects.filter(judge=day.shadow).first()

    _refused("UPDATE adjudication_sheet SET shadow = %s WHERE id = %s", [False, sheet.pk])
    _refused(
        "UPDATE adjudication_sheet SET judge_id = %s WHERE id = %s", [day.judges[0].pk, sheet.pk]
    )
    _refused(
        "UPDATE competitions_panelseat SET shadow = %s WHERE event_id = %s AND judge_id = %s",
        [False, day.event.pk, day.shadow.pk],
    )
    assert Sheet.objects.get(pk=sheet.pk).shadow is True


def test_the_database_refuses_a_shadows_sheet_stored_as_counting(day):
    _refused(
        "INSERT INTO adjudication_sheet (round_id, judge_id, dance_id, version, round_revision,"
        " client_key, source, submitted_at, count_accepted_reason, shadow)"
        " VALUES (%s, %s, %s, 1, %s, 'raw', 'tablet', %s, '', %s)",
        [day.first.pk, day.shadow.pk, day.dances[0].pk, day.first.revision, timezone.now(), False],
    )
    _refused(  # nor a counting judge's sheet stored as a shadow's
        "INSERT INTO adjudication_sheet (round_id, judge_id, dance_id, version, round_revision,"
        " client_key, source, submitted_at, count_accepted_reason, shadow)"
        " VALUES (%s, %s, %s, 1, %s, 'raw', 'tablet', %s, '', %s)",
        [
            day.first.pk,
            day.judges[0].pk,
            day.dances[0].pk,
            day.first.revision,
            timezone.now(),
            True,
        ],
    )
    assert not Sheet.objects.filter(client_key="raw").exists()


def test_the_database_refuses_to_confirm_or_accept_a_shadows_sheet(day):
    recall_sheets(day)
    sheet = Sheet.objects.filter(judge=day.shadow).first()
    chairman = UserFactory(roles=["chairman"])

    _refused(
        "UPDATE adjudication_sheet SET source = 'paper', confirmed_at = %s, confirmed_by_id = %s"
        " WHERE id = %s",
        [timezone.now(), chairman.pk, sheet.pk],
    )
    _refused(
        "UPDATE adjudication_sheet SET count_accepted_by_id = %s, count_accepted_reason = 'ok'"
        " WHERE id = %s",
        [chairman.pk, sheet.pk],
    )
    round_close(round=day.first, actor=None)
    assert not Placing.objects.filter(round=day.first).filter(recalled=None).exists()
    assert "S" not in RoundResult.objects.get(round=day.first).data["result"]["judges"]


def test_the_database_refuses_a_shadow_seat_in_a_replacement(day):
    reserve = JudgeFactory(competition=day.competition, letter="R")
    seat = PanelSeat.objects.get(judge=day.shadow)

    with pytest.raises(DatabaseError), transaction.atomic():
        PanelSeat.objects.create(event=day.event, judge=reserve, from_round=1, replaces=seat)
    with pytest.raises(DatabaseError), transaction.atomic():  # a shadow replacing a judge
        PanelSeat.objects.filter(pk=PanelSeat.objects.get(judge=day.judges[0]).pk).update(
            until_round=1
        )
        PanelSeat.objects.create(
            event=day.event,
            judge=reserve,
            from_round=2,
            replaces=PanelSeat.objects.get(judge=day.judges[0]),
            shadow=True,
        )
