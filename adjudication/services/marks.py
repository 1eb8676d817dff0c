"""A sheet's marks checked against its round: a skating sheet's crosses or places, a
criteria sheet's scores. ``sheet_submit`` checks every sheet with them, and ``verify``
checks the stored ones again."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Subquery

from adjudication.incidents.standing import entry_may_have_incident, round_standing
from adjudication.services.common import ScoringError, decimal_value, scale_problem
from competitions.models import Criterion, Dance, Entry, HeatEntry, Round, RoundKind
from scoring_site import rows


@dataclasses.dataclass(frozen=True, slots=True)
class EntryToMark:
    """One of a round's entries as a skating sheet's check reads it."""

    pk: int
    withdrawn: bool
    bib_label: str  # as ``Entry.bib_label``
    may_have_incident: bool


def _entries_to_mark_query(round_id: int, event_id: Any) -> QuerySet:
    """The round's entries as a skating sheet's check reads them (``round_entries``'
    rows, with only the number and whether withdrawn), and whether each may have an
    incident: the standing is read only if one may (most rounds have none). Read as
    values: a sheet checks every entry of the round, and models for them cost more than
    the check. ``event_id``: the round's event, a number or a subquery."""
    round_ = Round(pk=round_id, event_id=event_id)
    return (
        Entry.objects.filter(heat_entries__heat__round=round_)
        .annotate(may_have_incident=entry_may_have_incident(round_))
        .order_by("competitor__bib", "id")
        .distinct()
        .values_list("id", "withdrawn", "competitor__bib", "may_have_incident")
    )


# ``_entries_to_mark_query`` of the round ``round_id``, compiled once: a tablet's sheet
# reads them with the round, in one round trip (sheet_submit).
ENTRIES_TO_MARK = rows.Compiled(
    lambda round_id: _entries_to_mark_query(
        round_id, Subquery(Round.objects.filter(pk=round_id).order_by().values("event_id"))
    ),
    "round_id",
)


def entries_to_mark(found: Iterable[Sequence[Any]]) -> list[EntryToMark]:
    """The rows of ``_entries_to_mark_query`` (or ``ENTRIES_TO_MARK``)."""
    return [
        EntryToMark(pk, bool(withdrawn), Entry.label_for(bib, pk), bool(may_have_incident))
        for pk, withdrawn, bib, may_have_incident in found
    ]


