"""The rounds at the desk: who has sent which sheet, the tabulation of a round from its
marks, the chairman's recall decision, and closing, reopening, publishing and the
re-tabulation after a correction, each inside one transaction that holds the round."""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from adjudication import tabulation
from adjudication.incidents.seats import finished_judges_sign_out
from adjudication.incidents.standing import round_standing
from adjudication.incidents.tabulate import skating_tabulation
from adjudication.models import Mark, Placing, RecallDecision, RoundResult, Sheet
from adjudication.receipts.issuing import receipts_issue, receipts_supersede
from adjudication.services.common import (
    ScoringError,
    permission_require,
    round_entries,
    round_lock,
)
from adjudication.services.components import components_tabulation
from competitions.models import (
    Entry,
    EntryStatus,
    Event,
    Judge,
    Round,
    RoundStatus,
    ScoringMethod,
)
from competitions.selectors import round_panel
from competitions.services import (
    TransitionRefused,
    round_draw_heats,
    round_heat_count,
    round_transition,
)
from scoring_site.realtime import announce


@dataclasses.dataclass
class PartProgress:
    """Who has sent a sheet for one dance (or entry) of a round."""

    label: str
    dance_id: int | None
    entry_id: int | None
    submitted: list[str]
    awaiting_confirmation: list[str]
    missing: list[str]


