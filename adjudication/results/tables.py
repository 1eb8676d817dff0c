"""Results as scrutineers publish them: per event, every round with each judge's marks,
and for finals the marks sheet (majority tables, the rule that decided each place, the
summary with the rule 10 and 11 steps); criteria events with each judge's scores, the
weights, what was dropped and the totals.

``competition_results`` is a selector: it reads a whole competition (or some of its
events) in a fixed number of queries (``facts.competition_facts``), whatever the number
of events, rounds, heats and
marks, and returns plain tables of text. The public pages, the printed reports and the
desk all render the same tables, so what is printed is what is published.

The marks sheets are tabulated here, in memory, by ``adjudication.tabulation`` from the
counted marks (the same input and rules as ``services.tabulate_round``); the places and
the recalls shown are the stored ones (``Placing``), which include the chairman's choice
at a recall tie. Only closed and published rounds have results; with ``published_only``
(every public page) nothing else is read.
"""

from __future__ import annotations

import dataclasses
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q

from adjudication import tabulation
from adjudication.incidents.redance import redance_line
from adjudication.incidents.standing import Standing
from adjudication.incidents.tabulate import skating_tabulation
from adjudication.models import Placing
from adjudication.results.component_tables import component_lines, component_tables
from adjudication.results.facts import RESULT_STATUSES, Facts, competition_facts
from adjudication.results.incidents import incident_lines, out_of_places, standing_text
from adjudication.results.skating_tables import (
    Table,
    final_dance_tables,
    plain,
    tie_tables,
    total_text,
)
from adjudication.services import criteria_rules
from competitions.models import (
    Competition,
    Criterion,
    Dance,
    Entry,
    Event,
    HeatEntry,
    Judge,
    Round,
    RoundKind,
    RoundStatus,
)


@dataclasses.dataclass
class RoundSheet:
    round_id: int
    position: int
    kind: str
    title: str
    status: str
    status_label: str
    lines: list[str]
    tables: list[Table]
    has_results: bool


@dataclasses.dataclass
class JudgeLine:
    letter: str
    name: str


@dataclasses.dataclass
class EventSheet:
    event_id: int
    name: str
    method: str
    position: int
    judges: list[JudgeLine]
    rounds: list[RoundSheet]
    results: Table | None

    @property
    def published_rounds(self) -> int:
        return sum(1 for r in self.rounds if r.status == RoundStatus.PUBLISHED)


@dataclasses.dataclass
class CompetitionSheets:
    competition: Competition
    events: list[EventSheet]
    judge_names: bool


# --- formatting ---------------------------------------------------------------------------------


# --- one round ------------------------------------------------------------------------------


@dataclasses.dataclass
class RoundFacts:
    round: Round
    event: Event
    heat_entries: list[HeatEntry]
    judges: list[Judge]
    dances: list[Dance]
    criteria: list[Criterion]
    marks: list[tuple[int, int | None, int, int | None, Decimal]]
    placings: dict[int, Placing]
    decision: int | None
    redances: list[str] = dataclasses.field(default_factory=list)  # one line each
    accepted: dict[tuple[int, int | None], list] = dataclasses.field(default_factory=dict)
    standing: Standing | None = None
    reasons: bool = False  # the desk's reasons: staff copies only, never the public's
    component_result: dict | None = None  # a component round's stored result

    @property
    def entries(self) -> list[Entry]:
        seen: dict[int, Entry] = {}
        for he in self.heat_entries:
            seen.setdefault(he.entry_id, he.entry)
        return sorted(seen.values(), key=_by_bib)

    @property
    def active(self) -> list[Entry]:
        return [e for e in self.entries if not e.withdrawn]


def _by_bib(entry: Entry) -> tuple[bool, int, int]:
    bib = entry.competitor.bib
    return (bib is None, bib or 0, entry.pk)


def _recall_sheet(rf: RoundFacts) -> tuple[list[str], list[Table]]:
    letters = {j.pk: j.letter for j in rf.judges}
    crossed: dict[tuple[int, int], list[str]] = defaultdict(list)
    for judge_id, dance_id, entry_id, _, _ in rf.marks:
        crossed[(dance_id, entry_id)].append(letters.get(judge_id, "?"))
    active = rf.active
    header = ["Couple", *(d.short_name or d.name for d in rf.dances), "Total", "Recalled"]
    rows = []
    for entry in active:
        placing = rf.placings.get(entry.pk)
        per_dance = ["".join(sorted(crossed[(d.pk, entry.pk)])) for d in rf.dances]
        total = sum(len(crossed[(d.pk, entry.pk)]) for d in rf.dances)
        rows.append(
            [
                entry.bib_label,
                *per_dance,
                plain(placing.total)
                if placing is not None and placing.total is not None
                else str(total),
                "yes" if placing is not None and placing.recalled else _standing(rf, entry),
            ]
        )
    recalled = sum(1 for p in rf.placings.values() if p.recalled)
    requested = min(rf.round.recall_count or 0, len(active))
    lines = [
        f"{len(active)} couples danced; {requested} to be recalled; {recalled} recalled.",
        "Each dance's column lists the judges who marked the couple for the next round.",
        *incident_lines(rf.standing, active, reasons=rf.reasons),
    ]
    if rf.decision is not None:
        lines.append(
            f"Couples tied at the cut-off: the chairman of adjudicators chose to recall "
            f"{rf.decision}."
        )
    lines.extend(_accepted_lines(rf, requested))
    dances = ", ".join(f"{d.short_name or d.name} = {d.name}" for d in rf.dances)
    table = Table(f"Recall marks ({dances})", header, rows, kind="recalls")
    return lines, [table]


