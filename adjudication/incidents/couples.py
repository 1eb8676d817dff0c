"""Couples absent, retired or disqualified, and reinstated: the desk's decisions about a
couple in one round, each in one transaction that holds the round, writes the couple's
``EntryIncident`` and a line of the day's trail, re-tabulates a round whose result is
stored, and announces itself after commit.

The rules followed (absent couples are not recalled, retired couples are last in the
dances they did not dance, what a disqualification may still change) are in
``docs/tabulation.md``, "Couples absent, retired, disqualified"."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from adjudication.incidents.trail import incident_record, reason_require
from adjudication.models import Placing, RoundResult
from adjudication.services.common import ScoringError, permission_require, round_lock
from adjudication.services.rounds import (
    round_placings,
    round_retabulate,
    tabulate_round,
)
from competitions.models import (
    Dance,
    Entry,
    EntryIncident,
    HeatEntry,
    Incident,
    Round,
    RoundStatus,
)
from scoring_site.realtime import announce

Outcome = EntryIncident.Outcome
RECORD = ("competitions.record_absence", "mark couples absent or retired")
DISQUALIFY = ("competitions.disqualify_entry", "disqualify couples (the chairman does)")
STORED = (RoundStatus.CLOSED, RoundStatus.PUBLISHED)


@transaction.atomic
def entry_mark_absent(*, round: Round, entry: Entry, actor: User, reason: str) -> EntryIncident:
    """The couple did not dance the round (a no-show, or excused before it danced): not on
    the judges' sheets from now on, not recalled, listed as absent."""
    return _record(round, entry, actor, reason, outcome=Outcome.ABSENT)


@transaction.atomic
def entry_retire(
    *, round: Round, entry: Entry, actor: User, reason: str, from_dance: Dance
) -> EntryIncident:
    """The couple stopped during the round: ``from_dance`` is the first dance it did not
    dance. Not recalled from a preliminary round; last in those dances of a final."""
    return _record(round, entry, actor, reason, outcome=Outcome.RETIRED, from_dance=from_dance)


@transaction.atomic
def entry_disqualify(
    *, round: Round, entry: Entry, actor: User, reason: str, whole_event: bool = False
) -> EntryIncident:
    """The chairman disqualifies the couple from the round, or from the whole event: its
    marks are set aside (kept), the round re-tabulated, the couples below move up."""
    return _record(
        round, entry, actor, reason, outcome=Outcome.DISQUALIFIED, whole_event=whole_event
    )


@transaction.atomic
def entry_reinstate(*, round: Round, entry: Entry, actor: User, reason: str) -> None:
    """Undo the couple's absence, retirement or disqualification in the round: its marks
    count again and the round is re-tabulated as if nothing had been decided."""
    round_ = round_lock(round.pk)
    incident = EntryIncident.objects.filter(round=round_, entry=entry).first()
    competition_id = round_.event.competition_id
    if incident is None:
        permission_require(actor, RECORD[0], "reinstate couples", competition_id)
        earlier = (
            EntryIncident.objects.filter(entry=entry, whole_event=True)
            .select_related("round")
            .first()
        )
        where = f": it was disqualified from the event in {earlier.round}" if earlier else ""
        raise ScoringError(f"Couple {entry.bib_label} has nothing to undo in {round_}{where}.")
    disqualified = incident.outcome == Outcome.DISQUALIFIED
    permission, _ = DISQUALIFY if disqualified else RECORD
    permission_require(actor, permission, "reinstate this couple", competition_id)
    why = reason_require(reason, f"couple {entry.bib_label} is reinstated")
    _state_check(round_, entry, incident.outcome, incident.whole_event)
    was = incident.get_outcome_display().split(" (")[0].lower()
    incident.delete()
    restored = _retabulate(round_)
    incident_record(
        competition_id=competition_id,
        kind=Incident.Kind.REINSTATED,
        summary=f"Couple {entry.bib_label} reinstated in {round_} (was {was}){restored}",
        reason=why,
        actor=actor,
        round=round_,
        entry=entry,
    )
    _announce(round_, entry)


