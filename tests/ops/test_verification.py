"""``manage.py recompute`` and ``manage.py verify``: clean data passes; marks, results,
placings or sheets changed behind the services' back are found and named."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from adjudication.models import Mark, MarkChange, Placing, RoundResult, Sheet
from adjudication.ops.verification import competition_recompute, competition_verify
from competitions.models import Round, RoundKind
from tests.adjudication.day import all_recall_sheets, build_day
from tests.adjudication.test_simulate import small_competition

pytestmark = pytest.mark.django_db


def run(command, slug):
    out, err = StringIO(), StringIO()
    call_command(command, slug, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(command, slug):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command(command, slug, stdout=out, stderr=err)
    return str(refusal.value), err.getvalue()


@pytest.fixture
def finished():
    competition, _ = small_competition(name="Verified Open")
    call_command("simulate", competition.slug, "--seed", "3", "--quiet", stdout=StringIO())
    return competition


def final_of(competition):
    return Round.objects.get(event__competition=competition, kind=RoundKind.FINAL)


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_and_recompute_a_simulated_competition_find_nothing(finished):
    verified, _ = run("verify", finished.slug)
    recomputed, _ = run("recompute", finished.slug)

    assert "all true" in verified
    assert "2 rounds, 2 results checked" in verified
    assert "2 of 2 rounds have results, recomputed, all true" in recomputed


def test_a_mark_changed_with_raw_sql_is_found_by_both_commands(finished):
    final = final_of(finished)
    sheet = Sheet.objects.filter(round=final).order_by("pk").first()
    first, second = Mark.objects.filter(sheet=sheet).order_by("value")[:2]
    # Swap two places on one judge's sheet, bypassing the service and its trail.
    raw("UPDATE adjudication_mark SET value = %s WHERE id = %s", [second.value, first.pk])
    raw("UPDATE adjudication_mark SET value = %s WHERE id = %s", [first.value, second.pk])

    recompute_message, recompute_err = refused("recompute", finished.slug)
    verify_message, verify_err = refused("verify", finished.slug)

    assert "difference(s) between the stored results and the marks" in recompute_message
    assert str(final) in recompute_err
    assert "result result." in recompute_err
    assert "breach(es)" in verify_message
    expected = f"entry {first.entry_id} is {second.value} in the marks but {first.value} by the"
    assert f"{expected} audit trail" in verify_err
    assert f"(sheet {sheet.pk})" in verify_err


def test_the_trail_cannot_be_rewritten_to_hide_a_tampered_mark(finished):
    change = MarkChange.objects.filter(round=final_of(finished)).first()

    with pytest.raises(IntegrityError), transaction.atomic():
        raw("UPDATE adjudication_markchange SET new_value = 9 WHERE id = %s", [change.pk])


def test_a_changed_stored_result_is_found(finished):
    final = final_of(finished)
    result = RoundResult.objects.get(round=final)
    data = result.data
    true_place = data["result"]["summary"][0]["place"]
    data["result"]["summary"][0]["place"] = true_place + 10
    RoundResult.objects.filter(pk=result.pk).update(data=data)

    report = competition_recompute(finished)

    assert [f.message for f in report.findings] == [
        f"result result.summary[0].place: stored {true_place + 10}, recomputed {true_place}"
    ]


def test_a_changed_placing_is_found(finished):
    final = final_of(finished)
    placing = Placing.objects.filter(round=final, place=1).get()
    Placing.objects.filter(pk=placing.pk).update(place=4)

    report = competition_recompute(finished)

    assert len(report.findings) == 1
    assert f"entry {placing.entry_id} placing stored (place, total, recalled) = (4.00" in str(
        report.findings[0]
    )


def test_a_closed_round_without_a_sheet_is_a_breach(finished):
    final = final_of(finished)
    sheet = Sheet.objects.filter(round=final).order_by("pk").first()
    raw("DELETE FROM adjudication_markchange WHERE sheet_id = %s", [sheet.pk])
    raw("DELETE FROM adjudication_mark WHERE sheet_id = %s", [sheet.pk])
    raw("DELETE FROM adjudication_sheet WHERE id = %s", [sheet.pk])

    report = competition_verify(finished)

    assert [f.message for f in report.findings] == [
        f"{sheet.dance.name}: closed without the sheets of {sheet.judge.letter}",
        "sheets differs from what Podium holds now",  # the judge's receipt names it too
    ]


def test_an_incomplete_sheet_of_an_open_round_is_a_breach():
    day = build_day()
    all_recall_sheets(day)
    sheet = Sheet.objects.filter(round=day.first).order_by("pk").first()
    mark = sheet.marks.order_by("pk").first()
    raw("DELETE FROM adjudication_mark WHERE id = %s", [mark.pk])

    report = competition_verify(day.competition)

    messages = [f.message for f in report.findings]
    assert messages == [
        "Mark exactly 6 couples: you marked 5 (mark 1 more).",
        f"entry {mark.entry_id} is None in the marks but 1.00 by the audit trail",
    ]
    assert report.sheets_checked == 6


def test_a_correction_through_the_service_keeps_the_trail_consistent():
    day = build_day()
    entries = day.entries()
    judge, dance = day.judges[0], day.dances[0]
    first = day.send(judge, dance, day.crosses(entries[:6]))
    day.send(
        judge,
        dance,
        day.crosses(entries[1:7]),
        base_version=first.sheet.version,
        reason="wrong couple",
    )

    report = competition_verify(day.competition)

    assert report.findings == []
    assert report.sheets_checked == 1


def test_unknown_slug_is_refused_by_both_commands(db):
    for command in ("recompute", "verify"):
        message, _ = refused(command, "no-such-competition")
        assert message == "There is no competition with the slug “no-such-competition”."
