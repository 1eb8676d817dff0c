"""A correction of a closed round (a sheet the chairman unlocked, sent again) changes the
stored result at once, and a result that does not follow from the marks is never
published."""

from decimal import Decimal

import pytest
from django.urls import reverse

from adjudication.models import Placing, RoundResult, Sheet
from adjudication.services import (
    ScoringError,
    recall_decide,
    result_differences,
    round_close,
    round_publish,
    round_reopen,
    sheet_confirm,
    sheet_unlock,
)
from competitions.models import HeatEntry, Round
from competitions.services import TransitionRefused, round_transition
from tests.adjudication.day import all_recall_sheets, build_day, open_final
from tests.adjudication.test_api import bearer, sign_in
from tests.adjudication.test_desk_api import post, token_for
from tests.factories.accounts import UserFactory


@pytest.fixture
def day(db):
    return build_day()


@pytest.fixture
def chairman(db):
    return UserFactory(roles=["chairman"])


def _closed_final(day):
    """The final closed with every judge placing the finalists in bib order."""
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=3)
    open_final(day)
    finalists = sorted(day.entries(day.final), key=lambda e: e.competitor.bib)
    for judge in day.judges:
        for dance in day.dances:
            day.send(judge, dance, {e.pk: i for i, e in enumerate(finalists, 1)}, round_=day.final)
    round_close(round=day.final, actor=None)
    return finalists


def _places(round_):
    return dict(Placing.objects.filter(round=round_).values_list("entry_id", "place"))


def test_corrected_final_sheets_change_the_stored_result_and_publish_it(day, chairman):
    finalists = _closed_final(day)
    assert _places(day.final)[finalists[0].pk] == Decimal(1)
    reversed_order = {e.pk: i for i, e in enumerate(reversed(finalists), 1)}

    for sheet in Sheet.objects.filter(round=day.final):
        sheet_unlock(sheet=sheet, actor=chairman, reason="places written in the wrong order")
        day.send(
            sheet.judge,
            sheet.dance,
            reversed_order,
            round_=day.final,
            base_version=sheet.version,
            reason="reversed",
        )
    round_publish(round=day.final, actor=None)

    assert _places(day.final) == {pk: Decimal(place) for pk, place in reversed_order.items()}
    summary = RoundResult.objects.get(round=day.final).data["result"]["summary"]
    assert {row["couple"]: row["place"] for row in summary}[str(finalists[-1].competitor.bib)] == 1
    assert result_differences(day.final) == []
    assert Round.objects.get(pk=day.final.pk).status == "published"


def test_one_corrected_sheet_is_tabulated_with_the_others_at_once(day, chairman):
    finalists = _closed_final(day)
    sheet = Sheet.objects.filter(round=day.final, judge=day.judges[0]).first()
    sheet_unlock(sheet=sheet, actor=chairman, reason="judge A swapped 1 and 2")

    swapped = {e.pk: i for i, e in enumerate(finalists, 1)}
    swapped[finalists[0].pk], swapped[finalists[1].pk] = 2, 1
    day.send(sheet.judge, sheet.dance, swapped, round_=day.final, base_version=1, reason="swap")

    assert result_differences(day.final) == []
    marks = RoundResult.objects.get(round=day.final).data
    assert marks["kind"] == "final"


def test_a_correction_that_changes_the_recalls_redraws_the_next_round(day, chairman):
    entries = day.entries()
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=4)
    recalled_before = {e.pk for e in day.entries(day.final)}
    assert recalled_before == {e.pk for e in entries[:6]}

    # Every judge moves one cross from couple 6 to couple 7 in every dance.
    moved = day.crosses(entries[:5] + [entries[6]])
    sheets = list(Sheet.objects.filter(round=day.first))
    for sheet in sheets:
        sheet_unlock(sheet=sheet, actor=chairman, reason="crossed the wrong number")
    for sheet in sheets:
        day.send(sheet.judge, sheet.dance, moved, base_version=1, reason="wrong number")

    recalled = set(
        Placing.objects.filter(round=day.first, recalled=True).values_list("entry_id", flat=True)
    )
    drawn = set(HeatEntry.objects.filter(heat__round=day.final).values_list("entry_id", flat=True))
    assert recalled == set(moved)
    assert drawn == set(moved)
    assert result_differences(day.first) == []