def skating_marks_check(
    round_: Round,
    marks: Mapping[int, Any],
    *,
    dance_id: int | None = None,
    stored: bool = False,
    accept_count: bool = False,
    entries: list[EntryToMark] | None = None,
) -> dict[int, Decimal]:
    """A skating sheet's marks (entry id → cross or place) checked against the round: its
    values by entry id, or ``ScoringError`` saying what is wrong.

    Couples that do not dance ``dance_id`` (absent, retired, disqualified) are not on a new
    sheet (``stale``: the tablet reloads without them); a ``stored`` sheet sent before the
    desk knew stays valid as it was sent. ``accept_count``: the chairman accepts a recall
    sheet with another number of crosses than asked. ``entries``: the round's, if read
    already (``entries_to_mark``)."""
    if entries is None:
        entries = entries_to_mark(_entries_to_mark_query(round_.pk, round_.event_id))
    by_id = {e.pk: e for e in entries}
    away: set[int] = set()
    incidents = dance_id is not None and any(e.may_have_incident for e in entries)
    standing = round_standing(round_) if incidents else None
    if standing is not None and standing.incidents:  # the dance is read only when needed
        dance = Dance.objects.filter(pk=dance_id).first()
        away = standing.not_dancing(dance) if dance is not None else set()
    late = sorted(by_id[k].bib_label for k in marks if k in away and k in by_id)
    if late and not stored:
        raise ScoringError(
            f"Couple {', '.join(late)} no longer dances here (absent, retired or "
            "disqualified): the sheet is shown again without it.",
            "stale",
        )
    active = [e for e in entries if not e.withdrawn and (e.pk not in away or e.pk in marks)]
    unknown = [str(k) for k in marks if k not in by_id]
    if unknown:
        raise ScoringError(
            "Only couples dancing in this round can be marked.",
            problems=(f"Not in this round: {', '.join(unknown)}.",),
        )
    withdrawn = [by_id[k].bib_label for k in marks if by_id[k].withdrawn]
    if withdrawn:
        raise ScoringError(
            f"Withdrawn couples cannot be marked: {', '.join(withdrawn)}.",
        )
    values = {k: decimal_value(v, f"Couple {by_id[k].bib_label}") for k, v in marks.items()}
    if round_.kind != RoundKind.FINAL:
        requested = min(round_.recall_count or 0, len(active))
        if any(v != 1 for v in values.values()):
            raise ScoringError("A recall sheet has crosses only.")
        if len(values) != requested and not (accept_count and values):
            more = requested - len(values)
            hint = f"mark {more} more" if more > 0 else f"remove {-more}"
            raise ScoringError(
                f"Mark exactly {requested} couples: you marked {len(values)} ({hint})."
            )
        return values
    n = len(active)
    missing = [e.bib_label for e in active if e.pk not in values]
    if missing:
        raise ScoringError(f"Give every couple a place: missing {', '.join(missing)}.")
    problems = []
    for entry_id, value in values.items():
        if value != value.to_integral_value() or not 1 <= value <= n:
            problems.append(f"Couple {by_id[entry_id].bib_label}: a place is a whole number 1–{n}.")
    seen: dict[Decimal, list[str]] = {}
    for entry_id, value in values.items():
        seen.setdefault(value, []).append(by_id[entry_id].bib_label)
    for value, bibs in sorted(seen.items()):
        if len(bibs) > 1:
            problems.append(f"Place {value} is given to {', '.join(sorted(bibs))}.")
    if problems:
        raise ScoringError("Each place is given once.", problems=tuple(problems))
    return values


def criteria_marks_check(
    round_: Round,
    entry: Entry,
    marks: Mapping[int, Any],
    *,
    in_round: bool | None = None,
    stored: bool = False,
):
    """A criteria sheet's scores (criterion id → score) for ``entry`` checked against the
    event's criteria: its values by criterion id, or ``ScoringError``.

    ``in_round``: whether the entry is in one of the round's heats, when the caller
    has read it already (``sheet_submit`` does, in the entry's look-up). An entry absent or
    disqualified is refused (``stale``) unless the sheet is ``stored`` already."""
    criteria = {
        c.pk: c
        for c in Criterion.objects.filter(event_id=round_.event_id).order_by("position", "id")
    }
    if in_round is None:
        in_round = HeatEntry.objects.filter(heat__round=round_, entry=entry).exists()
    if not in_round:
        raise ScoringError(f"Entry {entry.bib_label} is not in this round.")
    if entry.withdrawn:
        raise ScoringError(f"Entry {entry.bib_label} has withdrawn and cannot be scored.")
    if not stored and entry.pk in round_standing(round_).set_aside:
        raise ScoringError(
            f"Entry {entry.bib_label} is absent or disqualified in this round.", "stale"
        )
    unknown = [str(k) for k in marks if k not in criteria]
    missing = [c.name for pk, c in criteria.items() if pk not in marks]
    if unknown:
        raise ScoringError(f"Unknown criteria: {', '.join(unknown)}.")
    if missing:
        raise ScoringError(f"Score every criterion: missing {', '.join(missing)}.")
    values, problems = {}, []
    for pk, raw in marks.items():
        criterion = criteria[pk]
        value = decimal_value(raw, criterion.name)
        problem = scale_problem(criterion.name, value, criterion, "is outside")
        if problem:
            problems.append(problem)
        values[pk] = value
    if problems:
        raise ScoringError("Scores out of range.", problems=tuple(problems))
    return values