def _accepted_lines(rf: RoundFacts, requested: int) -> list[str]:
    """The sheets the chairman accepted with the wrong number of crosses, and why."""
    letters = {j.pk: j.letter for j in rf.judges}
    names = {d.pk: d.name for d in rf.dances}
    return [
        f"Judge {letters.get(judge_id, '?')}, {names.get(dance_id, '?')}: {crosses} crosses "
        f"({requested} asked), accepted as they are by the chairman"
        + (f": {reason}" if rf.reasons else ".")
        for (judge_id, dance_id), (reason, crosses) in sorted(
            rf.accepted.items(), key=lambda item: (letters.get(item[0][0], ""), item[0][1] or 0)
        )
    ]


def _seeded_line(rf: RoundFacts) -> list[str]:
    """The seeded couples who joined the event in this round."""
    seeded = [e.bib_label for e in rf.entries if e.seeded_round == rf.round.position]
    if not seeded:
        return []
    return [
        f"Seeded into round {rf.round.position} (did not dance the rounds before): "
        f"{', '.join(seeded)}."
    ]


def _final_tables(rf: RoundFacts) -> tuple[list[str], list[Table]]:
    letters = [j.letter for j in rf.judges]
    index = {j.pk: i for i, j in enumerate(rf.judges)}
    dance_ids = {d.pk for d in rf.dances}
    marks = [
        (index[judge_id], dance_id, entry_id, value)
        for judge_id, dance_id, entry_id, _, value in rf.marks
        if dance_id in dance_ids and judge_id in index
    ]
    _, result = skating_tabulation(
        rf.round,
        entries=rf.active,
        dances=rf.dances,
        letters=letters,
        marks=marks,
        standing=rf.standing or Standing({}),
    )
    tables = final_dance_tables(result, letters) + tie_tables(result)
    lines = [f"{len(rf.active)} couples in the final, {len(letters)} judges."]
    if result.steps:
        lines.append(f"Ties in the summary were settled by rules 10 and 11 ({len(result.steps)}).")
    lines += incident_lines(rf.standing, rf.active, reasons=rf.reasons)
    if any(p.rule == "R" for d in result.dances for p in d.placings):
        lines.append("R: retired before the dance, placed last in it.")
    return lines, tables


def _standing(rf: RoundFacts, entry: Entry) -> str:
    incident = rf.standing.of(entry.pk) if rf.standing is not None else None
    return standing_text(incident) if incident is not None else ""


def _criteria_tables(rf: RoundFacts) -> tuple[list[str], list[Table]]:
    letters = {j.pk: j.letter for j in rf.judges}
    names = {c.pk: c.name for c in rf.criteria}
    labels = {e.pk: e.bib_label for e in rf.active}
    by_label = {e.bib_label: e for e in rf.active}
    scores: dict[str, dict[str, dict[str, Decimal]]] = {}
    for judge_id, _, entry_id, criterion_id, value in rf.marks:
        if entry_id in labels and criterion_id in names and judge_id in letters:
            scores.setdefault(labels[entry_id], {}).setdefault(letters[judge_id], {})[
                names[criterion_id]
            ] = value
    crit = [
        tabulation.Criterion(c.name, c.min_score, c.max_score, c.step, c.weight)
        for c in rf.criteria
    ]
    judge_letters = [j.letter for j in rf.judges]
    result = tabulation.score_criteria(
        scores, criteria=crit, judges=judge_letters, **criteria_rules(rf.event)
    )
    tables = [
        Table(
            "Criteria",
            ["Criterion", "Weight", "Scores", "Step"],
            [
                [
                    c.name,
                    plain(c.weight),
                    f"{plain(c.min_score)}–{plain(c.max_score)}",
                    plain(c.step),
                ]
                for c in rf.criteria
            ],
            kind="criteria",
        ),
        Table(
            "Ranking",
            ["Place", "Entry", "Name", "Total", "Decided by"],
            [
                [
                    tabulation.place_text(r.place),
                    r.entry,
                    by_label[r.entry].competitor.display_name,
                    total_text(r.total),
                    r.decided_by,
                ]
                for r in result.ranking
            ],
            note="Total: the sum over the criteria of weight × the judges' mean score.",
            kind="ranking",
        ),
    ]
    dropped = {(d.entry, d.judge, d.criterion) for d in result.dropped}
    for r in sorted(result.ranking, key=lambda r: tabulation.natural_key(r.entry)):
        tables.append(_criteria_entry_table(rf, r, scores, dropped, by_label[r.entry]))
    lines = [f"{len(rf.active)} entries, {len(judge_letters)} judges."]
    if result.dropped:
        lines.append("Scores in brackets were dropped (highest and lowest per criterion).")
    else:
        lines.append("No score was dropped: every judge's score counts.")
    return lines, tables