def test_a_published_round_takes_no_correction(day, chairman):
    """The next round opens only once this one is published, and a published round is
    final: nothing of a round that the next one builds on can change."""
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=5)
    sheet = Sheet.objects.filter(round=day.first).first()
    sheet_unlock(sheet=sheet, actor=chairman, reason="judge says wrong couple")
    with pytest.raises(TransitionRefused, match="not all published"):
        round_transition(round=day.final, to_status="open", actor=None)
    day.send(sheet.judge, sheet.dance, day.crosses(day.entries()[:6]), base_version=1, reason="ok")
    open_final(day)
    stored = RoundResult.objects.get(round=day.first).data

    with pytest.raises(ScoringError, match="closed, unpublished"):
        sheet_unlock(sheet=sheet, actor=chairman, reason="too late")
    with pytest.raises(ScoringError, match="is published") as error:
        day.send(
            sheet.judge, sheet.dance, day.crosses(day.entries()[2:8]), base_version=2, reason="x"
        )

    assert error.value.code == "closed"
    assert Sheet.objects.get(pk=sheet.pk).version == 2
    assert RoundResult.objects.get(round=day.first).data == stored


def test_publishing_waits_for_an_unlocked_sheet_to_be_sent_again(day, chairman):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=6)
    sheet = Sheet.objects.filter(round=day.first, judge=day.judges[1]).first()
    sheet_unlock(sheet=sheet, actor=chairman, reason="check a cross")

    with pytest.raises(ScoringError, match="judge B are unlocked"):
        round_publish(round=day.first, actor=None)
    day.send(
        sheet.judge,
        sheet.dance,
        day.crosses(day.entries()[:6]),
        base_version=1,
        reason="checked: unchanged",
    )
    round_publish(round=day.first, actor=None)

    assert Round.objects.get(pk=day.first.pk).status == "published"


def test_a_result_that_does_not_follow_from_the_marks_is_not_published(day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=7)
    Placing.objects.filter(round=day.first, recalled=True).update(recalled=False)

    with pytest.raises(ScoringError, match="does not follow from the marks") as error:
        round_publish(round=day.first, actor=None)

    assert any("recalled" in problem for problem in error.value.problems)
    assert Round.objects.get(pk=day.first.pk).status == "closed"


def test_a_paper_correction_changes_the_result_once_a_colleague_confirms_it(day, chairman):
    entries = day.entries()
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=8)
    typist, colleague = UserFactory(roles=["scrutineer"]), UserFactory(roles=["scrutineer"])
    moved = day.crosses(entries[:5] + [entries[6]])
    sheets = list(Sheet.objects.filter(round=day.first))
    for sheet in sheets:
        sheet_unlock(sheet=sheet, actor=chairman, reason="paper sheets differ")
        day.send(
            sheet.judge,
            sheet.dance,
            moved,
            base_version=1,
            reason="from the paper",
            actor=typist,
            source="paper",
        )
    with pytest.raises(ScoringError, match="does not follow from the marks"):
        round_publish(round=day.first, actor=None)

    for sheet in sheets:
        sheet_confirm(sheet=sheet, actor=colleague)

    recalled = set(
        Placing.objects.filter(round=day.first, recalled=True).values_list("entry_id", flat=True)
    )
    assert recalled == set(moved)
    assert result_differences(day.first) == []