def round_progress(round_: Round) -> list[PartProgress]:
    judges = [(j.pk, j.letter) for j in round_panel(round_)]
    sheets = list(
        Sheet.objects.filter(round=round_, returned_at__isnull=True, shadow=False).values_list(
            "judge_id", "dance_id", "entry_id", "source", "confirmed_at"
        )
    )
    if round_.event.is_danced:
        parts = [(d.name, d.pk, None) for d in round_.event.dances.order_by("position")]
    else:
        away = round_standing(round_).set_aside
        parts = [
            (f"{e.bib_label} {e.competitor.display_name}", None, e.pk)
            for e in round_entries(round_)
            if not e.withdrawn and e.pk not in away
        ]
    progress = []
    for label, dance_id, entry_id in parts:
        done, pending = {}, {}
        for judge_id, d, e, source, confirmed_at in sheets:
            if (d, e) == (dance_id, entry_id):
                if source == Sheet.Source.PAPER and confirmed_at is None:
                    pending[judge_id] = True
                else:
                    done[judge_id] = True
        progress.append(
            PartProgress(
                label=label,
                dance_id=dance_id,
                entry_id=entry_id,
                submitted=[letter for pk, letter in judges if pk in done],
                awaiting_confirmation=[letter for pk, letter in judges if pk in pending],
                missing=[letter for pk, letter in judges if pk not in done and pk not in pending],
            )
        )
    return progress


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Fraction):
        return float(value) if value.denominator != 1 else int(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def result_data(kind: str, result: Any) -> dict[str, Any]:
    """A tabulation as stored in ``RoundResult.data`` (a component round's:
    ``adjudication.tabulation.components``)."""
    if kind == "components":
        return {"kind": kind, "result": result.to_json()}
    return {"kind": kind, "result": _jsonable(result)}


# How criteria rounds are totalled: equal totals go to the entry more judges preferred,
# scores 30% of the range away from the panel's median are flagged; each judge's score
# counts unless the event drops the highest and lowest (``criteria_rules``). Published
# marks sheets, exports and recompute state and reuse the same rules.
CRITERIA_RULES: dict[str, Any] = {
    "trim": False,
    "tie_break": (tabulation.ByJudgesPreference(),),
    "outliers": tabulation.OutlierRule(fraction_of_range=Decimal("0.3")),
}


def criteria_rules(event: Event) -> dict[str, Any]:
    """The rules ``tabulation.score_criteria`` takes for ``event``."""
    return {**CRITERIA_RULES, "trim": event.drop_extremes}


MarksAdjust = Callable[[list[Judge], list[Mark]], tuple[list[Judge], list[Mark]]]


def tabulate_round(round_: Round, *, adjust: MarksAdjust | None = None) -> tuple[str, Any]:
    """The tabulation of a round from its counted sheets: ``("recalls", RecallResult)``,
    ``("final", FinalResult)``, ``("criteria", CriteriaResult)`` or
    ``("components", ComponentsResult)``. Raises
    ``ScoringError`` when sheets are missing or invalid. ``adjust`` gives, from the panel
    and its counted marks, the judges and marks to tabulate instead, unsaved (a what-if:
    ``adjudication.results.what_if``)."""
    missing = [p for p in round_progress(round_) if p.missing or p.awaiting_confirmation]
    if missing:
        details = tuple(
            f"{p.label}: waiting for {', '.join(p.missing + p.awaiting_confirmation)}."
            for p in missing
        )
        raise ScoringError("Not every sheet is in.", "incomplete", details)
    standing = round_standing(round_)
    entries = [e for e in round_entries(round_) if not e.withdrawn]
    bib = {e.pk: e.bib_label for e in entries}
    judges = round_panel(round_)
    letters = [j.letter for j in judges]
    # The counted sheets: the round's panel's (a replaced judge's are set aside), none
    # the desk returned to be sent again.
    marks = list(
        Mark.objects.filter(
            sheet__round=round_,
            sheet__judge__in=judges,
            sheet__returned_at__isnull=True,
            sheet__shadow=False,
        ).select_related("sheet")
    )
    if adjust is not None:
        judges, marks = adjust(judges, marks)
        letters = [j.letter for j in judges]
    try:
        if round_.event.is_components:
            return components_tabulation(
                round_,
                entries=entries,
                judges=judges,
                marks=[
                    (m.sheet.judge_id, m.sheet.dance_id, m.entry_id, m.criterion_id, m.value)
                    for m in marks
                ],
                standing=standing,
            )
        if round_.event.scoring_method == ScoringMethod.CRITERIA:
            kept = [m for m in marks if m.entry_id not in standing.set_aside]
            return "criteria", _criteria_tabulation(round_, judges, kept, bib)
        letter_index = {j.pk: i for i, j in enumerate(judges)}
        return skating_tabulation(
            round_,
            entries=entries,
            dances=list(round_.event.dances.order_by("position")),
            letters=letters,
            marks=[
                (letter_index[m.sheet.judge_id], m.sheet.dance_id, m.entry_id, m.value)
                for m in marks
            ],
            standing=standing,
            accepted={  # sheets the chairman accepted with a wrong count
                (m.sheet.dance_id, letters[letter_index[m.sheet.judge_id]])
                for m in marks
                if m.sheet.count_accepted_reason
            },
        )
    except tabulation.TabulationError as error:
        raise ScoringError(
            "The marks do not add up.", "invalid", tuple(p.message for p in error.problems)
        ) from None


def _criteria_tabulation(
    round_: Round, judges: list[Judge], marks: list[Mark], bib: dict[int, str]
) -> Any:
    criteria = list(round_.event.criteria.order_by("position"))
    names = {c.pk: c.name for c in criteria}
    scores: dict[str, dict[str, dict[str, Decimal]]] = {}
    letter_of = {j.pk: j.letter for j in judges}
    for m in marks:
        scores.setdefault(bib[m.entry_id], {}).setdefault(letter_of[m.sheet.judge_id], {})[
            names[m.criterion_id]
        ] = m.value
    return tabulation.score_criteria(
        scores,
        criteria=[
            tabulation.Criterion(c.name, c.min_score, c.max_score, c.step, c.weight)
            for c in criteria
        ],
        judges=[j.letter for j in judges],
        **criteria_rules(round_.event),
    )


@transaction.atomic
def recall_decide(*, round: Round, recall_count: int, actor: User) -> RecallDecision:
    """The chairman settles a tie at the recall cut-off: recall fewer or more. A tie
    that a correction of a closed round made is settled the same way, and the round's
    result is stored again at once."""
    round_ = round_lock(round.pk)
    permission_require(
        actor,
        "adjudication.decide_recall",
        "decide recalls (the chairman does)",
        round_.event.competition_id,
    )
    if round_.status not in (RoundStatus.OPEN, RoundStatus.CLOSED):
        raise ScoringError("Recalls are decided before the round is published.")
    kind, result = tabulate_round(round_)
    cut = result.recall if kind == "components" else result
    if kind not in ("recalls", "components") or cut is None or not cut.tied:
        raise ScoringError("There is no tie at the cut-off to settle.")
    options = (len(cut.recalled), len(cut.recalled) + len(cut.tied))
    if recall_count not in options:
        raise ScoringError(f"Choose {options[0]} or {options[1]} couples.")
    RecallDecision.objects.filter(round=round_).delete()
    decision = RecallDecision.objects.create(
        round=round_, recall_count=recall_count, decided_by=actor
    )
    if round_.status == RoundStatus.CLOSED:
        round_retabulate(round_, reason=f"the chairman recalled {recall_count} at a tie")
    return decision


def round_placings(round_: Round, kind: str, result: Any) -> list[Placing]:
    """The placings (unsaved) a round's tabulation gives: recalled or not (with the
    chairman's decision at a tie), or the places of a final or criteria round. Raises
    ``ScoringError`` at a tie the chairman has not settled."""
    entries = {e.bib_label: e for e in round_entries(round_) if not e.withdrawn}
    placings: list[Placing] = []
    if kind == "components":
        return component_placings(round_, result, entries)
    if kind == "recalls":
        recalled = list(result.recalled)
        if result.tied:
            decision = RecallDecision.objects.filter(round=round_).first()
            options = (len(result.recalled), len(result.recalled) + len(result.tied))
            if decision is None or decision.recall_count not in options:
                raise ScoringError(
                    f"{len(result.tied)} couples tie at the cut-off "
                    f"({', '.join(result.tied)}): the chairman chooses to recall "
                    f"{options[0]} or {options[1]}.",
                    "tie",
                )
            if decision.recall_count == options[1]:
                recalled += list(result.tied)
        totals = {t.couple: t.total for t in result.totals}
        placings = [
            Placing(round=round_, entry=e, total=totals[b], recalled=b in recalled)
            for b, e in entries.items()
        ]
    elif kind == "final":
        placings = [
            Placing(
                round=round_,
                entry=entries[row.couple],
                place=Decimal(str(float(row.place))),
                total=Decimal(str(float(row.total))),
            )
            for row in result.summary
        ]
    else:
        placings = [
            Placing(
                round=round_,
                entry=entries[r.entry],
                place=Decimal(str(float(r.place))),
                total=r.rounded_total(3),
            )
            for r in result.ranking
        ]
    if kind != "recalls":
        placed = {p.entry_id for p in placings}
        # Absent or disqualified couples are listed, with no place.
        placings += [Placing(round=round_, entry=e) for e in entries.values() if e.pk not in placed]
    return placings


def _recall_choice(round_: Round, recalled: list[str], tied: list[str]) -> list[str]:
    """The couples recalled, with the chairman's decision at a tie at the cut-off."""
    if not tied:
        return recalled
    decision = RecallDecision.objects.filter(round=round_).first()
    options = (len(recalled), len(recalled) + len(tied))
    if decision is None or decision.recall_count not in options:
        raise ScoringError(
            f"{len(tied)} couples tie at the cut-off ({', '.join(tied)}): the chairman "
            f"chooses to recall {options[0]} or {options[1]}.",
            "tie",
        )
    return recalled + tied if decision.recall_count == options[1] else recalled


def component_placings(round_: Round, result: Any, entries: dict[str, Entry]) -> list[Placing]:
    """A component round's placings: recalled or not (a recall round, places left to the
    final as in skating), or each couple's place and total (a final)."""
    placings = []
    recalled = (
        None
        if result.recall is None
        else set(_recall_choice(round_, list(result.recall.recalled), list(result.recall.tied)))
    )
    for row in result.couples:
        placings.append(
            Placing(
                round=round_,
                entry=entries[row.couple],
                place=None if recalled is not None else Decimal(str(float(row.place))),
                total=tabulation.components.rounded(row.total),
                recalled=None if recalled is None else row.couple in recalled,
            )
        )
    placed = {p.entry_id for p in placings}
    # Absent or disqualified couples are listed, with no place (nor recall).
    placings += [
        Placing(round=round_, entry=e, recalled=None if recalled is None else False)
        for e in entries.values()
        if e.pk not in placed
    ]
    return placings


def _json_differences(stored: Any, computed: Any, path: str = "") -> list[str]:
    """Where two JSON documents differ, as paths like ``result.summary[2].place``."""
    if isinstance(stored, dict) and isinstance(computed, dict):
        found = []
        for key in sorted(set(stored) | set(computed), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in stored:
                found.append(f"{where}: missing from the stored result")
            elif key not in computed:
                found.append(f"{where}: stored but not in the recomputation")
            else:
                found += _json_differences(stored[key], computed[key], where)
        return found
    if isinstance(stored, list) and isinstance(computed, list):
        if len(stored) != len(computed):
            return [f"{path}: {len(stored)} items stored, {len(computed)} recomputed"]
        found = []
        for i, (a, b) in enumerate(zip(stored, computed, strict=True)):
            found += _json_differences(a, b, f"{path}[{i}]")
        return found
    if stored != computed:
        return [f"{path}: stored {json.dumps(stored)}, recomputed {json.dumps(computed)}"]
    return []


def _quantized(value: Decimal | None, places: int) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal(1).scaleb(-places))


def _placing_key(placing: Placing) -> tuple:
    return (_quantized(placing.place, 2), _quantized(placing.total, 3), placing.recalled)


def _show(values: tuple) -> str:
    return "(" + ", ".join("-" if v is None else str(v) for v in values) + ")"


def result_differences(round_: Round, tabulated: tuple[str, Any] | None = None) -> list[str]:
    """How a closed round's stored result and placings differ from a recomputation from
    its marks (``tabulate_round``'s answer, when the caller has it already): empty when
    the result follows from the marks."""
    stored = RoundResult.objects.filter(round=round_).first()
    if stored is None:
        return [f"the round is {round_.status} but has no stored result"]
    try:
        kind, result = tabulated or tabulate_round(round_)
        placings = round_placings(round_, kind, result)
    except ScoringError as error:
        return [f"cannot be recomputed from its marks: {error}"]
    computed = json.loads(json.dumps(result_data(kind, result)))
    found = [f"result {d}" for d in _json_differences(stored.data, computed)]
    stored_placings = {p.entry_id: p for p in Placing.objects.filter(round=round_)}
    computed_placings = {p.entry_id: p for p in placings}
    for entry_id in sorted(set(stored_placings) | set(computed_placings)):
        a, b = stored_placings.get(entry_id), computed_placings.get(entry_id)
        if a is None:
            found.append(f"entry {entry_id} has no stored placing")
        elif b is None:
            found.append(f"entry {entry_id} has a placing but no marks")
        elif _placing_key(a) != _placing_key(b):
            found.append(
                f"entry {entry_id} placing stored (place, total, recalled) = "
                f"{_show(_placing_key(a))}, recomputed {_show(_placing_key(b))}"
            )
    return found


@transaction.atomic
def round_close(*, round: Round, actor: User | None, seed: int | None = None) -> RoundResult:
    """Close a round once every sheet is in: store its tabulation and the placings; for
    a preliminary round, draw the next round's heats from the recalled couples."""
    round_ = round_lock(round.pk)
    if actor is not None:
        permission_require(
            actor, "competitions.transition_round", "close rounds", round_.event.competition_id
        )
    if round_.status != RoundStatus.OPEN:
        raise ScoringError(f"{round_} is {round_.status}: only an open round can be closed.")
    kind, result = tabulate_round(round_)
    placings = round_placings(round_, kind, result)
    try:
        round_transition(round=round_, to_status=RoundStatus.CLOSED, actor=actor)
    except TransitionRefused as refusal:
        raise ScoringError(str(refusal), "forbidden") from None
    stored = _store_result(round_, kind, result, placings, reason="the round closed again")
    if _is_recall(kind, result):
        _draw_next_round(round_, [p.entry for p in placings if p.recalled], seed)
    finished_judges_sign_out(round_)  # a judge replaced after this round is done now
    announce(round_.event.competition_id, "round.closed", {"round": round_.pk})
    return stored


def _is_recall(kind: str, result: Any) -> bool:
    """A round that recalls couples to the next (skating or components)."""
    return kind == "recalls" or (kind == "components" and result.recall is not None)


def _store_result(
    round_: Round, kind: str, result: Any, placings: list[Placing], *, reason: str
) -> RoundResult:
    """Store the result and placings, and issue the judges' receipts of them (``reason``:
    why the receipts before are superseded)."""
    Placing.objects.filter(round=round_).delete()
    Placing.objects.bulk_create(placings)
    RoundResult.objects.filter(round=round_).delete()
    stored = RoundResult.objects.create(
        round=round_, computed_at=timezone.now(), data=result_data(kind, result)
    )
    receipts_issue(round_, reason)
    return stored


def _next_round(round_: Round) -> Round | None:
    return Round.objects.filter(event=round_.event, position=round_.position + 1).first()


def round_retabulate(round_: Round, *, reason: str = "re-tabulated after a correction") -> None:
    """Store a closed round's result again from its marks once its corrections are all
    in; a recall round's next draw follows when the recalled couples changed.

    While a sheet is still unlocked, a paper sheet awaits its confirmation or a tie at
    the cut-off awaits the chairman, nothing is stored: publishing refuses a result that
    does not follow from the marks, and the desk shows why. The judges' receipts are
    issued again, the ones before superseded with ``reason``."""
    if Sheet.objects.filter(round=round_, unlocked_at__isnull=False).exists():
        return
    try:
        kind, result = tabulate_round(round_)
        placings = round_placings(round_, kind, result)
    except ScoringError as error:
        if error.code in ("incomplete", "tie"):
            return
        raise
    recalled_before = set(
        Placing.objects.filter(round=round_, recalled=True).values_list("entry_id", flat=True)
    )
    _store_result(round_, kind, result, placings, reason=reason)
    recalled = [p.entry for p in placings if p.recalled]
    if _is_recall(kind, result) and {e.pk for e in recalled} != recalled_before:
        following = _next_round(round_)
        if following is not None and following.status == RoundStatus.PLANNED:
            following.heats.all().delete()
        _draw_next_round(round_, recalled, seed=None)
    announce(round_.event.competition_id, "round.retabulated", {"round": round_.pk})


def _draw_next_round(round_: Round, recalled: list[Entry], seed: int | None) -> None:
    following = _next_round(round_)
    if following is None or following.status != RoundStatus.PLANNED or not recalled:
        return
    # The recalled couples and the seeded (star) couples who join in the next round.
    joining = list(
        following.event.entries.filter(
            seeded_round=following.position, status=EntryStatus.ENTERED, withdrawn=False
        ).exclude(pk__in=[e.pk for e in recalled])
    )
    dancing = [e for e in recalled if e.status == EntryStatus.ENTERED] + joining
    heats = round_heat_count(event=round_.event, kind=following.kind, entries=len(dancing))
    round_draw_heats(
        round=following,
        heat_count=heats,
        seed=secrets.randbelow(2**31) if seed is None else seed,
        entries=dancing,
    )


@transaction.atomic
def round_reopen(*, round: Round, actor: User, reason: str) -> Round:
    """Reopen a closed round for a correction: its results are withdrawn, the next round's
    draw is undone while that round has not opened, and sheets loaded before are stale."""
    if not reason.strip():
        raise ScoringError("Say why the round is reopened.")
    round_ = round_lock(round.pk)
    following = _next_round(round_)
    if following is not None and following.status != RoundStatus.PLANNED:
        raise ScoringError(f"{following} has started: {round_} can no longer be reopened.")
    try:
        round_transition(round=round_, to_status=RoundStatus.OPEN, actor=actor, note=reason)
    except TransitionRefused as refusal:
        raise ScoringError(str(refusal), "forbidden") from None
    RoundResult.objects.filter(round=round_).delete()
    Placing.objects.filter(round=round_).delete()
    receipts_supersede(round_, f"the round was reopened: {reason.strip()}")
    # The open round takes every sheet again: no sheet stays unlocked past it.
    Sheet.objects.filter(round=round_, unlocked_at__isnull=False).update(
        unlocked_at=None, unlocked_by=None
    )
    if following is not None:
        following.heats.all().delete()
    announce(round_.event.competition_id, "round.reopened", {"round": round_.pk})
    return round_


@transaction.atomic
def round_publish(*, round: Round, actor: User | None) -> Round:
    round_ = round_lock(round.pk)
    if not RoundResult.objects.filter(round=round_).exists():
        raise ScoringError("Close the round (and check its results) before publishing.")
    unlocked = Sheet.objects.filter(round=round_, unlocked_at__isnull=False)
    if unlocked.exists():
        letters = sorted({s.judge.letter for s in unlocked.select_related("judge")})
        raise ScoringError(
            f"Sheets of judge {', '.join(letters)} are unlocked for a correction: "
            "publish once they are sent again.",
            "incomplete",
        )
    differences = result_differences(round_)
    if differences:
        raise ScoringError(
            "The stored result does not follow from the marks: it cannot be published.",
            "invalid",
            tuple(differences),
        )
    try:
        round_transition(round=round_, to_status=RoundStatus.PUBLISHED, actor=actor)
    except TransitionRefused as refusal:
        raise ScoringError(str(refusal), "forbidden") from None
    announce(round_.event.competition_id, "round.published", {"round": round_.pk})
    return round_
