import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from adjudication.models import Mark, MarkChange, Placing, RoundResult, Sheet
from adjudication.services import (
    ScoringError,
    SheetInput,
    recall_decide,
    round_close,
    round_progress,
    round_publish,
    round_reopen,
    sheet_confirm,
    sheet_submit,
    sheet_unlock,
)
from adjudication.services.common import round_lock
from competitions.models import Competitor, Entry, Round
from competitions.registration import entry_withdraw
from tests.adjudication.day import all_recall_sheets, build_day, open_final
from tests.factories.accounts import UserFactory
from tests.factories.competitions import JudgeFactory
from tests.support.held import hold_open, while_held

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


def test_a_recall_sheet_is_stored_whole_with_its_trail(day, django_capture_on_commit_callbacks):
    judge, dance = day.judges[0], day.dances[0]
    picks = day.entries()[:6]

    with django_capture_on_commit_callbacks() as callbacks:
        outcome = day.send(judge, dance, day.crosses(picks))

    sheet = outcome.sheet
    assert not outcome.replayed
    assert sorted(sheet.marks.values_list("entry_id", flat=True)) == sorted(e.pk for e in picks)
    assert MarkChange.objects.filter(sheet=sheet, kind="submitted").count() == 6
    assert len(callbacks) == 1  # the live update, after commit


@pytest.mark.parametrize("count", [5, 7])
def test_wrong_recall_count_is_refused(day, count):
    with pytest.raises(ScoringError, match=f"Mark exactly 6 couples: you marked {count}"):
        day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:count]))

    assert not Sheet.objects.exists()


def test_a_couple_not_in_the_round_is_refused(day):
    stranger = build_day().entries()[0]
    marks = day.crosses(day.entries()[:5]) | {stranger.pk: 1}

    with pytest.raises(ScoringError, match="Only couples dancing in this round"):
        day.send(day.judges[0], day.dances[0], marks)


def test_a_withdrawn_couple_cannot_be_marked(day):
    withdrawn = day.entries()[0]
    Round.objects.filter(pk=day.first.pk).update(status="open")
    entry_withdraw(entry=withdrawn)

    with pytest.raises(ScoringError, match="Withdrawn couples cannot be marked"):
        day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:5] + [withdrawn]))


@pytest.mark.parametrize("bib", [17, None])  # None: before bibs are handed out
def test_a_withdrawn_couple_is_named_as_its_entry_labels_it(day, bib):
    withdrawn = day.entries()[0]
    Competitor.objects.filter(pk=withdrawn.competitor_id).update(bib=bib)
    Round.objects.filter(pk=day.first.pk).update(status="open")
    entry_withdraw(entry=withdrawn)
    label = Entry.objects.select_related("competitor").get(pk=withdrawn.pk).bib_label

    with pytest.raises(ScoringError) as error:
        day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[1:6] + [withdrawn]))

    assert label == (str(bib) if bib else f"#{withdrawn.pk}")
    assert error.value.message == f"Withdrawn couples cannot be marked: {label}."


def test_a_judge_not_on_the_panel_is_refused(day):
    outsider = JudgeFactory(competition=day.competition, letter="Z")

    with pytest.raises(ScoringError, match="Judge Z is not on the panel") as error:
        day.send(outsider, day.dances[0], day.crosses(day.entries()[:6]))

    assert error.value.code == "not_on_panel"


def test_a_closed_round_takes_no_marks(day):
    Round.objects.filter(pk=day.first.pk).update(status="closed")

    with pytest.raises(ScoringError, match="takes no marks now") as error:
        day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]))

    assert error.value.code == "closed"


def test_the_same_key_twice_is_stored_once(day):
    marks = day.crosses(day.entries()[:6])
    first = day.send(day.judges[0], day.dances[0], marks, key="tablet-A-1")

    again = day.send(day.judges[0], day.dances[0], marks, key="tablet-A-1")

    assert again.replayed
    assert again.sheet.pk == first.sheet.pk
    assert Sheet.objects.count() == 1
    assert MarkChange.objects.count() == 6


def test_the_same_key_with_other_marks_is_a_conflict(day):
    day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]), key="k")

    with pytest.raises(ScoringError) as error:
        day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[1:7]), key="k")

    assert error.value.code == "conflict"