def _criteria_entry_table(
    rf: RoundFacts,
    r: tabulation.EntryResult,
    scores: dict[str, dict[str, dict[str, Decimal]]],
    dropped: set[tuple[str, str, str]],
    entry: Entry,
) -> Table:
    """One entry's scores from each judge (dropped ones in brackets), the means and the
    weighted total."""
    judge_letters = [j.letter for j in rf.judges]
    rows = []
    for letter in judge_letters:
        sheet = scores.get(r.entry, {}).get(letter, {})
        cells = []
        own = Decimal(0)
        for c in rf.criteria:
            value = sheet.get(c.name)
            text = plain(value)
            if (r.entry, letter, c.name) in dropped:
                text = f"({text})"
            cells.append(text)
            own += c.weight * (value or 0)
        rows.append([letter, *cells, plain(own)])
    means = {cs.criterion: cs for cs in r.criteria}
    rows.append(["Mean", *(total_text(means[c.name].mean) for c in rf.criteria), ""])
    rows.append(
        [
            "× weight",
            *(total_text(means[c.name].mean * Fraction(c.weight)) for c in rf.criteria),
            total_text(r.total),
        ]
    )
    return Table(
        f"{r.entry} {entry.competitor.display_name}: place "
        f"{tabulation.place_text(r.place)}, total {total_text(r.total)}",
        ["Judge", *(c.name for c in rf.criteria), "Weighted"],
        rows,
        kind="criteria-entry",
    )


def _component_sheet(rf: RoundFacts) -> tuple[list[str], list[Table]]:
    """A component round's sheet from its stored result (``component_tables``)."""
    data = rf.component_result
    if data is None:
        return [f"{len(rf.active)} couples. The stored result is missing."], []
    names = {e.bib_label: e.competitor.display_name for e in rf.entries}
    recalled = {e.bib_label: rf.placings[e.pk].recalled for e in rf.entries if e.pk in rf.placings}
    lines = component_lines(data) + incident_lines(rf.standing, rf.active, reasons=rf.reasons)
    if rf.decision is not None:
        lines.append(f"The chairman of adjudicators chose to recall {rf.decision}.")
    return lines, component_tables(data, names, recalled)


def round_title(round_: Round, rounds_in_event: int) -> str:
    label = str(RoundKind(round_.kind).label)
    return label if rounds_in_event == 1 else f"Round {round_.position}: {label}"


def _round_sheet(rf: RoundFacts, rounds_in_event: int) -> RoundSheet:
    round_ = rf.round
    has_results = round_.status in RESULT_STATUSES and bool(rf.placings)
    if not has_results:
        lines = [f"{len(rf.active)} entries. No results yet."]
        tables: list[Table] = []
    elif rf.event.is_components:
        lines, tables = _component_sheet(rf)
    elif not rf.event.is_skating:
        lines, tables = _criteria_tables(rf)
    elif round_.kind == RoundKind.FINAL:
        lines, tables = _final_tables(rf)
    else:
        lines, tables = _recall_sheet(rf)
    lines = [*lines, *_seeded_line(rf), *rf.redances]
    return RoundSheet(
        round_id=round_.pk,
        position=round_.position,
        kind=round_.kind,
        title=round_title(round_, rounds_in_event),
        status=round_.status,
        status_label=str(RoundStatus(round_.status).label),
        lines=lines,
        tables=tables,
        has_results=has_results,
    )


