"""Checks of a competition's stored data: ``recompute`` and ``verify``.

Run after a crash, an outage or a drill, or before the prize-giving, to prove that what
the database holds is what the judges sent and what the tabulation gives:

* :func:`competition_recompute` re-runs the tabulation of every closed or published round
  from its stored marks and compares it with the stored result (``RoundResult.data``) and
  the placings. There should never be a difference: one means a bug or tampering.
* :func:`competition_verify` checks every invariant: each sheet is complete and valid for
  its round, no part of a round has two sheets from one judge, every closed round has
  every sheet in and a stored result equal to the recomputation, and each sheet's audit
  trail (``MarkChange``), replayed from the start, arrives exactly at the marks stored.

Both only read. The management commands ``recompute`` and ``verify`` print the findings
and exit non-zero when there is any.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count

from adjudication.models import Mark, MarkChange, Sheet
from adjudication.services import (
    ScoringError,
    criteria_marks_check,
    result_differences,
    round_progress,
    skating_marks_check,
)
from adjudication.services.components import component_marks_check
from competitions.models import Competition, Round, RoundStatus, ScoringMethod
from scoring_site.snapshot import read_snapshot

MAX_DIFFERENCES_PER_ROUND = 10
RESULT_STATUSES = (RoundStatus.CLOSED, RoundStatus.PUBLISHED)
TRAIL_KINDS = (MarkChange.Kind.SUBMITTED, MarkChange.Kind.CORRECTED)


@dataclasses.dataclass(frozen=True)
class Finding:
    """One breach: where (a round, a sheet) and what is wrong, in plain words."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclasses.dataclass
class Report:
    competition: Competition
    rounds_checked: int = 0
    results_checked: int = 0
    sheets_checked: int = 0
    findings: list[Finding] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _rounds(competition: Competition):
    return (
        Round.objects.filter(event__competition=competition)
        .select_related("event__competition")
        .order_by("event__position", "event_id", "position")
    )


# --- Results ------------------------------------------------------------------------------


def round_recompute(round_: Round) -> list[Finding]:
    """The differences between a closed round's stored result and its recomputation."""
    where = str(round_)
    found = [Finding(where, message) for message in result_differences(round_)]
    if len(found) > MAX_DIFFERENCES_PER_ROUND:
        more = len(found) - MAX_DIFFERENCES_PER_ROUND
        found = found[:MAX_DIFFERENCES_PER_ROUND] + [Finding(where, f"… and {more} more")]
    return found


@read_snapshot()
def competition_recompute(competition: Competition) -> Report:
    """Re-run every closed or published round's tabulation from the stored marks."""
    report = Report(competition=competition)
    for round_ in _rounds(competition):
        report.rounds_checked += 1
        if round_.status in RESULT_STATUSES:
            report.results_checked += 1
            report.findings += round_recompute(round_)
    return report


# --- Sheets and the trail -------------------------------------------------------------------


def _sheet_where(sheet: Sheet) -> str:
    part = f"dance {sheet.dance.name}" if sheet.dance_id else f"entry {sheet.entry_id}"
    return f"{sheet.round} · judge {sheet.judge.letter} · {part} (sheet {sheet.pk})"


def _sheet_problems(round_: Round, sheet: Sheet, marks: list[Mark]) -> list[str]:
    try:
        if round_.event.is_components:
            if sheet.dance_id is None or not all(m.criterion_id for m in marks):
                return ["a component sheet must be for a dance, each mark on a component"]
            by_key = {(m.entry_id, m.criterion_id): m.value for m in marks}
            if len(by_key) != len(marks):
                return ["a couple is scored twice on a component"]
            component_marks_check(round_, sheet.dance, sheet.judge, by_key, stored=True)
        elif round_.event.scoring_method == ScoringMethod.SKATING:
            if sheet.dance_id is None or any(m.criterion_id for m in marks):
                return ["a Skating System sheet must be for a dance, without criteria"]
            by_entry = {m.entry_id: m.value for m in marks}
            if len(by_entry) != len(marks):
                return ["an entry is marked twice"]
            skating_marks_check(
                round_,
                by_entry,
                dance_id=sheet.dance_id,
                stored=True,
                accept_count=bool(sheet.count_accepted_reason),
            )
        else:
            if sheet.entry_id is None:
                return ["a criteria sheet must be for one entry"]
            if any(m.entry_id != sheet.entry_id for m in marks):
                return ["a criteria sheet holds marks of another entry"]
            by_criterion = {m.criterion_id: m.value for m in marks}
            if len(by_criterion) != len(marks):
                return ["a criterion is scored twice"]
            criteria_marks_check(round_, sheet.entry, by_criterion, stored=True)
    except ScoringError as error:
        return [str(error)]
    return []