def test_a_correction_keeps_old_and_new_marks_with_the_reason(day):
    judge, dance = day.judges[0], day.dances[0]
    entries = day.entries()
    day.send(judge, dance, day.crosses(entries[:6]))

    outcome = day.send(
        judge, dance, day.crosses(entries[1:7]), base_version=1, reason="ticked 1 by mistake"
    )

    changes = MarkChange.objects.filter(kind="corrected")
    assert outcome.sheet.version == 2
    assert {(c.entry_id, c.old_value, c.new_value) for c in changes} == {
        (entries[0].pk, Decimal("1.00"), None),
        (entries[6].pk, None, Decimal("1")),
    }
    assert {c.reason for c in changes} == {"ticked 1 by mistake"}


def test_a_correction_needs_a_reason(day):
    day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]))

    with pytest.raises(ScoringError, match="Say why"):
        day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[1:7]), base_version=1)


def test_a_sheet_loaded_before_a_change_on_another_device_is_a_conflict(day):
    day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]))

    with pytest.raises(ScoringError, match="changed on another device") as error:
        day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[1:7]), base_version=0)

    assert error.value.code == "conflict"


def test_a_sheet_from_before_the_round_was_reopened_is_stale(day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    scrutineer = UserFactory(roles=["scrutineer"])
    round_reopen(round=day.first, actor=scrutineer, reason="judge B's paper sheet")

    with pytest.raises(ScoringError, match="reopened after this sheet was loaded") as error:
        sheet_submit(
            data=SheetInput(
                round_id=day.first.pk,
                judge_id=day.judges[0].pk,
                dance_id=day.dances[0].pk,
                marks=day.crosses(day.entries()[1:7]),
                client_key="old-tab",
                base_version=1,
                round_revision=1,
                reason="fix",
            ),
            actor=None,
        )

    assert error.value.code == "stale"


def test_final_places_must_be_each_given_once(day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=3)
    open_final(day)
    finalists = day.entries(day.final)
    places = {e.pk: i for i, e in enumerate(finalists, 1)}
    places[finalists[1].pk] = 1

    with pytest.raises(ScoringError) as error:
        day.send(day.judges[0], day.dances[0], places, round_=day.final)

    assert "Place 1 is given to" in str(error.value)
    assert not Sheet.objects.filter(round=day.final).exists()


def test_final_sheet_must_place_everyone(day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=3)
    open_final(day)
    finalists = day.entries(day.final)

    with pytest.raises(ScoringError, match="Give every couple a place: missing"):
        day.send(day.judges[0], day.dances[0], {finalists[0].pk: 1}, round_=day.final)


def test_closing_waits_for_every_sheet(day):
    day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]))

    with pytest.raises(ScoringError, match="Not every sheet is in") as error:
        round_close(round=day.first, actor=None)

    assert "Samba: waiting for B, C." in str(error.value)
    assert Round.objects.get(pk=day.first.pk).status == "open"


def test_progress_shows_who_is_missing(day):
    day.send(day.judges[1], day.dances[1], day.crosses(day.entries()[:6]))

    progress = {p.label: (p.submitted, p.missing) for p in round_progress(day.first)}

    assert progress == {"Samba": ([], ["A", "B", "C"]), "Rumba": (["B"], ["A", "C"])}


def test_closing_a_recall_round_draws_the_next_round_with_the_recalled(day):
    all_recall_sheets(day)

    result = round_close(round=day.first, actor=None, seed=9)

    recalled = set(
        Placing.objects.filter(round=day.first, recalled=True).values_list("entry_id", flat=True)
    )
    assert recalled == {e.pk for e in day.entries()[:6]}
    assert {e.pk for e in day.entries(day.final)} == recalled
    assert result.data["kind"] == "recalls"
    assert Round.objects.get(pk=day.first.pk).status == "closed"


def test_a_tie_at_the_cut_off_waits_for_the_chairman(day):
    entries = day.entries()
    # Couples 1-4 get every cross; 5, 6 and 7 two each: three tie for the last two places.
    picks = {
        "A": entries[:4] + [entries[4], entries[5]],
        "B": entries[:4] + [entries[5], entries[6]],
        "C": entries[:4] + [entries[4], entries[6]],
    }
    for judge in day.judges:
        for dance in day.dances:
            day.send(judge, dance, day.crosses(picks[judge.letter]))
    chairman = UserFactory(roles=["chairman"])

    with pytest.raises(ScoringError, match="tie at the cut-off") as error:
        round_close(round=day.first, actor=None)
    with pytest.raises(ScoringError, match="permission"):
        recall_decide(round=day.first, recall_count=5, actor=UserFactory(roles=["scrutineer"]))
    recall_decide(round=day.first, recall_count=7, actor=chairman)
    round_close(round=day.first, actor=None)

    assert error.value.code == "tie"
    assert Placing.objects.filter(round=day.first, recalled=True).count() == 7


