"""A tablet's sheet (the judge is the signed-in user's seat) reads the round, the seat,
the sheet and the round's entries at once, taking only the round's lock with them: the
sheet it finds is locked after, so two devices of one judge still meet on it."""

import pytest

from adjudication.models import MarkChange, Sheet
from adjudication.services import ScoringError, SheetInput, sheet_submit
from adjudication.services.common import round_lock
from competitions.models import Round
from tests.adjudication.day import build_day
from tests.factories.accounts import UserFactory
from tests.support.held import while_held

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _tablet_day():
    day = build_day()
    for judge in day.judges:
        judge.user = UserFactory()
        judge.save(update_fields=["user"])
    return day


def _tablet_send(day, judge, picks, *, key, base_version=0, reason=""):
    round_ = Round.objects.get(pk=day.first.pk)
    return sheet_submit(
        data=SheetInput(
            round_id=round_.pk,
            judge_id=None,  # the user's seat, as the judges' API sends it
            dance_id=day.dances[0].pk,
            marks=day.crosses(picks),
            client_key=key,
            base_version=base_version,
            round_revision=round_.revision,
            reason=reason,
        ),
        actor=judge.user,
        source=Sheet.Source.API,
    )


def _while_held(send_held, send_then):
    """``while_held``, with a refusal of ``send_then`` as its outcome."""

    def then():
        try:
            return send_then()
        except ScoringError as error:
            return error

    return while_held(send_held, then)


def test_the_same_new_sheet_from_two_tablets_at_once_is_stored_once():
    day = _tablet_day()
    judge, picks = day.judges[0], day.entries()[: day.first.recall_count]

    refused, waited = _while_held(
        lambda: _tablet_send(day, judge, picks, key="tablet-1"),
        lambda: _tablet_send(day, judge, picks, key="tablet-2"),
    )

    assert waited, "the second sheet did not wait for the first"
    assert (refused.code, refused.message) == (
        "conflict",
        "This sheet was sent from another device a moment ago: reload it.",
    )
    assert Sheet.objects.get().client_key == "tablet-1"
    assert MarkChange.objects.count() == len(picks)


def test_two_tablets_correcting_one_sheet_at_once_the_second_is_told_to_reload():
    """Both loaded version 1; the second finds the sheet before the first commits, waits
    for its lock and then sees version 2."""
    day = _tablet_day()
    judge, entries = day.judges[0], day.entries()
    recalled = day.first.recall_count
    _tablet_send(day, judge, entries[:recalled], key="tablet-1")

    def correct(picks, key):
        return _tablet_send(day, judge, picks, key=key, base_version=1, reason="slip")

    refused, waited = _while_held(
        lambda: correct(entries[1 : recalled + 1], "tablet-1-fix"),
        lambda: correct(entries[2 : recalled + 2], "tablet-2-fix"),
    )

    assert waited, "the second correction did not wait for the first"
    assert refused.code == "conflict"
    sheet = Sheet.objects.get()
    assert (sheet.version, sheet.client_key) == (2, "tablet-1-fix")
    assert set(sheet.marks.values_list("entry_id", flat=True)) == {
        e.pk for e in entries[1 : recalled + 1]
    }


def test_the_same_sheet_sent_again_after_it_was_stored_is_replayed():
    day = _tablet_day()
    judge, picks = day.judges[0], day.entries()[: day.first.recall_count]
    first = _tablet_send(day, judge, picks, key="tablet-1")

    again = _tablet_send(day, judge, picks, key="tablet-1")

    assert (first.replayed, again.replayed) == (False, True)
    assert again.sheet.pk == first.sheet.pk
    assert Sheet.objects.count() == 1 and MarkChange.objects.count() == len(picks)


def test_a_tablets_sheet_waits_for_the_rounds_closing_and_is_refused():
    day = _tablet_day()
    judge, picks = day.judges[0], day.entries()[: day.first.recall_count]

    def close():
        round_lock(day.first.pk)
        Round.objects.filter(pk=day.first.pk).update(status="closed")

    refused, waited = _while_held(close, lambda: _tablet_send(day, judge, picks, key="t"))

    assert waited, "the sheet did not wait for the closing"
    assert refused.code == "closed"
    assert not Sheet.objects.exists()
