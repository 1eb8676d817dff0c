"""A skating round's marks handed to the Skating System with its couples' standing: the
marks of absent and disqualified couples set aside (kept in the database, not counted),
retired couples placed last in the dances they did not dance, each judge's places closed
up over the couples present (``docs/tabulation.md``, "Couples absent, retired,
disqualified")."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from adjudication import tabulation
from adjudication.incidents.standing import Standing
from competitions.models import Dance, Entry, Round, RoundKind


def skating_tabulation(
    round_: Round,
    *,
    entries: Sequence[Entry],
    dances: Sequence[Dance],
    letters: Sequence[str],
    marks: Iterable[tuple[int, int, int, Any]],
    standing: Standing,
    accepted: Collection[tuple[int, str]] = (),
) -> tuple[str, Any]:
    """``("final", FinalResult)`` or ``("recalls", RecallResult)`` of a skating round from
    its counted marks ``(judge index, dance id, entry id, value)``; ``accepted``: the
    recall sheets (dance id, judge letter) the chairman accepted with a wrong count."""
    bib = {e.pk: e.bib_label for e in entries}
    name = {d.pk: d.name for d in dances}
    away = {
        name[d]: {bib[e] for e in ids if e in bib} for d, ids in standing.not_danced(dances).items()
    }
    if round_.kind == RoundKind.FINAL:
        out = {bib[pk] for pk in standing.set_aside if pk in bib}
        table: dict[str, dict[str, list[int]]] = {
            d.name: {b: [0] * len(letters) for b in bib.values() if b not in away[d.name]}
            for d in dances
        }
        for judge, dance_id, entry_id, value in marks:
            row = table[name[dance_id]].get(bib.get(entry_id, ""))
            if row is not None:
                row[judge] = int(value)
        closed = {d: tabulation.close_up(rows, set(rows)) for d, rows in table.items()}
        retired = {d: couples - out for d, couples in away.items()}
        return "final", tabulation.tabulate_final(closed, judges=letters, not_danced=retired)
    crosses: dict[str, dict[str, set[str]]] = {
        d.name: {letter: set() for letter in letters} for d in dances
    }
    for judge, dance_id, entry_id, _ in marks:
        if entry_id in bib:
            crosses[name[dance_id]][letters[judge]].add(bib[entry_id])
    present = [e for e in entries if e.pk not in standing.set_aside]
    requested = min(round_.recall_count or 0, len(present)) or min(1, len(entries))
    return "recalls", tabulation.tabulate_recalls(
        crosses,
        couples=list(bib.values()),
        judges=letters,
        requested=requested,
        accepted={(name[dance_id], letter) for dance_id, letter in accepted},
        not_danced=away,
        not_recallable=[bib[pk] for pk in standing.not_recallable if pk in bib],
    )