def test_closing_a_final_produces_the_results(day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=2)
    open_final(day)
    finalists = sorted(day.entries(day.final), key=lambda e: e.competitor.bib)
    for judge in day.judges:
        for dance in day.dances:
            day.send(judge, dance, {e.pk: i for i, e in enumerate(finalists, 1)}, round_=day.final)

    round_close(round=day.final, actor=None)
    round_publish(round=day.final, actor=None)

    places = list(
        Placing.objects.filter(round=day.final).order_by("place").values_list("entry_id", "place")
    )
    assert places == [(e.pk, Decimal(i)) for i, e in enumerate(finalists, 1)]
    assert RoundResult.objects.get(round=day.final).data["kind"] == "final"
    assert Round.objects.get(pk=day.final.pk).status == "published"


def test_paper_sheets_count_after_a_second_person_confirms(day):
    typist, colleague = UserFactory(roles=["scrutineer"]), UserFactory(roles=["scrutineer"])
    outcome = day.send(
        day.judges[0], day.dances[0], day.crosses(day.entries()[:6]), actor=typist, source="paper"
    )
    progress = round_progress(day.first)[0]
    assert progress.awaiting_confirmation == ["A"]

    with pytest.raises(ScoringError, match="cannot confirm it"):
        sheet_confirm(sheet=outcome.sheet, actor=typist)
    sheet_confirm(sheet=outcome.sheet, actor=colleague)

    assert round_progress(day.first)[0].submitted == ["A"]
    assert MarkChange.objects.filter(kind="confirmed", actor=colleague).exists()


def test_only_the_chairman_unlocks_a_sheet_of_a_closed_round(day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    sheet = Sheet.objects.filter(round=day.first).first()

    with pytest.raises(ScoringError, match="permission"):
        sheet_unlock(sheet=sheet, actor=UserFactory(roles=["scrutineer"]), reason="x")
    sheet_unlock(sheet=sheet, actor=UserFactory(roles=["chairman"]), reason="judge says 3 not 4")
    corrected = day.send(
        sheet.judge,
        sheet.dance,
        day.crosses(day.entries()[2:8]),
        base_version=1,
        reason="wrong couples",
    )

    assert corrected.sheet.version == 2
    assert corrected.sheet.unlocked_at is None  # locked again after the correction
    assert MarkChange.objects.filter(kind="unlocked").count() == 1


def test_the_audit_trail_cannot_be_rewritten(day):
    from django.db import IntegrityError, transaction

    day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]))
    change = MarkChange.objects.first()

    with pytest.raises(IntegrityError), transaction.atomic():
        MarkChange.objects.filter(pk=change.pk).update(new_value=5)

    assert MarkChange.objects.get(pk=change.pk).new_value == Decimal("1.00")


