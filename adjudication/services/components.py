"""Component rounds (``ScoringMethod.COMPONENTS``): a judge's sheet of one dance checked
against the round and the judge's allocation, and the round tabulated from its counted
marks (``adjudication.tabulation.components``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from adjudication import tabulation
from adjudication.incidents.standing import Standing, round_standing
from adjudication.services.common import ScoringError, decimal_value, scale_problem
from competitions.components import event_components, judge_components, round_allocation
from competitions.models import Dance, Entry, HeatEntry, Judge, Round, RoundKind

ComponentKey = tuple[int, int]
"""(entry id, criterion id): one score of a component sheet."""


def component_marks_check(
    round_: Round,
    dance: Dance,
    judge: Judge,
    marks: Mapping[Any, Any],
    *,
    stored: bool = False,
) -> dict[ComponentKey, Decimal]:
    """A component sheet's scores, ``(entry id, criterion id) → score``, checked: every
    couple dancing ``dance`` in the round scored on every component allocated to ``judge``
    there, each on its component's scale and step. Raises ``ScoringError`` (nothing is
    written) naming what is wrong."""
    bad = [k for k in marks if not (isinstance(k, tuple) and len(k) == 2)]
    if bad:
        raise ScoringError(
            "A component sheet scores each couple on each component: mark keys are "
            "“entry id:component id”."
        )
    entries = {
        he.entry_id: he.entry
        for he in HeatEntry.objects.filter(heat__round=round_).select_related("entry__competitor")
    }
    away = round_standing(round_).not_dancing(dance)
    unknown = sorted({str(e) for e, _ in marks if e not in entries})
    if unknown:
        raise ScoringError(
            "Only couples dancing in this round can be scored.",
            problems=(f"Not in this round: {', '.join(unknown)}.",),
        )
    late = sorted({entries[e].bib_label for e, _ in marks if e in away})
    if late and not stored:
        raise ScoringError(
            f"Couple {', '.join(late)} no longer dances here (absent, retired or "
            "disqualified): the sheet is shown again without it.",
            "stale",
        )
    withdrawn = sorted({entries[e].bib_label for e, _ in marks if entries[e].withdrawn})
    if withdrawn:
        raise ScoringError(f"Withdrawn couples cannot be scored: {', '.join(withdrawn)}.")
    allowed = {c.pk: c for c in judge_components(round_, dance, judge)}
    every = {c.pk: c for c in event_components(round_)}
    foreign = sorted({c for _, c in marks if c not in allowed})
    if foreign:
        names = ", ".join(every[c].name if c in every else f"#{c}" for c in foreign)
        raise ScoringError(
            f"Judge {judge.letter} does not score {names} in {dance.name}: only "
            f"{', '.join(c.name for c in allowed.values()) or 'nothing'}.",
        )
    return _scores_checked(marks, entries, away, allowed)


def _scores_checked(
    marks: Mapping[ComponentKey, Any],
    entries: Mapping[int, Entry],
    away: set[int],
    allowed: Mapping[int, Any],
) -> dict[ComponentKey, Decimal]:
    dancing = sorted(
        (e for pk, e in entries.items() if pk not in away and not e.withdrawn),
        key=lambda e: (e.competitor.bib is None, e.competitor.bib or 0, e.pk),
    )
    missing = [
        f"{e.bib_label} {c.short_name or c.name}"
        for e in dancing
        for c in allowed.values()
        if (e.pk, c.pk) not in marks
    ]
    if missing:
        raise ScoringError(
            f"Score every couple on every component: missing {len(missing)}.",
            problems=tuple(f"Missing: couple {m}." for m in missing[:20]),
        )
    values, problems = {}, []
    for (entry_id, criterion_id), raw in marks.items():
        component = allowed[criterion_id]
        label = f"Couple {entries[entry_id].bib_label}, {component.name}"
        value = decimal_value(raw, label)
        problem = scale_problem(label, value, component, "is off the scale")
        if problem:
            problems.append(problem)
        values[(entry_id, criterion_id)] = value
    if problems:
        raise ScoringError("Scores off the scale.", problems=tuple(problems))
    return values


def components_tabulation(
    round_: Round,
    *,
    entries: Sequence[Entry],
    judges: Sequence[Judge],
    marks: Iterable[tuple[int, int, int, int, Decimal]],
    standing: Standing,
) -> tuple[str, tabulation.ComponentsResult]:
    """``("components", ComponentsResult)`` of a component round from its counted marks
    ``(judge id, dance id, entry id, criterion id, value)``. Absent and disqualified couples
    are left out; a couple retired from a dance scores the dances before it."""
    event = round_.event
    dances = list(Dance.objects.filter(event=event).order_by("position", "id"))
    criteria = event_components(round_)
    bib = {e.pk: e.bib_label for e in entries if e.pk not in standing.set_aside}
    letter = {j.pk: j.letter for j in judges}
    dance_name = {d.pk: d.name for d in dances}
    component_name = {c.pk: c.name for c in criteria}
    scores: dict[str, dict[str, dict[str, dict[str, Decimal]]]] = {}
    for judge_id, dance_id, entry_id, criterion_id, value in marks:
        if entry_id in bib and judge_id in letter:
            scores.setdefault(dance_name[dance_id], {}).setdefault(bib[entry_id], {}).setdefault(
                component_name[criterion_id], {}
            )[letter[judge_id]] = value
    plan = round_allocation(round_)
    allocation = {
        dance_name[d]: {
            letter[j]: [c.name for c in cs] for j, cs in by_judge.items() if j in letter
        }
        for d, by_judge in plan.items()
    }
    not_danced = {
        dance_name[d]: {bib[e] for e in ids if e in bib}
        for d, ids in standing.not_danced(dances).items()
    }
    final = round_.kind == RoundKind.FINAL
    present = len(bib)
    result = tabulation.score_components(
        scores,
        components=[
            tabulation.Component(c.name, c.min_score, c.max_score, c.step, c.weight, c.short_name)
            for c in criteria
        ],
        dances=[d.name for d in dances],
        couples=sorted(bib.values(), key=tabulation.natural_key),
        judges=[j.letter for j in judges],
        tolerance=event.component_tolerance,
        allocation=allocation,
        not_danced=not_danced,
        recall=None if final else (min(round_.recall_count or 0, present) or min(1, present)),
        not_recallable=[bib[pk] for pk in standing.not_recallable if pk in bib],
    )
    return "components", result
