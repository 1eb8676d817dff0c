"""A heat danced again: the desk sends a heat of a dance (or a criteria performance)
that was on the floor back to it, with a reason. The floor goes back to that heat and
its timers restart; with ``recollect`` (the chairman's choice) the judges' sheets for
the dance (or the performance) are returned to them and count again only once resent,
their earlier marks kept in the marks trail. The rules followed are in
``docs/tabulation.md`` ("Redance")."""

from __future__ import annotations

import dataclasses
import re
import zoneinfo

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from adjudication.day.floor import FloorNow, FloorRefused, floor_redance, slot_label
from adjudication.incidents.trail import incident_record, reason_require
from adjudication.models import MarkChange, Sheet
from adjudication.services.common import ScoringError, permission_require, round_lock
from competitions.models import (
    Competition,
    Dance,
    Entry,
    FloorMove,
    HeatEntry,
    Incident,
    Redance,
    Round,
    RoundStatus,
)
from scoring_site.realtime import announce


@transaction.atomic
def heat_redance(
    *,
    round: Round,
    dance: Dance | None,
    heat_number: int,
    reason: str,
    recollect: bool,
    actor: User | None,
    entry: Entry | None = None,
) -> Redance:
    """Order heat ``heat_number`` of ``dance`` (or, in a criteria round, the performance
    of ``entry`` in that heat; the heat's only one when ``entry`` is left out) danced
    again, or raise ``ScoringError`` saying why not, changing nothing.

    Needs ``competitions.order_redance``; re-collecting the sheets also the chairman's
    ``adjudication.unlock_sheet``. The round must be open and the heat must have been
    on the floor (the floor's trail says so)."""
    round_ = round_lock(round.pk)
    event = round_.event
    competition = event.competition
    _redance_allowed(actor, competition.pk, recollect)
    reason = reason_require(reason, "the heat is danced again")
    dance, entry = _redance_part(round_, dance, heat_number, entry)
    label = slot_label(round_, dance, heat_number, entry)
    _started_require(round_, dance, heat_number, entry, label)
    at = timezone.now()
    try:
        floor_redance(
            competition=competition,
            round_=round_,
            dance=dance,
            heat_number=heat_number,
            entry=entry,
            actor=actor,
            at=at,
        )
    except FloorRefused as refusal:
        raise ScoringError(str(refusal), "closed") from None
    redance = Redance.objects.create(
        round=round_,
        dance=dance,
        heat_number=heat_number,
        reason=reason,
        recollect=recollect,
        ordered_by=actor,
        ordered_at=at,
    )
    returned = (
        _sheets_return(round_, dance, entry, heat_number, reason, actor, at) if recollect else []
    )
    what = "sheets re-collected" if recollect else "sheets kept"
    incident_record(
        competition_id=competition.pk,
        kind=Incident.Kind.REDANCE,
        summary=f"Redance of {label} ({what})",
        reason=reason,
        actor=actor,
        round=round_,
        entry=entry,
        dance=dance,
        heat_number=heat_number,
    )
    announce(
        competition.pk,
        "redance",
        {"round": round_.pk, "heat": heat_number, "recollect": recollect, "judges": returned},
    )
    return redance


def _redance_allowed(actor: User | None, competition_id: int, recollect: bool) -> None:
    if actor is None:  # the simulator and commands
        return
    permission_require(actor, "competitions.order_redance", "order a redance", competition_id)
    if recollect:
        permission_require(
            actor,
            "adjudication.unlock_sheet",
            "re-collect the judges' sheets (the chairman decides that)",
            competition_id,
        )


def _started_require(round_: Round, dance, heat_number: int, entry, label: str) -> None:
    """Refuse a heat the floor's trail never started: there is nothing to dance again."""
    started = FloorMove.objects.filter(
        competition_id=round_.event.competition_id,
        action=FloorMove.Action.START,
        round=round_,
        dance=dance,
        heat_number=heat_number,
        entry=entry,
    ).exists()
    if not started:
        raise ScoringError(
            f"{label} has not been on the floor yet: there is nothing to dance again "
            "(start it from the day's page)."
        )


def _redance_part(
    round_: Round, dance: Dance | None, heat_number: int, entry: Entry | None
) -> tuple[Dance | None, Entry | None]:
    """The dance (skating) or the performance (criteria) of the heat, checked against
    the round, or ``ScoringError``."""
    event = round_.event
    if round_.status != RoundStatus.OPEN:
        raise ScoringError(
            f"{round_} is {round_.get_status_display().lower()}: only a heat of an open round "
            "is danced again.",
            "closed",
        )
    heats = sorted(set(round_.heats.values_list("number", flat=True)))
    if heat_number not in heats:
        listed = ", ".join(map(str, heats)) or "none"
        raise ScoringError(f"{round_} has no heat {heat_number} (its heats: {listed}).")
    if event.is_danced:
        if dance is None or dance.event_id != event.pk or entry is not None:
            raise ScoringError(f"Choose one of the dances of {event.name} to dance again.")
        return dance, None
    if dance is not None:
        raise ScoringError(f"{event.name} has no dances: choose the performance to redo.")
    members = [
        member.entry
        for member in HeatEntry.objects.filter(
            heat__round=round_, heat__number=heat_number, entry__withdrawn=False
        )
        .select_related("entry__competitor")
        .order_by("position", "id")
    ]
    if entry is None and len(members) == 1:
        return None, members[0]
    if entry is None or entry.pk not in {member.pk for member in members}:
        names = ", ".join(member.bib_label for member in members)
        raise ScoringError(
            f"Choose the performance of heat {heat_number} to redo ({names or 'none'})."
        )
    return None, entry


