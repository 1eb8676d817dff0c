"""The live push's cheaper build (issue 21) sends the same payload as before.

``_reference_open_rounds_read`` is the read the public snapshot used before it counted
the sheets in the database and read dances and seats as rows: model instances, every
counted sheet fetched and filtered in Python. Each test builds the public snapshot with
both and compares them whole, on days with the cases the counts must get right."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from adjudication.models import Mark, Sheet
from adjudication.services import round_close
from competitions.models import (
    Criterion,
    Dance,
    Entry,
    HeatEntry,
    PanelSeat,
    ResultsReveal,
    RoundStatus,
    ScoringMethod,
)
from leaderboard import snapshots
from leaderboard.snapshots import COUNTED, public_snapshot
from tests.adjudication.day import all_recall_sheets, open_final
from tests.factories.competitions import JudgeFactory, PanelSeatFactory
from tests.leaderboard.helpers import Pageant, quiet, quiet_day

pytestmark = pytest.mark.django_db


def _reference_open_rounds_read(shown_rounds):
    """The read before issue 21's change, as it was (less its comments)."""
    from collections import defaultdict

    open_ids = [r.pk for r in shown_rounds if r.status == RoundStatus.OPEN]
    panel = defaultdict(int)
    sitting = set()
    seats = (
        PanelSeat.objects.filter(event_id__in={r.event_id for r in shown_rounds}, shadow=False)
        .order_by()
        .values_list("event_id", "judge_id", "from_round", "until_round")
    )
    for event_id, judge_id, start, end in seats:
        for round_ in shown_rounds:
            seat = PanelSeat(from_round=start, until_round=end)
            if round_.event_id == event_id and seat.sits_in(round_.position):
                panel[round_.pk] += 1
                sitting.add((round_.pk, judge_id))
    by_round = defaultdict(list)
    for round_id, heat, entry_id, bib, kind, name, partner in (
        HeatEntry.objects.filter(
            heat__round__in=[r for r in shown_rounds if r.draw_public],
            entry__withdrawn=False,
        )
        .order_by("heat__number", "position", "entry__competitor__bib", "id")
        .values_list(
            "heat__round_id",
            "heat__number",
            "entry_id",
            "entry__competitor__bib",
            "entry__competitor__kind",
            "entry__competitor__name",
            "entry__competitor__partner_name",
        )
    ):
        by_round[round_id].append(
            snapshots._OnFloor(round_id, heat, entry_id, bib, kind, name, partner)
        )
    danced_events = {r.event_id for r in shown_rounds if r.event.is_danced}
    dances = defaultdict(list)
    if danced_events:
        for dance in Dance.objects.filter(event_id__in=danced_events).order_by("position", "id"):
            dances[dance.event_id].append(dance)
    counts = defaultdict(int)
    if open_ids:
        for round_id, dance_id, entry_id, judge_id in (
            Sheet.objects.filter(COUNTED, round_id__in=open_ids)
            .order_by()
            .values_list("round_id", "dance_id", "entry_id", "judge_id")
        ):
            if (round_id, judge_id) in sitting:
                counts[(round_id, dance_id, entry_id)] += 1
    live_ids = [
        r.pk
        for r in shown_rounds
        if r.status == RoundStatus.OPEN
        and r.event.scoring_method == ScoringMethod.CRITERIA
        and r.event.results_reveal == ResultsReveal.LIVE_TOTAL
    ]
    marks = defaultdict(list)
    weights = {}
    if live_ids:
        for round_id, entry_id, judge_id, criterion_id, value in (
            Mark.objects.filter(sheet__round_id__in=live_ids, criterion__isnull=False)
            .filter(~Q(sheet__source=Sheet.Source.PAPER) | Q(sheet__confirmed_at__isnull=False))
            .filter(sheet__returned_at__isnull=True, sheet__shadow=False)
            .values_list(
                "sheet__round_id", "sheet__entry_id", "sheet__judge_id", "criterion_id", "value"
            )
        ):
            marks[round_id].append((entry_id, judge_id, criterion_id, value))
        weights = dict(
            Criterion.objects.filter(event__rounds__pk__in=live_ids).values_list("pk", "weight")
        )
    return snapshots._OpenRoundsRead(panel, by_round, dances, counts, live_ids, marks, weights)


def _same_payload(competition, monkeypatch) -> dict:
    """Both builds, without and with the results; the new one with them, once equal."""
    for results in (False, True):
        new = public_snapshot(competition, results=results)
        with monkeypatch.context() as patched:
            patched.setattr(snapshots, "_open_rounds_read", _reference_open_rounds_read)
            old = public_snapshot(competition, results=results)
        new.pop("server_time"), old.pop("server_time")
        assert new == old
    return new


