"""Results for other programs: JSON with everything needed to recompute the results
independently, and CSV for spreadsheets. Both are deterministic: the same data gives
the same bytes (no timestamps, no database ids, every list in a fixed order), so a
competition restored from a backup exports byte for byte what the original did.

JSON (``format: "podium-results"``, ``version: 1``)::

    competition: {slug, name, venue, starts_on, ends_on, status}
    judges:      [{letter, name}]              name "" when the organizer publishes letters only
    events: [{
        name, position, style, scoring ("skating" | "criteria" | "components"), entry_kind,
        dances:   [{name, short_name}]                   skating, components
        criteria: [{name, weight, min, max, step}]       criteria
        components: [{name, short_name, weight, min, max, step}]   components
        rules:    {trim, tie_break, outliers}            criteria: how totals are ranked
                  {tolerance, allocation}                components
        panel:    [letter, ...]                          every judge who sat, replacements too
        entries:  [{number, name, club, country, withdrawn}]
        rounds: [{
            position, kind, status, recall (couples asked for; null in a final),
            recall_decision (the chairman's number at a tie, or null),
            panel:   [letter, ...]     who judged this round (a replacement judge: from its round)
            heats:   [{number, entries: [number, ...]}]        running order
            marks:   [{judge, dance, entry, value}]             skating: 1 per cross, or a place
                     [{judge, entry, criterion, value}]         criteria: a score
                     [{judge, dance, entry, criterion, value}]  components: a component's
                                                                score (criterion: its name)
            results: [{entry, place, total, recalled}]          once the round is closed
            scores:  {...}     components, once closed: the round's result as tabulated
                               (adjudication.tabulation.components: every mark with
                               "counted", medians, component/dance scores, totals, places)
        }]
    }]

Entries are named by their number (the bib; ``#n`` before bibs are handed out, n their
order of registration). Numbers are strings of decimals ("2.5", "7.25") so nothing is lost
to floating point. Only marks that count are listed (a paper sheet counts once a second
person confirmed it). With ``published_only`` only published rounds are included.

CSV: one table, a row per entry per round (``record`` = ``entry``) and a row per mark
(``record`` = ``mark``), with the columns of ``CSV_COLUMNS``. A cell that a spreadsheet
would read as a formula (a club ``=1+2``) is written with a leading ``'``
(``scoring_site.spreadsheet``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from adjudication.results import pdf
from adjudication.results.facts import Facts, competition_facts
from adjudication.results.tables import competition_results, plain
from adjudication.services import criteria_rules
from competitions.models import Competition, Entry, Event, Judge, Round, RoundKind
from scoring_site.snapshot import read_snapshot
from scoring_site.spreadsheet import csv_dict_writer

FORMAT = "podium-results"
VERSION = 1

CSV_COLUMNS = (
    "record",
    "event",
    "round",
    "round_kind",
    "round_status",
    "entry",
    "name",
    "club",
    "country",
    "heat",
    "withdrawn",
    "recalled",
    "place",
    "total",
    "judge",
    "dance",
    "criterion",
    "value",
)


def _number(value: Decimal | None) -> str | None:
    return None if value is None else plain(value)


def _entry_numbers(entries: dict[int, list[Entry]]) -> dict[int, str]:
    """Each entry's number: its bib, or ``#n`` in order of registration."""
    numbers: dict[int, str] = {}
    for event_entries in entries.values():
        unnumbered = 0
        for entry in event_entries:
            if entry.competitor.bib is not None:
                numbers[entry.pk] = str(entry.competitor.bib)
            else:
                unnumbered += 1
                numbers[entry.pk] = f"#{unnumbered}"
    return numbers


def _entries(facts: Facts) -> dict[int, list[Entry]]:
    """Every entry of the events (not only those in a round), numbered ones first: one
    query."""
    entries: dict[int, list[Entry]] = {e.pk: [] for e in facts.events}
    for entry in Entry.objects.filter(event_id__in=list(entries)).select_related("competitor"):
        entries[entry.event_id].append(entry)
    for event_entries in entries.values():
        event_entries.sort(
            key=lambda e: (e.competitor.bib is None, e.competitor.bib or 0, e.created_at, e.pk)
        )
    return entries


def _rules(event) -> dict[str, Any]:
    rules = criteria_rules(event)
    outliers = rules["outliers"]
    return {
        "trim": rules["trim"],
        "tie_break": [rule.label for rule in rules["tie_break"]],
        "outliers": {
            "points": _number(outliers.points),
            "fraction_of_range": _number(outliers.fraction_of_range),
        },
    }


