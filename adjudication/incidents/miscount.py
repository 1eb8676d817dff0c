"""A judge's paper recall sheet with too few or too many crosses.

Skating System rule 1: every judge crosses the number of couples the chairman asked
for; a sheet in error goes back to the chairman, who settles it with the judge. The
scrutineer typing the paper sheet at the desk therefore either returns it to the judge
(nothing is stored, the sheet stays missing, the audit log notes it) or the chairman
accepts it as it is, with a reason: the crosses then count as given (DTV TSO F 6.7.2:
the judge answers for the number of crosses). A tablet counts for its judge and keeps
refusing a wrong count."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from accounts.audit import audit_record
from accounts.models import AuditEntry, User

# the module, not its names: trail imports adjudication.services, which imports this
from adjudication.incidents import trail
from adjudication.models import MarkChange, Sheet
from adjudication.services.common import ScoringError, permission_require, round_entries
from competitions.models import Dance, Incident, Judge, Round, RoundKind, ScoringMethod

ACCEPT_PERMISSION = "competitions.accept_miscounted_sheet"


def recall_miscount(round_: Round, marks: Mapping[int, Any]) -> tuple[int, int] | None:
    """``(crossed, asked)`` when ``marks`` are a recall sheet of ``round_`` with another
    number of crosses than the round asks for; ``None`` otherwise."""
    if round_.event.scoring_method != ScoringMethod.SKATING or round_.kind == RoundKind.FINAL:
        return None
    active = [e for e in round_entries(round_) if not e.withdrawn]
    asked = min(round_.recall_count or 0, len(active))
    return (len(marks), asked) if len(marks) != asked else None


def miscount_acceptance_check(round_: Round, data: Any, *, actor: User | None, source: str) -> bool:
    """Whether the sheet (a ``SheetInput``) is stored as the chairman accepts it with a
    wrong count; refuses an acceptance the rules do not give."""
    if not (data.accept_count_reason or "").strip():
        return False
    if source != Sheet.Source.PAPER:
        raise ScoringError(
            "Only a paper sheet typed at the desk is accepted with the wrong number of "
            "crosses: a tablet counts the crosses for its judge."
        )
    if round_.event.scoring_method != ScoringMethod.SKATING or round_.kind == RoundKind.FINAL:
        raise ScoringError(
            "Only a recall sheet is accepted with the wrong number of crosses: in a final "
            "each place is given once, and criteria sheets have no crosses."
        )
    permission_require(
        actor,
        ACCEPT_PERMISSION,
        "accept a sheet with the wrong number of crosses (the chairman does)",
        round_.event.competition_id,
    )
    trail.reason_require(data.accept_count_reason, "the chairman accepts the sheet as it is")
    if not data.marks:
        raise ScoringError(
            "A sheet without a cross is a missing sheet, not a miscounted one: return it "
            "to the judge."
        )
    return recall_miscount(round_, data.marks) is not None


def miscount_accept_record(
    round_: Round, sheet: Sheet, *, data: Any, actor: User | None, now: datetime.datetime
) -> None:
    """Mark the stored sheet as accepted with its count, in its trail and the day's."""
    crossed, asked = recall_miscount(round_, data.marks) or (len(data.marks), len(data.marks))
    reason = trail.reason_require(
        data.accept_count_reason, "the chairman accepts the sheet as it is"
    )
    sheet.count_accepted_by, sheet.count_accepted_reason = actor, reason
    sheet.save(update_fields=["count_accepted_by", "count_accepted_reason"])
    MarkChange.objects.create(
        round=round_,
        sheet=sheet,
        judge=sheet.judge,
        kind=MarkChange.Kind.ACCEPTED,
        dance=sheet.dance,
        sheet_version=sheet.version,
        actor=actor,
        source=sheet.source,
        reason=reason,
        at=now,
    )
    trail.incident_record(
        competition_id=round_.event.competition_id,
        kind=Incident.Kind.SHEET_ACCEPTED,
        summary=f"Judge {sheet.judge.letter}'s paper sheet for {sheet.dance.name} accepted "
        f"with {crossed} crosses ({asked} asked): they count as given.",
        reason=reason,
        actor=actor,
        round=round_,
        dance=sheet.dance,
        judge=sheet.judge,
    )


@transaction.atomic
def paper_sheet_return(*, data: Any, actor: User) -> str:
    """The scrutineer returns a miscounted paper sheet to its judge: nothing is stored
    and the sheet stays missing; the audit log notes it. What happened, as a sentence."""
    round_ = Round.objects.select_related("event").filter(pk=data.round_id).first()
    if round_ is None:
        raise ScoringError("No such round.")
    permission_require(
        actor, "adjudication.enter_paper_sheet", "type in paper sheets", round_.event.competition_id
    )
    judge = Judge.objects.filter(pk=data.judge_id, seats__event=round_.event).first()
    dance = Dance.objects.filter(pk=data.dance_id, event=round_.event).order_by("pk").first()
    if judge is None or dance is None:
        raise ScoringError(f"Choose a judge and a dance of {round_.event.name}.")
    miscount = recall_miscount(round_, data.marks)
    if miscount is None:
        raise ScoringError(
            "This sheet has the number of crosses the round asks for: store it instead."
        )
    crossed, asked = miscount
    sentence = (
        f"Paper sheet of judge {judge.letter} for {dance.name} returned to the judge: "
        f"{crossed} crosses, {asked} asked. It stays missing until the judge hands it in again."
    )
    audit_record(
        action=AuditEntry.Action.DESK,
        actor=actor,
        target=round_,
        message=sentence,
        detail={"judge": judge.letter, "dance": dance.name, "crossed": crossed, "asked": asked},
    )
    return sentence
