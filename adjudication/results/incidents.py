"""How the marks sheets, PDFs and results lists name a couple that did not simply dance
a round: absent, retired before a dance, disqualified; the staff's copies with the
reason, the public's without (the desk's reasons are for the trail)."""

from __future__ import annotations

from collections.abc import Iterable

from adjudication.incidents.standing import Standing
from competitions.models import Entry, EntryIncident

Outcome = EntryIncident.Outcome


def standing_text(incident: EntryIncident) -> str:
    """``absent``, ``retired before the Rumba``, ``disqualified (from the event)``."""
    if incident.outcome == Outcome.RETIRED:
        return f"retired before the {incident.from_dance.name}"
    if incident.outcome == Outcome.DISQUALIFIED:
        return "disqualified from the event" if incident.whole_event else "disqualified"
    return "absent"


def incident_lines(
    standing: Standing | None, entries: Iterable[Entry], *, reasons: bool
) -> list[str]:
    """One line per couple of ``entries`` with an incident in the round; with why for
    the staff (``reasons``), the outcome alone for the public."""
    if standing is None:
        return []
    lines = []
    for entry in entries:
        incident = standing.of(entry.pk)
        if incident is not None:
            what = standing_text(incident)
            why = f" ({incident.reason})" if reasons else ""
            lines.append(f"Couple {entry.bib_label}: {what[0].upper()}{what[1:]}{why}.")
    return lines


def out_of_places(standing: Standing | None, entry_id: int) -> str:
    """``absent`` or ``disqualified`` for a couple listed with no place, else ``""``."""
    incident = standing.of(entry_id) if standing is not None else None
    if incident is None or incident.outcome == Outcome.RETIRED:
        return ""
    return standing_text(incident)