def _record(
    round: Round,
    entry: Entry,
    actor: User,
    reason: str,
    *,
    outcome: str,
    from_dance: Dance | None = None,
    whole_event: bool = False,
) -> EntryIncident:
    round_ = round_lock(round.pk)
    competition_id = round_.event.competition_id
    permission, what = DISQUALIFY if outcome == Outcome.DISQUALIFIED else RECORD
    permission_require(actor, permission, what, competition_id)
    label = {
        Outcome.ABSENT: "is absent",
        Outcome.RETIRED: "retired",
        Outcome.DISQUALIFIED: "is disqualified",
    }[outcome]
    why = reason_require(reason, f"couple {entry.bib_label} {label}")
    _entry_check(round_, entry)
    if outcome == Outcome.RETIRED:
        _dance_check(round_, entry, from_dance)
    _state_check(round_, entry, outcome, whole_event)
    incident = EntryIncident(
        round=round_,
        entry=entry,
        outcome=outcome,
        from_dance=from_dance,
        whole_event=whole_event,
        reason=why,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    try:
        incident.full_clean()
    except ValidationError as error:
        raise ScoringError(" ".join(error.messages)) from None
    incident.save()
    restored = _retabulate(round_)
    incident_record(
        competition_id=competition_id,
        kind=outcome,
        summary=_summary(round_, entry, outcome, from_dance, whole_event) + restored,
        reason=why,
        actor=actor,
        round=round_,
        entry=entry,
        dance=from_dance,
    )
    _announce(round_, entry)
    return incident


def _summary(
    round_: Round, entry: Entry, outcome: str, from_dance: Dance | None, whole_event: bool
) -> str:
    couple = f"Couple {entry.bib_label}"
    if outcome == Outcome.ABSENT:
        return f"{couple} absent from {round_}"
    if outcome == Outcome.RETIRED:
        return f"{couple} retired in {round_} before the {from_dance.name}"
    scope = "the whole event" if whole_event else str(round_)
    return f"{couple} disqualified from {scope} (decided in {round_})"


def _entry_check(round_: Round, entry: Entry) -> None:
    if (
        entry.event_id != round_.event_id
        or not HeatEntry.objects.filter(heat__round=round_, entry=entry).exists()
    ):
        raise ScoringError(f"Couple {entry.bib_label} does not dance in {round_}.")
    if entry.withdrawn:
        raise ScoringError(f"Couple {entry.bib_label} has withdrawn from the event.")
    existing = EntryIncident.objects.filter(round=round_, entry=entry).first()
    if existing is not None:
        raise ScoringError(
            f"Couple {entry.bib_label} is already marked "
            f"“{existing.get_outcome_display()}” in {round_}: reinstate it first."
        )
    if EntryIncident.objects.filter(
        entry=entry, outcome=Outcome.DISQUALIFIED, whole_event=True
    ).exists():
        raise ScoringError(f"Couple {entry.bib_label} is disqualified from the whole event.")


def _dance_check(round_: Round, entry: Entry, from_dance: Dance | None) -> None:
    if not round_.event.is_danced:
        raise ScoringError("Only couples of a dancesport round retire: mark it absent instead.")
    dances = list(round_.event.dances.order_by("position"))
    if from_dance is None or from_dance.pk not in {d.pk for d in dances}:
        names = ", ".join(d.name for d in dances[1:])
        raise ScoringError(f"Say from which dance couple {entry.bib_label} retired ({names}).")
    if from_dance.pk == dances[0].pk:
        raise ScoringError(
            f"Couple {entry.bib_label} did not dance the {from_dance.name}, the first dance: "
            "mark it absent instead."
        )


def _next_round(round_: Round) -> Round | None:
    return Round.objects.filter(event_id=round_.event_id, position=round_.position + 1).first()


def _state_check(round_: Round, entry: Entry, outcome: str, whole_event: bool) -> None:
    """Refuse what the round's state no longer allows (``docs/tabulation.md``)."""
    following = _next_round(round_)
    begun = following is not None and following.status != RoundStatus.PLANNED
    if outcome == Outcome.DISQUALIFIED and whole_event:
        later = (
            Round.objects.filter(
                event_id=round_.event_id,
                position__gt=round_.position,
                heats__heat_entries__entry=entry,
            )
            .exclude(status=RoundStatus.PLANNED)
            .order_by("-position")
            .first()
        )
        if later is not None:
            raise ScoringError(
                f"Couple {entry.bib_label} danced on in {later}: decide it there, "
                "the last round it danced.",
                "refused",
            )
        return
    if outcome != Outcome.DISQUALIFIED and round_.status == RoundStatus.PUBLISHED:
        raise ScoringError(
            f"{round_} is published: only the chairman's disqualification changes a "
            "published result.",
            "refused",
        )
    if begun and round_.status in STORED:
        what = "disqualified from" if outcome == Outcome.DISQUALIFIED else "changed in"
        raise ScoringError(
            f"{following} has begun: a couple can no longer be {what} {round_} alone "
            "(a disqualification from the whole event still can).",
            "refused",
        )


def _retabulate(round_: Round) -> str:
    """Store a closed or published round's result again; a note for the trail.

    A published result changes only to another complete result (refused otherwise). A
    closed round whose cut-off now falls in a tie loses its stored result and the next
    round's draw until the chairman settles the tie (``recall_decide`` stores both)."""
    if round_.status not in STORED:
        return ""
    try:
        kind, result = tabulate_round(round_)
        round_placings(round_, kind, result)
    except ScoringError as error:
        if round_.status == RoundStatus.PUBLISHED or error.code != "tie":
            raise
        RoundResult.objects.filter(round=round_).delete()
        Placing.objects.filter(round=round_).delete()
        following = _next_round(round_)
        if following is not None and following.status == RoundStatus.PLANNED:
            following.heats.all().delete()
        return f"; {round_}'s result withdrawn: {error.message}"
    round_retabulate(round_)
    return f"; {round_} re-tabulated ({round_.get_status_display().lower()})"


def _announce(round_: Round, entry: Entry) -> None:
    announce(
        round_.event.competition_id,
        "round.incident",
        {"round": round_.pk, "entry": entry.pk},
    )
