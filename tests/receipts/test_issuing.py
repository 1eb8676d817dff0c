"""Receipts are issued when a round's result is stored, and superseded with the reason
by every later change: a reopening, an unlock, a paper correction, a late incident."""

import re

import pytest
from django.db import IntegrityError, connection, transaction

from adjudication.incidents.couples import entry_disqualify
from adjudication.models import Receipt, Sheet
from adjudication.receipts.checking import receipt_problems
from adjudication.receipts.signing import code_of, digest_of
from adjudication.services import (
    round_close,
    round_publish,
    round_reopen,
    sheet_confirm,
    sheet_unlock,
)
from tests.factories.accounts import UserFactory
from tests.receipts.helpers import closed_day


@pytest.fixture
def day(db):
    return closed_day()


@pytest.fixture
def chairman(db):
    return UserFactory(roles=["chairman"])


def _current(day):
    return {r.judge.letter: r for r in Receipt.objects.filter(round=day.first, superseded_at=None)}


def test_closing_a_round_issues_one_signed_receipt_per_judge(day):
    receipts = _current(day)

    assert sorted(receipts) == ["A", "B", "C"]
    receipt = receipts["A"]
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", receipt.code)
    assert receipt.digest == digest_of(receipt.payload)
    assert receipt.code == code_of(receipt.digest)
    assert [s["part"] for s in receipt.payload["sheets"]] == ["Samba", "Rumba"]
    assert len(receipt.payload["sheets"][0]["marks"]) == day.first.recall_count
    assert receipt.payload["sheets"][0]["received_at"].endswith("+00:00")
    assert len(receipt.payload["result_sha256"]) == 64
    assert receipt_problems(receipt) == []


def test_reopening_supersedes_the_receipts_with_its_reason_and_closing_again_links_them(
    day, chairman
):
    before = _current(day)

    round_reopen(round=day.first, actor=chairman, reason="a cross was misread")
    superseded = Receipt.objects.get(pk=before["A"].pk)
    assert superseded.superseded_reason == "the round was reopened: a cross was misread"
    assert superseded.superseded_by is None
    assert _current(day) == {}

    round_close(round=day.first, actor=None, seed=3)
    after = _current(day)
    superseded.refresh_from_db()
    assert superseded.superseded_by == after["A"]
    assert superseded.superseded_reason == "the round was reopened: a cross was misread"
    assert after["A"].code != before["A"].code
    assert after["A"].payload["serial"] == 2


def test_an_unlock_supersedes_that_judges_receipt_and_the_resent_sheet_all_of_them(day, chairman):
    before = _current(day)
    sheet = Sheet.objects.get(round=day.first, judge=day.judges[1], dance=day.dances[0])

    sheet_unlock(sheet=sheet, actor=chairman, reason="judge B crossed the wrong couple")
    assert sorted(_current(day)) == ["A", "C"]
    assert Receipt.objects.get(pk=before["B"].pk).superseded_reason == (
        "judge B's sheet unlocked: judge B crossed the wrong couple"
    )

    entries = day.entries()
    picks = entries[1 : day.first.recall_count + 1]
    day.send(day.judges[1], day.dances[0], day.crosses(picks), base_version=1, reason="fixed")
    after = _current(day)
    assert sorted(after) == ["A", "B", "C"]
    reason = Receipt.objects.get(pk=before["A"].pk).superseded_reason
    assert reason == "judge B corrected Samba: fixed"
    b_marks = {m["entry_id"] for m in after["B"].payload["sheets"][0]["marks"]}
    assert b_marks == {e.pk for e in picks}
    assert Receipt.objects.get(pk=before["B"].pk).superseded_by == after["B"]


def test_a_paper_correction_supersedes_with_its_confirmation(day, chairman):
    typist = UserFactory(roles=["scrutineer"])
    checker = UserFactory(roles=["scrutineer"])
    sheet = Sheet.objects.get(round=day.first, judge=day.judges[2], dance=day.dances[1])
    sheet_unlock(sheet=sheet, actor=chairman, reason="paper sheet differs")
    entries = day.entries()
    outcome = day.send(
        day.judges[2],
        day.dances[1],
        day.crosses(entries[2 : 2 + day.first.recall_count]),
        base_version=1,
        actor=typist,
        source="paper",
        reason="as on the paper sheet",
    )
    assert sorted(_current(day)) == ["A", "B"]  # C's awaits the re-tabulation

    sheet_confirm(sheet=outcome.sheet, actor=checker)

    c_receipts = Receipt.objects.filter(round=day.first, judge=day.judges[2]).order_by("pk")
    assert [r.superseded_at is None for r in c_receipts] == [False, True]
    a_first = Receipt.objects.filter(round=day.first, judge=day.judges[0]).first()
    assert a_first.superseded_reason == "judge C's paper sheet (a correction) confirmed"


def test_a_late_disqualification_supersedes_with_the_incidents_reason(day, chairman):
    round_publish(round=day.first, actor=None)
    before = _current(day)
    crossed = {m["entry_id"] for m in before["A"].payload["sheets"][0]["marks"]}
    entry = next(e for e in day.entries() if e.pk not in crossed)  # not recalled

    entry_disqualify(round=day.first, entry=entry, actor=chairman, reason="doping test")

    old = Receipt.objects.get(pk=before["A"].pk)
    assert old.superseded_reason == f"couple {entry.bib_label} is disqualified: doping test"
    assert old.superseded_by is not None
    assert old.superseded_by.superseded_at is None


def test_the_database_refuses_to_change_a_receipt_but_lets_it_be_superseded_once(day):
    receipt = _current(day)["A"]

    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.filter(pk=receipt.pk).update(code="AAAA-AAAA-AAAA-AAAA")
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.filter(pk=receipt.pk).update(payload={"sheets": []})
    Receipt.objects.filter(pk=receipt.pk).update(
        superseded_at=receipt.issued_at, superseded_reason="test"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.filter(pk=receipt.pk).update(superseded_reason="another story")


def test_a_mark_changed_behind_the_services_back_no_longer_matches_its_receipt(day):
    receipt = _current(day)["A"]
    sheet = Sheet.objects.get(round=day.first, judge=day.judges[0], dance=day.dances[0])
    mark = sheet.marks.first()

    with connection.cursor() as cursor:
        cursor.execute("UPDATE adjudication_mark SET value = 2 WHERE id = %s", [mark.pk])

    assert receipt_problems(receipt) == ["sheets differs from what Podium holds now"]
