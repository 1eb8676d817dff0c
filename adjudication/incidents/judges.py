"""Replacement judges: the chairman seats a reserve judge in a panel seat from a given
round on (``judge_replace``). The old seat ends the round before, the new seat names
the seat it ``replaces``; ``competitions.selectors.round_panel`` then answers who
judges each round, for sheets, tabulation, tablets, the desk, marks sheets and screens.
The rules followed are in ``docs/tabulation.md`` ("Replacement judges")."""

from __future__ import annotations

import dataclasses

from django.db import transaction
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from adjudication.incidents.seats import judge_sits_later, judge_tablets_sign_out
from adjudication.incidents.trail import incident_record, reason_require
from adjudication.models import Sheet
from adjudication.services.common import ScoringError, permission_require, round_lock
from competitions.models import Event, Incident, Judge, PanelSeat, Round, RoundKind, RoundStatus
from scoring_site.realtime import announce


@dataclasses.dataclass(frozen=True)
class Replacement:
    """What ``judge_replace`` did: the two seats, the first round the replacement
    judges (its position), and how many of the old judge's tablets were signed out."""

    old_seat: PanelSeat
    new_seat: PanelSeat
    starts_at: int
    incident: Incident
    tablets_revoked: int


@dataclasses.dataclass(frozen=True)
class RoundPanel:
    """Who judges one round: its seats by letter; ``replacing`` maps a replacement's
    letter to the letter of the judge whose seat it took."""

    round: Round
    seats: list[PanelSeat]
    replacing: dict[str, str]

    @property
    def letters(self) -> list[str]:
        return [seat.judge.letter for seat in self.seats]

    @property
    def judges(self) -> list[tuple[Judge, str | None]]:
        """Each judge with the letter of the judge they replace (or None)."""
        return [(seat.judge, self.replacing.get(seat.judge.letter)) for seat in self.seats]


def event_round_panels(event: Event) -> list[RoundPanel]:
    """The panel of each of the event's rounds (``round_panel``: no shadow seats), in
    two queries."""
    seats = list(
        PanelSeat.objects.filter(event=event, shadow=False)
        .select_related("judge")
        .order_by("judge__letter")
    )
    letters = {seat.pk: seat.judge.letter for seat in seats}
    panels = []
    for round_ in Round.objects.filter(event=event).order_by("position"):
        sitting = [seat for seat in seats if seat.sits_in(round_.position)]
        replacing = {
            seat.judge.letter: letters[seat.replaces_id] for seat in sitting if seat.replaces_id
        }
        panels.append(RoundPanel(round_, sitting, replacing))
    return panels


def _start_position(from_round: Round, finish_current: bool) -> int:
    """The position of the first round the replacement judges, or a refusal for a
    round whose marks are already closed."""
    if from_round.status in (RoundStatus.CLOSED, RoundStatus.PUBLISHED):
        raise ScoringError(
            f"{from_round} is already {from_round.get_status_display().lower()}: a replacement "
            "judge can start only at a round that is open or still to come. To correct "
            "a closed round's marks, unlock the judge's sheet instead.",
            "closed",
        )
    if from_round.status == RoundStatus.OPEN and finish_current:
        if from_round.kind == RoundKind.FINAL:
            raise ScoringError(
                "The final is the last round: if the judge finishes it, the replacement has "
                "nothing to judge. Re-collect the final from the replacement instead.",
                "invalid",
            )
        return from_round.position + 1
    return from_round.position


