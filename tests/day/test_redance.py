"""A heat danced again (``adjudication.incidents.redance.heat_redance``): the floor goes
back to the heat with its timers restarted, the sheets are re-collected or kept as the
chairman chooses, the trail keeps everything, and bad orders change nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from adjudication.day.floor import floor_move, floor_now
from adjudication.incidents.redance import heat_redance, redance_caption, redance_on_floor
from adjudication.models import MarkChange, Sheet
from adjudication.services import (
    ScoringError,
    SheetInput,
    round_progress,
    sheet_submit,
    tabulate_round,
)
from competitions.models import Floor, FloorMove, Incident, Redance, RoundStatus
from tests.day.helpers import build_programme, desk_user
from tests.day.redance_helpers import danced_first_round, pageant_performer, send

pytestmark = pytest.mark.django_db


def nothing_changed(d, moves_before):
    assert not Redance.objects.exists()
    assert not Incident.objects.exists()
    assert FloorMove.objects.count() == moves_before
    assert not Sheet.objects.filter(returned_at__isnull=False).exists()
    assert not MarkChange.objects.filter(kind=MarkChange.Kind.RETURNED).exists()


def test_redance_with_recollect_returns_the_sheets_and_restarts_the_heat(
    django_capture_on_commit_callbacks,
):
    d = danced_first_round(timers=True)
    chairman = desk_user("chairman")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        redance = heat_redance(
            round=d.round,
            dance=d.samba,
            heat_number=1,
            reason="music stopped after 20 seconds",
            recollect=True,
            actor=chairman,
        )

    assert (redance.heat_number, redance.dance, redance.recollect, redance.ordered_by) == (
        1,
        d.samba,
        True,
        chairman,
    )
    floor = Floor.objects.get(competition=d.p.competition)
    assert (floor.phase, floor.round, floor.dance, floor.heat_number) == (
        "dancing",
        d.round,
        d.samba,
        1,
    )
    assert floor.started_at == redance.ordered_at and floor.danced_at is None
    now = floor_now(d.p.competition)
    assert now.performance_ends_at == redance.ordered_at + dt.timedelta(seconds=90)
    assert now.timer()["label"] == "Performance"
    move = FloorMove.objects.order_by("-at", "-id").first()
    assert (move.action, move.label, move.actor) == (
        "start",
        "Redance: Adult Latin – First round · Samba · heat 1",
        chairman,
    )
    for judge in d.p.judges:
        sheet = d.sheet(judge)
        assert (sheet.returned_by, sheet.counts) == (chairman, False)
        assert list(sheet.marks.values_list("value", flat=True)) == [1] * 6  # kept
    returned = MarkChange.objects.filter(kind=MarkChange.Kind.RETURNED)
    assert sorted(returned.values_list("judge__letter", flat=True)) == ["A", "B", "C"]
    assert returned.first().reason == "Redance of heat 1: music stopped after 20 seconds"
    samba = next(p for p in round_progress(d.round) if p.label == "Samba")
    assert sorted(samba.missing) == ["A", "B", "C"]
    incident = Incident.objects.get()
    assert (incident.kind, incident.actor, incident.heat_number, incident.dance) == (
        "redance",
        chairman,
        1,
        d.samba,
    )
    assert incident.summary == (
        "Redance of Adult Latin – First round · Samba · heat 1 (sheets re-collected)"
    )
    assert len(callbacks) >= 2  # the floor and the redance reach the screens after commit
    assert redance_caption(redance_on_floor(now)) == "Redance — Heat 1, Samba"


def test_a_returned_sheet_is_sent_again_without_a_reason_and_counts_again():
    d = danced_first_round()
    heat_redance(
        round=d.round,
        dance=d.samba,
        heat_number=2,
        reason="a couple fell",
        recollect=True,
        actor=desk_user("chairman"),
    )
    judge = d.p.judges[0]
    stale = d.sheet(judge).version

    outcome = send(d.round, judge, d.samba, key="A-2", base_version=stale)

    sheet = d.sheet(judge)
    assert (outcome.sheet.version, sheet.returned_at, sheet.counts) == (stale + 1, None, True)
    samba = next(p for p in round_progress(d.round) if p.label == "Samba")
    assert sorted(samba.missing) == ["B", "C"]
    # the version check still holds: a sheet loaded before someone else's resend is stale
    with pytest.raises(ScoringError, match="changed on another device"):
        send(d.round, judge, d.samba, key="A-3", base_version=stale)


def test_redance_without_recollect_keeps_the_sheets_counting():
    d = danced_first_round()

    heat_redance(
        round=d.round,
        dance=d.samba,
        heat_number=1,
        reason="the floor was wet",
        recollect=False,
        actor=desk_user("scrutineer"),
    )

    assert all(d.sheet(judge).counts for judge in d.p.judges)
    assert not MarkChange.objects.filter(kind=MarkChange.Kind.RETURNED).exists()
    assert Incident.objects.get().summary.endswith("(sheets kept)")
    # a judge still changes a sheet the normal way, with a reason
    with pytest.raises(ScoringError, match="Say why"):
        send(d.round, d.p.judges[0], d.samba, key="A-2", base_version=1)


def test_the_heat_on_the_floor_now_may_be_restarted():
    d = danced_first_round()
    floor_move(competition=d.p.competition, action="next", actor=None)  # Rumba heat 1
    before = Floor.objects.get().started_at

    heat_redance(
        round=d.round,
        dance=d.rumba,
        heat_number=1,
        reason="music failure",
        recollect=False,
        actor=None,
    )

    floor = Floor.objects.get()
    assert (floor.dance, floor.heat_number, floor.phase) == (d.rumba, 1, "dancing")
    assert floor.started_at > before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"heat_number": 9}, r"has no heat 9 \(its heats: 1, 2\)"),
        ({"reason": "  "}, "Say why the heat is danced again"),
        ({"dance": "rumba"}, "Rumba · heat 1 has not been on the floor yet"),
        ({"dance": None}, "Choose one of the dances of Adult Latin"),
    ],
)
def test_bad_orders_are_refused_and_change_nothing(change, message):
    d = danced_first_round()
    moves = FloorMove.objects.count()
    order = {"dance": d.samba, "heat_number": 1, "reason": "fall", "recollect": True}
    order.update(change)
    if order["dance"] == "rumba":
        order["dance"] = d.rumba

    with pytest.raises(ScoringError, match=message):
        heat_redance(round=d.round, actor=desk_user("chairman"), **order)

    nothing_changed(d, moves)


def test_recollect_needs_the_chairman_and_a_scrutineer_is_refused_cleanly():
    d = danced_first_round()
    moves = FloorMove.objects.count()

    with pytest.raises(ScoringError, match="re-collect the judges' sheets") as refused:
        heat_redance(
            round=d.round,
            dance=d.samba,
            heat_number=1,
            reason="fall",
            recollect=True,
            actor=desk_user("scrutineer"),
        )

    assert refused.value.code == "forbidden"
    nothing_changed(d, moves)


def test_a_judge_without_the_permission_may_not_order_one():
    d = danced_first_round()
    moves = FloorMove.objects.count()

    with pytest.raises(ScoringError, match="permission to order a redance"):
        heat_redance(
            round=d.round,
            dance=d.samba,
            heat_number=1,
            reason="fall",
            recollect=False,
            actor=desk_user("judge"),
        )

    nothing_changed(d, moves)


def test_a_closed_round_is_refused():
    d = danced_first_round()
    d.round.status = RoundStatus.CLOSED
    d.round.save(update_fields=["status"])
    moves = FloorMove.objects.count()

    with pytest.raises(ScoringError, match="only a heat of an open round"):
        heat_redance(
            round=d.round, dance=d.samba, heat_number=1, reason="x", recollect=False, actor=None
        )

    nothing_changed(d, moves)


def test_another_heat_dancing_on_the_floor_is_refused_and_changes_nothing():
    d = danced_first_round()
    floor_move(competition=d.p.competition, action="next", actor=None)  # Rumba heat 1
    moves = FloorMove.objects.count()

    with pytest.raises(ScoringError, match="Rumba · heat 1 is on the floor: mark it danced"):
        heat_redance(
            round=d.round, dance=d.samba, heat_number=2, reason="x", recollect=True, actor=None
        )

    nothing_changed(d, moves)


def test_closing_waits_for_the_returned_sheets_and_the_tabulation_ignores_them():
    d = danced_first_round()
    heat_redance(
        round=d.round, dance=d.samba, heat_number=1, reason="fall", recollect=True, actor=None
    )

    with pytest.raises(ScoringError):
        tabulate_round(d.round)


def test_a_criteria_performance_is_redone_with_its_sheets_returned():
    p = build_programme()
    round_ = p.round(p.pageant)
    performer = pageant_performer(p)
    floor_move(
        competition=p.competition,
        action="start",
        actor=None,
        round_id=round_.pk,
        entry_id=performer.pk,
    )
    floor_move(competition=p.competition, action="danced", actor=None)
    round_.refresh_from_db()
    criterion = p.pageant.criteria.get()
    sheet_submit(
        data=SheetInput(
            round_id=round_.pk,
            judge_id=p.judges[0].pk,
            entry_id=performer.pk,
            marks={criterion.pk: 7},
            client_key="a-1",
            base_version=0,
            round_revision=round_.revision,
        ),
        actor=None,
    )
    heat_number = performer.heat_entries.get(heat__round=round_).heat.number

    heat_redance(
        round=round_,
        dance=None,
        heat_number=heat_number,
        entry=performer,
        reason="the backing track did not play",
        recollect=True,
        actor=None,
    )

    floor = Floor.objects.get()
    assert (floor.entry, floor.phase) == (performer, "dancing")
    sheet = Sheet.objects.get(round=round_, entry=performer)
    assert sheet.returned_at is not None
    assert Incident.objects.get().entry == performer
    assert timezone.now() >= floor.started_at


def test_a_judge_who_has_not_resent_a_returned_sheet_is_late_after_the_scoring_window():
    d = danced_first_round(timers=True)
    heat_redance(
        round=d.round, dance=d.samba, heat_number=2, reason="fall", recollect=True, actor=None
    )
    floor_move(competition=d.p.competition, action="danced", actor=None)
    send(d.round, d.p.judges[0], d.samba, key="A-2", base_version=1)

    later = timezone.now() + dt.timedelta(seconds=31)
    late = floor_now(d.p.competition, now=later)

    samba = next(part for part in late.late_parts if part.dance_id == d.samba.pk)
    assert samba.letters == ["B", "C"]