def results_data(
    competition: Competition,
    *,
    event_ids: Iterable[int] | None = None,
    published_only: bool = False,
) -> dict[str, Any]:
    """The competition's results as JSON types; see the module's docstring."""
    facts = competition_facts(competition, event_ids=event_ids, published_only=published_only)
    entries = _entries(facts)
    numbers = _entry_numbers(entries)
    names = competition.judge_names_public
    judges = {j.pk: j for seats in facts.panel.values() for j in seats}
    events = [
        _event_data(event, facts, entries[event.pk], numbers, judges) for event in facts.events
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "competition": {
            "slug": competition.slug,
            "name": competition.name,
            "venue": competition.venue,
            "starts_on": competition.starts_on.isoformat(),
            "ends_on": competition.ends_on.isoformat(),
            "status": competition.status,
        },
        "judges": [
            {"letter": j.letter, "name": j.name if names else ""}
            for j in sorted(judges.values(), key=lambda j: j.letter)
        ],
        "events": events,
    }


def _event_data(
    event: Event,
    facts: Facts,
    entries: list[Entry],
    numbers: dict[int, str],
    judges: dict[int, Judge],
) -> dict[str, Any]:
    """One event: its dances or criteria and rules, panel, entries and rounds."""
    item: dict[str, Any] = {
        "name": event.name,
        "position": event.position,
        "style": event.style,
        "scoring": event.scoring_method,
        "entry_kind": event.entry_kind,
    }
    if event.is_danced:
        item["dances"] = [
            {"name": d.name, "short_name": d.short_name} for d in facts.dances[event.pk]
        ]
    if event.is_components:
        item["components"] = [
            {
                "name": c.name,
                "short_name": c.short_name,
                "weight": plain(c.weight),
                "min": plain(c.min_score),
                "max": plain(c.max_score),
                "step": plain(c.step),
            }
            for c in facts.criteria[event.pk]
        ]
        item["rules"] = {
            "tolerance": plain(event.component_tolerance),
            "allocation": event.component_allocation,
        }
    elif not event.is_skating:
        item["criteria"] = [
            {
                "name": c.name,
                "weight": plain(c.weight),
                "min": plain(c.min_score),
                "max": plain(c.max_score),
                "step": plain(c.step),
            }
            for c in facts.criteria[event.pk]
        ]
        item["rules"] = _rules(event)
    item["panel"] = [j.letter for j in facts.panel[event.pk]]
    item["entries"] = [
        {
            "number": numbers[e.pk],
            "name": e.competitor.display_name,
            "club": e.competitor.club,
            "country": e.competitor.country,
            "withdrawn": e.withdrawn,
        }
        for e in entries
    ]
    item["rounds"] = [
        _round_data(event, round_, facts, numbers, judges) for round_ in facts.rounds[event.pk]
    ]
    return item


def _round_data(
    event: Event,
    round_: Round,
    facts: Facts,
    numbers: dict[int, str],
    judges: dict[int, Judge],
) -> dict[str, Any]:
    """One round: its heats, counted marks and results."""
    heats: dict[int, list[str]] = {}
    for he in facts.heat_entries[round_.pk]:
        heats.setdefault(he.heat.number, []).append(numbers[he.entry_id])
    placings = sorted(
        facts.placings[round_.pk].values(),
        key=lambda p: (
            p.place is None,
            p.place or 0,
            _sort_number(numbers[p.entry_id]),
        ),
    )
    return {
        "position": round_.position,
        "kind": round_.kind,
        "status": round_.status,
        "recall": round_.recall_count if round_.kind != RoundKind.FINAL else None,
        "recall_decision": facts.decisions.get(round_.pk),
        "panel": [judge.letter for judge in facts.round_judges(round_)],
        "heats": [{"number": n, "entries": heats[n]} for n in sorted(heats)],
        "marks": _mark_rows(event, round_, facts, numbers, judges),
        "results": [
            {
                "entry": numbers[p.entry_id],
                "place": _number(p.place),
                "total": _number(p.total),
                "recalled": p.recalled,
            }
            for p in placings
        ],
        **(
            {"scores": facts.component_results.get(round_.pk)}
            if event.is_components and round_.pk in facts.component_results
            else {}
        ),
    }


