"""Who of a round's couples is not simply dancing it: absent, retired from a dance on, or
disqualified (from this round, or from the whole event in this round or an earlier one).
One reading, shared by the sheets' checks, the tablets, the tabulation, the marks sheets
and the desk (``docs/tabulation.md``, "Couples absent, retired, disqualified")."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from competitions.models import Dance, EntryIncident, Round

Outcome = EntryIncident.Outcome


@dataclasses.dataclass(frozen=True)
class Standing:
    """The round's couples that are absent, retired or disqualified, by entry id."""

    incidents: dict[int, EntryIncident]

    def of(self, entry_id: int) -> EntryIncident | None:
        return self.incidents.get(entry_id)

    def ids(self, *outcomes: str) -> set[int]:
        return {pk for pk, i in self.incidents.items() if i.outcome in outcomes}

    @property
    def absent(self) -> set[int]:
        return self.ids(Outcome.ABSENT)

    @property
    def disqualified(self) -> set[int]:
        return self.ids(Outcome.DISQUALIFIED)

    @property
    def set_aside(self) -> set[int]:
        """Couples out of the round altogether: absent or disqualified."""
        return self.ids(Outcome.ABSENT, Outcome.DISQUALIFIED)

    @property
    def not_recallable(self) -> set[int]:
        """Couples that cannot go through to the next round, whatever their crosses."""
        return set(self.incidents)

    def not_dancing(self, dance: Dance | None) -> set[int]:
        """Couples that do not dance ``dance``: absent, disqualified, or retired from it
        or an earlier dance (``None``: criteria rounds, absent and disqualified only)."""
        out = set(self.set_aside)
        if dance is None:
            return out
        for pk, incident in self.incidents.items():
            retired_from = incident.from_dance
            retired = incident.outcome == Outcome.RETIRED and retired_from is not None
            if retired and dance.position >= retired_from.position:
                out.add(pk)
        return out

    def not_danced(self, dances: Iterable[Dance]) -> dict[int, set[int]]:
        """Dance id → the couples that did not dance it."""
        return {d.pk: self.not_dancing(d) for d in dances}


def _incidents_of(rounds: list[Round]) -> Q:
    """The incidents a standing of ``rounds`` reads: their own, and every disqualification
    from a whole event of theirs (``round_standings`` keeps the earlier rounds' ones)."""
    events = {r.event_id for r in rounds}
    # One round's event by equality: it may be a subquery (``ENTRIES_TO_MARK``).
    if len(events) == 1:
        of_events = Q(round__event_id=events.pop())
    else:
        of_events = Q(round__event_id__in=events)
    return Q(round__in=rounds) | (of_events & Q(outcome=Outcome.DISQUALIFIED, whole_event=True))


def entry_may_have_incident(round_: Round) -> Exists:
    """For a query of entries: whether the entry has an incident that
    ``round_standing(round_)`` may count (a superset), so that a caller reads the
    standing only when some entry has one."""
    return Exists(EntryIncident.objects.filter(_incidents_of([round_]), entry=OuterRef("pk")))


def round_standing(round_: Round) -> Standing:
    """The round's incidents by entry: its own, and a disqualification from the whole
    event decided in an earlier round of the event (later rounds follow it)."""
    return round_standings([round_])[round_.pk]


def round_standings(rounds: Iterable[Round]) -> dict[int, Standing]:
    """``round_standing`` of each round, in one query."""
    rounds = list(rounds)
    rows = list(
        EntryIncident.objects.filter(_incidents_of(rounds))
        .select_related("from_dance", "decided_by", "round")
        .order_by("round__position", "pk")
    )
    out = {}
    for round_ in rounds:
        incidents: dict[int, EntryIncident] = {}
        for row in rows:  # earlier rounds first: the round's own decision is kept
            own = row.round_id == round_.pk
            earlier = row.round.event_id == round_.event_id and row.round.position < round_.position
            if own or (earlier and row.whole_event):
                incidents[row.entry_id] = row
        out[round_.pk] = Standing(incidents)
    return out
