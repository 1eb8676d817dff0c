"""The desk's couples panel of a round: mark a couple absent, retired from a dance,
disqualified (the chairman), or reinstate it, each with a reason; and the round's
incidents. Shared by the page (``couples_pages``) and the API (``couples_api``); the
services are ``adjudication.incidents.couples``."""

from __future__ import annotations

import dataclasses
from typing import Any

from adjudication.incidents.couples import (
    entry_disqualify,
    entry_mark_absent,
    entry_reinstate,
    entry_retire,
)
from adjudication.incidents.standing import round_standing
from adjudication.services import ScoringError, round_entries
from competitions.models import Dance, Entry, EntryIncident, Incident, Round

COUPLE_KINDS = ("absent", "retired", "disqualified", "reinstated")
ACTIONS = ("absent", "retired", "disqualified", "disqualified_event", "reinstate")


@dataclasses.dataclass(frozen=True)
class CoupleLine:
    entry: Entry
    incident: EntryIncident | None
    inherited: bool  # disqualified from the whole event in an earlier round


def couples_panel(round_: Round) -> dict[str, Any]:
    """What the desk round page shows of its couples and their incidents."""
    standing = round_standing(round_)
    lines = [
        CoupleLine(e, standing.of(e.pk), _inherited(standing.of(e.pk), round_))
        for e in round_entries(round_)
        if not e.withdrawn
    ]
    dances = list(round_.event.dances.order_by("position"))
    dancing = sum(1 for line in lines if line.entry.pk not in standing.set_aside)
    return {
        "lines": lines,
        "dancing": dancing,
        # A recall sheet's crosses: the round's recall number, or every couple still
        # dancing when fewer are left (docs/tabulation.md).
        "crosses": min(round_.recall_count, dancing) if round_.recall_count else None,
        "dances": dances[1:],  # a couple that danced no dance is absent, not retired
        "incidents": Incident.objects.filter(round=round_, kind__in=COUPLE_KINDS)
        .select_related("actor", "entry__competitor", "dance")
        .order_by("-at", "-id"),
    }


def _inherited(incident: EntryIncident | None, round_: Round) -> bool:
    return incident is not None and incident.round_id != round_.pk


def couple_act(
    *, round_: Round, entry: Entry, action: str, actor, reason: str, from_dance: Dance | None
) -> str:
    """Run one of the panel's ``ACTIONS``; the message for the person at the desk."""
    common = {"round": round_, "entry": entry, "actor": actor, "reason": reason}
    couple = f"Couple {entry.bib_label}"
    if action == "absent":
        entry_mark_absent(**common)
        return f"{couple} is absent from {round_}: off the judges' sheets."
    if action == "retired":
        entry_retire(**common, from_dance=from_dance)
        return f"{couple} retired before the {from_dance.name}."
    if action in ("disqualified", "disqualified_event"):
        whole = action == "disqualified_event"
        entry_disqualify(**common, whole_event=whole)
        return f"{couple} is disqualified from {'the event' if whole else round_}."
    if action == "reinstate":
        entry_reinstate(**common)
        return f"{couple} is reinstated in {round_}."
    raise ScoringError("Choose what happened: absent, retired, disqualified or reinstate.")