def test_a_tie_that_corrections_make_waits_for_the_chairman_then_redraws(day, chairman):
    entries = day.entries()
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=9)
    samba, rumba = day.dances
    a, b, c = day.judges
    wrong = day.crosses(entries[:5] + [entries[6]])
    sheets = {(s.judge_id, s.dance_id): s for s in Sheet.objects.filter(round=day.first)}
    corrected = [(a, samba), (a, rumba), (b, samba)]
    for judge, dance in corrected:
        sheet_unlock(sheet=sheets[judge.pk, dance.pk], actor=chairman, reason="check crosses")
    stored = RoundResult.objects.get(round=day.first).data

    # Couples 6 and 7 end with 3 crosses each: a tie at the cut-off of 6.
    for judge, dance in corrected:
        day.send(judge, dance, wrong, base_version=1, reason="wrong couple")

    assert RoundResult.objects.get(round=day.first).data == stored
    with pytest.raises(ScoringError, match="does not follow from the marks") as error:
        round_publish(round=day.first, actor=None)
    assert any("tie at the cut-off" in problem for problem in error.value.problems)

    recall_decide(round=day.first, recall_count=7, actor=chairman)

    recalled = set(
        Placing.objects.filter(round=day.first, recalled=True).values_list("entry_id", flat=True)
    )
    drawn = set(HeatEntry.objects.filter(heat__round=day.final).values_list("entry_id", flat=True))
    assert recalled == drawn == {e.pk for e in entries[:7]}
    assert result_differences(day.first) == []
    round_publish(round=day.first, actor=None)


def test_the_audits_reproduction_through_the_api_publishes_the_corrected_winner(client, day):
    """The chairman unlocks every sheet of a closed final at the desk API, each judge
    sends the reverse order from the judges' API, the desk publishes: the public API
    shows the corrected winner."""
    finalists = _closed_final(day)
    _, chairman = token_for(client, "chairman")
    _, scrutineer = token_for(client, "scrutineer")
    judges = {judge.pk: sign_in(client, judge) for judge in day.judges}
    reversed_order = {str(e.pk): i for i, e in enumerate(reversed(finalists), 1)}

    for sheet in Sheet.objects.filter(round=day.final):
        unlocked = post(
            client, "desk-sheet-unlock", [sheet.pk], chairman, {"reason": "order reversed"}
        )
        assert unlocked.status_code == 200
        sent = client.post(
            reverse("api:judge-sheet-submit", args=[day.final.pk]),
            {
                "dance_id": sheet.dance_id,
                "marks": reversed_order,
                "client_key": f"correction-{sheet.pk}",
                "base_version": sheet.version,
                "round_revision": day.final.revision,
                "reason": "reversed",
            },
            content_type="application/json",
            headers=bearer(judges[sheet.judge_id]),
        )
        assert sent.status_code in (200, 201), sent.json()
    published = post(client, "desk-round-publish", [day.final.pk], scrutineer)
    public = client.get(reverse("api:round-results", args=[day.competition.slug, day.final.pk]))

    assert published.status_code == 200
    assert public.status_code == 200
    places = [(p["place"], p["bib"]) for p in public.json()["placings"]]
    assert places[0] == ("1", finalists[-1].competitor.bib)
    assert result_differences(day.final) == []


def test_reopening_a_round_leaves_no_sheet_unlocked(day, chairman):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=10)
    sheet = Sheet.objects.filter(round=day.first).first()
    sheet_unlock(sheet=sheet, actor=chairman, reason="check")

    round_reopen(round=day.first, actor=chairman, reason="judge B's Rumba")
    round_close(round=day.first, actor=None, seed=10)
    round_publish(round=day.first, actor=None)

    assert Sheet.objects.get(pk=sheet.pk).unlocked_at is None
    assert Round.objects.get(pk=day.first.pk).status == "published"


def test_the_desk_round_page_waits_for_corrections_then_offers_publishing(client, day, chairman):
    from tests.support.auth import sign_in_staff

    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=11)
    sheet = Sheet.objects.filter(round=day.first, judge=day.judges[0]).first()
    sheet_unlock(sheet=sheet, actor=chairman, reason="check a cross")
    sign_in_staff(client, UserFactory(roles=["scrutineer"]))
    url = reverse("adjudication:desk-round", args=[day.first.pk])

    waiting = client.get(url).content.decode()
    day.send(
        sheet.judge, sheet.dance, day.crosses(day.entries()[:6]), base_version=1, reason="same"
    )
    ready = client.get(url).content.decode()

    assert f"judge A's {sheet.dance.name} is unlocked" in waiting
    assert 'value="publish"' not in waiting
    assert "Waiting for corrections" not in ready
    assert 'value="publish"' in ready