def _trail_problems(sheet: Sheet, marks: list[Mark], changes: list[MarkChange]) -> list[str]:
    """Replay the sheet's trail from nothing; it must arrive at the stored marks."""
    problems = []
    state: dict[tuple[int | None, int | None], Decimal] = {}
    for change in changes:
        if change.round_id != sheet.round_id or change.judge_id != sheet.judge_id:
            problems.append(f"trail row {change.pk} names another round or judge")
        if change.sheet_version > sheet.version:
            problems.append(
                f"trail row {change.pk} is for version {change.sheet_version}, "
                f"the sheet is at version {sheet.version}"
            )
        if change.kind not in TRAIL_KINDS:
            continue
        key = (change.entry_id, change.criterion_id)
        if state.get(key) != change.old_value:
            problems.append(
                f"trail row {change.pk} changes {_mark_name(key)} from {change.old_value}, "
                f"but the trail had it at {state.get(key)}"
            )
        if change.new_value is None:
            state.pop(key, None)
        else:
            state[key] = change.new_value
    stored = {(m.entry_id, m.criterion_id): m.value for m in marks}
    for key in sorted(set(state) | set(stored), key=lambda k: (k[0] or 0, k[1] or 0)):
        if state.get(key) != stored.get(key):
            problems.append(
                f"{_mark_name(key)} is {stored.get(key)} in the marks but "
                f"{state.get(key)} by the audit trail"
            )
    if marks and not any(c.kind == MarkChange.Kind.SUBMITTED for c in changes):
        problems.append("the sheet has marks but no first submission in the trail")
    return problems


def _mark_name(key: tuple[int | None, int | None]) -> str:
    entry_id, criterion_id = key
    return f"entry {entry_id}" + (f" criterion {criterion_id}" if criterion_id else "")


def _duplicate_sheets(round_: Round) -> list[Finding]:
    """Two sheets for one part of a round from one judge (the database forbids it)."""
    found = []
    for field in ("dance", "entry"):
        rows = (
            Sheet.objects.filter(round=round_, **{f"{field}__isnull": False})
            .values("judge_id", field)
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        for row in rows:
            found.append(
                Finding(
                    str(round_),
                    f"{row['n']} sheets from judge {row['judge_id']} for {field} {row[field]}",
                )
            )
    return found


@read_snapshot()
def competition_verify(competition: Competition) -> Report:
    """Every invariant of a competition's data; the findings list every breach."""
    report = Report(competition=competition)
    for round_ in _rounds(competition):
        report.rounds_checked += 1
        where = str(round_)
        sheets = list(
            Sheet.objects.filter(round=round_)
            .select_related("judge", "dance", "entry__competitor")
            .order_by("pk")
        )
        marks: dict[int, list[Mark]] = defaultdict(list)
        for mark in Mark.objects.filter(sheet__round=round_).order_by("pk"):
            marks[mark.sheet_id].append(mark)
        changes: dict[int, list[MarkChange]] = defaultdict(list)
        for change in MarkChange.objects.filter(round=round_).order_by("sheet_version", "at", "pk"):
            changes[change.sheet_id].append(change)
        report.findings += _duplicate_sheets(round_)
        for sheet in sheets:
            report.sheets_checked += 1
            problems = _sheet_problems(round_, sheet, marks[sheet.pk])
            problems += _trail_problems(sheet, marks[sheet.pk], changes[sheet.pk])
            report.findings += [Finding(_sheet_where(sheet), p) for p in problems]
        if round_.status in RESULT_STATUSES:
            missing = [p for p in round_progress(round_) if p.missing or p.awaiting_confirmation]
            for part in missing:
                waiting = ", ".join(part.missing + part.awaiting_confirmation)
                report.findings.append(
                    Finding(where, f"{part.label}: closed without the sheets of {waiting}")
                )
            if not missing:
                report.results_checked += 1
                report.findings += round_recompute(round_)
    return report
