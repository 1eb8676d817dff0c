"""Every mark is written here, and every round is closed here.

``sheet_submit`` is the one way a sheet reaches the database, whoever sends it (a
tablet page, the API, a paper sheet typed at the desk, the simulator). Inside one
transaction it holds the round (shared with the round's other sheets, not with
closing it), checks the round is open (or the sheet unlocked by the chairman), that
the judge sits on the panel, that the sheet was loaded in the round's current
revision and the sheet's current version, that every entry is in the round and has
not withdrawn, and that the sheet is complete and valid; then it writes the whole
sheet, records each mark's change in the audit trail, and announces the change after
commit. The same device key again is stored once.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from adjudication import tabulation
from adjudication.models import Mark, MarkChange, Placing, RecallDecision, RoundResult, Sheet
from competitions.access import staff_can
from competitions.models import (
    Criterion,
    Dance,
    Entry,
    EntryStatus,
    Event,
    HeatEntry,
    Judge,
    PanelSeat,
    Round,
    RoundKind,
    RoundStatus,
    ScoringMethod,
)
from competitions.services import (
    TransitionRefused,
    round_draw_heats,
    round_heat_count,
    round_transition,
)
from scoring_site.realtime import announce


class ScoringError(Exception):
    """A sheet or desk action refused, with a message for the person at the screen.

    ``code`` says what kind: ``invalid`` (fix the sheet), ``closed`` (the round does not
    take marks now), ``not_on_panel``, ``stale`` (the round was reopened since the
    sheet was loaded), ``conflict`` (changed on another device meanwhile), ``forbidden``.
    """

    def __init__(self, message: str, code: str = "invalid", problems: tuple[str, ...] = ()):
        self.message = message
        self.code = code
        self.problems = problems
        super().__init__(message if not problems else message + " " + " ".join(problems))


@dataclasses.dataclass(frozen=True)
class SheetInput:
    """What a device sends: one judge's marks for one dance (skating) or one entry
    (criteria) of a round.

    ``marks`` maps an entry id to its value for skating sheets (1 for a recall cross,
    the place in a final), or a criterion id to its score for criteria sheets.
    ``base_version`` is the sheet version the device loaded (0 for a new sheet) and
    ``round_revision`` the round's revision it was loaded in.
    """

    round_id: int
    judge_id: int
    marks: Mapping[int, Any]
    client_key: str
    base_version: int
    round_revision: int
    dance_id: int | None = None
    entry_id: int | None = None
    reason: str = ""


@dataclasses.dataclass(frozen=True)
class SheetOutcome:
    """The sheet as stored, and its marks (so an answer needs no query to show them)."""

    sheet: Sheet
    replayed: bool
    marks: list[Mark]


def round_entries(round_: Round) -> list[Entry]:
    """The entries dancing in the round (every heat), withdrawn ones included."""
    return list(
        Entry.objects.filter(heat_entries__heat__round=round_)
        .select_related("competitor")
        .order_by("competitor__bib", "id")
        .distinct()
    )


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ScoringError(f"{what}: “{value}” is not a number.") from None
    if not number.is_finite():
        raise ScoringError(f"{what}: “{value}” is not a number.")
    return number


def _check_skating_marks(round_: Round, marks: Mapping[int, Any]) -> dict[int, Decimal]:
    entries = round_entries(round_)
    by_id = {e.pk: e for e in entries}
    active = [e for e in entries if not e.withdrawn]
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
    values = {k: _decimal(v, f"Couple {by_id[k].bib_label}") for k, v in marks.items()}
    if round_.kind != RoundKind.FINAL:
        requested = min(round_.recall_count or 0, len(active))
        if any(v != 1 for v in values.values()):
            raise ScoringError("A recall sheet has crosses only.")
        if len(values) != requested:
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


def _plain(number: Decimal) -> str:
    """10.00 as "10", 0.50 as "0.5"."""
    return f"{number.normalize():f}"


def _check_criteria_marks(
    round_: Round, entry: Entry, marks: Mapping[int, Any], *, in_round: bool | None = None
):
    """``in_round``: whether the entry is in one of the round's heats, when the caller
    has read it already (``sheet_submit`` does, in the entry's look-up)."""
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
    unknown = [str(k) for k in marks if k not in criteria]
    missing = [c.name for pk, c in criteria.items() if pk not in marks]
    if unknown:
        raise ScoringError(f"Unknown criteria: {', '.join(unknown)}.")
    if missing:
        raise ScoringError(f"Score every criterion: missing {', '.join(missing)}.")
    values, problems = {}, []
    for pk, raw in marks.items():
        criterion = criteria[pk]
        value = _decimal(raw, criterion.name)
        if not criterion.min_score <= value <= criterion.max_score:
            problems.append(
                f"{criterion.name}: {_plain(value)} is outside {_plain(criterion.min_score)}–"
                f"{_plain(criterion.max_score)}."
            )
        elif (value - criterion.min_score) % criterion.step:
            problems.append(f"{criterion.name}: use steps of {_plain(criterion.step)}.")
        values[pk] = value
    if problems:
        raise ScoringError("Scores out of range.", problems=tuple(problems))
    return values


def _lock_round(round_id: int) -> Round:
    """The round, its row locked against every other change of the round until the
    transaction ends: closing, reopening, publishing and unlocking take this lock."""
    return (
        # of=("self",): lock the round only, not the event and competition joined in.
        Round.objects.select_for_update(no_key=True, of=("self",))
        .select_related("event__competition")
        .get(pk=round_id)
    )


def _share_round(round_id: int) -> Round:
    """The round, its row held in SHARE mode until the transaction ends, for a sheet.

    Sheets of one round go in side by side (15 judges send at once), while closing,
    reopening or publishing the round (``_lock_round``) waits for the sheets under way,
    and a sheet sent meanwhile waits for that and then sees the round's new state. Two
    devices sending the same sheet still meet on the sheet's row lock or its unique
    constraint. Django has no FOR SHARE, hence the statement of its own; SQLite runs
    one writing transaction at a time (BEGIN IMMEDIATE), so there is nothing to take.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = Round._meta.db_table
            cursor.execute(
                f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE",  # nosec B608: model's table
                [round_id],
            )
    return Round.objects.select_related("event").get(pk=round_id)


@transaction.atomic
def sheet_submit(
    *, data: SheetInput, actor: User | None, source: str = Sheet.Source.TABLET
) -> SheetOutcome:
    """Store one judge's sheet, whole or not at all. Raises ``ScoringError``.

    A correction of a closed round (a sheet the chairman unlocked) holds the round
    exclusively and re-tabulates it in the same transaction."""
    peeked = Round.objects.filter(pk=data.round_id).values_list("status", flat=True).first()
    correcting = peeked == RoundStatus.CLOSED
    round_ = _lock_round(data.round_id) if correcting else _share_round(data.round_id)
    event = round_.event
    judge = (
        Judge.objects.filter(pk=data.judge_id)
        .annotate(seated=Exists(PanelSeat.objects.filter(event=event, judge=OuterRef("pk"))))
        .get()
    )
    if judge.competition_id != event.competition_id:
        raise ScoringError("This judge belongs to another competition.", "not_on_panel")
    if not judge.seated:
        raise ScoringError(
            f"Judge {judge.letter} is not on the panel of {event.name}.", "not_on_panel"
        )
    if not data.client_key or len(data.client_key) > 64:
        raise ScoringError("The sheet needs a device key of 1 to 64 characters.")

    if event.scoring_method == ScoringMethod.SKATING:
        # order_by("pk"): the default ordering (by event) joins event and competition.
        dance = Dance.objects.filter(pk=data.dance_id, event=event).order_by("pk").first()
        if dance is None or data.entry_id is not None:
            raise ScoringError(f"Choose one of the dances of {event.name}.")
        part, lookup, label = dance, {"dance": dance}, dance.name
    else:
        in_round = HeatEntry.objects.filter(heat__round=round_, entry=OuterRef("pk"))
        entry = (
            Entry.objects.select_related("competitor")
            .filter(pk=data.entry_id, event=event)
            .annotate(in_round=Exists(in_round))
            .order_by("pk")  # not the default ordering, which joins event and competition
            .first()
        )
        if entry is None or data.dance_id is not None:
            raise ScoringError(f"Choose one of the entries of {event.name}.")
        part, lookup, label = entry, {"entry": entry}, str(entry.competitor)

    existing = (
        # order_by("pk"): the default ordering joins dance, and PostgreSQL refuses FOR
        # UPDATE on the nullable side of that outer join (criteria sheets have no dance).
        Sheet.objects.select_for_update(of=("self",))
        .filter(round=round_, judge=judge, **lookup)
        .order_by("pk")
        .first()
    )
    if existing is not None and existing.client_key == data.client_key:
        stored = list(existing.marks.all())
        if _stored_values(existing, stored) == _normalise(data.marks):
            return SheetOutcome(existing, replayed=True, marks=stored)
        raise ScoringError(
            "This device sent a different sheet under the same key; reload the sheet.",
            "conflict",
        )

    unlocked = existing is not None and existing.unlocked_at is not None
    if round_.status != RoundStatus.OPEN and not (round_.status == RoundStatus.CLOSED and unlocked):
        state = "published" if round_.status == RoundStatus.PUBLISHED else round_.status
        raise ScoringError(
            f"{round_} is {state}: it takes no marks now. Ask the chairman if a mark is wrong.",
            "closed",
        )
    if round_.status == RoundStatus.CLOSED and not correcting:
        raise ScoringError("The round was closed meanwhile: reload the sheet.", "stale")
    if data.round_revision != round_.revision:
        raise ScoringError(
            "The round was reopened after this sheet was loaded: reload it and check your marks.",
            "stale",
        )
    current_version = existing.version if existing else 0
    if data.base_version != current_version:
        raise ScoringError(
            "This sheet was changed on another device meanwhile: reload it to see the marks "
            "that were kept.",
            "conflict",
        )
    if existing is not None and not data.reason.strip():
        raise ScoringError("Say why you are changing a sheet you already sent.")

    if event.scoring_method == ScoringMethod.SKATING:
        values = {
            (entry_id, None): v for entry_id, v in _check_skating_marks(round_, data.marks).items()
        }
    else:
        values = {
            (part.pk, pk): v
            for pk, v in _check_criteria_marks(
                round_, part, data.marks, in_round=part.in_round
            ).items()
        }

    now = timezone.now()
    if existing is None:
        sheet = Sheet(
            round=round_,
            judge=judge,
            version=1,
            round_revision=round_.revision,
            client_key=data.client_key,
            source=source,
            submitted_by=actor,
            submitted_at=now,
            **lookup,
        )
        try:
            with transaction.atomic():
                sheet.save()
        except IntegrityError:
            raise ScoringError(
                "This sheet was sent from another device a moment ago: reload it.", "conflict"
            ) from None
        old: dict[tuple[int, int | None], Decimal] = {}
        kind = MarkChange.Kind.SUBMITTED
    else:
        sheet = existing
        old = {(m.entry_id, m.criterion_id): m.value for m in sheet.marks.all()}
        sheet.version += 1
        sheet.round_revision = round_.revision
        sheet.client_key = data.client_key
        sheet.source = source
        sheet.submitted_by = actor
        sheet.submitted_at = now
        sheet.confirmed_by = sheet.confirmed_at = None
        sheet.unlocked_by = sheet.unlocked_at = None
        sheet.save()
        kind = MarkChange.Kind.CORRECTED
    if old:
        sheet.marks.all().delete()
    marks = Mark.objects.bulk_create(
        Mark(sheet=sheet, entry_id=entry_id, criterion_id=criterion_id, value=value)
        for (entry_id, criterion_id), value in values.items()
    )
    MarkChange.objects.bulk_create(
        MarkChange(
            round=round_,
            sheet=sheet,
            judge=judge,
            kind=kind,
            entry_id=key[0],
            criterion_id=key[1],
            dance=lookup.get("dance"),
            old_value=old.get(key),
            new_value=values.get(key),
            sheet_version=sheet.version,
            actor=actor,
            source=source,
            reason=data.reason.strip()[:300],
            at=now,
        )
        for key in sorted(set(old) | set(values), key=lambda k: (k[0], k[1] or 0))
        if old.get(key) != values.get(key)
    )
    if correcting and source != Sheet.Source.PAPER:
        _retabulate(round_)
    announce(
        event.competition_id,
        "sheet.submitted",
        {"round": round_.pk, "judge": judge.letter, "part": label, "version": sheet.version},
    )
    return SheetOutcome(sheet, replayed=False, marks=marks)


def _normalise(marks: Mapping[int, Any]) -> dict[int, Decimal]:
    try:
        return {int(k): Decimal(str(v)) for k, v in marks.items()}
    except (InvalidOperation, ValueError):
        return {}


def _stored_values(sheet: Sheet, marks: list[Mark]) -> dict[int, Decimal]:
    if sheet.entry_id is not None:
        return {m.criterion_id: m.value for m in marks}
    return {m.entry_id: m.value for m in marks}


def _require(actor: User, permission: str, what: str, competition_id: int) -> None:
    if not staff_can(actor, permission, competition_id):
        raise ScoringError(f"You do not have permission to {what}.", "forbidden")


@transaction.atomic
def sheet_confirm(*, sheet: Sheet, actor: User) -> Sheet:
    """A second person confirms a paper sheet typed at the desk; only then it counts."""
    round_ = _lock_round(sheet.round_id)
    _require(
        actor,
        "adjudication.confirm_paper_sheet",
        "confirm paper sheets",
        round_.event.competition_id,
    )
    sheet = Sheet.objects.select_for_update(of=("self",)).get(pk=sheet.pk)
    if sheet.source != Sheet.Source.PAPER:
        raise ScoringError("Only sheets typed from paper need a confirmation.")
    if sheet.confirmed_at is not None:
        raise ScoringError("This paper sheet is already confirmed.")
    if sheet.submitted_by_id == actor.pk:
        raise ScoringError(
            "The person who typed a paper sheet cannot confirm it: ask a colleague.", "forbidden"
        )
    sheet.confirmed_by, sheet.confirmed_at = actor, timezone.now()
    sheet.save(update_fields=["confirmed_by", "confirmed_at"])
    MarkChange.objects.create(
        round=sheet.round,
        sheet=sheet,
        judge=sheet.judge,
        kind=MarkChange.Kind.CONFIRMED,
        dance=sheet.dance,
        entry=sheet.entry,
        sheet_version=sheet.version,
        actor=actor,
        source=Sheet.Source.PAPER,
        at=sheet.confirmed_at,
    )
    if round_.status == RoundStatus.CLOSED:
        _retabulate(round_)
    announce(round_.event.competition_id, "sheet.confirmed", {"round": sheet.round_id})
    return sheet


@transaction.atomic
def sheet_unlock(*, sheet: Sheet, actor: User, reason: str) -> Sheet:
    """The chairman unlocks one sheet of a closed round so its judge can correct it."""
    round_ = _lock_round(sheet.round_id)
    _require(
        actor,
        "adjudication.unlock_sheet",
        "unlock sheets (the chairman does)",
        round_.event.competition_id,
    )
    if round_.status != RoundStatus.CLOSED:
        raise ScoringError("Only sheets of a closed, unpublished round are unlocked.")
    if not reason.strip():
        raise ScoringError("Say why the sheet is unlocked.")
    sheet = Sheet.objects.select_for_update(of=("self",)).get(pk=sheet.pk)
    sheet.unlocked_by, sheet.unlocked_at = actor, timezone.now()
    sheet.save(update_fields=["unlocked_by", "unlocked_at"])
    MarkChange.objects.create(
        round=round_,
        sheet=sheet,
        judge=sheet.judge,
        kind=MarkChange.Kind.UNLOCKED,
        dance=sheet.dance,
        entry=sheet.entry,
        sheet_version=sheet.version,
        actor=actor,
        source="desk",
        reason=reason.strip()[:300],
        at=sheet.unlocked_at,
    )
    announce(round_.event.competition_id, "sheet.unlocked", {"round": round_.pk})
    return sheet


# --- The desk: progress, closing, results -----------------------------------------------------


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
    judges = list(
        Judge.objects.filter(seats__event_id=round_.event_id)
        .order_by("letter")
        .values_list("pk", "letter")
    )
    sheets = list(
        Sheet.objects.filter(round=round_).values_list(
            "judge_id", "dance_id", "entry_id", "source", "confirmed_at"
        )
    )
    if round_.event.scoring_method == ScoringMethod.SKATING:
        parts = [(d.name, d.pk, None) for d in round_.event.dances.order_by("position")]
    else:
        parts = [
            (f"{e.bib_label} {e.competitor.display_name}", None, e.pk)
            for e in round_entries(round_)
            if not e.withdrawn
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
    """A tabulation as stored in ``RoundResult.data``."""
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


def tabulate_round(round_: Round) -> tuple[str, Any]:
    """The tabulation of a round from its counted sheets: ``("recalls", RecallResult)``,
    ``("final", FinalResult)`` or ``("criteria", CriteriaResult)``. Raises
    ``ScoringError`` when sheets are missing or invalid."""
    missing = [p for p in round_progress(round_) if p.missing or p.awaiting_confirmation]
    if missing:
        details = tuple(
            f"{p.label}: waiting for {', '.join(p.missing + p.awaiting_confirmation)}."
            for p in missing
        )
        raise ScoringError("Not every sheet is in.", "incomplete", details)
    entries = [e for e in round_entries(round_) if not e.withdrawn]
    bib = {e.pk: e.bib_label for e in entries}
    judges = list(Judge.objects.filter(seats__event_id=round_.event_id).order_by("letter"))
    letters = [j.letter for j in judges]
    marks = Mark.objects.filter(sheet__round=round_).select_related("sheet")
    try:
        if round_.event.scoring_method == ScoringMethod.CRITERIA:
            criteria = list(round_.event.criteria.order_by("position"))
            names = {c.pk: c.name for c in criteria}
            scores: dict[str, dict[str, dict[str, Decimal]]] = {}
            letter_of = {j.pk: j.letter for j in judges}
            for m in marks:
                scores.setdefault(bib[m.entry_id], {}).setdefault(letter_of[m.sheet.judge_id], {})[
                    names[m.criterion_id]
                ] = m.value
            result = tabulation.score_criteria(
                scores,
                criteria=[
                    tabulation.Criterion(c.name, c.min_score, c.max_score, c.step, c.weight)
                    for c in criteria
                ],
                judges=letters,
                **criteria_rules(round_.event),
            )
            return "criteria", result
        dances = list(round_.event.dances.order_by("position"))
        dance_name = {d.pk: d.name for d in dances}
        letter_of = {j.pk: j.letter for j in judges}
        if round_.kind == RoundKind.FINAL:
            table: dict[str, dict[str, list[int]]] = {
                d.name: {bib[e.pk]: [0] * len(letters) for e in entries} for d in dances
            }
            index = {letter: i for i, letter in enumerate(letters)}
            for m in marks:
                table[dance_name[m.sheet.dance_id]][bib[m.entry_id]][
                    index[letter_of[m.sheet.judge_id]]
                ] = int(m.value)
            return "final", tabulation.tabulate_final(table, judges=letters)
        crosses: dict[str, dict[str, set[str]]] = {
            d.name: {letter: set() for letter in letters} for d in dances
        }
        for m in marks:
            crosses[dance_name[m.sheet.dance_id]][letter_of[m.sheet.judge_id]].add(bib[m.entry_id])
        requested = min(round_.recall_count or 0, len(entries))
        return "recalls", tabulation.tabulate_recalls(
            crosses, couples=[bib[e.pk] for e in entries], judges=letters, requested=requested
        )
    except tabulation.TabulationError as error:
        raise ScoringError(
            "The marks do not add up.", "invalid", tuple(p.message for p in error.problems)
        ) from None


@transaction.atomic
def recall_decide(*, round: Round, recall_count: int, actor: User) -> RecallDecision:
    """The chairman settles a tie at the recall cut-off: recall fewer or more. A tie
    that a correction of a closed round made is settled the same way, and the round's
    result is stored again at once."""
    round_ = _lock_round(round.pk)
    _require(
        actor,
        "adjudication.decide_recall",
        "decide recalls (the chairman does)",
        round_.event.competition_id,
    )
    if round_.status not in (RoundStatus.OPEN, RoundStatus.CLOSED):
        raise ScoringError("Recalls are decided before the round is published.")
    kind, result = tabulate_round(round_)
    if kind != "recalls" or not result.tied:
        raise ScoringError("There is no tie at the cut-off to settle.")
    options = (len(result.recalled), len(result.recalled) + len(result.tied))
    if recall_count not in options:
        raise ScoringError(f"Choose {options[0]} or {options[1]} couples.")
    RecallDecision.objects.filter(round=round_).delete()
    decision = RecallDecision.objects.create(
        round=round_, recall_count=recall_count, decided_by=actor
    )
    if round_.status == RoundStatus.CLOSED:
        _retabulate(round_)
    return decision


def round_placings(round_: Round, kind: str, result: Any) -> list[Placing]:
    """The placings (unsaved) a round's tabulation gives: recalled or not (with the
    chairman's decision at a tie), or the places of a final or criteria round. Raises
    ``ScoringError`` at a tie the chairman has not settled."""
    entries = {e.bib_label: e for e in round_entries(round_) if not e.withdrawn}
    placings: list[Placing] = []
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


def result_differences(round_: Round) -> list[str]:
    """How a closed round's stored result and placings differ from a recomputation from
    its marks: empty when the result follows from the marks."""
    stored = RoundResult.objects.filter(round=round_).first()
    if stored is None:
        return [f"the round is {round_.status} but has no stored result"]
    try:
        kind, result = tabulate_round(round_)
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
    round_ = _lock_round(round.pk)
    if actor is not None:
        _require(
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
    stored = _store_result(round_, kind, result, placings)
    if kind == "recalls":
        _draw_next_round(round_, [p.entry for p in placings if p.recalled], seed)
    announce(round_.event.competition_id, "round.closed", {"round": round_.pk})
    return stored


def _store_result(round_: Round, kind: str, result: Any, placings: list[Placing]) -> RoundResult:
    Placing.objects.filter(round=round_).delete()
    Placing.objects.bulk_create(placings)
    RoundResult.objects.filter(round=round_).delete()
    return RoundResult.objects.create(
        round=round_, computed_at=timezone.now(), data=result_data(kind, result)
    )


def _next_round(round_: Round) -> Round | None:
    return Round.objects.filter(event=round_.event, position=round_.position + 1).first()


def _retabulate(round_: Round) -> None:
    """Store a closed round's result again from its marks once its corrections are all
    in; a recall round's next draw follows when the recalled couples changed.

    While a sheet is still unlocked, a paper sheet awaits its confirmation or a tie at
    the cut-off awaits the chairman, nothing is stored: publishing refuses a result that
    does not follow from the marks, and the desk shows why."""
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
    _store_result(round_, kind, result, placings)
    recalled = [p.entry for p in placings if p.recalled]
    if kind == "recalls" and {e.pk for e in recalled} != recalled_before:
        following = _next_round(round_)
        if following is not None and following.status == RoundStatus.PLANNED:
            following.heats.all().delete()
        _draw_next_round(round_, recalled, seed=None)
    announce(round_.event.competition_id, "round.retabulated", {"round": round_.pk})


def _draw_next_round(round_: Round, recalled: list[Entry], seed: int | None) -> None:
    following = _next_round(round_)
    if following is None or following.status != RoundStatus.PLANNED or not recalled:
        return
    heats = round_heat_count(event=round_.event, kind=following.kind, entries=len(recalled))
    round_draw_heats(
        round=following,
        heat_count=heats,
        seed=secrets.randbelow(2**31) if seed is None else seed,
        entries=[e for e in recalled if e.status == EntryStatus.ENTERED],
    )


@transaction.atomic
def round_reopen(*, round: Round, actor: User, reason: str) -> Round:
    """Reopen a closed round for a correction: its results are withdrawn, the next round's
    draw is undone while that round has not opened, and sheets loaded before are stale."""
    if not reason.strip():
        raise ScoringError("Say why the round is reopened.")
    round_ = _lock_round(round.pk)
    following = _next_round(round_)
    if following is not None and following.status != RoundStatus.PLANNED:
        raise ScoringError(f"{following} has started: {round_} can no longer be reopened.")
    try:
        round_transition(round=round_, to_status=RoundStatus.OPEN, actor=actor, note=reason)
    except TransitionRefused as refusal:
        raise ScoringError(str(refusal), "forbidden") from None
    RoundResult.objects.filter(round=round_).delete()
    Placing.objects.filter(round=round_).delete()
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
    round_ = _lock_round(round.pk)
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