def _old_seat(event: Event, judge: Judge, from_round: Round, start: int) -> PanelSeat:
    seat = (
        PanelSeat.objects.select_for_update(of=("self",))
        .filter(event=event, judge=judge)
        .select_related("judge")
        .first()
    )
    if seat is not None and seat.shadow:
        raise ScoringError(
            f"Judge {judge.letter} is a shadow judge: their sheets never count, so there is "
            "no seat to hand over. Remove the shadow seat in the admin instead.",
            "invalid",
        )
    if seat is None or not seat.sits_in(from_round.position):
        raise ScoringError(
            f"Judge {judge.letter} ({judge.name}) is not on the panel of {from_round}.",
            "not_on_panel",
        )
    if seat.until_round is not None:
        raise ScoringError(
            f"Judge {judge.letter} is already replaced after round {seat.until_round}.",
            "not_on_panel",
        )
    if seat.from_round is not None and seat.from_round >= start:
        # The seat would end before it starts: take the replacement back instead.
        raise ScoringError(
            f"Judge {judge.letter} has not judged a round of {event.name} yet: take that "
            "replacement back on the desk's panels page (Take back), then replace the "
            "judge they were to replace.",
            "invalid",
        )
    return seat


def _replacement_check(event: Event, judge: Judge, replacement: Judge) -> None:
    if replacement.competition_id != event.competition_id:
        raise ScoringError(
            f"{replacement.name} judges at another competition: choose a reserve judge "
            "of this one.",
            "invalid",
        )
    if replacement.pk == judge.pk:
        raise ScoringError("A judge cannot replace themself: choose a reserve judge.", "invalid")
    seat = PanelSeat.objects.filter(event=event, judge=replacement).first()
    if seat is not None and seat.shadow:
        raise ScoringError(
            f"Judge {replacement.letter} ({replacement.name}) is a shadow judge on "
            f"{event.name}: a trainee's marks never count, so they cannot replace a judge.",
            "invalid",
        )
    if seat is not None:
        raise ScoringError(
            f"Judge {replacement.letter} ({replacement.name}) already sits on the panel of "
            f"{event.name}: one judge per seat, and one seat per judge.",
            "invalid",
        )


@transaction.atomic
def judge_replace(
    *,
    event: Event,
    judge: Judge,
    replacement: Judge,
    from_round: Round,
    finish_current: bool,
    actor: User | None,
    reason: str,
) -> Replacement:
    """Seat ``replacement`` (a reserve judge of the competition) in ``judge``'s seat
    on ``event``'s panel from ``from_round`` on. For the round now open,
    ``finish_current`` lets the original judge finish it (the replacement starts at the
    next round); otherwise the replacement judges it and the original's sheets of it are
    kept but no longer counted. Refuses (changing nothing) a round already closed, a
    judge not on that round's panel, a replacement already on the panel or of another
    competition, and no reason."""
    permission_require(actor, "competitions.replace_judge", "replace judges", event.competition_id)
    if from_round.event_id != event.pk:
        raise ScoringError(f"{from_round} is not a round of {event.name}.", "invalid")
    if judge.competition_id != event.competition_id:
        raise ScoringError(f"Judge {judge.letter} judges at another competition.", "not_on_panel")
    reason = reason_require(reason, "the judge is replaced")
    from_round = round_lock(from_round.pk)  # no sheet of it is taken meanwhile
    start = _start_position(from_round, finish_current)
    old = _old_seat(event, judge, from_round, start)
    _replacement_check(event, judge, replacement)
    old.until_round = start - 1
    old.full_clean()
    old.save(update_fields=["until_round"])
    new = PanelSeat(event=event, judge=replacement, from_round=start, replaces=old)
    new.full_clean()
    new.save()
    first = Round.objects.filter(event=event, position=start).first()
    when = (
        f"from the {first.get_kind_display().lower()}"
        if first
        else f"after the {from_round.get_kind_display().lower()}"
    )
    incident = incident_record(
        competition_id=event.competition_id,
        kind=Incident.Kind.JUDGE_REPLACED,
        summary=f"Judge {judge.letter} ({judge.name}) replaced by {replacement.letter} "
        f"({replacement.name}) on {event.name} {when}",
        reason=reason,
        actor=actor,
        round=first or from_round,
        judge=judge,
        other_judge=replacement,
    )
    revoked = 0 if judge_sits_later(judge) else judge_tablets_sign_out(judge)
    announce(
        event.competition_id,
        "judge.replaced",
        {
            "event": event.pk,
            "round": from_round.pk,
            "from_round": start,
            "judge": judge.letter,
            "replacement": replacement.letter,
        },
    )
    return Replacement(old, new, start, incident, revoked)


