"""The desk's what-if page: a closed or published round's stored marks as a form, where
the chairman changes marks or leaves judges out and recomputes (a plain POST that
writes nothing), the result beside the stored one, and the audited paths that would
make it so (``make_it_so``, shared with the API in ``what_if_api``)."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from adjudication.desk.pages import desk_required
from adjudication.results.what_if import (
    Changed,
    ChangeIn,
    RoundMarks,
    what_if_marks,
    what_if_refusal,
    what_if_run,
)
from adjudication.results.what_if_compare import Comparison, what_if_compare
from adjudication.services import ScoringError
from competitions.access import staff_can
from competitions.models import Round, RoundStatus


@dataclasses.dataclass
class Cell:
    """One mark of the grid: its field, the value stored and as posted."""

    name: str
    judge: str
    stored: str
    value: str
    kind: str  # "check" (a recall cross) or "number"
    label: str

    @property
    def changed(self) -> bool:
        return self.value != self.stored


@dataclasses.dataclass
class GridTable:
    caption: str
    rows: list[tuple[str, list[Cell | None]]]
    low: str = ""
    high: str = ""
    step: str = "1"


def _value(value) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _component_grid(facts: RoundMarks, entries: list) -> list[GridTable]:
    """Per dance, a row per couple and component, a cell per judge allocated to it."""
    tables = []
    for dance in facts.dances:
        away = facts.standing.not_dancing(dance)
        rows = []
        for entry in (e for e in entries if e.pk not in away):
            for component in facts.criteria:
                cells = []
                for judge in facts.panel:
                    sheet = facts.sheets.get((judge.pk, dance.pk))
                    key = (sheet.pk if sheet else 0, entry.pk, component.pk)
                    if key not in facts.marks:
                        cells.append(None)  # not this judge's component here
                        continue
                    text = _value(facts.marks[key])
                    cells.append(
                        Cell(
                            name=f"m-{key[0]}-{entry.pk}-{component.pk}",
                            judge=judge.letter,
                            stored=text,
                            value=text,
                            kind="number",
                            label=f"judge {judge.letter}, {dance.name}, couple "
                            f"{entry.bib_label}, {component.name}",
                        )
                    )
                short = component.short_name or component.name
                rows.append((f"{entry.bib_label} {short}", cells))
        tables.append(GridTable(dance.name, rows, step=""))
    return tables


def what_if_grid(facts: RoundMarks) -> list[GridTable]:
    """The round's counted marks as tables: per dance couples × judges (skating), per
    dance couples' components × judges (components), per entry criteria × judges
    (criteria)."""
    letters = list(facts.panel)
    entries = [
        e
        for e in facts.entries.values()
        if not e.withdrawn and e.pk not in facts.standing.set_aside
    ]
    recall = facts.sheet_kind == "recall"
    tables = []
    if facts.round.event.is_components:
        return _component_grid(facts, entries)
    if facts.round.event.is_skating:
        for dance in facts.dances:
            away = facts.standing.not_dancing(dance)
            dancing = [e for e in entries if e.pk not in away]
            rows = []
            for entry in dancing:
                cells = []
                for judge in letters:
                    sheet = facts.sheets.get((judge.pk, dance.pk))
                    if sheet is None:
                        cells.append(None)
                        continue
                    stored = facts.marks.get((sheet.pk, entry.pk, None))
                    text = ("1" if stored else "0") if recall else _value(stored)
                    cells.append(
                        Cell(
                            name=f"m-{sheet.pk}-{entry.pk}-0",
                            judge=judge.letter,
                            stored=text,
                            value=text,
                            kind="check" if recall else "number",
                            label=f"judge {judge.letter}, {dance.name}, couple {entry.bib_label}",
                        )
                    )
                rows.append((entry.bib_label, cells))
            high = "1" if recall else str(len(dancing))
            tables.append(GridTable(dance.name, rows, low="1", high=high))
        return tables
    for entry in entries:
        rows = []
        for criterion in facts.criteria:
            cells = []
            for judge in letters:
                sheet = facts.sheets.get((judge.pk, entry.pk))
                if sheet is None:
                    cells.append(None)
                    continue
                text = _value(facts.marks.get((sheet.pk, entry.pk, criterion.pk)))
                cells.append(
                    Cell(
                        name=f"m-{sheet.pk}-{entry.pk}-{criterion.pk}",
                        judge=judge.letter,
                        stored=text,
                        value=text,
                        kind="number",
                        label=f"judge {judge.letter}, {entry.bib_label}, {criterion.name}",
                    )
                )
            rows.append((criterion.name, cells))
        name = f"{entry.bib_label} {entry.competitor.display_name}"
        tables.append(GridTable(name, rows, step=""))
    return tables


def _posted_changes(post, facts: RoundMarks, tables: list[GridTable]) -> list[ChangeIn]:
    """The grid's cells posted with another value than stored, as changes; the grid
    shows the posted values."""
    sheets = {s.pk: s for s in facts.sheets.values()}
    entries = {e.pk: e for e in facts.entries.values()}
    dances = {d.pk: d for d in facts.dances}
    criteria = {c.pk: c for c in facts.criteria}
    changes = []
    for table in tables:
        for _, cells in table.rows:
            for cell in cells:
                if cell is None:
                    continue
                if cell.kind == "check":
                    cell.value = "1" if post.get(cell.name) else "0"
                else:
                    cell.value = post.get(cell.name, cell.stored).strip()[:20]
                if not cell.changed:
                    continue
                _, sheet_id, entry_id, criterion_id = cell.name.split("-")
                sheet = sheets[int(sheet_id)]
                changes.append(
                    ChangeIn(
                        judge=cell.judge,
                        couple=entries[int(entry_id)].bib_label,
                        value=cell.value,
                        dance=str(dances[sheet.dance_id].pk) if sheet.dance_id else "",
                        criterion=str(criteria[int(criterion_id)].pk) if int(criterion_id) else "",
                    )
                )
    return changes


@dataclasses.dataclass
class Step:
    """One step of the audited path that would make a what-if so: a page to open
    (``method`` get) or a form of the desk to send (post, with its ``fields``), or only
    words; ``allowed`` says whether this user may take it, else ``who`` may."""

    text: str
    url: str = ""
    method: str = ""
    fields: dict[str, str] = dataclasses.field(default_factory=dict)
    allowed: bool = True
    who: str = ""


def _reason(changes: list[Changed]) -> str:
    return ("What-if for a protest: " + "; ".join(c.text() for c in changes))[:200]


def _sheet_steps(round_: Round, changes: list[Changed], user) -> list[Step]:
    competition_id = round_.event.competition_id
    first = changes[0]
    reason = _reason(changes)
    whose = f"judge {first.judge.letter}'s {first.part} sheet"
    part = f"d{first.dance.pk}" if first.dance else f"e{first.entry.pk}"
    query = [("reason", reason)]
    query += [
        ("set", f"{c.criterion.pk if c.criterion else c.entry.pk}:{c.new.normalize():f}")
        for c in changes
    ]
    paper = reverse("adjudication:desk-paper-sheet", args=[round_.pk, first.judge.pk, part])
    return [
        Step(
            text=f"Unlock {whose} for a correction (the reason is kept in the trail).",
            url=reverse("adjudication:desk-sheet-action", args=[first.sheet.pk]),
            method="post",
            fields={"action": "unlock", "reason": reason},
            allowed=staff_can(user, "adjudication.unlock_sheet", competition_id),
            who="the chairman",
        ),
        Step(
            text=f"Then judge {first.judge.letter} sends it again from the tablet, or the "
            "corrected paper sheet is typed in (filled in with the change) and a colleague "
            "confirms it.",
            url=f"{paper}?{urlencode(query)}",
            method="get",
            allowed=staff_can(user, "adjudication.enter_paper_sheet", competition_id),
            who="a scrutineer",
        ),
    ]


def make_it_so(comparison: Comparison, user) -> list[Step]:
    """The desk's own audited paths to what the what-if shows; never taken from here."""
    what_if = comparison.what_if
    round_ = what_if.round
    if not what_if.changes and not what_if.left_out:
        return []
    if round_.status == RoundStatus.PUBLISHED:
        return [
            Step(
                "The round is published: Podium takes no correction of a published result. "
                "The what-if is for the chairman's decision only."
            )
        ]
    competition_id = round_.event.competition_id
    steps = []
    by_sheet: dict[int, list[Changed]] = {}
    for change in what_if.changes:
        by_sheet.setdefault(change.sheet.pk, []).append(change)
    for changes in by_sheet.values():
        steps += _sheet_steps(round_, changes, user)
    if what_if.left_out:
        steps.append(
            Step(
                text=f"Judge {', '.join(what_if.left_out)} left out: Podium does not set a "
                "judge's sheets aside in a closed round. Reopen the round and have the "
                "sheets corrected, or replace the judge from a later round on.",
                url=reverse("adjudication:desk-panels", args=[round_.event.competition.slug]),
                method="get",
                allowed=staff_can(user, "competitions.replace_judge", competition_id),
                who="the chairman",
            )
        )
    following = Round.objects.filter(event=round_.event, position=round_.position + 1).first()
    if following is not None and following.status != RoundStatus.PLANNED:
        steps.append(Step(f"The round can no longer be reopened: {following} has started."))
    else:
        steps.append(
            Step(
                text="Or reopen the whole round for a correction: its result is withdrawn "
                "until it is closed again.",
                url=reverse("adjudication:desk-round-action", args=[round_.pk]),
                method="post",
                fields={
                    "action": "reopen",
                    "reason": _reason(what_if.changes)
                    if what_if.changes
                    else f"What-if for a protest: judge {', '.join(what_if.left_out)} left out",
                },
                allowed=staff_can(user, "competitions.transition_round", competition_id),
                who="the scrutineer or the chairman",
            )
        )
    return steps


@never_cache
@desk_required
def desk_what_if(request, round_id: int):
    round_ = get_object_or_404(Round.objects.select_related("event__competition"), pk=round_id)
    context = {"round": round_, "competition": round_.event.competition}
    refusal = what_if_refusal(round_)
    if refusal is not None:
        context["refusal"] = refusal
        return render(request, "adjudication/desk_what_if.html", context, status=409)
    facts = what_if_marks(round_)
    tables = what_if_grid(facts)
    changes, leave_out = [], []
    if request.method == "POST":
        changes = _posted_changes(request.POST, facts, tables)
        leave_out = request.POST.getlist("leave_out")[:26]
    context.update(
        tables=tables,
        panel=facts.panel,
        leave_out=leave_out,
        recall=facts.sheet_kind == "recall",
        posted=request.method == "POST",
    )
    try:
        comparison = what_if_compare(what_if_run(round_, changes=changes, leave_out=leave_out))
    except ScoringError as error:
        context["error"] = error
        return render(request, "adjudication/desk_what_if.html", context, status=400)
    context.update(comparison=comparison, steps=make_it_so(comparison, request.user))
    return render(request, "adjudication/desk_what_if.html", context)