def _mark_rows(
    event: Event,
    round_: Round,
    facts: Facts,
    numbers: dict[int, str],
    judges: dict[int, Judge],
) -> list[dict[str, Any]]:
    """A round's counted marks: by dance, judge and entry (skating), or by entry, judge and
    criterion (criteria)."""
    dances = {d.pk: d.name for d in facts.dances[event.pk]}
    criteria = {c.pk: c.name for c in facts.criteria[event.pk]}
    dance_order = {d.pk: i for i, d in enumerate(facts.dances[event.pk])}
    criterion_order = {c.pk: i for i, c in enumerate(facts.criteria[event.pk])}
    marks = sorted(
        facts.marks[round_.pk],
        key=lambda m: (
            dance_order.get(m[1], -1),
            judges[m[0]].letter,
            _sort_number(numbers[m[2]]),
            criterion_order.get(m[3], -1),
        ),
    )
    if event.is_skating:
        return [
            {
                "judge": judges[judge_id].letter,
                "dance": dances[dance_id],
                "entry": numbers[entry_id],
                "value": plain(value),
            }
            for judge_id, dance_id, entry_id, _, value in marks
        ]
    if event.is_components:
        return [
            {
                "judge": judges[judge_id].letter,
                "dance": dances[dance_id],
                "entry": numbers[entry_id],
                "criterion": criteria[criterion_id],
                "value": plain(value),
            }
            for judge_id, dance_id, entry_id, criterion_id, value in marks
        ]
    marks.sort(
        key=lambda m: (
            _sort_number(numbers[m[2]]),
            judges[m[0]].letter,
            criterion_order[m[3]],
        )
    )
    return [
        {
            "judge": judges[judge_id].letter,
            "entry": numbers[entry_id],
            "criterion": criteria[criterion_id],
            "value": plain(value),
        }
        for judge_id, _, entry_id, criterion_id, value in marks
    ]


def _sort_number(number: str) -> tuple[int, int, str]:
    if number.isdecimal():
        return (0, int(number), number)
    return (1, int(number[1:]) if number[1:].isdecimal() else 0, number)


def results_json(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def results_csv(data: dict[str, Any]) -> bytes:
    """One row per entry per round, then one per mark of that round."""
    out = io.StringIO()
    writer = csv_dict_writer(out, CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for event in data["events"]:
        entries = {e["number"]: e for e in event["entries"]}
        for round_ in event["rounds"]:
            base = {
                "event": event["name"],
                "round": round_["position"],
                "round_kind": round_["kind"],
                "round_status": round_["status"],
            }
            results = {r["entry"]: r for r in round_["results"]}
            for heat in round_["heats"]:
                for number in heat["entries"]:
                    entry = entries[number]
                    result = results.get(number, {})
                    recalled = result.get("recalled")
                    writer.writerow(
                        {
                            **base,
                            "record": "entry",
                            "entry": number,
                            "name": entry["name"],
                            "club": entry["club"],
                            "country": entry["country"],
                            "heat": heat["number"],
                            "withdrawn": "yes" if entry["withdrawn"] else "",
                            "recalled": "" if recalled is None else ("yes" if recalled else "no"),
                            "place": result.get("place") or "",
                            "total": result.get("total") or "",
                        }
                    )
            for mark in round_["marks"]:
                entry = entries[mark["entry"]]
                writer.writerow(
                    {
                        **base,
                        "record": "mark",
                        "entry": mark["entry"],
                        "name": entry["name"],
                        "club": entry["club"],
                        "country": entry["country"],
                        "judge": mark["judge"],
                        "dance": mark.get("dance", ""),
                        "criterion": mark.get("criterion", ""),
                        "value": mark["value"],
                    }
                )
    return out.getvalue().encode()


FORMATS = ("json", "csv", "pdf")
REPORTS = ("all", "results", "judges", "running-order")


@read_snapshot()
def export_build(
    competition: Competition,
    *,
    fmt: str,
    event_ids: Iterable[int] | None = None,
    published_only: bool = False,
    report: str = "all",
) -> bytes:
    """The export's bytes. PDF ``report``: ``results`` (results and marks sheets),
    ``judges`` (each judge's sheet to sign), ``running-order``, or ``all`` three in
    one file."""
    if fmt == "json":
        return results_json(
            results_data(competition, event_ids=event_ids, published_only=published_only)
        )
    if fmt == "csv":
        return results_csv(
            results_data(competition, event_ids=event_ids, published_only=published_only)
        )
    if fmt != "pdf":
        raise ValueError(f"unknown format {fmt!r}")
    stories = []
    if report in ("all", "results"):
        sheets = competition_results(
            competition, event_ids=event_ids, published_only=published_only, reasons=True
        )
        stories.append(pdf.results_story(sheets))
    if report in ("all", "judges", "running-order"):
        facts = competition_facts(competition, event_ids=event_ids, published_only=published_only)
        if report in ("all", "judges"):
            stories.append(pdf.judge_sheets_story(competition, facts))
        if report in ("all", "running-order"):
            stories.append(
                pdf.running_order_story(competition, pdf.running_order(facts, competition))
            )
    titles = {"all": "results and sheets", "judges": "judges' sheets"}
    return pdf.combined_pdf(
        f"{competition.name} – {titles.get(report, report.replace('-', ' '))}", stories
    )