def replacements_undoable(event: Event) -> list[PanelSeat]:
    """The event's replacements that may still be taken back (``judge_replacement_undo``):
    not replaced in turn, no sheet sent, no round of theirs closed yet. One query."""
    closed = Round.objects.filter(
        event=event, status__in=[RoundStatus.CLOSED, RoundStatus.PUBLISHED]
    ).order_by("-position")
    last_closed = Coalesce(Subquery(closed.values("position")[:1]), Value(0))
    return list(
        PanelSeat.objects.filter(event=event, replaces__isnull=False, replaced_by__isnull=True)
        .filter(from_round__gt=last_closed)
        .exclude(judge__in=Sheet.objects.filter(round__event=event).values("judge"))
        .select_related("judge", "replaces__judge")
        .order_by("judge__letter")
    )


def _undo_check(seat: PanelSeat) -> None:
    """Refuse to take back a seat that is no replacement, or one whose judge has judged."""
    judge, event = seat.judge, seat.event
    if seat.replaces_id is None:
        raise ScoringError(
            f"Judge {judge.letter} ({judge.name}) is no replacement on {event.name}: only a "
            "replacement judge is taken back.",
            "invalid",
        )
    if PanelSeat.objects.filter(replaces=seat).exists():
        raise ScoringError(
            f"Judge {judge.letter} has been replaced in turn on {event.name}: take that "
            "replacement back first.",
            "invalid",
        )
    if Sheet.objects.filter(judge=judge, round__event=event).exists():
        raise ScoringError(
            f"Judge {judge.letter} ({judge.name}) has already sent sheets of {event.name}: "
            "a replacement who has judged stays on the panel. Replace them in turn "
            "instead.",
            "closed",
        )
    done = (
        Round.objects.filter(event=event, position__gte=seat.from_round)
        .filter(status__in=[RoundStatus.CLOSED, RoundStatus.PUBLISHED])
        .order_by("position")
        .first()
    )
    if done is not None:
        raise ScoringError(
            f"{done} is already {done.get_status_display().lower()} with judge "
            f"{judge.letter} on its panel: the replacement cannot be taken back.",
            "closed",
        )


@transaction.atomic
def judge_replacement_undo(*, seat: PanelSeat, actor: User, reason: str) -> Incident:
    """Take back a replacement judge who has sent no sheet yet: their seat goes, and the
    seat they took over sits to the end again. Refuses (changing nothing) a seat that is
    no replacement, one replaced in turn, a replacement who has sent a sheet or sits in
    a round already closed, and no reason."""
    event = seat.event
    permission_require(
        actor, "competitions.replace_judge", "take back replacements", event.competition_id
    )
    reason = reason_require(reason, "the replacement is taken back")
    first = Round.objects.filter(event=event, position=seat.from_round).first()
    if first is not None:
        round_lock(first.pk)  # no sheet of the replacement's first round is taken meanwhile
    seat = (
        PanelSeat.objects.select_for_update(of=("self",))
        .select_related("judge", "event", "replaces__judge")
        .get(pk=seat.pk)
    )
    _undo_check(seat)
    old, replacement = seat.replaces, seat.judge
    seat.delete()
    old.until_round = None
    old.full_clean()
    old.save(update_fields=["until_round"])
    incident = incident_record(
        competition_id=event.competition_id,
        kind=Incident.Kind.JUDGE_REPLACED,
        summary=f"Replacement taken back: judge {old.judge.letter} ({old.judge.name}) "
        f"judges {event.name} again, not {replacement.letter} ({replacement.name})",
        reason=reason,
        actor=actor,
        round=first,
        judge=old.judge,
        other_judge=replacement,
    )
    if not judge_sits_later(replacement):
        judge_tablets_sign_out(replacement)
    announce(
        event.competition_id,
        "judge.replaced",
        {"event": event.pk, "judge": old.judge.letter, "taken_back": replacement.letter},
    )
    return incident
