"""When a judge's seat ends: whether the judge still sits on a panel with rounds to
judge, and signing out the tablets of one who does not (``judge_replace`` at once, or
``round_close`` when the judge finished the round they were replaced after)."""

from __future__ import annotations

from adjudication.models import TabletSession
from adjudication.tablet.sessions import tablet_revoke
from competitions.models import Judge, PanelSeat, Round, RoundStatus


def judge_sits_later(judge: Judge) -> bool:
    """Whether the judge still sits on some panel in a round that is open or to come."""
    for seat in PanelSeat.objects.filter(judge=judge):
        positions = Round.objects.filter(
            event_id=seat.event_id, status__in=[RoundStatus.PLANNED, RoundStatus.OPEN]
        ).values_list("position", flat=True)
        if any(seat.sits_in(position) for position in positions):
            return True
    return False


def judge_tablets_sign_out(judge: Judge) -> int:
    """Sign out every tablet of a judge who now sits on no panel. The chairman's
    replacement decides it, so no tablet permission is asked (``actor=None``); the
    incident says who."""
    tablets = list(TabletSession.objects.filter(judge=judge, revoked_at__isnull=True))
    for tablet in tablets:
        tablet_revoke(tablet=tablet, actor=None)
    return len(tablets)


def finished_judges_sign_out(round_: Round) -> int:
    """Once ``round_`` closes: sign out the judges replaced after it (they finished it)
    who sit on no panel with rounds still to judge; how many tablets went."""
    seats = PanelSeat.objects.filter(event_id=round_.event_id, until_round=round_.position)
    judges = [seat.judge for seat in seats.select_related("judge")]
    return sum(judge_tablets_sign_out(judge) for judge in judges if not judge_sits_later(judge))