def _sheets_return(
    round_: Round,
    dance: Dance | None,
    entry: Entry | None,
    heat_number: int,
    reason: str,
    actor: User | None,
    at,
) -> list[str]:
    """Return every sheet of the dance (or performance) not already returned to its
    judge, with a ``returned`` change in the marks trail; the letters of those judges."""
    lookup = {"dance": dance} if dance is not None else {"entry": entry}
    sheets = list(
        Sheet.objects.select_for_update(of=("self",))
        .filter(round=round_, returned_at__isnull=True, **lookup)
        .select_related("judge")
        .order_by("pk")
    )
    for sheet in sheets:
        sheet.returned_at, sheet.returned_by = at, actor
        sheet.save(update_fields=["returned_at", "returned_by"])
    MarkChange.objects.bulk_create(
        MarkChange(
            round=round_,
            sheet=sheet,
            judge=sheet.judge,
            kind=MarkChange.Kind.RETURNED,
            dance=dance,
            entry=entry,
            sheet_version=sheet.version,
            actor=actor,
            source="desk",
            reason=f"Redance of heat {heat_number}: {reason}"[:300],
            at=at,
        )
        for sheet in sheets
    )
    return sorted(sheet.judge.letter for sheet in sheets)


def redance_on_floor(now: FloorNow) -> Redance | None:
    """The redance the floor is dancing now (its heat restarted by ``heat_redance``), or
    ``None``: what the screens and the announcer show as "Redance"."""
    if now.round_id is None or now.started_at is None or now.heat_number is None:
        return None
    return (
        Redance.objects.filter(
            round_id=now.round_id,
            dance_id=now.dance_id,
            heat_number=now.heat_number,
            ordered_at=now.started_at,
        )
        .select_related("dance")
        .first()
    )


def redance_caption(redance: Redance) -> str:
    """ "Redance — Heat 2, Samba" as the screens say it."""
    dance = f", {redance.dance.name}" if redance.dance_id else ""
    return f"Redance — Heat {redance.heat_number}{dance}"


# --- What the desk may send back ---------------------------------------------------------------

SLOT_CODE = re.compile(r"^r(\d{1,18})-([de])(\d{1,18})-h(\d{1,9})$")


@dataclasses.dataclass(frozen=True)
class RedanceSlot:
    """A heat of a dance (or a performance) that has been on the floor in an open round:
    what the desk's form offers to send back. ``code`` is the form's value."""

    round: Round
    dance: Dance | None
    heat_number: int
    entry: Entry | None
    label: str

    @property
    def code(self) -> str:
        part = f"d{self.dance.pk}" if self.dance else f"e{self.entry.pk}"
        return f"r{self.round.pk}-{part}-h{self.heat_number}"


def redance_slots(competition: Competition, *, round_: Round | None = None) -> list[RedanceSlot]:
    """Every heat (or performance) of the competition's open rounds (or of ``round_``)
    that was started on the floor, in the order first started (one query)."""
    moves = (
        FloorMove.objects.filter(
            competition=competition, action=FloorMove.Action.START, round__status=RoundStatus.OPEN
        )
        .select_related("round__event", "dance", "entry__competitor")
        .order_by("at", "id")
    )
    if round_ is not None:
        moves = moves.filter(round=round_)
    first: dict[tuple, FloorMove] = {}
    for move in moves:
        first.setdefault((move.round_id, move.dance_id, move.heat_number, move.entry_id), move)
    return [
        RedanceSlot(
            move.round,
            move.dance,
            move.heat_number,
            move.entry,
            slot_label(move.round, move.dance, move.heat_number, move.entry),
        )
        for move in first.values()
        if move.heat_number is not None
    ]


def redance_slot_get(competition: Competition, code: str) -> RedanceSlot:
    """The heat a desk form's ``code`` names, in this competition, or ``ScoringError``.
    Whether it may be danced again is ``heat_redance``'s to say."""
    match = SLOT_CODE.match(code or "")
    round_ = (
        Round.objects.select_related("event")
        .filter(pk=int(match[1]), event__competition=competition)
        .first()
        if match
        else None
    )
    if round_ is None:
        raise ScoringError("Choose a heat that was on the floor to dance again.")
    part_id, heat_number = int(match[3]), int(match[4])
    dance = entry = None
    if match[2] == "d":
        dance = Dance.objects.filter(pk=part_id, event=round_.event).first()
    else:
        entry = Entry.objects.filter(pk=part_id, event=round_.event).first()
    if dance is None and entry is None:
        raise ScoringError(f"Choose a dance or a performance of {round_}.")
    return RedanceSlot(round_, dance, heat_number, entry, "")


def redance_returning(sheet: Sheet) -> Redance | None:
    """The redance that re-collected this returned sheet (ordered when it was returned)."""
    if sheet.returned_at is None:
        return None
    return Redance.objects.filter(
        round_id=sheet.round_id, recollect=True, ordered_at=sheet.returned_at
    ).first()


def redance_line(redance: Redance, zone: zoneinfo.ZoneInfo, *, reason: bool = True) -> str:
    """A redance as the marks sheets (pages and PDF) list it under its round; the
    public's without the desk's reason."""
    dance = f" of {redance.dance.name}" if redance.dance_id else ""
    at = timezone.localtime(redance.ordered_at, zone).strftime("%H:%M")
    sheets = (
        "the judges' sheets re-collected and sent again" if redance.recollect else "sheets kept"
    )
    what = f"Redance: heat {redance.heat_number}{dance} danced again at {at}"
    why = f", {redance.reason}" if reason else ""
    return f"{what}{why} ({sheets})."