def test_marks_are_only_written_whole(day):
    with pytest.raises(ScoringError):
        day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]) | {999999: 1})

    assert not Mark.objects.exists()
    assert not MarkChange.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tablets_of_one_judge_at_once_one_wins():
    day = build_day()
    barrier = threading.Barrier(2)
    outcomes = []

    def send(picks, key):
        try:
            barrier.wait()
            day.send(day.judges[0], day.dances[0], day.crosses(picks), key=key)
            outcomes.append("stored")
        except ScoringError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    entries = day.entries()
    threads = [
        threading.Thread(target=send, args=(p, k))
        for p, k in ((entries[:6], "t1"), (entries[1:7], "t2"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["conflict", "stored"]
    assert Sheet.objects.count() == 1
    assert Mark.objects.count() == 6


def _hold_open(day, judge, dance, picks, **events):
    """Send a sheet inside a transaction that stays open until ``release`` is set."""
    hold_open(lambda: day.send(judge, dance, day.crosses(picks)), **events)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sheets_of_one_round_go_in_side_by_side():
    """A sheet under way holds the round in SHARE mode: another judge's sheet for the
    same round is stored meanwhile instead of queueing behind it."""
    day = build_day()
    picks = day.entries()[:6]
    entered, release, outcomes = threading.Event(), threading.Event(), []
    holder = threading.Thread(
        target=_hold_open,
        args=(day, day.judges[0], day.dances[0], picks),
        kwargs={"entered": entered, "release": release, "outcomes": outcomes},
    )
    holder.start()
    try:
        assert entered.wait(20)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            day.send(day.judges[1], day.dances[0], day.crosses(picks))
        assert Sheet.objects.filter(judge=day.judges[1]).count() == 1
        assert not Sheet.objects.filter(judge=day.judges[0]).exists()  # not committed yet
    finally:
        release.set()
        holder.join(30)
    assert outcomes == ["held sheet committed"]
    assert Sheet.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sheet_waiting_for_the_rounds_closing_sees_it_closed():
    """The sheet's one read of the round waits for a closing under way and then finds
    the round closed: refused as closed, not stored in the closed round."""
    day = build_day()
    picks = day.entries()[: day.first.recall_count]
    entered, release = threading.Event(), threading.Event()

    def close_and_hold():
        try:
            with transaction.atomic():
                round_lock(day.first.pk)
                Round.objects.filter(pk=day.first.pk).update(status="closed")
                entered.set()
                release.wait(20)
        finally:
            entered.set()
            connections.close_all()

    closer = threading.Thread(target=close_and_hold)
    closer.start()
    timer = threading.Timer(0.5, release.set)
    try:
        assert entered.wait(20)
        timer.start()
        with pytest.raises(ScoringError) as refused:
            day.send(day.judges[0], day.dances[0], day.crosses(picks))
        assert release.is_set(), "the sheet did not wait for the closing"
    finally:
        release.set()
        timer.cancel()
        closer.join(30)
    assert refused.value.code == "closed"
    assert not Sheet.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_sheet_from_two_devices_at_once_is_stored_once():
    """The second device's sheet meets the first's on the unique constraint: refused as a
    conflict, and its caller's transaction is usable after the refusal."""
    day = build_day()
    picks = day.entries()[: day.first.recall_count]

    def send():
        return day.send(day.judges[0], day.dances[0], day.crosses(picks))

    def send_again_in_a_transaction():
        with transaction.atomic():
            with pytest.raises(ScoringError) as refused:
                send()
            stored = Sheet.objects.filter(judge=day.judges[0]).count()
        return refused, stored

    (refused, stored), waited = while_held(send, send_again_in_a_transaction)

    assert waited, "the second sheet did not wait for the first"
    assert stored == 1
    assert (refused.value.code, refused.value.message) == (
        "conflict",
        "This sheet was sent from another device a moment ago: reload it.",
    )
    assert Sheet.objects.count() == 1
    assert MarkChange.objects.count() == len(picks)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_closing_waits_for_the_sheet_under_way_and_counts_it():
    day = build_day()
    picks = day.entries()[: day.first.recall_count]
    last_judge, last_dance = day.judges[-1], day.dances[-1]
    for judge in day.judges:
        for dance in day.dances:
            if (judge, dance) != (last_judge, last_dance):
                day.send(judge, dance, day.crosses(picks))
    entered, release, outcomes = threading.Event(), threading.Event(), []
    holder = threading.Thread(
        target=_hold_open,
        args=(day, last_judge, last_dance, picks),
        kwargs={"entered": entered, "release": release, "outcomes": outcomes},
    )
    closed = []

    def close():
        try:
            closed.append(round_close(round=day.first, actor=None, seed=1))
        except ScoringError as error:
            closed.append(error)
        finally:
            connections.close_all()

    holder.start()
    closer = threading.Thread(target=close)
    try:
        assert entered.wait(20)
        closer.start()
        closer.join(1.0)
        assert closer.is_alive(), "closing did not wait for the sheet under way"
    finally:
        release.set()
        holder.join(30)
        closer.join(30)
    assert outcomes == ["held sheet committed"]
    assert len(closed) == 1 and not isinstance(closed[0], ScoringError), closed
    day.first.refresh_from_db()
    assert day.first.status == "closed"
    assert Sheet.objects.filter(round=day.first).count() == 6