def _event_results(event: Event, rounds: list[RoundFacts]) -> Table | None:
    """The event's final ranking: the final's places, then the couples out in each
    earlier round, sharing the places below (as results lists print them)."""
    done = [rf for rf in rounds if rf.round.status in RESULT_STATUSES and rf.placings]
    final = next((rf for rf in done if rf.round.kind == RoundKind.FINAL), None)
    if final is None:
        return None
    rows, gone = [], []  # gone: absent or disqualified, listed last with no place
    placed: set[int] = set()
    by_entry = {e.pk: e for e in final.entries}
    for placing in sorted(
        final.placings.values(),
        key=lambda p: (p.place is None, p.place or 0, _by_bib(by_entry[p.entry_id])),
    ):
        entry = by_entry[placing.entry_id]
        text = plain(placing.place) or out_of_places(final.standing, entry.pk) or "-"
        (rows if placing.place is not None else gone).append(_result_row(text, entry))
        placed.add(entry.pk)
    above = len(rows)
    for rf in sorted(done, key=lambda r: -r.round.position):
        if rf.round.kind == RoundKind.FINAL:
            continue
        out = [
            e
            for e in rf.active
            if e.pk not in placed and not getattr(rf.placings.get(e.pk), "recalled", False)
        ]
        gone += [
            _result_row(out_of_places(rf.standing, e.pk), e)
            for e in out
            if out_of_places(rf.standing, e.pk)
        ]
        placed.update(e.pk for e in out)
        out = [e for e in out if not out_of_places(rf.standing, e.pk)]
        if not out:
            continue
        first, last = above + 1, above + len(out)
        place = str(first) if first == last else f"{first}-{last}"
        rows.extend(_result_row(place, e) for e in out)
        above = last
    rows += gone
    return Table("Results", ["Place", "Number", "Name", "Club", "Country"], rows, kind="results")


def _result_row(place: str, entry: Entry) -> list[str]:
    c = entry.competitor
    return [place, str(c.bib or ""), c.display_name, c.club, c.country]


def competition_results(
    competition: Competition,
    *,
    event_ids: Iterable[int] | None = None,
    published_only: bool = True,
    reasons: bool = False,
) -> CompetitionSheets:
    """The marks sheets of the competition's events (all, or ``event_ids``); with
    ``published_only`` only published rounds are read at all. The desk's reasons (a
    disqualification's, a redance's, an accepted miscount's) are printed only with
    ``reasons``, for the staff: the public sees what happened, not why."""
    facts = competition_facts(competition, event_ids=event_ids, published_only=published_only)
    names = competition.judge_names_public
    zone = zoneinfo.ZoneInfo(competition.timezone)
    events = []
    for event in facts.events:
        judges = facts.panel[event.pk]
        rounds = facts.rounds[event.pk]
        rfs = [
            RoundFacts(
                round=r,
                event=event,
                heat_entries=facts.heat_entries[r.pk],
                judges=facts.round_judges(r),
                dances=facts.dances[event.pk],
                criteria=facts.criteria[event.pk],
                marks=facts.marks[r.pk],
                placings=facts.placings[r.pk],
                decision=facts.decisions.get(r.pk),
                redances=[redance_line(x, zone, reason=reasons) for x in facts.redances[r.pk]],
                accepted=facts.accepted.get(r.pk, {}),
                standing=facts.standings.get(r.pk),
                reasons=reasons,
                component_result=facts.component_results.get(r.pk),
            )
            for r in rounds
        ]
        events.append(
            EventSheet(
                event_id=event.pk,
                name=event.name,
                method=event.scoring_method,
                position=event.position,
                judges=[JudgeLine(j.letter, j.name if names else "") for j in judges],
                rounds=[
                    _round_panel_noted(_round_sheet(rf, len(rounds)), facts, rf.round) for rf in rfs
                ],
                results=_event_results(event, rfs),
            )
        )
    return CompetitionSheets(competition, events, names)


def _round_panel_noted(sheet: RoundSheet, facts: Facts, round_: Round) -> RoundSheet:
    """In an event where a judge was replaced, each round says who judged it."""
    seats = facts.seats[round_.event_id]
    if not any(seat.replaces_id for seat in seats):
        return sheet
    letters = {seat.pk: seat.judge.letter for seat in seats}
    named = [
        f"{seat.judge.letter} (replacing {letters[seat.replaces_id]})"
        if seat.replaces_id
        else seat.judge.letter
        for seat in facts.round_seats(round_)
    ]
    sheet.lines.insert(0, "Judged by " + ", ".join(named) + ".")
    return sheet


def sheets_as_dict(sheets: CompetitionSheets) -> dict[str, Any]:
    """The sheets as JSON types (for tests and the API)."""
    return {
        "competition": sheets.competition.slug,
        "events": [dataclasses.asdict(e) for e in sheets.events],
    }


def event_list_public(*, competition: Competition) -> list[dict[str, Any]]:
    """The competition's events with how many rounds are published (one query)."""
    return list(
        Event.objects.filter(competition=competition)
        .order_by("position", "id")
        .annotate(
            published=Count("rounds", filter=Q(rounds__status=RoundStatus.PUBLISHED)),
            rounds_total=Count("rounds"),
        )
        .values("id", "name", "published", "rounds_total")
    )


def event_get_public(*, competition: Competition, event_id: int) -> Event | None:
    return Event.objects.filter(competition=competition, pk=event_id).first()