def _sheet_like(sheet, **changes):
    """A copy of ``sheet`` (a row of its own) with ``changes``."""
    return Sheet.objects.create(
        **{
            f.attname: getattr(sheet, f.attname)
            for f in Sheet._meta.concrete_fields
            if not f.primary_key
        }
        | {"client_key": f"copy-{sheet.pk}-{len(changes)}"}
        | changes
    )


def test_counts_skip_returned_unconfirmed_shadow_and_set_aside_sheets(monkeypatch):
    day = quiet_day(couples=8, judges=3)
    a, b, c = day.judges
    samba, rumba = day.dances
    picks = day.crosses(day.entries()[:6])
    with quiet():
        sent = {(j.pk, d.pk): day.send(j, d, picks).sheet for j in (a, b, c) for d in (samba,)}
        sent[(a.pk, rumba.pk)] = day.send(a, rumba, picks).sheet
        sent[(b.pk, rumba.pk)] = day.send(b, rumba, picks).sheet
        sent[(c.pk, rumba.pk)] = day.send(c, rumba, picks).sheet
    now = timezone.now()
    # Rumba: A's returned for a redance, C's on paper not confirmed yet, B's paper confirmed.
    Sheet.objects.filter(pk=sent[(a.pk, rumba.pk)].pk).update(returned_at=now)
    Sheet.objects.filter(pk=sent[(c.pk, rumba.pk)].pk).update(source="paper")
    desk = User.objects.create(username="desk")
    Sheet.objects.filter(pk=sent[(b.pk, rumba.pk)].pk).update(
        source="paper", confirmed_at=now, confirmed_by=desk
    )
    # D sits from the final on (their first-round sheet is set aside), E up to the first
    # round, S is a shadow (their sheets never count).
    d, e, s = (JudgeFactory(competition=day.competition, letter=x) for x in "DES")
    PanelSeatFactory(event=day.event, judge=d, from_round=2)
    PanelSeatFactory(event=day.event, judge=e, until_round=1)
    PanelSeatFactory(event=day.event, judge=s, shadow=True)
    samba_a = sent[(a.pk, samba.pk)]
    _sheet_like(samba_a, judge_id=d.pk)
    _sheet_like(samba_a, judge_id=e.pk)
    _sheet_like(samba_a, judge_id=s.pk, shadow=True)
    # A withdrawn couple leaves the floor.
    Entry.objects.filter(pk=day.entries()[-1].pk).update(withdrawn=True)

    (floor,) = _same_payload(day.competition, monkeypatch)["floor"]

    assert floor["judges"] == 4  # A, B, C and E
    assert [p["in"] for p in floor["parts"]] == [4, 1]  # Samba: A, B, C, E; Rumba: B
    assert floor["sheets_in"] == 5 and floor["sheets_due"] == 8
    assert floor["entries"] == 7


def test_a_closed_and_a_published_round(monkeypatch):
    day = quiet_day()
    with quiet():
        all_recall_sheets(day)
        round_close(round=day.first, actor=None, seed=3)
    (floor,) = _same_payload(day.competition, monkeypatch)["floor"]
    assert floor["status"] == RoundStatus.CLOSED and floor["sheets_in"] == floor["sheets_due"]

    with quiet():
        open_final(day)
    payload = _same_payload(day.competition, monkeypatch)
    assert [f["status"] for f in payload["floor"]] == [RoundStatus.OPEN]
    assert payload["results"][0]["type"] == "recalls"


@pytest.mark.parametrize("reveal", [ResultsReveal.LIVE_TOTAL, ResultsReveal.PUBLISHED])
def test_criteria_events_per_entry_and_the_running_total(reveal, monkeypatch):
    pageant = Pageant(reveal=reveal, entries=4)
    third = JudgeFactory(competition=pageant.competition, letter="C")
    PanelSeatFactory(event=pageant.event, judge=third)
    type(pageant.event).objects.filter(pk=pageant.event.pk).update(drop_extremes=True)
    first, second, *_ = pageant.entries
    with quiet():
        for judge, gown in zip([*pageant.judges, third], ("7.5", "9", "6"), strict=True):
            pageant.score(judge, first, Decimal(gown), Decimal("8"))
        pageant.score(pageant.judges[0], second, Decimal("5"), Decimal("9.5"))
    Sheet.objects.filter(judge=third, entry=first).update(
        submitted_at=F("submitted_at") - timedelta(seconds=1)
    )

    (floor,) = _same_payload(pageant.competition, monkeypatch)["floor"]

    assert sorted(p["in"] for p in floor["parts"]) == [0, 0, 1, 3]
    assert ("running" in floor) == (reveal == ResultsReveal.LIVE_TOTAL)
